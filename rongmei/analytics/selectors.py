"""What other rooms (appraisal, the newsroom's story page) and analytics' own screens read.
Each part adds its selectors below its marker; the two at the top are the contract
appraisal computes with."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import QuerySet, Sum

from rongmei.analytics.models import PieceMetric

FIGURES = ("reads", "likes", "shares", "comments", "looks")


@dataclass(frozen=True)
class Reach:
    reads: int = 0
    likes: int = 0
    shares: int = 0
    comments: int = 0
    looks: int = 0


def piece_reads(center_ids, day_from: dt.date, day_to: dt.date) -> QuerySet:
    """Reads per (center, story, outlet) over the days [day_from, day_to], as a values
    queryset (`center_id`, `story_id`, `outlet`, `reads`) usable in a subquery or a join;
    rows without a story (imported rows that name none) are left out."""
    return (PieceMetric.objects.filter(center_id__in=center_ids, day__gte=day_from, day__lte=day_to,
                                       story__isnull=False)
            .values("center_id", "story_id", "outlet").annotate(reads=Sum("reads")).order_by())


def story_reach(center, story_ids, day_from: dt.date | None = None, day_to: dt.date | None = None) -> dict:
    """{story id: {outlet: Reach}} over the days given (all days when None)."""
    rows = PieceMetric.objects.filter(center=center, story_id__in=list(story_ids))
    if day_from is not None:
        rows = rows.filter(day__gte=day_from)
    if day_to is not None:
        rows = rows.filter(day__lte=day_to)
    out: dict = {}
    for row in rows.values("story_id", "outlet").annotate(**{f: Sum(f) for f in FIGURES}).order_by():
        out.setdefault(row["story_id"], {})[row["outlet"]] = Reach(**{f: int(row[f] or 0) for f in FIGURES})
    return out

# -- fetch --


def sync_runs(center, size: int = 20):
    """The center's latest fetches (SyncRun: kind, account, days, status, rows, Chinese
    error), newest first — for the dashboards' "数据同步" box next to 立即同步."""
    from rongmei.analytics.models import SyncRun

    return SyncRun.objects.filter(center=center).select_related("account").order_by("-started_at", "-id")[:size]


def last_synced(center) -> dict:
    """When each kind of fetch last succeeded for the center: {SyncRun.kind: finished_at}."""
    from django.db.models import Max

    from rongmei.analytics.models import SyncRun

    return dict(SyncRun.objects.filter(center=center, status=SyncRun.Status.OK).values("kind")
                .annotate(at=Max("finished_at")).values_list("kind", "at").order_by())


# -- imports --
# The two indices (formulas and worked example in indices.py and docs/analytics.md):
#   wci(center, day_from, day_to) -> list[indices.AccountIndex]        (WCI V14.2 per WeChat account, highest first)
#   transmission_index(center, day_from, day_to) -> indices.TransmissionIndex  (传播力指数, outlets without data named)
from rongmei.analytics.indices import (  # noqa: F401
    AccountIndex,
    TransmissionIndex,
    transmission_index,
    wci,
)

# -- dashboards --
# What the dashboards (overview, one item's reach, accounts ranking, big screen), their
# Excel exports and the API read. Every figure is a sum of daily values over the period's
# days (models: a figure is what that day added), so totals here equal the sums of the
# rows the pages show. Distribution is read through distribution.selectors only.


