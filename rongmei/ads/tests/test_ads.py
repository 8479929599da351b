"""广告经营: the booking rules (no overlap, contract amount), the content review with the
Advertising Law lexicon and separation of duties, proofs, payments, revenue, isolation from
the neighbour center on screens and API, the screens, and the demo loader."""

from __future__ import annotations

import datetime as dt
import io
import itertools
import json
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from rongmei.ads import adlaw, selectors, services
from rongmei.ads.models import Booking, Client, Contract, Payment, Proof, Slot
from rongmei.core.models import AuditEvent, User

PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                    "1f15c4890000000d49444154789c6360606060000000050001a5f645400000000049454e44ae426082")


def png(name="proof.png"):
    return SimpleUploadedFile(name, PNG, content_type="image/png")


@pytest.fixture
def center(demo):
    return demo["demo"]


@pytest.fixture
def sales(demo):
    return User.objects.get(username="adsales")


@pytest.fixture
def boss(demo):
    return User.objects.get(username="business")


@pytest.fixture
def slot(center, boss):
    return services.save_slot(center=center, actor=boss, data={
        "name": "灯杆道旗·测试路", "kind": "lamp_post", "address": "城关镇测试路", "unit": "day", "list_price": "100"})


@pytest.fixture
def contract(center, sales):
    client = services.save_client(center=center, actor=sales, data={"name": "测试客户有限公司", "kind": "company"})
    today = timezone.localdate()
    return services.save_contract(center=center, actor=sales, data={
        "client": client, "number": "T-001", "title": "测试合同", "amount": "5000", "discount": "0.8",
        "start": today - dt.timedelta(days=10), "end": today + dt.timedelta(days=60), "status": "signed"})


def book(center, sales, contract, slot, start, days=5, **kw):
    return services.create_booking(center=center, actor=sales, contract=contract, slot=slot, start=start,
                                   end=start + dt.timedelta(days=days - 1), title=kw.pop("title", "春节促销"),
                                   text=kw.pop("text", "欢迎光临。"), **kw)


# --- Booking rules -----------------------------------------------------------------------------

def test_price_is_list_price_times_units_times_discount(center, sales, contract, slot):
    b = book(center, sales, contract, slot, timezone.localdate(), days=5)
    assert b.units == 5 and b.amount == Decimal("400.00") and b.status == Booking.Status.PENDING
    week = services.save_slot(center=center, actor=sales, data={"name": "横幅", "kind": "app_banner", "unit": "week",
                                                                 "list_price": "700"})
    assert services.units_for(week, dt.date(2026, 1, 1), dt.date(2026, 1, 8), 1) == 2   # 8 days: two weeks begun
    spot = services.save_slot(center=center, actor=sales, data={
        "name": "电视 19:00", "kind": "tv", "channel": "综合频道", "time_slot": "19:00", "seconds": 15, "unit": "second",
        "list_price": "10"})
    assert services.price(spot, dt.date(2026, 1, 1), dt.date(2026, 1, 10), 20, Decimal("0.5")) == (300, Decimal("1500.00"))


def test_overlapping_booking_is_refused_naming_the_slot_and_the_clash(center, sales, contract, slot):
    start = timezone.localdate()
    first = book(center, sales, contract, slot, start, days=5)
    count = Booking.objects.count()
    with pytest.raises(ValidationError) as caught:
        book(center, sales, contract, slot, start + dt.timedelta(days=4), days=3, title="另一个广告")
    message = " ".join(caught.value.messages)
    assert "灯杆道旗·测试路" in message and f"#{first.pk}" in message and "春节促销" in message and "重叠" in message
    assert caught.value.api_status == 409 and Booking.objects.count() == count
    # the day after is free; a cancelled booking frees its days
    book(center, sales, contract, slot, start + dt.timedelta(days=5), days=2)
    services.cancel_booking(booking=first, actor=sales)
    book(center, sales, contract, slot, start, days=5, title="取消后重订")


def test_contract_over_budget_is_refused(center, sales, contract, slot):
    book(center, sales, contract, slot, timezone.localdate(), days=50)      # 50 × 100 × 0.8 = 4000
    other = services.save_slot(center=center, actor=sales, data={"name": "大屏·测试", "kind": "outdoor_screen",
                                                                  "address": "广场", "unit": "day", "list_price": "500"})
    with pytest.raises(ValidationError) as caught:
        book(center, sales, contract, other, timezone.localdate(), days=3)   # 1200 > 1000 left
    assert "合同金额不足" in caught.value.messages[0] and "超出 ¥200.00" in caught.value.messages[0]
    assert Booking.objects.filter(slot=other).count() == 0


