"""The outbox: delivering publications exactly once in effect.

A publish request writes its publications and outbox messages in one transaction. Workers
claim due messages with a lease (an UPDATE that only one worker can win), keep the lease
alive with a heartbeat while they work, and record the outcome only while they still hold
it. A claimed message is marked in flight in the claim's own UPDATE (committed before any
remote call; one statement for the batch, not a transaction per delivery), its publication
shows 发送中, and everything the platform already holds (a draft id, a publish id) is
recorded the moment it is known, so a worker killed at any point leaves a message that the
next worker reclaims when the lease runs out and finishes by asking the platform first,
never by doing the work twice.

Order per account is kept: a message is not claimed while an older one for the same
account is unfinished. Failures that may pass (5xx, timeouts, rate limits) retry with
exponential backoff and jitter up to a limit, then the message is dead and the operator is
told; rejections (4xx-type, content refused) fail at once with the platform's message.

A retry keeps the "in flight" mark: an attempt whose outcome is unknown is settled by
asking the platform first on every later attempt, until an outcome is recorded. Waiting for
a result the platform already owes us (a WeChat publish job) is not a failed attempt: the
message is `waiting`, polls on the adapter's schedule (or when the platform's callback
says the job is done), spends no attempts, also not when a worker dies meanwhile, and
gives up only after RONGMEI_PUBLISH_WAIT_HOURS (the board shows 发布中 until then).

Webhook deliveries (issue 14) are messages of the same table with an endpoint instead of a
publication and an account: the same claim, lease, heartbeat, backoff with jitter, attempt
log and dead state, in the same worker loop, in order per endpoint as publications are per
account. Their transport is `rongmei.distribution.webhooks.deliver`; their message id (the
X-Rongmei-Delivery header) is the same on every retry, so a receiver drops duplicates.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import queue
import random
import socket
import threading
import time
import uuid
from dataclasses import dataclass, field

from django.conf import settings
from django.db import close_old_connections, connection, transaction
from django.db.models import Case, F, Q, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from rongmei.core.validators import safe_url_or_empty
from rongmei.distribution.models import DeliveryAttempt, OutboxMessage, Publication

log = logging.getLogger("rongmei.outbox")

# A lease outlives a few missed heartbeats; tests shorten both through the environment, and
# the first retry's wait (the crash tests, whose faults cost many messages several attempts).
LEASE_SECONDS = int(os.environ.get("RONGMEI_OUTBOX_LEASE_SECONDS", "30"))
HEARTBEAT_SECONDS = max(1, LEASE_SECONDS // 6)
BACKOFF_BASE = float(os.environ.get("RONGMEI_OUTBOX_BACKOFF_SECONDS", "5"))
BACKOFF_CAP = 3600.0
# Deliveries mostly wait for the platforms (network), so a worker runs many at once.
DEFAULT_THREADS = 32
# SQLite has one writer at a time: there a worker hands its writes to one writer thread that
# commits many of them per transaction (group commit), waiting up to this long for more.
BATCH_WINDOW = float(os.environ.get("RONGMEI_OUTBOX_BATCH_MS", "5")) / 1000
BATCH_MAX = 200


@dataclass
class Outcome:
    """What an adapter reports: ok (with the remote id and link), retry or fail."""

    kind: str  # "ok" | "retry" | "wait" | "fail"
    detail: str = ""
    remote_id: str = ""
    remote_url: str = ""
    retry_after: float | None = None
    handoff: bool = False  # done on our side; a person finishes it by hand and confirms
    status_code: int | None = None  # the HTTP status of the answer, where there was one

    def __post_init__(self):
        # The link comes from a remote platform's answer: only http(s) or a path here is kept.
        self.remote_url = safe_url_or_empty(self.remote_url or "", allow_relative=True)

    @classmethod
    def ok(cls, remote_id: str = "", remote_url: str = "", detail: str = "") -> Outcome:
        return cls("ok", detail, remote_id, remote_url)

    @classmethod
    def handed_off(cls, detail: str) -> Outcome:
        """The package is ready and the person responsible has been told; the publication
        waits for their "done, here is the link" (accounts without an API)."""
        return cls("ok", detail, handoff=True)

    @classmethod
    def retry(cls, detail: str, retry_after: float | None = None) -> Outcome:
        return cls("retry", detail, retry_after=retry_after)

    @classmethod
    def wait(cls, detail: str, retry_after: float) -> Outcome:
        """The platform holds the work and owes us its result: ask again later, without
        spending an attempt (a publish job still running, a lost answer being settled)."""
        return cls("wait", detail, retry_after=retry_after)

    @classmethod
    def fail(cls, detail: str) -> Outcome:
        return cls("fail", detail)


@dataclass
class Delivery:
    """What an adapter gets: the message, and a way to record progress at once."""

    message: OutboxMessage
    worker: str
    recovering: bool
    progress: dict = field(default_factory=dict)
    writer: BatchWriter | None = None

    def remember(self, **values) -> None:
        """Record what the platform now holds, committed before this returns (outside any
        transaction, or in the writer's next commit, which this waits for), so a crash
        right after cannot make us do it again."""
        self.progress.update(values)
        _write(self.writer, _save_progress, self.message.pk, self.worker, dict(self.progress))


def _save_progress(message_id: int, worker: str, progress: dict) -> None:
    OutboxMessage.objects.filter(pk=message_id, lease_owner=worker).update(progress=progress)


class _Job:
    __slots__ = ("args", "done", "error", "fn", "result")

    def __init__(self, fn, args):
        self.fn, self.args = fn, args
        self.done = threading.Event()
        self.result = self.error = None


class BatchWriter:
    """One thread that runs a worker's database writes, many per transaction.

    A caller hands over a write (a function) and waits until the transaction holding it is
    COMMITTED: what it wrote is as durable as if it had committed it itself, so a delivery
    still makes no remote call before its "in flight" mark is on disk and nothing is sent
    twice or lost after a kill -9. Each write runs in a savepoint of its own: one that fails
    is rolled back alone and its caller gets the exception; the others commit. On SQLite
    (one writer at a time) this replaces dozens of threads queueing for the write lock, each
    sleeping in SQLite's busy handler, with one thread that never waits for it."""

    def __init__(self, window: float = BATCH_WINDOW, max_jobs: int = BATCH_MAX):
        self.window = window
        self.max_jobs = max_jobs
        self.batches = 0
        self.jobs = 0
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._loop, daemon=True, name="outbox-writer")

    def start(self) -> BatchWriter:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._queue.put(None)
        self._thread.join(30)

    def run(self, fn, *args):
        if not self._thread.is_alive():
            raise RuntimeError("outbox writer is not running")
        job = _Job(fn, args)
        self._queue.put(job)
        job.done.wait()
        if job.error is not None:
            raise job.error
        return job.result

    def _loop(self) -> None:
        stopping = False
        while not stopping:
            job = self._queue.get()
            if job is None:
                break
            batch = [job]
            deadline = time.monotonic() + self.window
            while len(batch) < self.max_jobs:
                left = deadline - time.monotonic()
                try:
                    more = self._queue.get(timeout=left) if left > 0 else self._queue.get_nowait()
                except queue.Empty:
                    break
                if more is None:
                    stopping = True
                    break
                batch.append(more)
            self._commit(batch)
        # anyone still waiting (a write handed over while stopping) is told, not left hanging
        while True:
            try:
                job = self._queue.get_nowait()
            except queue.Empty:
                break
            if job is not None:
                job.error = RuntimeError("outbox writer stopped")
                job.done.set()
        connection.close()

    def _commit(self, batch: list[_Job]) -> None:
        try:
            with transaction.atomic():
                for job in batch:
                    try:
                        with transaction.atomic():
                            job.result = job.fn(*job.args)
                    except Exception as exc:  # noqa: BLE001 - handed to the caller, who raises it
                        job.error = exc
            self.batches += 1
            self.jobs += len(batch)
        except Exception as exc:  # the commit itself failed: nothing of the batch is written
            log.exception("outbox writer could not commit %d writes", len(batch))
            for job in batch:
                job.result, job.error = None, exc
            connection.close()
        finally:
            for job in batch:
                job.done.set()


