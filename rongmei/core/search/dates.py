"""Dates as a newsroom means them: "6 June" is 6 June in the center's own time zone."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from django.conf import settings
from django.utils import timezone

from rongmei.core.models import Center


def center_zone(center: Center) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(center.timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def as_datetime(value: dt.date | dt.datetime, center: Center) -> dt.datetime:
    """An aware datetime: a date is its local midnight, a naive datetime is local time."""
    zone = center_zone(center)
    if isinstance(value, dt.datetime):
        return value if timezone.is_aware(value) else timezone.make_aware(value, zone)
    return dt.datetime.combine(value, dt.time.min, tzinfo=zone)


def day_after(value: dt.date, center: Center) -> dt.datetime:
    """The local midnight that ends the day `value`: the exclusive bound of "up to that day"."""
    return as_datetime(value + dt.timedelta(days=1), center)
