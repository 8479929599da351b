"""The changes people make on the notification screens (issue 17): a person's own choices
(which events reach them where, quiet hours, their 企业微信 / 钉钉 account), the center's
messaging channels (apps and desk group robots), and the admin's hand on the outbox
(retry a dead message, cancel one still waiting).

Why a module of its own: the messaging package (rongmei.core.messaging) is the machinery
that sends; this is what a person may change about it, with the same rules as every other
service — one transaction, one audit event, Chinese field errors, a version against
concurrent edits. The page, the API and the demo all call these functions.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from rongmei.core import audit_labels
from rongmei.core.messaging import events as catalogue
from rongmei.core.messaging.dispatch import absolute
from rongmei.core.messaging import secrets
from rongmei.core.models import Center, MessageChannel, MessageDelivery, NotifyPreference, OrgUnit, PersonChannel, User
from rongmei.core.services import record
from rongmei.core.validators import is_safe_url

#: Who runs the center's channels and reads its delivery log: the center admin, who already
#: keeps the center's organisation (the desks robots belong to).
PERMISSION = "core.manage_org"

# Channels a person can pick (the bell is always on: it is where every message is kept).
PERSON_CHANNELS = catalogue.PERSON_CHANNELS
OPTIONAL_CHANNELS = tuple(c for c in PERSON_CHANNELS if c != "bell")
# Which center channel kind carries a person's choice.
APP_KIND = {"wecom": MessageChannel.Kind.WECOM_APP, "dingtalk": MessageChannel.Kind.DINGTALK_APP}

USERID = re.compile(r"^[A-Za-z0-9_.@\-]{1,64}$")
TEST_EVENT = "test"

audit_labels.register({
    "notify.settings": "修改个人通知设置",
    "notify.test": "发送测试消息",
    "notify.channel_create": "新增消息渠道",
    "notify.channel_update": "修改消息渠道",
    "notify.channel_delete": "删除消息渠道",
    "notify.bind": "绑定人员的企业微信/钉钉账号",
    "notify.retry": "重发消息",
    "notify.cancel": "取消待发消息",
})
audit_labels.register_objects({
    "core.messagechannel": ("消息渠道", None),
    "core.messagedelivery": ("消息投递", lambda d: f"消息「{d.title[:40]}」→ {d.address_masked or d.kind}"),
    "core.personchannel": ("个人消息设置", lambda p: f"账号「{p.user.display_name or p.user.username}」的通知设置"),
})


class StaleVersion(ValidationError):
    """Someone saved the row since it was read (409 in the API, a form error on the page)."""

    message_text = "已被他人修改，请刷新页面后再改。"

    def __init__(self, current: int):
        super().__init__(self.message_text, code="stale")
        self.current = current


# --- A person's own settings ------------------------------------------------------------------

def person_channel(user: User, center: Center) -> PersonChannel:
    """The person's row in this center, or an unsaved one (nothing chosen yet)."""
    row = PersonChannel.objects.filter(center=center, user=user).first()
    return row or PersonChannel(center=center, user=user, version=0)


def preferences(user: User, center: Center) -> dict[str, dict]:
    """Every catalogued event: {"channels": [...], "default": bool} — the person's choice,
    else the event's default."""
    rows = {p.event: p.channels for p in NotifyPreference.objects.filter(center=center, user=user)}
    out = {}
    for code, (_label, defaults, _urgent) in catalogue.EVENTS.items():
        chosen = rows.get(code)
        channels = list(chosen) if chosen is not None else list(defaults)
        if "bell" not in channels:
            channels.insert(0, "bell")
        out[code] = {"channels": [c for c in PERSON_CHANNELS if c in channels], "default": chosen is None}
    return out


