"""The messaging outbox: every staff or citizen message leaves through here.

A message is a MessageDelivery row written in the caller's transaction (so a rolled-back
change tells nobody) with an idempotency key: asking twice for the same message (the same
notification on the same channel to the same person) returns the first row. After commit a
task asks the worker to deliver; a periodic sweep delivers anything due that a lost task or
a crashed worker left behind.

Claiming is the distribution outbox's method: one conditional UPDATE leases a batch, and of
two workers racing for a row exactly one wins it (on SQLite and PostgreSQL alike). Before
the remote call the row is marked in flight; the outcome is recorded only while the worker
still holds its lease. A worker killed mid-send leaves a row in flight whose lease runs out;
the next worker then knows the message may have arrived. Platforms that drop a repeated
message themselves (企业微信 with enable_duplicate_check, 钉钉's one-identical-notice-a-day
rule, mail marked sent on its bell row) are simply asked again; for the others (group
robots) the row fails with "结果不明" rather than risk a second post — never twice.

Answers that may pass (busy, rate limits, timeouts) are retried with exponential backoff
and jitter, up to max_attempts, then the row is dead; refusals (an unknown user, a bad
secret) fail at once with the platform's code in Chinese.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import random
import socket
from collections.abc import Callable
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from rongmei.core.messaging import secrets
from rongmei.core.models import (
    Center,
    MessageChannel,
    MessageDelivery,
    Notification,
    User,
)

log = logging.getLogger("rongmei.messaging")

LEASE_SECONDS = int(os.environ.get("RONGMEI_MESSAGING_LEASE_SECONDS", "60"))
BACKOFF_BASE = 10.0
BACKOFF_CAP = 3600.0
DEFAULT_MAX_ATTEMPTS = 6


@dataclass(frozen=True)
class SendResult:
    """What one send gave: ok, retry (may pass) or fail (will not pass until someone acts).
    `unknown` marks a retry after which the message may still have arrived (a timeout)."""

    outcome: str
    detail: str = ""
    remote_id: str = ""
    retry_after: float | None = None
    unknown: bool = False

    @classmethod
    def ok(cls, remote_id: str = "", detail: str = "已送达。") -> SendResult:
        return cls("ok", detail, remote_id=str(remote_id or ""))

    @classmethod
    def retry(cls, detail: str, retry_after: float | None = None, *, unknown: bool = False) -> SendResult:
        return cls("retry", detail, retry_after=retry_after, unknown=unknown)

    @classmethod
    def fail(cls, detail: str) -> SendResult:
        return cls("fail", detail)


Sender = Callable[[MessageDelivery], SendResult]


@dataclass(frozen=True)
class _Registered:
    fn: Sender
    dedupes: bool  # the platform (or the sender) drops a repeat of the same message itself


SENDERS: dict[str, _Registered] = {}


def register_sender(kind: str, fn: Sender, *, dedupes: bool = False) -> None:
    """Make `fn(delivery) -> SendResult` deliver messages of `kind`. `dedupes=True` says a
    second call for the same message after an unknown outcome cannot make a second message
    (the platform drops repeats, or the sender checks first): only then is it retried after
    a crash mid-send."""
    SENDERS[kind] = _Registered(fn, dedupes)


# --- Enqueue ------------------------------------------------------------------------------------------

def enqueue(*, center: Center, kind: str, address: str, title: str, body: str = "", url: str = "", event: str = "",
            recipient: User | None = None, channel: MessageChannel | None = None, urgent: bool = False,
            payload: dict | None = None, key: str, hold_until: dt.datetime | None = None,
            notification: Notification | None = None, address_masked: str | None = None,
            max_attempts: int = DEFAULT_MAX_ATTEMPTS) -> MessageDelivery:
    """Write one message to the outbox, in the caller's transaction; delivered after commit.
    The same `key` again returns the existing row (nothing new is sent). `hold_until` keeps
    it (status held) until then: quiet hours."""
    key = key[:200]
    existing = MessageDelivery.objects.filter(idempotency_key=key).first()
    if existing is not None:
        return existing
    now = timezone.now()
    delivery = MessageDelivery(
        center=center, kind=kind, channel=channel, recipient=recipient, notification=notification,
        address=secrets.encrypt(address) if address else "",
        address_masked=(mask_address(kind, address) if address_masked is None else address_masked)[:120],
        event=event[:40], title=title[:200], body=body, url=url[:500], payload=payload or {}, urgent=urgent,
        idempotency_key=key, max_attempts=max_attempts,
        status=MessageDelivery.Status.HELD if hold_until and hold_until > now else MessageDelivery.Status.PENDING,
        available_at=hold_until if hold_until and hold_until > now else now,
    )
    try:
        with transaction.atomic():
            delivery.save()
    except IntegrityError:
        # a concurrent enqueue of the same key won: that row is the message
        return MessageDelivery.objects.get(idempotency_key=key)
    kick()
    return delivery


def kick() -> None:
    """Ask the queue to deliver once the surrounding transaction commits: one task per
    transaction, however many messages it wrote."""
    connection = transaction.get_connection()
    if connection.in_atomic_block and any(item[1] is _enqueue_delivery for item in connection.run_on_commit):
        return
    transaction.on_commit(_enqueue_delivery)


def _enqueue_delivery() -> None:
    from rongmei.core.tasks import deliver_messages

    try:
        deliver_messages.enqueue()
    except Exception:  # noqa: BLE001 - the queue being down must not undo the caller's change; the sweep sends it
        log.warning("could not enqueue message delivery; the periodic sweep will send it")


def address_of(delivery: MessageDelivery) -> str:
    """The clear address (decrypted here only, for the sender)."""
    return secrets.decrypt(delivery.address)


def mask_address(kind: str, address: str) -> str:
    """What the delivery log shows: phone numbers as 138****5678, mail as w***@example.cn,
    robot webhooks with their key hidden; platform userids are kept (they are not secrets
    and the admin needs them to find a wrong one)."""
    from rongmei.core.privacy import mask_email, mask_phone

    if not address:
        return ""
    if kind == "sms":
        return mask_phone(address)
    if kind == "email":
        return mask_email(address)
    if kind.endswith("_robot"):
        from rongmei.core.messaging.robots import masked_url

        return masked_url(address)
    return address


# --- Worker -------------------------------------------------------------------------------------------

def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{random.randrange(1 << 30):x}"


def backoff(attempts: int, rng: random.Random | None = None) -> float:
    """Seconds before the next try: 10 s, 20 s, 40 s … up to an hour, with ±20 % jitter."""
    rng = rng or random
    base = min(BACKOFF_CAP, BACKOFF_BASE * (2 ** max(0, attempts - 1)))
    return base * rng.uniform(0.8, 1.2)


def _due(now: dt.datetime):
    return MessageDelivery.objects.filter(
        Q(status__in=[MessageDelivery.Status.PENDING, MessageDelivery.Status.HELD], available_at__lte=now)
        | Q(status=MessageDelivery.Status.SENDING, lease_until__lt=now)
    )


def claim(worker: str, limit: int = 20, now: dt.datetime | None = None) -> list[MessageDelivery]:
    """Lease up to `limit` due messages with one conditional UPDATE (the lock: of two
    workers racing for a row exactly one updates it)."""
    now = now or timezone.now()
    chosen = list(_due(now).order_by("available_at", "id").values_list("pk", flat=True)[:limit])
    if not chosen:
        return []
    until = now + dt.timedelta(seconds=LEASE_SECONDS)
    won = _due(now).filter(pk__in=chosen).update(status=MessageDelivery.Status.SENDING, lease_owner=worker,
                                                  lease_until=until, attempts=F("attempts") + 1)
    if not won:
        return []
    return list(MessageDelivery.objects.filter(pk__in=chosen, status=MessageDelivery.Status.SENDING, lease_owner=worker,
                                               lease_until=until).select_related("channel", "recipient", "center")
                .order_by("available_at", "id"))


def attempt(delivery: MessageDelivery, worker: str) -> SendResult:
    """Mark the message in flight, then send it (the remote call). Nothing is recorded here:
    a worker dying after this leaves the in-flight mark for the next one to see."""
    registered = SENDERS.get(delivery.kind)
    if registered is None:
        return SendResult.fail(f"没有“{delivery.kind}”方式的发送程序，未发送。")
    if delivery.channel_id and delivery.channel and not delivery.channel.is_active:
        return SendResult.fail("该消息渠道已停用，未发送。")
    if delivery.in_flight and not registered.dedupes:
        return SendResult.fail("上次发送中途中断，无法确认是否已送达；为免重复，没有再次发送。")
    if not delivery.in_flight:
        marked = MessageDelivery.objects.filter(pk=delivery.pk, lease_owner=worker,
                                                status=MessageDelivery.Status.SENDING).update(in_flight=True)
        if not marked:
            return SendResult.retry("租约已被其他进程接管。")
        delivery.in_flight = True
    try:
        return registered.fn(delivery)
    except Exception as exc:  # a sender's bug must not kill the worker; the row says what happened
        log.exception("sender %s raised", delivery.kind)
        return SendResult.retry(f"发送程序出错（{exc.__class__.__name__}），稍后重试。", unknown=True)


def record(delivery: MessageDelivery, worker: str, result: SendResult, now: dt.datetime | None = None) -> bool:
    """Write the outcome, only while this worker holds the lease. True if written."""
    now = now or timezone.now()
    mine = MessageDelivery.objects.filter(pk=delivery.pk, lease_owner=worker, status=MessageDelivery.Status.SENDING)
    common = {"lease_owner": "", "lease_until": None, "last_error": "" if result.outcome == "ok" else result.detail[:500]}
    if result.outcome == "ok":
        written = mine.update(status=MessageDelivery.Status.SENT, sent_at=now, in_flight=False,
                              remote_id=result.remote_id[:100], **common)
    elif result.outcome == "retry" and delivery.attempts < delivery.max_attempts:
        wait = result.retry_after if result.retry_after is not None else backoff(delivery.attempts)
        written = mine.update(status=MessageDelivery.Status.PENDING, available_at=now + dt.timedelta(seconds=wait),
                              in_flight=result.unknown, **common)
    elif result.outcome == "retry":
        written = mine.update(status=MessageDelivery.Status.DEAD, **common)
    else:
        written = mine.update(status=MessageDelivery.Status.FAILED, in_flight=False, **common)
    if written and delivery.channel_id:
        if result.outcome == "ok":
            MessageChannel.objects.filter(pk=delivery.channel_id).update(last_success_at=now)
        else:
            MessageChannel.objects.filter(pk=delivery.channel_id).update(last_failure_at=now, last_error=result.detail[:300])
    return bool(written)


def process(delivery: MessageDelivery, worker: str) -> SendResult:
    result = attempt(delivery, worker)
    record(delivery, worker, result)
    return result


def deliver_due(*, limit: int = 200, now: dt.datetime | None = None, worker: str | None = None) -> dict:
    """Deliver what is due (the task and the sweep call this). Returns counts by outcome."""
    from rongmei.core.messaging import senders  # noqa: F401 - registers the built-in senders

    worker = worker or worker_name()
    counts = {"ok": 0, "retry": 0, "fail": 0}
    done = 0
    while done < limit:
        batch = claim(worker, limit=min(20, limit - done), now=now)
        if not batch:
            break
        for delivery in batch:
            counts[process(delivery, worker).outcome] += 1
            done += 1
    return counts


def cancel(delivery: MessageDelivery) -> bool:
    """Stop a message not yet sent (pending or held)."""
    return bool(MessageDelivery.objects.filter(
        pk=delivery.pk, status__in=[MessageDelivery.Status.PENDING, MessageDelivery.Status.HELD],
    ).update(status=MessageDelivery.Status.CANCELLED))


def retry_now(delivery: MessageDelivery) -> bool:
    """Send a failed or dead message again (an admin's button on the delivery log)."""
    return bool(MessageDelivery.objects.filter(
        pk=delivery.pk, status__in=[MessageDelivery.Status.FAILED, MessageDelivery.Status.DEAD],
    ).update(status=MessageDelivery.Status.PENDING, available_at=timezone.now(), attempts=0, in_flight=False))
