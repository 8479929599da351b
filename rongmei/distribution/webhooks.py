"""Webhooks (issue 14): a center's programs hear about signed-off stories, publications sent,
failed or taken down, and 问政 cases overdue, answered or made public.

How an event travels: the room making the change calls ``rongmei.core.events.emit`` in its
transaction; `sink` (registered at start) writes one outbox message per active endpoint that
subscribed to the kind, in the same transaction. The outbox workers deliver these messages
with the same lease, heartbeat, backoff and attempt log as publications (see outbox.py), in
order per endpoint. Each delivery is a POST of the message's JSON with

    X-Rongmei-Event: story.signed_off
    X-Rongmei-Delivery: wh_…            (the same on every retry: receivers drop duplicates)
    X-Rongmei-Timestamp: 1765000000      (seconds; part of what is signed)
    X-Rongmei-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<body>" with the secret>

2xx is done; 5xx, 408, 429 (honouring Retry-After), timeouts and connection errors retry with
backoff; other 4xx and redirects (never followed) fail at once. The target is resolved once
and refused if it is a loopback, private, link-local … address not named in
RONGMEI_LINKCHECK_ALLOW (the link check's outbound rule, reused); the connection goes to that
checked address, so a DNS answer cannot change between the check and the request.
"""

from __future__ import annotations

import email.utils
import hashlib
import hmac
import http.client
import ipaddress
import json
import secrets as random_secrets
import socket
import time
import urllib.parse
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from rongmei.core import events
from rongmei.core.models import Center, User
from rongmei.core.services import record
from rongmei.core.tenancy import scoped
from rongmei.distribution import secrets
from rongmei.distribution.models import OutboxMessage, Publication, WebhookEndpoint
from rongmei.distribution.outbox import Outcome
from rongmei.core.netguard import Policy, Refused, is_public, pinned_connection, resolve

TIMEOUT = 10
MAX_ATTEMPTS = 8
USER_AGENT = "Rongmei-Webhook/1"
PERMISSION = "distribution.manage_webhooks"


class StaleVersion(Exception):
    """The endpoint was changed by someone else since it was read (409 in the API)."""

    message = "这个接收地址已被他人修改，请刷新后再改。"


# --- Events → outbox messages ------------------------------------------------------------------------

def _plain(data: dict) -> dict:
    return json.loads(json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False))


def envelope(center: Center, kind: str, data: dict, delivery_id: str, event_id: str, now) -> dict:
    """The JSON body a receiver gets (the same bytes on every retry)."""
    return {"id": delivery_id, "event_id": event_id, "event": kind, "label": events.label(kind), "center": center.slug,
            "occurred_at": now.isoformat(), "data": _plain(data)}


def _enqueue(endpoint: WebhookEndpoint, kind: str, data: dict, event_id: str, now) -> OutboxMessage:
    key = f"wh_{uuid.uuid4().hex}"
    return OutboxMessage.objects.create(
        webhook=endpoint, action=OutboxMessage.Action.WEBHOOK, event=kind, idempotency_key=key, available_at=now,
        max_attempts=MAX_ATTEMPTS, payload=envelope(endpoint.center, kind, data, key, event_id, now))


def sink(center: Center, kind: str, data: dict) -> None:
    """Registered with rongmei.core.events: runs inside the emitting transaction."""
    now, event_id = timezone.now(), uuid.uuid4().hex
    for endpoint in WebhookEndpoint.objects.filter(center=center, is_active=True).select_related("center").order_by("id"):
        if kind in (endpoint.kinds or []):
            _enqueue(endpoint, kind, data, event_id, now)


def listens(center_id: int, kind: str) -> bool:
    """Whether an active endpoint of the center subscribes to `kind` (the sink's own test)."""
    return any(kind in (kinds or []) for kinds in
               WebhookEndpoint.objects.filter(center_id=center_id, is_active=True).values_list("kinds", flat=True))


def _staff_url(path: str) -> str:
    return f"{settings.RONGMEI_BASE_URL}{path}"


def emit_publication(publication_id: int, kind: str) -> None:
    """publication.sent / failed / taken_down, from the outbox's transaction."""
    p = Publication.objects.select_related("story", "account", "center").get(pk=publication_id)
    events.emit(p.center, kind, {
        "publication": {"id": p.pk, "status": p.status, "channel": p.channel, "remote_url": p.remote_url,
                        "sent_at": p.sent_at, "last_error": p.last_error,
                        "account": {"id": p.account_id, "name": p.account.name, "kind": p.account.kind}},
        "story": {"id": p.story_id, "headline": p.story.headline, "version": p.story_version},
        "staff_url": _staff_url(f"/distribution/stories/{p.story_id}/"),
    })


# --- Delivery (called by the outbox worker) --------------------------------------------------------

def policy() -> Policy:
    return Policy.parse(getattr(settings, "RONGMEI_LINKCHECK_ALLOW", []) or [])


def signature(secret: str, timestamp: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - timezone.now()).total_seconds()) if when.tzinfo else None


