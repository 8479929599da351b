"""绩效考核's admin half of the staff API (rongmei.appraisal.api_facts) over real HTTP, on the
hand-worked month of test_engine.World: a reporter is refused the admin's operations; the
month's state (blockers, unit totals that add up, nothing undistributed), the lock after the
close, adjustments listed, HR's pay workbook whose 奖励绩效 adds up to the pool to the cent,
the PDF and the 稿费 statements; 优稿 award / change (stale token 409) / withdraw; rules
refused in Chinese, saved, stale 409; the 外宣 register and its import with "valid rows
only"; deductions and pay bases; another center's objects are 404."""

from __future__ import annotations

import base64
import io
from decimal import Decimal as D

import pytest
from django.test import Client
from openpyxl import load_workbook

from rongmei.appraisal import periods, services
from rongmei.appraisal.models import Deduction, Pickup, Rating, RuleSet
from rongmei.appraisal.rules import DEFAULT_RULES
from rongmei.appraisal.tests.test_engine import MONTH, World

M = "2026-11"
API = "/api/v1/appraisal"


@pytest.fixture
def world(db):
    return World("aa").build()


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def post(client, url, data=None):
    return client.post(url, data or {}, content_type="application/json")


def put(client, url, data):
    return client.put(url, data, content_type="application/json")


def test_a_reporter_is_refused_the_admins_operations(world):
    a = client_for(world.a)
    for url in (f"{API}/months/{M}", f"{API}/months/{M}/exports/pay-xlsx", f"{API}/months/{M}/fee-statements",
                f"{API}/rules", f"{API}/rules/versions", f"{API}/pickups", f"{API}/pickup-imports", f"{API}/deductions",
                f"{API}/pay-profiles", f"{API}/ratings", f"{API}/ratings/unrated"):
        assert a.get(url).status_code == 403, url
    assert post(a, f"{API}/pickups", {"story_id": world.s1.pk, "outlet_name": "x", "level": "county",
                                      "used_on": "2026-11-02"}).status_code == 403
    hr = client_for(world.hr)
    assert hr.get(f"{API}/months/{M}").status_code == 200
    assert hr.get(f"{API}/rules").status_code == 403 and hr.get(f"{API}/deductions").status_code == 403


def test_the_month_state_adjustments_and_the_hr_downloads(world):
    admin, hr = client_for(world.admin), client_for(world.hr)
    first = hr.get(f"{API}/months/{M}").json()
    assert first["computed"] is False and first["version"] == 1 and first["units"] == []
    assert first["blockers"]["computed"] is False and first["blockers"]["any"] is True
    assert hr.get(f"{API}/months/{M}/exports/pay-xlsx").status_code == 404  # no such month yet
    period = periods.get_or_open(world.center, MONTH)
    services.compute(period, world.admin)
    dispute = services.raise_dispute(period, world.a, "S3 的署名比例应为 40%", story=world.s3)
    state = hr.get(f"{API}/months/{M}").json()
    assert state["computed"] is True and state["blockers"]["open_disputes"] == 1
    assert sorted(u["name"] for u in state["units"]) == ["编辑部", "采访部"]
    assert D(state["total"]["reward_paid"]) == D(state["reward_pool"]) and D(state["undistributed"]) == 0
    assert D(state["total"]["points"]) == sum(D(u["points"]) for u in state["units"])
    services.resolve_dispute(dispute, world.admin, False, "署名比例无误")
    services.close(periods.get(world.center, MONTH), world.admin)
    assert post(admin, f"{API}/pickups", {"story_id": world.s1.pk, "outlet_name": "新华社", "level": "central",
                                          "used_on": "2026-11-20"}).status_code == 422
    assert not Pickup.objects.filter(outlet_name="新华社").exists()
    services.adjust(periods.get(world.center, MONTH), world.admin, world.a, "1.5", "-20.00", "漏登外宣")
    rows = hr.get(f"{API}/adjustments?month={M}").json()["items"]
    assert [(r["name"], r["points"], r["amount"], r["reason"]) for r in rows] == [("记者甲", "1.50", "-20.00", "漏登外宣")]
    state = hr.get(f"{API}/months/{M}").json()
    assert state["status"] == "closed" and state["adjustment_amount"] == "-20.00"

    pool = D(state["reward_pool"])
    file = hr.get(f"{API}/months/{M}/exports/pay-xlsx").json()
    assert file["filename"].endswith(".xlsx") and file["content_type"].startswith("application/vnd.openxmlformats")
    content = base64.b64decode(file["content_base64"])
    assert len(content) == file["size"]
    book = load_workbook(io.BytesIO(content), data_only=True)
    reward = D(0)
    for sheet in book.worksheets:
        if sheet.title in ("汇总", "结算后调整"):
            continue
        for row in sheet.iter_rows(min_row=4, values_only=True):
            if row[1] and row[1] != "合计":
                reward += D(str(row[11] or 0))
    assert pool > 0 and reward == pool
    pdf = hr.get(f"{API}/months/{M}/exports/pay-pdf").json()
    assert base64.b64decode(pdf["content_base64"]).startswith(b"%PDF")
    fees = hr.get(f"{API}/months/{M}/fee-statements").json()["items"]
    assert {s["name"]: s["amount"] for s in fees}["王通讯"] == "25.00"
    fee_book = hr.get(f"{API}/months/{M}/exports/fees-xlsx").json()
    assert load_workbook(io.BytesIO(base64.b64decode(fee_book["content_base64"])))
    assert client_for(world.a).get(f"{API}/months/{M}/exports/pay-xlsx").status_code == 403


