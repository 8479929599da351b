"""The daily fetch of reach, on the task queue.

Every day at 08:30 Beijing time (00:30 UTC; Huey's crontab runs in UTC here) the scheduler
enqueues ONE task per center for the portal's reads and ONE task per active WeChat or Weibo
account, each for yesterday and the six days before it (`sync.daily_range`: WeChat's
running totals of the last week still change). 08:30 because the 数据统计 pages ask for
yesterday's figures to be queried after 8:00, when WeChat has finished computing them.
One task per account means a slow or failing account only ever holds up its own worker
and never another's; each run is recorded as a SyncRun, failed ones with the platform's
Chinese error. Re-running a day replaces its figures (sync writes by upsert), so a task
that runs twice, or a day fetched again tomorrow, never doubles anything.
"""

from __future__ import annotations

import datetime as dt

from django_tasks import task
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from rongmei.analytics import sync


def dispatch_daily(today: dt.date | None = None) -> list[tuple[str, int]]:
    """Enqueue the day's tasks: [("portal", center id), ("account", account id), ...]."""
    from rongmei.core.models import Center

    day_from, day_to = sync.daily_range(today)
    enqueued: list[tuple[str, int]] = []
    for center in Center.objects.filter(is_active=True).order_by("id"):
        sync_portal_task.enqueue(center.pk, day_from.isoformat(), day_to.isoformat())
        enqueued.append(("portal", center.pk))
        for account_id in sync.syncable_accounts(center).values_list("id", flat=True):
            sync_account_task.enqueue(center.pk, account_id, day_from.isoformat(), day_to.isoformat())
            enqueued.append(("account", account_id))
    return enqueued


@db_periodic_task(crontab(minute="30", hour="0"))
def daily_reach_sync() -> int:
    return len(dispatch_daily())


def _center(center_id: int):
    from rongmei.core.models import Center

    return Center.objects.filter(pk=center_id, is_active=True).first()


@task
def sync_portal_task(center_id: int, day_from: str, day_to: str) -> dict:
    center = _center(center_id)
    if center is None:
        return {"center": center_id, "outcome": "gone"}
    run = sync.sync_portal(center, dt.date.fromisoformat(day_from), dt.date.fromisoformat(day_to))
    return {"center": center_id, "run": run.pk, "status": run.status, "rows": run.rows, "error": run.error}


@task
def sync_account_task(center_id: int, account_id: int, day_from: str, day_to: str) -> dict:
    """One account's runs (its own task: see the module's docstring)."""
    center = _center(center_id)
    account = sync.syncable_accounts(center).filter(pk=account_id).first() if center is not None else None
    if account is None:
        return {"account": account_id, "outcome": "gone"}
    runs = sync.sync_account_runs(account, dt.date.fromisoformat(day_from), dt.date.fromisoformat(day_to))
    return {"account": account_id, "runs": [{"run": r.pk, "kind": r.kind, "status": r.status, "rows": r.rows,
                                             "error": r.error} for r in runs]}
