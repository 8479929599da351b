"""A new assignment's default deadline falls in working hours on a working day."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from rongmei.inquiry.workdays import Calendar
from rongmei.planning.deadlines import default_deadline

BJ = ZoneInfo("Asia/Shanghai")


def at(*args):
    return dt.datetime(*args, tzinfo=BJ)


@pytest.mark.parametrize("now, due", [
    (at(2026, 11, 18, 9, 0), at(2026, 11, 18, 17, 0)),      # Wednesday morning: same day
    (at(2026, 11, 18, 15, 0), at(2026, 11, 19, 13, 30)),    # 3 h today, 5 h tomorrow from 08:30
    (at(2026, 11, 18, 22, 40), at(2026, 11, 19, 16, 30)),   # at night: tomorrow's working day
    (at(2026, 11, 20, 19, 0), at(2026, 11, 23, 16, 30)),    # Friday evening: Monday
    (at(2026, 11, 21, 10, 0), at(2026, 11, 23, 16, 30)),    # Saturday: Monday
    (at(2026, 9, 30, 16, 0), at(2026, 10, 8, 14, 30)),      # before 国庆: after the holiday
    (at(2026, 12, 31, 17, 0), at(2027, 1, 4, 15, 30)),      # 2027-01-01 (元旦) is not a working day
    (at(2026, 11, 18, 9, 7), at(2026, 11, 18, 17, 30)),     # rounded up to the half hour
    (at(2026, 11, 18, 9, 45), at(2026, 11, 18, 18, 0)),     # but never past 18:00
    (at(2026, 11, 18, 10, 7), at(2026, 11, 19, 9, 0)),      # the 7 minutes left go to the next morning
])
def test_default_deadline_in_working_hours(now, due):
    assert default_deadline(None, now, calendar=Calendar()) == due


def test_topic_page_proposes_a_working_hours_deadline(login, demo):
    from rongmei.planning.models import Topic

    topic = Topic.objects.filter(center=demo["demo"]).first()
    response = login("editor").get(f"/planning/topics/{topic.pk}/")
    assert response.status_code == 200
    proposed = response.context["assignment_form"].initial["deadline"]
    local = proposed.astimezone(BJ)
    assert dt.time(8, 30) <= local.time() <= dt.time(18, 0)
    assert Calendar.load(demo["demo"]).is_workday(local.date())
