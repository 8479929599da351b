"""Planning API (策划与指挥调度): leads, topics, plans, assignments, the board and the duty
roster, for the reporters' app and the desk's integrations. Every operation calls the same
service or selector as the planning screens, with the same permissions and tenancy.

Refusals: a field's value → 422 with field errors; the object is no longer in the state the
request expected (a lead handled already, a topic decided already, an assignment that moved
on) → 409; a rule about the person (not a member of the assignment) or a missing permission
→ 403; another center's id → 404."""

from __future__ import annotations

import datetime as dt
from contextlib import contextmanager
from typing import Literal

from django.core.exceptions import ValidationError
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import HttpError

from rongmei.core.api import require
from rongmei.core.api_kit import ERRORS, CursorQuery, LimitQuery, page_of, paginate, paginate_list
from rongmei.core.ids import Id
from rongmei.core.models import User
from rongmei.core.tenancy import get_scoped_or_404, scoped
from rongmei.newsroom.models import Column
from rongmei.planning import selectors, services
from rongmei.planning.deadlines import default_deadline
from rongmei.planning.models import Assignment, DutyShift, Lead, Plan, Topic, TopicComment

router = Router(tags=["策划与指挥调度"])

MAX_DUTY_DAYS = 92

LeadStatus = Literal["new", "dismissed", "topic"]
LeadSource = Literal["staff", "tip", "monitor", "inquiry"]
TopicStatus = Literal["proposed", "approved", "rejected", "done"]
PlanStatus = Literal["active", "closed"]
AssignmentStatus = Literal["open", "accepted", "on_site", "filed", "done", "cancelled"]
MemberRole = Literal["reporter", "photographer", "camera"]


@contextmanager
def _service():
    """A service's state conflict is 409 and its rule about the person 403; its other
    refusals (ValidationError) reach the API's handler as 422 with field errors."""
    try:
        yield
    except services.StateConflict as exc:
        raise HttpError(409, "；".join(exc.messages)) from exc
    except services.NotAllowed as exc:
        raise HttpError(403, "；".join(exc.messages)) from exc


def _aware(moment: dt.datetime | None) -> dt.datetime | None:
    """A time without an offset is the center's local time (Asia/Shanghai)."""
    if moment is not None and timezone.is_naive(moment):
        return timezone.make_aware(moment)
    return moment


# --- Schemas -----------------------------------------------------------------------------------

class PlanningPersonOut(Schema):
    id: int
    name: str


def _person(user: User | None) -> PlanningPersonOut | None:
    return PlanningPersonOut(id=user.pk, name=str(user)) if user is not None else None


class AssignmentMemberOut(Schema):
    user_id: int
    name: str
    role: str = Field(..., description="分工：reporter 文字记者 / photographer 摄影 / camera 摄像")
    accepted: bool


class AssignmentOut(Schema):
    id: int
    title: str
    brief: str
    location: str
    starts_at: dt.datetime | None
    deadline: dt.datetime
    deliverables: list[str] = Field(..., description="交付内容：text / photo / video / live")
    status: str = Field(..., description="open 待接单 / accepted 已接单 / on_site 采访中 / filed 已交稿 / done 已完成 / cancelled 已取消")
    status_label: str
    overdue: bool
    topic_id: int | None
    story_id: int | None
    created_by: PlanningPersonOut
    created_at: dt.datetime
    updated_at: dt.datetime
    members: list[AssignmentMemberOut]


class LeadIn(Schema):
    title: str
    content: str
    contact: str = ""
    source: LeadSource = "staff"


class LeadOut(Schema):
    id: int
    title: str
    status: str = Field(..., description="new 待处理 / dismissed 不予采用 / topic 已转选题")
    status_label: str
    source: str = Field(..., description="staff 采编人员 / tip 群众爆料 / monitor 舆情监测 / inquiry 网络问政")
    source_label: str
    content: str = Field(..., description="内容；其中的手机号码已遮蔽")
    contact: str = Field(..., description="联系方式，与页面一样遮蔽（138****1234）；完整号码见 POST /leads/{id}/contact")
    contact_masked: bool
    contact_revealable: bool = Field(..., description="当前用户能否查看完整联系方式（查看会记入审计日志）")
    dismiss_reason: str
    topic_id: int | None
    created_by: PlanningPersonOut | None
    handled_by: PlanningPersonOut | None
    created_at: dt.datetime
    attachment_ids: list[int]


