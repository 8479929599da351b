"""Reads for the planning board, calendar and lists."""

from __future__ import annotations

import calendar as pycalendar
import datetime as dt
from collections import defaultdict

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from rongmei.core.models import Center, User
from rongmei.core.tenancy import scoped
from rongmei.planning.models import Assignment, AssignmentMember, Lead, Plan, Topic

ACTIVE = [Assignment.Status.OPEN, Assignment.Status.ACCEPTED, Assignment.Status.ON_SITE]
BOARD_COLUMNS = [Assignment.Status.OPEN, Assignment.Status.ACCEPTED, Assignment.Status.ON_SITE,
                 Assignment.Status.FILED, Assignment.Status.DONE]


def leads(center: Center, *, status: str = "") -> QuerySet:
    qs = scoped(Lead, center).select_related("created_by", "topic").prefetch_related("attachments")
    return qs.filter(status=status) if status else qs


def may_see_lead_contact(user: User, lead: Lead) -> bool:
    """Whose work needs a lead's full contact: the coordinator handling citizens' cases
    (inquiry.handle), the reporters of an assignment from the lead's topic (they call the
    source back), and whoever typed it in. Everybody else sees it masked only."""
    return bool(lead_ids_with_visible_contact(user, lead.center, [lead]))


def lead_ids_with_visible_contact(user: User, center: Center, leads) -> set[int]:
    """Of `leads`, the ids whose full contact `user` may reveal (see may_see_lead_contact)."""
    leads = [lead for lead in leads if lead.contact and lead.center_id == center.id]
    if not leads or not user.is_authenticated:
        return set()
    if user.has_perm("inquiry.handle", center):
        return {lead.pk for lead in leads}
    topic_ids = {lead.topic_id for lead in leads if lead.topic_id}
    mine = set(AssignmentMember.objects.filter(user=user, assignment__center=center, assignment__topic_id__in=topic_ids)
               .values_list("assignment__topic_id", flat=True)) if topic_ids else set()
    return {lead.pk for lead in leads if lead.topic_id in mine or lead.created_by_id == user.pk}


def topics(center: Center, *, status: str = "") -> QuerySet:
    qs = scoped(Topic, center).select_related("plan", "column", "proposed_by", "decided_by").annotate(
        comment_count=Count("comments", distinct=True), assignment_count=Count("assignments", distinct=True))
    return qs.filter(status=status) if status else qs


def plans(center: Center) -> QuerySet:
    return scoped(Plan, center).select_related("column").annotate(topic_count=Count("topics"))


def assignments(center: Center) -> QuerySet:
    members = Prefetch("members", queryset=AssignmentMember.objects.select_related("user"))
    return scoped(Assignment, center).select_related("topic", "story", "created_by").prefetch_related(members)


def _local_day_bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    tz = timezone.get_current_timezone()
    return (dt.datetime.combine(start, dt.time.min, tzinfo=tz),
            dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=tz))


def board(center: Center, start: dt.date, end: dt.date) -> dict:
    """Topics and assignments of a period, by status and by person. Assignments still open
    from earlier days stay on the board (they are the ones that need chasing), and so does
    whatever moved in the period although it is due later (filed tonight, due tomorrow)."""
    begin, finish = _local_day_bounds(start, end)
    in_period = (Q(deadline__gte=begin, deadline__lt=finish) | Q(starts_at__gte=begin, starts_at__lt=finish)
                 | Q(updated_at__gte=begin, updated_at__lt=finish))
    items = list(assignments(center).filter(in_period | Q(status__in=ACTIVE, deadline__lt=finish)).exclude(
        status=Assignment.Status.CANCELLED))
    columns = {status: [] for status in BOARD_COLUMNS}
    people: dict[int, dict] = {}
    for a in items:
        columns.setdefault(a.status, []).append(a)
        for m in a.members.all():
            person = people.setdefault(m.user_id, {"user": m.user, "items": [], "overdue": 0})
            person["items"].append(a)
            person["overdue"] += a.is_overdue
    labels = dict(Assignment.Status.choices)
    topic_qs = topics(center).filter(Q(planned_for__range=(start, end)) | Q(status=Topic.Status.PROPOSED))
    return {
        "columns": [{"status": s, "label": labels[s], "items": columns.get(s, [])} for s in BOARD_COLUMNS],
        "people": sorted(people.values(), key=lambda p: (-p["overdue"], str(p["user"]))),
        "topics": list(topic_qs),
        "overdue": sum(a.is_overdue for a in items),
        "total": len(items),
        "new_leads": scoped(Lead, center).filter(status=Lead.Status.NEW).count(),
        "proposed_topics": sum(t.status == Topic.Status.PROPOSED for t in topic_qs),
    }


def month(center: Center, first: dt.date, today: dt.date) -> dict:
    """A month grid (weeks from Monday) with each day's assignments and planned topics."""
    last = first.replace(day=pycalendar.monthrange(first.year, first.month)[1])
    grid_start = first - dt.timedelta(days=first.weekday())
    grid_end = last + dt.timedelta(days=6 - last.weekday())
    begin, finish = _local_day_bounds(grid_start, grid_end)
    by_day: dict[dt.date, list] = defaultdict(list)
    for a in assignments(center).filter(Q(starts_at__gte=begin, starts_at__lt=finish) | Q(
            starts_at__isnull=True, deadline__gte=begin, deadline__lt=finish)).exclude(status=Assignment.Status.CANCELLED):
        day = timezone.localtime(a.starts_at or a.deadline).date()
        by_day[day].append({"kind": "assignment", "obj": a})
    for t in topics(center).filter(planned_for__range=(grid_start, grid_end)).exclude(status=Topic.Status.REJECTED):
        by_day[t.planned_for].append({"kind": "topic", "obj": t})
    weeks, day = [], grid_start
    while day <= grid_end:
        weeks.append([{"date": d, "in_month": d.month == first.month, "today": d == today, "items": by_day.get(d, [])}
                      for d in (day + dt.timedelta(days=i) for i in range(7))])
        day += dt.timedelta(days=7)
    previous = (first - dt.timedelta(days=1)).replace(day=1)
    following = last + dt.timedelta(days=1)
    return {"first": first, "weeks": weeks, "previous": previous, "following": following}


def assignments_for(center: Center, user: User) -> dict:
    mine = assignments(center).filter(members__user=user).distinct()
    return {
        "active": [a for a in mine if a.status in ACTIVE],
        "filed": [a for a in mine.filter(status__in=[Assignment.Status.FILED, Assignment.Status.DONE]).order_by("-updated_at")[:10]],
        "claimable": [a for a in assignments(center).filter(status=Assignment.Status.OPEN, members__isnull=True)],
    }


def story_origin(story, request=None) -> dict | None:
    """The assignment and topic a story was written for, for the story's page."""
    assignment = Assignment.objects.filter(story=story).select_related("topic", "topic__plan").first()
    if assignment is None:
        return None
    rows = [("采访任务", f"{assignment.title}（{assignment.get_status_display()}）", f"/planning/assignments/{assignment.pk}/")]
    if assignment.topic_id:
        rows.append(("选题", assignment.topic.title, f"/planning/topics/{assignment.topic_id}/"))
        if assignment.topic.plan_id:
            rows.append(("策划", assignment.topic.plan.title, f"/planning/topics/?plan={assignment.topic.plan_id}"))
    return {"title": "来自策划调度", "rows": rows}
