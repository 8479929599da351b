"""活动运营 use cases: one function per change, one transaction, one audit event.

The rules enforced here (the screens and the API both come through these functions):
- an event's dates are in order, its client is the center's own, its manager a person of
  the center; editing checks the version the person saw ("已被他人修改");
- an expense that would take its budget line over the planned amount is refused, naming the
  line, what is left and what was asked; the check and the addition are one conditional
  UPDATE, so two people spending the last of a line at the same moment cannot both succeed;
- a budget line's planned amount changes only through `change_budget` (events.manage), with
  a reason, recorded as a BudgetChange; an expense line cannot go below what is spent;
- task owners are the center's people who can open the event (events.view); they are told
  when a task is given to them, and reminded the day before it is due (`remind_due`);
- documents are checked by content (a PDF must be a PDF) and size before they are stored.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from rongmei.core.models import Center, User
from rongmei.core.permissions import ROLES
from rongmei.core.services import notify, record
from rongmei.events.models import BudgetChange, BudgetLine, Document, Entry, Event, Task

MAX_AMOUNT = Decimal("9999999999.99")
MAX_DOCUMENT_BYTES = 20 * 1024 * 1024
TASK_EVENT = "events_task"  # the notification event code of a task given or coming due


class Stale(ValidationError):
    """Someone else changed the record since the person opened it: the page shows the
    message, the API answers 409."""

    api_status = 409

    def __init__(self, what: str = "这条记录"):
        super().__init__(f"{what}已被他人修改，请刷新页面查看最新内容后再提交。")


class NotAllowed(ValidationError):
    """Not this person's to do (a task of someone else's): the API answers 403."""

    api_status = 403


def _text(errors: dict, field: str, value, limit: int, label: str, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        errors[field] = [f"请填写{label}。"]
    elif len(value) > limit:
        errors[field] = [f"{label}最多 {limit} 个字，现在 {len(value)} 个字。"]
    return value


def parse_amount(value, label: str = "金额", *, allow_zero: bool = False) -> Decimal:
    """A money amount in yuan from a form or API value: positive (or zero when allowed), at
    most two decimals, below ten billion. Raises ValidationError with a Chinese message."""
    try:
        amount = value if isinstance(value, Decimal) else Decimal(str(value).strip().replace(",", ""))
    except (InvalidOperation, ValueError):
        raise ValidationError(f"{label}应为数字，如 12000 或 3500.50。") from None
    if not amount.is_finite():
        raise ValidationError(f"{label}应为数字，如 12000 或 3500.50。")
    if amount < 0 or (amount == 0 and not allow_zero):
        raise ValidationError(f"{label}须大于 0。" if not allow_zero else f"{label}不能为负数。")
    if amount != amount.quantize(Decimal("0.01")):
        raise ValidationError(f"{label}最多两位小数（精确到分）。")
    if amount > MAX_AMOUNT:
        raise ValidationError(f"{label}太大：不超过 {MAX_AMOUNT:,} 元。")
    return amount.quantize(Decimal("0.01"))


def _money(amount: Decimal) -> str:
    return f"{amount:,.2f} 元"


def managers_roles() -> list[str]:
    return [code for code, role in ROLES.items() if "events.view" in role.permissions]


def may_own_tasks(center: Center):
    """The people a task may be given to: active people of the center who can open events."""
    return (User.objects.filter(is_active=True, memberships__center=center, memberships__role__in=managers_roles())
            .distinct().order_by("username"))


def _same_center(center: Center, *objs) -> None:
    for obj in objs:
        if obj is not None and obj.center_id != center.pk:
            raise ValidationError("所选内容不属于本中心。")


# --- Events --------------------------------------------------------------------------------------------

@dataclass
class EventData:
    name: str
    kind: str
    starts_on: dt.date | None
    ends_on: dt.date | None
    manager: User | None
    venue: str = ""
    client: object = None  # rongmei.ads.models.Client
    status: str = Event.Status.PLANNING
    description: str = ""


def _check_event(center: Center, data: EventData) -> dict:
    errors: dict = {}
    clean = {
        "name": _text(errors, "name", data.name, 100, "活动名称"),
        "venue": _text(errors, "venue", data.venue, 100, "地点", required=False),
        "description": _text(errors, "description", data.description, 5000, "活动说明", required=False),
    }
    if data.kind not in Event.Kind.values:
        errors["kind"] = ["请选择活动类型。"]
    if data.status not in Event.Status.values:
        errors["status"] = ["请选择状态。"]
    if data.starts_on is None:
        errors["starts_on"] = ["请填写开始日期。"]
    if data.ends_on is None:
        errors["ends_on"] = ["请填写结束日期。"]
    if data.starts_on and data.ends_on and data.ends_on < data.starts_on:
        errors["ends_on"] = ["结束日期不能早于开始日期。"]
    if data.manager is None:
        errors["manager"] = ["请选择负责人。"]
    elif not may_own_tasks(center).filter(pk=data.manager.pk).exists():
        errors["manager"] = ["负责人须是本中心能查看活动项目的人员。"]
    if data.client is not None and (data.client.center_id != center.pk):
        errors["client"] = ["所选客户不属于本中心。"]
    if errors:
        raise ValidationError(errors)
    clean.update(kind=data.kind, status=data.status, starts_on=data.starts_on, ends_on=data.ends_on,
                 manager=data.manager, client=data.client)
    return clean


def _event_after(event: Event) -> dict:
    return {"name": event.name, "kind": event.kind, "status": event.status, "starts_on": event.starts_on.isoformat(),
            "ends_on": event.ends_on.isoformat(), "venue": event.venue, "client": event.client_id,
            "manager": event.manager_id}


@transaction.atomic
def create_event(*, center: Center, user: User, data: EventData) -> Event:
    clean = _check_event(center, data)
    event = Event.objects.create(center=center, created_by=user, **clean)
    record("events.create", actor=user, center=center, obj=event, after=_event_after(event))
    if event.manager_id != user.pk:
        notify(center=center, recipients=[event.manager], title=f"您负责的活动：{event.name}",
               body=f"{event.dates_label} · {event.venue}", url=f"/events/{event.pk}/", event=TASK_EVENT)
    return event


@transaction.atomic
def update_event(*, event: Event, user: User, data: EventData, expected_version: int | None) -> Event:
    clean = _check_event(event.center, data)
    before = _event_after(event)
    changed = Event.objects.filter(pk=event.pk, version=expected_version if expected_version else event.version
                                   ).update(version=F("version") + 1, updated_at=timezone.now(), **clean)
    if changed != 1:
        raise Stale("这个活动项目")
    event.refresh_from_db()
    record("events.update", actor=user, center=event.center, obj=event, before=before, after=_event_after(event))
    if event.manager_id != before["manager"] and event.manager_id != user.pk:
        notify(center=event.center, recipients=[event.manager], title=f"您负责的活动：{event.name}",
               body=f"{event.dates_label} · {event.venue}", url=f"/events/{event.pk}/", event=TASK_EVENT)
    return event


def _open(event: Event) -> None:
    if event.status == Event.Status.CANCELLED:
        raise ValidationError(f"活动“{event.name}”已取消，不能再修改预算、任务或文件；如需恢复，请先把状态改回策划中或执行中。")


# --- Budget ----------------------------------------------------------------------------------------------

@transaction.atomic
def add_line(*, event: Event, user: User, direction: str, name: str, planned, note: str = "") -> BudgetLine:
    _open(event)
    errors: dict = {}
    name = _text(errors, "name", name, 60, "预算项目")
    note = _text(errors, "note", note, 200, "说明", required=False)
    if direction not in BudgetLine.Direction.values:
        errors["direction"] = ["请选择支出或收入。"]
    try:
        amount = parse_amount(planned, "预算金额", allow_zero=True)
    except ValidationError as exc:
        errors["planned"] = exc.messages
    if not errors and BudgetLine.objects.filter(event=event, direction=direction, name=name).exists():
        errors["name"] = [f"本活动已有{dict(BudgetLine.Direction.choices)[direction]}项目“{name}”，请换一个名称或调整原有项目。"]
    if errors:
        raise ValidationError(errors)
    line = BudgetLine.objects.create(center=event.center, event=event, direction=direction, name=name,
                                     planned=amount, note=note)
    record("events.line_add", actor=user, center=event.center, obj=line,
           after={"event": event.pk, "direction": direction, "name": name, "planned": str(amount)})
    return line


@transaction.atomic
def change_budget(*, line: BudgetLine, user: User, planned, reason: str, expected_version: int | None = None) -> BudgetChange:
    """Raise (or lower) a line's planned amount, with the reason; only events.manage."""
    if not user.has_perm("events.manage", line.center):
        raise NotAllowed("只有活动项目管理人员可以调整预算。")
    _open(line.event)
    errors: dict = {}
    reason = _text(errors, "reason", reason, 200, "调整原因")
    try:
        amount = parse_amount(planned, "新预算金额", allow_zero=True)
    except ValidationError as exc:
        errors["planned"] = exc.messages
        amount = None
    current = BudgetLine.objects.select_for_update().get(pk=line.pk)
    if expected_version is not None and current.version != expected_version:
        raise Stale(f"预算项目“{current.name}”")
    if amount is not None and amount == current.planned:
        errors["planned"] = [f"新预算与现在的预算（{_money(current.planned)}）相同。"]
    if errors:
        raise ValidationError(errors)
    # The guard is in the UPDATE too: an expense posted meanwhile cannot end up over the new amount.
    guard = Q(pk=current.pk) & (Q(direction=BudgetLine.Direction.INCOME) | Q(actual__lte=amount))
    if BudgetLine.objects.filter(guard).update(planned=amount, version=F("version") + 1) != 1:
        current.refresh_from_db()
        raise ValidationError({"planned": [
            f"预算项目“{current.name}”已支出 {_money(current.actual)}，新预算不能低于已支出金额。"]})
    change = BudgetChange.objects.create(center=line.center, line=current, old_amount=current.planned, new_amount=amount,
                                         reason=reason, changed_by=user)
    record("events.budget_change", actor=user, center=line.center, obj=current,
           before={"planned": str(current.planned)}, after={"planned": str(amount), "reason": reason})
    line.refresh_from_db()
    return change


