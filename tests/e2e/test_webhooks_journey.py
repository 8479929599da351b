"""Webhook 推送 on a phone (390 px): the center admin adds a receiver with two event kinds,
sees the secret once, sends a test event and watches the delivery worker record it. The
receiver is on this machine, which the outbound rule refuses (no RONGMEI_LINKCHECK_ALLOW in
the demo): the delivery fails at once with that reason and offers 重发."""

import pytest

from tests.e2e.conftest import PHONE, log_in, shot

pytestmark = pytest.mark.e2e


def fits(page) -> bool:
    return page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]


def test_admin_adds_a_receiver_and_sends_a_test_event_on_a_phone(demo_server, new_page):
    url = demo_server.url
    page = new_page(PHONE, is_mobile=True, has_touch=True)
    log_in(page, url, "admin")
    page.goto(f"{url}/distribution/webhooks/")
    assert page.locator("[data-testid=webhooks] td:has-text('示例接收方')").count() == 1
    assert fits(page)
    shot(page, "webhooks-1-list-phone")
    page.click("[data-testid=webhook-new]")
    form = page.locator("[data-testid=webhook-form]")
    form.locator("input[name=name]").fill("值班室大屏")
    form.locator("input[name=url]").fill("http://localhost:9/hook")
    form.locator("label:has-text('稿件签发') input").check()
    form.locator("label:has-text('问政超期') input").check()
    assert fits(page)
    form.locator("button[type=submit]").click()
    secret = page.inner_text("[data-testid=webhook-secret] code")
    assert secret.startswith("whsec_")
    assert fits(page)
    shot(page, "webhooks-2-secret-once-phone")
    page.click("text=我已保存，返回")
    assert secret not in page.content()
    page.click("[data-testid=webhook-ping]")
    page.wait_for_selector("text=测试事件已排队")
    for _ in range(40):  # the delivery worker of `rongmei serve` picks it up
        if page.locator("[data-testid=webhook-deliveries] .delivery[data-status=dead]").count():
            break
        page.wait_for_timeout(500)
        page.reload()
    delivery = page.locator("[data-testid=webhook-deliveries] .delivery").first
    assert "内网" in delivery.inner_text()
    assert delivery.locator("[data-testid=webhook-resend]").count() == 1
    assert fits(page)
    shot(page, "webhooks-3-delivery-refused-phone")
