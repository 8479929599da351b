"""Which days are working days, for any room.

The calendar itself (statutory holidays, 调休 and a center's own 节假日调整) is kept by the
inquiry room, which registers its loader here at start; planning and others ask core, so no
room imports inquiry for it. Without a registered loader (a trimmed installation) Monday to
Friday count as working days.
"""

from __future__ import annotations

import datetime as dt
from typing import Callable, Protocol


class WorkCalendar(Protocol):
    def is_workday(self, day: dt.date) -> bool: ...


class _WeekdaysOnly:
    def is_workday(self, day: dt.date) -> bool:
        return day.weekday() < 5


_loader: Callable[[object], WorkCalendar] | None = None


def register(loader: Callable[[object], WorkCalendar]) -> None:
    """`loader(center)` gives that center's calendar (read fresh on each call)."""
    global _loader
    _loader = loader


def for_center(center) -> WorkCalendar:
    return _loader(center) if _loader is not None else _WeekdaysOnly()