@pytest.mark.parametrize("change, message", [
    ({"start_shift": -30}, "排期须在合同期内"),
    ({"days": 0}, "结束日期不能早于开始日期"),
    ({"title": ""}, "请填写广告标题"),
    ({"quantity": 0}, "次数应为"),
])
def test_bad_bookings_are_refused_with_nothing_written(center, sales, contract, slot, change, message):
    before = (Booking.objects.count(), AuditEvent.objects.count())
    start = timezone.localdate() + dt.timedelta(days=change.get("start_shift", 0))
    with pytest.raises(ValidationError) as caught:
        services.create_booking(center=center, actor=sales, contract=contract, slot=slot, start=start,
                                end=start + dt.timedelta(days=change.get("days", 3) - 1),
                                title=change.get("title", "标题"), quantity=change.get("quantity", 1))
    assert message in " ".join(caught.value.messages)
    assert (Booking.objects.count(), AuditEvent.objects.count()) == before


def test_a_fake_picture_is_refused(center, sales, contract, slot):
    with pytest.raises(ValidationError) as caught:
        book(center, sales, contract, slot, timezone.localdate(), media=SimpleUploadedFile("x.png", b"<html>"))
    assert "内容与扩展名" in caught.value.messages[0]


# --- Content review ----------------------------------------------------------------------------

def test_lexicon_finds_absolute_terms_and_spares_ordinary_phrases():
    found = [h.text for h in adlaw.find("全县最好的超市，国家级品质，第一品牌，100%满意", "text")]
    assert found == ["最", "国家级", "第一品牌", "100%"]
    assert adlaw.find("最近开业，活动最后一天，第一次光临送礼，第一时间送达", "text") == []
    hit = adlaw.find("顶级享受", "title")[0]
    assert (hit.field, hit.start, hit.end) == ("title", 0, 2)


def test_banned_terms_block_approval_until_fixed(center, sales, boss, contract, slot):
    b = book(center, sales, contract, slot, timezone.localdate(), title="全县最低价", text="国家级品质，欢迎选购。")
    assert {f["text"] for f in b.findings} >= {"最低价", "国家级"}
    with pytest.raises(ValidationError) as caught:
        services.approve(booking=b, actor=boss)
    assert "禁用语" in caught.value.messages[0] and "国家级" in caught.value.messages[0]
    assert Booking.objects.get(pk=b.pk).status == Booking.Status.PENDING
    services.return_for_changes(booking=b, actor=boss, note="去掉“最低价”“国家级”")
    b.refresh_from_db()
    assert b.status == Booking.Status.RETURNED
    services.update_content(booking=b, actor=sales, title="全县实惠价", text="品质可靠，欢迎选购。",
                            expected_version=b.version)
    b.refresh_from_db()
    assert b.status == Booking.Status.PENDING
    services.approve(booking=b, actor=boss, expected_version=b.version)
    b.refresh_from_db()
    assert b.status == Booking.Status.APPROVED and b.reviewed_by == boss


def test_nobody_approves_their_own_booking(center, boss, contract, slot):
    b = book(center, boss, contract, slot, timezone.localdate())
    with pytest.raises(ValidationError) as caught:
        services.approve(booking=b, actor=boss)
    assert caught.value.api_status == 403 and "自己预订" in caught.value.messages[0]


def test_a_stale_version_is_refused(center, sales, boss, contract, slot):
    b = book(center, sales, contract, slot, timezone.localdate())
    with pytest.raises(ValidationError) as caught:
        services.approve(booking=b, actor=boss, expected_version=b.version + 1)
    assert caught.value.api_status == 409 and "已被他人修改" in caught.value.messages[0]


# --- Proofs, payments, revenue -----------------------------------------------------------------

def test_proofs_one_per_day_within_the_dates_and_the_box_shows_the_missing(center, sales, boss, contract, slot):
    today = timezone.localdate()
    b = book(center, sales, contract, slot, today - dt.timedelta(days=2), days=5)
    with pytest.raises(ValidationError):
        services.add_proof(booking=b, actor=sales, run_on=today, upload=png())     # not approved yet
    services.approve(booking=b, actor=boss)
    assert b.pk in [x.pk for x in selectors.missing_proofs(center, today)]
    assert b.pk in [x.pk for x in selectors.sales_box(sales, center)["missing"]] or \
        selectors.sales_box(sales, center)["missing_count"] > 6
    services.add_proof(booking=b, actor=sales, run_on=today, upload=png())
    assert b.pk not in [x.pk for x in selectors.missing_proofs(center, today)]
    for day, text in ((today, "已经登记过"), (today + dt.timedelta(days=1), "还没到"), (today - dt.timedelta(days=3), "须在排期内")):
        with pytest.raises(ValidationError) as caught:
            services.add_proof(booking=b, actor=sales, run_on=day, upload=png())
        assert text in " ".join(caught.value.messages)
    assert Proof.objects.filter(booking=b).count() == 1


