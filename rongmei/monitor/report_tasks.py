"""Background work of 舆情报告: every hour, the daily and weekly reports that are due by each
center's settings are generated once (and mailed when the settings say so)."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from rongmei.monitor import report


@db_periodic_task(crontab(minute="5"))
def reports_on_schedule() -> dict:
    return report.run_schedule()
