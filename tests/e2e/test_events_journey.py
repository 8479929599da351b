"""活动运营 in real headless Chromium, on the shared demo installation (issue 18's journey).

The event manager (许娟) sees her 工作台 box, opens 活动项目, creates a talent contest for the
county's children, adds an expense line (舞台搭建, 10,000 元) and a sponsorship income line,
records an 8,000 元 payment, then tries a 3,000 元 one: refused with the line's figures, and
nothing is written (the entries table still has one row, the line still shows 8,000). She
raises the line to 12,000 with a reason, and the same payment goes through. She hands the live
feed to the director (邓超) as a task, uploads the plan (a PDF), creates the newsroom's coverage
plan from the event and sees its status on the 报道 tab, and checks the year's calendar. The
director finds the task in his to-dos and marks it done. Screenshots in
test-artifacts/screenshots/events-*.png."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.e2e.conftest import DESKTOP, log_in, shot

pytestmark = pytest.mark.e2e

NAME = "示例县少儿才艺大赛"


def _nav(page, label: str) -> None:
    page.locator("[data-testid=nav] a", has_text=label).first.click()
    page.wait_for_load_state("domcontentloaded")


def _submit(page, form: str) -> None:
    page.locator(f"[data-testid={form}] button[type=submit]").click()
    page.wait_for_load_state("domcontentloaded")


def test_event_manager_runs_an_event(demo_server, new_page):
    url = demo_server.url
    day = dt.date.today() + dt.timedelta(days=20)

    manager = new_page(DESKTOP)
    log_in(manager, url, "events")
    manager.wait_for_selector("[data-testid=events-box]")
    shot(manager, "events-1-home")

    _nav(manager, "活动运营")
    manager.wait_for_selector("[data-testid=events]")
    assert "滨河夏季音乐节" in manager.inner_text("[data-testid=events]")
    shot(manager, "events-2-list")

    # --- a new event --------------------------------------------------------------------------
    manager.click("[data-testid=event-new]")
    manager.wait_for_selector("[data-testid=event-form]")
    manager.fill("#id_name", NAME)
    manager.select_option("#id_kind", label="赛事")
    manager.fill("#id_starts_on", day.isoformat())
    manager.fill("#id_ends_on", (day + dt.timedelta(days=1)).isoformat())
    manager.fill("#id_venue", "县青少年活动中心")
    manager.select_option("#id_client", label="示例县教育局")
    manager.fill("#id_description", "全县中小学生才艺展示，分声乐、舞蹈、器乐三个组别，决赛网络直播。")
    _submit(manager, "event-form")
    manager.wait_for_selector("[data-testid=event-overview]")
    assert manager.inner_text("[data-testid=event-name]") == NAME
    assert "示例县教育局" in manager.inner_text("[data-testid=event-overview]")
    shot(manager, "events-3-event")

    # --- budget: two lines, a payment, an over-budget payment refused, the raise --------------
    manager.click("[data-testid=tab-budget]")
    manager.wait_for_selector("[data-testid=budget-lines]")
    manager.select_option("#id_line-direction", label="支出")
    manager.fill("#id_line-name", "舞台搭建")
    manager.fill("#id_line-planned", "10000")
    _submit(manager, "line-form")
    manager.wait_for_selector("text=已添加支出项目“舞台搭建”")
    manager.select_option("#id_line-direction", label="收入")
    manager.fill("#id_line-name", "冠名赞助")
    manager.fill("#id_line-planned", "20000")
    _submit(manager, "line-form")
    manager.wait_for_selector("text=已添加收入项目“冠名赞助”")

    def pay(amount: str) -> None:
        manager.select_option("#id_entry-line", label="支出 · 舞台搭建")
        manager.fill("#id_entry-date", dt.date.today().isoformat())
        manager.fill("#id_entry-party", "示例县星光舞台工程有限公司")
        manager.fill("#id_entry-amount", amount)
        _submit(manager, "entry-form")

    pay("8000")
    manager.wait_for_selector("text=已登记支出 8,000.00 元")
    pay("3000")
    manager.wait_for_selector("[data-testid=entry-form] .has-error .error")
    refusal = manager.inner_text("[data-testid=entry-form] .has-error .error")
    assert "超出预算" in refusal and "剩余 2,000.00 元" in refusal and "本次 3,000.00 元" in refusal, refusal
    assert manager.locator("[data-testid=entries] tbody tr").count() == 1          # nothing written
    assert "8,000.00" in manager.inner_text("tr[data-line=舞台搭建]")
    shot(manager, "events-4-over-budget-refused")

    manager.select_option("#id_raise-line", index=1)
    assert "舞台搭建" in manager.locator("#id_raise-line option:checked").inner_text()
    manager.fill("#id_raise-planned", "12000")
    manager.fill("#id_raise-reason", "决赛加一组 LED 背景屏")
    _submit(manager, "raise-form")
    manager.wait_for_selector("text=已由 10,000.00 元调整为 12,000.00 元")
    pay("3000")
    manager.wait_for_selector("text=已登记支出 3,000.00 元")
    row = manager.inner_text("tr[data-line=舞台搭建]")
    assert "12,000.00" in row and "11,000.00" in row, row
    assert "决赛加一组 LED 背景屏" in manager.inner_text("[data-testid=budget-changes]")
    shot(manager, "events-5-budget")

    # --- a task for the director ----------------------------------------------------------------
    manager.click("[data-testid=tab-tasks]")
    manager.wait_for_selector("[data-testid=task-form]")
    manager.fill("#id_title", "决赛直播信号测试")
    manager.select_option("#id_owner", label="邓超")
    manager.fill("#id_due_on", (day - dt.timedelta(days=1)).isoformat())
    _submit(manager, "task-form")
    manager.wait_for_selector("text=已分派任务“决赛直播信号测试”给邓超")
    shot(manager, "events-6-tasks")

    # --- the plan as a PDF ------------------------------------------------------------------------
    manager.click("[data-testid=tab-documents]")
    manager.wait_for_selector("[data-testid=document-form]")
    manager.select_option("#id_kind", label="方案")
    manager.fill("#id_title", "才艺大赛总体方案")
    manager.set_input_files("#id_file", files=[{"name": "方案.pdf", "mimeType": "application/pdf",
                                                "buffer": b"%PDF-1.4\n% test plan\n"}])
    _submit(manager, "document-form")
    manager.wait_for_selector("text=已上传“才艺大赛总体方案”")
    shot(manager, "events-7-documents")

    # --- the coverage plan in the newsroom ------------------------------------------------------
    manager.click("[data-testid=tab-coverage]")
    manager.wait_for_selector("[data-testid=coverage-create]")
    manager.fill("#plan-title", f"{NAME}宣传报道")
    _submit(manager, "coverage-create")
    manager.wait_for_selector("[data-testid=coverage-plan]")
    plan = manager.inner_text("[data-testid=coverage-plan]")
    assert f"{NAME}宣传报道" in plan and "进行中" in plan, plan
    shot(manager, "events-8-coverage")

    _nav(manager, "活动日历")
    manager.wait_for_selector("[data-testid=event-calendar]")
    assert NAME in manager.inner_text("[data-testid=event-calendar]")
    shot(manager, "events-9-calendar")

    # --- the director finds the task in his to-dos and marks it done ------------------------------
    director = new_page(DESKTOP)
    log_in(director, url, "director")
    director.wait_for_selector("text=决赛直播信号测试")
    shot(director, "events-10-director-home")
    director.locator("a", has_text="决赛直播信号测试").first.click()
    director.wait_for_selector("[data-testid=tasks]")
    row = director.locator("tr[data-task=决赛直播信号测试]")
    row.locator("select").select_option(label="已完成")
    row.locator("button").click()
    director.wait_for_selector("text=任务“决赛直播信号测试”：已完成")
    assert director.locator("[data-testid=task-form]").count() == 0          # events.view: no new tasks
    shot(director, "events-11-director-done")
