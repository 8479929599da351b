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
from rongmei.core.validators import is_safe_url
from rongmei.distribution import secrets
from rongmei.distribution.models import AccountGroup, ChannelAccount, OutboxMessage, Publication
from rongmei.newsroom.models import Story
from rongmei.review.selectors import is_signed_off, signed_off_channels, signed_off_hash

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
    # Short-video platforms post the story's video version with the short-video caption.
    ChannelAccount.Kind.DOUYIN: "short_video",
    ChannelAccount.Kind.KUAISHOU: "short_video",
    ChannelAccount.Kind.CHANNELS: "short_video",
    ChannelAccount.Kind.TOUTIAO: "web",
    ChannelAccount.Kind.XUEXI: "web",
    ChannelAccount.Kind.PROVINCE: "web",
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


def _require_reviewed_channels(story: Story, needed: set[str]) -> None:
    """Only signed-off versions publish: each channel version the chosen accounts need must
    exist and must have been in the review that signed the story off."""
    from rongmei.newsroom.models import Rendition

    labels = dict(Rendition.Channel.choices)
    have = set(story.renditions.values_list("channel", flat=True))
    missing = sorted(needed - have)
    if missing:
        raise ValidationError(f"缺少渠道稿：{'、'.join(labels.get(c, c) for c in missing)}。请先生成并送审。")
    unreviewed = sorted(needed - signed_off_channels(story))
    if unreviewed:
        raise ValidationError(f"这些渠道稿没有经过审核签发：{'、'.join(labels.get(c, c) for c in unreviewed)}。"
                              "请把它们一并送审，签发后再发布。")


class PreflightRefused(ValidationError):
    """The pre-flight refusal: the summary lines (what the screen says) and, for the API,
    the messages per chosen account id (`by_account`)."""

    def __init__(self, lines: list[str], by_account: dict[int, list[str]]):
        super().__init__(lines)
        self.by_account = by_account


def _require_preflight(story: Story, accounts: list[ChannelAccount]) -> None:
    """Nothing is sent when a chosen account would refuse it (the same check the publish
    screen shows, `preflight.for_publish`): said now, not after publishing."""
    from rongmei.distribution import preflight

    problems = [p for p in preflight.for_publish(story, accounts) if p.blocking]
    if problems:
        lines = preflight.summarize(problems)
        by_account: dict[int, list[str]] = {}
        for account in accounts:
            for problem in problems:
                if problem.account == account.name and problem.channel == CHANNEL_FOR_KIND[account.kind]:
                    by_account.setdefault(account.pk, []).append(problem.message)
        raise PreflightRefused(["发布前检查未通过，没有发出任何内容。" + lines[0], *lines[1:]], by_account)


