"""Planning API: a reporter's app lists their assignments, accepts them and starts the story."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from ninja import Router, Schema, Status

from rongmei.core.api import require
from rongmei.core.ids import Id
from rongmei.core.tenancy import get_scoped_or_404
from rongmei.planning import selectors, services
from rongmei.planning.models import Assignment

router = Router(tags=["策划与指挥调度"])


class MemberOut(Schema):
    user_id: int
    name: str
    role: str
    accepted: bool


class AssignmentOut(Schema):
    id: int
    title: str
    brief: str
    location: str
    starts_at: dt.datetime | None
    deadline: dt.datetime
    deliverables: list[str]
    status: str
    overdue: bool
    topic_id: int | None
    story_id: int | None
    members: list[MemberOut]


class LeadIn(Schema):
    title: str
    content: str
    contact: str = ""


class LeadOut(Schema):
    id: int
    title: str
    status: str


def _out(a: Assignment) -> AssignmentOut:
    return AssignmentOut(
        id=a.pk, title=a.title, brief=a.brief, location=a.location, starts_at=a.starts_at, deadline=a.deadline,
        deliverables=a.deliverables, status=a.status, overdue=a.is_overdue, topic_id=a.topic_id, story_id=a.story_id,
        members=[MemberOut(user_id=m.user_id, name=str(m.user), role=m.role, accepted=m.accepted_at is not None)
                 for m in a.members.all()],
    )


def _assignment(request, assignment_id: Id) -> Assignment:
    return get_scoped_or_404(selectors.assignments(request.center), request.center, pk=assignment_id)


@router.get("/assignments/mine", response=list[AssignmentOut], summary="我的采访任务（进行中的在前）与可领取的任务")
def my_assignments(request):
    require(request, "planning.take_assignment")
    mine = selectors.assignments_for(request.center, request.user)
    return [_out(a) for a in mine["active"] + mine["claimable"] + mine["filed"]]


@router.get("/assignments/{assignment_id}", response=AssignmentOut, summary="一个采访任务")
def get_assignment(request, assignment_id: Id):
    require(request, "planning.view_board")
    return _out(_assignment(request, assignment_id))


@router.post("/assignments/{assignment_id}/accept", response={200: AssignmentOut, 422: dict}, summary="接单（或抢单）")
def accept(request, assignment_id: Id):
    require(request, "planning.take_assignment")
    try:
        services.accept_assignment(assignment=_assignment(request, assignment_id), user=request.user)
    except ValidationError as exc:
        return Status(422, {"detail": "；".join(exc.messages)})
    return Status(200, _out(_assignment(request, assignment_id)))


@router.post("/assignments/{assignment_id}/story", response={200: AssignmentOut, 422: dict},
             summary="为任务写稿：创建（或取回）任务的稿件，之后用 /stories/{id} 编辑与交稿")
def start_story(request, assignment_id: Id):
    require(request, "planning.take_assignment")
    try:
        services.start_story(assignment=_assignment(request, assignment_id), user=request.user)
    except ValidationError as exc:
        return Status(422, {"detail": "；".join(exc.messages)})
    return Status(200, _out(_assignment(request, assignment_id)))


@router.post("/leads", response={201: LeadOut, 422: dict}, summary="录入线索")
def add_lead(request, payload: LeadIn):
    require(request, "planning.add_lead")
    try:
        lead = services.create_lead(center=request.center, created_by=request.user, title=payload.title,
                                    content=payload.content, contact=payload.contact)
    except ValidationError as exc:
        return Status(422, {"detail": "提交的内容有误。", "errors": exc.message_dict if hasattr(exc, "error_dict") else exc.messages})
    return Status(201, LeadOut(id=lead.pk, title=lead.title, status=lead.status))
