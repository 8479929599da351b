"""Excel exports of the province platform: the same rows and numbers as the pages."""

from __future__ import annotations

import io

from rongmei.core.exports import safe_workbook, xlsx_cell
from rongmei.province import selectors as sel


def _rate(value: float | None):
    return None if value is None else round(value * 100, 1)


def _book(title: str, header: list[str], rows: list[list]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = "统计"
    ws.append([xlsx_cell(title)])
    ws["A1"].font = Font(bold=True, size=14)
    ws.append([xlsx_cell(h) for h in header])
    for cell in ws[2]:
        cell.font = Font(bold=True)
    for row in rows:
        ws.append([xlsx_cell(v) for v in row])
    ws.column_dimensions["A"].width = 8
    ws.column_dimensions["B"].width = 26
    out = io.BytesIO()
    safe_workbook(wb).save(out)
    return out.getvalue()


RANKING_HEAD = ["层级", "同级排名", "中心", "综合得分", "发稿量（稿件）", "发布量", "阅读量", "问政件次", "问政按时率（%）",
                "账号数", "久未更新账号", "矩阵健康度（%）"]


def ranking_workbook(center, rows, total, outlets, year: int, month: int) -> bytes:
    header = RANKING_HEAD + [f"发布·{label}" for _code, label in outlets]
    body = [[r.center.get_level_display(), r.rank, r.center.name, r.score, r.stories, r.publications, r.reads, r.inquiries, _rate(r.on_time_rate),
             r.accounts, r.stale, _rate(r.health)] + [r.outlets.get(code, 0) for code, _ in outlets] for r in rows]
    body.append(["", "", "合计", "", total.stories, total.publications, total.reads, total.inquiries,
                 _rate(total.on_time_rate), total.accounts, total.stale, _rate(total.health)]
                + [total.outlets.get(code, 0) for code, _ in outlets])
    return _book(f"{center.name} 下级中心统计与排名 {sel.month_label(year, month)}", header, body)


PLATFORM_HEAD = ["序号", "中心", "层级", "状态", "发稿量（稿件）", "发布量", "问政件次", "问政按时率（%）", "在岗人员",
                 "存储（MB）"]


def platform_workbook(rows, total, year: int, month: int) -> bytes:
    body = [[n, r.center.name, r.center.get_level_display(), "运行中" if r.center.is_active else "已停用", r.stories,
             r.publications, r.inquiries, _rate(r.on_time_rate), r.staff, r.storage_mb] for n, r in enumerate(rows, 1)]
    body.append(["", "合计", "", "", total.stories, total.publications, total.inquiries, _rate(total.on_time_rate),
                 total.staff, total.storage_mb])
    return _book(f"平台各中心统计 {sel.month_label(year, month)}", PLATFORM_HEAD, body)
