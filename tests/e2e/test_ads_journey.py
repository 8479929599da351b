"""广告经营 in real headless Chromium, on the shared demo installation (issue 18's journey):
a salesperson books a lamp-post campaign and gets it approved.

冯晓 (adsales) opens 广告合同, picks the demo's 迎新春 lamp-post contract and books the free
street (迎宾大道, which the demo leaves empty) for two weeks with words the Advertising Law
forbids (全县最好、国家级). Booking the same street again for overlapping days is refused in
Chinese naming the first booking. 何军 (business) sees the booking on his 工作台, opens it,
reads the findings with their places, presses 审查通过 and is refused (banned terms are a
hard refusal), so he returns it with a reason. 冯晓 changes the words; 何军 approves; the
calendar shows the street booked. Screenshots in test-artifacts/screenshots/ads-*.png."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.e2e.conftest import DESKTOP, log_in, shot

pytestmark = pytest.mark.e2e

TITLE = "全县最好的年货节"
TEXT = "国家级品质，年货一站购齐，欢迎市民选购。"
FIXED_TITLE = "示例县年货节"
FIXED_TEXT = "年货一站购齐，品质有保障，欢迎市民选购。"


def _nav(page, label: str) -> None:
    page.locator("[data-testid=nav] a", has_text=label).first.click()
    page.wait_for_load_state("domcontentloaded")


def test_salesperson_books_a_lamp_post_campaign_and_gets_it_approved(demo_server, new_page):
    url = demo_server.url
    sales = new_page(DESKTOP)
    log_in(sales, url, "adsales")
    sales.wait_for_selector("[data-testid=ads-box-sales]")
    shot(sales, "ads-1-sales-home")
    _nav(sales, "广告合同")
    sales.fill("#f-q", "迎新春灯杆")
    sales.get_by_role("button", name="筛选").click()
    sales.locator("[data-testid=contracts] a").first.click()
    sales.wait_for_selector("[data-testid=contract-summary]")
    shot(sales, "ads-2-contract")
    contract_url = sales.url
    sales.click("[data-testid=book]")
    sales.wait_for_selector("[data-testid=booking-form]")
    start = dt.date.today() + dt.timedelta(days=12)
    end = start + dt.timedelta(days=13)
    option = sales.locator("#id_slot option", has_text="灯杆道旗·迎宾大道").inner_text()
    sales.select_option("#id_slot", label=option)
    sales.fill("#id_start", start.isoformat())
    sales.fill("#id_end", end.isoformat())
    sales.fill("#id_title", TITLE)
    sales.fill("#id_text", TEXT)
    shot(sales, "ads-3-booking-form")
    sales.click("[data-testid=booking-submit]")
    sales.wait_for_selector("[data-testid=ad-content]")
    booking_url = sales.url
    booking_id = booking_url.rstrip("/").rsplit("/", 1)[-1]
    findings = sales.inner_text("[data-testid=findings]")
    assert "国家级" in findings and "广告法禁用语" in findings, findings
    shot(sales, "ads-4-booked-with-findings")

    # the same street again for overlapping days: refused, naming the booking
    sales.goto(contract_url)
    sales.click("[data-testid=book]")
    sales.select_option("#id_slot", label=option)
    sales.fill("#id_start", (start + dt.timedelta(days=3)).isoformat())
    sales.fill("#id_end", (start + dt.timedelta(days=5)).isoformat())
    sales.fill("#id_title", "另一家的广告")
    sales.click("[data-testid=booking-submit]")
    sales.wait_for_selector(".form-errors, .has-error")
    error = sales.inner_text("main")
    assert "时间重叠" in error and f"#{booking_id}" in error, error[:800]
    shot(sales, "ads-5-overlap-refused")

    # 何军 reviews: refused for the banned terms, returns it
    boss = new_page(DESKTOP)
    log_in(boss, url, "business")
    boss.wait_for_selector("[data-testid=ads-box-approve]")
    assert TITLE in boss.inner_text("[data-testid=ads-box-approve]") or \
        "条广告待审查" in boss.inner_text("[data-testid=ads-box-approve]")
    shot(boss, "ads-6-boss-home")
    _nav(boss, "广告审查")
    boss.locator("[data-testid=review-list] a", has_text=TITLE).click()
    boss.wait_for_selector("[data-testid=review-actions]")
    boss.click("[data-testid=approve]")
    boss.wait_for_selector("[data-testid=ads-errors]")
    refusal = boss.inner_text("[data-testid=ads-errors]")
    assert "禁用语" in refusal and "国家级" in refusal, refusal
    shot(boss, "ads-7-approval-refused")
    boss.fill("#return-note", "“最好”“国家级”属于《广告法》禁用的绝对化用语，请修改。")
    boss.click("[data-testid=return]")
    boss.wait_for_selector("text=已退回业务员修改")

    # 冯晓 fixes the words
    sales.goto(booking_url)
    sales.wait_for_selector("[data-testid=content-form]")
    assert "请修改" in sales.inner_text("[data-testid=review-note]")
    sales.fill("[data-testid=content-form] #id_title", FIXED_TITLE)
    sales.fill("[data-testid=content-form] #id_text", FIXED_TEXT)
    shot(sales, "ads-8-fixing")
    sales.click("[data-testid=content-save]")
    sales.wait_for_selector("text=已重新提交审查")
    assert sales.locator("[data-testid=findings]").count() == 0 or \
        "广告法禁用语" not in sales.inner_text("[data-testid=findings]")

    # 何军 approves
    boss.goto(booking_url)
    boss.wait_for_selector("[data-testid=review-actions]")
    boss.click("[data-testid=approve]")
    boss.wait_for_selector("text=审查通过，可以刊播")
    assert "已通过" in boss.inner_text("h1")
    shot(boss, "ads-9-approved")

    # the calendar shows the street booked
    boss.goto(f"{url}/ads/calendar/?kind=lamp_post&month={start:%Y-%m}")
    boss.wait_for_selector("[data-testid=calendar]")
    row = boss.locator("[data-testid=calendar] tr", has_text="灯杆道旗·迎宾大道")
    assert row.locator(f"a[href$='/ads/bookings/{booking_id}/']").count() >= 1
    shot(boss, "ads-10-calendar")
