"""舆情处置 and the settings behind alerts: every change of state is one function here, one
transaction, one audit event. Screens, the API, tasks and the demo call these.

Alerts: 确认 (acknowledge), 指派 (assign to a person with monitor.handle, who is notified), 记录
(a note), 办结 (close with the resolution), 重新打开 (reopen). An item goes to the newsroom as a
planning lead with one action (`send_to_newsroom`), once: calling again returns the same lead.
Alert rules and group robots are created, changed and deleted here; a robot's secret is
stored encrypted and never shown again.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from rongmei.core.services import notify, record
from rongmei.distribution import secrets
from rongmei.core.messaging import robots as robot_kit
from rongmei.monitor.alerts import alert_path, emails_of, open_key
from rongmei.monitor.models import (
    Alert,
    AlertNote,
    AlertRule,
    Item,
    RobotHook,
    Source,
    Topic,
)

HANDLE = "monitor.handle"
MANAGE = "monitor.manage"
NOTE_MAX = 2000
MAX_EMAILS = 20


def _conflict(message: str) -> ValidationError:
    exc = ValidationError(message)
    exc.api_status = 409  # the alert moved on: 409 in the API
    return exc


def _require(user, perm: str, center) -> None:
    if not user.has_perm(perm, center):
        from rongmei.core.permissions import PERMISSIONS

        raise PermissionDenied(f"您在{center.name}没有“{PERMISSIONS.get(perm, perm)}”的权限。")


def _locked(alert: Alert) -> Alert:
    return Alert.objects.select_for_update().select_related("center").get(pk=alert.pk)


def _note(alert: Alert, user, action: str, text: str) -> AlertNote:
    return AlertNote.objects.create(center=alert.center, alert=alert, author=user, action=action, text=text)


def _text(value: str, *, field: str, label: str, required: bool, limit: int = NOTE_MAX) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ValidationError({field: [f"请填写{label}。"]})
    if len(value) > limit:
        raise ValidationError({field: [f"{label}最多 {limit} 个字，现在是 {len(value)} 个字。"]})
    return value


# --- Handling an alert --------------------------------------------------------------------------------

@transaction.atomic
def acknowledge(*, alert: Alert, user) -> Alert:
    """确认: someone has seen it and takes it in hand."""
    _require(user, HANDLE, alert.center)
    current = _locked(alert)
    if current.status != Alert.Status.NEW:
        raise _conflict("这条预警已经确认过了。")
    current.status, current.acknowledged_by, current.acknowledged_at = Alert.Status.ACKNOWLEDGED, user, timezone.now()
    current.save(update_fields=["status", "acknowledged_by", "acknowledged_at"])
    _note(current, user, "acknowledge", "确认预警。")
    record("monitor.alert_acknowledge", actor=user, center=current.center, obj=current, after={"status": current.status})
    return current


def may_handle(person, center) -> bool:
    return person is not None and person.is_active and person.has_perm(HANDLE, center)


@transaction.atomic
def assign(*, alert: Alert, user, assignee, note: str = "") -> Alert:
    """指派: to a person who may handle alerts in this center; they are told in the app."""
    _require(user, HANDLE, alert.center)
    note = _text(note, field="note", label="说明", required=False, limit=500)
    if not may_handle(assignee, alert.center):
        raise ValidationError({"assignee": ["只能指派给本中心有“处置预警”权限的人员。"]})
    current = _locked(alert)
    if current.status == Alert.Status.CLOSED:
        raise _conflict("这条预警已办结，请先重新打开。")
    before = {"assignee": current.assignee_id, "status": current.status}
    now = timezone.now()
    if current.acknowledged_at is None:
        current.acknowledged_by, current.acknowledged_at = user, now
    current.assignee, current.status = assignee, Alert.Status.HANDLING
    current.save(update_fields=["assignee", "status", "acknowledged_by", "acknowledged_at"])
    _note(current, user, "assign", f"指派给 {assignee}。" + (f"说明：{note}" if note else ""))
    record("monitor.alert_assign", actor=user, center=current.center, obj=current, before=before,
           after={"assignee": assignee.pk, "status": current.status})
    if assignee.pk != user.pk:
        center, title, url = current.center, f"请处置舆情预警：{current.title}"[:200], alert_path(current)
        transaction.on_commit(lambda: notify(center=center, recipients=[assignee], title=title,
                                             body=note or f"{user} 把这条预警指派给您。", url=url,
                                             event="monitor_alert"))
    return current


@transaction.atomic
def add_note(*, alert: Alert, user, text: str) -> AlertNote:
    """记录: what was done or learned (a call to the department, a statement published…)."""
    _require(user, HANDLE, alert.center)
    text = _text(text, field="text", label="处置记录", required=True)
    current = _locked(alert)
    if current.status == Alert.Status.NEW:
        current.status, current.acknowledged_by, current.acknowledged_at = Alert.Status.HANDLING, user, timezone.now()
        current.save(update_fields=["status", "acknowledged_by", "acknowledged_at"])
    elif current.status == Alert.Status.ACKNOWLEDGED:
        current.status = Alert.Status.HANDLING
        current.save(update_fields=["status"])
    note = _note(current, user, "", text)
    record("monitor.alert_note", actor=user, center=current.center, obj=current, after={"note": note.pk})
    return note


@transaction.atomic
def close(*, alert: Alert, user, resolution: str) -> Alert:
    """办结: with the resolution, which the record keeps."""
    _require(user, HANDLE, alert.center)
    resolution = _text(resolution, field="resolution", label="处置结果", required=True)
    current = _locked(alert)
    if current.status == Alert.Status.CLOSED:
        raise _conflict("这条预警已经办结了。")
    now = timezone.now()
    if current.acknowledged_at is None:
        current.acknowledged_by, current.acknowledged_at = user, now
    current.status, current.closed_by, current.closed_at, current.resolution = Alert.Status.CLOSED, user, now, resolution
    current.open_key = None  # a repeat after this raises a new alert
    current.save(update_fields=["status", "closed_by", "closed_at", "resolution", "acknowledged_by", "acknowledged_at",
                                "open_key"])
    _note(current, user, "close", f"办结：{resolution}")
    record("monitor.alert_close", actor=user, center=current.center, obj=current, after={"resolution": resolution})
    return current


@transaction.atomic
def reopen(*, alert: Alert, user, reason: str = "") -> Alert:
    """重新打开: back to 处置中 (with an assignee) or 已确认."""
    _require(user, HANDLE, alert.center)
    reason = _text(reason, field="reason", label="原因", required=False, limit=500)
    current = _locked(alert)
    if current.status != Alert.Status.CLOSED:
        raise _conflict("只有已办结的预警才能重新打开。")
    current.status = Alert.Status.HANDLING if current.assignee_id else Alert.Status.ACKNOWLEDGED
    current.closed_by, current.closed_at = None, None
    fields = ["status", "closed_by", "closed_at"]
    if current.rule_id:
        # Repeats fold into it again, unless a newer alert about the event took its place.
        key = open_key(current.rule_id, current.fold_key)
        if not Alert.objects.filter(center=current.center, open_key=key).exists():
            current.open_key = key
            fields.append("open_key")
    current.save(update_fields=fields)
    _note(current, user, "reopen", "重新打开。" + (f"原因：{reason}" if reason else ""))
    record("monitor.alert_reopen", actor=user, center=current.center, obj=current, after={"reason": reason})
    return current


# --- Item → newsroom lead -----------------------------------------------------------------------------

def _lead_content(item: Item) -> str:
    source = item.source
    level = Source.Level(item.level).label if item.level in Source.Level.values else ""
    published = timezone.localtime(item.published_at).strftime("%Y-%m-%d %H:%M")
    lines = [(item.text or item.title).strip()[:8000], "", f"来源：{source.name}" + (f"（{level}）" if level else ""),
             f"发布时间：{published}"]
    if item.author:
        lines.append(f"作者：{item.author}")
    if item.url:
        lines.append(f"原文：{item.url}")
    lines.append(f"舆情监测：/monitor/items/{item.pk}/")
    return "\n".join(lines)


@transaction.atomic
def send_to_newsroom(*, item: Item, user, note: str = ""):
    """转为线索: the item becomes a planning lead (source 舆情监测), once. Sets item.lead and
    writes "已转线索" into the handling record of the item's open alerts."""
    from rongmei.planning.models import Lead
    from rongmei.planning.services import create_lead

    _require(user, HANDLE, item.center)
    note = _text(note, field="note", label="说明", required=False, limit=500)
    current = Item.objects.select_for_update().select_related("source", "center").get(pk=item.pk)
    if current.lead_id:
        lead = Lead.objects.filter(pk=current.lead_id).first()
        if lead is not None:
            return lead
    content = _lead_content(current)
    if note:
        content = f"{note}\n\n{content}"
    lead = create_lead(center=current.center, title=(current.title or "舆情信息")[:100], content=content[:10_000],
                       source=Lead.Source.MONITOR, source_ref=f"monitor-item:{current.pk}", created_by=user)
    current.lead = lead
    current.save(update_fields=["lead"])
    for alert in Alert.objects.filter(items=current).exclude(status=Alert.Status.CLOSED):
        _note(alert, user, "lead", f"已转线索：{current.title}"[:500])
    record("monitor.item_to_lead", actor=user, center=current.center, obj=current, after={"lead": lead.pk})
    item.lead = lead
    return lead


