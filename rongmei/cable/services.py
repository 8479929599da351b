"""Every change the cable-TV desk makes: one function here, one transaction, one audit
event; the screens, the API, the demo and the scheduler call these.

Counter transactions lock the subscriber's row (SELECT … FOR UPDATE) and, when the caller
passes the version it showed, refuse with 409 "已被他人修改" if someone else got there
first. A set-top box is handed out with a conditional UPDATE (only while it is in stock and
nobody's), so of two clerks racing for one box exactly one gets it; the other is told
"该机顶盒已分配给用户 …" and nothing of their transaction is written.
"""

from __future__ import annotations

import calendar
import datetime as dt
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from rongmei.cable.models import (
    Call,
    Definition,
    DeskSettings,
    Device,
    Package,
    Subscriber,
    Transaction,
    WorkOrder,
)
from rongmei.core.models import Area, Membership
from rongmei.core.permissions import PERMISSIONS, ROLES
from rongmei.core.services import notify, record

VIEW, COUNTER, HOTLINE, REPAIR, MANAGE = "cable.view", "cable.counter", "cable.hotline", "cable.repair", "cable.manage"
MAX_MONTHS = 36
ACCOUNT_PREFIX = "YX"
ACCOUNT_DIGITS = 7

AUDIT_LABELS = {
    "cable.settings_save": "修改维修时限",
    "cable.package_add": "新增有线套餐", "cable.package_toggle": "停售/恢复有线套餐",
    "cable.devices_add": "机顶盒入库", "cable.device_status": "变更机顶盒状态",
    "cable.open": "有线开户", "cable.package": "有线套餐变更", "cable.swap": "高标清互换",
    "cable.payment": "有线缴费", "cable.stop": "有线停机", "cable.resume": "有线复机", "cable.close": "有线销户",
    "cable.call": "受理热线来电", "cable.call_close": "热线来电办结",
    "cable.dispatch": "派发维修工单", "cable.reassign": "改派维修工单", "cable.on_site": "维修到场",
    "cable.finish": "维修完成", "cable.confirm": "登记用户确认", "cable.escalate": "维修工单超时督办",
    "cable.export": "导出有线月度统计",
}


# --- helpers ---------------------------------------------------------------------------------------

def _conflict(message: str) -> ValidationError:
    exc = ValidationError(message)
    exc.api_status = 409
    return exc


def _require(user, perm: str, center) -> None:
    if user is None:  # the system (the scheduler, the demo)
        return
    if not user.has_perm(perm, center):
        raise PermissionDenied(f"您在{center.name}没有“{PERMISSIONS.get(perm, perm)}”的权限。")


def _require_any(user, perms: tuple[str, ...], center) -> None:
    if user is None or any(user.has_perm(p, center) for p in perms):
        return
    raise PermissionDenied(f"您在{center.name}没有“{PERMISSIONS.get(perms[0], perms[0])}”的权限。")


