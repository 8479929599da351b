"""Legal holidays computed for a year the calendar package does not know yet (2027 today),
by the rules of 全国年节及纪念日放假办法 (2024 revision, in force since 2025): 元旦 1 day,
春节 除夕–初三, 清明 by the solar term, 劳动节 5-1/5-2, 端午, 中秋, 国庆 10-1..10-3, and a
day that falls on a weekend made up on the next working day (第六条 补假). Only the 调休
make-up working days stay unknown, so the warning stays until the platform admin says the
year's schedule is entered in full."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import chinese_calendar
import pytest

from rongmei.inquiry import services
from rongmei.inquiry.models import HolidayOverride, HolidayYear
from rongmei.inquiry.workdays import Calendar, legal_holidays, package_knows, years_needing_attention

BJ = ZoneInfo("Asia/Shanghai")


def test_2027_new_year_is_not_a_working_day():
    assert not package_knows(2027)
    cal = Calendar()
    assert not cal.is_workday(date(2027, 1, 1))          # Friday, 元旦
    assert cal.is_workday(date(2026, 12, 31))
    assert cal.unknown_years == {2027}                   # 调休 still unknown: the year stays flagged


def test_2027_legal_holidays_by_lunar_calendar_and_solar_term():
    days = legal_holidays(2027)
    # 春节: 除夕 Fri 2-5, 初一–初三 Sat 2-6 .. Mon 2-8; Sat and Sun made up Tue 2-9, Wed 2-10
    for d in range(5, 11):
        assert date(2027, 2, d) in days, d
    assert days[date(2027, 2, 5)] == "春节"
    assert date(2027, 2, 11) not in days
    assert days[date(2027, 4, 5)] == "清明节"            # solar term 清明 2027-04-05
    assert days[date(2027, 6, 9)] == "端午节"            # 五月初五
    assert days[date(2027, 9, 15)] == "中秋节"           # 八月十五
    # 劳动节 Sat/Sun 5-1, 5-2 -> made up Mon 5-3, Tue 5-4; 国庆 Fri–Sun -> Mon 10-4, Tue 10-5
    assert {date(2027, 5, d) for d in (1, 2, 3, 4)} <= set(days) and date(2027, 5, 5) not in days
    assert {date(2027, 10, d) for d in (1, 2, 3, 4, 5)} <= set(days) and date(2027, 10, 6) not in days


@pytest.mark.parametrize("year", [2025, 2026])
def test_computed_days_off_agree_with_the_official_schedules(year):
    """For the years the package knows, every day the rules give off is off in the State
    Council's published schedule, and every statutory holiday of the schedule is found."""
    computed = legal_holidays(year)
    day = date(year, 1, 1)
    official_off = set()
    while day.year == year:
        if not chinese_calendar.is_workday(day):
            official_off.add(day)
        day += timedelta(days=1)
    assert set(computed) <= official_off
    names = set(computed.values())
    assert names == {"元旦", "春节", "清明节", "劳动节", "端午节", "中秋节", "国庆节"}


def test_deadline_over_2027_new_year_skips_it():
    cal = Calendar()
    # Wed 2026-12-30 10:00, 5 days: Dec 31, (Jan 1 off), Jan 4, 5, 6, 7
    assert cal.add_working_days(datetime(2026, 12, 30, 10, tzinfo=BJ), 5) == datetime(2027, 1, 7, 18, tzinfo=BJ)


@pytest.mark.django_db
def test_one_override_row_does_not_silence_the_warning(demo):
    HolidayOverride.objects.filter(day__year__in=[2026, 2027]).delete()
    HolidayYear.objects.filter(year=2027).delete()
    today = date(2026, 12, 15)
    HolidayOverride.objects.create(day=date(2027, 2, 20), is_workday=True, note="春节调休")
    assert years_needing_attention(Calendar.load(), today) == [2027]


@pytest.mark.django_db
def test_platform_admin_marks_the_year_complete(demo):
    from rongmei.core.models import User

    HolidayYear.objects.filter(year=2027).delete()
    today = date(2026, 12, 15)
    center = demo["demo"]
    admin = User.objects.get(username="admin")
    coordinator = User.objects.get(username="coordinator")
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.set_holiday_year_complete(center=center, user=coordinator, year=2027, complete=True)
    assert years_needing_attention(Calendar.load(center), today) == [2027]
    services.set_holiday_year_complete(center=center, user=admin, year=2027, complete=True)
    cal = Calendar.load(center)
    assert years_needing_attention(cal, today) == []
    cal.is_workday(date(2027, 3, 3))
    assert 2027 not in cal.unknown_years              # the entered schedule is the whole truth now
    services.set_holiday_year_complete(center=center, user=admin, year=2027, complete=False)
    assert years_needing_attention(Calendar.load(center), today) == [2027]


@pytest.mark.django_db
def test_settings_page_offers_the_flag_to_the_platform_admin_only(login):
    HolidayYear.objects.filter(year__in=[2027, 2028]).delete()
    admin, coordinator = login("admin"), login("coordinator")
    page = admin.get("/inquiry/settings/").content.decode()
    assert 'name="complete"' in page and "该年放假安排已完整录入（全平台）" in page
    assert "元旦 1月1日；春节 2月5日–2月10日；清明节 4月5日；劳动节 5月1日–5月4日" in page
    assert 'name="complete"' not in coordinator.get("/inquiry/settings/").content.decode()
    assert coordinator.post("/inquiry/settings/", {"what": "holiday_year", "year": "2027", "complete": "1"}).status_code in (302, 403)
    assert not HolidayYear.objects.filter(year=2027, complete=True).exists()
    admin.post("/inquiry/settings/", {"what": "holiday_year", "year": "2027", "complete": "1"})
    assert HolidayYear.objects.filter(year=2027, complete=True).exists()
