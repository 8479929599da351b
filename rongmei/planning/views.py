from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from rongmei.core.ids import parse_id
from rongmei.core.tenancy import get_scoped_or_404
from rongmei.core.views import apply_errors, require_perm
from rongmei.planning import selectors, services
from rongmei.planning.deadlines import default_deadline
from rongmei.planning.forms import AssignmentForm, LeadForm, PlanForm, TopicForm
from rongmei.planning.models import Assignment, Lead, Topic


def _require(request, perm: str) -> None:
    if not request.user.has_perm(perm, request.center):
        raise PermissionDenied("您没有这项操作的权限。")


# --- Board -------------------------------------------------------------------------------------

def _period(request) -> tuple[str, dt.date, dt.date]:
    span = "week" if request.GET.get("range") == "week" else "day"
    start, end = selectors.board_period(timezone.localdate(), span)
    return ("week" if span == "week" else "today"), start, end


@require_perm("planning.view_board")
def board(request):
    period, start, end = _period(request)
    return render(request, "planning/board.html", {"period": period, "start": start, "end": end,
                                                    "on_duty": selectors.duty_on(request.center),
                                                    **selectors.board(request.center, start, end)})


@require_perm("planning.view_board")
def screen(request):
    """Full-screen command-room view; the body refreshes itself every 30 seconds."""
    period, start, end = _period(request)
    context = {"period": period, "start": start, "end": end, "now": timezone.localtime(),
               "on_duty": selectors.duty_on(request.center), **selectors.board(request.center, start, end)}
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
        "title": topic.title, "deadline": default_deadline(request.center, timezone.now())})
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


# --- Duty roster (值班表) ------------------------------------------------------------------------

def _monday(value: str) -> dt.date:
    today = timezone.localdate()
    try:
        day = dt.date.fromisoformat(value) if value else today
    except ValueError:
        day = today
    return day - dt.timedelta(days=day.weekday())


def _back_to_week(day: dt.date):
    monday = day - dt.timedelta(days=day.weekday())
    return redirect(f"{reverse('planning:duty')}?week={monday.isoformat()}")


@require_perm("planning.view_board")
def duty(request):
    """值班表: a week of desks; my shifts with 申请换班; swaps waiting for me; 排班 for the chief."""
    from rongmei.planning.forms import DutyForm, SwapForm

    monday = _monday(request.GET.get("week", ""))
    may_manage = request.user.has_perm("planning.manage_duty", request.center)
    form = DutyForm(request.POST or None, center=request.center, initial={"date": timezone.localdate()})
    if request.method == "POST":
        _require(request, "planning.manage_duty")
        if form.is_valid():
            data = form.cleaned_data
            try:
                shift = services.assign_duty(center=request.center, user=request.user, date=data["date"], desk=data["desk"],
                                             person=data["person"])
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, f"已安排 {shift.user} {shift.date:%m月%d日}{shift.get_desk_display()}。")
                return _back_to_week(shift.date)
        monday = _monday(request.POST.get("date", ""))
    today = timezone.localdate()
    return render(request, "planning/duty.html", {
        "days": selectors.duty_week(request.center, monday), "monday": monday,
        "previous": monday - dt.timedelta(days=7), "following": monday + dt.timedelta(days=7),
        "this_week": today - dt.timedelta(days=today.weekday()),
        "on_duty": selectors.duty_on(request.center), "mine": selectors.my_shifts(request.center, request.user, today),
        "swaps": selectors.swaps(request.center, request.user), "may_manage": may_manage,
        "form": form if may_manage else None,
        "swap_form": SwapForm(center=request.center, exclude=request.user),
    })


@require_POST
@require_perm("planning.manage_duty")
def duty_remove(request, pk: int):
    from rongmei.planning.models import DutyShift

    shift = get_scoped_or_404(DutyShift, request.center, pk=pk)
    day, label = shift.date, f"{shift.user} {shift.date:%m月%d日}{shift.get_desk_display()}"
    try:
        services.remove_duty(shift=shift, user=request.user)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, f"已取消：{label}。")
    return _back_to_week(day)


@require_POST
@require_perm("planning.view_board")
def duty_swap(request, pk: int):
    """申请换班 for one of my shifts."""
    from rongmei.planning.forms import SwapForm
    from rongmei.planning.models import DutyShift

    shift = get_scoped_or_404(DutyShift, request.center, pk=pk)
    form = SwapForm(request.POST, center=request.center, exclude=request.user)
    if not form.is_valid():
        messages.error(request, "换班申请没有提交：" + "；".join(e for errs in form.errors.values() for e in errs))
        return _back_to_week(shift.date)
    data = form.cleaned_data
    try:
        swap = services.request_swap(shift=shift, user=request.user, counterpart=data["counterpart"], reason=data["reason"],
                                     counterpart_shift=data["counterpart_shift"])
    except ValidationError as exc:
        messages.error(request, "换班申请没有提交：" + "；".join(exc.messages))
    else:
        messages.success(request, f"已向 {swap.counterpart} 提出换班申请，对方同意并经总编辑批准后生效。"
                         if swap.approved_at is None else f"已向 {swap.counterpart} 提出换班申请，对方同意后生效。")
    return _back_to_week(shift.date)


@require_POST
@require_perm("planning.view_board")
def duty_swap_decide(request, pk: int):
    """The counterpart agrees or refuses, the chief approves or rejects, the requester withdraws."""
    from rongmei.planning.models import DutySwap

    swap = get_scoped_or_404(DutySwap.objects.select_related("shift"), request.center, pk=pk)
    action, note = request.POST.get("action", ""), request.POST.get("note", "")
    done = {"agree": "您已同意换班。", "refuse": "您已拒绝换班，已通知申请人。", "approve": "已批准换班。",
            "reject": "已不批准这次换班，已通知双方。", "cancel": "换班申请已撤回。"}
    try:
        if action in ("agree", "refuse"):
            swap = services.answer_swap(swap=swap, user=request.user, agree=action == "agree", note=note)
        elif action in ("approve", "reject"):
            swap = services.approve_swap(swap=swap, user=request.user, approve=action == "approve", note=note)
        elif action == "cancel":
            swap = services.cancel_swap(swap=swap, user=request.user)
        else:
            raise ValidationError("未知的操作。")
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, done[action] + ("换班已生效，值班表已更新。" if swap.status == DutySwap.Status.APPROVED else ""))
    return _back_to_week(swap.shift.date)
