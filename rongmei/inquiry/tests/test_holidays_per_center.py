"""Holiday overrides per center (issue 11, item 4): a center's coordinator moves only their
own center's deadlines; platform-wide rows are the platform admin's alone."""

import datetime as dt

import pytest
from django.utils import timezone

from rongmei.core.models import Membership, User
from rongmei.inquiry import services, workdays
from rongmei.inquiry.models import HolidayOverride
from rongmei.inquiry.services import Submission


@pytest.fixture
def lx_coordinator(demo):
    user = User.objects.create_user(username="lx_coordinator_t", password="x" * 20)
    Membership.objects.create(user=user, center=demo["linxian"], role="coordinator")
    return user


def _submit(center):
    return services.submit(center=center, sub=Submission(
        kind="consult", title="城关镇幸福路的路灯什么时候修", text="幸福路有五盏路灯坏了一周，想问问什么时候能修好。",
        phone="13812345678"))


def test_a_neighbour_coordinators_day_off_moves_no_demo_deadline(demo, login, lx_coordinator):
    from django.test import Client

    due_before = workdays.Calendar.load(demo["demo"]).add_working_days(timezone.now(), 1, tz=demo["demo"].timezone)
    client = Client()
    client.force_login(lx_coordinator)
    response = client.post("/inquiry/settings/", {"what": "holiday", "day": due_before.date().isoformat(),
                                                  "is_workday": "0", "note": "邻县县庆"})
    assert response.status_code == 302
    row = HolidayOverride.objects.get(day=due_before.date())
    assert row.center == demo["linxian"]

    demo_case = _submit(demo["demo"])
    assert demo_case.ack_due_at == due_before  # the demo center's deadline did not move
    neighbour_case = _submit(demo["linxian"])
    assert neighbour_case.ack_due_at > due_before  # the neighbour's own deadline did


def test_center_rows_win_over_platform_rows(demo):
    day = dt.date(2026, 12, 21)  # a Monday, a working day for the package
    HolidayOverride.objects.create(center=None, day=day, is_workday=False, note="全平台")
    assert not workdays.Calendar.load(demo["demo"]).is_workday(day)
    assert not workdays.Calendar.load(demo["linxian"]).is_workday(day)
    HolidayOverride.objects.create(center=demo["linxian"], day=day, is_workday=True, note="本县照常上班")
    assert workdays.Calendar.load(demo["linxian"]).is_workday(day)
    assert not workdays.Calendar.load(demo["demo"]).is_workday(day)


def test_a_center_coordinator_cannot_touch_platform_rows(demo, login, lx_coordinator):
    platform = HolidayOverride.objects.create(center=None, day=dt.date(2026, 12, 21), is_workday=False, note="全平台")
    neighbours = HolidayOverride.objects.create(center=demo["linxian"], day=dt.date(2026, 12, 22), is_workday=False)
    client = login("coordinator")

    page = client.get("/inquiry/settings/").content.decode()
    platform_table = page.split('data-testid="platform-holidays"')[1].split("</table>")[0]
    assert "2026-12-21" in platform_table and "holiday_delete" not in platform_table  # read-only
    assert "2026-12-22" not in page  # another center's row is not shown
    assert 'name="scope"' not in page

    assert client.post("/inquiry/settings/", {"what": "holiday_delete", "holiday": platform.pk}).status_code == 403
    assert client.post("/inquiry/settings/", {"what": "holiday", "day": "2026-12-23", "is_workday": "0",
                                              "scope": "platform"}).status_code == 403
    assert client.post("/inquiry/settings/", {"what": "holiday_delete", "holiday": neighbours.pk}).status_code == 404
    assert HolidayOverride.objects.filter(pk__in=[platform.pk, neighbours.pk]).count() == 2
    assert not HolidayOverride.objects.filter(day="2026-12-23").exists()


def test_the_platform_admin_keeps_the_platform_rows(demo, login):
    client = login("admin")
    assert 'name="scope"' in client.get("/inquiry/settings/").content.decode()
    client.post("/inquiry/settings/", {"what": "holiday", "day": "2026-12-23", "is_workday": "0",
                                       "note": "全平台调整", "scope": "platform"})
    row = HolidayOverride.objects.get(day="2026-12-23")
    assert row.center is None
    assert not workdays.Calendar.load(demo["linxian"]).is_workday(dt.date(2026, 12, 23))
    assert client.post("/inquiry/settings/", {"what": "holiday_delete", "holiday": row.pk}).status_code == 302
    assert not HolidayOverride.objects.filter(pk=row.pk).exists()
