"""问政设置 → 短信: the center admin's screen for SMS to citizens — on or off, the signature,
the daily limit per number, the provider connection (AccessKey, secret write-only), one
template per moment with its variables, a test send, and the latest SMS with their outcome.

Thin on purpose: every change goes through `rongmei.inquiry.sms` (checks, version, audit);
templates are looked up within the center, so another center's template is a 404."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render

from rongmei.core.models import MessageChannel, MessageDelivery
from rongmei.core.tenancy import get_scoped_or_404, scoped
from rongmei.core.views import require_perm
from rongmei.inquiry import sms
from rongmei.inquiry.models import SMS_SOURCES, SmsEvent, SmsTemplate

PARAM_ROWS = 5  # variable rows on a template form (blank ones are ignored)


def _param_rows(post) -> dict[str, str]:
    names, sources = post.getlist("param_name"), post.getlist("param_source")
    return {(n or "").strip(): (s or "").strip() for n, s in zip(names[:20], sources[:20]) if (n or "").strip() or (s or "").strip()}


def _rows(template: SmsTemplate | None) -> list[tuple[str, str]]:
    current = list((template.params or {}).items()) if template else []
    return current + [("", "")] * max(1, PARAM_ROWS - len(current))


def _flash(request, exc: ValidationError) -> None:
    messages.error(request, "；".join(exc.messages))


@require_perm("inquiry.manage")
def sms_settings(request):
    center = request.center
    if request.method == "POST":
        post, what = request.POST, request.POST.get("what")
        try:
            if what == "setting":
                sms.save_setting(center=center, user=request.user, enabled=post.get("enabled") == "on",
                                 sign_name=post.get("sign_name", ""), daily_limit=post.get("daily_limit", ""),
                                 version=post.get("version") or None)
                messages.success(request, "短信设置已保存。")
            elif what == "channel":
                sms.save_channel(center=center, user=request.user, access_key_id=post.get("access_key_id", ""),
                                 secret=post.get("secret", ""), base_url=post.get("base_url", ""),
                                 region=post.get("region", ""), is_active=post.get("is_active") == "on",
                                 version=post.get("version") or None)
                messages.success(request, "短信通道已保存（密钥加密保存，不再显示）。")
            elif what == "template":
                sms.save_template(center=center, user=request.user, event=post.get("event", ""),
                                  template_code=post.get("template_code", ""), params=_param_rows(post),
                                  is_active=post.get("is_active") == "on")
                messages.success(request, "短信模板已保存。")
            elif what == "test":
                sms.test_send(center=center, user=request.user, event=post.get("event", ""), phone=post.get("phone", ""))
                messages.success(request, "测试短信已交发送，结果见下方“最近的短信”。")
            else:
                raise ValidationError("未知的设置。")
        except ValidationError as exc:
            _flash(request, exc)
        return redirect("inquiry:sms_settings")
    templates = {t.event: t for t in scoped(SmsTemplate, center)}
    channel = MessageChannel.objects.filter(center=center, kind=MessageChannel.Kind.SMS).order_by("pk").first()
    return render(request, "inquiry/sms_settings.html", {
        "setting": sms.setting_for(center), "channel": channel,
        "moments": [(value, label, templates.get(value), _rows(None)) for value, label in SmsEvent.choices],
        "sources": SMS_SOURCES,
        "recent": MessageDelivery.objects.filter(center=center, kind="sms").select_related("channel")[:20],
    })


@require_perm("inquiry.manage")
def sms_template(request, pk: int):
    template = get_scoped_or_404(SmsTemplate, request.center, pk=pk)
    if request.method == "POST":
        post = request.POST
        try:
            sms.save_template(center=request.center, user=request.user, event=template.event,
                              template_code=post.get("template_code", ""), params=_param_rows(post),
                              is_active=post.get("is_active") == "on", version=post.get("version") or None)
        except ValidationError as exc:
            _flash(request, exc)
            return redirect("inquiry:sms_template", pk=template.pk)
        messages.success(request, "短信模板已保存。")
        return redirect("inquiry:sms_settings")
    return render(request, "inquiry/sms_template.html", {
        "template": template, "rows": _rows(template), "sources": SMS_SOURCES,
    })
