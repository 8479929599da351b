"""Matrix health: accounts that have not posted for a while are chased — the operators when
the account's kind says it is quiet too long (`selectors.stale_rule`: 3 days for short
video, 7 for WeChat, 10 for a village account without an API …), the account's leader two
days later (all configurable), once per quiet spell."""

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
                   body="请完成后在页面上确认。", url=f"/distribution/publications/{publication.pk}/handoff/",
                   event="handoff", urgent=bool(escalate))
            record("distribution.handoff_chase", actor=None, center=publication.center, obj=publication,
                   after={"hours": waited, "leader": bool(escalate)})
            counts["chased"] += 1
    return counts


def chase_stale_accounts(now: dt.datetime | None = None) -> dict[str, int]:
    """久未更新: each account by its kind's rule (`selectors.stale_rule`: 3 days for 抖音, 快手,
    视频号 and 微博, 7 for 公众号 …, never for the newspaper desk), the operators and its
    responsible person first, its leader `selectors.escalate_after()` days later; once per
    quiet spell (a post clears both marks)."""
    now = now or timezone.now()
    later = selectors.escalate_after()
    counts = {"warned": 0, "escalated": 0}
    for center in Center.objects.filter(is_active=True):
        for account in selectors.stale_by_rule(center, now).filter(stale_warned_at__isnull=True):
            days = selectors.stale_rule(account.kind, account.options)
            with transaction.atomic():
                if ChannelAccount.objects.filter(pk=account.pk, stale_warned_at__isnull=True).update(stale_warned_at=now):
                    people = _operators(center) + ([account.responsible] if account.responsible else [])
                    notify(center=center, recipients=list({u.pk: u for u in people}.values()),
                           title=f"账号久未更新：{account.name}", body=f"已超过 {days} 天没有发布。",
                           url="/distribution/")
                    record("account.stale_warn", actor=None, center=center, obj=account, after={"days": days})
                    counts["warned"] += 1
        for account in selectors.stale_by_rule(center, now, extra_days=later).filter(stale_escalated_at__isnull=True):
            days = selectors.stale_rule(account.kind, account.options) + later
            with transaction.atomic():
                if ChannelAccount.objects.filter(pk=account.pk, stale_escalated_at__isnull=True).update(stale_escalated_at=now):
                    if account.leader:
                        notify(center=center, recipients=[account.leader], title=f"请督促：{account.name} 已 {days} 天未更新",
                               body=f"负责人：{account.responsible or '未指定'}", url="/distribution/")
                    record("account.stale_escalate", actor=None, center=center, obj=account, after={"days": days})
                    counts["escalated"] += 1
    return counts
