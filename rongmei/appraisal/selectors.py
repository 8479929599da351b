"""Reads of a month's outcome for the 绩效考核 screens, exports, API and 工作台 boxes.

Why one module: the month page, a person's breakdown, the HR workbook and PDF, the 稿费
statements and the API all show the same figures, and HR pays from them — so the grouping
(by org unit, by kind of line, by byline name) and the totals are computed once here, from
the stored Scorecard / ScoreLine / FeeLine rows the engine wrote. Nothing here computes
points or pay; it only reads and adds up (exact Decimals), so what a screen shows is what
was closed.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Q, Sum

from rongmei.analytics import outlets as outlet_map
from rongmei.appraisal import periods
from rongmei.appraisal.models import (
    Adjustment,
    Dispute,
    FeeLine,
    Period,
    Scorecard,
    ScoreLine,
)
from rongmei.core.permissions import ROLES

ZERO = Decimal(0)
NO_UNIT = "未分部门"
MONTH_RE = re.compile(r"^(\d{4})-(\d{1,2})$")
KIND_ORDER = [ScoreLine.Kind.PIECE, ScoreLine.Kind.READS, ScoreLine.Kind.RATING, ScoreLine.Kind.PICKUP,
              ScoreLine.Kind.DEDUCTION]
KIND_LABELS = dict(ScoreLine.Kind.choices)


def parse_month(text: str | None) -> dt.date | None:
    """"2026-11" → 1 Nov 2026; anything else → None."""
    found = MONTH_RE.match((text or "").strip())
    if not found:
        return None
    year, month = int(found.group(1)), int(found.group(2))
    if not (2000 <= year <= 2100 and 1 <= month <= 12):
        return None
    return dt.date(year, month, 1)


def month_value(month: dt.date) -> str:
    return f"{month:%Y-%m}"


def neighbours(month: dt.date) -> tuple[str, str]:
    before = (month - dt.timedelta(days=1)).replace(day=1)
    after = (month + dt.timedelta(days=32)).replace(day=1)
    return month_value(before), month_value(after)


def role_label(code: str) -> str:
    return ROLES[code].label if code in ROLES else (code or "—")


def person_name(user) -> str:
    if user is None:
        return ""
    return getattr(user, "display_name", "") or user.username


def recent_periods(center, limit: int = 24):
    return Period.objects.filter(center=center).order_by("-month")[:limit]


# --- The month for the admin -------------------------------------------------------------------------------

@dataclass
class UnitSheet:
    """One org unit's scorecards and their totals."""

    name: str
    unit_id: int | None
    cards: list = field(default_factory=list)
    points: Decimal = ZERO
    pieces: int = 0
    reads: int = 0
    base_amount: Decimal = ZERO
    base_paid: Decimal = ZERO
    reward_paid: Decimal = ZERO
    total_paid: Decimal = ZERO

    def add(self, card: Scorecard) -> None:
        self.cards.append(card)
        self.points += card.points
        self.pieces += card.pieces
        self.reads += card.reads
        self.base_amount += card.base_amount
        self.base_paid += card.base_paid
        self.reward_paid += card.reward_paid
        self.total_paid += card.total_paid


@dataclass
class MonthSheet:
    period: Period
    units: list[UnitSheet]
    total: UnitSheet
    adjustments: list
    adjustment_amount: Decimal
    adjustment_points: Decimal

    @property
    def undistributed(self) -> Decimal:
        """What of the reward pool went to nobody (no one with points in the pay scheme)."""
        return self.period.reward_pool - self.total.reward_paid

    @property
    def pool_matches(self) -> bool:
        return self.undistributed == ZERO


def scorecards(period: Period):
    return (Scorecard.objects.filter(period=period).select_related("user", "org_unit")
            .order_by("org_unit__name", "org_unit_id", "rank", "-points", "user__username"))


def month_sheet(period: Period) -> MonthSheet:
    """Scorecards grouped by org unit (units by name, people without one last), with totals
    per unit and for the center, and the adjustments made after the close."""
    units: dict = {}
    total = UnitSheet("合计", None)
    for card in scorecards(period):
        key = card.org_unit_id
        card.role_label = role_label(card.role)
        if key not in units:
            units[key] = UnitSheet(card.org_unit.name if card.org_unit else NO_UNIT, key)
        units[key].add(card)
        total.add(card)
    ordered = sorted(units.values(), key=lambda u: (u.unit_id is None, u.name))
    adjustments = list(Adjustment.objects.filter(period=period).select_related("user", "created_by")
                       .order_by("created_at", "id"))
    return MonthSheet(period=period, units=ordered, total=total, adjustments=adjustments,
                      adjustment_amount=sum((a.amount for a in adjustments), ZERO),
                      adjustment_points=sum((a.points for a in adjustments), ZERO))


@dataclass
class Blockers:
    open_disputes: int
    unrated: int
    computed: bool

    @property
    def any(self) -> bool:
        return bool(self.open_disputes or self.unrated or not self.computed)


def blockers(center, month: dt.date, period: Period | None) -> Blockers:
    """What stands between the month and its close: open disputes (the close refuses them),
    pieces no editor has rated yet (a reminder — 优稿 is awarded before the close), and a
    month that was never computed."""
    from rongmei.appraisal.facts_services import unrated_pieces

    disputes = Dispute.objects.filter(center=center, period=period, status=Dispute.Status.OPEN).count() if period else 0
    return Blockers(open_disputes=disputes, unrated=unrated_pieces(center, month).count(),
                    computed=bool(period and period.computed_at))


# --- One person's month ------------------------------------------------------------------------------------

@dataclass
class KindGroup:
    kind: str
    label: str
    lines: list
    points: Decimal