def available_channels(user: User, center: Center, pc: PersonChannel | None = None) -> dict[str, str]:
    """For each optional channel, "" when a message can reach the person there, else why not
    (shown beside the column, so nobody ticks a box that can never work)."""
    from django.conf import settings

    pc = pc or person_channel(user, center)
    active = set(MessageChannel.objects.filter(center=center, is_active=True).values_list("kind", flat=True))
    why = {}
    why["email"] = ("" if settings.EMAIL_ENABLED and user.email else
                    "本系统未配置邮件发送" if not settings.EMAIL_ENABLED else "您的账号没有邮箱地址")
    for channel, kind in APP_KIND.items():
        label = catalogue.CHANNEL_LABELS[channel]
        if kind not in active:
            why[channel] = f"本中心尚未开通{label}消息（请中心管理员在“消息渠道”中添加）"
        elif not getattr(pc, f"{channel}_userid"):
            why[channel] = f"请填写您的{label}账号（userid）"
        else:
            why[channel] = ""
    return why


def _clean_time(value, field: str, errors: dict) -> dt.time | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.time):
        return value.replace(second=0, microsecond=0)
    try:
        hour, minute = str(value).strip().split(":")[:2]
        return dt.time(int(hour), int(minute))
    except (ValueError, TypeError):
        errors.setdefault(field, []).append("时间格式应为 时:分，如 22:00。")
        return None


def _clean_userid(value: str | None, field: str, label: str, errors: dict) -> str:
    value = (value or "").strip()
    if value and not USERID.match(value):
        errors.setdefault(field, []).append(f"{label}账号（userid）只能是 1–64 位字母、数字和 _ . @ -，"
                                            "在管理后台的通讯录里可以查到。")
    return value


def _normal(channels) -> list[str]:
    return [c for c in PERSON_CHANNELS if c == "bell" or c in channels]


def clean_preferences(prefs: dict) -> dict[str, list[str]]:
    """{event: [channels]} checked against the catalogue; the bell is always added."""
    errors = {}
    out = {}
    for event, channels in (prefs or {}).items():
        if event not in catalogue.EVENTS:
            errors.setdefault("preferences", []).append(f"没有这种事件：{str(event)[:40]}。")
            continue
        channels = list(channels or [])
        unknown = [c for c in channels if c not in PERSON_CHANNELS]
        if unknown:
            errors.setdefault("preferences", []).append(
                f"“{catalogue.label(event)}”的渠道只能是：" + "、".join(f"{c}（{catalogue.CHANNEL_LABELS[c]}）" for c in PERSON_CHANNELS)
                + "。")
            continue
        out[event] = [c for c in PERSON_CHANNELS if c == "bell" or c in channels]
    if errors:
        raise ValidationError(errors)
    return out


def _pc_state(pc: PersonChannel) -> dict:
    return {"wecom": bool(pc.wecom_userid), "dingtalk": bool(pc.dingtalk_userid),
            "quiet": f"{pc.quiet_from:%H:%M}-{pc.quiet_to:%H:%M}" if pc.quiet_from and pc.quiet_to else ""}