def test_payments_cannot_exceed_what_is_owed(center, sales, contract):
    services.add_payment(contract=contract, actor=sales, amount="3000", paid_on=timezone.localdate(), receipt_no="R1")
    with pytest.raises(ValidationError) as caught:
        services.add_payment(contract=contract, actor=sales, amount="2000.01", paid_on=timezone.localdate())
    assert "尚欠的 ¥2,000.00" in caught.value.message_dict["amount"][0]
    with pytest.raises(ValidationError):
        services.add_payment(contract=contract, actor=sales, amount="10", paid_on=timezone.localdate(), receipt_no="R1")
    services.add_payment(contract=contract, actor=sales, amount="2000", paid_on=timezone.localdate())
    assert selectors.contract_summary(contract)["owed"] == 0


def test_revenue_spreads_a_booking_over_its_months_by_days(center, sales, boss):
    client = Client.objects.create(center=center, name="跨月客户")
    c = Contract.objects.create(center=center, client=client, number="X-1", title="跨月", amount=Decimal(10000),
                                start=dt.date(2031, 1, 1), end=dt.date(2031, 12, 31), salesperson=sales,
                                status="signed")
    s = Slot.objects.create(center=center, name="跨月大屏", kind="outdoor_screen", unit="day", list_price=Decimal(100))
    services.create_booking(center=center, actor=sales, contract=c, slot=s, start=dt.date(2031, 1, 30),
                            end=dt.date(2031, 2, 2), title="跨月广告")          # 2 days in Jan, 2 in Feb
    data = selectors.revenue(center, 2031)
    assert data["by_month"][0] == Decimal("200.00") and data["by_month"][1] == Decimal("200.00")
    assert data["total"] == Decimal("400.00")
    assert data["by_kind"] == [{"label": "户外大屏", "months": data["by_month"], "total": Decimal("400.00")}]
    assert data["by_person"][0]["label"] == "冯晓"


def test_revenue_export_adds_up(login, center, sales):
    from openpyxl import load_workbook

    response = login("business").get(reverse("ads:revenue_xlsx", args=[timezone.localdate().year]))
    assert response.status_code == 200
    wb = load_workbook(io.BytesIO(response.content))
    months = wb["按月"]
    rows = [r for r in months.iter_rows(min_row=3, values_only=True)]
    assert rows[-1][0] == "合计"
    assert round(sum(Decimal(str(r[1])) for r in rows[:-1]), 2) == round(Decimal(str(rows[-1][1])), 2)
    assert login("adsales").get(reverse("ads:revenue_xlsx", args=[2026])).status_code == 403


# --- Screens ------------------------------------------------------------------------------------

SCREENS = ["ads:bookings", "ads:slots", "ads:clients", "ads:contracts", "ads:payments", "ads:calendar", "ads:proofs"]


@pytest.mark.parametrize("name", SCREENS)
def test_screens_open_for_the_salesperson(login, name):
    response = login("adsales").get(reverse(name))
    assert response.status_code == 200
    assert "style=" not in response.content.decode() and "<script>" not in response.content.decode()


def test_manager_screens(login):
    boss = login("business")
    for name in ("ads:review", "ads:revenue", "ads:slot_new"):
        assert boss.get(reverse(name)).status_code == 200
    sales = login("adsales")
    for name in ("ads:review", "ads:revenue", "ads:slot_new"):
        assert sales.get(reverse(name)).status_code == 403
    assert login("reporter").get(reverse("ads:bookings")).status_code == 403


def test_the_dashboard_shows_the_ads_boxes(login):
    page = login("adsales").get("/").content.decode()
    assert "ads-box-sales" in page
    page = login("business").get("/").content.decode()
    assert "ads-box-approve" in page and "ads-box-manage" in page