@transaction.atomic
def publish(*, story: Story, user: User, account_ids=(), group_ids=(), scheduled_at: dt.datetime | None = None) -> list[Publication]:
    """Publish the signed-off content to every chosen account, now or at `scheduled_at`
    (never before the story's embargo). Asking again for an account that already has (or
    is getting) this content sends nothing twice; one whose delivery was cancelled gets it."""
    story = Story.objects.select_for_update().get(pk=story.pk)
    if not is_signed_off(story):
        raise ValidationError("只有已签发、且签发后未改动的稿件才能发布。")
    accounts = _accounts(story.center, account_ids, group_ids)
    _require_reviewed_channels(story, {CHANNEL_FOR_KIND[a.kind] for a in accounts})
    _require_preflight(story, accounts)
    now = timezone.now()
    when = max(filter(None, [scheduled_at, story.embargo_until, now]))
    digest = signed_off_hash(story)
    # One read of what exists and one insert of what does not (a fan-out to 220 accounts was
    # 220 get_or_create round trips). The story row is locked above, so no other publish of
    # it runs meanwhile; the unique constraint still guards (story, account, content).
    existing = {p.account_id: p for p in Publication.objects.filter(story=story, content_hash=digest,
                                                                  account__in=[a.pk for a in accounts])}
    fresh = Publication.objects.bulk_create([
        Publication(story=story, account=account, content_hash=digest, center=story.center,
                    channel=CHANNEL_FOR_KIND[account.kind], story_version=story.version,
                    status=Publication.Status.SCHEDULED if when > now else Publication.Status.QUEUED,
                    scheduled_at=when if when > now else None, created_by=user)
        for account in accounts if account.pk not in existing])
    created_for = {p.account_id: p for p in fresh}
    made, messages = [], []
    for account in accounts:
        created = account.pk in created_for
        publication = created_for[account.pk] if created else existing[account.pk]
        key = f"p{publication.pk}-a{account.pk}-v{story.version}-publish"
        if not created:
            if publication.status != Publication.Status.CANCELLED:
                continue
            # Cancelled before it reached the platform (a schedule called off, a takedown of
            # a queued post): asking again sends it, as a new delivery of the same publication.
            again = OutboxMessage.objects.filter(publication=publication).count()
            key = f"{key}-r{again}"
            Publication.objects.filter(pk=publication.pk).update(
                status=Publication.Status.SCHEDULED if when > now else Publication.Status.QUEUED,
                scheduled_at=when if when > now else None, last_error="", next_attempt_at=None)
            publication.refresh_from_db()
        messages.append(OutboxMessage(publication=publication, account=account, action=OutboxMessage.Action.PUBLISH,
                                      idempotency_key=key, available_at=when))
        made.append(publication)
    OutboxMessage.objects.bulk_create(messages)
    record("distribution.publish", actor=user, center=story.center, obj=story,
           after={"accounts": [p.account_id for p in made], "at": when.isoformat()})
    return made


def _untouched(publication: Publication):
    from rongmei.distribution.selectors import untouched_publishes

    return untouched_publishes(publication)


@transaction.atomic
def take_down(*, story: Story, user: User, reason: str, notice: str = "") -> int:
    """撤稿 everywhere the story may be: deliveries that never reached a platform are
    cancelled; every other account — sent, failed, still publishing, outcome unknown — gets
    a takedown delivery (delete where the platform allows it, a notice where not), which the
    worker runs after the publish has settled. Pressing it again retries takedowns that
    failed, until the platform confirms.

    `reason` is the internal note (the audit log and the board keep it); `notice` is the
    optional public notice, the only words that reach readers and outlets (the own site's
    410 page shows a default when it is empty)."""
    from rongmei.distribution.selectors import never_reached

    reason, notice = (reason or "").strip(), (notice or "").strip()
    if not reason:
        raise ValidationError("请写明撤稿的内部说明（为什么撤），它记入审计日志，不对外公开。")
    if len(reason) > 500:
        raise ValidationError("内部说明不能超过 500 字。")
    if len(notice) > 200:
        raise ValidationError("公开说明不能超过 200 字，读者看到的是一两句话。")
    count = 0
    now = timezone.now()
    for publication in Publication.objects.select_for_update().filter(story=story).exclude(
            status__in=[Publication.Status.TAKEN_DOWN, Publication.Status.CANCELLED]):
        if never_reached(publication):
            _untouched(publication).update(status=OutboxMessage.Status.CANCELLED)
            Publication.objects.filter(pk=publication.pk).update(status=Publication.Status.CANCELLED)
            continue
        message, created = OutboxMessage.objects.get_or_create(
            idempotency_key=f"p{publication.pk}-a{publication.account_id}-takedown",
            defaults={"publication": publication, "account_id": publication.account_id,
                      "action": OutboxMessage.Action.TAKEDOWN, "available_at": now,
                      "progress": {"reason": notice}})
        if not created and message.status in (OutboxMessage.Status.DEAD, OutboxMessage.Status.DONE,
                                              OutboxMessage.Status.CANCELLED):
            OutboxMessage.objects.filter(pk=message.pk).update(
                status=OutboxMessage.Status.PENDING, attempts=0, available_at=now, last_error="", done_at=None,
                progress={**(message.progress or {}), "reason": notice})
        Publication.objects.filter(pk=publication.pk).update(status=Publication.Status.TAKING_DOWN, last_error="",
                                                             takedown_note=reason, takedown_notice=notice)
        count += 1
    record("distribution.takedown", actor=user, center=story.center, obj=story,
           after={"note": reason, "notice": notice, "outlets": count})
    return count


