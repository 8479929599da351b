from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from rongmei.core.ids import bounded, parse_id
from rongmei.core.views import apply_errors, require_perm, safe_next
from rongmei.newsroom import panels, public_life, selectors
from rongmei.newsroom.forms import (
    AssetEditForm,
    AssetUploadForm,
    BylineFormSet,
    RenditionForm,
    StoryForm,
    byline_initial,
    bylines_from,
)
from rongmei.newsroom.models import Asset, Rendition, Story
from rongmei.newsroom.policies import can_edit
from rongmei.newsroom.services import assets as asset_services
from rongmei.newsroom.services import renditions as rendition_services
from rongmei.newsroom.services import stories as story_services
from rongmei.newsroom.services.stories import StaleStory


def _editable_story(request, pk: int) -> Story:
    story = selectors.story_for_page(request.center, pk, request.user)
    if not can_edit(request.user, request.center, story):
        raise PermissionDenied("这篇稿件不是您的，您也没有编辑本中心所有稿件的权限。")
    return story


@require_perm("newsroom.view_stories")
def story_list(request):
    status = request.GET.get("status", "")
    column = request.GET.get("column", "")
    mine = request.GET.get("mine") == "1"
    qs = selectors.stories(request.center, status=status if status in Story.Status.values else "",
                           column_id=parse_id(column), mine=request.user if mine else None, user=request.user)
    if status in public_life.STATES:  # 已发布 / 已撤稿: the story's public life, from the publishing room
        qs = public_life.filter_stories(qs, request.center, status)
    page = Paginator(qs, 30).get_page(request.GET.get("page"))
    page.object_list = public_life.attach(page.object_list)
    return render(request, "newsroom/story_list.html", {
        "page": page, "statuses": Story.Status.choices, "public_states": public_life.STATES.items(),
        "columns": selectors.columns(request.center),
        "status": status, "column": column, "mine": mine,
    })


def _story_form_context(request, form, formset, story=None, others=()):
    return {"form": form, "bylines": formset, "story": story, "others": others,
            "attached": _attached_assets(request, form, story)}


def _attached_assets(request, form, story):
    raw = form["asset_ids"].value() or ""
    ids = [int(x) for x in str(raw).split(",") if x.strip().isdigit()]
    found = {a.pk: a for a in selectors.assets(request.center, user=request.user).filter(pk__in=ids)}
    return [found[i] for i in ids if i in found]


@require_perm("newsroom.write_story")
def story_create(request):
    form = StoryForm(request.POST or None, center=request.center, initial={"source": request.center.name})
    formset = BylineFormSet(request.POST or None, prefix="byline", form_kwargs={"center": request.center},
                            initial=[{"name": request.user.display_name or request.user.username, "role": "reporter",
                                      "user": request.user.pk, "share": 100}])
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        try:
            story = story_services.create_story(center=request.center, user=request.user,
                                                data=form.to_data(bylines_from(formset)))
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, "稿件已保存。")
            return redirect("newsroom:story", pk=story.pk)
    return render(request, "newsroom/story_form.html", _story_form_context(request, form, formset))


@require_perm("newsroom.view_stories")
def story_detail(request, pk: int):
    story = selectors.story_for_page(request.center, pk, request.user)
    public_life.attach([story])
    return render(request, "newsroom/story_detail.html", {
        "story": story, "assets": selectors.story_assets(story), "renditions": selectors.renditions(story),
        "revisions": selectors.revisions(story)[:30], "can_edit": can_edit(request.user, request.center, story),
        "can_produce": request.user.has_perm("newsroom.produce_renditions", request.center),
        "channels": Rendition.Channel.choices, "panels": panels.for_story(story, request),
        "has_edited_renditions": story.renditions.filter(edited=True).exists(),
        "actions": panels.actions_for(story, request.user.get_all_permissions(request.center)),
    })


