"""舆情监测 in real headless Chromium, on its own demo installation (`rongmei serve` with the
sandbox, and loopback allowed for the monitor's fetches so it can reach the local sites).

The analyst (黄勇) logs in and sees the 舆情 box on the 工作台 and the dashboard; sets up a
topic — an invalid expression first, refused with the position of the error, then the
all/any/none builder; adds a news site's feed as a source (a FixtureServer on loopback) and
presses 立即抓取; the worker fetches it, the negative item matches the new topic and raises an
alert; the analyst acknowledges it, assigns it to the chief editor, records a note, sends the
item to the newsroom and closes the alert; the editor finds the lead in planning's list. The
scheduler meanwhile fetched the demo's sandbox sources: their fresh stories are searchable.
Screenshots of every step in test-artifacts/screenshots/monitor-*.png."""

import re
import time

import pytest

from rongmei.monitor.testserver import FixtureServer
from rongmei.testing.live import Instance
from tests.conftest import _free_port_pair
from tests.e2e.conftest import DESKTOP, log_in, shot

pytestmark = pytest.mark.e2e

TITLE = "青山水库大坝出现渗漏险情下游村民连夜转移"
TEXT = ("示例县青山镇青山水库大坝昨夜出现渗漏险情，下游石桥村、竹林村三百多名村民被紧急转移。村民反映大坝渗水问题"
        "去年就曾出现，多次反映却无人处理，群众对管理部门极为不满，担心汛期发生溃坝。")


@pytest.fixture(scope="module")
def monitor_site():
    with FixtureServer(seed=False) as news:
        news.add_entry("reservoir", TITLE, TEXT, author="青山新闻网")
        news.add_entry("reservoir", "青山镇举办冬季农产品展销会", "青山镇冬季农产品展销会开幕，茶叶、笋干等特产受到市民欢迎。")
        yield news


@pytest.fixture(scope="module")
def monitor_server():
    inst = Instance(extra_env={"RONGMEI_SANDBOX": "1", "RONGMEI_SANDBOX_PORT": str(_free_port_pair()),
                               "RONGMEI_LINKCHECK_ALLOW": "127.0.0.1"})
    inst.prepare(demo=True)
    inst.start_serve()
    yield inst
    inst.stop()


def _reload_until(page, predicate, timeout: float = 90) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        page.wait_for_timeout(1500)
        page.reload()
    return predicate()


def test_analyst_sets_up_a_topic_fetches_handles_an_alert_and_makes_a_lead(monitor_server, monitor_site, new_page):
    url = monitor_server.url
    page = new_page(DESKTOP)
    log_in(page, url, "analyst")
    page.wait_for_selector("[data-testid=monitor-box]")
    shot(page, "monitor-1-home")
    page.goto(f"{url}/monitor/")
    page.wait_for_selector("canvas, [data-testid=dashboard], .chart", state="attached")
    shot(page, "monitor-2-dashboard")

    # A topic: a broken expression is refused with its position, then the builder.
    page.goto(f"{url}/monitor/topics/new/")
    page.fill("#id_name", "青山水库安全")
    page.select_option("#id_category", "issue")
    page.fill("#id_expression", "青山水库 & (渗漏 | ")
    page.click("[data-testid=topic-save]")
    error = page.inner_text("[data-testid=error-expression]")
    assert re.search(r"第 \d+ 个字符处", error), error
    page.wait_for_selector("[data-testid=expression-marked]")
    shot(page, "monitor-3-topic-error")
    page.fill("#id_expression", "")
    page.fill("#id_all_of", "青山水库")
    page.fill("#id_any_of", "渗漏 险情 溃坝")
    page.fill("#id_none_of", "演练")
    page.click("[data-testid=topic-build]")
    expression = page.input_value("#id_expression")
    assert "青山水库" in expression and "演练" in expression, expression
    shot(page, "monitor-4-topic-built")
    page.click("[data-testid=topic-save]")
    page.wait_for_url(lambda u: "/new/" not in u)
    assert "青山水库安全" in page.inner_text("body")
    shot(page, "monitor-5-topics")

    # A source, fetched now by the worker.
    page.goto(f"{url}/monitor/sources/new/")
    page.fill("#id_name", "青山新闻网")
    page.select_option("#id_kind", "rss")
    page.fill("#id_url", f"{monitor_site.url}/feeds/reservoir.xml")
    page.select_option("#id_level", "70")
    page.fill("#id_region", "本县")
    page.locator("[data-testid=source-form] button[type=submit]").click()
    page.wait_for_selector("[data-testid=fetch-now]")
    page.click("[data-testid=fetch-now]")
    page.wait_for_selector("text=已安排立即抓取")
    assert _reload_until(page, lambda: page.locator("[data-testid=runs] tbody tr").count() > 0
                         and "成功" in page.inner_text("[data-testid=runs]")), page.inner_text("body")[:2000]
    shot(page, "monitor-6-source-fetched")

    # The alert, handled.
    page.goto(f"{url}/monitor/alerts/?status=all")
    assert _reload_until(page, lambda: "青山水库" in page.inner_text("[data-testid=alerts]"), timeout=60)
    shot(page, "monitor-7-alerts")
    page.locator("[data-testid=alerts] a", has_text="青山水库").first.click()
    page.wait_for_selector("[data-testid=alert-title]")
    page.click("[data-testid=alert-acknowledge]")
    page.wait_for_selector("[data-testid=alert-status]:has-text('已确认')")
    page.select_option("#assignee", label="陈静")
    page.fill("input[name=note]", "请安排记者到现场核实")
    page.click("[data-testid=alert-assign]")
    page.wait_for_selector("[data-testid=alert-status]:has-text('处置中')")
    page.fill("#note-text", "已联系县水利局，抢险队伍已到场。")
    page.click("[data-testid=alert-note]")
    page.wait_for_selector("[data-testid=alert-notes]:has-text('抢险队伍已到场')")
    page.locator("[data-testid=alert-items] tr", has_text=TITLE).locator("[data-testid=item-lead]").click()
    page.wait_for_selector("text=已转为线索")
    shot(page, "monitor-8-alert-handling")
    page.fill("#resolution", "险情已排除，县水利局发布通报，本中心已跟进报道。")
    page.click("[data-testid=alert-close]")
    page.wait_for_selector("[data-testid=alert-status]:has-text('已办结')")
    shot(page, "monitor-9-alert-closed")

    editor = new_page(DESKTOP)
    log_in(editor, url, "editor")
    editor.goto(f"{url}/planning/leads/")
    editor.wait_for_selector(f"text={TITLE}")
    shot(editor, "monitor-10-lead-in-planning")

    # The scheduler fetched the demo's sandbox news sources: their fresh stories arrived.
    page.goto(f"{url}/monitor/items/?q=恢复正常供水")
    assert _reload_until(page, lambda: "东湖镇恢复正常供水" in page.inner_text("body"), timeout=120)
    shot(page, "monitor-11-sandbox-items")
