"""广告经营: every change, one function per use case, one transaction each, validated with a
Chinese message naming the field, audited with `rongmei.core.services.record`.

The rule that matters most: **a slot is never booked twice for overlapping days**. The
check runs inside the booking's transaction after the slot's row is locked
(`select_for_update()`; on PostgreSQL the second writer waits for the first to commit, then
sees its booking). On SQLite the project opens every transaction with BEGIN IMMEDIATE
(settings: transaction_mode), so writers are serialised the same way. The contract's row is
locked first (always contract, then slot: one order, no deadlock), which also keeps the
bookings' total within the contract amount under concurrent bookings on one contract.
"""

from __future__ import annotations

import datetime as dt
import math
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from rongmei.ads import adlaw
from rongmei.ads.models import (
    Booking,
    Client,
    Contract,
    ContractFile,
    Payment,
    Proof,
    Slot,
)
from rongmei.core.models import Center, User
from rongmei.core.services import notify, record

CENT = Decimal("0.01")
MAX_MONEY = Decimal("9999999999.99")

# Uploads: what each may be, and how big. The first bytes are checked, not only the name.
PROOF_TYPES = ("jpg", "jpeg", "png", "webp", "pdf")
MEDIA_TYPES = ("jpg", "jpeg", "png", "webp", "gif", "mp4", "pdf")
CONTRACT_TYPES = ("pdf", "jpg", "jpeg", "png", "webp", "docx", "xlsx")
MAX_FILE = 20 * 1024 * 1024
MAX_VIDEO = 300 * 1024 * 1024
_MAGIC = {
    "pdf": (b"%PDF",), "png": (b"\x89PNG",), "jpg": (b"\xff\xd8\xff",), "jpeg": (b"\xff\xd8\xff",),
    "gif": (b"GIF8",), "docx": (b"PK\x03\x04",), "xlsx": (b"PK\x03\x04",),
}

AUDIT_LABELS = {
    "ads.slot_create": "新增广告资源", "ads.slot_update": "修改广告资源",
    "ads.client_create": "新增客户", "ads.client_update": "修改客户",
    "ads.contract_create": "新增广告合同", "ads.contract_update": "修改广告合同",
    "ads.contract_status": "变更合同状态", "ads.contract_file": "上传合同文件",
    "ads.booking_create": "预订广告排期", "ads.booking_content": "修改广告内容",
    "ads.booking_cancel": "取消广告排期", "ads.booking_approve": "广告内容审查通过",
    "ads.booking_return": "广告内容退回修改",
    "ads.proof_add": "登记刊播证明", "ads.payment_add": "登记回款",
    "ads.revenue_export": "导出广告经营收入",
}


def refuse(message, *, status: int = 400, field: str | None = None) -> ValidationError:
    """A ValidationError carrying the answer's status for the API (409 conflicts, 403 duty)."""
    exc = ValidationError({field: [message]} if field else message)
    exc.api_status = status
    return exc


def _stale(obj, expected: int | None) -> None:
    if expected is not None and obj.version != expected:
        raise refuse(f"{obj._meta.verbose_name}已被他人修改，请刷新后重试。", status=409)


def money(value, field: str, label: str, *, allow_zero: bool = True) -> Decimal:
    try:
        amount = Decimal(str(value).strip().replace(",", "")).quantize(CENT, rounding=ROUND_HALF_UP)
    except (InvalidOperation, ValueError):
        raise ValidationError({field: [f"{label}应为数字，如 12000 或 12000.50。"]}) from None
    if not amount.is_finite() or amount < 0 or (amount == 0 and not allow_zero):
        raise ValidationError({field: [f"{label}应大于 0。" if not allow_zero else f"{label}不能为负数。"]})
    if amount > MAX_MONEY:
        raise ValidationError({field: [f"{label}太大。"]})
    return amount


def yuan(value: Decimal) -> str:
    return f"¥{value:,.2f}"


