"""Reads of 上下级稿件流转. Each side sees its own rows only: the pushing center its pushes,
a receiving center its PushTarget rows (`center` = itself), the submitting county its
submissions, the upper center the submissions addressed to it (`to_center`)."""

from __future__ import annotations

from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404

from rongmei.core import selectors as core_selectors
from rongmei.core.models import Center
from rongmei.core.tenancy import get_scoped_or_404, scoped
from rongmei.newsroom.models import Story
from rongmei.planning.models import Plan
from rongmei.sharing.models import Push, PushTarget, Submission

SHAREABLE = (Story.Status.SIGNED_OFF,)


def may_push(center: Center | None) -> bool:
    return center is not None and center.level in ("province", "city")


def may_submit(center: Center | None) -> bool:
    return center is not None and bool(center.parent_id)


def shareable_stories(center: Center, query: str = "") -> QuerySet:
    qs = scoped(Story, center).filter(status__in=SHAREABLE).order_by("-updated_at", "-pk")
    if query:
        qs = qs.filter(headline__icontains=query)
    return qs


def plans(center: Center) -> QuerySet:
    return scoped(Plan, center).order_by("-created_at", "-pk")


def targets_below(center: Center) -> list[Center]:
    return core_selectors.descendants(center)


def centers_above(center: Center) -> list[Center]:
    return core_selectors.ancestors(center)


def pushes(center: Center) -> QuerySet:
    """What `center` pushed, each with its targets and their counts per status."""
    return (scoped(Push, center).select_related("created_by")
            .prefetch_related(Prefetch("targets", queryset=PushTarget.objects.select_related("center", "handled_by")
                                       .order_by("center__level", "center_id")))
            .annotate(waiting=Count("targets", filter=Q(targets__status=PushTarget.Status.WAITING)),
                      total=Count("targets")))


def push_or_404(center: Center, pk: int) -> Push:
    return get_scoped_or_404(pushes(center), center, pk=pk)


def received(center: Center, status: str = "") -> QuerySet:
    qs = scoped(PushTarget, center).select_related("push", "push__center", "push__story", "push__plan", "handled_by")
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-push__created_at", "-pk")


def received_or_404(center: Center, pk: int) -> PushTarget:
    return get_scoped_or_404(received(center), center, pk=pk)


def incoming(center: Center | None, status: str = "") -> QuerySet:
    if center is None:
        return Submission.objects.none()
    qs = Submission.objects.filter(to_center=center).select_related("center", "to_center", "story", "submitted_by",
                                                                "handled_by")
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-submitted_at", "-pk")


def incoming_or_404(center: Center | None, pk) -> Submission:
    try:
        return incoming(center).get(pk=int(pk))
    except (Submission.DoesNotExist, ValueError, TypeError, OverflowError) as exc:
        raise Http404("没有找到这篇供稿。") from exc


def submissions(center: Center, status: str = "") -> QuerySet:
    qs = scoped(Submission, center).select_related("to_center", "story", "submitted_by")
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-submitted_at", "-pk")


def submission_or_404(center: Center, pk: int) -> Submission:
    return get_scoped_or_404(submissions(center), center, pk=pk)


def inbox_counts(center: Center) -> dict:
    return {"push": received(center, PushTarget.Status.WAITING).count(),
            "submit": incoming(center, Submission.Status.WAITING).count()}


def story_sharing(story: Story) -> dict:
    """What the story page shows: where this story was submitted (and the answers), and, for
    a story made from a push or a submission, where it came from and with what rights."""
    subs = list(Submission.objects.filter(center_id=story.center_id, story=story).select_related("to_center"))
    origin = (PushTarget.objects.filter(center_id=story.center_id, story=story).select_related("push").first())
    taken = Submission.objects.filter(to_center_id=story.center_id, taken_story=story).select_related("center").first()
    return {"submissions": subs, "origin": origin, "taken": taken}
