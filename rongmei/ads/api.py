"""广告经营 in the staff API: slots, clients, contracts, bookings (created by the same
service as the screen: 409 with the Chinese message naming the slot and the clashing booking
when the days overlap, or when the contract's amount would be exceeded), the content review
(approve / return), proofs, payments and revenue. Another center's ids are 404."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import OuterRef, Subquery, Sum
from ninja import Field, File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile

from rongmei.ads import selectors as sel
from rongmei.ads import services
from rongmei.ads.models import Booking, Client, Contract, Payment, Proof, Slot
from rongmei.core.api import require
from rongmei.core.api_kit import ERRORS, CursorQuery, LimitQuery, page_of, paginate
from rongmei.core.ids import Id, Version
from rongmei.core.tenancy import get_scoped_or_404

router = Router(tags=["广告经营"])
RUN_ON = Form(..., description="刊播日期")
PROOF_NOTE = Form("", max_length=200)
PROOF_FILE = File(..., description="照片、截图或 PDF")


def _name(user) -> str | None:
    return str(user) if user is not None else None


class AdsSlotOut(Schema):
    id: int
    name: str
    kind: str = Field(..., description="outdoor_screen 户外大屏 / lamp_post 灯杆道旗 / flagpole 旗杆 / billboard 广告牌 / "
                                       "newspaper 报纸版面 / radio 广播时段 / tv 电视时段 / app_splash 开屏 / app_banner 横幅")
    kind_label: str
    address: str
    township: str
    page: str
    size: str
    channel: str
    time_slot: str
    seconds: int | None
    unit: str = Field(..., description="day 天 / week 周 / insertion 次 / second 秒")
    list_price: Decimal
    is_active: bool
    version: int


class AdsSlotIn(Schema):
    name: str = Field(..., max_length=100)
    kind: str
    address: str = Field("", max_length=200)
    township: str = Field("", max_length=50)
    page: str = Field("", max_length=30)
    size: str = Field("", max_length=20)
    channel: str = Field("", max_length=50)
    time_slot: str = Field("", max_length=50)
    seconds: int | None = Field(None, ge=1, le=3600)
    unit: str = "day"
    list_price: Decimal = Field(..., ge=0, max_digits=12, decimal_places=2)
    is_active: bool = True
    note: str = Field("", max_length=300)
    version: Version | None = Field(None, description="修改时回传读到的版本号")


class AdsClientOut(Schema):
    id: int
    name: str
    kind: str
    contact: str
    phone: str
    address: str
    credit_code: str
    salesperson_id: int | None
    salesperson: str | None
    is_active: bool
    version: int


class AdsClientIn(Schema):
    name: str = Field(..., max_length=100)
    kind: str = "company"
    contact: str = Field("", max_length=50)
    phone: str = Field("", max_length=30)
    address: str = Field("", max_length=200)
    credit_code: str = Field("", max_length=18)
    salesperson_id: Id | None = None
    note: str = Field("", max_length=300)
    is_active: bool = True
    version: Version | None = None


class AdsContractOut(Schema):
    id: int
    number: str
    title: str
    client_id: int
    client: str
    amount: Decimal
    discount: Decimal
    start: dt.date
    end: dt.date
    salesperson_id: int | None
    salesperson: str | None
    status: str = Field(..., description="draft 草稿 / signed 已签订 / finished 已履行完毕 / cancelled 已作废")
    booked: Decimal = Field(..., description="未取消排期的金额合计")
    paid: Decimal
    owed: Decimal
    version: int


class AdsContractIn(Schema):
    client_id: Id
    number: str = Field(..., max_length=40)
    title: str = Field(..., max_length=120)
    amount: Decimal = Field(..., ge=0, max_digits=12, decimal_places=2)
    discount: Decimal = Field(Decimal(1), gt=0, le=1, max_digits=4, decimal_places=3)
    start: dt.date
    end: dt.date
    salesperson_id: Id | None = None
    status: str = Field("draft", description="draft 或 signed")
    signed_on: dt.date | None = None
    note: str = Field("", max_length=300)
    version: Version | None = None


class AdsContractStatusIn(Schema):
    status: str = Field(..., description="signed / finished / cancelled")
    version: Version | None = None


class AdsFindingOut(Schema):
    check: str
    label: str
    severity: str = Field(..., description="block 不能通过 / warn 提示 / info")
    field: str
    start: int
    end: int
    text: str
    message: str


class AdsBookingOut(Schema):
    id: int
    contract_id: int
    contract_number: str
    client: str
    slot_id: int
    slot: str
    kind: str
    start: dt.date
    end: dt.date
    quantity: int
    units: Decimal
    list_price: Decimal
    discount: Decimal
    amount: Decimal
    title: str
    text: str
    status: str = Field(..., description="pending 待审查 / returned 退回修改 / approved 已通过 / cancelled 已取消")
    findings: list[AdsFindingOut]
    review_note: str
    reviewed_by: str | None
    reviewed_at: dt.datetime | None
    created_by: str | None
    version: int


class AdsBookingIn(Schema):
    contract_id: Id
    slot_id: Id
    start: dt.date
    end: dt.date
    quantity: int = Field(1, ge=1, le=100000)
    title: str = Field(..., max_length=100)
    text: str = Field("", max_length=5000)


class AdsContentIn(Schema):
    title: str = Field(..., max_length=100)
    text: str = Field("", max_length=5000)
    version: Version | None = None


class AdsReviewIn(Schema):
    note: str = Field("", max_length=300)
    version: Version | None = None


class AdsProofOut(Schema):
    id: int
    booking_id: int
    run_on: dt.date
    url: str
    note: str
    uploaded_by: str | None
    uploaded_at: dt.datetime


class AdsPaymentOut(Schema):
    id: int
    contract_id: int
    contract_number: str
    amount: Decimal
    paid_on: dt.date
    method: str = Field(..., description="transfer 银行转账 / cash 现金 / cheque 支票 / online 扫码支付")
    receipt_no: str
    note: str
    recorded_by: str | None


class AdsPaymentIn(Schema):
    amount: Decimal = Field(..., gt=0, max_digits=12, decimal_places=2)
    paid_on: dt.date
    method: str = "transfer"
    receipt_no: str = Field("", max_length=40)
    note: str = Field("", max_length=200)


class AdsRevenueRowOut(Schema):
    label: str
    months: list[Decimal]
    total: Decimal


class AdsRevenueOut(Schema):
    year: int
    by_month: list[Decimal] = Field(..., description="1–12 月排期收入（按天分摊）")
    paid: list[Decimal] = Field(..., description="1–12 月回款")
    total: Decimal
    paid_total: Decimal
    by_kind: list[AdsRevenueRowOut]
    by_salesperson: list[AdsRevenueRowOut]


def _slot_out(s: Slot) -> dict:
    return {**{f: getattr(s, f) for f in ("id", "name", "kind", "address", "township", "page", "size", "channel",
                                           "time_slot", "seconds", "unit", "list_price", "is_active", "version")},
            "kind_label": s.get_kind_display()}


def _client_out(c: Client) -> dict:
    return {**{f: getattr(c, f) for f in ("id", "name", "kind", "contact", "phone", "address", "credit_code",
                                           "salesperson_id", "is_active", "version")},
            "salesperson": _name(c.salesperson)}


def _contract_out(c: Contract) -> dict:
    if hasattr(c, "paid_sum"):  # a list row: its sums came with the page's one query (no query per contract)
        booked, paid = c.booked or sel.ZERO, c.paid_sum or sel.ZERO
        summary = {"booked": booked, "paid": paid, "owed": c.amount - paid}
    else:
        summary = sel.contract_summary(c)
    return {**{f: getattr(c, f) for f in ("id", "number", "title", "client_id", "amount", "discount", "start", "end",
                                           "salesperson_id", "status", "version")},
            "client": c.client.name, "salesperson": _name(c.salesperson), "booked": summary["booked"],
            "paid": summary["paid"], "owed": summary["owed"]}


def _booking_out(b: Booking) -> dict:
    return {**{f: getattr(b, f) for f in ("id", "contract_id", "slot_id", "start", "end", "quantity", "units",
                                           "list_price", "discount", "amount", "title", "text", "status", "review_note",
                                           "reviewed_at", "version")},
            "contract_number": b.contract.number, "client": b.contract.client.name, "slot": b.slot.name,
            "kind": b.slot.kind, "findings": b.findings or [], "reviewed_by": _name(b.reviewed_by),
            "created_by": _name(b.created_by)}


def _proof_out(p: Proof) -> dict:
    return {"id": p.pk, "booking_id": p.booking_id, "run_on": p.run_on, "url": p.file.url, "note": p.note,
            "uploaded_by": _name(p.uploaded_by), "uploaded_at": p.uploaded_at}


def _payment_out(p: Payment) -> dict:
    return {**{f: getattr(p, f) for f in ("id", "contract_id", "amount", "paid_on", "method", "receipt_no", "note")},
            "contract_number": p.contract.number, "recorded_by": _name(p.recorded_by)}


def _member(request, user_id):
    if user_id is None:
        return None
    from rongmei.core.selectors import member_or_none

    user = member_or_none(request.center, user_id)
    if user is None:
        from django.core.exceptions import ValidationError

        raise ValidationError({"salesperson_id": ["业务员不是本中心的人员。"]})
    return user


# --- Slots -----------------------------------------------------------------------------------------

@router.get("/ads/slots", response={200: page_of(AdsSlotOut), **ERRORS}, summary="广告资源列表")
def ads_list_slots(request, kind: str = Query("", max_length=20), q: str = Query("", max_length=50),
                   active: str = Query("", max_length=1, description="1 在售 / 0 停售"),
                   cursor: str | None = CursorQuery, limit: int = LimitQuery):
    require(request, "ads.view")
    qs = sel.slots(request.center, kind=kind, q=q, active=active)
    return paginate(qs, cursor=cursor, limit=limit, order=("kind", "name", "pk"), out=_slot_out)


@router.get("/ads/slots/{slot_id}", response={200: AdsSlotOut, **ERRORS}, summary="一个广告资源")
def ads_get_slot(request, slot_id: Id):
    require(request, "ads.view")
    return _slot_out(get_scoped_or_404(Slot, request.center, pk=slot_id))


@router.post("/ads/slots", response={201: AdsSlotOut, **ERRORS}, summary="新增广告资源")
def ads_create_slot(request, payload: AdsSlotIn):
    require(request, "ads.manage")
    data = payload.model_dump(exclude={"version"})
    return Status(201, _slot_out(services.save_slot(center=request.center, actor=request.user, data=data)))


@router.put("/ads/slots/{slot_id}", response={200: AdsSlotOut, **ERRORS}, summary="修改广告资源")
def ads_update_slot(request, slot_id: Id, payload: AdsSlotIn):
    require(request, "ads.manage")
    slot = get_scoped_or_404(Slot, request.center, pk=slot_id)
    return _slot_out(services.save_slot(center=request.center, actor=request.user, data=payload.model_dump(exclude={"version"}),
                                        slot=slot, expected_version=payload.version))


# --- Clients -----------------------------------------------------------------------------------------

@router.get("/ads/clients", response={200: page_of(AdsClientOut), **ERRORS}, summary="客户列表")
def ads_list_clients(request, q: str = Query("", max_length=50), kind: str = Query("", max_length=20),
                     cursor: str | None = CursorQuery, limit: int = LimitQuery):
    require(request, "ads.view")
    return paginate(sel.clients(request.center, q=q, kind=kind), cursor=cursor, limit=limit, order=("name", "pk"),
                    out=_client_out)


@router.get("/ads/clients/{client_id}", response={200: AdsClientOut, **ERRORS}, summary="一个客户")
def ads_get_client(request, client_id: Id):
    require(request, "ads.view")
    return _client_out(get_scoped_or_404(Client, request.center, pk=client_id))


def _client_data(request, payload: AdsClientIn) -> dict:
    data = payload.model_dump(exclude={"version", "salesperson_id"})
    data["salesperson"] = _member(request, payload.salesperson_id)
    return data


@router.post("/ads/clients", response={201: AdsClientOut, **ERRORS}, summary="新增客户")
def ads_create_client(request, payload: AdsClientIn):
    require(request, "ads.sell")
    data = _client_data(request, payload)
    if data["salesperson"] is None:
        data["salesperson"] = request.user
    return Status(201, _client_out(services.save_client(center=request.center, actor=request.user, data=data)))


@router.put("/ads/clients/{client_id}", response={200: AdsClientOut, **ERRORS}, summary="修改客户")
def ads_update_client(request, client_id: Id, payload: AdsClientIn):
    require(request, "ads.sell")
    client = get_scoped_or_404(Client, request.center, pk=client_id)
    return _client_out(services.save_client(center=request.center, actor=request.user, data=_client_data(request, payload),
                                            client=client, expected_version=payload.version))


# --- Contracts ---------------------------------------------------------------------------------------

@router.get("/ads/contracts", response={200: page_of(AdsContractOut), **ERRORS}, summary="广告合同列表")
def ads_list_contracts(request, q: str = Query("", max_length=50), status: str = Query("", max_length=20),
                       client_id: Id | None = None, salesperson_id: Id | None = None,
                       cursor: str | None = CursorQuery, limit: int = LimitQuery):
    require(request, "ads.view")
    qs = sel.contracts(request.center, q=q, status=status, client=client_id, salesperson=salesperson_id)
    # what was paid, per contract, as a subquery: a second join beside the bookings' would multiply the sums
    paid = Payment.objects.filter(contract=OuterRef("pk")).order_by().values("contract").annotate(s=Sum("amount")).values("s")
    qs = qs.annotate(paid_sum=Subquery(paid))
    return paginate(qs, cursor=cursor, limit=limit, order=("-start", "-pk"), out=_contract_out)


@router.get("/ads/contracts/{contract_id}", response={200: AdsContractOut, **ERRORS}, summary="一份合同")
def ads_get_contract(request, contract_id: Id):
    require(request, "ads.view")
    return _contract_out(get_scoped_or_404(Contract.objects.select_related("client", "salesperson"), request.center,
                                           pk=contract_id))


def _contract_data(request, payload: AdsContractIn) -> dict:
    data = payload.model_dump(exclude={"version", "client_id", "salesperson_id"})
    data["client"] = get_scoped_or_404(Client, request.center, pk=payload.client_id)
    data["salesperson"] = _member(request, payload.salesperson_id) or request.user
    if data["status"] not in Contract.BOOKABLE:
        from django.core.exceptions import ValidationError

        raise ValidationError({"status": ["新建或修改合同时，状态只能是 draft（草稿）或 signed（已签订）。"]})
    return data


@router.post("/ads/contracts", response={201: AdsContractOut, **ERRORS}, summary="新增广告合同")
def ads_create_contract(request, payload: AdsContractIn):
    require(request, "ads.sell")
    saved = services.save_contract(center=request.center, actor=request.user, data=_contract_data(request, payload))
    return Status(201, _contract_out(saved))


@router.put("/ads/contracts/{contract_id}", response={200: AdsContractOut, **ERRORS}, summary="修改广告合同")
def ads_update_contract(request, contract_id: Id, payload: AdsContractIn):
    require(request, "ads.sell")
    contract = get_scoped_or_404(Contract, request.center, pk=contract_id)
    return _contract_out(services.save_contract(center=request.center, actor=request.user,
                                                data=_contract_data(request, payload), contract=contract,
                                                expected_version=payload.version))


@router.post("/ads/contracts/{contract_id}/status", response={200: AdsContractOut, **ERRORS}, summary="变更合同状态")
def ads_contract_status(request, contract_id: Id, payload: AdsContractStatusIn):
    require(request, "ads.sell")
    contract = get_scoped_or_404(Contract, request.center, pk=contract_id)
    return _contract_out(services.set_contract_status(contract=contract, actor=request.user, status=payload.status,
                                                      expected_version=payload.version))


# --- Bookings ----------------------------------------------------------------------------------------

def _booking(request, booking_id) -> Booking:
    return get_scoped_or_404(Booking.objects.select_related("slot", "contract__client", "created_by", "reviewed_by"),
                             request.center, pk=booking_id)


@router.get("/ads/bookings", response={200: page_of(AdsBookingOut), **ERRORS}, summary="广告排期列表")
def ads_list_bookings(request, status: str = Query("", max_length=20), kind: str = Query("", max_length=20),
                      slot_id: Id | None = None, contract_id: Id | None = None, on: dt.date | None = None,
                      q: str = Query("", max_length=50), cursor: str | None = CursorQuery, limit: int = LimitQuery):
    require(request, "ads.view")
    qs = sel.bookings(request.center, status=status, kind=kind, slot=slot_id, contract=contract_id, q=q, on=on)
    return paginate(qs, cursor=cursor, limit=limit, order=("-start", "-pk"), out=_booking_out)


@router.get("/ads/bookings/{booking_id}", response={200: AdsBookingOut, **ERRORS}, summary="一个排期")
def ads_get_booking(request, booking_id: Id):
    require(request, "ads.view")
    return _booking_out(_booking(request, booking_id))


@router.post("/ads/bookings", response={201: AdsBookingOut, **ERRORS}, summary="预订广告排期",
             description="与页面同一个服务：同一资源日期重叠时 409（说明冲突的排期）；超出合同金额时 409。")
def ads_create_booking(request, payload: AdsBookingIn):
    require(request, "ads.sell")
    contract = get_scoped_or_404(Contract, request.center, pk=payload.contract_id)
    slot = get_scoped_or_404(Slot, request.center, pk=payload.slot_id)
    booking = services.create_booking(center=request.center, actor=request.user, contract=contract, slot=slot,
                                      start=payload.start, end=payload.end, quantity=payload.quantity,
                                      title=payload.title, text=payload.text)
    return Status(201, _booking_out(_booking(request, booking.pk)))


@router.put("/ads/bookings/{booking_id}/content", response={200: AdsBookingOut, **ERRORS}, summary="修改广告内容（重新审查）")
def ads_booking_content(request, booking_id: Id, payload: AdsContentIn):
    require(request, "ads.sell")
    booking = _booking(request, booking_id)
    services.update_content(booking=booking, actor=request.user, title=payload.title, text=payload.text,
                            expected_version=payload.version)
    return _booking_out(_booking(request, booking_id))


@router.post("/ads/bookings/{booking_id}/approve", response={200: AdsBookingOut, **ERRORS}, summary="广告内容审查通过",
             description="不能审查自己预订的广告（403）；含《广告法》禁用语等不能通过的内容时 409。")
def ads_booking_approve(request, booking_id: Id, payload: AdsReviewIn):
    require(request, "ads.approve")
    services.approve(booking=_booking(request, booking_id), actor=request.user, note=payload.note,
                     expected_version=payload.version)
    return _booking_out(_booking(request, booking_id))


@router.post("/ads/bookings/{booking_id}/return", response={200: AdsBookingOut, **ERRORS}, summary="广告内容退回修改")
def ads_booking_return(request, booking_id: Id, payload: AdsReviewIn):
    require(request, "ads.approve")
    services.return_for_changes(booking=_booking(request, booking_id), actor=request.user, note=payload.note,
                                expected_version=payload.version)
    return _booking_out(_booking(request, booking_id))


@router.post("/ads/bookings/{booking_id}/cancel", response={200: AdsBookingOut, **ERRORS}, summary="取消排期")
def ads_booking_cancel(request, booking_id: Id, payload: AdsReviewIn):
    require(request, "ads.sell")
    services.cancel_booking(booking=_booking(request, booking_id), actor=request.user, expected_version=payload.version)
    return _booking_out(_booking(request, booking_id))


# --- Proofs, payments, revenue -----------------------------------------------------------------------

@router.get("/ads/proofs", response={200: page_of(AdsProofOut), **ERRORS}, summary="刊播证明列表")
def ads_list_proofs(request, booking_id: Id | None = None, since: dt.date | None = None, until: dt.date | None = None,
                    cursor: str | None = CursorQuery, limit: int = LimitQuery):
    require(request, "ads.view")
    return paginate(sel.proofs(request.center, booking=booking_id, since=since, until=until), cursor=cursor,
                    limit=limit, order=("-run_on", "-pk"), out=_proof_out)


@router.post("/ads/bookings/{booking_id}/proofs", response={201: AdsProofOut, **ERRORS}, summary="登记刊播证明")
def ads_add_proof(request, booking_id: Id, run_on: dt.date = RUN_ON, note: str = PROOF_NOTE, file: UploadedFile = PROOF_FILE):
    require(request, "ads.sell")
    proof = services.add_proof(booking=_booking(request, booking_id), actor=request.user, run_on=run_on, upload=file,
                               note=note)
    return Status(201, _proof_out(proof))


@router.get("/ads/payments", response={200: page_of(AdsPaymentOut), **ERRORS}, summary="回款列表")
def ads_list_payments(request, contract_id: Id | None = None, since: dt.date | None = None,
                      until: dt.date | None = None, cursor: str | None = CursorQuery, limit: int = LimitQuery):
    require(request, "ads.view")
    return paginate(sel.payments(request.center, contract=contract_id, since=since, until=until), cursor=cursor,
                    limit=limit, order=("-paid_on", "-pk"), out=_payment_out)


@router.post("/ads/contracts/{contract_id}/payments", response={201: AdsPaymentOut, **ERRORS}, summary="登记回款",
             description="不能超过合同尚欠的金额（422，说明尚欠多少）。")
def ads_add_payment(request, contract_id: Id, payload: AdsPaymentIn):
    require(request, "ads.sell")
    contract = get_scoped_or_404(Contract, request.center, pk=contract_id)
    payment = services.add_payment(contract=contract, actor=request.user, **payload.model_dump())
    return Status(201, _payment_out(payment))


@router.get("/ads/revenue", response={200: AdsRevenueOut, **ERRORS}, summary="广告经营收入（按月、资源类型、业务员）")
def ads_revenue(request, year: int = Query(..., ge=2000, le=2100, description="年份")):
    require(request, "ads.manage")
    data = sel.revenue(request.center, year)
    return {"year": year, "by_month": data["by_month"], "paid": data["paid"], "total": data["total"],
            "paid_total": data["paid_total"], "by_kind": data["by_kind"], "by_salesperson": data["by_person"]}


