"""Matrix health: accounts that have not posted for a while are chased — the operators at
day 10, the account's responsible leader at day 12 (both configurable), once per quiet spell."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone

from rongmei.core.models import Center, User
from rongmei.core.services import notify, record
from rongmei.distribution import selectors
from rongmei.distribution.models import ChannelAccount, Publication


def _days(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def _operators(center: Center) -> list[User]:
    return list(User.objects.filter(memberships__center=center, memberships__role="operator", is_active=True).distinct())


def handoff_people(account: ChannelAccount) -> list[User]:
    """Who does the hand work for an account without an API: its responsible person, or
    the center's operators when nobody is named."""
    if account.responsible_id and account.responsible.is_active:
        return [account.responsible]
    return _operators(account.center)


def chase_handoffs(now: dt.datetime | None = None) -> dict[str, int]:
    """Hand work not confirmed within RONGMEI_HANDOFF_CHASE_HOURS (default 24) is chased
    again every such period; past twice that, the account's leader is told as well."""
    now = now or timezone.now()
    hours = int(getattr(settings, "RONGMEI_HANDOFF_CHASE_HOURS", 24))
    due = now - dt.timedelta(hours=hours)
    counts = {"chased": 0, "escalated": 0}
    waiting = Publication.objects.filter(status=Publication.Status.AWAITING, updated_at__lt=due).filter(
        models.Q(chased_at__isnull=True) | models.Q(chased_at__lt=due)).select_related("account", "story", "center")
    for publication in waiting:
        with transaction.atomic():
            if not Publication.objects.filter(pk=publication.pk, status=Publication.Status.AWAITING).filter(
                    models.Q(chased_at__isnull=True) | models.Q(chased_at__lt=due)).update(chased_at=now):
                continue
            account = publication.account
            waited = int((now - publication.updated_at).total_seconds() // 3600)
            people = handoff_people(account)
            escalate = waited >= 2 * hours and account.leader_id
            if escalate:
                people = list({u.pk: u for u in people + [account.leader]}.values())
                counts["escalated"] += 1
            notify(center=publication.center, recipients=people,
                   title=f"催办：{account.name}《{publication.story.headline}》已等待 {waited} 小时"[:200],
                   body="请完成后在页面上确认。", url=f"/distribution/publications/{publication.pk}/handoff/")
            record("distribution.handoff_chase", actor=None, center=publication.center, obj=publication,
                   after={"hours": waited, "leader": bool(escalate)})
            counts["chased"] += 1
    return counts


def chase_stale_accounts(now: dt.datetime | None = None) -> dict[str, int]:
    now = now or timezone.now()
    warn_days = _days("RONGMEI_MATRIX_WARN_DAYS", 10)
    escalate_days = _days("RONGMEI_MATRIX_ESCALATE_DAYS", 12)
    counts = {"warned": 0, "escalated": 0}
    for center in Center.objects.filter(is_active=True):
        for account in selectors.stale_accounts(center, warn_days, now).filter(stale_warned_at__isnull=True):
            with transaction.atomic():
                if ChannelAccount.objects.filter(pk=account.pk, stale_warned_at__isnull=True).update(stale_warned_at=now):
                    people = _operators(center) + ([account.responsible] if account.responsible else [])
                    notify(center=center, recipients=list({u.pk: u for u in people}.values()),
                           title=f"账号久未更新：{account.name}", body=f"已超过 {warn_days} 天没有发布。",
                           url="/distribution/")
                    record("account.stale_warn", actor=None, center=center, obj=account, after={"days": warn_days})
                    counts["warned"] += 1
        for account in selectors.stale_accounts(center, escalate_days, now).filter(stale_escalated_at__isnull=True):
            with transaction.atomic():
                if ChannelAccount.objects.filter(pk=account.pk, stale_escalated_at__isnull=True).update(stale_escalated_at=now):
                    if account.leader:
                        notify(center=center, recipients=[account.leader], title=f"请督促：{account.name} 已 {escalate_days} 天未更新",
                               body=f"负责人：{account.responsible or '未指定'}", url="/distribution/")
                    record("account.stale_escalate", actor=None, center=center, obj=account, after={"days": escalate_days})
                    counts["escalated"] += 1
    return counts