def _write(writer: BatchWriter | None, fn, *args):
    """Run a write through the worker's batch writer, or here and now (autocommit) without one."""
    if writer is None:
        return fn(*args)
    return writer.run(fn, *args)


def batch_writes_by_default() -> bool:
    """Batched writes where one writer at a time is the rule (SQLite); on PostgreSQL the
    threads write side by side, each row locked on its own."""
    flag = os.environ.get("RONGMEI_OUTBOX_BATCH", "")
    if flag:
        return flag not in ("0", "false", "no")
    return connection.vendor == "sqlite"


def _thread_connection():
    """This thread's connection wrapper (Django keeps one per thread)."""
    return connection._connections[connection._alias]


def _close_all(wrappers) -> None:
    """Close the connections the pool's threads kept (they end with the pool, their
    connections would otherwise stay open on the server until collected)."""
    for wrapper in list(wrappers):
        try:
            wrapper.inc_thread_sharing()
            wrapper.close()
        except Exception:
            log.debug("could not close a delivery thread's connection", exc_info=True)


def _tidy_connection() -> None:
    """Keep a delivery thread's connection between deliveries (opening one per delivery
    cost more than the delivery's own queries), but drop one that has seen an error."""
    if connection.connection is not None and connection.errors_occurred:
        connection.close()


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident() % 100000}"


