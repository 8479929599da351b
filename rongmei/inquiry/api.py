"""网络问政 for staff: the coordinator's queue and the department liaison's work, one case with
everything on it, and every step of the loop (受理并转办, 不予受理, 合并, 请群众补充, 答复, 审核答复,
延期, 退回, 公开, 办结). Same rules as the screens: `selectors.case_access` decides who sees a
case and which steps they may take, `services` does each step (its refusals are 422, or 409
when the case has moved on: handled or decided already)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Literal

from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import HttpError

from rongmei.core.api import require
from rongmei.core.api_kit import (
    ERRORS,
    CursorQuery,
    LimitQuery,
    invalid,
    page_of,
    paginate,
)
from rongmei.core.ids import Id
from rongmei.core.models import Department
from rongmei.core.tenancy import scoped
from rongmei.inquiry import selectors, services
from rongmei.inquiry.models import Case

router = Router(tags=["网络问政（工作人员）"])

CaseStatus = Literal["submitted", "processing", "waiting", "replied", "closed", "rejected", "merged"]
Tab = Literal["submitted", "processing", "review", "extensions", "replied", "overdue", "closed"]
assert set(CaseStatus.__args__) == set(Case.Status.values) and set(Tab.__args__) == set(selectors.TAB_KEYS)

NO_INQUIRY = "没有权限：需要“受理、转办网络问政”或“以政府部门身份办理并答复问政”。"
NOT_YOURS = "未找到该对象，或它不属于您当前的中心。"
STEP_REFUSED = {
    "handler": "这一步只有问政受理人员可以办理。",
    "department": "这一步只有承办此件的部门可以办理。",
}


# --- Schemas ----------------------------------------------------------------------------------------

class InquiryDepartmentRefOut(Schema):
    id: int
    name: str
    short_name: str


class InquiryCaseRefOut(Schema):
    id: int
    code: str
    title: str


class InquiryCaseSummaryOut(Schema):
    id: int
    code: str = Field(..., description="查询码（群众凭它查询与评价）")
    kind: str = Field(..., description="consult 咨询 / suggest 建议 / complain 投诉 / help 求助 / tip 爆料")
    kind_label: str
    title: str
    status: str = Field(..., description="submitted 待受理 / processing 办理中 / waiting 待补充材料 / replied 已答复 / "
                                         "closed 已办结 / rejected 不予受理 / merged 已合并")
    status_label: str
    emergency: bool
    is_public: bool = Field(..., description="答复已在网站公开")
    source: str
    lead_department: InquiryDepartmentRefOut | None = Field(None, description="主办部门（受理后）")
    ack_due_at: dt.datetime | None = Field(None, description="受理期限")
    due_at: dt.datetime | None = Field(None, description="办理期限（按工作日计算）")
    overdue: bool = Field(..., description="办理中且已过办理期限")
    duplicates: int = Field(..., description="群众重复提交的次数")
    created_at: dt.datetime


class InquiryContactOut(Schema):
    name: str = Field(..., description="称呼")
    show_name: bool = Field(..., description="群众同意公开时显示称呼")
    phone: str = Field(..., description="联系电话（遮挡，如 138****1234）")
    email: str = Field(..., description="电子邮箱（遮挡）")


class InquiryFullContactOut(Schema):
    name: str
    phone: str = Field(..., description="完整联系电话")
    email: str


class InquiryAssignmentOut(Schema):
    department: InquiryDepartmentRefOut
    is_lead: bool = Field(..., description="主办（联办时）")
    status: str = Field(..., description="open 办理中 / replied 已答复 / returned 已退回")
    status_label: str
    return_reason: str
    assigned_at: dt.datetime
    chased: bool = Field(..., description="已督办")
    escalated: bool = Field(..., description="已升级督办")


class InquiryFindingOut(Schema):
    check: str = Field(..., description="vague 含糊承诺 / sensitive 敏感词 / wording 规范表述")
    text: str
    message: str


class InquiryReplyOut(Schema):
    id: int
    department: InquiryDepartmentRefOut
    author: str
    text: str
    status: str = Field(..., description="pending 待审核 / approved 已通过 / returned 已退回修改")
    status_label: str
    findings: list[InquiryFindingOut] = Field(..., description="提交时的答复检查提示")
    review_note: str = Field(..., description="审核（退回）意见")
    created_at: dt.datetime
    approved_at: dt.datetime | None


class InquiryExtensionOut(Schema):
    id: int
    department: InquiryDepartmentRefOut
    days: int = Field(..., description="延长的工作日")
    reason: str
    status: str = Field(..., description="pending 待审批 / approved 已同意 / denied 未同意")
    status_label: str
    requested_by: str
    decided_by: str | None
    created_at: dt.datetime


class InquiryEventOut(Schema):
    kind: str
    text: str
    actor: str | None
    public: bool = Field(..., description="群众在查询页能看到")
    created_at: dt.datetime


class InquiryMediaOut(Schema):
    kind: str = Field(..., description="image / video")
    mime: str
    url: str


class InquirySuggestionOut(Schema):
    department: InquiryDepartmentRefOut
    words: list[str] = Field(..., description="命中的转办关键词")


class InquiryCaseOut(InquiryCaseSummaryOut):
    text: str
    address: str
    lat: Decimal | None
    lng: Decimal | None
    category: str
    contact: InquiryContactOut
    reject_reason: str
    merged_into: InquiryCaseRefOut | None
    accepted_at: dt.datetime | None
    replied_at: dt.datetime | None
    closed_at: dt.datetime | None
    published_at: dt.datetime | None
    paused_at: dt.datetime | None = Field(None, description="等群众补充、暂停计时的开始")
    reopened: int = Field(..., description="群众不满意后重办的次数")
    rating: str = Field(..., description="satisfied 满意 / basic 基本满意 / unsatisfied 不满意；空：未评价")
    rating_label: str
    rating_comment: str
    rated_at: dt.datetime | None
    lead_id: int | None = Field(None, description="爆料转成的新闻线索")
    assignments: list[InquiryAssignmentOut]
    replies: list[InquiryReplyOut]
    extensions: list[InquiryExtensionOut]
    events: list[InquiryEventOut] = Field(..., description="办理经过（时间顺序）")
    media: list[InquiryMediaOut]
    suggested_departments: list[InquirySuggestionOut] = Field(..., description="待受理时按关键词建议的承办部门（受理人员）")
    handler: bool = Field(..., description="您是本中心的问政受理人员")
    my_department: InquiryDepartmentRefOut | None = Field(None, description="您所在、承办此件的部门")
    actions: list[str] = Field(..., description="您有权办理的步骤（状态不符时仍会被拒绝）")


class InquiryAcceptIn(Schema):
    department_ids: list[Id] = Field([], max_length=50, description="承办部门（可多个；爆料不需要，转给编辑部）")
    lead_id: Id | None = Field(None, description="主办部门（联办时；默认第一个）")
    category: str = Field("", max_length=40, description="分类，如 市政设施")
    emergency: bool | None = Field(None, description="紧急（当日办理）；不传则不变")


class InquiryReasonIn(Schema):
    reason: str = Field("", max_length=300, description="原因或依据")


class InquiryMergeIn(Schema):
    into_id: Id = Field(..., description="合并到的问政件")


class InquiryQuestionIn(Schema):
    question: str = Field("", max_length=200, description="需要群众补充什么")


class InquiryReplyIn(Schema):
    text: str = Field("", max_length=20000, description="答复内容，20–5000 字")
    confirm_flags: bool = Field(False, description="已看过答复检查的提示，仍然提交")


class InquiryNoteIn(Schema):
    note: str = Field("", max_length=300, description="退回修改意见")


class InquiryExtensionIn(Schema):
    days: int = Field(..., description="延长的工作日，1–15（超出范围的由服务拒绝，422）")
    reason: str = Field("", max_length=300, description="延期理由")


class InquiryDecisionIn(Schema):
    approve: bool = Field(..., description="true 同意，false 不同意")


# --- Helpers ----------------------------------------------------------------------------------------

def _dept(d: Department | None) -> InquiryDepartmentRefOut | None:
    return InquiryDepartmentRefOut(id=d.pk, name=d.name, short_name=d.short_name) if d is not None else None


def _summary_fields(c: Case, now) -> dict:
    return dict(
        id=c.pk, code=c.code, kind=c.kind, kind_label=c.get_kind_display(), title=c.title, status=c.status,
        status_label=c.get_status_display(), emergency=c.emergency, is_public=c.is_public, source=c.source,
        lead_department=_dept(c.lead_department), ack_due_at=c.ack_due_at, due_at=c.due_at,
        overdue=bool(c.due_at and c.due_at < now and c.status == Case.Status.PROCESSING), duplicates=c.duplicates,
        created_at=c.created_at,
    )


def _summary(c: Case) -> InquiryCaseSummaryOut:
    return InquiryCaseSummaryOut(**_summary_fields(c, timezone.now()))


def _case_out(access: selectors.CaseAccess) -> InquiryCaseOut:
    c, now = access.case, timezone.now()
    suggested = services.suggest_departments(c) if access.handler and c.status == Case.Status.SUBMITTED else []
    return InquiryCaseOut(
        **_summary_fields(c, now),
        text=c.text, address=c.address, lat=c.lat, lng=c.lng, category=c.category,
        contact=InquiryContactOut(name=c.name, show_name=c.show_name, phone=c.masked_phone, email=c.masked_email if c.email else ""),
        reject_reason=c.reject_reason,
        merged_into=InquiryCaseRefOut(id=c.merged_into.pk, code=c.merged_into.code, title=c.merged_into.title) if c.merged_into else None,
        accepted_at=c.accepted_at, replied_at=c.replied_at, closed_at=c.closed_at, published_at=c.published_at,
        paused_at=c.paused_at, reopened=c.reopened, rating=c.rating, rating_label=c.get_rating_display() if c.rating else "",
        rating_comment=c.rating_comment, rated_at=c.rated_at, lead_id=c.lead_id_ref,
        assignments=[InquiryAssignmentOut(department=_dept(a.department), is_lead=a.is_lead, status=a.status,
                                   status_label=a.get_status_display(), return_reason=a.return_reason,
                                   assigned_at=a.assigned_at, chased=a.chased_at is not None,
                                   escalated=a.escalated_at is not None)
                     for a in c.assignments.select_related("department")],
        replies=[InquiryReplyOut(id=r.pk, department=_dept(r.department), author=str(r.author), text=r.text, status=r.status,
                          status_label=r.get_status_display(),
                          findings=[InquiryFindingOut(check=str(f.get("check", "")), text=str(f.get("text", "")),
                                               message=str(f.get("message", ""))) for f in (r.findings or [])],
                          review_note=r.review_note, created_at=r.created_at, approved_at=r.approved_at)
                 for r in c.replies.select_related("department", "author")],
        extensions=[InquiryExtensionOut(id=x.pk, department=_dept(x.department), days=x.days, reason=x.reason, status=x.status,
                                 status_label=x.get_status_display(), requested_by=str(x.requested_by),
                                 decided_by=str(x.decided_by) if x.decided_by else None, created_at=x.created_at)
                    for x in c.extensions.select_related("department", "requested_by", "decided_by").order_by("created_at", "id")],
        events=[InquiryEventOut(kind=e.kind, text=e.text, actor=str(e.actor) if e.actor else None, public=e.public,
                         created_at=e.created_at) for e in c.events.select_related("actor")],
        media=[InquiryMediaOut(kind=m.kind, mime=m.mime, url=m.file.url) for m in c.media.all()],
        suggested_departments=[InquirySuggestionOut(department=_dept(d), words=words) for d, words in suggested],
        handler=access.handler, my_department=_dept(access.department), actions=sorted(access.actions),
    )


def _access(request, case_id: int) -> selectors.CaseAccess:
    """The case as this person may work on it; a case neither theirs to handle nor given to
    their department is a 404, like another center's."""
    if not (request.user.has_perm("inquiry.handle", request.center) or request.user.has_perm("inquiry.answer", request.center)):
        raise HttpError(403, NO_INQUIRY)
    access = selectors.case_access(request.center, request.user, case_id)
    if access is None:
        raise Http404(NOT_YOURS)
    return access


