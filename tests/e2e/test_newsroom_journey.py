"""The central-kitchen journey with distinct people: the editor turns a lead into a topic and
dispatches it; the reporter, on a phone, accepts, writes, attaches a photo and files; the
editor generates every rendition and edits the Weibo one."""

import re

import pytest

from rongmei.newsroom.tests.conftest import jpeg_with_gps
from tests.e2e.conftest import DESKTOP, PHONE, log_in, shot

pytestmark = pytest.mark.e2e


def test_lead_to_topic_to_assignment_to_story_to_renditions(demo_server, new_page, tmp_path):
    url = demo_server.url
    editor = new_page(DESKTOP)
    log_in(editor, url, "editor")
    editor.click("[data-nav=leads]")
    editor.click("summary:has-text('录入线索')")
    editor.fill("#id_title", "群众爆料：滨江街道望江社区健身步道破损")
    editor.fill("#id_content", "多位居民反映，望江社区沿江健身步道多处地砖松动，老人晨练易绊倒。")
    editor.select_option("#id_source", "tip")
    editor.click("button:has-text('录入')")
    editor.wait_for_selector("text=线索已录入")
    card = editor.locator("[data-lead]", has_text="健身步道破损").first
    card.locator("summary:has-text('转为选题')").click()
    card.locator("input[name=title]").fill("望江社区健身步道破损调查")
    card.locator("button:has-text('转为选题')").click()
    editor.wait_for_selector("text=已转为选题")
    assert editor.inner_text("[data-testid=topic-status]") == "已通过"
    editor.click("[data-testid=assign-form] summary")
    editor.fill("#id_title", "望江社区健身步道现场采访")
    editor.fill("#id_location", "滨江街道望江社区")
    editor.check("label:has-text('王磊') input[name=reporters]")
    shot(editor, "journey-1-editor-dispatch-desktop")
    editor.click("[data-testid=dispatch]")
    editor.wait_for_selector("text=已派发采访任务")

    reporter = new_page(PHONE, is_mobile=True, has_touch=True)
    log_in(reporter, url, "reporter")
    reporter.wait_for_selector("[data-testid=unread]")
    reporter.goto(f"{url}/planning/mine/")
    reporter.click("text=望江社区健身步道现场采访")
    reporter.click("[data-testid=accept]")
    reporter.wait_for_selector("text=已接单")
    shot(reporter, "journey-2-reporter-accepts-phone")
    reporter.click("[data-testid=write]")
    reporter.wait_for_selector("[data-testid=story-form]")
    reporter.fill("#id_subheadline", "居民盼早日修复")
    reporter.click("[data-testid=body-editor]")
    reporter.keyboard.type("记者今天上午在望江社区看到，沿江健身步道有十余处地砖松动。")
    reporter.keyboard.press("Enter")
    reporter.keyboard.type("“每天早上都有老人在这里锻炼，绊倒过好几回。”居民李阿姨说。街道表示将尽快维修。")
    photo = tmp_path / "步道.jpg"
    photo.write_bytes(jpeg_with_gps(caption="望江社区健身步道松动的地砖", credit="王磊 摄"))
    reporter.set_input_files("[data-testid=file-input]", str(photo))
    reporter.wait_for_selector("[data-testid=attached] [data-asset-chip]")
    shot(reporter, "journey-3-reporter-writes-phone")
    reporter.click("[data-testid=save-story]")
    reporter.wait_for_selector("text=已保存为第")
    reporter.click("[data-testid=file-story]")
    reporter.wait_for_selector("[data-testid=story-status]:has-text('已交稿')")
    assert reporter.locator(".figure-grid img").count() == 1
    shot(reporter, "journey-4-reporter-filed-phone")
    story_url = reporter.url

    editor.goto(f"{url}/planning/")
    assert "望江社区健身步道现场采访" in editor.inner_text("[data-lane=filed]")
    editor.goto(story_url)
    editor.click("[data-testid=generate-all]")
    editor.wait_for_selector("text=已生成 7 个渠道稿")
    for channel in ("web", "wechat", "weibo", "newspaper", "radio", "tv", "short_video"):
        assert editor.locator(f"[data-channel={channel}]").count() == 1
    shot(editor, "journey-5-renditions-desktop")
    editor.click("[data-testid=edit-weibo]")
    body = editor.locator("[data-testid=rendition-body]")
    body.fill("长" * 150)
    editor.click("[data-testid=save-rendition]")
    assert "短微博最多 119 字" in editor.inner_text("body")
    body.fill("【望江社区健身步道破损 街道将尽快维修】沿江步道十余处地砖松动，居民盼早日修复。#滨江街道# #民生关注#")
    editor.click("[data-testid=save-rendition]")
    editor.wait_for_selector("text=微博稿已保存")
    weibo = editor.locator("[data-channel=weibo]")
    assert "已修改" in weibo.inner_text() and "民生关注" in weibo.inner_text()
    shot(editor, "journey-6-weibo-edited-desktop")