def test_ratings_award_change_withdraw(world):
    editor = client_for(world.c)
    assert editor.get(f"{API}/ratings/unrated?month={M}").status_code == 200
    unrated = [p["story_id"] for p in editor.get(f"{API}/ratings/unrated?month={M}&limit=200").json()["items"]]
    assert world.s4.pk in unrated and world.s1.pk not in unrated
    bad = post(editor, f"{API}/ratings", {"story_id": world.s4.pk, "level": "Z", "reason": "好稿"})
    assert bad.status_code == 422 and "level" in bad.json()["errors"]
    awarded = post(editor, f"{API}/ratings", {"story_id": world.s4.pk, "level": "A", "reason": "现场感强"})
    assert awarded.status_code == 201, awarded.content
    rating = awarded.json()
    assert rating["month"] == M and rating["level"] == "A"
    assert post(editor, f"{API}/ratings", {"story_id": world.s4.pk, "level": "B", "reason": "再评"}).status_code == 409
    stale = put(editor, f"{API}/ratings/{rating['id']}", {"level": "B", "reason": "改", "token": "old"})
    assert stale.status_code == 409
    changed = put(editor, f"{API}/ratings/{rating['id']}", {"level": "B", "reason": "改评", "token": rating["token"]})
    assert changed.status_code == 200 and changed.json()["level"] == "B"
    listed = editor.get(f"{API}/ratings?month={M}").json()["items"]
    assert rating["id"] in [r["id"] for r in listed]
    gone = post(editor, f"{API}/ratings/{rating['id']}/withdraw", {"reason": "误评", "token": changed.json()["token"]})
    assert gone.status_code == 204 and not Rating.objects.filter(pk=rating["id"]).exists()
    assert post(client_for(world.a), f"{API}/ratings", {"story_id": world.s4.pk, "level": "A",
                                                        "reason": "自评"}).status_code == 403


