"""The notification screens (issue 17).

- 通知设置 (`/account/notifications/`, everyone): which events reach the person where (the
  bell always; 邮件, 企业微信, 钉钉 as chosen), quiet hours, their 企业微信 / 钉钉 account,
  and 发一条测试消息 through the outbox — so a person finds out today, not at the next
  overdue case, that a message cannot reach them.
- 消息渠道 (`/notify/channels/`, center admin): the center's 企业微信 application, 钉钉 app,
  desk group robots and SMS gateway; secrets and robot addresses are write-only (a robot's
  address is a credential: anyone holding it can post to the group), each with 测试 and its
  last success / error; people's accounts bound in bulk.
- 发送记录 (`/notify/deliveries/`, center admin): the outbox, filtered; retry a dead
  message, cancel a waiting one.

Thin: every change goes through rongmei.core.notify_services, which the API shares.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from rongmei.core import notify_services as ns
from rongmei.core.ids import parse_id
from rongmei.core.messaging import events as catalogue
from rongmei.core.messaging.robots import masked_url
from rongmei.core.models import MessageChannel, MessageDelivery, PersonChannel, User
from rongmei.core.notify_forms import KIND_FIELDS, KIND_LABELS, ChannelForm, DeliveryFilterForm, SettingsForm, event_label
from rongmei.core.tenancy import get_scoped_or_404
from rongmei.core.views import apply_errors, require_perm

PERM = ns.PERMISSION
EVERYONE = "core.view_dashboard"


def _labelled(rows) -> list[MessageDelivery]:
    rows = list(rows)
    for d in rows:
        d.event_text = event_label(d.event) if d.event else "通知"
        d.kind_text = KIND_LABELS.get(d.kind, d.kind)
    return rows


def _stale(form, exc: ns.StaleVersion) -> None:
    form.add_error(None, f"{exc.message_text}（当前版本 {exc.current}）")


# --- 通知设置 -------------------------------------------------------------------------------------

@never_cache
@require_perm(EVERYONE)
def my_settings(request):
    user, center = request.user, request.center
    pc = ns.person_channel(user, center)
    prefs = ns.preferences(user, center)
    initial = {"quiet_from": pc.quiet_from, "quiet_to": pc.quiet_to, "wecom_userid": pc.wecom_userid,
               "dingtalk_userid": pc.dingtalk_userid, "version": pc.version}
    form = SettingsForm(request.POST or None, initial=initial, prefs=prefs)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                ns.save_settings(user=user, center=center, actor=user, prefs=form.preferences(),
                                 quiet_from=data["quiet_from"], quiet_to=data["quiet_to"],
                                 wecom_userid=data["wecom_userid"], dingtalk_userid=data["dingtalk_userid"],
                                 version=data["version"])
            except ns.StaleVersion as exc:
                _stale(form, exc)
                status = 409
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, "通知设置已保存。")
                return redirect("core:notify_settings")
        if status == 200:
            status = 400
    why = ns.available_channels(user, center, pc)
    return render(request, "core/notify/settings.html", {
        "form": form, "rows": list(form.event_rows(prefs, why)), "why": why,
        "channel_labels": [catalogue.CHANNEL_LABELS[c] for c in ns.OPTIONAL_CHANNELS],
        "recent": _labelled(MessageDelivery.objects.filter(center=center, recipient=user).order_by("-created_at", "-pk")[:10]),
    }, status=status)


@require_POST
@require_perm(EVERYONE)
def my_test(request):
    try:
        rows = ns.send_test_to_me(user=request.user, center=request.center)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        labels = "、".join(KIND_LABELS.get(r.kind, r.kind) for r in rows)
        messages.success(request, f"测试消息已排队发送（{labels}），结果见下方“最近发给我的消息”。")
    return redirect("core:notify_settings")


# --- 消息渠道 -------------------------------------------------------------------------------------

def _last_delivery(channel: MessageChannel):
    return channel.deliveries.order_by("-created_at", "-pk").first()


@never_cache
@require_perm(PERM)
def channel_list(request):
    rows = list(ns.channels(request.center))
    for c in rows:
        c.masked = masked_url(c.webhook_url) if c.webhook_url else ""
        c.event_labels = [catalogue.label(e) for e in c.events or []]
    return render(request, "core/notify/channels.html", {
        "channels": rows, "kinds": [(k, KIND_LABELS[k]) for k in KIND_FIELDS]})


def _channel_page(request, channel: MessageChannel | None, kind: str):
    editing = channel is not None
    initial = {"is_active": True}
    if editing:
        initial = {"name": channel.name, "app_id": channel.app_id, "agent_id": channel.agent_id,
                   "org_unit": channel.org_unit_id, "events": channel.events, "base_url": channel.base_url,
                   "is_active": channel.is_active,
                   "region": (channel.options or {}).get("region", "")}
    form = ChannelForm(request.POST or None, initial=initial, center=request.center, kind=kind, editing=editing)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                kwargs = form.service_kwargs(editing)
                if editing:
                    version = parse_id(request.POST.get("version", "") or "")
                    if version is None:
                        raise ValidationError({"version": ["页面缺少版本号，请刷新后再改。"]})
                    saved = ns.save_channel(center=request.center, user=request.user, channel=channel, kind=kind,
                                            version=version, **kwargs)
                else:
                    saved = ns.save_channel(center=request.center, user=request.user, kind=kind, **kwargs)
            except ns.StaleVersion as exc:
                _stale(form, exc)
                status = 409
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, f"已保存消息渠道：{saved.name}")
                return redirect("core:notify_channel", pk=saved.pk)
        if status == 200:
            status = 400
    context = {"form": form, "channel": channel, "kind": kind, "kind_label": KIND_LABELS[kind],
               # the version as read: after a refused save the page keeps the old one, so only a reload clears it
               "version": (request.POST.get("version", "")[:12] if request.method == "POST" else channel.version) if editing else "",
               "is_robot": kind in MessageChannel.ROBOT_KINDS}
    if editing:
        context["masked"] = masked_url(channel.webhook_url) if channel.webhook_url else ""
        context["recent"] = _labelled(channel.deliveries.order_by("-created_at", "-pk")[:10])
    return render(request, "core/notify/channel_form.html", context, status=status)


@never_cache
@require_perm(PERM)
def channel_new(request):
    kind = request.GET.get("kind", "")
    if kind not in KIND_FIELDS:
        messages.error(request, "请先选择要添加的渠道类型。")
        return redirect("core:notify_channels")
    return _channel_page(request, None, kind)


@never_cache
@require_perm(PERM)
def channel_edit(request, pk: int):
    channel = get_scoped_or_404(MessageChannel, request.center, pk=pk)
    return _channel_page(request, channel, channel.kind)


@require_POST
@require_perm(PERM)
def channel_action(request, pk: int):
    channel = get_scoped_or_404(MessageChannel, request.center, pk=pk)
    action = request.POST.get("action", "")
    try:
        if action == "test":
            row = ns.test_channel(channel=channel, user=request.user)
            messages.success(request, f"测试消息已排队（{row.get_status_display()}），结果见下方最近消息和“发送记录”。")
        elif action == "delete":
            name = channel.name
            ns.delete_channel(channel=channel, user=request.user)
            messages.success(request, f"已删除消息渠道：{name}（发送记录保留）")
            return redirect("core:notify_channels")
        else:
            messages.error(request, "未知的操作。")
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    return redirect("core:notify_channel", pk=channel.pk)


# --- 人员账号绑定 (the admin fills in people's 企业微信 / 钉钉 accounts) --------------------------

def _staff(center):
    return (User.objects.filter(memberships__center=center, is_active=True).distinct()
            .order_by("display_name", "username"))


@never_cache
@require_perm(PERM)
def bindings(request):
    center = request.center
    people = list(_staff(center))
    rows = {p.user_id: p for p in PersonChannel.objects.filter(center=center, user__in=[u.pk for u in people])}
    errors: dict[int, list[str]] = {}
    status = 200
    if request.method == "POST":
        saved = 0
        for person in people:
            pc = rows.get(person.pk)
            wecom = request.POST.get(f"wecom_{person.pk}")
            ding = request.POST.get(f"dingtalk_{person.pk}")
            if wecom is None and ding is None:
                continue
            wecom, ding = (wecom or "").strip(), (ding or "").strip()
            if pc is None and not wecom and not ding:
                continue
            if pc is not None and pc.wecom_userid == wecom and pc.dingtalk_userid == ding:
                continue
            version = parse_id(request.POST.get(f"version_{person.pk}", "") or "") or 0
            try:
                ns.save_settings(user=person, center=center, actor=request.user, wecom_userid=wecom, dingtalk_userid=ding,
                                 quiet_from=pc.quiet_from if pc else None, quiet_to=pc.quiet_to if pc else None,
                                 version=version)
                saved += 1
            except ns.StaleVersion as exc:
                errors[person.pk] = [f"{exc.message_text}（{person.display_name or person.username}）"]
            except ValidationError as exc:
                errors[person.pk] = exc.messages
        if not errors:
            messages.success(request, f"已保存 {saved} 人的账号。" if saved else "没有改动。")
            return redirect("core:notify_bindings")
        status = 409 if any("他人修改" in m for msgs in errors.values() for m in msgs) else 400
        rows = {p.user_id: p for p in PersonChannel.objects.filter(center=center, user__in=[u.pk for u in people])}
    table = []
    for person in people:
        pc = rows.get(person.pk)
        table.append({"person": person, "pc": pc, "errors": errors.get(person.pk, []),
                      "wecom": request.POST.get(f"wecom_{person.pk}", pc.wecom_userid if pc else "") if errors else (pc.wecom_userid if pc else ""),
                      "dingtalk": request.POST.get(f"dingtalk_{person.pk}", pc.dingtalk_userid if pc else "") if errors else (pc.dingtalk_userid if pc else ""),
                      "version": pc.version if pc else 0})
    return render(request, "core/notify/bindings.html", {"rows": table}, status=status)


# --- 发送记录 -------------------------------------------------------------------------------------

@never_cache
@require_perm(PERM)
def delivery_log(request):
    form = DeliveryFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_bound and form.is_valid() else {}
    qs = ns.deliveries(request.center, **{k: v for k, v in filters.items() if v})
    who = (request.GET.get("q") or "").strip()[:50]
    if who:
        qs = qs.filter(Q(recipient__display_name__icontains=who) | Q(recipient__username__iexact=who)
                       | Q(title__icontains=who))
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    page.object_list = _labelled(page.object_list)
    for d in page.object_list:
        d.can_retry = d.status in ns.RETRYABLE
        d.can_cancel = d.status in ns.CANCELLABLE
    query = request.GET.copy()
    query.pop("page", None)
    counts = {s: n for s, n in _counts(request.center)}
    return render(request, "core/notify/deliveries.html", {
        "form": form, "page": page, "query": query.urlencode(), "who": who,
        "counts": [(value, label, counts.get(value, 0)) for value, label in MessageDelivery.Status.choices]},
        status=200 if not form.is_bound or form.is_valid() else 400)


def _counts(center):
    from django.db.models import Count

    return (MessageDelivery.objects.filter(center=center).values_list("status").annotate(n=Count("pk")).order_by())


@require_POST
@require_perm(PERM)
def delivery_action(request, pk: int):
    delivery = get_scoped_or_404(MessageDelivery, request.center, pk=pk)
    action = request.POST.get("action", "")
    try:
        if action == "retry":
            ns.retry(delivery=delivery, user=request.user)
            messages.success(request, "已重新排队发送（同一条消息，不会重复）。")
        elif action == "cancel":
            ns.cancel(delivery=delivery, user=request.user)
            messages.success(request, "已取消，这条消息不会再发送。")
        else:
            raise Http404("未知的操作。")
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    back = request.POST.get("back", "")
    if back.startswith("?") and "\n" not in back and len(back) < 500:
        return redirect(reverse("core:notify_deliveries") + back)
    return redirect("core:notify_deliveries")
