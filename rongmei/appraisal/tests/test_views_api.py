"""The screens' operations in the API (rongmei/appraisal/api.py) over HTTP on test_engine.World's
month: a reporter reads their own month and nobody else's; the admin computes (409 on a
stale version), a dispute is raised and resolved, the close is refused while it is open, then
done; adjustments after the close; 稿费 lines; another center's month, person or dispute is
a 404."""

from __future__ import annotations

import json
from decimal import Decimal as D

import pytest
from django.test import Client

from rongmei.appraisal.models import Adjustment, Period
from rongmei.appraisal.tests.test_engine import MONTH, World

M = "2026-11"


@pytest.fixture
def world(db):
    return World("pva").build()


def _c(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def post(client, url, body):
    return client.post(url, json.dumps(body), content_type="application/json")


def test_the_month_through_the_api(world):
    admin, a = _c(world.admin), _c(world.a)
    assert post(a, f"/api/v1/appraisal/months/{M}/compute", {}).status_code == 403
    answer = post(admin, f"/api/v1/appraisal/months/{M}/compute", {"version": 1})
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert body["people"] == 3 and body["period"]["version"] == 2 and D(body["reward_pool"]) == D("8386.15")
    stale = post(admin, f"/api/v1/appraisal/months/{M}/compute", {"version": 1})
    assert stale.status_code == 409 and "已被他人修改" in stale.json()["detail"]

    cards = admin.get(f"/api/v1/appraisal/months/{M}/scorecards").json()["items"]
    assert [c["name"] for c in cards][:1] == ["记者甲"] and D(cards[0]["points"]) == D("13.82")
    assert sum(D(c["reward_paid"]) for c in cards) == D("8386.15")
    mine = a.get(f"/api/v1/appraisal/me?month={M}").json()
    assert D(mine["scorecard"]["points"]) == D("13.82")
    assert sum(D(line["points"]) for line in mine["lines"]) == D("13.82")
    assert {line["kind"] for line in mine["lines"]} == {"piece", "reads", "rating", "pickup", "deduction"}
    assert a.get(f"/api/v1/appraisal/months/{M}/people/{world.b.pk}").status_code == 403
    assert a.get(f"/api/v1/appraisal/months/{M}/scorecards").status_code == 403
    person = admin.get(f"/api/v1/appraisal/months/{M}/people/{world.b.pk}").json()
    assert D(person["scorecard"]["points"]) == D("7.80")

    assert post(admin, "/api/v1/appraisal/months/2099-01/compute", {}).status_code == 422
    assert post(a, "/api/v1/appraisal/months/2099-01/disputes", {"text": "预先"}).status_code == 422
    bad = post(a, f"/api/v1/appraisal/months/{M}/disputes", {"text": "  "})
    assert bad.status_code == 422 and "申诉内容" in json.dumps(bad.json(), ensure_ascii=False)
    raised = post(a, f"/api/v1/appraisal/months/{M}/disputes", {"text": "S3 署名比例不对", "story_id": world.s3.pk})
    assert raised.status_code == 201 and raised.json()["status"] == "open"
    dispute_id = raised.json()["id"]
    blocked = post(admin, f"/api/v1/appraisal/months/{M}/close", {})
    assert blocked.status_code == 422 and "申诉未处理" in blocked.json()["detail"]
    listing = admin.get("/api/v1/appraisal/disputes").json()["items"]
    assert [d["id"] for d in listing] == [dispute_id]
    resolved = post(admin, f"/api/v1/appraisal/disputes/{dispute_id}/resolve", {"accepted": False, "resolution": "不改"})
    assert resolved.status_code == 200 and resolved.json()["status"] == "rejected"
    again = post(admin, f"/api/v1/appraisal/disputes/{dispute_id}/resolve", {"accepted": True, "resolution": "改"})
    assert again.status_code == 409

    assert post(admin, f"/api/v1/appraisal/months/{M}/adjustments",
                {"user_id": world.b.pk, "amount": "10", "reason": "早了"}).status_code == 422  # not closed yet
    closed = post(admin, f"/api/v1/appraisal/months/{M}/close", {})
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    assert post(admin, f"/api/v1/appraisal/months/{M}/close", {}).status_code == 409
    made = post(admin, f"/api/v1/appraisal/months/{M}/adjustments",
                {"user_id": world.b.pk, "points": "1.5", "amount": "60.00", "reason": "外宣补记"})
    assert made.status_code == 201 and Adjustment.objects.get(period__center=world.center).amount == D("60.00")
    fees = admin.get(f"/api/v1/appraisal/months/{M}/fees").json()["items"]
    wang = [f for f in fees if f["name"] == "王通讯"]
    assert wang and wang[0]["user_id"] is None and D(wang[0]["amount"]) == D("25.00")
    months = admin.get("/api/v1/appraisal/months").json()["items"]
    assert months[0]["month"] == M and months[0]["status"] == "closed"
    assert Period.objects.get(center=world.center, month=MONTH).status == "closed"

    other = _c(World("pva2").admin)
    assert other.get(f"/api/v1/appraisal/months/{M}/scorecards").status_code == 404
    assert other.get(f"/api/v1/appraisal/months/{M}/people/{world.a.pk}").status_code == 404
    assert post(other, f"/api/v1/appraisal/disputes/{dispute_id}/resolve",
                {"accepted": True, "resolution": "x"}).status_code == 404
    assert other.get("/api/v1/appraisal/months/2026-13/scorecards").status_code == 404
