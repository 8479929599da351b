"""视频版本 screens: the panel on the story page, the story's video page (make a version,
watch its progress, cancel, retry), one job's page (play, choose the cover by time with a
frame preview, download), and who may read the files under /media/videos/.

Everything is looked up within the active center and the stories the person may read
(another center's job is 404, like a job that does not exist). Making, cancelling and
choosing a cover need "newsroom.produce_renditions", the permission that edits the
channel versions: a video version is one of them (it is part of the short-video rendition
the reviewers sign). Progress is a small fragment the page polls with htmx while the job
runs; no script of our own is needed.
"""

from __future__ import annotations

import math
import os
import tempfile

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from rongmei.core import media
from rongmei.core.tenancy import get_scoped_or_404
from rongmei.core.views import require_perm
from rongmei.newsroom import selectors
from rongmei.newsroom.models import CenterDefaults, Story, VideoJob
from rongmei.newsroom.video import jobs

PRODUCE = "newsroom.produce_renditions"
PREVIEW_MAX = 3600.0


# --- Who reads the files ------------------------------------------------------------------------

def may_read_video(request, name: str) -> bool:
    """A video version's file, cover or SRT: for people of its center who may read the story."""
    from django.db.models import Q

    found = (VideoJob.objects.filter(Q(output=name) | Q(cover=name) | Q(srt_file=name))
             .select_related("center").order_by("-id")[:20])
    for job in found:
        if not media.staff_may(request, "newsroom.view_stories", job.center):
            continue
        if selectors.readable_stories(job.center, request.user).filter(pk=job.story_id).exists():
            return True
    return False


# --- Shared pieces ---------------------------------------------------------------------------------

def _story(request, pk: int) -> Story:
    return selectors.story_for_page(request.center, pk, request.user)


def _job(request, story: Story, job_id: int) -> VideoJob:
    return get_scoped_or_404(VideoJob.objects.select_related("created_by", "music", "story"), request.center,
                             pk=job_id, story=story)


def attached_jobs(story: Story) -> dict[str, int]:
    """{shape: job id} of the videos recorded in the short-video rendition."""
    rendition = selectors.rendition_for(story.pk, "short_video")
    out = {}
    for shape, key in jobs.FIELD_FOR_SHAPE.items():
        value = rendition.fields.get(key) if rendition is not None else None
        if isinstance(value, dict) and isinstance(value.get("job"), int):
            out[shape] = value["job"]
    return out


def _form_context(request, story: Story, data: dict | None = None, errors: dict | None = None) -> dict:
    data = data or {}
    defaults = selectors.center_defaults(request.center)
    chosen = jobs._ids(data.get("sources")) if data.get("sources") else None
    sources = jobs.story_sources(story)
    return {
        "story": story,
        "sources": [{"asset": a, "checked": chosen is None or a.pk in chosen} for a in sources],
        "music_choices": jobs.music_choices(request.center),
        "has_logo": bool(defaults and defaults.logo_id),
        "platforms": list(jobs.PLATFORMS.items()),
        "data": {"shape": "vertical", "fit": "crop", "crop_x": "0.5", "subtitles_mode": "burn", "cover_time": "1",
                 "platform": "", "music": "", **{k: v for k, v in data.items() if k != "sources"}},
        "errors": errors or {},
        "shapes": VideoJob.Shape.choices, "fits": VideoJob.Fit.choices, "modes": VideoJob.Subtitles.choices,
        "can_produce": request.user.has_perm(PRODUCE, request.center),
    }


def panel(story: Story, request=None) -> dict | None:
    """The 视频版本 box on the story page (registered in apps.ready)."""
    if request is None or not request.user.is_authenticated or request.center is None:
        return None
    if not request.user.has_perm("newsroom.view_stories", request.center):
        return None
    recent = list(selectors.video_jobs(story)[:6])
    can_produce = request.user.has_perm(PRODUCE, request.center)
    if not recent and not can_produce:
        return None
    attached = attached_jobs(story)
    return {"title": "视频版本", "template": "newsroom/video/_panel.html", "video_jobs": recent,
            "attached": attached, "attached_jobs": [j for j in recent if attached.get(j.shape) == j.pk],
            **_form_context(request, story)}


# --- The story's video page -----------------------------------------------------------------------

@require_perm("newsroom.view_stories")
def video_jobs(request, pk: int):
    story = _story(request, pk)
    errors, data = {}, {}
    if request.method == "POST":
        if not request.user.has_perm(PRODUCE, request.center):
            raise PermissionDenied(f"您在{request.center.name}没有“生成和修改渠道稿”的权限，不能生成视频版本。")
        data = {key: request.POST.get(key, "") for key in
                ("shape", "fit", "crop_x", "subtitles", "subtitles_mode", "music", "use_logo", "platform", "cover_time")}
        data["sources"] = request.POST.getlist("sources")
        try:
            job = jobs.create(story=story, user=request.user, data=data)
        except ValidationError as exc:
            errors = dict(exc.message_dict) if hasattr(exc, "error_dict") else {"form": exc.messages}
            if "__all__" in errors:
                errors["form"] = errors.pop("__all__")
            messages.error(request, "视频版本没有生成：请按提示修改。")
        else:
            messages.success(request, f"已开始生成{job.get_shape_display()}视频版本。")
            return redirect("newsroom:video_job", pk=story.pk, job=job.pk)
    form = _form_context(request, story, data, errors)
    context = {**form, "f": form, "video_jobs": list(selectors.video_jobs(story)[:50]), "attached": attached_jobs(story)}
    return render(request, "newsroom/video/jobs.html", context, status=400 if errors else 200)


