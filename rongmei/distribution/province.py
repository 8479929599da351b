"""What the province's platform (省级技术平台) tells us back: "received" (接收) and "used"
(采用: which outlet, at which level, where, when), posted to
/distribution/province/<account callback key>/callback.

The callback is signed exactly as our pushes to the province are (formatters/push.py):
`X-Rongmei-Signature: sha256=<hex HMAC-SHA256 of the exact body bytes>` under the
account's shared key, so the province implements one scheme for both directions. The
body is one JSON object (docs/distribution.md, 省级技术平台, has a worked example):

    {"event_id": "...", "event": "received" | "used", "uri": "urn:rongmei:demo:story:42",
     "version": 3, "at": "2026-12-07T10:30:00+08:00",
     "used_by": "省广播电视台", "level": "provincial", "url": "https://..."}

Each event is stored once per (account, event_id): the province may resend a callback it
is unsure about, and the second one changes nothing (idempotent, answered 200 again). A
"used" event sends `signals.province_used`, which the appraisal counts as a pickup.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import secrets as pysecrets
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone

from rongmei.core.services import record
from rongmei.core.validators import is_safe_url
from rongmei.distribution import secrets
from rongmei.distribution.formatters.push import verify_signature
from rongmei.distribution.models import ChannelAccount, ProvinceReceipt, Publication

MAX_BODY = 16 * 1024
EVENTS = tuple(ProvinceReceipt.Event.values)
LEVELS = tuple(ProvinceReceipt.Level.values)
_URI = re.compile(r"^urn:rongmei:(?P<slug>[-a-z0-9_]+):story:(?P<pk>\d{1,18})$")
_EVENT_ID = re.compile(r"^[!-~]{1,100}$")


class CallbackError(Exception):
    """A callback refused: `status` (400, 401, 404, 413) and a Chinese message."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


@dataclass
class Result:
    receipt: ProvinceReceipt
    duplicate: bool


def new_callback_key() -> str:
    return pysecrets.token_hex(16)


def ensure_callback_key(account: ChannelAccount) -> str:
    """The account's callback key, made the first time it is needed (province accounts)."""
    if account.callback_key:
        return account.callback_key
    key = new_callback_key()
    ChannelAccount.objects.filter(pk=account.pk, callback_key__isnull=True).update(callback_key=key)
    account.refresh_from_db(fields=["callback_key"])
    return account.callback_key


def callback_path(account: ChannelAccount) -> str:
    from django.urls import reverse

    return reverse("distribution:province_callback", kwargs={"key": ensure_callback_key(account)})


def callback_url(account: ChannelAccount) -> str:
    from django.conf import settings

    return f"{settings.RONGMEI_BASE_URL}{callback_path(account)}"


def find_account(key: str) -> ChannelAccount | None:
    if not key or len(key) > 32:
        return None
    return ChannelAccount.objects.filter(callback_key=key, kind=ChannelAccount.Kind.PROVINCE,
                                         is_active=True).select_related("center").first()


