"""The staff side of the site (网站与服务): features, live streams, the service directory,
reads, and rebuilding the static site. Every save re-renders the pages it touches."""

from __future__ import annotations

from django.contrib import messages
from django.db import transaction
from django.db.models import Sum
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from rongmei.core.services import record
from rongmei.core.tenancy import get_scoped_or_404, scoped
from rongmei.core.views import require_perm
from rongmei.portal import publishing
from rongmei.portal.forms import FeatureForm, LiveStreamForm, ServiceEntryForm
from rongmei.portal.models import Feature, FeatureItem, LiveStream, ReadCount, ServiceEntry

KINDS = {
    "features": (Feature, FeatureForm, "专题", publishing.features_changed),
    "live": (LiveStream, LiveStreamForm, "直播", publishing.live_changed),
    "services": (ServiceEntry, ServiceEntryForm, "便民服务", publishing.services_changed),
}


@require_perm("portal.manage_site")
def overview(request):
    center = request.center
    top = (scoped(ReadCount, center).values("story_id", "story__headline").annotate(reads=Sum("count"))
           .order_by("-reads")[:10])
    return render(request, "portal/staff/overview.html", {
        "site_url": center.site_url("/"), "features": scoped(Feature, center),
        "streams": scoped(LiveStream, center).order_by("-starts_at"),
        "services": scoped(ServiceEntry, center).order_by("category", "order", "id"), "top": top})


@require_perm("portal.manage_site")
def edit(request, kind: str, pk: int | None = None):
    if kind not in KINDS:
        raise Http404("没有这一类网站内容。")
    model, form_class, label, rerender = KINDS[kind]
    instance = get_scoped_or_404(model, request.center, pk=pk) if pk else model(center=request.center)
    form = form_class(request.POST or None, instance=instance, center=request.center)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            obj = form.save(commit=False)
            obj.center = request.center
            obj.save()
            if kind == "features":
                chosen = list(form.cleaned_data["items"])
                FeatureItem.objects.filter(feature=obj).exclude(story__in=chosen).delete()
                for order, story in enumerate(chosen):
                    FeatureItem.objects.update_or_create(feature=obj, story=story, defaults={"order": order})
            record(f"portal.{kind}_save", actor=request.user, center=request.center, obj=obj, after={"name": str(obj)})
        rerender(request.center)
        messages.success(request, f"已保存{label}：{obj}，网站已更新。")
        return redirect("portal_staff:overview")
    return render(request, "portal/staff/form.html", {"form": form, "label": label, "instance": instance})


@require_POST
@require_perm("portal.manage_site")
def rebuild(request):
    written = publishing.build_site(request.center)
    record("portal.rebuild", actor=request.user, center=request.center, obj=request.center, after={"files": len(written)})
    messages.success(request, f"网站已重新生成：{len(written)} 个文件。")
    return redirect("portal_staff:overview")
