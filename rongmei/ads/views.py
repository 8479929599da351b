"""Staff screens of 广告经营 (/ads/...). Thin: a POST becomes one service call; its Chinese
refusal is put on the page (400, or 409/403 as the service marks it). Every object is looked
up within request.center, so another center's id is a 404."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from rongmei.ads import exports, forms, services
from rongmei.ads import selectors as sel
from rongmei.ads.models import Booking, Client, Contract, Payment, Slot
from rongmei.core.ids import parse_id
from rongmei.core.services import record
from rongmei.core.tenancy import get_scoped_or_404, scoped
from rongmei.core.views import apply_errors, require_perm


def _status(exc: ValidationError) -> int:
    return getattr(exc, "api_status", 400)


def _version(request) -> int | None:
    value = request.POST.get("version", "").strip()
    return int(value) if value.isdigit() and len(value) < 10 else None


def _messages_of(exc: ValidationError) -> list[str]:
    if hasattr(exc, "error_dict"):
        return [m for msgs in exc.message_dict.values() for m in msgs]
    return list(exc.messages)


def _page(request, qs, size: int = 30):
    return Paginator(qs, size).get_page(request.GET.get("page"))


def _query(request) -> str:
    """The filters of the list, to keep them on the pager's links."""
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


def _sellers(center):
    return services.people_with(center, "ads.sell").order_by("username")


def _int(request, name: str) -> int | None:
    return parse_id(request.GET.get(name, ""))


# --- Bookings ---------------------------------------------------------------------------------

@require_perm("ads.view")
def bookings(request):
    status = request.GET.get("status", "") if request.GET.get("status", "") in Booking.Status.values else ""
    kind = request.GET.get("kind", "") if request.GET.get("kind", "") in Slot.Kind.values else ""
    q = request.GET.get("q", "").strip()[:50]
    mine = request.GET.get("mine") == "1"
    qs = sel.bookings(request.center, status=status, kind=kind, q=q, salesperson=request.user.pk if mine else None)
    return render(request, "ads/bookings.html", {
        "page": _page(request, qs), "query": _query(request),
        "filters": {"status": status, "kind": kind, "q": q, "mine": mine},
        "statuses": Booking.Status.choices, "kinds": Slot.Kind.choices,
        "can_sell": request.user.has_perm("ads.sell", request.center),
    })


def _booking_context(request, booking: Booking, **extra) -> dict:
    findings = services.content_findings(booking) if booking.status != Booking.Status.CANCELLED else booking.findings
    user, center = request.user, request.center
    return {
        "booking": booking, "findings": findings, "blocking": services.blocking(findings),
        "proofs": booking.proofs.select_related("uploaded_by"),
        "can_sell": user.has_perm("ads.sell", center),
        "can_approve": user.has_perm("ads.approve", center) and booking.created_by_id != user.pk,
        "own_booking": booking.created_by_id == user.pk,
        "content_form": extra.pop("content_form", None) or forms.ContentForm(initial={"title": booking.title, "text": booking.text}),
        "proof_form": extra.pop("proof_form", None) or forms.ProofForm(initial={"run_on": timezone.localdate()}),
        "errors": extra.pop("errors", []), "today": timezone.localdate(), **extra,
    }


@require_perm("ads.view")
def booking(request, pk: int):
    item = get_scoped_or_404(Booking.objects.select_related("slot", "contract__client", "created_by", "reviewed_by"),
                             request.center, pk=pk)
    return render(request, "ads/booking.html", _booking_context(request, item))


def _booking_or_404(request, pk):
    return get_scoped_or_404(Booking.objects.select_related("slot", "contract__client", "created_by", "reviewed_by"),
                             request.center, pk=pk)


@require_POST
@require_perm("ads.sell")
def booking_content(request, pk: int):
    item = _booking_or_404(request, pk)
    form = forms.ContentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.update_content(booking=item, actor=request.user, title=form.cleaned_data["title"],
                                    text=form.cleaned_data["text"], media=form.cleaned_data.get("media"),
                                    expected_version=_version(request))
        except ValidationError as exc:
            apply_errors(form, exc)
            return render(request, "ads/booking.html", _booking_context(request, item, content_form=form), status=_status(exc))
        messages.success(request, "广告内容已修改，已重新提交审查。")
        return redirect("ads:booking", pk=item.pk)
    return render(request, "ads/booking.html", _booking_context(request, item, content_form=form), status=400)


def _booking_action(request, pk: int, act, done: str):
    """A button on the booking page: `act(item)` calls the service; a refusal shows the page
    again with its message, success goes back to the booking with `done` (formatted with it)."""
    item = _booking_or_404(request, pk)
    try:
        act(item)
    except ValidationError as exc:
        return render(request, "ads/booking.html", _booking_context(request, item, errors=_messages_of(exc)),
                      status=_status(exc))
    messages.success(request, done.format(item=item))
    return redirect("ads:booking", pk=item.pk)


