"""The audit log reads like a register: objects by what they are (稿件《…》, 问政件 WZ…,
账号「…」), actors by their names, and an action filter in Chinese."""

import re
from pathlib import Path

from rongmei.core import audit_labels
from rongmei.core.models import AuditEvent

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_REPR = re.compile(r"\w+ object \(\d+\)")


def test_every_recorded_action_has_a_chinese_name():
    """Every action the code records (literal names) has a label, so the filter and the
    table never show a bare code."""
    found = set()
    for path in ROOT.rglob("*.py"):
        if "tests" in path.parts or "migrations" in path.parts:
            continue
        found |= set(re.findall(r"record(?:_for_person)?\(\s*\"([a-z_0-9]+\.[a-z_0-9]+)\"", path.read_text()))
    assert len(found) > 50
    missing = sorted(a for a in found if audit_labels.label(a) == a)
    assert not missing, f"no Chinese name for {missing}"


def test_demo_events_name_their_objects(demo):
    events = AuditEvent.objects.filter(center=demo["demo"])
    assert not [e.object_repr for e in events if DEFAULT_REPR.fullmatch(e.object_repr)]
    story = events.filter(action="story.create").first()
    assert story.object_repr.startswith("稿件《") and story.object_repr.endswith("》")
    sign_off = events.filter(action="review.sign_off").first()
    assert sign_off.object_repr.startswith("稿件《"), sign_off.object_repr
    assert events.filter(action="signoff.append").first().object_repr.startswith("稿件《")
    case = events.filter(action="inquiry.accept").first()
    assert case.object_repr.startswith("问政件 WZ"), case.object_repr
    user = events.filter(action="user.create").first()
    assert user.object_repr.startswith("账号「") and "（" in user.object_repr, user.object_repr


def test_audit_page_shows_names_not_usernames(login, demo):
    page = login("admin").get("/audit/?action=review.sign_off").content.decode()
    assert "稿件《" in page
    assert "陈静" in page                                  # reviewer3's name
    assert "<td>reviewer3</td>" not in page
    assert "Review object" not in page


def test_action_filter_offers_chinese_names(login, demo):
    page = login("admin").get("/audit/").content.decode()
    assert '<select name="action"' in page
    assert '<option value="review.sign_off">签发</option>' in page
    assert "如 auth.login" not in page
    # a room's group: all its actions at once
    assert '<option value="review.">' in page
    response = login("admin").get("/audit/?action=inquiry.")
    rows = response.context["page"].object_list
    assert rows and all(e.action.startswith("inquiry.") for e in rows)


def test_object_kind_filter_in_chinese(login, demo):
    page = login("admin").get("/audit/").content.decode()
    assert '<option value="newsroom.story">稿件</option>' in page
    rows = login("admin").get("/audit/?object_type=inquiry.case").context["page"].object_list
    assert rows and all(e.object_type == "inquiry.case" for e in rows)


def test_actor_filter_finds_by_name_or_username(login, demo):
    client = login("admin")
    by_name = client.get("/audit/?actor=陈静").context["page"].object_list
    by_username = client.get("/audit/?actor=reviewer3").context["page"].object_list
    assert by_name and {e.pk for e in by_name} == {e.pk for e in by_username}


def test_old_events_with_a_bare_repr_are_named_when_shown(demo):
    """Events written before names existed still read well (the row cannot be changed)."""
    from rongmei.review.models import Review

    review = Review.objects.filter(center=demo["demo"]).select_related("story").first()
    event = AuditEvent(object_type="review.review", object_id=str(review.pk), object_repr=f"Review object ({review.pk})")
    assert audit_labels.object_label(event) == f"稿件《{review.story}》"
