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

from rongmei.core import events
from rongmei.core.models import Membership, User
from rongmei.core.services import notify, record
from rongmei.newsroom.models import Story
from rongmei.newsroom.published import signed_fields
from rongmei.newsroom.services import stories as story_services
from rongmei.newsroom.services.stories import snapshot
from rongmei.review import ledger
from rongmei.review.models import Review, ReviewTask, SignOff, Workflow, WorkflowRule


# Set while a reviewer's own edit-and-approve saves the story, so that save is not taken
# for an outside change that invalidates the sign-offs.
_reviewer_editing: contextvars.ContextVar[int | None] = contextvars.ContextVar("reviewer_editing", default=None)


def _refuse(message: str) -> None:
    raise ValidationError(message)


class StaleContent(ValidationError):
    """What the person acted on is no longer what is under review: the content changed after
    they opened it (the seen-content hash differs). The screens show it like any refusal;
    the API answers 409."""

    api_status = 409


STALE = "您打开后稿件又被修改过，请刷新后审核最新版本。"


# --- What is under review ---------------------------------------------------------------------

def content_hash(story: Story, channels: list[str]) -> str:
    """A hash of exactly what is being approved: the story's content, the renditions sent
    with it, and every field those channels publish as it will go out — derived ones too
    (the cover's file, checksum and size, captions, the 原文链接, the Weibo text as cut to
    140; `newsroom.published`). Any change to any of them changes it."""
    snap = snapshot(story)
    snap.pop("embargo_until", None)
    renditions = {r.channel: {"title": r.title, "body": r.body, "fields": r.fields}
                  for r in story.renditions.filter(channel__in=channels)}
    canonical = json.dumps({"story": snap, "renditions": renditions, "published": signed_fields(story, channels)},
                           ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)
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


def authors_of(story: Story) -> set[int]:
    """Ids of the people who wrote or are credited on the piece (they never review it)."""
    return _authors(story)


AUTHOR_CONFLICT = "不能审核自己采写或署名的稿件。"
LEVEL_CONFLICT = "同一篇稿件，同一人不能签两个审级。请由其他有权限的同事办理这一环节。"


def duty_conflict(user: User, review: Review, step_index: int | None = None) -> str:
    """Why separation of duties keeps this person from the step ("" when it does not): the
    author never reviews their own piece; nobody signs two review levels of one piece."""
    index = review.current_step if step_index is None else step_index
    if user.pk in _authors(review.story):
        return AUTHOR_CONFLICT
    if review.steps[index]["kind"] == "review" and user.pk in _other_level_signers(review, index):
        return LEVEL_CONFLICT
    return ""


def _other_level_signers(review: Review, index: int) -> set[int]:
    """People whose standing approval is on another review level (proofreading is no level)."""
    return {s.signer_id for s in _valid_approvals(review)
            if s.step_index != index and review.steps[s.step_index]["kind"] == "review"}


def _check_duties(user: User, review: Review) -> None:
    """Separation of duties, on every action."""
    conflict = duty_conflict(user, review)
    if conflict:
        _refuse(conflict)


def eligible_people(review: Review, step_index: int | None = None) -> list[User]:
    """Who may act at the step now: its named person or the holders of its role, active, and
    not kept out by separation of duties. Empty means nobody can sign: a supervisor must
    reassign the step."""
    index = review.current_step if step_index is None else step_index
    step = review.steps[index]
    if step.get("person"):
        people = User.objects.filter(pk=step["person"], is_active=True)
    else:
        people = User.objects.filter(memberships__center=review.center_id, memberships__role=step["role"],
                                     is_active=True).distinct()
    kept_out = _authors(review.story)
    if step["kind"] == "review":
        kept_out |= _other_level_signers(review, index)
    return [u for u in people.order_by("id") if u.pk not in kept_out]


def supervisors(review: Review) -> list[User]:
    """Who may reassign this review's steps (review.reassign in its center), authors excepted."""
    from rongmei.core.permissions import ROLES

    roles = [code for code, role in ROLES.items() if "review.reassign" in role.permissions]
    authors = _authors(review.story)
    people = User.objects.filter(memberships__center=review.center_id, memberships__role__in=roles, is_active=True)
    return [u for u in people.distinct().order_by("id") if u.pk not in authors]


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
    people = _people_for(review, index)
    notify(center=review.center, recipients=people, title=f"待{step['name']}：{review.story.headline}",
           body=f"时限 {timezone.localtime(task.due_at):%m-%d %H:%M}", url=f"/review/{review.pk}/", event="review_pending")
    if not people:
        _tell_supervisors_nobody_can_act(review, step)
    return task