def lead_item(alert: Alert) -> Item | None:
    """The alert's lead item: the highest source level, then the most negative, then the earliest."""
    return alert.items.order_by("-level", "tone_score", "published_at", "pk").first()


def send_alert_to_newsroom(alert: Alert, user, note: str = ""):
    """转为线索 for an alert: its lead item (see `lead_item`) goes to the newsroom."""
    item = lead_item(alert)
    if item is None:
        raise ValidationError("这条预警没有相关信息，无法转为线索。")
    return send_to_newsroom(item=item, user=user, note=note)


# --- Alert rules ------------------------------------------------------------------------------------

RULE_FIELDS = ("name", "kind", "threshold", "factor", "min_items", "window_minutes", "min_level", "notify_in_app",
               "emails", "fold_hours", "enabled")


def _rule_state(rule: AlertRule) -> dict:
    state = {f: getattr(rule, f) for f in RULE_FIELDS}
    state["topics"] = sorted(rule.topics.values_list("pk", flat=True)) if rule.pk else []
    state["robots"] = sorted(rule.robots.values_list("pk", flat=True)) if rule.pk else []
    return state


def _check_rule(rule: AlertRule, topics, robots) -> dict:
    errors: dict[str, list[str]] = {}
    rule.name = (rule.name or "").strip()
    if not rule.name:
        errors["name"] = ["请填写规则名称。"]
    elif len(rule.name) > 50:
        errors["name"] = ["名称最多 50 个字。"]
    elif AlertRule.objects.filter(center=rule.center, name=rule.name).exclude(pk=rule.pk).exists():
        errors["name"] = ["本中心已有同名的预警规则。"]
    if rule.kind not in AlertRule.Kind.values:
        errors["kind"] = ["请选择规则类型：负面信息、信息量突增或高级别来源。"]
    if not -1.0 <= float(rule.threshold) <= 1.0:
        errors["threshold"] = ["倾向分阈值应在 -1 到 1 之间（如 -0.3）。"]
    if not 1.0 <= float(rule.factor) <= 100.0:
        errors["factor"] = ["倍数应在 1 到 100 之间。"]
    if not 1 <= int(rule.min_items) <= 10_000:
        errors["min_items"] = ["最少条数应在 1 到 10000 之间。"]
    if not 5 <= int(rule.window_minutes) <= 1440:
        errors["window_minutes"] = ["统计窗口应在 5 到 1440 分钟（一天）之间。"]
    if rule.min_level not in Source.Level.values:
        errors["min_level"] = ["请选择来源级别。"]
    if not 1 <= int(rule.fold_hours) <= 168:
        errors["fold_hours"] = ["合并时间应在 1 到 168 小时（一周）之间。"]
    addresses = emails_of(rule.emails)
    bad = []
    for address in addresses:
        try:
            validate_email(address)
        except ValidationError:
            bad.append(address)
    if bad:
        errors["emails"] = [f"邮箱格式不对：{bad[0][:60]}。"]
    elif len(addresses) > MAX_EMAILS:
        errors["emails"] = [f"邮件接收人最多 {MAX_EMAILS} 个。"]
    else:
        rule.emails = "\n".join(dict.fromkeys(addresses))
    if any(t.center_id != rule.center_id for t in topics):
        errors["topics"] = ["所选监测方案不属于本中心。"]
    if any(r.center_id != rule.center_id for r in robots):
        errors["robots"] = ["所选群机器人不属于本中心。"]
    return errors


