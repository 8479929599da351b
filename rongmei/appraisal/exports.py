"""What HR downloads: the month's pay sheet as Excel (a summary sheet, one sheet per org
unit, the adjustments after the close on their own sheet) and as PDF, and the 稿费
statements as Excel.

Why numbers, not text: HR adds the columns up in their own spreadsheet and pays from them,
so money is written as numeric cells with the format 0.00 (the stored Decimals, exact), and
every total is the sum of the rows above it — the reward column of all units adds up to the
month's reward pool to the cent (the engine distributes the pool by largest remainder; if
nobody qualified for it, the undistributed rest is shown as its own line instead of being
hidden). The PDF is drawn by WeasyPrint from an HTML template in the machine's Noto CJK
fonts, as the 舆情 reports are (rongmei.core.pdf); nothing is fetched.
"""

from __future__ import annotations

import io
import re
from decimal import Decimal

from django.template.loader import render_to_string
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from rongmei.appraisal import periods
from rongmei.appraisal import selectors as sel
from rongmei.appraisal.models import Period
from rongmei.core.exports import safe_workbook, xlsx_cell
from rongmei.newsroom.models import Story

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MONEY = "0.00"
POINTS = "0.00"
RATIO = "0.0%"
HEAD_FONT = Font(bold=True)
HEAD_FILL = PatternFill("solid", fgColor="F3F3F3")
BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")

CARD_HEAD = ["排名", "姓名", "账号", "角色", "得分", "稿件数", "阅读量", "定额", "定额完成率", "绩效工资基数",
             "基础绩效", "奖励绩效", "合计"]


def filename(period: Period, what: str, ext: str) -> str:
    return f"{period.center.name}{periods.label(period.month)}{what}.{ext}"


def status_text(period: Period) -> str:
    if period.status == Period.Status.CLOSED:
        closed = timezone.localtime(period.closed_at).strftime("%Y-%m-%d %H:%M") if period.closed_at else ""
        return f"已结算（{closed}）"
    return "未结算（预览，结算前数字还会变化）"


def _sheet_title(name: str, used: set[str]) -> str:
    base = BAD_SHEET_CHARS.sub("_", name).strip("'") or "部门"
    base = base[:28]
    title, n = base, 2
    while title.lower() in used or title in ("汇总", "结算后调整"):
        title = f"{base[:26]}{n}"
        n += 1
    used.add(title.lower())
    return title


def _head(ws, row: int, values: list[str]) -> None:
    for col, value in enumerate(values, start=1):
        cell = ws.cell(row=row, column=col, value=xlsx_cell(value))
        cell.font, cell.fill = HEAD_FONT, HEAD_FILL
        cell.alignment = Alignment(horizontal="center")


def _put(ws, row: int, values: list, formats: dict[int, str] | None = None, bold: bool = False) -> None:
    for col, value in enumerate(values, start=1):
        cell = ws.cell(row=row, column=col, value=xlsx_cell(value))
        if formats and col in formats and value is not None and value != "":
            cell.number_format = formats[col]
        if bold:
            cell.font = HEAD_FONT


def _widths(ws, widths: list[int]) -> None:
    for i, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width


def _card_row(card) -> list:
    return [card.rank, sel.person_name(card.user), card.user.username, sel.role_label(card.role), card.points,
            card.pieces, card.reads, card.quota, card.quota_ratio, card.base_amount, card.base_paid, card.reward_paid,
            card.total_paid]


CARD_FORMATS = {5: POINTS, 8: POINTS, 9: RATIO, 10: MONEY, 11: MONEY, 12: MONEY, 13: MONEY}


def _save(wb: Workbook) -> bytes:
    out = io.BytesIO()
    safe_workbook(wb).save(out)  # names and titles are typed by people: never a formula
    return out.getvalue()