def backoff(attempts: int, rng: random.Random | None = None) -> float:
    """Seconds to wait before attempt `attempts + 1`: exponential, capped, with jitter
    (between half and the full step) so many failing accounts do not retry in lockstep."""
    step = min(BACKOFF_CAP, BACKOFF_BASE * (2 ** max(attempts - 1, 0)))
    return step * (0.5 + (rng or random).random() / 2)


# --- Claiming -------------------------------------------------------------------------------------

def _due(now: dt.datetime):
    return OutboxMessage.objects.filter(
        Q(status=OutboxMessage.Status.PENDING, available_at__lte=now)
        | Q(status=OutboxMessage.Status.LEASED, lease_until__lt=now)
    )


def _lane(account_id: int | None, webhook_id: int | None) -> tuple[str, int | None]:
    """What a message keeps its order in: its account, or its webhook endpoint."""
    return ("webhook", webhook_id) if webhook_id else ("account", account_id)


def _blocked_accounts(candidates: list[OutboxMessage]) -> set[int]:
    """Messages with an older unfinished message for the same account or endpoint (keep
    order). A message only waiting for the platform's publish result holds back the later
    messages of its own publication (a takedown waits for the job), not the account's other
    stories."""
    blocked = set()
    open_by_lane: dict[tuple, list[tuple[int, int | None, bool]]] = {}
    for account_id, webhook_id, message_id, publication_id, waiting in OutboxMessage.objects.filter(
        Q(account_id__in={m.account_id for m in candidates if m.account_id})
        | Q(webhook_id__in={m.webhook_id for m in candidates if m.webhook_id}),
        status__in=[OutboxMessage.Status.PENDING, OutboxMessage.Status.LEASED],
    ).order_by("id").values_list("account_id", "webhook_id", "id", "publication_id", "waiting"):
        open_by_lane.setdefault(_lane(account_id, webhook_id), []).append((message_id, publication_id, waiting))
    for m in candidates:
        for older, publication_id, waiting in open_by_lane.get(_lane(m.account_id, m.webhook_id), []):
            if older >= m.pk:
                break
            if not waiting or publication_id == m.publication_id:
                blocked.add(m.pk)
                break
    return blocked


def claim(worker: str, limit: int = 10, now: dt.datetime | None = None) -> list[OutboxMessage]:
    """Lease up to `limit` due messages. The conditional UPDATE is the lock: of two workers
    racing for a message, exactly one updates its row. One UPDATE leases the whole batch
    (a write transaction per message made the workers queue for SQLite's write lock); the
    rows this call won are those now carrying this worker's name and this lease's end.

    On PostgreSQL the due rows are first locked with SELECT … FOR UPDATE SKIP LOCKED, in the
    same transaction as the UPDATE: workers in several processes each take rows no other
    worker is taking right now, instead of all reaching for the same oldest rows and all but
    one coming away empty."""
    now = now or timezone.now()
    if connection.vendor != "postgresql":
        return _claim(worker, limit, now, _due(now).order_by("id"))
    with transaction.atomic():
        return _claim(worker, limit, now, _due(now).order_by("id").select_for_update(skip_locked=True))


