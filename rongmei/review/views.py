from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render

from rongmei.core.views import apply_errors, require_perm
from rongmei.newsroom.selectors import story_for_page
from rongmei.review import selectors, services
from rongmei.review.checks import CHECK_LABELS
from rongmei.review.forms import ImportForm
from rongmei.newsroom.models import Rendition
from rongmei.review.models import CheckList

FIELD_LABELS = {"kicker": "引题", "headline": "主标题", "subheadline": "副标题", "summary": "摘要", "body": "正文"}


def field_label(name: str, channels: dict | None = None) -> str:
    """The Chinese name of a checked field ("body", "caption:12", "rendition:weibo")."""
    if name.startswith("caption:"):
        return "图片说明"
    if name.startswith("rendition:"):
        channel = name.split(":", 1)[1]
        return f"渠道稿·{(channels or dict(Rendition.Channel.choices)).get(channel, channel)}"
    return FIELD_LABELS.get(name, name)


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
    response = HttpResponse("\ufeff" + checklist.content, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{request.center.slug}-{kind}.csv"'
    return response


@require_perm("review.run_checks")
def story_checks(request, pk: int):
    story = story_for_page(request.center, pk)
    result = services.check_story(story=story, check_links=request.GET.get("links") == "1")
    channels = dict(story.renditions.model.Channel.choices)
    fields = [{**field, "label": field_label(field["name"], channels)} for field in result.highlighted()]
    return render(request, "review/story_checks.html", {
        "story": story, "result": result, "fields": fields, "labels": CHECK_LABELS,
        "links_checked": request.GET.get("links") == "1",
    })
