"""绩效考核 in real headless Chromium, on the shared demo installation (issue 16's journey).

The editor (李娜) opens a published piece of the reporter's from this month, finds the 优稿
box on the story page and awards a level — first without a reason, refused in Chinese, then
with one. The appraisal admin (孙丽) sees on the 工作台 and the month page what blocks the
close: the demo leaves the current month open with one dispute from the reporter, so she
resolves it first (as she would), recomputes, is refused once for not ticking the
confirmation, and closes the month. The reporter (王磊) opens 我的绩效 and reads every line of
his month, the rated piece among them, the groups adding up to his score. HR (钱芳) downloads
the pay sheet as Excel and PDF; the test opens the workbook with openpyxl and checks with
Decimal that every sheet's rows add up to its totals, that the units add up to the center,
that the reward column is the reward pool to the cent, and that the reporter's row holds the
score he was shown. Screenshots in test-artifacts/screenshots/appraisal-*.png.

Why the piece is looked for rather than named: the demo's stories are dated relative to the
day it was loaded, so which ones fall in the current month (and which the demo already rated)
depends on the date. The journey takes the first unrated piece of the month that names 王磊 in
its byline, as an editor going down the 优稿评定 list would."""

from __future__ import annotations

import io
import re
from decimal import Decimal
from pathlib import Path

import pytest

from tests.e2e.conftest import DESKTOP, log_in, shot

pytestmark = pytest.mark.e2e

REPORTER = "王磊"
REASON = "现场采访扎实，数据翔实，读者反响好"
CENT = Decimal("0.01")


def _nav(page, label: str) -> None:
    page.locator("[data-testid=nav] a", has_text=label).first.click()
    page.wait_for_load_state("domcontentloaded")


def _money(value) -> Decimal:
    """A numeric cell (openpyxl gives float or int) or a text figure, as an exact Decimal."""
    if value is None or value == "":
        return Decimal(0)
    return Decimal(str(value)).quantize(CENT)


def _decimal(text: str) -> Decimal:
    found = re.search(r"-?\d+(?:\.\d+)?", text.replace(",", ""))
    assert found, f"no number in {text!r}"
    return Decimal(found.group(0))


def _rows_until_total(ws, first_row: int, total_label: str, label_col: int) -> tuple[list[tuple], tuple]:
    """The data rows from first_row down to the row whose label column says total_label."""
    rows = []
    for values in ws.iter_rows(min_row=first_row, values_only=True):
        if values[label_col - 1] == total_label:
            return rows, values
        if any(v not in (None, "") for v in values):
            rows.append(values)
    raise AssertionError(f"sheet {ws.title}: no “{total_label}” row")


def _pick_reporters_unrated_piece(page, url: str) -> tuple[str, str]:
    """(headline, story page address) of the first unrated piece this month bylined to 王磊."""
    links = page.locator("[data-testid=unrated] tbody tr td:first-child a")
    candidates = [(links.nth(i).inner_text().strip(), links.nth(i).get_attribute("href")) for i in range(links.count())]
    assert candidates, "the demo's current month has no unrated published piece: " + page.inner_text("main")[:1500]
    for headline, href in candidates:
        page.goto(f"{url}{href}")
        page.wait_for_selector("[data-testid=story]")
        if re.search(rf"(记者|摄影|摄像|编辑|通讯员) {REPORTER}（", page.inner_text("[data-testid=story] .page-head")):
            return headline, href
    pytest.fail(f"none of this month's unrated pieces names {REPORTER} in its byline: {[h for h, _ in candidates]}")


