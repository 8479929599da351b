"""The 绩效考核 screens people work in every month: the admin's month page (compute, what
blocks the close, the close with its confirmation, scorecards per org unit, adjustments after
the close), a person's own breakdown with every line and rule (and disputes while the month
is open), the dispute list the admin resolves, the 稿费 statements, and the HR downloads.

Why so thin: what may happen (open month, version, permission, open disputes) is decided in
appraisal.services (the engine's owner); these views turn a POST into one service call, put
its Chinese refusal on the page (400, or 409 for "已被他人修改"/state conflicts) and redirect
on success. Every object is looked up within request.center; another center's is a 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from rongmei.appraisal import exports, periods, services
from rongmei.appraisal import selectors as sel
from rongmei.appraisal.models import Dispute, Period
from rongmei.core.ids import parse_id
from rongmei.core.selectors import member_or_none
from rongmei.core.services import record
from rongmei.core.tenancy import get_scoped_or_404
from rongmei.core.views import require_perm
from rongmei.newsroom.models import Story


def _messages_of(exc: ValidationError) -> list[str]:
    if hasattr(exc, "error_dict"):
        return [m for msgs in exc.message_dict.values() for m in msgs]
    return list(exc.messages)


def _status(exc: ValidationError) -> int:
    return getattr(exc, "api_status", 400)


def _month_arg(request, value: str | None = None):
    """The month asked for (path or ?month=), else the center's current month; a malformed
    month in the path is a 404."""
    if value is not None:
        month = sel.parse_month(value)
        if month is None:
            raise Http404("月份格式应为 2026-11。")
        return month
    return sel.parse_month(request.GET.get("month")) or periods.current_month(request.center)


def _period_or_404(request, value: str) -> Period:
    month = _month_arg(request, value)
    return get_scoped_or_404(Period, request.center, month=month)


def _month_url(month) -> str:
    return f"{reverse('appraisal:month')}?month={sel.month_value(month)}"


def _expected(request) -> int | None:
    value = request.POST.get("version", "").strip()
    return int(value) if value.isdigit() else None


# --- The month (admin, HR) ---------------------------------------------------------------------------------

def _month_context(request, month, *, errors=None, adjust_values=None) -> dict:
    period = periods.get(request.center, month)
    previous, following = sel.neighbours(month)
    return {
        "month": month, "month_value": sel.month_value(month), "previous": previous, "following": following,
        "period": period, "sheet": sel.month_sheet(period) if period else None,
        "blockers": sel.blockers(request.center, month, period),
        "can_manage": request.user.has_perm("appraisal.manage", request.center),
        "can_export": request.user.has_perm("appraisal.export", request.center),
        "periods": sel.recent_periods(request.center),
        "people": _people_choices(request.center, period),
        "errors": errors or [], "adjust": adjust_values or {},
    }


def _people_choices(center, period) -> list:
    if period is None:
        return []
    return [(card.user_id, sel.person_name(card.user)) for card in sel.scorecards(period)]


@require_perm("appraisal.view_all")
def month(request):
    month = _month_arg(request)
    return render(request, "appraisal/month.html", _month_context(request, month))


@require_POST
@require_perm("appraisal.manage")
def month_compute(request, month: str):
    month_date = _month_arg(request, month)
    if month_date > periods.current_month(request.center):
        return render(request, "appraisal/month.html",
                      _month_context(request, month_date, errors=["还没到这个月份，不能计算。"]), status=400)
    period = periods.get_or_open(request.center, month_date)
    try:
        outcome = services.compute(period, request.user, expected_version=_expected(request))
    except ValidationError as exc:
        return render(request, "appraisal/month.html",
                      _month_context(request, month_date, errors=_messages_of(exc)), status=_status(exc))
    messages.success(request, f"已重新计算：{outcome.people} 人，{outcome.pieces} 件稿件，合计 {outcome.points} 分。")
    return redirect(_month_url(month_date))


@require_perm("appraisal.manage")
def month_close(request, month: str):
    """GET: the confirmation (what will be locked, what blocks); POST: the close."""
    period = _period_or_404(request, month)
    context = _month_context(request, period.month)
    if request.method != "POST":
        return render(request, "appraisal/close_confirm.html", context)
    if request.POST.get("confirm") != "yes":
        context["errors"] = ["请勾选“我已核对，确认结算并锁定本月”。"]
        return render(request, "appraisal/close_confirm.html", context, status=400)
    try:
        services.close(period, request.user, expected_version=_expected(request))
    except ValidationError as exc:
        context = _month_context(request, period.month, errors=_messages_of(exc))
        return render(request, "appraisal/close_confirm.html", context, status=_status(exc))
    messages.success(request, f"{periods.label(period.month)}已结算并锁定，人员已收到通知。")
    return redirect(_month_url(period.month))


@require_POST
@require_perm("appraisal.manage")
def month_adjust(request, month: str):
    period = _period_or_404(request, month)
    values = {k: request.POST.get(k, "") for k in ("user", "points", "amount", "reason")}
    user_id = parse_id(values["user"])
    person = member_or_none(request.center, user_id) if user_id else None
    if person is None and user_id:
        person = next((c.user for c in sel.scorecards(period) if c.user_id == user_id), None)
    try:
        if person is None:
            raise ValidationError({"user": ["请选择本中心的人员。"]})
        services.adjust(period, request.user, person, values["points"], values["amount"], values["reason"])
    except ValidationError as exc:
        return render(request, "appraisal/month.html",
                      _month_context(request, period.month, errors=_messages_of(exc), adjust_values=values),
                      status=_status(exc))
    messages.success(request, f"已记录对{sel.person_name(person)}的结算后调整。")
    return redirect(_month_url(period.month))


# --- A person's month --------------------------------------------------------------------------------------

def _person_context(request, month, person, *, own: bool, errors=None, dispute=None) -> dict:
    period = periods.get(request.center, month)
    previous, following = sel.neighbours(month)
    data = sel.person_month(period, person)
    return {
        "month": month, "month_value": sel.month_value(month), "previous": previous, "following": following,
        "person": person, "person_name": sel.person_name(person), "own": own, "data": data, "period": period,
        "unit_size": (sel.unit_counts(period).get(data.card.org_unit_id, 0) if data.card else 0),
        "open": period is None or period.status == Period.Status.OPEN,
        "errors": errors or [], "dispute": dispute or {"story": request.GET.get("story", ""), "text": ""},
        "can_view_all": request.user.has_perm("appraisal.view_all", request.center),
    }


@require_perm("appraisal.view_own")
def me(request):
    month = _month_arg(request)
    return render(request, "appraisal/person.html", _person_context(request, month, request.user, own=True))


@require_perm("appraisal.view_all")
def person(request, month: str, user_id: int):
    month_date = _month_arg(request, month)
    person = member_or_none(request.center, user_id)
    if person is None:  # someone who left still has their closed scorecards here
        period = periods.get(request.center, month_date)
        card = sel.scorecards(period).filter(user_id=user_id).first() if period else None
        if card is None:
            raise Http404("本中心没有这个人员。")
        person = card.user
    return render(request, "appraisal/person.html",
                  _person_context(request, month_date, person, own=person.pk == request.user.pk))


@require_POST
@require_perm("appraisal.view_own")
def dispute_new(request, month: str):
    month_date = _month_arg(request, month)
    values = {"story": request.POST.get("story", ""), "text": request.POST.get("text", "")}
    story = None
    try:
        if month_date > periods.current_month(request.center):
            raise ValidationError("还没到这个月份，不能申诉。")
        if values["story"]:
            story_id = parse_id(values["story"])
            story = Story.objects.filter(center=request.center, pk=story_id).first() if story_id else None
            if story is None:
                raise ValidationError({"story": ["找不到这篇稿件。"]})
        period = periods.get_or_open(request.center, month_date)
        services.raise_dispute(period, request.user, values["text"], story=story)
    except ValidationError as exc:
        return render(request, "appraisal/person.html",
                      _person_context(request, month_date, request.user, own=True, errors=_messages_of(exc),
                                      dispute=values), status=_status(exc))
    messages.success(request, "申诉已提交，考核管理员处理后您会收到通知。")
    return redirect(f"{reverse('appraisal:me')}?month={sel.month_value(month_date)}")


# --- Disputes (admin) --------------------------------------------------------------------------------------

@require_perm("appraisal.manage")
def disputes(request):
    status = request.GET.get("status", "open")
    status = status if status in dict(Dispute.Status.choices) or status == "all" else "open"
    rows = sel.disputes(request.center, status="" if status == "all" else status)[:300]
    return render(request, "appraisal/disputes.html", {
        "rows": rows, "status": status, "statuses": Dispute.Status.choices,
        "open_count": sel.open_dispute_count(request.center),
    })


@require_POST
@require_perm("appraisal.manage")
def dispute_resolve(request, pk: int):
    dispute = get_scoped_or_404(Dispute.objects.select_related("period", "raised_by"), request.center, pk=pk)
    decision = request.POST.get("decision", "")
    try:
        if decision not in ("accept", "reject"):
            raise ValidationError("请选择“采纳”或“不采纳”。")
        services.resolve_dispute(dispute, request.user, decision == "accept", request.POST.get("resolution", ""))
    except ValidationError as exc:
        rows = sel.disputes(request.center, status="open")[:300]
        return render(request, "appraisal/disputes.html", {
            "rows": rows, "status": "open", "statuses": Dispute.Status.choices,
            "open_count": sel.open_dispute_count(request.center), "errors": _messages_of(exc),
            "failed": dispute.pk, "resolution": request.POST.get("resolution", ""),
        }, status=_status(exc))
    messages.success(request, f"申诉已{'采纳' if decision == 'accept' else '不采纳'}，申诉人会收到通知。"
                              + ("采纳后请修正考核事实并重新计算。" if decision == "accept" else ""))
    return redirect(reverse("appraisal:disputes"))


# --- 稿费 --------------------------------------------------------------------------------------------------

@require_perm("appraisal.view_all")
def fees(request):
    month = _month_arg(request)
    period = periods.get(request.center, month)
    previous, following = sel.neighbours(month)
    statements = sel.fee_statements(period) if period else []
    return render(request, "appraisal/fees.html", {
        "month": month, "month_value": sel.month_value(month), "previous": previous, "following": following,
        "period": period, "statements": statements, "total": sum((s.amount for s in statements), sel.ZERO),
        "can_export": request.user.has_perm("appraisal.export", request.center),
    })


# --- Downloads (HR) ----------------------------------------------------------------------------------------

EXPORT_AUDIT_LABELS = {"appraisal.export_pay": "导出绩效工资表", "appraisal.export_fees": "导出稿费表"}


def _audit_export(request, period: Period, action: str, fmt: str, who: str = "") -> None:
    """Pay data leaving the system is recorded: who downloaded which month, in which format."""
    record(action, actor=request.user, center=request.center, obj=period,
           after={"month": sel.month_value(period.month), "format": fmt, "status": period.status,
                  **({"person": who} if who else {})})


def _download(data: bytes, filename: str, content_type: str) -> HttpResponse:
    from urllib.parse import quote

    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response


@require_perm("appraisal.export")
def export_xlsx(request, month: str):
    period = _period_or_404(request, month)
    _audit_export(request, period, "appraisal.export_pay", "xlsx")
    return _download(exports.pay_workbook(period), exports.filename(period, "绩效工资表", "xlsx"), exports.XLSX)


@require_perm("appraisal.export")
def export_pdf(request, month: str):
    period = _period_or_404(request, month)
    _audit_export(request, period, "appraisal.export_pay", "pdf")
    return _download(exports.pay_pdf(period), exports.filename(period, "绩效工资表", "pdf"), "application/pdf")


@require_perm("appraisal.export")
def fees_xlsx(request, month: str):
    period = _period_or_404(request, month)
    only = request.GET.get("who", "")
    if only:
        statement = next((s for s in sel.fee_statements(period) if s.key == only), None)
        if statement is None:
            raise Http404("本月没有这个人的稿费。")
        _audit_export(request, period, "appraisal.export_fees", "xlsx", statement.name)
        return _download(exports.fee_workbook(period, only), exports.filename(period, f"稿费单（{statement.name}）", "xlsx"),
                         exports.XLSX)
    _audit_export(request, period, "appraisal.export_fees", "xlsx")
    return _download(exports.fee_workbook(period), exports.filename(period, "稿费表", "xlsx"), exports.XLSX)
