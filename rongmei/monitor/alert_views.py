"""Screens of 预警与处置: the alert list and an alert's page with every handling step, the
alert rules, the group robots (secret write-only, 发送测试消息), and 转为线索 for an item."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from rongmei.core.ids import parse_id
from rongmei.core.models import User
from rongmei.core.tenancy import get_scoped_or_404, scoped
from rongmei.core.views import apply_errors, require_perm, safe_next
from rongmei.monitor import alerts as alert_kit
from rongmei.core.messaging import robots as robot_kit
from rongmei.monitor import services
from rongmei.monitor.alert_forms import RobotForm, RuleForm
from rongmei.monitor.models import Alert, AlertDelivery, AlertRule, Item, RobotHook

LIST_LIMIT = 200


def alert_filters(data) -> dict:
    """The list's filters from a query string: unknown values are ignored."""
    out = {}
    status = data.get("status", "open")
    out["status"] = status if status in (*Alert.Status.values, "open", "all") else "open"
    kind = data.get("kind", "")
    out["kind"] = kind if kind in AlertRule.Kind.values else ""
    severity = parse_id(data.get("severity", "") or "")
    out["severity"] = severity if severity in Alert.Severity.values else None
    out["mine"] = data.get("mine") == "1"
    return out


def filtered_alerts(center, user, filters: dict):
    qs = scoped(Alert, center).select_related("topic", "assignee", "rule")
    if filters["status"] == "open":
        qs = qs.exclude(status=Alert.Status.CLOSED)
    elif filters["status"] != "all":
        qs = qs.filter(status=filters["status"])
    if filters["kind"]:
        qs = qs.filter(kind=filters["kind"])
    if filters["severity"]:
        qs = qs.filter(severity=filters["severity"])
    if filters["mine"]:
        qs = qs.filter(assignee=user)
    return qs


@require_perm("monitor.view")
def alert_list(request):
    filters = alert_filters(request.GET)
    qs = filtered_alerts(request.center, request.user, filters).order_by("-last_raised_at", "-pk")
    counts = dict(scoped(Alert, request.center).values_list("status").annotate(n=Count("pk")))
    return render(request, "monitor/alert_list.html", {
        "alerts": qs[:LIST_LIMIT], "filters": filters,
        "statuses": [(value, label, counts.get(value, 0)) for value, label in Alert.Status.choices],
        "kinds": AlertRule.Kind.choices, "severities": Alert.Severity.choices,
        "can_manage": request.user.has_perm("monitor.manage", request.center)})


def _handlers(center):
    return alert_kit.handlers(center)


@require_perm("monitor.view")
def alert_detail(request, pk: int):
    alert = get_scoped_or_404(Alert.objects.select_related("topic", "assignee", "rule", "acknowledged_by", "closed_by"),
                              request.center, pk=pk)
    items = list(alert.items.select_related("source", "lead").order_by("-level", "tone_score", "-published_at")[:100])
    lead = services.lead_item(alert)
    return render(request, "monitor/alert_detail.html", {
        "alert": alert, "items": items, "notes": alert.notes.select_related("author"),
        "deliveries": alert.deliveries.select_related("robot").order_by("pk"),
        "can_handle": request.user.has_perm("monitor.handle", request.center),
        "handlers": _handlers(request.center), "lead_item": lead})


ACTION_DONE = {"acknowledge": "已确认。", "assign": "已指派，对方会收到通知。", "note": "已记录。", "close": "已办结。",
               "reopen": "已重新打开。", "lead": "已转为线索，策划与指挥调度的线索库可以看到。"}


@require_POST
@require_perm("monitor.handle")
def alert_action(request, pk: int):
    alert = get_scoped_or_404(Alert, request.center, pk=pk)
    post, user = request.POST, request.user
    action = post.get("action", "")

    def assignee():
        person_id = parse_id(post.get("assignee", "") or "")
        person = User.objects.filter(pk=person_id).first() if person_id else None
        if person is None or not services.may_handle(person, request.center):
            raise ValidationError("请选择本中心有“处置预警”权限的人员。")
        return person

    steps = {
        "acknowledge": lambda: services.acknowledge(alert=alert, user=user),
        "assign": lambda: services.assign(alert=alert, user=user, assignee=assignee(), note=post.get("note", "")),
        "note": lambda: services.add_note(alert=alert, user=user, text=post.get("text", "")),
        "close": lambda: services.close(alert=alert, user=user, resolution=post.get("resolution", "")),
        "reopen": lambda: services.reopen(alert=alert, user=user, reason=post.get("reason", "")),
        "lead": lambda: services.send_alert_to_newsroom(alert=alert, user=user, note=post.get("note", "")),
    }
    if action not in steps:
        messages.error(request, "未知的操作。")
        return redirect("monitor:alert", pk=alert.pk)
    try:
        steps[action]()
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, ACTION_DONE[action])
    return redirect("monitor:alert", pk=alert.pk)


