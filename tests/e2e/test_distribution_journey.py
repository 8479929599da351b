"""一键分发 in the browser: the operator publishes a signed-off piece to the website, a
WeChat account, a Weibo account and the 30-account village group; the status board fills
in live; takedown removes it everywhere. Deliveries are real HTTP to the sandbox fakes."""

import pytest

from rongmei.distribution.fakes import connect_fake
from tests.e2e.conftest import DESKTOP, log_in, shot

pytestmark = pytest.mark.e2e


def test_operator_publishes_everywhere_and_takes_it_down(demo_server, new_page):
    url = demo_server.url
    port = int(demo_server.env["RONGMEI_SANDBOX_PORT"])
    wechat = connect_fake("wechat", f"http://127.0.0.1:{port}")
    weibo = connect_fake("weibo", f"http://127.0.0.1:{port + 1}")
    page = new_page(DESKTOP)
    log_in(page, url, "operator")
    page.goto(f"{url}/stories/?status=signed_off")
    page.locator("[data-testid=story-list] h3 a").first.click()
    page.click("[data-testid=action-publish]")
    form = page.locator("[data-testid=publish-form]")
    form.locator("label:has-text('全部村社号') input").check()
    for name in ["示例县融媒网站与客户端", "示例县融媒（公众号·沙箱）", "@示例县发布（微博·沙箱）"]:
        form.locator(f"label:has-text('{name}') input").check()
    shot(page, "distribution-1-choose-desktop")
    page.click("[data-testid=publish]")
    page.wait_for_selector("text=已提交 33 个账号的发布")
    page.wait_for_function(
        "document.querySelectorAll('[data-testid=status-board] tr[data-status=sent]').length === 33", timeout=90000)
    shot(page, "distribution-2-all-sent-desktop")
    assert weibo.state()["totals"]["statuses_created"] == 1
    wechat_state = wechat.state()
    assert wechat_state["duplicate_publishes"] == []
    page.fill("[data-testid=takedown-form] input[name=reason]", "数据需要再核实")
    page.click("[data-testid=takedown]")
    page.wait_for_function(
        "document.querySelectorAll('[data-testid=status-board] tr[data-status=taken_down]').length === 33", timeout=90000)
    shot(page, "distribution-3-taken-down-desktop")
    assert weibo.state()["totals"]["statuses_live"] == 0
