"""The planning API (issue 14) over real HTTP: leads, topics, plans, assignments, the board
and the duty roster — permissions as on the screens, another center's ids 404, state
conflicts 409, field errors 422 in Chinese, cursor pages exact."""

import datetime as dt
import json

import pytest
from django.utils import timezone

from rongmei.core.models import AuditEvent, User
from rongmei.planning import services
from rongmei.planning.models import Assignment, Lead, Topic

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(demo):
    names = ["reporter", "editor", "operator", "coordinator", "liaison", "lx_reporter", "reviewer3"]
    return {u.username: u for u in User.objects.filter(username__in=names)}


def post(client, path, data=None):
    return client.post(path, json.dumps(data or {}), content_type="application/json")


def chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def _all_pages(client, path: str) -> list[int]:
    ids, url = [], path
    while True:
        page = client.get(url).json()
        ids += [item["id"] for item in page["items"]]
        if not page["next"]:
            return ids
        url = f"{path}&cursor={page['next']}"


# --- Leads -------------------------------------------------------------------------------------

def test_leads_filter_and_page_exactly(login, demo, people):
    made = [services.create_lead(center=demo["demo"], title=f"接口翻页线索{i}", content="水管爆裂", created_by=people["reporter"],
                                 source="tip" if i else "staff") for i in range(3)]
    services.create_lead(center=demo["linxian"], title="接口翻页线索（邻县）", content="x")
    client = login("reporter")
    first = client.get("/api/v1/leads?q=接口翻页线索&limit=2").json()
    assert [x["id"] for x in first["items"]] == [made[2].pk, made[1].pk] and first["next"]
    second = client.get(f"/api/v1/leads?q=接口翻页线索&limit=2&cursor={first['next']}").json()
    assert [x["id"] for x in second["items"]] == [made[0].pk] and second["next"] is None
    assert [x["id"] for x in client.get("/api/v1/leads?q=接口翻页线索&source=tip").json()["items"]] == [made[2].pk, made[1].pk]
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    assert client.get(f"/api/v1/leads?q=接口翻页线索&since={tomorrow}").json()["items"] == []
    assert len(client.get(f"/api/v1/leads?q=接口翻页线索&until={tomorrow}").json()["items"]) == 3
    bad = client.get("/api/v1/leads?cursor=garbage")
    assert bad.status_code == 400 and chinese(bad.json()["detail"])
    wrong = client.get("/api/v1/leads?status=whatever")
    assert wrong.status_code == 422 and "status" in wrong.json()["errors"]
    assert login("liaison").get("/api/v1/leads").status_code == 403


def test_lead_contact_is_masked_and_revealed_only_to_who_needs_it(login, demo, people):
    lead = services.create_lead(center=demo["demo"], source="tip", title="接口爆料", content="请回电 13912345678",
                                contact="13912345678", created_by=people["reporter"])
    shown = login("editor").get(f"/api/v1/leads/{lead.pk}").json()
    assert "13912345678" not in json.dumps(shown) and shown["contact_masked"] and not shown["contact_revealable"]
    refused = login("editor").post(f"/api/v1/leads/{lead.pk}/contact")
    assert refused.status_code == 403 and chinese(refused.json()["detail"])
    assert login("reporter").get(f"/api/v1/leads/{lead.pk}").json()["contact_revealable"] is True
    before = AuditEvent.objects.filter(action="lead.reveal_contact").count()
    assert login("coordinator").post(f"/api/v1/leads/{lead.pk}/contact").json()["contact"] == "13912345678"
    assert AuditEvent.objects.filter(action="lead.reveal_contact").count() == before + 1


