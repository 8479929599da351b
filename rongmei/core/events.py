"""Things that happened in a center that programs outside may want to hear about (issue 14:
webhooks), offered to every room without any room importing another.

A room that makes such a change calls ``emit(center, kind, data)`` inside the transaction of
the change; the sinks registered at start (distribution registers the webhook sink, which
writes one outbox message per subscribed endpoint) write their rows in the same transaction,
so an event is delivered if and only if its change committed: nothing is lost when the
process dies right after the commit, nothing is sent for a change that rolled back.

Payloads are small JSON: ids, titles, states, times and staff/public addresses. Never a
citizen's contact data, never a secret.
"""

from __future__ import annotations

from typing import Callable

from django.db import transaction

# code → Chinese label. The webhook screen shows these as checkboxes; receivers see the code.
KINDS: dict[str, str] = {
    "story.signed_off": "稿件签发",
    "publication.sent": "发布成功",
    "publication.failed": "发布失败",
    "publication.taken_down": "已撤稿",
    "inquiry.overdue": "问政超期（督办）",
    "inquiry.answered": "问政已答复",
    "inquiry.published": "问政答复已公开",
}
# Sent on request to one endpoint ("发送测试事件"), never subscribed to.
PING = "ping"
PING_LABEL = "测试事件"

Sink = Callable[[object, str, dict], None]
Listens = Callable[[int, str], bool]
_sinks: list[Sink] = []
_listens: dict[Sink, Listens] = {}


def register_sink(sink: Sink, listens: Listens | None = None) -> None:
    """`sink(center, kind, data)`; called inside the emitting transaction. `listens(center_id,
    kind)`, when given, says cheaply whether the sink would do anything with such an event
    (a sink without one is assumed to listen to everything)."""
    if sink not in _sinks:
        _sinks.append(sink)
    if listens is not None:
        _listens[sink] = listens


def listening(center_id: int, kind: str) -> bool:
    """Whether any sink wants `kind` events of this center: a busy emitter (the delivery
    worker, once per delivery) asks first and skips building an event nobody takes."""
    return any(_listens.get(sink, lambda _c, _k: True)(center_id, kind) for sink in _sinks)


def label(kind: str) -> str:
    return PING_LABEL if kind == PING else KINDS.get(kind, kind)


def emit(center, kind: str, data: dict) -> None:
    """Report `kind` in `center` to every sink, in the caller's transaction (a savepoint: a
    sink that fails makes the whole change fail, so an event is never silently dropped)."""
    if kind not in KINDS:
        raise ValueError(f"unknown event kind {kind!r}")
    if not transaction.get_connection().in_atomic_block:
        # outside a transaction the deliveries would commit apart from the change they report
        raise RuntimeError("events.emit() must be called inside the transaction of the change it reports")
    if center is None or not _sinks:
        return
    with transaction.atomic():
        for sink in list(_sinks):
            sink(center, kind, data)