def _tell_supervisors_nobody_can_act(review: Review, step: dict) -> None:
    """Never a piece nobody can sign: when separation of duties leaves the step without
    anyone, the supervisors are told to reassign it."""
    notify(center=review.center, recipients=supervisors(review),
           title=f"无人可以办理“{step['name']}”，请改派：{review.story.headline}",
           body=f"“{step['name']}”环节的办理人都是这篇稿件的作者或已签过其他审级，请改派给其他有权办理的人。",
           url=f"/review/{review.pk}/", event="review_pending", urgent=True)


def _people_for(review: Review, index: int) -> list[User]:
    return eligible_people(review, index)


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
    if not hmac.compare_digest(seen.encode("utf-8"), current.encode("utf-8")):  # str: ASCII only
        raise StaleContent(STALE)
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
        _emit_signed_off(review, current)
        notify(center=review.center, recipients=[review.submitted_by], title=f"已签发：{review.story.headline}",
               url=f"/stories/{review.story_id}/")
    else:
        Review.objects.filter(pk=review.pk).update(current_step=review.current_step + 1, content_hash=current)
        review.refresh_from_db()
        _open_task(review, review.current_step)
    review.refresh_from_db()
    return review


def _emit_signed_off(review: Review, current: str) -> None:
    """story.signed_off for the center's webhooks, in the sign-off's transaction."""
    from django.conf import settings

    story = Story.objects.get(pk=review.story_id)
    events.emit(review.center, "story.signed_off", {
        "story": {"id": story.pk, "headline": story.headline, "version": story.version, "status": story.status},
        "review": {"id": review.pk, "channels": list(review.channels or []), "content_hash": current},
        "signed_off_at": timezone.now(),
        "staff_url": f"{settings.RONGMEI_BASE_URL}/stories/{story.pk}/",
    })


def _close(task: ReviewTask, user: User, status: str) -> None:
    ReviewTask.objects.filter(pk=task.pk).update(status=status, actor=user, closed_at=timezone.now())


@transaction.atomic
def edit_and_approve(*, review: Review, user: User, data, base_version: int, seen_hash: str | None = None) -> Review:
    """修改并通过: the reviewer's edit becomes a new revision and their approval binds to it;
    the earlier steps' sign-offs still stand, because this step has taken the change over.
    `seen_hash` (the API sends it; the edit screen relies on `base_version`): the content
    hash the reviewer saw, refused as stale when the piece has changed since."""
    review, task = _current(review)
    if not may_act(user, review):
        _refuse(f"您不是“{task.step_name}”环节的办理人。")
    _check_duties(user, review)
    if seen_hash is not None:
        _require_fresh(review, seen_hash)
    if content_hash(review.story, review.channels) != review.content_hash:
        raise StaleContent("稿件在本环节开始后已被他人修改，请刷新后审核最新版本。")
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
def send_back(*, review: Review, user: User, reason: str, seen_hash: str | None = None) -> Review:
    """退回, with a required reason: to the author, or to an earlier step, as the step says.
    With `seen_hash`, refused as stale when the piece changed since the person opened it."""
    review, task = _current(review)
    if not may_act(user, review):
        _refuse(f"您不是“{task.step_name}”环节的办理人。")
    if seen_hash is not None:
        _require_fresh(review, seen_hash)
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
               body=f"{task.step_name}：{reason.strip()}", url=f"/stories/{review.story_id}/", event="review_returned")
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


# --- Reassigning a step ------------------------------------------------------------------------------

def reviewing_roles() -> list[tuple[str, str]]:
    """Roles that may act at a review step (those granting review.review), as (code, label)."""
    from rongmei.core.permissions import ROLES

    return [(code, role.label) for code, role in ROLES.items() if "review.review" in role.permissions]


def step_label(step: dict) -> str:
    """Who a step is assigned to, in words: the named person, or the role."""
    from rongmei.core.permissions import ROLES

    if step.get("person"):
        person = User.objects.filter(pk=step["person"]).first()
        return str(person) if person else "指定人员"
    return ROLES[step["role"]].label if step.get("role") in ROLES else str(step.get("role") or "")


