"""Reads of 舆情监测 for the screens, the API, the 工作台 box and the reports, all scoped to
one center. Each read is a fixed number of aggregate queries whatever the number of items:
a page of items costs the same queries for 2 rows as for 50 (no query per row).

Times: stored in UTC; days and hours are the center's (Asia/Shanghai by default)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.db.models import Count, Prefetch, Q, QuerySet
from django.db.models.functions import TruncDay, TruncHour
from django.utils import timezone

from rongmei.core.tenancy import scoped
from rongmei.monitor.models import Alert, HotTopic, Item, Match, Source, Topic

TONES = [Item.Tone.POSITIVE, Item.Tone.NEUTRAL, Item.Tone.NEGATIVE]
TONE_LABELS = dict(Item.Tone.choices)
SEARCH_KIND = "monitor_item"
PAGE_SIZE = 50
MAX_RANGE_DAYS = 366  # a chart or a timeline over more days than this is cut to it


def zone(center) -> ZoneInfo:
    try:
        return ZoneInfo(getattr(center, "timezone", "") or "Asia/Shanghai")
    except (ValueError, KeyError):
        return ZoneInfo("Asia/Shanghai")


def local_now(center, now: dt.datetime | None = None) -> dt.datetime:
    return (now or timezone.now()).astimezone(zone(center))


def day_start(center, day: dt.date) -> dt.datetime:
    """The center's midnight starting `day`, as an aware datetime."""
    return dt.datetime.combine(day, dt.time(), tzinfo=zone(center))


