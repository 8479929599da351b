"""上下级稿件流转 in the staff API: push down (list, create, one with its targets), what was
pushed to this center (list, one, accept as lead or story, decline), submit up (list, create)
and the submissions addressed to this center (list, one, used, not used, take in). The same
services and selectors as the screens; another center's id is a 404; a target or an upper
center outside the tree is 422; handled already is 409."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from ninja import Field, Router, Schema, Status

from rongmei.core.api import require
from rongmei.core.api_kit import ERRORS, CursorQuery, LimitQuery, page_of, paginate
from rongmei.core.ids import Id
from rongmei.core.tenancy import get_scoped_or_404
from rongmei.newsroom.models import Story
from rongmei.planning.models import Plan
from rongmei.sharing import selectors as sel
from rongmei.sharing import services
from rongmei.sharing.models import Push, PushTarget, Submission

router = Router(tags=["上下级稿件流转"])

ID = Field(..., ge=1, le=2**63 - 1)


class SharingTargetOut(Schema):
    center_id: int
    center: str
    status: str = Field(..., description="waiting 待处理 / lead 已转线索 / story 已转稿件 / declined 已谢绝")
    reason: str
    handled_at: dt.datetime | None


class SharingPushOut(Schema):
    id: int
    kind: str = Field(..., description="story 稿件 / plan 策划")
    story_id: int | None
    plan_id: int | None
    title: str
    note: str
    source_line: str = Field(..., description="来源")
    rights: str = Field(..., description="free 可自由转载 / attribution 注明来源后转载 / reference 仅供参考，不得刊发")
    created_at: dt.datetime
    targets: list[SharingTargetOut]


class SharingReceivedOut(Schema):
    id: int
    from_center: str
    kind: str
    title: str
    note: str
    source_line: str
    rights: str
    headline: str | None = Field(None, description="稿件：标题")
    summary: str | None = None
    body: str | None = Field(None, description="稿件正文（HTML）或策划说明")
    status: str = Field(..., description="waiting 待处理 / lead 已转线索 / story 已转稿件 / declined 已谢绝")
    reason: str
    lead_id: int | None
    story_id: int | None = Field(None, description="转成的本中心稿件")
    pushed_at: dt.datetime


class SharingSubmissionOut(Schema):
    id: int
    from_center: str
    to_center_id: int
    to_center: str
    story_id: int
    title: str
    note: str
    status: str = Field(..., description="waiting 待处理 / used 已采用 / not_used 未采用")
    outlet_name: str
    level: str
    used_on: dt.date | None
    url: str
    reason: str
    taken_story_id: int | None = Field(None, description="上级转入的稿件（只对上级可见）")
    submitted_at: dt.datetime


class SharingPushIn(Schema):
    story_id: int | None = Field(None, ge=1, le=2**63 - 1)
    plan_id: int | None = Field(None, ge=1, le=2**63 - 1)
    scope: Literal["all", "city", "county", "picked"] = "picked"
    target_ids: list[int] = Field(default_factory=list, max_length=500, description="scope=picked 时的下级中心编号")
    rights: Literal["free", "attribution", "reference"]
    note: str = Field("", max_length=500)
    source_line: str = Field("", max_length=100, description="来源；不填为本中心名称")


class SharingAcceptIn(Schema):
    as_: Literal["lead", "story"] = Field(..., alias="as", description="lead 转为线索 / story 转为本中心稿件")


class SharingReasonIn(Schema):
    reason: str = Field(..., max_length=200)


class SharingSubmitIn(Schema):
    story_id: int = ID
    to_center_ids: list[int] = Field(..., min_length=1, max_length=5)
    note: str = Field("", max_length=500)


class SharingUsedIn(Schema):
    outlet_name: str = Field("", max_length=100, description="不填为本中心名称")
    used_on: dt.date | None = Field(None, description="不填为今天")
    url: str = Field("", max_length=500)


class SharingTakenOut(Schema):
    story_id: int | None = Field(None, description="转成的本中心稿件")
    lead_id: int | None = Field(None, description="转成的线索")


def _push_out(p: Push) -> SharingPushOut:
    return SharingPushOut(
        id=p.pk, kind=p.kind, story_id=p.story_id, plan_id=p.plan_id, title=p.title, note=p.note,
        source_line=p.source_line, rights=p.rights, created_at=p.created_at,
        targets=[SharingTargetOut(center_id=t.center_id, center=t.center.name, status=t.status, reason=t.reason,
                                  handled_at=t.handled_at) for t in p.targets.all()])


def _received_out(t: PushTarget) -> SharingReceivedOut:
    p = t.push
    s = p.story if p.story_id else None
    return SharingReceivedOut(
        id=t.pk, from_center=p.center.name, kind=p.kind, title=p.title, note=p.note, source_line=p.source_line,
        rights=p.rights, headline=s.headline if s else None, summary=s.summary if s else None,
        body=s.body if s else p.plan.description, status=t.status, reason=t.reason, lead_id=t.lead_id,
        story_id=t.story_id, pushed_at=p.created_at)


def _sub_out(s: Submission, *, upper: bool) -> SharingSubmissionOut:
    return SharingSubmissionOut(
        id=s.pk, from_center=s.center.name, to_center_id=s.to_center_id, to_center=s.to_center.name, story_id=s.story_id,
        title=s.title, note=s.note, status=s.status, outlet_name=s.outlet_name, level=s.level, used_on=s.used_on,
        url=s.url, reason=s.reason, taken_story_id=s.taken_story_id if upper else None, submitted_at=s.submitted_at)


# --- push down ---------------------------------------------------------------------------------------

@router.get("/sharing/pushes", response={200: page_of(SharingPushOut), **ERRORS}, summary="本中心向下级的推送",
            description="新的在前，每条带各下级中心的处理情况。")
def sharing_list_pushes(request, cursor: str | None = CursorQuery, limit: int = LimitQuery):
    require(request, "sharing.push")
    return paginate(sel.pushes(request.center), cursor=cursor, limit=limit, order=("-created_at", "-pk"), out=_push_out)


@router.get("/sharing/pushes/{push_id}", response={200: SharingPushOut, **ERRORS}, summary="一条推送")
def sharing_get_push(request, push_id: Id):
    require(request, "sharing.push")
    return _push_out(sel.push_or_404(request.center, push_id))


@router.post("/sharing/pushes", response={201: SharingPushOut, **ERRORS}, summary="向下级推送",
             description="story_id 或 plan_id 二选一（稿件须已签发；策划总是仅供参考）。scope：all 全部下级、city 市级、"
                         "county 县级、picked 指定（target_ids）。不是本中心下级的中心返回 422。")
def sharing_create_push(request, payload: SharingPushIn):
    require(request, "sharing.push")
    from django.core.exceptions import ValidationError

    if (payload.story_id is None) == (payload.plan_id is None):
        raise ValidationError({"story_id": ["请在 story_id 与 plan_id 中选一个。"]})
    story = get_scoped_or_404(Story, request.center, pk=payload.story_id) if payload.story_id else None
    plan = get_scoped_or_404(Plan, request.center, pk=payload.plan_id) if payload.plan_id else None
    targets = services.pick_targets(request.center, scope=payload.scope, ids=payload.target_ids)
    p = services.push(center=request.center, user=request.user, targets=targets, rights=payload.rights, story=story,
                      plan=plan, note=payload.note, source_line=payload.source_line)
    return Status(201, _push_out(sel.push_or_404(request.center, p.pk)))


# --- received pushes ---------------------------------------------------------------------------------

@router.get("/sharing/received", response={200: page_of(SharingReceivedOut), **ERRORS}, summary="上级推送（收件箱）")
def sharing_list_received(request, status: Literal["", "waiting", "lead", "story", "declined"] = "",
                          cursor: str | None = CursorQuery, limit: int = LimitQuery):
    require(request, "sharing.receive")
    return paginate(sel.received(request.center, status), cursor=cursor, limit=limit, order=("-pk",), out=_received_out)


@router.get("/sharing/received/{received_id}", response={200: SharingReceivedOut, **ERRORS}, summary="一条上级推送")
def sharing_get_received(request, received_id: Id):
    require(request, "sharing.receive")
    return _received_out(sel.received_or_404(request.center, received_id))


@router.post("/sharing/received/{received_id}/accept", response={201: SharingTakenOut, **ERRORS},
             summary="接收上级推送",
             description="as=lead 转为线索（重复调用返回同一线索）；as=story 转为本中心草稿稿件（复制正文与图片视频），"
                         "转载权限为 reference 或推送的是策划时返回 422。已处理返回 409。")
def sharing_accept_received(request, received_id: Id, payload: SharingAcceptIn):
    require(request, "sharing.receive")
    t = sel.received_or_404(request.center, received_id)
    if payload.as_ == "lead":
        lead = services.accept_as_lead(target=t, user=request.user)
        return Status(201, {"story_id": None, "lead_id": lead.pk})
    story = services.accept_as_story(target=t, user=request.user)
    return Status(201, {"story_id": story.pk, "lead_id": None})


@router.post("/sharing/received/{received_id}/decline", response={200: SharingReceivedOut, **ERRORS},
             summary="谢绝上级推送")
def sharing_decline_received(request, received_id: Id, payload: SharingReasonIn):
    require(request, "sharing.receive")
    t = sel.received_or_404(request.center, received_id)
    services.decline(target=t, user=request.user, reason=payload.reason)
    return _received_out(sel.received_or_404(request.center, received_id))


# --- submit up -----------------------------------------------------------------------------------

@router.get("/sharing/submissions", response={200: page_of(SharingSubmissionOut), **ERRORS},
            summary="本中心向上级的供稿", description="含上级的处理结果（采用媒体、日期、链接，或未采用原因）。")
def sharing_list_submissions(request, status: Literal["", "waiting", "used", "not_used"] = "",
                             cursor: str | None = CursorQuery, limit: int = LimitQuery):
    require(request, "sharing.submit")
    return paginate(sel.submissions(request.center, status).select_related("center"), cursor=cursor, limit=limit,
                    order=("-pk",), out=lambda s: _sub_out(s, upper=False))


@router.post("/sharing/submissions", response={201: list[SharingSubmissionOut], **ERRORS}, summary="向上级供稿",
             description="报送一篇已签发的稿件给本中心的一个或几个上级中心；不是上级的中心返回 422，已报送过返回 409。")
def sharing_create_submission(request, payload: SharingSubmitIn):
    require(request, "sharing.submit")
    from django.core.exceptions import ValidationError

    story = get_scoped_or_404(Story, request.center, pk=payload.story_id)
    above = {c.pk: c for c in sel.centers_above(request.center)}
    if any(i not in above for i in payload.to_center_ids):
        raise ValidationError({"to_center_ids": ["只能报送给本中心的上级中心。"]})
    rows = services.submit(center=request.center, user=request.user, story=story,
                           to_centers=[above[i] for i in dict.fromkeys(payload.to_center_ids)], note=payload.note)
    return Status(201, [_sub_out(sel.submission_or_404(request.center, r.pk), upper=False) for r in rows])


@router.get("/sharing/incoming", response={200: page_of(SharingSubmissionOut), **ERRORS}, summary="下级供稿（收件箱）")
def sharing_list_incoming(request, status: Literal["", "waiting", "used", "not_used"] = "",
                          cursor: str | None = CursorQuery, limit: int = LimitQuery):
    require(request, "sharing.receive")
    return paginate(sel.incoming(request.center, status), cursor=cursor, limit=limit,
                    order=("-pk",), out=lambda s: _sub_out(s, upper=True))


def _incoming(request, submission_id: int) -> Submission:
    return sel.incoming_or_404(request.center, submission_id)


@router.get("/sharing/incoming/{submission_id}", response={200: SharingSubmissionOut, **ERRORS}, summary="一篇下级供稿")
def sharing_get_incoming(request, submission_id: Id):
    require(request, "sharing.receive")
    return _sub_out(_incoming(request, submission_id), upper=True)


@router.post("/sharing/incoming/{submission_id}/used", response={200: SharingSubmissionOut, **ERRORS},
             summary="标记供稿已采用", description="采用计入下级中心的外宣考核（级别按本中心：市级为地市级，省级为省级）。已处理返回 409。")
def sharing_mark_used(request, submission_id: Id, payload: SharingUsedIn):
    require(request, "sharing.receive")
    s = _incoming(request, submission_id)
    services.mark_used(submission=s, user=request.user, outlet_name=payload.outlet_name, used_on=payload.used_on,
                       url=payload.url)
    return _sub_out(_incoming(request, submission_id), upper=True)


@router.post("/sharing/incoming/{submission_id}/not-used", response={200: SharingSubmissionOut, **ERRORS},
             summary="标记供稿未采用")
def sharing_mark_not_used(request, submission_id: Id, payload: SharingReasonIn):
    require(request, "sharing.receive")
    s = _incoming(request, submission_id)
    services.mark_not_used(submission=s, user=request.user, reason=payload.reason)
    return _sub_out(_incoming(request, submission_id), upper=True)


@router.post("/sharing/incoming/{submission_id}/take-in", response={201: SharingTakenOut, **ERRORS},
             summary="下级供稿转为本中心稿件", description="复制正文与图片视频为本中心草稿；不算采用，刊发后再标记采用。")
def sharing_take_in(request, submission_id: Id):
    require(request, "sharing.receive")
    story = services.take_in(submission=_incoming(request, submission_id), user=request.user)
    return Status(201, {"story_id": story.pk, "lead_id": None})