def _claim(worker: str, limit: int, now: dt.datetime, due) -> list[OutboxMessage]:
    candidates = list(due[: limit * 4])
    blocked = _blocked_accounts(candidates)
    chosen, seen_accounts = {}, set()
    for m in candidates:
        if len(chosen) >= limit:
            break
        lane = _lane(m.account_id, m.webhook_id)
        if m.pk in blocked or lane in seen_accounts:
            continue
        seen_accounts.add(lane)
        chosen[m.pk] = m.in_flight
    if not chosen:
        return []
    until = now + dt.timedelta(seconds=LEASE_SECONDS)
    won = _due(now).filter(pk__in=list(chosen)).update(
        status=OutboxMessage.Status.LEASED, lease_owner=worker, lease_until=until,
        # in flight from here on: the claim commits before any remote call, so a worker killed
        # after it makes the next one ask the platform first (asking once too often is harmless)
        in_flight=True,
        # polling for a result the platform owes is not an attempt, nor is a restart meanwhile
        attempts=Case(When(waiting=True, then=F("attempts")), default=F("attempts") + 1),
    )
    if not won:
        return []
    claimed = list(OutboxMessage.objects.filter(pk__in=list(chosen), status=OutboxMessage.Status.LEASED,
                                                lease_owner=worker, lease_until=until)
                   .select_related("account", "publication__center", "publication__story", "webhook").order_by("id"))
    for message in claimed:
        message.recovering = chosen[message.pk]  # was in flight before this claim: an earlier outcome is unknown
    _show_working(claimed)
    return claimed


def _working_status(message: OutboxMessage) -> str:
    if message.action == OutboxMessage.Action.TAKEDOWN:
        return Publication.Status.TAKING_DOWN
    return Publication.Status.PUBLISHING if message.waiting else Publication.Status.SENDING


def _show_working(claimed: list[OutboxMessage]) -> None:
    """The board's 发送中 / 发布中 / 撤稿中 for the claimed publications (one UPDATE per status,
    usually one in all). A publication taken down meanwhile keeps saying so."""
    by_status: dict[str, list[int]] = {}
    for message in claimed:
        if message.publication_id:
            by_status.setdefault(_working_status(message), []).append(message.publication_id)
    for status, ids in by_status.items():
        Publication.objects.filter(pk__in=ids).exclude(status=Publication.Status.TAKEN_DOWN).update(status=status)


def renew(worker: str, message_ids: list[int]) -> int:
    """Heartbeat: extend the leases this worker still holds."""
    if not message_ids:
        return 0
    return OutboxMessage.objects.filter(pk__in=message_ids, lease_owner=worker, status=OutboxMessage.Status.LEASED).update(
        lease_until=timezone.now() + dt.timedelta(seconds=LEASE_SECONDS))


# --- Processing ------------------------------------------------------------------------------------

def process(message: OutboxMessage, worker: str, writer: BatchWriter | None = None) -> Outcome:
    """Deliver one claimed message through its account's adapter and record the outcome.
    With a `writer`, the writes go through it (committed before each next step)."""
    from rongmei.distribution.adapters import adapter_for

    if message.webhook_id:
        return _process_webhook(message, worker, writer)
    started = timezone.now()
    delivery = Delivery(message=message, worker=worker, recovering=getattr(message, "recovering", message.in_flight),
                        progress=dict(message.progress), writer=writer)
    try:
        outcome = adapter_for(message.account.kind).deliver(delivery)
    except Exception as exc:  # an adapter bug or an unexpected network error: retry, the operator sees it
        log.exception("delivery %s failed unexpectedly", message.idempotency_key)
        outcome = Outcome.retry(f"{exc.__class__.__name__}: {exc}"[:400])
    _write(writer, record, message, worker, outcome, started, delivery.progress)
    return outcome


def _process_webhook(message: OutboxMessage, worker: str, writer: BatchWriter | None = None) -> Outcome:
    """POST one webhook delivery (signed) and record the outcome like any other message."""
    from rongmei.distribution import webhooks

    started = timezone.now()
    try:
        outcome = webhooks.deliver(message)
    except Exception as exc:  # a defect or an unexpected network error: retry, the admin sees it
        log.exception("webhook delivery %s failed unexpectedly", message.idempotency_key)
        outcome = Outcome.retry(f"{exc.__class__.__name__}: {exc}"[:400])
    _write(writer, record, message, worker, outcome, started, dict(message.progress))
    return outcome