@require_POST
@require_perm("monitor.handle")
def item_lead(request, pk: int):
    """转为线索 from the item's page (or anywhere that posts here with a `next`)."""
    item = get_scoped_or_404(Item, request.center, pk=pk)
    try:
        had = item.lead_id is not None
        lead = services.send_to_newsroom(item=item, user=request.user, note=request.POST.get("note", ""))
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, f"这条信息已经是线索：{lead.title}" if had else f"已转为线索：{lead.title}")
    return redirect(safe_next(request) or reverse("monitor:item", args=[item.pk]))


# --- Rules ----------------------------------------------------------------------------------------------

@require_perm("monitor.manage")
def rule_list(request):
    rules = scoped(AlertRule, request.center).prefetch_related("topics", "robots").annotate(alert_count=Count("alerts"))
    return render(request, "monitor/rule_list.html", {"rules": rules})


def _rule_form_page(request, rule: AlertRule | None):
    initial = RuleForm.initial_of(rule) if rule else None
    form = RuleForm(request.POST or None, center=request.center, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.save_rule(center=request.center, user=request.user, rule=rule, **form.service_args())
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, f"已保存预警规则：{saved.name}")
            return redirect("monitor:rules")
    return render(request, "monitor/rule_form.html", {"form": form, "rule": rule})


@require_perm("monitor.manage")
def rule_new(request):
    return _rule_form_page(request, None)


@require_perm("monitor.manage")
def rule_edit(request, pk: int):
    return _rule_form_page(request, get_scoped_or_404(AlertRule, request.center, pk=pk))


@require_POST
@require_perm("monitor.manage")
def rule_delete(request, pk: int):
    rule = get_scoped_or_404(AlertRule, request.center, pk=pk)
    name = rule.name
    services.delete_rule(rule=rule, user=request.user)
    messages.success(request, f"已删除预警规则：{name}（已有的预警保留）")
    return redirect("monitor:rules")


# --- Robots ---------------------------------------------------------------------------------------------

def _robot_rows(center):
    robots = list(scoped(RobotHook, center).annotate(rule_count=Count("rules")))
    for robot in robots:
        robot.masked = robot_kit.masked_url(robot.url)
        robot.last = AlertDelivery.objects.filter(robot=robot).order_by("-pk").first()
    return robots


@require_perm("monitor.manage")
def robot_list(request):
    return render(request, "monitor/robot_list.html", {"robots": _robot_rows(request.center)})


def _robot_form_page(request, robot: RobotHook | None):
    editing = robot is not None
    initial = {"name": robot.name, "kind": robot.kind, "enabled": robot.enabled} if editing else {"enabled": True}
    form = RobotForm(request.POST or None, initial=initial, editing=editing)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        secret = data["secret"] or None
        if editing and data.get("clear_secret"):
            secret = ""
        try:
            saved = services.save_robot(center=request.center, user=request.user, robot=robot, name=data["name"],
                                        kind=data["kind"], url=data["url"] or (robot.url if editing else ""),
                                        secret=secret, enabled=data["enabled"])
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, f"已保存群机器人：{saved.name}")
            return redirect("monitor:robot", pk=saved.pk)
    return render(request, "monitor/robot_form.html", {
        "form": form, "robot": robot, "masked": robot_kit.masked_url(robot.url) if editing else ""})


@require_perm("monitor.manage")
def robot_new(request):
    return _robot_form_page(request, None)


@require_perm("monitor.manage")
def robot_edit(request, pk: int):
    return _robot_form_page(request, get_scoped_or_404(RobotHook, request.center, pk=pk))


@require_POST
@require_perm("monitor.manage")
def robot_action(request, pk: int):
    robot = get_scoped_or_404(RobotHook, request.center, pk=pk)
    action = request.POST.get("action", "")
    try:
        if action == "test":
            result = services.test_robot(robot=robot, user=request.user)
            if result.ok:
                messages.success(request, "测试消息已送达，请到群里查看。")
            else:
                messages.error(request, f"测试消息未送达：{result.message}")
        elif action == "delete":
            name = robot.name
            services.delete_robot(robot=robot, user=request.user)
            messages.success(request, f"已删除群机器人：{name}")
            return redirect("monitor:robots")
        else:
            messages.error(request, "未知的操作。")
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    return redirect("monitor:robot", pk=robot.pk)
