from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from rongmei.core.ids import parse_id
from rongmei.core.tenancy import get_scoped_or_404
from rongmei.core.views import apply_errors, require_perm
from rongmei.planning import selectors, services
from rongmei.planning.forms import AssignmentForm, LeadForm, PlanForm, TopicForm
from rongmei.planning.models import Assignment, Lead, Topic


def _require(request, perm: str) -> None:
    if not request.user.has_perm(perm, request.center):
        raise PermissionDenied("您没有这项操作的权限。")


# --- Board -------------------------------------------------------------------------------------

def _period(request) -> tuple[str, dt.date, dt.date]:
    today = timezone.localdate()
    if request.GET.get("range") == "week":
        start = today - dt.timedelta(days=today.weekday())
        return "week", start, start + dt.timedelta(days=6)
    return "today", today, today


@require_perm("planning.view_board")
def board(request):
    period, start, end = _period(request)
    return render(request, "planning/board.html", {"period": period, "start": start, "end": end,
                                                    **selectors.board(request.center, start, end)})


@require_perm("planning.view_board")
def screen(request):
    """Full-screen command-room view; the body refreshes itself every 30 seconds."""
    period, start, end = _period(request)
    context = {"period": period, "start": start, "end": end, "now": timezone.localtime(),
               **selectors.board(request.center, start, end)}
    if request.htmx:
        return render(request, "planning/_screen_body.html", context)
    return render(request, "planning/screen.html", context)


@require_perm("planning.view_board")
def calendar(request):
    today = timezone.localdate()
    try:
        year, month = (int(x) for x in request.GET.get("month", f"{today:%Y-%m}").split("-"))
        first = dt.date(year, month, 1)
    except ValueError:
        first = today.replace(day=1)
    return render(request, "planning/calendar.html", selectors.month(request.center, first, today))


# --- Leads -------------------------------------------------------------------------------------

@require_perm("planning.add_lead")
def leads(request):
    form = LeadForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.create_lead(center=request.center, created_by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, "线索已录入。")
            return redirect("planning:leads")
    status = request.GET.get("status", Lead.Status.NEW)
    qs = selectors.leads(request.center, status=status if status in Lead.Status.values else "")
    page = Paginator(qs, 30).get_page(request.GET.get("page"))
    return render(request, "planning/leads.html", {
        "form": form, "page": page, "status": status,
        "revealable": selectors.lead_ids_with_visible_contact(request.user, request.center, page),
        "statuses": Lead.Status.choices, "can_triage": request.user.has_perm("planning.triage_lead", request.center),
        "topic_form": TopicForm(center=request.center),
    })


@never_cache
@require_POST
@require_perm("planning.add_lead")
def lead_contact(request, pk: int):
    """显示完整号码: a deliberate POST, audited; the masked number everywhere else."""
    lead = get_scoped_or_404(Lead, request.center, pk=pk)
    contact = services.reveal_lead_contact(lead=lead, user=request.user)
    return render(request, "planning/lead_contact.html", {"lead": lead, "contact": contact})


@require_POST
@require_perm("planning.triage_lead")
def lead_dismiss(request, pk: int):
    lead = get_scoped_or_404(Lead, request.center, pk=pk)
    try:
        services.dismiss_lead(lead=lead, user=request.user, reason=request.POST.get("reason", ""))
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, f"线索“{lead.title}”不予采用。")
    return redirect("planning:leads")


@require_POST
@require_perm("planning.triage_lead")
def lead_to_topic(request, pk: int):
    lead = get_scoped_or_404(Lead, request.center, pk=pk)
    form = TopicForm(request.POST, center=request.center)
    if not form.is_valid():
        messages.error(request, "转为选题失败：" + "；".join(e for errs in form.errors.values() for e in errs))
        return redirect("planning:leads")
    try:
        topic = services.lead_to_topic(lead=lead, user=request.user, **form.cleaned_data)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
        return redirect("planning:leads")
    messages.success(request, f"已转为选题“{topic.title}”。")
    return redirect("planning:topic", pk=topic.pk)


# --- Topics and plans ----------------------------------------------------------------------------

@require_perm("planning.view_board")
def topics(request):
    form = TopicForm(request.POST or None, center=request.center)
    if request.method == "POST":
        _require(request, "planning.propose_topic")
        if form.is_valid():
            try:
                topic = services.propose_topic(center=request.center, user=request.user, **form.cleaned_data)
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, "选题已申报。" if topic.status == Topic.Status.PROPOSED else "选题已创建并通过。")
                return redirect("planning:topic", pk=topic.pk)
    status = request.GET.get("status", "")
    listed = selectors.topics(request.center, status=status if status in Topic.Status.values else "")
    plan = request.GET.get("plan", "")
    if parse_id(plan) is not None:
        listed = listed.filter(plan_id=parse_id(plan))
    return render(request, "planning/topics.html", {
        "form": form, "topics": listed,
        "plans": selectors.plans(request.center), "status": status, "statuses": Topic.Status.choices,
        "can_propose": request.user.has_perm("planning.propose_topic", request.center),
        "can_plan": request.user.has_perm("planning.decide_topic", request.center),
        "plan_form": PlanForm(center=request.center),
    })