def test_lead_dismiss_and_turn_into_topic(login, demo, people):
    center = demo["demo"]
    one = services.create_lead(center=center, title="接口线索甲", content="内容")
    two = services.create_lead(center=center, title="接口线索乙", content="内容")
    editor = login("editor")
    assert login("reporter").post(f"/api/v1/leads/{one.pk}/dismiss", content_type="application/json",
                                  data={"reason": "重复"}).status_code == 403
    empty = post(editor, f"/api/v1/leads/{one.pk}/dismiss", {"reason": " "})
    assert empty.status_code == 422 and "原因" in empty.json()["detail"]
    assert Lead.objects.get(pk=one.pk).status == Lead.Status.NEW  # a refusal changes nothing
    done = post(editor, f"/api/v1/leads/{one.pk}/dismiss", {"reason": "与已发稿件重复"})
    assert done.status_code == 200 and done.json()["status"] == "dismissed"
    again = post(editor, f"/api/v1/leads/{one.pk}/dismiss", {"reason": "再来"})
    assert again.status_code == 409 and "已经处理过" in again.json()["detail"]
    topic = post(editor, f"/api/v1/leads/{two.pk}/topic", {"title": "接口线索乙追踪", "planned_for": "2026-12-10"})
    assert topic.status_code == 201 and topic.json()["status"] == "approved"
    assert Lead.objects.get(pk=two.pk).topic_id == topic.json()["id"]
    assert post(editor, f"/api/v1/leads/{two.pk}/topic", {"title": "再转"}).status_code == 409
    created = post(login("reporter"), "/api/v1/leads", {"title": "接口新线索", "content": "内容", "source": "tip"})
    assert created.status_code == 201 and created.json()["source"] == "tip"
    assert post(login("reporter"), "/api/v1/leads", {"title": "", "content": ""}).json()["errors"].keys() >= {"title", "content"}


# --- Topics and plans --------------------------------------------------------------------------

def test_topic_proposed_commented_and_decided(login, demo, people):
    reporter, editor = login("reporter"), login("editor")
    proposed = post(reporter, "/api/v1/topics", {"title": "接口选题：茶叶直播", "description": "角度"})
    assert proposed.status_code == 201 and proposed.json()["status"] == "proposed"
    pk = proposed.json()["id"]
    assert post(reporter, f"/api/v1/topics/{pk}/approve").status_code == 403
    assert post(login("operator"), "/api/v1/topics", {"title": "运营不能申报"}).status_code == 403
    no_note = post(editor, f"/api/v1/topics/{pk}/reject", {"note": ""})
    assert no_note.status_code == 422 and "意见" in no_note.json()["detail"]
    assert post(editor, f"/api/v1/topics/{pk}/comments", {"body": "角度再聚焦一些"}).status_code == 201
    detail = reporter.get(f"/api/v1/topics/{pk}").json()
    assert [c["body"] for c in detail["comments"]] == ["角度再聚焦一些"] and detail["comment_count"] == 1
    assert pk in [t["id"] for t in editor.get("/api/v1/topics?status=proposed&q=茶叶直播").json()["items"]]
    approved = post(editor, f"/api/v1/topics/{pk}/approve", {"note": "同意"})
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    late = post(editor, f"/api/v1/topics/{pk}/reject", {"note": "改主意了"})
    assert late.status_code == 409 and "审批过" in late.json()["detail"]
    assert Topic.objects.get(pk=pk).status == Topic.Status.APPROVED


def test_topic_fields_from_another_center_are_refused(login, demo, people):
    foreign_plan = services.create_plan(center=demo["linxian"], user=people["lx_reporter"], title="邻县策划")
    answer = post(login("editor"), "/api/v1/topics", {"title": "接口选题", "plan_id": foreign_plan.pk})
    assert answer.status_code == 422 and "plan_id" in answer.json()["errors"]
    assert not Topic.objects.filter(title="接口选题").exists()


def test_plans(login, demo, people):
    editor = login("editor")
    assert post(login("reporter"), "/api/v1/plans", {"title": "记者不能建策划"}).status_code == 403
    wrong = post(editor, "/api/v1/plans", {"title": "接口策划", "starts_on": "2026-12-10", "ends_on": "2026-12-01"})
    assert wrong.status_code == 422 and "ends_on" in wrong.json()["errors"]
    made = post(editor, "/api/v1/plans", {"title": "接口策划", "starts_on": "2026-12-01", "ends_on": "2026-12-10"})
    assert made.status_code == 201 and made.json()["topic_count"] == 0
    assert made.json()["id"] in _all_pages(login("reporter"), "/api/v1/plans?limit=1")
    assert login("reporter").get(f"/api/v1/plans/{made.json()['id']}").json()["title"] == "接口策划"