def _step(request, case_id: int, action: str) -> selectors.CaseAccess:
    """`_access`, and the person may take this step on the case (as the screen allows)."""
    if action in selectors.HANDLER_ACTIONS:
        require(request, "inquiry.handle")
    elif action in selectors.DEPARTMENT_ACTIONS:
        require(request, "inquiry.answer")
    access = _access(request, case_id)
    if action not in access.actions:
        raise HttpError(403, STEP_REFUSED["handler" if action in selectors.HANDLER_ACTIONS else "department"])
    return access


def _after(request, access: selectors.CaseAccess, status: int = 200):
    """The case as it is now, for the answer of a step."""
    fresh = selectors.case_access(request.center, request.user, access.case.pk)
    if fresh is None:  # a department that handed the case back no longer sees it
        fresh = selectors.CaseAccess(Case.objects.get(pk=access.case.pk), access.handler, None)
    return Status(status, _case_out(fresh))


CASE = {200: InquiryCaseOut, **ERRORS}


# --- Reads ------------------------------------------------------------------------------------------

@router.get("/inquiry/cases", response={200: page_of(InquiryCaseSummaryOut), **ERRORS}, summary="问政件列表",
            description="问政受理人员看本中心全部问政件，部门联络员只看交给本部门的。筛选与受理页相同：tab（页签）、"
                        "status（可重复）、department_id（承办部门）、overdue（办理中已超期）、due_soon（两天内到期）、"
                        "q（查询码、标题、内容；受理人员还可按完整电话号码查）。order=newest 最新提交在前，"
                        "order=due 按办理期限先后（只列有期限的）。")