def people_with(center: Center, perm: str):
    from rongmei.core.permissions import ROLES

    roles = [code for code, role in ROLES.items() if perm in role.permissions]
    return User.objects.filter(is_active=True, memberships__center=center, memberships__role__in=roles).distinct()


def check_upload(upload, field: str, allowed: tuple[str, ...]) -> None:
    """Refuse a file of another type (by name and first bytes) or too large."""
    name = getattr(upload, "name", "") or ""
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if ext not in allowed:
        raise ValidationError({field: [f"文件“{name[:60]}”的类型不支持，只能上传：{'、'.join(allowed)}。"]})
    limit = MAX_VIDEO if ext == "mp4" else MAX_FILE
    if upload.size > limit:
        raise ValidationError({field: [f"文件“{name[:60]}”超过 {limit // 1024 // 1024} MB。"]})
    head = upload.read(16)
    upload.seek(0)
    ok = (head[:4] == b"RIFF" and head[8:12] == b"WEBP") if ext == "webp" else \
        (head[4:8] == b"ftyp") if ext == "mp4" else head.startswith(_MAGIC[ext])
    if not ok:
        raise ValidationError({field: [f"文件“{name[:60]}”的内容与扩展名 .{ext} 不符。"]})


# --- Slots -----------------------------------------------------------------------------------

SLOT_FIELDS = ("name", "kind", "address", "township", "page", "size", "channel", "time_slot", "seconds", "unit",
               "list_price", "is_active", "note")


def _slot_state(slot: Slot) -> dict:
    return {f: str(getattr(slot, f)) if f == "list_price" else getattr(slot, f) for f in SLOT_FIELDS}


def _check_slot(center: Center, slot: Slot) -> None:
    errors: dict[str, list[str]] = {}
    slot.name = (slot.name or "").strip()
    if not slot.name:
        errors["name"] = ["请填写资源名称。"]
    elif Slot.objects.filter(center=center, name=slot.name).exclude(pk=slot.pk).exists():
        errors["name"] = [f"已有名为“{slot.name}”的广告资源。"]
    if slot.kind not in Slot.Kind.values:
        errors["kind"] = ["请选择资源类型。"]
    if slot.unit not in Slot.Unit.values:
        errors["unit"] = ["请选择计价单位。"]
    if slot.kind in Slot.OUTDOOR and not slot.address.strip():
        errors["address"] = ["户外资源请填写位置。"]
    if slot.kind == Slot.Kind.NEWSPAPER and not (slot.page.strip() and slot.size):
        errors["page"] = ["报纸版面请填写版面和规格。"]
    if slot.kind in Slot.BROADCAST and not (slot.channel.strip() and slot.time_slot.strip()):
        errors["channel"] = ["广播电视时段请填写频道和时段。"]
    if slot.unit == Slot.Unit.SECOND and not slot.seconds:
        errors["seconds"] = ["按秒计价的资源请填写时长（秒）。"]
    if errors:
        raise ValidationError(errors)
    slot.list_price = money(slot.list_price, "list_price", "刊例价")


@transaction.atomic
def save_slot(*, center: Center, actor: User, data: dict, slot: Slot | None = None,
              expected_version: int | None = None) -> Slot:
    creating = slot is None
    if creating:
        slot = Slot(center=center)
        before = None
    else:
        slot = Slot.objects.select_for_update().get(pk=slot.pk, center=center)
        _stale(slot, expected_version)
        before = _slot_state(slot)
    for field in SLOT_FIELDS:
        if field in data:
            value = data[field]
            setattr(slot, field, value if value is not None or field in ("seconds",) else "")
    _check_slot(center, slot)
    if not creating:
        slot.version += 1
    slot.save()
    record("ads.slot_create" if creating else "ads.slot_update", actor=actor, center=center, obj=slot,
           before=before, after=_slot_state(slot))
    return slot


# --- Clients ---------------------------------------------------------------------------------

CLIENT_FIELDS = ("name", "kind", "contact", "phone", "address", "credit_code", "salesperson", "note", "is_active")


