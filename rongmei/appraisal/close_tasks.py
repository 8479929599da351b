"""Recomputing each active center's current month, so a person's 工作台 shows their month so
far (points, pieces, reads, rank) without anyone pressing 计算; view_tasks runs it every hour.
A month that is already closed is left alone; the close itself is always a person's act."""

from rongmei.appraisal import periods, services
from rongmei.appraisal.models import Period
from rongmei.core.models import Center


def recompute_current_months() -> dict:
    done = {}
    for center in Center.objects.filter(is_active=True):
        period = periods.get_or_open(center, periods.current_month(center))
        if period.status == Period.Status.CLOSED:
            continue
        outcome = services.compute(period, None)
        done[center.slug] = outcome.people
    return done