def _post(target, body: bytes, headers: dict, timeout: float) -> tuple[int, dict, str]:
    """One POST to the checked address (no second lookup, nothing followed)."""
    conn = pinned_connection(target, timeout)
    try:
        conn.request("POST", target.path, body=body, headers=headers)
        response = conn.getresponse()
        text = response.read(300).decode("utf-8", "replace")
        return response.status, {k.lower(): v for k, v in response.getheaders()}, text
    finally:
        conn.close()


def deliver(message: OutboxMessage) -> Outcome:
    endpoint = message.webhook
    if not endpoint.is_active:
        return Outcome.fail("接收地址已停用，未发送。")
    try:
        secret = secrets.decrypt(endpoint.secret)
    except ValueError as exc:
        return Outcome.fail(str(exc))
    if not secret:
        return Outcome.fail("没有签名密钥：请在 Webhook 页面重新生成密钥。")
    body = json.dumps(message.payload, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()
    timestamp = str(int(time.time()))
    headers = {"Content-Type": "application/json; charset=utf-8", "User-Agent": USER_AGENT,
               "X-Rongmei-Event": message.event, "X-Rongmei-Delivery": message.idempotency_key,
               "X-Rongmei-Timestamp": timestamp, "X-Rongmei-Signature": signature(secret, timestamp, body)}
    try:
        target = resolve(endpoint.url, policy())
    except Refused as exc:
        if str(exc).startswith("cannot resolve"):
            return Outcome.retry("无法解析接收地址的域名，稍后重试。")
        return Outcome.fail("接收地址不允许访问：指向本机或内网地址、或使用了不允许的端口"
                            "（内网接收方需由系统管理员加入 RONGMEI_LINKCHECK_ALLOW）。")
    try:
        status, answer_headers, text = _post(target, body, headers, TIMEOUT)
    except (TimeoutError, socket.timeout):
        return Outcome.retry(f"接收方 {TIMEOUT} 秒内没有应答。")
    except (http.client.HTTPException, OSError, ValueError) as exc:
        return Outcome.retry(f"连接接收方失败（{exc.__class__.__name__}）。")
    if 200 <= status < 300:
        return Outcome("ok", f"HTTP {status}", status_code=status)
    if status in (408, 429) or status >= 500:
        return Outcome("retry", f"接收方暂时无法接收（HTTP {status}）。", retry_after=_retry_after(answer_headers.get("retry-after"))
                       if status == 429 else None, status_code=status)
    if 300 <= status < 400:
        return Outcome("fail", f"接收方返回跳转（HTTP {status}），Webhook 不跟随跳转：请填写最终地址。", status_code=status)
    return Outcome("fail", f"接收方拒收（HTTP {status}）：{text[:200]}", status_code=status)


# --- Services (the screen and the API call these) --------------------------------------------------

def new_secret() -> str:
    return "whsec_" + random_secrets.token_urlsafe(32)


def _clean_kinds(kinds) -> list[str]:
    if not isinstance(kinds, (list, tuple)):
        raise ValidationError({"kinds": ["事件类型应为列表。"]})
    unknown = [k for k in kinds if k not in events.KINDS]
    if unknown:
        raise ValidationError({"kinds": [f"没有这种事件类型：{str(unknown[0])[:40]}。"]})
    return [k for k in events.KINDS if k in kinds]  # registry order, no repeats


def _check_target(url: str) -> None:
    """An address written as a literal IP must be public (or allowed); names are checked again
    at every delivery, where they are resolved."""
    try:
        host = urllib.parse.urlsplit(url).hostname or ""
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return
    rules = policy()
    if not is_public(address) and not rules.allows_address(address) and not rules.allows_host(host):
        raise ValidationError({"url": ["接收地址不能指向本机或内网地址（内网接收方需由系统管理员加入 RONGMEI_LINKCHECK_ALLOW）。"]})


def _validate(endpoint: WebhookEndpoint) -> None:
    errors = {}
    try:
        endpoint.clean()
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if len(endpoint.name) > 80:
        errors["name"] = ["名称最多 80 个字符。"]
    if len(endpoint.url) > 300:
        errors["url"] = ["接收地址最多 300 个字符。"]
    if "url" not in errors and endpoint.url:
        try:
            _check_target(endpoint.url)
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if "name" not in errors and WebhookEndpoint.objects.filter(center=endpoint.center, name=endpoint.name).exclude(
            pk=endpoint.pk).exists():
        errors["name"] = ["本中心已有同名的接收地址。"]
    if errors:
        raise ValidationError(errors)


def _summary(endpoint: WebhookEndpoint) -> dict:
    return {"name": endpoint.name, "url": endpoint.url, "kinds": endpoint.kinds, "active": endpoint.is_active}


@transaction.atomic
def create_endpoint(*, center: Center, user: User, name: str, url: str, kinds, is_active: bool = True
                    ) -> tuple[WebhookEndpoint, str]:
    """A new endpoint and its secret (in clear: shown this once, stored encrypted)."""
    secret = new_secret()
    endpoint = WebhookEndpoint(center=center, name=(name or "").strip(), url=(url or "").strip(),
                               kinds=_clean_kinds(kinds), secret=secrets.encrypt(secret), is_active=is_active,
                               created_by=user)
    _validate(endpoint)
    endpoint.save()
    record("webhook.create", actor=user, center=center, obj=endpoint, after=_summary(endpoint))
    return endpoint, secret


def _locked(endpoint: WebhookEndpoint, version: int | None) -> WebhookEndpoint:
    current = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
    if version is not None and version != current.version:
        raise StaleVersion(StaleVersion.message)
    return current


@transaction.atomic
def update_endpoint(*, endpoint: WebhookEndpoint, user: User, name: str, url: str, kinds, is_active: bool,
                    version: int | None = None) -> WebhookEndpoint:
    current = _locked(endpoint, version)
    before = _summary(current)
    current.name, current.url = (name or "").strip(), (url or "").strip()
    current.kinds, current.is_active = _clean_kinds(kinds), bool(is_active)
    _validate(current)
    current.version += 1
    current.save()
    record("webhook.update", actor=user, center=current.center, obj=current, before=before, after=_summary(current))
    return current


@transaction.atomic
def set_active(*, endpoint: WebhookEndpoint, user: User, active: bool, version: int | None = None) -> WebhookEndpoint:
    current = _locked(endpoint, version)
    if current.is_active != active:
        current.is_active, current.version = active, current.version + 1
        current.save(update_fields=["is_active", "version", "updated_at"])
        record("webhook.enable" if active else "webhook.disable", actor=user, center=current.center, obj=current)
    return current


@transaction.atomic
def rotate_secret(*, endpoint: WebhookEndpoint, user: User) -> tuple[WebhookEndpoint, str]:
    """A new secret at once (the old one stops working for deliveries not yet sent)."""
    current = _locked(endpoint, None)
    secret = new_secret()
    current.secret, current.version = secrets.encrypt(secret), current.version + 1
    current.save(update_fields=["secret", "version", "updated_at"])
    record("webhook.rotate_secret", actor=user, center=current.center, obj=current)
    return current, secret


@transaction.atomic
def delete_endpoint(*, endpoint: WebhookEndpoint, user: User) -> None:
    """The endpoint and its delivery log go; the audit log keeps that it existed."""
    current = _locked(endpoint, None)
    record("webhook.delete", actor=user, center=current.center, obj=current, before=_summary(current))
    current.delete()


@transaction.atomic
def ping(*, endpoint: WebhookEndpoint, user: User) -> OutboxMessage:
    """发送测试事件: one `ping` delivery to this endpoint only, through the outbox."""
    current = _locked(endpoint, None)
    if not current.is_active:
        raise ValidationError("接收地址已停用：请先启用再发送测试事件。")
    now = timezone.now()
    message = _enqueue(current, events.PING, {"message": "这是一条测试事件。", "endpoint": {"id": current.pk, "name": current.name},
                                             "requested_by": str(user)}, uuid.uuid4().hex, now)
    record("webhook.ping", actor=user, center=current.center, obj=current, after={"delivery": message.idempotency_key})
    return message


@transaction.atomic
def resend(*, message: OutboxMessage, user: User) -> OutboxMessage:
    """Send a dead delivery again: same delivery id and body, attempts start over."""
    current = OutboxMessage.objects.select_for_update(of=("self",)).select_related("webhook", "webhook__center").get(pk=message.pk)
    if current.webhook_id is None or current.status != OutboxMessage.Status.DEAD:
        raise ValidationError("只有已停止重试（失败）的推送才能重发。")
    if not current.webhook.is_active:
        raise ValidationError("接收地址已停用：请先启用再重发。")
    OutboxMessage.objects.filter(pk=current.pk).update(
        status=OutboxMessage.Status.PENDING, attempts=0, available_at=timezone.now(), done_at=None, last_error="",
        in_flight=False, lease_owner="", lease_until=None)
    record("webhook.resend", actor=user, center=current.webhook.center, obj=current.webhook,
           after={"delivery": current.idempotency_key})
    current.refresh_from_db()
    return current


# --- Selectors --------------------------------------------------------------------------------------

def endpoints(center: Center):
    return scoped(WebhookEndpoint.objects.all(), center).order_by("id")


def deliveries(endpoint: WebhookEndpoint):
    """This endpoint's deliveries, newest first, with their attempts."""
    return (OutboxMessage.objects.filter(webhook=endpoint).prefetch_related("attempts_log").order_by("-id"))


def delivery(endpoint: WebhookEndpoint, delivery_id: int) -> OutboxMessage:
    from django.http import Http404

    found = OutboxMessage.objects.filter(webhook=endpoint, pk=delivery_id).first()
    if found is None:
        raise Http404
    return found


def last_status_code(message: OutboxMessage) -> int | None:
    codes = [a.status_code for a in message.attempts_log.all() if a.status_code]
    return codes[-1] if codes else None


def kind_choices() -> list[tuple[str, str]]:
    return list(events.KINDS.items())
