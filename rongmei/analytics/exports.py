"""The dashboards as Excel workbooks (openpyxl): one sheet per table the page shows, Chinese
headers, numbers stored as numbers and days as dates, so a center can sort, sum and chart
them in Excel or WPS, and what the file says is what the page said. Titles and names come
from outsiders and staff: every workbook goes through core.exports.safe_workbook, so no
cell is ever a formula."""

from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from rongmei.core.exports import safe_workbook, xlsx_cell

FIGURE_HEADERS = ["阅读/播放", "点赞", "转发/分享", "评论"]
FIGURES = ("reads", "likes", "shares", "comments")


def _sheet(book: Workbook, title: str, headers: list[str], rows: list[list], widths: dict | None = None):
    sheet = book.create_sheet(title[:31])
    sheet.append(headers)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append([xlsx_cell(value) for value in row])
    for n, header in enumerate(headers, 1):
        sheet.column_dimensions[get_column_letter(n)].width = (widths or {}).get(n, max(10, len(header) * 2 + 2))
        for cell in sheet.iter_rows(min_row=2, min_col=n, max_col=n):
            if hasattr(cell[0].value, "isoformat") and not hasattr(cell[0].value, "hour"):
                cell[0].number_format = "yyyy-mm-dd"
    sheet.freeze_panes = "A2"
    return sheet


def _save(book: Workbook) -> bytes:
    book.remove(book.worksheets[0])
    buffer = io.BytesIO()
    safe_workbook(book).save(buffer)
    return buffer.getvalue()


def _local(value):
    """An aware datetime as the local wall time Excel can hold (it keeps no zone)."""
    if value is None:
        return None
    from django.utils import timezone

    return timezone.localtime(value).replace(tzinfo=None)


def overview_xlsx(ov) -> bytes:
    """The overview: 发布量 (per day and outlet), 传播趋势, 热门内容, 账号矩阵, 传播力指数, WCI."""
    book = Workbook()
    labels = [_label(o) for o in ov.output.outlets]
    _sheet(book, "发布量", ["日期", *labels, "合计"],
           [[r["day"], *r["counts"], r["total"]] for r in ov.output.rows()]
           + [["合计", *[ov.output.totals[o] for o in ov.output.outlets], ov.output.total]])
    _sheet(book, "传播趋势", ["日期", "平台", *FIGURE_HEADERS],
           [[r["day"], r["label"], *[r[f] for f in FIGURES]] for r in ov.trend.rows()]
           + [["合计", "", *[getattr(ov.trend.total, f) for f in FIGURES]]])
    _sheet(book, "热门内容", ["排名", "标题", "稿件编号", "平台", *FIGURE_HEADERS],
           [[n, i.title, i.story_id, i.outlet_labels, *[getattr(i, f) for f in FIGURES]] for n, i in enumerate(ov.top, 1)],
           widths={2: 50})
    _sheet(book, "账号矩阵", ["账号", "平台", "归属", "乡镇村社/部门", "期间发布", "最近发布", "粉丝总数", "粉丝增长",
                          "阅读/播放", "WCI"],
           [[a.name, a.outlet_label, a.owner, a.unit, a.posts, _local(a.last_published), a.followers, a.growth, a.reads,
             a.wci] for a in ov.accounts], widths={1: 34, 6: 18})
    index = ov.index
    _sheet(book, "传播力指数", ["平台", "权重", "分指数", "阅读/播放", "点赞", "转发/分享", "评论", "粉丝"],
           [[o.label, o.weight, o.value if o.has_data else "无数据", o.reads, o.likes, o.shares, o.comments, o.followers]
            for o in [*index.outlets, *index.others]]
           + [["传播力指数", index.coverage, index.value if index.value is not None else "无数据"]])
    _sheet(book, "WCI", ["公众号", "文章数", "头条数", "阅读", "在看", "点赞", "转发", "O", "A", "H", "P", "WCI"],
           [[a.account_name, a.articles, a.headlines, a.reads, a.looks, a.likes, a.shares, a.o, a.a, a.h, a.p, a.wci]
            for a in ov.wci], widths={1: 34})
    return _save(book)


def story_xlsx(reach) -> bytes:
    """One item's reach: 各平台合计, 每日数据, 发布记录."""
    book = Workbook()
    _sheet(book, "各平台合计", ["平台", *FIGURE_HEADERS],
           [[r["label"], *[r[f] for f in FIGURES]] for r in reach.outlet_totals()]
           + [["合计", *[getattr(reach.total, f) for f in FIGURES]]])
    _sheet(book, "每日数据", ["日期", "平台", *FIGURE_HEADERS],
           [[r["day"], r["label"], *[r[f] for f in FIGURES]] for r in reach.rows()])
    _sheet(book, "发布记录", ["账号", "渠道稿", "状态", "发布时间", "链接"],
           [[p.account.name, p.channel_label, p.get_status_display(), _local(p.sent_at), p.remote_url]
            for p in reach.publications], widths={1: 34, 4: 18, 5: 50})
    return _save(book)


def accounts_xlsx(period, rows, rank_by: str) -> bytes:
    from rongmei.analytics.selectors import RANK_BY

    book = Workbook()
    _sheet(book, "账号排行", ["排名", "账号", "平台", "归属", "乡镇村社/部门", "发布量", "最近发布", "粉丝总数", "粉丝增长",
                          "阅读/播放", "点赞", "转发/分享", "WCI"],
           [[a.rank, a.name, a.outlet_label, a.owner, a.unit, a.posts, _local(a.last_published), a.followers, a.growth,
             a.reads, a.likes, a.shares, a.wci] for a in rows], widths={2: 34, 7: 18})
    _sheet(book, "说明", ["项目", "内容"], [["时间段", period.label], ["排序", RANK_BY.get(rank_by, rank_by)],
                                          ["粉丝增长", "期末粉丝总数减去期初前最后一天的粉丝总数；没有期初数时为期间新增减取消关注"]],
           widths={2: 70})
    return _save(book)


def _label(code: str) -> str:
    from rongmei.analytics.outlets import label

    return label(code)
