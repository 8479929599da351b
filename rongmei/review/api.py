"""Review API (三审三校) for the mobile review app: my inbox, one review as the review screen
shows it, the actions of a step (approve, edit and approve, send back, reassign), a story's
content checks, and a story's sign-off chain with its verification.

Thin, as the screens: the same selectors (`inbox`), the same engine calls and the same
eligibility rules (who holds the step, separation of duties, review.reassign). Every action
carries the content hash the person saw (`seen_hash` of the review); when the piece has
changed since, the answer is 409 and nothing changes."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.core.exceptions import ValidationError
from ninja import Field, Router, Schema, Status
from ninja.errors import HttpError

from rongmei.core.api import require
from rongmei.core.api_kit import ERRORS, CursorQuery, LimitQuery, page_of, paginate_list
from rongmei.core.ids import Id, Version
from rongmei.newsroom.published import published_channels
from rongmei.newsroom.selectors import story_for_page
from rongmei.newsroom.services.stories import StaleStory, StoryData
from rongmei.newsroom.models import Rendition
from rongmei.review import engine, inbox, ledger, services, submit_checks
from rongmei.review.checks import CHECK_LABELS
from rongmei.review.findings import field_label, grouped_findings
from rongmei.review.models import Review, ReviewTask, SignOff

router = Router(tags=["审核"])

HASH = Field(..., min_length=1, max_length=128,
             description="审核时看到的内容摘要：取自 GET /reviews/{id} 的 seen_hash；稿件此后被修改则返回 409")


# --- Schemas --------------------------------------------------------------------------------------

class InboxItemOut(Schema):
    review_id: int
    task_id: int
    story_id: int
    headline: str
    column: str | None
    step_index: int = Field(..., description="当前环节序号（从 0 开始）")
    step_name: str
    workflow: str
    opened_at: dt.datetime
    due_at: dt.datetime = Field(..., description="本环节时限")
    overdue: bool
    own_piece: bool = Field(..., description="本人采写或署名的稿件：由他人办理")
    nobody_eligible: bool = Field(..., description="本环节无人可以办理，待改派")


class ReviewPersonOut(Schema):
    id: int
    name: str


class ChoiceOut(Schema):
    value: str = Field(..., description="改派目标：person:<编号> 或 role:<角色代码>")
    label: str


class StepOut(Schema):
    index: int
    name: str
    kind: str = Field(..., description="review 审核；proof 校对")
    assignee: str = Field(..., description="由谁办理：指定人员或角色")
    reassigned_from: str | None
    state: Literal["done", "current", "pending"]


class ActOut(Schema):
    may_act: bool = Field(..., description="您现在能否通过、修改并通过或退回")
    why_not: str = Field(..., description="不能办理的原因（能办理时为空）")
    is_author: bool
    duty_conflict: str = Field(..., description="三审三校分工限制（作者不能审自己的稿件；同一人不能签两个审级）")
    step_assignee: str
    eligible: list[ReviewPersonOut] = Field(..., description="本环节现在可以办理的人；为空表示须改派")
    can_send_back: bool
    can_reassign: bool
    reassign_choices: list[ChoiceOut]


class FindingOut(Schema):
    severity: Literal["block", "warn", "info"] = Field(..., description="block 阻止签发；warn 提示；info 参考")
    check: str
    check_label: str
    text: str
    message: str
    suggestion: str
    fields: list[str] = Field(..., description="出现的字段，如 body、rendition:weibo:text")
    where: str = Field(..., description="出现位置的中文说明")


class ChecksOut(Schema):
    blocking: bool = Field(..., description="有阻止签发的问题")
    findings: list[FindingOut]


class PublishedFieldOut(Schema):
    key: str
    label: str
    kind: str = Field(..., description="text、html、image、link、tags、images")
    value: str | list[str] | list[dict[str, Any]] | None
    text: str = Field(..., description="读者看到的文字（html 为纯文本）")
    note: str


class PublishedChannelOut(Schema):
    channel: str
    label: str
    fields: list[PublishedFieldOut]


class RoundOut(Schema):
    id: int
    step_index: int
    step_name: str
    kind: str = Field(..., description="review 审核；proof 校对轮次")
    status: str
    status_label: str
    opened_at: dt.datetime
    due_at: dt.datetime
    closed_at: dt.datetime | None
    actor: str | None


class CommentOut(Schema):
    id: int
    author: str
    field: str
    quote: str
    body: str
    story_version: int
    created_at: dt.datetime


class ChangeOut(Schema):
    field: str
    label: str
    diff_html: str


class SignOffOut(Schema):
    seq: int
    review_id: int
    step_index: int
    step_name: str
    action: str
    action_label: str
    signer_id: int
    signer: str
    content_hash: str
    story_version: int
    reason: str
    created_at: dt.datetime
    prev_hash: str
    record_hash: str


class StoryBriefOut(Schema):
    id: int
    headline: str
    status: str
    version: int
    column: str | None


class ReviewOut(Schema):
    id: int
    status: str
    status_label: str
    workflow: str
    story: StoryBriefOut
    channels: list[str]
    submitted_by: str
    submitted_at: dt.datetime
    current_step: int
    is_last_step: bool
    due_at: dt.datetime | None = Field(..., description="当前环节时限（不在审核中时为 null）")
    steps: list[StepOut]
    seen_hash: str = Field(..., description="现在的内容摘要：通过、修改并通过、退回、改派时原样带回")
    act: ActOut
    checks: ChecksOut
    published: list[PublishedChannelOut] = Field(..., description="各渠道发出的每个字段，与审核页所示一致")
    rounds: list[RoundOut] = Field(..., description="每个环节每次到达的办理记录（校对轮次 kind 为 proof）")
    changes_since_version: int | None = Field(..., description="上一环节通过时的版本")
    changes: list[ChangeOut]
    comments: list[CommentOut]
    signoffs: list[SignOffOut]


class ApproveIn(Schema):
    seen_hash: str = HASH
    reason: str = Field("", max_length=2000, description="说明；终审确认放行阻止签发的问题时必填")
    override_blocking: bool = Field(False, description="终审确认放行阻止签发的问题")


class EditApproveIn(Schema):
    seen_hash: str = HASH
    version: Version = Field(..., description="开始修改时稿件的版本（story.version）")
    kicker: str | None = Field(None, max_length=200, description="不传则不变；下同")
    headline: str | None = Field(None, max_length=200)
    subheadline: str | None = Field(None, max_length=200)
    summary: str | None = Field(None, max_length=2000)
    body: str | None = Field(None, max_length=500_000)


class SendBackIn(Schema):
    seen_hash: str = HASH
    reason: str = Field(..., max_length=2000, description="退回原因（必填，作者会收到）")


class ReassignIn(Schema):
    seen_hash: str = HASH
    target: str = Field(..., max_length=60, description="person:<人员编号> 或 role:<角色代码>，见 act.reassign_choices")
    reason: str = Field("", max_length=300, description="改派原因（记入签字链）")


class SubmitIn(Schema):
    channels: list[str] = Field(..., max_length=20, description="一同送审的渠道稿（须已生成），如 [\"web\", \"weibo\"]")


class PreflightOut(Schema):
    channel: str
    message: str


class SubmittedOut(Schema):
    review: ReviewOut
    preflight: list[PreflightOut] = Field(..., description="送审前检查：这些渠道稿发布时会被拒收或截断，请在签发前处理（不阻止送审）")


class CheckedFieldOut(Schema):
    name: str
    label: str
    count: int


class StoryChecksOut(Schema):
    story_id: int
    story_version: int
    blocking: bool
    findings: list[FindingOut]
    fields: list[CheckedFieldOut]


class ChainProblemOut(Schema):
    seq: int
    message: str


class SignOffChainOut(Schema):
    story_id: int
    verified: bool = Field(..., description="这篇稿件的每条签字记录都与其摘要相符，且与前后记录链接完整")
    problems: list[ChainProblemOut] = Field(..., description="哪条记录、哪个链接出了问题")
    items: list[SignOffOut]


# --- Mapping --------------------------------------------------------------------------------------

def _inbox_item(task: ReviewTask) -> InboxItemOut:
    review, story = task.review, task.review.story
    return InboxItemOut(
        review_id=review.pk, task_id=task.pk, story_id=story.pk, headline=story.headline,
        column=story.column.name if story.column_id else None, step_index=task.step_index, step_name=task.step_name,
        workflow=review.workflow_name, opened_at=task.opened_at, due_at=task.due_at, overdue=task.overdue,
        own_piece=task.own, nobody_eligible=task.nobody)


def _findings(findings) -> list[FindingOut]:
    return [FindingOut(severity=g["severity"], check=g["check"], check_label=CHECK_LABELS.get(g["check"], g["check"]),
                       text=g["text"], message=g["message"], suggestion=g["suggestion"], fields=g["fields"],
                       where=g["where"]) for g in grouped_findings(findings)]


def _signoff(s: SignOff) -> SignOffOut:
    return SignOffOut(seq=s.seq, review_id=s.review_id, step_index=s.step_index, step_name=s.step_name, action=s.action,
                      action_label=s.get_action_display(), signer_id=s.signer_id, signer=str(s.signer),
                      content_hash=s.content_hash, story_version=s.story_version, reason=s.reason,
                      created_at=s.created_at, prev_hash=s.prev_hash, record_hash=s.record_hash)


def _value(value):
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, (list, tuple)):
        return [v if isinstance(v, (str, dict)) else str(v) for v in value]
    return str(value)


def _steps(review: Review) -> list[StepOut]:
    out = []
    for i, step in enumerate(review.steps):
        if review.status == Review.Status.SIGNED_OFF or i < review.current_step:
            state = "done"
        elif i == review.current_step and review.status == Review.Status.IN_REVIEW:
            state = "current"
        else:
            state = "pending"
        out.append(StepOut(index=i, name=step["name"], kind=step.get("kind", "review"), assignee=engine.step_label(step),
                           reassigned_from=step.get("reassigned_from"), state=state))
    return out


def _review_out(request, review: Review) -> ReviewOut:
    story = review.story
    people = inbox.step_people(review, request.user)
    check = services.check_story(story=story)
    since, changes = inbox.diff_since_last_review(review)
    in_review = review.status == Review.Status.IN_REVIEW
    step = review.steps[review.current_step]
    open_task = next((t for t in review.tasks.all() if t.status == ReviewTask.Status.OPEN), None) if in_review else None
    why = inbox.why_not(review, people)
    act = ActOut(
        may_act=not why, why_not=why, is_author=people.get("is_author", request.user.pk in engine.authors_of(story)),
        duty_conflict=people.get("duty_conflict", ""), step_assignee=people.get("step_assignee", engine.step_label(step)),
        eligible=[ReviewPersonOut(id=u.pk, name=str(u)) for u in people.get("eligible", [])],
        can_send_back=not why and bool(step.get("can_send_back", True)),
        can_reassign=bool(people.get("can_reassign")) and not people.get("is_author"),
        reassign_choices=[ChoiceOut(value=v, label=label) for v, label in people.get("reassign_choices", [])]
        if not people.get("is_author") else [],
    )
    return ReviewOut(
        id=review.pk, status=review.status, status_label=review.get_status_display(), workflow=review.workflow_name,
        story=StoryBriefOut(id=story.pk, headline=story.headline, status=story.status, version=story.version,
                            column=story.column.name if story.column_id else None),
        channels=list(review.channels), submitted_by=str(review.submitted_by), submitted_at=review.submitted_at,
        current_step=review.current_step, is_last_step=review.current_step == len(review.steps) - 1,
        due_at=open_task.due_at if open_task else None, steps=_steps(review),
        seen_hash=engine.content_hash(story, review.channels), act=act,
        checks=ChecksOut(blocking=check.blocking, findings=_findings(check.findings)),
        published=[PublishedChannelOut(channel=c["channel"], label=c["label"], fields=[
            PublishedFieldOut(key=f.key, label=f.label, kind=f.kind, value=_value(f.value), text=f.text, note=f.note)
            for f in c["fields"]]) for c in published_channels(story, review.channels)],
        rounds=[RoundOut(id=t.pk, step_index=t.step_index, step_name=t.step_name,
                         kind=review.steps[t.step_index].get("kind", "review") if t.step_index < len(review.steps) else "review",
                         status=t.status, status_label=t.get_status_display(), opened_at=t.opened_at, due_at=t.due_at,
                         closed_at=t.closed_at, actor=str(t.actor) if t.actor_id else None) for t in review.tasks.all()],
        changes_since_version=since,
        changes=[ChangeOut(field=c["field"], label=c["label"], diff_html=c["diff"]) for c in changes],
        comments=[CommentOut(id=c.pk, author=str(c.author), field=c.field, quote=c.quote, body=c.body,
                             story_version=c.story_version, created_at=c.created_at) for c in review.comments.all()],
        signoffs=[_signoff(s) for s in review.signoffs.all()],
    )


# --- Lookups and eligibility ------------------------------------------------------------------------

def _review(request, review_id: int) -> Review:
    """The review in the person's center whose story they may read (else 404, as the screen)."""
    review = inbox.review_page(request.center, review_id)
    story_for_page(request.center, review.story_id, request.user)  # a story in review is unpublished: 404 unless readable
    return review