def _client_state(client: Client) -> dict:
    state = {f: getattr(client, f) for f in CLIENT_FIELDS if f != "salesperson"}
    state["salesperson"] = client.salesperson_id
    return state


@transaction.atomic
def save_client(*, center: Center, actor: User, data: dict, client: Client | None = None,
                expected_version: int | None = None) -> Client:
    creating = client is None
    if creating:
        client = Client(center=center, salesperson=actor)
        before = None
    else:
        client = Client.objects.select_for_update().get(pk=client.pk, center=center)
        _stale(client, expected_version)
        before = _client_state(client)
    for field in CLIENT_FIELDS:
        if field in data:
            setattr(client, field, data[field] if data[field] is not None or field == "salesperson" else "")
    client.name = (client.name or "").strip()
    errors: dict[str, list[str]] = {}
    if not client.name:
        errors["name"] = ["请填写客户名称。"]
    elif Client.objects.filter(center=center, name=client.name).exclude(pk=client.pk).exists():
        errors["name"] = [f"已有名为“{client.name}”的客户。"]
    if client.kind not in Client.Kind.values:
        errors["kind"] = ["请选择客户类型。"]
    code = (client.credit_code or "").strip().upper()
    if code and (len(code) != 18 or not code.isalnum()):
        errors["credit_code"] = ["统一社会信用代码应为 18 位字母或数字。"]
    client.credit_code = code
    if client.salesperson_id and not client.salesperson.memberships.filter(center=center).exists():
        errors["salesperson"] = ["负责业务员不是本中心的人员。"]
    if errors:
        raise ValidationError(errors)
    if not creating:
        client.version += 1
    client.save()
    record("ads.client_create" if creating else "ads.client_update", actor=actor, center=center, obj=client,
           before=before, after=_client_state(client))
    return client


def ensure_client(*, center: Center, name: str, kind: str, **fields) -> Client:
    """The center's client of this name, created with `fields` if there is none (other apps'
    demo data: an event's sponsor, a live production's customer, one register for all)."""
    client = Client.objects.filter(center=center, name=name).first()
    if client is None:
        client = Client.objects.create(center=center, name=name, kind=kind, **fields)
    return client


# --- Contracts -------------------------------------------------------------------------------

CONTRACT_FIELDS = ("client", "number", "title", "amount", "discount", "start", "end", "salesperson", "status",
                   "signed_on", "note")


def _contract_state(c: Contract) -> dict:
    return {"client": c.client_id, "number": c.number, "title": c.title, "amount": str(c.amount),
            "discount": str(c.discount), "start": c.start.isoformat(), "end": c.end.isoformat(),
            "salesperson": c.salesperson_id, "status": c.status}


def booked_total(contract: Contract, exclude: Booking | None = None) -> Decimal:
    qs = contract.bookings.filter(status__in=Booking.HOLDING)
    if exclude is not None:
        qs = qs.exclude(pk=exclude.pk)
    return qs.aggregate(s=Sum("amount"))["s"] or Decimal("0.00")


def paid_total(contract: Contract) -> Decimal:
    return contract.payments.aggregate(s=Sum("amount"))["s"] or Decimal("0.00")


