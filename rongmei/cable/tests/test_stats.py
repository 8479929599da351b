"""Monthly statistics computed on hand-built data in a center of their own: every figure
of the report's table, month by month, and the year's total and Excel export."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from rongmei.cable import stats
from rongmei.cable.models import (
    Call,
    Device,
    Package,
    Subscriber,
    Transaction,
    WorkOrder,
)
from rongmei.core.models import Area, Center, User

TZ = dt.timezone(dt.timedelta(hours=8))


def at(m, d, h=10):
    return dt.datetime(2026, m, d, h, 0, tzinfo=TZ)


@pytest.fixture
def county(db, demo):
    center = Center.objects.create(name="统计县融媒体中心", slug="stats-county")
    town = Area.objects.create(center=center, name="统计镇", kind="township")
    pkg = Package.objects.create(center=center, name="标清", monthly_fee=Decimal(20), definition="sd")
    clerk = User.objects.get(username="cableclerk")
    subs = {}
    # A, B opened long ago; C opened 2026-02-10; D opened 2026-03-05
    for key, opened in (("A", dt.date(2020, 1, 1)), ("B", dt.date(2020, 1, 1)), ("C", dt.date(2026, 2, 10)),
                        ("D", dt.date(2026, 3, 5))):
        subs[key] = Subscriber.objects.create(center=center, account=f"YX000000{len(subs) + 1}", name=key, phone="13900000000",
                                              township=town, address="x", package=pkg, paid_until=dt.date(2027, 1, 1),
                                              opened_on=opened)

    def tx(key, kind, when):
        Transaction.objects.create(center=center, subscriber=subs[key], kind=kind, done_by=clerk, done_at=when)

    tx("C", "open", at(2, 10))
    tx("D", "open", at(3, 5))
    tx("A", "payment", at(1, 15))
    tx("B", "payment", at(1, 31, 23))        # 23:00 local on Jan 31 is January (15:00 UTC)
    tx("A", "stop", at(2, 1))                # A stopped in February...
    tx("A", "resume", at(3, 20))             # ...and back in March
    tx("B", "close", at(3, 25))              # B closed in March
    tx("C", "swap", at(2, 20))
    tx("D", "swap", at(3, 6))
    tx("A", "payment", at(3, 1, 0))          # midnight local, 1 March: March

    def order(key, dispatched, *, hours=24, status="fixed", finished=None):
        call = Call.objects.create(center=center, kind="fault", subscriber=subs[key], notes="无信号", taken_at=dispatched)
        WorkOrder.objects.create(center=center, subscriber=subs[key], call=call, fault="无信号", technician=clerk,
                                 dispatched_at=dispatched, deadline_hours=hours, due_at=dispatched + dt.timedelta(hours=hours),
                                 status=status, finished_at=finished)

    order("A", at(1, 5), finished=at(1, 5, 20))                    # January: on time
    order("A", at(1, 20), finished=at(1, 22))                      # January: late
    order("C", at(2, 28, 20), finished=at(3, 1, 8))                # February (dispatched), fixed on time in March
    order("D", at(3, 10), status="not_fixed", finished=at(3, 10, 15))  # March: not fixed
    order("D", at(3, 30), status="dispatched")                     # March: still open
    Call.objects.create(center=center, kind="consult", subscriber=subs["D"], notes="问价", taken_at=at(3, 2))
    Device.objects.create(center=center, serial="S1", model="m", definition="sd")
    return center


def test_each_month_as_the_report_counts(county):
    jan, feb, mar = (stats.month(county, 2026, m) for m in (1, 2, 3))
    assert (jan.in_service, jan.new_accounts, jan.swaps, jan.transactions, jan.calls, jan.orders) == (2, 0, 0, 2, 2, 2)
    assert jan.fixed_on_time == 1 and jan.on_time_rate == Decimal("50.0")
    # February: A stopped, C opened → B and C in service
    assert (feb.in_service, feb.new_accounts, feb.swaps, feb.transactions, feb.calls, feb.orders) == (2, 1, 1, 3, 1, 1)
    assert feb.on_time_rate == Decimal("100.0")
    # March: A resumed, B closed, D opened → A, C, D
    assert (mar.in_service, mar.new_accounts, mar.swaps, mar.transactions, mar.calls, mar.orders) == (3, 1, 1, 5, 3, 2)
    assert mar.fixed_on_time == 0 and mar.on_time_rate == Decimal("0.0")
    april = stats.month(county, 2026, 4)
    assert april.orders == 0 and april.on_time_rate is None and april.in_service == 3


def test_the_year_table_and_its_export(county):
    months, total = stats.year_table(county, 2026, dt.date(2026, 4, 15))
    assert [m.month for m in months] == [1, 2, 3, 4]
    assert (total.in_service, total.new_accounts, total.swaps, total.transactions, total.calls, total.orders) == (3, 2, 2, 10, 6, 5)
    assert total.on_time_rate == Decimal("40.0")  # 2 of 5
    ws = load_workbook(io.BytesIO(stats.workbook(county, 2026, dt.date(2026, 4, 15)))).active
    assert ws["A2"].value == "月份" and ws["B2"].value == "在网用户（户）"
    assert [ws.cell(row=r, column=1).value for r in range(3, 8)] == ["2026年1月", "2026年2月", "2026年3月", "2026年4月", "全年合计"]
    assert [ws.cell(row=7, column=c).value for c in range(2, 9)] == [3, 2, 2, 10, 6, 5, 40.0]
    assert ws.cell(row=6, column=8).value == "—"


def test_another_centers_rows_are_not_counted(county, demo):
    assert stats.month(demo["linxian"], 2026, 3).transactions == 0
