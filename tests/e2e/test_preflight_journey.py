"""Pre-flight and default covers in the browser: the demo's text-only 通告 (停水通告, 便民服务)
is signed off for the site, WeChat and Weibo. With no default cover, 一键分发 says beside
every WeChat account that it would be refused and why, and pressing 一键发布 sends nothing;
the editor sets the 便民服务 column's default cover on 栏目与封面 (on a phone), and the same
signed-off notice goes to the sandbox WeChat account without a new review round."""

import pytest

from rongmei.distribution.demo import NOTICE
from rongmei.distribution.fakes import connect_fake
from tests.e2e.conftest import DESKTOP, PHONE, log_in, shot

pytestmark = pytest.mark.e2e

WECHAT = "示例县融媒（公众号·沙箱）"


def _set_cover(page, url: str, form: str, label: str | None) -> None:
    page.goto(f"{url}/columns/")
    select = page.locator(f"[data-testid={form}] select[name=asset]")
    if label is None:
        select.select_option(value="")
    else:
        select.select_option(label=label)
    page.locator(f"[data-testid={form}] button").click()
    page.wait_for_selector("text=默认封面已")


def test_text_only_notice_goes_to_wechat_with_the_column_default_cover(demo_server, new_page):
    url = demo_server.url
    wechat = connect_fake("wechat", f"http://127.0.0.1:{int(demo_server.env['RONGMEI_SANDBOX_PORT'])}")
    editor = new_page(PHONE)
    log_in(editor, url, "editor")
    editor.goto(f"{url}/columns/")
    cover_label = editor.locator("[data-testid=column-cover-bianmin] select option:checked").inner_text()
    assert cover_label != "（不设置，用中心默认封面）"
    center_label = editor.locator("[data-testid=center-cover] select option:checked").inner_text()
    _set_cover(editor, url, "column-cover-bianmin", None)
    _set_cover(editor, url, "center-cover", None)

    operator = new_page(DESKTOP)
    log_in(operator, url, "operator")
    operator.goto(f"{url}/stories/?status=signed_off")
    operator.locator(f"[data-testid=story-list] h3 a:has-text('{NOTICE['headline']}')").click()
    operator.click("[data-testid=action-publish]")
    form = operator.locator("[data-testid=publish-form]")
    assert "微信图文需要封面图" in form.locator("[data-testid=preflight]").inner_text()
    assert form.locator(f"label:has-text('{WECHAT}') .tag").inner_text() == "会被拒收"
    form.locator(f"label:has-text('{WECHAT}') input").check()
    operator.click("[data-testid=publish]")
    operator.wait_for_selector("text=发布前检查未通过")
    assert operator.locator("[data-testid=status-board] tr[data-status]").count() == 0
    shot(operator, "preflight-1-refused-desktop")

    _set_cover(editor, url, "column-cover-bianmin", cover_label)
    assert editor.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]
    shot(editor, "preflight-2-column-covers-phone")

    operator.reload()
    form = operator.locator("[data-testid=publish-form]")
    assert form.locator(f"label:has-text('{WECHAT}') .tag").count() == 0
    form.locator(f"label:has-text('{WECHAT}') input").check()
    operator.click("[data-testid=publish]")
    operator.wait_for_selector("text=已提交 1 个账号的发布")
    operator.wait_for_function(
        "() => document.querySelectorAll('[data-testid=status-board] tr[data-status=sent]').length === 1", timeout=90000)
    shot(operator, "preflight-3-sent-with-default-cover-desktop")
    phone = new_page(PHONE)
    log_in(phone, url, "operator")
    phone.goto(operator.url)
    assert phone.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]
    shot(phone, "preflight-4-board-phone")
    assert wechat.state()["duplicate_publishes"] == []
    _set_cover(editor, url, "center-cover", center_label)  # leave the demo as it was
