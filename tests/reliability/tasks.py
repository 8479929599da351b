"""A task for the worker-kill test: it notes each start (committed at once, so a killed run
leaves its trace), sleeps, then records its completion once — the completion row is keyed by
the tag (ON CONFLICT DO NOTHING), the idempotency guard a re-run relies on."""

import time

from django.db import connection, transaction
from django_tasks import task

TABLE = "reliability_task_runs"


def ensure_table() -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE IF NOT EXISTS {TABLE} (id serial PRIMARY KEY, tag text NOT NULL, "
                       "kind text NOT NULL, pid int NOT NULL, at timestamptz NOT NULL DEFAULT now())")
        cursor.execute(f"CREATE UNIQUE INDEX IF NOT EXISTS {TABLE}_done ON {TABLE} (tag) WHERE kind = 'done'")


@task
def record_run(tag: str, seconds: float) -> str:
    import os

    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {TABLE} (tag, kind, pid) VALUES (%s, 'start', %s)", [tag, os.getpid()])
    time.sleep(seconds)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {TABLE} (tag, kind, pid) VALUES (%s, 'done', %s) ON CONFLICT DO NOTHING",
                       [tag, os.getpid()])
    return tag
