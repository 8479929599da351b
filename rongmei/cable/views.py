"""The cable-TV desk's staff screens, all under /cable/: subscribers (search, 开户, one
subscriber with the counter's forms), today's counter transactions, hotline calls (受理 with
the subscriber search; a fault call dispatches its order), work orders (the list the agent
chases, one order with its steps, the technician's phone-sized "my orders"), the monthly
statistics with Excel export, and the manager's setup (deadlines, packages, set-top boxes).

Thin on purpose: each POST is one call into cable.services; its Chinese refusal goes on the
page (400, or 409 for "已被他人修改" and state conflicts), success redirects. Every object is
looked up within request.center: another center's id is a 404.
"""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from rongmei.cable import selectors as sel
from rongmei.cable import services, stats
from rongmei.cable.models import (
    Call,
    Definition,
    Device,
    Package,
    Subscriber,
    Transaction,
    WorkOrder,
)
from rongmei.core.ids import parse_id
from rongmei.core.models import Area
from rongmei.core.services import record
from rongmei.core.tenancy import get_scoped_or_404, scoped
from rongmei.core.views import require_perm


def _errors(exc: ValidationError) -> list[str]:
    if hasattr(exc, "error_dict"):
        return [m for msgs in exc.message_dict.values() for m in msgs]
    return list(exc.messages)


def _status(exc: ValidationError) -> int:
    return getattr(exc, "api_status", 400)


def _page(request, qs, size: int = 30):
    return Paginator(qs, size).get_page(request.GET.get("page"))


def _query(request, drop: str = "page") -> str:
    params = request.GET.copy()
    params.pop(drop, None)
    return params.urlencode()


def _townships(center):
    return list(Area.objects.filter(center=center, parent__isnull=True).order_by("pk"))


def _villages(center):
    """[(township, [villages])] for the grouped select."""
    towns = _townships(center)
    kids: dict[int, list] = {}
    for a in Area.objects.filter(center=center, parent__isnull=False).order_by("pk"):
        kids.setdefault(a.parent_id, []).append(a)
    return [(t, kids.get(t.pk, [])) for t in towns]


def _can(request, perm: str) -> bool:
    return request.user.has_perm(perm, request.center)


# --- subscribers -------------------------------------------------------------------------------------

@require_perm("cable.view")
def subscribers(request):
    q, status = request.GET.get("q", "").strip()[:50], request.GET.get("status", "")
    township = parse_id(request.GET.get("township"))
    qs = sel.subscribers(request.center, q=q, status=status, township=township)
    return render(request, "cable/subscribers.html", {
        "page": _page(request, qs), "q": q, "status": status, "township": township, "query": _query(request),
        "statuses": Subscriber.Status.choices, "townships": _townships(request.center),
        "can_counter": _can(request, "cable.counter"), "can_hotline": _can(request, "cable.hotline"),
    })


def _open_context(request, values=None, errors=None) -> dict:
    center = request.center
    return {"values": values or {"months": "12"}, "errors": errors or [], "groups": _villages(center),
            "packages": scoped(Package, center).filter(is_active=True),
            "stock": scoped(Device, center).filter(status=Device.Status.STOCK).order_by("definition", "serial")[:300]}


@require_perm("cable.counter")
def subscriber_new(request):
    if request.method != "POST":
        return render(request, "cable/subscriber_new.html", _open_context(request))
    p = request.POST
    try:
        sub = services.open_account(
            request.center, request.user, name=p.get("name"), phone=p.get("phone"), id_tail=p.get("id_tail", ""),
            township=p.get("township"), village=p.get("village") or None, address=p.get("address"),
            package=p.get("package"), device=p.get("device"), months=p.get("months"))
    except ValidationError as exc:
        return render(request, "cable/subscriber_new.html", _open_context(request, p, _errors(exc)), status=_status(exc))
    messages.success(request, f"已开户：用户号 {sub.account}。")
    return redirect("cable:subscriber", sub.pk)


def _subscriber_context(request, sub: Subscriber, errors=None, action: str = "") -> dict:
    center = request.center
    boxes = list(sub.devices.all())
    other = {b.pk: (Definition.SD if b.definition == Definition.HD else Definition.HD) for b in boxes}
    return {
        "s": sub, "boxes": boxes, "errors": errors or [], "failed": action,
        "transactions": sel.transactions(center, subscriber=sub.pk)[:20],
        "calls": sel.calls(center, subscriber=sub.pk)[:10],
        "orders": sel.orders(center, state="all", subscriber=sub.pk)[:10],
        "packages": scoped(Package, center).filter(is_active=True),
        "stock_hd": scoped(Device, center).filter(status=Device.Status.STOCK, definition=Definition.HD)[:200],
        "stock_sd": scoped(Device, center).filter(status=Device.Status.STOCK, definition=Definition.SD)[:200],
        "swap_to": {Definition(v).label for v in other.values()},
        "can_counter": _can(request, "cable.counter"), "can_hotline": _can(request, "cable.hotline"),
        "today": services.today(center),
    }