@transaction.atomic
def correct(*, story: Story, user: User, note: str) -> int:
    """更正 everywhere the story is live. The corrected text must have been signed off again
    (the review road is the same as for the first version); each outlet then gets it in its
    own way: the own site and subscribers are updated with the notice, WeChat and Weibo get
    the corrected piece with 【更正】 in place of the original (they cannot edit a post), the
    newspaper and mail desks get a correction notice, assisted accounts a task."""
    note = (note or "").strip()
    if not note:
        raise ValidationError("更正必须写明更正了什么，它会出现在更正说明里。")
    if len(note) > 500:
        raise ValidationError("更正说明不能超过 500 字。")
    story = Story.objects.select_for_update().get(pk=story.pk)
    if not is_signed_off(story):
        raise ValidationError("更正后的稿件需要重新签发，签发后才能发出更正。")
    digest = signed_off_hash(story)
    live = list(Publication.objects.select_for_update().filter(
        story=story, status__in=[Publication.Status.SENT, Publication.Status.CORRECTED]).select_related("account"))
    if not live:
        raise ValidationError("这篇稿件还没有已发布的渠道，无需更正；直接发布即可。", code="conflict")
    count = 0
    now = timezone.now()
    for publication in live:
        if publication.content_hash == digest:
            continue  # this outlet already carries the signed-off text
        key = f"p{publication.pk}-a{publication.account_id}-v{story.version}-correct"
        _, created = OutboxMessage.objects.get_or_create(
            idempotency_key=key,
            defaults={"publication": publication, "account_id": publication.account_id,
                      "action": OutboxMessage.Action.CORRECT, "available_at": now,
                      "progress": {"reason": note, "replaces": publication.remote_id}})
        if created:
            Publication.objects.filter(pk=publication.pk).update(
                content_hash=digest, story_version=story.version, correction_note=note, updated_at=now)
            count += 1
    if not count:
        raise ValidationError("各渠道已经是签发后的最新内容，没有需要更正的。", code="conflict")
    record("distribution.correct", actor=user, center=story.center, obj=story, after={"note": note, "outlets": count})
    return count


def may_confirm(user: User, publication: Publication) -> bool:
    """Who may say "done by hand": the account's responsible person or an operator."""
    return publication.account.responsible_id == user.pk or user.has_perm("distribution.publish", publication.center)


