"""Background work of the review room: chasing steps past their time limit."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from rongmei.review import engine


@db_periodic_task(crontab(minute="*/5"))
def chase_overdue_reviews() -> int:
    return engine.chase_overdue()
