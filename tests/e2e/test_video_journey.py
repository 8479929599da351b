"""Short video from the story to the platforms, in the browser (issue 17): the editor opens a
story with footage, makes the vertical version with subtitles (the SRT started from the
short-video caption and edited), watches the progress reach 100 and plays the result; the
new video sends the story back through review, where each reviewer plays it and signs off
through the demo workflow; the operator publishes it to the demo's 抖音 and 快手 sandbox
accounts and the 视频号 account posted by hand ("posted, here is the link"); the fakes hold
exactly one post each. Then the editor gives the reporter an assignment, and it arrives on
the fake 企业微信 as an application message to the reporter's WeCom id.

Everything is real: ffmpeg renders in the demo's task worker, the delivery worker uploads
to the sandbox fakes over HTTP, and the notification leaves through the messaging outbox.
Screenshots: test-artifacts/screenshots/video-*.png."""

import json
import re
import time

import pytest

from rongmei.distribution.fakes.controls import RemoteFake
from rongmei.distribution.fakes.douyin import connect as connect_douyin
from rongmei.distribution.fakes.kuaishou import RemoteKuaishouFake
from rongmei.distribution.fakes.server import SANDBOX_OFFSETS
from rongmei.distribution.fakes.wecom import WeComControls
from tests.e2e.conftest import DESKTOP, PHONE, log_in, shot

pytestmark = pytest.mark.e2e

# The demo's story with footage (newsroom demo: a 3-second clip of the new road), signed off.
STORY = "青山至西岭公路建成通车"
DOUYIN, KUAISHOU, CHANNELS = "示例县融媒（抖音·沙箱）", "示例县融媒（快手·沙箱）", "示例县融媒视频号（人工代发）"
EDITED_CUE = "青山至西岭公路今天正式通车"
POSTED = "https://channels.weixin.qq.com/finder/feed/export/demo-xiling-road-2026"  # what the operator pastes
REVIEWERS = ("reviewer1", "proofreader", "reviewer2", "reviewer3", "deputy")


class RemoteWeCom(RemoteFake, WeComControls):
    """The demo's fake 企业微信 (another process), through its control API."""


def _sandbox(demo_server, kind: str) -> str:
    return f"http://127.0.0.1:{int(demo_server.env['RONGMEI_SANDBOX_PORT']) + SANDBOX_OFFSETS[kind]}"


def _shell(demo_server, code: str):
    return json.loads(demo_server.rongmei("shell", "-c", code).stdout.strip().splitlines()[-1])


def _play(page, selector: str) -> dict:
    """Play the <video> at `selector` and wait until it has really played a little: what
    the browser decoded (its size) and how far it got."""
    video = page.locator(selector).first
    video.scroll_into_view_if_needed()
    video.evaluate("v => { v.muted = true; return v.play(); }")
    page.wait_for_function("v => v.currentTime > 0.3 && v.readyState >= 2", arg=video.element_handle(), timeout=30000)
    return video.evaluate("v => ({w: v.videoWidth, h: v.videoHeight, t: v.currentTime, d: v.duration})")


def _edited_srt(srt: str) -> str:
    """The starter SRT with its first cue's text replaced, as an editor retypes a line."""
    blocks = srt.strip().split("\n\n")
    lines = blocks[0].split("\n")
    assert len(lines) >= 3 and "-->" in lines[1], srt
    blocks[0] = "\n".join([*lines[:2], EDITED_CUE])
    return "\n\n".join(blocks) + "\n"


