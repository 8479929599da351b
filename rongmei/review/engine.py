"""The 三审三校 workflow engine: submission, approval, edit-and-approve, send-back,
invalidation when the piece changes, and the final sign-off (签发) publishing accepts.

Separation of duties is enforced here, not by the screens: the author never reviews their
own piece, and one person never signs two review levels of the same piece.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import hashlib
import hmac
import json

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from rongmei.core.models import Membership, User
from rongmei.core.services import notify, record
from rongmei.newsroom.models import Story
from rongmei.newsroom.services import stories as story_services
from rongmei.newsroom.services.stories import snapshot
from rongmei.review import ledger
from rongmei.review.models import Review, ReviewTask, SignOff, Workflow, WorkflowRule


# Set while a reviewer's own edit-and-approve saves the story, so that save is not taken
# for an outside change that invalidates the sign-offs.
_reviewer_editing: contextvars.ContextVar[int | None] = contextvars.ContextVar("reviewer_editing", default=None)


def _refuse(message: str) -> None:
    raise ValidationError(message)


# --- What is under review ---------------------------------------------------------------------

def content_hash(story: Story, channels: list[str]) -> str:
    """A hash of exactly what is being approved: the story's content and the renditions
    sent with it. Any edit to either changes it."""
    snap = snapshot(story)
    snap.pop("embargo_until", None)
    renditions = {r.channel: {"title": r.title, "body": r.body, "fields": r.fields}
                  for r in story.renditions.filter(channel__in=channels)}
    canonical = json.dumps({"story": snap, "renditions": renditions}, ensure_ascii=False, sort_keys=True,
                           separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def choose_workflow(story: Story, channels: list[str]) -> Workflow:
    """The most specific rule wins: column and channel, then column, then channel; else
    the center's default workflow."""
    rules = list(WorkflowRule.objects.filter(center=story.center, workflow__is_active=True).select_related("workflow"))

    def score(rule: WorkflowRule) -> int:
        if rule.column_id and rule.column_id != story.column_id:
            return -1
        if rule.channel and set(channels) != {rule.channel}:
            return -1  # a channel rule is for pieces going to that channel alone
        return (2 if rule.column_id else 0) + (1 if rule.channel else 0)

    ranked = sorted((r for r in rules if score(r) > 0), key=score, reverse=True)
    if ranked:
        return ranked[0].workflow
    default = Workflow.objects.filter(center=story.center, is_default=True, is_active=True).first()
    if default is None:
        _refuse("本中心还没有默认审核流程，请先在“审核流程”中设置。")
    return default


def _steps_of(workflow: Workflow) -> list[dict]:
    steps = [{"name": s.name, "kind": s.kind, "role": s.role, "person": s.person_id, "can_send_back": s.can_send_back,
              "send_back_to": s.send_back_to, "hours": s.time_limit_hours, "supervisor_role": s.supervisor_role}
             for s in workflow.steps.order_by("order")]
    if not steps:
        _refuse(f"审核流程“{workflow.name}”还没有环节。")
    return steps


# --- Who may act -----------------------------------------------------------------------------------

def may_act(user: User, review: Review, step_index: int | None = None) -> bool:
    step = review.steps[review.current_step if step_index is None else step_index]
    if step.get("person"):
        return step["person"] == user.pk
    return user.is_active and Membership.objects.filter(user=user, center=review.center_id, role=step["role"]).exists()


def _authors(story: Story) -> set[int]:
    return {story.created_by_id} | {b.user_id for b in story.bylines.all() if b.user_id}


def _check_duties(user: User, review: Review) -> None:
    """Separation of duties, on every action."""
    story = review.story
    if user.pk in _authors(story):
        _refuse("不能审核自己采写或署名的稿件。")
    step = review.steps[review.current_step]
    if step["kind"] != "review":
        return
    other_levels = {s.step_index for s in _valid_approvals(review) if s.signer_id == user.pk}
    other_levels.discard(review.current_step)
    if any(review.steps[i]["kind"] == "review" for i in other_levels):
        _refuse("同一篇稿件，同一人不能签两个审级。请由其他有权限的同事办理这一环节。")


def _valid_approvals(review: Review) -> list[SignOff]:
    """Approvals that still stand: those of tasks that were not invalidated since."""
    approved_steps = set(review.tasks.filter(status=ReviewTask.Status.APPROVED).values_list("step_index", flat=True))
    approvals = review.signoffs.filter(action__in=[SignOff.Action.APPROVE, SignOff.Action.EDIT_APPROVE, SignOff.Action.OVERRIDE])
    latest: dict[int, SignOff] = {}
    for s in approvals.order_by("seq"):
        latest[s.step_index] = s
    return [s for i, s in latest.items() if i in approved_steps]


