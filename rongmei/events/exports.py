"""An event's budget as Excel: the lines with planned, actual and variance and their totals,
every entry, and the budget changes with their reasons."""

from __future__ import annotations

import io
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.styles import Font

from rongmei.core.exports import safe_workbook, xlsx_cell
from rongmei.events import selectors
from rongmei.events.models import Event

MONEY_FORMAT = "#,##0.00"


def _row(ws, values, bold: bool = False, money_from: int | None = None) -> None:
    ws.append([xlsx_cell(v) for v in values])
    row = ws.max_row
    for col, value in enumerate(values, start=1):
        cell = ws.cell(row=row, column=col)
        if bold:
            cell.font = Font(bold=True)
        if isinstance(value, Decimal) or (money_from is not None and col >= money_from and isinstance(value, (int, float))):
            cell.number_format = MONEY_FORMAT


def budget_workbook(event: Event) -> bytes:
    data = selectors.budget(event)
    wb = Workbook()
    ws = wb.active
    ws.title = "预算"
    _row(ws, [f"{event.name} 预算执行表"], bold=True)
    _row(ws, [f"{event.dates_label} · {event.venue} · 负责人 {event.manager}"])
    _row(ws, [])
    _row(ws, ["收支", "预算项目", "预算（元）", "实际（元）", "差额（元）", "使用率", "说明"], bold=True)
    for title, lines, planned, actual in (("支出", data.expenses, data.expense_planned, data.expense_actual),
                                          ("收入", data.incomes, data.income_planned, data.income_actual)):
        for line in lines:
            _row(ws, [title, line.name, line.planned, line.actual, line.variance, f"{line.used_percent}%", line.note])
        _row(ws, [title, f"{title}合计", planned, actual, planned - actual, "", ""], bold=True)
    _row(ws, [])
    _row(ws, ["", "收支差额（收入 − 支出）", data.planned_balance, data.actual_balance, "", "", ""], bold=True)
    for col, width in zip("ABCDEFG", (8, 28, 14, 14, 14, 10, 30)):
        ws.column_dimensions[col].width = width

    ws = wb.create_sheet("收支明细")
    _row(ws, ["日期", "收支", "预算项目", "收款方/付款方", "金额（元）", "备注", "登记人"], bold=True)
    for entry in selectors.entries(event).order_by("date", "pk"):
        _row(ws, [entry.date, entry.line.get_direction_display(), entry.line.name, entry.party, entry.amount, entry.note,
                  str(entry.created_by)])
        ws.cell(row=ws.max_row, column=1).number_format = "yyyy-mm-dd"
    for col, width in zip("ABCDEFG", (12, 8, 24, 28, 14, 30, 10)):
        ws.column_dimensions[col].width = width

    ws = wb.create_sheet("预算调整")
    _row(ws, ["时间", "预算项目", "原预算（元）", "新预算（元）", "原因", "调整人"], bold=True)
    for change in selectors.changes(event):
        _row(ws, [change.changed_at.strftime("%Y-%m-%d %H:%M"), change.line.name, change.old_amount, change.new_amount,
                  change.reason, str(change.changed_by)])
    for col, width in zip("ABCDEF", (18, 24, 14, 14, 40, 10)):
        ws.column_dimensions[col].width = width

    out = io.BytesIO()
    safe_workbook(wb).save(out)  # names and notes are typed by people: never a formula
    return out.getvalue()
