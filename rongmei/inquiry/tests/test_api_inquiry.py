"""The staff 问政 API (issue 14) over real HTTP: the whole loop (受理并转办 → 答复 → 审核 → 公开),
who sees which case (a liaison only their department's: others 404; another center's 404),
the extension limits, the queue's filters and exact cursor pages, refusals in Chinese that
change nothing."""

import datetime as dt
import json

import pytest
from django.utils import timezone

from rongmei.core.models import AuditEvent, Department
from rongmei.inquiry import services
from rongmei.inquiry.models import Case, Extension, Reply
from rongmei.inquiry.services import Submission

pytestmark = pytest.mark.django_db

GOOD_REPLY = "经核查，幸福路5盏路灯线路老化，已于11月28日更换，现已恢复照明。联系电话0000-6201008。"


def post(client, path, data=None):
    return client.post(path, json.dumps(data or {}), content_type="application/json")


def chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


@pytest.fixture
def transport(demo):
    return Department.objects.get(center=demo["demo"], name="示例县交通运输局")


def _accept(case, people, *departments):
    return services.accept(case=case, user=people["coordinator"], departments=list(departments))


def test_the_whole_case_through_the_api(login, make_case, housing, people):
    case = make_case()
    coordinator, liaison = login("coordinator"), login("liaison")
    listed = coordinator.get(f"/api/v1/inquiry/cases?q={case.code}").json()
    assert [c["id"] for c in listed["items"]] == [case.pk] and listed["items"][0]["status"] == "submitted"
    one = coordinator.get(f"/api/v1/inquiry/cases/{case.pk}")
    assert one.status_code == 200
    body = one.json()
    assert body["contact"]["phone"] == case.masked_phone and case.phone not in one.content.decode()
    assert body["handler"] and "accept" in body["actions"] and body["events"][0]["kind"] == "submitted"
    assert liaison.get(f"/api/v1/inquiry/cases/{case.pk}").status_code == 404  # not routed to them yet

    accepted = post(coordinator, f"/api/v1/inquiry/cases/{case.pk}/accept", {"department_ids": [housing.pk], "category": "市政设施"})
    assert accepted.status_code == 200, accepted.content
    assert accepted.json()["status"] == "processing" and accepted.json()["due_at"]
    assert [a["department"]["id"] for a in accepted.json()["assignments"]] == [housing.pk]
    assert AuditEvent.objects.filter(action="inquiry.accept", object_id=str(case.pk)).exists()

    mine = liaison.get("/api/v1/inquiry/cases").json()
    assert case.pk in [c["id"] for c in mine["items"]]
    seen = liaison.get(f"/api/v1/inquiry/cases/{case.pk}").json()
    assert seen["my_department"]["id"] == housing.pk and "reply" in seen["actions"] and "publish" not in seen["actions"]

    # The review room's wording checks: vague promises are shown first and nothing is stored.
    flagged = post(liaison, f"/api/v1/inquiry/cases/{case.pk}/replies", {"text": "我们会尽快研究研究，近期解决这个问题，请您耐心等待。"})
    assert flagged.status_code == 422 and "confirm_flags" in flagged.json()["detail"]
    assert any("含糊" in m for m in flagged.json()["errors"]["text"]) and not Reply.objects.filter(case=case).exists()
    assert post(coordinator, f"/api/v1/inquiry/cases/{case.pk}/replies", {"text": GOOD_REPLY}).status_code == 403

    replied = post(liaison, f"/api/v1/inquiry/cases/{case.pk}/replies", {"text": GOOD_REPLY})
    assert replied.status_code == 201 and replied.json()["replies"][0]["status"] == "pending"
    reply_id = replied.json()["replies"][0]["id"]
    assert post(liaison, f"/api/v1/inquiry/cases/{case.pk}/replies/{reply_id}/approve").status_code == 403
    assert post(coordinator, f"/api/v1/inquiry/cases/{case.pk}/publish").status_code == 409  # nothing approved yet: the case is not in a state to publish

    approved = post(coordinator, f"/api/v1/inquiry/cases/{case.pk}/replies/{reply_id}/approve")
    assert approved.status_code == 200 and approved.json()["status"] == "replied"
    again = post(coordinator, f"/api/v1/inquiry/cases/{case.pk}/replies/{reply_id}/approve")
    assert again.status_code == 409 and chinese(again.json()["detail"])
    assert post(liaison, f"/api/v1/inquiry/cases/{case.pk}/publish").status_code == 403
    published = post(coordinator, f"/api/v1/inquiry/cases/{case.pk}/publish")
    assert published.status_code == 200 and published.json()["is_public"]
    case.refresh_from_db()
    assert case.is_public and case.status == Case.Status.REPLIED
    assert any(e["kind"] == "published" and e["public"] for e in published.json()["events"])


