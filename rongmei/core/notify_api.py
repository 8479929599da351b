"""Notifications' settings and log through the API (issue 17): one's own preferences (get /
put, with the version), a test message to oneself, the center's messaging channels (secret
and robot address write-only: the address comes back masked, the secret only as
``has_secret``), and the delivery log with retry / cancel. The same services as the pages
(rongmei.core.notify_services)."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from ninja import Field, Query, Router, Schema, Status

from rongmei.core import notify_services as ns
from rongmei.core.api import require
from rongmei.core.api_kit import ERRORS, CursorQuery, LimitQuery, page_of, paginate
from rongmei.core.ids import Id, Version
from rongmei.core.messaging import events as catalogue
from rongmei.core.messaging.robots import masked_url
from rongmei.core.models import MessageChannel, MessageDelivery
from rongmei.core.tenancy import get_scoped_or_404

router = Router(tags=["通知与消息渠道"])
DeliveryStatus = Literal[tuple(MessageDelivery.Status.values)]  # type: ignore[valid-type]
PERM = ns.PERMISSION
EVENTS_HELP = "事件代码：" + "、".join(f"{c}（{label}）" for c, label in catalogue.choices())
CHANNELS_HELP = "渠道：" + "、".join(f"{c}（{label}）" for c, label in catalogue.CHANNEL_LABELS.items()) + "；bell 始终保留"


class NotifyEventPrefOut(Schema):
    event: str
    label: str
    urgent: bool = Field(..., description="紧急事件不受免打扰时段限制")
    channels: list[str] = Field(..., description=CHANNELS_HELP)
    default: bool = Field(..., description="true：本人没有选过，按默认")


class NotifyPreferencesOut(Schema):
    events: list[NotifyEventPrefOut]
    quiet_from: str | None = Field(None, description="免打扰开始（时:分，北京时间）")
    quiet_to: str | None = Field(None, description="免打扰结束；可跨午夜")
    wecom_userid: str
    dingtalk_userid: str
    unavailable: dict[str, str] = Field(..., description="现在送不到的渠道 → 原因")
    version: int = Field(..., description="修改时原样带回；0 表示还没有保存过")


class NotifyPreferencesIn(Schema):
    events: dict[str, list[str]] = Field(default_factory=dict, description=f"只改列出的事件。{EVENTS_HELP}。{CHANNELS_HELP}")
    quiet_from: str | None = Field(None, max_length=5, description="时:分；与 quiet_to 同时给出，或都为 null（不设免打扰）")
    quiet_to: str | None = Field(None, max_length=5)
    wecom_userid: str | None = Field(None, max_length=64, description="不传则不变")
    dingtalk_userid: str | None = Field(None, max_length=64, description="不传则不变")
    version: int = Field(..., ge=0, le=2**31 - 1, description="读取时的 version；他人（管理员绑定账号）已先修改时 409")


class NotifyDeliveryOut(Schema):
    id: int
    created_at: dt.datetime
    event: str
    event_label: str
    kind: str = Field(..., description="email / wecom_app / dingtalk_app / wecom_robot / dingtalk_robot / feishu_robot / sms")
    channel_id: int | None
    recipient: str | None = Field(None, description="接收人的用户名（群机器人、短信为 null）")
    address: str = Field(..., description="打码后的地址（手机号 138****5678；群机器人地址隐去 key）")
    title: str
    status: str = Field(..., description="pending / held / sending / sent / failed / dead / cancelled")
    urgent: bool
    attempts: int
    max_attempts: int
    available_at: dt.datetime
    sent_at: dt.datetime | None
    last_error: str


class NotifyChannelOut(Schema):
    id: int
    kind: str
    name: str
    app_id: str
    agent_id: str
    webhook_url: str = Field(..., description="群机器人地址（打码：key / access_token / hook 只显示首尾）")
    has_secret: bool = Field(..., description="是否已保存密钥（密钥本身从不返回）")
    org_unit_id: int | None
    events: list[str]
    base_url: str
    is_active: bool
    last_success_at: dt.datetime | None
    last_failure_at: dt.datetime | None
    last_error: str
    version: int


class NotifyChannelIn(Schema):
    kind: str = Field(..., description="wecom_app / dingtalk_app / wecom_robot / dingtalk_robot / feishu_robot / sms")
    name: str = Field(..., max_length=60)
    app_id: str = Field("", max_length=100, description="企业微信 corpid；钉钉 AppKey；短信 AccessKey ID")
    agent_id: str = Field("", max_length=20)
    secret: str = Field("", max_length=300, description="只写：企业微信 corpsecret、钉钉 AppSecret、加签密钥、AccessKey Secret")
    webhook_url: str = Field("", max_length=500, description="群机器人的 Webhook 地址")
    org_unit_id: Id | None = None
    events: list[str] = Field(default_factory=list, max_length=30, description=f"群机器人推送的事件。{EVENTS_HELP}")
    base_url: str = Field("", max_length=200, description="接口地址（内网中转、测试）；留空用官方地址")
    is_active: bool = True
    options: dict[str, str] = Field(default_factory=dict, description="短信网关：provider（aliyun）、region（如 cn-hangzhou）")


class NotifyChannelUpdateIn(Schema):
    name: str = Field(..., max_length=60)
    app_id: str = Field("", max_length=100)
    agent_id: str = Field("", max_length=20)
    secret: str | None = Field(None, max_length=300, description="不传或 null 则不变；空字符串清除")
    webhook_url: str | None = Field(None, max_length=500, description="不传或 null 则不变")
    org_unit_id: Id | None = None
    events: list[str] = Field(default_factory=list, max_length=30)
    base_url: str = Field("", max_length=200)
    is_active: bool = True
    options: dict[str, str] | None = None
    version: Version = Field(..., description="读取时的 version；他人已先修改时 409")


def _time(value) -> str | None:
    return value.strftime("%H:%M") if value else None


def _prefs_out(request) -> NotifyPreferencesOut:
    user, center = request.user, request.center
    pc = ns.person_channel(user, center)
    prefs = ns.preferences(user, center)
    return NotifyPreferencesOut(
        events=[NotifyEventPrefOut(event=code, label=label, urgent=urgent, channels=prefs[code]["channels"],
                                   default=prefs[code]["default"])
                for code, (label, _d, urgent) in catalogue.EVENTS.items()],
        quiet_from=_time(pc.quiet_from), quiet_to=_time(pc.quiet_to), wecom_userid=pc.wecom_userid,
        dingtalk_userid=pc.dingtalk_userid, unavailable={k: v for k, v in ns.available_channels(user, center, pc).items() if v},
        version=pc.version)


def _delivery(d: MessageDelivery) -> NotifyDeliveryOut:
    return NotifyDeliveryOut(
        id=d.pk, created_at=d.created_at, event=d.event, event_label=catalogue.label(d.event) if d.event != ns.TEST_EVENT else "测试消息",
        kind=d.kind, channel_id=d.channel_id, recipient=d.recipient.username if d.recipient_id else None,
        address=d.address_masked, title=d.title, status=d.status, urgent=d.urgent, attempts=d.attempts,
        max_attempts=d.max_attempts, available_at=d.available_at, sent_at=d.sent_at, last_error=d.last_error)


def _channel(c: MessageChannel) -> NotifyChannelOut:
    return NotifyChannelOut(
        id=c.pk, kind=c.kind, name=c.name, app_id=c.app_id, agent_id=c.agent_id,
        webhook_url=masked_url(c.webhook_url) if c.webhook_url else "", has_secret=bool(c.secret), org_unit_id=c.org_unit_id,
        events=list(c.events or []), base_url=c.base_url, is_active=c.is_active, last_success_at=c.last_success_at,
        last_failure_at=c.last_failure_at, last_error=c.last_error, version=c.version)


def _conflict(exc: ns.StaleVersion):
    return Status(409, {"detail": exc.message_text, "errors": {"version": [f"当前版本为 {exc.current}。"]}})


# --- Mine ---------------------------------------------------------------------------------------

@router.get("/notify/preferences", response={200: NotifyPreferencesOut, **ERRORS}, summary="我的通知设置",
            description="每类事件发到哪些渠道（没选过的按默认）、免打扰时段、本人的企业微信 / 钉钉账号，以及现在送不到的渠道和原因。")
def core_get_my_notify_preferences(request):
    return _prefs_out(request)


@router.put("/notify/preferences", response={200: NotifyPreferencesOut, **ERRORS}, summary="修改我的通知设置",
            description="events 中只改列出的事件（站内通知 bell 总会保留）；免打扰时段按给出的值保存（都为 null 即取消）。"
                        "须带读取时的 version，管理员已先改过时返回 409。")
def core_put_my_notify_preferences(request, payload: NotifyPreferencesIn):
    try:
        ns.save_settings(user=request.user, center=request.center, actor=request.user, prefs=payload.events,
                         quiet_from=payload.quiet_from, quiet_to=payload.quiet_to, wecom_userid=payload.wecom_userid,
                         dingtalk_userid=payload.dingtalk_userid, version=payload.version)
    except ns.StaleVersion as exc:
        return _conflict(exc)
    return _prefs_out(request)


@router.post("/notify/test", response={202: list[NotifyDeliveryOut], **ERRORS}, summary="给自己发一条测试消息",
             description="发到现在能送达本人的每个站外渠道（邮件、企业微信、钉钉），经发送队列；都送不到时 422 并说明原因。")
def core_notify_test_me(request):
    return Status(202, [_delivery(d) for d in ns.send_test_to_me(user=request.user, center=request.center)])


# --- The center's channels -----------------------------------------------------------------------

@router.get("/notify/channels", response={200: page_of(NotifyChannelOut), **ERRORS}, summary="消息渠道列表",
            description="本中心的企业微信应用、钉钉应用、群机器人和短信网关（先建的在前）。需要“维护组织机构与政府部门”权限。")
def core_list_notify_channels(request, cursor: str | None = CursorQuery, limit: int = LimitQuery):
    require(request, PERM)
    qs = MessageChannel.objects.filter(center=request.center)
    return paginate(qs, cursor=cursor, limit=limit, order=("pk",), out=_channel)


@router.post("/notify/channels", response={201: NotifyChannelOut, **ERRORS}, summary="新增消息渠道",
             description="密钥只写，之后只以 has_secret 表示；群机器人地址返回时打码。地址须为 http(s)，并是该平台的地址"
                         "（内网中转须由系统管理员放行）。")
def core_create_notify_channel(request, payload: NotifyChannelIn):
    require(request, PERM)
    channel = ns.save_channel(center=request.center, user=request.user, kind=payload.kind, name=payload.name,
                              app_id=payload.app_id, agent_id=payload.agent_id, secret=payload.secret,
                              webhook_url=payload.webhook_url, org_unit=payload.org_unit_id, events=payload.events,
                              base_url=payload.base_url, is_active=payload.is_active, options=payload.options or None)
    return Status(201, _channel(channel))


@router.get("/notify/channels/{channel_id}", response={200: NotifyChannelOut, **ERRORS}, summary="一个消息渠道")
def core_get_notify_channel(request, channel_id: Id):
    require(request, PERM)
    return _channel(get_scoped_or_404(MessageChannel, request.center, pk=channel_id))


@router.put("/notify/channels/{channel_id}", response={200: NotifyChannelOut, **ERRORS}, summary="修改消息渠道",
            description="类型不能改。secret、webhook_url 不传（或为 null）则保持不变。须带读取时的 version，否则 409。")
def core_update_notify_channel(request, channel_id: Id, payload: NotifyChannelUpdateIn):
    require(request, PERM)
    channel = get_scoped_or_404(MessageChannel, request.center, pk=channel_id)
    try:
        channel = ns.save_channel(center=request.center, user=request.user, channel=channel, kind=channel.kind,
                                  name=payload.name, app_id=payload.app_id, agent_id=payload.agent_id, secret=payload.secret,
                                  webhook_url=payload.webhook_url, org_unit=payload.org_unit_id, events=payload.events,
                                  base_url=payload.base_url, is_active=payload.is_active, options=payload.options,
                                  version=payload.version)
    except ns.StaleVersion as exc:
        return _conflict(exc)
    return _channel(channel)


@router.post("/notify/channels/{channel_id}/test", response={202: NotifyDeliveryOut, **ERRORS}, summary="测试消息渠道",
             description="群机器人：向群里发一条测试消息；应用：发给调用者本人（须已填写本人账号，否则 422）。经发送队列，结果见发送记录。")
def core_test_notify_channel(request, channel_id: Id):
    require(request, PERM)
    channel = get_scoped_or_404(MessageChannel, request.center, pk=channel_id)
    return Status(202, _delivery(ns.test_channel(channel=channel, user=request.user)))


# --- The delivery log ---------------------------------------------------------------------------

@router.get("/notify/deliveries", response={200: page_of(NotifyDeliveryOut), **ERRORS}, summary="发送记录",
            description="本中心经站外渠道发出的每条消息（新的在前），地址打码。可按状态、方式、事件、日期筛选。")
def core_list_notify_deliveries(
        request, cursor: str | None = CursorQuery, limit: int = LimitQuery,
        status: DeliveryStatus | None = Query(None, description="状态：pending / held / sending / sent / failed / dead / cancelled"),
        kind: str | None = Query(None, max_length=20, description="方式，如 wecom_app"),
        event: str | None = Query(None, max_length=40, description="事件代码"),
        since: dt.date | None = Query(None, description="起始日期（含）"),
        until: dt.date | None = Query(None, description="截止日期（含）")):
    require(request, PERM)
    qs = ns.deliveries(request.center, status=status or "", kind=kind or "", event=event or "", since=since, until=until)
    return paginate(qs, cursor=cursor, limit=limit, order=("-created_at", "-pk"), out=_delivery)


@router.post("/notify/deliveries/{delivery_id}/retry", response={200: NotifyDeliveryOut, **ERRORS},
             summary="重发一条失败的消息", description="只有 failed / dead 的可以（否则 422）；同一条消息，不会重复送达。")
def core_retry_notify_delivery(request, delivery_id: Id):
    require(request, PERM)
    delivery = get_scoped_or_404(MessageDelivery, request.center, pk=delivery_id)
    return _delivery(ns.retry(delivery=delivery, user=request.user))


@router.post("/notify/deliveries/{delivery_id}/cancel", response={200: NotifyDeliveryOut, **ERRORS},
             summary="取消一条待发的消息", description="只有 pending / held 的可以（否则 422）。")
def core_cancel_notify_delivery(request, delivery_id: Id):
    require(request, PERM)
    delivery = get_scoped_or_404(MessageDelivery, request.center, pk=delivery_id)
    return _delivery(ns.cancel(delivery=delivery, user=request.user))