class LeadContactOut(Schema):
    lead_id: int
    contact: str


class LeadDismissIn(Schema):
    reason: str = Field(..., description="不予采用的原因，最多 200 字")


class TopicIn(Schema):
    title: str
    description: str = ""
    column_id: Id | None = None
    plan_id: Id | None = Field(None, description="进行中的策划")
    planned_for: dt.date | None = Field(None, description="计划刊播日期")


class TopicOut(Schema):
    id: int
    title: str
    description: str
    status: str = Field(..., description="proposed 待审批 / approved 已通过 / rejected 未通过 / done 已完成")
    status_label: str
    plan_id: int | None
    plan_title: str | None
    column_id: int | None
    column_name: str | None
    planned_for: dt.date | None
    proposed_by: PlanningPersonOut
    decided_by: PlanningPersonOut | None
    decided_at: dt.datetime | None
    decision_note: str
    created_at: dt.datetime
    comment_count: int
    assignment_count: int


class TopicCommentIn(Schema):
    body: str = Field(..., description="意见，最多 2000 字")


class TopicCommentOut(Schema):
    id: int
    author: PlanningPersonOut
    body: str
    created_at: dt.datetime


class AssignmentBriefOut(Schema):
    id: int
    title: str
    status: str
    deadline: dt.datetime


class TopicDetailOut(TopicOut):
    comments: list[TopicCommentOut]
    assignments: list[AssignmentBriefOut]
    lead_ids: list[int]


class TopicApproveIn(Schema):
    note: str = Field("", description="审批意见（可不填）")


class TopicRejectIn(Schema):
    note: str = Field(..., description="不通过的意见（必填，申报人会收到）")


class PlanIn(Schema):
    title: str
    description: str = ""
    column_id: Id | None = None
    starts_on: dt.date | None = None
    ends_on: dt.date | None = None


class PlanOut(Schema):
    id: int
    title: str
    description: str
    status: str = Field(..., description="active 进行中 / closed 已结束")
    column_id: int | None
    starts_on: dt.date | None
    ends_on: dt.date | None
    topic_count: int
    created_by: PlanningPersonOut
    created_at: dt.datetime


class AssignmentMemberIn(Schema):
    user_id: Id
    role: MemberRole = "reporter"


class AssignmentIn(Schema):
    title: str
    topic_id: Id | None = Field(None, description="已通过的选题；不填则为不属于选题的任务")
    brief: str = ""
    location: str = ""
    starts_at: dt.datetime | None = Field(None, description="采访时间；不带时区时按北京时间")
    deadline: dt.datetime | None = Field(None, description="交稿时限；不填则为 8 个工作小时之后")
    deliverables: list[str] = Field(["text"], description="交付内容：text / photo / video / live")
    members: list[AssignmentMemberIn] = Field([], description="派给谁；不派人则为待接单，任何记者都可领取")


class AssignmentStatusIn(Schema):
    action: Literal["on_site", "done", "cancel"] = Field(
        ..., description="on_site 到达现场（已接单→采访中）/ done 完成（已交稿→已完成）/ cancel 取消（派单编辑）")


class BoardCardOut(Schema):
    id: int
    title: str
    status: str
    location: str
    starts_at: dt.datetime | None
    deadline: dt.datetime
    overdue: bool
    deliverables: list[str]
    topic_id: int | None
    members: list[AssignmentMemberOut]


class BoardColumnOut(Schema):
    status: str
    label: str
    cards: list[BoardCardOut]


class BoardLaneOut(Schema):
    person: PlanningPersonOut
    overdue: int
    assignment_ids: list[int]


class BoardTopicOut(Schema):
    id: int
    title: str
    status: str
    status_label: str
    planned_for: dt.date | None


class BoardDutyDeskOut(Schema):
    desk: str
    label: str
    people: list[PlanningPersonOut]


