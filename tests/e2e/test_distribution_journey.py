"""一键分发 in the browser: the operator publishes a signed-off piece to the website, a
WeChat account, a Weibo account and the village group (six village accounts); the status
board fills in live; the story shows 已发布; 全部撤稿 asks first, naming every account, with an
internal note and a public notice, and the public 410 page shows only the notice. Deliveries are real HTTP to the sandbox fakes."""

import pytest

from rongmei.distribution.fakes import connect_fake
from tests.e2e.conftest import DESKTOP, PHONE, log_in, shot

pytestmark = pytest.mark.e2e

# The demo's signed-off story that no outlet carries yet (the site's archive stories are live).
UNPUBLISHED = "青山至西岭公路建成通车"


def test_operator_publishes_everywhere_and_takes_it_down(demo_server, new_page):
    url = demo_server.url
    port = int(demo_server.env["RONGMEI_SANDBOX_PORT"])
    wechat = connect_fake("wechat", f"http://127.0.0.1:{port}")
    weibo = connect_fake("weibo", f"http://127.0.0.1:{port + 1}")
    page = new_page(DESKTOP)
    log_in(page, url, "operator")
    page.goto(f"{url}/stories/?status=signed_off")
    page.locator(f"[data-testid=story-list] h3 a:has-text('{UNPUBLISHED}')").click()
    page.click("[data-testid=action-publish]")
    form = page.locator("[data-testid=publish-form]")
    form.locator("label:has-text('全部村社号') input").check()
    for name in ["示例县融媒网站与客户端", "示例县融媒（公众号·沙箱）", "@示例县发布（微博·沙箱）"]:
        form.locator(f"label:has-text('{name}') input").check()
    shot(page, "distribution-1-choose-desktop")
    page.click("[data-testid=publish]")
    page.wait_for_selector("text=已提交 9 个账号的发布")
    page.wait_for_function(
        "() => document.querySelectorAll('[data-testid=status-board] tr[data-status=sent]').length === 9", timeout=90000)
    assert page.locator("[data-testid=status-board] a:has-text('打开微信文章')").count() == 7
    shot(page, "distribution-2-all-sent-desktop")
    story_id = page.url.rstrip("/").split("/")[-1]
    # This story went to Weibo exactly once. The sandbox is shared by the session's journeys,
    # so the count is of the posts carrying this story's link, not of everything the fake holds.
    weibo_state = weibo.state()
    ours = _weibo_posts_of(weibo_state, story_id)
    assert len(ours) == 1, weibo_state
    wechat_state = wechat.state()
    assert wechat_state["duplicate_publishes"] == []
    page.goto(f"{url}/stories/{story_id}/")
    assert page.inner_text("[data-testid=public-status]").startswith("已发布 · 网站/客户端、微信（7 个号）、微博")
    page.goto(f"{url}/distribution/stories/{story_id}/")
    page.fill("[data-testid=takedown-form] input[name=note]", "当事村民对数据提出异议，法务核实中")
    page.fill("[data-testid=takedown-form] input[name=notice]", "本文部分数据正在核实，核实后将重新发布。")
    page.click("[data-testid=takedown]")
    confirm = page.locator("[data-testid=takedown-confirm]")
    confirm.wait_for()
    assert page.locator("[data-testid=takedown-plan] li").count() == 9
    for name in ["示例县融媒网站与客户端", "示例县融媒（公众号·沙箱）", "@示例县发布（微博·沙箱）", "竹林村公众号"]:
        assert page.locator(f"[data-testid=takedown-plan] li:has-text('{name}')").count() == 1
    assert page.input_value("[data-testid=takedown-note]") == "当事村民对数据提出异议，法务核实中"
    shot(page, "distribution-3-takedown-confirm-desktop")
    phone = new_page(PHONE)  # the same confirmation on a phone (no script needed: a GET with the two notes)
    log_in(phone, url, "operator")
    phone.goto(f"{url}/distribution/stories/{story_id}/takedown/?note=数据核实中&notice=")
    phone.locator("[data-testid=takedown-confirm]").wait_for()
    assert phone.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]
    shot(phone, "distribution-3-takedown-confirm-phone")
    page.click("[data-testid=takedown-confirm-button]")
    page.wait_for_selector("text=撤稿已提交")
    page.wait_for_function(
        "() => document.querySelectorAll('[data-testid=status-board] tr[data-status=taken_down]').length === 9", timeout=90000)
    assert "当事村民对数据提出异议" in page.inner_text("[data-testid=takedown-note-shown]")
    shot(page, "distribution-4-taken-down-desktop")
    assert [p for p in _weibo_posts_of(weibo.state(), story_id) if not p["deleted"]] == []
    reader = new_page(PHONE)
    response = reader.goto(f"{url}/site/demo/news/{story_id}/")
    assert response.status == 410
    text = reader.inner_text("body")
    assert "本文部分数据正在核实，核实后将重新发布。" in text and "法务" not in text
    assert reader.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]
    shot(reader, "distribution-5-public-410-phone")