@require_POST
@require_perm("ads.approve")
def booking_approve(request, pk: int):
    return _booking_action(request, pk, lambda item: services.approve(
        booking=item, actor=request.user, note=request.POST.get("note", ""), expected_version=_version(request)),
        "广告《{item.title}》审查通过，可以刊播。")


@require_POST
@require_perm("ads.approve")
def booking_return(request, pk: int):
    return _booking_action(request, pk, lambda item: services.return_for_changes(
        booking=item, actor=request.user, note=request.POST.get("note", ""), expected_version=_version(request)),
        "广告《{item.title}》已退回业务员修改。")


@require_POST
@require_perm("ads.sell")
def booking_cancel(request, pk: int):
    return _booking_action(request, pk, lambda item: services.cancel_booking(
        booking=item, actor=request.user, expected_version=_version(request)), "排期已取消，资源已释放。")


@require_POST
@require_perm("ads.sell")
def proof_add(request, pk: int):
    item = _booking_or_404(request, pk)
    form = forms.ProofForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.add_proof(booking=item, actor=request.user, run_on=form.cleaned_data["run_on"],
                               upload=form.cleaned_data["file"], note=form.cleaned_data["note"])
        except ValidationError as exc:
            apply_errors(form, exc)
            return render(request, "ads/booking.html", _booking_context(request, item, proof_form=form), status=_status(exc))
        messages.success(request, f"已登记 {form.cleaned_data['run_on']:%Y-%m-%d} 的刊播证明。")
        return redirect("ads:booking", pk=item.pk)
    return render(request, "ads/booking.html", _booking_context(request, item, proof_form=form), status=400)


@require_perm("ads.approve")
def review(request):
    qs = sel.to_approve(request.center, request.user)
    own = sel.bookings(request.center, status=Booking.Status.PENDING).filter(created_by=request.user).count()
    return render(request, "ads/review.html", {"page": _page(request, qs), "query": _query(request), "own": own})


@require_perm("ads.view")
def proofs(request):
    day = sel.parse_date(request.GET.get("day")) or timezone.localdate()
    return render(request, "ads/proofs.html", {
        "day": day, "missing": sel.missing_proofs(request.center, day),
        "page": _page(request, sel.proofs(request.center)), "query": _query(request),
    })


# --- Slots ------------------------------------------------------------------------------------

@require_perm("ads.view")
def slots(request):
    kind = request.GET.get("kind", "") if request.GET.get("kind", "") in Slot.Kind.values else ""
    q = request.GET.get("q", "").strip()[:50]
    active = request.GET.get("active", "") if request.GET.get("active", "") in ("0", "1") else ""
    return render(request, "ads/slots.html", {
        "page": _page(request, sel.slots(request.center, kind=kind, q=q, active=active), 40), "query": _query(request),
        "filters": {"kind": kind, "q": q, "active": active}, "kinds": Slot.Kind.choices,
        "can_manage": request.user.has_perm("ads.manage", request.center),
    })


def _slot_form_page(request, form, slot=None, status=200):
    return render(request, "ads/slot_form.html", {"form": form, "slot": slot}, status=status)


@require_perm("ads.manage")
def slot_new(request):
    return _slot_edit(request, None)


@require_perm("ads.manage")
def slot_edit(request, pk: int):
    return _slot_edit(request, get_scoped_or_404(Slot, request.center, pk=pk))


def _slot_edit(request, slot):
    if request.method != "POST":
        initial = {f: getattr(slot, f) for f in services.SLOT_FIELDS} if slot else {"is_active": True, "unit": "day"}
        return _slot_form_page(request, forms.SlotForm(initial=initial), slot)
    form = forms.SlotForm(request.POST)
    if not form.is_valid():
        return _slot_form_page(request, form, slot, 400)
    data = {k: ("" if v is None and k != "seconds" else v) for k, v in form.cleaned_data.items()}
    try:
        saved = services.save_slot(center=request.center, actor=request.user, data=data, slot=slot,
                                   expected_version=_version(request))
    except ValidationError as exc:
        apply_errors(form, exc)
        return _slot_form_page(request, form, slot, _status(exc))
    messages.success(request, f"广告资源“{saved.name}”已保存。")
    return redirect("ads:slots")


# --- Clients ----------------------------------------------------------------------------------

@require_perm("ads.view")
def clients(request):
    q = request.GET.get("q", "").strip()[:50]
    kind = request.GET.get("kind", "") if request.GET.get("kind", "") in Client.Kind.values else ""
    return render(request, "ads/clients.html", {
        "page": _page(request, sel.clients(request.center, q=q, kind=kind), 40), "query": _query(request),
        "filters": {"q": q, "kind": kind}, "kinds": Client.Kind.choices,
        "can_sell": request.user.has_perm("ads.sell", request.center),
    })


