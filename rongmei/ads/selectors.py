"""Reads of 广告经营: the lists with their filters, the booking calendar, revenue by month,
kind and salesperson, and the 工作台 boxes and to-dos. Everything within one center."""

from __future__ import annotations

import calendar
import datetime as dt
from collections import defaultdict
from decimal import Decimal

from django.db.models import Exists, OuterRef, Q, Sum
from django.urls import reverse
from django.utils import timezone

from rongmei.ads.models import Booking, Client, Contract, Payment, Proof, Slot
from rongmei.core.tenancy import scoped
from rongmei.core.todo import Todo

ZERO = Decimal("0.00")


def parse_month(value: str | None) -> dt.date | None:
    try:
        year, month = (int(x) for x in (value or "").split("-"))
        return dt.date(year, month, 1) if 2000 <= year <= 2100 and 1 <= month <= 12 else None
    except ValueError:
        return None


def parse_date(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat((value or "").strip())
    except ValueError:
        return None


def month_end(month: dt.date) -> dt.date:
    return month.replace(day=calendar.monthrange(month.year, month.month)[1])


def add_months(month: dt.date, n: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + n
    return dt.date(index // 12, index % 12 + 1, 1)


# --- Lists -------------------------------------------------------------------------------------

def slots(center, *, kind: str = "", q: str = "", active: str = ""):
    qs = scoped(Slot, center)
    if kind:
        qs = qs.filter(kind=kind)
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(address__icontains=q) | Q(township__icontains=q) | Q(channel__icontains=q))
    if active == "1":
        qs = qs.filter(is_active=True)
    elif active == "0":
        qs = qs.filter(is_active=False)
    return qs.order_by("kind", "name", "pk")


def clients(center, *, q: str = "", kind: str = "", salesperson: int | None = None):
    qs = scoped(Client, center).select_related("salesperson")
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(contact__icontains=q) | Q(phone__icontains=q))
    if kind:
        qs = qs.filter(kind=kind)
    if salesperson:
        qs = qs.filter(salesperson_id=salesperson)
    return qs.order_by("name", "pk")


def active_clients(center):
    """The center's clients that can still be chosen (events and live productions pick theirs here)."""
    return scoped(Client, center).filter(is_active=True).order_by("name", "pk")


def client_of(center, client_id) -> Client | None:
    """One client of the center, or None (another center's id finds nothing)."""
    return scoped(Client, center).filter(pk=client_id).first()


def contracts(center, *, q: str = "", status: str = "", salesperson: int | None = None, client: int | None = None,
              year: int | None = None):
    qs = scoped(Contract, center).select_related("client", "salesperson").annotate(
        booked=Sum("bookings__amount", filter=Q(bookings__status__in=Booking.HOLDING)))
    if q:
        qs = qs.filter(Q(number__icontains=q) | Q(title__icontains=q) | Q(client__name__icontains=q))
    if status:
        qs = qs.filter(status=status)
    if salesperson:
        qs = qs.filter(salesperson_id=salesperson)
    if client:
        qs = qs.filter(client_id=client)
    if year:
        qs = qs.filter(start__lte=dt.date(year, 12, 31), end__gte=dt.date(year, 1, 1))
    return qs.order_by("-start", "-pk")


def bookings(center, *, status: str = "", kind: str = "", slot: int | None = None, contract: int | None = None,
             salesperson: int | None = None, q: str = "", on: dt.date | None = None):
    qs = scoped(Booking, center).select_related("slot", "contract", "contract__client", "created_by", "reviewed_by")
    if status:
        qs = qs.filter(status=status)
    if kind:
        qs = qs.filter(slot__kind=kind)
    if slot:
        qs = qs.filter(slot_id=slot)
    if contract:
        qs = qs.filter(contract_id=contract)
    if salesperson:
        qs = qs.filter(contract__salesperson_id=salesperson)
    if q:
        qs = qs.filter(Q(title__icontains=q) | Q(contract__client__name__icontains=q) | Q(slot__name__icontains=q))
    if on:
        qs = qs.filter(start__lte=on, end__gte=on)
    return qs.order_by("-start", "-pk")


def proofs(center, *, booking: int | None = None, since: dt.date | None = None, until: dt.date | None = None):
    qs = Proof.objects.filter(booking__center=center).select_related("booking", "booking__slot", "uploaded_by")
    if booking:
        qs = qs.filter(booking_id=booking)
    if since:
        qs = qs.filter(run_on__gte=since)
    if until:
        qs = qs.filter(run_on__lte=until)
    return qs.order_by("-run_on", "-pk")


def payments(center, *, contract: int | None = None, since: dt.date | None = None, until: dt.date | None = None):
    qs = scoped(Payment, center).select_related("contract", "contract__client", "recorded_by")
    if contract:
        qs = qs.filter(contract_id=contract)
    if since:
        qs = qs.filter(paid_on__gte=since)
    if until:
        qs = qs.filter(paid_on__lte=until)
    return qs.order_by("-paid_on", "-pk")


def missing_proofs(center, day: dt.date | None = None, *, salesperson=None):
    """Approved bookings running on `day` (today) with no proof of that day yet."""
    day = day or timezone.localdate()
    qs = bookings(center, status=Booking.Status.APPROVED, on=day).annotate(
        proved=Exists(Proof.objects.filter(booking=OuterRef("pk"), run_on=day))).filter(proved=False)
    if salesperson is not None:
        qs = qs.filter(Q(contract__salesperson=salesperson) | Q(created_by=salesperson))
    return qs.order_by("slot__kind", "slot__name", "pk")


def to_approve(center, user=None):
    qs = bookings(center, status=Booking.Status.PENDING)
    if user is not None:
        qs = qs.exclude(created_by=user)
    return qs.order_by("start", "pk")


def contract_summary(contract: Contract) -> dict:
    booked = contract.bookings.filter(status__in=Booking.HOLDING).aggregate(s=Sum("amount"))["s"] or ZERO
    paid = contract.payments.aggregate(s=Sum("amount"))["s"] or ZERO
    return {"booked": booked, "paid": paid, "owed": contract.amount - paid, "free": contract.amount - booked}


def owing_contracts(center, *, salesperson=None, today: dt.date | None = None):
    """Signed or finished contracts already running with money still owed (回款提醒)."""
    today = today or timezone.localdate()
    qs = scoped(Contract, center).filter(status__in=(Contract.Status.SIGNED, Contract.Status.FINISHED),
                                         start__lte=today).select_related("client")
    if salesperson is not None:
        qs = qs.filter(salesperson=salesperson)
    qs = qs.annotate(paid=Sum("payments__amount"))
    rows = []
    for c in qs.order_by("end", "pk"):
        owed = c.amount - (c.paid or ZERO)
        if owed > 0:
            rows.append({"contract": c, "owed": owed, "overdue": c.end < today})
    return rows


# --- Calendar ----------------------------------------------------------------------------------

def calendar_grid(center, month: dt.date, kind: str = "") -> dict:
    """The month as a grid: one row per slot (of `kind`), one cell per day, each cell the
    booking holding the slot that day (if any)."""
    last = month_end(month)
    days = [month + dt.timedelta(days=i) for i in range(last.day)]
    slot_qs = slots(center, kind=kind)
    held = (scoped(Booking, center).filter(status__in=Booking.HOLDING, start__lte=last, end__gte=month)
            .filter(slot__in=slot_qs).select_related("contract__client"))
    by_slot: dict[int, list[Booking]] = defaultdict(list)
    for b in held:
        by_slot[b.slot_id].append(b)
    rows = []
    for slot in slot_qs:
        if not slot.is_active and slot.pk not in by_slot:
            continue
        cells = []
        for day in days:
            booking = next((b for b in by_slot.get(slot.pk, ()) if b.start <= day <= b.end), None)
            cells.append({"day": day, "booking": booking,
                          "first": booking is not None and (booking.start == day or day == month)})
        rows.append({"slot": slot, "cells": cells, "count": len(by_slot.get(slot.pk, ()))})
    today = timezone.localdate()
    return {"month": month, "days": days, "rows": rows, "today": today,
            "previous": add_months(month, -1), "following": add_months(month, 1)}


# --- Revenue -----------------------------------------------------------------------------------

def _spread(booking: Booking, first: dt.date, last: dt.date) -> dict[dt.date, Decimal]:
    """The booking's amount over the months it runs in, by days (the cents left by rounding
    go to its last month), limited to first..last."""
    total_days = booking.days
    parts: dict[dt.date, Decimal] = {}
    month = booking.start.replace(day=1)
    given = ZERO
    months = []
    while month <= booking.end:
        lo, hi = max(booking.start, month), min(booking.end, month_end(month))
        months.append((month, (hi - lo).days + 1))
        month = add_months(month, 1)
    for i, (m, days) in enumerate(months):
        share = booking.amount - given if i == len(months) - 1 else \
            (booking.amount * days / total_days).quantize(Decimal("0.01"))
        given += share
        if first <= m <= last:
            parts[m] = parts.get(m, ZERO) + share
    return parts


def revenue(center, year: int) -> dict:
    """排期收入 of the year by month, by kind of slot and by salesperson: the amount of every
    booking not cancelled, spread over its months by days; with the payments received per
    month beside it."""
    first, last = dt.date(year, 1, 1), dt.date(year, 12, 1)
    months = [dt.date(year, m, 1) for m in range(1, 13)]
    rows = (scoped(Booking, center).filter(status__in=Booking.HOLDING, start__lte=dt.date(year, 12, 31),
                                           end__gte=dt.date(year, 1, 1))
            .select_related("slot", "contract__salesperson"))
    by_month = {m: ZERO for m in months}
    by_kind: dict[str, dict[dt.date, Decimal]] = defaultdict(lambda: {m: ZERO for m in months})
    by_person: dict[str, dict[dt.date, Decimal]] = defaultdict(lambda: {m: ZERO for m in months})
    kinds = dict(Slot.Kind.choices)
    for b in rows:
        person = b.contract.salesperson
        name = str(person) if person else "（未指定）"
        for m, share in _spread(b, first, last).items():
            by_month[m] += share
            by_kind[kinds.get(b.slot.kind, b.slot.kind)][m] += share
            by_person[name][m] += share
    paid = {m: ZERO for m in months}
    for p in scoped(Payment, center).filter(paid_on__year=year).values("paid_on", "amount"):
        paid[p["paid_on"].replace(day=1)] += p["amount"]

    def table(source):
        out = [{"label": label, "months": [values[m] for m in months], "total": sum(values.values(), ZERO)}
               for label, values in source.items()]
        return sorted(out, key=lambda r: (-r["total"], r["label"]))

    return {"year": year, "months": months, "by_month": [by_month[m] for m in months],
            "total": sum(by_month.values(), ZERO), "paid": [paid[m] for m in months],
            "paid_total": sum(paid.values(), ZERO), "by_kind": table(by_kind), "by_person": table(by_person)}


def month_revenue(center, month: dt.date) -> Decimal:
    data = revenue(center, month.year)
    return data["by_month"][month.month - 1]


# --- 工作台 ------------------------------------------------------------------------------------

def sales_box(user, center) -> dict | None:
    """For a salesperson: my bookings awaiting review or returned, today's insertions of my
    contracts with no proof yet, and payments due on my contracts."""
    if center is None or not user.has_perm("ads.sell", center):
        return None
    mine = bookings(center).filter(Q(contract__salesperson=user) | Q(created_by=user))
    waiting = list(mine.filter(status__in=(Booking.Status.PENDING, Booking.Status.RETURNED)).order_by("start", "pk")[:6])
    waiting_count = mine.filter(status__in=(Booking.Status.PENDING, Booking.Status.RETURNED)).count()
    missing_qs = missing_proofs(center, salesperson=user)
    owing = owing_contracts(center, salesperson=user)
    return {"title": "我的广告业务", "template": "ads/home_box_sales.html", "order": 70,
            "waiting": waiting, "waiting_count": waiting_count, "missing": list(missing_qs[:6]),
            "missing_count": missing_qs.count(), "owing": owing[:5], "owing_count": len(owing),
            "owing_total": sum((r["owed"] for r in owing), ZERO), "today": timezone.localdate()}


def approve_box(user, center) -> dict | None:
    if center is None or not user.has_perm("ads.approve", center):
        return None
    qs = to_approve(center, user)
    missing = missing_proofs(center)
    return {"title": "广告审查", "template": "ads/home_box_approve.html", "order": 71,
            "pending": list(qs[:6]), "pending_count": qs.count(), "missing_count": missing.count()}


def manage_box(user, center) -> dict | None:
    if center is None or not user.has_perm("ads.manage", center):
        return None
    today = timezone.localdate()
    month = today.replace(day=1)
    paid = scoped(Payment, center).filter(paid_on__gte=month, paid_on__lte=today).aggregate(s=Sum("amount"))["s"] or ZERO
    owing = owing_contracts(center)
    return {"title": "本月广告经营", "template": "ads/home_box_manage.html", "order": 72, "month": month,
            "revenue": month_revenue(center, month), "paid": paid,
            "owing_total": sum((r["owed"] for r in owing), ZERO), "owing_count": len(owing)}


def todo_for(user, center) -> list:
    if center is None:
        return []
    items: list[Todo] = []
    if user.has_perm("ads.approve", center):
        for b in to_approve(center, user)[:20]:
            items.append(Todo(room="广告", title=f"审查广告《{b.title}》", url=reverse("ads:booking", args=[b.pk]),
                              action="审查", since=b.updated_at, note=f"{b.slot.name} {b.start:%m-%d} 起"))
    if user.has_perm("ads.sell", center):
        returned = bookings(center, status=Booking.Status.RETURNED).filter(
            Q(contract__salesperson=user) | Q(created_by=user))[:20]
        for b in returned:
            items.append(Todo(room="广告", title=f"修改被退回的广告《{b.title}》", url=reverse("ads:booking", args=[b.pk]),
                              action="修改", since=b.reviewed_at, note=b.review_note[:40]))
        end_of_day = timezone.make_aware(dt.datetime.combine(timezone.localdate(), dt.time(23, 59)))
        for b in missing_proofs(center, salesperson=user)[:20]:
            items.append(Todo(room="广告", title=f"登记今天的刊播证明：{b.slot.name}", url=reverse("ads:booking", args=[b.pk]),
                              action="登记", due=end_of_day, note=b.title[:40]))
    return items
