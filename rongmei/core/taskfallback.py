"""Tasks keep their place while Redis is away.

With REDIS_URL set, a task goes to Huey's Redis queue when the surrounding transaction
commits (django-tasks' HueyBackend, enqueue_on_commit). If Redis cannot be reached then, the
plain backend raises inside the commit hook: the request that did the work answers 500
although its rows are saved, and the task is lost. `FallbackHueyBackend` instead keeps the
task as a `PendingEnqueue` row in the database:

* Redis failed moments ago (`_redis_down` within DOWN_SECONDS): the row is written at once,
  inside the caller's transaction — it commits or rolls back with the work it belongs to;
* otherwise the enqueue is tried on commit, and a Redis error then writes the row.

`relay_pending()` (called by the worker's heartbeat loop, i.e. as soon as Redis answers
again) hands the rows to the queue in order, under a row lock (SKIP LOCKED, so two workers
never send the same row) and deletes each in the same database transaction as its enqueue:
each held task reaches the queue once, with the task id it was given at first. The only
window for a second copy is a crash between Redis accepting the task and the database
committing the delete; the tasks are written to tolerate a repeat (see core.tasks)."""

from __future__ import annotations

import logging
import time

from django.db import transaction
from django.utils import timezone
from huey.contrib.djhuey import HUEY
from huey.contrib.djhuey.tasks_backend import (
    KEY,
    HueyBackend,
    _initial_record,
    _iso,
    _record_to_result,
    _shim,
    task_enqueued,
)

try:
    from django_tasks.utils import normalize_json
except ImportError:  # pragma: no cover - Django 6's own tasks
    from django.utils.json import normalize_json

log = logging.getLogger("rongmei.tasks")

DOWN_SECONDS = 5.0
_down_until = 0.0


def redis_errors() -> tuple[type[BaseException], ...]:
    try:
        import redis.exceptions
    except ImportError:  # pragma: no cover
        return (ConnectionError,)
    return (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError, ConnectionError)


def _mark_down() -> None:
    global _down_until
    _down_until = time.monotonic() + DOWN_SECONDS


def _redis_down() -> bool:
    return time.monotonic() < _down_until


def _hold(huey_task, rec: dict) -> None:
    from rongmei.core.models import PendingEnqueue

    PendingEnqueue.objects.create(task_id=str(huey_task.id), task_path=rec["task_path"],
                                  args=rec["args"], kwargs=rec["kwargs"], priority=huey_task.priority,
                                  run_after=_run_after(rec), record=rec)
    log.warning("task %s held in the database: the queue (Redis) is unreachable", rec["task_path"])


def _run_after(rec: dict):
    from datetime import datetime

    return datetime.fromisoformat(rec["run_after"]) if rec.get("run_after") else None


def _send(huey_task, rec: dict) -> None:
    rec["enqueued_at"] = _iso(timezone.now())
    HUEY.put_result(KEY % huey_task.id, rec)
    task_enqueued.send(sender=HueyBackend, task_result=_record_to_result(rec))
    HUEY.enqueue(huey_task)


class FallbackHueyBackend(HueyBackend):
    """HueyBackend whose enqueue survives an unreachable Redis (see the module's text)."""

    def enqueue(self, task, args, kwargs):
        self.validate_task(task)
        self._check_resolvable(task)
        args = normalize_json(list(args))
        kwargs = normalize_json(kwargs)
        huey_task = _shim.s(task.module_path, args, kwargs, priority=task.priority or None, eta=task.run_after)
        rec = _initial_record(self.alias, task, huey_task.id, args, kwargs)

        if self.enqueue_on_commit and _redis_down():
            _hold(huey_task, rec)  # in the caller's transaction
            return _record_to_result(rec)

        def _enqueue():
            try:
                _send(huey_task, rec)
            except redis_errors():
                _mark_down()
                _hold(huey_task, rec)

        if self.enqueue_on_commit:
            transaction.on_commit(_enqueue)
            return _record_to_result(rec)
        _enqueue()
        stored = HUEY.get(KEY % huey_task.id, peek=True) or rec
        return _record_to_result(stored)


def relay_pending(limit: int = 500) -> int:
    """Hand held tasks to the queue, oldest first; returns how many went. Raises the Redis
    error if the queue is still away (nothing is deleted then)."""
    from rongmei.core.models import PendingEnqueue

    if not PendingEnqueue.objects.exists():  # the usual case: no lock, no transaction
        return 0
    sent = 0
    while sent < limit:
        # One row per transaction: a row is deleted exactly when its enqueue went through.
        with transaction.atomic():
            row = PendingEnqueue.objects.select_for_update(skip_locked=True).order_by("pk").first()
            if row is None:
                break
            huey_task = _shim.s(row.task_path, row.args, row.kwargs, id=row.task_id,
                                priority=row.priority, eta=row.run_after)
            _send(huey_task, dict(row.record))
            row.delete()
            sent += 1
    if sent:
        log.info("relayed %d held task(s) to the queue", sent)
    return sent


def pending_count() -> int:
    from rongmei.core.models import PendingEnqueue

    return PendingEnqueue.objects.count()
