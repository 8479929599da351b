"""Background work of 网络问政: the chasing rounds."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from rongmei.inquiry import chasing


@db_periodic_task(crontab(minute="*/15"))
def chase() -> dict:
    return chasing.chase()