def test_rules_in_force_history_and_a_new_version(world):
    admin = client_for(world.admin)
    now = admin.get(f"{API}/rules?month=2026-12").json()
    assert now["ruleset_id"] is None and now["rules"]["pay"]["pro_rata"] == "linear"
    bad = dict(DEFAULT_RULES, pay=dict(DEFAULT_RULES["pay"], base_share="120"))
    refused = post(admin, f"{API}/rules", {"month": "2026-12", "rules": bad, "seen_latest": now["latest_id"]})
    assert refused.status_code == 422 and not RuleSet.objects.filter(center=world.center).exists()
    assert any("100" in m for msgs in refused.json()["errors"].values() for m in msgs)
    saved = post(admin, f"{API}/rules", {"month": "2026-12", "rules": DEFAULT_RULES, "note": "起用",
                                         "seen_latest": now["latest_id"]})
    assert saved.status_code == 201, saved.content
    assert saved.json()["version"] == 1 and isinstance(saved.json()["changes"], list)
    stale = post(admin, f"{API}/rules", {"month": "2026-12", "rules": DEFAULT_RULES, "seen_latest": now["latest_id"]})
    assert stale.status_code == 409
    assert admin.get(f"{API}/rules?month=2027-01").json()["ruleset_id"] == saved.json()["id"]
    history = admin.get(f"{API}/rules/versions").json()["items"]
    assert [v["id"] for v in history] == [saved.json()["id"]]
    assert admin.get(f"{API}/rules/versions/{saved.json()['id']}").json()["rules"]["ratings"]
    assert post(admin, f"{API}/rules", {"month": "2026-13", "rules": DEFAULT_RULES}).status_code == 422
    odd = post(admin, f"{API}/rules", {"month": "2027-01", "rules": {"piece_points": [{"genre": ["text"]}]}})
    assert odd.status_code == 422 and RuleSet.objects.filter(center=world.center).count() == 1


def test_pickups_register_and_import(world):
    admin = client_for(world.admin)
    made = post(admin, f"{API}/pickups", {"story_id": world.s4.pk, "outlet_name": "浙江日报", "level": "provincial",
                                          "used_on": "2026-11-20", "url": "https://zjrb.example.cn/a/1"})
    assert made.status_code == 201, made.content
    pickup = made.json()
    assert pickup["month"] == M and pickup["level_label"] == "省级"
    again = post(admin, f"{API}/pickups", {"story_id": world.s4.pk, "outlet_name": "浙江日报", "level": "central",
                                           "used_on": "2026-11-20"})
    assert again.status_code == 422 and "不能重复登记" in again.json()["errors"]["used_on"][0]
    changed = put(admin, f"{API}/pickups/{pickup['id']}", {"story_id": world.s4.pk, "outlet_name": "浙江日报",
                                                           "level": "central", "used_on": "2026-11-20", "is_long": True})
    assert changed.status_code == 200 and changed.json()["is_long"] is True
    found = admin.get(f"{API}/pickups?month={M}&level=central").json()["items"]
    assert [p["id"] for p in found] == [pickup["id"]]
    assert admin.delete(f"{API}/pickups/{pickup['id']}").status_code == 204
    assert not Pickup.objects.filter(pk=pickup["id"]).exists()

    csv = (f"稿件编号,采用媒体,级别,采用日期\n{world.s4.pk},市报,地市级,2026-11-21\n"
           f"{world.s4.pk},县报,不知道,2026-11-22\n").encode()
    from django.core.files.uploadedfile import SimpleUploadedFile

    uploaded = admin.post(f"{API}/pickup-imports", {"file": SimpleUploadedFile("外宣.csv", csv, "text/csv")})
    assert uploaded.status_code == 201, uploaded.content
    batch = uploaded.json()
    assert batch["status"] == "checked" and batch["rows_valid"] == 1
    assert [e["row"] for e in batch["errors"]] == [3] and batch["errors"][0]["field"] == "级别"
    whole = post(admin, f"{API}/pickup-imports/{batch['id']}/run", {"valid_only": False})
    assert whole.status_code == 422 and not Pickup.objects.filter(outlet_name="市报", story=world.s4).exists()
    partial = post(admin, f"{API}/pickup-imports/{batch['id']}/run", {"valid_only": True})
    assert partial.status_code == 200 and partial.json()["status"] == "partial"
    assert Pickup.objects.filter(outlet_name="市报", story=world.s4, source="import").count() == 1
    assert post(admin, f"{API}/pickup-imports/{batch['id']}/run", {"valid_only": True}).status_code == 409
    assert [b["id"] for b in admin.get(f"{API}/pickup-imports").json()["items"]] == [batch["id"]]
    template = admin.get(f"{API}/pickup-import-template?format=csv").json()
    assert "采用媒体" in base64.b64decode(template["content_base64"]).decode("utf-8-sig")


