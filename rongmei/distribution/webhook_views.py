"""The center admin's Webhook screens: endpoints, their secret (shown once), a test event,
recent deliveries with their attempts, and a manual resend of a dead delivery."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from rongmei.core.ids import parse_id
from rongmei.core.tenancy import get_scoped_or_404
from rongmei.core.views import apply_errors, require_perm
from rongmei.distribution import webhooks
from rongmei.distribution.models import OutboxMessage, WebhookEndpoint

PERM = webhooks.PERMISSION
RECENT = 30
OUTCOMES = {"ok": "成功", "retry": "失败，将重试", "fail": "失败", "wait": "等待"}


class WebhookForm(forms.Form):
    name = forms.CharField(max_length=80, label="名称")
    url = forms.CharField(max_length=300, label="接收地址", help_text="http:// 或 https:// 开头；不跟随跳转。内网地址需系统管理员放行。")
    kinds = forms.MultipleChoiceField(choices=(), widget=forms.CheckboxSelectMultiple, label="推送哪些事件")
    is_active = forms.BooleanField(required=False, label="启用")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kinds"].choices = webhooks.kind_choices()


def _no_store(response):
    response["Cache-Control"] = "no-store"
    return response


def _secret_page(request, endpoint: WebhookEndpoint, secret: str, created: bool):
    return _no_store(render(request, "distribution/webhook_secret.html",
                            {"endpoint": endpoint, "secret": secret, "created": created}))


@require_perm(PERM)
def webhook_list(request):
    endpoints = list(webhooks.endpoints(request.center))
    for e in endpoints:
        e.kind_labels = [webhooks.events.label(k) for k in e.kinds]
        e.last = e.deliveries.order_by("-id").first()
    return render(request, "distribution/webhooks.html", {"endpoints": endpoints})


@require_perm(PERM)
def webhook_new(request):
    form = WebhookForm(request.POST or None, initial={"is_active": True})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            endpoint, secret = webhooks.create_endpoint(center=request.center, user=request.user, name=data["name"],
                                                        url=data["url"], kinds=data["kinds"], is_active=data["is_active"])
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            return _secret_page(request, endpoint, secret, created=True)
    return render(request, "distribution/webhook_form.html", {"form": form})


@require_perm(PERM)
def webhook_detail(request, pk: int):
    endpoint = get_scoped_or_404(WebhookEndpoint, request.center, pk=pk)
    initial = {"name": endpoint.name, "url": endpoint.url, "kinds": endpoint.kinds, "is_active": endpoint.is_active}
    form = WebhookForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            webhooks.update_endpoint(endpoint=endpoint, user=request.user, name=data["name"], url=data["url"],
                                     kinds=data["kinds"], is_active=data["is_active"],
                                     version=parse_id(request.POST.get("version", "")))
        except webhooks.StaleVersion as exc:
            form.add_error(None, str(exc))
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, f"已保存：{data['name']}")
            return redirect("distribution:webhook", pk=endpoint.pk)
    recent = list(webhooks.deliveries(endpoint)[:RECENT])
    for message in recent:
        message.label = webhooks.events.label(message.event)
        message.tries = list(message.attempts_log.all())
        for attempt in message.tries:
            attempt.label = OUTCOMES.get(attempt.outcome, attempt.outcome)
    return render(request, "distribution/webhook_form.html",
                  {"form": form, "endpoint": endpoint, "deliveries": recent, "statuses": OutboxMessage.Status})


@require_POST
@require_perm(PERM)
def webhook_action(request, pk: int):
    endpoint = get_scoped_or_404(WebhookEndpoint, request.center, pk=pk)
    action = request.POST.get("action", "")
    try:
        if action in ("enable", "disable"):
            webhooks.set_active(endpoint=endpoint, user=request.user, active=action == "enable")
            messages.success(request, "已启用。" if action == "enable" else "已停用：不再推送新事件。")
        elif action == "rotate":
            endpoint, secret = webhooks.rotate_secret(endpoint=endpoint, user=request.user)
            return _secret_page(request, endpoint, secret, created=False)
        elif action == "ping":
            webhooks.ping(endpoint=endpoint, user=request.user)
            messages.success(request, "测试事件已排队，稍后在下方推送记录查看结果。")
        elif action == "resend":
            delivery_id = parse_id(request.POST.get("delivery", ""))
            message = webhooks.delivery(endpoint, delivery_id) if delivery_id is not None else None
            if message is None:
                raise ValidationError("请选择要重发的推送。")
            webhooks.resend(message=message, user=request.user)
            messages.success(request, "已重新排队发送（推送编号不变，接收方可据此去重）。")
        elif action == "delete":
            name = endpoint.name
            webhooks.delete_endpoint(endpoint=endpoint, user=request.user)
            messages.success(request, f"已删除：{name}")
            return redirect("distribution:webhooks")
        else:
            messages.error(request, "未知的操作。")
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    return redirect("distribution:webhook", pk=endpoint.pk)
