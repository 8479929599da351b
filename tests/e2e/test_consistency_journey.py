"""Polish a newcomer notices (issue 13, 一致性与细节): the year the holiday package does not
know yet shows its computed legal holidays and keeps its warning until the platform admin
says the schedule is entered in full; the site icon is served."""

import pytest

from rongmei.testing.live import http_get
from tests.e2e.conftest import PHONE, log_in, shot

pytestmark = pytest.mark.e2e


def test_platform_admin_sees_2027_holidays_and_confirms_the_schedule(demo_server, new_page):
    page = new_page(PHONE)
    log_in(page, demo_server.url, "admin")
    page.goto(f"{demo_server.url}/inquiry/settings/")
    year = page.locator("[data-testid=holiday-year-2027]")
    text = year.inner_text()
    assert "元旦 1月1日；春节 2月5日–2月10日；清明节 4月5日" in text
    assert "尚未完整录入" in page.inner_text("[role=alert]")
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    shot(page, "holidays-2027-phone")
    year.locator("input[name=complete]").check()
    year.locator("button:has-text('保存')").click()
    page.wait_for_selector("text=已保存")
    assert page.locator("[data-testid=holiday-year-2027] input[name=complete]").is_checked()
    assert "尚未完整录入" not in page.content()


def test_favicon_answers(demo_server):
    status, headers, body = http_get(f"{demo_server.url}/favicon.ico")
    assert status == 200 and body[:4] == b"\x00\x00\x01\x00"