@transaction.atomic
def save_contract(*, center: Center, actor: User, data: dict, contract: Contract | None = None,
                  expected_version: int | None = None) -> Contract:
    creating = contract is None
    if creating:
        contract = Contract(center=center, created_by=actor, salesperson=actor)
        before = None
    else:
        contract = Contract.objects.select_for_update().get(pk=contract.pk, center=center)
        _stale(contract, expected_version)
        before = _contract_state(contract)
        if contract.status in (Contract.Status.FINISHED, Contract.Status.CANCELLED):
            raise refuse(f"合同 {contract.number} {contract.get_status_display()}，不能再修改。", status=409)
    for field in CONTRACT_FIELDS:
        if field in data:
            setattr(contract, field, data[field])
    errors: dict[str, list[str]] = {}
    contract.number = (contract.number or "").strip()
    contract.title = (contract.title or "").strip()
    if contract.client_id is None or contract.client.center_id != center.pk:
        errors["client"] = ["请选择本中心的客户。"]
    if not contract.number:
        errors["number"] = ["请填写合同编号。"]
    elif Contract.objects.filter(center=center, number=contract.number).exclude(pk=contract.pk).exists():
        errors["number"] = [f"合同编号 {contract.number} 已被使用。"]
    if not contract.title:
        errors["title"] = ["请填写合同名称。"]
    if not contract.start or not contract.end:
        errors["start"] = ["请填写合同起止日期。"]
    elif contract.end < contract.start:
        errors["end"] = ["截止日期不能早于起始日期。"]
    if contract.status not in Contract.Status.values:
        errors["status"] = ["合同状态无效。"]
    if contract.salesperson_id and not contract.salesperson.memberships.filter(center=center).exists():
        errors["salesperson"] = ["业务员不是本中心的人员。"]
    try:
        contract.amount = money(contract.amount, "amount", "合同金额")
    except ValidationError as exc:
        errors.update(exc.message_dict)
    try:
        discount = Decimal(str(contract.discount))
        if not discount.is_finite() or not Decimal(0) < discount <= 1:
            raise InvalidOperation
        contract.discount = discount.quantize(Decimal("0.001"), rounding=ROUND_HALF_UP)
    except (InvalidOperation, ValueError):
        errors["discount"] = ["折扣应在 0 到 1 之间，如 0.85 表示八五折，1 为不打折。"]
    if errors:
        raise ValidationError(errors)
    if contract.status == Contract.Status.SIGNED and not contract.signed_on:
        contract.signed_on = timezone.localdate()
    if not creating:
        booked = booked_total(contract)
        if contract.amount < booked:
            raise ValidationError({"amount": [f"合同金额不能少于已排期金额 {yuan(booked)}。"]})
        paid = paid_total(contract)
        if contract.amount < paid:
            raise ValidationError({"amount": [f"合同金额不能少于已回款 {yuan(paid)}。"]})
        outside = contract.bookings.filter(status__in=Booking.HOLDING).exclude(start__gte=contract.start,
                                                                                end__lte=contract.end).first()
        if outside is not None:
            raise ValidationError({"start": [(f"排期 #{outside.pk}《{outside.title}》（{outside.start}–{outside.end}）"
                                             f"不在新的合同期内，请先调整或取消该排期。")]})
        contract.version += 1
    contract.save()
    record("ads.contract_create" if creating else "ads.contract_update", actor=actor, center=center, obj=contract,
           before=before, after=_contract_state(contract))
    return contract


@transaction.atomic
def set_contract_status(*, contract: Contract, actor: User, status: str, expected_version: int | None = None) -> Contract:
    contract = Contract.objects.select_for_update().get(pk=contract.pk)
    _stale(contract, expected_version)
    allowed = {
        Contract.Status.DRAFT: {Contract.Status.SIGNED, Contract.Status.CANCELLED},
        Contract.Status.SIGNED: {Contract.Status.FINISHED, Contract.Status.CANCELLED},
        Contract.Status.FINISHED: set(), Contract.Status.CANCELLED: set(),
    }
    if status not in allowed.get(contract.status, set()):
        label = dict(Contract.Status.choices).get(status, status)
        raise refuse(f"合同 {contract.number} 现为“{contract.get_status_display()}”，不能改为“{label}”。", status=409)
    if status == Contract.Status.CANCELLED:
        if contract.bookings.filter(status__in=Booking.HOLDING).exists():
            raise refuse(f"合同 {contract.number} 还有未取消的排期，请先取消排期再作废合同。", status=409)
        if contract.payments.exists():
            raise refuse(f"合同 {contract.number} 已有回款，不能作废。", status=409)
    before = contract.status
    contract.status = status
    if status == Contract.Status.SIGNED and not contract.signed_on:
        contract.signed_on = timezone.localdate()
    contract.version += 1
    contract.save()
    record("ads.contract_status", actor=actor, center=contract.center, obj=contract,
           before={"status": before}, after={"status": status})
    return contract