@require_perm("cable.view")
def subscriber(request, pk: int):
    sub = get_scoped_or_404(Subscriber.objects.select_related("package", "township", "village"), request.center, pk=pk)
    return render(request, "cable/subscriber.html", _subscriber_context(request, sub))


@require_POST
@require_perm("cable.counter")
def subscriber_action(request, pk: int, action: str):
    sub = get_scoped_or_404(Subscriber.objects.select_related("package", "township", "village"), request.center, pk=pk)
    if action not in services.COUNTER_ACTIONS:
        raise Http404
    p, version = request.POST, request.POST.get("version") or None
    try:
        if action == "package":
            row = services.change_package(sub, request.user, p.get("package"), expected_version=version, note=p.get("note", ""))
        elif action == "swap":
            row = services.swap(sub, request.user, old_device=p.get("old_device"), new_device=p.get("new_device"),
                                package=p.get("package") or None, expected_version=version)
        elif action == "payment":
            row = services.pay(sub, request.user, p.get("months"), expected_version=version)
        else:
            row = services.COUNTER_ACTIONS[action](sub, request.user, note=p.get("note", ""), expected_version=version)
    except ValidationError as exc:
        sub.refresh_from_db()
        return render(request, "cable/subscriber.html", _subscriber_context(request, sub, _errors(exc), action),
                      status=_status(exc))
    if action == "payment":
        done = f"已缴费 {row.amount} 元，缴费至 {row.paid_until:%Y-%m-%d}。"
    elif action == "swap":
        done = f"已办理高标清互换：{row.note}，新机顶盒 {row.new_device.serial}。"
    else:
        done = f"已办理{row.get_kind_display()}。"
    messages.success(request, done)
    return redirect("cable:subscriber", sub.pk)


# --- counter transactions ---------------------------------------------------------------------------

@require_perm("cable.view")
def transactions(request):
    kind = request.GET.get("kind", "")
    raw_day = request.GET.get("day", "")
    try:
        day = dt.date.fromisoformat(raw_day) if raw_day else timezone.localdate()
    except ValueError:
        day = timezone.localdate()
    mine = request.GET.get("mine") == "1"
    qs = sel.transactions(request.center, kind=kind, day=day, mine_of=request.user if mine else None)
    return render(request, "cable/transactions.html", {
        "page": _page(request, qs, 50), "kind": kind, "day": day, "mine": mine, "kinds": Transaction.Kind.choices,
        "query": _query(request), "total": qs.count(),
    })


# --- hotline -----------------------------------------------------------------------------------------

@require_perm("cable.view")
def calls(request):
    kind, open_only = request.GET.get("kind", ""), request.GET.get("open") == "1"
    qs = sel.calls(request.center, kind=kind, open_only=open_only)
    return render(request, "cable/calls.html", {
        "page": _page(request, qs), "kind": kind, "open_only": open_only, "kinds": Call.Kind.choices,
        "query": _query(request), "can_hotline": _can(request, "cable.hotline"),
    })


def _call_context(request, values=None, errors=None) -> dict:
    center = request.center
    values = values or {}
    q = (request.GET.get("q") or values.get("q") or "").strip()[:50]
    chosen = parse_id(request.GET.get("subscriber") or values.get("subscriber"))
    found = list(sel.subscribers(center, q=q)[:20]) if q else []
    picked = scoped(Subscriber, center).select_related("township", "village", "package").filter(pk=chosen).first() if chosen else None
    if picked is None and len(found) == 1:
        picked = found[0]
    return {"q": q, "found": found, "picked": picked, "values": values, "errors": errors or [],
            "technicians": services.technicians(center), "kinds": Call.Kind.choices,
            "history": sel.orders(center, state="all", subscriber=picked.pk)[:5] if picked else []}