def _in_review(review: Review) -> None:
    if review.status != Review.Status.IN_REVIEW:
        raise HttpError(409, f"这篇稿件当前“{review.get_status_display()}”，不在审核中。")


def _actor(request, review_id: int) -> Review:
    """The review, if this person may act at its current step now (403 with the reason)."""
    review = _review(request, review_id)
    _in_review(review)
    why = inbox.why_not(review, inbox.step_people(review, request.user))
    if why:
        raise HttpError(403, why)
    return review


def _fresh(request, review_id: int) -> ReviewOut:
    return _review_out(request, _review(request, review_id))


# --- Operations -----------------------------------------------------------------------------------

@router.get("/reviews/inbox", response={200: page_of(InboxItemOut), **ERRORS}, summary="待我审核（按时限排序）",
            description="scope=mine：当前环节由我（或我的角色）办理的稿件；scope=others：其他环节（督办，需要“查看审核用时统计”权限）。")
def review_inbox(request, scope: Literal["mine", "others"] = "mine", overdue: bool | None = None,
                 cursor: str | None = CursorQuery, limit: int = LimitQuery):
    require(request, "review.review")
    if scope == "others":
        require(request, "review.view_stats")
    tasks = inbox.inbox(request.center, request.user)["tasks" if scope == "mine" else "others"]
    if overdue is not None:
        tasks = [t for t in tasks if t.overdue == overdue]
    return paginate_list(tasks, cursor=cursor, limit=limit, out=_inbox_item)