@transaction.atomic
def add_contract_file(*, contract: Contract, actor: User, upload) -> ContractFile:
    check_upload(upload, "file", CONTRACT_TYPES)
    item = ContractFile.objects.create(contract=contract, file=upload, name=upload.name[:200], uploaded_by=actor)
    record("ads.contract_file", actor=actor, center=contract.center, obj=contract, after={"file": item.name})
    return item


# --- Bookings --------------------------------------------------------------------------------

def units_for(slot: Slot, start: dt.date, end: dt.date, quantity: int) -> Decimal:
    """How many units of sale a booking is: days, weeks begun, insertions, or seconds
    (insertions × the slot's length)."""
    days = (end - start).days + 1
    if slot.unit == Slot.Unit.DAY:
        return Decimal(days)
    if slot.unit == Slot.Unit.WEEK:
        return Decimal(math.ceil(days / 7))
    if slot.unit == Slot.Unit.SECOND:
        return Decimal(quantity * (slot.seconds or 1))
    return Decimal(quantity)


def price(slot: Slot, start: dt.date, end: dt.date, quantity: int, discount: Decimal) -> tuple[Decimal, Decimal]:
    units = units_for(slot, start, end, quantity)
    return units, (slot.list_price * units * discount).quantize(CENT, rounding=ROUND_HALF_UP)


def clash(slot: Slot, start: dt.date, end: dt.date, exclude: Booking | None = None) -> Booking | None:
    """A booking holding `slot` on some day of start..end (both included)."""
    qs = Booking.objects.filter(slot=slot, status__in=Booking.HOLDING, start__lte=end, end__gte=start)
    if exclude is not None:
        qs = qs.exclude(pk=exclude.pk)
    return qs.order_by("start", "pk").first()


def clash_message(slot: Slot, other: Booking) -> str:
    return (f"“{slot.name}”在 {other.start:%Y-%m-%d} 至 {other.end:%Y-%m-%d} 已被排期 #{other.pk}《{other.title}》"
            f"占用，时间重叠，不能重复预订。")


def _check_dates(start, end) -> None:
    if not isinstance(start, dt.date) or not isinstance(end, dt.date):
        raise ValidationError({"start": ["请填写开始和结束日期。"]})
    if end < start:
        raise ValidationError({"end": ["结束日期不能早于开始日期。"]})
    if (end - start).days > 366:
        raise ValidationError({"end": ["一次排期最长一年，请分开预订。"]})


