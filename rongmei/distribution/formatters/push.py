"""The body and headers of an HTTP push: ninjs JSON, signed, with its idempotency key.

A receiver must be able to tell that a push came from us and was not changed on the way
(`X-Rongmei-Signature`, an HMAC-SHA256 of the exact body bytes with the account's shared
secret, in the "sha256=<hex>" form GitHub webhooks made familiar), and that it has seen
this delivery before (`X-Rongmei-Delivery`, the outbox message's idempotency key, the
same on every retry). Sending is the transmitter's job; this module only shapes.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from typing import Any

from .ninjs import to_ninjs, validate_ninjs
from .types import PublishItem

SIGNATURE_HEADER = "X-Rongmei-Signature"
DELIVERY_HEADER = "X-Rongmei-Delivery"
EVENT_HEADER = "X-Rongmei-Event"
CONTENT_TYPE = "application/json; charset=utf-8"
SIGNATURE_PREFIX = "sha256="

# Printable ASCII without spaces: anything else could split or forge a header line.
_HEADER_TOKEN = re.compile(r"^[!-~]{1,200}$")

EVENTS = {"original": "publish", "correction": "correction", "takedown": "takedown", "withheld": "withhold"}


def push_payload(
    item: PublishItem, *, secret: str | bytes, delivery_key: str
) -> tuple[bytes, dict[str, str]]:
    """(body, headers) for pushing `item` to one account.

    The body is compact, key-sorted UTF-8 JSON so that a retry of the same delivery sends
    the same bytes, and so the same signature. A document the ninjs schema refuses is
    never sent: `NinjsError` is raised instead.
    """
    return signed_document(to_ninjs(item), secret=secret, delivery_key=delivery_key, event=EVENTS[item.notice_kind])


def signed_document(doc: dict[str, Any], *, secret: str | bytes, delivery_key: str,
                    event: str) -> tuple[bytes, dict[str, str]]:
    """(body, headers) for any ninjs document (the plain push's, or the province's with its
    media renditions): validated against the schema, canonical JSON, signed."""
    if not _HEADER_TOKEN.match(delivery_key):
        raise ValueError("投递标识（幂等键）只能包含英文字母、数字和常见符号，且不能有空格。")
    validate_ninjs(doc)
    body = canonical_json(doc)
    headers = {
        "Content-Type": CONTENT_TYPE,
        SIGNATURE_HEADER: sign(body, secret),
        DELIVERY_HEADER: delivery_key,
        EVENT_HEADER: event,
    }
    return body, headers


def canonical_json(doc: Any) -> bytes:
    """`doc` as compact, key-sorted UTF-8 JSON; Chinese is not escaped (it halves the size)."""
    return json.dumps(doc, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def sign(body: bytes, secret: str | bytes) -> str:
    """"sha256=<hex>": the HMAC-SHA256 of `body` under the account's shared secret."""
    digest = hmac.new(_key(secret), body, hashlib.sha256).hexdigest()
    return SIGNATURE_PREFIX + digest


def verify_signature(body: bytes, header: str | None, secret: str | bytes) -> bool:
    """Whether `header` is the signature of `body` under `secret`.

    The comparison takes the same time wherever the strings differ, so an attacker
    cannot find a valid signature byte by byte from response times.
    """
    if not header or not secret:
        return False
    expected = sign(body, secret)
    return hmac.compare_digest(expected.encode("ascii"), header.strip().encode("ascii", "replace"))


def _key(secret: str | bytes) -> bytes:
    if not secret:
        raise ValueError("账号没有配置推送密钥，无法签名。请在账号设置中填写密钥后重试。")
    return secret.encode("utf-8") if isinstance(secret, str) else secret
