"""The analyst's screens of 舆情监测: the dashboard, the item list with filters and full-text
search, an item's page, hot topics and a topic's timeline. Thin: parse, check permission,
ask `selectors`, render. Item text is outsiders' text: it is escaped everywhere, and the
only markup added to it is <mark> around matched words (core.search.highlight)."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from django.shortcuts import render
from django.utils import timezone

from rongmei.core.ids import bounded, parse_id
from rongmei.core.search.highlight import mark
from rongmei.core.search.segment import MAX_QUERY_CHARS
from rongmei.core.tenancy import get_scoped_or_404, scoped
from rongmei.core.views import require_perm
from rongmei.monitor import selectors
from rongmei.monitor.models import HotTopic, Item, Source, Topic

MAX_PAGE = 200  # 50 × 200 = 10,000 items deep, as far as the search goes


@require_perm("monitor.view")
def dashboard(request):
    unit = request.GET.get("unit", "hour")
    unit = unit if unit in selectors.DASHBOARD_RANGES else "hour"
    figures = selectors.dashboard(request.center, unit=unit)
    return render(request, "monitor/dashboard.html", {
        "d": figures, "chart": figures.chart_data(), "unit": unit, "tone_labels": selectors.TONE_LABELS,
        "tones": selectors.TONES,
    })


def parse_date(value: str, label: str, errors: dict) -> dt.date | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        errors[label] = f"{label}格式应为 2026-12-01，已忽略。"
        return None
    if not 2000 <= day.year <= 2100:
        errors[label] = f"{label}应在 2000 年到 2100 年之间，已忽略。"
        return None
    return day


def parse_filters(center, data) -> selectors.ItemFilters:
    """ItemFilters from a query string. A value that cannot be right is dropped with a Chinese
    message in `errors` (the list then shows what it can), never a 500."""
    errors: dict = {}
    levels = {str(v) for v in Source.Level.values}
    level = data.get("level", "")
    tone = data.get("tone", "")
    has_lead = {"yes": True, "no": False}.get(data.get("lead", ""))
    q = (data.get("q") or "").strip()
    if len(q) > MAX_QUERY_CHARS:
        errors["q"] = f"检索词最多 {MAX_QUERY_CHARS} 个字符，已截断。"
        q = q[:MAX_QUERY_CHARS]
    filters = selectors.ItemFilters(
        source=parse_id(data.get("source")) if data.get("source") else None,
        level=int(level) if level in levels else None,
        tone=tone if tone in Item.Tone.values else "",
        topic=parse_id(data.get("topic")) if data.get("topic") else None,
        hot_topic=parse_id(data.get("hot")) if data.get("hot") else None,
        date_from=parse_date(data.get("from", ""), "起始日期", errors),
        date_to=parse_date(data.get("to", ""), "截止日期", errors),
        originals=data.get("originals") == "1",
        has_lead=has_lead,
        q=q,
        errors=errors,
    )
    for name, label in (("source", "监测源"), ("topic", "监测方案"), ("hot", "热点话题")):
        if data.get(name) and parse_id(data.get(name)) is None:
            errors[name] = f"{label}编号不对，已忽略。"
    if level and level not in levels:
        errors["level"] = "来源级别不对，已忽略。"
    if tone and tone not in Item.Tone.values:
        errors["tone"] = "倾向不对，已忽略。"
    if filters.date_from and filters.date_to and filters.date_from > filters.date_to:
        errors["to"] = "截止日期早于起始日期，已对调。"
        filters.date_from, filters.date_to = filters.date_to, filters.date_from
    return filters


@require_perm("monitor.view")
def item_list(request):
    center = request.center
    filters = parse_filters(center, request.GET)
    page = bounded(request.GET.get("page"), 1, 1, MAX_PAGE)
    size = selectors.PAGE_SIZE
    result = selectors.search_items(center, filters, limit=size, offset=(page - 1) * size)
    pages = max(1, -(-result.total // size))
    query = {k: v for k, v in request.GET.items() if k != "page" and v}
    hot = None
    if filters.hot_topic:
        hot = scoped(HotTopic, center).filter(pk=filters.hot_topic).first()
    return render(request, "monitor/item_list.html", {
        "f": filters, "result": result, "page": page, "pages": pages,
        "prev_url": f"?{urlencode({**query, 'page': page - 1})}" if page > 1 else "",
        "next_url": f"?{urlencode({**query, 'page': page + 1})}" if page < min(pages, MAX_PAGE) else "",
        "sources": selectors.sources(center), "topics": selectors.topics(center), "levels": Source.Level.choices,
        "tones": Item.Tone.choices, "hot": hot, "lead_choice": request.GET.get("lead", ""),
    })


def highlight_terms(text: str, matches) -> str:
    """The text, escaped, with every matched term of every topic in <mark>."""
    terms = sorted({t for m in matches for t in (m.terms or []) if isinstance(t, str) and t.strip()}, key=len, reverse=True)
    return mark(text or "", terms)


@require_perm("monitor.view")
def item_detail(request, pk: int):
    center = request.center
    item = selectors.item_detail(center, pk)
    matches = list(item.matches.all())
    return render(request, "monitor/item_detail.html", {
        "item": item, "matches": matches,
        "title_html": highlight_terms(item.title, matches), "text_html": highlight_terms(item.text, matches),
        "group": selectors.group_items(item), "alerts": selectors.item_alerts(item),
        "can_handle": request.user.has_perm("monitor.handle", center),
        "can_see_lead": request.user.has_perm("planning.add_lead", center),
        "safe_url": item.url if item.url.lower().startswith(("http://", "https://")) else "",
    })


@require_perm("monitor.view")
def hot_list(request):
    days = bounded(request.GET.get("days"), 7, 0, 365)
    topics = list(selectors.hot_topic_list(request.center, days=days or None)[:100])
    return render(request, "monitor/hot_list.html", {"topics": topics, "days": days})


@require_perm("monitor.view")
def hot_detail(request, pk: int):
    topic = get_scoped_or_404(HotTopic, request.center, pk=pk)
    detail = selectors.hot_topic_detail(request.center, topic)
    return render(request, "monitor/hot_detail.html", {
        "d": detail, "topic": topic, "rows": [selectors.ItemHit(item) for item in detail.items],
        "chart": {"unit": detail.unit, "volume": detail.volume,
                  "tone": [{"key": t, "name": selectors.TONE_LABELS[t], "value": detail.tone[t]} for t in selectors.TONES],
                  "sources": [{"name": s["name"], "value": s["count"]} for s in detail.sources]},
        "tone_labels": selectors.TONE_LABELS, "tones": selectors.TONES,
    })


@require_perm("monitor.view")
def topic_timeline(request, pk: int):
    center = request.center
    topic = get_scoped_or_404(Topic, center, pk=pk)
    errors: dict = {}
    today = selectors.local_now(center).date()
    last = parse_date(request.GET.get("to", ""), "截止日期", errors) or today
    first = parse_date(request.GET.get("from", ""), "起始日期", errors) or last - dt.timedelta(days=29)
    timeline = selectors.topic_timeline(center, topic, first, last)
    if (last - first).days >= selectors.MAX_RANGE_DAYS:
        errors["range"] = f"时间跨度最多 {selectors.MAX_RANGE_DAYS} 天，已只显示最近的部分。"
    return render(request, "monitor/topic_timeline.html", {
        "t": timeline, "topic": topic, "errors": errors, "key_rows": [selectors.ItemHit(item) for item in timeline.key_items],
        "tone_rows": [{"key": t, "name": selectors.TONE_LABELS[t], "value": timeline.tone[t]} for t in selectors.TONES], "tone_labels": selectors.TONE_LABELS, "tones": selectors.TONES,
        "chart": {"unit": "day", "volume": [{"t": d["t"], "count": d["count"], "negative": d["negative"]} for d in timeline.days],
                  "tone": [{"key": t, "name": selectors.TONE_LABELS[t], "value": timeline.tone[t]} for t in selectors.TONES],
                  "sources": [{"name": s["name"], "value": s["count"]} for s in timeline.sources]},
        "now": timezone.now(),
    })
