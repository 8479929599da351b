"""直播制作 in real headless Chromium, on the shared demo installation (issue 18's journey).

The director (邓超) looks at the next broadcast the demo has booked (later today: its crew and
cameras), then books a new one from a government department overlapping it. Assigning one
of that broadcast's cameras is refused, naming the camera and the other broadcast; another
camera and a free person are assigned. Going live is refused while the checklist is not
done; he ticks every item, goes live, and the public live page shows it under 正在直播. He
ends the broadcast, publishes the replay address, and the public page lists it with
观看回放. Screenshots in test-artifacts/screenshots/live-*.png.

Why the camera is read from the page: the demo is dated relative to the day it was loaded,
so the journey takes whatever the next booked broadcast holds, as a director would."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from tests.e2e.conftest import DESKTOP, log_in, shot

pytestmark = pytest.mark.e2e

TITLE = "县乡村振兴成果发布会直播"
REPLAY = "https://live.shili.example/vod/xiangcun-2026.mp4"


def _local(moment: dt.datetime) -> str:
    return moment.astimezone(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m-%dT%H:%M")


def test_director_books_assigns_checks_goes_live_and_publishes_the_replay(demo_server, new_page):
    base = demo_server.url
    page = new_page(DESKTOP)
    log_in(page, base, "director")
    page.wait_for_selector("[data-testid=live-box]")
    shot(page, "live-home-box")

    # the next broadcast the demo has booked: what it holds
    page.locator("[data-testid=nav] a", has_text="直播承接").first.click()
    page.wait_for_selector("[data-testid=live-list]")
    shot(page, "live-list")
    page.goto(f"{base}/live/?status=scheduled")
    rows = page.locator("[data-testid=live-list] tbody tr")
    rows.last.locator("a").first.click()  # the list is newest first: the last is the soonest
    page.wait_for_selector("[data-testid=live-equipment]")
    taken_numbers = [t.strip() for t in page.locator("[data-testid=live-equipment] td.small").all_inner_texts()]
    cameras = [row.locator("td.small").inner_text().strip()
               for row in page.locator("[data-testid=live-equipment] tr").all() if "摄像机" in row.inner_text()]
    taken_people = [t.strip() for t in page.locator("[data-testid=live-crew] tr td:nth-child(2)").all_inner_texts()]
    other_title = page.locator("h1").inner_text().split(" ")[0].strip()
    assert cameras and taken_people

    # book a broadcast overlapping it
    now = dt.datetime.now(dt.UTC)
    page.goto(f"{base}/live/new/")
    form = page.locator("[data-testid=live-booking-form]")
    form.locator("#id_title").fill(TITLE)
    form.locator("#id_summary").fill("全县乡村振兴重点项目成果发布，现场直播。")
    form.locator("#id_kind").select_option("meeting")
    form.locator("#id_department").select_option(label="示例县农业农村局")
    form.locator("#id_place").fill("县会议中心二楼报告厅")
    form.locator("#id_planned_start").fill(_local(now + dt.timedelta(hours=1)))
    form.locator("#id_planned_end").fill(_local(now + dt.timedelta(hours=4)))
    form.locator("#id_fee").fill("0")
    shot(page, "live-booking-form")
    form.locator("button[type=submit]").click()
    page.wait_for_selector("[data-testid=live-status]")
    assert "待播" in page.locator("[data-testid=live-status]").inner_text()

    # a camera already on the overlapping broadcast is refused, naming it and the clash
    clash_option = page.locator("#equipment-pick option", has_text=cameras[0])
    page.locator("#equipment-pick").select_option(value=clash_option.get_attribute("value"))
    page.locator("[data-testid=equipment-form] button").click()
    error = page.locator("#equipment [data-testid=live-error]")
    error.wait_for()
    text = error.inner_text()
    assert cameras[0] in text and "摄像机" in text and f"《{other_title}》" in text and "重叠" in text, text
    shot(page, "live-camera-clash")

    # another camera and a person who is free
    free_camera = next(o for o in page.locator("#equipment-pick option").all()
                       if "摄像机" in o.inner_text() and not any(n in o.inner_text() for n in taken_numbers))
    page.locator("#equipment-pick").select_option(value=free_camera.get_attribute("value"))
    page.locator("[data-testid=equipment-form] button").click()
    page.wait_for_selector("[data-testid=live-equipment] td:has-text('摄像机')")
    free_person = next(o for o in page.locator("#crew-person option").all()
                       if o.get_attribute("value") and o.inner_text().strip() not in taken_people)
    person_name = free_person.inner_text().strip()
    page.locator("#crew-person").select_option(value=free_person.get_attribute("value"))
    page.locator("#crew-role").select_option("camera")
    page.locator("[data-testid=crew-form] button").click()
    page.wait_for_selector(f"[data-testid=live-crew] td:has-text('{person_name}')")
    page.locator("#seg-offset").fill("0")
    page.locator("#seg-length").fill("10")
    page.locator("#seg-content").fill("开场：主持人介绍发布会议程")
    page.locator("#seg-who").fill("主持人")
    page.locator("[data-testid=segment-form] button").click()
    page.wait_for_selector("[data-testid=live-segments] td:has-text('开场')")

    # going live is refused while the checklist is not done
    page.locator("[data-testid=live-start]").click()
    page.wait_for_selector("#status [data-testid=live-error]")
    assert "播前检查还有" in page.locator("#status [data-testid=live-error]").inner_text()
    shot(page, "live-start-refused")
    count = page.locator("[data-testid=live-checks] li").count()
    for n in range(1, count + 1):
        page.locator(f"[data-testid=check-{n}]").click()
        page.wait_for_selector(f"[data-testid=check-{n}]:has-text('撤销')")
    shot(page, "live-checklist-done")

    page.locator("[data-testid=live-start]").click()
    page.wait_for_selector("[data-testid=live-status]:has-text('直播中')")
    shot(page, "live-on-air")

    public = new_page(DESKTOP)
    public.goto(f"{base}/site/demo/live/")
    on_air = public.locator("section[aria-labelledby=on-air]")
    on_air.wait_for()
    assert TITLE in on_air.inner_text()
    shot(public, "live-public-on-air")

    page.locator("[data-testid=live-end]").click()
    page.wait_for_selector("[data-testid=live-status]:has-text('已结束')")
    page.locator("#replay-url").fill(REPLAY)
    page.locator("[data-testid=replay-publish]").click()
    page.wait_for_selector("[data-testid=live-status]:has-text('回放已发布')")
    shot(page, "live-replay-published")

    public.goto(f"{base}/site/demo/live/?after=replay")  # not the copy the browser cached
    item = public.locator("li", has_text=TITLE)
    item.wait_for()
    assert item.locator("a", has_text="观看回放").get_attribute("href") == REPLAY
    assert TITLE not in (public.locator("section[aria-labelledby=on-air]").all_inner_texts() or [""])[0]
    shot(public, "live-public-replay")

    page.goto(f"{base}/live/stats/")
    page.wait_for_selector("[data-testid=live-total]")
    shot(page, "live-stats")