def test_screen_journey_book_refuse_fix_approve(login, center, contract, slot):
    sales, boss = login("adsales"), login("business")
    start = timezone.localdate()
    form = {"slot": slot.pk, "start": start.isoformat(), "end": (start + dt.timedelta(days=2)).isoformat(),
            "quantity": 1, "title": "全网最低价大促", "text": "顶级品质"}
    response = sales.post(reverse("ads:booking_new", args=[contract.pk]), form)
    assert response.status_code == 302
    booking = Booking.objects.get(contract=contract)
    again = sales.post(reverse("ads:booking_new", args=[contract.pk]), form)
    assert again.status_code == 409 and "时间重叠" in again.content.decode()
    refused = boss.post(reverse("ads:booking_approve", args=[booking.pk]), {"version": booking.version})
    assert refused.status_code == 409 and "全网最低" in refused.content.decode()
    boss.post(reverse("ads:booking_return", args=[booking.pk]), {"version": booking.version, "note": "删去绝对化用语"})
    booking.refresh_from_db()
    sales.post(reverse("ads:booking_content", args=[booking.pk]),
               {"version": booking.version, "title": "年终大促", "text": "品质可靠"})
    booking.refresh_from_db()
    assert booking.status == "pending"
    assert boss.post(reverse("ads:booking_approve", args=[booking.pk]), {"version": booking.version}).status_code == 302
    booking.refresh_from_db()
    assert booking.status == "approved"
    ok = sales.post(reverse("ads:proof_add", args=[booking.pk]), {"run_on": start.isoformat(), "file": png()})
    assert ok.status_code == 302 and booking.proofs.count() == 1
    served = sales.get(booking.proofs.get().file.url)
    assert served.status_code == 200
    assert login("reporter").get(booking.proofs.get().file.url).status_code == 404


def test_payment_over_the_owed_amount_on_the_screen(login, contract):
    response = login("adsales").post(reverse("ads:payment_add", args=[contract.pk]),
                                     {"amount": "99999", "paid_on": timezone.localdate().isoformat(), "method": "cash"})
    assert response.status_code == 400 and "超过合同" in response.content.decode()
    assert Payment.objects.filter(contract=contract).count() == 0


# --- Isolation --------------------------------------------------------------------------------

@pytest.fixture
def neighbour_rows(demo):
    other = demo["linxian"]
    user = User.objects.filter(is_superuser=False).first()
    client = Client.objects.create(center=other, name="邻县客户")
    slot = Slot.objects.create(center=other, name="邻县大屏", kind="outdoor_screen", unit="day", list_price=Decimal(1))
    contract = Contract.objects.create(center=other, client=client, number="L-1", title="邻县合同", amount=Decimal(100),
                                       start=dt.date(2026, 1, 1), end=dt.date(2026, 12, 31), status="signed")
    booking = Booking.objects.create(center=other, contract=contract, slot=slot, start=dt.date(2026, 3, 1),
                                     end=dt.date(2026, 3, 1), units=1, list_price=1, discount=1, amount=1, title="邻县",
                                     created_by=user)
    payment = Payment.objects.create(center=other, contract=contract, amount=Decimal(1), paid_on=dt.date(2026, 3, 1))
    return {"client": client, "slot": slot, "contract": contract, "booking": booking, "payment": payment}


def test_another_centers_objects_are_404_on_screens(login, neighbour_rows):
    boss = login("business")
    n = neighbour_rows
    for name, pk in (("ads:booking", n["booking"].pk), ("ads:slot", n["slot"].pk), ("ads:client", n["client"].pk),
                     ("ads:contract", n["contract"].pk), ("ads:contract_edit", n["contract"].pk),
                     ("ads:booking_new", n["contract"].pk)):
        assert boss.get(reverse(name, args=[pk])).status_code == 404, name
    for name, pk in (("ads:booking_approve", n["booking"].pk), ("ads:booking_cancel", n["booking"].pk),
                     ("ads:payment_add", n["contract"].pk), ("ads:contract_status", n["contract"].pk)):
        assert boss.post(reverse(name, args=[pk]), {"status": "cancelled"}).status_code == 404, name
    assert Booking.objects.get(pk=n["booking"].pk).status == "pending"
    assert "邻县" not in boss.get(reverse("ads:bookings")).content.decode()


def test_another_centers_objects_are_404_in_the_api(login, neighbour_rows, slot, contract):
    boss = login("business")
    n = neighbour_rows
    for path in (f"slots/{n['slot'].pk}", f"clients/{n['client'].pk}", f"contracts/{n['contract'].pk}",
                 f"bookings/{n['booking'].pk}"):
        assert boss.get(f"/api/v1/ads/{path}").status_code == 404, path
    r = boss.post(f"/api/v1/ads/bookings/{n['booking'].pk}/approve", "{}", content_type="application/json")
    assert r.status_code == 404
    body = {"contract_id": n["contract"].pk, "slot_id": slot.pk, "start": "2026-03-01", "end": "2026-03-01", "title": "x"}
    assert login("adsales").post("/api/v1/ads/bookings", json.dumps(body), content_type="application/json").status_code == 404
    body = {"contract_id": contract.pk, "slot_id": n["slot"].pk, "start": "2026-03-01", "end": "2026-03-01", "title": "x"}
    assert login("adsales").post("/api/v1/ads/bookings", json.dumps(body), content_type="application/json").status_code == 404
    listed = boss.get("/api/v1/ads/bookings?limit=200").json()
    assert n["booking"].pk not in [b["id"] for b in listed["items"]]


