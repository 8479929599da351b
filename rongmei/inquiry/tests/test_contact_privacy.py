"""The citizen's phone and e-mail on the case page (issue 11, item 5): masked; the
coordinator handling the case reveals them by a POST that is audited; nobody else can."""

from rongmei.core.models import AuditEvent

PHONE = "13812341234"


def test_the_case_page_masks_the_contact(login, make_case):
    case = make_case(email="zhou.ting@example.cn")
    page = login("coordinator").get(f"/inquiry/cases/{case.pk}/").content.decode()
    assert PHONE not in page and "138****1234" in page
    assert "zhou.ting@example.cn" not in page and "z***@example.cn" in page
    assert 'data-testid="reveal-contact"' in page


def test_the_coordinator_reveals_the_contact_and_it_is_audited(login, make_case):
    case = make_case(email="zhou.ting@example.cn")
    client = login("coordinator")
    assert client.get(f"/inquiry/cases/{case.pk}/contact/").status_code == 405
    response = client.post(f"/inquiry/cases/{case.pk}/contact/")
    assert response.status_code == 200
    assert PHONE in response.content.decode() and "zhou.ting@example.cn" in response.content.decode()
    event = AuditEvent.objects.filter(action="inquiry.reveal_contact").latest("id")
    assert event.actor.username == "coordinator" and event.object_id == str(case.pk)
    assert event.after == {"case": case.code}


def test_roles_without_the_need_cannot_reveal(login, make_case):
    case = make_case()
    for role in ["editor", "reporter", "analyst", "liaison"]:
        response = login(role).post(f"/inquiry/cases/{case.pk}/contact/")
        assert response.status_code == 403, role
        assert PHONE not in response.content.decode()
    assert not AuditEvent.objects.filter(action="inquiry.reveal_contact", object_id=str(case.pk)).exists()
