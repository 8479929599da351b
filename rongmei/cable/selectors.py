"""Reading the cable-TV desk: subscriber search, the lists the screens and the API share,
the 工作台 boxes (clerk, agent, technician, manager) and the technician's to-dos."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from rongmei.cable import stats
from rongmei.cable.models import Call, Subscriber, Transaction, WorkOrder
from rongmei.core.tenancy import scoped

VIEW, COUNTER, HOTLINE, REPAIR, MANAGE = "cable.view", "cable.counter", "cable.hotline", "cable.repair", "cable.manage"


def subscribers(center, *, q: str = "", status: str = "", township: int | None = None) -> QuerySet:
    """Search by account number, phone (whole or its last digits) or name."""
    qs = scoped(Subscriber, center).select_related("package", "township", "village")
    q = (q or "").strip()[:50]
    if q:
        cond = Q(account__iexact=q) | Q(name__contains=q)
        if q.isdigit() and len(q) >= 4:
            cond |= Q(phone__endswith=q) | Q(account__endswith=q)
        if q.upper().startswith("YX"):
            cond |= Q(account__istartswith=q)
        qs = qs.filter(cond)
    if status in Subscriber.Status.values:
        qs = qs.filter(status=status)
    if township:
        qs = qs.filter(township_id=township)
    return qs


def transactions(center, *, kind: str = "", day: dt.date | None = None, subscriber: int | None = None,
                 mine_of=None) -> QuerySet:
    qs = scoped(Transaction, center).select_related("subscriber", "done_by", "old_package", "new_package",
                                                    "old_device", "new_device")
    if kind in Transaction.Kind.values:
        qs = qs.filter(kind=kind)
    if day is not None:
        start = timezone.make_aware(dt.datetime.combine(day, dt.time.min))
        qs = qs.filter(done_at__gte=start, done_at__lt=start + dt.timedelta(days=1))
    if subscriber:
        qs = qs.filter(subscriber_id=subscriber)
    if mine_of is not None:
        qs = qs.filter(done_by=mine_of)
    return qs


def calls(center, *, kind: str = "", open_only: bool = False, subscriber: int | None = None) -> QuerySet:
    qs = scoped(Call, center).select_related("subscriber", "taken_by", "order")
    if kind in Call.Kind.values:
        qs = qs.filter(kind=kind)
    if open_only:
        qs = qs.filter(is_open=True)
    if subscriber:
        qs = qs.filter(subscriber_id=subscriber)
    return qs


ORDER_FILTERS = {"open": "未完成", "overdue": "已超时", "unconfirmed": "待用户确认", "done": "已完成", "all": "全部"}


def orders(center, *, state: str = "open", technician: int | None = None, subscriber: int | None = None,
           now: dt.datetime | None = None) -> QuerySet:
    now = now or timezone.now()
    qs = scoped(WorkOrder, center).select_related("subscriber", "subscriber__township", "subscriber__village",
                                                  "technician", "call")
    if state == "open":
        qs = qs.filter(status__in=WorkOrder.OPEN)
    elif state == "overdue":
        qs = qs.filter(status__in=WorkOrder.OPEN, due_at__lt=now)
    elif state == "unconfirmed":
        qs = qs.exclude(status__in=WorkOrder.OPEN).filter(confirmed_at__isnull=True)
    elif state == "done":
        qs = qs.exclude(status__in=WorkOrder.OPEN)
    if technician:
        qs = qs.filter(technician_id=technician)
    if subscriber:
        qs = qs.filter(subscriber_id=subscriber)
    return qs


# A finished order waits for the customer's confirmation on the technician's list this long;
# later the hotline's call-back list (待用户确认) is where it is chased.
CONFIRM_WINDOW = dt.timedelta(days=3)


def my_orders(user, center) -> QuerySet:
    """The technician's orders still to do, soonest deadline first, then the ones finished
    in the last three days still waiting for the customer's confirmation."""
    recent = timezone.now() - CONFIRM_WINDOW
    return (scoped(WorkOrder, center).filter(technician=user)
            .filter(Q(status__in=WorkOrder.OPEN) | Q(confirmed_at__isnull=True, finished_at__gte=recent))
            .select_related("subscriber", "subscriber__township", "subscriber__village")
            .order_by("finished_at", "due_at", "pk"))


def may_see_order(user, order: WorkOrder) -> bool:
    center = order.center
    return user.has_perm(VIEW, center) or (user.has_perm(REPAIR, center) and order.technician_id == user.pk)


# --- 工作台 ---------------------------------------------------------------------------------------------

def clerk_box(user, center) -> dict | None:
    if center is None or not user.has_perm(COUNTER, center) or user.has_perm(MANAGE, center):
        return None
    day = timezone.localdate()
    mine = transactions(center, day=day, mine_of=user)
    counts = dict(mine.values_list("kind").annotate(n=Count("pk")).values_list("kind", "n"))
    return {"title": "今日营业厅业务", "template": "cable/box_clerk.html", "order": 40,
            "total": sum(counts.values()), "all_today": transactions(center, day=day).count(),
            "counts": [(label, counts.get(code, 0)) for code, label in Transaction.Kind.choices],
            "recent": list(mine[:5])}


def agent_box(user, center) -> dict | None:
    if center is None or not user.has_perm(HOTLINE, center) or user.has_perm(MANAGE, center):
        return None
    now = timezone.now()
    return {"title": "热线待办", "template": "cable/box_agent.html", "order": 40,
            "open_calls": calls(center, open_only=True).count(),
            "overdue": orders(center, state="overdue", now=now).count(),
            "unconfirmed": orders(center, state="unconfirmed").count(),
            "chase": list(orders(center, state="open", now=now).order_by("due_at")[:5]), "now": now}


def technician_box(user, center) -> dict | None:
    if center is None or not user.has_perm(REPAIR, center):
        return None
    rows = list(my_orders(user, center)[:6])
    return {"title": "我的维修工单", "template": "cable/box_technician.html", "order": 30, "rows": rows,
            "now": timezone.now()}


def manager_box(user, center) -> dict | None:
    if center is None or not user.has_perm(MANAGE, center):
        return None
    now = timezone.now()
    local = timezone.localdate()
    return {"title": "有线网络", "template": "cable/box_manager.html", "order": 40,
            "overdue": list(orders(center, state="overdue", now=now).order_by("due_at")[:5]),
            "overdue_count": orders(center, state="overdue", now=now).count(),
            "month": stats.month(center, local.year, local.month), "now": now}


def todo_for(user, center) -> list:
    from rongmei.core.todo import Todo

    if center is None or not user.has_perm(REPAIR, center):
        return []
    out = []
    for o in my_orders(user, center)[:30]:
        if o.is_open:
            out.append(Todo(room="维修", title=f"{o.code} {o.subscriber.full_address}", url=f"/cable/orders/{o.pk}/",
                            action="已到场" if o.status == WorkOrder.Status.DISPATCHED else "登记结果", due=o.due_at,
                            since=o.dispatched_at, note=o.fault[:40]))
        else:
            out.append(Todo(room="维修", title=f"{o.code} 请登记用户确认", url=f"/cable/orders/{o.pk}/", action="用户确认",
                            since=o.finished_at))
    return out