def test_vertical_video_made_reviewed_and_published_to_short_video_platforms(demo_server, new_page):
    url = demo_server.url
    douyin = connect_douyin(_sandbox(demo_server, "douyin"))
    kuaishou = RemoteKuaishouFake(_sandbox(demo_server, "kuaishou"))

    # --- The editor makes the vertical version with subtitles -----------------------------------
    editor = new_page(DESKTOP)
    log_in(editor, url, "editor")
    editor.goto(f"{url}/stories/?status=signed_off")
    editor.locator(f"[data-testid=story-list] h3 a:has-text('{STORY}')").click()
    story_id = int(re.search(r"/stories/(\d+)/", editor.url).group(1))
    panel = editor.locator("[data-testid=video-panel]")
    panel.wait_for()
    panel.locator("summary:has-text('制作视频版本')").click()
    form = panel.locator("[data-testid=video-form]")
    form.locator("input[name=shape][value=vertical]").check()
    sources = form.locator("label:has-text('新路通车现场') input[name=sources]")
    assert sources.count() == 1, "the demo story's footage is offered as a source"
    sources.check()
    form.locator("input[name=fit][value=blur]").check()
    form.locator("[data-testid=video-starter]").click()  # 从短视频文案生成 (htmx swaps the textarea)
    editor.wait_for_function("() => (document.querySelector('#video-subtitles') || {}).value?.includes('-->')")
    subtitles = form.locator("[data-testid=video-subtitles]")
    subtitles.fill(_edited_srt(subtitles.input_value()))
    form.locator("input[name=subtitles_mode][value=burn]").check()
    shot(editor, "video-1-editor-form-desktop")
    form.locator("[data-testid=video-generate]").click()
    editor.wait_for_selector("text=已开始生成")
    job_id = int(re.search(r"/videos/(\d+)/", editor.url).group(1))

    # The progress bar is polled every 2 s until the job is done; record what it showed.
    seen, shot_running, deadline = [], False, time.monotonic() + 240
    while time.monotonic() < deadline:
        state = editor.locator("[data-testid=video-state]").first.inner_text()
        bar = editor.locator("[data-testid=video-progress]")
        if bar.count():
            seen.append(int(bar.first.get_attribute("value") or 0))
            if not shot_running and 0 < seen[-1] < 100:
                shot(editor, "video-2-progress-desktop")
                shot_running = True
        if state in ("已完成", "失败", "已取消"):
            break
        time.sleep(0.4)
    assert state == "已完成", f"the video job ended {state}: {editor.inner_text('[data-testid=video-status]')}"
    assert seen and seen == sorted(seen), f"the progress bar was not shown, or went backwards: {seen}"
    done = _shell(demo_server, "import json; from rongmei.newsroom.models import VideoJob; "
                               f"j = VideoJob.objects.get(pk={job_id}); "
                               "print(json.dumps([j.percent, j.width, j.height, j.subtitles, j.sha256]))")
    assert done[:3] == [100, 1080, 1920] and EDITED_CUE in done[3]
    editor.reload()  # the page's head says whether this is the 短视频 version's video now
    editor.wait_for_selector("[data-testid=video-attached]")
    played = _play(editor, "[data-testid=video-player-vertical] video")
    assert (played["w"], played["h"]) == (1080, 1920), played
    assert EDITED_CUE in editor.locator("pre.srt").text_content()  # the edited line is what was rendered
    shot(editor, "video-3-done-playing-desktop")

    # --- The new video sends the story back through review: every step signs it again ---------
    review_id = _shell(demo_server, "from rongmei.review.models import Review; "
                                    f"print(Review.objects.filter(story_id={story_id}).order_by('-id').first().pk)")
    review_url = f"{url}/review/{review_id}/"
    pages = {}
    for name in REVIEWERS:
        pages[name] = new_page(DESKTOP)
        log_in(pages[name], url, name)
    played_in_review, signed = None, False
    for _ in range(12):
        acted = False
        for name, page in pages.items():
            page.goto(review_url)
            page.wait_for_selector("[data-testid=review-status]")
            if "已签发" in page.inner_text("[data-testid=review-status]"):
                signed = True
                break
            if not page.locator("[data-testid=approve]").count():
                continue
            if played_in_review is None:  # the first reviewer plays what they sign
                assert page.locator("[data-testid=review-videos]").count() == 1
                played_in_review = _play(page, "[data-testid=review-videos] video")
                shot(page, "video-4-reviewer-plays-desktop")
            page.click("[data-testid=approve]")
            page.wait_for_selector(".flash-success")
            acted = True
            break
        if signed or not acted:
            break
    assert signed, f"the review did not reach 已签发: {pages['reviewer3'].inner_text('[data-testid=review-status]')}"
    assert played_in_review and (played_in_review["w"], played_in_review["h"]) == (1080, 1920)
    shot(pages["reviewer3"], "video-5-signed-off-desktop")

    # --- The operator publishes to 抖音, 快手 and 视频号 (by hand) ----------------------------
    operator = new_page(DESKTOP)
    log_in(operator, url, "operator")
    operator.goto(f"{url}/stories/{story_id}/")
    operator.click("[data-testid=action-publish]")
    publish = operator.locator("[data-testid=publish-form]")
    boxes = [publish.locator(f"label:has-text('{name}') input") for name in (DOUYIN, KUAISHOU, CHANNELS)]
    if not all(box.is_visible() for box in boxes):  # the less used accounts are folded away
        publish.locator("[data-testid=other-accounts] summary").click()
    for box in boxes:
        box.check()
    shot(operator, "video-6-publish-choose-desktop")
    operator.click("[data-testid=publish]")
    operator.wait_for_selector("text=已提交 3 个账号的发布")
    board = "[data-testid=status-board]"
    operator.wait_for_function(
        "() => document.querySelectorAll('[data-testid=status-board] tr[data-status=sent]').length >= 2", timeout=120000)
    operator.wait_for_selector(f"{board} tr[data-status=awaiting]:has-text('{CHANNELS}')")
    for name in (DOUYIN, KUAISHOU):
        assert operator.locator(f"{board} tr[data-status=sent]:has-text('{name}')").count() == 1, name
    shot(operator, "video-7-published-desktop")
    board_url = operator.url

    # 视频号: the package has the signed video to download; the operator posts it and confirms.
    operator.goto(f"{url}/distribution/handoffs/")
    operator.locator(f"[data-testid=handoffs] tr:has-text('{CHANNELS}'):has-text('{STORY}') a:has-text('打开')").first.click()
    operator.wait_for_selector("[data-testid=handoff-video]")
    assert "视频号" in operator.inner_text("[data-testid=handoff-platform]")
    with operator.expect_download() as download:
        operator.click("[data-testid=handoff-video] a:has-text('下载视频')")
    assert download.value.suggested_filename.endswith(".mp4")
    operator.click("[data-testid=confirm]")
    operator.wait_for_selector("text=请填写")  # the link is required
    assert "channels.weixin.qq.com" in (operator.get_attribute("#url", "placeholder") or "")
    operator.fill("#url", POSTED)
    shot(operator, "video-8-handoff-confirm-desktop")
    operator.click("[data-testid=confirm]")
    operator.wait_for_selector("text=已确认")
    operator.goto(board_url)
    operator.wait_for_function(
        "() => document.querySelectorAll('[data-testid=status-board] tr[data-status=sent]').length >= 3", timeout=30000)
    assert operator.get_attribute(f"{board} tr:has-text('{CHANNELS}') a:has-text('打开')", "href") == POSTED
    shot(operator, "video-9-all-out-desktop")

    # The platforms hold exactly one post each, made from the signed file.
    douyin_state = douyin.state()
    items = [i for i in douyin_state["items"].values() if i["open_id"] == "demo-douyin" and not i["deleted"]]
    assert len(items) == 1 and douyin_state["duplicate_creates"] == [], douyin_state["items"]
    uploaded = douyin_state["videos"][items[0]["video_id"]]
    assert uploaded["sha256"] == done[4] and (uploaded["width"], uploaded["height"]) == (1080, 1920)
    kuaishou_state = kuaishou.state()
    account = kuaishou_state["accounts"]["demo-kuaishou"]
    assert account["photos_live"] == 1 and kuaishou_state["duplicate_publishes"] == [], account
    assert [p["sha256"] for p in account["photos"].values()] == [done[4]]