def inquiry_list_cases(
    request,
    tab: Tab | None = Query(None, description="受理页的页签：submitted 待受理 / processing 办理中 / review 待审核答复 / "
                                              "extensions 延期申请 / replied 已答复待办结 / overdue 已超期 / closed 已办结"),
    status: list[CaseStatus] | None = Query(None, description="状态（可重复）"),
    department_id: Id | None = Query(None, description="承办部门"),
    overdue: bool = Query(False, description="只看办理中且已超期的"),
    due_soon: bool = Query(False, description="只看两天内到期、尚未超期的"),
    q: str = Query("", max_length=100, description="查找"),
    order: Literal["newest", "due"] = Query("newest", description="newest 最新在前；due 期限近的在前"),
    cursor: str | None = CursorQuery,
    limit: int = LimitQuery,
):
    user, center = request.user, request.center
    handler = user.has_perm("inquiry.handle", center)
    department = None
    if not handler:
        if not user.has_perm("inquiry.answer", center):
            raise HttpError(403, NO_INQUIRY)
        department = services.department_of(user, center)
        if department is None:
            raise HttpError(403, "您的账号没有绑定政府部门，请联系中心管理员。")
    cases = selectors.queue(selectors.cases_for(center, user, department=department), tab=tab or "",
                            statuses=status or (), department_id=department_id, overdue=overdue, due_soon=due_soon,
                            q=q, by_phone=handler, order=order)
    return paginate(cases, cursor=cursor, limit=limit,
                    order=("due_at", "pk") if order == "due" else ("-created_at", "-pk"), out=_summary)


