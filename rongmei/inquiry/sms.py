"""SMS to citizens (网络问政): the citizen who left a mobile number hears when their case is
accepted (受理), answered (已答复) and closed (办结), without having to look.

Why it is built this way:
- The message is the provider's approved template (Chinese SMS providers send nothing
  else) filled from the case's own data — its code, the department, the tracking link —
  never from what the citizen wrote. Each center registers its templates and signature
  with its provider and enters their codes under 问政设置 → 短信.
- It leaves through core's messaging outbox (kind "sms", rongmei.core.messaging): written
  in the transaction of the step it tells about, so a step that rolls back tells nobody;
  retried when the provider says "later" (its per-number frequency limit); never doubled
  (one idempotency key per case, moment and round of 重办; the gateway checks with the
  provider before sending again after an unknown outcome).
- The citizen may say no: "不接收短信" on the form, or 退订 later on the tracking page. That
  is stored on the case and honoured for every later moment. A number also gets at most
  the center's daily limit (our own, before the provider's), so a flood of cases from one
  number does not turn into a flood of SMS.
- The number is never written in clear outside the case: the outbox keeps it encrypted
  with a masked form for the log (138****5678), this room's record keeps a keyed hash (for
  the daily count), audit events and timeline texts never contain it.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac

from rongmei.core.messaging.sms import normalize_mobile
from rongmei.core.models import Center, MessageChannel, User
from rongmei.core.privacy import mask_contact
from rongmei.core.services import record
from rongmei.inquiry.models import (
    SMS_SOURCES,
    Case,
    CaseEvent,
    CaseSms,
    SmsEvent,
    SmsSetting,
    SmsTemplate,
)

CHANNEL_NAME = "问政短信"
TEMPLATE_PARAM_CHARS = 35  # a variable's value at most (Aliyun's documented limit); links excepted
EVENT_TEXT = {"accepted": "受理", "answered": "答复", "closed": "办结"}


def phone_digest(mobile: str) -> str:
    """A keyed hash of the number (the daily count needs equality, not the number)."""
    return salted_hmac("rongmei.inquiry.sms", mobile).hexdigest()


def setting_for(center: Center) -> SmsSetting:
    return SmsSetting.objects.filter(center=center).first() or SmsSetting(center=center)


def channel_for(center: Center) -> MessageChannel | None:
    return MessageChannel.objects.filter(center=center, kind=MessageChannel.Kind.SMS, is_active=True).order_by("pk").first()


def track_link(case: Case) -> str:
    from urllib.parse import urlencode

    return case.center.site_url("/wenzheng/track/?" + urlencode({"code": case.code}))


def source_value(case: Case, source: str) -> str:
    """What a template variable mapped to ``source`` says for this case."""
    if source == "code":
        return case.code
    if source == "department":
        department = case.lead_department
        return (department.short_name or department.name) if department else "相关部门"
    if source == "title":
        return case.title[:20]
    if source == "link":
        return track_link(case)
    if source == "center":
        return case.center.name
    if source == "status":
        return case.get_status_display()
    raise ValueError(source)


def template_params(case: Case, template: SmsTemplate) -> dict[str, str]:
    params = {}
    for name, source in (template.params or {}).items():
        value = source_value(case, source)
        params[name] = value if source == "link" else value[:TEMPLATE_PARAM_CHARS]
    return params


def _round(case: Case, event: str) -> int:
    """重办 (a case sent back once by an unsatisfied citizen) is answered and closed again:
    a new round, a new message. Acceptance happens once."""
    return 0 if event == SmsEvent.ACCEPTED else case.reopened


def tell_citizen(case: Case, event: str) -> CaseSms | None:
    """Queue the SMS for ``event`` (accepted / answered / closed) in the caller's transaction,
    or record why none goes. None when the center sends no SMS for this moment (switched
    off, no template). Asking twice for the same moment and round gives the first record."""
    key = f"inquiry-sms:{case.pk}:{event}:{_round(case, event)}"
    existing = CaseSms.objects.filter(key=key).first()
    if existing is not None:
        return existing
    setting = setting_for(case.center)
    if not setting.enabled:
        return None
    template = SmsTemplate.objects.filter(center=case.center, event=event, is_active=True).first()
    if template is None:
        return None
    mobile = normalize_mobile(case.phone)
    status, delivery = CaseSms.Status.QUEUED, None
    channel = channel_for(case.center)
    digest = phone_digest(mobile or case.phone)
    if mobile is None:
        status = CaseSms.Status.NOT_MOBILE
    elif case.sms_opt_out:
        status = CaseSms.Status.OPTED_OUT
    elif channel is None or not setting.sign_name:
        status = CaseSms.Status.NO_CHANNEL
    elif sent_today(case.center, digest) >= setting.daily_limit:
        status = CaseSms.Status.LIMITED
    if status == CaseSms.Status.QUEUED:
        from rongmei.core.messaging import enqueue

        label = SmsEvent(event).label
        delivery = enqueue(
            center=case.center, kind="sms", address=mobile, channel=channel, key=key, event=f"inquiry_sms_{event}",
            title=f"问政短信（{label}）：{mask_contact(case.title)}"[:200], body=f"{case.code} · 模板 {template.template_code}",
            url=f"/inquiry/cases/{case.pk}/",
            payload={"template_code": template.template_code, "params": template_params(case, template),
                     "sign_name": setting.sign_name, "case": case.pk, "inquiry_event": event})
    row = CaseSms.objects.create(case=case, event=event, key=key, phone_hash=digest, status=status,
                                 delivery_id=delivery.pk if delivery else None)
    text = (f"已向群众发送{EVENT_TEXT[event]}短信（{case.masked_phone}）。" if status == CaseSms.Status.QUEUED
            else f"未发送{EVENT_TEXT[event]}短信：{row.get_status_display()}。")
    CaseEvent.objects.create(case=case, kind="sms", text=text)
    return row


def sent_today(center: Center, digest: str) -> int:
    """SMS queued today (the center's local day) to the number behind ``digest``."""
    from zoneinfo import ZoneInfo

    local = timezone.localtime(timezone.now(), ZoneInfo(center.timezone or "Asia/Shanghai"))
    start = local.replace(hour=0, minute=0, second=0, microsecond=0)
    return CaseSms.objects.filter(case__center=center, phone_hash=digest, status=CaseSms.Status.QUEUED,
                                  created_at__gte=start).count()


@transaction.atomic
def opt_out(*, case: Case, phone_tail: str | None = None, user: User | None = None) -> Case:
    """退订: the citizen wants no more SMS about this case (on the tracking page, with the
    last four digits; or by phone, recorded by the coordinator as ``user``). Honoured for
    every later moment; messages still waiting in the outbox are cancelled."""
    from rongmei.core.messaging import cancel
    from rongmei.core.models import MessageDelivery
    from rongmei.inquiry.services import _check_phone_tail

    case = Case.objects.select_for_update().get(pk=case.pk)
    _check_phone_tail(case, phone_tail)
    if case.sms_opt_out:
        return case
    case.sms_opt_out, case.sms_opt_out_at = True, timezone.now()
    case.save(update_fields=["sms_opt_out", "sms_opt_out_at", "updated_at"])
    waiting = CaseSms.objects.filter(case=case, status=CaseSms.Status.QUEUED, delivery_id__isnull=False)
    for delivery in MessageDelivery.objects.filter(pk__in=waiting.values_list("delivery_id", flat=True)):
        cancel(delivery)
    CaseEvent.objects.create(case=case, kind="sms_opt_out", actor=user, public=True,
                             text="已按您的要求退订本件的短信通知，之后不再发送。" if user else "您已退订本件的短信通知，之后不再发送。")
    if user is not None:
        record("inquiry.sms_opt_out", actor=user, center=case.center, obj=case, after={"sms_opt_out": True})
    return case


def history(case: Case) -> list[dict]:
    """The case page's list: each SMS with its outbox state (masked number only)."""
    from rongmei.core.models import MessageDelivery

    rows = list(case.sms.all())
    deliveries = MessageDelivery.objects.in_bulk([r.delivery_id for r in rows if r.delivery_id])
    out = []
    for row in rows:
        delivery = deliveries.get(row.delivery_id)
        out.append({"event": row.get_event_display(), "created_at": row.created_at,
                    "status": delivery.get_status_display() if delivery else row.get_status_display(),
                    "error": delivery.last_error if delivery else "", "address": delivery.address_masked if delivery else ""})
    return out


# --- Settings (问政设置 → 短信) ------------------------------------------------------------------------

class StaleSetting(ValidationError):
    api_status = 409


def _check_version(current_version: int, version) -> None:
    if version is not None and str(version) != str(current_version):
        raise StaleSetting("别人刚刚修改了这项设置，请刷新页面后再改。")


@transaction.atomic
def save_setting(*, center: Center, user: User, enabled: bool, sign_name: str, daily_limit, version=None) -> SmsSetting:
    current = SmsSetting.objects.select_for_update().filter(center=center).first() or SmsSetting(center=center)
    if current.pk:
        _check_version(current.version, version)
    before = {"enabled": current.enabled, "sign_name": current.sign_name, "daily_limit": current.daily_limit} if current.pk else None
    errors: dict[str, list[str]] = {}
    sign_name = (sign_name or "").strip()
    if len(sign_name) > 40:
        errors["sign_name"] = ["签名最多 40 个字。"]
    elif enabled and not sign_name:
        errors["sign_name"] = ["开启短信前请填写在短信服务商处审核通过的签名。"]
    try:
        limit = int(str(daily_limit).strip())
    except (TypeError, ValueError):
        limit = -1
    if not 1 <= limit <= 50:
        errors["daily_limit"] = ["每个号码每天最多 1 到 50 条。"]
    if errors:
        raise ValidationError(errors)
    current.enabled, current.sign_name, current.daily_limit = bool(enabled), sign_name, limit
    if current.pk:
        current.version += 1
    current.save()
    record("inquiry.sms_settings", actor=user, center=center, obj=current, before=before,
           after={"enabled": current.enabled, "sign_name": sign_name, "daily_limit": limit})
    return current


@transaction.atomic
def save_template(*, center: Center, user: User, event: str, template_code: str, params: dict,
                  is_active: bool = True, version=None) -> SmsTemplate:
    """One moment's template. ``params``: variable name → one of SMS_SOURCES."""
    if event not in SmsEvent.values:
        raise ValidationError({"event": ["请选择时机：已受理、已答复或已办结。"]})
    current = (SmsTemplate.objects.select_for_update().filter(center=center, event=event).first()
               or SmsTemplate(center=center, event=event))
    if current.pk:
        _check_version(current.version, version)
    before = {"template_code": current.template_code, "params": current.params, "is_active": current.is_active} if current.pk else None
    errors: dict[str, list[str]] = {}
    code = (template_code or "").strip()
    if not code:
        errors["template_code"] = ["请填写模板 CODE（如 SMS_480100001）。"]
    elif len(code) > 40 or not all(ch.isalnum() or ch in "_-" for ch in code):
        errors["template_code"] = ["模板 CODE 只能是字母、数字、下划线，最多 40 位。"]
    clean = {}
    for name, source in (params or {}).items():
        name = (name or "").strip()
        if not name and not source:
            continue
        if not name or len(name) > 30 or not all(ch.isalnum() or ch == "_" for ch in name):
            errors.setdefault("params", []).append(f"变量名“{name[:30]}”不对：只能是字母、数字和下划线，如 code。")
        elif source not in SMS_SOURCES:
            errors.setdefault("params", []).append(f"变量“{name}”的取值来源请从列表中选择。")
        else:
            clean[name] = source
    if len(clean) > 10:
        errors.setdefault("params", []).append("一个模板最多 10 个变量。")
    if errors:
        raise ValidationError(errors)
    current.template_code, current.params, current.is_active = code, clean, bool(is_active)
    if current.pk:
        current.version += 1
    current.save()
    record("inquiry.sms_template", actor=user, center=center, obj=current, before=before,
           after={"event": event, "template_code": code, "params": clean, "is_active": current.is_active})
    return current


def save_channel(*, center: Center, user: User, access_key_id: str, secret: str | None, base_url: str = "",
                 region: str = "", is_active: bool = True, version=None) -> MessageChannel:
    """The center's SMS connection (a core MessageChannel of kind "sms", saved by core's
    service: secret encrypted, write-only; the gateway address checked)."""
    from rongmei.core.notify_services import save_channel as save

    existing = MessageChannel.objects.filter(center=center, kind=MessageChannel.Kind.SMS).order_by("pk").first()
    return save(center=center, user=user, channel=existing, kind=MessageChannel.Kind.SMS,
                name=existing.name if existing else CHANNEL_NAME, app_id=access_key_id,
                secret=secret if (secret or existing is None) else None, base_url=base_url,
                options={"provider": "aliyun", "region": (region or "cn-hangzhou").strip()[:40]},
                is_active=is_active, version=_version(version))


def _version(value) -> int | None:
    """The version a form sent back (None when it sent none); anything else is stale."""
    if value in (None, ""):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1


def test_send(*, center: Center, user: User, event: str, phone: str) -> int:
    """Send one template to a number the admin types (their own phone), through the outbox:
    the quickest way to see that the codes, signature and key are right."""
    from secrets import token_hex

    from rongmei.core.messaging import enqueue

    mobile = normalize_mobile(phone)
    if mobile is None:
        raise ValidationError({"phone": ["请填写 11 位手机号码。"]})
    setting = setting_for(center)
    template = SmsTemplate.objects.filter(center=center, event=event).first()
    channel = channel_for(center)
    if template is None:
        raise ValidationError("请先保存这个时机的模板。")
    if channel is None or not setting.sign_name:
        raise ValidationError("请先填写短信签名并配置短信通道（AccessKey）。")
    sample = Case(center=center, code="WZ23456789", title="示例问题", status=Case.Status.PROCESSING)
    params = {name: ("示例部门" if source == "department" else source_value(sample, source))[:TEMPLATE_PARAM_CHARS]
              if source != "link" else source_value(sample, source) for name, source in template.params.items()}
    with transaction.atomic():
        delivery = enqueue(center=center, kind="sms", address=mobile, channel=channel, event="inquiry_sms_test",
                           key=f"inquiry-sms-test:{center.pk}:{token_hex(8)}", title=f"问政短信测试（{template.get_event_display()}）",
                           payload={"template_code": template.template_code, "params": params,
                                    "sign_name": setting.sign_name}, recipient=user)
        record("inquiry.sms_test", actor=user, center=center, obj=template, after={"delivery": delivery.pk})
    return delivery.pk


def default_templates_hint() -> dict[str, dict[str, str]]:
    """What the demo (and the sandbox) registers: a starting point for a new center."""
    return {
        "accepted": {"code": "code", "department": "department"},
        "answered": {"code": "code", "link": "link"},
        "closed": {"code": "code", "center": "center"},
    }