# --- Submitting --------------------------------------------------------------------------------------

def _open_task(review: Review, index: int) -> ReviewTask:
    step = review.steps[index]
    task = ReviewTask.objects.create(review=review, step_index=index, step_name=step["name"],
                                     due_at=timezone.now() + dt.timedelta(hours=step["hours"]))
    notify(center=review.center, recipients=_people_for(review, index), title=f"待{step['name']}：{review.story.headline}",
           body=f"时限 {timezone.localtime(task.due_at):%m-%d %H:%M}", url=f"/review/{review.pk}/")
    return task


def _people_for(review: Review, index: int) -> list[User]:
    step = review.steps[index]
    if step.get("person"):
        return list(User.objects.filter(pk=step["person"]))
    authors = _authors(review.story)
    return [u for u in User.objects.filter(memberships__center=review.center_id, memberships__role=step["role"],
                                           is_active=True).distinct() if u.pk not in authors]


@transaction.atomic
def submit(*, story: Story, user: User, channels: list[str]) -> Review:
    """送审: the story (and the chosen renditions) enters the workflow that applies to it."""
    story = Story.objects.select_for_update().get(pk=story.pk)
    if Review.objects.filter(story=story, status=Review.Status.IN_REVIEW).exists():
        _refuse("这篇稿件已经在审核中。")
    missing = set(channels) - set(story.renditions.values_list("channel", flat=True))
    if missing:
        _refuse("所选渠道稿还没有生成，请先生成后再送审。")
    workflow = choose_workflow(story, channels)
    digest = content_hash(story, channels)
    review = Review.objects.create(center=story.center, story=story, workflow=workflow, workflow_name=workflow.name,
                                   steps=_steps_of(workflow), channels=sorted(channels), submitted_by=user,
                                   content_hash=digest, lineage=[digest])
    story_services.set_review_state(story=story, user=user, state=Story.Status.IN_REVIEW)
    _open_task(review, 0)
    record("review.submit", actor=user, center=story.center, obj=review,
           after={"story": story.pk, "workflow": workflow.name, "channels": sorted(channels)})
    return review


# --- Acting on a step ----------------------------------------------------------------------------------

def _current(review: Review) -> tuple[Review, ReviewTask]:
    locked = Review.objects.select_for_update().select_related("story", "center").get(pk=review.pk)
    if locked.status != Review.Status.IN_REVIEW:
        _refuse(f"这篇稿件当前“{locked.get_status_display()}”，不在审核中。")
    task = locked.tasks.filter(status=ReviewTask.Status.OPEN).order_by("-id").first()
    if task is None or task.step_index != locked.current_step:
        _refuse("这个环节已经处理过了，请刷新页面。")
    return locked, task


def _require_fresh(review: Review, seen_hash: str | None) -> str:
    """The approval binds to what the reviewer saw. A missing hash is refused like a stale
    one: otherwise a scripted or forged POST would approve whatever the story is now."""
    current = content_hash(review.story, review.channels)
    seen = str(seen_hash or "").strip()
    if not seen:
        _refuse("没有收到您审核时看到的稿件版本，无法确认您审的就是现在的内容。请刷新页面后再审核。")
    if not hmac.compare_digest(seen, current):
        _refuse("您打开后稿件又被修改过，请刷新后审核最新版本。")
    return current


@transaction.atomic
def approve(*, review: Review, user: User, seen_hash: str, reason: str = "", override_blocking: bool = False) -> Review:
    """通过 (at the last step: 签发). Blocking content-check findings stop it unless the
    final reviewer overrides them with a written reason."""
    review, task = _current(review)
    if not may_act(user, review):
        _refuse(f"您不是“{task.step_name}”环节的办理人。")
    _check_duties(user, review)
    current = _require_fresh(review, seen_hash)
    last = review.current_step == len(review.steps) - 1
    blocking = _blocking_findings(review)
    if blocking:
        if not (last and override_blocking):
            _refuse(f"内容检查发现 {len(blocking)} 处阻止签发的问题（如“{blocking[0].text}”：{blocking[0].message}），"
                    "请修改后再审；终审可写明理由确认放行。")
        if not reason.strip():
            _refuse("确认放行必须写明理由。")
        ledger.append(review=review, step_index=task.step_index, step_name=task.step_name, action=SignOff.Action.OVERRIDE,
                      signer=user, content_hash=current, story_version=review.story.version, reason=reason.strip())
    ledger.append(review=review, step_index=task.step_index, step_name=task.step_name, action=SignOff.Action.APPROVE,
                  signer=user, content_hash=current, story_version=review.story.version, reason=reason.strip())
    _close(task, user, ReviewTask.Status.APPROVED)
    return _advance(review, user, current, last)


