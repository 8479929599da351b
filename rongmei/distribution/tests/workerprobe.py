"""Probe tasks for tests/test_workers_redis.py: the real `worker` command (Huey consumer) with
two tasks registered on the installation's queue, each run written, with the pid of the
process that ran it, to a file under RONGMEI_VAR_DIR (appends of one short line each,
atomic with O_APPEND), so the test can tell which consumer ran what, and how often.

    python -m rongmei.distribution.tests.workerprobe worker [run_huey flags]   # a consumer
    python -m rongmei.distribution.tests.workerprobe enqueue N                 # N probe tasks
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rongmei.settings")

import django

django.setup()

from huey import crontab
from huey.contrib.djhuey import periodic_task, task


def runs_file() -> Path:
    return Path(os.environ["RONGMEI_VAR_DIR"]) / "probe-runs.txt"


def _append(line: str) -> None:
    fd = os.open(runs_file(), os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    try:
        os.write(fd, f"{line} {time.time():.3f}\n".encode())
    finally:
        os.close(fd)


@task()
def probe(n: int) -> int:
    time.sleep(0.05)  # long enough for both consumers to get their share
    _append(f"task {n} {os.getpid()}")
    return n


@periodic_task(crontab(minute="*"))
def periodic_probe() -> None:
    """Enqueued by the scheduler once a minute (and at its start), then run by whichever
    consumer takes it: with one scheduler the runs are a minute apart, never two at once."""
    _append(f"periodic 0 {os.getpid()}")


def main(argv: list[str]) -> None:
    if argv[0] == "worker":
        from django.core.management import call_command

        _append(f"ready 0 {os.getpid()}")
        call_command("worker", *argv[1:])
    elif argv[0] == "enqueue":
        for n in range(int(argv[1])):
            probe(n)
    else:
        raise SystemExit(f"unknown: {argv[0]}")


if __name__ == "__main__":
    main(sys.argv[1:])
