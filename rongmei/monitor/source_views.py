"""Staff screens of 监测源: the list with each source's health, add and edit (per kind),
the detail with its last runs and their item errors, 立即抓取, delete (or disable)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from rongmei.core.tenancy import get_scoped_or_404, scoped
from rongmei.core.views import require_perm
from rongmei.monitor import source_services
from rongmei.monitor.models import FetchRun, Source
from rongmei.monitor.source_forms import SourceForm
from rongmei.monitor.sources import json_api

RUNS_SHOWN = 50


@require_perm("monitor.view")
def source_list(request):
    sources = list(scoped(Source, request.center).order_by("-enabled", "-level", "name", "pk")[:500])
    return render(request, "monitor/source_list.html", {
        "sources": sources, "can_manage": request.user.has_perm("monitor.manage", request.center),
        "failing": sum(1 for s in sources if s.enabled and s.consecutive_failures),
        "failing_a_day": sum(1 for s in sources if s.enabled and s.failing_a_day)})


@require_perm("monitor.manage")
def source_new(request):
    form = SourceForm(request.POST or None, center=request.center)
    if request.method == "POST" and form.is_valid():
        try:
            source = source_services.create_source(center=request.center, user=request.user, data=form.data_for_service())
        except ValidationError as exc:
            form.apply_service_errors(exc)
        else:
            messages.success(request, f"已添加监测源“{source.name}”，将在一分钟内开始第一次抓取。")
            return redirect("monitor:source", source.pk)
    return render(request, "monitor/source_form.html", {"form": form, "source": None}, status=400 if form.errors else 200)


@require_perm("monitor.view")
def source_detail(request, pk: int):
    source = get_scoped_or_404(Source, request.center, pk=pk)
    runs = list(scoped(FetchRun, request.center).filter(source=source).order_by("-started_at", "-id")[:RUNS_SHOWN])
    return render(request, "monitor/source_detail.html", {
        "source": source, "runs": runs, "can_manage": request.user.has_perm("monitor.manage", request.center),
        "item_count": source.items.count(),
        "json_paths": [(label, (source.config or {}).get(key)) for key, label in json_api.FIELDS.items()
                       if (source.config or {}).get(key)] if source.kind == Source.Kind.JSON else []})


@require_perm("monitor.manage")
def source_edit(request, pk: int):
    source = get_scoped_or_404(Source, request.center, pk=pk)
    form = SourceForm(request.POST or None, center=request.center, initial=SourceForm.initial_for(source))
    if request.method == "POST" and form.is_valid():
        try:
            source_services.update_source(source=source, user=request.user, data=form.data_for_service())
        except ValidationError as exc:
            form.apply_service_errors(exc)
        else:
            messages.success(request, "已保存。")
            return redirect("monitor:source", source.pk)
    return render(request, "monitor/source_form.html", {"form": form, "source": source},
                  status=400 if form.errors else 200)


@require_POST
@require_perm("monitor.manage")
def source_fetch(request, pk: int):
    source = get_scoped_or_404(Source, request.center, pk=pk)
    source_services.request_fetch(source=source, user=request.user)
    messages.success(request, f"已安排立即抓取“{source.name}”，稍后刷新本页查看结果。")
    return redirect("monitor:source", source.pk)


@require_POST
@require_perm("monitor.manage")
def source_delete(request, pk: int):
    source = get_scoped_or_404(Source, request.center, pk=pk)
    name = source.name
    if source_services.delete_source(source=source, user=request.user):
        messages.success(request, f"已删除监测源“{name}”。")
        return redirect("monitor:sources")
    messages.info(request, f"“{name}”已抓到过信息，不能删除（信息要保留来源），已改为停用。")
    return redirect("monitor:source", pk)