def _rule_relations(center, topic_ids, robot_ids) -> tuple[list, list]:
    from rongmei.core.tenancy import scoped

    topic_ids, robot_ids = list(dict.fromkeys(topic_ids or [])), list(dict.fromkeys(robot_ids or []))
    topics = list(scoped(Topic, center).filter(pk__in=topic_ids))
    robots = list(scoped(RobotHook, center).filter(pk__in=robot_ids))
    errors = {}
    if len(topics) != len(topic_ids):
        errors["topics"] = ["所选监测方案不存在或不属于本中心。"]
    if len(robots) != len(robot_ids):
        errors["robots"] = ["所选群机器人不存在或不属于本中心。"]
    if errors:
        raise ValidationError(errors)
    return topics, robots


@transaction.atomic
def save_rule(*, center, user, rule: AlertRule | None = None, topic_ids=(), robot_ids=(), **fields) -> AlertRule:
    """Create (rule=None) or change an alert rule. `fields` are RULE_FIELDS."""
    _require(user, MANAGE, center)
    topics, robots = _rule_relations(center, topic_ids, robot_ids)
    creating = rule is None
    if creating:
        rule = AlertRule(center=center)
        before = None
    else:
        rule = AlertRule.objects.select_for_update().get(pk=rule.pk, center=center)
        before = _rule_state(rule)
    unknown = set(fields) - set(RULE_FIELDS)
    if unknown:
        raise ValueError(f"unknown rule fields {sorted(unknown)}")
    for name, value in fields.items():
        setattr(rule, name, value if value is not None else getattr(rule, name))
    errors = _check_rule(rule, topics, robots)
    if errors:
        raise ValidationError(errors)
    rule.save()
    rule.topics.set(topics)
    rule.robots.set(robots)
    record("monitor.rule_create" if creating else "monitor.rule_update", actor=user, center=center, obj=rule,
           before=before, after=_rule_state(rule))
    return rule


