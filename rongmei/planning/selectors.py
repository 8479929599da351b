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


def leads(center: Center, *, status: str = "", source: str = "", text: str = "", since: dt.date | None = None,
          until: dt.date | None = None) -> QuerySet:
    """The center's leads, optionally by status, source, a word in the title or content, and
    the local days they came in (since … until, both included)."""
    qs = scoped(Lead, center).select_related("created_by", "handled_by", "topic").prefetch_related("attachments")
    if status:
        qs = qs.filter(status=status)
    if source:
        qs = qs.filter(source=source)
    if text:
        qs = qs.filter(Q(title__icontains=text) | Q(content__icontains=text))
    if since:
        qs = qs.filter(created_at__gte=_local_day_bounds(since, since)[0])
    if until:
        qs = qs.filter(created_at__lt=_local_day_bounds(until, until)[1])
    return qs


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


def topics(center: Center, *, status: str = "", plan_id: int | None = None, text: str = "",
           planned_from: dt.date | None = None, planned_to: dt.date | None = None) -> QuerySet:
    qs = scoped(Topic, center).select_related("plan", "column", "proposed_by", "decided_by").annotate(
        comment_count=Count("comments", distinct=True), assignment_count=Count("assignments", distinct=True))
    if status:
        qs = qs.filter(status=status)
    if plan_id is not None:
        qs = qs.filter(plan_id=plan_id)
    if text:
        qs = qs.filter(Q(title__icontains=text) | Q(description__icontains=text))
    if planned_from:
        qs = qs.filter(planned_for__gte=planned_from)
    if planned_to:
        qs = qs.filter(planned_for__lte=planned_to)
    return qs


def plans(center: Center, *, status: str = "") -> QuerySet:
    qs = scoped(Plan, center).select_related("column", "created_by").annotate(topic_count=Count("topics"))
    return qs.filter(status=status) if status else qs


def assignments(center: Center) -> QuerySet:
    members = Prefetch("members", queryset=AssignmentMember.objects.select_related("user"))
    return scoped(Assignment, center).select_related("topic", "story", "created_by").prefetch_related(members)


def assignment_list(center: Center, *, status: str = "", member: User | None = None, topic_id: int | None = None,
                    due_from: dt.date | None = None, due_to: dt.date | None = None) -> QuerySet:
    """Assignments by status, by one member, by topic, and by the local days of their deadline."""
    qs = assignments(center)
    if status:
        qs = qs.filter(status=status)
    if member is not None:
        qs = qs.filter(pk__in=AssignmentMember.objects.filter(user=member).values("assignment_id"))
    if topic_id is not None:
        qs = qs.filter(topic_id=topic_id)
    if due_from:
        qs = qs.filter(deadline__gte=_local_day_bounds(due_from, due_from)[0])
    if due_to:
        qs = qs.filter(deadline__lt=_local_day_bounds(due_to, due_to)[1])
    return qs


def board_period(day: dt.date, span: str) -> tuple[dt.date, dt.date]:
    """The board's period: the day itself, or its week from Monday to Sunday."""
    if span == "week":
        start = day - dt.timedelta(days=day.weekday())
        return start, start + dt.timedelta(days=6)
    return day, day


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


# --- Duty roster (值班表) ----------------------------------------------------------------------

def duty_week(center: Center, monday: dt.date) -> list[dict]:
    """Seven days from `monday`, each with its desks and who is on them."""
    from rongmei.planning.models import DutyShift

    days = [monday + dt.timedelta(days=i) for i in range(7)]
    shifts = scoped(DutyShift, center).filter(date__range=(days[0], days[-1])).select_related("user")
    by_day: dict[dt.date, dict[str, list]] = defaultdict(lambda: defaultdict(list))
    for shift in shifts:
        by_day[shift.date][shift.desk].append(shift)
    today = timezone.localdate()
    return [{"date": d, "today": d == today, "weekend": d.weekday() >= 5, "past": d < today,
             "desks": [{"code": code, "label": label, "shifts": by_day[d].get(code, [])}
                       for code, label in DutyShift.Desk.choices]} for d in days]