def test_who_sees_which_case(login, make_case, housing, transport, people, demo):
    theirs, other = make_case(), make_case(title="交通路口信号灯坏了", text="人民路与解放路路口的信号灯坏了三天，很危险。")
    _accept(theirs, people, housing)
    _accept(other, people, transport)
    liaison = login("liaison")
    assert liaison.get(f"/api/v1/inquiry/cases/{other.pk}").status_code == 404
    assert post(liaison, f"/api/v1/inquiry/cases/{other.pk}/replies", {"text": GOOD_REPLY}).status_code == 404
    ids = [c["id"] for c in liaison.get("/api/v1/inquiry/cases?limit=200").json()["items"]]
    assert theirs.pk in ids and other.pk not in ids
    assert login("liaison_jt").get(f"/api/v1/inquiry/cases/{other.pk}").status_code == 200
    # Not 问政 staff at all: refused before anything is looked up.
    reporter = login("reporter")
    assert reporter.get("/api/v1/inquiry/cases").status_code == 403
    assert reporter.get(f"/api/v1/inquiry/cases/{theirs.pk}").status_code == 403
    # Another center's case is not found, and the full number is for handlers only.
    neighbour = services.submit(center=demo["linxian"], sub=Submission(
        kind="complain", title="邻县的路灯不亮", text="邻县某路段路灯晚上全部不亮，请尽快处理。", phone="13912345678"))
    coordinator = login("coordinator")
    assert coordinator.get(f"/api/v1/inquiry/cases/{neighbour.pk}").status_code == 404
    assert post(coordinator, f"/api/v1/inquiry/cases/{neighbour.pk}/accept", {"department_ids": [housing.pk]}).status_code == 404
    assert post(liaison, f"/api/v1/inquiry/cases/{theirs.pk}/contact").status_code == 403
    revealed = post(coordinator, f"/api/v1/inquiry/cases/{theirs.pk}/contact")
    assert revealed.status_code == 200 and revealed.json()["phone"] == theirs.phone
    assert AuditEvent.objects.filter(action="inquiry.reveal_contact", object_id=str(theirs.pk)).count() == 1


def test_extension_limits(login, make_case, housing, people):
    case = _accept(make_case(), people, housing)
    liaison, coordinator = login("liaison"), login("coordinator")
    path = f"/api/v1/inquiry/cases/{case.pk}/extensions"
    for days, field in ((16, "days"), (0, "days"), (3, "reason")):
        refused = post(liaison, path, {"days": days, "reason": "短" if field == "reason" else "需要协调供电公司更换线路"})
        assert refused.status_code == 422 and field in refused.json()["errors"], refused.content
        assert all(chinese(m) for m in refused.json()["errors"][field])
    assert not Extension.objects.filter(case=case).exists()
    assert post(coordinator, path, {"days": 3, "reason": "需要协调供电公司更换线路"}).status_code == 403  # not a department
    asked = post(liaison, path, {"days": 3, "reason": "需要协调供电公司更换线路"})
    assert asked.status_code == 201 and asked.json()["extensions"][0]["status"] == "pending"
    second = post(liaison, path, {"days": 2, "reason": "还需要再等等材料"})
    assert second.status_code == 409 and "等待审批" in second.json()["detail"]
    extension_id = asked.json()["extensions"][0]["id"]
    assert post(liaison, f"/api/v1/inquiry/cases/{case.pk}/extensions/{extension_id}/decide", {"approve": True}).status_code == 403
    before = Case.objects.get(pk=case.pk).due_at
    decided = post(coordinator, f"/api/v1/inquiry/cases/{case.pk}/extensions/{extension_id}/decide", {"approve": True})
    assert decided.status_code == 200 and decided.json()["extensions"][0]["status"] == "approved"
    assert Case.objects.get(pk=case.pk).due_at > before
    # Past the deadline no extension any more: answer instead.
    Case.objects.filter(pk=case.pk).update(due_at=timezone.now() - dt.timedelta(hours=1))
    late = post(liaison, path, {"days": 3, "reason": "需要协调供电公司更换线路"})
    assert late.status_code == 422 and "超过办理期限" in late.json()["detail"]
    assert Extension.objects.filter(case=case).count() == 1