def _check_upload(upload, label: str) -> str:
    """The upload's extension when it is an allowed document whose content matches it."""
    name = (getattr(upload, "name", "") or "").strip()
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if ext not in ALLOWED:
        raise ValidationError(f"{label}只能是 {'、'.join(sorted(ALLOWED))} 文件。")
    size = getattr(upload, "size", 0) or 0
    if size > MAX_DOCUMENT_BYTES:
        raise ValidationError(f"{label}太大：不超过 {MAX_DOCUMENT_BYTES // (1024 * 1024)} MB。")
    if size == 0:
        raise ValidationError(f"{label}是空文件。")
    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    magic = ALLOWED[ext]
    if magic is not None and not any(head.startswith(m) for m in magic):
        raise ValidationError(f"{label}“{name[-60:]}”的内容与扩展名 .{ext} 不符，可能已损坏或被改过扩展名。")
    if magic is None:  # text: no control bytes beyond tab and line breaks
        upload.seek(0)
        sample = upload.read(4096)
        upload.seek(0)
        if b"\x00" in sample:
            raise ValidationError(f"{label}“{name[-60:]}”不是文本文件。")
    return ext


_ZIP = (b"PK\x03\x04",)
_OLE = (b"\xd0\xcf\x11\xe0",)
ALLOWED: dict[str, tuple[bytes, ...] | None] = {
    "pdf": (b"%PDF",), "docx": _ZIP, "xlsx": _ZIP, "pptx": _ZIP, "doc": _OLE, "xls": _OLE, "ppt": _OLE,
    "wps": _OLE, "jpg": (b"\xff\xd8\xff",), "jpeg": (b"\xff\xd8\xff",), "png": (b"\x89PNG",), "zip": _ZIP,
    "txt": None, "csv": None,
}


