"""月度统计 as the county network reports them: subscribers in service at the month's end
(在网用户), new accounts (新装), HD/SD swaps (高标清互换), counter transactions
(营业厅业务笔数), hotline calls (热线来电), orders dispatched (派发工单) and the on-time rate
(按时修复率 = orders dispatched in the month and fixed by their deadline ÷ orders dispatched
in the month). Months are the center's local calendar months.

在网用户 is read from the history, not from today's status: accounts opened by the month's
end, less those whose last 停机/复机/销户 up to then left them stopped or closed."""

from __future__ import annotations

import datetime as dt
import io
import zoneinfo
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Q

from rongmei.cable.models import Call, Subscriber, Transaction, WorkOrder

STATE_KINDS = (Transaction.Kind.STOP, Transaction.Kind.RESUME, Transaction.Kind.CLOSE)


@dataclass
class Month:
    year: int
    month: int
    in_service: int
    new_accounts: int
    swaps: int
    transactions: int
    calls: int
    orders: int
    fixed_on_time: int

    @property
    def on_time_rate(self) -> Decimal | None:
        if not self.orders:
            return None
        return (Decimal(self.fixed_on_time) * 100 / self.orders).quantize(Decimal("0.1"), ROUND_HALF_UP)

    @property
    def label(self) -> str:
        return f"{self.year}年{self.month}月"

    @property
    def value(self) -> str:
        return f"{self.year}-{self.month:02d}"

    def as_dict(self) -> dict:
        return {"month": self.value, "in_service": self.in_service, "new_accounts": self.new_accounts, "swaps": self.swaps,
                "transactions": self.transactions, "calls": self.calls, "orders": self.orders,
                "fixed_on_time": self.fixed_on_time, "on_time_rate": self.on_time_rate}


COLUMNS = [("in_service", "在网用户（户）"), ("new_accounts", "新装（户）"), ("swaps", "高标清互换（台）"),
           ("transactions", "营业厅业务（笔）"), ("calls", "热线来电（次）"), ("orders", "派发工单（张）"),
           ("on_time_rate", "按时修复率（%）")]


def bounds(center, year: int, month: int) -> tuple[dt.datetime, dt.datetime]:
    tz = zoneinfo.ZoneInfo(center.timezone)
    start = dt.datetime(year, month, 1, tzinfo=tz)
    end = dt.datetime(year + (month == 12), month % 12 + 1, 1, tzinfo=tz)
    return start, end


def in_service(center, end: dt.datetime) -> int:
    """Accounts in service just before `end` (an aware datetime)."""
    last_day = (end - dt.timedelta(microseconds=1)).astimezone(zoneinfo.ZoneInfo(center.timezone)).date()
    opened = Subscriber.objects.filter(center=center, opened_on__lte=last_day).count()
    state: dict[int, str] = {}
    for sub_id, kind in (Transaction.objects.filter(center=center, kind__in=STATE_KINDS, done_at__lt=end)
                         .order_by("done_at", "pk").values_list("subscriber_id", "kind")):
        state[sub_id] = kind
    out = sum(1 for kind in state.values() if kind in (Transaction.Kind.STOP, Transaction.Kind.CLOSE))
    return opened - out


def month(center, year: int, month_: int) -> Month:
    start, end = bounds(center, year, month_)
    tx = Transaction.objects.filter(center=center, done_at__gte=start, done_at__lt=end).aggregate(
        all=Count("pk"), new=Count("pk", filter=Q(kind=Transaction.Kind.OPEN)),
        swaps=Count("pk", filter=Q(kind=Transaction.Kind.SWAP)))
    orders = WorkOrder.objects.filter(center=center, dispatched_at__gte=start, dispatched_at__lt=end)
    return Month(
        year=year, month=month_, in_service=in_service(center, end), new_accounts=tx["new"], swaps=tx["swaps"],
        transactions=tx["all"], calls=Call.objects.filter(center=center, taken_at__gte=start, taken_at__lt=end).count(),
        orders=orders.count(),
        fixed_on_time=orders.filter(status=WorkOrder.Status.FIXED, finished_at__lte=_due()).count(),
    )


def _due():
    from django.db.models import F

    return F("due_at")


def year_table(center, year: int, until: dt.date | None = None) -> tuple[list[Month], Month]:
    """Every month of `year` (up to `until`'s month when given) and the year's total (在网用户
    as at the last month shown; the rate over the year's orders)."""
    last = 12 if until is None or until.year > year else until.month
    months = [month(center, year, m) for m in range(1, last + 1)] if last >= 1 else []
    total = Month(year=year, month=0, in_service=months[-1].in_service if months else 0,
                  new_accounts=sum(m.new_accounts for m in months), swaps=sum(m.swaps for m in months),
                  transactions=sum(m.transactions for m in months), calls=sum(m.calls for m in months),
                  orders=sum(m.orders for m in months), fixed_on_time=sum(m.fixed_on_time for m in months))
    return months, total


def workbook(center, year: int, until: dt.date | None = None) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    from rongmei.core.exports import safe_workbook, xlsx_cell

    months, total = year_table(center, year, until)
    wb = Workbook()
    ws = wb.active
    ws.title = f"{year}年有线网络"
    ws.append([xlsx_cell(f"{center.name} 有线网络 {year} 年月度统计")])
    ws["A1"].font = Font(bold=True, size=14)
    ws.append(["月份", *[label for _k, label in COLUMNS]])
    for cell in ws[2]:
        cell.font = Font(bold=True)
    for m in [*months, total]:
        rate = m.on_time_rate
        ws.append([m.label if m.month else "全年合计", m.in_service, m.new_accounts, m.swaps, m.transactions, m.calls,
                   m.orders, float(rate) if rate is not None else "—"])
    ws.column_dimensions["A"].width = 14
    for col in "BCDEFGH":
        ws.column_dimensions[col].width = 16
    ws.freeze_panes = "B3"
    out = io.BytesIO()
    safe_workbook(wb).save(out)
    return out.getvalue()