class BoardOut(Schema):
    span: str
    start: dt.date
    end: dt.date
    columns: list[BoardColumnOut] = Field(..., description="看板各列（待接单、已接单、采访中、已交稿、已完成）及其任务卡片")
    people: list[BoardLaneOut] = Field(..., description="按人员：每人的任务与超时数，超时多的在前")
    topics: list[BoardTopicOut] = Field(..., description="这段时间计划刊播的选题与待审批的选题")
    on_duty: list[BoardDutyDeskOut] = Field(..., description="所选日期（周视图为周一）的值班")
    total: int
    overdue: int
    new_leads: int
    proposed_topics: int


class DutyShiftOut(Schema):
    id: int
    date: dt.date
    desk: str = Field(..., description="day 日班 / night 夜班 / weekend 周末班")
    desk_label: str
    person: PlanningPersonOut


# --- Mapping -----------------------------------------------------------------------------------

def _members(a: Assignment) -> list[AssignmentMemberOut]:
    return [AssignmentMemberOut(user_id=m.user_id, name=str(m.user), role=m.role, accepted=m.accepted_at is not None)
            for m in a.members.all()]


def _out(a: Assignment) -> AssignmentOut:
    return AssignmentOut(
        id=a.pk, title=a.title, brief=a.brief, location=a.location, starts_at=a.starts_at, deadline=a.deadline,
        deliverables=a.deliverables, status=a.status, status_label=a.get_status_display(), overdue=a.is_overdue,
        topic_id=a.topic_id, story_id=a.story_id, created_by=_person(a.created_by), created_at=a.created_at,
        updated_at=a.updated_at, members=_members(a),
    )


def _lead_out(lead: Lead, revealable: set[int]) -> LeadOut:
    return LeadOut(
        id=lead.pk, title=lead.title, status=lead.status, status_label=lead.get_status_display(), source=lead.source,
        source_label=lead.get_source_display(), content=lead.masked_content, contact=lead.masked_contact,
        contact_masked=lead.contact_is_masked, contact_revealable=lead.pk in revealable and lead.contact_is_masked,
        dismiss_reason=lead.dismiss_reason, topic_id=lead.topic_id, created_by=_person(lead.created_by),
        handled_by=_person(lead.handled_by), created_at=lead.created_at,
        attachment_ids=[a.pk for a in lead.attachments.all()],
    )


def _topic_fields(t: Topic) -> dict:
    return dict(
        id=t.pk, title=t.title, description=t.description, status=t.status, status_label=t.get_status_display(),
        plan_id=t.plan_id, plan_title=t.plan.title if t.plan_id else None, column_id=t.column_id,
        column_name=t.column.name if t.column_id else None, planned_for=t.planned_for, proposed_by=_person(t.proposed_by),
        decided_by=_person(t.decided_by), decided_at=t.decided_at, decision_note=t.decision_note, created_at=t.created_at,
        comment_count=t.comment_count, assignment_count=t.assignment_count,
    )


def _topic_out(t: Topic) -> TopicOut:
    return TopicOut(**_topic_fields(t))


def _comment_out(c: TopicComment) -> TopicCommentOut:
    return TopicCommentOut(id=c.pk, author=_person(c.author), body=c.body, created_at=c.created_at)


def _plan_out(p: Plan) -> PlanOut:
    return PlanOut(id=p.pk, title=p.title, description=p.description, status=p.status, column_id=p.column_id,
                   starts_on=p.starts_on, ends_on=p.ends_on, topic_count=p.topic_count, created_by=_person(p.created_by),
                   created_at=p.created_at)


def _shift_out(s: DutyShift) -> DutyShiftOut:
    return DutyShiftOut(id=s.pk, date=s.date, desk=s.desk, desk_label=s.get_desk_display(), person=_person(s.user))


# --- Lookups (always inside the request's center) --------------------------------------------

def _assignment(request, assignment_id: int) -> Assignment:
    return get_scoped_or_404(selectors.assignments(request.center), request.center, pk=assignment_id)


def _lead(request, lead_id: int) -> Lead:
    return get_scoped_or_404(selectors.leads(request.center), request.center, pk=lead_id)


def _topic(request, topic_id: int) -> Topic:
    return get_scoped_or_404(selectors.topics(request.center), request.center, pk=topic_id)