@router.get("/inquiry/cases/{case_id}", response=CASE, summary="一件问政：内容、办理经过、答复、延期、评价",
            description="群众的联系电话和邮箱是遮挡的；受理人员要完整号码用 POST …/contact（记入审计日志）。")
def inquiry_get_case(request, case_id: Id):
    return _case_out(_access(request, case_id))


@router.post("/inquiry/cases/{case_id}/contact", response={200: InquiryFullContactOut, **ERRORS},
             summary="查看群众的完整联系方式（问政受理人员；记入审计日志）")
def inquiry_reveal_contact(request, case_id: Id):
    require(request, "inquiry.handle")
    access = _access(request, case_id)
    return services.reveal_contact(case=access.case, user=request.user, handler=access.handler)


# --- Steps of the coordinator -------------------------------------------------------------------------

@router.post("/inquiry/cases/{case_id}/accept", response=CASE, summary="受理并转办（爆料转给编辑部作新闻线索）",
             description="待受理的件转给一个或多个部门（联办时指定主办），按工作日计算办理期限；爆料不需要部门。"
                         "转办后被部门退回、又回到待受理的件，也用这一步重新转办。")
def inquiry_accept_case(request, case_id: Id, payload: InquiryAcceptIn):
    access = _step(request, case_id, "accept")
    wanted = list(dict.fromkeys(payload.department_ids))
    found = {d.pk: d for d in scoped(Department, request.center).filter(pk__in=wanted)}
    if len(found) != len(wanted):
        raise ValidationError({"department_ids": ["有承办部门不存在或不属于本中心。"]})
    lead = None
    if payload.lead_id is not None:
        lead = scoped(Department, request.center).filter(pk=payload.lead_id).first()
        if lead is None:
            raise ValidationError({"lead_id": ["主办部门不存在或不属于本中心。"]})
    services.accept(case=access.case, user=request.user, departments=[found[i] for i in wanted], lead=lead,
                    category=payload.category, emergency=payload.emergency)
    return _after(request, access)