def _weibo_posts_of(state: dict, story_id: str) -> list[dict]:
    """The fake's posts whose link points at this story (each post carries the story's URL)."""
    return [post for account in state["accounts"].values() for post in account["statuses"].values()
            if f"/news/{story_id}/" in post["text"]]


def test_accounts_rundown_and_hand_work(demo_server, new_page):
    """The operator adds an account (its secret never comes back), publishes to the TV
    programme and a village account without an API; the rundown shows the item timed
    against the slot; the village clerk pastes the package and confirms with the link."""
    url = demo_server.url
    page = new_page(DESKTOP)
    log_in(page, url, "operator")
    page.goto(f"{url}/distribution/")
    page.click("[data-testid=account-new]")
    form = page.locator("[data-testid=account-form]")
    form.locator("#id_name").fill("@示例县文旅（微博）")
    form.locator("#id_kind").select_option("weibo")
    form.locator("#id_secret").fill("2.00secret-token-xyz")
    form.locator("button[type=submit]").click()
    page.wait_for_selector("text=已新建账号")
    page.locator("tr:has-text('@示例县文旅（微博）') a:has-text('设置')").click()
    assert "2.00secret-token-xyz" not in page.content() and page.locator("text=已设置（不显示）").count() == 1
    shot(page, "distribution-6-account-desktop")

    page.goto(f"{url}/stories/?status=signed_off")
    page.locator(f"[data-testid=story-list] h3 a:has-text('{UNPUBLISHED}')").click()
    page.click("[data-testid=action-publish]")
    form = page.locator("[data-testid=publish-form]")
    form.locator("label:has-text('县电视台·示例新闻联播') input").check()
    form.locator("[data-testid=other-accounts] summary").click()
    form.locator("label:has-text('西岭村微信群公众号') input").check()
    page.click("[data-testid=publish]")
    page.wait_for_selector("[data-testid=status-board] tr[data-status=awaiting]", timeout=60000)
    page.wait_for_selector("[data-testid=status-board] tr[data-status=sent]", timeout=60000)
    shot(page, "distribution-7-awaiting-desktop")

    page.goto(f"{url}/distribution/")
    page.locator("tr:has-text('县电视台·示例新闻联播') a:has-text('串联单')").click()
    page.wait_for_selector("[data-testid=rundown] tbody tr td:has-text('18:30:00')")
    assert "时段 10:00" in page.inner_text("[data-testid=rundown-total]")
    with page.expect_download() as download:
        page.click("[data-testid=export-docx]")
    assert download.value.suggested_filename.endswith(".docx")
    shot(page, "distribution-8-rundown-desktop")

    clerk = new_page(DESKTOP)
    log_in(clerk, url, "cun_xiling")  # 潘长青, 西岭村's clerk, runs its hand-posted account
    clerk.goto(f"{url}/notifications/")
    clerk.locator("a:has-text('请代发')").first.click()
    clerk.wait_for_selector("[data-testid=package] #pkg-text")
    assert clerk.input_value("#pkg-title")
    clerk.click("[data-testid=confirm]")
    clerk.wait_for_selector("text=请填写发出后的文章链接")
    clerk.fill("#url", "https://mp.weixin.qq.com/s/xiling-demo")
    shot(clerk, "distribution-9-handoff-desktop")
    clerk.click("[data-testid=confirm]")
    clerk.wait_for_selector("text=已确认")
