"""HTTP push of ninjs JSON to a subscriber URL, signed with HMAC-SHA256.

Every delivery carries its idempotency key (X-Rongmei-Delivery), so a subscriber that
saw a delivery whose answer we never got can recognise the retry; a takedown is the same
item with pubstatus "canceled". 2xx: done. 408/429/5xx and network errors: retry. Other
4xx: the subscriber refused it, fail at once with its answer.
"""

from __future__ import annotations

import urllib.error
import urllib.request

from rongmei.distribution import items, secrets
from rongmei.distribution.formatters import push_payload
from rongmei.distribution.outbox import Delivery, Outcome

TIMEOUT = 10


def deliver(delivery: Delivery) -> Outcome:
    message = delivery.message
    item = items.build(message.publication, message.action, note=delivery.progress.get("reason", ""))
    return post_signed(message.account, message.idempotency_key,
                       lambda secret: push_payload(item, secret=secret, delivery_key=message.idempotency_key))


def post_signed(account, delivery_key: str, payload, *, who: str = "订阅方") -> Outcome:
    """POST a signed document to the account's address (the plain push and the province's
    platform share this). `payload(secret) -> (body, headers)` shapes and signs it; a
    missing secret or a document the schema refuses fails at once, before any call."""
    if not account.base_url.startswith(("http://", "https://")):
        return Outcome.fail(f"{who}地址无效，请在账号设置中填写 http(s) 地址。")
    try:
        body, headers = payload(secrets.decrypt(account.secret))
    except ValueError as exc:  # no secret, one that cannot be decrypted, or invalid ninjs
        return Outcome.fail(str(exc)[:480])
    request = urllib.request.Request(account.base_url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
            return Outcome.ok(remote_id=delivery_key, detail=f"HTTP {response.status}")
    except urllib.error.HTTPError as exc:
        answer = exc.read(300).decode("utf-8", "replace")
        if exc.code in (408, 429) or exc.code >= 500:
            retry_after = exc.headers.get("Retry-After")
            return Outcome.retry(f"{who}暂时无法接收（HTTP {exc.code}）", float(retry_after) if retry_after and retry_after.isdigit() else None)
        return Outcome.fail(f"{who}拒收（HTTP {exc.code}）：{answer}")
    except (urllib.error.URLError, TimeoutError, ConnectionError, OSError) as exc:
        return Outcome.retry(f"连接{who}失败：{getattr(exc, 'reason', exc)}")