@router.post("/inquiry/cases/{case_id}/reject", response=CASE, summary="不予受理（原因群众能看到）")
def inquiry_reject_case(request, case_id: Id, payload: InquiryReasonIn):
    access = _step(request, case_id, "reject")
    services.reject(case=access.case, user=request.user, reason=payload.reason)
    return _after(request, access)


@router.post("/inquiry/cases/{case_id}/merge", response=CASE, summary="合并重复件到另一件问政")
def inquiry_merge_case(request, case_id: Id, payload: InquiryMergeIn):
    access = _step(request, case_id, "merge")
    into = scoped(Case, request.center).filter(pk=payload.into_id).first()
    if into is None:
        raise ValidationError({"into_id": ["要合并到的问政件不存在或不属于本中心。"]})
    services.merge(case=access.case, user=request.user, into=into)
    return _after(request, access)


@router.post("/inquiry/cases/{case_id}/replies/{reply_id}/approve", response=CASE,
             summary="审核通过部门的答复（群众可以看到）")
def inquiry_approve_reply(request, case_id: Id, reply_id: Id):
    access = _step(request, case_id, "approve_reply")
    services.approve_reply(reply_obj=get_object_or_404(access.case.replies, pk=reply_id), user=request.user)
    return _after(request, access)


@router.post("/inquiry/cases/{case_id}/replies/{reply_id}/return", response=CASE, summary="退回部门的答复，写明修改意见")
def inquiry_return_reply(request, case_id: Id, reply_id: Id, payload: InquiryNoteIn):
    access = _step(request, case_id, "return_reply")
    services.return_reply(reply_obj=get_object_or_404(access.case.replies, pk=reply_id), user=request.user,
                          note=payload.note)
    return _after(request, access)


@router.post("/inquiry/cases/{case_id}/extensions/{extension_id}/decide", response=CASE,
             summary="审批部门的延期申请（同意则办理期限顺延相应工作日）")