@transaction.atomic
def create_booking(*, center: Center, actor: User, contract: Contract, slot: Slot, start: dt.date, end: dt.date,
                   quantity: int = 1, title: str = "", text: str = "", media=None) -> Booking:
    """Book `slot` for start..end under `contract`. Refused (409) when the slot is taken on
    any of those days, or when the contract's amount would be exceeded; nothing written."""
    _check_dates(start, end)
    title = (title or "").strip()
    text = (text or "").strip()
    errors: dict[str, list[str]] = {}
    if not title:
        errors["title"] = ["请填写广告标题。"]
    elif len(title) > 100:
        errors["title"] = ["广告标题最多 100 字。"]
    if len(text) > 5000:
        errors["text"] = ["广告文案最多 5000 字。"]
    if not isinstance(quantity, int) or isinstance(quantity, bool) or not 1 <= quantity <= 100000:
        errors["quantity"] = ["次数应为 1 到 100000 之间的整数。"]
    if errors:
        raise ValidationError(errors)
    if media:
        check_upload(media, "media", MEDIA_TYPES)
    # Lock order: contract, then slot (everywhere), so two bookings never deadlock.
    contract = Contract.objects.select_for_update().get(pk=contract.pk, center=center)
    slot = Slot.objects.select_for_update().get(pk=slot.pk, center=center)
    if contract.status not in Contract.BOOKABLE:
        raise refuse(f"合同 {contract.number} {contract.get_status_display()}，不能再预订排期。", status=409)
    if not slot.is_active:
        raise ValidationError({"slot": [f"“{slot.name}”已停售，不能预订。"]})
    if start < contract.start or end > contract.end:
        raise ValidationError({"start": [f"排期须在合同期内（{contract.start:%Y-%m-%d} 至 {contract.end:%Y-%m-%d}）。"]})
    other = clash(slot, start, end)
    if other is not None:
        raise refuse(clash_message(slot, other), status=409, field="start")
    units, amount = price(slot, start, end, quantity, contract.discount)
    booked = booked_total(contract)
    if booked + amount > contract.amount:
        raise refuse(f"合同金额不足：合同 {contract.number} 金额 {yuan(contract.amount)}，已排期 {yuan(booked)}，"
                     f"本次 {yuan(amount)}，超出 {yuan(booked + amount - contract.amount)}。", status=409)
    booking = Booking.objects.create(
        center=center, contract=contract, slot=slot, start=start, end=end, quantity=quantity, units=units,
        list_price=slot.list_price, discount=contract.discount, amount=amount, title=title, text=text,
        media=media or "", created_by=actor)
    booking.findings = content_findings(booking)
    booking.save(update_fields=["findings"])
    record("ads.booking_create", actor=actor, center=center, obj=booking,
           after={"slot": slot.name, "start": start.isoformat(), "end": end.isoformat(), "amount": str(amount)})
    _ask_approvers(booking, actor)
    return booking


def _ask_approvers(booking: Booking, actor: User) -> None:
    from django.urls import reverse

    approvers = [u for u in people_with(booking.center, "ads.approve") if u.pk != actor.pk]
    if approvers:
        notify(center=booking.center, recipients=approvers, title=f"待审查广告：{booking.title}",
               body=f"{booking.slot.name} {booking.start:%m-%d}–{booking.end:%m-%d}",
               url=reverse("ads:booking", args=[booking.pk]), event="ad_review_pending")


@transaction.atomic
def update_content(*, booking: Booking, actor: User, title: str, text: str, media=None,
                   expected_version: int | None = None) -> Booking:
    """The salesperson changes the ad's words (after a return, or before review); the
    content goes back to 待审查. Approved content changed is reviewed again too."""
    booking = Booking.objects.select_for_update().get(pk=booking.pk)
    _stale(booking, expected_version)
    if booking.status == Booking.Status.CANCELLED:
        raise refuse("排期已取消，不能修改内容。", status=409)
    title, text = (title or "").strip(), (text or "").strip()
    if not title:
        raise ValidationError({"title": ["请填写广告标题。"]})
    if len(title) > 100:
        raise ValidationError({"title": ["广告标题最多 100 字。"]})
    if len(text) > 5000:
        raise ValidationError({"text": ["广告文案最多 5000 字。"]})
    if media:
        check_upload(media, "media", MEDIA_TYPES)
        booking.media = media
    before = {"title": booking.title, "text": booking.text, "status": booking.status}
    booking.title, booking.text = title, text
    booking.status = Booking.Status.PENDING
    booking.findings = content_findings(booking)
    booking.version += 1
    booking.save()
    record("ads.booking_content", actor=actor, center=booking.center, obj=booking, before=before,
           after={"title": title, "text": text, "status": booking.status})
    _ask_approvers(booking, actor)
    return booking


@transaction.atomic
def cancel_booking(*, booking: Booking, actor: User, expected_version: int | None = None) -> Booking:
    booking = Booking.objects.select_for_update().get(pk=booking.pk)
    _stale(booking, expected_version)
    if booking.status == Booking.Status.CANCELLED:
        raise refuse("排期已经取消。", status=409)
    if booking.proofs.exists():
        raise refuse("已登记刊播证明的排期不能取消。", status=409)
    before = booking.status
    booking.status = Booking.Status.CANCELLED
    booking.version += 1
    booking.save()
    record("ads.booking_cancel", actor=actor, center=booking.center, obj=booking, before={"status": before},
           after={"status": booking.status})
    return booking