def pay_workbook(period: Period) -> bytes:
    """汇总 (per unit and the center, the pool and the check), one sheet per org unit, and
    结算后调整 when there are adjustments."""
    sheet = sel.month_sheet(period)
    wb = Workbook()
    ws = wb.active
    ws.title = "汇总"
    ws.cell(row=1, column=1, value=xlsx_cell(f"{period.center.name} {periods.label(period.month)} 绩效工资汇总")).font = Font(bold=True, size=14)
    ws.cell(row=2, column=1, value=f"状态：{status_text(period)}")
    _head(ws, 4, ["部门", "人数", "得分", "稿件数", "阅读量", "绩效工资基数", "基础绩效", "奖励绩效", "合计"])
    money = {6: MONEY, 7: MONEY, 8: MONEY, 9: MONEY, 3: POINTS}
    row = 5
    for unit in sheet.units:
        _put(ws, row, [unit.name, len(unit.cards), unit.points, unit.pieces, unit.reads, unit.base_amount,
                       unit.base_paid, unit.reward_paid, unit.total_paid], money)
        row += 1
    t = sheet.total
    _put(ws, row, ["合计", len(t.cards), t.points, t.pieces, t.reads, t.base_amount, t.base_paid, t.reward_paid,
                   t.total_paid], money, bold=True)
    row += 2
    _put(ws, row, ["奖励绩效总额（奖励池）", period.reward_pool], {2: MONEY}, bold=True)
    row += 1
    _put(ws, row, ["已分配奖励绩效", t.reward_paid], {2: MONEY})
    row += 1
    _put(ws, row, ["未分配（无人得分时留存）", sheet.undistributed], {2: MONEY})
    if sheet.adjustments:
        row += 1
        _put(ws, row, ["结算后调整金额合计（另见“结算后调整”表）", sheet.adjustment_amount], {2: MONEY})
        row += 1
        _put(ws, row, ["应发合计（含调整）", t.total_paid + sheet.adjustment_amount], {2: MONEY}, bold=True)
    _widths(ws, [30, 8, 10, 8, 10, 14, 12, 12, 12])

    used: set[str] = set()
    for unit in sheet.units:
        us = wb.create_sheet(_sheet_title(unit.name, used))
        us.cell(row=1, column=1, value=xlsx_cell(f"{unit.name} · {periods.label(period.month)}")).font = Font(bold=True, size=13)
        _head(us, 3, CARD_HEAD)
        r = 4
        for card in unit.cards:
            _put(us, r, _card_row(card), CARD_FORMATS)
            r += 1
        _put(us, r, ["", "合计", "", "", unit.points, unit.pieces, unit.reads, None, None, unit.base_amount,
                     unit.base_paid, unit.reward_paid, unit.total_paid], CARD_FORMATS, bold=True)
        _widths(us, [6, 12, 14, 10, 9, 8, 10, 8, 11, 13, 11, 11, 11])

    if sheet.adjustments:
        adj = wb.create_sheet("结算后调整")
        adj.cell(row=1, column=1, value="结算后调整（不改变结算时的绩效，另行发放或扣回）").font = Font(bold=True)
        _head(adj, 3, ["姓名", "账号", "调整分数", "调整金额", "原因", "调整人", "时间"])
        r = 4
        for a in sheet.adjustments:
            _put(adj, r, [sel.person_name(a.user), a.user.username, a.points, a.amount, a.reason,
                          sel.person_name(a.created_by), timezone.localtime(a.created_at).strftime("%Y-%m-%d %H:%M")],
                 {3: POINTS, 4: MONEY})
            r += 1
        _put(adj, r, ["合计", "", sheet.adjustment_points, sheet.adjustment_amount], {3: POINTS, 4: MONEY}, bold=True)
        _widths(adj, [12, 14, 10, 12, 40, 12, 17])
    return _save(wb)


def pay_pdf(period: Period) -> bytes:
    from rongmei.core.pdf import html_to_pdf

    html = render_to_string("appraisal/pay_print.html", {
        "period": period, "sheet": sel.month_sheet(period), "status": status_text(period),
        "month_label": periods.label(period.month), "generated": timezone.localtime().strftime("%Y-%m-%d %H:%M"),
    })
    return html_to_pdf(html)


def fee_workbook(period: Period, only: str = "") -> bytes:
    """稿费: 汇总 (one row per person: name, account or 通讯员, pieces, amount) and 明细 (every
    piece: person, story, outlet, genre, rate, share, amount). With `only` (a statement's
    key) the workbook is that one person's statement, to hand to them."""
    statements = sel.fee_statements(period)
    if only:
        statements = [s for s in statements if s.key == only]
    genres = dict(Story.Genre.choices)
    wb = Workbook()
    ws = wb.active
    ws.title = "汇总"
    ws.cell(row=1, column=1, value=xlsx_cell(f"{period.center.name} {periods.label(period.month)} 稿费")).font = Font(bold=True, size=14)
    ws.cell(row=2, column=1, value=f"状态：{status_text(period)}")
    _head(ws, 4, ["署名", "账号", "身份", "篇次", "金额"])
    r = 5
    total = sel.ZERO
    for s in statements:
        _put(ws, r, [s.name, s.user.username if s.user else "", "本中心人员" if s.user else "通讯员（无账号）",
                     len(s.lines), s.amount], {5: MONEY})
        total += s.amount
        r += 1
    _put(ws, r, ["合计", "", "", sum(len(s.lines) for s in statements), total], {5: MONEY}, bold=True)
    _widths(ws, [14, 14, 18, 8, 12])
    detail = wb.create_sheet("明细")
    _head(detail, 1, ["署名", "稿件", "平台", "体裁", "标准（元）", "贡献占比(%)", "金额"])
    r = 2
    for s in statements:
        for line in s.lines:
            _put(detail, r, [s.name, line.story.headline if line.story else "（稿件已删除）",
                             sel.line_outlet_label(line.outlet), genres.get(line.genre, line.genre), line.rate,
                             line.share, line.amount], {5: MONEY, 6: "0.00", 7: MONEY})
            r += 1
        _put(detail, r, [f"{s.name} 小计", "", "", "", None, None, s.amount], {7: MONEY}, bold=True)
        r += 1
    _widths(detail, [14, 40, 10, 8, 11, 11, 11])
    return _save(wb)


def money_sum(values) -> Decimal:
    return sum((Decimal(str(v)) for v in values), Decimal(0))