@transaction.atomic
def record(message: OutboxMessage, worker: str, outcome: Outcome, started: dt.datetime, progress: dict) -> bool:
    """Write the outcome, only if this worker still holds the lease (else another worker
    has taken over and will record it)."""
    if outcome.kind == "ok" and not message.webhook_id:
        return _record_done(message, worker, outcome, started, progress)
    current = OutboxMessage.objects.select_for_update().filter(pk=message.pk).first()
    if current is None or current.lease_owner != worker or current.status != OutboxMessage.Status.LEASED:
        return False  # taken over by another worker (or its endpoint was deleted meanwhile)
    now = timezone.now()
    attempt = DeliveryAttempt.objects.create(message=current, worker=worker, started_at=started, finished_at=now,
                                             outcome=outcome.kind, detail=outcome.detail[:500],
                                             status_code=outcome.status_code)
    if current.webhook_id:
        _record_webhook(current, attempt, outcome, now)
        return True
    publication = Publication.objects.select_for_update().get(pk=current.publication_id)
    if outcome.kind == "wait":
        since = dt.datetime.fromisoformat(progress.setdefault("waiting_since", now.isoformat()))
        if now - since <= dt.timedelta(hours=wait_hours()):
            _wait(current, publication, outcome, now, progress)
            return True
        outcome = Outcome.fail(f"等了 {wait_hours():g} 小时仍未得到平台的发布结果（{outcome.detail}）。"
                               "请到公众号后台核对这篇是否已发出，再决定重发或撤稿。")
    progress.pop("waiting_since", None)
    if outcome.kind == "retry" and current.attempts < current.max_attempts:
        wait = outcome.retry_after if outcome.retry_after is not None else backoff(current.attempts)
        DeliveryAttempt.objects.filter(pk=attempt.pk).update(next_attempt_at=now + dt.timedelta(seconds=wait))
        # in_flight stays as it is: an unknown outcome is asked about first on the next attempt
        OutboxMessage.objects.filter(pk=current.pk).update(
            status=OutboxMessage.Status.PENDING, lease_owner="", lease_until=None, waiting=False,
            available_at=now + dt.timedelta(seconds=wait), last_error=outcome.detail[:500], progress=progress)
        Publication.objects.filter(pk=publication.pk).update(
            status=Publication.Status.TAKING_DOWN if current.action == OutboxMessage.Action.TAKEDOWN
            else Publication.Status.RETRYING,
            last_error=outcome.detail[:500], next_attempt_at=now + dt.timedelta(seconds=wait), updated_at=now)
    else:
        _dead(current, publication, outcome, now, progress)
    return True


def _record_webhook(message: OutboxMessage, attempt: DeliveryAttempt, outcome: Outcome, now: dt.datetime) -> None:
    """2xx: done. Retryable (5xx, 408, 429, timeouts, no connection): back off and try again
    up to max_attempts, then dead. Refused (other 4xx, a refused address): dead at once."""
    if outcome.kind == "ok":
        OutboxMessage.objects.filter(pk=message.pk).update(
            status=OutboxMessage.Status.DONE, done_at=now, lease_owner="", lease_until=None, in_flight=False,
            last_error="")
        return
    if outcome.kind in ("retry", "wait") and message.attempts < message.max_attempts:
        wait = outcome.retry_after if outcome.retry_after is not None else backoff(message.attempts)
        wait = min(max(wait, 0.0), BACKOFF_CAP)  # a receiver's Retry-After is honoured, within reason
        after = now + dt.timedelta(seconds=wait)
        DeliveryAttempt.objects.filter(pk=attempt.pk).update(next_attempt_at=after)
        OutboxMessage.objects.filter(pk=message.pk).update(
            status=OutboxMessage.Status.PENDING, lease_owner="", lease_until=None, available_at=after,
            last_error=outcome.detail[:500])
        return
    from rongmei.core.services import notify

    detail = (f"重试 {message.attempts} 次仍失败，已停止：" if outcome.kind != "fail" else "") + outcome.detail
    OutboxMessage.objects.filter(pk=message.pk).update(
        status=OutboxMessage.Status.DEAD, done_at=now, lease_owner="", lease_until=None, in_flight=False,
        last_error=detail[:500])
    endpoint = message.webhook
    if endpoint.created_by_id:
        notify(center=endpoint.center, recipients=[endpoint.created_by], title=f"Webhook 推送失败：{endpoint.name}"[:200],
               body=detail[:300], url=f"/distribution/webhooks/{endpoint.pk}/", event="publish_failed")


