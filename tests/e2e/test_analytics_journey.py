"""传播效果 in real headless Chromium, on the shared demo installation, as the editor (李娜)
who may read the dashboards but not import or fetch.

She opens the center overview: the charts draw (ECharts from the vendored file, nothing
fetched from outside, no CSP refusal in the console), the figures are there, 数据导入 is not
offered to her and its address answers 403. She downloads the overview as Excel; the test
opens it with openpyxl and checks that what the file says is what the page said (the reads
total, the publications total) and that each sheet's rows add up to its 合计 row. She opens
the top item: its per-outlet table adds up to the figures at the top, and its Excel agrees
day by day. Then the accounts ranking and the big screen, which opens in a new tab without
the staff navigation. Screenshots in test-artifacts/screenshots/analytics-journey-*.png
(the dashboards' own screenshots, analytics-1..4, come from rongmei/analytics/tests)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from tests.e2e.conftest import DESKTOP, log_in, shot

pytestmark = pytest.mark.e2e

FIGURES = ["阅读/播放", "点赞", "转发/分享", "评论"]


def _workbook(download):
    from openpyxl import load_workbook

    return load_workbook(io.BytesIO(Path(download.path()).read_bytes()))


def _table(ws) -> tuple[list[str], list[tuple], tuple | None]:
    """(headers, data rows, the 合计 row or None)."""
    rows = list(ws.iter_rows(values_only=True))
    head, body = list(rows[0]), rows[1:]
    total = next((r for r in body if r[0] == "合计"), None)
    return head, [r for r in body if r[0] != "合计"], total


def _int(page, selector: str) -> int:
    return int(page.inner_text(selector).strip().replace(",", ""))


def test_editor_reads_the_dashboards_and_their_excel(demo_server, new_page):
    url = demo_server.url
    page = new_page(DESKTOP, accept_downloads=True)
    outside, console_errors = [], []
    page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(url) else None)
    page.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)
    log_in(page, url, "editor")
    page.wait_for_selector("[data-testid=my-roles]")

    # The overview
    page.locator("[data-testid=nav] a", has_text="传播效果").click()
    page.wait_for_selector("[data-chart=trend] canvas")
    page.wait_for_selector("[data-chart=output] canvas")
    assert page.locator(".an-tabs a", has_text="数据导入").count() == 0  # read only: no import for her
    reads = _int(page, "[data-testid=fig-reads]")
    publications = _int(page, "[data-testid=fig-publications]")
    assert reads > 0 and publications > 0
    top_rows = page.locator("[data-testid=table-top] tbody tr").count()
    assert top_rows >= 3
    shot(page, "analytics-journey-1-overview")
    with page.expect_download() as info:
        page.click("[data-testid=export]")
    assert info.value.suggested_filename.endswith(".xlsx")
    wb = _workbook(info.value)
    assert {"发布量", "传播趋势", "热门内容", "账号矩阵", "传播力指数", "WCI"} <= set(wb.sheetnames), wb.sheetnames
    head, days, total = _table(wb["发布量"])
    assert total is not None and total[-1] == publications
    for col in range(1, len(head)):  # each outlet's column and the day totals add up
        assert sum(r[col] or 0 for r in days) == total[col], head[col]
    head, rows, total = _table(wb["传播趋势"])
    for name in FIGURES:
        col = head.index(name)
        assert sum(r[col] or 0 for r in rows) == total[col], name
    assert total[head.index("阅读/播放")] == reads, "the Excel says what the page said"
    assert len(list(wb["热门内容"].iter_rows(min_row=2))) == top_rows

    # One item across every outlet
    first = page.locator("[data-testid=table-top] tbody tr a[href^='/analytics/stories/']").first
    headline = first.inner_text().strip()
    first.click()
    page.wait_for_selector("[data-chart=trend] canvas")
    assert headline[:10] in page.inner_text("h1")
    item_reads = _int(page, "[data-testid=fig-reads]")
    outlet_reads = [int(t) for t in page.locator("[data-testid=table-outlets] tbody tr td:nth-child(2)").all_inner_texts()]
    assert outlet_reads and sum(outlet_reads) == item_reads == _int(page, "[data-testid=total-reads]")
    assert page.locator("[data-testid=table-publications] tbody tr").count() >= 1
    shot(page, "analytics-journey-2-item")
    with page.expect_download() as info:
        page.click("[data-testid=export]")
    wb = _workbook(info.value)
    outlet_head, outlets, total = _table(wb["各平台合计"])
    assert total[outlet_head.index("阅读/播放")] == item_reads
    head, daily, _ = _table(wb["每日数据"])
    for name in FIGURES:  # the outlets add up to the total, and so do the days
        assert sum(r[outlet_head.index(name)] or 0 for r in outlets) == total[outlet_head.index(name)], name
        assert sum(r[head.index(name)] or 0 for r in daily) == total[outlet_head.index(name)], name

    # The accounts ranking
    page.goto(f"{url}/analytics/?period=30")
    page.locator(".an-tabs a", has_text="账号排行").click()
    page.wait_for_selector("[data-chart=ranking] canvas")
    assert page.locator("[data-testid=table-ranking] tbody tr").count() >= 3
    shot(page, "analytics-journey-3-ranking")

    # The big screen, in its own tab, without the staff shell
    with page.context.expect_page() as info:
        page.locator(".an-tabs a", has_text="大屏模式").click()
    screen = info.value
    screen.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)
    screen.set_viewport_size({"width": 1920, "height": 1080})
    screen.wait_for_selector("[data-chart=trend] canvas")
    assert screen.locator("[data-testid=nav]").count() == 0
    shot(screen, "analytics-journey-4-screen")

    # read only: the import screen answers 403 to her
    response = page.goto(f"{url}/analytics/imports/")
    assert response.status == 403
    assert outside == [], outside
    assert not [e for e in console_errors if "Content Security Policy" in e or "echarts" in e.lower()], console_errors