def test_deductions_and_pay_bases(world):
    admin = client_for(world.admin)
    made = post(admin, f"{API}/deductions", {"month": "2026-12", "kind": "error", "user_id": world.b.pk,
                                             "reason": "错别字"})
    assert made.status_code == 201, made.content
    assert made.json()["points"] == "2.00"  # the rules' default for an error
    both = post(admin, f"{API}/deductions", {"month": "2026-12", "kind": "error", "reason": "x"})
    assert both.status_code == 422 and "story" in both.json()["errors"]
    listed = admin.get(f"{API}/deductions?month=2026-12").json()["items"]
    assert [d["id"] for d in listed] == [made.json()["id"]]
    assert admin.delete(f"{API}/deductions/{made.json()['id']}").status_code == 204
    assert not Deduction.objects.filter(pk=made.json()["id"]).exists()

    rows = {r["user_id"]: r for r in admin.get(f"{API}/pay-profiles?limit=200").json()["items"]}
    assert rows[world.c.pk]["base_amount"] == "4000.00" and rows[world.c.pk]["pays_fees"] is True
    assert rows[world.a.pk]["base_amount"] is None
    stale = put(admin, f"{API}/pay-profiles/{world.a.pk}", {"base_amount": "3000", "token": "1:0"})
    assert stale.status_code == 409
    bad = put(admin, f"{API}/pay-profiles/{world.a.pk}", {"base_amount": "三千", "token": rows[world.a.pk]["token"]})
    assert bad.status_code == 422 and "base_amount" in bad.json()["errors"]
    ok = put(admin, f"{API}/pay-profiles/{world.a.pk}", {"base_amount": "3,000.50", "token": rows[world.a.pk]["token"]})
    assert ok.status_code == 200 and ok.json()["base_amount"] == "3000.50"


def test_another_centers_objects_are_404(world):
    period = periods.get_or_open(world.center, MONTH)
    services.compute(period, world.admin)
    pickup = Pickup.objects.filter(center=world.center).first()
    deduction = Deduction.objects.filter(center=world.center).first()
    rating = Rating.objects.filter(center=world.center).first()
    batch = client_for(world.admin).post(f"{API}/pickup-imports", {"file": _csv(b"a,b\n")}).json()
    other = World("aa2")
    theirs = client_for(other.admin)
    assert theirs.get(f"{API}/pickups/{pickup.pk}").status_code == 404
    assert put(theirs, f"{API}/pickups/{pickup.pk}", {"story_id": world.s1.pk, "outlet_name": "x", "level": "county",
                                                      "used_on": "2026-11-02"}).status_code == 404
    assert theirs.delete(f"{API}/pickups/{pickup.pk}").status_code == 404
    assert theirs.delete(f"{API}/deductions/{deduction.pk}").status_code == 404
    assert theirs.get(f"{API}/pickup-imports/{batch['id']}").status_code == 404
    assert post(theirs, f"{API}/pickup-imports/{batch['id']}/run", {"valid_only": True}).status_code == 404
    assert theirs.get(f"{API}/adjustments?month={M}").json()["items"] == []
    assert theirs.get(f"{API}/months/{M}/exports/pay-xlsx").status_code == 404
    assert theirs.get(f"{API}/months/{M}").json()["computed"] is False  # their own, empty month
    assert put(theirs, f"{API}/pay-profiles/{world.a.pk}", {"base_amount": "1"}).status_code == 404
    assert post(theirs, f"{API}/deductions", {"month": M, "kind": "error", "story_id": world.s1.pk,
                                              "reason": "x"}).status_code == 422
    assert post(theirs, f"{API}/pickups", {"story_id": world.s1.pk, "outlet_name": "x", "level": "county",
                                           "used_on": "2026-11-02"}).status_code == 422
    editor = client_for(other.c)
    assert put(editor, f"{API}/ratings/{rating.pk}", {"level": "B", "reason": "x"}).status_code == 404
    assert post(editor, f"{API}/ratings", {"story_id": world.s4.pk, "level": "A", "reason": "x"}).status_code == 404
    assert theirs.get(f"{API}/rules/versions/999999").status_code == 404
    assert theirs.get(f"{API}/months/2026-11x").status_code == 422
    assert Deduction.objects.filter(pk=deduction.pk).exists() and Pickup.objects.filter(pk=pickup.pk).exists()


def _csv(content: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("外宣.csv", content, "text/csv")
