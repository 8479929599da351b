"""Background work of 预警: sending an alert's email and robot deliveries after the commit
that raised it, and a round every 5 minutes that retries deliveries left pending."""

from django_tasks import task
from huey import crontab
from huey.contrib.djhuey import db_periodic_task


@task
def deliver_alert(alert_id: int) -> dict:
    from rongmei.monitor import alerts

    return alerts.deliver(alert_id)


@db_periodic_task(crontab(minute="*/5"))
def retry_alert_deliveries() -> int:
    from rongmei.monitor import alerts

    return alerts.retry_pending()