def day_range(center, first: dt.date, last: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """[first 00:00, last+1 00:00) in the center's time."""
    return day_start(center, first), day_start(center, last + dt.timedelta(days=1))


# --- Items ------------------------------------------------------------------------------------------

@dataclass
class ItemFilters:
    """What the item list (screen and API) can be narrowed by. Dates are the center's days,
    inclusive; `originals` keeps the first of each repost group; `has_lead` True/False keeps
    items sent / not sent to the newsroom."""

    source: int | None = None
    level: int | None = None
    tone: str = ""
    topic: int | None = None
    hot_topic: int | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    originals: bool = False
    has_lead: bool | None = None
    q: str = ""
    errors: dict = field(default_factory=dict)

    @property
    def active(self) -> bool:
        return any([self.source, self.level, self.tone, self.topic, self.hot_topic, self.date_from, self.date_to,
                    self.originals, self.has_lead is not None, self.q])


def items_queryset(center) -> QuerySet:
    """The center's items with what a list row shows, in a fixed number of queries."""
    return (scoped(Item, center)
            .select_related("source", "hot_topic", "group", "lead")
            .prefetch_related(Prefetch("matches", queryset=Match.objects.select_related("topic").order_by("topic__name"))))


def filter_items(center, filters: ItemFilters, qs: QuerySet | None = None) -> QuerySet:
    """Items of `center` that pass the filters (not the full-text `q`: see `search_items`)."""
    qs = scoped(Item, center) if qs is None else qs
    if filters.source:
        qs = qs.filter(source_id=filters.source)
    if filters.level:
        qs = qs.filter(level=filters.level)
    if filters.tone:
        qs = qs.filter(tone=filters.tone)
    if filters.topic:
        qs = qs.filter(pk__in=Match.objects.filter(center=center, topic_id=filters.topic).values("item_id"))
    if filters.hot_topic:
        qs = qs.filter(hot_topic_id=filters.hot_topic)
    if filters.date_from or filters.date_to:
        start = day_start(center, filters.date_from) if filters.date_from else None
        end = day_start(center, filters.date_to + dt.timedelta(days=1)) if filters.date_to else None
        if start:
            qs = qs.filter(published_at__gte=start)
        if end:
            qs = qs.filter(published_at__lt=end)
    if filters.originals:
        qs = qs.filter(is_repost=False)
    if filters.has_lead is True:
        qs = qs.filter(lead__isnull=False)
    elif filters.has_lead is False:
        qs = qs.filter(lead__isnull=True)
    return qs


@dataclass
class ItemHit:
    item: Item
    title_html: str = ""
    snippet_html: str = ""
    title_segments: tuple = ()
    snippet_segments: tuple = ()
    snippet_before: str = ""
    snippet_after: str = ""


@dataclass
class ItemPage:
    rows: list[ItemHit]
    total: int
    exact: bool = True
    searched: bool = False


def search_items(center, filters: ItemFilters, *, limit: int = PAGE_SIZE, offset: int = 0) -> ItemPage:
    """Items containing every word of `filters.q` (core search, kind "monitor_item"), within
    the other filters (applied in the database through `only`, so totals are right), best
    first, with highlighted title and snippet. Without `q`: newest first."""
    from rongmei.core import search as index

    filtered = filter_items(center, filters)
    if not filters.q.strip():
        total = filtered.count()
        rows = list(items_queryset(center).filter(pk__in=filtered.values("pk"))[offset:offset + limit])
        return ItemPage([ItemHit(item) for item in rows], total)
    results = index.search(center, filters.q, kinds=[SEARCH_KIND], only={SEARCH_KIND: filtered}, limit=limit, offset=offset)
    ids = [int(hit.object_id) for hit in results.hits]
    by_id = {item.pk: item for item in items_queryset(center).filter(pk__in=ids)}
    rows = [ItemHit(by_id[int(hit.object_id)], hit.title_html, hit.snippet_html, hit.title_segments, hit.snippet_segments,
                    hit.snippet_before, hit.snippet_after)
            for hit in results.hits if int(hit.object_id) in by_id]
    return ItemPage(rows, results.total, results.exact, searched=True)


def item_detail(center, pk: int) -> Item:
    """One item with its source, group, hot topic, lead and matches; Http404 if not the center's."""
    from rongmei.core.tenancy import get_scoped_or_404

    return get_scoped_or_404(items_queryset(center), center, pk=pk)


def group_items(item: Item, limit: int = 50) -> list[Item]:
    """The other items of the item's repost group, earliest first."""
    if item.group_id is None:
        return []
    return list(scoped(Item, item.center).filter(group_id=item.group_id).exclude(pk=item.pk)
                .select_related("source").order_by("published_at", "pk")[:limit])


def item_alerts(item: Item) -> list[Alert]:
    return list(item.alerts.filter(center_id=item.center_id).order_by("-last_raised_at"))


def sources(center) -> QuerySet:
    return scoped(Source, center).order_by("-level", "name")


def topics(center) -> QuerySet:
    return scoped(Topic, center).order_by("category", "name")


# --- Figures for charts ----------------------------------------------------------------------------

def _window(center, start: dt.datetime, end: dt.datetime) -> QuerySet:
    return scoped(Item, center).filter(published_at__gte=start, published_at__lt=end)


def volume(center, start: dt.datetime, end: dt.datetime, *, unit: str = "day", qs: QuerySet | None = None) -> list[dict]:
    """Items per hour or per day in [start, end), zero-filled, in the center's time:
    [{"t": "2026-12-06" | "2026-12-06 08:00", "count": n, "negative": n}]. One query."""
    tz = zone(center)
    trunc = TruncHour("published_at", tzinfo=tz) if unit == "hour" else TruncDay("published_at", tzinfo=tz)
    qs = (_window(center, start, end) if qs is None else qs.filter(published_at__gte=start, published_at__lt=end))
    rows = (qs.order_by().annotate(bucket=trunc).values("bucket")
            .annotate(count=Count("pk"), negative=Count("pk", filter=Q(tone=Item.Tone.NEGATIVE))))
    found = {}
    for row in rows:
        bucket = row["bucket"]
        if isinstance(bucket, dt.datetime):
            bucket = bucket.astimezone(tz) if timezone.is_aware(bucket) else bucket.replace(tzinfo=tz)
            key = bucket.strftime("%Y-%m-%d %H:00") if unit == "hour" else bucket.date().isoformat()
        else:
            key = str(bucket)
        found[key] = row
    step = dt.timedelta(hours=1) if unit == "hour" else dt.timedelta(days=1)
    cursor = start.astimezone(tz)
    cursor = cursor.replace(minute=0, second=0, microsecond=0) if unit == "hour" else day_start(center, cursor.date())
    out = []
    while cursor < end and len(out) < 24 * MAX_RANGE_DAYS:
        key = cursor.strftime("%Y-%m-%d %H:00") if unit == "hour" else cursor.date().isoformat()
        row = found.get(key, {})
        out.append({"t": key, "count": row.get("count", 0), "negative": row.get("negative", 0)})
        # walk in local wall time, so days stay days across a DST change elsewhere
        cursor = (cursor + step) if unit == "hour" else day_start(center, cursor.date() + step)
    return out


def tone_split(qs: QuerySet) -> dict:
    """{"positive": n, "neutral": n, "negative": n, "total": n}. One query."""
    counts = qs.order_by().aggregate(**{tone: Count("pk", filter=Q(tone=tone)) for tone in TONES}, total=Count("pk"))
    return {tone: counts[tone] for tone in TONES} | {"total": counts["total"]}


def top_sources(qs: QuerySet, limit: int = 10) -> list[dict]:
    """[{"id", "name", "level", "level_label", "count", "negative"}], most items first. One query."""
    levels = dict(Source.Level.choices)
    rows = (qs.order_by().values("source_id", "source__name", "source__level")
            .annotate(count=Count("pk"), negative=Count("pk", filter=Q(tone=Item.Tone.NEGATIVE)))
            .order_by("-count", "source__name")[:limit])
    return [{"id": r["source_id"], "name": r["source__name"], "level": r["source__level"],
             "level_label": levels.get(r["source__level"], ""), "count": r["count"], "negative": r["negative"]} for r in rows]


def hot_topics(center, *, since: dt.datetime | None = None, limit: int = 10, min_items: int = 2) -> list[HotTopic]:
    """The hottest topics seen since `since` (all when None). A topic of one item is not yet a
    topic (a single comment would otherwise fill the 工作台's top five)."""
    qs = scoped(HotTopic, center).filter(item_count__gte=min_items)
    if since is not None:
        qs = qs.filter(last_seen__gte=since)
    return list(qs.order_by("-heat", "-last_seen", "-pk")[:limit])


def hot_topics_in(center, start: dt.datetime, end: dt.datetime, limit: int = 10) -> list[dict]:
    """Hot topics with items published in [start, end): the topic and how many of its items
    fell in the period, hottest first. Two queries."""
    counts = (_window(center, start, end).filter(hot_topic__isnull=False).order_by().values("hot_topic_id")
              .annotate(count=Count("pk"), negative=Count("pk", filter=Q(tone=Item.Tone.NEGATIVE))))
    by_id = {r["hot_topic_id"]: r for r in counts}
    found = scoped(HotTopic, center).filter(pk__in=list(by_id)).order_by("-heat", "-pk")[:limit]
    return [{"topic": t, "count": by_id[t.pk]["count"], "negative": by_id[t.pk]["negative"]} for t in found]


@dataclass
class Today:
    """Today so far against the usual: the mean of the previous `days` days up to the same
    time of day."""

    count: int
    usual: float
    negative: int
    usual_negative: float
    tone: dict
    since: dt.datetime
    days: int = 7

    @property
    def change(self) -> float | None:
        """Today against the usual, as a fraction (+0.5 = half as much again); None without a usual."""
        return (self.count - self.usual) / self.usual if self.usual else None

    @property
    def change_text(self) -> str:
        return change_text(self.count, self.usual, "平时同一时段")

    @property
    def tone_rows(self) -> list[dict]:
        return [{"key": t, "name": TONE_LABELS[t], "value": self.tone[t]} for t in TONES]

    @property
    def negative_percent(self) -> str:
        return f"{self.negative / self.count * 100:.0f}%" if self.count else "—"

    @property
    def negative_share(self) -> float:
        return self.negative / self.count if self.count else 0.0

    @property
    def usual_negative_share(self) -> float:
        return self.usual_negative / self.usual if self.usual else 0.0


def change_text(now: float, before: float, what: str) -> str:
    """"比平时同一时段多 50%" / "与…持平" / "…没有信息，无从比较"."""
    if not before:
        return f"{what}没有信息，无从比较" if now else f"与{what}一样没有信息"
    ratio = (now - before) / before
    if abs(ratio) < 0.05:
        return f"与{what}基本持平"
    return f"比{what}{'多' if ratio > 0 else '少'} {abs(ratio) * 100:.0f}%"


def today_against_usual(center, *, now: dt.datetime | None = None, days: int = 7) -> Today:
    """Items published today (the center's day) up to now, with their tone, against the mean
    of the previous `days` days over the same hours. One query."""
    now = local_now(center, now)
    midnight = day_start(center, now.date())
    elapsed = now - midnight
    aggregates = {}
    ranges = []
    for back in range(days + 1):
        start = day_start(center, now.date() - dt.timedelta(days=back))
        end = start + elapsed
        ranges.append((start, end))
        window = Q(published_at__gte=start, published_at__lt=end)
        aggregates[f"n{back}"] = Count("pk", filter=window)
        aggregates[f"neg{back}"] = Count("pk", filter=window & Q(tone=Item.Tone.NEGATIVE))
        if back == 0:
            for tone in TONES:
                aggregates[f"t_{tone}"] = Count("pk", filter=window & Q(tone=tone))
    first = ranges[-1][0]
    counts = scoped(Item, center).filter(published_at__gte=first, published_at__lt=now).order_by().aggregate(**aggregates)
    usual = sum(counts[f"n{b}"] for b in range(1, days + 1)) / days
    usual_negative = sum(counts[f"neg{b}"] for b in range(1, days + 1)) / days
    return Today(count=counts["n0"], usual=usual, negative=counts["neg0"], usual_negative=usual_negative,
                 tone={tone: counts[f"t_{tone}"] for tone in TONES}, since=midnight, days=days)


@dataclass
class Dashboard:
    unit: str
    start: dt.datetime
    end: dt.datetime
    volume: list
    tone: dict
    sources: list
    hot: list
    today: Today
    new_alerts: int

    def chart_data(self) -> dict:
        """What the dashboard's script draws (passed with json_script)."""
        return {
            "unit": self.unit,
            "volume": self.volume,
            "tone": [{"key": t, "name": TONE_LABELS[t], "value": self.tone[t]} for t in TONES],
            "sources": [{"name": s["name"], "value": s["count"]} for s in self.sources],
            "hot": [{"id": h.pk, "name": h.title, "heat": round(h.heat, 1), "count": h.item_count} for h in self.hot],
        }


DASHBOARD_RANGES = {"hour": dt.timedelta(hours=48), "day": dt.timedelta(days=30)}


def dashboard(center, *, unit: str = "hour", now: dt.datetime | None = None) -> Dashboard:
    """The dashboard's figures: volume over the last 48 hours (by hour) or 30 days (by day),
    tone split and top sources over the same period, the hottest topics of the last
    cluster window, today against the usual and the number of new alerts."""
    unit = unit if unit in DASHBOARD_RANGES else "hour"
    now = local_now(center, now)
    if unit == "hour":
        end = now.replace(minute=0, second=0, microsecond=0) + dt.timedelta(hours=1)
        start = end - DASHBOARD_RANGES["hour"]
    else:
        end = day_start(center, now.date() + dt.timedelta(days=1))
        start = day_start(center, now.date() - dt.timedelta(days=29))
    window = _window(center, start, end)
    return Dashboard(
        unit=unit, start=start, end=end,
        volume=volume(center, start, end, unit=unit),
        tone=tone_split(window),
        sources=top_sources(window),
        hot=hot_topics(center, since=now - dt.timedelta(days=7), limit=10),
        today=today_against_usual(center, now=now),
        new_alerts=new_alert_count(center),
    )


def new_alert_count(center) -> int:
    return scoped(Alert, center).filter(status=Alert.Status.NEW).count()


# --- Hot topics and topic timelines ------------------------------------------------------------------

def hot_topic_list(center, *, days: int | None = 7, now: dt.datetime | None = None) -> QuerySet:
    qs = scoped(HotTopic, center)
    if days:
        qs = qs.filter(last_seen__gte=(now or timezone.now()) - dt.timedelta(days=days))
    return qs.order_by("-heat", "-last_seen", "-pk")


@dataclass
class HotTopicDetail:
    topic: HotTopic
    volume: list
    unit: str
    tone: dict
    sources: list
    items: list


def hot_topic_detail(center, topic: HotTopic, *, limit: int = 50) -> HotTopicDetail:
    """A hot topic: items over time (by hour within three days, else by day), tone, sources
    and its items, most weighty first."""
    qs = scoped(Item, center).filter(hot_topic=topic)
    span = topic.last_seen - topic.first_seen
    unit = "hour" if span <= dt.timedelta(days=3) else "day"
    tz = zone(center)
    start = topic.first_seen.astimezone(tz)
    end = topic.last_seen.astimezone(tz) + dt.timedelta(hours=1)
    if span > dt.timedelta(days=MAX_RANGE_DAYS):
        start = end - dt.timedelta(days=MAX_RANGE_DAYS)
    return HotTopicDetail(
        topic=topic, unit=unit, volume=volume(center, start, end, unit=unit, qs=qs), tone=tone_split(qs),
        sources=top_sources(qs), items=list(items_queryset(center).filter(hot_topic=topic)
                                            .order_by("-level", "-published_at", "-pk")[:limit]))


@dataclass
class Timeline:
    topic: Topic
    first: dt.date
    last: dt.date
    days: list  # [{"t": day, "count", "negative", "positive", "neutral"}]
    tone: dict
    sources: list
    key_items: list


def topic_timeline(center, topic: Topic, first: dt.date, last: dt.date, *, key_items: int = 20) -> Timeline:
    """A topic's items per day with their tone between two days (inclusive), the sources,
    and the key items: the heaviest sources first, then the most reposted, then newest."""
    if last < first:
        first, last = last, first
    if (last - first).days >= MAX_RANGE_DAYS:
        first = last - dt.timedelta(days=MAX_RANGE_DAYS - 1)
    start, end = day_range(center, first, last)
    qs = scoped(Item, center).filter(pk__in=Match.objects.filter(center=center, topic=topic).values("item_id"),
                                     published_at__gte=start, published_at__lt=end)
    tz = zone(center)
    per_day = (qs.order_by().annotate(bucket=TruncDay("published_at", tzinfo=tz)).values("bucket")
               .annotate(**{tone: Count("pk", filter=Q(tone=tone)) for tone in TONES}, count=Count("pk")))
    found = {}
    for row in per_day:
        bucket = row["bucket"]
        key = (bucket.astimezone(tz).date() if isinstance(bucket, dt.datetime) and timezone.is_aware(bucket)
               else bucket.date() if isinstance(bucket, dt.datetime) else bucket)
        found[key.isoformat() if hasattr(key, "isoformat") else str(key)] = row
    days = []
    day = first
    while day <= last:
        row = found.get(day.isoformat(), {})
        days.append({"t": day.isoformat(), "count": row.get("count", 0), **{tone: row.get(tone, 0) for tone in TONES}})
        day += dt.timedelta(days=1)
    keys = list(items_queryset(center).filter(pk__in=qs.values("pk"))
                .order_by("-level", "-group__size", "-published_at", "-pk")[:key_items])
    return Timeline(topic=topic, first=first, last=last, days=days, tone=tone_split(qs), sources=top_sources(qs), key_items=keys)


# --- The 工作台 box -------------------------------------------------------------------------------

def home_box(user, center) -> dict | None:
    """The 舆情 box on the 工作台 for people with monitor.view: new alerts, today against the
    usual, the five hottest topics."""
    if center is None or not user.has_perm("monitor.view", center):
        return None
    today = today_against_usual(center)
    return {
        "title": "舆情监测",
        "template": "monitor/home_box.html",
        "order": 50,
        "new_alerts": new_alert_count(center),
        "today": today,
        "tone_labels": TONE_LABELS,
        "hot": hot_topics(center, since=timezone.now() - dt.timedelta(days=3), limit=5),
    }