# --- Assignments -------------------------------------------------------------------------------

def test_dispatch_accept_and_move_an_assignment(login, demo, people):
    editor, reporter = login("editor"), login("reporter")
    proposed = services.propose_topic(center=demo["demo"], user=people["reporter"], title="未审批的选题")
    refused = post(editor, "/api/v1/assignments", {"title": "x", "topic_id": proposed.pk})
    assert refused.status_code == 422 and "topic" in refused.json()["errors"]
    outsider = post(editor, "/api/v1/assignments", {"title": "x", "members": [{"user_id": people["lx_reporter"].pk}]})
    assert outsider.status_code == 422 and outsider.json()["errors"]["members"] == ["只能派给本中心的记者或编辑。"]
    assert post(editor, "/api/v1/assignments", {"title": "x", "members": [{"user_id": 987654321}]}).status_code == 422
    assert post(reporter, "/api/v1/assignments", {"title": "记者不能派单"}).status_code == 403
    made = post(editor, "/api/v1/assignments", {
        "title": "接口派单", "location": "东湖镇", "deadline": "2030-01-02T18:00:00", "deliverables": ["text", "photo"],
        "members": [{"user_id": people["reporter"].pk, "role": "reporter"}]})
    assert made.status_code == 201, made.content
    task = made.json()
    assert task["status"] == "open" and task["deadline"].startswith("2030-01-02T10:00:00")  # Beijing time, stored in UTC
    pk = task["id"]
    assert reporter.post(f"/api/v1/assignments/{pk}/accept").json()["status"] == "accepted"
    assert reporter.post(f"/api/v1/assignments/{pk}/accept").status_code == 409
    assert post(login("operator"), f"/api/v1/assignments/{pk}/status", {"action": "on_site"}).status_code == 403
    assert post(reporter, f"/api/v1/assignments/{pk}/status", {"action": "on_site"}).json()["status"] == "on_site"
    wrong = post(reporter, f"/api/v1/assignments/{pk}/status", {"action": "done"})
    assert wrong.status_code == 409 and "不能" in wrong.json()["detail"]
    assert post(reporter, f"/api/v1/assignments/{pk}/status", {"action": "cancel"}).status_code == 403
    assert post(reporter, f"/api/v1/assignments/{pk}/status", {"action": "fly"}).status_code == 422
    assert post(editor, f"/api/v1/assignments/{pk}/status", {"action": "cancel"}).json()["status"] == "cancelled"
    assert Assignment.objects.get(pk=pk).status == Assignment.Status.CANCELLED


def test_assignment_lists_page_exactly(login, demo, people):
    topic = services.propose_topic(center=demo["demo"], user=people["editor"], title="接口翻页选题")
    now = timezone.now()
    made = [services.create_assignment(center=demo["demo"], user=people["editor"], topic=topic, title=f"翻页任务{i}",
                                       deadline=now + dt.timedelta(hours=10 - i),
                                       members=[(people["reporter"], "reporter")] if i else [])
            for i in range(3)]
    editor = login("editor")
    path = f"/api/v1/assignments?topic_id={topic.pk}&limit=2"
    first = editor.get(path).json()
    assert [a["id"] for a in first["items"]] == [made[2].pk, made[1].pk] and first["next"]
    second = editor.get(f"{path}&cursor={first['next']}").json()
    assert [a["id"] for a in second["items"]] == [made[0].pk] and second["next"] is None
    reporter = login("reporter")
    assert set(_all_pages(reporter, f"/api/v1/assignments?topic_id={topic.pk}&mine=true&limit=1")) == {made[1].pk, made[2].pk}
    mine = _all_pages(reporter, "/api/v1/assignments/mine?limit=1")
    assert {made[1].pk, made[2].pk, made[0].pk} <= set(mine) and len(mine) == len(set(mine))
    assert login("operator").get("/api/v1/assignments/mine").status_code == 403


# --- Board and duty ----------------------------------------------------------------------------