def _text(value, *, field: str, what: str, limit: int, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ValidationError({field: [f"请填写{what}。"]})
    if len(value) > limit:
        raise ValidationError({field: [f"{what}最多 {limit} 个字，现在是 {len(value)} 个字。"]})
    return value


def _phone(value, field: str = "phone") -> str:
    value = (value or "").strip().replace(" ", "").replace("-", "")
    if not value:
        raise ValidationError({field: ["请填写联系电话。"]})
    if not value.isascii() or not value.isdigit() or not 7 <= len(value) <= 12:
        raise ValidationError({field: ["联系电话应为 7–12 位数字（手机或座机）。"]})
    return value


def _months(value) -> int:
    try:
        months = int(str(value).strip())
    except (TypeError, ValueError):
        raise ValidationError({"months": ["缴费月数应为整数。"]}) from None
    if months <= 0:
        raise ValidationError({"months": ["缴费月数须大于 0：不能缴 0 元或负数。"]})
    if months > MAX_MONTHS:
        raise ValidationError({"months": [f"一次最多预缴 {MAX_MONTHS} 个月。"]})
    return months


def add_months(day: dt.date, months: int) -> dt.date:
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def today(center) -> dt.date:
    import zoneinfo

    return timezone.now().astimezone(zoneinfo.ZoneInfo(center.timezone)).date()


def _locked(subscriber: Subscriber, expected_version) -> Subscriber:
    current = Subscriber.objects.select_for_update().select_related("package", "center").get(pk=subscriber.pk)
    if expected_version not in (None, "") and int(expected_version) != current.version:
        raise _conflict(f"用户 {current.account} 的资料已被他人修改（刚办理过业务），请刷新后再办理。")
    return current


def _bump(subscriber: Subscriber, fields: list[str]) -> None:
    subscriber.version += 1
    subscriber.save(update_fields=[*fields, "version", "updated_at"])


def _log(subscriber: Subscriber, kind: str, user, **fields) -> Transaction:
    return Transaction.objects.create(center=subscriber.center, subscriber=subscriber, kind=kind, done_by=user,
                                      done_at=timezone.now(), **fields)


def _sync(target, source) -> None:
    """Copy the saved state back to the caller's instance (views keep using it)."""
    for field in ("status", "paid_until", "package_id", "version"):
        if hasattr(source, field):
            setattr(target, field, getattr(source, field))


def people_with(center, perm: str) -> list:
    roles = [code for code, role in ROLES.items() if perm in role.permissions]
    ms = Membership.objects.filter(center=center, role__in=roles, user__is_active=True).select_related("user")
    return sorted({m.user_id: m.user for m in ms}.values(), key=lambda u: u.pk)


def technicians(center) -> list:
    return people_with(center, REPAIR)


def managers(center) -> list:
    return people_with(center, MANAGE)


# --- settings, packages, devices (cable.manage) ----------------------------------------------------

def settings_for(center) -> DeskSettings:
    row = DeskSettings.objects.filter(center=center).first()
    if row is None:
        row, _ = DeskSettings.objects.get_or_create(center=center)
    return row


def deadline_hours(subscriber: Subscriber) -> int:
    s = settings_for(subscriber.center)
    urban = s.urban_townships.filter(pk=subscriber.township_id).exists()
    return s.urban_hours if urban else s.rural_hours


@transaction.atomic
def save_settings(center, user, *, urban_hours, rural_hours, urban_township_ids, expected_version=None) -> DeskSettings:
    _require(user, MANAGE, center)
    settings_for(center)
    row = DeskSettings.objects.select_for_update().get(center=center)
    if expected_version not in (None, "") and int(expected_version) != row.version:
        raise _conflict("维修时限已被他人修改，请刷新后再保存。")
    errors = {}
    hours = {}
    for field, value, what in (("urban_hours", urban_hours, "城区修复时限"), ("rural_hours", rural_hours, "乡镇修复时限")):
        try:
            hours[field] = int(str(value).strip())
            if not 1 <= hours[field] <= 720:
                raise ValueError
        except (TypeError, ValueError):
            errors[field] = [f"{what}应为 1–720 之间的整数（小时）。"]
    ids = [int(i) for i in urban_township_ids or [] if str(i).isdigit()]
    towns = list(Area.objects.filter(center=center, parent__isnull=True, pk__in=ids))
    if len(towns) != len(set(ids)):
        errors["urban_townships"] = ["所选乡镇/街道不在本中心。"]
    if errors:
        raise ValidationError(errors)
    before = {"urban_hours": row.urban_hours, "rural_hours": row.rural_hours,
              "urban": sorted(row.urban_townships.values_list("pk", flat=True))}
    row.urban_hours, row.rural_hours = hours["urban_hours"], hours["rural_hours"]
    row.version += 1
    row.save()
    row.urban_townships.set(towns)
    record("cable.settings_save", actor=user, center=center, obj=row, before=before,
           after={"urban_hours": row.urban_hours, "rural_hours": row.rural_hours, "urban": sorted(t.pk for t in towns)})
    return row


def _definition(value, field: str = "definition") -> str:
    if value not in Definition.values:
        raise ValidationError({field: ["清晰度应为高清（hd）或标清（sd）。"]})
    return value


@transaction.atomic
def add_package(center, user, *, name, monthly_fee, definition, channels="") -> Package:
    _require(user, MANAGE, center)
    name = _text(name, field="name", what="套餐名称", limit=50)
    try:
        fee = Decimal(str(monthly_fee).strip())
        if not fee.is_finite():
            raise ValueError
    except (ArithmeticError, ValueError):
        raise ValidationError({"monthly_fee": ["月费应为金额，如 25.00。"]}) from None
    if fee <= 0 or fee >= 10000:
        raise ValidationError({"monthly_fee": ["月费应大于 0 且小于 10000 元。"]})
    if fee.as_tuple().exponent < -2:
        raise ValidationError({"monthly_fee": ["月费最多两位小数。"]})
    definition = _definition(definition)
    channels = _text(channels, field="channels", what="频道说明", limit=200, required=False)
    if Package.objects.filter(center=center, name=name).exists():
        raise ValidationError({"name": [f"已有名为“{name}”的套餐。"]})
    package = Package.objects.create(center=center, name=name, monthly_fee=fee, definition=definition, channels=channels)
    record("cable.package_add", actor=user, center=center, obj=package,
           after={"name": name, "monthly_fee": str(fee), "definition": definition})
    return package


@transaction.atomic
def toggle_package(package: Package, user) -> Package:
    _require(user, MANAGE, package.center)
    package.is_active = not package.is_active
    package.save(update_fields=["is_active"])
    record("cable.package_toggle", actor=user, center=package.center, obj=package, after={"is_active": package.is_active})
    return package


@transaction.atomic
def add_devices(center, user, *, serials, model, definition) -> list[Device]:
    """机顶盒入库: one or more serial numbers (one a line) of one model."""
    _require(user, MANAGE, center)
    model = _text(model, field="model", what="型号", limit=50)
    definition = _definition(definition)
    lines = [s.strip() for s in (serials or "").replace(",", "\n").replace("，", "\n").splitlines() if s.strip()]
    if not lines:
        raise ValidationError({"serials": ["请填写序列号，每行一个。"]})
    if len(lines) > 500:
        raise ValidationError({"serials": ["一次最多入库 500 台。"]})
    for i, serial in enumerate(lines, 1):
        if len(serial) > 40 or not serial.isascii() or not serial.replace("-", "").isalnum():
            raise ValidationError({"serials": [f"第 {i} 行“{serial[:40]}”不是有效的序列号（字母、数字和连字符，最多 40 位）。"]})
    dupes = sorted({s for s in lines if lines.count(s) > 1})
    if dupes:
        raise ValidationError({"serials": [f"序列号重复填写：{'、'.join(dupes[:5])}。"]})
    taken = list(Device.objects.filter(center=center, serial__in=lines).values_list("serial", flat=True)[:5])
    if taken:
        raise ValidationError({"serials": [f"这些序列号已经入库：{'、'.join(taken)}。"]})
    devices = Device.objects.bulk_create([Device(center=center, serial=s, model=model, definition=definition) for s in lines])
    record("cable.devices_add", actor=user, center=center, after={"count": len(lines), "model": model, "definition": definition,
                                                                  "serials": lines[:50]})
    return devices


@transaction.atomic
def set_device_status(device: Device, user, status: str) -> Device:
    """故障/报废/回库 for a box nobody uses (a box in use comes back through a swap or 销户)."""
    _require(user, MANAGE, device.center)
    current = Device.objects.select_for_update().get(pk=device.pk)
    if status not in (Device.Status.STOCK, Device.Status.FAULTY, Device.Status.SCRAPPED):
        raise ValidationError({"status": ["只能改为在库、故障或报废。"]})
    if current.subscriber_id:
        raise ValidationError({"status": [f"机顶盒 {current.serial} 正在用户 {current.subscriber.account} 家使用，请先办理高标清互换或销户收回。"]})
    if current.status == Device.Status.SCRAPPED:
        raise ValidationError({"status": [f"机顶盒 {current.serial} 已报废，不能再改状态。"]})
    before = current.status
    current.status = status
    current.save(update_fields=["status"])
    device.status = status
    record("cable.device_status", actor=user, center=device.center, obj=current, before={"status": before}, after={"status": status})
    return current


# --- the counter ----------------------------------------------------------------------------------

def _claim_device(center, device_or_serial, subscriber: Subscriber, *, definition: str | None = None,
                  field: str = "device") -> Device:
    """Hand a box out: refused unless it is in stock and nobody's (conditional UPDATE)."""
    if isinstance(device_or_serial, Device):
        device = device_or_serial
    else:
        serial = (device_or_serial or "").strip()
        if not serial:
            raise ValidationError({field: ["请填写要发放的机顶盒序列号。"]})
        device = Device.objects.filter(center=center, serial=serial).first()
        if device is None:
            raise ValidationError({field: [f"没有序列号为“{serial[:40]}”的机顶盒，请先入库。"]})
    if device.center_id != center.pk:
        raise ValidationError({field: ["没有这台机顶盒。"]})
    if definition and device.definition != definition:
        want = Definition(definition).label
        raise ValidationError({field: [f"机顶盒 {device.serial} 是{device.get_definition_display()}机顶盒，这里需要{want}机顶盒。"]})
    won = Device.objects.filter(pk=device.pk, status=Device.Status.STOCK, subscriber__isnull=True).update(
        status=Device.Status.IN_USE, subscriber=subscriber, assigned_at=timezone.now())
    if not won:
        current = Device.objects.select_related("subscriber").get(pk=device.pk)
        if current.subscriber_id:
            raise _conflict(f"该机顶盒已分配给用户 {current.subscriber.account}（{current.subscriber.masked_name}），"
                            f"不能再分配。请换一台在库的机顶盒。") if current.subscriber_id != subscriber.pk else \
                ValidationError({field: [f"机顶盒 {current.serial} 已经在这位用户家使用。"]})
        raise ValidationError({field: [f"机顶盒 {current.serial} 的状态是“{current.get_status_display()}”，只能发放在库的机顶盒。"]})
    device.refresh_from_db()
    return device


def _release(device: Device) -> None:
    Device.objects.filter(pk=device.pk).update(status=Device.Status.STOCK, subscriber=None, assigned_at=None)


def _next_account(center) -> str:
    """Drawn under the center's settings row lock: two new accounts never get one number."""
    settings_for(center)
    DeskSettings.objects.select_for_update().get(center=center)
    last = (Subscriber.objects.filter(center=center, account__startswith=ACCOUNT_PREFIX)
            .order_by("-account").values_list("account", flat=True).first())
    number = int(last[len(ACCOUNT_PREFIX):]) + 1 if last and last[len(ACCOUNT_PREFIX):].isdigit() else 1
    return f"{ACCOUNT_PREFIX}{number:0{ACCOUNT_DIGITS}d}"


def _package(center, value, field: str = "package") -> Package:
    package = value if isinstance(value, Package) else (
        Package.objects.filter(center=center, pk=value).first() if str(value or "").isdigit() else None)
    if package is None or package.center_id != center.pk:
        raise ValidationError({field: ["请选择本中心的套餐。"]})
    if not package.is_active:
        raise ValidationError({field: [f"套餐“{package.name}”已停售，请选择在售的套餐。"]})
    return package


def _areas(center, township, village) -> tuple[Area, Area | None]:
    town = township if isinstance(township, Area) else (
        Area.objects.filter(center=center, parent__isnull=True, pk=township).first() if str(township or "").isdigit() else None)
    if town is None or town.center_id != center.pk or town.parent_id is not None:
        raise ValidationError({"township": ["请选择本县的乡镇/街道。"]})
    vil = None
    if village not in (None, ""):
        vil = village if isinstance(village, Area) else (
            Area.objects.filter(center=center, pk=village).first() if str(village).isdigit() else None)
        if vil is None or vil.parent_id != town.pk:
            raise ValidationError({"village": [f"所选村/社区不属于{town.name}。"]})
    return town, vil


@transaction.atomic
def open_account(center, user, *, name, phone, township, address, package, device, village=None, id_tail="",
                 months=1) -> Subscriber:
    """开户: the account, its first box (in stock, of the package's definition) and the
    first payment, one transaction."""
    _require(user, COUNTER, center)
    name = _text(name, field="name", what="户主姓名", limit=50)
    phone = _phone(phone)
    id_tail = (id_tail or "").strip().upper()
    if id_tail and (len(id_tail) != 4 or not id_tail.isascii() or not (id_tail[:3].isdigit() and (id_tail[3].isdigit() or id_tail[3] == "X"))):
        raise ValidationError({"id_tail": ["身份证只登记后四位（数字，末位可为 X）。"]})
    town, vil = _areas(center, township, village)
    address = _text(address, field="address", what="详细地址", limit=200)
    package = _package(center, package)
    months = _months(months)
    day = today(center)
    subscriber = Subscriber.objects.create(
        center=center, account=_next_account(center), name=name, phone=phone, id_tail=id_tail, township=town, village=vil,
        address=address, package=package, paid_until=add_months(day, months), opened_on=day)
    box = _claim_device(center, device, subscriber, definition=package.definition)
    amount = package.monthly_fee * months
    _log(subscriber, Transaction.Kind.OPEN, user, amount=amount, months=months, new_package=package, new_device=box,
         paid_until=subscriber.paid_until)
    record("cable.open", actor=user, center=center, obj=subscriber,
           after={"account": subscriber.account, "package": package.name, "device": box.serial, "months": months,
                  "amount": str(amount)})
    return subscriber


def _must_be(current: Subscriber, *statuses: str, doing: str) -> None:
    if current.status not in statuses:
        raise _conflict(f"用户 {current.account} 目前是“{current.get_status_display()}”状态，不能办理{doing}。")


@transaction.atomic
def change_package(subscriber: Subscriber, user, package, *, expected_version=None, note="") -> Transaction:
    _require(user, COUNTER, subscriber.center)
    current = _locked(subscriber, expected_version)
    _must_be(current, Subscriber.Status.ACTIVE, doing="套餐变更")
    new = _package(current.center, package)
    if new.pk == current.package_id:
        raise ValidationError({"package": [f"用户已经是“{new.name}”套餐。"]})
    boxes = list(current.devices.all())
    if new.definition == Definition.HD and boxes and not any(b.definition == Definition.HD for b in boxes):
        raise ValidationError({"package": ["高清套餐需要高清机顶盒：请先办理高标清互换。"]})
    old = current.package
    current.package = new
    _bump(current, ["package"])
    row = _log(current, Transaction.Kind.PACKAGE, user, old_package=old, new_package=new,
               note=_text(note, field="note", what="备注", limit=200, required=False))
    record("cable.package", actor=user, center=current.center, obj=current, before={"package": old.name}, after={"package": new.name})
    _sync(subscriber, current)
    subscriber.package = new
    return row


@transaction.atomic
def swap(subscriber: Subscriber, user, *, old_device, new_device, package=None, expected_version=None) -> Transaction:
    """高标清互换: the old box back to stock, a new one of the other definition to the
    subscriber; optionally a package of the new definition at the same time."""
    _require(user, COUNTER, subscriber.center)
    current = _locked(subscriber, expected_version)
    _must_be(current, Subscriber.Status.ACTIVE, doing="高标清互换")
    old = old_device if isinstance(old_device, Device) else (
        Device.objects.filter(center=current.center, subscriber=current, pk=old_device).first()
        if str(old_device or "").isdigit() else None)
    if old is None or old.subscriber_id != current.pk:
        raise ValidationError({"old_device": ["请选择这位用户正在使用的机顶盒。"]})
    other = Definition.SD if old.definition == Definition.HD else Definition.HD
    new_package = _package(current.center, package, "package") if package not in (None, "") else None
    if new_package is not None and new_package.definition != other:
        raise ValidationError({"package": [f"换成{Definition(other).label}机顶盒时，套餐应选{Definition(other).label}套餐。"]})
    _release(old)
    box = _claim_device(current.center, new_device, current, definition=other, field="new_device")
    fields = []
    old_package = current.package
    if new_package is not None and new_package.pk != current.package_id:
        current.package = new_package
        fields.append("package")
    _bump(current, fields)
    row = _log(current, Transaction.Kind.SWAP, user, old_device=old, new_device=box,
               old_package=old_package if fields else None, new_package=new_package if fields else None,
               note=f"{old.get_definition_display()}换{box.get_definition_display()}")
    record("cable.swap", actor=user, center=current.center, obj=current, before={"device": old.serial, "package": old_package.name},
           after={"device": box.serial, "package": current.package.name})
    _sync(subscriber, current)
    subscriber.package = current.package
    return row


@transaction.atomic
def pay(subscriber: Subscriber, user, months, *, expected_version=None) -> Transaction:
    """缴费: months × the package's fee; paid-until moves on from today or from where it was."""
    _require(user, COUNTER, subscriber.center)
    months = _months(months)
    current = _locked(subscriber, expected_version)
    _must_be(current, Subscriber.Status.ACTIVE, Subscriber.Status.STOPPED, doing="缴费")
    amount = current.package.monthly_fee * months
    start = max(current.paid_until, today(current.center))
    before = current.paid_until
    current.paid_until = add_months(start, months)
    _bump(current, ["paid_until"])
    row = _log(current, Transaction.Kind.PAYMENT, user, amount=amount, months=months, paid_until=current.paid_until)
    record("cable.payment", actor=user, center=current.center, obj=current, before={"paid_until": str(before)},
           after={"paid_until": str(current.paid_until), "months": months, "amount": str(amount)})
    _sync(subscriber, current)
    return row


def _switch(subscriber: Subscriber, user, *, to: str, note: str, expected_version, already: str, check=None) -> Transaction:
    """停机 or 复机: the subscriber between ACTIVE and STOPPED, one counter transaction."""
    stopping = to == Subscriber.Status.STOPPED
    _require(user, COUNTER, subscriber.center)
    current = _locked(subscriber, expected_version)
    if current.status == to:
        raise _conflict(already.format(account=current.account))
    was = Subscriber.Status.ACTIVE if stopping else Subscriber.Status.STOPPED
    _must_be(current, was, doing="停机" if stopping else "复机")
    if check is not None:
        check(current)
    current.status = to
    _bump(current, ["status"])
    row = _log(current, Transaction.Kind.STOP if stopping else Transaction.Kind.RESUME, user,
               note=_text(note, field="note", what="停机原因" if stopping else "备注", limit=200, required=False))
    record("cable.stop" if stopping else "cable.resume", actor=user, center=current.center, obj=current,
           before={"status": str(was)}, after={"status": str(to)})
    _sync(subscriber, current)
    return row


@transaction.atomic
def stop(subscriber: Subscriber, user, *, note="", expected_version=None) -> Transaction:
    return _switch(subscriber, user, to=Subscriber.Status.STOPPED, note=note, expected_version=expected_version,
                   already="用户 {account} 已经是停机状态。")


def _paid_up(current: Subscriber) -> None:
    if current.paid_until < today(current.center):
        raise ValidationError({"__all__": [f"用户 {current.account} 只缴费到 {current.paid_until:%Y-%m-%d}，请先缴费再复机。"]})


@transaction.atomic
def resume(subscriber: Subscriber, user, *, note="", expected_version=None) -> Transaction:
    return _switch(subscriber, user, to=Subscriber.Status.ACTIVE, note=note, expected_version=expected_version,
                   already="用户 {account} 正常在用，不需要复机。", check=_paid_up)


@transaction.atomic
def close_account(subscriber: Subscriber, user, *, note="", expected_version=None) -> Transaction:
    """销户: every box back to stock."""
    _require(user, COUNTER, subscriber.center)
    current = _locked(subscriber, expected_version)
    _must_be(current, Subscriber.Status.ACTIVE, Subscriber.Status.STOPPED, doing="销户")
    if current.orders.filter(status__in=WorkOrder.OPEN).exists():
        raise ValidationError({"__all__": [f"用户 {current.account} 还有未完成的维修工单，完成后再销户。"]})
    boxes = list(current.devices.all())
    for box in boxes:
        _release(box)
    before = current.status
    current.status = Subscriber.Status.CLOSED
    _bump(current, ["status"])
    row = _log(current, Transaction.Kind.CLOSE, user, old_device=boxes[0] if boxes else None,
               note=_text(note, field="note", what="销户原因", limit=200, required=False))
    record("cable.close", actor=user, center=current.center, obj=current, before={"status": before},
           after={"status": "closed", "returned": [b.serial for b in boxes]})
    _sync(subscriber, current)
    return row


COUNTER_ACTIONS = {"package": change_package, "swap": swap, "payment": pay, "stop": stop, "resume": resume,
                   "close": close_account}


# --- the hotline and work orders --------------------------------------------------------------------

def _technician(center, value):
    from rongmei.core.models import User

    person = value if isinstance(value, User) else (
        User.objects.filter(pk=value).first() if str(value or "").isdigit() else None)
    if person is None or not person.is_active or not person.has_perm(REPAIR, center):
        raise ValidationError({"technician": ["请选择本中心的维修技术员。"]})
    return person


def _subscriber(center, value) -> Subscriber:
    sub = value if isinstance(value, Subscriber) else (
        Subscriber.objects.filter(center=center, pk=value).first() if str(value or "").isdigit() else None)
    if sub is None or sub.center_id != center.pk:
        raise ValidationError({"subscriber": ["请先查找并选择来电的用户（用户号、电话或姓名）。"]})
    return sub


def _dispatch(center, user, subscriber: Subscriber, fault: str, technician, call: Call | None = None) -> WorkOrder:
    if subscriber.status == Subscriber.Status.CLOSED:
        raise ValidationError({"subscriber": [f"用户 {subscriber.account} 已销户，不能派维修工单。"]})
    person = _technician(center, technician)
    hours = deadline_hours(subscriber)
    now = timezone.now()
    order = WorkOrder.objects.create(center=center, subscriber=subscriber, call=call, fault=fault, technician=person,
                                     dispatched_by=user, dispatched_at=now, deadline_hours=hours,
                                     due_at=now + dt.timedelta(hours=hours))
    record("cable.dispatch", actor=user, center=center, obj=order,
           after={"technician": person.pk, "due_at": order.due_at.isoformat(), "hours": hours})
    due = timezone.localtime(order.due_at).strftime("%m月%d日 %H:%M")
    notify(center=center, recipients=[person], title=f"新维修工单 {order.code}：{subscriber.full_address}"[:200],
           body=f"{fault[:200]}（{due} 前修复）", url=f"/cable/orders/{order.pk}/", event="assignment")
    return order


@transaction.atomic
def take_call(center, user, *, subscriber, kind, notes, caller_phone="", technician=None, open_call=False,
              answer="") -> Call:
    """热线受理. A fault call dispatches its work order in the same transaction; a
    consultation is answered now, or left open to call back."""
    _require(user, HOTLINE, center)
    if kind not in Call.Kind.values:
        raise ValidationError({"kind": ["来电类型应为咨询或故障报修。"]})
    sub = _subscriber(center, subscriber)
    notes = _text(notes, field="notes", what="来电内容", limit=1000)
    caller_phone = (caller_phone or "").strip()
    if caller_phone:
        caller_phone = _phone(caller_phone, "caller_phone")
    answer = _text(answer, field="answer", what="答复", limit=500, required=False)
    now = timezone.now()
    is_open = bool(open_call) and kind == Call.Kind.CONSULT
    if kind == Call.Kind.FAULT:
        _technician(center, technician)  # refuse before anything is written
    call = Call.objects.create(center=center, kind=kind, subscriber=sub, caller_phone=caller_phone, notes=notes,
                               answer=answer, is_open=is_open, taken_by=user, taken_at=now,
                               closed_at=None if (is_open or kind == Call.Kind.FAULT) else now)
    record("cable.call", actor=user, center=center, obj=call, after={"kind": kind, "subscriber": sub.account})
    if kind == Call.Kind.FAULT:
        _dispatch(center, user, sub, notes[:500], technician, call)
    return call


@transaction.atomic
def close_call(call: Call, user, answer: str) -> Call:
    _require(user, HOTLINE, call.center)
    current = Call.objects.select_for_update().get(pk=call.pk)
    if not current.is_open:
        raise _conflict("这条来电已经办结。")
    current.answer = _text(answer, field="answer", what="答复", limit=500)
    current.is_open = False
    current.closed_at = timezone.now()
    current.save(update_fields=["answer", "is_open", "closed_at"])
    record("cable.call_close", actor=user, center=call.center, obj=current, after={"answer": current.answer})
    call.answer, call.is_open, call.closed_at = current.answer, False, current.closed_at
    return current


@transaction.atomic
def dispatch(center, user, *, subscriber, fault, technician) -> WorkOrder:
    """A work order without a call (the counter or the manager saw the fault)."""
    _require_any(user, (HOTLINE, MANAGE), center)
    sub = _subscriber(center, subscriber)
    return _dispatch(center, user, sub, _text(fault, field="fault", what="故障描述", limit=500), technician)


def _locked_order(order: WorkOrder, expected_version) -> WorkOrder:
    current = WorkOrder.objects.select_for_update().select_related("center", "subscriber").get(pk=order.pk)
    if expected_version not in (None, "") and int(expected_version) != current.version:
        raise _conflict(f"工单 {current.code} 已被他人修改，请刷新后再操作。")
    return current


def _may_work(order: WorkOrder, user) -> None:
    """The technician it is dispatched to, or a cable manager."""
    if user is None or user.has_perm(MANAGE, order.center):
        return
    if user.has_perm(REPAIR, order.center) and order.technician_id == user.pk:
        return
    raise PermissionDenied(f"工单 {order.code} 派给了{order.technician}，只有本人或有线网络主管可以登记处理。")


def _save_order(order: WorkOrder, current: WorkOrder, fields: list[str]) -> None:
    current.version += 1
    current.save(update_fields=[*fields, "version"])
    for f in [*fields, "version"]:
        setattr(order, f, getattr(current, f))


@transaction.atomic
def reassign(order: WorkOrder, user, technician, *, expected_version=None) -> WorkOrder:
    _require_any(user, (HOTLINE, MANAGE), order.center)
    current = _locked_order(order, expected_version)
    if not current.is_open:
        raise _conflict(f"工单 {current.code} 已经{current.get_status_display()}，不能改派。")
    person = _technician(current.center, technician)
    if person.pk == current.technician_id:
        raise ValidationError({"technician": ["工单已经派给这位技术员。"]})
    before = current.technician_id
    current.technician = person
    current.status = WorkOrder.Status.DISPATCHED
    current.on_site_at = None
    _save_order(order, current, ["technician", "status", "on_site_at"])
    record("cable.reassign", actor=user, center=current.center, obj=current, before={"technician": before},
           after={"technician": person.pk})
    notify(center=current.center, recipients=[person], title=f"改派给您的维修工单 {current.code}", body=current.fault[:200],
           url=f"/cable/orders/{current.pk}/", event="assignment")
    return current


@transaction.atomic
def arrive(order: WorkOrder, user, *, expected_version=None) -> WorkOrder:
    _may_work(order, user)
    current = _locked_order(order, expected_version)
    if current.status != WorkOrder.Status.DISPATCHED:
        raise _conflict(f"工单 {current.code} 目前是“{current.get_status_display()}”，不能再登记到场。")
    current.status, current.on_site_at = WorkOrder.Status.ON_SITE, timezone.now()
    _save_order(order, current, ["status", "on_site_at"])
    record("cable.on_site", actor=user, center=current.center, obj=current, after={"status": "on_site"})
    return current


@transaction.atomic
def finish(order: WorkOrder, user, *, fixed: bool, result, expected_version=None) -> WorkOrder:
    _may_work(order, user)
    current = _locked_order(order, expected_version)
    if current.status != WorkOrder.Status.ON_SITE:
        if current.status == WorkOrder.Status.DISPATCHED:
            raise ValidationError({"__all__": [f"工单 {current.code} 还没有登记到场，请先点“已到场”。"]})
        raise _conflict(f"工单 {current.code} 已经{current.get_status_display()}。")
    current.result = _text(result, field="result", what="处理结果" if fixed else "未修复的原因", limit=500)
    current.status = WorkOrder.Status.FIXED if fixed else WorkOrder.Status.NOT_FIXED
    current.finished_at = timezone.now()
    _save_order(order, current, ["status", "result", "finished_at"])
    record("cable.finish", actor=user, center=current.center, obj=current,
           after={"status": current.status, "on_time": current.on_time})
    return current


@transaction.atomic
def confirm(order: WorkOrder, user, *, satisfaction, note="", expected_version=None) -> WorkOrder:
    """用户确认: recorded by the technician on site or by the hotline calling back."""
    if user is not None and not (user.has_perm(HOTLINE, order.center) or user.has_perm(MANAGE, order.center)):
        _may_work(order, user)
    current = _locked_order(order, expected_version)
    if current.is_open:
        raise ValidationError({"__all__": [f"工单 {current.code} 还没有处理完，不能登记用户确认。"]})
    if current.confirmed_at:
        raise _conflict(f"工单 {current.code} 已经登记过用户确认。")
    if satisfaction not in WorkOrder.Satisfaction.values:
        raise ValidationError({"satisfaction": ["请选择满意或不满意。"]})
    note = _text(note, field="confirmation_note", what="评价说明", limit=300,
                 required=satisfaction == WorkOrder.Satisfaction.UNSATISFIED)
    current.satisfaction, current.confirmation_note = satisfaction, note
    current.confirmed_at, current.confirmed_by = timezone.now(), user
    _save_order(order, current, ["satisfaction", "confirmation_note", "confirmed_at", "confirmed_by"])
    record("cable.confirm", actor=user, center=current.center, obj=current, after={"satisfaction": satisfaction})
    if satisfaction == WorkOrder.Satisfaction.UNSATISFIED:
        notify(center=current.center, recipients=managers(current.center), title=f"用户不满意：工单 {current.code}",
               body=note[:200], url=f"/cable/orders/{current.pk}/", event="cable_overdue")
    return current


# --- escalation (the scheduler, every 10 minutes) -------------------------------------------------------

def escalate(now: dt.datetime | None = None) -> int:
    """Mark every open order past its deadline overdue and tell its technician and the
    center's cable managers (urgent), once per order."""
    now = now or timezone.now()
    count = 0
    late = (WorkOrder.objects.filter(status__in=WorkOrder.OPEN, due_at__lt=now, escalated_at__isnull=True)
            .select_related("center", "subscriber", "technician"))
    for order in late:
        with transaction.atomic():
            if not WorkOrder.objects.filter(pk=order.pk, escalated_at__isnull=True).update(escalated_at=now):
                continue  # another run got it
            hours = int((now - order.due_at).total_seconds() // 3600)
            people = list({u.pk: u for u in [order.technician, *managers(order.center)]}.values())
            due = timezone.localtime(order.due_at).strftime("%m月%d日 %H:%M")
            notify(center=order.center, recipients=people, title=f"维修工单超时：{order.code}"[:200],
                   body=f"{order.subscriber.full_address} 的故障（{order.fault[:80]}）应于 {due} 前修复，"
                        f"已超时{f' {hours} 小时' if hours else ''}，维修员：{order.technician}。",
                   url=f"/cable/orders/{order.pk}/", event="cable_overdue", urgent=True)
            record("cable.escalate", actor=None, center=order.center, obj=order,
                   after={"due_at": order.due_at.isoformat(), "technician": order.technician_id})
            count += 1
    return count
