from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render

from rongmei.core.views import apply_errors, require_perm
from rongmei.newsroom.selectors import story_for_page
from rongmei.review import selectors, services
from rongmei.review.checks import CHECK_LABELS
from rongmei.review.findings import field_label
from rongmei.review.forms import ImportForm
from rongmei.review.models import CheckList


@require_perm("review.manage_lists")
def lists(request):
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            checklist = services.import_list(center=request.center, kind=form.cleaned_data["kind"],
                                             data=form.payload(), user=request.user)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, f"已导入{checklist.get_kind_display()}，共 {checklist.entry_count} 条，立即生效。")
            return redirect("review:lists")
    current = selectors.lists(request.center)
    rows = [{"kind": kind, "label": label, "list": current.get(kind)} for kind, label in CheckList.Kind.choices]
    return render(request, "review/lists.html", {"form": form, "rows": rows})


@require_perm("review.manage_lists")
def export(request, kind: str):
    checklist = selectors.lists(request.center).get(kind)
    if checklist is None:
        raise Http404("这个词表还没有导入。")
    response = HttpResponse("\ufeff" + services.export_list(checklist), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{request.center.slug}-{kind}.csv"'
    return response


@require_perm("review.run_checks")
def story_checks(request, pk: int):
    """The story's checks. Links are asked only in the task queue, started by a POST here
    (CSRF-protected); the old GET trigger (?links=1) is refused so no page elsewhere can
    make the server request addresses."""
    if request.method == "POST":
        return _start_link_check(request, pk)
    if request.method not in ("GET", "HEAD") or "links" in request.GET:
        return HttpResponseNotAllowed(["POST"], "检查链接需要点击页面上的“检查链接能否打开”按钮。",
                                      content_type="text/plain; charset=utf-8")
    story = story_for_page(request.center, pk, request.user)  # drafts only for who may read them
    result = services.check_story(story=story)
    channels = dict(story.renditions.model.Channel.choices)
    fields = [{**field, "label": field_label(field["name"], channels)} for field in result.highlighted()]
    return render(request, "review/story_checks.html", {
        "story": story, "result": result, "fields": fields, "labels": CHECK_LABELS,
        "link_check": _link_check(request, story),
    })


LINK_CHECKS_SESSION_KEY = "review_link_checks"


def _start_link_check(request, pk: int):
    from rongmei.review.tasks import check_story_links

    story = story_for_page(request.center, pk, request.user)  # drafts only for who may read them
    result = check_story_links.enqueue(request.center.pk, story.pk)
    checks_started = request.session.get(LINK_CHECKS_SESSION_KEY, {})
    checks_started[str(story.pk)] = str(result.id)
    request.session[LINK_CHECKS_SESSION_KEY] = dict(list(checks_started.items())[-20:])
    messages.info(request, "已开始检查链接，结果稍后显示在本页。")
    return redirect("review:story_checks", pk=story.pk)


def _link_check(request, story) -> dict | None:
    """The state of this user's latest link check of the story: None (never asked),
    {"pending": True}, or {"links": [...], "checked_at": ...} from the task's return value."""
    from django_tasks.base import TaskResultStatus
    from django_tasks.exceptions import TaskResultDoesNotExist

    from rongmei.review.tasks import check_story_links

    result_id = request.session.get(LINK_CHECKS_SESSION_KEY, {}).get(str(story.pk))
    if not result_id:
        return None
    try:
        result = check_story_links.get_result(result_id)
    except (TaskResultDoesNotExist, ValueError):
        return None
    if result.status == TaskResultStatus.SUCCESSFUL:
        value = result.return_value or {}
        if value.get("story") != story.pk:
            return None
        return {"pending": False, "links": value.get("links", []), "version": value.get("version"),
                "checked_at": value.get("checked_at")}
    if result.status == TaskResultStatus.FAILED:
        return {"pending": False, "failed": True, "links": []}
    return {"pending": True, "links": []}


@require_perm("review.run_checks")
def story_link_check(request, pk: int):
    """The link-check section alone, polled by htmx until the task is done (reads only)."""
    story = story_for_page(request.center, pk, request.user)  # drafts only for who may read them
    return render(request, "review/_link_check.html", {"story": story, "link_check": _link_check(request, story)})