@require_perm("newsroom.view_stories")
def story_edit(request, pk: int):
    story = _editable_story(request, pk)
    if request.method == "POST":
        form = StoryForm(request.POST, center=request.center)
        formset = BylineFormSet(request.POST, prefix="byline", form_kwargs={"center": request.center})
        if form.is_valid() and formset.is_valid():
            try:
                story_services.save_story(story=story, user=request.user, data=form.to_data(bylines_from(formset)),
                                          base_version=form.cleaned_data["version"] or 0)
            except StaleStory as stale:
                messages.error(request, str(stale))
                return redirect("newsroom:conflict", pk=story.pk, number=stale.conflict.number)
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                # save_story re-reads the story: its version is already the one just saved.
                messages.success(request, f"已保存为第 {story.version} 版。")
                return redirect("newsroom:story", pk=story.pk)
    else:
        form = StoryForm(initial=StoryForm.initial_for(story), center=request.center)
        formset = BylineFormSet(prefix="byline", form_kwargs={"center": request.center}, initial=byline_initial(story))
    others = story_services.touch_presence(story=story, user=request.user)
    return render(request, "newsroom/story_form.html", _story_form_context(request, form, formset, story, others))


@require_POST
@require_perm("newsroom.view_stories")
def story_presence(request, pk: int):
    story = _editable_story(request, pk)
    if request.POST.get("leave"):
        story_services.leave_presence(story=story, user=request.user)
        return render(request, "newsroom/_presence.html", {"others": []})
    others = story_services.touch_presence(story=story, user=request.user)
    story.refresh_from_db(fields=["version"])
    return render(request, "newsroom/_presence.html", {"others": others, "story": story,
                                                        "base_version": request.POST.get("version")})


@require_POST
@require_perm("newsroom.view_stories")
def story_status(request, pk: int):
    story = _editable_story(request, pk)
    try:
        story_services.change_status(story=story, user=request.user, action=request.POST.get("action", ""))
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, f"稿件状态：{story.get_status_display()}。")
    return redirect(safe_next(request) or reverse("newsroom:story", args=[story.pk]))


@require_perm("newsroom.view_stories")
def story_conflict(request, pk: int, number: int):
    """Both versions side by side: the one saved first (current) and the refused one."""
    story = _editable_story(request, pk)
    mine = get_object_or_404(story.revisions, number=number, is_conflict=True)
    current = selectors.latest_revision(story)
    form = StoryForm(initial={**StoryForm.initial_for(story), **_form_values(mine.snapshot), "version": story.version},
                     center=request.center)
    formset = BylineFormSet(prefix="byline", form_kwargs={"center": request.center},
                            initial=[{"name": b["name"], "role": b["role"], "user": b["user_id"], "share": b["share"]}
                                     for b in mine.snapshot.get("bylines", [])] or byline_initial(story))
    return render(request, "newsroom/story_conflict.html", {
        "story": story, "mine": mine, "current": current,
        "rows": selectors.compare(current.snapshot if current else {}, mine.snapshot),
        **_story_form_context(request, form, formset, story),
    })


def _form_values(snap: dict) -> dict:
    values = {k: snap.get(k, "") for k in ("kicker", "headline", "subheadline", "summary", "body", "location", "source")}
    values["column"] = snap.get("column_id")
    values["tags"] = " ".join(snap.get("tags", []))
    if "asset_ids" in snap:
        values["asset_ids"] = ",".join(str(a) for a in snap["asset_ids"])
    return values


@require_perm("newsroom.view_stories")
def story_revisions(request, pk: int):
    story = selectors.story_for_page(request.center, pk, request.user)
    revisions = list(selectors.revisions(story))
    if not revisions:
        raise Http404("没有修订记录。")
    newest = revisions[0].number
    try:
        a = int(request.GET.get("a", max(newest - 1, 1)))
        b = int(request.GET.get("b", newest))
    except ValueError:
        a, b = max(newest - 1, 1), newest
    old, new = selectors.revision_pair(story, a, b)
    return render(request, "newsroom/story_revisions.html", {
        "story": story, "revisions": revisions, "old": old, "new": new, "rows": selectors.compare(old.snapshot, new.snapshot),
    })


# --- Renditions ------------------------------------------------------------------------------