@transaction.atomic
def delete_rule(*, rule: AlertRule, user) -> None:
    """The rule goes; its alerts stay (without a rule)."""
    _require(user, MANAGE, rule.center)
    record("monitor.rule_delete", actor=user, center=rule.center, obj=rule, before=_rule_state(rule))
    rule.delete()


# --- Group robots -------------------------------------------------------------------------------------

def _robot_state(robot: RobotHook) -> dict:
    return {"name": robot.name, "kind": robot.kind, "url": robot_kit.masked_url(robot.url), "enabled": robot.enabled,
            "has_secret": bool(robot.secret)}


@transaction.atomic
def save_robot(*, center, user, robot: RobotHook | None = None, name: str, kind: str, url: str,
               secret: str | None = None, enabled: bool = True) -> RobotHook:
    """Create or change a robot. `secret` None keeps the stored one, "" clears it; it is
    stored encrypted and never returned."""
    _require(user, MANAGE, center)
    creating = robot is None
    if creating:
        robot, before = RobotHook(center=center), None
    else:
        robot = RobotHook.objects.select_for_update().get(pk=robot.pk, center=center)
        before = _robot_state(robot)
    robot.name, robot.kind, robot.url, robot.enabled = (name or "").strip(), kind, (url or "").strip(), bool(enabled)
    errors: dict[str, list[str]] = {}
    if not robot.name:
        errors["name"] = ["请填写机器人名称（如 舆情值班群）。"]
    elif len(robot.name) > 50:
        errors["name"] = ["名称最多 50 个字。"]
    elif RobotHook.objects.filter(center=center, name=robot.name).exclude(pk=robot.pk).exists():
        errors["name"] = ["本中心已有同名的群机器人。"]
    if kind not in RobotHook.Kind.values:
        errors["kind"] = ["请选择机器人类型：企业微信、钉钉或飞书。"]
    elif not robot.url:
        errors["url"] = ["请填写机器人的 Webhook 地址。"]
    elif len(robot.url) > 500:
        errors["url"] = ["Webhook 地址最多 500 个字符。"]
    else:
        problem = robot_kit.url_problem(kind, robot.url)
        if problem:
            errors["url"] = [problem]
    if secret is not None:
        secret = secret.strip()
        if len(secret) > 200:
            errors["secret"] = ["加签密钥最多 200 个字符。"]
        elif secret and kind == RobotHook.Kind.WECOM:
            errors["secret"] = ["企业微信群机器人没有加签密钥（地址中的 key 即为凭证），请留空。"]
    if errors:
        raise ValidationError(errors)
    if secret is not None:
        robot.secret = secrets.encrypt(secret)
    robot.save()
    record("monitor.robot_create" if creating else "monitor.robot_update", actor=user, center=center, obj=robot,
           before=before, after={**_robot_state(robot), "secret_changed": secret is not None})
    return robot


