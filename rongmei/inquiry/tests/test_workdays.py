"""Working-day arithmetic against the real 2026 schedule (chinesecalendar 1.11.0):
中秋 Sep 25–27, 国庆 Oct 1–7, 调休 working days Sunday Sep 20 and Saturday Oct 10."""

from datetime import date, datetime, time, timezone as dt_timezone
from zoneinfo import ZoneInfo

import pytest

from rongmei.inquiry.models import DeadlineRule, HolidayOverride
from rongmei.inquiry.workdays import (
    Calendar,
    attention_message,
    deadline_days,
    package_knows,
    years_needing_attention,
)

BJ = ZoneInfo("Asia/Shanghai")


def bj(y, m, d, hh=0, mm=0):
    return datetime(y, m, d, hh, mm, tzinfo=BJ)


@pytest.fixture
def cal():
    return Calendar()


# -- the package's schedule, as the tests below rely on it ------------------------------


def test_2026_schedule_as_the_package_knows_it(cal):
    assert cal.is_workday(date(2026, 9, 20))           # Sunday, 调休
    assert not cal.is_workday(date(2026, 9, 25))       # Friday, 中秋
    assert not any(cal.is_workday(date(2026, 10, d)) for d in range(1, 8))
    assert cal.is_workday(date(2026, 10, 10))          # Saturday, 调休
    assert not cal.is_workday(date(2026, 10, 11))      # Sunday
    assert cal.unknown_years == set()
    assert package_knows(2026) and not package_knows(2027)


def test_overrides_win_and_next_workday(cal):
    local = Calendar({date(2026, 11, 20): False, date(2026, 11, 21): True})
    assert not local.is_workday(date(2026, 11, 20))
    assert local.is_workday(date(2026, 11, 21))        # a Saturday made a working day
    assert cal.next_workday(date(2026, 9, 30)) == date(2026, 10, 8)
    assert cal.next_workday(date(2026, 9, 30), include=True) == date(2026, 9, 30)
    assert cal.next_workday(date(2026, 10, 3), include=True) == date(2026, 10, 8)
    assert cal.next_workday(date(2026, 10, 9)) == date(2026, 10, 10)


# -- deadlines ------------------------------------------------------------------------


def test_complaint_before_national_day_counts_the_make_up_saturday(cal):
    due = cal.add_working_days(bj(2026, 9, 30, 10), 5)
    # Oct 8 (Thu), Oct 9 (Fri), Oct 10 (Sat, 调休), Oct 12 (Mon), Oct 13 (Tue)
    assert due == bj(2026, 10, 13, 18)
    assert due.tzinfo == BJ


def test_the_submission_day_never_counts(cal):
    assert cal.add_working_days(bj(2026, 11, 16, 0, 5), 1) == bj(2026, 11, 17, 18)
    assert cal.add_working_days(bj(2026, 11, 16, 23, 55), 1) == bj(2026, 11, 17, 18)


def test_consultation_on_friday_evening_is_due_tuesday(cal):
    assert date(2026, 11, 20).weekday() == 4
    assert cal.add_working_days(bj(2026, 11, 20, 20), 2) == bj(2026, 11, 24, 18)


def test_emergency_same_day_or_next_working_day(cal):
    assert cal.add_working_days(bj(2026, 11, 19, 10), 0) == bj(2026, 11, 19, 18)
    assert cal.add_working_days(bj(2026, 11, 19, 19), 0) == bj(2026, 11, 20, 18)
    assert cal.add_working_days(bj(2026, 11, 20, 19), 0) == bj(2026, 11, 23, 18)   # Friday night → Monday
    assert cal.add_working_days(bj(2026, 10, 3, 10), 0) == bj(2026, 10, 8, 18)     # 国庆
    assert cal.add_working_days(bj(2026, 10, 10, 9), 0) == bj(2026, 10, 10, 18)    # 调休 Saturday