@require_POST
@require_perm("newsroom.produce_renditions")
def renditions_generate(request, pk: int):
    """生成 / 重新生成. A hand-edited version is regenerated only when ticked on the
    confirmation page (`replace`); without that confirmation, edited versions are kept and
    named, and the editor is sent to the page where they can be ticked."""
    story = selectors.story_for_page(request.center, pk, request.user)
    channel = request.POST.get("channel") or None
    if channel is not None and channel not in Rendition.Channel.values:
        raise Http404("没有这个渠道。")
    channels = [channel] if channel else None
    confirmed = request.POST.get("confirmed") == "1"
    replace = [c for c in request.POST.getlist("replace") if c in Rendition.Channel.values] if confirmed else []
    made = rendition_services.generate(story=story, user=request.user, channels=channels, replace_edited=replace)
    done = {r.channel for r in made}
    kept = [r for r in selectors.renditions(story) if r.edited and r.channel not in done and (not channel or r.channel == channel)]
    if made:
        messages.success(request, f"已生成 {len(made)} 个渠道稿。" if not channel
                         else f"已重新生成{rendition_services.channel_noun(made[0].channel)}。")
    if kept:
        names = "、".join(rendition_services.channel_noun(r.channel) for r in kept)
        messages.warning(request, f"{names}有人工修改，没有重新生成，原样保留。" + (
            "" if confirmed else "如要用母稿重新生成并覆盖修改，请在确认页勾选。"))
        if not confirmed:
            target = reverse("newsroom:renditions_confirm", args=[story.pk])
            return redirect(f"{target}?channel={channel}" if channel else target)
    return redirect("newsroom:story", pk=story.pk)


@require_perm("newsroom.produce_renditions")
def renditions_confirm(request, pk: int):
    """全部重新生成, confirmed: names the versions edited by hand, each with a box to tick if
    the editor wants it replaced; the others are regenerated. A plain form, no script."""
    story = selectors.story_for_page(request.center, pk, request.user)
    channel = request.GET.get("channel") or ""
    if channel and channel not in Rendition.Channel.values:
        raise Http404("没有这个渠道。")
    renditions = [r for r in selectors.renditions(story) if not channel or r.channel == channel]
    return render(request, "newsroom/renditions_confirm.html", {
        "story": story, "channel": channel,
        "edited": [r for r in renditions if r.edited],
        "plain": [r for r in renditions if not r.edited],
        "missing": [] if channel else [label for value, label in Rendition.Channel.choices
                                       if value not in {r.channel for r in renditions}],
    })


@require_perm("newsroom.produce_renditions")
def rendition_edit(request, pk: int, channel: str):
    story = selectors.story_for_page(request.center, pk, request.user)
    rendition = get_object_or_404(story.renditions, channel=channel)
    wechat = rendition.channel == Rendition.Channel.WECHAT
    initial_body = rendition.body
    if wechat:
        from rongmei.newsroom import wechat_html

        initial_body = wechat_html.to_editor(rendition.body)
    form = RenditionForm(request.POST or None, rendition=rendition,
                         initial={"version": rendition.version, "title": rendition.title, "body": initial_body})
    field_errors: dict[str, list[str]] = {}
    if request.method == "POST" and form.is_valid():
        mode_html = wechat and request.POST.get("mode") == "html"
        try:
            saved = rendition_services.save(
                rendition=rendition, user=request.user, base_version=form.cleaned_data["version"],
                title=form.cleaned_data["title"],
                body=request.POST.get("body_html", "") if mode_html else form.cleaned_data["body"],
                fields=rendition_services.fields_from_post(rendition.channel, request.POST),
                visual=wechat and not mode_html, cover=request.POST.get("cover") if wechat else None)
        except rendition_services.StaleRendition as stale:
            form.add_error(None, str(stale))
        except ValidationError as exc:
            for key, errors in exc.message_dict.items():
                if key in form.fields:
                    form.add_error(key, errors)
                else:
                    field_errors[key] = errors
        else:
            messages.success(request, f"{rendition_services.channel_noun(saved.channel)}已保存为第 {saved.version} 版。")
            return redirect("newsroom:story", pk=story.pk)
    fields = rendition_services.editable_fields(rendition)
    for f in fields:
        if request.method == "POST":
            f["value"] = request.POST.get(f"field_{f['name']}", f["value"])
        f["errors"] = field_errors.pop(f"field_{f['name']}", [])
    return render(request, "newsroom/rendition_form.html", {
        "story": story, "rendition": rendition, "form": form, "editable_fields": fields,
        "noun": rendition_services.channel_noun(rendition.channel),
        "cover_choices": rendition_services.cover_choices(rendition) if wechat else [],
        "cover_errors": field_errors.pop("cover", []), "other_errors": [e for es in field_errors.values() for e in es],
        "body_html": request.POST.get("body_html", rendition.body) if request.method == "POST" else rendition.body,
        "mode": request.POST.get("mode", "visual") if request.method == "POST" else "visual",
        "chosen_cover": request.POST.get("cover", "") if request.method == "POST" else "",
    })


# --- Assets ----------------------------------------------------------------------------------