def _advance(review: Review, user: User, current: str, last: bool) -> Review:
    if last:
        ledger.append(review=review, step_index=review.current_step, step_name="签发", action=SignOff.Action.SIGN_OFF,
                      signer=user, content_hash=current, story_version=review.story.version)
        Review.objects.filter(pk=review.pk).update(status=Review.Status.SIGNED_OFF, content_hash=current)
        story_services.set_review_state(story=review.story, user=user, state=Story.Status.SIGNED_OFF)
        record("review.sign_off", actor=user, center=review.center, obj=review, after={"hash": current})
        notify(center=review.center, recipients=[review.submitted_by], title=f"已签发：{review.story.headline}",
               url=f"/stories/{review.story_id}/")
    else:
        Review.objects.filter(pk=review.pk).update(current_step=review.current_step + 1, content_hash=current)
        review.refresh_from_db()
        _open_task(review, review.current_step)
    review.refresh_from_db()
    return review


def _close(task: ReviewTask, user: User, status: str) -> None:
    ReviewTask.objects.filter(pk=task.pk).update(status=status, actor=user, closed_at=timezone.now())


@transaction.atomic
def edit_and_approve(*, review: Review, user: User, data, base_version: int) -> Review:
    """修改并通过: the reviewer's edit becomes a new revision and their approval binds to it;
    the earlier steps' sign-offs still stand, because this step has taken the change over."""
    review, task = _current(review)
    if not may_act(user, review):
        _refuse(f"您不是“{task.step_name}”环节的办理人。")
    _check_duties(user, review)
    if content_hash(review.story, review.channels) != review.content_hash:
        _refuse("稿件在本环节开始后已被他人修改，请刷新后审核最新版本。")
    token = _reviewer_editing.set(review.pk)
    try:
        story_services.save_story(story=review.story, user=user, data=data, base_version=base_version,
                                  note=f"{task.step_name}修改")
    finally:
        _reviewer_editing.reset(token)
    review.story.refresh_from_db()
    current = content_hash(review.story, review.channels)
    Review.objects.filter(pk=review.pk).update(lineage=[*review.lineage, current], content_hash=current)
    review.refresh_from_db()
    last = review.current_step == len(review.steps) - 1
    if _blocking_findings(review):
        _refuse("修改后内容检查仍有阻止签发的问题，请继续修改。")
    ledger.append(review=review, step_index=task.step_index, step_name=task.step_name, action=SignOff.Action.EDIT_APPROVE,
                  signer=user, content_hash=current, story_version=review.story.version)
    _close(task, user, ReviewTask.Status.APPROVED)
    return _advance(review, user, current, last)


@transaction.atomic
def send_back(*, review: Review, user: User, reason: str) -> Review:
    """退回, with a required reason: to the author, or to an earlier step, as the step says."""
    review, task = _current(review)
    if not may_act(user, review):
        _refuse(f"您不是“{task.step_name}”环节的办理人。")
    step = review.steps[review.current_step]
    if not step.get("can_send_back", True):
        _refuse(f"“{task.step_name}”环节不能退回。")
    if not reason.strip():
        _refuse("退回必须写明原因，作者会收到。")
    current = content_hash(review.story, review.channels)
    ledger.append(review=review, step_index=task.step_index, step_name=task.step_name, action=SignOff.Action.SEND_BACK,
                  signer=user, content_hash=current, story_version=review.story.version, reason=reason.strip())
    _close(task, user, ReviewTask.Status.SENT_BACK)
    target = _send_back_target(step, review.current_step)
    if target is None:
        Review.objects.filter(pk=review.pk).update(status=Review.Status.RETURNED)
        review.tasks.filter(status=ReviewTask.Status.APPROVED).update(status=ReviewTask.Status.INVALIDATED)
        story_services.set_review_state(story=review.story, user=user, state=Story.Status.EDITING)
        notify(center=review.center, recipients=[review.story.created_by], title=f"稿件被退回：{review.story.headline}",
               body=f"{task.step_name}：{reason.strip()}", url=f"/stories/{review.story_id}/")
    else:
        review.tasks.filter(status=ReviewTask.Status.APPROVED, step_index__gte=target).update(status=ReviewTask.Status.INVALIDATED)
        Review.objects.filter(pk=review.pk).update(current_step=target)
        review.refresh_from_db()
        _open_task(review, target)
    record("review.send_back", actor=user, center=review.center, obj=review, after={"reason": reason.strip(), "to": target})
    review.refresh_from_db()
    return review