def test_board_is_the_screens_data(login, demo, people):
    task = services.create_assignment(center=demo["demo"], user=people["editor"], title="接口看板任务",
                                      deadline=timezone.now() + dt.timedelta(minutes=30), members=[(people["reporter"], "reporter")])
    client = login("operator")
    day = client.get("/api/v1/board").json()
    columns = {c["status"]: [card["id"] for card in c["cards"]] for c in day["columns"]}
    assert list(columns) == ["open", "accepted", "on_site", "filed", "done"] and task.pk in columns["open"]
    lane = next(p for p in day["people"] if p["person"]["id"] == people["reporter"].pk)
    assert task.pk in lane["assignment_ids"] and day["total"] >= 1 and day["start"] == day["end"]
    week = client.get("/api/v1/board?span=week&date=2026-12-09").json()
    assert (week["start"], week["end"]) == ("2026-12-07", "2026-12-13")
    assert client.get("/api/v1/board?span=month").status_code == 422
    assert login("liaison").get("/api/v1/board").status_code == 403


def test_duty_roster_read_only(login, demo, people):
    day = timezone.localdate() + dt.timedelta(days=40)
    shifts = [services.assign_duty(center=demo["demo"], user=people["reviewer3"], date=day, desk=desk, person=people["reporter"],
                                   quiet=True) for desk in ("day", "night")]
    client = login("reporter")
    got = _all_pages(client, f"/api/v1/duty-shifts?start={day}&end={day}&limit=1")
    assert got == [s.pk for s in shifts]
    assert client.get(f"/api/v1/duty-shifts?start={day}&end={day - dt.timedelta(days=1)}").status_code == 400
    assert client.get(f"/api/v1/duty-shifts?start={day}&end={day + dt.timedelta(days=200)}").status_code == 400
    assert client.get("/api/v1/duty-shifts").status_code == 200
    assert login("liaison").get("/api/v1/duty-shifts").status_code == 403


# --- Tenancy and the document ------------------------------------------------------------------

def test_another_centers_ids_are_404(login, demo, people):
    b = demo["linxian"]
    lead = services.create_lead(center=b, title="邻县线索", content="内容", contact="13900000000")
    topic = services.propose_topic(center=b, user=people["lx_reporter"], title="邻县选题")
    plan = services.create_plan(center=b, user=people["lx_reporter"], title="邻县策划")
    task = services.create_assignment(center=b, user=people["lx_reporter"], title="邻县任务",
                                      deadline=timezone.now() + dt.timedelta(hours=2))
    editor = login("editor")
    for path in (f"/api/v1/leads/{lead.pk}", f"/api/v1/topics/{topic.pk}", f"/api/v1/plans/{plan.pk}",
                 f"/api/v1/assignments/{task.pk}"):
        assert editor.get(path).status_code == 404, path
    for path, data in ((f"/api/v1/leads/{lead.pk}/contact", {}), (f"/api/v1/leads/{lead.pk}/dismiss", {"reason": "x"}),
                       (f"/api/v1/leads/{lead.pk}/topic", {"title": "x"}), (f"/api/v1/topics/{topic.pk}/approve", {}),
                       (f"/api/v1/topics/{topic.pk}/comments", {"body": "x"}),
                       (f"/api/v1/assignments/{task.pk}/status", {"action": "cancel"}),
                       (f"/api/v1/assignments/{task.pk}/accept", {})):
        answer = post(editor, path, data)
        assert answer.status_code == 404 and chinese(answer.json()["detail"]), path
    assert Lead.objects.get(pk=lead.pk).status == Lead.Status.NEW
    assert Assignment.objects.get(pk=task.pk).status == Assignment.Status.OPEN


def test_every_planning_operation_is_documented(login):
    schema = login("editor").get("/api/openapi.json").json()
    ops = [op for path, methods in schema["paths"].items() for op in methods.values() if "策划与指挥调度" in op.get("tags", [])]
    assert len(ops) >= 24
    for op in ops:
        assert chinese(op["summary"]) and "planning_" in op["operationId"], op["operationId"]
        assert "200" in op["responses"] or "201" in op["responses"]
        assert {"403", "404", "422"} <= set(op["responses"]), op["operationId"]
    assert len({op["operationId"] for op in ops}) == len(ops)