@require_perm("newsroom.view_stories")
def asset_list(request):
    kind = request.GET.get("kind", "")
    query = request.GET.get("q", "").strip()
    qs = selectors.assets(request.center, kind=kind if kind in Asset.Kind.values else "", query=query, user=request.user)
    upload = AssetUploadForm()
    if request.method == "POST":
        if not request.user.has_perm("newsroom.write_story", request.center):
            raise PermissionDenied("您没有上传素材的权限。")
        upload = AssetUploadForm(request.POST, request.FILES)
        if upload.is_valid():
            try:
                asset = asset_services.upload(center=request.center, user=request.user, upload=upload.cleaned_data["file"],
                                              caption=upload.cleaned_data["caption"], credit=upload.cleaned_data["credit"])
            except ValidationError as exc:
                apply_errors(upload, exc)
            else:
                messages.success(request, f"已上传“{asset}”。{asset.processing_note}")
                return redirect("newsroom:asset", pk=asset.pk)
    page = Paginator(qs, 40).get_page(request.GET.get("page"))
    return render(request, "newsroom/asset_list.html", {"page": page, "kinds": Asset.Kind.choices, "kind": kind,
                                                         "q": query, "upload": upload})


@require_perm("newsroom.view_stories")
def asset_detail(request, pk: int):
    asset = get_object_or_404(selectors.assets(request.center, user=request.user), pk=pk)
    form = AssetEditForm(request.POST or None, initial={"caption": asset.caption, "credit": asset.credit})
    if request.method == "POST" and not request.user.has_perm("newsroom.write_story", request.center):
        raise PermissionDenied("您没有修改素材的权限。")
    if request.method == "POST" and form.is_valid():
        asset_services.update(asset=asset, user=request.user, **form.cleaned_data)
        messages.success(request, "素材说明已保存。")
        return redirect("newsroom:asset", pk=asset.pk)
    return render(request, "newsroom/asset_detail.html", {"asset": asset, "form": form,
                                                           "used_in": asset.story_links.filter(
                                                               story__in=selectors.readable_stories(request.center, request.user),
                                                           ).select_related("story")})


@require_POST
@require_perm("newsroom.write_story")
def asset_upload_inline(request):
    """htmx upload from the story editor: returns the new asset's chip, or the error."""
    form = AssetUploadForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            asset = asset_services.upload(center=request.center, user=request.user, upload=form.cleaned_data["file"],
                                          caption=form.cleaned_data["caption"], credit=form.cleaned_data["credit"])
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            return render(request, "newsroom/_asset_chip.html", {"asset": asset, "fresh": True})
    errors = [e for field in form.errors.values() for e in field]
    return render(request, "newsroom/_upload_error.html", {"errors": errors}, status=422)


@require_perm("newsroom.view_stories")
def asset_picker(request):
    """htmx: the library, searchable, for attaching existing assets to a story."""
    query = request.GET.get("q", "").strip()
    qs = selectors.assets(request.center, query=query, user=request.user)[:24]
    return render(request, "newsroom/_asset_picker.html", {"assets": qs, "q": query})


# --- Search ----------------------------------------------------------------------------------

@require_perm("newsroom.view_stories")
def search_page(request):
    query = request.GET.get("q", "").strip()
    kinds = [k for k in request.GET.getlist("kind") if k in selectors.SEARCH_KINDS] or list(selectors.DEFAULT_SEARCH_KINDS)
    status = request.GET.get("status", "")
    column = request.GET.get("column", "")
    author = request.GET.get("author", "")
    results = None
    if query:
        page_no = bounded(request.GET.get("page"), 1, 1, 500)
        results = selectors.search(
            request.center, request.user, query, kinds=kinds, status=status,
            column_id=parse_id(column), author_id=parse_id(author),
            date_from=_date(request.GET.get("from")), date_to=_date(request.GET.get("to")),
            limit=20, offset=(page_no - 1) * 20,
        )
    from rongmei.core.selectors import staff

    return render(request, "newsroom/search.html", {
        "q": query, "results": results, "statuses": Story.Status.choices, "public_states": public_life.STATES.items(),
        "columns": selectors.columns(request.center),
        "people": [{"user": person} for person in staff(request.center)], "status": status, "column": column, "author": author,
        "kinds": kinds, "date_from": request.GET.get("from", ""), "date_to": request.GET.get("to", ""),
    })


def _date(raw: str | None):
    import datetime as dt

    try:
        return dt.date.fromisoformat(raw) if raw else None
    except ValueError:
        return None