@dataclass
class PersonMonth:
    period: Period | None
    card: Scorecard | None
    groups: list[KindGroup]
    fees: list
    fee_total: Decimal
    disputes: list
    adjustments: list
    stories: list  # (id, headline) of the stories on the lines, for a dispute about one


def line_outlet_label(code: str) -> str:
    return outlet_map.label(code) if code else ""


def _labelled(fee_lines) -> list:
    from rongmei.newsroom.models import Story

    genres = dict(Story.Genre.choices)
    rows = list(fee_lines)
    for line in rows:
        line.outlet_label, line.genre_label = line_outlet_label(line.outlet), genres.get(line.genre, line.genre)
    return rows


def person_month(period: Period | None, user) -> PersonMonth:
    """Every line of `user`'s month grouped by kind (稿件, 阅读量, 优稿, 外宣, 扣分) with totals,
    their 稿费 lines, their disputes and adjustments."""
    if period is None:
        return PersonMonth(None, None, [], [], ZERO, [], [], [])
    card = Scorecard.objects.filter(period=period, user=user).select_related("org_unit").first()
    groups, stories = [], {}
    if card is not None:
        lines = list(ScoreLine.objects.filter(scorecard=card).select_related("story").order_by("kind", "story_id", "outlet", "id"))
        for kind in KIND_ORDER:
            rows = [line for line in lines if line.kind == kind]
            if rows:
                groups.append(KindGroup(kind, KIND_LABELS[kind], rows, sum((r.points for r in rows), ZERO)))
        for line in lines:
            line.outlet_label = line_outlet_label(line.outlet)
            if line.story_id and line.story is not None:
                stories.setdefault(line.story_id, line.story.headline)
    fees = _labelled(FeeLine.objects.filter(period=period, user=user).select_related("story").order_by("story_id", "outlet"))
    disputes = list(Dispute.objects.filter(period=period, raised_by=user).select_related("story", "resolved_by"))
    adjustments = list(Adjustment.objects.filter(period=period, user=user).select_related("created_by"))
    return PersonMonth(period, card, groups, fees, sum((f.amount for f in fees), ZERO), disputes, adjustments,
                       sorted(stories.items()))


# --- Disputes ----------------------------------------------------------------------------------------------

def disputes(center, *, status: str = "", month: dt.date | None = None):
    rows = (Dispute.objects.filter(center=center).select_related("period", "raised_by", "story", "resolved_by")
            .order_by("-created_at", "-id"))
    if status:
        rows = rows.filter(status=status)
    if month is not None:
        rows = rows.filter(period__month=month)
    return rows


def open_dispute_count(center) -> int:
    return Dispute.objects.filter(center=center, status=Dispute.Status.OPEN).count()


# --- 稿费 statements ---------------------------------------------------------------------------------------

@dataclass
class FeeStatement:
    """One byline name's 稿费 for a month (a contributor without an account is known by the
    name on the byline; staff by their account)."""

    name: str
    user: object | None
    lines: list = field(default_factory=list)
    amount: Decimal = ZERO

    @property
    def key(self) -> str:
        return f"u{self.user.pk}" if self.user is not None else f"n:{self.name}"


def fee_statements(period: Period) -> list[FeeStatement]:
    found: dict = {}
    for line in _labelled(FeeLine.objects.filter(period=period).select_related("user", "story")
                          .order_by("name", "story_id", "outlet", "id")):
        key = ("u", line.user_id) if line.user_id else ("n", line.name)
        if key not in found:
            found[key] = FeeStatement(person_name(line.user) if line.user else line.name, line.user)
        found[key].lines.append(line)
        found[key].amount += line.amount
    return sorted(found.values(), key=lambda s: (s.user is not None, s.name))


def fee_total(period: Period) -> Decimal:
    return FeeLine.objects.filter(period=period).aggregate(t=Sum("amount"))["t"] or ZERO


# --- 工作台 -------------------------------------------------------------------------------------------------

def my_box(user, center) -> dict | None:
    """The person's month so far, as of the last computation."""
    if center is None or not user.has_perm("appraisal.view_own", center):
        return None
    month = periods.current_month(center)
    period = periods.get(center, month)
    card = Scorecard.objects.filter(period=period, user=user).first() if period else None
    if card is None and not (period and period.computed_at):
        # nothing computed yet this month: only people in the scheme see the empty box
        return None
    unit_size = (Scorecard.objects.filter(period=period, org_unit_id=card.org_unit_id).count()
                 if card is not None else 0)
    return {"title": "我的本月绩效", "template": "appraisal/home_box_me.html", "order": 60,
            "month": month, "period": period, "card": card, "unit_size": unit_size}


def admin_box(user, center) -> dict | None:
    """For the appraisal admin: what blocks this month's (and a still-open previous month's) close."""
    if center is None or not user.has_perm("appraisal.manage", center):
        return None
    month = periods.current_month(center)
    previous = (month - dt.timedelta(days=1)).replace(day=1)
    rows = []
    for m in (previous, month):
        period = periods.get(center, m)
        if period is not None and period.status == Period.Status.CLOSED:
            continue
        if m == previous and period is None:
            continue
        rows.append({"month": m, "value": month_value(m), "period": period, "blockers": blockers(center, m, period)})
    return {"title": "月度结算", "template": "appraisal/home_box_admin.html", "order": 61, "rows": rows}


def unit_counts(period: Period) -> dict:
    return dict(Scorecard.objects.filter(period=period).values("org_unit_id").annotate(n=Count("id"))
                .values_list("org_unit_id", "n"))


def has_lines(period: Period) -> bool:
    return ScoreLine.objects.filter(period=period).exists() or FeeLine.objects.filter(~Q(amount=0), period=period).exists()