@transaction.atomic
def confirm_handoff(*, publication: Publication, user: User, url: str = "") -> Publication:
    """The person responsible for an account without an API did what the package asked
    ("已发布，链接是……", "已删除", "已更正") and says so; the link is required for a post."""
    publication = Publication.objects.select_for_update().select_related("account").get(pk=publication.pk)
    if publication.status != Publication.Status.AWAITING or not publication.handoff:
        raise ValidationError("这条发布不在等待人工确认。", code="conflict")
    if not may_confirm(user, publication):
        raise ValidationError("只有该账号的负责人或运营人员可以确认。")
    url = (url or "").strip()
    action = publication.handoff
    if action != OutboxMessage.Action.TAKEDOWN:
        if not url:
            raise ValidationError("请填写发出后的文章链接，便于核对和统计。")
        if not is_safe_url(url) or len(url) > 500:
            raise ValidationError("链接只能以 http:// 或 https:// 开头，且不超过 500 个字符。")
    now = timezone.now()
    status = {OutboxMessage.Action.PUBLISH: Publication.Status.SENT,
              OutboxMessage.Action.CORRECT: Publication.Status.CORRECTED,
              OutboxMessage.Action.TAKEDOWN: Publication.Status.TAKEN_DOWN}[action]
    Publication.objects.filter(pk=publication.pk).update(
        status=status, handoff="", remote_url=url or publication.remote_url, updated_at=now,
        sent_at=now if action == OutboxMessage.Action.PUBLISH else publication.sent_at,
        corrected_at=now if action == OutboxMessage.Action.CORRECT else publication.corrected_at)
    if action == OutboxMessage.Action.PUBLISH:
        from rongmei.distribution.outbox import mark_account_posted

        mark_account_posted(publication.account_id, now)
    from rongmei.distribution.outbox import emit_publication_event

    emit_publication_event(publication.pk, publication.center_id,
                           {Publication.Status.SENT: "publication.sent",
                            Publication.Status.TAKEN_DOWN: "publication.taken_down"}.get(status))
    record("distribution.confirm", actor=user, center=publication.center, obj=publication,
           after={"action": action, "url": url})
    publication.refresh_from_db()
    return publication


@transaction.atomic
def resend(*, publication: Publication, user: User) -> OutboxMessage:
    """Try a failed delivery again (the operator's 重发)."""
    publication = Publication.objects.select_for_update().get(pk=publication.pk)
    if publication.status != Publication.Status.FAILED:
        raise ValidationError("只有发布失败的才能重发。", code="conflict")
    dead = publication.messages.filter(status=OutboxMessage.Status.DEAD).order_by("-id").first()
    if dead is None:
        raise ValidationError("没有可重发的发送记录。", code="conflict")
    OutboxMessage.objects.filter(pk=dead.pk).update(status=OutboxMessage.Status.PENDING, attempts=0,
                                                    available_at=timezone.now(), last_error="")
    Publication.objects.filter(pk=publication.pk).update(
        status=Publication.Status.TAKING_DOWN if dead.action == OutboxMessage.Action.TAKEDOWN
        else Publication.Status.QUEUED, last_error="")
    record("distribution.resend", actor=user, center=publication.center, obj=publication)
    return dead


@transaction.atomic
def cancel(*, publication: Publication, user: User) -> None:
    """Stop a delivery that has not reached the platform yet (one that may have is settled
    and then taken down with 撤稿)."""
    cancelled = _untouched(publication).update(status=OutboxMessage.Status.CANCELLED)
    if not cancelled:
        raise ValidationError("这条已经发往平台（或结果还在核实），不能取消；请用撤稿，系统会先核实再删除。",
                              code="conflict")
    Publication.objects.filter(pk=publication.pk).update(status=Publication.Status.CANCELLED)
    record("distribution.cancel", actor=user, center=publication.center, obj=publication)


# What an account of each kind needs, beyond the model's own checks: the account form (the
# screen) and the API both ask `account_rules` (the API through `strict=True`). Services
# called from code (demo data, tests, imports) may make an account the form would not
# (an assisted account nobody answers for yet: its packages go to the operators).
_BASE_SCHEMES = {"http_push": ("http://", "https://"), "email": ("smtp://", "smtps://"),
                 "newspaper": ("sftp://", "ftp://"), "wechat": ("http://", "https://"), "weibo": ("http://", "https://"),
                 "douyin": ("http://", "https://"), "kuaishou": ("http://", "https://"),
                 "province": ("http://", "https://")}
_SECRET_WORDS = ("secret", "password", "token")


