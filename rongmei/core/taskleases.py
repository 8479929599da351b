"""A task whose worker dies runs again: leases on running tasks (Huey on Redis).

Huey's Redis consumer pops a task off the list before running it; a worker killed mid-task
(SIGKILL, the OOM killer, a machine lost) takes the task with it — Huey never delivers it
again. So each running task holds a lease in Redis (the hash LEASES: task id → the task's
serialized message, its owner and the lease's end):

* Huey's EXECUTING signal writes the lease; COMPLETE, ERROR, CANCELED, RETRYING, TIMEOUT
  and LOCKED remove it (the task finished, or Huey itself will run it again);
* the owner's heartbeat thread renews its leases every beat (LEASE_SECONDS ahead);
* every worker's heartbeat also sweeps: a lease that ran out belongs to a dead worker — the
  first sweeper to delete it (HDEL returns 1 to exactly one) puts the message back on the
  queue, with its id, so the task runs again.

A re-run must not do the work twice: tasks keep their writes in one transaction (a kill
before the commit leaves nothing) or check a record of having done it (core.tasks,
messaging's outbox, distribution's leases). Without Redis (SqliteHuey, embedded mode) this is
off: the SQLite queue is one machine's, and `rongmei serve` restarts nothing by itself."""

from __future__ import annotations

import json
import logging
import os
import socket
import threading
import time

from huey import signals as S
from huey.contrib.djhuey import HUEY

log = logging.getLogger("rongmei.tasks")

LEASES = "rongmei:task-leases"
LEASE_SECONDS = 10.0
OWNER = f"{socket.gethostname()}.{os.getpid()}"

_mine: dict[str, bytes] = {}  # task id -> serialized message, for the tasks this process runs
_lock = threading.Lock()
_installed = False


def _conn():
    return getattr(HUEY.storage, "conn", None)


def enabled() -> bool:
    return _conn() is not None and hasattr(_conn(), "hset")


def _entry(message: bytes) -> str:
    return json.dumps({"owner": OWNER, "until": time.time() + LEASE_SECONDS, "message": message.hex()})


def _take(signal, task, *args, **kwargs):
    message = HUEY.serialize_task(task)
    with _lock:
        _mine[task.id] = message
    try:
        _conn().hset(LEASES, task.id, _entry(message))
    except Exception:  # the task still runs; without a lease it is only unprotected
        log.exception("could not take a lease on task %s", task.id)


def _release(signal, task, *args, **kwargs):
    with _lock:
        _mine.pop(task.id, None)
    try:
        _conn().hdel(LEASES, task.id)
    except Exception:
        log.exception("could not release the lease on task %s", task.id)


def install() -> bool:
    """Connect the lease keeping to Huey's signals (in the worker process, once)."""
    global _installed
    if _installed or not enabled():
        return _installed
    HUEY.signal(S.SIGNAL_EXECUTING)(_take)
    HUEY.signal(S.SIGNAL_COMPLETE, S.SIGNAL_ERROR, S.SIGNAL_CANCELED, S.SIGNAL_RETRYING, S.SIGNAL_TIMEOUT,
                S.SIGNAL_LOCKED, S.SIGNAL_EXPIRED, S.SIGNAL_REVOKED)(_release)
    _installed = True
    return True


def renew() -> int:
    """The owner's heartbeat: push its leases' ends forward."""
    if not _installed:
        return 0
    with _lock:
        mine = dict(_mine)
    if mine:
        _conn().hset(LEASES, mapping={tid: _entry(message) for tid, message in mine.items()})
    return len(mine)


def sweep(now: float | None = None) -> list[str]:
    """Put back on the queue every task whose lease ran out (its worker is gone); returns
    their ids. Safe to run in every worker at once."""
    if not _installed:
        return []
    now = time.time() if now is None else now
    conn, requeued = _conn(), []
    for tid, raw in conn.hgetall(LEASES).items():
        tid = tid.decode() if isinstance(tid, bytes) else tid
        try:
            lease = json.loads(raw)
        except ValueError:
            conn.hdel(LEASES, tid)
            continue
        if lease["until"] > now or tid in _mine:
            continue
        if conn.hdel(LEASES, tid) == 1:  # this sweeper won the lease
            HUEY.storage.enqueue(bytes.fromhex(lease["message"]))
            requeued.append(tid)
            log.warning("task %s: its worker %s stopped mid-task; queued again", tid, lease["owner"])
    return requeued


def keep() -> None:
    """One heartbeat's work: renew this process's leases, sweep the dead ones. Never raises."""
    try:
        renew()
        sweep()
    except Exception:
        log.exception("task leases: renew/sweep failed")