def test_queue_filters_and_exact_pages(login, make_case, housing, transport, people):
    made = [make_case(title=f"翻页测试问政{i}号", text=f"翻页测试的问政内容第{i}件，路灯不亮需要处理。") for i in range(3)]
    client = login("coordinator")
    base = "/api/v1/inquiry/cases?q=翻页测试"
    first = client.get(f"{base}&limit=2").json()
    assert [c["id"] for c in first["items"]] == [made[2].pk, made[1].pk] and first["next"]
    second = client.get(f"{base}&limit=2&cursor={first['next']}").json()
    assert [c["id"] for c in second["items"]] == [made[0].pk] and second["next"] is None
    _accept(made[0], people, housing)
    _accept(made[1], people, transport)
    assert [c["id"] for c in client.get(f"{base}&tab=submitted").json()["items"]] == [made[2].pk]
    assert [c["id"] for c in client.get(f"{base}&status=processing&department_id={housing.pk}").json()["items"]] == [made[0].pk]
    Case.objects.filter(pk=made[1].pk).update(due_at=timezone.now() - dt.timedelta(hours=2))
    Case.objects.filter(pk=made[0].pk).update(due_at=timezone.now() + dt.timedelta(hours=5))
    overdue = client.get(f"{base}&overdue=true").json()["items"]
    assert [c["id"] for c in overdue] == [made[1].pk] and overdue[0]["overdue"]
    assert [c["id"] for c in client.get(f"{base}&due_soon=true").json()["items"]] == [made[0].pk]
    by_due = client.get(f"{base}&order=due&limit=1").json()
    assert [c["id"] for c in by_due["items"]] == [made[1].pk]
    assert [c["id"] for c in client.get(f"{base}&order=due&limit=1&cursor={by_due['next']}").json()["items"]] == [made[0].pk]
    # the full phone number finds a case for handlers only
    assert made[0].pk in [c["id"] for c in client.get(f"/api/v1/inquiry/cases?q={made[0].phone}&limit=200").json()["items"]]
    assert login("liaison").get(f"/api/v1/inquiry/cases?q={made[0].phone}").json()["items"] == []
    bad = client.get(f"{base}&cursor=garbage")
    assert bad.status_code == 400 and chinese(bad.json()["detail"])
    wrong = client.get(f"{base}&status=whatever")
    assert wrong.status_code == 422 and "status.0" in wrong.json()["errors"]
    # a cursor of the newest-first order is refused in the due order
    assert client.get(f"{base}&order=due&cursor={first['next']}").status_code == 400


def test_refusals_change_nothing(login, make_case, housing, people, demo):
    case = make_case()
    client = login("coordinator")
    foreign = Department.objects.filter(center=demo["linxian"]).first()
    refused = post(client, f"/api/v1/inquiry/cases/{case.pk}/accept", {"department_ids": [foreign.pk]})
    assert refused.status_code == 422 and "department_ids" in refused.json()["errors"]
    nobody = post(client, f"/api/v1/inquiry/cases/{case.pk}/accept", {"department_ids": []})
    assert nobody.status_code == 422 and "承办部门" in nobody.json()["detail"]
    no_reason = post(client, f"/api/v1/inquiry/cases/{case.pk}/reject", {"reason": "  "})
    assert no_reason.status_code == 422 and "原因" in no_reason.json()["detail"]
    typed = post(client, f"/api/v1/inquiry/cases/{case.pk}/accept", {"department_ids": ["住建局"]})
    assert typed.status_code == 422 and chinese(json.dumps(typed.json()["errors"], ensure_ascii=False))
    assert client.get(f"/api/v1/inquiry/cases/{2**63}").status_code in (400, 422)
    case.refresh_from_db()
    assert case.status == Case.Status.SUBMITTED and not case.assignments.exists()
    # a department hands the case back: it returns to 待受理 and is routed again
    _accept(case, people, housing)
    liaison = login("liaison")
    short = post(liaison, f"/api/v1/inquiry/cases/{case.pk}/hand-back", {"reason": "不是"})
    assert short.status_code == 422 and "reason" in short.json()["errors"]
    back = post(liaison, f"/api/v1/inquiry/cases/{case.pk}/hand-back", {"reason": "路灯由城管局负责维护，依据县政府分工文件"})
    assert back.status_code == 200 and back.json()["status"] == "submitted"
    assert post(client, f"/api/v1/inquiry/cases/{case.pk}/accept", {"department_ids": [housing.pk]}).json()["status"] == "processing"