@require_POST
@require_perm(PRODUCE)
def video_starter(request, pk: int):
    """从短视频文案生成: the caption of the short-video version as timed cues (an htmx swap
    of the subtitles textarea)."""
    story = _story(request, pk)
    text = jobs.starter_srt(jobs.short_video_caption(story), _source_seconds(story, request.POST.getlist("sources")))
    return render(request, "newsroom/video/_subtitles.html", {"value": text, "errors": {}})


def _source_seconds(story: Story, chosen) -> float | None:
    ids = jobs._ids(chosen)
    total = 0.0
    for asset in jobs.story_sources(story):
        if ids and asset.pk not in ids:
            continue
        total += (asset.duration or 0.0) if asset.kind == "video" else jobs.PHOTO_SECONDS
    return total or None


# --- One job --------------------------------------------------------------------------------------

@require_perm("newsroom.view_stories")
def video_job(request, pk: int, job: int):
    story = _story(request, pk)
    found = _job(request, story, job)
    return render(request, "newsroom/video/job.html", {
        "story": story, "job": found, "attached": attached_jobs(story).get(found.shape) == found.pk,
        "can_produce": request.user.has_perm(PRODUCE, request.center),
        "sources": [a for a in jobs.story_sources(story) if a.pk in found.sources],
        "logo_position": dict(CenterDefaults._meta.get_field("logo_position").choices),
    })


@require_perm("newsroom.view_stories")
def video_progress(request, pk: int, job: int):
    story = _story(request, pk)
    found = _job(request, story, job)
    return render(request, "newsroom/video/_status.html", {
        "story": story, "job": found, "can_produce": request.user.has_perm(PRODUCE, request.center)})


@require_POST
@require_perm(PRODUCE)
def video_cancel(request, pk: int, job: int):
    story = _story(request, pk)
    found = _job(request, story, job)
    try:
        jobs.cancel(job=found, user=request.user, base_version=_version(request))
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, "已取消。" if found.status == VideoJob.Status.CANCELLED else "正在取消，稍候即停止。")
    return redirect("newsroom:video_job", pk=story.pk, job=found.pk)


@require_POST
@require_perm(PRODUCE)
def video_retry(request, pk: int, job: int):
    story = _story(request, pk)
    found = _job(request, story, job)
    try:
        made = jobs.retry(job=found, user=request.user)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
        return redirect("newsroom:video_job", pk=story.pk, job=found.pk)
    messages.success(request, "已按原设置重新生成。")
    return redirect("newsroom:video_job", pk=story.pk, job=made.pk)


@require_POST
@require_perm(PRODUCE)
def video_cover(request, pk: int, job: int):
    story = _story(request, pk)
    found = _job(request, story, job)
    try:
        jobs.set_cover(job=found, user=request.user, seconds=request.POST.get("cover_time", ""),
                       base_version=_version(request))
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, "封面已保存。" + ("短视频渠道稿已更新，需重新审核。" if jobs.is_attached(found) else ""))
    return redirect("newsroom:video_job", pk=story.pk, job=found.pk)


@require_perm("newsroom.view_stories")
def video_frame(request, pk: int, job: int):
    """The frame at ?t= seconds, as a JPEG: the preview for choosing the cover."""
    from rongmei.newsroom.video import engine

    story = _story(request, pk)
    found = _job(request, story, job)
    if found.status != VideoJob.Status.DONE or not found.output:
        raise Http404("视频还没有生成完成。")
    at = min(_seconds(request.GET.get("t")), max(0.0, found.duration - 0.05), PREVIEW_MAX)
    with tempfile.TemporaryDirectory(prefix="rongmei-frame-") as tmp:
        out = os.path.join(tmp, "frame.jpg")
        with jobs.local_copy(found.output.name, ".mp4") as path:
            try:
                engine.frame_at(path, at, out)
            except engine.RenderError:
                raise Http404("无法取出这一帧。") from None
        with open(out, "rb") as fh:
            response = HttpResponse(fh.read(), content_type="image/jpeg")
    response["Cache-Control"] = "private, max-age=300"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_perm("newsroom.view_stories")
def video_cover_preview(request, pk: int, job: int):
    """The preview image for the time typed or slid (an htmx swap; the frame itself comes
    from video_frame)."""
    story = _story(request, pk)
    found = _job(request, story, job)
    at = min(_seconds(request.GET.get("cover_time")), max(0.0, found.duration))
    return render(request, "newsroom/video/_cover_preview.html", {"story": story, "job": found, "at": round(at, 2)})


def _seconds(raw) -> float:
    """A time typed or slid by the editor: a finite, non-negative number, else 0."""
    try:
        value = float(raw or 0)
    except ValueError:
        return 0.0
    return max(0.0, value) if math.isfinite(value) else 0.0


def _version(request) -> int | None:
    raw = request.POST.get("version", "")
    try:
        return int(raw)
    except ValueError:
        return -1
