"""直播制作: every write, one use case per function, each in one transaction, audited.

Refusals are `ValidationError`s with a Chinese message naming the field or the clash;
those about state rather than values (a stale version, a person or camera already taken,
a wrong status) carry `api_status = 409`. Nothing is half-written: the public stream
(portal.LiveStream) and the production change in the same transaction.

No double booking. A person or a piece of equipment is taken for a production's booking
window (planned start to planned end). Assigning locks the person's / equipment's row
(`select_for_update`, which PostgreSQL honours; on SQLite every write transaction begins
IMMEDIATE — settings.py — so writers are serialised anyway) and only then looks for an
overlapping assignment, so of two bookings racing for one camera exactly one wins.
Changing a production's times locks all its people and equipment in a fixed order
(equipment, then people, each by id) and checks them again."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from rongmei.core.models import Center, Department, User
from rongmei.core.selectors import staff
from rongmei.core.services import notify, record
from rongmei.core.validators import validate_public_url
from rongmei.live.models import (
    CheckItem,
    CrewAssignment,
    Equipment,
    EquipmentAssignment,
    Production,
    Segment,
    StreamSettings,
)
from rongmei.portal import live_services
from rongmei.portal.models import LiveStream

DEFAULT_CHECKS = (
    ("信号：机位画面与切换台输出正常", True),
    ("音频：话筒、调音台与播出声音正常", True),
    ("备用线路：备用推流线路（5G 背包或第二路宽带）已测试", True),
    ("字幕与角标：台标、字幕条、嘉宾姓名职务无误", True),
    ("屏幕文字已审核（标题、字幕、二维码与链接）", True),
    ("推流测试：测试推流，拉流地址可播放", True),
    ("现场电源与网络已确认", False),
)
STALE = "这场直播已被他人修改，请刷新后再操作。"
MAX_HOURS = 24

AUDIT_LABELS = {
    "live.settings_save": "修改推拉流设置",
    "live.equipment_save": "保存直播设备",
    "live.book": "登记直播预约", "live.update": "修改直播预约", "live.cancel": "取消直播",
    "live.crew_add": "安排直播人员", "live.crew_remove": "撤下直播人员",
    "live.equipment_add": "安排直播设备", "live.equipment_remove": "撤下直播设备",
    "live.segment_add": "添加串词单环节", "live.segment_remove": "删除串词单环节",
    "live.check_tick": "完成播前检查项", "live.check_untick": "撤销播前检查项", "live.check_add": "添加播前检查项",
    "live.start": "开播", "live.end": "结束直播", "live.replay": "发布直播回放", "live.key_reset": "重置推流密钥",
}


def _conflict(message) -> ValidationError:
    exc = ValidationError(message)
    exc.api_status = 409
    return exc


def _local(center: Center, moment: dt.datetime) -> dt.datetime:
    try:
        zone = ZoneInfo(center.timezone or "Asia/Shanghai")
    except Exception:  # noqa: BLE001 — a bad zone name must not break a refusal message
        zone = ZoneInfo("Asia/Shanghai")
    return timezone.localtime(moment, zone)


def window_text(center: Center, start: dt.datetime, end: dt.datetime) -> str:
    a, b = _local(center, start), _local(center, end)
    tail = f"{b:%H:%M}" if a.date() == b.date() else f"{b.month}月{b.day}日 {b:%H:%M}"
    return f"{a.month}月{a.day}日 {a:%H:%M}–{tail}"


# --- Settings and equipment --------------------------------------------------------------------------------

def settings_of(center: Center) -> StreamSettings | None:
    return StreamSettings.objects.filter(center=center).first()


def _check_base(value: str, field: str, schemes: tuple[str, ...]) -> str:
    value = (value or "").strip().rstrip("/")
    if not value:
        return ""
    if not value.startswith(tuple(f"{s}://" for s in schemes)) or any(c in value for c in " \"'<>?#"):
        shown = " 或 ".join(f"{s}://" for s in schemes)
        raise ValidationError({field: [f"地址应以 {shown} 开头，不含空格、引号、问号和 #。"]})
    return value


def save_settings(*, center: Center, user: User, push_base: str, pull_base: str,
                  expected_version: int | None = None) -> StreamSettings:
    push = _check_base(push_base, "push_base", ("rtmp", "rtmps", "srt"))
    pull = _check_base(pull_base, "pull_base", ("http", "https"))
    if pull:
        try:
            validate_public_url(pull + "/x.m3u8")
        except ValidationError as exc:
            raise ValidationError({"pull_base": exc.messages}) from exc
    with transaction.atomic():
        current, _ = StreamSettings.objects.select_for_update().get_or_create(center=center)
        if expected_version is not None and expected_version != current.version:
            raise _conflict("推拉流设置已被他人修改，请刷新后再保存。")
        before = {"push_base": current.push_base, "pull_base": current.pull_base}
        current.push_base, current.pull_base, current.updated_by = push, pull, user
        current.version += 1
        current.save()
        record("live.settings_save", actor=user, center=center, obj=current, before=before,
               after={"push_base": push, "pull_base": pull})
    return current


@dataclass
class EquipmentData:
    kind: str
    name: str
    asset_number: str
    note: str = ""
    is_active: bool = True


def save_equipment(*, center: Center, user: User, data: EquipmentData, equipment: Equipment | None = None) -> Equipment:
    errors: dict[str, list[str]] = {}
    if data.kind not in Equipment.Kind.values:
        errors["kind"] = ["请选择设备类型。"]
    name, number = (data.name or "").strip(), (data.asset_number or "").strip()
    if not name:
        errors["name"] = ["请填写名称型号。"]
    if not number:
        errors["asset_number"] = ["请填写资产编号。"]
    elif len(number) > 40:
        errors["asset_number"] = ["资产编号最多 40 个字。"]
    if len(name) > 100:
        errors["name"] = ["名称型号最多 100 个字。"]
    if len(data.note or "") > 200:
        errors["note"] = ["备注最多 200 个字。"]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        taken = Equipment.objects.filter(center=center, asset_number=number)
        if equipment is not None:
            taken = taken.exclude(pk=equipment.pk)
        if taken.exists():
            raise ValidationError({"asset_number": [f"资产编号 {number} 已登记给另一件设备。"]})
        item = equipment or Equipment(center=center)
        item.kind, item.name, item.asset_number, item.note, item.is_active = (data.kind, name, number,
                                                                              (data.note or "").strip(), data.is_active)
        item.save()
        record("live.equipment_save", actor=user, center=center, obj=item,
               after={"kind": item.kind, "name": name, "asset_number": number, "is_active": item.is_active})
    return item


# --- Booking -------------------------------------------------------------------------------------------------

@dataclass
class BookingData:
    title: str
    kind: str
    place: str
    planned_start: dt.datetime | None
    planned_end: dt.datetime | None
    summary: str = ""
    client_id: int | None = None
    department_id: int | None = None
    contact: str = ""
    contact_phone: str = ""
    fee: Decimal | None = None
    note: str = ""


def push_url(production: Production, conf: StreamSettings | None) -> str:
    if conf is None or not conf.push_base:
        return ""
    return f"{conf.push_base}/{production.stream_name}?key={production.stream_key}"


def pull_url(production: Production, conf: StreamSettings | None) -> str:
    if conf is None or not conf.pull_base:
        return ""
    return f"{conf.pull_base}/{production.stream_name}.m3u8"


def _clean_booking(center: Center, data: BookingData) -> dict:
    from rongmei.ads import selectors as ads

    errors: dict[str, list[str]] = {}
    title, place = (data.title or "").strip(), (data.place or "").strip()
    if not title:
        errors["title"] = ["请填写直播标题。"]
    elif len(title) > 100:
        errors["title"] = ["直播标题最多 100 个字。"]
    if len(data.summary or "") > 300:
        errors["summary"] = ["简介最多 300 个字。"]
    if data.kind not in Production.Kind.values:
        errors["kind"] = ["请选择直播类型。"]
    if not place:
        errors["place"] = ["请填写直播地点。"]
    elif len(place) > 200:
        errors["place"] = ["地点最多 200 个字。"]
    for field, limit, label in (("contact", 100, "对方联系人"), ("contact_phone", 30, "联系电话"), ("note", 2000, "备注")):
        if len(getattr(data, field) or "") > limit:
            errors[field] = [f"{label}最多 {limit} 个字。"]
    start, end = data.planned_start, data.planned_end
    if start is None:
        errors["planned_start"] = ["请填写计划开始时间。"]
    if end is None:
        errors["planned_end"] = ["请填写计划结束时间。"]
    if start and end:
        if end <= start:
            errors["planned_end"] = ["计划结束时间应晚于开始时间。"]
        elif end - start > dt.timedelta(hours=MAX_HOURS):
            errors["planned_end"] = [f"一场直播最长 {MAX_HOURS} 小时；更长的活动请分场预约。"]
    client = department = None
    if data.client_id and data.department_id:
        errors["client_id"] = ["客户和政府部门只选一个：这场直播是谁预约的？"]
    elif data.client_id:
        client = ads.client_of(center, data.client_id)
        if client is None:
            errors["client_id"] = ["找不到这个客户。"]
    elif data.department_id:
        department = Department.objects.filter(center=center, pk=data.department_id).first()
        if department is None:
            errors["department_id"] = ["找不到这个政府部门。"]
    else:
        errors["client_id"] = ["请选择预约的客户或政府部门。"]
    if data.fee is not None and (data.fee < 0 or data.fee >= Decimal("1e10")):
        errors["fee"] = ["费用应为 0 到 9999999999.99 元。"]
    if errors:
        raise ValidationError(errors)
    return {"title": title, "place": place, "client": client, "department": department}


def book(*, center: Center, user: User, data: BookingData) -> Production:
    clean = _clean_booking(center, data)
    conf = settings_of(center)
    if conf is None or not conf.pull_base:
        raise ValidationError("本中心还没有设置推拉流服务器：请直播主管先在“推拉流设置”中填写 HLS 拉流地址。")
    with transaction.atomic():
        production = Production(center=center, kind=data.kind, client=clean["client"], department=clean["department"],
                                place=clean["place"], contact=(data.contact or "").strip(),
                                contact_phone=(data.contact_phone or "").strip(), fee=data.fee, note=data.note or "",
                                planned_start=data.planned_start, planned_end=data.planned_end, booked_by=user)
        stream = live_services.save_stream(center, None, title=clean["title"], summary=(data.summary or "").strip(),
                                           starts_at=data.planned_start, ends_at=data.planned_end,
                                           player=LiveStream.Player.VIDEO, player_url=pull_url(production, conf),
                                           is_active=True)
        production.stream = stream
        production.save()
        CheckItem.objects.bulk_create([CheckItem(center=center, production=production, order=i, label=label,
                                                 required=required) for i, (label, required) in enumerate(DEFAULT_CHECKS)])
        record("live.book", actor=user, center=center, obj=production,
               after={"title": clean["title"], "kind": data.kind, "for": production.booked_for,
                      "window": window_text(center, data.planned_start, data.planned_end)})
    return production


def _locked(production: Production, expected_version: int | None) -> Production:
    current = Production.objects.select_for_update().select_related("stream").get(pk=production.pk)
    if expected_version is not None and expected_version != current.version:
        raise _conflict(STALE)
    return current


def _bump(production: Production) -> None:
    production.version += 1
    production.save()


def update_booking(production: Production, *, user: User, data: BookingData,
                   expected_version: int | None = None) -> Production:
    center = production.center
    clean = _clean_booking(center, data)
    with transaction.atomic():
        current = _locked(production, expected_version)
        if current.status not in (Production.Status.SCHEDULED, Production.Status.LIVE):
            raise _conflict(f"这场直播{current.get_status_display()}，不能再修改预约。")
        moved = (current.planned_start, current.planned_end) != (data.planned_start, data.planned_end)
        if current.status == Production.Status.LIVE and data.planned_start != current.planned_start:
            raise _conflict("直播已经开始，不能再改开始时间。")
        if moved:
            _lock_resources(current)
            _check_free(current, data.planned_start, data.planned_end)
        before = {"title": current.stream.title, "window": window_text(center, current.planned_start, current.planned_end),
                  "place": current.place}
        for field in ("kind", "contact_phone", "contact", "fee", "note", "planned_start", "planned_end"):
            setattr(current, field, getattr(data, field))
        current.place, current.client, current.department = clean["place"], clean["client"], clean["department"]
        stream_values = {"title": clean["title"], "summary": (data.summary or "").strip()}
        if current.status == Production.Status.SCHEDULED:
            stream_values |= {"starts_at": data.planned_start, "ends_at": data.planned_end}
        else:
            stream_values |= {"ends_at": max(data.planned_end, timezone.now() + dt.timedelta(minutes=5))}
        live_services.save_stream(center, current.stream, **stream_values)
        _bump(current)
        record("live.update", actor=user, center=center, obj=current, before=before,
               after={"title": clean["title"], "window": window_text(center, data.planned_start, data.planned_end),
                      "place": clean["place"]})
    return current


def cancel(production: Production, *, user: User, reason: str, expected_version: int | None = None) -> Production:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": ["请写明取消原因。"]})
    if len(reason) > 200:
        raise ValidationError({"reason": ["取消原因最多 200 个字。"]})
    with transaction.atomic():
        current = _locked(production, expected_version)
        if current.status != Production.Status.SCHEDULED:
            raise _conflict(f"只有待播的直播可以取消；这场{current.get_status_display()}。")
        current.status, current.cancelled_at, current.cancelled_by, current.cancel_reason = (
            Production.Status.CANCELLED, timezone.now(), user, reason)
        live_services.save_stream(production.center, current.stream, is_active=False)
        _bump(current)
        record("live.cancel", actor=user, center=production.center, obj=current, after={"reason": reason})
    return current


def reset_key(production: Production, *, user: User) -> Production:
    from rongmei.live.models import new_stream_key

    with transaction.atomic():
        current = _locked(production, None)
        if current.status not in (Production.Status.SCHEDULED,):
            raise _conflict("只有开播前可以重置推流密钥。")
        current.stream_key = new_stream_key()
        _bump(current)
        record("live.key_reset", actor=user, center=production.center, obj=current)
    return current


# --- Crew and equipment: no double booking ---------------------------------------------------------------------

def _lock_resources(production: Production) -> None:
    equipment_ids = sorted(production.equipment.values_list("equipment_id", flat=True))
    person_ids = sorted(production.crew.values_list("person_id", flat=True))
    if equipment_ids:
        list(Equipment.objects.select_for_update().filter(pk__in=equipment_ids).order_by("pk").values_list("pk"))
    if person_ids:
        list(User.objects.select_for_update().filter(pk__in=person_ids).order_by("pk").values_list("pk"))


def _overlapping(production: Production, start: dt.datetime, end: dt.datetime):
    return (Production.objects.filter(center=production.center, planned_start__lt=end, planned_end__gt=start)
            .exclude(pk=production.pk).exclude(status=Production.Status.CANCELLED))


def _person_clash(production: Production, person: User, start, end) -> str | None:
    other = (CrewAssignment.objects.filter(person=person, production__in=_overlapping(production, start, end))
             .select_related("production__stream").order_by("production__planned_start").first())
    if other is None:
        return None
    p = other.production
    return (f"{person}在 "
            f"{window_text(production.center, p.planned_start, p.planned_end)} 已安排在《{p.stream.title}》"
            f"（{other.get_role_display()}），与本场时间重叠。")


def _equipment_clash(production: Production, equipment: Equipment, start, end) -> str | None:
    other = (EquipmentAssignment.objects.filter(equipment=equipment, production__in=_overlapping(production, start, end))
             .select_related("production__stream").order_by("production__planned_start").first())
    if other is None:
        return None
    p = other.production
    kind = equipment.get_kind_display()
    named = str(equipment) if kind.replace(" ", "") in equipment.name.replace(" ", "") else f"{kind} {equipment}"
    return (f"{named}在 "
            f"{window_text(production.center, p.planned_start, p.planned_end)} 已安排给《{p.stream.title}》，"
            f"与本场时间重叠。")


def _check_free(production: Production, start, end) -> None:
    problems = []
    for a in production.equipment.select_related("equipment"):
        if (msg := _equipment_clash(production, a.equipment, start, end)):
            problems.append(msg)
    for a in production.crew.select_related("person"):
        if (msg := _person_clash(production, a.person, start, end)):
            problems.append(msg)
    if problems:
        raise _conflict(["改期后有冲突："] + problems)


def _open_for_changes(production: Production) -> None:
    if production.status not in (Production.Status.SCHEDULED, Production.Status.LIVE):
        raise _conflict(f"这场直播{production.get_status_display()}，不能再调整人员和设备。")


def assign_crew(production: Production, *, user: User, person_id: int | None, role: str) -> CrewAssignment:
    center = production.center
    errors = {}
    person = staff(center).filter(pk=person_id).first() if person_id else None
    if person is None:
        errors["person_id"] = ["请选择本中心的人员。"]
    if role not in CrewAssignment.Role.values:
        errors["role"] = ["请选择岗位：导播、摄像、主持、技术或推流。"]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        current = _locked(production, None)
        _open_for_changes(current)
        User.objects.select_for_update().filter(pk=person.pk).values_list("pk").first()
        if CrewAssignment.objects.filter(production=current, person=person).exists():
            raise _conflict(f"{person}已在本场直播的人员名单中。")
        if (msg := _person_clash(current, person, current.planned_start, current.planned_end)):
            raise _conflict(msg)
        crew = CrewAssignment.objects.create(center=center, production=current, person=person, role=role,
                                             assigned_by=user)
        _bump(current)
        record("live.crew_add", actor=user, center=center, obj=current,
               after={"person": str(person), "role": crew.get_role_display()})
        if person.pk != user.pk:
            from django.urls import reverse

            notify(center=center, recipients=[person], event="assignment",
                   title=f"直播任务：《{current.stream.title}》{crew.get_role_display()}",
                   body=f"{window_text(center, current.planned_start, current.planned_end)}，地点：{current.place}",
                   url=reverse("live:detail", args=[current.pk]))
    return crew


def remove_crew(crew: CrewAssignment, *, user: User) -> None:
    with transaction.atomic():
        current = _locked(crew.production, None)
        _open_for_changes(current)
        record("live.crew_remove", actor=user, center=current.center, obj=current,
               before={"person": str(crew.person), "role": crew.get_role_display()})
        crew.delete()
        _bump(current)


def assign_equipment(production: Production, *, user: User, equipment_id: int | None) -> EquipmentAssignment:
    center = production.center
    equipment = Equipment.objects.filter(center=center, pk=equipment_id).first() if equipment_id else None
    if equipment is None:
        raise ValidationError({"equipment_id": ["请选择本中心登记的设备。"]})
    with transaction.atomic():
        current = _locked(production, None)
        _open_for_changes(current)
        equipment = Equipment.objects.select_for_update().get(pk=equipment.pk)
        if not equipment.is_active:
            raise ValidationError({"equipment_id": [f"{equipment}已停用，不能安排。"]})
        if EquipmentAssignment.objects.filter(production=current, equipment=equipment).exists():
            raise _conflict(f"{equipment}已安排在本场直播。")
        if (msg := _equipment_clash(current, equipment, current.planned_start, current.planned_end)):
            raise _conflict(msg)
        item = EquipmentAssignment.objects.create(center=center, production=current, equipment=equipment,
                                                  assigned_by=user)
        _bump(current)
        record("live.equipment_add", actor=user, center=center, obj=current, after={"equipment": str(equipment)})
    return item


def remove_equipment(item: EquipmentAssignment, *, user: User) -> None:
    with transaction.atomic():
        current = _locked(item.production, None)
        _open_for_changes(current)
        record("live.equipment_remove", actor=user, center=current.center, obj=current,
               before={"equipment": str(item.equipment)})
        item.delete()
        _bump(current)


# --- Run sheet and checklist -------------------------------------------------------------------------------------

def add_segment(production: Production, *, user: User, offset_minutes, length_minutes, content: str,
                who: str = "") -> Segment:
    errors: dict[str, list[str]] = {}
    content, who = (content or "").strip(), (who or "").strip()
    try:
        offset = int(offset_minutes)
        if not 0 <= offset <= MAX_HOURS * 60:
            raise ValueError
    except (TypeError, ValueError):
        errors["offset_minutes"] = [f"开始时间应为开播后 0 到 {MAX_HOURS * 60} 分钟。"]
        offset = 0
    try:
        length = int(length_minutes)
        if not 1 <= length <= MAX_HOURS * 60:
            raise ValueError
    except (TypeError, ValueError):
        errors["length_minutes"] = ["时长应为 1 分钟以上的整数分钟。"]
        length = 0
    if not content:
        errors["content"] = ["请填写这一环节的内容。"]
    elif len(content) > 500:
        errors["content"] = ["内容最多 500 个字。"]
    if len(who) > 100:
        errors["who"] = ["负责人/出镜最多 100 个字。"]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        current = _locked(production, None)
        if current.status not in (Production.Status.SCHEDULED, Production.Status.LIVE):
            raise _conflict(f"这场直播{current.get_status_display()}，串词单不能再改。")
        planned = int((current.planned_end - current.planned_start).total_seconds() // 60)
        if offset + length > planned:
            raise ValidationError({"length_minutes": [f"这一环节在第 {offset + length} 分钟结束，超出了计划时长 {planned} 分钟。"]})
        segment = Segment.objects.create(center=current.center, production=current, offset_minutes=offset,
                                         length_minutes=length, content=content, who=who)
        _bump(current)
        record("live.segment_add", actor=user, center=current.center, obj=current,
               after={"offset": offset, "length": length, "content": content[:100]})
    return segment


def remove_segment(segment: Segment, *, user: User) -> None:
    with transaction.atomic():
        current = _locked(segment.production, None)
        if current.status not in (Production.Status.SCHEDULED, Production.Status.LIVE):
            raise _conflict(f"这场直播{current.get_status_display()}，串词单不能再改。")
        record("live.segment_remove", actor=user, center=current.center, obj=current,
               before={"offset": segment.offset_minutes, "content": segment.content[:100]})
        segment.delete()
        _bump(current)


def tick(item: CheckItem, *, user: User, done: bool = True) -> CheckItem:
    with transaction.atomic():
        current = _locked(item.production, None)
        if current.status != Production.Status.SCHEDULED:
            raise _conflict("开播后播前检查不能再改。")
        item = CheckItem.objects.select_for_update().get(pk=item.pk)
        if done and item.ticked_at is None:
            item.ticked_at, item.ticked_by = timezone.now(), user
        elif not done:
            item.ticked_at, item.ticked_by = None, None
        item.save()
        _bump(current)
        record("live.check_tick" if done else "live.check_untick", actor=user, center=current.center, obj=current,
               after={"item": item.label})
    return item


def add_check(production: Production, *, user: User, label: str, required: bool = True) -> CheckItem:
    label = (label or "").strip()
    if not label:
        raise ValidationError({"label": ["请填写检查项。"]})
    if len(label) > 100:
        raise ValidationError({"label": ["检查项最多 100 个字。"]})
    with transaction.atomic():
        current = _locked(production, None)
        if current.status != Production.Status.SCHEDULED:
            raise _conflict("开播后播前检查不能再改。")
        last = current.checks.order_by("-order").values_list("order", flat=True).first() or 0
        item = CheckItem.objects.create(center=current.center, production=current, order=last + 1, label=label,
                                        required=required)
        _bump(current)
        record("live.check_add", actor=user, center=current.center, obj=current, after={"item": label})
    return item


# --- Status: scheduled → live → ended → replay ------------------------------------------------------------------

def start(production: Production, *, user: User, expected_version: int | None = None) -> Production:
    with transaction.atomic():
        current = _locked(production, expected_version)
        if current.status != Production.Status.SCHEDULED:
            raise _conflict(f"只有待播的直播可以开播；这场{current.get_status_display()}。")
        missing = [c.label for c in current.checks.filter(required=True, ticked_at__isnull=True)]
        if missing:
            raise _conflict(f"播前检查还有 {len(missing)} 项未完成，不能开播：" + "；".join(missing))
        conf = settings_of(current.center)
        url = pull_url(current, conf)
        if not url:
            raise _conflict("本中心没有设置 HLS 拉流地址，无法开播。")
        now = timezone.now()
        current.status, current.started_at, current.started_by = Production.Status.LIVE, now, user
        live_services.save_stream(current.center, current.stream, starts_at=now, player_url=url,
                                  ends_at=max(current.stream.ends_at, now + dt.timedelta(minutes=30)))
        _bump(current)
        record("live.start", actor=user, center=current.center, obj=current, after={"at": now.isoformat()})
    return current


def end(production: Production, *, user: User, expected_version: int | None = None) -> Production:
    with transaction.atomic():
        current = _locked(production, expected_version)
        if current.status != Production.Status.LIVE:
            raise _conflict(f"只有直播中的直播可以结束；这场{current.get_status_display()}。")
        now = timezone.now()
        current.status, current.ended_at, current.ended_by = Production.Status.ENDED, now, user
        live_services.save_stream(current.center, current.stream,
                                  ends_at=max(now, current.stream.starts_at + dt.timedelta(microseconds=1)))
        _bump(current)
        record("live.end", actor=user, center=current.center, obj=current, after={"at": now.isoformat()})
    return current


def publish_replay(production: Production, *, user: User, url: str = "", asset_id: int | None = None,
                   expected_version: int | None = None) -> Production:
    from rongmei.newsroom.selectors import readable_assets

    url = (url or "").strip()
    asset = None
    if asset_id and url:
        raise ValidationError({"url": ["回放视频从素材库选一个，或填写回放地址，只选一种。"]})
    if asset_id:
        asset = readable_assets(production.center, user).filter(pk=asset_id, kind="video").first()
        if asset is None:
            raise ValidationError({"asset_id": ["素材库里找不到这个视频。"]})
        url = asset.file.url
    elif not url:
        raise ValidationError({"url": ["请从素材库选择回放视频，或填写回放地址。"]})
    else:
        if len(url) > 500:
            raise ValidationError({"url": ["回放地址最多 500 个字符。"]})
        try:
            validate_public_url(url, allow_relative=True)
        except ValidationError as exc:
            raise ValidationError({"url": exc.messages}) from exc
    with transaction.atomic():
        current = _locked(production, expected_version)
        if current.status not in (Production.Status.ENDED, Production.Status.REPLAY):
            raise _conflict(f"直播结束后才能发布回放；这场{current.get_status_display()}。")
        before = {"replay_url": current.stream.replay_url}
        current.status, current.replay_at, current.replay_by, current.replay_asset = (
            Production.Status.REPLAY, timezone.now(), user, asset)
        live_services.save_stream(current.center, current.stream, replay_url=url)
        _bump(current)
        record("live.replay", actor=user, center=current.center, obj=current, before=before,
               after={"replay_url": url})
    return current


def extend_running(now: dt.datetime | None = None) -> int:
    """Streams still on air near their public end move it on by 30 minutes, so the portal does
    not list a running broadcast as ended (tasks.py runs this every five minutes)."""
    now = now or timezone.now()
    count = 0
    for production in Production.objects.filter(status=Production.Status.LIVE,
                                                stream__ends_at__lte=now + dt.timedelta(minutes=10)).select_related(
                                                    "stream", "center"):
        with transaction.atomic():
            live_services.save_stream(production.center, production.stream, ends_at=now + dt.timedelta(minutes=30))
        count += 1
    return count
