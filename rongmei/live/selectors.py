"""Reads of 直播制作: the production list and its filters, the year's statistics, the 工作台
box and to-dos, and which library video is public because it is a published replay."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.db.models import Count, Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from rongmei.core.models import Center
from rongmei.core.tenancy import scoped
from rongmei.core.todo import Todo
from rongmei.live.models import CheckItem, Production


def zone(center: Center) -> ZoneInfo:
    try:
        return ZoneInfo(center.timezone or "Asia/Shanghai")
    except Exception:  # noqa: BLE001
        return ZoneInfo("Asia/Shanghai")


def today(center: Center, now: dt.datetime | None = None) -> dt.date:
    return timezone.localtime(now or timezone.now(), zone(center)).date()


def day_bounds(center: Center, first: dt.date, last: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """[start of `first`, start of the day after `last`) in the center's time."""
    z = zone(center)
    return (dt.datetime.combine(first, dt.time.min, tzinfo=z),
            dt.datetime.combine(last + dt.timedelta(days=1), dt.time.min, tzinfo=z))


def productions(center: Center) -> QuerySet:
    return (scoped(Production, center).select_related("stream", "client", "department")
            .annotate(open_checks=Count("checks", filter=Q(checks__required=True, checks__ticked_at__isnull=True)))
            .order_by("-planned_start", "-pk"))  # Meta.ordering does not apply to a GROUP BY query


def filtered(center: Center, *, status: str = "", kind: str = "", year: int | None = None, q: str = "") -> QuerySet:
    qs = productions(center)
    if status == "upcoming":
        qs = qs.filter(status__in=[Production.Status.SCHEDULED, Production.Status.LIVE])
    elif status in Production.Status.values:
        qs = qs.filter(status=status)
    if kind in Production.Kind.values:
        qs = qs.filter(kind=kind)
    if year:
        start, stop = day_bounds(center, dt.date(year, 1, 1), dt.date(year, 12, 31))
        qs = qs.filter(planned_start__gte=start, planned_start__lt=stop)
    if q:
        qs = qs.filter(Q(stream__title__icontains=q) | Q(place__icontains=q) | Q(client__name__icontains=q)
                       | Q(department__name__icontains=q))
    return qs


def missing_checks(production: Production) -> list[CheckItem]:
    return list(production.checks.filter(required=True, ticked_at__isnull=True))


# --- The year's statistics ------------------------------------------------------------------------------------

@dataclass
class YearStats:
    year: int
    total: int
    by_kind: list[tuple[str, int]]
    by_client: list[tuple[str, str, int]]  # (name, 客户/部门, count)
    by_month: list[tuple[int, int]]
    fee_total: object
    cancelled: int


def year_stats(center: Center, year: int) -> YearStats:
    """Broadcasts of `year` by the planned start in the center's time: every one that was not
    cancelled counts (scheduled ones too: the report counts the year's bookings)."""
    first, stop = day_bounds(center, dt.date(year, 1, 1), dt.date(year, 12, 31))
    of_year = scoped(Production, center).filter(planned_start__gte=first, planned_start__lt=stop)
    rows = list(of_year.exclude(status=Production.Status.CANCELLED)
                .values("kind", "client__name", "department__name", "planned_start", "fee"))
    cancelled = of_year.filter(status=Production.Status.CANCELLED).count()
    kinds = Counter(r["kind"] for r in rows)
    labels = dict(Production.Kind.choices)
    clients = Counter((r["client__name"] or r["department__name"] or "（未填）",
                       "客户" if r["client__name"] else "政府部门" if r["department__name"] else "") for r in rows)
    z = zone(center)
    months = Counter(timezone.localtime(r["planned_start"], z).month for r in rows)
    fee_total = sum((r["fee"] for r in rows if r["fee"] is not None), start=0)
    return YearStats(
        year=year, total=len(rows),
        by_kind=[(labels[k], kinds.get(k, 0)) for k in Production.Kind.values],
        by_client=sorted(((name, kind, n) for (name, kind), n in clients.items()), key=lambda t: (-t[2], t[0])),
        by_month=[(m, months.get(m, 0)) for m in range(1, 13)], fee_total=fee_total, cancelled=cancelled)


# --- 工作台 -------------------------------------------------------------------------------------------------

def home_box(user, center: Center) -> dict | None:
    """Today's and this week's broadcasts and the checklists not yet complete."""
    if not user.has_perm("live.view", center):
        return None
    now = timezone.now()
    day = today(center, now)
    monday = day - dt.timedelta(days=day.weekday())
    start, stop = day_bounds(center, day, day)
    week_start, week_stop = day_bounds(center, monday, monday + dt.timedelta(days=6))
    active = productions(center).exclude(status=Production.Status.CANCELLED)
    today_rows = list(active.filter(planned_start__lt=stop, planned_end__gt=start).order_by("planned_start"))
    week_rows = list(active.filter(planned_start__gte=stop, planned_start__lt=week_stop).order_by("planned_start"))
    incomplete = list(active.filter(status=Production.Status.SCHEDULED, open_checks__gt=0,
                                    planned_start__lt=now + dt.timedelta(days=7)).order_by("planned_start")[:8])
    week_total = active.filter(planned_start__gte=week_start, planned_start__lt=week_stop).count()
    return {"title": "直播", "template": "live/home_box.html", "order": 60, "today": today_rows,
            "week": week_rows[:8], "week_total": week_total, "incomplete": incomplete,
            "can_produce": user.has_perm("live.produce", center)}


def todo_for(user, center: Center) -> list[Todo]:
    """Producers: broadcasts in the next two days whose checklist is not complete, and the
    ones on air (to end). Crew: their own broadcasts in the next two days."""
    now = timezone.now()
    items: list[Todo] = []
    soon = productions(center).filter(planned_start__lt=now + dt.timedelta(days=2), planned_end__gt=now)
    if user.has_perm("live.produce", center):
        for p in soon.filter(status=Production.Status.SCHEDULED, open_checks__gt=0).order_by("planned_start")[:10]:
            items.append(Todo(room="直播", title=f"播前检查：{p.stream.title}", url=reverse("live:detail", args=[p.pk]),
                              action="完成检查", due=p.planned_start, since=p.created_at,
                              note=f"还有 {p.open_checks} 项未完成"))
        for p in soon.filter(status=Production.Status.LIVE)[:10]:
            items.append(Todo(room="直播", title=f"直播中：{p.stream.title}", url=reverse("live:detail", args=[p.pk]),
                              action="结束直播", due=p.planned_end, since=p.started_at))
    mine = soon.filter(status=Production.Status.SCHEDULED, crew__person=user).order_by("planned_start")[:10]
    seen = {t.url for t in items}
    for p in mine:
        url = reverse("live:detail", args=[p.pk])
        if url not in seen:
            items.append(Todo(room="直播", title=f"直播任务：{p.stream.title}", url=url, action="查看",
                              due=p.planned_start, since=p.created_at, note=p.place))
    return items


def asset_is_public(asset) -> bool:
    """A library video is public while it is the published replay of an active stream."""
    return Production.objects.filter(replay_asset=asset, status=Production.Status.REPLAY,
                                     stream__is_active=True).exists()