def _column(request, column_id: int | None) -> Column | None:
    if column_id is None:
        return None
    column = scoped(Column, request.center).filter(pk=column_id, is_active=True).first()
    if column is None:
        raise ValidationError({"column_id": ["没有这个栏目，或它已停用。"]})
    return column


def _active_plan(request, plan_id: int | None) -> Plan | None:
    if plan_id is None:
        return None
    plan = scoped(Plan, request.center).filter(pk=plan_id, status=Plan.Status.ACTIVE).first()
    if plan is None:
        raise ValidationError({"plan_id": ["没有这个策划，或它已结束。"]})
    return plan


def _topic_data(request, payload: TopicIn) -> dict:
    return dict(title=payload.title, description=payload.description, column=_column(request, payload.column_id),
                plan=_active_plan(request, payload.plan_id), planned_for=payload.planned_for)


# --- Leads -------------------------------------------------------------------------------------

@router.get("/leads", response={200: page_of(LeadOut), **ERRORS}, summary="线索列表（最新在前）",
            description="可按状态、来源、标题或内容中的文字、录入日期（北京时间，含首尾两天）筛选。联系方式与页面一样遮蔽。")
def planning_list_leads(request, status: LeadStatus | None = None, source: LeadSource | None = None,
                        q: str = Query("", max_length=100, description="标题或内容包含的文字"),
                        since: dt.date | None = Query(None, description="录入日期起"),
                        until: dt.date | None = Query(None, description="录入日期止"),
                        cursor: str | None = CursorQuery, limit: int = LimitQuery):
    require(request, "planning.add_lead")
    qs = selectors.leads(request.center, status=status or "", source=source or "", text=q.strip(), since=since, until=until)
    page = paginate(qs, cursor=cursor, limit=limit, order=("-created_at", "-pk"))
    revealable = selectors.lead_ids_with_visible_contact(request.user, request.center, page["items"])
    page["items"] = [_lead_out(lead, revealable) for lead in page["items"]]
    return page


@router.post("/leads", response={201: LeadOut, **ERRORS}, summary="录入线索")
def planning_create_lead(request, payload: LeadIn):
    require(request, "planning.add_lead")
    lead = services.create_lead(center=request.center, created_by=request.user, title=payload.title,
                                content=payload.content, contact=payload.contact, source=payload.source)
    lead = _lead(request, lead.pk)
    return Status(201, _lead_out(lead, selectors.lead_ids_with_visible_contact(request.user, request.center, [lead])))


@router.get("/leads/{lead_id}", response={200: LeadOut, **ERRORS}, summary="一条线索")
def planning_get_lead(request, lead_id: Id):
    require(request, "planning.add_lead")
    lead = _lead(request, lead_id)
    return _lead_out(lead, selectors.lead_ids_with_visible_contact(request.user, request.center, [lead]))


@router.post("/leads/{lead_id}/contact", response={200: LeadContactOut, **ERRORS}, summary="查看线索的完整联系方式",
             description="只有办理此事的问政受理人员、负责回访的记者和录入人可以查看；每次查看记入审计日志。其他人 403。")
def planning_reveal_lead_contact(request, lead_id: Id):
    require(request, "planning.add_lead")
    lead = _lead(request, lead_id)
    return LeadContactOut(lead_id=lead.pk, contact=services.reveal_lead_contact(lead=lead, user=request.user))


@router.post("/leads/{lead_id}/dismiss", response={200: LeadOut, **ERRORS}, summary="线索不予采用（须写明原因）",
             description="已处理过的线索 409。")
def planning_dismiss_lead(request, lead_id: Id, payload: LeadDismissIn):
    require(request, "planning.triage_lead")
    lead = _lead(request, lead_id)
    with _service():
        services.dismiss_lead(lead=lead, user=request.user, reason=payload.reason)
    lead = _lead(request, lead_id)
    return _lead_out(lead, selectors.lead_ids_with_visible_contact(request.user, request.center, [lead]))


@router.post("/leads/{lead_id}/topic", response={201: TopicOut, **ERRORS}, summary="线索转为选题",
             description="编辑转的选题直接通过。已处理过的线索 409。")