# --- API ----------------------------------------------------------------------------------------

def test_api_booking_overlap_is_409_with_the_chinese_message(login, contract, slot):
    sales = login("adsales")
    start = timezone.localdate()
    body = {"contract_id": contract.pk, "slot_id": slot.pk, "start": start.isoformat(),
            "end": (start + dt.timedelta(days=2)).isoformat(), "title": "接口预订", "text": "欢迎"}
    first = sales.post("/api/v1/ads/bookings", json.dumps(body), content_type="application/json")
    assert first.status_code == 201, first.content
    assert first.json()["amount"] == "240.00"
    second = sales.post("/api/v1/ads/bookings", json.dumps(body), content_type="application/json")
    assert second.status_code == 409 and "时间重叠" in json.dumps(second.json(), ensure_ascii=False)
    booking_id = first.json()["id"]
    approved = login("business").post(f"/api/v1/ads/bookings/{booking_id}/approve", "{}", content_type="application/json")
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    for path in ("slots", "clients", "contracts", "bookings", "proofs", "payments"):
        assert sales.get(f"/api/v1/ads/{path}").status_code == 200, path
    assert login("business").get(f"/api/v1/ads/revenue?year={start.year}").status_code == 200
    assert sales.get(f"/api/v1/ads/revenue?year={start.year}").status_code == 403


def test_api_payment_over_owed_is_refused(login, contract):
    r = login("adsales").post(f"/api/v1/ads/contracts/{contract.pk}/payments",
                              json.dumps({"amount": "6000", "paid_on": timezone.localdate().isoformat()}),
                              content_type="application/json")
    assert r.status_code == 422 and "尚欠" in json.dumps(r.json(), ensure_ascii=False)


# --- Demo ----------------------------------------------------------------------------------------

def test_demo_loader_on_a_fresh_center_is_sized_fast_and_idempotent(demo):
    import time

    from rongmei.ads import demo as ads_demo
    from rongmei.core.models import Center

    fresh = Center.objects.create(name="新中心", slug="ads-fresh")
    started = time.monotonic()
    created, existing = ads_demo.load(fresh)
    assert time.monotonic() - started < 5
    assert created > 300 and existing == 0
    assert Slot.objects.filter(center=fresh).count() >= 40 and Client.objects.filter(center=fresh).count() == 60
    assert Contract.objects.filter(center=fresh).count() == 121
    assert Booking.objects.filter(center=fresh, contract__title=ads_demo.LAMP_CAMPAIGN, status="pending").count() == 3
    assert Proof.objects.filter(booking__center=fresh).exists() and Payment.objects.filter(center=fresh).exists()
    assert ads_demo.load(fresh)[0] == 0
    # no slot is double-booked, no contract over its amount
    for s in Slot.objects.filter(center=fresh):
        rows = list(Booking.objects.filter(slot=s, status__in=Booking.HOLDING).order_by("start"))
        assert all(a.end < b.start for a, b in itertools.pairwise(rows)), s.name
    for c in Contract.objects.filter(center=fresh):
        assert services.booked_total(c) <= c.amount and services.paid_total(c) <= c.amount


def test_the_contracts_list_api_gives_each_contracts_sums_without_a_query_per_contract(login, center, sales, contract, slot):
    """The list's booked/paid/owed come with the page (the per-contract summary made 85
    queries for a page of 40); two payments and a booking must not multiply each other."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    booking = book(center, sales, contract, slot, timezone.localdate() + dt.timedelta(days=3))
    services.add_payment(contract=contract, actor=sales, amount="300", paid_on=timezone.localdate())
    services.add_payment(contract=contract, actor=sales, amount="200", paid_on=timezone.localdate())
    client = login("adsales")
    row = next(r for r in client.get("/api/v1/ads/contracts?q=T-001&limit=40").json()["items"] if r["id"] == contract.pk)
    assert (float(row["booked"]), float(row["paid"]), float(row["owed"])) == (float(booking.amount), 500.0, 4500.0)
    assert row == client.get(f"/api/v1/ads/contracts/{contract.pk}").json()  # the same figures as one contract's answer
    counts = []
    for limit in (2, 40):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(f"/api/v1/ads/contracts?limit={limit}").status_code == 200
        counts.append(len(queries))
    assert counts[1] <= counts[0] + 2, counts