def test_local_day_of_the_center_and_custom_day_end(cal):
    # 23:00 UTC on Thursday is Friday 07:00 in Beijing: Friday is day 0.
    start = datetime(2026, 11, 19, 23, 0, tzinfo=dt_timezone.utc)
    assert cal.add_working_days(start, 1) == bj(2026, 11, 23, 18)
    assert cal.add_working_days(start, 1, tz="UTC") == datetime(2026, 11, 20, 18, tzinfo=ZoneInfo("UTC"))
    assert cal.add_working_days(bj(2026, 11, 19, 10), 1, day_end=time(17, 30)) == bj(2026, 11, 20, 17, 30)


def test_naive_and_negative_are_refused(cal):
    with pytest.raises(ValueError):
        cal.add_working_days(datetime(2026, 11, 19, 10), 1)
    with pytest.raises(ValueError):
        cal.add_working_days(bj(2026, 11, 19, 10), -1)


# -- the year the package does not know ----------------------------------------------


def test_2027_without_overrides_computes_legal_holidays_else_monday_to_friday(cal):
    due = cal.add_working_days(bj(2026, 12, 30, 10), 5)
    # Dec 31, Jan 1 (Friday, 元旦 by the rules: off), Jan 4, 5, 6, 7
    assert due == bj(2027, 1, 7, 18)
    assert cal.unknown_years == {2027}


@pytest.mark.django_db
def test_2027_with_overrides_from_the_table():
    HolidayOverride.objects.filter(day__year=2027).delete()
    HolidayOverride.objects.create(day=date(2027, 1, 1), is_workday=False, note="元旦")
    cal = Calendar.load()
    # Dec 31, Jan 4, 5, 6, 7
    assert cal.add_working_days(bj(2026, 12, 30, 10), 5) == bj(2027, 1, 7, 18)

    HolidayOverride.objects.create(day=date(2027, 1, 2), is_workday=True, note="元旦调休")
    cal = Calendar.load()                               # read fresh: nothing cached
    # Dec 31, Jan 2 (Saturday, 调休), Jan 4, 5, 6
    assert cal.add_working_days(bj(2026, 12, 30, 10), 5) == bj(2027, 1, 6, 18)
    HolidayOverride.objects.create(day=date(2027, 1, 4), is_workday=False, note="本地")
    # a row wins over the computed days too: Dec 31, Jan 2, 5, 6, 7
    assert Calendar.load().add_working_days(bj(2026, 12, 30, 10), 5) == bj(2027, 1, 7, 18)
    assert not cal.is_workday(date(2027, 1, 1))
    assert cal.unknown_years == {2027}                  # Jan 4–6 still came from the fallback


# -- pausing, statistics, lateness ------------------------------------------------------


def test_pause_and_resume_pushes_the_deadline(cal):
    due = bj(2026, 11, 20, 18)                          # Friday
    # Monday 10:00 → Wednesday 15:00: Tuesday and Wednesday
    assert cal.working_days_between(bj(2026, 11, 16, 10), bj(2026, 11, 18, 15)) == 2
    assert cal.extend(due, bj(2026, 11, 16, 10), bj(2026, 11, 18, 15)) == bj(2026, 11, 24, 18)


def test_pause_within_a_day_or_over_a_weekend(cal):
    due = bj(2026, 11, 25, 18)
    assert cal.extend(due, bj(2026, 11, 16, 9), bj(2026, 11, 16, 17)) == due
    assert cal.extend(due, bj(2026, 11, 21, 9), bj(2026, 11, 22, 17)) == due       # Saturday → Sunday
    # Friday → Monday: only Monday counts
    assert cal.working_days_between(bj(2026, 11, 20, 10), bj(2026, 11, 23, 10)) == 1
    assert cal.extend(due, bj(2026, 11, 20, 10), bj(2026, 11, 23, 10)) == bj(2026, 11, 26, 18)
    # resumed before it was paused: nothing
    assert cal.working_days_between(bj(2026, 11, 23, 10), bj(2026, 11, 20, 10)) == 0


