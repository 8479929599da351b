"""Working-day arithmetic for 网络问政 deadlines (受理、办理、暂停计时、超期).

Rules
-----
* **Which days are working days.** The ``HolidayOverride`` table comes first: the center's
  own rows (a local change, kept by its coordinators), then the platform-wide rows (a State
  Council schedule the package does not know yet, kept by the platform admin). Otherwise the pinned
  ``chinesecalendar`` package decides: it knows the statutory holidays *and* the 调休
  make-up working days (e.g. Sunday 2026-09-20 and Saturday 2026-10-10 are working days).
* **Fallback.** For a year the package has no data for (it raises ``NotImplementedError``,
  e.g. "no available data for year 2027") the legal holidays are computed from the rules
  of 全国年节及纪念日放假办法 (``legal_holidays``: 元旦, 春节 除夕–初三 by the lunar
  calendar, 清明 by the solar term, 劳动节, 端午, 中秋, 国庆, and 补假 for a holiday on a
  weekend); other days fall back to Monday–Friday. Only the 调休 make-up working days stay
  unknown, so the year is recorded in ``Calendar.unknown_years``, and
  ``years_needing_attention`` keeps warning until the platform admin marks the year's
  schedule as entered in full (``HolidayYear.complete``): one override row is not enough.
* **Local days.** Everything is counted on the center's local calendar (``center.timezone``,
  Beijing time by default). All datetimes passed in must be aware; results are aware
  datetimes in the requested time zone.
* **Deadlines.** A deadline of *n* working days ends at ``day_end`` (18:00) of the *n*-th
  working day after the day of submission; the day of submission never counts, whatever
  the hour. *n* = 0 (emergencies) means the same day if it is a working day and the case
  came in before 18:00, else the end of the next working day.
* **Pausing.** While waiting for the citizen (待补充材料) the clock stops: the deadline is
  pushed by the number of working days between pause and resume (local dates, see
  ``Calendar.working_days_between``); a pause within one day changes nothing.

Examples (2026, with the package's schedule)::

    cal = Calendar()
    cal.add_working_days(datetime(2026, 9, 30, 10, tzinfo=BJ), 5)
    # -> 2026-10-13 18:00+08:00: Oct 1–7 are off, Oct 8, 9, 10 (调休 Saturday), 12, 13 count
    cal.add_working_days(datetime(2026, 11, 20, 20, tzinfo=BJ), 2)   # Friday evening
    # -> 2026-11-24 18:00 (Monday, Tuesday)
    cal.add_working_days(datetime(2026, 11, 19, 10, tzinfo=BJ), 0)   # emergency
    # -> 2026-11-19 18:00 (the same day); at 19:00 it would be 2026-11-20 18:00

The module is pure apart from ``Calendar.load`` and ``deadline_days``, which read the
database (models are imported inside them).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import chinese_calendar
from lunardate import LunarDate

DEFAULT_TZ = "Asia/Shanghai"
DAY_END = time(18, 0)

#: Working days per case kind where a center has no ``DeadlineRule`` row.
DEFAULT_DEADLINE_DAYS: dict[str, int] = {
    "ack": 1,        # 受理
    "consult": 2,    # 咨询
    "suggest": 5,    # 建议
    "complain": 5,   # 投诉
    "help": 5,       # 求助
    "tip": 2,        # 爆料: only acknowledged, not answered
    "joint": 15,     # 多部门联办
}
EMERGENCY_DAYS = 0

# No real schedule has anywhere near this many days off in a row; it only stops a loop
# over an override table that (wrongly) marks everything as a day off.
_MAX_DAYS_OFF_IN_A_ROW = 400


def _local(moment: datetime, tz: str) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"naive datetime {moment!r}: working-day arithmetic needs aware datetimes")
    return moment.astimezone(ZoneInfo(tz))


def _at(day: date, at: time, tz: str) -> datetime:
    return datetime.combine(day, at, tzinfo=ZoneInfo(tz))


@lru_cache(maxsize=None)
def package_knows(year: int) -> bool:
    """Whether the pinned ``chinesecalendar`` has the holiday schedule for ``year``."""
    try:
        chinese_calendar.is_workday(date(year, 1, 1))
    except NotImplementedError:
        return False
    return True


# 全国年节及纪念日放假办法 (2024 revision, in force since 2025): the days every citizen has off.
# Lunar dates are (month, day); 除夕 is the day before 正月初一 (the 29th or the 30th).
_LUNAR_HOLIDAYS = (("端午节", 5, 5), ("中秋节", 8, 15))
_FIXED_HOLIDAYS = (("元旦", 1, 1), ("劳动节", 5, 1), ("劳动节", 5, 2),
                   ("国庆节", 10, 1), ("国庆节", 10, 2), ("国庆节", 10, 3))


@lru_cache(maxsize=None)
def legal_holidays(year: int) -> dict[date, str]:
    """The statutory days off of ``year`` by the rules alone, ``{day: holiday name}``.

    元旦 1-1; 春节 除夕 and 正月初一–初三; 清明节 on the solar term 清明; 劳动节 5-1, 5-2;
    端午节 五月初五; 中秋节 八月十五; 国庆节 10-1..10-3. A day of these on a Saturday or
    Sunday is made up on the next weekday that is not a holiday itself (第六条: 适逢星期六、
    星期日，应当在工作日补假), named after its holiday. The 调休 make-up *working* days are
    not in the rules (the State Council announces them each year), so they are not here.
    """
    days: dict[date, str] = {date(year, m, d): name for name, m, d in _FIXED_HOLIDAYS}
    new_year = LunarDate(year, 1, 1).to_solar_date()
    for offset in range(-1, 3):
        days[new_year + timedelta(days=offset)] = "春节"
    for name, month, day in _LUNAR_HOLIDAYS:
        days[LunarDate(year, month, day).to_solar_date()] = name
    for day, term in chinese_calendar.get_solar_terms(date(year, 4, 1), date(year, 4, 10)):
        if term == "清明":
            days[day] = "清明节"
    made_up: dict[date, str] = {}
    for day in sorted(days):
        if day.weekday() >= 5:
            candidate = day + timedelta(days=1)
            while candidate.weekday() >= 5 or candidate in days or candidate in made_up:
                candidate += timedelta(days=1)
            made_up[candidate] = days[day]
    days.update(made_up)
    return {day: days[day] for day in sorted(days) if day.year == year}


class Calendar:
    """Which days are working days, and deadline arithmetic over them.

    ``Calendar(overrides)`` takes ``{date: is_workday}``; ``Calendar.load(center)`` reads the
    ``HolidayOverride`` table (platform rows, then the center's). ``unknown_years`` collects the years for which a day was
    decided by the Monday–Friday fallback (neither override nor package data).
    """

    def __init__(self, overrides: dict[date, bool] | None = None, complete_years: set[int] | None = None):
        self.overrides: dict[date, bool] = dict(overrides or {})
        #: years whose whole schedule the platform admin has entered (``HolidayYear.complete``)
        self.complete_years: set[int] = set(complete_years or ())
        self.unknown_years: set[int] = set()

    @classmethod
    def load(cls, center=None) -> Calendar:
        """The calendar of one center (read fresh on each call): its own ``HolidayOverride``
        rows win over the platform-wide rows (``center`` empty), which win over the package.
        ``center=None`` gives the platform layer alone. Another center's rows never count."""
        from django.db.models import Q

        from rongmei.inquiry.models import HolidayOverride, HolidayYear

        rows = HolidayOverride.objects.filter(Q(center__isnull=True) | Q(center=center) if center is not None
                                              else Q(center__isnull=True))
        overrides: dict[date, bool] = {}
        # platform rows first, the center's then replace them
        for day, is_workday, _ in sorted(rows.values_list("day", "is_workday", "center_id"),
                                         key=lambda row: row[2] is not None):
            overrides[day] = is_workday
        complete = set(HolidayYear.objects.filter(complete=True).values_list("year", flat=True))
        return cls(overrides, complete)

    # -- days -------------------------------------------------------------------------

    def is_workday(self, day: date) -> bool:
        """Override table first, then the package, then the computed legal holidays and
        Monday–Friday (the year remembered as unknown unless marked complete)."""
        if isinstance(day, datetime):
            day = day.date()
        if day in self.overrides:
            return self.overrides[day]
        try:
            return chinese_calendar.is_workday(day)
        except NotImplementedError:
            if day.year not in self.complete_years:
                self.unknown_years.add(day.year)
            return day.weekday() < 5 and day not in legal_holidays(day.year)

    def next_workday(self, day: date, include: bool = False) -> date:
        """The first working day after ``day`` (or ``day`` itself if ``include`` and it is one)."""
        candidate = day if include else day + timedelta(days=1)
        for _ in range(_MAX_DAYS_OFF_IN_A_ROW):
            if self.is_workday(candidate):
                return candidate
            candidate += timedelta(days=1)
        raise ValueError(f"no working day within {_MAX_DAYS_OFF_IN_A_ROW} days after {day}: check 节假日调整")

    def _count_workdays(self, after: date, until: date) -> int:
        """Working days d with after < d <= until (0 if until <= after)."""
        count, day = 0, after + timedelta(days=1)
        while day <= until:
            count += self.is_workday(day)
            day += timedelta(days=1)
        return count

    def _advance(self, day: date, days: int) -> date:
        """The ``days``-th working day after ``day`` (``day`` itself for 0)."""
        for _ in range(days):
            day = self.next_workday(day)
        return day

    # -- deadlines --------------------------------------------------------------------

    def add_working_days(self, start: datetime, days: int, *, tz: str = DEFAULT_TZ,
                         day_end: time = DAY_END) -> datetime:
        """The deadline: ``day_end`` of the ``days``-th working day after ``start``'s local day.

        The start day is day 0 and never counts, whatever the hour::

            Wed 2026-09-30 10:00, 5 days -> Tue 2026-10-13 18:00  (国庆 off, Sat 10-10 调休 counts)
            Fri 2026-11-20 20:00, 2 days -> Tue 2026-11-24 18:00

        ``days == 0`` (emergency) is "the same day": ``day_end`` of the start day if it is a
        working day and ``start`` is before ``day_end``, else ``day_end`` of the next working day::

            Thu 2026-11-19 10:00, 0 days -> Thu 2026-11-19 18:00
            Thu 2026-11-19 19:00, 0 days -> Fri 2026-11-20 18:00
            Thu 2026-10-01 10:00 (国庆), 0 days -> Thu 2026-10-08 18:00
        """
        if days < 0:
            raise ValueError("days must not be negative")
        local = _local(start, tz)
        if days == 0:
            if self.is_workday(local.date()) and local.time() < day_end:
                return _at(local.date(), day_end, tz)
            return _at(self.next_workday(local.date()), day_end, tz)
        return _at(self._advance(local.date(), days), day_end, tz)

    def working_days_between(self, a: datetime, b: datetime, *, tz: str = DEFAULT_TZ) -> int:
        """Working days strictly after ``a``'s local date up to and including ``b``'s.

        0 on the same day (or if ``b`` is not after ``a``'s day). Friday → Monday is 1
        (the weekend does not count); Monday 10:00 → Wednesday 15:00 is 2.
        """
        return self._count_workdays(_local(a, tz).date(), _local(b, tz).date())

    def elapsed_working_days(self, a: datetime, b: datetime, *, tz: str = DEFAULT_TZ) -> float:
        """Working time from ``a`` to ``b`` in (24-hour) working days, for statistics.

        For each local day that is a working day, the part of [a, b] that falls on it is
        added up; the total in seconds is divided by 86400. Days off add nothing. So
        Friday 12:00 → Monday 12:00 is 1.0 (half of Friday, half of Monday), Monday 09:00 →
        Monday 15:00 is 0.25. 0.0 if ``b`` is not after ``a``. (In a zone with daylight
        saving a local day may be 23 or 25 hours long; its real overlap is counted.)
        """
        start, end = _local(a, tz), _local(b, tz)
        if end <= start:
            return 0.0
        seconds = 0.0
        day = start.date()
        while day <= end.date():
            if self.is_workday(day):
                day_start = _at(day, time(0), tz)
                next_start = _at(day + timedelta(days=1), time(0), tz)
                overlap = min(end, next_start) - max(start, day_start)
                seconds += max(overlap.total_seconds(), 0.0)
            day += timedelta(days=1)
        return seconds / 86400

    def extend(self, due: datetime, paused_from: datetime, paused_to: datetime, *,
               tz: str = DEFAULT_TZ) -> datetime:
        """``due`` pushed by the working days the clock was paused (``working_days_between``).

        The local time of day of ``due`` (normally 18:00) is kept. A pause and resume on the
        same day changes nothing; a pause over a weekend adds nothing for Saturday and Sunday::

            due Fri 2026-11-20 18:00, paused Mon 11-16 10:00 → Wed 11-18 15:00 (2 days)
            -> Tue 2026-11-24 18:00
        """
        paused = self.working_days_between(paused_from, paused_to, tz=tz)
        local_due = _local(due, tz)
        if paused <= 0:
            return due
        return _at(self._advance(local_due.date(), paused), local_due.time(), tz)

    def lateness_working_days(self, due: datetime, now: datetime, *, tz: str = DEFAULT_TZ) -> int:
        """How many working days a case is overdue: 0 unless ``now`` is past ``due``.

        Counts the working days after the deadline's local day up to ``now``'s: due Friday
        18:00 → Saturday 0, Monday 1. Later on the deadline day itself it is overdue (the
        caller checks ``now > due``) but still 0 working days late.
        """
        if now <= due:
            return 0
        return self.working_days_between(due, now, tz=tz)


# -- configuration --------------------------------------------------------------------


def deadline_days(center, kind: str, *, joint: bool, emergency: bool) -> int:
    """Working days to answer a case: emergency (0, same day) wins over joint, joint over kind.

    The center's ``DeadlineRule`` row for the key ("joint", "ack" or a case kind) wins over
    ``DEFAULT_DEADLINE_DAYS``; ``center=None`` uses the defaults. Unknown kinds raise ValueError.
    """
    if emergency:
        return EMERGENCY_DAYS
    key = "joint" if joint else kind
    if key not in DEFAULT_DEADLINE_DAYS:
        raise ValueError(f"unknown case kind {kind!r}")
    if center is not None:
        from rongmei.core.tenancy import scoped
        from rongmei.inquiry.models import DeadlineRule

        configured = scoped(DeadlineRule, center).filter(kind=key).values_list("working_days", flat=True).first()
        if configured is not None:
            return configured
    return DEFAULT_DEADLINE_DAYS[key]


def years_needing_attention(calendar: Calendar, today: date) -> list[int]:
    """This year and next, where the package has no schedule and the platform admin has
    not marked the year's schedule as entered in full (``HolidayYear.complete``).

    For those years the legal holidays are computed but the 调休 days are unknown; the
    platform admin enters the State Council's schedule under “节假日调整” and then ticks
    “该年放假安排已完整录入” (see ``attention_message``). Override rows alone never count.
    """
    return [year for year in (today.year, today.year + 1)
            if not package_knows(year) and year not in calendar.complete_years]


def attention_message(years: list[int]) -> str:
    """The warning shown to admins for ``years_needing_attention`` ("" when there are none)."""
    if not years:
        return ""
    label = "、".join(f"{year}年" for year in sorted(years))
    return (f"{label}的放假和调休安排尚未完整录入：系统已按《全国年节及纪念日放假办法》算出法定节假日，"
            "调休上班日暂按周一至周五计算。请平台管理员在“节假日调整”中录入国务院公布的安排，"
            "录完后勾选“该年放假安排已完整录入”。")