def account_rules(*, kind: str, base_url: str = "", options=None, responsible=None) -> dict[str, list[str]]:
    """Field → Chinese messages for what the account form refuses (empty when all is well)."""
    errors: dict[str, list[str]] = {}
    base = (base_url or "").strip()
    if base and kind in _BASE_SCHEMES and not base.startswith(_BASE_SCHEMES[kind]):
        errors.setdefault("base_url", []).append(f"地址应以 {' 或 '.join(_BASE_SCHEMES[kind])} 开头。")
    if kind in ("http_push", "email", "newspaper") and not base:
        errors.setdefault("base_url", []).append("这一类型的账号必须填写接口地址。")
    if isinstance(options, dict):
        if any(word in str(key).lower() for key in options for word in _SECRET_WORDS if key != "callback_token"):
            errors.setdefault("options", []).append("密钥、密码和 token 请填在“密钥”一栏，它会加密保存；设置里不要放。")
        elif kind == "wechat" and not options.get("appid"):
            errors.setdefault("options", []).append('微信账号需要在设置里填写 appid，例如 {"appid": "wx123"}。')
    if kind in ASSISTED_KINDS and not responsible:
        errors.setdefault("responsible", []).append("无接口账号必须指定负责人，由他手工代发并确认。")
    # -- 17:PV --
    if kind == "province" and not base:
        errors.setdefault("base_url", []).append("省级技术平台账号必须填写省平台的接收地址（http(s)）。")
    if kind in _REQUIRED_OPTIONS and isinstance(options, dict) and "options" not in errors:
        missing = [key for key in _REQUIRED_OPTIONS[kind] if not str(options.get(key) or "").strip()]
        if missing:
            example = ", ".join(f'"{key}": "…"' for key in _REQUIRED_OPTIONS[kind])
            errors.setdefault("options", []).append(f"{dict(ChannelAccount.Kind.choices)[kind]}账号需要在设置里填写 "
                                                    f"{'、'.join(missing)}，例如 {{{example}}}。")
    return errors


# Accounts without a usable publishing API: the package and the hand-post confirmation.
ASSISTED_KINDS = ("assisted", "channels", "toutiao", "xuexi")
_REQUIRED_OPTIONS = {"douyin": ("client_key", "open_id"), "kuaishou": ("app_id", "open_id")}


def _full_clean(account: ChannelAccount, strict: bool) -> None:
    """The model's checks, with `strict` the account form's rules too, all said at once."""
    errors = account_rules(kind=account.kind, base_url=account.base_url, options=account.options,
                           responsible=account.responsible_id) if strict else {}
    try:
        account.full_clean()
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            errors.setdefault(field, []).extend(m for m in messages if m not in errors.get(field, []))
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def create_account(*, center: Center, user: User | None, kind: str, name: str, secret: str = "", groups=(),
                   strict: bool = False, **fields) -> ChannelAccount:
    """A new account; `strict` also applies the account form's rules per kind (`account_rules`)."""
    account = ChannelAccount(center=center, kind=kind, name=name.strip(), secret=secrets.encrypt(secret), **fields)
    if kind == ChannelAccount.Kind.PROVINCE:  # -- 17:PV -- where the province sends its receipts
        from rongmei.distribution.province import new_callback_key

        account.callback_key = new_callback_key()
    _full_clean(account, strict)
    account.save()
    if groups:
        account.groups.set(groups)
    record("account.create", actor=user, center=center, obj=account,
           after={"kind": kind, "name": account.name, "secret_set": bool(secret)})
    return account


# Fields an operator may change on an account; the secret only by entering a new one.
ACCOUNT_FIELDS = ("name", "owner", "area", "department", "responsible", "leader", "base_url", "options", "is_active")