def wait_hours() -> float:
    """How long a delivery may wait for a result the platform owes (setting, in hours)."""
    return float(getattr(settings, "RONGMEI_PUBLISH_WAIT_HOURS", 6))


def _wait(message, publication, outcome: Outcome, now, progress) -> None:
    after = now + dt.timedelta(seconds=outcome.retry_after or 5)
    OutboxMessage.objects.filter(pk=message.pk).update(
        status=OutboxMessage.Status.PENDING, lease_owner="", lease_until=None, in_flight=False, waiting=True,
        available_at=after, last_error="", progress=progress)
    Publication.objects.filter(pk=publication.pk).update(
        status=Publication.Status.TAKING_DOWN if message.action == OutboxMessage.Action.TAKEDOWN
        else Publication.Status.PUBLISHING,
        last_error=outcome.detail[:500], next_attempt_at=after, updated_at=now)


def _record_done(message: OutboxMessage, worker: str, outcome: Outcome, started: dt.datetime, progress: dict) -> bool:
    """The common outcome in four writes and no reads: the message is done only where this
    worker still holds its lease (the UPDATE's condition is the check, its row lock the
    lock), then the attempt, the publication's new state, the account's last post."""
    now = timezone.now()
    progress.pop("waiting_since", None)
    if not OutboxMessage.objects.filter(pk=message.pk, lease_owner=worker, status=OutboxMessage.Status.LEASED).update(
            status=OutboxMessage.Status.DONE, done_at=now, lease_owner="", lease_until=None, in_flight=False,
            waiting=False, last_error="", progress=progress):
        return False  # taken over by another worker, which records it
    DeliveryAttempt.objects.create(message_id=message.pk, worker=worker, started_at=started, finished_at=now,
                                   outcome=outcome.kind, detail=outcome.detail[:500], status_code=outcome.status_code)
    publication = Publication.objects.filter(pk=message.publication_id)
    if outcome.handoff:
        publication.update(status=Publication.Status.AWAITING, handoff=message.action, chased_at=None, last_error="",
                           next_attempt_at=None, updated_at=now)
        return True
    changes = {"last_error": "", "next_attempt_at": None, "handoff": "", "updated_at": now}
    if outcome.remote_id:
        changes["remote_id"] = outcome.remote_id
    if outcome.remote_url:
        changes["remote_url"] = outcome.remote_url
    if message.action == OutboxMessage.Action.TAKEDOWN:
        status = Publication.Status.TAKEN_DOWN
    elif message.action == OutboxMessage.Action.CORRECT:
        status, changes["corrected_at"] = Publication.Status.CORRECTED, now
    else:
        status, changes["sent_at"] = Publication.Status.SENT, Coalesce(F("sent_at"), Value(now))
    publication.update(status=status, **changes)
    if message.action == OutboxMessage.Action.PUBLISH:
        mark_account_posted(message.account_id, now)
    emit_publication_event(message.publication_id, message.publication.center_id,
                           {Publication.Status.SENT: "publication.sent",
                            Publication.Status.TAKEN_DOWN: "publication.taken_down"}.get(status))
    return True


def emit_publication_event(publication_id: int, center_id: int, kind: str | None) -> None:
    """Tell the center's webhooks, in this transaction (rongmei.core.events). Nothing is read
    or written when no sink listens for `kind` there (the common case: one query instead of
    four per delivery)."""
    if kind:
        from rongmei.core import events
        from rongmei.distribution import webhooks

        if events.listening(center_id, kind):
            webhooks.emit_publication(publication_id, kind)


def mark_account_posted(account_id: int, now: dt.datetime) -> None:
    """A post reached the account: it is active again for the matrix health checks."""
    from rongmei.distribution.models import ChannelAccount

    ChannelAccount.objects.filter(pk=account_id).update(last_published_at=now, stale_warned_at=None,
                                                        stale_escalated_at=None)


