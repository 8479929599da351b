"""Reads of the province platform (一省一平台).

Two audiences:

* the **platform admin** (superuser) sees every center as a tree with its staff, output and
  storage, and the cross-center statistics of a month;
* a **province or city center** (permission ``province.view``) sees the centers *below* it
  (``core.selectors.descendants``) side by side, with the provincial ranking.

Every figure comes from the room that owns it, through its selectors: stories published
(distribution: different stories with a publication sent in the month), publications per
outlet (analytics ``output``), reads (analytics ``reach_trend``), 问政 on-time rate
(inquiry ``month_total``, definitions in inquiry/stats.py), the matrix (distribution
``accounts`` / ``stale_by_rule``), storage (newsroom ``storage_bytes``).

Ranking (``rank``): a weighted score out of 100, see ``DEFAULT_WEIGHTS`` and docs/province.md.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from rongmei.analytics import selectors as analytics
from rongmei.core import selectors as core_selectors
from rongmei.core.models import Center, User
from rongmei.distribution import selectors as distribution
from rongmei.inquiry import selectors as inquiry
from rongmei.newsroom import selectors as newsroom

MB = 1024 * 1024

# The provincial ranking's weights (points out of 100). Each part is scaled 0..1:
#   output  发稿量: stories published ÷ the most any compared center published
#   reach   传播力: reads ÷ the most reads of any compared center
#   inquiry 问政按时率: on-time rate (inquiry/stats.py)
#   matrix  账号矩阵健康度: 1 − stale accounts ÷ active accounts
# A part without data for a center (no 问政 due, no accounts) is left out and the other
# weights are scaled up, so a county is not punished for what it does not run.
# RONGMEI_PROVINCE_WEIGHTS = {"output": 40, ...} overrides any of them.
DEFAULT_WEIGHTS = {"output": 30, "reach": 30, "inquiry": 25, "matrix": 15}
WEIGHT_LABELS = {"output": "发稿量", "reach": "传播力（阅读量）", "inquiry": "问政按时率", "matrix": "账号矩阵健康度"}


def weights() -> dict[str, float]:
    found = dict(DEFAULT_WEIGHTS)
    for key, value in (getattr(settings, "RONGMEI_PROVINCE_WEIGHTS", None) or {}).items():
        if key in found and isinstance(value, int | float) and value >= 0:
            found[key] = value
    return found


# --- month ----------------------------------------------------------------------------------------

def today() -> dt.date:
    return timezone.localdate()


def parse_month(text: str | None, now: dt.date | None = None) -> tuple[tuple[int, int], str]:
    """(year, month) asked for as "2026-11", and a Chinese message when it was wrong (then
    the current month is used: a wrong month changes nothing)."""
    now = now or today()
    current = (now.year, now.month)
    raw = (text or "").strip()
    if not raw:
        return current, ""
    try:
        first = dt.date.fromisoformat(f"{raw[:7]}-01") if len(raw) == 7 else None
    except ValueError:
        first = None
    if first is None:
        return current, f"月份“{raw[:20]}”格式不对，应为 2026-11。"
    if not 2000 <= first.year <= 2100:
        return current, "月份应在 2000 年到 2100 年之间。"
    if (first.year, first.month) > current:
        return current, f"{first:%Y年%-m月}还没有到，没有数据。"
    return (first.year, first.month), ""


def month_days(year: int, month: int) -> tuple[dt.date, dt.date]:
    first = dt.date(year, month, 1)
    last = (first + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
    return first, last


def month_label(year: int, month: int) -> str:
    return f"{year}年{month}月"


def recent_months(count: int = 12, now: dt.date | None = None) -> list[tuple[str, str]]:
    now = now or today()
    y, m = now.year, now.month
    out = []
    for _ in range(count):
        out.append((f"{y:04d}-{m:02d}", month_label(y, m)))
        y, m = (y - 1, 12) if m == 1 else (y, m - 1)
    return out


# --- one center's figures ---------------------------------------------------------------------------

@dataclass
class CenterStats:
    center: Center
    stories: int = 0
    publications: int = 0
    outlets: dict = field(default_factory=dict)  # {outlet code: publications}
    reads: int = 0
    inquiries: int = 0
    on_time: int = 0
    inquiry_known: int = 0  # replied + overdue: the on-time rate's denominator
    on_time_rate: float | None = None
    accounts: int = 0
    stale: int = 0
    staff: int = 0
    storage_bytes: int = 0
    score: float = 0.0
    rank: int = 0
    parts: dict = field(default_factory=dict)  # {weight key: 0..1 or None}

    @property
    def storage_mb(self) -> float:
        return round(self.storage_bytes / MB, 1)

    @property
    def on_time_text(self) -> str:
        return "—" if self.on_time_rate is None else f"{self.on_time_rate * 100:.1f}%"

    @property
    def health(self) -> float | None:
        return None if not self.accounts else 1 - self.stale / self.accounts

    @property
    def health_text(self) -> str:
        return "—" if self.health is None else f"{self.health * 100:.1f}%"


def active_staff(center_ids) -> dict[int, int]:
    """People with a role and an enabled account, per center (what the staff quota counts)."""
    ids = list(center_ids)
    found = {pk: 0 for pk in ids}
    rows = (User.objects.filter(is_active=True, memberships__center_id__in=ids)
            .values("memberships__center_id").annotate(n=Count("id", distinct=True)).order_by())
    for row in rows:
        found[row["memberships__center_id"]] = row["n"]
    return found


def center_stats(center: Center, year: int, month: int, *, staff: int | None = None,
                 storage: int | None = None) -> CenterStats:
    first, last = month_days(year, month)
    period = analytics.Period(first, last, "month")
    output = analytics.output(center, period)
    total = inquiry.month_total(center, year, month)
    row = CenterStats(center=center)
    row.stories = distribution.stories_published(center, first, last)
    row.publications = output.total
    row.outlets = dict(output.totals)
    row.reads = analytics.reach_trend(center, period).total.reads
    row.inquiries = total.cases
    row.on_time = total.on_time
    row.inquiry_known = total.replied + total.overdue_open
    row.on_time_rate = total.on_time_rate
    row.accounts = distribution.accounts(center, active=True).count()
    row.stale = distribution.stale_by_rule(center).count()
    row.staff = active_staff([center.pk])[center.pk] if staff is None else staff
    row.storage_bytes = newsroom.storage_bytes([center.pk])[center.pk] if storage is None else storage
    return row


def stats_for(centers: list[Center], year: int, month: int) -> list[CenterStats]:
    ids = [c.pk for c in centers]
    staff, storage = active_staff(ids), newsroom.storage_bytes(ids)
    return [center_stats(c, year, month, staff=staff[c.pk], storage=storage[c.pk]) for c in centers]


def totals(rows: list[CenterStats]) -> CenterStats:
    total = CenterStats(center=Center(name="合计"))
    for r in rows:
        for name in ("stories", "publications", "reads", "inquiries", "on_time", "inquiry_known", "accounts", "stale", "staff",
                     "storage_bytes"):
            setattr(total, name, getattr(total, name) + getattr(r, name))
        for code, n in r.outlets.items():
            total.outlets[code] = total.outlets.get(code, 0) + n
    # the same definition as each row: on time ÷ (replied + overdue), summed over the centers
    total.on_time_rate = total.on_time / total.inquiry_known if total.inquiry_known else None
    return total


def outlet_columns(rows: list[CenterStats]) -> list[tuple[str, str]]:
    """(code, label) of every outlet any row published on, in a stable order."""
    codes = sorted({c for r in rows for c in r.outlets})
    return [(c, analytics.outlet_label(c)) for c in codes]


# --- ranking -----------------------------------------------------------------------------------------

LEVEL_ORDER = [Center.Level.PROVINCE, Center.Level.CITY, Center.Level.COUNTY]


def rank(rows: list[CenterStats], weight: dict[str, float] | None = None) -> list[CenterStats]:
    """Rank each level on its own: a city center (which also runs the city's paper and TV)
    is not measured against the counties below it. Returns the province, city and county
    rankings one after another, each scored by `rank_level`."""
    weight = weight or weights()
    ordered = []
    for level in LEVEL_ORDER:
        ordered += rank_level([r for r in rows if r.center.level == level], weight)
    return ordered


def rank_level(rows: list[CenterStats], weight: dict[str, float]) -> list[CenterStats]:
    """Score every row out of 100 with the weights and order them best first; output and
    reach are scaled against the best of these rows; equal scores share a rank (1, 2, 2, 4)
    and are listed by name."""
    top_stories = max((r.stories for r in rows), default=0)
    top_reads = max((r.reads for r in rows), default=0)
    for r in rows:
        r.parts = {
            "output": (r.stories / top_stories) if top_stories else 0.0,
            "reach": (r.reads / top_reads) if top_reads else 0.0,
            "inquiry": r.on_time_rate,
            "matrix": r.health,
        }
        used = {k: w for k, w in weight.items() if r.parts.get(k) is not None}
        total_weight = sum(used.values())
        r.score = round(100 * sum(w * r.parts[k] for k, w in used.items()) / total_weight, 1) if total_weight else 0.0
    ordered = sorted(rows, key=lambda r: (-r.score, r.center.name))
    for n, r in enumerate(ordered):
        r.rank = ordered[n - 1].rank if n and ordered[n - 1].score == r.score else n + 1
    return ordered


# --- who sees what ---------------------------------------------------------------------------------

def below(center: Center | None) -> list[Center]:
    """The centers a province/city view shows: those below `center` (none for a county)."""
    return core_selectors.descendants(center) if center is not None else []


def may_view(user, center: Center | None) -> bool:
    return center is not None and user.has_perm("province.view", center)


def province_ranking(center: Center, year: int, month: int) -> list[CenterStats]:
    return rank(stats_for(below(center), year, month))


def ranking_box(user, center) -> dict | None:
    """工作台 box for a province or city center's chief editor/analyst: this month's top five."""
    if center is None or center.level == Center.Level.COUNTY or not may_view(user, center):
        return None
    kids = below(center)
    if not kids:
        return None
    from django.core.cache import cache

    now = today()
    key = f"province:box:{center.pk}:{now:%Y-%m}"
    rows = cache.get(key)
    if rows is None:
        # a province may have a hundred counties: the 工作台 shows a figure at most 10 minutes old
        ranked = province_ranking(center, now.year, now.month)
        rows = [{"name": r.center.name, "level": r.center.get_level_display(), "rank": r.rank, "score": r.score,
                 "stories": r.stories, "reads": r.reads, "on_time_text": r.on_time_text}
                for level in LEVEL_ORDER for r in [x for x in ranked if x.center.level == level][:5]]
        cache.set(key, rows, BOX_SECONDS)
    return {"title": f"下级中心排名 · {month_label(now.year, now.month)}", "template": "province/box_ranking.html",
            "order": 30, "rows": rows}


BOX_SECONDS = 600


# --- platform admin: the tree --------------------------------------------------------------------

STATUS_CHOICES = {"active": "运行中", "suspended": "已停用"}


def tree(centers: list[Center]) -> list[tuple[Center, int]]:
    """Centers in tree order (province → its cities → their counties), each with its depth;
    centers whose parent is not in the list start a branch of their own."""
    by_parent: dict[int | None, list[Center]] = {}
    ids = {c.pk for c in centers}
    for c in sorted(centers, key=lambda c: (c.name, c.pk)):
        by_parent.setdefault(c.parent_id if c.parent_id in ids else None, []).append(c)
    out: list[tuple[Center, int]] = []
    seen: set[int] = set()

    def walk(c: Center, depth: int) -> None:
        if c.pk in seen:
            return
        seen.add(c.pk)
        out.append((c, depth))
        for child in by_parent.get(c.pk, []):
            walk(child, depth + 1)

    level_order = {Center.Level.PROVINCE: 0, Center.Level.CITY: 1, Center.Level.COUNTY: 2}
    for root in sorted(by_parent.get(None, []), key=lambda c: (level_order.get(c.level, 3), c.name, c.pk)):
        walk(root, 0)
    return out


def centers(*, q: str = "", level: str = "", status: str = "") -> QuerySet:
    qs = Center.objects.all()
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(slug__icontains=q) | Q(region__icontains=q))
    if level in Center.Level.values:
        qs = qs.filter(level=level)
    if status == "active":
        qs = qs.filter(is_active=True)
    elif status == "suspended":
        qs = qs.filter(is_active=False)
    return qs.select_related("parent")


@dataclass
class CenterRow:
    center: Center
    depth: int
    staff: int
    stories: int
    storage_bytes: int

    @property
    def storage_mb(self) -> float:
        return round(self.storage_bytes / MB, 1)


def center_rows(pairs: list[tuple[Center, int]]) -> list[CenterRow]:
    """The figures of one page of the tree: active staff, stories published this month,
    storage used."""
    ids = [c.pk for c, _ in pairs]
    staff, storage = active_staff(ids), newsroom.storage_bytes(ids)
    first, last = month_days(today().year, today().month)
    return [CenterRow(c, depth, staff[c.pk], distribution.stories_published(c, first, last), storage[c.pk])
            for c, depth in pairs]


def storage_of(center_ids) -> dict[int, int]:
    return newsroom.storage_bytes(center_ids)


def usage(center: Center) -> dict:
    """What the center uses of its quotas (None: no limit)."""
    staff = active_staff([center.pk])[center.pk]
    storage = newsroom.storage_bytes([center.pk])[center.pk]
    return {"staff": staff, "quota_staff": center.quota_staff,
            "storage_mb": round(storage / MB, 1), "storage_bytes": storage, "quota_storage_mb": center.quota_storage_mb}
