"""Search API (issue 14): the 全文检索 page's search, for the mobile apps and the province's platform.

One operation, `GET /api/v1/search`, calling the selector the page calls
(`selectors.search`), with the page's permission (newsroom.view_stories) and the same
visibility: a draft the asker may not read is not found, not even counted.

Highlights are plain text: a hit's title and snippet come as lists of segments
``{"text": "…", "hit": true|false}`` that join back into the text, never as HTML, so a
client that renders them cannot be made to run a story's markup.

Pagination: ``next`` is a signed cursor holding the position in the ranked list (title
hits, then the exact phrase, then newest). Pages are exact while the index does not change
between requests; a story indexed in between may shift the rest by one.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError

from rongmei.core.api import require
from rongmei.core.api_kit import (
    BAD_CURSOR,
    ERRORS,
    CursorQuery,
    decode_cursor,
    encode_cursor,
    page_of,
)
from rongmei.core.ids import Id
from rongmei.core.models import User
from rongmei.core.search.searching import MAX_LIMIT, MAX_OFFSET
from rongmei.core.search.segment import MAX_QUERY_CHARS
from rongmei.core.tenancy import scoped
from rongmei.newsroom import selectors
from rongmei.newsroom.models import Column

router = Router(tags=["全文检索"])

LIMIT = 20


class SegmentOut(Schema):
    text: str = Field(..., description="一段原文")
    hit: bool = Field(..., description="这一段是否为命中的检索词")


class PersonOut(Schema):
    id: int
    name: str


class ColumnRefOut(Schema):
    id: int
    name: str


class SearchHitOut(Schema):
    kind: str = Field(..., description="类型：story 稿件、rendition 渠道稿、asset 素材")
    id: str = Field(..., description="对象编号（稿件、渠道稿或素材的 id）")
    title: str = Field(..., description="标题原文")
    title_segments: list[SegmentOut] = Field(..., description="标题，按命中分段（拼起来就是标题）")
    snippet: list[SegmentOut] = Field(..., description="正文摘要，按命中分段")
    snippet_before: str = Field(..., description="摘要前是否还有正文：有则为“…”，否则为空")
    snippet_after: str = Field(..., description="摘要后是否还有正文：有则为“…”，否则为空")
    status: str = Field(..., description="状态")
    column: ColumnRefOut | None = Field(None, description="栏目")
    authors: list[PersonOut] = Field(..., description="作者")
    date: dt.datetime | None = Field(None, description="日期")
    url: str = Field(..., description="员工端页面链接")


class SearchPage(Schema):
    items: list[SearchHitOut]
    next: str | None = Field(None, description="下一页的 cursor；null 表示没有更多")
    total: int = Field(..., description="命中总数（所有页）；超过 500 条时只数到 500，total_exact 为 false")
    total_exact: bool = Field(..., description="total 是否为准确总数")


# page_of(SearchHitOut) has no total; the search page shows it, so the API gives it too.
assert set(page_of(SearchHitOut).model_fields) <= set(SearchPage.model_fields)


@router.get(
    "/search",
    response={200: SearchPage, **ERRORS},
    summary="全文检索",
    description=(
        "检索本中心的稿件、渠道稿和素材，与员工端“全文检索”页相同：多个词用空格分开，表示同时包含；"
        "每条结果都包含每个检索词（中文按字、数字连同单位和小数点、英文单词及其数字/字母部分）。"
        "标题命中的排在前面，整句命中的排在分散命中的前面。只返回当前用户可以阅读的内容。"
        "需要“查看稿件”权限。"
    ),
)
def newsroom_search(
    request,
    q: str = Query(..., min_length=1, max_length=MAX_QUERY_CHARS, description="检索词，多个词用空格分开"),
    kinds: list[str] = Query(None, description="类型，可多选：story、rendition、asset；不传为 story 和 asset"),
    status: str = Query("", description="稿件状态（如 draft、signed_off）或公开状态（published 已发布、taken_down 已撤稿）"),
    column: Id | None = Query(None, description="栏目 id"),
    author: Id | None = Query(None, description="作者（用户）id"),
    date_from: dt.date | None = Query(None, alias="from", description="起始日期（含），如 2026-12-01"),
    date_to: dt.date | None = Query(None, alias="to", description="截止日期（含）"),
    cursor: str | None = CursorQuery,
    limit: int = Query(LIMIT, ge=1, le=MAX_LIMIT, description=f"每页条数，1–{MAX_LIMIT}"),
):
    require(request, "newsroom.view_stories")
    errors: dict[str, list[str]] = {}
    if not q.strip():
        errors["q"] = ["请输入检索词。"]
    unknown = [k for k in kinds or () if k not in selectors.SEARCH_KINDS]
    if unknown:
        errors["kinds"] = [f"不认识的类型：{'、'.join(unknown)}；可选 {'、'.join(selectors.SEARCH_KINDS)}。"]
    if status and status not in selectors.search_statuses():
        errors["status"] = [f"不认识的状态：{status}；可选 {'、'.join(selectors.search_statuses())}。"]
    if date_from and date_to and date_from > date_to:
        errors["to"] = ["截止日期不能早于起始日期。"]
    if errors:
        raise ValidationError(errors)
    offset = 0
    if cursor:
        (offset,) = decode_cursor(cursor, 1)
        if not isinstance(offset, int) or not 0 < offset <= MAX_OFFSET:
            raise HttpError(400, BAD_CURSOR)
    results = selectors.search(
        request.center, request.user, q, kinds=kinds, status=status, column_id=column, author_id=author,
        date_from=date_from, date_to=date_to, limit=limit, offset=offset,
    )
    column_ids = {hit.column_id for hit in results.hits if hit.column_id is not None}
    columns = dict(scoped(Column, request.center).filter(pk__in=column_ids).values_list("pk", "name"))
    author_ids = {a for hit in results.hits for a in hit.author_ids}
    people = {u.pk: str(u) for u in User.objects.filter(pk__in=author_ids, memberships__center=request.center).distinct()}
    end = offset + len(results.hits)
    return {
        "items": [_out(hit, columns, people) for hit in results.hits],
        "next": encode_cursor([end]) if len(results.hits) == limit and end < MAX_OFFSET
        and (end < results.total or not results.exact) else None,
        "total": results.total,
        "total_exact": results.exact,
    }


def _out(hit, columns: dict[int, str], people: dict[int, str]) -> dict:
    return {
        "kind": hit.kind,
        "id": hit.object_id,
        "title": hit.title,
        "title_segments": [{"text": text, "hit": match} for text, match in hit.title_segments],
        "snippet": [{"text": text, "hit": match} for text, match in hit.snippet_segments],
        "snippet_before": hit.snippet_before,
        "snippet_after": hit.snippet_after,
        "status": hit.status,
        "column": {"id": hit.column_id, "name": columns[hit.column_id]} if hit.column_id in columns else None,
        "authors": [{"id": a, "name": people[a]} for a in hit.author_ids if a in people],
        "date": hit.date,
        "url": hit.url,
    }
