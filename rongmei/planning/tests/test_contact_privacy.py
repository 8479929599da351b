"""Citizens' phone numbers on the leads page (issue 11, item 5): masked for every role;
revealed only by a deliberate POST of someone whose work needs it, and audited."""

import datetime as dt

import pytest
from django.utils import timezone

from rongmei.core.models import AuditEvent, User
from rongmei.core.search.models import SearchEntry
from rongmei.inquiry import services as inquiry_services
from rongmei.inquiry.services import Submission
from rongmei.planning import services
from rongmei.planning.models import Lead, Topic

PHONE = "13912345678"
MASKED = "139****5678"


@pytest.fixture
def tip_lead(demo):
    """A citizen's tip, accepted by the coordinator, becomes a lead (the real path)."""
    case = inquiry_services.submit(center=demo["demo"], sub=Submission(
        kind="tip", title="幸福路夜市占道经营", text=f"幸福路夜市每晚占满人行道，我是附近居民，电话{PHONE}，可以联系我。",
        phone=PHONE, name="周女士"))
    coordinator = User.objects.get(username="coordinator")
    case = inquiry_services.accept(case=case, user=coordinator)
    return Lead.objects.get(pk=case.lead_id_ref)


@pytest.mark.parametrize("role", ["editor", "analyst", "operator", "reporter", "coordinator", "reviewer1"])
def test_the_leads_page_shows_only_the_masked_number(login, tip_lead, role):
    page = login(role).get("/planning/leads/").content.decode()
    assert f'data-lead="{tip_lead.pk}"' in page
    assert PHONE not in page
    assert MASKED in page


def test_the_coordinator_reveals_it_and_the_look_is_audited(login, tip_lead):
    client = login("coordinator")
    assert f'data-testid="reveal-{tip_lead.pk}"' in client.get("/planning/leads/").content.decode()
    assert client.get(f"/planning/leads/{tip_lead.pk}/contact/").status_code == 405  # a deliberate POST only
    response = client.post(f"/planning/leads/{tip_lead.pk}/contact/")
    assert response.status_code == 200 and PHONE in response.content.decode()
    assert "no-cache" in response["Cache-Control"] or "no-store" in response["Cache-Control"]
    event = AuditEvent.objects.filter(action="lead.reveal_contact").latest("id")
    assert event.actor.username == "coordinator" and event.object_id == str(tip_lead.pk)
    assert event.center == tip_lead.center and event.created_at is not None


@pytest.mark.parametrize("role", ["editor", "analyst", "operator", "reporter"])
def test_roles_without_the_need_are_refused(login, tip_lead, role):
    client = login(role)
    assert f'data-testid="reveal-{tip_lead.pk}"' not in client.get("/planning/leads/").content.decode()
    response = client.post(f"/planning/leads/{tip_lead.pk}/contact/")
    assert response.status_code == 403 and PHONE not in response.content.decode()
    assert not AuditEvent.objects.filter(action="lead.reveal_contact", object_id=str(tip_lead.pk)).exists()


def test_the_reporter_assigned_to_call_back_may_reveal(demo, login, tip_lead):
    editor, reporter = User.objects.get(username="editor"), User.objects.get(username="reporter")
    topic = services.lead_to_topic(lead=tip_lead, user=editor, title=tip_lead.title)
    Topic.objects.filter(pk=topic.pk).update(status=Topic.Status.APPROVED)
    topic.refresh_from_db()
    assert PHONE not in topic.description  # the story text was masked before it became a topic
    services.create_assignment(center=demo["demo"], user=editor, title="回访爆料人", topic=topic,
                               deadline=timezone.now() + dt.timedelta(days=1), members=[(reporter, "reporter")])
    response = login("reporter").post(f"/planning/leads/{tip_lead.pk}/contact/")
    assert response.status_code == 200 and PHONE in response.content.decode()
    assert AuditEvent.objects.filter(action="lead.reveal_contact", actor=reporter, object_id=str(tip_lead.pk)).exists()
    assert login("editor").post(f"/planning/leads/{tip_lead.pk}/contact/").status_code == 403


def test_the_number_is_in_no_lead_text_and_not_in_the_search_index(demo, login, tip_lead):
    assert PHONE not in tip_lead.content and MASKED in tip_lead.content
    assert not SearchEntry.objects.filter(body__contains=PHONE).exists()
    assert not SearchEntry.objects.filter(title__contains=PHONE).exists()
    found = login("editor").get("/search/", {"q": PHONE})
    assert "没有找到" in found.content.decode()  # the page echoes the query, and finds nothing