@router.get("/reviews/{review_id}", response={200: ReviewOut, **ERRORS}, summary="一篇送审稿件（审核页的全部内容）",
            description="稿件、流程与环节、各渠道发出的字段、内容检查结果、校对轮次、批注、签字记录、"
                        "谁能办理及您不能办理的原因，以及办理时须带回的 seen_hash。")
def review_get(request, review_id: Id):
    require(request, "newsroom.view_stories")
    return _fresh(request, review_id)


@router.post("/reviews/{review_id}/approve", response={200: ReviewOut, **ERRORS}, summary="通过（最后环节即签发）",
             description="须带 seen_hash；稿件已被修改返回 409。作者本人、不办理本环节或已签过其他审级的人返回 403。"
                         "内容检查有阻止签发的问题时返回 422，终审可写明理由并 override_blocking=true 确认放行。")
def review_approve(request, review_id: Id, payload: ApproveIn):
    require(request, "newsroom.view_stories")
    review = _actor(request, review_id)
    try:
        engine.approve(review=review, user=request.user, seen_hash=payload.seen_hash, reason=payload.reason,
                       override_blocking=payload.override_blocking)
    except engine.StaleContent as exc:
        raise HttpError(409, exc.messages[0]) from exc
    return _fresh(request, review_id)


@router.post("/reviews/{review_id}/edit-approve", response={200: ReviewOut, **ERRORS}, summary="修改并通过",
             description="审核人直接改稿（引题、主标题、副标题、摘要、正文，与“修改并通过”页相同；不传的字段不变），"
                         "修改成为新版本并视为本环节通过。须带 seen_hash 和开始修改时的 version，稿件已被修改返回 409。")