@transaction.atomic
def update_account(*, account: ChannelAccount, user: User, secret: str = "", clear_secret: bool = False,
                   groups=None, strict: bool = False, **fields) -> ChannelAccount:
    """Change an account. The stored secret is kept unless a new one is entered (it is never
    sent back to the screen) or the operator clears it; the audit log records only that it
    changed, never the value. `strict` applies the account form's rules to the result."""
    account = ChannelAccount.objects.select_for_update().get(pk=account.pk)
    before = {f: _plain(getattr(account, f)) for f in fields if f in ACCOUNT_FIELDS}
    for name, value in fields.items():
        if name not in ACCOUNT_FIELDS:
            raise ValueError(f"不能修改字段 {name}")
        setattr(account, name, value.strip() if isinstance(value, str) else value)
    if secret:
        account.secret = secrets.encrypt(secret)
    elif clear_secret:
        account.secret = ""
    _full_clean(account, strict)
    account.save()
    if groups is not None:
        account.groups.set(groups)
    after = {f: _plain(getattr(account, f)) for f in before}
    changed = {f: after[f] for f in after if after[f] != before[f]}
    if secret or clear_secret:
        changed["secret"] = "已更换" if secret else "已清除"
    record("account.update", actor=user, center=account.center, obj=account,
           before={f: before[f] for f in changed if f in before}, after=changed)
    return account


def _plain(value):
    return getattr(value, "pk", value)


@transaction.atomic
def create_group(*, center: Center, user: User, name: str) -> AccountGroup:
    name = (name or "").strip()
    if not name:
        raise ValidationError("请填写分组名称。")
    if AccountGroup.objects.filter(center=center, name=name).exists():
        raise ValidationError(f"分组“{name}”已存在。")
    group = AccountGroup.objects.create(center=center, name=name)
    record("account.group_create", actor=user, center=center, obj=group, after={"name": name})
    return group


@transaction.atomic
def set_group_accounts(*, group: AccountGroup, user: User, account_ids) -> AccountGroup:
    """Replace a group's members (the API's counterpart of ticking groups on each account):
    every id must be an account of the group's center."""
    group = AccountGroup.objects.select_for_update().get(pk=group.pk)
    wanted = set(account_ids)
    accounts = list(ChannelAccount.objects.filter(center=group.center, pk__in=wanted))
    if len(accounts) != len(wanted):
        raise ValidationError({"account_ids": ["有账号不存在或不属于本中心。"]})
    before = sorted(group.accounts.values_list("pk", flat=True))
    group.accounts.set(accounts)
    after = sorted(a.pk for a in accounts)
    if before != after:
        record("account.group_members", actor=user, center=group.center, obj=group,
               before={"accounts": before}, after={"accounts": after})
    return group


@transaction.atomic
def move_in_rundown(*, publication: Publication, user: User, direction: str) -> None:
    """Move a bulletin item one place up or down in its day's rundown."""
    from rongmei.distribution import selectors

    day = selectors.air_date(publication)
    rows = list(selectors.rundown_publications(publication.account, day).filter(status__in=selectors.LIVE)
                .select_for_update().order_by("position", "pk"))
    index = next((i for i, p in enumerate(rows) if p.pk == publication.pk), None)
    if index is None:
        raise ValidationError("这条不在串联单上。")
    other = index - 1 if direction == "up" else index + 1
    if not 0 <= other < len(rows):
        raise ValidationError("已经在最前面了。" if direction == "up" else "已经在最后面了。")
    rows[index], rows[other] = rows[other], rows[index]
    for number, row in enumerate(rows, 1):
        if row.position != number:
            Publication.objects.filter(pk=row.pk).update(position=number)
    record("distribution.rundown_move", actor=user, center=publication.center, obj=publication,
           after={"direction": direction, "date": day.isoformat()})


def wechat_publish_finished(*, account: ChannelAccount, publish_id: str) -> int:
    """WeChat's PUBLISHJOBFINISH event: the delivery waiting on this publish job is due now,
    so the worker asks freepublish/get at once instead of at its next poll. The worker stays
    the only writer of the outcome, so a callback and a poll cannot race."""
    return OutboxMessage.objects.filter(account=account, status=OutboxMessage.Status.PENDING,
                                        progress__publish_id=str(publish_id)).update(available_at=timezone.now())