def inquiry_decide_extension(request, case_id: Id, extension_id: Id, payload: InquiryDecisionIn):
    access = _step(request, case_id, "approve_extension" if payload.approve else "deny_extension")
    services.decide_extension(extension=get_object_or_404(access.case.extensions, pk=extension_id), user=request.user,
                              approve=payload.approve)
    return _after(request, access)


@router.post("/inquiry/cases/{case_id}/publish", response=CASE,
             summary="在网站“网络问政”栏目公开答复（不含联系方式；须有审核通过的答复）")
def inquiry_publish_case(request, case_id: Id):
    access = _step(request, case_id, "publish")
    services.publish(case=access.case, user=request.user)
    return _after(request, access)


@router.post("/inquiry/cases/{case_id}/unpublish", response=CASE, summary="从网站撤下已公开的问政")
def inquiry_unpublish_case(request, case_id: Id):
    access = _step(request, case_id, "unpublish")
    services.unpublish(case=access.case, user=request.user)
    return _after(request, access)


@router.post("/inquiry/cases/{case_id}/close", response=CASE, summary="办结（已答复、群众未评价的件）")
def inquiry_close_case(request, case_id: Id):
    access = _step(request, case_id, "close")
    services.close(case=access.case, user=request.user)
    return _after(request, access)


@router.post("/inquiry/cases/{case_id}/resume", response=CASE, summary="恢复计时（不等群众补充，继续办理）")
def inquiry_resume_case(request, case_id: Id):
    access = _step(request, case_id, "resume")
    services.supplement(case=access.case, text="", user=request.user)
    return _after(request, access)


# --- Steps of the coordinator or the department -----------------------------------------------------------

@router.post("/inquiry/cases/{case_id}/ask", response=CASE, summary="请群众补充材料（办理期限暂停计算）")
def inquiry_ask_citizen(request, case_id: Id, payload: InquiryQuestionIn):
    access = _step(request, case_id, "ask")
    services.ask_citizen(case=access.case, user=request.user, question=payload.question)
    return _after(request, access)


# --- Steps of the department -------------------------------------------------------------------------

@router.post("/inquiry/cases/{case_id}/replies", response={201: InquiryCaseOut, **ERRORS}, summary="部门答复群众",
             description="答复先经答复检查（含糊承诺、敏感词、规范表述）：有提示时返回 422，errors.text 列出提示；"
                         "看过后仍要提交，带 confirm_flags=true 再提交一次。答复经问政受理人员审核通过后群众可见。")
def inquiry_reply_case(request, case_id: Id, payload: InquiryReplyIn):
    access = _step(request, case_id, "reply")
    try:
        services.reply(case=access.case, user=request.user, text=payload.text, confirm_flags=payload.confirm_flags)
    except ValidationError as exc:
        status, body = invalid(exc)
        status = getattr(exc, "api_status", status)
        if getattr(exc, "error_dict", None) and any(e.code == "flagged" for e in exc.error_dict.get("text", [])):
            body["detail"] = "答复中有需要注意的表述，请修改；看过提示后仍要提交，请带 confirm_flags=true 再次提交。"
        return Status(status, body)
    return _after(request, access, 201)


@router.post("/inquiry/cases/{case_id}/extensions", response={201: InquiryCaseOut, **ERRORS},
             summary="部门申请延期（1–15 个工作日，期限前申请，同时只能有一个待审批的申请）")
def inquiry_request_extension(request, case_id: Id, payload: InquiryExtensionIn):
    access = _step(request, case_id, "extension")
    services.request_extension(case=access.case, user=request.user, days=payload.days, reason=payload.reason)
    return _after(request, access, 201)


@router.post("/inquiry/cases/{case_id}/hand-back", response=CASE,
             summary="部门退回（不属于本部门职责，写明依据；所有部门都退回后回到待受理）")
def inquiry_hand_back_case(request, case_id: Id, payload: InquiryReasonIn):
    access = _step(request, case_id, "hand_back")
    services.hand_back(case=access.case, user=request.user, reason=payload.reason)
    return _after(request, access)
