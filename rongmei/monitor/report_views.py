"""Screens of 舆情报告: the list (and generating one), a report's page, editing its sections
(a stale save is refused and the editor's text kept), DOCX and PDF downloads, and sending.
Reading needs monitor.view; generating, editing and sending monitor.report."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from rongmei.core.tenancy import get_scoped_or_404, scoped
from rongmei.core.views import require_perm
from rongmei.monitor import report as reports
from rongmei.monitor import selectors
from rongmei.monitor.models import Report


def _errors(exc: ValidationError) -> str:
    return "；".join(exc.messages)


@require_perm("monitor.view")
def report_list(request):
    center = request.center
    kind = request.GET.get("kind", "")
    qs = scoped(Report, center).select_related("created_by")
    if kind in Report.Kind.values:
        qs = qs.filter(kind=kind)
    yesterday = selectors.local_now(center).date() - dt.timedelta(days=1)
    return render(request, "monitor/report_list.html", {
        "reports": qs.order_by("-period_end", "-pk")[:200], "kind": kind, "kinds": Report.Kind.choices,
        "can_write": request.user.has_perm("monitor.report", center), "default_day": yesterday,
        "max_day": selectors.local_now(center).date(),
    })


@require_POST
@require_perm("monitor.report")
def report_generate(request):
    center = request.center
    kind = request.POST.get("kind", "")
    try:
        day = dt.date.fromisoformat(request.POST.get("day", ""))
    except ValueError:
        messages.error(request, "日期格式应为 2026-12-01。")
        return redirect("monitor:reports")
    try:
        report = reports.generate(center=center, kind=kind, day=day, user=request.user)
    except reports.ReportExists as exc:
        messages.info(request, _errors(exc))
        return redirect("monitor:report", pk=exc.report.pk)
    except ValidationError as exc:
        messages.error(request, _errors(exc))
        return redirect("monitor:reports")
    messages.success(request, "报告已生成。正文是根据数据自动写成的初稿，请审阅修改后再发送。")
    return redirect("monitor:report", pk=report.pk)


@require_perm("monitor.view")
def report_detail(request, pk: int):
    center = request.center
    report = get_scoped_or_404(Report.objects.select_related("created_by", "center"), center, pk=pk)
    return render(request, "monitor/report_detail.html", {
        "report": report, "figures": report.figures or {}, "tables": reports.tables(report),
        "can_write": request.user.has_perm("monitor.report", center),
        "recipients": reports.recipients_of(report),
    })


def _posted_sections(post) -> list[dict]:
    sections = []
    for number in range(reports.MAX_SECTIONS + 1):
        if f"heading_{number}" not in post and f"text_{number}" not in post:
            continue
        if post.get(f"delete_{number}") == "1":
            continue
        sections.append({"heading": post.get(f"heading_{number}", ""), "text": post.get(f"text_{number}", "")})
    return sections


@require_perm("monitor.report")
def report_edit(request, pk: int):
    center = request.center
    report = get_scoped_or_404(Report.objects.select_related("center"), center, pk=pk)
    conflict = None
    if request.method == "POST":
        sections = _posted_sections(request.POST)
        if request.POST.get("add") == "1":
            sections.append({"heading": "", "text": ""})
            return render(request, "monitor/report_edit.html", {
                "report": report, "sections": sections, "title": request.POST.get("title", report.title),
                "recipients": request.POST.get("recipients", report.recipients), "version": request.POST.get("version", "")})
        try:
            reports.update(report=report, user=request.user, version=request.POST.get("version", ""), sections=sections,
                           title=request.POST.get("title", report.title), recipients=request.POST.get("recipients", ""))
        except reports.ReportConflict as exc:
            report.refresh_from_db()
            conflict = {"message": _errors(exc), "current": report.sections, "current_title": report.title}
            # The editor's text stays in the form; saving again (after comparing) overwrites.
            return render(request, "monitor/report_edit.html", {
                "report": report, "sections": sections, "title": request.POST.get("title", ""),
                "recipients": request.POST.get("recipients", ""), "version": request.POST.get("version", ""),
                "conflict": conflict, "latest_version": reports.version_of(report)}, status=409)
        except ValidationError as exc:
            messages.error(request, _errors(exc))
            return render(request, "monitor/report_edit.html", {
                "report": report, "sections": sections, "title": request.POST.get("title", ""),
                "recipients": request.POST.get("recipients", ""), "version": request.POST.get("version", "")}, status=422)
        messages.success(request, "报告已保存。")
        return redirect("monitor:report", pk=report.pk)
    return render(request, "monitor/report_edit.html", {
        "report": report, "sections": report.sections, "title": report.title, "recipients": report.recipients,
        "version": reports.version_of(report)})


def _download(report: Report, data: bytes, extension: str, content_type: str) -> HttpResponse:
    from urllib.parse import quote

    response = HttpResponse(data, content_type=content_type)
    name = f"{reports.filename_stem(report)}.{extension}"
    response["Content-Disposition"] = f"attachment; filename=\"report-{report.pk}.{extension}\"; filename*=UTF-8''{quote(name)}"
    response["Cache-Control"] = "private, no-store"
    return response


@require_perm("monitor.view")
def report_docx(request, pk: int):
    report = get_scoped_or_404(Report.objects.select_related("center"), request.center, pk=pk)
    return _download(report, reports.render_docx(report), "docx", reports.DOCX_TYPE)


@require_perm("monitor.view")
def report_pdf(request, pk: int):
    report = get_scoped_or_404(Report.objects.select_related("center"), request.center, pk=pk)
    return _download(report, reports.render_pdf(report), "pdf", "application/pdf")


@require_POST
@require_perm("monitor.report")
def report_send(request, pk: int):
    report = get_scoped_or_404(Report.objects.select_related("center"), request.center, pk=pk)
    try:
        reports.send(report=report, user=request.user)
    except ValidationError as exc:
        messages.error(request, _errors(exc))
    except OSError as exc:  # the mail server refused or could not be reached
        messages.error(request, f"邮件没有发出：{exc.__class__.__name__}。请检查邮件服务器设置后重试。")
    else:
        messages.success(request, f"报告已发送给 {len(reports.recipients_of(report))} 位接收人（{timezone.localtime():%H:%M}）。")
    return redirect("monitor:report", pk=report.pk)
