"""Background work of the distribution room."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from rongmei.distribution import health


@db_periodic_task(crontab(minute="7", hour="*"))
def chase_stale_accounts() -> dict:
    return health.chase_stale_accounts()


@db_periodic_task(crontab(minute="*/15"))
def chase_handoffs() -> dict:
    return health.chase_handoffs()
