"""视频版本 API: list, start and cancel a story's video versions and read one's state, for the
reporters' app and integrations (the same rules as the screens: `newsroom.video_views`).

A job runs on the task queue; a client polls GET …/videos/{job_id} for `status` and
`percent`. Cancelling carries the job's `version` (409 when it changed since). The finished
file is at `video_url` (a /media/ address checked on every request, for this center's staff
or an API token of this center)."""

from __future__ import annotations

import datetime as dt

from ninja import Field, Router, Schema, Status

from rongmei.core.api import require
from rongmei.core.api_kit import ERRORS, CursorQuery, LimitQuery, page_of, paginate
from rongmei.core.ids import Id, Version
from rongmei.core.tenancy import get_scoped_or_404
from rongmei.newsroom import selectors
from rongmei.newsroom.models import VideoJob
from rongmei.newsroom.video import jobs
from rongmei.newsroom.video_views import PRODUCE, attached_jobs

router = Router(tags=["稿件与素材"])


class NewsroomVideoJobIn(Schema):
    shape: str = Field("vertical", description="vertical 竖屏 1080×1920 / horizontal 横屏 1920×1080")
    sources: list[Id] = Field([], description="所用素材（稿件的视频、图片）编号，按播放顺序；空则用稿件全部视频和图片")
    fit: str = Field("crop", description="方向不同的画面：crop 裁切填满 / blur 模糊背景填充")
    crop_x: float = Field(0.5, ge=0, le=1, description="裁切窗口中心的位置，0 最左，1 最右")
    subtitles: str = Field("", max_length=20000, description="字幕，SRT 格式")
    subtitles_mode: str = Field("burn", description="burn 压制到画面 / side 单独字幕文件 / none 不加")
    music_id: Id | None = Field(None, description="背景音乐（本中心素材库的音频）")
    use_logo: bool = Field(False, description="叠加中心台标（须先设置台标）")
    platform: str = Field("", description="按平台上限检查：douyin / kuaishou / channels；空则不限")
    cover_time: float = Field(1.0, ge=0, le=3600, description="封面取第几秒的画面")


class NewsroomVideoCancelIn(Schema):
    version: Version


class NewsroomVideoJobOut(Schema):
    id: int
    story_id: int
    shape: str
    what: str = Field(..., description="footage 视频剪辑 / slideshow 图片幻灯")
    status: str = Field(..., description="queued / running / done / failed / cancelled")
    percent: int
    error: str = Field(..., description="失败原因（中文）")
    cancel_requested: bool
    version: int
    sources: list[int]
    subtitles_mode: str
    sha256: str
    size: int
    width: int
    height: int
    duration: float
    video_url: str = Field(..., description="成片地址（完成后才有）")
    cover_url: str
    srt_url: str
    attached: bool = Field(..., description="是否为短视频渠道稿当前使用的视频（送审、发布的就是它）")
    created_at: dt.datetime
    finished_at: dt.datetime | None


def _out(job: VideoJob, attached: dict[str, int] | None = None) -> NewsroomVideoJobOut:
    attached = attached if attached is not None else attached_jobs(job.story)
    return NewsroomVideoJobOut(
        id=job.pk, story_id=job.story_id, shape=job.shape, what=job.what, status=job.status, percent=job.percent,
        error=job.error, cancel_requested=job.cancel_requested, version=job.version, sources=list(job.sources),
        subtitles_mode=job.subtitles_mode, sha256=job.sha256, size=job.size, width=job.width, height=job.height,
        duration=job.duration, video_url=job.output.url if job.output else "",
        cover_url=job.cover.url if job.cover else "", srt_url=job.srt_file.url if job.srt_file else "",
        attached=attached.get(job.shape) == job.pk, created_at=job.created_at, finished_at=job.finished_at)


def _job(request, story_id: int, job_id: int) -> VideoJob:
    story = selectors.story_for_page(request.center, story_id, request.user)
    return get_scoped_or_404(VideoJob.objects.select_related("story"), request.center, pk=job_id, story=story)


@router.get("/stories/{story_id}/videos", response={200: page_of(NewsroomVideoJobOut), **ERRORS}, summary="稿件的视频版本",
            description="最新的在前，按 cursor 分页。")
def newsroom_list_video_jobs(request, story_id: Id, cursor: str | None = CursorQuery, limit: int = LimitQuery):
    require(request, "newsroom.view_stories")
    story = selectors.story_for_page(request.center, story_id, request.user)
    attached = attached_jobs(story)
    return paginate(selectors.video_jobs(story), cursor=cursor, limit=limit, order=("-created_at", "-pk"),
                    out=lambda job: _out(job, attached))


@router.post("/stories/{story_id}/videos", response={201: NewsroomVideoJobOut, **ERRORS}, summary="生成视频版本",
             description="排队生成；用 GET 查询进度。同一稿件同一画面同时只能有一个在生成。字幕有误时 422，说明第几条。")
def newsroom_create_video_job(request, story_id: Id, payload: NewsroomVideoJobIn):
    require(request, PRODUCE)
    story = selectors.story_for_page(request.center, story_id, request.user)
    data = payload.dict()
    data["music"] = data.pop("music_id") or ""
    data["use_logo"] = "1" if payload.use_logo else ""
    job = jobs.create(story=story, user=request.user, data=data)
    return Status(201, _out(job))


@router.get("/stories/{story_id}/videos/{job_id}", response={200: NewsroomVideoJobOut, **ERRORS}, summary="一个视频版本（状态与进度）")
def newsroom_get_video_job(request, story_id: Id, job_id: Id):
    require(request, "newsroom.view_stories")
    return _out(_job(request, story_id, job_id))


@router.post("/stories/{story_id}/videos/{job_id}/cancel", response={200: NewsroomVideoJobOut, **ERRORS},
             summary="取消视频版本（须带看到的 version；已变化时 409）")
def newsroom_cancel_video_job(request, story_id: Id, job_id: Id, payload: NewsroomVideoCancelIn):
    require(request, PRODUCE)
    job = jobs.cancel(job=_job(request, story_id, job_id), user=request.user, base_version=payload.version)
    return _out(job)