def test_elapsed_working_days_is_fractional(cal):
    assert cal.elapsed_working_days(bj(2026, 11, 16, 9), bj(2026, 11, 16, 15)) == pytest.approx(0.25)
    # half of Friday + (weekend) + half of Monday
    assert cal.elapsed_working_days(bj(2026, 11, 20, 12), bj(2026, 11, 23, 12)) == pytest.approx(1.0)
    # Sep 30 12:00 → Oct 8 12:00: half of Sep 30, the holiday adds nothing, half of Oct 8
    assert cal.elapsed_working_days(bj(2026, 9, 30, 12), bj(2026, 10, 8, 12)) == pytest.approx(1.0)
    assert cal.elapsed_working_days(bj(2026, 11, 23, 12), bj(2026, 11, 20, 12)) == 0.0


def test_lateness(cal):
    due = bj(2026, 11, 20, 18)                          # Friday
    assert cal.lateness_working_days(due, bj(2026, 11, 20, 17)) == 0
    assert cal.lateness_working_days(due, bj(2026, 11, 20, 20)) == 0
    assert cal.lateness_working_days(due, bj(2026, 11, 21, 10)) == 0               # Saturday
    assert cal.lateness_working_days(due, bj(2026, 11, 23, 10)) == 1               # Monday
    assert cal.lateness_working_days(due, bj(2026, 11, 24, 10)) == 2
    # due on the eve of 国庆: the week off does not count
    assert cal.lateness_working_days(bj(2026, 9, 30, 18), bj(2026, 10, 8, 9)) == 1


# -- configuration --------------------------------------------------------------------


def test_deadline_days_defaults(demo):
    center = demo["demo"]
    DeadlineRule.objects.filter(center=center).delete()
    expected = {"ack": 1, "consult": 2, "suggest": 5, "complain": 5, "help": 5, "tip": 2}
    for kind, days in expected.items():
        assert deadline_days(center, kind, joint=False, emergency=False) == days
    assert deadline_days(center, "consult", joint=True, emergency=False) == 15
    assert deadline_days(center, "consult", joint=True, emergency=True) == 0
    assert deadline_days(None, "complain", joint=False, emergency=False) == 5
    with pytest.raises(ValueError):
        deadline_days(center, "nonsense", joint=False, emergency=False)


def test_deadline_days_center_rules(demo):
    center, other = demo["demo"], demo["linxian"]
    DeadlineRule.objects.filter(center__in=[center, other]).delete()
    DeadlineRule.objects.create(center=center, kind="consult", working_days=3)
    DeadlineRule.objects.create(center=center, kind="joint", working_days=10)
    assert deadline_days(center, "consult", joint=False, emergency=False) == 3
    assert deadline_days(center, "suggest", joint=True, emergency=False) == 10
    assert deadline_days(center, "consult", joint=False, emergency=True) == 0
    assert deadline_days(other, "consult", joint=False, emergency=False) == 2     # another center's rule


@pytest.mark.django_db
def test_years_needing_attention():
    from rongmei.inquiry.models import HolidayYear

    HolidayOverride.objects.filter(day__year__in=[2026, 2027]).delete()
    HolidayYear.objects.filter(year=2027).delete()
    today = date(2026, 12, 15)
    assert years_needing_attention(Calendar.load(), today) == [2027]
    HolidayOverride.objects.create(day=date(2027, 1, 1), is_workday=False, note="元旦")
    assert years_needing_attention(Calendar.load(), today) == [2027]   # one row is not the schedule
    HolidayYear.objects.create(year=2027, complete=True)
    assert years_needing_attention(Calendar.load(), today) == []
    assert years_needing_attention(Calendar(), date(2026, 6, 1)) == [2027]
    assert years_needing_attention(Calendar(), date(2025, 6, 1)) == []
    assert years_needing_attention(Calendar(), date(2027, 3, 1)) == [2027, 2028]


def test_attention_message():
    assert attention_message([]) == ""
    assert attention_message([2027]) == (
        "2027年的放假和调休安排尚未完整录入：系统已按《全国年节及纪念日放假办法》算出法定节假日，"
        "调休上班日暂按周一至周五计算。请平台管理员在“节假日调整”中录入国务院公布的安排，"
        "录完后勾选“该年放假安排已完整录入”。"
    )
    assert attention_message([2028, 2027]).startswith("2027年、2028年的")