@require_perm("cable.hotline")
def call_new(request):
    if request.method != "POST":
        return render(request, "cable/call_new.html", _call_context(request))
    p = request.POST
    try:
        call = services.take_call(request.center, request.user, subscriber=p.get("subscriber"), kind=p.get("kind"),
                                  notes=p.get("notes"), caller_phone=p.get("caller_phone", ""),
                                  technician=p.get("technician") or None, open_call=p.get("open") == "1",
                                  answer=p.get("answer", ""))
    except ValidationError as exc:
        return render(request, "cable/call_new.html", _call_context(request, p, _errors(exc)), status=_status(exc))
    order = getattr(call, "order", None) if call.kind == Call.Kind.FAULT else None
    if order is not None:
        messages.success(request, f"已受理报修并派单：{order.code}，派给{order.technician}，{timezone.localtime(order.due_at):%m-%d %H:%M} 前修复。")
        return redirect("cable:order", order.pk)
    messages.success(request, "已登记来电。")
    return redirect("cable:calls")


@require_POST
@require_perm("cable.hotline")
def call_close(request, pk: int):
    call = get_scoped_or_404(Call, request.center, pk=pk)
    try:
        services.close_call(call, request.user, request.POST.get("answer", ""))
    except ValidationError as exc:
        for m in _errors(exc):
            messages.error(request, m)
        return redirect(f"{reverse('cable:calls')}?open=1")
    messages.success(request, "来电已办结。")
    return redirect(f"{reverse('cable:calls')}?open=1")


# --- work orders -------------------------------------------------------------------------------------

@require_perm("cable.view")
def orders(request):
    state = request.GET.get("state", "open")
    if state not in sel.ORDER_FILTERS:
        state = "open"
    technician = parse_id(request.GET.get("technician"))
    qs = sel.orders(request.center, state=state, technician=technician)
    if state in ("open", "overdue"):
        qs = qs.order_by("due_at", "pk")
    return render(request, "cable/orders.html", {
        "page": _page(request, qs), "state": state, "states": sel.ORDER_FILTERS.items(), "technician": technician,
        "technicians": services.technicians(request.center), "query": _query(request), "now": timezone.now(),
    })


def _order_or_404(request, pk: int) -> WorkOrder:
    order = get_scoped_or_404(WorkOrder.objects.select_related("subscriber", "subscriber__township", "subscriber__village",
                                                               "subscriber__package", "technician", "call",
                                                               "dispatched_by", "confirmed_by"), request.center, pk=pk)
    if not sel.may_see_order(request.user, order):
        raise PermissionDenied("这张工单没有派给您。")
    return order


def _order_context(request, order: WorkOrder, errors=None) -> dict:
    user, center = request.user, request.center
    works = _can(request, "cable.manage") or (_can(request, "cable.repair") and order.technician_id == user.pk)
    return {"o": order, "errors": errors or [], "now": timezone.now(), "may_work": works,
            "may_confirm": works or _can(request, "cable.hotline"),
            "may_reassign": _can(request, "cable.hotline") or _can(request, "cable.manage"),
            "technicians": services.technicians(center), "satisfactions": WorkOrder.Satisfaction.choices,
            "can_view": _can(request, "cable.view"), "is_technician": _can(request, "cable.repair")}


@login_required
def order(request, pk: int):
    if request.center is None:
        raise PermissionDenied("您还没有在任何融媒体中心担任角色，请联系中心管理员。")
    o = _order_or_404(request, pk)
    return render(request, "cable/order.html", _order_context(request, o))


@require_POST
@login_required
def order_action(request, pk: int, action: str):
    if request.center is None:
        raise PermissionDenied("您还没有在任何融媒体中心担任角色，请联系中心管理员。")
    o = _order_or_404(request, pk)
    p, version = request.POST, request.POST.get("version") or None
    try:
        if action == "arrive":
            services.arrive(o, request.user, expected_version=version)
            done = "已登记到场。"
        elif action == "finish":
            fixed = p.get("fixed") == "1"
            services.finish(o, request.user, fixed=fixed, result=p.get("result", ""), expected_version=version)
            done = "已登记修复。" if fixed else "已登记未修复。"
        elif action == "confirm":
            services.confirm(o, request.user, satisfaction=p.get("satisfaction", ""), note=p.get("note", ""),
                             expected_version=version)
            done = "已登记用户确认。"
        elif action == "reassign":
            services.reassign(o, request.user, p.get("technician"), expected_version=version)
            done = f"已改派给{o.technician}。"
        else:
            raise Http404
    except ValidationError as exc:
        o.refresh_from_db()
        return render(request, "cable/order.html", _order_context(request, o, _errors(exc)), status=_status(exc))
    messages.success(request, done)
    if p.get("next") == "mine":
        return redirect("cable:mine")
    return redirect("cable:order", o.pk)