@transaction.atomic
def add_entry(*, line: BudgetLine, user: User, date: dt.date | None, party: str, amount, note: str = "",
              attachment=None) -> Entry:
    """Record money paid out of (or received on) a line. An expense that would take the line
    over its budget is refused: raise the budget first (change_budget, with a reason)."""
    event = line.event
    _open(event)
    errors: dict = {}
    party_label = "收款方" if line.direction == BudgetLine.Direction.EXPENSE else "付款方"
    party = _text(errors, "party", party, 100, party_label)
    note = _text(errors, "note", note, 200, "备注", required=False)
    if date is None:
        errors["date"] = ["请填写日期。"]
    elif date > timezone.localdate() + dt.timedelta(days=1):
        errors["date"] = ["日期不能是将来：请在实际支付或收到之后登记。"]
    try:
        value = parse_amount(amount)
    except ValidationError as exc:
        errors["amount"] = exc.messages
        value = None
    if attachment:
        try:
            _check_upload(attachment, "票据")
        except ValidationError as exc:
            errors["attachment"] = exc.messages
    if errors:
        raise ValidationError(errors)
    if line.direction == BudgetLine.Direction.EXPENSE:
        # check and add in one statement: of two people spending the last of a line, one wins
        grew = BudgetLine.objects.filter(pk=line.pk, actual__lte=F("planned") - value).update(
            actual=F("actual") + value)
        if grew != 1:
            fresh = BudgetLine.objects.get(pk=line.pk)
            left = fresh.planned - fresh.actual
            message = (f"超出预算：预算项目“{fresh.name}”预算 {_money(fresh.planned)}，已支出 {_money(fresh.actual)}，"
                       f"剩余 {_money(left)}，本次 {_money(value)}。请先由活动负责人调整预算（写明原因）后再登记。")
            raise ValidationError({"amount": [message]})
    else:
        BudgetLine.objects.filter(pk=line.pk).update(actual=F("actual") + value)
    entry = Entry(center=line.center, line=line, date=date, party=party, amount=value, note=note, created_by=user)
    if attachment:
        entry.attachment.save(attachment.name.rsplit("/", 1)[-1][-100:], attachment, save=False)
    entry.save()
    record("events.entry_add", actor=user, center=line.center, obj=entry,
           after={"line": line.pk, "amount": str(value), "party": party, "date": date.isoformat()})
    line.refresh_from_db()
    return entry