@transaction.atomic
def save_settings(*, user: User, center: Center, actor: User, prefs: dict | None = None, quiet_from=None, quiet_to=None,
                  wecom_userid: str | None = None, dingtalk_userid: str | None = None,
                  version: int | None = None) -> PersonChannel:
    """Save one person's choices in one center. `prefs` None leaves them as they are; a
    userid None leaves it; quiet hours are both or neither (from 22:00 to 07:00 crosses
    midnight). `version` (as read) refuses a save over someone else's — the admin binding
    an account while the person edits their page."""
    errors: dict[str, list[str]] = {}
    cleaned = None
    if prefs is not None:
        try:
            cleaned = clean_preferences(prefs)
        except ValidationError as exc:
            errors.update(exc.message_dict)
    start = _clean_time(quiet_from, "quiet_from", errors)
    end = _clean_time(quiet_to, "quiet_to", errors)
    if "quiet_from" not in errors and "quiet_to" not in errors:
        if (start is None) != (end is None):
            errors["quiet_to" if start else "quiet_from"] = ["免打扰时段的开始和结束都要填写（或都留空）。"]
        elif start is not None and start == end:
            errors["quiet_to"] = ["免打扰的开始和结束不能是同一时刻。"]
    wecom = _clean_userid(wecom_userid, "wecom_userid", "企业微信", errors) if wecom_userid is not None else None
    ding = _clean_userid(dingtalk_userid, "dingtalk_userid", "钉钉", errors) if dingtalk_userid is not None else None
    if errors:
        raise ValidationError(errors)
    pc, created = PersonChannel.objects.select_for_update().get_or_create(center=center, user=user)
    if version is not None and not created and version != pc.version:
        raise StaleVersion(pc.version)
    if version is not None and created and version not in (0, 1):
        raise StaleVersion(pc.version)
    before = None if created else _pc_state(pc)
    pc.quiet_from, pc.quiet_to = start, end
    if wecom is not None:
        pc.wecom_userid = wecom
    if ding is not None:
        pc.dingtalk_userid = ding
    if not created:
        pc.version += 1
    pc.save()
    changed = []
    if cleaned is not None:
        existing = {p.event: p for p in NotifyPreference.objects.select_for_update().filter(center=center, user=user)}
        for event, channels in cleaned.items():
            row = existing.get(event)
            if channels == _normal(catalogue.get(event).defaults):
                # the default again: no row, so the person follows the default if it changes
                if row is not None:
                    row.delete()
                    changed.append(event)
                continue
            if row is None:
                NotifyPreference.objects.create(center=center, user=user, event=event, channels=channels)
                changed.append(event)
            elif row.channels != channels:
                row.channels = channels
                row.save(update_fields=["channels", "updated_at"])
                changed.append(event)
    action = "notify.settings" if actor.pk == user.pk else "notify.bind"
    record(action, actor=actor, center=center, obj=pc, before=before, after={**_pc_state(pc), "events": changed})
    return pc


def send_test_to_me(*, user: User, center: Center) -> list[MessageDelivery]:
    """发一条测试消息: one message to each channel that can reach the person now (email,
    企业微信, 钉钉), through the outbox like any other — urgent, so quiet hours do not hold
    it. Refused in Chinese when nothing but the bell can reach them."""
    from rongmei.core.messaging import enqueue

    pc = person_channel(user, center)
    why = available_channels(user, center, pc)
    reachable = [c for c in OPTIONAL_CHANNELS if not why.get(c)]
    if not reachable:
        raise ValidationError("现在只有站内通知能送到您：" + "；".join(f"{catalogue.CHANNEL_LABELS[c]}：{why[c]}" for c in OPTIONAL_CHANNELS) + "。")
    token = uuid.uuid4().hex
    rows = []
    with transaction.atomic():
        for channel in reachable:
            if channel == "email":
                kind, address, target = "email", user.email, None
            else:
                kind = APP_KIND[channel]
                target = MessageChannel.objects.filter(center=center, kind=kind, is_active=True).order_by("pk").first()
                address = getattr(pc, f"{channel}_userid")
            rows.append(enqueue(center=center, kind=str(kind), address=address, channel=target, recipient=user,
                                title="测试消息：通知设置", body=f"{user.display_name or user.username}，这是一条测试消息；收到说明{catalogue.CHANNEL_LABELS[channel]}可以送达。",
                                url=absolute("/account/notifications/"), event=TEST_EVENT, urgent=True,
                                key=f"test:{center.pk}:{user.pk}:{channel}:{token}"))
        record("notify.test", actor=user, center=center, obj=person_channel(user, center) if pc.pk else None,
               after={"channels": reachable})
    return rows


# --- The center's channels ----------------------------------------------------------------------

def channels(center: Center):
    return MessageChannel.objects.filter(center=center).select_related("org_unit").order_by("kind", "name", "pk")


