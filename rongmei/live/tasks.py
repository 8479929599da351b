"""Background work of 直播制作: a broadcast still on air keeps its public end ahead of now."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from rongmei.live import services


@db_periodic_task(crontab(minute="*/5"))
def extend_running_streams() -> int:
    """Every five minutes: a production on air past its planned end stays “正在直播” on the site."""
    return services.extend_running()