def _send_back_target(step: dict, index: int) -> int | None:
    to = str(step.get("send_back_to") or "author")
    if to == "author":
        return None
    if to == "previous":
        return max(index - 1, 0)
    if to.isdigit() and int(to) - 1 < index:
        return int(to) - 1
    return None


# --- Changes during review ---------------------------------------------------------------------------

def _covers(review: Review, signoff_hash: str, current: str) -> bool:
    """A sign-off covers the content it approved, and what reviewers made of it later by
    edit-and-approve (the lineage: hashes in order, each one a reviewer's edit of the last)."""
    if signoff_hash == current:
        return True
    lineage = review.lineage
    return signoff_hash in lineage and current in lineage and lineage.index(current) >= lineage.index(signoff_hash)


@transaction.atomic
def content_changed(*, story: Story, user: User) -> None:
    """Any change to a piece after a sign-off invalidates the sign-offs that no longer cover
    it; the piece returns to the first step whose sign-off does not cover it."""
    review = Review.objects.select_for_update().filter(story=story, status__in=[Review.Status.IN_REVIEW, Review.Status.SIGNED_OFF]).first()
    if review is None or _reviewer_editing.get() == review.pk:
        return
    current = content_hash(story, review.channels)
    if current == review.content_hash:
        return
    approvals = sorted(_valid_approvals(review), key=lambda s: s.step_index)
    first_uncovered = next((s.step_index for s in approvals if not _covers(review, s.content_hash, current)), None)
    was_signed_off = review.status == Review.Status.SIGNED_OFF
    if first_uncovered is None and not was_signed_off:
        # Nothing signed yet: the open step simply reviews the new content.
        Review.objects.filter(pk=review.pk).update(content_hash=current, lineage=[current])
        return
    target = 0 if first_uncovered is None else first_uncovered
    review.tasks.filter(status=ReviewTask.Status.APPROVED, step_index__gte=target).update(status=ReviewTask.Status.INVALIDATED)
    review.tasks.filter(status=ReviewTask.Status.OPEN).update(status=ReviewTask.Status.INVALIDATED, closed_at=timezone.now())
    Review.objects.filter(pk=review.pk).update(current_step=target, status=Review.Status.IN_REVIEW, content_hash=current,
                                               lineage=[current])
    review.refresh_from_db()
    if was_signed_off:
        story_services.set_review_state(story=story, user=user, state=Story.Status.IN_REVIEW)
    record("review.invalidated", actor=user, center=review.center, obj=review,
           after={"back_to": review.steps[target]["name"], "hash": current})
    _open_task(review, target)


# --- Checks and the publishing gate ----------------------------------------------------------------

def _blocking_findings(review: Review) -> list:
    from rongmei.review.services import check_story

    result = check_story(story=review.story)
    return [f for f in result.findings if f.severity == "block"]


def is_signed_off(story: Story) -> bool:
    """The only gate publishing accepts: a final sign-off on exactly the current content."""
    review = Review.objects.filter(story=story, status=Review.Status.SIGNED_OFF).order_by("-id").first()
    return review is not None and review.content_hash == content_hash(story, review.channels) and \
        review.signoffs.filter(action=SignOff.Action.SIGN_OFF, content_hash=review.content_hash).exists()


# --- Time limits ---------------------------------------------------------------------------------------

def chase_overdue(now: dt.datetime | None = None) -> int:
    """Tell the step's people and its supervisor role about every open task past its time
    limit, once. Run every few minutes by the task queue."""
    now = now or timezone.now()
    chased = 0
    for task in ReviewTask.objects.filter(status=ReviewTask.Status.OPEN, due_at__lt=now, escalated_at__isnull=True) \
            .select_related("review__story", "review__center"):
        with transaction.atomic():
            if not ReviewTask.objects.filter(pk=task.pk, escalated_at__isnull=True).update(escalated_at=now):
                continue
            review = task.review
            step = review.steps[task.step_index]
            people = _people_for(review, task.step_index)
            if step.get("supervisor_role"):
                people += list(User.objects.filter(memberships__center=review.center_id,
                                                   memberships__role=step["supervisor_role"], is_active=True).distinct())
            notify(center=review.center, recipients=list({u.pk: u for u in people}.values()),
                   title=f"审核超时：{review.story.headline}（{task.step_name}）",
                   body=f"时限 {timezone.localtime(task.due_at):%m-%d %H:%M} 已过", url=f"/review/{review.pk}/")
            record("review.overdue", actor=None, center=review.center, obj=review,
                   after={"step": task.step_name, "due_at": task.due_at.isoformat()})
            chased += 1
    return chased