def review_edit_and_approve(request, review_id: Id, payload: EditApproveIn):
    require(request, "review.review")
    review = _actor(request, review_id)
    story = review.story
    data = StoryData(
        headline=story.headline if payload.headline is None else payload.headline,
        kicker=story.kicker if payload.kicker is None else payload.kicker,
        subheadline=story.subheadline if payload.subheadline is None else payload.subheadline,
        summary=story.summary if payload.summary is None else payload.summary,
        body=story.body if payload.body is None else payload.body,
        column_id=story.column_id, tags=list(story.tags), location=story.location, source=story.source,
        embargo_until=story.embargo_until,
    )
    try:
        engine.edit_and_approve(review=review, user=request.user, data=data, base_version=payload.version,
                                seen_hash=payload.seen_hash)
    except engine.StaleContent as exc:
        raise HttpError(409, exc.messages[0]) from exc
    except StaleStory as exc:
        raise HttpError(409, str(exc)) from exc
    return _fresh(request, review_id)


@router.post("/reviews/{review_id}/send-back", response={200: ReviewOut, **ERRORS}, summary="退回（须写明原因）",
             description="按环节设置退回作者或更早的环节。须带 seen_hash；稿件已被修改返回 409。")
def review_send_back(request, review_id: Id, payload: SendBackIn):
    require(request, "newsroom.view_stories")
    review = _actor(request, review_id)
    try:
        engine.send_back(review=review, user=request.user, reason=payload.reason, seen_hash=payload.seen_hash)
    except engine.StaleContent as exc:
        raise HttpError(409, exc.messages[0]) from exc
    return _fresh(request, review_id)