def test_editor_rates_admin_closes_reporter_reads_hr_downloads(demo_server, new_page):
    url = demo_server.url

    # --- The editor awards 优稿 from the story page's box ------------------------------------
    editor = new_page(DESKTOP)
    log_in(editor, url, "editor")
    editor.wait_for_selector("[data-testid=my-roles]")
    _nav(editor, "优稿评定")
    editor.wait_for_selector("[data-testid=unrated]")
    shot(editor, "appraisal-1-ratings-list")
    headline, story_href = _pick_reporters_unrated_piece(editor, url)
    panel = editor.locator("[data-testid=story-panel]", has_text="优稿评定")
    assert "尚未评为优稿" in panel.inner_text()
    shot(editor, "appraisal-2-story-box")
    panel.get_by_role("link", name="评优稿").click()
    editor.wait_for_selector("[data-testid=rate-form]")
    level_label = "二类优稿"
    level = editor.get_by_label("等级")
    option = level.locator("option", has_text=level_label).inner_text().strip()  # "二类优稿（6 分）"
    level.select_option(label=option)
    level_points = _decimal(option.removeprefix(level_label))
    editor.get_by_role("button", name="评为优稿").click()  # no reason: refused, nothing saved
    editor.wait_for_selector(".has-error .error")
    assert "理由" in editor.inner_text(".has-error"), editor.inner_text("main")[:1500]
    assert editor.locator("[data-testid=rating-current]").count() == 0
    shot(editor, "appraisal-3-rating-refused")
    editor.get_by_label("评定理由").fill(REASON)
    editor.get_by_role("button", name="评为优稿").click()
    editor.wait_for_selector(f"text=已评为{level_label}")
    assert REASON in editor.inner_text("[data-testid=rating-current]")
    editor.goto(f"{url}{story_href}")
    rating = editor.locator("[data-testid=story-rating]")
    assert level_label in rating.inner_text() and REASON in rating.inner_text()
    shot(editor, "appraisal-4-story-rated")

    # --- The appraisal admin resolves what blocks the close, recomputes and closes ---------------
    admin = new_page(DESKTOP)
    log_in(admin, url, "appraiser")
    admin.wait_for_selector("[data-testid=appraisal-box-admin]")
    box = admin.inner_text("[data-testid=appraisal-box-admin]")
    shot(admin, "appraisal-5-admin-home")
    _nav(admin, "月度绩效")
    admin.wait_for_selector("[data-testid=blockers]")
    month_url = admin.url
    assert admin.inner_text("[data-testid=period-status]") == "进行中"
    blockers = admin.inner_text("[data-testid=blockers]")
    shot(admin, "appraisal-6-month-blocked")
    # The demo leaves the reporter's dispute open: the close is refused until it is resolved.
    if "条申诉未处理" in blockers:
        assert "条申诉未处理" in box, box
        admin.click("[data-testid=close-link]")
        admin.wait_for_selector("[data-testid=close-blocked]")
        shot(admin, "appraisal-7-close-blocked")
        admin.locator("[data-testid=close-blocked] a", has_text="去处理").click()
        admin.wait_for_selector("text=绩效申诉")
        while (row := admin.locator("tr[data-testid^=dispute-]",
                                    has=admin.locator("button", has_text="不采纳"))).count():
            row.first.locator("textarea").fill("经核对，署名比例以稿件登记为准，已与作者确认无误。")
            row.first.get_by_role("button", name="不采纳").click()
            admin.wait_for_selector("text=申诉已不采纳")
        shot(admin, "appraisal-8-dispute-resolved")
        admin.goto(month_url)
        admin.wait_for_selector("[data-testid=blockers]")
    assert "没有未处理的申诉" in admin.inner_text("[data-testid=blockers]")
    admin.click("[data-testid=compute]")
    admin.wait_for_selector("text=已重新计算")
    pool = _decimal(admin.inner_text("[data-testid=reward-pool]"))
    admin.click("[data-testid=close-link]")
    admin.wait_for_selector("[data-testid=close-confirm]")
    admin.click("[data-testid=close]")  # the confirmation not ticked: refused
    admin.wait_for_selector("text=请勾选")
    assert admin.inner_text("[data-testid=close-confirm]").count("结算并锁定") >= 1
    shot(admin, "appraisal-9-close-confirm")
    admin.get_by_label("我已核对，确认结算并锁定本月").check()
    admin.click("[data-testid=close]")
    admin.wait_for_selector("text=已结算并锁定")
    assert admin.inner_text("[data-testid=period-status]") == "已结算"
    reward_total = admin.inner_text("[data-testid=reward-total]")
    assert "已全部分配" in reward_total, reward_total
    shot(admin, "appraisal-10-month-closed")

    # --- The reporter reads their own breakdown ------------------------------------------------
    reporter = new_page(DESKTOP)
    log_in(reporter, url, "reporter")
    reporter.wait_for_selector("[data-testid=appraisal-box-me]")
    home_points = _decimal(reporter.inner_text("[data-testid=appraisal-box-me] .figures"))  # "得分 38.60 …"
    _nav(reporter, "我的绩效")
    reporter.wait_for_selector("[data-testid=person-summary]")
    points = _decimal(reporter.inner_text("[data-testid=points]"))
    assert points == home_points, "the 工作台 box shows the month's score"
    rated = reporter.locator("[data-testid=group-rating]")
    assert rated.count() == 1, reporter.inner_text("main")[:2000]
    line = rated.locator("tr", has_text=headline)
    assert line.count() == 1, rated.inner_text()
    assert level_label in line.inner_text(), line.inner_text()
    # his share of the 优稿 points is the rule's points times his byline share
    base, share, got = (_decimal(line.locator(f"td:nth-child({n})").inner_text()) for n in (4, 5, 6))
    assert base == level_points and (base * share / 100).quantize(CENT) == got, (base, share, got)
    # the groups add up to the score, and each group to its lines
    total = Decimal(0)
    for group in reporter.locator("section[data-testid^=group-]").all():
        heading = group.locator("h2").inner_text()
        group_points = Decimal(re.search(r"(-?\d+(?:\.\d+)?) 分）$", heading).group(1))
        cells = [Decimal(t) for t in group.locator("tbody tr td:nth-child(6)").all_inner_texts()]
        assert sum(cells, Decimal(0)) == group_points, heading
        total += group_points
    assert total == points
    assert "本月已结算，不能再申诉" in reporter.inner_text("[data-testid=disputes]")
    shot(reporter, "appraisal-11-my-breakdown")

    # The month is locked: the editor can no longer change the rating from the story page.
    editor.goto(f"{url}{story_href}")
    panel = editor.locator("[data-testid=story-panel]", has_text="优稿评定")
    assert "已结算，不能再评定或修改" in panel.inner_text()
    assert panel.locator("[data-testid=story-rate]").count() == 0

    # --- HR downloads the pay sheet and checks it adds up --------------------------------------
    hr = new_page(DESKTOP, accept_downloads=True)
    log_in(hr, url, "hr")
    hr.wait_for_selector("[data-testid=my-roles]")
    assert "人事财务" in hr.inner_text("[data-testid=my-roles]")
    _nav(hr, "月度绩效")
    hr.wait_for_selector("[data-testid=export-xlsx]")
    assert hr.locator("[data-testid=compute]").count() == 0  # HR reads and downloads, never closes
    shot(hr, "appraisal-12-hr-month")
    with hr.expect_download() as info:
        hr.click("[data-testid=export-xlsx]")
    download = info.value
    assert download.suggested_filename.endswith(".xlsx")
    _check_pay_workbook(Path(download.path()).read_bytes(), pool, points)
    with hr.expect_download() as info:
        hr.click("[data-testid=export-pdf]")
    assert Path(info.value.path()).read_bytes()[:5] == b"%PDF-"