@transaction.atomic
def delete_entry(*, entry: Entry, user: User, reason: str) -> None:
    """Take back an entry recorded by mistake (the line's actual goes down by its amount)."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": ["请写明撤销原因。"]})
    if len(reason) > 200:
        raise ValidationError({"reason": ["撤销原因最多 200 个字。"]})
    _open(entry.line.event)
    locked = Entry.objects.select_for_update().filter(pk=entry.pk).first()
    if locked is None:
        raise Stale("这条收支记录")
    BudgetLine.objects.filter(pk=entry.line_id).update(actual=F("actual") - locked.amount)
    record("events.entry_delete", actor=user, center=entry.center, obj=entry.line,
           before={"entry": entry.pk, "amount": str(entry.amount), "party": entry.party, "date": entry.date.isoformat()},
           after={"reason": reason})
    if locked.attachment:
        name = locked.attachment.name
        transaction.on_commit(lambda: locked.attachment.storage.delete(name))
    locked.delete()


# --- Tasks -------------------------------------------------------------------------------------------------

@transaction.atomic
def add_task(*, event: Event, user: User, title: str, owner: User | None, due_on: dt.date | None, note: str = "") -> Task:
    _open(event)
    errors: dict = {}
    title = _text(errors, "title", title, 100, "任务")
    note = _text(errors, "note", note, 300, "说明", required=False)
    if owner is None:
        errors["owner"] = ["请选择负责人。"]
    elif not may_own_tasks(event.center).filter(pk=owner.pk).exists():
        errors["owner"] = ["负责人须是本中心能查看活动项目的人员。"]
    if due_on is None:
        errors["due_on"] = ["请填写完成期限。"]
    if errors:
        raise ValidationError(errors)
    task = Task.objects.create(center=event.center, event=event, title=title, owner=owner, due_on=due_on, note=note,
                               created_by=user)
    record("events.task_add", actor=user, center=event.center, obj=task,
           after={"event": event.pk, "title": title, "owner": owner.pk, "due_on": due_on.isoformat()})
    if owner.pk != user.pk:
        notify(center=event.center, recipients=[owner], title=f"新活动任务：{title}"[:200],
               body=f"{event.name} · {due_on:%m月%d日}前完成", url=f"/events/{event.pk}/tasks/", event=TASK_EVENT)
    return task


@transaction.atomic
def set_task_status(*, task: Task, user: User, status: str, expected_version: int | None = None) -> Task:
    if status not in Task.Status.values:
        raise ValidationError({"status": ["状态应为待办、进行中或已完成。"]})
    if not (user.has_perm("events.manage", task.center) or task.owner_id == user.pk):
        raise NotAllowed("只有任务负责人或活动项目管理人员可以改任务状态。")
    _open(task.event)
    version = expected_version if expected_version is not None else task.version
    done_at = timezone.now() if status == Task.Status.DONE else None
    if Task.objects.filter(pk=task.pk, version=version).update(status=status, done_at=done_at,
                                                                version=F("version") + 1) != 1:
        raise Stale(f"任务“{task.title}”")
    before = task.status
    task.refresh_from_db()
    record("events.task_status", actor=user, center=task.center, obj=task, before={"status": before},
           after={"status": status})
    return task


def remind_due(now: dt.datetime | None = None) -> int:
    """The periodic reminder: each open task due today or tomorrow (the center's local
    days) tells its owner once. Returns how many were reminded."""
    now = now or timezone.now()
    count = 0
    today = timezone.localtime(now).date()
    due = (Task.objects.filter(status__in=[Task.Status.TODO, Task.Status.DOING], reminded_at__isnull=True)
           .select_related("event", "owner", "center"))
    for task in due.filter(due_on__lte=today + dt.timedelta(days=1)):
        with transaction.atomic():
            if Task.objects.filter(pk=task.pk, reminded_at__isnull=True).update(reminded_at=now) != 1:
                continue
            when = "今天到期" if task.due_on == today else ("明天到期" if task.due_on > today else "已超期")
            notify(center=task.center, recipients=[task.owner], title=f"活动任务{when}：{task.title}"[:200],
                   body=f"{task.event.name} · 期限 {task.due_on:%m月%d日}", url=f"/events/{task.event_id}/tasks/",
                   event=TASK_EVENT)
            count += 1
    return count


# --- Documents ---------------------------------------------------------------------------------------------

@transaction.atomic
def upload_document(*, event: Event, user: User, kind: str, title: str, upload) -> Document:
    _open(event)
    errors: dict = {}
    title = _text(errors, "title", title or (getattr(upload, "name", "") or "").rsplit(".", 1)[0][:100], 100, "文件名称")
    if kind not in Document.Kind.values:
        errors["kind"] = ["请选择文件类别。"]
    if upload is None:
        errors["file"] = ["请选择要上传的文件。"]
    else:
        try:
            _check_upload(upload, "文件")
        except ValidationError as exc:
            errors["file"] = exc.messages
    if errors:
        raise ValidationError(errors)
    original = upload.name.rsplit("/", 1)[-1][-200:]
    doc = Document(center=event.center, event=event, kind=kind, title=title, original_name=original, size=upload.size,
                   uploaded_by=user)
    doc.file.save(original[-100:], upload, save=False)
    doc.save()
    record("events.document_upload", actor=user, center=event.center, obj=doc,
           after={"event": event.pk, "kind": kind, "title": title, "file": original})
    return doc


@transaction.atomic
def delete_document(*, document: Document, user: User) -> None:
    _open(document.event)
    record("events.document_delete", actor=user, center=document.center, obj=document.event,
           before={"document": document.pk, "title": document.title, "file": document.original_name})
    name = document.file.name
    storage = document.file.storage
    document.delete()
    transaction.on_commit(lambda: storage.delete(name))


# --- Coverage plan ---------------------------------------------------------------------------------------

@transaction.atomic
def link_plan(*, event: Event, user: User, plan) -> Event:
    """Tie the event to an existing coverage plan (策划) of the center."""
    if plan is None:
        raise ValidationError({"plan": ["请选择要关联的报道策划。"]})
    _same_center(event.center, plan)
    before = event.plan_id
    Event.objects.filter(pk=event.pk).update(plan=plan, version=F("version") + 1, updated_at=timezone.now())
    event.refresh_from_db()
    record("events.plan_link", actor=user, center=event.center, obj=event, before={"plan": before},
           after={"plan": plan.pk})
    return event


@transaction.atomic
def create_plan(*, event: Event, user: User, title: str = "", description: str = "") -> Event:
    """Open a coverage plan in the newsroom for the event (planning's own service) and link it."""
    from rongmei.planning import services as planning_services

    if event.plan_id:
        raise ValidationError("这个活动已经关联了报道策划；如需换一个，请先取消关联。")
    plan = planning_services.create_plan(
        center=event.center, user=user, title=(title or f"{event.name}报道").strip()[:100],
        description=description or f"活动运营：{event.name}（{event.dates_label}，{event.venue}）的宣传报道。",
        starts_on=event.starts_on - dt.timedelta(days=7), ends_on=event.ends_on + dt.timedelta(days=3))
    return link_plan(event=event, user=user, plan=plan)


@transaction.atomic
def unlink_plan(*, event: Event, user: User) -> Event:
    if not event.plan_id:
        raise ValidationError("这个活动还没有关联报道策划。")
    before = event.plan_id
    Event.objects.filter(pk=event.pk).update(plan=None, version=F("version") + 1, updated_at=timezone.now())
    event.refresh_from_db()
    record("events.plan_unlink", actor=user, center=event.center, obj=event, before={"plan": before}, after={"plan": None})
    return event
