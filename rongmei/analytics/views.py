"""传播效果's screens: the center overview, one item's reach across outlets, the accounts
ranking and the newsroom's big screen, each with its Excel download. Thin: parse the
period (a wrong one is named in Chinese and the default shown — nothing else changes),
check analytics.view, ask `selectors`, render. Charts are drawn by static JS from a
json_script block (CSP: no inline script); every chart has its table beside it, which is
what screen readers, printouts and tests read."""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render

from rongmei.analytics import exports, selectors
from rongmei.core.views import require_perm

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _period(request):
    period, errors = selectors.parse_period(request.center, request.GET)
    return period, errors


def _context(request, period, errors) -> dict:
    return {"period": period, "errors": errors, "choices": selectors.PERIOD_CHOICES,
            "query": urlencode(period.query()), "max_days": selectors.MAX_PERIOD_DAYS,
            "can_manage": request.user.has_perm("analytics.manage", request.center)}


def _download(content: bytes, filename: str) -> HttpResponse:
    from urllib.parse import quote

    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename=\"analytics.xlsx\"; filename*=UTF-8''{quote(filename)}"
    return response


def _bad_period(errors: dict) -> HttpResponse:
    return HttpResponse("；".join(errors.values()), status=400, content_type="text/plain; charset=utf-8")


@require_perm("analytics.view")
def overview(request):
    period, errors = _period(request)
    ov = selectors.overview(request.center, period)
    return render(request, "analytics/overview.html", {**_context(request, period, errors), "ov": ov,
                                                        "chart": ov.chart_data()})


@require_perm("analytics.view")
def overview_export(request):
    period, errors = _period(request)
    if errors:
        return _bad_period(errors)
    ov = selectors.overview(request.center, period)
    return _download(exports.overview_xlsx(ov), f"传播效果概览_{period.day_from}_{period.day_to}.xlsx")


def _story(request, pk):
    from rongmei.newsroom import selectors as newsroom

    return get_object_or_404(newsroom.stories(request.center), pk=pk)


@require_perm("analytics.view")
def story(request, pk: int):
    reach = selectors.story_reach_detail(request.center, _story(request, pk))
    return render(request, "analytics/story.html", {"r": reach, "chart": reach.chart_data()})


@require_perm("analytics.view")
def story_export(request, pk: int):
    reach = selectors.story_reach_detail(request.center, _story(request, pk))
    return _download(exports.story_xlsx(reach), f"单条传播_{reach.story.pk}.xlsx")


def _ranking_args(request, errors: dict) -> tuple[str, str]:
    owner = (request.GET.get("owner") or "").strip()
    if owner and owner not in selectors.OWNER_CHOICES:
        errors["归属"] = "归属只能选本中心、乡镇、村社或部门，已显示全部账号。"
        owner = ""
    rank_by = (request.GET.get("by") or "").strip() or "followers"
    if rank_by not in selectors.RANK_BY:
        errors["排序"] = "排序只能按粉丝总数、粉丝增长、阅读/播放、WCI 或发布量，已按粉丝总数排序。"
        rank_by = "followers"
    return owner, rank_by


@require_perm("analytics.view")
def accounts(request):
    period, errors = _period(request)
    owner, rank_by = _ranking_args(request, errors)
    rows = selectors.account_rows(request.center, period, owner=owner, rank_by=rank_by)
    context = _context(request, period, errors)
    context["query"] = urlencode({**period.query(), **({"owner": owner} if owner else {}), "by": rank_by})
    context["period_query"] = urlencode(period.query())
    context["period_fields"] = list(period.query().items())
    context["extra_fields"] = [("owner", owner)] * bool(owner) + [("by", rank_by)]
    return render(request, "analytics/accounts.html", {
        **context, "rows": rows, "owner": owner, "rank_by": rank_by, "owners": selectors.OWNER_CHOICES,
        "rank_choices": selectors.RANK_BY,
        "chart": {"names": [r.name for r in rows[:15]], "values": [getattr(r, rank_by) or 0 for r in rows[:15]],
                  "label": selectors.RANK_BY[rank_by]}})


@require_perm("analytics.view")
def accounts_export(request):
    period, errors = _period(request)
    owner, rank_by = _ranking_args(request, errors)
    if errors:
        return _bad_period(errors)
    rows = selectors.account_rows(request.center, period, owner=owner, rank_by=rank_by)
    return _download(exports.accounts_xlsx(period, rows, rank_by), f"账号排行_{period.day_from}_{period.day_to}.xlsx")


@require_perm("analytics.view")
def screen(request):
    """The wall display: no navigation, dark, refreshed by static/analytics/screen.js."""
    return render(request, "analytics/screen.html", {"data": selectors.screen(request.center)})


@require_perm("analytics.view")
def screen_data(request):
    response = JsonResponse(selectors.screen(request.center), json_dumps_params={"ensure_ascii": False})
    response["Cache-Control"] = "no-store"
    return response
