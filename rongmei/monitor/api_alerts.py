"""舆情预警 API: alerts (cursor pages, filters) and every handling step, alert rules, group
robots (the secret is write-only: `has_secret` says whether one is set; the webhook address
is shown masked, since it is a credential too), and an item sent to the newsroom as a lead.
Same rules as the screens: `services` does each step; its refusals are 422, or 409 when the
alert has moved on (acknowledged or closed already)."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from django.core.exceptions import ValidationError
from ninja import Field, Query, Router, Schema, Status

from rongmei.core.api import require
from rongmei.core.api_kit import ERRORS, CursorQuery, LimitQuery, page_of, paginate
from rongmei.core.ids import Id
from rongmei.core.models import User
from rongmei.core.tenancy import get_scoped_or_404, scoped
from rongmei.core.messaging import robots as robot_kit
from rongmei.monitor import services
from rongmei.monitor.alert_views import filtered_alerts
from rongmei.monitor.models import (
    Alert,
    AlertDelivery,
    AlertNote,
    AlertRule,
    Item,
    RobotHook,
)

router = Router(tags=["舆情监测"])

AlertStatus = Literal["new", "acknowledged", "handling", "closed", "open", "all"]
AlertKind = Literal["negative", "burst", "heavy_source"]
RobotKind = Literal["wecom", "dingtalk", "feishu"]
assert set(AlertKind.__args__) == set(AlertRule.Kind.values) and set(RobotKind.__args__) == set(RobotHook.Kind.values)


# --- Schemas ----------------------------------------------------------------------------------------

class MonitorPersonOut(Schema):
    id: int
    name: str


class MonitorAlertItemOut(Schema):
    id: int
    title: str
    url: str
    source: str
    level: int
    tone: str = Field(..., description="positive / neutral / negative")
    tone_score: float
    published_at: dt.datetime
    lead_id: int | None = Field(None, description="已转为的线索（planning）")


class MonitorAlertNoteOut(Schema):
    id: int
    action: str = Field(..., description="空（记录）/ acknowledge / assign / close / reopen / lead")
    text: str
    author: MonitorPersonOut | None
    created_at: dt.datetime


class MonitorDeliveryOut(Schema):
    id: int
    channel: str = Field(..., description="email / wecom / dingtalk / feishu")
    target: str = Field(..., description="邮箱，或群机器人的名称")
    status: str = Field(..., description="pending 待发送 / sent 已发送 / failed 失败")
    attempts: int
    error: str
    sent_at: dt.datetime | None


class MonitorAlertOut(Schema):
    id: int
    kind: str = Field(..., description="negative 负面信息 / burst 信息量突增 / heavy_source 高级别来源")
    kind_label: str
    title: str
    summary: str
    severity: int = Field(..., description="1 一般 / 2 较重 / 3 紧急")
    severity_label: str
    status: str = Field(..., description="new 待确认 / acknowledged 已确认 / handling 处置中 / closed 已办结")
    status_label: str
    rule_id: int | None
    topic_id: int | None
    item_count: int
    times_raised: int = Field(..., description="同一事件触发的次数（合并后）")
    assignee: MonitorPersonOut | None
    resolution: str
    created_at: dt.datetime
    last_raised_at: dt.datetime
    closed_at: dt.datetime | None


class MonitorAlertDetailOut(MonitorAlertOut):
    items: list[MonitorAlertItemOut]
    notes: list[MonitorAlertNoteOut]
    deliveries: list[MonitorDeliveryOut]


class MonitorAssignIn(Schema):
    assignee_id: Id = Field(..., description="本中心有“处置预警”权限的人员编号")
    note: str = Field("", max_length=500)


class MonitorNoteIn(Schema):
    text: str = Field(..., max_length=2000)


class MonitorCloseIn(Schema):
    resolution: str = Field(..., max_length=2000)


class MonitorReopenIn(Schema):
    reason: str = Field("", max_length=500)


class MonitorLeadIn(Schema):
    note: str = Field("", max_length=500, description="写在线索内容前的说明（可不填）")


class MonitorLeadOut(Schema):
    lead_id: int
    title: str
    item_id: int
    status: str = Field(..., description="线索状态：new / dismissed / topic")


class MonitorRuleIn(Schema):
    name: str = Field(..., max_length=50)
    kind: AlertKind
    topic_ids: list[Id] = Field(default_factory=list, max_length=200, description="适用方案；空则为全部重点关注方案")
    threshold: float = Field(-0.3, ge=-1, le=1, description="负面信息：倾向分不高于此值")
    factor: float = Field(3.0, ge=1, le=100, description="信息量突增：超过平常（过去 7 天同长时段平均）的倍数")
    min_items: int = Field(5, ge=1, le=10000, description="信息量突增：最少条数")
    window_minutes: int = Field(60, ge=5, le=1440, description="信息量突增：统计窗口（分钟）")
    min_level: Literal[100, 70, 50, 30] = Field(70, description="高级别来源：100 中央 / 70 省级 / 50 地市及本地 / 30 论坛")
    notify_in_app: bool = True
    emails: list[str] = Field(default_factory=list, max_length=20, description="邮件接收人")
    robot_ids: list[Id] = Field(default_factory=list, max_length=50)
    fold_hours: int = Field(24, ge=1, le=168, description="同一事件在此时间内并入原预警")
    enabled: bool = True


class MonitorRuleOut(Schema):
    id: int
    name: str
    kind: str
    kind_label: str
    topic_ids: list[int]
    threshold: float
    factor: float
    min_items: int
    window_minutes: int
    min_level: int
    notify_in_app: bool
    emails: list[str]
    robot_ids: list[int]
    fold_hours: int
    enabled: bool


class MonitorRobotIn(Schema):
    name: str = Field(..., max_length=50)
    kind: RobotKind
    url: str = Field(..., max_length=500, description="Webhook 地址（写入后只以遮蔽形式返回）")
    secret: str | None = Field(None, max_length=200, description="加签密钥：不传则不变，空字符串清除；从不返回")
    enabled: bool = True


class MonitorRobotUpdateIn(Schema):
    name: str = Field(..., max_length=50)
    kind: RobotKind
    url: str | None = Field(None, max_length=500, description="不传则不变")
    secret: str | None = Field(None, max_length=200, description="不传则不变，空字符串清除；从不返回")
    enabled: bool = True


class MonitorRobotOut(Schema):
    id: int
    name: str
    kind: str
    kind_label: str
    url_masked: str = Field(..., description="遮蔽后的地址（key / access_token / hook 只显示首尾）")
    has_secret: bool = Field(..., description="是否已设置加签密钥（密钥本身从不返回）")
    enabled: bool


class MonitorRobotTestOut(Schema):
    ok: bool
    outcome: str = Field(..., description="ok / retry / fail")
    code: int | None = Field(None, description="平台返回的错误码")
    message: str


# --- Mapping ---------------------------------------------------------------------------------------

def _person(user) -> MonitorPersonOut | None:
    return MonitorPersonOut(id=user.pk, name=str(user)) if user else None


def _alert_out(a: Alert) -> dict:
    return {"id": a.pk, "kind": a.kind, "kind_label": a.get_kind_display(), "title": a.title, "summary": a.summary,
            "severity": a.severity, "severity_label": a.get_severity_display(), "status": a.status,
            "status_label": a.get_status_display(), "rule_id": a.rule_id, "topic_id": a.topic_id,
            "item_count": a.item_count, "times_raised": a.times_raised, "assignee": _person(a.assignee),
            "resolution": a.resolution, "created_at": a.created_at, "last_raised_at": a.last_raised_at,
            "closed_at": a.closed_at}


def _alert_summary(a: Alert) -> MonitorAlertOut:
    return MonitorAlertOut(**_alert_out(a))


def _alert_detail(a: Alert) -> MonitorAlertDetailOut:
    items = a.items.select_related("source").order_by("-level", "tone_score", "-published_at")[:100]
    notes: list[AlertNote] = list(a.notes.select_related("author"))
    deliveries: list[AlertDelivery] = list(a.deliveries.order_by("pk"))
    return MonitorAlertDetailOut(
        **_alert_out(a),
        items=[MonitorAlertItemOut(id=i.pk, title=i.title, url=i.url, source=i.source.name, level=i.level, tone=i.tone,
                                   tone_score=i.tone_score, published_at=i.published_at, lead_id=i.lead_id) for i in items],
        notes=[MonitorAlertNoteOut(id=n.pk, action=n.action, text=n.text, author=_person(n.author), created_at=n.created_at)
               for n in notes],
        deliveries=[MonitorDeliveryOut(id=d.pk, channel=d.channel, target=d.target, status=d.status, attempts=d.attempts,
                                       error=d.error, sent_at=d.sent_at) for d in deliveries])


def _alert(request, alert_id: int) -> Alert:
    return get_scoped_or_404(Alert.objects.select_related("assignee"), request.center, pk=alert_id)


def _rule_out(r: AlertRule) -> MonitorRuleOut:
    from rongmei.monitor.alerts import emails_of

    return MonitorRuleOut(id=r.pk, name=r.name, kind=r.kind, kind_label=r.get_kind_display(),
                          topic_ids=sorted(t.pk for t in r.topics.all()), threshold=r.threshold, factor=r.factor,
                          min_items=r.min_items, window_minutes=r.window_minutes, min_level=r.min_level,
                          notify_in_app=r.notify_in_app, emails=emails_of(r.emails),
                          robot_ids=sorted(b.pk for b in r.robots.all()), fold_hours=r.fold_hours, enabled=r.enabled)


def _robot_out(r: RobotHook) -> MonitorRobotOut:
    return MonitorRobotOut(id=r.pk, name=r.name, kind=r.kind, kind_label=r.get_kind_display(),
                           url_masked=robot_kit.masked_url(r.url), has_secret=bool(r.secret), enabled=r.enabled)


def _lead_out(lead, item_id: int) -> MonitorLeadOut:
    return MonitorLeadOut(lead_id=lead.pk, title=lead.title, item_id=item_id, status=lead.status)


# --- Alerts ----------------------------------------------------------------------------------------

@router.get("/monitor/alerts", response={200: page_of(MonitorAlertOut), **ERRORS}, summary="舆情预警列表（最近触发在前）",
            description="status 默认 open（未办结）；可按类型、级别筛选，mine=true 只看指派给我的。")
def monitor_list_alerts(request, status: AlertStatus = "open", kind: AlertKind | None = None,
                        severity: Literal[1, 2, 3] | None = Query(None, description="1 一般 / 2 较重 / 3 紧急"),
                        mine: bool = False, cursor: str | None = CursorQuery, limit: int = LimitQuery):
    require(request, "monitor.view")
    qs = filtered_alerts(request.center, request.user, {"status": status, "kind": kind or "", "severity": severity,
                                                        "mine": mine})
    return paginate(qs, cursor=cursor, limit=limit, order=("-last_raised_at", "-pk"), out=_alert_summary)


@router.get("/monitor/alerts/{alert_id}", response={200: MonitorAlertDetailOut, **ERRORS}, summary="一条舆情预警",
            description="含相关信息（最多 100 条）、处置记录和发送情况。")
def monitor_get_alert(request, alert_id: Id):
    require(request, "monitor.view")
    return _alert_detail(_alert(request, alert_id))


@router.post("/monitor/alerts/{alert_id}/acknowledge", response={200: MonitorAlertDetailOut, **ERRORS}, summary="确认预警",
             description="只有待确认的预警可以确认；已确认过返回 409。")
def monitor_acknowledge_alert(request, alert_id: Id):
    require(request, "monitor.handle")
    return _alert_detail(services.acknowledge(alert=_alert(request, alert_id), user=request.user))


@router.post("/monitor/alerts/{alert_id}/assign", response={200: MonitorAlertDetailOut, **ERRORS}, summary="指派预警",
             description="指派给本中心有“处置预警”权限的人员，对方收到站内通知；已办结的返回 409。")
def monitor_assign_alert(request, alert_id: Id, payload: MonitorAssignIn):
    require(request, "monitor.handle")
    alert = _alert(request, alert_id)
    person = User.objects.filter(pk=payload.assignee_id).first()
    if person is None or not services.may_handle(person, request.center):
        raise ValidationError({"assignee_id": ["只能指派给本中心有“处置预警”权限的人员。"]})
    return _alert_detail(services.assign(alert=alert, user=request.user, assignee=person, note=payload.note))


@router.post("/monitor/alerts/{alert_id}/notes", response={201: MonitorAlertNoteOut, **ERRORS}, summary="记录处置情况")
def monitor_note_alert(request, alert_id: Id, payload: MonitorNoteIn):
    require(request, "monitor.handle")
    note = services.add_note(alert=_alert(request, alert_id), user=request.user, text=payload.text)
    return Status(201, MonitorAlertNoteOut(id=note.pk, action=note.action, text=note.text, author=_person(note.author),
                                           created_at=note.created_at))


@router.post("/monitor/alerts/{alert_id}/close", response={200: MonitorAlertDetailOut, **ERRORS}, summary="办结预警",
             description="须写明处置结果；已办结的返回 409。")
def monitor_close_alert(request, alert_id: Id, payload: MonitorCloseIn):
    require(request, "monitor.handle")
    return _alert_detail(services.close(alert=_alert(request, alert_id), user=request.user, resolution=payload.resolution))


@router.post("/monitor/alerts/{alert_id}/reopen", response={200: MonitorAlertDetailOut, **ERRORS}, summary="重新打开预警",
             description="只有已办结的可以重新打开，否则 409。")
def monitor_reopen_alert(request, alert_id: Id, payload: MonitorReopenIn):
    require(request, "monitor.handle")
    return _alert_detail(services.reopen(alert=_alert(request, alert_id), user=request.user, reason=payload.reason))


@router.post("/monitor/alerts/{alert_id}/lead", response={200: MonitorLeadOut, **ERRORS}, summary="预警转为线索",
             description="把预警的主要信息（来源级别最高、最负面、最早的一条）转为策划线索；再次调用返回同一条线索。")
def monitor_alert_to_lead(request, alert_id: Id, payload: MonitorLeadIn):
    require(request, "monitor.handle")
    alert = _alert(request, alert_id)
    item = services.lead_item(alert)
    lead = services.send_alert_to_newsroom(alert=alert, user=request.user, note=payload.note)
    return _lead_out(lead, item.pk)


@router.post("/monitor/items/{item_id}/lead", response={200: MonitorLeadOut, **ERRORS}, summary="舆情信息转为线索",
             description="一步把这条信息转为策划线索（来源：舆情监测）；再次调用返回同一条线索。")
def monitor_item_to_lead(request, item_id: Id, payload: MonitorLeadIn):
    require(request, "monitor.handle")
    item = get_scoped_or_404(Item, request.center, pk=item_id)
    return _lead_out(services.send_to_newsroom(item=item, user=request.user, note=payload.note), item.pk)


# --- Rules -----------------------------------------------------------------------------------------

def _rule(request, rule_id: int) -> AlertRule:
    return get_scoped_or_404(AlertRule.objects.prefetch_related("topics", "robots"), request.center, pk=rule_id)


def _rule_args(payload: MonitorRuleIn) -> dict:
    data = payload.model_dump()
    data["emails"] = "\n".join(data["emails"])
    return data


@router.get("/monitor/rules", response={200: page_of(MonitorRuleOut), **ERRORS}, summary="预警规则列表")
def monitor_list_rules(request, cursor: str | None = CursorQuery, limit: int = LimitQuery):
    require(request, "monitor.manage")
    qs = scoped(AlertRule, request.center).prefetch_related("topics", "robots")
    return paginate(qs, cursor=cursor, limit=limit, order=("pk",), out=_rule_out)


@router.post("/monitor/rules", response={201: MonitorRuleOut, **ERRORS}, summary="新建预警规则")
def monitor_create_rule(request, payload: MonitorRuleIn):
    require(request, "monitor.manage")
    rule = services.save_rule(center=request.center, user=request.user, **_rule_args(payload))
    return Status(201, _rule_out(_rule(request, rule.pk)))


@router.get("/monitor/rules/{rule_id}", response={200: MonitorRuleOut, **ERRORS}, summary="一条预警规则")
def monitor_get_rule(request, rule_id: Id):
    require(request, "monitor.manage")
    return _rule_out(_rule(request, rule_id))


@router.put("/monitor/rules/{rule_id}", response={200: MonitorRuleOut, **ERRORS}, summary="修改预警规则")
def monitor_update_rule(request, rule_id: Id, payload: MonitorRuleIn):
    require(request, "monitor.manage")
    rule = services.save_rule(center=request.center, user=request.user, rule=_rule(request, rule_id), **_rule_args(payload))
    return _rule_out(_rule(request, rule.pk))


@router.delete("/monitor/rules/{rule_id}", response={204: None, **ERRORS}, summary="删除预警规则",
               description="已有的预警保留（不再关联规则）。")
def monitor_delete_rule(request, rule_id: Id):
    require(request, "monitor.manage")
    services.delete_rule(rule=_rule(request, rule_id), user=request.user)
    return Status(204, None)


# --- Robots ----------------------------------------------------------------------------------------

def _robot(request, robot_id: int) -> RobotHook:
    return get_scoped_or_404(RobotHook, request.center, pk=robot_id)


@router.get("/monitor/robots", response={200: page_of(MonitorRobotOut), **ERRORS}, summary="群机器人列表")
def monitor_list_robots(request, cursor: str | None = CursorQuery, limit: int = LimitQuery):
    require(request, "monitor.manage")
    return paginate(scoped(RobotHook, request.center), cursor=cursor, limit=limit, order=("pk",), out=_robot_out)


@router.post("/monitor/robots", response={201: MonitorRobotOut, **ERRORS}, summary="添加群机器人",
             description="企业微信、钉钉或飞书群的自定义机器人；加签密钥加密保存，从不返回。")
def monitor_create_robot(request, payload: MonitorRobotIn):
    require(request, "monitor.manage")
    robot = services.save_robot(center=request.center, user=request.user, name=payload.name, kind=payload.kind,
                                url=payload.url, secret=payload.secret, enabled=payload.enabled)
    return Status(201, _robot_out(robot))


@router.get("/monitor/robots/{robot_id}", response={200: MonitorRobotOut, **ERRORS}, summary="一个群机器人")
def monitor_get_robot(request, robot_id: Id):
    require(request, "monitor.manage")
    return _robot_out(_robot(request, robot_id))


@router.put("/monitor/robots/{robot_id}", response={200: MonitorRobotOut, **ERRORS}, summary="修改群机器人",
            description="url、secret 不传则不变；secret 为空字符串时清除。")
def monitor_update_robot(request, robot_id: Id, payload: MonitorRobotUpdateIn):
    require(request, "monitor.manage")
    robot = _robot(request, robot_id)
    robot = services.save_robot(center=request.center, user=request.user, robot=robot, name=payload.name,
                                kind=payload.kind, url=payload.url if payload.url is not None else robot.url,
                                secret=payload.secret, enabled=payload.enabled)
    return _robot_out(robot)


@router.delete("/monitor/robots/{robot_id}", response={204: None, **ERRORS}, summary="删除群机器人")
def monitor_delete_robot(request, robot_id: Id):
    require(request, "monitor.manage")
    services.delete_robot(robot=_robot(request, robot_id), user=request.user)
    return Status(204, None)


@router.post("/monitor/robots/{robot_id}/test", response={200: MonitorRobotTestOut, **ERRORS}, summary="发送测试消息",
             description="立即发送一条测试消息，返回平台的应答（错误码和中文说明）；停用的机器人返回 422。")
def monitor_test_robot(request, robot_id: Id):
    require(request, "monitor.manage")
    result = services.test_robot(robot=_robot(request, robot_id), user=request.user)
    return MonitorRobotTestOut(ok=result.ok, outcome=result.outcome, code=result.code, message=result.message)
