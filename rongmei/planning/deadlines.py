"""The default deadline of a new assignment: eight working hours from now, counted inside
the newsroom's working day (08:30–18:00) on working days, so a task assigned on Friday
evening is not due at 03:00 on Saturday. Working days come from `rongmei.core.workcalendar`
(the calendar the inquiry room keeps: statutory holidays, 调休 and the center's overrides)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

WORK_START = dt.time(8, 30)
WORK_END = dt.time(18, 0)
DEFAULT_HOURS = 8


def default_deadline(center, now: dt.datetime, hours: int = DEFAULT_HOURS, calendar=None) -> dt.datetime:
    """`hours` of working time after `now`, in the center's time zone, rounded up to the
    half hour (never past 18:00)."""
    from rongmei.core import workcalendar

    calendar = calendar if calendar is not None else workcalendar.for_center(center)
    tz = ZoneInfo(getattr(center, "timezone", None) or "Asia/Shanghai")
    local = now.astimezone(tz)
    left = dt.timedelta(hours=hours)
    day, at = local.date(), local.time()
    for _ in range(400):
        if calendar.is_workday(day) and at < WORK_END:
            start = dt.datetime.combine(day, max(at, WORK_START), tzinfo=tz)
            end = dt.datetime.combine(day, WORK_END, tzinfo=tz)
            if start + left <= end:
                return _round_up(start + left, end)
            left -= end - start
        day, at = day + dt.timedelta(days=1), dt.time(0)
    raise ValueError("no working day within 400 days: check 节假日调整")


def _round_up(moment: dt.datetime, limit: dt.datetime) -> dt.datetime:
    minute = moment.replace(second=0, microsecond=0)
    if minute < moment:
        minute += dt.timedelta(minutes=1)
    return min(minute + dt.timedelta(minutes=-minute.minute % 30), limit)
