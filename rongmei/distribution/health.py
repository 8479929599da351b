"""Matrix health: accounts that have not posted for a while are chased — the operators at
day 10, the account's responsible leader at day 12 (both configurable), once per quiet spell."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from rongmei.core.models import Center, User
from rongmei.core.services import notify, record
from rongmei.distribution import selectors
from rongmei.distribution.models import ChannelAccount


def _days(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def _operators(center: Center) -> list[User]:
    return list(User.objects.filter(memberships__center=center, memberships__role="operator", is_active=True).distinct())


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
