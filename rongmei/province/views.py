"""Staff screens of the province platform, all under /province/.

* 中心管理 (platform admin only): the tree of centers with filters, a new center with its
  first center admin, one center's page (quotas with usage bars, suspend/resume), and the
  cross-center statistics of a month with Excel export.
* 下级中心统计 (``province.view``): the centers below the viewer's center side by side with
  the provincial ranking, month chooser, Excel export. A county (no centers below) gets an
  explanation instead of numbers.

Thin: each POST is one call into province.services; a refusal is shown in Chinese (400) and
changes nothing.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from rongmei.core.models import Center
from rongmei.core.services import record
from rongmei.core.views import require_perm
from rongmei.province import exports, services
from rongmei.province import selectors as sel

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _errors(exc: ValidationError) -> list[str]:
    if hasattr(exc, "error_dict"):
        return [m for msgs in exc.message_dict.values() for m in msgs]
    return list(exc.messages)


def platform_admin_only(view):
    @login_required
    def wrapped(request, *args, **kwargs):
        if not request.user.is_platform_admin:
            raise PermissionDenied("只有平台管理员可以管理中心。")
        return view(request, *args, **kwargs)

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped


def _center(pk: int) -> Center:
    center = Center.objects.select_related("parent").filter(pk=pk).first()
    if center is None:
        raise Http404("没有这个中心。")
    return center


def _query(request, drop: str = "page") -> str:
    params = request.GET.copy()
    params.pop(drop, None)
    return params.urlencode()


# --- 中心管理 ------------------------------------------------------------------------------------

@platform_admin_only
def centers(request):
    q = request.GET.get("q", "").strip()[:50]
    level, status = request.GET.get("level", ""), request.GET.get("status", "")
    pairs = sel.tree(list(sel.centers(q=q, level=level, status=status)))
    page = Paginator(pairs, 50).get_page(request.GET.get("page"))
    return render(request, "province/centers.html", {
        "page": page, "rows": sel.center_rows(list(page)), "q": q, "level": level, "status": status,
        "levels": Center.Level.choices, "statuses": sel.STATUS_CHOICES.items(), "query": _query(request),
        "month": sel.month_label(sel.today().year, sel.today().month),
    })


def _new_context(values=None, errors=None) -> dict:
    return {"values": values or {"level": "county"}, "errors": errors or [], "levels": Center.Level.choices,
            "parents": list(Center.objects.exclude(level=Center.Level.COUNTY).order_by("level", "name"))}


@platform_admin_only
def center_new(request):
    if request.method != "POST":
        return render(request, "province/center_new.html", _new_context())
    p = request.POST
    try:
        center, admin = services.create_center(
            actor=request.user, name=p.get("name", ""), slug=p.get("slug", ""), region=p.get("region", ""),
            level=p.get("level", ""), parent=p.get("parent") or None, quota_staff=p.get("quota_staff"),
            quota_storage_mb=p.get("quota_storage_mb"), admin_username=p.get("admin_username", ""),
            admin_name=p.get("admin_name", ""), admin_password=p.get("admin_password", ""))
    except ValidationError as exc:
        values = {k: v for k, v in p.items() if k != "admin_password"}
        return render(request, "province/center_new.html", _new_context(values, _errors(exc)), status=400)
    messages.success(request, f"已创建{center.name}，中心管理员 {admin.username} 首次登录时须修改初始密码。")
    return redirect("province:center", center.pk)


def _center_context(request, center: Center, errors=None) -> dict:
    return {"center": center, "usage": sel.usage(center), "errors": errors or [],
            "children": list(center.children.order_by("name")), "ancestors": sel.core_selectors.ancestors(center)}


@platform_admin_only
def center(request, pk: int):
    return render(request, "province/center.html", _center_context(request, _center(pk)))


@require_POST
@platform_admin_only
def center_action(request, pk: int, action: str):
    target = _center(pk)
    p = request.POST
    try:
        if action == "suspend":
            services.suspend(actor=request.user, center=target, reason=p.get("reason", ""))
            messages.success(request, f"已停用{target.name}。")
        elif action == "resume":
            services.resume(actor=request.user, center=target)
            messages.success(request, f"已恢复{target.name}。")
        elif action == "quotas":
            services.set_quotas(actor=request.user, center=target, quota_staff=p.get("quota_staff"),
                                quota_storage_mb=p.get("quota_storage_mb"))
            messages.success(request, "配额已保存。")
        else:
            raise Http404("没有这个操作。")
    except ValidationError as exc:
        return render(request, "province/center.html", _center_context(request, _center(pk), _errors(exc)), status=400)
    return redirect("province:center", pk)


def _month(request):
    (year, month), error = sel.parse_month(request.GET.get("month"))
    if error:
        messages.error(request, error)
    return year, month


@platform_admin_only
def platform_stats(request):
    year, month = _month(request)
    rows = sel.stats_for(list(Center.objects.order_by("name")), year, month)
    return render(request, "province/platform_stats.html", {
        "rows": rows, "total": sel.totals(rows), "year": year, "month": month, "month_key": f"{year:04d}-{month:02d}",
        "label": sel.month_label(year, month), "months": sel.recent_months()})


@platform_admin_only
def platform_stats_export(request):
    year, month = _month(request)
    rows = sel.stats_for(list(Center.objects.order_by("name")), year, month)
    data = exports.platform_workbook(rows, sel.totals(rows), year, month)
    record("province.export", actor=request.user, center=None, after={"what": "platform", "month": f"{year}-{month:02d}"})
    response = HttpResponse(data, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="centers-{year}-{month:02d}.xlsx"'
    return response


# --- 下级中心统计 ---------------------------------------------------------------------------------

@require_perm("province.view")
def ranking(request):
    year, month = _month(request)
    kids = sel.below(request.center)
    rows = sel.rank(sel.stats_for(kids, year, month)) if kids else []
    total = sel.totals(rows) if rows else None
    outlets = sel.outlet_columns(rows)
    for r in rows + ([total] if total else []):
        r.outlet_counts = [r.outlets.get(code, 0) for code, _label in outlets]
    w = sel.weights()
    return render(request, "province/ranking.html", {
        "rows": rows, "total": total, "outlets": outlets, "columns": 12 + len(outlets),
        "year": year, "month": month, "month_key": f"{year:04d}-{month:02d}", "label": sel.month_label(year, month),
        "months": sel.recent_months(), "weights": [(sel.WEIGHT_LABELS[k], v) for k, v in w.items()]})


@require_perm("province.view")
def ranking_export(request):
    year, month = _month(request)
    # a county (nothing below) gets the empty table, like the page's empty state
    rows = sel.rank(sel.stats_for(sel.below(request.center), year, month))
    data = exports.ranking_workbook(request.center, rows, sel.totals(rows), sel.outlet_columns(rows), year, month)
    record("province.export", actor=request.user, center=request.center, after={"what": "ranking", "month": f"{year}-{month:02d}"})
    response = HttpResponse(data, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="ranking-{year}-{month:02d}.xlsx"'
    return response

