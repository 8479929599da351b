"""Background work: code is written against the `django_tasks` `@task` API and runs on Huey.

`HueyBackend` turns `some_task.enqueue(...)` into a Huey message that names the task by its
module path; the consumer (`rongmei worker`) imports and runs it. Huey stores its queue in
SQLite under var/ by default and in Redis when REDIS_URL is set.

The consumer writes a heartbeat into Huey's own storage every few seconds, so `/healthz`
can tell a running queue from a stopped one, and an unreachable Redis from both.
"""

from __future__ import annotations

import logging
import threading
import time

from django.conf import settings
from django.db import close_old_connections
from django.utils import timezone
from django.utils.module_loading import import_string
from django_tasks.backends.base import BaseTaskBackend
from django_tasks.base import TaskResult, TaskResultStatus
from django_tasks.utils import get_random_id
from huey.contrib.djhuey import HUEY
from huey.contrib.djhuey import task as huey_task

log = logging.getLogger("rongmei.tasks")

HEARTBEAT_KEY = "rongmei:consumer-heartbeat"
HEARTBEAT_INTERVAL = 2.0


@huey_task(name="rongmei.run_task", retries=0)
def run_task(module_path: str, args: list, kwargs: dict, result_id: str):
    """Run one `django_tasks` task inside the consumer, with fresh database connections."""
    close_old_connections()
    try:
        task = import_string(module_path)
        log.info("task started", extra={"task": module_path, "result_id": result_id})
        return task.call(*args, **kwargs)
    finally:
        close_old_connections()


class HueyBackend(BaseTaskBackend):
    supports_defer = True

    def enqueue(self, task, args, kwargs) -> TaskResult:
        self.validate_task(task)
        result_id = get_random_id()
        now = timezone.now()
        if task.run_after is not None:
            run_task.schedule(args=(task.module_path, list(args), dict(kwargs), result_id), eta=task.run_after)
        else:
            run_task(task.module_path, list(args), dict(kwargs), result_id)
        return TaskResult(
            task=task,
            id=result_id,
            status=TaskResultStatus.READY,
            enqueued_at=now,
            started_at=None,
            last_attempted_at=None,
            finished_at=None,
            args=list(args),
            kwargs=dict(kwargs),
            backend=self.alias,
            errors=[],
            worker_ids=[],
        )


# --- Heartbeat ---------------------------------------------------------------------------

def write_heartbeat() -> None:
    HUEY.storage.put_data(HEARTBEAT_KEY, repr(time.time()).encode())


def start_heartbeat(stop: threading.Event) -> threading.Thread:
    def beat():
        while not stop.is_set():
            try:
                write_heartbeat()
            except Exception:  # a storage hiccup must not kill the consumer; health shows it
                log.exception("could not write the consumer heartbeat")
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
    from huey.constants import EmptyData

    if raw is EmptyData or raw is None:
        return {"ok": False, "detail": "任务消费者未运行（从未收到心跳）", "heartbeat_age": None, "pending": pending}
    age = max(0.0, time.time() - float(raw.decode()))
    limit = settings.RONGMEI_QUEUE_HEARTBEAT_MAX_AGE
    if age > limit:
        return {"ok": False, "detail": f"任务消费者已停止（{int(age)} 秒无心跳，上限 {limit} 秒）", "heartbeat_age": round(age, 1), "pending": pending}
    return {"ok": True, "detail": "运行中", "heartbeat_age": round(age, 1), "pending": pending}
