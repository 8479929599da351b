"""Background work of 活动运营 (Huey discovers this module): the due-soon reminder of tasks."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from rongmei.events import services


@db_periodic_task(crontab(minute="5", hour="*"))
def remind_due_tasks() -> int:
    """Every hour: owners of open tasks due today or tomorrow are told once."""
    return services.remind_due()