@dataclass(frozen=True)
class Period:
    """The days a dashboard covers, both included, in the center's calendar. `kind` is how it
    was chosen: "7" / "30" (the last days up to today), "month" (a calendar month) or
    "custom" (from … to)."""

    day_from: dt.date
    day_to: dt.date
    kind: str = "30"

    @property
    def days(self) -> int:
        return (self.day_to - self.day_from).days + 1

    @property
    def month(self) -> str:
        return f"{self.day_from:%Y-%m}" if self.kind == "month" else ""

    @property
    def label(self) -> str:
        span = f"{self.day_from:%Y年%-m月%-d日}—{self.day_to:%Y年%-m月%-d日}"
        if self.kind in ("7", "30"):
            return f"最近 {self.kind} 天（{span}）"
        if self.kind == "month":
            return f"{self.day_from:%Y年%-m月}（{span}）"
        return span

    def query(self) -> dict:
        """The query string that chooses this period again (links and exports)."""
        if self.kind in ("7", "30"):
            return {"period": self.kind}
        if self.kind == "month":
            return {"period": "month", "month": self.month}
        return {"period": "custom", "from": self.day_from.isoformat(), "to": self.day_to.isoformat()}

    def each_day(self) -> list[dt.date]:
        return [self.day_from + dt.timedelta(days=n) for n in range(self.days)]


MAX_PERIOD_DAYS = 366
PERIOD_CHOICES = {"7": "最近 7 天", "30": "最近 30 天", "month": "按月", "custom": "自定义"}


def local_today(center) -> dt.date:
    from django.utils import timezone

    from rongmei.core.search.dates import center_zone

    return timezone.now().astimezone(center_zone(center)).date()


def _day(value: str, label: str, errors: dict) -> dt.date | None:
    value = (value or "").strip()
    if not value:
        errors[label] = f"请填写{label}。"
        return None
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        errors[label] = f"{label}“{value[:20]}”格式不对，应为 2026-12-01。"
        return None
    if not 2000 <= day.year <= 2100:
        errors[label] = f"{label}应在 2000 年到 2100 年之间。"
        return None
    return day


