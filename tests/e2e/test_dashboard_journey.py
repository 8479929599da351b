"""工作台 per person (issue 13): the reporter, a reviewer and the coordinator open their first
screen on a desktop and on a 390-px phone, see their own work most urgent first, and the
first item opens; a duty swap is asked, agreed and approved in the browser."""

import pytest

from tests.e2e.conftest import DESKTOP, PHONE, log_in, shot

pytestmark = pytest.mark.e2e

# What each person's list must show (the demo's own data).
EXPECTED_ROOM = {"reporter": "任务", "reviewer1": "审核", "coordinator": "问政"}


@pytest.mark.parametrize("username", ["reporter", "reviewer1", "coordinator"])
@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_first_screen_is_my_work(demo_server, new_page, username, viewport):
    phone = viewport == "phone"
    page = new_page(PHONE, is_mobile=True, has_touch=True) if phone else new_page(DESKTOP)
    log_in(page, demo_server.url, username)
    page.wait_for_selector("[data-testid=todo]")
    rooms = page.locator("[data-testid=todo] .todo-room").all_inner_texts()
    assert EXPECTED_ROOM[username] in rooms
    body = page.inner_text("main") if page.locator("main").count() else page.inner_text("body")
    assert "我能做的事" not in body
    if phone:
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shot(page, f"dashboard-{username}-{viewport}")
    # the most urgent item opens (no 403 behind a to-do)
    first = page.locator("[data-testid=todo] .todo-title").first
    first.click()
    page.wait_for_load_state()
    assert "没有权限" not in page.inner_text("body")
    if phone:
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_duty_swap_is_asked_agreed_and_approved(demo_server, new_page):
    """The demo's pending swap: 刘洋 agrees from the 工作台, 陈静 (总编辑) approves on a phone."""
    url = demo_server.url
    other = new_page(DESKTOP)
    log_in(other, url, "reviewer2")
    other.wait_for_selector("[data-testid=todo]")
    other.click("[data-testid=todo] .todo-title:has-text('请您换班')")
    other.wait_for_selector("[data-testid=swap-to-answer]")
    shot(other, "duty-swap-to-answer-desktop")
    other.click("[data-testid=swap-agree]")
    other.wait_for_selector("text=您已同意换班")

    chief = new_page(PHONE, is_mobile=True, has_touch=True)
    log_in(chief, url, "reviewer3")
    chief.wait_for_selector("[data-testid=todo]")
    chief.click("[data-testid=todo] .todo-title:has-text('待批准换班')")
    chief.wait_for_selector("[data-testid=swap-to-approve]")
    chief.click("[data-testid=swap-approve]")
    chief.wait_for_selector("text=换班已生效")
    assert chief.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shot(chief, "duty-roster-phone")

    chief.goto(f"{url}/planning/")
    assert "今日值班" in chief.inner_text("[data-testid=duty-today]")
    shot(chief, "board-duty-phone")
    other.goto(f"{url}/planning/screen/")  # the command screen names today's duty editors too
    other.wait_for_selector("[data-testid=screen] [data-testid=duty-today]")
    assert "今日值班" in other.inner_text("[data-testid=duty-today]")
    shot(other, "screen-duty-desktop")