def _channel_state(c: MessageChannel) -> dict:
    from rongmei.core.messaging.robots import masked_url

    return {"name": c.name, "kind": c.kind, "app_id": c.app_id, "agent_id": c.agent_id,
            "webhook_url": masked_url(c.webhook_url) if c.webhook_url else "", "org_unit": c.org_unit_id,
            "events": list(c.events or []), "base_url": c.base_url, "is_active": c.is_active,
            "has_secret": bool(c.secret)}


ROBOT_PLATFORM = {"wecom_robot": "wecom", "dingtalk_robot": "dingtalk", "feishu_robot": "feishu"}


def _base_url_problem(url: str) -> str:
    """A channel's own gateway (an intranet relay, the sandbox): http(s) only, and an address
    on this machine or a private network only where the outbound rule allows it (the sender
    checks again, after resolving, before every call)."""
    if not url:
        return ""
    if len(url) > 200:
        return "接口地址最多 200 个字符。"
    if not is_safe_url(url):
        return "接口地址只能以 http:// 或 https:// 开头。"
    import ipaddress
    from urllib.parse import urlsplit

    from rongmei.core.messaging import net

    host = (urlsplit(url).hostname or "").lower().rstrip(".")
    rules = net.policy()
    if rules.allows_host(host):
        return ""
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        internal = host == "localhost" or host.endswith((".localhost", ".local", ".internal"))
    else:
        internal = not net.is_public(address) and not rules.allows_address(address)
    if internal:
        return "这个接口地址在本机或内网，需由系统管理员加入 RONGMEI_LINKCHECK_ALLOW 后才能使用。"
    return ""


