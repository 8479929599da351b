"""数据导入 (/analytics/imports/): upload a spreadsheet of reach figures, see every bad row
and why, then import it — whole, or its valid rows only when the person ticks "只导入有效行".
The templates are downloadable here as Excel and CSV. Everything needs analytics.manage
and stays within the active center (another center's batch answers 404)."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.encoding import escape_uri_path
from django.views.decorators.http import require_POST

from rongmei.analytics import imports
from rongmei.analytics.forms import UploadForm
from rongmei.analytics.models import ImportBatch
from rongmei.core.tenancy import get_scoped_or_404
from rongmei.core.views import require_perm

ERRORS_PER_PAGE = 200


def _list_page(request, form, status=200):
    kind = request.GET.get("kind") if request.GET.get("kind") in imports.KINDS else ""
    page = Paginator(imports.history(request.center, kind or None), 30).get_page(request.GET.get("page"))
    return render(request, "analytics/imports/import_list.html", {
        "form": form, "page": page, "kind": kind, "kinds": [(k.value, k.label) for k in imports.KINDS],
        "max_rows": imports.MAX_ROWS}, status=status)


@require_perm("analytics.manage")
def import_list(request):
    return _list_page(request, UploadForm(initial={"kind": request.GET.get("kind") or imports.KINDS[0]}))


@require_perm("analytics.manage")
@require_POST
def import_upload(request):
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _list_page(request, form, status=422)
    upload = form.cleaned_data["file"]
    batch = imports.check(center=request.center, user=request.user, kind=form.cleaned_data["kind"], upload=upload,
                          name=upload.name)
    if batch.status == ImportBatch.Status.REFUSED:
        messages.error(request, f"“{batch.original_name}”无法导入：{batch.errors[0]['message']}")
    elif batch.errors:
        messages.warning(request, f"已检查“{batch.original_name}”：{batch.rows_total} 行中有 "
                                  f"{batch.rows_total - batch.rows_valid} 行有错误，见下方列表。")
    else:
        messages.success(request, f"已检查“{batch.original_name}”：{batch.rows_total} 行全部有效，确认后点“导入”。")
    return redirect("analytics:import", batch.pk)


def _batch(request, pk: int) -> ImportBatch:
    return get_scoped_or_404(ImportBatch.objects.filter(kind__in=imports.KINDS).select_related("uploaded_by"),
                             request.center, pk=pk)


def _detail_page(request, batch: ImportBatch, status=200, refusal: str = ""):
    errors = batch.errors if batch.status != ImportBatch.Status.REFUSED else []
    page = Paginator(errors, ERRORS_PER_PAGE).get_page(request.GET.get("page"))
    bad_rows = batch.rows_total - batch.rows_valid
    return render(request, "analytics/imports/import_detail.html", {
        "batch": batch, "page": page, "bad_rows": bad_rows, "refusal": refusal,
        "fatal": batch.errors[0]["message"] if batch.status == ImportBatch.Status.REFUSED and batch.errors else "",
        "more_errors": bad_rows > 0 and len(batch.errors) >= imports.MAX_STORED_ERRORS,
        "can_run": batch.status == ImportBatch.Status.CHECKED and batch.rows_valid > 0}, status=status)


@require_perm("analytics.manage")
def import_detail(request, pk: int):
    return _detail_page(request, _batch(request, pk))


@require_perm("analytics.manage")
@require_POST
def import_run(request, pk: int):
    batch = _batch(request, pk)
    valid_only = request.POST.get("valid_only") in ("1", "on", "true")
    try:
        batch = imports.run(center=request.center, user=request.user, batch_id=batch.pk, valid_only=valid_only)
    except imports.ImportRefused as exc:
        batch.refresh_from_db()
        status = 409 if batch.status != ImportBatch.Status.CHECKED else 422
        return _detail_page(request, batch, status=status, refusal=str(exc))
    skipped = batch.rows_total - batch.rows_imported
    messages.success(request, f"已导入 {batch.rows_imported} 行" + (f"，跳过有错误的 {skipped} 行。" if skipped else "。"))
    return redirect("analytics:import", batch.pk)


@require_perm("analytics.manage")
def import_template(request, kind: str, fmt: str):
    if kind not in imports.KINDS or fmt not in ("xlsx", "csv"):
        raise Http404("没有这个模板。")
    content, name, content_type = imports.template(kind, fmt)
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{escape_uri_path(name)}"
    return response
