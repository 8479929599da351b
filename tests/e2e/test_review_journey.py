"""三审三校 with five people: the author, 一审, 二审, 三审 and the proofreader, through the
default workflow, with one send-back and one blocked sensitive term."""

import pytest

from tests.e2e.conftest import DESKTOP, PHONE, log_in, shot

pytestmark = pytest.mark.e2e

HEADLINE = "白沙乡河口村冬修水利 巡堤护岸"


def open_task(page, url, headline):
    page.goto(f"{url}/review/")
    page.click(f"[data-testid=inbox] a:has-text('{headline[:8]}')")
    page.wait_for_selector("[data-testid=steps]")


def test_five_people_through_the_default_workflow(demo_server, new_page):
    url = demo_server.url
    author = new_page(PHONE, is_mobile=True)
    log_in(author, url, "reporter")
    author.goto(f"{url}/stories/new/")
    author.fill("#id_headline", HEADLINE)
    author.click("[data-testid=body-editor]")
    author.keyboard.type("入冬以来，白沙乡河口村组织村民冬修水利，加固堤防一千二百米。")
    author.keyboard.press("Enter")
    author.keyboard.type("村干部提醒村民警惕网上的赌 博 网 站和虚假借贷广告。")
    author.click("[data-testid=save-story]")
    author.wait_for_selector("text=稿件已保存")
    author.click("[data-testid=file-story]")
    author.click("[data-testid=submit-review]")
    author.wait_for_selector("[data-testid=steps]")
    story_url = author.url

    reviewer1 = new_page(DESKTOP)
    log_in(reviewer1, url, "reviewer1")
    open_task(reviewer1, url, HEADLINE)
    assert reviewer1.locator("mark.check-block").count() >= 1
    assert "赌 博 网 站" in reviewer1.inner_text("mark.check-block >> nth=0")
    shot(reviewer1, "review-1-blocked-term-desktop")
    reviewer1.click("[data-testid=approve]")
    assert "阻止签发" in reviewer1.inner_text(".messages")
    reviewer1.fill("[data-testid=send-back-reason]", "第二段有违规词，请删除后再送审")
    reviewer1.click("[data-testid=send-back]")
    reviewer1.wait_for_selector("text=已退回")

    author.goto(f"{url}/notifications/")
    assert "稿件被退回" in author.inner_text("[data-testid=notifications]")
    author.click("[data-testid=notifications] a >> nth=0")
    author.click("[data-testid=edit-story]")
    editor_area = author.locator("[data-testid=body-editor]")
    editor_area.evaluate("el => { el.innerHTML = el.innerHTML.replace('赌 博 网 站和', ''); el.dispatchEvent(new Event('input')); }")
    author.click("[data-testid=save-story]")
    author.wait_for_selector("text=已保存为第")
    author.click("[data-testid=submit-review]")
    author.wait_for_selector("[data-testid=steps]")
    shot(author, "review-2-resubmitted-phone")

    reviewer2, reviewer3, proofreader = new_page(DESKTOP), new_page(DESKTOP), new_page(PHONE, is_mobile=True)
    log_in(reviewer2, url, "reviewer2")
    log_in(reviewer3, url, "reviewer3")
    log_in(proofreader, url, "proofreader")
    for page, label in [(reviewer1, "一审"), (proofreader, "一校"), (reviewer2, "二审"), (proofreader, "二校"),
                        (proofreader, "三校"), (reviewer3, "三审签发")]:
        open_task(page, url, HEADLINE)
        assert label in page.inner_text("[data-testid=actions] h2")
        page.click("[data-testid=approve]")
        page.wait_for_selector(".flash-success")
        if label == "二审":
            shot(page, "review-3-second-review-desktop")
    reviewer3.wait_for_selector("[data-testid=review-status]:has-text('已签发')")
    assert reviewer3.locator("[data-testid=signoffs] tbody tr").count() == 7  # six steps and the 签发 record
    assert "签发" in reviewer3.inner_text("[data-testid=signoffs]")
    shot(reviewer3, "review-4-signed-off-desktop")

    author.goto(story_url.split("/review/")[0] + "/stories/")
    author.click(f"text={HEADLINE}")
    assert author.inner_text("[data-testid=story-status]") == "已签发"
    reviewer3.goto(f"{url}/review/ledger/")
    reviewer3.wait_for_selector("[data-testid=ledger-ok]")
    reviewer3.goto(f"{url}/review/stats/")
    assert "一审" in reviewer3.inner_text("[data-testid=per-step]")
    shot(reviewer3, "review-5-stats-desktop")


def test_reviewer_on_a_phone_sees_what_each_channel_publishes(demo_server, new_page):
    """The reviewer reads the piece once, then per channel exactly what goes out: the Weibo
    post with its count, the WeChat digest, author, cover and 原文链接; the inbox shows
    deadline and workflow at 390 px; nothing scrolls sideways."""
    url = demo_server.url
    page = new_page(PHONE, is_mobile=True)
    log_in(page, url, "reviewer1")
    page.goto(f"{url}/review/")
    inbox = page.locator("[data-testid=inbox]")
    for cell in ("due", "workflow"):  # on the screen, not in a sideways-scrolling table
        box = page.locator(f"[data-testid=inbox] tbody tr >> nth=0 >> [data-cell={cell}]").bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= 390
    assert "三审三校" in inbox.inner_text()
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    shot(page, "review-6-inbox-phone")
    page.click("[data-testid=inbox] tbody a >> nth=0")
    page.wait_for_selector("[data-testid=published]")
    weibo = page.inner_text("[data-field='weibo.text']")
    assert "/news/" in weibo and "按微博规则计" in weibo
    assert page.inner_text("[data-field='wechat.digest']").strip()
    assert "/news/" in page.inner_text("[data-field='wechat.source_url']")
    assert page.locator("[data-field='wechat.cover'] img").count() == 1
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    page.locator("[data-testid=published]").scroll_into_view_if_needed()
    shot(page, "review-7-published-fields-phone")