@transaction.atomic
def save_channel(*, center: Center, user: User, channel: MessageChannel | None = None, kind: str, name: str,
                 app_id: str = "", agent_id: str = "", secret: str | None = None, webhook_url: str | None = None,
                 org_unit: OrgUnit | int | None = None, events=(), base_url: str = "", is_active: bool = True,
                 options: dict | None = None, version: int | None = None) -> MessageChannel:
    """Create or change a channel. `secret` None keeps the stored one ("" clears it);
    `webhook_url` None keeps the stored address (the page never sends it back: it is a
    credential too). Editing needs `version` as read when given; the kind never changes."""
    creating = channel is None
    if creating:
        current, before = MessageChannel(center=center, kind=kind), None
    else:
        current = MessageChannel.objects.select_for_update().get(pk=channel.pk, center=center)
        if version is not None and version != current.version:
            raise StaleVersion(current.version)
        before = _channel_state(current)
        kind = current.kind
    errors: dict[str, list[str]] = {}
    if kind not in MessageChannel.Kind.values:
        errors["kind"] = ["请选择渠道类型：" + "、".join(MessageChannel.Kind.labels) + "。"]
    current.name = (name or "").strip()
    if not current.name:
        errors["name"] = ["请填写名称（如 企业微信·全中心、时政部钉钉群）。"]
    elif len(current.name) > 60:
        errors["name"] = ["名称最多 60 个字。"]
    elif MessageChannel.objects.filter(center=center, name=current.name).exclude(pk=current.pk).exists():
        errors["name"] = ["本中心已有同名的消息渠道。"]
    current.app_id, current.agent_id = (app_id or "").strip(), (agent_id or "").strip()
    if kind in MessageChannel.PERSON_KINDS:
        label = "企业ID（corpid）" if kind == MessageChannel.Kind.WECOM_APP else "AppKey"
        if not current.app_id:
            errors["app_id"] = [f"请填写{label}。"]
        elif len(current.app_id) > 100 or not re.fullmatch(r"[A-Za-z0-9_\-]+", current.app_id):
            errors["app_id"] = [f"{label}只能是字母、数字、下划线和连字符，最多 100 位。"]
        if not current.agent_id:
            errors["agent_id"] = ["请填写应用的 AgentId（在应用详情页可以看到）。"]
        elif not current.agent_id.isdigit() or len(current.agent_id) > 20:
            errors["agent_id"] = ["AgentId 是一串数字。"]
    elif kind == MessageChannel.Kind.SMS:
        if not current.app_id:
            errors["app_id"] = ["请填写 AccessKey ID。"]
        elif len(current.app_id) > 100:
            errors["app_id"] = ["AccessKey ID 最多 100 位。"]
    if kind in MessageChannel.ROBOT_KINDS:
        if webhook_url is not None:
            current.webhook_url = webhook_url.strip()
        if not current.webhook_url:
            errors["webhook_url"] = ["请填写群机器人的 Webhook 地址。"]
        elif len(current.webhook_url) > 500:
            errors["webhook_url"] = ["Webhook 地址最多 500 个字符。"]
        elif not is_safe_url(current.webhook_url):
            errors["webhook_url"] = ["Webhook 地址只能以 http:// 或 https:// 开头。"]
        else:
            from rongmei.core.messaging.robots import url_problem

            problem = url_problem(ROBOT_PLATFORM[kind], current.webhook_url)
            if problem:
                errors["webhook_url"] = [problem]
    elif webhook_url:
        errors["webhook_url"] = ["只有群机器人需要 Webhook 地址，请留空。"]
    if isinstance(org_unit, int):
        org_unit = OrgUnit.objects.filter(center=center, pk=org_unit).first() or False
    if org_unit is False or (org_unit is not None and org_unit.center_id != center.pk):
        errors["org_unit"] = ["请从本中心的部门中选择。"]
    else:
        current.org_unit = org_unit
    wanted = list(dict.fromkeys(events or []))
    bad = [e for e in wanted if e not in catalogue.EVENTS]
    if bad:
        errors["events"] = ["没有这种事件：" + "、".join(str(b)[:40] for b in bad) + "。"]
    elif kind in MessageChannel.ROBOT_KINDS and not wanted:
        errors["events"] = ["请至少选择一种推送到群里的事件。"]
    current.events = wanted if kind in MessageChannel.ROBOT_KINDS else []
    current.base_url = (base_url or "").strip().rstrip("/")
    problem = _base_url_problem(current.base_url)
    if problem:
        errors["base_url"] = [problem]
    if secret is not None:
        secret = secret.strip()
        if len(secret) > 300:
            errors["secret"] = ["密钥最多 300 个字符。"]
        elif secret and kind == MessageChannel.Kind.WECOM_ROBOT:
            errors["secret"] = ["企业微信群机器人没有加签密钥（地址中的 key 即为凭证），请留空。"]
    if creating and kind in (*MessageChannel.PERSON_KINDS, MessageChannel.Kind.SMS) and not secret:
        errors["secret"] = ["请填写密钥（Secret）。"]
    if options is not None:
        if not isinstance(options, dict) or any(not isinstance(v, (str, int, bool)) for v in options.values()):
            errors["options"] = ["其他参数应为“名称: 值”的简单对照。"]
        else:
            # merged: keys this screen does not know (an SMS gateway's provider, region) stay
            current.options = {**(current.options or {}),
                               **{str(k)[:40]: (v[:200] if isinstance(v, str) else v) for k, v in options.items()}}
    if errors:
        raise ValidationError(errors)
    if secret is not None:
        current.secret = secrets.encrypt(secret)
    current.is_active = bool(is_active)
    if not creating:
        current.version += 1
    current.save()
    record("notify.channel_create" if creating else "notify.channel_update", actor=user, center=center, obj=current,
           before=before, after=_channel_state(current))
    return current


@transaction.atomic
def delete_channel(*, channel: MessageChannel, user: User) -> None:
    current = MessageChannel.objects.select_for_update().get(pk=channel.pk)
    record("notify.channel_delete", actor=user, center=current.center, obj=current, before=_channel_state(current))
    current.delete()  # its deliveries keep their rows (channel set to null) for the log


