"""Leads → topics → assignments → stories, the board, and isolation."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from rongmei.core.models import Notification, User
from rongmei.newsroom.services import stories as story_svc
from rongmei.planning import services
from rongmei.planning.models import Assignment, Lead, Topic


@pytest.fixture
def people(demo):
    return {u.username: u for u in User.objects.filter(username__in=["reporter", "editor", "operator", "lx_reporter"])}


def test_other_rooms_create_leads_once_per_origin(demo):
    first = services.create_lead(center=demo["demo"], source="tip", title="群众爆料：路口积水", content="新塘村路口积水很深。", source_ref="tip-1")
    again = services.create_lead(center=demo["demo"], source="tip", title="重复", content="重复", source_ref="tip-1")
    assert first.pk == again.pk
    with pytest.raises(ValidationError) as exc:
        services.create_lead(center=demo["demo"], title="", content="")
    assert set(exc.value.message_dict) == {"title", "content"}


def test_lead_to_topic_to_assignment_to_filed_story(demo, people, login):
    center, editor, reporter = demo["demo"], people["editor"], people["reporter"]
    lead = services.create_lead(center=center, title="东湖镇路灯不亮", content="群众反映东湖镇主街路灯不亮。")
    topic = services.lead_to_topic(lead=lead, user=editor, title="东湖镇主街路灯修复追踪")
    assert topic.status == Topic.Status.APPROVED  # an editor's own topic needs no second approval
    lead.refresh_from_db()
    assert lead.status == Lead.Status.TOPIC and lead.topic == topic
    with pytest.raises(ValidationError):
        services.dismiss_lead(lead=lead, user=editor, reason="重复")
    deadline = timezone.now() + dt.timedelta(hours=6)
    assignment = services.create_assignment(center=center, user=editor, topic=topic, title="路灯修复现场", deadline=deadline,
                                            members=[(reporter, "reporter")], deliverables=["text", "photo"])
    assert Notification.objects.filter(recipient=reporter, title__contains="路灯修复现场").exists()
    services.accept_assignment(assignment=assignment, user=reporter)
    story = services.start_story(assignment=assignment, user=reporter)
    assert services.start_story(assignment=assignment, user=reporter) == story
    assignment.refresh_from_db()
    assert assignment.status == Assignment.Status.ON_SITE and assignment.story == story
    story_svc.change_status(story=story, user=reporter, action="file")
    assignment.refresh_from_db()
    assert assignment.status == Assignment.Status.FILED
    assert Notification.objects.filter(recipient=editor, title__contains="已交稿").exists()
    page = login("editor").get(f"/stories/{story.pk}/").content.decode()
    assert "来自策划调度" in page and "路灯修复现场" in page and "东湖镇主街路灯修复追踪" in page


def test_reporter_proposes_and_editor_decides(demo, people):
    topic = services.propose_topic(center=demo["demo"], user=people["reporter"], title="西岭乡云雾村茶叶直播带货")
    assert topic.status == Topic.Status.PROPOSED
    with pytest.raises(ValidationError) as exc:
        services.decide_topic(topic=topic, user=people["editor"], approve=False, note="")
    assert "写明意见" in exc.value.messages[0]
    services.decide_topic(topic=topic, user=people["editor"], approve=False, note="本周已有同类报道")
    assert Notification.objects.filter(recipient=people["reporter"], title__contains="未通过").exists()


def test_assignments_go_to_center_reporters_only(demo, people):
    with pytest.raises(ValidationError) as exc:
        services.create_assignment(center=demo["demo"], user=people["editor"], title="x", deadline=timezone.now(),
                                   members=[(people["lx_reporter"], "reporter")])
    assert "members" in exc.value.message_dict


def test_open_assignment_can_be_claimed_once(demo, people):
    assignment = services.create_assignment(center=demo["demo"], user=people["editor"], title="抢单任务",
                                            deadline=timezone.now() + dt.timedelta(hours=3))
    services.accept_assignment(assignment=assignment, user=people["reporter"])
    with pytest.raises(ValidationError):
        services.accept_assignment(assignment=assignment, user=people["editor"])


def test_overdue_flag(demo, people):
    late = services.create_assignment(center=demo["demo"], user=people["editor"], title="逾期任务",
                                      starts_at=timezone.now() - dt.timedelta(hours=5), deadline=timezone.now() - dt.timedelta(hours=1),
                                      members=[(people["reporter"], "reporter")])
    assert late.is_overdue


def test_board_shows_what_moved_today_even_when_due_later(demo, people):
    """Late in the evening an assignment dispatched now is due tomorrow; once filed it left
    the day's board, so the desk never saw tonight's work (the journey failed after 16:00 UTC)."""
    from rongmei.planning import selectors

    task = services.create_assignment(center=demo["demo"], user=people["editor"], title="夜间突发采访",
                                      deadline=timezone.now() + dt.timedelta(days=1, hours=2),
                                      members=[(people["reporter"], "reporter")])
    Assignment.objects.filter(pk=task.pk).update(status=Assignment.Status.FILED)
    today = timezone.localdate()
    lanes = {c["status"]: c["items"] for c in selectors.board(demo["demo"], today, today)["columns"]}
    assert task in lanes[Assignment.Status.FILED]


def test_board_calendar_and_screen(login, demo):
    client = login("editor")
    board = client.get("/planning/")
    assert board.status_code == 200 and "采访任务" in board.content.decode()
    assert client.get("/planning/?range=week").status_code == 200
    assert client.get("/planning/calendar/?month=2026-12").status_code == 200
    assert client.get("/planning/calendar/?month=garbage").status_code == 200
    screen = client.get("/planning/screen/")
    assert 'hx-trigger="every 30s"' in screen.content.decode()
    partial = client.get("/planning/screen/", HTTP_HX_REQUEST="true")
    assert "<html" not in partial.content.decode() and "指挥调度" in partial.content.decode()


def test_pages_and_api_are_isolated(login, demo, people):
    foreign_lead = services.create_lead(center=demo["linxian"], title="邻县线索", content="内容")
    foreign_topic = services.propose_topic(center=demo["linxian"], user=people["lx_reporter"], title="邻县选题")
    foreign_task = services.create_assignment(center=demo["linxian"], user=people["editor"], title="邻县任务",
                                              deadline=timezone.now() + dt.timedelta(hours=1))
    client = login("editor")
    assert client.get(f"/planning/topics/{foreign_topic.pk}/").status_code == 404
    assert client.get(f"/planning/assignments/{foreign_task.pk}/").status_code == 404
    assert client.post(f"/planning/leads/{foreign_lead.pk}/dismiss/", {"reason": "x"}).status_code == 404
    assert client.get(f"/api/v1/assignments/{foreign_task.pk}").status_code == 404


def test_reporter_app_api(login, demo, people):
    assignment = services.create_assignment(center=demo["demo"], user=people["editor"], title="接口任务",
                                            deadline=timezone.now() + dt.timedelta(hours=3), members=[(people["reporter"], "reporter")])
    client = login("reporter")
    assert assignment.pk in [a["id"] for a in client.get("/api/v1/assignments/mine").json()["items"]]
    assert client.post(f"/api/v1/assignments/{assignment.pk}/accept").json()["status"] == "accepted"
    story_id = client.post(f"/api/v1/assignments/{assignment.pk}/story").json()["story_id"]
    assert client.get(f"/api/v1/stories/{story_id}").json()["headline"] == "接口任务"
    assert login("operator").post(f"/api/v1/assignments/{assignment.pk}/accept").status_code == 403
