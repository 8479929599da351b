"""活动运营 in the API: the lists the screens have, the writes through the same services, the
over-budget 422, the stale version 409, the owner's own task, and 404 for another center."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from rongmei.events.models import BudgetLine, Event, Task


def post(client, url, body):
    return client.post(url, json.dumps(body), content_type="application/json")


def put(client, url, body):
    return client.put(url, json.dumps(body), content_type="application/json")


@pytest.fixture
def api(login):
    return login("events")


def test_events_through_the_api(api, people, event):
    listed = api.get(f"/api/v1/events?year={event.starts_on.year}&kind=gala&limit=200").json()
    assert "测试晚会" in [e["name"] for e in listed["items"]]
    assert api.get("/api/v1/events?kind=bogus").status_code == 422
    day = (timezone.localdate() + dt.timedelta(days=20)).isoformat()
    body = {"name": "API 活动", "kind": "forum", "starts_on": day, "ends_on": day, "manager_id": people["events"].pk}
    made = post(api, "/api/v1/events", body)
    assert made.status_code == 201, made.content
    created = made.json()
    assert created["status"] == "planning" and created["version"] == 1
    bad = post(api, "/api/v1/events", {**body, "ends_on": "2000-01-01"})
    assert bad.status_code == 422 and bad.json()["errors"]["ends_on"] == ["结束日期不能早于开始日期。"]
    changed = put(api, f"/api/v1/events/{created['id']}", {**body, "status": "running", "version": 1})
    assert changed.status_code == 200 and changed.json()["version"] == 2
    stale = put(api, f"/api/v1/events/{created['id']}", {**body, "version": 1})
    assert stale.status_code == 409 and "已被他人修改" in stale.json()["detail"]


def test_budget_through_the_api(api, event):
    lines = api.get(f"/api/v1/events/{event.pk}/budget-lines").json()["items"]
    stage = next(x for x in lines if x["name"] == "舞台搭建")
    assert stage["planned"] == "10000.00" and stage["actual"] == "0.00"
    today = timezone.localdate().isoformat()
    ok = post(api, f"/api/v1/events/budget-lines/{stage['id']}/entries", {"date": today, "party": "甲", "amount": "9999"})
    assert ok.status_code == 201, ok.content
    over = post(api, f"/api/v1/events/budget-lines/{stage['id']}/entries", {"date": today, "party": "甲", "amount": "2"})
    assert over.status_code == 422 and "超出预算" in over.json()["errors"]["amount"][0]
    stale = post(api, f"/api/v1/events/budget-lines/{stage['id']}/changes", {"planned": "12000", "reason": "加", "version": 7})
    assert stale.status_code == 409
    raised = post(api, f"/api/v1/events/budget-lines/{stage['id']}/changes", {"planned": "12000", "reason": "加灯"})
    assert raised.status_code == 201 and raised.json()["new_amount"] == "12000.00"
    assert post(api, f"/api/v1/events/budget-lines/{stage['id']}/entries",
                {"date": today, "party": "甲", "amount": "2"}).status_code == 201
    entries = api.get(f"/api/v1/events/{event.pk}/entries").json()["items"]
    assert [e["amount"] for e in entries][:2] == ["2.00", "9999.00"]
    added = post(api, f"/api/v1/events/{event.pk}/budget-lines", {"direction": "income", "name": "门票", "planned": "300"})
    assert added.status_code == 201
    dup = post(api, f"/api/v1/events/{event.pk}/budget-lines", {"direction": "income", "name": "门票", "planned": "300"})
    assert dup.status_code == 422


def test_tasks_and_documents_through_the_api(api, event, people, login, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    due = (timezone.localdate() + dt.timedelta(days=2)).isoformat()
    made = post(api, f"/api/v1/events/{event.pk}/tasks", {"title": "彩排", "owner_id": people["director"].pk, "due_on": due})
    assert made.status_code == 201
    task = made.json()
    assert post(login("business"), f"/api/v1/events/tasks/{task['id']}/complete", {"version": 9}).status_code == 409
    reporter = login("reporter")
    assert post(reporter, f"/api/v1/events/tasks/{task['id']}/complete", {}).status_code == 403
    done = post(login("director"), f"/api/v1/events/tasks/{task['id']}/complete", {"version": 1})
    assert done.status_code == 200 and done.json()["status"] == "done"
    assert [t["title"] for t in api.get(f"/api/v1/events/{event.pk}/tasks?status=done").json()["items"]] == ["彩排"]
    upload = api.post(f"/api/v1/events/{event.pk}/documents",
                      {"kind": "plan", "title": "总体方案", "file": SimpleUploadedFile("方案.pdf", b"%PDF-1.7 x")})
    assert upload.status_code == 201, upload.content
    docs = api.get(f"/api/v1/events/{event.pk}/documents").json()["items"]
    assert [d["title"] for d in docs] == ["总体方案"] and docs[0]["url"].startswith("/media/events/")
    linked = post(api, f"/api/v1/events/{event.pk}/plan", {})
    assert linked.status_code == 200 and linked.json()["plan_id"]


def test_permissions_and_another_center_in_the_api(api, login, foreign_event, event):
    assert login("reporter").get("/api/v1/events").status_code == 403
    assert post(login("director"), f"/api/v1/events/{event.pk}/tasks", {}).status_code in (403, 422)
    fid = foreign_event.pk
    for url in (f"/api/v1/events/{fid}", f"/api/v1/events/{fid}/budget-lines", f"/api/v1/events/{fid}/entries",
                f"/api/v1/events/{fid}/tasks", f"/api/v1/events/{fid}/documents"):
        assert api.get(url).status_code == 404, url
    line = BudgetLine.objects.create(center=foreign_event.center, event=foreign_event, name="外", planned=100)
    task = Task.objects.create(center=foreign_event.center, event=foreign_event, title="外", owner=foreign_event.manager,
                               due_on=timezone.localdate(), created_by=foreign_event.manager)
    today = timezone.localdate().isoformat()
    assert post(api, f"/api/v1/events/budget-lines/{line.pk}/entries",
                {"date": today, "party": "甲", "amount": "1"}).status_code == 404
    assert post(api, f"/api/v1/events/budget-lines/{line.pk}/changes", {"planned": "5", "reason": "x"}).status_code == 404
    assert post(api, f"/api/v1/events/tasks/{task.pk}/complete", {}).status_code == 404
    assert post(api, f"/api/v1/events/{fid}/plan", {}).status_code == 404
    assert Event.objects.get(pk=fid).plan_id is None