def _parse(body: bytes) -> dict:
    """The callback's fields, checked; CallbackError(400) naming what is wrong, in Chinese."""
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise CallbackError(400, "回执不是有效的 JSON（应为 UTF-8 编码的 JSON 对象）。") from None
    if not isinstance(data, dict):
        raise CallbackError(400, "回执应为 JSON 对象。")
    problems = []
    event_id = data.get("event_id")
    if not isinstance(event_id, str) or not _EVENT_ID.match(event_id):
        problems.append("event_id 必填：1 到 100 个可见 ASCII 字符，同一事件重发时不变")
    event = data.get("event")
    if event not in EVENTS:
        problems.append(f"event 应为 {' 或 '.join(EVENTS)}")
    uri = data.get("uri")
    if not isinstance(uri, str) or not _URI.match(uri):
        problems.append("uri 应为推送时 ninjs 的 uri，例如 urn:rongmei:demo:story:42")
    version = data.get("version")
    if version is not None and (not isinstance(version, int) or isinstance(version, bool) or version < 1):
        problems.append("version 应为正整数（推送时 ninjs 的 version）")
    at = None
    raw_at = data.get("at")
    if not isinstance(raw_at, str):
        problems.append("at 必填：带时区的 ISO 8601 时间，例如 2026-12-07T10:30:00+08:00")
    else:
        try:
            at = dt.datetime.fromisoformat(raw_at)
        except ValueError:
            at = None
        if at is None or at.utcoffset() is None:
            problems.append("at 应为带时区的 ISO 8601 时间，例如 2026-12-07T10:30:00+08:00")
            at = None
        elif at > timezone.now() + dt.timedelta(minutes=10):
            problems.append("at 不能晚于现在")
    used_by, level, url = data.get("used_by", ""), data.get("level", ""), data.get("url", "")
    if event == "used":
        if not isinstance(used_by, str) or not used_by.strip() or len(used_by) > 100:
            problems.append("used_by 必填（采用单位名称，最多 100 字）")
        if level not in LEVELS:
            problems.append(f"level 应为 {'、'.join(LEVELS)} 之一")
    if not isinstance(used_by, str) or not isinstance(level, str):
        problems.append("used_by、level 应为字符串")
    if url and (not isinstance(url, str) or len(url) > 500 or not is_safe_url(url)):
        problems.append("url 应为 http:// 或 https:// 开头的网址（最多 500 个字符）")
    if problems:
        raise CallbackError(400, "回执内容有误：" + "；".join(problems) + "。")
    return {"event_id": event_id, "event": event, "uri": uri, "version": version, "at": at,
            "used_by": (used_by or "").strip(), "level": level or "", "url": url or ""}


def receive(account: ChannelAccount, body: bytes, signature: str | None) -> Result:
    """Check, store and announce one callback. Order: size, signature (401 before reading
    anything the sender says), JSON, the piece it names (404), then the receipt, once."""
    if len(body) > MAX_BODY:
        raise CallbackError(413, f"回执过大：最多 {MAX_BODY // 1024} KB。")
    try:
        secret = secrets.decrypt(account.secret)
    except ValueError:
        secret = ""
    if not secret or not verify_signature(body, signature, secret):
        raise CallbackError(401, "签名不正确：X-Rongmei-Signature 应为 sha256= 加上用双方约定的密钥对请求体计算的 HMAC-SHA256。")
    data = _parse(body)
    match = _URI.match(data["uri"])
    publication = None
    if match["slug"] == account.center.slug:
        # any push that left (a receipt may race the push's own answer), not one never sent
        publication = (Publication.objects.filter(account=account, story_id=int(match["pk"]))
                       .exclude(status__in=[Publication.Status.SCHEDULED, Publication.Status.QUEUED,
                                            Publication.Status.CANCELLED])
                       .select_related("story").order_by("-pk").first())
    if publication is None:
        raise CallbackError(404, f"没有推送过这篇稿件：{data['uri']}。")
    existing = ProvinceReceipt.objects.filter(account=account, event_id=data["event_id"]).first()
    if existing is not None:
        return Result(existing, True)
    try:
        with transaction.atomic():
            receipt = ProvinceReceipt.objects.create(
                center=account.center, account=account, publication=publication, event_id=data["event_id"],
                event=data["event"], version=data["version"], used_by=data["used_by"], level=data["level"],
                url=data["url"], at=data["at"], raw=json.loads(body.decode("utf-8")))
            record("distribution.province_receipt", actor=None, center=account.center, obj=publication,
                   after={"event": data["event"], "event_id": data["event_id"], "used_by": data["used_by"],
                          "level": data["level"]})
            if receipt.event == ProvinceReceipt.Event.USED:
                from rongmei.distribution.signals import province_used

                province_used.send(sender=ProvinceReceipt, receipt=receipt)
    except IntegrityError:  # the same event at the same moment: the other one stored it
        return Result(ProvinceReceipt.objects.get(account=account, event_id=data["event_id"]), True)
    return Result(receipt, False)


def receipts_label(publication: Publication) -> str:
    """What the board row says: 省平台已接收 / 已采用：XX台、YY报."""
    rows = list(publication.province_receipts.all())
    used = list(dict.fromkeys(r.used_by for r in rows if r.event == ProvinceReceipt.Event.USED and r.used_by))
    if used:
        return "省平台已采用：" + "、".join(used)
    if rows:
        return "省平台已接收"
    return ""