def reassign_choices(review: Review) -> list[tuple[str, str]]:
    """What a supervisor may hand the current step to: each eligible person (with their
    roles), then each reviewing role that still has someone eligible."""
    from rongmei.core.permissions import ROLES

    codes = [code for code, _ in reviewing_roles()]
    index = review.current_step
    kept_out = _authors(review.story) | (_other_level_signers(review, index) if review.steps[index]["kind"] == "review" else set())
    roles_of: dict[int, list[str]] = {}
    people: dict[int, User] = {}
    held: set[str] = set()
    for m in Membership.objects.filter(center=review.center_id, role__in=codes, user__is_active=True).select_related("user"):
        if m.user_id not in kept_out:
            people[m.user_id] = m.user
            roles_of.setdefault(m.user_id, []).append(ROLES[m.role].label)
            held.add(m.role)
    current = _assignee(review.steps[index])
    choices = [(f"person:{pk}", f"{people[pk]}（{'、'.join(roles_of[pk])}）") for pk in sorted(people)
               if ("person", pk) != current]
    choices += [(f"role:{code}", f"{label}（该角色的人都可办理）") for code, label in reviewing_roles()
                if code in held and ("role", code) != current]
    return choices


def _assignee(step: dict) -> tuple[str, object]:
    return ("person", step["person"]) if step.get("person") else ("role", step.get("role"))


def _reassign_target(review: Review, target: str) -> dict:
    """The step's new assignment from "person:<id>" or "role:<code>"; refuses what may not act."""
    from rongmei.core.permissions import ROLES

    kind, _, value = str(target or "").partition(":")
    codes = dict(reviewing_roles())
    if kind == "role" and value in ROLES:
        if value not in codes:
            _refuse(f"“{ROLES[value].label}”不能办理审核环节，请选择审核、校对或总编辑等角色。")
        return {"role": value, "person": None}
    person = User.objects.filter(pk=int(value), memberships__center=review.center_id).first() \
        if kind == "person" and value.isdigit() and len(value) < 19 else None
    if person is None:
        _refuse("请选择要改派给的人员或角色。")
    if person.pk in _authors(review.story):
        _refuse(f"{person}是这篇稿件的作者，不能审核自己的稿件。")
    if not person.is_active or not person.has_perm("review.review", review.center):
        _refuse(f"{person}没有审核权限，不能办理这一环节。")
    return {"person": person.pk}


@transaction.atomic
def reassign(*, review: Review, user: User, target: str, reason: str = "", seen_hash: str | None = None) -> Review:
    """改派: a supervisor hands the current step to another person or role, e.g. when the
    only holders of the step's role wrote the piece. One transaction: the step, a record in
    the sign-off chain, an audit event, and a notification to the new assignee(s)."""
    review, task = _current(review)
    if not user.has_perm("review.reassign", review.center):
        _refuse("只有总编辑或中心管理员可以改派审核环节。")
    if user.pk in _authors(review.story):
        _refuse("您是这篇稿件的作者，不能为它指定审核人。请由中心管理员或其他总编辑改派。")
    if seen_hash is not None:
        _require_fresh(review, seen_hash)
    index = review.current_step
    old = dict(review.steps[index])
    new = {**old, **_reassign_target(review, target), "reassigned_from": old.get("reassigned_from") or step_label(old)}
    if _assignee(new) == _assignee(old):
        _refuse("这一环节已经由所选的人员或角色办理。")
    steps = [*review.steps]
    steps[index] = new
    review.steps = steps
    people = eligible_people(review, index)
    if not people:
        _refuse(f"改派给“{step_label(new)}”后仍然没有可以办理的人（都是作者或已签过其他审级），请另选。")
    reason = str(reason or "").strip()[:300]
    note = f"改派给{step_label(new)}（原为{step_label(old)}）" + (f"：{reason}" if reason else "")
    Review.objects.filter(pk=review.pk).update(steps=steps)
    ReviewTask.objects.filter(pk=task.pk).update(due_at=timezone.now() + dt.timedelta(hours=old["hours"]),
                                                 reminded_at=None, escalated_at=None)
    ledger.append(review=review, step_index=index, step_name=task.step_name, action=SignOff.Action.REASSIGN,
                  signer=user, content_hash=content_hash(review.story, review.channels),
                  story_version=review.story.version, reason=note)
    record("review.reassign", actor=user, center=review.center, obj=review,
           before={"step": task.step_name, "assignee": step_label(old)},
           after={"step": task.step_name, "assignee": step_label(new), "reason": reason})
    notify(center=review.center, recipients=people, title=f"改派给您：{task.step_name}《{review.story.headline}》",
           body=note, url=f"/review/{review.pk}/", event="review_pending")
    review.refresh_from_db()
    return review


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
                   body=f"时限 {timezone.localtime(task.due_at):%m-%d %H:%M} 已过", url=f"/review/{review.pk}/",
                   event="review_pending", urgent=True)
            record("review.overdue", actor=None, center=review.center, obj=review,
                   after={"step": task.step_name, "due_at": task.due_at.isoformat()})
            chased += 1
    return chased