def test_channel(*, channel: MessageChannel, user: User) -> MessageDelivery:
    """测试: one message through the outbox — to the group for a robot, to the admin
    themself for an application (their userid in this center is needed)."""
    from rongmei.core.messaging import enqueue

    if not channel.is_active:
        raise ValidationError("这个渠道已停用，请先启用再测试。")
    if channel.kind == MessageChannel.Kind.SMS:
        raise ValidationError("短信渠道请在问政设置中用短信模板测试。")
    address = channel.webhook_url if channel.is_robot else ""
    if channel.kind in MessageChannel.PERSON_KINDS:
        field = "wecom_userid" if channel.kind == MessageChannel.Kind.WECOM_APP else "dingtalk_userid"
        address = getattr(person_channel(user, channel.center), field)
        if not address:
            label = "企业微信" if channel.kind == MessageChannel.Kind.WECOM_APP else "钉钉"
            raise ValidationError(f"测试消息发给您本人：请先在“通知设置”中填写您的{label}账号（userid）。")
    with transaction.atomic():
        row = enqueue(center=channel.center, kind=channel.kind, address=address, channel=channel,
                      recipient=None if channel.is_robot else user, title=f"测试消息：{channel.name}",
                      body=f"{user.display_name or user.username} 在融媒平台发送的测试消息；收到说明渠道配置正确。",
                      url=absolute("/notify/channels/"), event=TEST_EVENT, urgent=True, key=f"test:{channel.pk}:{uuid.uuid4().hex}")
        record("notify.test", actor=user, center=channel.center, obj=channel, after={"delivery": row.pk})
    return row


# --- The delivery log ---------------------------------------------------------------------------

def deliveries(center: Center, *, status: str = "", kind: str = "", event: str = "", since: dt.date | None = None,
               until: dt.date | None = None):
    qs = MessageDelivery.objects.filter(center=center).select_related("channel", "recipient")
    if status:
        qs = qs.filter(status=status)
    if kind:
        qs = qs.filter(kind=kind)
    if event:
        qs = qs.filter(event=event)
    tz = timezone.get_default_timezone()
    if since:
        qs = qs.filter(created_at__gte=dt.datetime.combine(since, dt.time.min, tzinfo=tz))
    if until:
        qs = qs.filter(created_at__lt=dt.datetime.combine(until + dt.timedelta(days=1), dt.time.min, tzinfo=tz))
    return qs.order_by("-created_at", "-pk")


RETRYABLE = (MessageDelivery.Status.DEAD, MessageDelivery.Status.FAILED)
CANCELLABLE = (MessageDelivery.Status.PENDING, MessageDelivery.Status.HELD)


def retry(*, delivery: MessageDelivery, user: User) -> MessageDelivery:
    """A dead (or failed) message back in the queue: attempts counted afresh, the same key,
    so it is still sent at most once."""
    from rongmei.core.messaging import retry_now
    from rongmei.core.messaging.outbox import kick

    with transaction.atomic():
        if not retry_now(delivery):
            delivery.refresh_from_db()
            raise ValidationError("只有发送失败的消息可以重发（这条消息现在是“%s”）。" % delivery.get_status_display())
        delivery.refresh_from_db()
        record("notify.retry", actor=user, center=delivery.center, obj=delivery, after={"status": delivery.status})
        kick()
    return delivery


def cancel(*, delivery: MessageDelivery, user: User) -> MessageDelivery:
    """A message still waiting (pending, or held for quiet hours) is not sent."""
    from rongmei.core.messaging import cancel as cancel_message

    with transaction.atomic():
        if not cancel_message(delivery):
            delivery.refresh_from_db()
            raise ValidationError("只有待发送或免打扰暂缓的消息可以取消（这条消息现在是“%s”）。" % delivery.get_status_display())
        delivery.refresh_from_db()
        record("notify.cancel", actor=user, center=delivery.center, obj=delivery, after={"status": delivery.status})
    return delivery
