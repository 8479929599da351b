"""Planning demo data: plans, leads, topics with discussion, assignments in every state.
Idempotent: everything is found again by its title."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from rongmei.core.models import Center, User
from rongmei.newsroom.models import Column, Story
from rongmei.planning import demo_content
from rongmei.planning.models import Assignment, AssignmentMember, Lead, Plan, Topic, TopicComment

STATUS_MAP = {"assigned": Assignment.Status.OPEN}


def _plans(center, users, columns) -> tuple[dict, int]:
    today, made, plans = timezone.localdate(), 0, {}
    for spec in demo_content.PLANS:
        plan, created = Plan.objects.get_or_create(center=center, title=spec["title"], defaults={
            "description": spec.get("description", ""), "column": columns.get(spec.get("column")),
            "starts_on": today + dt.timedelta(days=spec.get("starts_days_from_today", 0)),
            "ends_on": today + dt.timedelta(days=spec.get("ends_days_from_today", 30)),
            "created_by": users["editor"]})
        plans[spec["key"]] = plan
        made += created
    return plans, made


def _topics(center, users, columns, plans) -> tuple[dict, int]:
    today, now, made, topics = timezone.localdate(), timezone.now(), 0, {}
    for spec in demo_content.TOPICS:
        status = spec["status"]
        decided = status != Topic.Status.PROPOSED
        topic, created = Topic.objects.get_or_create(center=center, title=spec["title"], defaults={
            "description": spec.get("description", ""), "plan": plans.get(spec.get("plan")),
            "column": columns.get(spec.get("column")), "status": status,
            "planned_for": today + dt.timedelta(days=spec.get("planned_days_from_today", 0)),
            "proposed_by": users.get(spec.get("proposed_by"), users["reporter"]),
            "decided_by": users["editor"] if decided else None, "decided_at": now if decided else None,
            "decision_note": spec.get("decision_note", "")})
        if created:
            made += 1
            for username, text, minutes_ago in spec.get("comments", []):
                TopicComment.objects.create(topic=topic, author=users.get(username, users["editor"]), body=text,
                                            created_at=now - dt.timedelta(minutes=minutes_ago))
        topics[spec["key"]] = topic
    return topics, made


def _leads(center, users, topics) -> int:
    now, made = timezone.now(), 0
    for spec in demo_content.LEADS:
        if Lead.objects.filter(center=center, title=spec["title"]).exists():
            continue
        Lead.objects.create(
            center=center, source=spec["source"], title=spec["title"], content=spec["content"],
            contact=spec.get("contact", ""), status=spec["status"], dismiss_reason=spec.get("dismiss_reason", ""),
            topic=topics.get(spec.get("topic")), created_at=now - dt.timedelta(days=spec.get("days_ago", 0), hours=2),
            created_by=users["editor"] if spec["source"] == Lead.Source.STAFF else None,
            handled_by=users["editor"] if spec["status"] != Lead.Status.NEW else None)
        made += 1
    return made


def _assignments(center, users, topics) -> int:
    now, made = timezone.now(), 0
    stories = {s["key"]: s["headline"] for s in _story_specs()}
    for spec in demo_content.ASSIGNMENTS:
        if Assignment.objects.filter(center=center, title=spec["title"]).exists():
            continue
        story = None
        if spec.get("story"):
            story = Story.objects.filter(center=center, headline=stories.get(spec["story"])).first()
        assignment = Assignment.objects.create(
            center=center, topic=topics.get(spec.get("topic")), title=spec["title"], brief=spec.get("brief", ""),
            location=spec.get("location", ""), starts_at=now + dt.timedelta(hours=spec.get("starts_in_hours", 0)),
            deadline=now + dt.timedelta(hours=spec.get("deadline_in_hours", 8)),
            deliverables=spec.get("deliverables", ["text"]), status=STATUS_MAP.get(spec["status"], spec["status"]),
            story=story, created_by=users["editor"])
        accepted = spec["status"] not in ("open", "assigned")
        for username, role in spec.get("members", []):
            if username in users:
                AssignmentMember.objects.get_or_create(assignment=assignment, user=users[username], defaults={
                    "role": role, "accepted_at": now - dt.timedelta(hours=1) if accepted else None})
        made += 1
    return made


def _story_specs():
    from rongmei.newsroom import demo_content as newsroom_content

    return newsroom_content.STORIES


# 值班表: weekdays a day desk and a night desk, weekends one desk; names rotate.
DUTY_DAY = ["editor", "editor", "reviewer3", "editor", "editor"]
DUTY_NIGHT = ["reviewer1", "reviewer2", "proofreader", "reviewer1", "reviewer2"]
DUTY_WEEKEND = ["editor", "reviewer3"]


def _duty_roster(center, users) -> int:
    """The current and the next week (filled in for whichever days have nobody yet, so a
    later `rongmei demo` extends it), and one swap waiting for the other person and the chief."""
    from rongmei.planning import services
    from rongmei.planning.models import DutyShift, DutySwap

    chief = users.get("reviewer3")
    if chief is None:
        return 0
    today = timezone.localdate()
    monday = today - dt.timedelta(days=today.weekday())
    made = 0
    for offset in range(14):
        day = monday + dt.timedelta(days=offset)
        if DutyShift.objects.filter(center=center, date=day).exists():
            continue
        weekday = day.weekday()
        plan = ([("weekend", DUTY_WEEKEND[(offset // 7 + weekday) % 2])] if weekday >= 5 else
                [("day", DUTY_DAY[weekday]), ("night", DUTY_NIGHT[(weekday + offset // 7) % 5])])
        for desk, username in plan:
            if username in users:
                services.assign_duty(center=center, user=chief, date=day, desk=desk, person=users[username],
                                     quiet=True)
                made += 1
    requester, other = users.get("reviewer1"), users.get("reviewer2")
    waiting = DutySwap.objects.filter(center=center, status=DutySwap.Status.PENDING, shift__date__gte=today).exists()
    shift = DutyShift.objects.filter(center=center, user=requester, date__gt=today, desk="night").order_by("date").first()
    if requester and other and shift and not waiting:
        services.request_swap(shift=shift, user=requester, counterpart=other, reason="孩子当晚开家长会，请帮忙代一次夜班")
        made += 1
    return made


@transaction.atomic
def load(center: Center) -> tuple[int, int]:
    users = {u.username: u for u in User.objects.filter(memberships__center=center).distinct()}
    columns = {c.slug: c for c in Column.objects.filter(center=center)}
    before = sum(m.objects.filter(center=center).count() for m in (Plan, Topic, Lead, Assignment))
    plans, _ = _plans(center, users, columns)
    topics, _ = _topics(center, users, columns, plans)
    _leads(center, users, topics)
    _assignments(center, users, topics)
    made = _duty_roster(center, users)
    after = sum(m.objects.filter(center=center).count() for m in (Plan, Topic, Lead, Assignment))
    return after - before + made, before
