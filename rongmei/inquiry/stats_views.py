"""网络问政 statistics pages: the staff table with its Excel export, and the public ranking
on the center's site (dynamic: no static file is written for it)."""

from __future__ import annotations

import io
from urllib.parse import quote

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import render

from rongmei.core.models import Center
from rongmei.core.views import require_perm
from rongmei.inquiry import stats

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
RECENT_MONTHS = 12


def _month(center: Center, raw: str | None) -> tuple[int, int, str]:
    """The month asked for, or the current one with a message saying why ("" if none).
    Months after the current one are not shown."""
    current = stats.current_month(center)
    if raw is None or raw.strip() == "":
        return *current, ""
    parsed = stats.parse_month(raw)
    if parsed is None:
        return *current, f"“{raw[:20]}”不是有效的月份（格式如 {stats.month_key(*current)}），已显示本月。"
    if parsed > current:
        return *current, f"{stats.month_label(*parsed)}还没有到，已显示本月。"
    return *parsed, ""


def _navigation(center: Center, year: int, month: int) -> dict:
    current = stats.current_month(center)
    prev = stats.shift_month(year, month, -1)
    nxt = stats.shift_month(year, month, 1)
    recent = [stats.shift_month(*current, -i) for i in range(RECENT_MONTHS)]
    return {
        "month_key": stats.month_key(year, month), "month_label": stats.month_label(year, month),
        "is_current": (year, month) == current, "max_month": stats.month_key(*current),
        "prev": {"key": stats.month_key(*prev), "label": stats.month_label(*prev)} if prev[0] >= stats.EARLIEST_YEAR else None,
        "next": {"key": stats.month_key(*nxt), "label": stats.month_label(*nxt)} if nxt <= current else None,
        "recent": [{"key": stats.month_key(*m), "label": stats.month_label(*m), "active": m == (year, month)}
                   for m in recent],
    }


# --- Staff ------------------------------------------------------------------------------------------

@require_perm("inquiry.view_stats")
def stats_page(request):
    center = request.center
    year, month, problem = _month(center, request.GET.get("month"))
    if problem:
        messages.warning(request, problem)
    report = stats.month_report(center, year, month)
    ranked = sorted((r for r in report.rows if r.rank is not None), key=lambda r: r.rank)
    # ranked departments best first, then those with nothing to answer yet (in their usual order)
    rows = ranked + [r for r in report.rows if r.rank is None]
    context = {"report": report, "rows": rows, "total": report.total, "ranked": ranked,
               "notes": stats.NOTES} | _navigation(center, year, month)
    return render(request, "inquiry/stats/staff.html", context)


@require_perm("inquiry.view_stats")
def stats_export(request):
    center = request.center
    year, month, _ = _month(center, request.GET.get("month"))
    report = stats.month_report(center, year, month)
    buffer = io.BytesIO()
    stats.workbook(report).save(buffer)
    filename = f"{center.name}网络问政部门办理情况{year}年{month:02d}月.xlsx"
    fallback = f"wenzheng-stats-{stats.month_key(year, month)}.xlsx"
    response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename)}"
    response["Cache-Control"] = "private, no-store"
    return response


# --- Public -----------------------------------------------------------------------------------------

def public_ranking(request, center: str):
    from rongmei.portal.pages import chrome

    site = Center.objects.filter(slug=center, is_active=True).first()
    if site is None:
        raise Http404("没有这个网站。")
    year, month, problem = _month(site, request.GET.get("month"))
    report = stats.month_report(site, year, month)
    ranked = stats.ranking(report.rows)
    title = f"网络问政 部门办理排名 {stats.month_label(year, month)}"
    context = chrome(site, title=title,
                      description=f"{site.name}网络问政：{stats.month_label(year, month)}各部门答复率、按时率、办理用时与群众满意率。") | {
        "report": report, "ranked": ranked,
        "total": report.total, "problem": problem,
    } | _navigation(site, year, month)
    response = render(request, "inquiry/stats/public_ranking.html", context)
    response["Cache-Control"] = "public, max-age=300" if not problem else "no-cache"
    return response