def parse_period(center, data, today: dt.date | None = None) -> tuple[Period, dict[str, str]]:
    """The period a query string asks for, and Chinese messages for what was wrong with it
    (then the default, the last 30 days, is used: a wrong period changes nothing)."""
    today = today or local_today(center)
    default = Period(today - dt.timedelta(days=29), today, "30")
    kind = (data.get("period") or "").strip() or "30"
    errors: dict[str, str] = {}
    if kind in ("7", "30"):
        return Period(today - dt.timedelta(days=int(kind) - 1), today, kind), errors
    if kind == "month":
        raw = (data.get("month") or "").strip()
        try:
            first = dt.date.fromisoformat(f"{raw}-01")
        except ValueError:
            errors["月份"] = f"月份“{raw[:20]}”格式不对，应为 2026-11。" if raw else "请选择月份。"
            return default, errors
        if not 2000 <= first.year <= 2100:
            errors["月份"] = "月份应在 2000 年到 2100 年之间。"
            return default, errors
        if first > today:
            errors["月份"] = f"{first:%Y年%-m月}还没有到，没有数据。"
            return default, errors
        last = (first + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
        return Period(first, last, "month"), errors
    if kind == "custom":
        first = _day(data.get("from", ""), "起始日期", errors)
        last = _day(data.get("to", ""), "截止日期", errors)
        if first and last:
            if last < first:
                errors["截止日期"] = "截止日期不能早于起始日期。"
            elif (last - first).days + 1 > MAX_PERIOD_DAYS:
                errors["截止日期"] = f"时间段最长 {MAX_PERIOD_DAYS} 天，现在是 {(last - first).days + 1} 天。"
            elif first > today:
                errors["起始日期"] = "起始日期还没有到，没有数据。"
        if errors:
            return default, errors
        return Period(first, last, "custom"), errors
    errors["时间段"] = "时间段只能选最近 7 天、最近 30 天、按月或自定义。"
    return default, errors


def _outlet_order(codes) -> list[str]:
    from rongmei.analytics.models import Outlet

    order = {code: n for n, code in enumerate(Outlet.values)}
    return sorted(set(codes), key=lambda c: order.get(c, 99))


def _outlet_label(code: str) -> str:
    from rongmei.analytics.outlets import label

    return label(code)


@dataclass
class Output:
    """Publications sent per outlet and day."""

    days: list[dt.date]
    outlets: list[str]
    by_day: dict  # {day: {outlet: count}}
    totals: dict  # {outlet: count}
    per_account: dict  # {account id: count}
    total: int = 0

    def rows(self) -> list[dict]:
        return [{"day": d, "counts": [self.by_day.get(d, {}).get(o, 0) for o in self.outlets],
                 "total": sum(self.by_day.get(d, {}).values())} for d in self.days]


def output(center, period: Period) -> Output:
    from rongmei.analytics.outlets import outlet_for_account
    from rongmei.distribution import selectors as distribution

    by_day: dict = {}
    totals: dict = {}
    per_account: dict = {}
    for row in distribution.sent_per_account_day(center, period.day_from, period.day_to):
        outlet = outlet_for_account(row["account__kind"], row["account__options"], row["channel"])
        cell = by_day.setdefault(row["day"], {})
        cell[outlet] = cell.get(outlet, 0) + row["count"]
        totals[outlet] = totals.get(outlet, 0) + row["count"]
        per_account[row["account_id"]] = per_account.get(row["account_id"], 0) + row["count"]
    return Output(days=period.each_day(), outlets=_outlet_order(totals), by_day=by_day, totals=totals,
                  per_account=per_account, total=sum(totals.values()))


@dataclass
class Trend:
    """Reach per outlet and day (reads, likes, shares, comments)."""

    days: list[dt.date]
    outlets: list[str]
    cells: dict  # {(day, outlet): Reach}
    totals: dict  # {outlet: Reach}
    total: Reach

    def rows(self) -> list[dict]:
        """One row per day and outlet that has figures, for the table and the export."""
        return [{"day": d, "outlet": o, "label": _outlet_label(o), **self.cells[(d, o)].__dict__}
                for d in self.days for o in self.outlets if (d, o) in self.cells]

    def daily_reads(self) -> list[dict]:
        return [{"day": d, "reads": [self.cells[(d, o)].reads if (d, o) in self.cells else 0 for o in self.outlets],
                 "total": sum(self.cells[(d, o)].reads for o in self.outlets if (d, o) in self.cells)} for d in self.days]


def _add(a: Reach, b: dict) -> Reach:
    return Reach(**{f: getattr(a, f) + int(b.get(f) or 0) for f in FIGURES})


def reach_trend(center, period: Period) -> Trend:
    rows = (PieceMetric.objects.filter(center=center, day__gte=period.day_from, day__lte=period.day_to)
            .values("day", "outlet").annotate(**{f: Sum(f) for f in FIGURES}).order_by())
    cells: dict = {}
    totals: dict = {}
    total = Reach()
    for row in rows:
        cells[(row["day"], row["outlet"])] = _add(Reach(), row)
        totals[row["outlet"]] = _add(totals.get(row["outlet"], Reach()), row)
        total = _add(total, row)
    return Trend(days=period.each_day(), outlets=_outlet_order(totals), cells=cells, totals=totals, total=total)


@dataclass
class TopItem:
    title: str
    story_id: int | None
    outlets: list[str]
    reads: int
    likes: int
    shares: int
    comments: int
    url: str = ""

    @property
    def outlet_labels(self) -> str:
        return "、".join(_outlet_label(o) for o in self.outlets)


def top_items(center, period: Period, size: int = 10) -> list[TopItem]:
    """The items read most in the period, across outlets: a story of ours counts once with
    every outlet it reached summed; an imported row naming no story is an item of its own."""
    from django.db.models import Max

    from rongmei.newsroom import selectors as newsroom

    base = PieceMetric.objects.filter(center=center, day__gte=period.day_from, day__lte=period.day_to)
    sums = {f: Sum(f) for f in FIGURES if f != "looks"}
    stories = list(base.filter(story__isnull=False).values("story_id").annotate(**sums).order_by("-reads", "story_id")[:size])
    ids = [r["story_id"] for r in stories]
    outlets: dict = {}
    for story_id, outlet in base.filter(story_id__in=ids).values_list("story_id", "outlet").distinct():
        outlets.setdefault(story_id, []).append(outlet)
    headlines = dict(newsroom.stories(center).filter(pk__in=ids).values_list("pk", "headline"))
    items = [TopItem(title=headlines.get(r["story_id"], f"稿件 {r['story_id']}"), story_id=r["story_id"],
                     outlets=_outlet_order(outlets.get(r["story_id"], [])),
                     **{f: int(r[f] or 0) for f in sums}) for r in stories]
    others = (base.filter(story__isnull=True).values("key").annotate(**sums, title=Max("title"), url=Max("url"),
                                                                     outlet=Max("outlet")).order_by("-reads", "key")[:size])
    items += [TopItem(title=r["title"] or r["key"], story_id=None, outlets=[r["outlet"]], url=r["url"] or "",
                      **{f: int(r[f] or 0) for f in sums}) for r in others]
    items.sort(key=lambda i: (-i.reads, i.title))
    return items[:size]


def _followers_on(center, day: dt.date, keys=None) -> dict:
    """{key: (followers, account id, name, outlet)} — each account's last known follower total
    on or before `day`."""
    from django.db.models import Max

    from rongmei.analytics.models import AccountMetric

    rows = AccountMetric.objects.filter(center=center, day__lte=day, followers__isnull=False)
    if keys is not None:
        rows = rows.filter(key__in=list(keys))
    latest = {(r["key"], r["last"]) for r in rows.values("key").annotate(last=Max("day")).order_by()}
    if not latest:
        return {}
    out = {}
    for key, when, followers, account_id, name, outlet in rows.filter(key__in={k for k, _ in latest}).values_list(
            "key", "day", "followers", "account_id", "account_name", "outlet"):
        if (key, when) in latest:
            out[key] = (int(followers), account_id, name, outlet)
    return out


@dataclass
class AccountRow:
    """One account of the matrix (or one imported account outside it) over the period."""

    key: str
    account_id: int | None
    name: str
    outlet: str
    owner: str  # ChannelAccount.Owner label, or "矩阵外（导入）"
    unit: str  # the township, village or department it belongs to
    posts: int
    last_published: object  # datetime or None
    followers: int | None
    growth: int | None
    reads: int
    likes: int
    shares: int
    wci: float | None
    rank: int = 0

    @property
    def outlet_label(self) -> str:
        return _outlet_label(self.outlet)


RANK_BY = {"followers": "粉丝总数", "growth": "粉丝增长", "reads": "阅读/播放", "wci": "WCI", "posts": "发布量"}
OWNER_CHOICES = {"center": "本中心", "township": "乡镇", "village": "村社", "department": "部门"}


def account_rows(center, period: Period, *, owner: str = "", rank_by: str = "followers",
                 wci_rows=None, posts: dict | None = None) -> list[AccountRow]:
    """The matrix's accounts over the period, ranked by `rank_by` (RANK_BY; ties by name):
    publications sent, last published, followers at the period's end and their growth over
    it (the total at the end minus the last total before the period; when no earlier total
    is known, the period's new minus lost followers), reads/likes/shares of their pieces,
    and WCI for WeChat accounts. `owner` keeps one kind of owner; unfiltered, imported
    accounts outside the matrix are listed too."""
    from rongmei.analytics import indices
    from rongmei.analytics.models import AccountMetric
    from rongmei.analytics.outlets import outlet_for_account
    from rongmei.distribution import selectors as distribution

    if posts is None:
        posts = output(center, period).per_account
    if wci_rows is None:
        wci_rows = indices.wci(center, period.day_from, period.day_to)
    wci_by = {a.account_id: a.wci for a in wci_rows if a.account_id}
    end = _followers_on(center, period.day_to)
    before = _followers_on(center, period.day_from - dt.timedelta(days=1))
    moves = {r["key"]: int(r["new"] or 0) - int(r["lost"] or 0) for r in AccountMetric.objects.filter(
        center=center, day__gte=period.day_from, day__lte=period.day_to).values("key").annotate(
        new=Sum("new_followers"), lost=Sum("lost_followers")).order_by()}
    reach = {r["account_id"]: r for r in PieceMetric.objects.filter(
        center=center, day__gte=period.day_from, day__lte=period.day_to, account__isnull=False).values(
        "account_id").annotate(reads=Sum("reads"), likes=Sum("likes"), shares=Sum("shares")).order_by()}

    def growth(key: str) -> int | None:
        if key in end and key in before:
            return end[key][0] - before[key][0]
        return moves.get(key)

    rows = []
    for account in distribution.accounts(center, owner=owner):
        key = f"acct:{account.pk}"
        if not account.is_active and key not in end and account.pk not in posts:
            continue
        r = reach.get(account.pk, {})
        rows.append(AccountRow(
            key=key, account_id=account.pk, name=account.name, outlet=outlet_for_account(account.kind, account.options),
            owner=account.get_owner_display(), unit=(account.area.name if account.area else
                                                      account.department.name if account.department else ""),
            posts=posts.get(account.pk, 0), last_published=account.last_published_at,
            followers=end[key][0] if key in end else None, growth=growth(key),
            reads=int(r.get("reads") or 0), likes=int(r.get("likes") or 0), shares=int(r.get("shares") or 0),
            wci=wci_by.get(account.pk)))
    if not owner:
        outside = {k: v for k, v in end.items() if v[1] is None}
        names = {r["key"]: (r["account_name"], r["outlet"]) for r in AccountMetric.objects.filter(
            center=center, account__isnull=True, day__gte=period.day_from, day__lte=period.day_to).values(
            "key", "account_name", "outlet").order_by()}
        for key in sorted(set(outside) | set(names)):
            name, outlet = names.get(key) or (outside[key][2], outside[key][3])
            rows.append(AccountRow(key=key, account_id=None, name=name or key, outlet=outlet, owner="矩阵外（导入）",
                                   unit="", posts=0, last_published=None,
                                   followers=outside[key][0] if key in outside else None, growth=growth(key),
                                   reads=0, likes=0, shares=0, wci=None))
    field_name = rank_by if rank_by in RANK_BY else "followers"
    rows.sort(key=lambda a: (getattr(a, field_name) is None, -(getattr(a, field_name) or 0), a.name))
    for n, row in enumerate(rows, 1):
        row.rank = n
    return rows


@dataclass
class Overview:
    period: Period
    output: Output
    trend: Trend
    top: list
    accounts: list
    index: object  # indices.TransmissionIndex
    wci: list  # [indices.AccountIndex]

    @property
    def followers(self) -> int:
        return sum(a.followers or 0 for a in self.accounts)

    def chart_data(self) -> dict:
        """What the page's static script draws (json_script): plain lists, dates as text."""
        return {
            "days": [d.isoformat() for d in self.output.days],
            "output": {"outlets": [_outlet_label(o) for o in self.output.outlets],
                       "series": [[self.output.by_day.get(d, {}).get(o, 0) for d in self.output.days]
                                  for o in self.output.outlets]},
            "trend": {"outlets": [_outlet_label(o) for o in self.trend.outlets],
                      "series": {f: [[self.trend.cells[(d, o)].__dict__[f] if (d, o) in self.trend.cells else 0
                                       for d in self.trend.days] for o in self.trend.outlets]
                                 for f in ("reads", "likes", "shares", "comments")}},
            "top": [{"title": i.title, "reads": i.reads} for i in self.top],
            "index": {"value": self.index.value,
                      "outlets": [{"name": o.label, "value": o.value} for o in self.index.outlets if o.has_data]},
            "wci": [{"name": a.account_name, "value": a.wci} for a in self.wci],
        }


def overview(center, period: Period, top: int = 10) -> Overview:
    from rongmei.analytics import indices

    out = output(center, period)
    wci_rows = indices.wci(center, period.day_from, period.day_to)
    return Overview(period=period, output=out, trend=reach_trend(center, period), top=top_items(center, period, top),
                    accounts=account_rows(center, period, wci_rows=wci_rows, posts=out.per_account, rank_by="posts"),
                    index=indices.transmission_index(center, period.day_from, period.day_to), wci=wci_rows)


@dataclass
class StoryReach:
    """One story's reach on every outlet it went to."""

    story: object
    publications: list  # distribution Publications (with the board's link words)
    days: list[dt.date]
    outlets: list[str]
    cells: dict  # {(day, outlet): Reach}
    totals: dict  # {outlet: Reach}
    total: Reach

    def rows(self) -> list[dict]:
        return [{"day": d, "outlet": o, "label": _outlet_label(o), **self.cells[(d, o)].__dict__}
                for d in self.days for o in self.outlets if (d, o) in self.cells]

    def outlet_totals(self) -> list[dict]:
        return [{"outlet": o, "label": _outlet_label(o), **self.totals[o].__dict__} for o in self.outlets]

    def chart_data(self) -> dict:
        return {"days": [d.isoformat() for d in self.days],
                "trend": {"outlets": [_outlet_label(o) for o in self.outlets],
                          "series": {f: [[self.cells[(d, o)].__dict__[f] if (d, o) in self.cells else 0 for d in self.days]
                                         for o in self.outlets] for f in ("reads", "likes", "shares", "comments")}}}


def story_reach_detail(center, story) -> StoryReach:
    """Every outlet the story went to (its publications) and its daily figures per outlet,
    from its first recorded day to its last."""
    from rongmei.distribution import selectors as distribution

    publications = [p for p in distribution.board(story) if p.sent_at or p.remote_url]
    from rongmei.newsroom.models import Rendition

    for p in publications:  # the channel version's name (网站/客户端, 微信公众号 …), not its code
        p.channel_label = Rendition.Channel(p.channel).label if p.channel in Rendition.Channel.values else p.channel
    rows = (PieceMetric.objects.filter(center=center, story=story).values("day", "outlet")
            .annotate(**{f: Sum(f) for f in FIGURES}).order_by("day"))
    cells: dict = {}
    totals: dict = {}
    total = Reach()
    for row in rows:
        cells[(row["day"], row["outlet"])] = _add(Reach(), row)
        totals[row["outlet"]] = _add(totals.get(row["outlet"], Reach()), row)
        total = _add(total, row)
    days = sorted({d for d, _ in cells})
    if days:
        days = [days[0] + dt.timedelta(days=n) for n in range((days[-1] - days[0]).days + 1)]
    return StoryReach(story=story, publications=publications, days=days, outlets=_outlet_order(totals), cells=cells,
                      totals=totals, total=total)


def screen(center, today: dt.date | None = None) -> dict:
    """The big screen's figures (JSON): the last 7 days' key figures, a 30-day reads trend,
    the top items of the last 7 days and the transmission index."""
    from rongmei.analytics import indices

    today = today or local_today(center)
    week = Period(today - dt.timedelta(days=6), today, "7")
    month = Period(today - dt.timedelta(days=29), today, "30")
    trend = reach_trend(center, month)
    week_trend = reach_trend(center, week)
    out = output(center, week)
    index = indices.transmission_index(center, week.day_from, week.day_to)
    followers = sum(v[0] for v in _followers_on(center, today).values())
    return {
        "center": center.name, "period": week.label, "as_of": today.isoformat(),
        "figures": {"publications": out.total, "reads": week_trend.total.reads, "likes": week_trend.total.likes,
                    "shares": week_trend.total.shares, "comments": week_trend.total.comments, "followers": followers},
        "trend": {"days": [d.isoformat() for d in trend.days],
                  "outlets": [_outlet_label(o) for o in trend.outlets],
                  "series": [[trend.cells[(d, o)].reads if (d, o) in trend.cells else 0 for d in trend.days]
                             for o in trend.outlets]},
        "top": [{"title": i.title, "reads": i.reads, "outlets": i.outlet_labels} for i in top_items(center, week, 10)],
        "index": {"value": index.value, "coverage": index.coverage,
                  "outlets": [{"name": o.label, "weight": o.weight, "value": o.value} for o in index.outlets]},
    }


def outlet_label(code: str) -> str:
    """The Chinese name of an outlet code (网站、微信公众号 …), for other rooms' tables."""
    return _outlet_label(code)
