"""Appraisal months: which are open, which are closed, and the one place other parts ask.

Ratings, pickups and deductions count in a month (`month` field, the first of a month); once
that month is closed nothing may be added to it or changed in it — those screens and
services (rules & facts) call `ensure_open` before they write. A month's Period row is
created the first time anything asks for it (computing, raising a dispute).
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from rongmei.appraisal.models import Period


def month_of(day: dt.date) -> dt.date:
    return day.replace(day=1)


def current_month(center) -> dt.date:
    """The first of the current month in the center's time zone."""
    from zoneinfo import ZoneInfo

    return month_of(timezone.now().astimezone(ZoneInfo(center.timezone or "Asia/Shanghai")).date())


def label(month: dt.date) -> str:
    return f"{month.year}年{month.month}月"


def get(center, month: dt.date) -> Period | None:
    return Period.objects.filter(center=center, month=month_of(month)).first()


def get_or_open(center, month: dt.date) -> Period:
    """The month's Period, created open when it does not exist yet."""
    month = month_of(month)
    found = get(center, month)
    if found is not None:
        return found
    try:
        with transaction.atomic():
            return Period.objects.create(center=center, month=month)
    except IntegrityError:  # created at the same moment by someone else
        return Period.objects.get(center=center, month=month)


def is_closed(center, month: dt.date) -> bool:
    """True when the month (any day of it) has been closed: its facts are locked."""
    return Period.objects.filter(center=center, month=month_of(month), status=Period.Status.CLOSED).exists()


def ensure_open(center, month: dt.date, field: str | None = None) -> None:
    """Refuse (ValidationError, Chinese) a change that counts in a closed month."""
    if is_closed(center, month):
        message = f"{label(month_of(month))}已结算，不能再登记或修改；如需更正，请由考核管理员做结算后调整。"
        raise ValidationError({field: [message]} if field else message)