@require_perm("ads.sell")
def client_new(request):
    return _client_edit(request, None)


@require_perm("ads.sell")
def client_edit(request, pk: int):
    return _client_edit(request, get_scoped_or_404(Client, request.center, pk=pk))


def _client_edit(request, client):
    sellers = _sellers(request.center)
    if request.method != "POST":
        initial = {f: getattr(client, f) for f in services.CLIENT_FIELDS} if client else \
            {"is_active": True, "salesperson": request.user.pk}
        form = forms.ClientForm(initial=initial, sellers=sellers)
        return render(request, "ads/client_form.html", {"form": form, "client": client})
    form = forms.ClientForm(request.POST, sellers=sellers)
    if form.is_valid():
        try:
            saved = services.save_client(center=request.center, actor=request.user, data=form.cleaned_data,
                                         client=client, expected_version=_version(request))
        except ValidationError as exc:
            apply_errors(form, exc)
            return render(request, "ads/client_form.html", {"form": form, "client": client}, status=_status(exc))
        messages.success(request, f"客户“{saved.name}”已保存。")
        return redirect("ads:clients")
    return render(request, "ads/client_form.html", {"form": form, "client": client}, status=400)


# --- Contracts --------------------------------------------------------------------------------

@require_perm("ads.view")
def contracts(request):
    q = request.GET.get("q", "").strip()[:50]
    status = request.GET.get("status", "") if request.GET.get("status", "") in Contract.Status.values else ""
    mine = request.GET.get("mine") == "1"
    qs = sel.contracts(request.center, q=q, status=status, salesperson=request.user.pk if mine else None,
                       client=_int(request, "client"))
    return render(request, "ads/contracts.html", {
        "page": _page(request, qs), "query": _query(request), "filters": {"q": q, "status": status, "mine": mine},
        "statuses": Contract.Status.choices, "can_sell": request.user.has_perm("ads.sell", request.center),
    })


def _contract_or_404(request, pk):
    return get_scoped_or_404(Contract.objects.select_related("client", "salesperson"), request.center, pk=pk)


def _contract_context(request, contract, **extra) -> dict:
    return {
        "contract": contract, "summary": sel.contract_summary(contract),
        "bookings": contract.bookings.select_related("slot").order_by("start", "pk"),
        "payments": contract.payments.select_related("recorded_by"), "files": contract.files.all(),
        "can_sell": request.user.has_perm("ads.sell", request.center),
        "payment_form": extra.pop("payment_form", None) or forms.PaymentForm(initial={"paid_on": timezone.localdate()}),
        "file_form": extra.pop("file_form", None) or forms.FileForm(),
        "errors": extra.pop("errors", []), **extra,
    }


@require_perm("ads.view")
def contract(request, pk: int):
    return render(request, "ads/contract.html", _contract_context(request, _contract_or_404(request, pk)))


@require_perm("ads.sell")
def contract_new(request):
    return _contract_edit(request, None)


@require_perm("ads.sell")
def contract_edit(request, pk: int):
    return _contract_edit(request, _contract_or_404(request, pk))


def _contract_form(request, data=None, initial=None):
    clients = scoped(Client, request.center).filter(is_active=True)
    return forms.ContractForm(data, initial=initial, clients=clients, sellers=_sellers(request.center))


def _contract_edit(request, item):
    if request.method != "POST":
        if item:
            initial = {f: getattr(item, f) for f in services.CONTRACT_FIELDS}
        else:
            today = timezone.localdate()
            initial = {"discount": 1, "salesperson": request.user.pk, "status": "draft", "start": today,
                       "end": today.replace(month=12, day=31), "client": _int(request, "client")}
        return render(request, "ads/contract_form.html", {"form": _contract_form(request, initial=initial), "contract": item})
    form = _contract_form(request, request.POST)
    if form.is_valid():
        data = dict(form.cleaned_data)
        if item is not None and item.status not in Contract.BOOKABLE:
            data.pop("status")
        elif item is not None and item.status == Contract.Status.SIGNED:
            data["status"] = Contract.Status.SIGNED   # a signed contract is not made a draft again by editing
        try:
            saved = services.save_contract(center=request.center, actor=request.user, data=data, contract=item,
                                           expected_version=_version(request))
        except ValidationError as exc:
            apply_errors(form, exc)
            return render(request, "ads/contract_form.html", {"form": form, "contract": item}, status=_status(exc))
        messages.success(request, f"合同 {saved.number} 已保存。")
        return redirect("ads:contract", pk=saved.pk)
    return render(request, "ads/contract_form.html", {"form": form, "contract": item}, status=400)


