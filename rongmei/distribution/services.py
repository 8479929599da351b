"""一键分发: publish a signed-off story to accounts and groups in one action; take down or
correct it everywhere it reached. Publications and their outbox messages are written in
one transaction; the workers do the rest."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from rongmei.core.models import Center, User
from rongmei.core.services import record
from rongmei.distribution import secrets
from rongmei.distribution.models import AccountGroup, ChannelAccount, OutboxMessage, Publication
from rongmei.newsroom.models import Story
from rongmei.review.selectors import is_signed_off, signed_off_hash

# Which rendition each kind of account publishes.
CHANNEL_FOR_KIND = {
    ChannelAccount.Kind.OWN_SITE: "web",
    ChannelAccount.Kind.HTTP_PUSH: "web",
    ChannelAccount.Kind.WECHAT: "wechat",
    ChannelAccount.Kind.WEIBO: "weibo",
    ChannelAccount.Kind.EMAIL: "web",
    ChannelAccount.Kind.NEWSPAPER: "newspaper",
    ChannelAccount.Kind.BROADCAST: "radio",
    ChannelAccount.Kind.ASSISTED: "wechat",
}


def _accounts(center: Center, account_ids, group_ids) -> list[ChannelAccount]:
    chosen = {a.pk: a for a in ChannelAccount.objects.filter(center=center, pk__in=list(account_ids), is_active=True)}
    if len(chosen) != len(set(account_ids)):
        raise ValidationError("有账号不存在、已停用或不属于本中心。")
    groups = list(AccountGroup.objects.filter(center=center, pk__in=list(group_ids)).prefetch_related("accounts"))
    if len(groups) != len(set(group_ids)):
        raise ValidationError("有账号分组不存在或不属于本中心。")
    for group in groups:
        for account in group.accounts.all():
            if account.is_active:
                chosen.setdefault(account.pk, account)
    if not chosen:
        raise ValidationError("请至少选择一个账号或分组。")
    return sorted(chosen.values(), key=lambda a: a.pk)


@transaction.atomic
def publish(*, story: Story, user: User, account_ids=(), group_ids=(), scheduled_at: dt.datetime | None = None) -> list[Publication]:
    """Publish the signed-off content to every chosen account, now or at `scheduled_at`
    (never before the story's embargo). Asking again for an account that already has (or
    is getting) this content sends nothing twice."""
    story = Story.objects.select_for_update().get(pk=story.pk)
    if not is_signed_off(story):
        raise ValidationError("只有已签发、且签发后未改动的稿件才能发布。")
    accounts = _accounts(story.center, account_ids, group_ids)
    have = set(story.renditions.values_list("channel", flat=True))
    missing = sorted({CHANNEL_FOR_KIND[a.kind] for a in accounts} - have)
    if missing:
        raise ValidationError(f"缺少渠道稿：{'、'.join(missing)}。请先生成并送审。")
    now = timezone.now()
    when = max(filter(None, [scheduled_at, story.embargo_until, now]))
    digest = signed_off_hash(story)
    made = []
    for account in accounts:
        publication, created = Publication.objects.get_or_create(
            story=story, account=account, content_hash=digest,
            defaults={"center": story.center, "channel": CHANNEL_FOR_KIND[account.kind], "story_version": story.version,
                      "status": Publication.Status.SCHEDULED if when > now else Publication.Status.QUEUED,
                      "scheduled_at": when if when > now else None, "created_by": user})
        if not created:
            continue
        OutboxMessage.objects.create(publication=publication, account=account, action=OutboxMessage.Action.PUBLISH,
                                     idempotency_key=f"p{publication.pk}-a{account.pk}-v{story.version}-publish",
                                     available_at=when)
        made.append(publication)
    record("distribution.publish", actor=user, center=story.center, obj=story,
           after={"accounts": [p.account_id for p in made], "at": when.isoformat()})
    return made


@transaction.atomic
def take_down(*, story: Story, user: User, reason: str) -> int:
    """撤稿 everywhere the story reached: queued deliveries are cancelled, sent ones get a
    takedown delivery (delete where the platform allows it, a notice where not)."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError("撤稿必须写明原因，它会出现在撤稿说明里。")
    count = 0
    for publication in Publication.objects.select_for_update().filter(story=story).exclude(
            status__in=[Publication.Status.TAKEN_DOWN, Publication.Status.CANCELLED]):
        pending = OutboxMessage.objects.filter(publication=publication, action=OutboxMessage.Action.PUBLISH,
                                               status=OutboxMessage.Status.PENDING, in_flight=False)
        if pending.update(status=OutboxMessage.Status.CANCELLED):
            Publication.objects.filter(pk=publication.pk).update(status=Publication.Status.CANCELLED)
            continue
        if publication.status == Publication.Status.FAILED:
            continue
        OutboxMessage.objects.get_or_create(
            idempotency_key=f"p{publication.pk}-a{publication.account_id}-takedown",
            defaults={"publication": publication, "account_id": publication.account_id,
                      "action": OutboxMessage.Action.TAKEDOWN, "available_at": timezone.now(),
                      "progress": {"reason": reason}})
        Publication.objects.filter(pk=publication.pk).update(status=Publication.Status.TAKING_DOWN)
        count += 1
    record("distribution.takedown", actor=user, center=story.center, obj=story, after={"reason": reason, "outlets": count})
    return count


@transaction.atomic
def resend(*, publication: Publication, user: User) -> OutboxMessage:
    """Try a failed delivery again (the operator's 重发)."""
    publication = Publication.objects.select_for_update().get(pk=publication.pk)
    if publication.status != Publication.Status.FAILED:
        raise ValidationError("只有发布失败的才能重发。")
    dead = publication.messages.filter(status=OutboxMessage.Status.DEAD).order_by("-id").first()
    if dead is None:
        raise ValidationError("没有可重发的发送记录。")
    OutboxMessage.objects.filter(pk=dead.pk).update(status=OutboxMessage.Status.PENDING, attempts=0,
                                                    available_at=timezone.now(), last_error="")
    Publication.objects.filter(pk=publication.pk).update(status=Publication.Status.QUEUED, last_error="")
    record("distribution.resend", actor=user, center=publication.center, obj=publication)
    return dead


@transaction.atomic
def cancel(*, publication: Publication, user: User) -> None:
    """Stop a delivery that has not been sent yet."""
    cancelled = OutboxMessage.objects.filter(publication=publication, status=OutboxMessage.Status.PENDING,
                                             in_flight=False).update(status=OutboxMessage.Status.CANCELLED)
    if not cancelled:
        raise ValidationError("已经在发送或已发送，不能取消；已发送的请用撤稿。")
    Publication.objects.filter(pk=publication.pk).update(status=Publication.Status.CANCELLED)
    record("distribution.cancel", actor=user, center=publication.center, obj=publication)


@transaction.atomic
def create_account(*, center: Center, user: User | None, kind: str, name: str, secret: str = "", **fields) -> ChannelAccount:
    account = ChannelAccount(center=center, kind=kind, name=name.strip(), secret=secrets.encrypt(secret), **fields)
    account.full_clean()
    account.save()
    record("account.create", actor=user, center=center, obj=account, after={"kind": kind, "name": account.name})
    return account