def test_two_editors_do_not_overwrite_each_other(demo_server, new_page):
    url = demo_server.url
    first, second = new_page(DESKTOP), new_page(DESKTOP)
    log_in(first, url, "editor")
    log_in(second, url, "reviewer1")
    first.goto(f"{url}/stories/?status=editing&mine=")
    first.locator("[data-testid=story-list] h3 a").first.click()
    story_url = first.url
    first.click("[data-testid=edit-story]")
    second.goto(story_url)
    second.click("[data-testid=edit-story]")
    second.wait_for_selector("[data-testid=presence]")
    assert "李娜" in second.inner_text("[data-testid=presence]")
    first.fill("#id_summary", "编辑李娜先保存的摘要")
    first.click("[data-testid=save-story]")
    first.wait_for_selector("text=已保存为第")
    second.fill("#id_summary", "一审张伟后保存的摘要")
    second.click("[data-testid=save-story]")
    second.wait_for_selector("text=保存冲突：请对照后合并")
    diff = second.inner_html("[data-testid=conflict-diff]")
    assert "<del>编辑李娜先</del><ins>一审张伟后</ins>保存的摘要" in diff
    assert second.input_value("#id_summary") == "一审张伟后保存的摘要"
    shot(second, "conflict-merge-desktop")
    assert re.search(r"冲突稿", second.content())


def test_board_calendar_screen_search_and_library(demo_server, new_page):
    url = demo_server.url
    page = new_page(DESKTOP)
    log_in(page, url, "editor")
    page.click("[data-nav=board]")
    page.click("text=本周")
    assert page.locator("[data-testid=kanban] .task").count() > 0
    assert int(page.inner_text("[data-testid=overdue-count]")) >= 1
    shot(page, "board-week-desktop")
    page.goto(f"{url}/planning/calendar/")
    assert page.locator("[data-testid=calendar] .ev").count() > 0
    shot(page, "calendar-desktop")
    page.goto(f"{url}/planning/screen/")
    page.wait_for_selector("[data-testid=screen] .lane")
    shot(page, "big-screen-desktop")
    page.goto(f"{url}/search/?q=积水")
    page.wait_for_selector("[data-testid=search-results]")
    assert page.locator("[data-testid=search-results] mark").count() > 0
    shot(page, "search-desktop")
    page.goto(f"{url}/assets/")
    assert page.locator("[data-testid=asset-grid] .asset-tile img").count() >= 10
    shot(page, "assets-desktop")
    page.goto(f"{url}/stories/")
    shot(page, "stories-desktop")

    phone = new_page(PHONE, is_mobile=True)
    log_in(phone, url, "reporter")
    phone.goto(f"{url}/planning/mine/")
    assert phone.locator("[data-testid=my-active] .task").count() >= 1
    shot(phone, "my-assignments-phone")
    phone.goto(f"{url}/planning/")
    shot(phone, "board-phone")