def test_reporter_gets_the_assignment_on_wecom(demo_server, new_page):
    url = demo_server.url
    wecom = RemoteWeCom(_sandbox(demo_server, "wecom"))
    before = len(wecom.messages())
    editor = new_page(DESKTOP)
    log_in(editor, url, "editor")
    editor.click("[data-nav=leads]")
    editor.click("summary:has-text('录入线索')")
    editor.fill("#id_title", "群众爆料：青山镇新路路灯夜里不亮")
    editor.fill("#id_content", "居民反映，新通车的青山至西岭公路青山段路灯夜里不亮，行车不便。")
    editor.select_option("#id_source", "tip")
    editor.click("button:has-text('录入')")
    editor.wait_for_selector("text=线索已录入")
    card = editor.locator("[data-lead]", has_text="路灯夜里不亮").first
    card.locator("summary:has-text('转为选题')").click()
    card.locator("input[name=title]").fill("青山至西岭公路路灯不亮追踪")
    card.locator("button:has-text('转为选题')").click()
    editor.wait_for_selector("text=已转为选题")
    editor.click("[data-testid=assign-form] summary")
    editor.fill("#id_title", "青山段路灯夜间实地察看")
    editor.fill("#id_location", "青山镇青山至西岭公路")
    editor.check("label:has-text('王磊') input[name=reporters]")
    editor.click("[data-testid=dispatch]")
    editor.wait_for_selector("text=已派发采访任务")

    # The assignment leaves through the outbox to the demo's 企业微信 application, addressed
    # to 王磊's WeCom id (wanglei), with a link straight to the assignment.
    deadline, arrived = time.monotonic() + 90, []
    while time.monotonic() < deadline and not arrived:
        arrived = [m for m in wecom.messages()[before:] if m["touser"] == "wanglei"
                   and "青山段路灯夜间实地察看" in json.dumps(m, ensure_ascii=False)]
        time.sleep(1)
    assert len(arrived) == 1, wecom.messages()[before:]
    assert re.search(r"/planning/assignments/\d+/", json.dumps(arrived[0], ensure_ascii=False)), arrived[0]

    # The reporter sees it on the phone; the admin's delivery log shows it sent, address masked.
    reporter = new_page(PHONE, is_mobile=True, has_touch=True)
    log_in(reporter, url, "reporter")
    reporter.goto(f"{url}/account/notifications/")
    reporter.wait_for_selector("text=企业微信")
    assert reporter.input_value("input[name=wecom_userid]") == "wanglei"
    assert reporter.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]  # wide tables scroll inside
    shot(reporter, "video-10-reporter-notify-settings-phone")
    admin = new_page(DESKTOP)
    log_in(admin, url, "admin")
    admin.goto(f"{url}/notify/deliveries/?event=assignment")
    row = admin.locator("tr:has-text('青山段路灯夜间实地察看'):has-text('wanglei')").first
    row.wait_for()
    assert "已送达" in row.inner_text(), row.inner_text()
    shot(admin, "video-11-delivery-log-desktop")
