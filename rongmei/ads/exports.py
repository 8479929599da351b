"""The revenue report as Excel: money as numeric cells (0.00), totals as the sums of the rows."""

from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.styles import Font

from rongmei.core.exports import safe_workbook, xlsx_cell

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MONEY = "#,##0.00"


def _sheet(ws, title_row: list, rows: list[list]) -> None:
    ws.append(title_row)
    for cell in ws[ws.max_row]:
        cell.font = Font(bold=True)
    for row in rows:
        ws.append([xlsx_cell(v) for v in row])
        for cell in ws[ws.max_row][1:]:
            cell.number_format = MONEY
    ws.column_dimensions["A"].width = 18


def revenue_workbook(center, data: dict) -> bytes:
    months = [f"{m.month}月" for m in data["months"]]
    wb = Workbook()
    ws = wb.active
    ws.title = "按月"
    ws.append([f"{center.name}{data['year']}年广告经营收入（排期金额按天分摊到月份；回款按到账日期）"])
    _sheet(ws, ["月份", "排期收入（元）", "回款（元）"],
           [[label, amount, paid] for label, amount, paid in zip(months, data["by_month"], data["paid"])]
           + [["合计", data["total"], data["paid_total"]]])
    for title, key, head in (("按资源类型", "by_kind", "资源类型"), ("按业务员", "by_person", "业务员")):
        sheet = wb.create_sheet(title)
        rows = [[r["label"], *r["months"], r["total"]] for r in data[key]]
        totals = [sum(r[i] for r in rows) if rows else 0 for i in range(1, 14)]
        _sheet(sheet, [head, *months, "合计"], rows + [["合计", *totals]])
    out = io.BytesIO()
    safe_workbook(wb).save(out)
    return out.getvalue()
