"""Keeps the 工作台 boxes fresh: every hour each active center's current month is recomputed
(through services.compute, as the system), so a person's "month so far" — points, pieces,
reads, rank in their unit — is at most an hour old without anyone pressing 重新计算. A closed
month is left alone (the close is always a person's act). The computation is set-based
(rongmei.appraisal.engine), so an hourly run costs a few statements per center."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from rongmei.appraisal.close_tasks import recompute_current_months


@db_periodic_task(crontab(minute="20"))
def appraisal_hourly_compute() -> dict:
    return recompute_current_months()