def planning_lead_to_topic(request, lead_id: Id, payload: TopicIn):
    require(request, "planning.triage_lead")
    lead = _lead(request, lead_id)
    data = _topic_data(request, payload)
    with _service():
        topic = services.lead_to_topic(lead=lead, user=request.user, **data)
    return Status(201, _topic_out(_topic(request, topic.pk)))


# --- Topics ------------------------------------------------------------------------------------

@router.get("/topics", response={200: page_of(TopicOut), **ERRORS}, summary="选题列表（最新在前）",
            description="可按状态、策划、文字、计划刊播日期（含首尾）筛选。")
def planning_list_topics(request, status: TopicStatus | None = None, plan_id: Id | None = None,
                         q: str = Query("", max_length=100, description="选题或内容包含的文字"),
                         planned_from: dt.date | None = None, planned_to: dt.date | None = None,
                         cursor: str | None = CursorQuery, limit: int = LimitQuery):
    require(request, "planning.view_board")
    qs = selectors.topics(request.center, status=status or "", plan_id=plan_id, text=q.strip(),
                          planned_from=planned_from, planned_to=planned_to)
    return paginate(qs, cursor=cursor, limit=limit, order=("-created_at", "-pk"), out=_topic_out)


@router.post("/topics", response={201: TopicOut, **ERRORS}, summary="申报选题",
             description="有审批权限的编辑申报的选题直接通过，其他人的待审批。")
def planning_propose_topic(request, payload: TopicIn):
    require(request, "planning.view_board")
    require(request, "planning.propose_topic")
    topic = services.propose_topic(center=request.center, user=request.user, **_topic_data(request, payload))
    return Status(201, _topic_out(_topic(request, topic.pk)))


@router.get("/topics/{topic_id}", response={200: TopicDetailOut, **ERRORS}, summary="一个选题，含讨论意见和采访任务")
def planning_get_topic(request, topic_id: Id):
    require(request, "planning.view_board")
    topic = _topic(request, topic_id)
    return TopicDetailOut(
        **_topic_fields(topic),
        comments=[_comment_out(c) for c in topic.comments.select_related("author")],
        assignments=[AssignmentBriefOut(id=a.pk, title=a.title, status=a.status, deadline=a.deadline)
                     for a in scoped(Assignment, request.center).filter(topic=topic)],
        lead_ids=list(scoped(Lead, request.center).filter(topic=topic).values_list("pk", flat=True)),
    )


@router.post("/topics/{topic_id}/comments", response={201: TopicCommentOut, **ERRORS}, summary="对选题发表意见")
def planning_comment_topic(request, topic_id: Id, payload: TopicCommentIn):
    require(request, "planning.view_board")
    comment = services.comment_topic(topic=_topic(request, topic_id), user=request.user, body=payload.body)
    return Status(201, _comment_out(comment))


@router.post("/topics/{topic_id}/approve", response={200: TopicOut, **ERRORS}, summary="选题通过",
             description="只能审批待审批的选题，已审批过的 409。")
def planning_approve_topic(request, topic_id: Id, payload: TopicApproveIn):
    require(request, "planning.view_board")
    require(request, "planning.decide_topic")
    with _service():
        services.decide_topic(topic=_topic(request, topic_id), user=request.user, approve=True, note=payload.note)
    return _topic_out(_topic(request, topic_id))


@router.post("/topics/{topic_id}/reject", response={200: TopicOut, **ERRORS}, summary="选题不通过（须写明意见）",
             description="意见会通知申报人；不能否决自己申报的选题；已审批过的 409。")
def planning_reject_topic(request, topic_id: Id, payload: TopicRejectIn):
    require(request, "planning.view_board")
    require(request, "planning.decide_topic")
    with _service():
        services.decide_topic(topic=_topic(request, topic_id), user=request.user, approve=False, note=payload.note)
    return _topic_out(_topic(request, topic_id))


# --- Plans -------------------------------------------------------------------------------------

@router.get("/plans", response={200: page_of(PlanOut), **ERRORS}, summary="策划列表（最新在前）")
def planning_list_plans(request, status: PlanStatus | None = None, cursor: str | None = CursorQuery,
                        limit: int = LimitQuery):
    require(request, "planning.view_board")
    return paginate(selectors.plans(request.center, status=status or ""), cursor=cursor, limit=limit,
                    order=("-created_at", "-pk"), out=_plan_out)


