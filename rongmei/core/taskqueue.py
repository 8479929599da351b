"""Background work: code is written against the `django_tasks` `@task` API and runs on Huey
through Huey's own backend (`huey.contrib.djhuey.tasks_backend.HueyBackend`, subclassed by
core.taskfallback so a task waits in the database while Redis is away; see settings).
The consumer is `rongmei worker`. Huey stores its queue in SQLite under var/ by default and
in Redis when REDIS_URL is set.

The consumer writes a heartbeat into Huey's own storage every few seconds, so `/healthz`
can tell a running queue from a stopped one, and an unreachable Redis from both.
"""

from __future__ import annotations

import logging
import threading
import time

from django.conf import settings
from huey.constants import EmptyData
from huey.contrib.djhuey import HUEY

from rongmei.core import taskleases

log = logging.getLogger("rongmei.tasks")

HEARTBEAT_KEY = "rongmei:consumer-heartbeat"
HEARTBEAT_INTERVAL = 2.0


# --- Heartbeat ---------------------------------------------------------------------------

def write_heartbeat() -> None:
    HUEY.storage.put_data(HEARTBEAT_KEY, repr(time.time()).encode())


def relay_held_tasks() -> int:
    """The queue answers (the heartbeat just went in): hand it the tasks held in the
    database while it was away (core.taskfallback). Never raises."""
    from django.db import close_old_connections

    from rongmei.core.taskfallback import relay_pending

    if not settings.CONFIG.redis_url:  # the SQLite queue is in the database: nothing is ever held
        return 0
    try:
        return relay_pending()
    except Exception:
        log.exception("could not relay the held tasks")
        return 0
    finally:
        close_old_connections()


def start_heartbeat(stop: threading.Event) -> threading.Thread:
    def beat():
        while not stop.is_set():
            try:
                write_heartbeat()
            except Exception:  # a storage hiccup must not kill the consumer; health shows it
                log.exception("could not write the consumer heartbeat")
            else:
                relay_held_tasks()
                taskleases.keep()
            stop.wait(HEARTBEAT_INTERVAL)

    thread = threading.Thread(target=beat, name="rongmei-heartbeat", daemon=True)
    thread.start()
    return thread


def queue_status() -> dict:
    """{'ok': bool, 'detail': str, 'heartbeat_age': float|None, 'pending': int|None}.
    Raises nothing: a storage error is reported as not ok."""
    try:
        raw = HUEY.storage.peek_data(HEARTBEAT_KEY)
        pending = HUEY.storage.queue_size()
    except Exception as exc:
        return {"ok": False, "detail": f"队列存储无法访问：{exc.__class__.__name__}", "heartbeat_age": None, "pending": None}
    if raw is EmptyData or raw is None:
        return {"ok": False, "detail": "任务消费者未运行（从未收到心跳）", "heartbeat_age": None, "pending": pending}
    age = max(0.0, time.time() - float(raw.decode()))
    limit = settings.RONGMEI_QUEUE_HEARTBEAT_MAX_AGE
    if age > limit:
        return {"ok": False, "detail": f"任务消费者已停止（{int(age)} 秒无心跳，上限 {limit} 秒）", "heartbeat_age": round(age, 1), "pending": pending}
    return {"ok": True, "detail": "运行中", "heartbeat_age": round(age, 1), "pending": pending}
