"""Staff screens of 网络问政: the coordinator's queue, the department's queue, the case page
with every action of the loop, and the settings (routing rules, deadlines, holidays)."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from rongmei.core.models import Department
from rongmei.core.tenancy import get_scoped_or_404, scoped
from rongmei.core.ids import parse_id
from rongmei.core.views import require_perm
from rongmei.inquiry import selectors, services, workdays
from rongmei.inquiry import sms as citizen_sms
from rongmei.inquiry.models import Case, DeadlineRule, Extension, HolidayOverride, Kind, Reply, RoutingRule


def _attention(center) -> str:
    calendar = workdays.Calendar.load(center)
    return workdays.attention_message(workdays.years_needing_attention(calendar, timezone.localdate()))


@require_perm("inquiry.handle")
def queue(request):
    tab = request.GET.get("tab", "submitted")
    if tab not in selectors.TAB_KEYS:
        tab = selectors.TAB_KEYS[0]
    q = (request.GET.get("q") or "").strip()
    cases = selectors.queue(selectors.cases_for(request.center, request.user), tab=tab, q=q, by_phone=True)
    cases = cases.order_by("due_at" if tab in ("processing", "overdue") else "-created_at")
    return render(request, "inquiry/queue.html", {
        "tabs": selectors.tab_counts(request.center), "tab": tab, "cases": cases[:200], "now": timezone.now(), "q": q,
        "attention": _attention(request.center)})


@require_perm("inquiry.answer")
def mine(request):
    department = services.department_of(request.user, request.center)
    if department is None:
        raise PermissionDenied("您的账号没有绑定政府部门，请联系中心管理员。")
    open_work, done = selectors.department_work(request.center, department)
    return render(request, "inquiry/mine.html", {"department": department, "open_work": open_work, "done": done,
                                                 "now": timezone.now()})


def _case_for(request, pk: int) -> tuple[Case, bool, Department | None]:
    if request.center is None:
        raise PermissionDenied("您还没有在任何融媒体中心担任角色。")
    access = selectors.case_access(request.center, request.user, pk)
    if access is None:
        raise PermissionDenied("这件问政没有交给您，您不能查看。")
    return access.case, access.handler, access.department


@login_required
def case_page(request, pk: int):
    case, handler, department = _case_for(request, pk)
    departments = scoped(Department, request.center).filter(is_active=True)
    return render(request, "inquiry/case.html", {
        "case": case, "handler": handler, "department": department, "departments": departments,
        "suggested": services.suggest_departments(case) if handler and case.status == Case.Status.SUBMITTED else [],
        "assignments": case.assignments.select_related("department"),
        "replies": case.replies.select_related("department", "author"),
        "extensions": case.extensions.select_related("department"), "events": case.events.select_related("actor"),
        "media": case.media.all(), "now": timezone.now(),
        "my_assignment": case.assignments.filter(department=department).first() if department else None,
        "recent": scoped(Case, request.center).exclude(pk=case.pk).exclude(status__in=[Case.Status.MERGED, Case.Status.REJECTED])
        .order_by("-created_at")[:30] if handler and case.status == Case.Status.SUBMITTED else [],
        "reply_text": request.session.pop("inquiry_reply_draft", ""),
        "sms": citizen_sms.history(case) if handler else [],
        "flagged": request.session.pop("inquiry_reply_flagged", False),
    })


@never_cache
@require_POST
@login_required
def case_contact(request, pk: int):
    """显示完整号码: only for the coordinator handling the case, a deliberate POST, audited."""
    case, handler, _ = _case_for(request, pk)
    contact = services.reveal_contact(case=case, user=request.user, handler=handler)
    return render(request, "inquiry/contact.html", {"case": case, "contact": contact})


def _ids(values) -> list[int]:
    return [i for i in map(parse_id, values) if i is not None]


@require_POST
@login_required
def case_action(request, pk: int):
    case, handler, department = _case_for(request, pk)
    action = request.POST.get("action", "")
    user, post = request.user, request.POST
    handler_actions = {
        "accept": lambda: services.accept(
            case=case, user=user, departments=list(scoped(Department, request.center).filter(pk__in=_ids(post.getlist("department")))),
            lead=scoped(Department, request.center).filter(pk=post.get("lead") or 0).first(), category=post.get("category", ""),
            emergency=post.get("emergency") == "on"),
        "reject": lambda: services.reject(case=case, user=user, reason=post.get("reason", "")),
        "merge": lambda: services.merge(case=case, user=user, into=get_scoped_or_404(Case, request.center, pk=post.get("into") or 0)),
        "approve_reply": lambda: services.approve_reply(reply_obj=case.replies.get(pk=post.get("reply")), user=user),
        "return_reply": lambda: services.return_reply(reply_obj=case.replies.get(pk=post.get("reply")), user=user,
                                                      note=post.get("note", "")),
        "approve_extension": lambda: services.decide_extension(extension=case.extensions.get(pk=post.get("extension")), user=user,
                                                               approve=True),
        "deny_extension": lambda: services.decide_extension(extension=case.extensions.get(pk=post.get("extension")), user=user,
                                                            approve=False),
        "publish": lambda: services.publish(case=case, user=user),
        "unpublish": lambda: services.unpublish(case=case, user=user),
        "close": lambda: services.close(case=case, user=user),
        "resume": lambda: services.supplement(case=case, text="", user=user),
    }
    department_actions = {
        "reply": lambda: services.reply(case=case, user=user, text=post.get("text", ""), confirm_flags=post.get("confirm_flags") == "1"),
        "extension": lambda: services.request_extension(case=case, user=user, days=int(post.get("days") or 0),
                                                        reason=post.get("reason", "")),
        "hand_back": lambda: services.hand_back(case=case, user=user, reason=post.get("reason", "")),
    }
    shared = {"ask": lambda: services.ask_citizen(case=case, user=user, question=post.get("question", ""))}
    steps = {**shared, **handler_actions, **department_actions}
    # -- 17:SM -- the citizen asked by phone for no more SMS: the coordinator records it
    if action == "sms_opt_out" and handler:
        citizen_sms.opt_out(case=case, user=user)
        messages.success(request, "已为群众退订本件的短信通知。")
        return redirect("inquiry:case", pk=case.pk)
    if action not in selectors.CaseAccess(case, handler, department).actions or action not in steps:
        raise PermissionDenied("您不能办理这一步。")
    try:
        steps[action]()
    except (Reply.DoesNotExist, Extension.DoesNotExist):
        messages.error(request, "没有找到这条记录。")
    except ValidationError as exc:
        if action == "reply":
            request.session["inquiry_reply_draft"] = post.get("text", "")
            if getattr(exc, "error_dict", None) and any(e.code == "flagged" for e in exc.error_dict.get("text", [])):
                request.session["inquiry_reply_flagged"] = True
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, ACTION_DONE.get(action, "已办理。"))
    return redirect("inquiry:case", pk=case.pk)


ACTION_DONE = {
    "accept": "已受理并转办。", "reject": "已不予受理，群众可看到原因。", "merge": "已合并。", "approve_reply": "答复已通过，群众可以看到。",
    "return_reply": "答复已退回修改。", "approve_extension": "已同意延期。", "deny_extension": "未同意延期。",
    "publish": "已在网站公开。", "unpublish": "已从网站撤下。", "close": "已办结。", "resume": "已恢复计时。",
    "reply": "答复已提交。", "extension": "延期申请已提交。", "hand_back": "已退回问政受理。", "ask": "已请群众补充，办理时限暂停计算。",
}


# --- Settings ------------------------------------------------------------------------------------------

@require_perm("inquiry.manage")
def settings_page(request):
    center = request.center
    if request.method == "POST":
        try:
            _save_setting(request)
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        else:
            messages.success(request, "已保存。")
        return redirect("inquiry:settings")
    rules = {r.kind: r.working_days for r in scoped(DeadlineRule, center)}
    kinds = [(code, label, rules.get(code, workdays.DEFAULT_DEADLINE_DAYS.get(code))) for code, label in
             [("ack", "受理"), *Kind.choices, ("joint", "多部门联办")]]
    year = timezone.localdate().year
    return render(request, "inquiry/settings.html", {
        "routing": scoped(RoutingRule, center).select_related("department"),
        "departments": scoped(Department, center).filter(is_active=True), "kinds": kinds,
        "holidays": HolidayOverride.objects.filter(day__year__gte=year, center=center),
        "platform_holidays": HolidayOverride.objects.filter(day__year__gte=year, center__isnull=True),
        "attention": _attention(center),
        "computed_years": _computed_years(year),
        "can_edit_holidays": request.user.has_perm("inquiry.manage", center),
        "can_edit_platform_holidays": services.can_edit_platform_holidays(request.user)})


def _computed_years(year: int) -> list[dict]:
    """This year and next where the package has no schedule: the legal holidays computed by
    the rules, and whether the platform admin has entered the whole schedule."""
    from rongmei.inquiry.models import HolidayYear

    complete = set(HolidayYear.objects.filter(complete=True).values_list("year", flat=True))
    return [{"year": y, "complete": y in complete, "holidays": _runs(workdays.legal_holidays(y))}
            for y in (year, year + 1) if not workdays.package_knows(y)]


def _runs(days: dict) -> list[str]:
    """{day: name} as "春节 2月5日–2月10日", one entry per run of consecutive days."""
    runs: list[list] = []
    for day, name in sorted(days.items()):
        if runs and runs[-1][0] == name and (day - runs[-1][2]).days == 1:
            runs[-1][2] = day
        else:
            runs.append([name, day, day])
    fmt = "{d.month}月{d.day}日".format
    return [f"{name} {fmt(d=first)}" + (f"–{fmt(d=last)}" if last != first else "") for name, first, last in runs]


def _save_setting(request) -> None:
    center, post = request.center, request.POST
    what = post.get("what")
    if what == "routing":
        department = scoped(Department, center).filter(pk=post.get("department") or 0).first()
        keywords = (post.get("keywords") or "").strip()
        if department is None or not keywords:
            raise ValidationError("请选择部门并填写关键词。")
        RoutingRule.objects.update_or_create(center=center, department=department, defaults={"keywords": keywords[:2000]})
    elif what == "routing_delete":
        scoped(RoutingRule, center).filter(pk=post.get("rule") or 0).delete()
    elif what == "deadlines":
        for code in ["ack", *Kind.values, "joint"]:
            raw = (post.get(f"days_{code}") or "").strip()
            if not raw:
                continue
            if not raw.isdigit() or not 0 <= int(raw) <= 60:
                raise ValidationError("办理时限应为 0 到 60 之间的整数（工作日）。")
            DeadlineRule.objects.update_or_create(center=center, kind=code, defaults={"working_days": int(raw)})
    elif what == "holiday":
        try:
            day = dt.date.fromisoformat(post.get("day", ""))
        except ValueError:
            raise ValidationError("日期格式应为 2027-01-01。")
        services.save_holiday(center=center, user=request.user, day=day, is_workday=post.get("is_workday") == "1",
                              note=post.get("note") or "", platform=post.get("scope") == "platform")
        return
    elif what == "holiday_delete":
        services.delete_holiday(center=center, user=request.user, holiday_id=parse_id(post.get("holiday")) or 0)
        return
    elif what == "holiday_year":
        raw = (post.get("year") or "").strip()
        if not raw.isdigit():
            raise ValidationError("请选择年份。")
        services.set_holiday_year_complete(center=center, user=request.user, year=int(raw),
                                           complete=post.get("complete") == "1")
        return
    else:
        raise ValidationError("未知的设置。")
    from rongmei.core.services import record

    record("inquiry.settings", actor=request.user, center=center, obj=center, after={"what": what})