@router.post("/plans", response={201: PlanOut, **ERRORS}, summary="创建策划")
def planning_create_plan(request, payload: PlanIn):
    require(request, "planning.decide_topic")
    plan = services.create_plan(center=request.center, user=request.user, title=payload.title,
                                description=payload.description, column=_column(request, payload.column_id),
                                starts_on=payload.starts_on, ends_on=payload.ends_on)
    return Status(201, _plan_out(get_scoped_or_404(selectors.plans(request.center), request.center, pk=plan.pk)))


@router.get("/plans/{plan_id}", response={200: PlanOut, **ERRORS}, summary="一个策划")
def planning_get_plan(request, plan_id: Id):
    require(request, "planning.view_board")
    return _plan_out(get_scoped_or_404(selectors.plans(request.center), request.center, pk=plan_id))


# --- Assignments -------------------------------------------------------------------------------

@router.get("/assignments", response={200: page_of(AssignmentOut), **ERRORS}, summary="采访任务列表（按交稿时限）",
            description="可按状态、是否本人参与、选题、交稿日期（北京时间，含首尾）筛选。")
def planning_list_assignments(request, status: AssignmentStatus | None = None,
                              mine: bool = Query(False, description="只看我参与的"), topic_id: Id | None = None,
                              due_from: dt.date | None = None, due_to: dt.date | None = None,
                              cursor: str | None = CursorQuery, limit: int = LimitQuery):
    require(request, "planning.view_board")
    qs = selectors.assignment_list(request.center, status=status or "", member=request.user if mine else None,
                                   topic_id=topic_id, due_from=due_from, due_to=due_to)
    return paginate(qs, cursor=cursor, limit=limit, order=("deadline", "pk"), out=_out)


@router.post("/assignments", response={201: AssignmentOut, **ERRORS}, summary="派发采访任务",
             description="派给本中心的记者或编辑（members），不派人则为待接单。选题须已通过。")
def planning_dispatch_assignment(request, payload: AssignmentIn):
    require(request, "planning.view_board")
    require(request, "planning.assign")
    topic = None
    if payload.topic_id is not None:
        topic = selectors.topics(request.center).filter(pk=payload.topic_id).first()
        if topic is None:
            raise ValidationError({"topic_id": ["没有这个选题。"]})
    ids = [m.user_id for m in payload.members]
    found = User.objects.in_bulk(set(ids))
    if len(found) != len(set(ids)):
        raise ValidationError({"members": ["只能派给本中心的记者或编辑。"]})
    assignment = services.create_assignment(
        center=request.center, user=request.user, topic=topic, title=payload.title, brief=payload.brief,
        location=payload.location, starts_at=_aware(payload.starts_at),
        deadline=_aware(payload.deadline) or default_deadline(request.center, timezone.now()),
        deliverables=payload.deliverables, members=[(found[m.user_id], m.role) for m in payload.members])
    return Status(201, _out(_assignment(request, assignment.pk)))


@router.get("/assignments/mine", response={200: page_of(AssignmentOut), **ERRORS},
            summary="我的采访任务（进行中的在前）、可领取的任务、最近交稿的任务")
def planning_my_assignments(request, cursor: str | None = CursorQuery, limit: int = LimitQuery):
    require(request, "planning.take_assignment")
    mine = selectors.assignments_for(request.center, request.user)
    return paginate_list(mine["active"] + mine["claimable"] + mine["filed"], cursor=cursor, limit=limit, out=_out)


@router.get("/assignments/{assignment_id}", response={200: AssignmentOut, **ERRORS}, summary="一个采访任务")
def planning_get_assignment(request, assignment_id: Id):
    require(request, "planning.view_board")
    return _out(_assignment(request, assignment_id))


@router.post("/assignments/{assignment_id}/accept", response={200: AssignmentOut, **ERRORS}, summary="接单（或抢单）",
             description="派给自己的任务接单；没派人的任务可以领取。已派给别人、已接过或任务已往下走 409。")