@router.post("/reviews/{review_id}/reassign", response={200: ReviewOut, **ERRORS}, summary="改派当前环节",
             description="需要“改派审核环节”权限，作者本人不能为自己的稿件改派。target 取自 act.reassign_choices。"
                         "须带 seen_hash；稿件已被修改返回 409。")
def review_reassign(request, review_id: Id, payload: ReassignIn):
    require(request, "review.reassign")
    review = _review(request, review_id)
    if request.user.pk in engine.authors_of(review.story):
        raise HttpError(403, "您是这篇稿件的作者，不能为它指定审核人。请由中心管理员或其他总编辑改派。")
    _in_review(review)
    try:
        engine.reassign(review=review, user=request.user, target=payload.target, reason=payload.reason,
                        seen_hash=payload.seen_hash)
    except engine.StaleContent as exc:
        raise HttpError(409, exc.messages[0]) from exc
    return _fresh(request, review_id)


@router.post("/stories/{story_id}/submit", response={201: SubmittedOut, **ERRORS}, summary="送审",
             description="稿件与所选渠道稿按适用的流程进入审核（与稿件页的“送审”相同）。")
def review_submit(request, story_id: Id, payload: SubmitIn):
    require(request, "review.submit")
    story = story_for_page(request.center, story_id, request.user)  # drafts only for who may read them
    unknown = [c for c in payload.channels if c not in Rendition.Channel.values]
    if unknown:
        raise ValidationError({"channels": [f"渠道只能是：{'、'.join(Rendition.Channel.values)}。"]})
    channels = sorted(set(payload.channels))
    review = engine.submit(story=story, user=request.user, channels=channels)
    preflight = [PreflightOut(channel=c, message=m) for c, m in submit_checks.problems(story, channels)]
    return Status(201, SubmittedOut(review=_fresh(request, review.pk), preflight=preflight))


@router.get("/stories/{story_id}/checks", response={200: StoryChecksOut, **ERRORS}, summary="运行稿件的内容检查",
            description="敏感词、规范表述、领导职务、易错字词、日期、图片，覆盖母稿、图片说明和各渠道稿（与稿件检查页相同）。"
                        "链接能否打开在任务队列中检查，请在稿件检查页发起。")
def review_story_checks(request, story_id: Id):
    require(request, "review.run_checks")
    story = story_for_page(request.center, story_id, request.user)
    result = services.check_story(story=story)
    return StoryChecksOut(story_id=story.pk, story_version=story.version, blocking=result.blocking,
                          findings=_findings(result.findings),
                          fields=[CheckedFieldOut(name=f["name"], label=field_label(f["name"]), count=f["count"])
                                  for f in result.highlighted()])


@router.get("/stories/{story_id}/signoffs", response={200: SignOffChainOut, **ERRORS},
            summary="稿件的签字记录及其校验",
            description="这篇稿件所有送审的签字记录（按签字链序号）。verified 表示每条记录都与其摘要相符、"
                        "与前后记录的链接完整；否则 problems 指出哪一条、哪个链接断了。")
def review_story_signoffs(request, story_id: Id):
    require(request, "newsroom.view_stories")
    story = story_for_page(request.center, story_id, request.user)
    records = list(SignOff.objects.filter(center=request.center, review__story=story).select_related("signer")
                   .order_by("seq"))
    problems = ledger.verify_records(request.center, records)
    return SignOffChainOut(story_id=story.pk, verified=not problems,
                           problems=[ChainProblemOut(seq=p.seq, message=p.message) for p in problems],
                           items=[_signoff(s) for s in records])
