"""有线网络 in real headless Chromium, on the shared demo installation (issue 18's journeys).

1. The counter clerk (孔燕) looks through the subscriber list for an account on a 标清 (SD)
   package, opens it and does 高标清互换: the SD box back to stock, an HD box from stock
   out, the package changed to 高清基本套餐 in the same step. A second SD subscriber is then
   offered the very box just handed out and the page refuses it in Chinese ("该机顶盒已分配给
   用户 …"), with nothing changed.
2. A fault goes from the call to fixed: the hotline agent (彭丽) finds the subscriber by
   account, records the fault and dispatches it to the technician (吕强) in one step; 吕强,
   on a phone, opens 我的工单, taps 已到场, records the repair and 已修复; the agent calls the
   customer back and records 满意. The cable manager (苏建华) then reads the month on his
   工作台 and the statistics page.
Screenshots in test-artifacts/screenshots/cable-*.png."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import DESKTOP, PHONE, log_in, shot

pytestmark = pytest.mark.e2e


def _submit(page, selector: str) -> None:
    with page.expect_navigation():
        page.click(selector)
    page.wait_for_load_state("domcontentloaded")


def _sd_subscribers(page, url: str, want: int = 2) -> list[str]:
    """Addresses of the first `want` active subscribers on a 标清 package in the list."""
    found: list[str] = []
    page.goto(f"{url}/cable/?status=active")
    rows = page.locator("[data-testid=subscribers] tbody tr")
    for i in range(rows.count()):
        if "标清" in rows.nth(i).locator("td").nth(4).inner_text():
            found.append(rows.nth(i).locator("td a").first.get_attribute("href"))
            if len(found) == want:
                return found
    pytest.fail("no 标清 subscribers on the first page: " + page.inner_text("main")[:800])


def test_counter_clerk_swaps_a_subscriber_to_hd(demo_server, new_page):
    url = demo_server.url
    clerk = new_page(DESKTOP)
    log_in(clerk, url, "cableclerk")
    shot(clerk, "cable-1-clerk-home")
    assert "今日营业厅业务" in clerk.inner_text("main")
    clerk.locator("[data-testid=nav] a", has_text="有线用户").first.click()
    clerk.wait_for_selector("[data-testid=subscribers]")
    shot(clerk, "cable-2-subscribers")
    first, second = _sd_subscribers(clerk, url)
    clerk.goto(f"{url}{first}")
    clerk.wait_for_selector("[data-testid=swap-form]")
    account = clerk.inner_text("h1").split()[0]
    old_serial = clerk.inner_text("[data-testid=devices]").split()[0]
    assert old_serial.startswith("SD")
    hd_serial = clerk.locator("#swap-stock option").first.get_attribute("value")
    assert hd_serial.startswith("HD")
    clerk.fill("#new_device", hd_serial)
    clerk.select_option("#swap_package", clerk.locator("#swap_package option", has_text="高清基本套餐").get_attribute("value"))
    shot(clerk, "cable-3-swap-form")
    _submit(clerk, "[data-testid=swap-submit]")
    text = clerk.inner_text("main")
    assert "已办理高标清互换：标清换高清" in text, text[:600]
    assert hd_serial in clerk.inner_text("[data-testid=devices]") and old_serial not in clerk.inner_text("[data-testid=devices]")
    assert "高清基本套餐" in clerk.inner_text("[data-testid=package]")
    assert "高标清互换" in clerk.inner_text("[data-testid=transactions]")
    shot(clerk, "cable-4-swapped")

    # the same box offered to another subscriber: refused, nothing changes
    clerk.goto(f"{url}{second}")
    clerk.wait_for_selector("[data-testid=swap-form]")
    before = clerk.inner_text("[data-testid=devices]")
    clerk.fill("#new_device", hd_serial)
    _submit(clerk, "[data-testid=swap-submit]")
    errors = clerk.inner_text("[data-testid=errors]")
    assert f"该机顶盒已分配给用户 {account}" in errors, errors
    assert clerk.inner_text("[data-testid=devices]") == before
    shot(clerk, "cable-5-swap-refused")


def test_fault_from_call_to_fixed_and_confirmed(demo_server, new_page):
    url = demo_server.url
    agent = new_page(DESKTOP)
    log_in(agent, url, "cableagent")
    assert "热线待办" in agent.inner_text("main")
    shot(agent, "cable-6-agent-home")
    agent.goto(f"{url}/cable/?status=active&township=")
    account = agent.locator("[data-testid=subscribers] tbody tr td a").nth(3).inner_text().strip()
    agent.locator("[data-testid=nav] a", has_text="热线受理").first.click()
    agent.click("[data-testid=new-call]")
    agent.fill("#q", account)
    _submit(agent, "[data-testid=call-search] button")
    agent.wait_for_selector("[data-testid=call-form]")
    assert account in agent.inner_text("[data-testid=picked]")
    agent.check("input[name=kind][value=fault]")
    agent.fill("#notes", "电视无信号，机顶盒显示“信号中断 E102”，楼上邻居正常")
    agent.select_option("#technician", label="吕强")
    shot(agent, "cable-7-call-form")
    _submit(agent, "[data-testid=call-submit]")
    agent.wait_for_selector("[data-testid=order-status]")
    assert "已派单" in agent.inner_text("[data-testid=order-status]")
    code = agent.inner_text("h1").split()[1]
    assert code.startswith("GD")
    order_url = agent.url
    shot(agent, "cable-8-dispatched")

    tech = new_page(PHONE, is_mobile=True, has_touch=True)
    log_in(tech, url, "technician")
    tech.goto(f"{url}/cable/orders/mine/")
    card = tech.locator("[data-testid=my-orders] article", has_text=code)
    assert card.count() == 1
    shot(tech, "cable-9-my-orders-phone")
    with tech.expect_navigation():
        card.locator("button", has_text="已到场").click()
    assert "已登记到场" in tech.inner_text("main")
    tech.goto(order_url)
    tech.wait_for_selector("[data-testid=finish-form]")
    tech.fill("#result", "入户分支器进水锈蚀，更换分支器并重做接头，信号恢复")
    shot(tech, "cable-10-finish-phone")
    _submit(tech, "[data-testid=fixed]")
    assert "已修复" in tech.inner_text("[data-testid=order-status]")
    shot(tech, "cable-11-fixed-phone")

    agent.goto(order_url)
    agent.wait_for_selector("[data-testid=confirm-form]")
    agent.check("input[name=satisfaction][value=satisfied]")
    _submit(agent, "[data-testid=confirm]")
    assert "满意" in agent.inner_text("[data-testid=satisfaction]")
    shot(agent, "cable-12-confirmed")

    manager = new_page(DESKTOP)
    log_in(manager, url, "cablemanager")
    box = manager.inner_text("[data-testid=cable-box-manager]")
    assert "按时修复率" in box and "超时工单" in box
    shot(manager, "cable-13-manager-home")
    manager.locator("[data-testid=nav] a", has_text="有线统计").first.click()
    manager.wait_for_selector("[data-testid=year-table]")
    assert "全年合计" in manager.inner_text("[data-testid=year-table]")
    shot(manager, "cable-14-stats")