def duty_shifts(center: Center, start: dt.date, end: dt.date) -> QuerySet:
    """The roster between two days (both included), for lists and the API."""
    from rongmei.planning.models import DutyShift

    return scoped(DutyShift, center).filter(date__range=(start, end)).select_related("user")


def duty_on(center: Center, day: dt.date | None = None) -> list[dict]:
    """Who is on duty on `day` (today by default), desk by desk; empty desks left out."""
    from rongmei.planning.models import DutyShift

    day = day or timezone.localdate()
    labels = dict(DutyShift.Desk.choices)
    rows: dict[str, list] = {}
    for shift in scoped(DutyShift, center).filter(date=day).select_related("user").order_by("desk", "id"):
        rows.setdefault(shift.desk, []).append(shift.user)
    return [{"desk": code, "label": labels[code], "people": rows[code]} for code in labels if code in rows]


def my_shifts(center: Center, user: User, start: dt.date, days: int = 14) -> list:
    from rongmei.planning.models import DutyShift

    return list(scoped(DutyShift, center).filter(user=user, date__range=(start, start + dt.timedelta(days=days)))
                .order_by("date", "desk"))


def swaps(center: Center, user: User) -> dict:
    """Pending swaps: those waiting for my yes, my own requests, and (for who may approve)
    those waiting for approval; plus the last decided ones."""
    from rongmei.planning.models import DutySwap

    qs = scoped(DutySwap, center).select_related("shift", "counterpart_shift", "requester", "counterpart", "approved_by",
                                                  "decided_by")
    pending = qs.filter(status=DutySwap.Status.PENDING)
    approver = user.has_perm("planning.manage_duty", center)
    return {
        "to_answer": list(pending.filter(counterpart=user, peer_agreed_at__isnull=True)),
        "to_approve": list(pending.filter(approved_at__isnull=True).exclude(requester=user)) if approver else [],
        "mine": list(pending.filter(requester=user)),
        "recent": list(qs.exclude(status=DutySwap.Status.PENDING).filter(Q(requester=user) | Q(counterpart=user)
                                                                          | Q(decided_by=user))[:10]),
        "approver": approver,
    }


# --- 工作台 -------------------------------------------------------------------------------------

def todo_for(user: User, center: Center) -> list:
    """My active assignments with their deadlines, today's and tomorrow's duty, and swaps
    waiting for my answer or approval."""
    from rongmei.core.todo import Todo

    if not user.has_perm("planning.view_board", center):  # the pages below are the board's
        return []
    items = []
    steps = {"open": "接单", "accepted": "出发采访", "on_site": "交稿"}
    for a in assignments(center).filter(members__user=user, status__in=ACTIVE).distinct()[:30]:
        items.append(Todo(room="任务", title=a.title, url=f"/planning/assignments/{a.pk}/", due=a.deadline,
                          since=a.created_at, action=steps.get(a.status, "查看"),
                          note=a.get_status_display() + (f" · {a.location}" if a.location else "")))
    today = timezone.localdate()
    tz = timezone.get_current_timezone()
    for shift in my_shifts(center, user, today, days=1):
        starts = dt.datetime.combine(shift.date, dt.time(8, 0), tzinfo=tz)
        items.append(Todo(room="值班", title=f"{'今天' if shift.date == today else '明天'}您值{shift.get_desk_display()}",
                          url="/planning/duty/", since=starts, note=f"{shift.date:%m月%d日}", action="看值班表"))
    pending = swaps(center, user)
    for swap in pending["to_answer"]:
        items.append(Todo(room="值班", title=f"{swap.requester} 请您换班：{swap.shift.date:%m月%d日}{swap.shift.get_desk_display()}",
                          url="/planning/duty/#swaps", since=swap.created_at, note=swap.reason, action="同意或拒绝"))
    for swap in pending["to_approve"]:
        items.append(Todo(room="值班", title=f"待批准换班：{swap.requester} → {swap.counterpart}，"
                                            f"{swap.shift.date:%m月%d日}{swap.shift.get_desk_display()}",
                          url="/planning/duty/#swaps", since=swap.created_at, note=swap.reason, action="批准"))
    return items