# --- Content review (广告审查) ----------------------------------------------------------------

FIELD_LABELS = {"title": "标题", "text": "文案"}


def content_findings(booking: Booking) -> list[dict]:
    """What the checks find in the ad's words: the review app's checks (the center's
    sensitive words, prescribed wording, officials' titles, typos, dates) plus our lexicon
    of the Advertising Law's absolute terms. Each finding with its field and place."""
    from rongmei.review import checks as review_checks
    from rongmei.review.services import check_text

    fields = {"title": booking.title, "text": booking.text}
    found = []
    for f in check_text(booking.center, fields):
        text = fields.get(f.field, "")
        found.append({"check": f.check, "label": review_checks.CHECK_LABELS.get(f.check, f.check),
                      "severity": f.severity, "field": f.field, "start": f.start, "end": f.end, "text": f.text,
                      "message": f.message, "context": text[max(0, f.start - 8): f.end + 8]})
    for name, text in fields.items():
        found += [hit.as_dict(text) for hit in adlaw.find(text, name)]
    for f in found:
        f["field_label"] = FIELD_LABELS.get(f["field"], f["field"])
    found.sort(key=lambda f: (f["field"] != "title", f["start"], f["end"]))
    return found


def blocking(findings: list[dict]) -> list[dict]:
    return [f for f in findings if f["severity"] == "block"]


@transaction.atomic
def approve(*, booking: Booking, actor: User, note: str = "", expected_version: int | None = None) -> Booking:
    """广告审查通过. Not by the person who booked it (separation of duties); refused while
    any blocking finding remains — banned absolute terms are never waved through."""
    booking = Booking.objects.select_for_update().get(pk=booking.pk)
    _stale(booking, expected_version)
    if booking.created_by_id == actor.pk:
        raise refuse("不能审查自己预订的广告：请由其他有审查权限的同事审查。", status=403)
    if booking.status != Booking.Status.PENDING:
        raise refuse(f"该排期现为“{booking.get_status_display()}”，不在待审查状态。", status=409)
    findings = content_findings(booking)
    stops = blocking(findings)
    if stops:
        where = "；".join(f"{f['field_label']}第 {f['start'] + 1} 字起“{f['text']}”（{f['label']}）" for f in stops[:8])
        raise refuse(f"广告内容含禁用语，不能通过：{where}。请退回业务员修改后再审。", status=409)
    booking.status = Booking.Status.APPROVED
    booking.findings = findings
    booking.review_note = (note or "").strip()[:300]
    booking.reviewed_by = actor
    booking.reviewed_at = timezone.now()
    booking.version += 1
    booking.save()
    record("ads.booking_approve", actor=actor, center=booking.center, obj=booking,
           after={"status": booking.status, "findings": len(findings)})
    return booking


@transaction.atomic
def return_for_changes(*, booking: Booking, actor: User, note: str, expected_version: int | None = None) -> Booking:
    """退回修改, with the reason the salesperson reads."""
    from django.urls import reverse

    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": ["请填写退回原因，告诉业务员要改什么。"]})
    if len(note) > 300:
        raise ValidationError({"note": ["退回原因最多 300 字。"]})
    booking = Booking.objects.select_for_update().get(pk=booking.pk)
    _stale(booking, expected_version)
    if booking.created_by_id == actor.pk:
        raise refuse("不能审查自己预订的广告：请由其他有审查权限的同事审查。", status=403)
    if booking.status != Booking.Status.PENDING:
        raise refuse(f"该排期现为“{booking.get_status_display()}”，不在待审查状态。", status=409)
    booking.status = Booking.Status.RETURNED
    booking.review_note = note
    booking.reviewed_by = actor
    booking.reviewed_at = timezone.now()
    booking.findings = content_findings(booking)
    booking.version += 1
    booking.save()
    record("ads.booking_return", actor=actor, center=booking.center, obj=booking, after={"note": note})
    people = [u for u in (booking.created_by, booking.contract.salesperson) if u is not None]
    notify(center=booking.center, recipients=list({u.pk: u for u in people}.values()),
           title=f"广告被退回修改：{booking.title}", body=note, url=reverse("ads:booking", args=[booking.pk]),
           event="ad_returned")
    return booking