def _dead(message, publication, outcome: Outcome, now, progress) -> None:
    from rongmei.core.services import notify

    gave_up = outcome.kind == "retry"
    detail = (f"重试 {message.attempts} 次仍失败，已停止：" if gave_up else "") + outcome.detail
    if message.action == OutboxMessage.Action.TAKEDOWN:
        detail = "撤稿未完成，内容可能仍在线，可再次撤稿：" + detail
    OutboxMessage.objects.filter(pk=message.pk).update(
        status=OutboxMessage.Status.DEAD, done_at=now, lease_owner="", lease_until=None,  # in_flight kept: a
        waiting=False, last_error=detail[:500], progress=progress)  # resend asks the platform first
    Publication.objects.filter(pk=publication.pk).update(status=Publication.Status.FAILED, last_error=detail[:500],
                                                         next_attempt_at=None)
    emit_publication_event(publication.pk, publication.center_id, "publication.failed")
    notify(center=publication.center, recipients=[publication.created_by],
           title=f"发布失败：{publication.account.name}", body=detail[:300], url=f"/distribution/stories/{publication.story_id}/",
           event="publish_failed")


# --- The worker --------------------------------------------------------------------------------------

class Worker:
    """Claims and delivers in a few threads; one heartbeat thread keeps the leases. With
    `batch_writes` (the default on SQLite) one writer thread commits the worker's writes,
    many per transaction (BatchWriter). Several workers, in one process or many, may run
    against one database: a message is leased by exactly one of them."""

    def __init__(self, threads: int = DEFAULT_THREADS, idle_sleep: float = 0.2, batch_writes: bool | None = None):
        self.threads = threads
        self.idle_sleep = idle_sleep
        self.batch_writes = batch_writes
        self.writer: BatchWriter | None = None
        self.stop = threading.Event()
        self.name = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self._working: dict[int, str] = {}
        self._connections: set = set()  # the delivery threads' connections, closed when the worker stops
        self._lock = threading.Lock()

    def run(self) -> None:
        from concurrent.futures import ThreadPoolExecutor

        if self.batch_writes if self.batch_writes is not None else batch_writes_by_default():
            self.writer = BatchWriter().start()
        beat = threading.Thread(target=self._heartbeat, daemon=True, name="outbox-heartbeat")
        beat.start()
        try:
            with ThreadPoolExecutor(max_workers=self.threads, thread_name_prefix="outbox") as pool:
                self._open_connections(pool)
                while not self.stop.is_set():
                    free = self.threads - len(self._working)
                    try:
                        batch = _write(self.writer, claim, self.name, free) if free > 0 else []
                    except Exception:  # the database is away for a moment: try again shortly
                        log.exception("could not claim outbox messages")
                        connection.close()
                        batch = []
                    for message in batch:
                        with self._lock:
                            self._working[message.pk] = self.name
                        pool.submit(self._one, message)
                    _tidy_connection()
                    if not batch:
                        self.stop.wait(self.idle_sleep)
        finally:
            self.stop.set()
            if self.writer is not None:
                self.writer.stop()
            _close_all(self._connections)
            close_old_connections()

    def _open_connections(self, pool) -> None:
        """Start every delivery thread with its database connection open, before the first
        claim: opening them in the middle of the first fan-out (a server process each on
        PostgreSQL) made that fan-out wait for them. Each thread keeps its connection."""
        started = threading.Barrier(self.threads + 1)

        def _open() -> None:
            with self._lock:
                self._connections.add(_thread_connection())
            try:
                connection.ensure_connection()
            except Exception:  # the database is away: the first delivery connects instead
                log.warning("a delivery thread could not connect yet", exc_info=True)
            try:
                started.wait(30)  # hold this thread until all are started, so each task gets its own
            except threading.BrokenBarrierError:
                pass

        for _ in range(self.threads):
            pool.submit(_open)
        try:
            started.wait(30)
        except threading.BrokenBarrierError:
            log.warning("not every delivery thread started within 30 s")

    def _one(self, message: OutboxMessage) -> None:
        with self._lock:
            self._connections.add(_thread_connection())
        try:
            process(message, self.name, self.writer)
        except Exception:  # the lease runs out and another worker (or this one) takes it over
            log.exception("delivery %s could not be recorded", message.idempotency_key)
            connection.close()
        finally:
            with self._lock:
                self._working.pop(message.pk, None)
            _tidy_connection()

    def _heartbeat(self) -> None:
        while not self.stop.wait(HEARTBEAT_SECONDS):
            with self._lock:
                ids = list(self._working)
            try:
                _write(self.writer, renew, self.name, ids)
            except Exception:
                log.exception("could not renew outbox leases")
            finally:
                close_old_connections()