def planning_accept_assignment(request, assignment_id: Id):
    require(request, "planning.take_assignment")
    with _service():
        services.accept_assignment(assignment=_assignment(request, assignment_id), user=request.user)
    return _out(_assignment(request, assignment_id))


@router.post("/assignments/{assignment_id}/status", response={200: AssignmentOut, **ERRORS}, summary="改变采访任务状态",
             description="on_site 到达现场、done 完成：任务成员或派单编辑；cancel 取消：只有派单编辑（否则 403）。"
                         "当前状态不允许时 409。交稿由稿件的“交稿”完成。")
def planning_change_assignment_status(request, assignment_id: Id, payload: AssignmentStatusIn):
    require(request, "planning.view_board")
    with _service():
        services.advance_assignment(assignment=_assignment(request, assignment_id), user=request.user, step=payload.action)
    return _out(_assignment(request, assignment_id))


@router.post("/assignments/{assignment_id}/story", response={200: AssignmentOut, **ERRORS},
             summary="为任务写稿：创建（或取回）任务的稿件，之后用 /stories/{id} 编辑与交稿")
def planning_start_story(request, assignment_id: Id):
    require(request, "planning.take_assignment")
    with _service():
        services.start_story(assignment=_assignment(request, assignment_id), user=request.user)
    return _out(_assignment(request, assignment_id))


# --- Board and duty roster ---------------------------------------------------------------------

def _card(a: Assignment) -> BoardCardOut:
    return BoardCardOut(id=a.pk, title=a.title, status=a.status, location=a.location, starts_at=a.starts_at,
                        deadline=a.deadline, overdue=a.is_overdue, deliverables=a.deliverables, topic_id=a.topic_id,
                        members=_members(a))


@router.get("/board", response={200: BoardOut, **ERRORS}, summary="指挥调度看板：一天或一周",
            description="与看板页面同一份数据：按状态分列的任务卡片、按人员的任务与超时、选题、值班和统计。"
                        "span=week 时为 date 所在的周一至周日。")
def planning_board(request, date: dt.date | None = Query(None, description="日期，默认今天（北京时间）"),
                   span: Literal["day", "week"] = "day"):
    require(request, "planning.view_board")
    start, end = selectors.board_period(date or timezone.localdate(), span)
    board = selectors.board(request.center, start, end)
    return BoardOut(
        span=span, start=start, end=end,
        columns=[BoardColumnOut(status=c["status"], label=c["label"], cards=[_card(a) for a in c["items"]])
                 for c in board["columns"]],
        people=[BoardLaneOut(person=_person(p["user"]), overdue=p["overdue"], assignment_ids=[a.pk for a in p["items"]])
                for p in board["people"]],
        topics=[BoardTopicOut(id=t.pk, title=t.title, status=t.status, status_label=t.get_status_display(),
                              planned_for=t.planned_for) for t in board["topics"]],
        on_duty=[BoardDutyDeskOut(desk=d["desk"], label=d["label"], people=[_person(u) for u in d["people"]])
                 for d in selectors.duty_on(request.center, start)],
        total=board["total"], overdue=board["overdue"], new_leads=board["new_leads"],
        proposed_topics=board["proposed_topics"],
    )


@router.get("/duty-shifts", response={200: page_of(DutyShiftOut), **ERRORS}, summary="值班表（按日期、班次）",
            description=f"start 至 end（含），默认本周；最多 {MAX_DUTY_DAYS} 天。只读：排班与换班在值班表页面。")
def planning_list_duty_shifts(request, start: dt.date | None = None, end: dt.date | None = None,
                              cursor: str | None = CursorQuery, limit: int = LimitQuery):
    require(request, "planning.view_board")
    if start is None and end is None:
        start, end = selectors.board_period(timezone.localdate(), "week")
    elif start is None:
        start = end - dt.timedelta(days=6)
    elif end is None:
        end = start + dt.timedelta(days=6)
    if end < start:
        raise HttpError(400, "end 不能早于 start。")
    if (end - start).days >= MAX_DUTY_DAYS:
        raise HttpError(400, f"一次最多查询 {MAX_DUTY_DAYS} 天。")
    return paginate(selectors.duty_shifts(request.center, start, end), cursor=cursor, limit=limit,
                    order=("date", "desk", "pk"), out=_shift_out)
