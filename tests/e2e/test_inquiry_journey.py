"""网络问政 in real headless Chromium: a citizen on a phone submits a complaint with a photo,
the coordinator routes it, the liaison replies, the coordinator approves and publishes, and
the citizen looks it up by code and rates it; screenshots of every step."""

import io

import pytest
from PIL import Image

from tests.e2e.conftest import DESKTOP, PHONE, log_in, shot

pytestmark = pytest.mark.e2e


def _photo(tmp_path):
    path = tmp_path / "lamp.jpg"
    image = Image.new("RGB", (800, 600), (40, 40, 60))
    for x in range(350, 450):
        for y in range(100, 500, 7):
            image.putpixel((x, y), (230, 200, 90))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=80)
    path.write_bytes(buffer.getvalue())
    return path


def test_complaint_from_phone_to_rating(demo_server, new_page, tmp_path):
    url, site = demo_server.url, f"{demo_server.url}/site/demo/wenzheng"
    citizen = new_page(PHONE, is_mobile=True, has_touch=True)
    citizen.goto(f"{site}/")
    shot(citizen, "inquiry-1-column-phone")
    citizen.click("text=我要问政")
    form = citizen.locator("#wz-ask")
    form.locator("label:has-text('投诉')").first.click()
    citizen.fill("#id_title", "北关村安置小区门口路灯全坏了")
    citizen.fill("#id_text", "北关村安置小区大门口到公交站这一段六盏路灯全部不亮，已经十多天了，晚上老人孩子出门很危险，请尽快维修。")
    citizen.fill("#id_address", "城关镇北关村安置小区大门口")
    citizen.set_input_files("input[type=file]", str(_photo(tmp_path)))
    citizen.fill("#id_phone", "13855556666")
    citizen.fill("#id_name", "赵先生")
    shot(citizen, "inquiry-2-ask-phone")
    form.locator("button[type=submit]").last.click()
    citizen.wait_for_selector("#wz-code")
    code = citizen.inner_text("#wz-code").strip()
    assert code.startswith("WZ") and len(code) == 10
    assert "13855556666" not in citizen.content() and "138****6666" in citizen.content()
    shot(citizen, "inquiry-3-code-phone")

    coordinator = new_page(DESKTOP)
    log_in(coordinator, url, "coordinator")
    coordinator.goto(f"{url}/inquiry/?q={code}")
    coordinator.click(f"a:has-text('{code}')")
    coordinator.wait_for_selector("[data-testid=accept-form]")
    assert coordinator.locator("img[alt='群众上传的照片']").count() == 1
    boxes = coordinator.locator("[data-testid=accept-form] input[name=department]")
    coordinator.locator("[data-testid=accept-form] label:has-text('示例县住房和城乡建设局') input").check()
    for i in range(boxes.count()):  # route to housing only (the keyword suggestion may pre-tick another)
        box = boxes.nth(i)
        if box.is_checked() and "住房和城乡建设局" not in box.locator("xpath=..").inner_text():
            box.uncheck()
    shot(coordinator, "inquiry-4-route-desktop")
    coordinator.click("[data-testid=accept]")
    coordinator.wait_for_selector("text=已受理并转办")

    liaison = new_page(DESKTOP)
    log_in(liaison, url, "liaison")
    liaison.goto(f"{url}/inquiry/mine/")
    liaison.click(f"a:has-text('{code}')")
    liaison.fill("#reply-text", "我们会尽快研究研究，近期安排维修。")
    liaison.click("[data-testid=send-reply]")
    liaison.wait_for_selector("text=含糊")
    shot(liaison, "inquiry-5-flagged-desktop")
    liaison.fill("#reply-text", "经我局现场核查，北关村安置小区门口6盏路灯因电缆被施工挖断而熄灭。我局已于12月1日更换电缆，"
                                "路灯已全部恢复照明。联系人：吴刚，电话 0000-6201008。")
    liaison.click("[data-testid=send-reply]")
    liaison.wait_for_selector("text=答复已提交")

    coordinator.reload()
    coordinator.click("[data-testid=approve-reply]")
    coordinator.wait_for_selector("text=答复已通过")
    coordinator.click("[data-testid=publish]")
    coordinator.wait_for_selector("text=已在网站公开")
    shot(coordinator, "inquiry-6-case-desktop")

    citizen.goto(f"{site}/track/?code={code.lower()}")
    citizen.wait_for_selector("text=更换电缆")
    citizen.locator("label:has-text('满意')").first.click()
    citizen.fill("#id_phone_tail", "6666")
    shot(citizen, "inquiry-7-rate-phone")
    citizen.locator("button:has-text('提交评价')").click()
    citizen.wait_for_selector("text=感谢您的评价")
    shot(citizen, "inquiry-8-rated-phone")

    citizen.goto(f"{site}/?from=track")  # a fresh address: the list is cacheable for a minute
    citizen.click("text=北关村安置小区门口路灯全坏了")
    citizen.wait_for_selector("text=更换电缆")  # the click navigates: read the page once it is there
    page = citizen.content()
    assert "更换电缆" in page and "13855556666" not in page and code not in page
    shot(citizen, "inquiry-9-public-phone")
