"""Reads for the reviewer's screens: the inbox, one review, time spent per step."""

from __future__ import annotations

from collections import defaultdict

from django.db.models import Prefetch
from django.utils import timezone

from rongmei.core.models import Center, Membership, User
from rongmei.core.tenancy import scoped
from rongmei.newsroom.selectors import compare
from rongmei.review.models import Review, ReviewTask, SignOff


def inbox(center: Center, user: User) -> dict:
    """Open tasks this person may act on, due first; and the pieces they submitted."""
    roles = set(Membership.objects.filter(user=user, center=center).values_list("role", flat=True))
    # The bylines come along: who may act is worked out per task from the story's authors.
    tasks = (ReviewTask.objects.filter(review__center=center, status=ReviewTask.Status.OPEN)
             .select_related("review__story", "review__story__column").prefetch_related("review__story__bylines")
             .order_by("due_at"))
    mine, others = [], []
    now = timezone.now()
    for task in tasks:
        step = task.review.steps[task.step_index]
        for_me = step.get("person") == user.pk if step.get("person") else step.get("role") in roles
        task.overdue = task.due_at < now
        (mine if for_me else others).append(task)
    _mark_who_can_act(mine + others, user)
    submitted = scoped(Review, center).filter(submitted_by=user).select_related("story").order_by("-updated_at")[:20]
    return {"tasks": mine, "others": others if user.has_perm("review.view_stats", center) else [], "submitted": submitted}


def _mark_who_can_act(tasks: list[ReviewTask], user: User) -> None:
    """Flag the author's own pieces and the steps nobody eligible is left for (issue 13:
    never a piece nobody can sign, and the inbox says so)."""
    from rongmei.review import engine

    for task in tasks:
        task.own = user.pk in engine.authors_of(task.review.story)
        task.nobody = not engine.eligible_people(task.review, task.step_index)


def step_people(review: Review, user: User) -> dict:
    """Who can act at the current step, why this person cannot (separation of duties), and
    the supervisor's 改派 choices; empty when the piece is not in review. The review screen
    and the API both read this: the author's own piece offers no approval to its author."""
    from rongmei.review import engine

    if review.status != review.Status.IN_REVIEW:
        return {}
    holds_step = engine.may_act(user, review)
    is_author = user.pk in engine.authors_of(review.story)
    conflict = engine.duty_conflict(user, review) if holds_step or is_author else ""
    can_reassign = user.has_perm("review.reassign", review.center)
    return {
        "may_act": holds_step and not conflict, "holds_step": holds_step, "duty_conflict": conflict,
        "eligible": engine.eligible_people(review),
        "step_assignee": engine.step_label(review.steps[review.current_step]),
        "is_author": is_author,
        "can_reassign": can_reassign,
        "reassign_choices": engine.reassign_choices(review) if can_reassign else [],
    }


def why_not(review: Review, people: dict) -> str:
    """Why the person may not approve, send back or edit at the current step ("" when they may)."""
    if review.status != review.Status.IN_REVIEW:
        return f"这篇稿件当前“{review.get_status_display()}”，不在审核中。"
    if people.get("duty_conflict"):
        return people["duty_conflict"]
    if not people.get("may_act"):
        step = review.steps[review.current_step]
        return f"您不是“{step['name']}”环节的办理人（由{people.get('step_assignee') or '指定人员'}办理）。"
    return ""


def review_page(center: Center, pk: int) -> Review:
    from django.shortcuts import get_object_or_404

    return get_object_or_404(
        scoped(Review, center).select_related("story", "story__column", "submitted_by").prefetch_related(
            Prefetch("signoffs", queryset=SignOff.objects.select_related("signer").order_by("seq")),
            Prefetch("tasks", queryset=ReviewTask.objects.select_related("actor").order_by("id")),
            "comments__author"),
        pk=pk)


def diff_since_last_review(review: Review) -> tuple[int | None, list[dict]]:
    """What changed since the version the previous step approved (nothing for the first step)."""
    approved = review.signoffs.filter(action__in=[SignOff.Action.APPROVE, SignOff.Action.EDIT_APPROVE]).order_by("-seq").first()
    if approved is None:
        return None, []
    story = review.story
    old = story.revisions.filter(is_conflict=False, number__lte=_revision_number(story, approved.story_version)).order_by("-number").first()
    new = story.revisions.filter(is_conflict=False).order_by("-number").first()
    if old is None or new is None or old.pk == new.pk:
        return approved.story_version, []
    return approved.story_version, compare(old.snapshot, new.snapshot)


def _revision_number(story, version: int) -> int:
    """Revisions are numbered per save; version v is the v-th successful save."""
    numbers = list(story.revisions.filter(is_conflict=False).order_by("number").values_list("number", flat=True))
    return numbers[min(version, len(numbers)) - 1] if numbers else 0


def step_times(center: Center) -> dict:
    """Average and longest hours per step name and per reviewer, over closed tasks."""
    per_step: dict[str, list[float]] = defaultdict(list)
    per_person: dict[str, list[float]] = defaultdict(list)
    for task in ReviewTask.objects.filter(review__center=center, closed_at__isnull=False).select_related("actor"):
        hours = (task.closed_at - task.opened_at).total_seconds() / 3600
        per_step[task.step_name].append(hours)
        if task.actor:
            per_person[str(task.actor)].append(hours)

    def rows(data):
        return sorted(({"name": k, "count": len(v), "avg": sum(v) / len(v), "max": max(v)} for k, v in data.items()),
                      key=lambda r: -r["avg"])

    open_tasks = ReviewTask.objects.filter(review__center=center, status=ReviewTask.Status.OPEN)
    return {"steps": rows(per_step), "people": rows(per_person),
            "overdue": open_tasks.filter(due_at__lt=timezone.now()).count(), "open": open_tasks.count()}
