"""Background work of 有线网络: marking overdue work orders and telling people (every 10 minutes)."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from rongmei.cable import services


@db_periodic_task(crontab(minute="*/10"))
def escalate_overdue_orders() -> int:
    return services.escalate()
