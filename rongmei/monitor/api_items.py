"""舆情信息 in the staff API: items (filters and full-text search), one item with its
matched topics, repost group, hot topic and alerts, hot topics, the dashboard's figures and a
topic's timeline. The same selectors as the screens, with monitor.view; another center's
object is a 404.

Highlights are plain text: a search hit's title and snippet come as segments
``{"text": "…", "hit": true|false}`` (never HTML), as in ``GET /api/v1/search``."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError

from rongmei.core.api import require
from rongmei.core.api_kit import (
    BAD_CURSOR,
    ERRORS,
    CursorQuery,
    LimitQuery,
    decode_cursor,
    encode_cursor,
    page_of,
    paginate,
)
from rongmei.core.ids import Id
from rongmei.core.search.searching import MAX_OFFSET
from rongmei.core.search.segment import MAX_QUERY_CHARS
from rongmei.core.tenancy import get_scoped_or_404
from rongmei.monitor import selectors
from rongmei.monitor.models import HotTopic, Item, Topic

router = Router(tags=["舆情监测"])

ToneValue = Literal["positive", "neutral", "negative"]
LevelValue = Literal[100, 70, 50, 30]


class MonitorSegmentOut(Schema):
    text: str
    hit: bool = Field(..., description="这一段是否为命中的检索词")


class MonitorItemMatchOut(Schema):
    topic_id: int
    topic_name: str
    terms: list[str] = Field(..., description="命中的词")
    snippet: str = Field(..., description="命中处的原文摘录")


class MonitorItemOut(Schema):
    id: int
    title: str
    summary: str = Field(..., description="正文开头（最多 120 字）")
    url: str = Field(..., description="原文链接（规范化后的网址）；没有时为空")
    source_id: int
    source_name: str
    level: int = Field(..., description="来源级别：100 中央媒体 / 70 省级媒体 / 50 地市及本地媒体 / 30 论坛、自媒体")
    level_label: str
    published_at: dt.datetime
    fetched_at: dt.datetime
    author: str
    region: str
    tone: str = Field(..., description="positive 正面 / neutral 中性 / negative 负面")
    tone_label: str
    tone_score: float = Field(..., description="倾向分：-1 最负面 … +1 最正面")
    is_repost: bool = Field(..., description="转载：同组中较早的一条之后出现的转载或改写")
    group_id: int | None
    group_size: int = Field(..., description="所在转载组的条数（没有转载时为 1）")
    hot_topic_id: int | None
    hot_topic_title: str | None
    topics: list[MonitorItemMatchOut]
    lead_id: int | None = Field(None, description="已转为的线索 id")
    title_segments: list[MonitorSegmentOut] | None = Field(None, description="检索时：标题按命中分段")
    snippet: list[MonitorSegmentOut] | None = Field(None, description="检索时：正文摘要按命中分段")
    snippet_before: str = Field("", description="检索时：摘要前还有正文则为“…”")
    snippet_after: str = Field("", description="检索时：摘要后还有正文则为“…”")


class MonitorItemPage(Schema):
    items: list[MonitorItemOut]
    next: str | None = Field(None, description="下一页的 cursor；null 表示没有更多")
    total: int | None = Field(None, description="检索时的命中总数（超过 500 只数到 500）；不检索时为 null")


class MonitorGroupItemOut(Schema):
    id: int
    title: str
    source_name: str
    published_at: dt.datetime
    is_repost: bool


class MonitorItemAlertOut(Schema):
    id: int
    title: str
    status: str
    status_label: str
    last_raised_at: dt.datetime


class MonitorItemDetailOut(MonitorItemOut):
    text: str
    keywords: list[str]
    group_items: list[MonitorGroupItemOut] = Field(..., description="同一转载组的其他条目（最早的在前）")
    alerts: list[MonitorItemAlertOut]


class MonitorVolumePointOut(Schema):
    t: str = Field(..., description="时段：日期 2026-12-06 或小时 2026-12-06 08:00（本中心时间）")
    count: int
    negative: int


class MonitorToneOut(Schema):
    positive: int
    neutral: int
    negative: int
    total: int


class MonitorSourceCountOut(Schema):
    id: int
    name: str
    level: int
    level_label: str
    count: int
    negative: int


class MonitorHotTopicOut(Schema):
    id: int
    title: str
    keywords: list[str]
    heat: float
    item_count: int
    negative_count: int
    source_count: int
    first_seen: dt.datetime
    last_seen: dt.datetime


class MonitorHotTopicDetailOut(MonitorHotTopicOut):
    unit: str = Field(..., description="走势的粒度：hour 或 day")
    volume: list[MonitorVolumePointOut]
    tone: MonitorToneOut
    sources: list[MonitorSourceCountOut]
    items: list[MonitorItemOut] = Field(..., description="最有分量的 50 条（来源级别高、较新者在前）")


class MonitorTodayOut(Schema):
    count: int = Field(..., description="今天（本中心时间）到此刻的信息量")
    usual: float = Field(..., description="前 7 天同一时段的平均信息量")
    negative: int
    usual_negative: float
    change: float | None = Field(None, description="与平时相比的变化（0.5 = 多 50%）；平时没有信息时为 null")
    change_text: str
    tone: MonitorToneOut


class MonitorDashboardOut(Schema):
    unit: str = Field(..., description="hour：最近 48 小时按小时；day：最近 30 天按天")
    start: dt.datetime
    end: dt.datetime
    volume: list[MonitorVolumePointOut]
    tone: MonitorToneOut
    sources: list[MonitorSourceCountOut]
    hot_topics: list[MonitorHotTopicOut]
    today: MonitorTodayOut
    new_alerts: int = Field(..., description="待确认的预警数")


class MonitorTimelineDayOut(Schema):
    t: str = Field(..., description="日期")
    count: int
    positive: int
    neutral: int
    negative: int


class MonitorTimelineOut(Schema):
    topic_id: int
    topic_name: str
    first: dt.date
    last: dt.date
    days: list[MonitorTimelineDayOut]
    tone: MonitorToneOut
    sources: list[MonitorSourceCountOut]
    key_items: list[MonitorItemOut] = Field(..., description="重点信息：来源级别高、转载多、较新者在前，最多 20 条")


# --- Mapping ----------------------------------------------------------------------------------------------

def _segments(pieces) -> list[MonitorSegmentOut]:
    return [MonitorSegmentOut(text=text, hit=hit) for text, hit in pieces]


def item_out(item: Item, hit: selectors.ItemHit | None = None) -> MonitorItemOut:
    text = " ".join((item.text or "").split())
    return MonitorItemOut(
        id=item.pk, title=item.title, summary=text[:120], url=item.url, source_id=item.source_id, source_name=item.source.name,
        level=item.level, level_label=item.get_level_display(), published_at=item.published_at, fetched_at=item.fetched_at,
        author=item.author, region=item.region, tone=item.tone, tone_label=item.get_tone_display(),
        tone_score=item.tone_score, is_repost=item.is_repost, group_id=item.group_id,
        group_size=item.group.size if item.group else 1, hot_topic_id=item.hot_topic_id,
        hot_topic_title=item.hot_topic.title if item.hot_topic else None,
        topics=[MonitorItemMatchOut(topic_id=m.topic_id, topic_name=m.topic.name, terms=[str(t) for t in m.terms or []],
                                    snippet=m.snippet) for m in item.matches.all()],
        lead_id=item.lead_id,
        title_segments=_segments(hit.title_segments) if hit and hit.title_html else None,
        snippet=_segments(hit.snippet_segments) if hit and hit.title_html else None,
        snippet_before=hit.snippet_before if hit else "", snippet_after=hit.snippet_after if hit else "",
    )


def hot_out(topic: HotTopic) -> MonitorHotTopicOut:
    return MonitorHotTopicOut(
        id=topic.pk, title=topic.title, keywords=[str(w[0]) for w in topic.keywords or [] if isinstance(w, (list, tuple)) and w],
        heat=round(topic.heat, 2), item_count=topic.item_count, negative_count=topic.negative_count,
        source_count=topic.source_count, first_seen=topic.first_seen, last_seen=topic.last_seen)


def _sources(rows) -> list[MonitorSourceCountOut]:
    return [MonitorSourceCountOut(**r) for r in rows]


# --- Operations -------------------------------------------------------------------------------------------

@router.get("/monitor/items", response={200: MonitorItemPage, **ERRORS}, summary="舆情信息列表与检索",
            description="按发布时间从新到旧列出本中心的舆情信息，可按来源、级别、倾向、监测方案、热点话题、日期、是否原发、"
                        "是否已转线索筛选；给出 q 时在标题和正文中全文检索（多个词用空格分开表示同时包含），标题命中的在前，"
                        "并返回分段的高亮。需要“查看舆情信息”权限。")
def monitor_items(
    request,
    q: str = Query("", max_length=MAX_QUERY_CHARS, description="检索词"),
    source: Id | None = Query(None, description="监测源 id"),
    level: LevelValue | None = Query(None, description="来源级别"),
    tone: ToneValue | None = Query(None, description="倾向"),
    topic: Id | None = Query(None, description="监测方案 id"),
    hot_topic: Id | None = Query(None, description="热点话题 id"),
    date_from: dt.date | None = Query(None, alias="from", description="起始日期（含，本中心时间）"),
    date_to: dt.date | None = Query(None, alias="to", description="截止日期（含）"),
    originals: bool = Query(False, description="只要原发（不含转载）"),
    has_lead: bool | None = Query(None, description="true 只要已转线索的，false 只要未转的"),
    cursor: str | None = CursorQuery,
    limit: int = LimitQuery,
):
    require(request, "monitor.view")
    if date_from and date_to and date_from > date_to:
        raise HttpError(422, "截止日期不能早于起始日期。")
    center = request.center
    filters = selectors.ItemFilters(source=source, level=level, tone=tone or "", topic=topic, hot_topic=hot_topic,
                                    date_from=date_from, date_to=date_to, originals=originals, has_lead=has_lead, q=q.strip())
    if not filters.q:
        qs = selectors.filter_items(center, filters, qs=selectors.items_queryset(center))
        page = paginate(qs, cursor=cursor, limit=limit, order=("-published_at", "-pk"), out=item_out)
        return {**page, "total": None}
    offset = 0
    if cursor:
        (offset,) = decode_cursor(cursor, 1, "monitor-search")
        if not isinstance(offset, int) or isinstance(offset, bool) or not 0 <= offset <= MAX_OFFSET:
            raise HttpError(400, BAD_CURSOR)
    result = selectors.search_items(center, filters, limit=limit, offset=offset)
    more = offset + limit < result.total
    return {"items": [item_out(row.item, row) for row in result.rows], "total": result.total,
            "next": encode_cursor([offset + limit], "monitor-search") if more and result.rows else None}


@router.get("/monitor/items/{item_id}", response={200: MonitorItemDetailOut, **ERRORS}, summary="一条舆情信息",
            description="正文、命中的监测方案和命中词、同一转载组的其他条目、热点话题、倾向分和相关预警。")
def monitor_item(request, item_id: Id):
    require(request, "monitor.view")
    item = selectors.item_detail(request.center, item_id)
    base = item_out(item).model_dump()
    return MonitorItemDetailOut(
        **base, text=item.text, keywords=[str(k[0]) for k in item.keywords or [] if isinstance(k, (list, tuple)) and k],
        group_items=[MonitorGroupItemOut(id=o.pk, title=o.title, source_name=o.source.name, published_at=o.published_at,
                                         is_repost=o.is_repost) for o in selectors.group_items(item)],
        alerts=[MonitorItemAlertOut(id=a.pk, title=a.title, status=a.status, status_label=a.get_status_display(),
                                    last_raised_at=a.last_raised_at) for a in selectors.item_alerts(item)])


@router.get("/monitor/hot-topics", response={200: page_of(MonitorHotTopicOut), **ERRORS}, summary="热点话题列表",
            description="最近 days 天内出现过的热点话题，热度高的在前；days=0 为全部。")
def monitor_hot_topics(request, days: int = Query(7, ge=0, le=365, description="最近多少天；0 为全部"),
                       cursor: str | None = CursorQuery, limit: int = LimitQuery):
    require(request, "monitor.view")
    qs = selectors.hot_topic_list(request.center, days=days or None)
    return paginate(qs, cursor=cursor, limit=limit, order=("-heat", "-pk"), out=hot_out)


@router.get("/monitor/hot-topics/{hot_topic_id}", response={200: MonitorHotTopicDetailOut, **ERRORS}, summary="一个热点话题",
            description="关键词、热度、信息量走势、倾向、来源和相关信息。")
def monitor_hot_topic(request, hot_topic_id: Id):
    require(request, "monitor.view")
    topic = get_scoped_or_404(HotTopic, request.center, pk=hot_topic_id)
    d = selectors.hot_topic_detail(request.center, topic)
    return MonitorHotTopicDetailOut(**hot_out(topic).model_dump(), unit=d.unit, volume=d.volume, tone=MonitorToneOut(**d.tone),
                                    sources=_sources(d.sources), items=[item_out(i) for i in d.items])


@router.get("/monitor/dashboard", response={200: MonitorDashboardOut, **ERRORS}, summary="舆情概览数据",
            description="与“舆情概览”页相同：信息量走势、倾向分布、主要来源、热点话题、今日与平时同一时段的比较、待确认预警数。")
def monitor_dashboard(request, unit: Literal["hour", "day"] = Query("hour", description="hour 最近 48 小时按小时；day 最近 30 天按天")):
    require(request, "monitor.view")
    d = selectors.dashboard(request.center, unit=unit)
    today = d.today
    return MonitorDashboardOut(
        unit=d.unit, start=d.start, end=d.end, volume=d.volume, tone=MonitorToneOut(**d.tone), sources=_sources(d.sources),
        hot_topics=[hot_out(h) for h in d.hot], new_alerts=d.new_alerts,
        today=MonitorTodayOut(count=today.count, usual=round(today.usual, 2), negative=today.negative,
                              usual_negative=round(today.usual_negative, 2),
                              change=round(today.change, 4) if today.change is not None else None,
                              change_text=today.change_text, tone=MonitorToneOut(**today.tone, total=today.count)))


@router.get("/monitor/topics/{topic_id}/timeline", response={200: MonitorTimelineOut, **ERRORS}, summary="监测方案走势",
            description="一个监测方案每天命中的信息量和倾向、来源和重点信息；默认最近 30 天，最长 366 天。")
def monitor_topic_timeline(request, topic_id: Id,
                           date_from: dt.date | None = Query(None, alias="from", description="起始日期（含）"),
                           date_to: dt.date | None = Query(None, alias="to", description="截止日期（含），默认今天")):
    require(request, "monitor.view")
    center = request.center
    topic = get_scoped_or_404(Topic, center, pk=topic_id)
    last = date_to or selectors.local_now(center).date()
    first = date_from or last - dt.timedelta(days=29)
    if first > last:
        raise HttpError(422, "截止日期不能早于起始日期。")
    t = selectors.topic_timeline(center, topic, first, last)
    return MonitorTimelineOut(topic_id=topic.pk, topic_name=topic.name, first=t.first, last=t.last, days=t.days,
                              tone=MonitorToneOut(**t.tone), sources=_sources(t.sources),
                              key_items=[item_out(i) for i in t.key_items])