@require_POST
@require_perm("ads.sell")
def contract_status(request, pk: int):
    item = _contract_or_404(request, pk)
    try:
        services.set_contract_status(contract=item, actor=request.user, status=request.POST.get("status", ""),
                                     expected_version=_version(request))
    except ValidationError as exc:
        return render(request, "ads/contract.html", _contract_context(request, item, errors=_messages_of(exc)),
                      status=_status(exc))
    messages.success(request, "合同状态已更新。")
    return redirect("ads:contract", pk=item.pk)


@require_POST
@require_perm("ads.sell")
def contract_file(request, pk: int):
    item = _contract_or_404(request, pk)
    form = forms.FileForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.add_contract_file(contract=item, actor=request.user, upload=form.cleaned_data["file"])
        except ValidationError as exc:
            apply_errors(form, exc)
            return render(request, "ads/contract.html", _contract_context(request, item, file_form=form), status=_status(exc))
        messages.success(request, "合同文件已上传。")
        return redirect("ads:contract", pk=item.pk)
    return render(request, "ads/contract.html", _contract_context(request, item, file_form=form), status=400)


@require_POST
@require_perm("ads.sell")
def payment_add(request, pk: int):
    item = _contract_or_404(request, pk)
    form = forms.PaymentForm(request.POST)
    if form.is_valid():
        try:
            services.add_payment(contract=item, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
            return render(request, "ads/contract.html", _contract_context(request, item, payment_form=form),
                          status=_status(exc))
        messages.success(request, f"已登记回款 {form.cleaned_data['amount']} 元。")
        return redirect("ads:contract", pk=item.pk)
    return render(request, "ads/contract.html", _contract_context(request, item, payment_form=form), status=400)


@require_perm("ads.sell")
def booking_new(request, pk: int):
    item = _contract_or_404(request, pk)
    slot_qs = scoped(Slot, request.center).filter(is_active=True).order_by("kind", "name")
    context = {"contract": item, "summary": sel.contract_summary(item)}
    if request.method != "POST":
        initial = {"start": max(item.start, timezone.localdate()), "quantity": 1, "slot": _int(request, "slot")}
        initial["end"] = min(item.end, initial["start"] + dt.timedelta(days=6))
        return render(request, "ads/booking_form.html", {**context, "form": forms.BookingForm(initial=initial, slots=slot_qs)})
    form = forms.BookingForm(request.POST, request.FILES, slots=slot_qs)
    if form.is_valid():
        try:
            created = services.create_booking(center=request.center, actor=request.user, contract=item, **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
            return render(request, "ads/booking_form.html", {**context, "form": form}, status=_status(exc))
        messages.success(request, f"已预订 {created.slot.name}（{created.start:%m-%d} 至 {created.end:%m-%d}），"
                                  f"金额 {created.amount} 元，等待广告审查。")
        return redirect("ads:booking", pk=created.pk)
    return render(request, "ads/booking_form.html", {**context, "form": form}, status=400)


# --- Payments, calendar, revenue --------------------------------------------------------------

@require_perm("ads.view")
def payments(request):
    month = sel.parse_month(request.GET.get("month"))
    qs = sel.payments(request.center, since=month, until=sel.month_end(month) if month else None)
    return render(request, "ads/payments.html", {
        "page": _page(request, qs, 40), "query": _query(request), "month": request.GET.get("month", "") if month else "",
        "owing": sel.owing_contracts(request.center)[:50], "methods": Payment.Method.choices,
    })


@require_perm("ads.view")
def calendar(request):
    month = sel.parse_month(request.GET.get("month")) or timezone.localdate().replace(day=1)
    kind = request.GET.get("kind", "") if request.GET.get("kind", "") in Slot.Kind.values else Slot.Kind.LAMP_POST
    grid = sel.calendar_grid(request.center, month, kind)
    return render(request, "ads/calendar.html", {"grid": grid, "kind": kind, "kinds": Slot.Kind.choices,
                                                 "kind_label": dict(Slot.Kind.choices)[kind]})


@require_perm("ads.manage")
def revenue(request):
    year = _year(request)
    return render(request, "ads/revenue.html", {"data": sel.revenue(request.center, year), "year": year,
                                                "years": range(timezone.localdate().year - 3, timezone.localdate().year + 2)})


def _year(request) -> int:
    value = request.GET.get("year", "")
    this = timezone.localdate().year
    return int(value) if value.isdigit() and 2000 <= int(value) <= this + 5 else this


@require_perm("ads.manage")
def revenue_xlsx(request, year: int):
    if not 2000 <= year <= 2100:
        year = timezone.localdate().year
    data = sel.revenue(request.center, year)
    record("ads.revenue_export", actor=request.user, center=request.center, after={"year": year})
    response = HttpResponse(exports.revenue_workbook(request.center, data), content_type=exports.XLSX)
    from urllib.parse import quote

    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(f'{request.center.name}{year}年广告经营收入.xlsx')}"
    return response