@require_perm("cable.repair")
def mine(request):
    rows = list(sel.my_orders(request.user, request.center))
    return render(request, "cable/mine.html", {"rows": rows, "now": timezone.now(),
                                               "open": [r for r in rows if r.is_open],
                                               "confirm": [r for r in rows if not r.is_open]})


# --- statistics ---------------------------------------------------------------------------------------

def _year(request) -> int:
    this = timezone.localdate().year
    value = request.GET.get("year", "")
    return int(value) if value.isdigit() and 2000 <= int(value) <= this else this


@require_perm("cable.manage")
def stats_page(request):
    year = _year(request)
    today = timezone.localdate()
    months, total = stats.year_table(request.center, year, today)
    return render(request, "cable/stats.html", {
        "year": year, "months": months, "total": total, "columns": stats.COLUMNS,
        "years": list(range(today.year, today.year - 4, -1)), "current": months[-1] if months else None,
    })


@require_perm("cable.manage")
def stats_export(request):
    year = _year(request)
    data = stats.workbook(request.center, year, timezone.localdate())
    record("cable.export", actor=request.user, center=request.center, after={"year": year})
    response = HttpResponse(data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="cable-{year}.xlsx"'
    return response


# --- setup (cable.manage) ---------------------------------------------------------------------------

def _setup_context(request, errors=None, values=None, failed: str = "") -> dict:
    center = request.center
    desk = services.settings_for(center)
    status = request.GET.get("device_status", "")
    devices = scoped(Device, center).select_related("subscriber")
    if status in Device.Status.values:
        devices = devices.filter(status=status)
    dq = request.GET.get("serial", "").strip()[:40]
    if dq:
        devices = devices.filter(serial__icontains=dq)
    counts = {(r["definition"], r["status"]): r["n"] for r in
              scoped(Device, center).values("definition", "status").annotate(n=Count("pk"))}
    return {
        "desk": desk, "urban": set(desk.urban_townships.values_list("pk", flat=True)), "townships": _townships(center),
        "packages": scoped(Package, center).annotate(n=Count("subscribers")),
        "devices": _page(request, devices, 30), "device_status": status, "serial": dq,
        "device_statuses": Device.Status.choices, "definitions": Definition.choices, "query": _query(request),
        "counts": [(d_label, [(s_label, counts.get((d, s), 0)) for s, s_label in Device.Status.choices])
                   for d, d_label in Definition.choices],
        "errors": errors or [], "values": values or {}, "failed": failed,
    }


@require_perm("cable.manage")
def setup(request):
    return render(request, "cable/setup.html", _setup_context(request))


@require_POST
@require_perm("cable.manage")
def setup_action(request, action: str):
    p, center = request.POST, request.center
    try:
        if action == "settings":
            services.save_settings(center, request.user, urban_hours=p.get("urban_hours"), rural_hours=p.get("rural_hours"),
                                   urban_township_ids=p.getlist("urban"), expected_version=p.get("version") or None)
            done = "已保存维修时限。"
        elif action == "package":
            pkg = services.add_package(center, request.user, name=p.get("name"), monthly_fee=p.get("monthly_fee"),
                                       definition=p.get("definition"), channels=p.get("channels", ""))
            done = f"已新增套餐“{pkg.name}”。"
        elif action == "devices":
            made = services.add_devices(center, request.user, serials=p.get("serials"), model=p.get("model"),
                                        definition=p.get("definition"))
            done = f"已入库 {len(made)} 台机顶盒。"
        else:
            raise Http404
    except ValidationError as exc:
        return render(request, "cable/setup.html", _setup_context(request, _errors(exc), p, action), status=_status(exc))
    messages.success(request, done)
    return redirect("cable:setup")


@require_POST
@require_perm("cable.manage")
def package_toggle(request, pk: int):
    pkg = get_scoped_or_404(Package, request.center, pk=pk)
    services.toggle_package(pkg, request.user)
    messages.success(request, f"套餐“{pkg.name}”已{'恢复在售' if pkg.is_active else '停售'}。")
    return redirect("cable:setup")


@require_POST
@require_perm("cable.manage")
def device_status(request, pk: int):
    device = get_scoped_or_404(Device.objects.select_related("subscriber"), request.center, pk=pk)
    try:
        services.set_device_status(device, request.user, request.POST.get("status", ""))
    except ValidationError as exc:
        return render(request, "cable/setup.html", _setup_context(request, _errors(exc)), status=_status(exc))
    messages.success(request, f"机顶盒 {device.serial} 已改为“{device.get_status_display()}”。")
    return redirect(f"{reverse('cable:setup')}#devices")
