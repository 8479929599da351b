"""The month's life: compute (any number of times while open), disputes raised by staff and
resolved by the appraisal admin, the close (refused while a dispute is open; locks the month
and keeps the rules used), and adjustments after the close. Every change is one function
here, one transaction, one audit event; screens, the API and tasks call these.

There is no reopen: a closed month's scorecards, lines and fees are what was paid, so a
correction is an `Adjustment` — its own audited line beside the scorecard, which stays as
closed. Compute and close lock the Period row (SELECT … FOR UPDATE) and, when the caller
passes the version it showed, refuse with 409 "已被他人修改" if someone got there first.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from rongmei.appraisal import engine
from rongmei.appraisal.models import Adjustment, Dispute, Period, Scorecard
from rongmei.appraisal.periods import label
from rongmei.appraisal.rules import rules_for, ruleset_for
from rongmei.core.models import Membership
from rongmei.core.permissions import ROLES
from rongmei.core.services import notify, record

MANAGE = "appraisal.manage"
VIEW_OWN = "appraisal.view_own"
TEXT_MAX = 1000
AMOUNT_LIMIT = Decimal(10000000)
POINTS_LIMIT = Decimal(10000000)

AUDIT_LABELS = {
    "appraisal.compute": "计算月度绩效",
    "appraisal.close": "月度结算",
    "appraisal.dispute_raise": "提出绩效申诉",
    "appraisal.dispute_resolve": "处理绩效申诉",
    "appraisal.adjust": "结算后调整",
}


def _conflict(message: str) -> ValidationError:
    exc = ValidationError(message)
    exc.api_status = 409
    return exc


def _require(user, perm: str, center) -> None:
    if user is None:  # the system (a scheduled task)
        return
    if not user.has_perm(perm, center):
        from rongmei.core.permissions import PERMISSIONS

        raise PermissionDenied(f"您在{center.name}没有“{PERMISSIONS.get(perm, perm)}”的权限。")


def _locked(period: Period, expected_version: int | None) -> Period:
    current = Period.objects.select_for_update().select_related("center").get(pk=period.pk)
    if expected_version is not None and int(expected_version) != current.version:
        raise _conflict(f"{label(current.month)}的绩效已被他人修改（计算或结算），请刷新后再操作。")
    return current


def _text(value: str, *, field: str, what: str, limit: int = TEXT_MAX) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationError({field: [f"请填写{what}。"]})
    if len(value) > limit:
        raise ValidationError({field: [f"{what}最多 {limit} 个字，现在是 {len(value)} 个字。"]})
    return value


def managers(center) -> list:
    """People holding appraisal.manage in the center (they get disputes)."""
    roles = [code for code, role in ROLES.items() if MANAGE in role.permissions]
    memberships = Membership.objects.filter(center=center, role__in=roles, user__is_active=True).select_related("user")
    return list({m.user_id: m.user for m in memberships}.values())


def open_disputes(period: Period) -> int:
    return Dispute.objects.filter(period=period, status=Dispute.Status.OPEN).count()


# --- Compute and close ----------------------------------------------------------------------------

@transaction.atomic
def compute(period: Period, user, *, expected_version: int | None = None) -> engine.Outcome:
    """Recompute an open month (replaces its scorecards, lines and fees)."""
    _require(user, MANAGE, period.center)
    current = _locked(period, expected_version)
    if current.status == Period.Status.CLOSED:
        raise _conflict(f"{label(current.month)}已结算，不能重新计算；如需更正，请做结算后调整。")
    outcome = engine.compute(current)
    current.version += 1
    current.save(update_fields=["version"])
    period.version, period.reward_pool, period.computed_at = current.version, current.reward_pool, current.computed_at
    if user is not None:  # the hourly recompute (view_tasks) is the system's: not an act worth a log line each hour
        record("appraisal.compute", actor=user, center=current.center, obj=current,
               after={"people": outcome.people, "pieces": outcome.pieces, "points": str(outcome.points),
                      "reward_pool": str(outcome.reward_pool)})
    return outcome


@transaction.atomic
def close(period: Period, user, *, expected_version: int | None = None) -> engine.Outcome:
    """Compute the month one last time from the facts as they are, then lock it. Refused
    while disputes are open."""
    _require(user, MANAGE, period.center)
    current = _locked(period, expected_version)
    if current.status == Period.Status.CLOSED:
        raise _conflict(f"{label(current.month)}已经结算过了。")
    waiting = open_disputes(current)
    if waiting:
        raise ValidationError(f"{label(current.month)}还有 {waiting} 条申诉未处理，请先处理完申诉再结算。")
    rules = rules_for(current.center, current.month)
    outcome = engine.compute(current, rules)
    current.refresh_from_db(fields=["reward_pool", "computed_at"])
    current.status = Period.Status.CLOSED
    current.ruleset = ruleset_for(current.center, current.month)
    current.rules_snapshot = rules.model_dump(mode="json")
    current.closed_at, current.closed_by = timezone.now(), user
    current.version += 1
    current.save(update_fields=["status", "ruleset", "rules_snapshot", "closed_at", "closed_by", "version"])
    for field in ("status", "ruleset", "rules_snapshot", "closed_at", "closed_by", "version", "reward_pool",
                  "computed_at"):
        setattr(period, field, getattr(current, field))
    record("appraisal.close", actor=user, center=current.center, obj=current,
           before={"status": Period.Status.OPEN},
           after={"status": current.status, "people": outcome.people, "points": str(outcome.points),
                  "reward_pool": str(outcome.reward_pool)})
    people = [card.user for card in Scorecard.objects.filter(period=current).select_related("user")]
    notify(center=current.center, recipients=people, title=f"{label(current.month)}绩效已结算",
           body="本月得分与绩效工资已确定，可在“我的绩效”查看明细。")
    return outcome


# --- Disputes ---------------------------------------------------------------------------------------

@transaction.atomic
def raise_dispute(period: Period, user, text: str, story=None) -> Dispute:
    """申诉: a person objects to their month (optionally about one story) while it is open."""
    center = period.center
    _require(user, VIEW_OWN, center)
    current = Period.objects.select_for_update().get(pk=period.pk)
    if current.status == Period.Status.CLOSED:
        raise ValidationError(f"{label(current.month)}已结算，不能再申诉；如有疑问请联系考核管理员。")
    text = _text(text, field="text", what="申诉内容")
    if story is not None and story.center_id != center.pk:
        raise ValidationError({"story": ["找不到这篇稿件。"]})
    dispute = Dispute.objects.create(center=center, period=current, raised_by=user, story=story, text=text)
    record("appraisal.dispute_raise", actor=user, center=center, obj=dispute,
           after={"text": text, "story": story.pk if story is not None else None})
    who = user.display_name or user.username
    notify(center=center, recipients=[u for u in managers(center) if u.pk != user.pk],
           title=f"{who}对{label(current.month)}绩效提出申诉", body=text[:200])
    return dispute


@transaction.atomic
def resolve_dispute(dispute: Dispute, user, accepted: bool, resolution: str) -> Dispute:
    """Accept or reject a dispute with a resolution; an accepted one is usually followed by
    a fix to the facts (a rating, a pickup, a byline) and a recompute."""
    _require(user, MANAGE, dispute.center)
    current = Dispute.objects.select_for_update().select_related("period").get(pk=dispute.pk)
    if current.status != Dispute.Status.OPEN:
        raise _conflict("这条申诉已经处理过了。")
    if current.period.status == Period.Status.CLOSED:
        raise ValidationError(f"{label(current.period.month)}已结算，申诉不能再处理。")
    resolution = _text(resolution, field="resolution", what="处理意见")
    current.status = Dispute.Status.ACCEPTED if accepted else Dispute.Status.REJECTED
    current.resolution, current.resolved_by, current.resolved_at = resolution, user, timezone.now()
    current.save(update_fields=["status", "resolution", "resolved_by", "resolved_at"])
    for field in ("status", "resolution", "resolved_by", "resolved_at"):
        setattr(dispute, field, getattr(current, field))
    record("appraisal.dispute_resolve", actor=user, center=current.center, obj=current,
           before={"status": Dispute.Status.OPEN}, after={"status": current.status, "resolution": resolution})
    notify(center=current.center, recipients=[current.raised_by],
           title=f"您对{label(current.period.month)}绩效的申诉{current.get_status_display()}", body=resolution[:200])
    return current


# --- Adjustments ---------------------------------------------------------------------------------------

def _decimal(value, *, field: str, what: str, limit: Decimal) -> Decimal:
    try:
        number = Decimal(str(value if value not in (None, "") else 0).strip())
    except (InvalidOperation, ValueError):
        raise ValidationError({field: [f"{what}应是数字，如 2 或 -1.5。"]}) from None
    if not number.is_finite():
        raise ValidationError({field: [f"{what}应是数字，如 2 或 -1.5。"]})
    if number != number.quantize(Decimal("0.01")):
        raise ValidationError({field: [f"{what}最多保留两位小数。"]})
    if abs(number) >= limit:
        raise ValidationError({field: [f"{what}超出范围。"]})
    return number


@transaction.atomic
def adjust(period: Period, user, person, points, amount, reason: str) -> Adjustment:
    """A change to a closed month for one person: points and/or money, with the reason. The
    scorecard stays as closed; HR sees the adjustment beside it."""
    center = period.center
    _require(user, MANAGE, center)
    current = Period.objects.select_for_update().get(pk=period.pk)
    if current.status != Period.Status.CLOSED:
        raise ValidationError(f"{label(current.month)}尚未结算：结算前请修改考核事实并重新计算，不用调整。")
    points = _decimal(points, field="points", what="调整分数", limit=POINTS_LIMIT)
    amount = _decimal(amount, field="amount", what="调整金额", limit=AMOUNT_LIMIT)
    if not points and not amount:
        raise ValidationError("调整分数和调整金额不能都为 0。")
    reason = _text(reason, field="reason", what="调整原因", limit=500)
    if person is None or not (Scorecard.objects.filter(period=current, user=person).exists()
                              or Membership.objects.filter(center=center, user=person).exists()):
        raise ValidationError({"user": ["这个人不在本中心。"]})
    adjustment = Adjustment.objects.create(center=center, period=current, user=person, points=points, amount=amount,
                                           reason=reason, created_by=user)
    record("appraisal.adjust", actor=user, center=center, obj=adjustment,
           after={"user": person.pk, "points": str(points), "amount": str(amount), "reason": reason})
    notify(center=center, recipients=[person], title=f"您{label(current.month)}的绩效有一笔结算后调整",
           body=f"分数 {points:+}，金额 {amount:+} 元。原因：{reason}"[:500])
    return adjustment


def adjustments_of(period: Period, person=None):
    """The adjustments of a closed month (of one person when given), newest first."""
    rows = Adjustment.objects.filter(period=period).select_related("user", "created_by")
    return rows.filter(user=person) if person is not None else rows