@transaction.atomic
def delete_robot(*, robot: RobotHook, user) -> None:
    _require(user, MANAGE, robot.center)
    record("monitor.robot_delete", actor=user, center=robot.center, obj=robot, before=_robot_state(robot))
    robot.delete()


def test_robot(*, robot: RobotHook, user) -> robot_kit.Result:
    """发送测试消息: one message now, the platform's answer shown at once (and audited)."""
    _require(user, MANAGE, robot.center)
    if not robot.enabled:
        raise ValidationError("机器人已停用：请先启用再发送测试消息。")
    now = timezone.localtime()
    text = f"这是一条来自融媒工作平台舆情监测的测试消息（{now:%Y-%m-%d %H:%M}，{user}）。收到即表示群机器人设置正确。"
    result = robot_kit.send(robot, title="舆情监测测试消息", markdown=f"### 舆情监测测试消息\n{text}", plain=text)
    with transaction.atomic():
        record("monitor.robot_test", actor=user, center=robot.center, obj=robot,
               after={"outcome": result.outcome, "code": result.code, "message": result.message})
    return result


AUDIT_LABELS = {
    "monitor.alert_acknowledge": "确认舆情预警", "monitor.alert_assign": "指派舆情预警", "monitor.alert_note": "记录预警处置",
    "monitor.alert_close": "办结舆情预警", "monitor.alert_reopen": "重新打开舆情预警", "monitor.item_to_lead": "舆情转为线索",
    "monitor.rule_create": "新建预警规则", "monitor.rule_update": "修改预警规则", "monitor.rule_delete": "删除预警规则",
    "monitor.robot_create": "添加群机器人", "monitor.robot_update": "修改群机器人", "monitor.robot_delete": "删除群机器人",
    "monitor.robot_test": "群机器人测试消息",
}