def _check_pay_workbook(data: bytes, pool: Decimal, reporter_points: Decimal) -> None:
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(data))
    assert wb.sheetnames[0] == "汇总", wb.sheetnames
    summary = wb["汇总"]
    assert "已结算" in str(summary["A2"].value)
    head = [c.value for c in summary[4]]
    assert head[:9] == ["部门", "人数", "得分", "稿件数", "阅读量", "绩效工资基数", "基础绩效", "奖励绩效", "合计"], head
    unit_rows, total_row = _rows_until_total(summary, 5, "合计", 1)
    assert unit_rows, "the summary lists the org units"
    # the summary's units add up to its total row, column by column (people, points, money)
    for col in range(1, 9):
        assert sum((_money(r[col]) for r in unit_rows), Decimal(0)) == _money(total_row[col]), head[col]
    # each person's pay: base + reward = total, per unit row
    for r in [*unit_rows, total_row]:
        assert _money(r[6]) + _money(r[7]) == _money(r[8]), r
    labels = {row[0]: row[1] for row in summary.iter_rows(min_row=1, values_only=True) if row and row[0]}
    assert _money(labels["奖励绩效总额（奖励池）"]) == pool
    assert _money(labels["已分配奖励绩效"]) == _money(total_row[7])
    assert _money(labels["已分配奖励绩效"]) + _money(labels["未分配（无人得分时留存）"]) == pool
    assert _money(total_row[7]) == pool, "the reward column is the whole pool, to the cent"

    unit_names = {r[0]: r for r in unit_rows}
    unit_sheets = [ws for ws in wb.worksheets if ws.title not in ("汇总", "结算后调整")]
    assert len(unit_sheets) == len(unit_rows)
    found_reporter = False
    for ws in unit_sheets:
        unit_name = str(ws["A1"].value).split(" · ")[0]
        assert unit_name in unit_names, (ws.title, unit_name)
        card_head = [c.value for c in ws[3]]
        assert card_head[1] == "姓名" and card_head[-1] == "合计", card_head
        people, unit_total = _rows_until_total(ws, 4, "合计", 2)
        # points (col 5), base amount (10), base paid (11), reward (12), total (13)
        for col in (5, 10, 11, 12, 13):
            assert sum((_money(p[col - 1]) for p in people), Decimal(0)) == _money(unit_total[col - 1]), (ws.title, col)
        for p in people:
            assert _money(p[10]) + _money(p[11]) == _money(p[12]), p
        summary_row = unit_names[unit_name]
        assert len(people) == summary_row[1]
        assert _money(unit_total[4]) == _money(summary_row[2])
        assert _money(unit_total[11]) == _money(summary_row[7])
        assert _money(unit_total[12]) == _money(summary_row[8])
        for p in people:
            if p[2] == "reporter":
                found_reporter = True
                assert p[1] == REPORTER
                assert _money(p[4]) == reporter_points.quantize(CENT), "the sheet shows the score the reporter read"
    assert found_reporter, "the reporter is on the pay sheet"
