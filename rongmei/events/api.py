"""活动运营 in the staff API: events (list with year, kind, status; create; change with the
version the client saw — 409 "已被他人修改"), budget lines with their totals, entries
(an expense over its line's budget is 422 with the line's figures), budget changes, tasks
(+ complete), documents (list, upload) and the coverage plan link. The same services and
selectors as the screens; reading takes events.view, writing events.manage (a task's owner
may complete their own task); another center's ids are 404. Amounts are decimal strings in
yuan ("3500.50")."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from ninja import Field, File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile

from rongmei.core.api import require
from rongmei.core.api_kit import ERRORS, CursorQuery, LimitQuery, page_of, paginate
from rongmei.core.ids import Id, Version
from rongmei.core.tenancy import get_scoped_or_404
from rongmei.events import selectors, services
from rongmei.events.models import BudgetLine, Document, Entry, Event, Task

router = Router(tags=["活动运营"])

Amount = Field(..., max_digits=12, decimal_places=2, description="金额（元），最多两位小数")


class EventOut(Schema):
    id: int
    name: str
    kind: str = Field(..., description="gala 晚会 / festival 节庆 / contest 赛事 / forum 问政直播 / expo 展会 / other 其他")
    kind_label: str
    starts_on: dt.date
    ends_on: dt.date
    venue: str
    client_id: int | None = Field(None, description="客户登记（广告经营）中的客户")
    client: str | None
    manager_id: int
    manager: str
    status: str = Field(..., description="planning 策划中 / running 执行中 / done 已结束 / cancelled 已取消")
    status_label: str
    description: str
    plan_id: int | None = Field(None, description="关联的报道策划（新闻策划）")
    version: int = Field(..., description="修改时回传，用于并发检查")
    updated_at: dt.datetime


class EventIn(Schema):
    name: str = Field(..., max_length=100)
    kind: str = Field(..., max_length=12)
    starts_on: dt.date
    ends_on: dt.date
    venue: str = Field("", max_length=100)
    client_id: int | None = Field(None, ge=1, le=2**63 - 1)
    manager_id: int = Field(..., ge=1, le=2**63 - 1)
    status: str = Field("planning", max_length=10)
    description: str = Field("", max_length=5000)


class EventChangeIn(EventIn):
    version: Version = Field(..., description="读取时的 version；与当前不符时返回 409")


class BudgetLineOut(Schema):
    id: int
    event_id: int
    direction: str = Field(..., description="expense 支出 / income 收入")
    name: str
    planned: Decimal
    actual: Decimal
    variance: Decimal = Field(..., description="预算减实际")
    used_percent: int
    note: str
    version: int


class BudgetLineIn(Schema):
    direction: str = Field("expense", max_length=8, description="expense 支出 / income 收入")
    name: str = Field(..., max_length=60)
    planned: Decimal = Field(..., max_digits=12, decimal_places=2, description="预算金额（元）")
    note: str = Field("", max_length=200)


class BudgetChangeIn(Schema):
    planned: Decimal = Field(..., max_digits=12, decimal_places=2, description="新预算金额（元）")
    reason: str = Field(..., max_length=200)
    version: Version | None = Field(None, description="读取预算项目时的 version；与当前不符时返回 409")


class BudgetChangeOut(Schema):
    id: int
    line_id: int
    old_amount: Decimal
    new_amount: Decimal
    reason: str
    changed_by: str
    changed_at: dt.datetime


class EntryOut(Schema):
    id: int
    line_id: int
    line: str
    direction: str
    date: dt.date
    party: str = Field(..., description="收款方（支出）或付款方（收入）")
    amount: Decimal
    note: str
    attachment_url: str | None
    created_by: str
    created_at: dt.datetime


class EntryIn(Schema):
    date: dt.date
    party: str = Field(..., max_length=100)
    amount: Decimal = Field(..., max_digits=12, decimal_places=2, description="金额（元）")
    note: str = Field("", max_length=200)


class TaskOut(Schema):
    id: int
    event_id: int
    title: str
    owner_id: int
    owner: str
    due_on: dt.date
    status: str = Field(..., description="todo 待办 / doing 进行中 / done 已完成")
    overdue: bool
    note: str
    done_at: dt.datetime | None
    version: int


class TaskIn(Schema):
    title: str = Field(..., max_length=100)
    owner_id: int = Field(..., ge=1, le=2**63 - 1)
    due_on: dt.date
    note: str = Field("", max_length=300)


class TaskCompleteIn(Schema):
    version: Version | None = Field(None, description="读取任务时的 version；与当前不符时返回 409")


class DocumentOut(Schema):
    id: int
    event_id: int
    kind: str = Field(..., description="plan 方案 / contract 合同 / budget 预算表 / summary 总结 / other 其他")
    title: str
    original_name: str
    size: int
    url: str = Field(..., description="下载地址（需登录或令牌，仅本中心）")
    uploaded_by: str
    uploaded_at: dt.datetime


class PlanLinkIn(Schema):
    plan_id: int | None = Field(None, ge=1, le=2**63 - 1, description="已有策划的编号；不传则新建一个策划并关联")
    title: str = Field("", max_length=100, description="新建策划时的名称（默认“活动名称+报道”）")


def _event_out(e: Event) -> EventOut:
    return EventOut(id=e.pk, name=e.name, kind=e.kind, kind_label=e.get_kind_display(), starts_on=e.starts_on,
                    ends_on=e.ends_on, venue=e.venue, client_id=e.client_id, client=e.client.name if e.client else None,
                    manager_id=e.manager_id, manager=str(e.manager), status=e.status, status_label=e.get_status_display(),
                    description=e.description, plan_id=e.plan_id, version=e.version, updated_at=e.updated_at)


def _line_out(line: BudgetLine) -> BudgetLineOut:
    return BudgetLineOut(id=line.pk, event_id=line.event_id, direction=line.direction, name=line.name,
                         planned=line.planned, actual=line.actual, variance=line.variance,
                         used_percent=line.used_percent, note=line.note, version=line.version)


def _entry_out(x: Entry) -> EntryOut:
    return EntryOut(id=x.pk, line_id=x.line_id, line=x.line.name, direction=x.line.direction, date=x.date, party=x.party,
                    amount=x.amount, note=x.note, attachment_url=x.attachment.url if x.attachment else None,
                    created_by=str(x.created_by), created_at=x.created_at)


def _task_out(t: Task) -> TaskOut:
    return TaskOut(id=t.pk, event_id=t.event_id, title=t.title, owner_id=t.owner_id, owner=str(t.owner), due_on=t.due_on,
                   status=t.status, overdue=t.overdue, note=t.note, done_at=t.done_at, version=t.version)


def _document_out(d: Document) -> DocumentOut:
    return DocumentOut(id=d.pk, event_id=d.event_id, kind=d.kind, title=d.title, original_name=d.original_name,
                       size=d.size, url=d.file.url, uploaded_by=str(d.uploaded_by), uploaded_at=d.uploaded_at)


def _event(request, event_id: int) -> Event:
    return get_scoped_or_404(Event.objects.select_related("client", "manager"), request.center, pk=event_id)


def _data(request, payload: EventIn) -> services.EventData:
    manager = services.may_own_tasks(request.center).filter(pk=payload.manager_id).first()
    if manager is None:
        raise ValidationError({"manager_id": ["负责人须是本中心能查看活动项目的人员。"]})
    client = None
    if payload.client_id:
        client = selectors.client_of(request.center, payload.client_id)
        if client is None:
            raise ValidationError({"client_id": ["没有这个客户，或它不属于本中心。"]})
    return services.EventData(name=payload.name, kind=payload.kind, starts_on=payload.starts_on,
                              ends_on=payload.ends_on, venue=payload.venue, client=client, manager=manager,
                              status=payload.status, description=payload.description)


# --- Events ----------------------------------------------------------------------------------------------

@router.get("/events", response={200: page_of(EventOut), **ERRORS}, summary="活动项目列表",
            description="按开始日期排列；可按年度（开始或结束在该年）、类型、状态和名称/地点中的文字筛选。")
def events_list(request, year: int | None = Query(None, ge=2000, le=2100, description="年度，如 2026"),
                kind: str = Query("", max_length=12), status: str = Query("", max_length=10),
                q: str = Query("", max_length=50, description="名称或地点中的文字"),
                cursor: str | None = CursorQuery, limit: int = LimitQuery):
    require(request, "events.view")
    if kind and kind not in Event.Kind.values:
        raise ValidationError({"kind": [f"类型应为 {'、'.join(Event.Kind.values)} 之一。"]})
    if status and status not in Event.Status.values:
        raise ValidationError({"status": [f"状态应为 {'、'.join(Event.Status.values)} 之一。"]})
    qs = selectors.events(request.center, year=year, kind=kind, status=status, q=q.strip())
    return paginate(qs, cursor=cursor, limit=limit, order=("starts_on", "pk"), out=_event_out)


@router.post("/events", response={201: EventOut, **ERRORS}, summary="新建活动项目")
def events_create(request, payload: EventIn):
    require(request, "events.manage")
    event = services.create_event(center=request.center, user=request.user, data=_data(request, payload))
    return Status(201, _event_out(_event(request, event.pk)))


@router.get("/events/{event_id}", response={200: EventOut, **ERRORS}, summary="一个活动项目")
def events_get(request, event_id: Id):
    require(request, "events.view")
    return _event_out(_event(request, event_id))


@router.put("/events/{event_id}", response={200: EventOut, **ERRORS}, summary="修改活动项目",
            description="带上读取时的 version；期间被他人改过则 409。")
def events_update(request, event_id: Id, payload: EventChangeIn):
    require(request, "events.manage")
    event = _event(request, event_id)
    services.update_event(event=event, user=request.user, data=_data(request, payload), expected_version=payload.version)
    return _event_out(_event(request, event_id))


# --- Budget ------------------------------------------------------------------------------------------------

@router.get("/events/{event_id}/budget-lines", response={200: page_of(BudgetLineOut), **ERRORS}, summary="预算项目",
            description="活动的支出和收入预算项目，含预算、实际与差额。")
def events_list_budget_lines(request, event_id: Id, cursor: str | None = CursorQuery, limit: int = LimitQuery):
    require(request, "events.view")
    event = _event(request, event_id)
    qs = BudgetLine.objects.filter(center=request.center, event=event)
    return paginate(qs, cursor=cursor, limit=limit, order=("pk",), out=_line_out)


@router.post("/events/{event_id}/budget-lines", response={201: BudgetLineOut, **ERRORS}, summary="添加预算项目")
def events_add_budget_line(request, event_id: Id, payload: BudgetLineIn):
    require(request, "events.manage")
    event = _event(request, event_id)
    line = services.add_line(event=event, user=request.user, direction=payload.direction, name=payload.name,
                             planned=payload.planned, note=payload.note)
    return Status(201, _line_out(line))


def _line(request, line_id: int) -> BudgetLine:
    return get_scoped_or_404(BudgetLine.objects.select_related("event"), request.center, pk=line_id)


@router.post("/events/budget-lines/{line_id}/changes", response={201: BudgetChangeOut, **ERRORS}, summary="调整预算",
             description="改预算项目的预算金额，须写明原因（记入预算调整记录）；支出项目不能低于已支出。")
def events_change_budget(request, line_id: Id, payload: BudgetChangeIn):
    require(request, "events.manage")
    line = _line(request, line_id)
    change = services.change_budget(line=line, user=request.user, planned=payload.planned, reason=payload.reason,
                                    expected_version=payload.version)
    return Status(201, BudgetChangeOut(id=change.pk, line_id=line.pk, old_amount=change.old_amount,
                                       new_amount=change.new_amount, reason=change.reason,
                                       changed_by=str(change.changed_by), changed_at=change.changed_at))


@router.get("/events/{event_id}/entries", response={200: page_of(EntryOut), **ERRORS}, summary="收支记录",
            description="活动的全部支出和收入记录，新的在前。")
def events_list_entries(request, event_id: Id, cursor: str | None = CursorQuery, limit: int = LimitQuery):
    require(request, "events.view")
    event = _event(request, event_id)
    qs = Entry.objects.filter(center=request.center, line__event=event).select_related("line", "created_by")
    return paginate(qs, cursor=cursor, limit=limit, order=("-date", "-pk"), out=_entry_out)


@router.post("/events/budget-lines/{line_id}/entries", response={201: EntryOut, **ERRORS}, summary="登记支出或收入",
             description="支出使该项目超出预算时返回 422（说明预算、已支出、剩余与本次金额）：先调整预算再登记。")
def events_add_entry(request, line_id: Id, payload: EntryIn):
    require(request, "events.manage")
    line = _line(request, line_id)
    entry = services.add_entry(line=line, user=request.user, date=payload.date, party=payload.party,
                               amount=payload.amount, note=payload.note)
    entry = Entry.objects.select_related("line", "created_by").get(pk=entry.pk)
    return Status(201, _entry_out(entry))


# --- Tasks -------------------------------------------------------------------------------------------------

@router.get("/events/{event_id}/tasks", response={200: page_of(TaskOut), **ERRORS}, summary="活动任务",
            description="按期限排列；status 可为 todo、doing、done 或 overdue（已超期未完成）。")
def events_list_tasks(request, event_id: Id, status: str = Query("", max_length=10),
                      cursor: str | None = CursorQuery, limit: int = LimitQuery):
    require(request, "events.view")
    if status and status not in [*Task.Status.values, "overdue"]:
        raise ValidationError({"status": ["状态应为 todo、doing、done 或 overdue。"]})
    event = _event(request, event_id)
    return paginate(selectors.tasks(event, status=status), cursor=cursor, limit=limit, order=("due_on", "pk"),
                    out=_task_out)


@router.post("/events/{event_id}/tasks", response={201: TaskOut, **ERRORS}, summary="分派活动任务",
             description="负责人须是本中心能查看活动项目的人员；他会收到通知。")
def events_add_task(request, event_id: Id, payload: TaskIn):
    require(request, "events.manage")
    event = _event(request, event_id)
    owner = services.may_own_tasks(request.center).filter(pk=payload.owner_id).first()
    task = services.add_task(event=event, user=request.user, title=payload.title, owner=owner,
                             due_on=payload.due_on, note=payload.note)
    return Status(201, _task_out(task))


@router.post("/events/tasks/{task_id}/complete", response={200: TaskOut, **ERRORS}, summary="完成活动任务",
             description="任务负责人或活动项目管理人员；带上读取时的 version，期间被他人改过则 409。")
def events_complete_task(request, task_id: Id, payload: TaskCompleteIn):
    require(request, "events.view")
    task = get_scoped_or_404(Task.objects.select_related("event", "owner"), request.center, pk=task_id)
    task = services.set_task_status(task=task, user=request.user, status=Task.Status.DONE,
                                    expected_version=payload.version)
    return _task_out(task)


# --- Documents and coverage -----------------------------------------------------------------------------

@router.get("/events/{event_id}/documents", response={200: page_of(DocumentOut), **ERRORS}, summary="活动文件",
            description="方案、合同、预算表、总结等；下载地址只对本中心能查看活动项目的人员有效。")
def events_list_documents(request, event_id: Id, kind: str = Query("", max_length=10),
                          cursor: str | None = CursorQuery, limit: int = LimitQuery):
    require(request, "events.view")
    if kind and kind not in Document.Kind.values:
        raise ValidationError({"kind": [f"类别应为 {'、'.join(Document.Kind.values)} 之一。"]})
    event = _event(request, event_id)
    return paginate(selectors.documents(event, kind=kind), cursor=cursor, limit=limit, order=("-uploaded_at", "-pk"),
                    out=_document_out)


@router.post("/events/{event_id}/documents", response={201: DocumentOut, **ERRORS}, summary="上传活动文件",
             description="multipart：file（PDF、Word、Excel、PPT、WPS、图片、ZIP 或文本，不超过 20 MB），kind，title（选填）。")
def events_upload_document(request, event_id: Id, file: UploadedFile | None = File(None),  # noqa: B008
                           kind: str = Form("other", max_length=10), title: str = Form("", max_length=100)):
    require(request, "events.manage")
    event = _event(request, event_id)
    doc = services.upload_document(event=event, user=request.user, kind=kind, title=title, upload=file)
    return Status(201, _document_out(doc))


@router.post("/events/{event_id}/plan", response={200: EventOut, **ERRORS}, summary="关联报道策划",
             description="带 plan_id 关联已有策划；不带则在新闻策划中新建一个并关联。")
def events_link_plan(request, event_id: Id, payload: PlanLinkIn):
    require(request, "events.manage")
    event = _event(request, event_id)
    if payload.plan_id:
        plan = selectors.plan_of(request.center, payload.plan_id)
        if plan is None:
            raise ValidationError({"plan_id": ["没有这个策划，或它不属于本中心。"]})
        services.link_plan(event=event, user=request.user, plan=plan)
    else:
        services.create_plan(event=event, user=request.user, title=payload.title)
    return _event_out(_event(request, event_id))