@require_POST
@require_perm("planning.decide_topic")
def plan_create(request):
    form = PlanForm(request.POST, center=request.center)
    if form.is_valid():
        try:
            plan = services.create_plan(center=request.center, user=request.user, **form.cleaned_data)
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        else:
            messages.success(request, f"策划“{plan.title}”已创建。")
    else:
        messages.error(request, "创建策划失败：" + "；".join(e for errs in form.errors.values() for e in errs))
    return redirect("planning:topics")


@require_perm("planning.view_board")
def topic_detail(request, pk: int):
    topic = get_scoped_or_404(selectors.topics(request.center), request.center, pk=pk)
    assignment_form = AssignmentForm(center=request.center, initial={
        "title": topic.title, "deadline": timezone.localtime() + dt.timedelta(hours=8)})
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "comment":
                services.comment_topic(topic=topic, user=request.user, body=request.POST.get("body", ""))
                messages.success(request, "意见已发表。")
            elif action in ("approve", "reject"):
                _require(request, "planning.decide_topic")
                services.decide_topic(topic=topic, user=request.user, approve=action == "approve", note=request.POST.get("note", ""))
                messages.success(request, "选题已通过。" if action == "approve" else "选题未通过，已通知申报人。")
            elif action == "assign":
                _require(request, "planning.assign")
                assignment_form = AssignmentForm(request.POST, center=request.center)
                if assignment_form.is_valid():
                    data = assignment_form.cleaned_data
                    assignment = services.create_assignment(
                        center=request.center, user=request.user, topic=topic, title=data["title"], brief=data["brief"],
                        location=data["location"], starts_at=data["starts_at"], deadline=data["deadline"],
                        deliverables=data["deliverables"], members=assignment_form.members())
                    messages.success(request, f"已派发采访任务“{assignment.title}”。")
                else:
                    raise ValidationError("请检查采访任务的填写。")
            else:
                raise ValidationError("未知的操作。")
        except ValidationError as exc:
            if action == "assign" and hasattr(exc, "error_dict"):
                apply_errors(assignment_form, exc)
            else:
                messages.error(request, "；".join(exc.messages))
        else:
            return redirect("planning:topic", pk=topic.pk)
    return render(request, "planning/topic_detail.html", {
        "topic": topic, "assignment_form": assignment_form, "comments": topic.comments.select_related("author"),
        "assignments": selectors.assignments(request.center).filter(topic=topic),
        "can_decide": request.user.has_perm("planning.decide_topic", request.center),
        "can_assign": request.user.has_perm("planning.assign", request.center) and topic.status == Topic.Status.APPROVED,
    })


def _story_readable(request, assignment) -> bool:
    """The board is for everyone on staff; the story behind a task shows its headline only to
    who may read it (an unpublished story: its authors and "newsroom.view_drafts")."""
    from rongmei.newsroom.selectors import readable_stories

    return assignment.story_id is not None and readable_stories(request.center, request.user).filter(
        pk=assignment.story_id).exists()


# --- Assignments ---------------------------------------------------------------------------------

@require_perm("planning.take_assignment")
def my_assignments(request):
    return render(request, "planning/mine.html", selectors.assignments_for(request.center, request.user))


@require_perm("planning.view_board")
def assignment_detail(request, pk: int):
    assignment = get_scoped_or_404(selectors.assignments(request.center), request.center, pk=pk)
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "accept":
                services.accept_assignment(assignment=assignment, user=request.user)
                messages.success(request, "已接单。到达现场后点“到达现场”，写好后交稿。")
            elif action == "write":
                story = services.start_story(assignment=assignment, user=request.user)
                return redirect("newsroom:story_edit", pk=story.pk)
            else:
                services.advance_assignment(assignment=assignment, user=request.user, step=action)
                messages.success(request, "任务状态已更新。")
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        return redirect("planning:assignment", pk=assignment.pk)
    members = list(assignment.members.all())
    me = next((m for m in members if m.user_id == request.user.pk), None)
    return render(request, "planning/assignment_detail.html", {
        "assignment": assignment, "members": members, "me": me, "story_readable": _story_readable(request, assignment),
        "can_claim": not members and request.user.has_perm("planning.take_assignment", request.center),
        "can_dispatch": request.user.has_perm("planning.assign", request.center),
    })
