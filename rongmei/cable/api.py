"""有线网络 in the staff API: subscribers (search, 开户), counter transactions (list; create
by kind on a subscriber), packages and set-top boxes, hotline calls (a fault call dispatches
its work order), work orders (list, one, status changes, the customer's confirmation) and
the monthly statistics. The same services and selectors as the screens; another center's id
is a 404; a stale `version` is 409 "已被他人修改"; a box already assigned is 409."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Literal

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status

from rongmei.cable import selectors as sel
from rongmei.cable import services, stats
from rongmei.cable.models import (
    Call,
    Device,
    Package,
    Subscriber,
    Transaction,
    WorkOrder,
)
from rongmei.core.api import require
from rongmei.core.api_kit import ERRORS, CursorQuery, LimitQuery, page_of, paginate
from rongmei.core.ids import Id
from rongmei.core.tenancy import get_scoped_or_404, scoped

router = Router(tags=["有线网络"])

OptId = Query(None, ge=1, le=2**63 - 1)
OptField = Field(None, ge=1, le=2**63 - 1)


class CableSubscriberOut(Schema):
    id: int
    account: str = Field(..., description="用户号")
    name: str
    phone: str = Field(..., description="联系电话（只显示前三位和后四位）")
    township_id: int
    township: str
    village_id: int | None
    village: str | None
    address: str
    package_id: int
    package: str
    status: str = Field(..., description="active 正常 / stopped 停机 / closed 销户")
    paid_until: dt.date
    opened_on: dt.date
    devices: list[str] = Field(..., description="在用机顶盒序列号")
    version: int = Field(..., description="办理业务时回传，用于并发检查")


class CableTransactionOut(Schema):
    id: int
    subscriber_id: int
    account: str
    kind: str = Field(..., description="open 开户 / package 套餐变更 / swap 高标清互换 / payment 缴费 / stop 停机 / resume 复机 / close 销户")
    kind_label: str
    amount: Decimal
    months: int
    old_package: str | None
    new_package: str | None
    old_device: str | None
    new_device: str | None
    paid_until: dt.date | None
    note: str
    done_by: str | None
    done_at: dt.datetime


class CablePackageOut(Schema):
    id: int
    name: str
    monthly_fee: Decimal
    definition: str = Field(..., description="hd 高清 / sd 标清")
    channels: str
    is_active: bool


class CableDeviceOut(Schema):
    id: int
    serial: str
    model: str
    definition: str
    status: str = Field(..., description="stock 在库 / in_use 在用 / faulty 故障 / scrapped 报废")
    subscriber_id: int | None


class CableCallOut(Schema):
    id: int
    kind: str = Field(..., description="consult 咨询 / fault 故障报修")
    subscriber_id: int
    account: str
    notes: str
    is_open: bool = Field(..., description="咨询待回复")
    answer: str
    taken_by: str | None
    taken_at: dt.datetime
    order_id: int | None


class CableOrderOut(Schema):
    id: int
    code: str
    subscriber_id: int
    account: str
    address: str
    fault: str
    technician_id: int
    technician: str
    status: str = Field(..., description="dispatched 已派单 / on_site 已到场 / fixed 已修复 / not_fixed 未修复")
    dispatched_at: dt.datetime
    deadline_hours: int
    due_at: dt.datetime
    overdue: bool
    on_site_at: dt.datetime | None
    finished_at: dt.datetime | None
    result: str
    escalated_at: dt.datetime | None
    satisfaction: str = Field(..., description="satisfied 满意 / unsatisfied 不满意 / 空：未确认")
    confirmation_note: str
    confirmed_at: dt.datetime | None
    version: int


class CableMonthOut(Schema):
    month: str = Field(..., description="如 2026-11")
    in_service: int = Field(..., description="在网用户（月末）")
    new_accounts: int = Field(..., description="新装")
    swaps: int = Field(..., description="高标清互换")
    transactions: int = Field(..., description="营业厅业务笔数")
    calls: int = Field(..., description="热线来电")
    orders: int = Field(..., description="派发工单")
    fixed_on_time: int = Field(..., description="按时修复的工单")
    on_time_rate: Decimal | None = Field(None, description="按时修复率（%），当月没有工单时为 null")


class CableYearOut(Schema):
    year: int
    months: list[CableMonthOut]
    total: CableMonthOut


class CableOpenIn(Schema):
    name: str = Field(..., max_length=50)
    phone: str = Field(..., max_length=20)
    id_tail: str = Field("", max_length=4, description="身份证后四位（可不填）")
    township_id: int = Field(..., ge=1, le=2**63 - 1)
    village_id: int | None = OptField
    address: str = Field(..., max_length=200)
    package_id: int = Field(..., ge=1, le=2**63 - 1)
    device_serial: str = Field(..., max_length=40, description="发放的在库机顶盒序列号")
    months: int = Field(1, ge=1, le=services.MAX_MONTHS, description="首次缴费月数")


class CableTransactionIn(Schema):
    kind: Literal["package", "swap", "payment", "stop", "resume", "close"]
    version: int | None = Field(None, description="看到的用户 version；与当前不符时返回 409")
    package_id: int | None = Field(None, ge=1, le=2**63 - 1, description="套餐变更：新套餐；互换：可同时改的套餐")
    old_device_id: int | None = Field(None, ge=1, le=2**63 - 1, description="互换：收回的机顶盒")
    new_device_serial: str | None = Field(None, max_length=40, description="互换：发放的在库机顶盒")
    months: int | None = Field(None, ge=-1000, le=1000, description="缴费月数（大于 0）")
    note: str = Field("", max_length=200)


class CableCallIn(Schema):
    subscriber_id: int = Field(..., ge=1, le=2**63 - 1)
    kind: Literal["consult", "fault"]
    notes: str = Field(..., max_length=1000)
    caller_phone: str = Field("", max_length=20)
    technician_id: int | None = Field(None, ge=1, le=2**63 - 1, description="故障报修：派给的维修技术员")
    open: bool = Field(False, description="咨询暂不能答复，留待回复")
    answer: str = Field("", max_length=500)


class CableOrderStatusIn(Schema):
    status: Literal["on_site", "fixed", "not_fixed"]
    result: str = Field("", max_length=500, description="修复结果或未修复原因（fixed/not_fixed 必填）")
    version: int | None = None


class CableConfirmIn(Schema):
    satisfaction: Literal["satisfied", "unsatisfied"]
    note: str = Field("", max_length=300)
    version: int | None = None


class CableReassignIn(Schema):
    technician_id: int = Field(..., ge=1, le=2**63 - 1)
    version: int | None = None


def _sub_out(s: Subscriber) -> CableSubscriberOut:
    return CableSubscriberOut(
        id=s.pk, account=s.account, name=s.name, phone=s.masked_phone, township_id=s.township_id, township=s.township.name,
        village_id=s.village_id, village=s.village.name if s.village_id else None, address=s.address,
        package_id=s.package_id, package=s.package.name, status=s.status, paid_until=s.paid_until, opened_on=s.opened_on,
        devices=[d.serial for d in s.devices.all()], version=s.version)


def _tx_out(t: Transaction) -> CableTransactionOut:
    return CableTransactionOut(
        id=t.pk, subscriber_id=t.subscriber_id, account=t.subscriber.account, kind=t.kind, kind_label=t.get_kind_display(),
        amount=t.amount, months=t.months, old_package=t.old_package.name if t.old_package_id else None,
        new_package=t.new_package.name if t.new_package_id else None,
        old_device=t.old_device.serial if t.old_device_id else None, new_device=t.new_device.serial if t.new_device_id else None,
        paid_until=t.paid_until, note=t.note, done_by=str(t.done_by) if t.done_by_id else None, done_at=t.done_at)


def _call_out(c: Call) -> CableCallOut:
    order = getattr(c, "order", None) if c.kind == Call.Kind.FAULT else None
    return CableCallOut(id=c.pk, kind=c.kind, subscriber_id=c.subscriber_id, account=c.subscriber.account, notes=c.notes,
                        is_open=c.is_open, answer=c.answer, taken_by=str(c.taken_by) if c.taken_by_id else None,
                        taken_at=c.taken_at, order_id=order.pk if order else None)


def _order_out(o: WorkOrder) -> CableOrderOut:
    return CableOrderOut(
        id=o.pk, code=o.code, subscriber_id=o.subscriber_id, account=o.subscriber.account, address=o.subscriber.full_address,
        fault=o.fault, technician_id=o.technician_id, technician=str(o.technician), status=o.status,
        dispatched_at=o.dispatched_at, deadline_hours=o.deadline_hours, due_at=o.due_at, overdue=o.is_overdue(timezone.now()),
        on_site_at=o.on_site_at, finished_at=o.finished_at, result=o.result, escalated_at=o.escalated_at,
        satisfaction=o.satisfaction, confirmation_note=o.confirmation_note, confirmed_at=o.confirmed_at, version=o.version)


def _month_out(m: stats.Month, label: str | None = None) -> CableMonthOut:
    d = m.as_dict()
    if label:
        d["month"] = label
    return CableMonthOut(**d)


def _subscriber(request, subscriber_id: int) -> Subscriber:
    return get_scoped_or_404(Subscriber.objects.select_related("package", "township", "village", "center"), request.center,
                             pk=subscriber_id)


def _order(request, order_id: int) -> WorkOrder:
    o = get_scoped_or_404(WorkOrder.objects.select_related("subscriber", "subscriber__township", "subscriber__village",
                                                           "technician", "center"), request.center, pk=order_id)
    if not sel.may_see_order(request.user, o):
        if not (request.user.has_perm("cable.view", request.center) or request.user.has_perm("cable.repair", request.center)):
            raise PermissionDenied("没有权限：需要“查看有线电视用户、业务记录、热线与维修工单”。")
        raise PermissionDenied("这张工单没有派给您。")
    return o


# --- subscribers and the counter -------------------------------------------------------------------

@router.get("/cable/subscribers", response={200: page_of(CableSubscriberOut), **ERRORS}, summary="有线用户（查找）",
            description="按用户号、电话（或后四位）、姓名查找；可按状态和乡镇筛选。")
def cable_list_subscribers(request, q: str = Query("", max_length=50), status: str = "", township_id: int | None = OptId,
                           cursor: str | None = CursorQuery, limit: int = LimitQuery):
    require(request, "cable.view")
    if status and status not in Subscriber.Status.values:
        raise ValidationError({"status": ["应为 active、stopped 或 closed。"]})
    qs = sel.subscribers(request.center, q=q, status=status, township=township_id).prefetch_related("devices")
    return paginate(qs, cursor=cursor, limit=limit, order=("account", "pk"), out=_sub_out)


@router.get("/cable/subscribers/{subscriber_id}", response={200: CableSubscriberOut, **ERRORS}, summary="有线用户")
def cable_get_subscriber(request, subscriber_id: Id):
    require(request, "cable.view")
    return _sub_out(_subscriber(request, subscriber_id))


@router.post("/cable/subscribers", response={201: CableSubscriberOut, **ERRORS}, summary="开户",
             description="建档、发放在库机顶盒（清晰度须与套餐一致）并收取首次费用；用户号由系统生成。")
def cable_open_account(request, payload: CableOpenIn):
    require(request, "cable.counter")
    s = services.open_account(request.center, request.user, name=payload.name, phone=payload.phone, id_tail=payload.id_tail,
                              township=payload.township_id, village=payload.village_id, address=payload.address,
                              package=payload.package_id, device=payload.device_serial, months=payload.months)
    return Status(201, _sub_out(_subscriber(request, s.pk)))


@router.post("/cable/subscribers/{subscriber_id}/transactions", response={201: CableTransactionOut, **ERRORS},
             summary="办理营业厅业务",
             description="kind: package 套餐变更（package_id）、swap 高标清互换（old_device_id、new_device_serial，可带 package_id）、"
                         "payment 缴费（months）、stop 停机、resume 复机、close 销户。机顶盒已分配给他人返回 409。")
def cable_create_transaction(request, subscriber_id: Id, payload: CableTransactionIn):
    require(request, "cable.counter")
    s = _subscriber(request, subscriber_id)
    v = payload.version
    if payload.kind == "package":
        row = services.change_package(s, request.user, payload.package_id, expected_version=v, note=payload.note)
    elif payload.kind == "swap":
        row = services.swap(s, request.user, old_device=payload.old_device_id, new_device=payload.new_device_serial or "",
                            package=payload.package_id, expected_version=v)
    elif payload.kind == "payment":
        if payload.months is None:
            raise ValidationError({"months": ["请填写缴费月数。"]})
        row = services.pay(s, request.user, payload.months, expected_version=v)
    else:
        row = services.COUNTER_ACTIONS[payload.kind](s, request.user, note=payload.note, expected_version=v)
    return Status(201, _tx_out(Transaction.objects.select_related("subscriber", "done_by", "old_package", "new_package",
                                                                  "old_device", "new_device").get(pk=row.pk)))


@router.get("/cable/transactions", response={200: page_of(CableTransactionOut), **ERRORS}, summary="营业厅业务记录",
            description="新的在前；可按业务类型、日期（本中心时区）和用户筛选。")
def cable_list_transactions(request, kind: str = "", day: dt.date | None = None, subscriber_id: int | None = OptId,
                            cursor: str | None = CursorQuery, limit: int = LimitQuery):
    require(request, "cable.view")
    if kind and kind not in Transaction.Kind.values:
        raise ValidationError({"kind": ["业务类型应为 " + "、".join(Transaction.Kind.values) + " 之一。"]})
    qs = sel.transactions(request.center, kind=kind, day=day, subscriber=subscriber_id)
    return paginate(qs, cursor=cursor, limit=limit, order=("-done_at", "-pk"), out=_tx_out)


@router.get("/cable/packages", response={200: page_of(CablePackageOut), **ERRORS}, summary="套餐")
def cable_list_packages(request, cursor: str | None = CursorQuery, limit: int = LimitQuery):
    require(request, "cable.view")
    return paginate(scoped(Package, request.center), cursor=cursor, limit=limit, order=("name", "pk"),
                    out=lambda p: CablePackageOut(id=p.pk, name=p.name, monthly_fee=p.monthly_fee, definition=p.definition,
                                                  channels=p.channels, is_active=p.is_active))


@router.get("/cable/devices", response={200: page_of(CableDeviceOut), **ERRORS}, summary="机顶盒",
            description="可按状态、清晰度和序列号筛选。")
def cable_list_devices(request, status: str = "", definition: str = "", serial: str = Query("", max_length=40),
                       cursor: str | None = CursorQuery, limit: int = LimitQuery):
    require(request, "cable.view")
    qs = scoped(Device, request.center)
    if status:
        if status not in Device.Status.values:
            raise ValidationError({"status": ["应为 stock、in_use、faulty 或 scrapped。"]})
        qs = qs.filter(status=status)
    if definition:
        if definition not in ("hd", "sd"):
            raise ValidationError({"definition": ["应为 hd 或 sd。"]})
        qs = qs.filter(definition=definition)
    if serial:
        qs = qs.filter(serial__icontains=serial)
    return paginate(qs, cursor=cursor, limit=limit, order=("serial", "pk"),
                    out=lambda d: CableDeviceOut(id=d.pk, serial=d.serial, model=d.model, definition=d.definition,
                                                 status=d.status, subscriber_id=d.subscriber_id))


# --- hotline and work orders ----------------------------------------------------------------------------

@router.get("/cable/calls", response={200: page_of(CableCallOut), **ERRORS}, summary="热线来电",
            description="新的在前；open=true 只看待回复的咨询。")
def cable_list_calls(request, kind: str = "", open: bool = False, subscriber_id: int | None = OptId,
                     cursor: str | None = CursorQuery, limit: int = LimitQuery):
    require(request, "cable.view")
    if kind and kind not in Call.Kind.values:
        raise ValidationError({"kind": ["应为 consult 或 fault。"]})
    qs = sel.calls(request.center, kind=kind, open_only=open, subscriber=subscriber_id)
    return paginate(qs, cursor=cursor, limit=limit, order=("-taken_at", "-pk"), out=_call_out)


@router.post("/cable/calls", response={201: CableCallOut, **ERRORS}, summary="登记热线来电",
             description="故障报修须指定 technician_id，同一事务中派发维修工单（时限按用户所在乡镇）。")
def cable_take_call(request, payload: CableCallIn):
    require(request, "cable.hotline")
    call = services.take_call(request.center, request.user, subscriber=payload.subscriber_id, kind=payload.kind,
                              notes=payload.notes, caller_phone=payload.caller_phone, technician=payload.technician_id,
                              open_call=payload.open, answer=payload.answer)
    return Status(201, _call_out(sel.calls(request.center).get(pk=call.pk)))


ORDER_STATES = Literal["open", "overdue", "unconfirmed", "done", "all"]


@router.get("/cable/orders", response={200: page_of(CableOrderOut), **ERRORS}, summary="维修工单",
            description="state: open 未完成（默认）/ overdue 已超时 / unconfirmed 待用户确认 / done 已完成 / all；"
                        "mine=true 只看派给我的（维修技术员只能看自己的）。")
def cable_list_orders(request, state: ORDER_STATES = "open", mine: bool = False, technician_id: int | None = OptId,
                      cursor: str | None = CursorQuery, limit: int = LimitQuery):
    if not request.user.has_perm("cable.view", request.center):
        require(request, "cable.repair")
        mine = True
    qs = sel.orders(request.center, state=state, technician=request.user.pk if mine else technician_id)
    return paginate(qs, cursor=cursor, limit=limit, order=("-dispatched_at", "-pk"), out=_order_out)


@router.get("/cable/orders/{order_id}", response={200: CableOrderOut, **ERRORS}, summary="维修工单详情")
def cable_get_order(request, order_id: Id):
    return _order_out(_order(request, order_id))


@router.post("/cable/orders/{order_id}/status", response={200: CableOrderOut, **ERRORS}, summary="登记维修进度",
             description="派给的技术员（或有线网络主管）：on_site 已到场，fixed 已修复 / not_fixed 未修复（须写 result）。")
def cable_order_status(request, order_id: Id, payload: CableOrderStatusIn):
    o = _order(request, order_id)
    if payload.status == "on_site":
        services.arrive(o, request.user, expected_version=payload.version)
    else:
        services.finish(o, request.user, fixed=payload.status == "fixed", result=payload.result,
                        expected_version=payload.version)
    return _order_out(_order(request, order_id))


@router.post("/cable/orders/{order_id}/confirm", response={200: CableOrderOut, **ERRORS}, summary="登记用户确认",
             description="修复或未修复之后：满意或不满意（不满意须写说明，会通知有线网络主管）。")
def cable_order_confirm(request, order_id: Id, payload: CableConfirmIn):
    o = _order(request, order_id)
    services.confirm(o, request.user, satisfaction=payload.satisfaction, note=payload.note, expected_version=payload.version)
    return _order_out(_order(request, order_id))


@router.post("/cable/orders/{order_id}/reassign", response={200: CableOrderOut, **ERRORS}, summary="改派维修工单")
def cable_order_reassign(request, order_id: Id, payload: CableReassignIn):
    o = _order(request, order_id)
    services.reassign(o, request.user, payload.technician_id, expected_version=payload.version)
    return _order_out(_order(request, order_id))


# --- statistics -------------------------------------------------------------------------------------------

@router.get("/cable/stats/{year}", response={200: CableYearOut, **ERRORS}, summary="有线网络月度统计",
            description="一年各月（今年到本月为止）：在网用户、新装、高标清互换、营业厅业务笔数、热线来电、派发工单、按时修复率，及全年合计。")
def cable_stats(request, year: int):
    require(request, "cable.manage")
    today = timezone.localdate()
    if not 2000 <= year <= today.year:
        raise Http404("没有这一年的统计。")
    months, total = stats.year_table(request.center, year, today)
    return CableYearOut(year=year, months=[_month_out(m) for m in months], total=_month_out(total, f"{year}"))