# --- Proofs, payments --------------------------------------------------------------------------

@transaction.atomic
def add_proof(*, booking: Booking, actor: User, run_on: dt.date, upload, note: str = "") -> Proof:
    """刊播证明 for one day the ad ran: only for approved content, within its dates, not in
    the future, one per day."""
    booking = Booking.objects.select_for_update().get(pk=booking.pk)
    if booking.status != Booking.Status.APPROVED:
        raise refuse("只有审查通过的排期才能登记刊播证明。", status=409)
    if not isinstance(run_on, dt.date):
        raise ValidationError({"run_on": ["请填写刊播日期。"]})
    if not booking.start <= run_on <= booking.end:
        raise ValidationError({"run_on": [f"刊播日期须在排期内（{booking.start:%Y-%m-%d} 至 {booking.end:%Y-%m-%d}）。"]})
    if run_on > timezone.localdate():
        raise ValidationError({"run_on": ["还没到这一天，不能登记刊播证明。"]})
    if not upload:
        raise ValidationError({"file": ["请上传照片、截图或 PDF。"]})
    check_upload(upload, "file", PROOF_TYPES)
    if booking.proofs.filter(run_on=run_on).exists():
        raise refuse(f"{run_on:%Y-%m-%d} 的刊播证明已经登记过了。", status=409, field="run_on")
    proof = Proof.objects.create(booking=booking, run_on=run_on, file=upload, note=(note or "").strip()[:200],
                                 uploaded_by=actor)
    record("ads.proof_add", actor=actor, center=booking.center, obj=booking, after={"run_on": run_on.isoformat()})
    return proof


@transaction.atomic
def add_payment(*, contract: Contract, actor: User, amount, paid_on: dt.date, method: str = Payment.Method.TRANSFER,
                receipt_no: str = "", note: str = "") -> Payment:
    """回款: never more than is still owed on the contract (its amount less what was paid)."""
    value = money(amount, "amount", "回款金额", allow_zero=False)
    if not isinstance(paid_on, dt.date):
        raise ValidationError({"paid_on": ["请填写到账日期。"]})
    if paid_on > timezone.localdate():
        raise ValidationError({"paid_on": ["到账日期不能晚于今天。"]})
    if method not in Payment.Method.values:
        raise ValidationError({"method": ["请选择回款方式。"]})
    contract = Contract.objects.select_for_update().get(pk=contract.pk)
    if contract.status in (Contract.Status.DRAFT, Contract.Status.CANCELLED):
        raise refuse(f"合同 {contract.number} {contract.get_status_display()}，不能登记回款。", status=409)
    owed = contract.amount - paid_total(contract)
    if value > owed:
        raise ValidationError({"amount": [(f"回款金额 {yuan(value)} 超过合同 {contract.number} 尚欠的 {yuan(owed)}"
                                          f"（合同金额 {yuan(contract.amount)}）。")]})
    receipt_no = (receipt_no or "").strip()[:40]
    if receipt_no and Payment.objects.filter(center=contract.center, receipt_no=receipt_no).exists():
        raise ValidationError({"receipt_no": [f"收据号 {receipt_no} 已经登记过。"]})
    payment = Payment.objects.create(center=contract.center, contract=contract, amount=value, paid_on=paid_on,
                                     method=method, receipt_no=receipt_no, note=(note or "").strip()[:200],
                                     recorded_by=actor)
    record("ads.payment_add", actor=actor, center=contract.center, obj=payment,
           after={"contract": contract.number, "amount": str(value)})
    return payment
