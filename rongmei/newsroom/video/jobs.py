"""视频版本: the jobs that turn a story's footage or photos into platform-ready MP4 files.

Why it is built this way:

* Rendering takes from seconds to minutes, so it never runs inside a request: a job row is
  created (all input checked first, with Chinese messages naming the field), the task queue
  runs it (`newsroom.video_tasks`), and the editor's page polls the row. The worker writes
  progress to the row at most once a second, and renews a *lease* each time; a worker that
  dies leaves a row whose lease runs out, and `expire_stale` marks it failed with a
  sentence saying so, so nothing stays "生成中" forever and the editor can 重新生成.
* Cancelling is a flag on the row (`cancel_requested`): the page cannot reach the worker,
  but the worker reads the row while ffmpeg runs and stops it (the engine removes the
  partial file).
* The finished file is stored content-addressed (`videos/<center>/<sha[:2]>/<sha[:16]>-…`,
  like the photo sizes) through `default_storage`, so S3 can replace the disk later; the
  sources are read through storage too, never by assuming a path.
* What goes to the platforms is what the reviewers signed: a finished job is *attached* to
  the story's short-video rendition (`fields["video"]`, `fields["video_horizontal"]`) with
  its sha256, shape, size and cover checksum. Those fields are part of the content the
  review hashes, so a new video (or a new cover) after sign-off sends the piece back to
  review; and `newsroom.selectors.video_file` returns only the file whose checksum is the
  one recorded there.
* Concurrent edits: cancelling and choosing the cover carry the row version the editor
  saw; a stale one is refused and nothing changes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import os
import re
import shutil
import tempfile
import time
from contextlib import contextmanager

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile, File
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from rongmei.core.models import User
from rongmei.core.services import record
from rongmei.core.tenancy import scoped
from rongmei.newsroom.models import Asset, CenterDefaults, Rendition, Story, VideoJob
from rongmei.newsroom.signals import story_changed

LEASE_SECONDS = 120          # a running job renews this at least every few seconds
WRITE_EVERY = 1.0            # progress written to the row at most once a second
QUEUED_LOST_AFTER = dt.timedelta(hours=6)   # a job still queued this long was lost by the queue
FIELD_FOR_SHAPE = {"vertical": "video", "horizontal": "video_horizontal"}
PLATFORMS = {"douyin": "抖音", "kuaishou": "快手", "channels": "视频号"}
PHOTO_SECONDS = 3.0
CAPTION_CHARS_PER_SECOND = 4.0   # a comfortable reading pace for subtitles
CUE_MAX_CHARS = 16               # one subtitle line on a phone held upright

INTERRUPTED = "生成中断：处理它的后台进程停止了（可能是服务器重启）。请点“重新生成”。"
LOST = "生成任务在队列里等待过久，可能已丢失。请点“重新生成”。"
STALE = "操作失败：在您打开页面之后，这个视频版本已有变化（{now}）。请刷新后再试。"
BUSY = "这篇稿件已有一个{shape}视频正在生成，请等它完成或取消后再生成。"
UNEXPECTED = "生成失败：系统内部错误（{name}）。请重试；仍不行请联系管理员。"


class StaleVideoJob(ValidationError):
    """The job changed after the editor opened it; the API answers 409."""

    api_status = 409


# --- Storage -------------------------------------------------------------------------------

def _stored_name(center_slug: str, sha256: str, suffix: str) -> str:
    return f"videos/{center_slug}/{sha256[:2]}/{sha256[:16]}-{suffix}"


def _store(name: str, source) -> str:
    """Save under a content-addressed name; the same content already there is reused."""
    if default_storage.exists(name):
        return name
    return default_storage.save(name, source)


@contextmanager
def local_copy(name: str, suffix: str = ""):
    """A path on this machine holding the stored file `name`: the file itself when the
    storage is a local disk, else a temporary copy (S3)."""
    try:
        path = default_storage.path(name)
    except NotImplementedError:
        path = None
    if path and os.path.exists(path):
        yield path
        return
    with tempfile.NamedTemporaryFile(suffix=suffix or os.path.splitext(name)[1]) as tmp:
        with default_storage.open(name, "rb") as src:
            shutil.copyfileobj(src, tmp, 1024 * 1024)
        tmp.flush()
        yield tmp.name


def _sha256_file(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1024 * 1024), b""):
            digest.update(chunk)
    return digest.hexdigest()


# --- Subtitles ----------------------------------------------------------------------------

def check_srt(text: str) -> str:
    """The SRT as it will be used (normalised), or ValidationError on "subtitles" with the
    engine's Chinese message naming the cue and line."""
    from rongmei.newsroom.video import engine

    text = (text or "").replace("\r\n", "\n").strip()
    if not text:
        return ""
    try:
        cues = engine.parse_srt(text)
    except ValueError as exc:
        raise ValidationError({"subtitles": [f"字幕有误：{exc}"]}) from None
    return engine.format_srt(cues).strip()


def _cue_pieces(text: str) -> list[str]:
    """The caption cut where a reader pauses: at sentence and clause marks, then into
    pieces that fit one line."""
    text = re.sub(r"#\S+", "", text or "")       # topic tags are not spoken
    text = re.sub(r"\s+", " ", text).strip()
    pieces = []
    for clause in re.split(r"(?<=[。！？!?；;，,、：:])\s*|\s+", text):
        clause = clause.strip().rstrip("，,、；;")
        while len(clause) > CUE_MAX_CHARS:
            pieces.append(clause[:CUE_MAX_CHARS])
            clause = clause[CUE_MAX_CHARS:]
        if clause:
            pieces.append(clause)
    return pieces


def starter_srt(caption: str, duration: float | None = None) -> str:
    """从短视频文案生成: the short-video caption split into timed cues, one after another at
    a reading pace; with the video's `duration`, spread to fill it. The editor corrects the
    times by hand afterwards."""
    from rongmei.newsroom.video import engine

    pieces = _cue_pieces(caption)
    if not pieces:
        return ""
    needs = [max(1.2, len(p) / CAPTION_CHARS_PER_SECOND) for p in pieces]
    scale = (duration / sum(needs)) if duration and duration > 0 else 1.0
    cues, start = [], 0.0
    for piece, need in zip(pieces, needs):
        end = start + need * scale
        cues.append(engine.Cue(start=round(start, 3), end=round(end, 3), text=piece))
        start = end
    return engine.format_srt(tuple(cues)).strip()


# --- Creating, cancelling, the cover ----------------------------------------------------------

def story_sources(story: Story) -> list[Asset]:
    """The story's videos and photos, in the story's order: what a video version may use."""
    return [link.asset for link in story.story_assets.select_related("asset")
            if link.asset.kind in (Asset.Kind.VIDEO, Asset.Kind.IMAGE)]


def music_choices(center) -> list[Asset]:
    return list(scoped(Asset, center).filter(kind=Asset.Kind.AUDIO).order_by("-created_at", "-id")[:200])


def short_video_caption(story: Story) -> str:
    rendition = Rendition.objects.filter(story=story, channel=Rendition.Channel.SHORT_VIDEO).first()
    if rendition is None:
        return story.headline
    return str(rendition.fields.get("caption") or rendition.title or story.headline)


def _float(data: dict, key: str, default: float, low: float, high: float, label: str, errors: dict) -> float:
    raw = data.get(key, "")
    if raw in ("", None):
        return default
    try:
        value = float(raw)
    except (TypeError, ValueError):
        errors.setdefault(key, []).append(f"{label}应为数字。")
        return default
    if not math.isfinite(value) or not (low <= value <= high):
        errors.setdefault(key, []).append(f"{label}应在 {low:g} 到 {high:g} 之间。")
        return default
    return value


def _ids(raw) -> list[int]:
    if isinstance(raw, str):
        raw = [p for p in re.split(r"[,\s]+", raw) if p]
    out = []
    for value in raw or []:
        try:
            number = int(value)
        except (TypeError, ValueError):
            return [-1]
        if number not in out:
            out.append(number)
    return out


def clean(story: Story, data: dict) -> dict:
    """Every input of a new job checked; ValidationError with per-field Chinese messages."""
    errors: dict[str, list[str]] = {}
    shape = data.get("shape") or VideoJob.Shape.VERTICAL
    if shape not in VideoJob.Shape.values:
        errors["shape"] = ["请选择竖屏或横屏。"]
    fit = data.get("fit") or VideoJob.Fit.CROP
    if fit not in VideoJob.Fit.values:
        errors["fit"] = ["请选择裁切填满或模糊背景填充。"]
    mode = data.get("subtitles_mode") or VideoJob.Subtitles.BURN
    if mode not in VideoJob.Subtitles.values:
        errors["subtitles_mode"] = ["请选择字幕方式。"]
    platform = data.get("platform") or ""
    if platform and platform not in PLATFORMS:
        errors["platform"] = ["请选择抖音、快手、视频号或不限。"]
    crop_x = _float(data, "crop_x", 0.5, 0.0, 1.0, "裁切位置", errors)
    cover_time = _float(data, "cover_time", 1.0, 0.0, 3600.0, "封面时间", errors)
    available = {a.pk: a for a in story_sources(story)}
    chosen = _ids(data.get("sources"))
    if not chosen:
        chosen = list(available)
    if not chosen:
        errors["sources"] = ["这篇稿件还没有视频或图片素材。请先在稿件里添加素材。"]
    elif any(pk not in available for pk in chosen):
        errors["sources"] = ["只能选用本稿件的视频和图片素材。"]
    sources = [available[pk] for pk in chosen if pk in available]
    what = VideoJob.What.SLIDESHOW if sources and all(a.kind == Asset.Kind.IMAGE for a in sources) else VideoJob.What.FOOTAGE
    music = None
    raw_music = data.get("music")
    if raw_music not in (None, "", 0, "0"):
        music_id = _ids([raw_music])
        music = scoped(Asset, story.center).filter(pk=music_id[0], kind=Asset.Kind.AUDIO).first() if music_id and music_id[0] > 0 else None
        if music is None:
            errors["music"] = ["背景音乐只能从本中心素材库的音频中选择。"]
    use_logo = str(data.get("use_logo", "")).lower() in ("1", "true", "on", "yes")
    if use_logo:
        defaults = CenterDefaults.objects.filter(center=story.center).first()
        if defaults is None or not defaults.logo_id:
            errors["use_logo"] = ["本中心还没有设置台标：请管理员在“栏目与封面”页设置后再勾选。"]
    subtitles = ""
    try:
        subtitles = check_srt(str(data.get("subtitles") or ""))
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if mode == VideoJob.Subtitles.SIDE and not subtitles and "subtitles" not in errors:
        errors["subtitles"] = ["选择了单独字幕文件，请填写字幕，或改为“不加字幕”。"]
    if errors:
        raise ValidationError(errors)
    return {"shape": shape, "what": what, "sources": [a.pk for a in sources], "fit": fit, "crop_x": crop_x,
            "subtitles": subtitles, "subtitles_mode": mode if subtitles else VideoJob.Subtitles.NONE,
            "music": music, "use_logo": use_logo, "platform": platform, "cover_time": cover_time}


def create(*, story: Story, user: User, data: dict, enqueue: bool = True) -> VideoJob:
    """A new job, queued. One job per story and shape runs at a time."""
    values = clean(story, data)
    with transaction.atomic():
        Story.objects.select_for_update().filter(pk=story.pk).first()
        if scoped(VideoJob, story.center).filter(story=story, shape=values["shape"],
                                                 status__in=[VideoJob.Status.QUEUED, VideoJob.Status.RUNNING]).exists():
            raise ValidationError({"shape": [BUSY.format(shape=VideoJob.Shape(values["shape"]).label.split()[0])]})
        job = VideoJob.objects.create(center=story.center, story=story, created_by=user, **values)
        record("video.create", actor=user, center=story.center, obj=job,
               after={"story": story.pk, "shape": job.shape, "what": job.what, "sources": job.sources,
                      "subtitles": job.subtitles_mode, "logo": job.use_logo, "platform": job.platform})
        if enqueue:
            from rongmei.newsroom.video_tasks import render_video_job

            render_video_job.enqueue(job.pk)   # on commit (settings.TASKS)
    return job


def retry(*, job: VideoJob, user: User) -> VideoJob:
    """重新生成: a new job with the same choices (the failed or cancelled one stays in the list)."""
    data = {"shape": job.shape, "fit": job.fit, "crop_x": job.crop_x, "subtitles": job.subtitles,
            "subtitles_mode": job.subtitles_mode, "music": job.music_id or "", "use_logo": job.use_logo,
            "platform": job.platform, "cover_time": job.cover_time, "sources": job.sources}
    return create(story=job.story, user=user, data=data)


def _require_version(job: VideoJob, base_version: int | None) -> None:
    if base_version is not None and int(base_version) != job.version:
        job.refresh_from_db()
        raise StaleVideoJob(STALE.format(now=job.get_status_display()))


def cancel(*, job: VideoJob, user: User, base_version: int | None) -> VideoJob:
    """取消: a queued job stops at once; a running one when the worker next reads the row."""
    with transaction.atomic():
        locked = VideoJob.objects.select_for_update().get(pk=job.pk)
        _require_version(locked, base_version)
        if not locked.is_active:
            raise ValidationError(f"这个视频版本{locked.get_status_display()}，无需取消。")
        if locked.status == VideoJob.Status.QUEUED:
            VideoJob.objects.filter(pk=job.pk).update(status=VideoJob.Status.CANCELLED, cancel_requested=True,
                                                      finished_at=timezone.now(), version=F("version") + 1)
        else:
            VideoJob.objects.filter(pk=job.pk).update(cancel_requested=True, version=F("version") + 1)
        record("video.cancel", actor=user, center=job.center, obj=job, before={"status": locked.status})
    job.refresh_from_db()
    return job


def set_cover(*, job: VideoJob, user: User, seconds, base_version: int | None) -> VideoJob:
    """Choose the cover frame by time: the frame is taken from the finished video, stored,
    and (for the attached video) recorded in the rendition, so the reviewers see it."""
    from rongmei.newsroom.video import engine

    try:
        at = float(seconds)
    except (TypeError, ValueError):
        raise ValidationError({"cover_time": ["封面时间应为秒数，例如 1.5。"]}) from None
    if job.status != VideoJob.Status.DONE or not job.output:
        raise ValidationError("视频还没有生成完成，不能选封面。")
    if not math.isfinite(at) or not (0 <= at <= max(0.0, job.duration)):
        raise ValidationError({"cover_time": [f"封面时间应在 0 到 {job.duration:.1f} 秒之间。"]})
    with tempfile.TemporaryDirectory(prefix="rongmei-cover-") as tmp:
        jpeg = os.path.join(tmp, "cover.jpg")
        with local_copy(job.output.name, ".mp4") as path:
            try:
                engine.frame_at(path, min(at, max(0.0, job.duration - 0.05)), jpeg)
            except engine.RenderError as exc:
                raise ValidationError({"cover_time": [exc.message]}) from None
        sha = _sha256_file(jpeg)
        with open(jpeg, "rb") as fh:
            name = _store(_stored_name(job.center.slug, sha, "cover.jpg"), File(fh))
    with transaction.atomic():
        locked = VideoJob.objects.select_for_update().get(pk=job.pk)
        _require_version(locked, base_version)
        before = {"cover_time": locked.cover_time, "cover_sha256": locked.cover_sha256}
        VideoJob.objects.filter(pk=job.pk).update(cover=name, cover_sha256=sha, cover_time=at, version=F("version") + 1)
        locked.refresh_from_db()
        record("video.cover", actor=user, center=job.center, obj=locked, before=before,
               after={"cover_time": at, "cover_sha256": sha})
        if is_attached(locked):
            attach(job=locked, user=user)
    return locked


# --- Running ------------------------------------------------------------------------------------

def claim(job_id: int) -> VideoJob | None:
    """Take a queued job for this worker (a conditional UPDATE: two workers never run it).
    A cancel asked at the very moment it is taken is honoured at the worker's first look at
    the row, before ffmpeg has done any real work."""
    now = timezone.now()
    taken = VideoJob.objects.filter(pk=job_id, status=VideoJob.Status.QUEUED).update(
        status=VideoJob.Status.RUNNING, started_at=now, percent=0, error="",
        lease_until=now + dt.timedelta(seconds=LEASE_SECONDS), version=F("version") + 1)
    if not taken:
        return None
    return VideoJob.objects.select_related("center", "story", "music", "created_by").get(pk=job_id)


class _Watch:
    """The worker's view of its row while ffmpeg runs: progress written (throttled) with
    the lease renewed, and the cancel flag read, at most once a second each."""

    def __init__(self, job: VideoJob):
        self.job = job
        self.percent = 0
        self.written = 0.0
        self.checked = 0.0
        self.cancel = False

    def progress(self, percent_done: float) -> None:
        """The engine's percent (0–100); 100 is written only with the finished file."""
        percent = max(self.percent, min(99, int(float(percent_done))))
        self.percent = percent
        self._tick()

    def cancelled(self) -> bool:
        self._tick()
        return self.cancel

    def _tick(self) -> None:
        now = time.monotonic()
        if now - self.written < WRITE_EVERY:
            return
        self.written = now
        VideoJob.objects.filter(pk=self.job.pk, status=VideoJob.Status.RUNNING).update(
            percent=self.percent, lease_until=timezone.now() + dt.timedelta(seconds=LEASE_SECONDS))
        self.cancel = VideoJob.objects.filter(pk=self.job.pk, cancel_requested=True).exists()


def _finish(job: VideoJob, **fields) -> None:
    VideoJob.objects.filter(pk=job.pk).update(finished_at=timezone.now(), lease_until=None,
                                              version=F("version") + 1, **fields)


def _spec(job: VideoJob, paths: dict[int, str], assets: dict[int, Asset], music_path: str | None, logo_path: str | None):
    from rongmei.newsroom.video import engine

    sources = []
    for pk in job.sources:
        asset = assets[pk]
        if asset.kind == Asset.Kind.IMAGE:
            sources.append(engine.Source(path=paths[pk], kind="image", caption=asset.caption[:60], seconds=PHOTO_SECONDS))
        else:
            sources.append(engine.Source(path=paths[pk], kind="video"))
    cues = engine.parse_srt(job.subtitles) if job.subtitles and job.subtitles_mode != VideoJob.Subtitles.NONE else ()
    defaults = CenterDefaults.objects.filter(center=job.center).first()
    return engine.Spec(
        shape=job.shape, sources=tuple(sources), fit=job.fit, crop_x=job.crop_x,
        title=job.story.headline if job.what == VideoJob.What.SLIDESHOW else "",
        cues=tuple(cues), subtitles=job.subtitles_mode if cues else "none", music=music_path,
        logo=logo_path, logo_position=(defaults.logo_position if defaults else "top_right"),
        platform=job.platform or None,
    )


@contextmanager
def _inputs(job: VideoJob, stack_dir: str):
    """Local paths of every input (sources, music, logo), copied out of storage if needed."""
    from contextlib import ExitStack

    assets = {a.pk: a for a in scoped(Asset, job.center).filter(pk__in=job.sources)}
    missing = [pk for pk in job.sources if pk not in assets]
    if missing:
        raise _JobFailed("所选素材已被删除，无法生成。请重新选择素材。")
    def copy(asset: Asset, what: str) -> str:
        try:
            return stack.enter_context(local_copy(asset.file.name))
        except OSError:
            raise _JobFailed(f"{what}“{asset}”的文件找不到或无法读取，请重新上传后再生成。") from None

    with ExitStack() as stack:
        paths = {pk: copy(assets[pk], "素材") for pk in job.sources}
        music = copy(job.music, "背景音乐") if job.music_id and job.music else None
        logo = None
        if job.use_logo:
            defaults = CenterDefaults.objects.filter(center=job.center).select_related("logo").first()
            if defaults is None or defaults.logo is None:
                raise _JobFailed("本中心的台标已被清除，无法叠加台标。请取消“叠加台标”后重新生成。")
            logo = copy(defaults.logo, "台标")
        yield paths, assets, music, logo


class _JobFailed(Exception):
    def __init__(self, message: str):
        self.message = message
        super().__init__(message)


def run(job_id: int, *, render_cache: str | os.PathLike | None = None) -> VideoJob | None:
    """Run one queued job to its end: done (attached to the rendition), failed (a Chinese
    reason on the row) or cancelled. Returns None when the job was not queued.
    `render_cache`: the demo data's folder of earlier renders (engine.render's `cache`);
    the task queue never passes one."""
    from rongmei.newsroom.video import engine

    job = claim(job_id)
    if job is None:
        return None
    watch = _Watch(job)
    try:
        with tempfile.TemporaryDirectory(prefix="rongmei-video-") as tmp:
            with _inputs(job, tmp) as (paths, assets, music, logo):
                spec = _spec(job, paths, assets, music, logo)
                out = os.path.join(tmp, "out.mp4")
                result = engine.render(spec, out, on_progress=watch.progress, cancelled=watch.cancelled,
                                       threads=getattr(settings, "RONGMEI_VIDEO_THREADS", None), cache=render_cache)
            _store_result(job, result, tmp)
    except engine.Cancelled:
        _finish(job, status=VideoJob.Status.CANCELLED, error="")
        record("video.cancelled", actor=None, center=job.center, obj=job, after={"percent": watch.percent})
    except engine.RenderError as exc:
        _finish(job, status=VideoJob.Status.FAILED, error=str(getattr(exc, "message", "") or exc)[:500])
    except _JobFailed as exc:
        _finish(job, status=VideoJob.Status.FAILED, error=exc.message[:500])
    except ValueError as exc:  # the SRT stored on the row was checked at creation; never raw
        _finish(job, status=VideoJob.Status.FAILED, error=f"字幕有误：{exc}"[:500])
    except Exception as exc:  # the page must say something, never stay 生成中
        _finish(job, status=VideoJob.Status.FAILED, error=UNEXPECTED.format(name=exc.__class__.__name__))
        raise
    job.refresh_from_db()
    return job


def _store_result(job: VideoJob, result, tmp: str) -> None:
    from rongmei.newsroom.video import engine

    slug = job.center.slug
    with open(result.path, "rb") as fh:
        output = _store(_stored_name(slug, result.sha256, f"{job.shape}.mp4"), File(fh))
    srt_name = ""
    if job.subtitles_mode == VideoJob.Subtitles.SIDE and result.srt:
        data = result.srt.encode("utf-8")
        srt_name = _store(_stored_name(slug, hashlib.sha256(data).hexdigest(), f"{job.shape}.srt"), ContentFile(data))
    jpeg = os.path.join(tmp, "cover.jpg")
    at = min(max(0.0, job.cover_time), max(0.0, result.duration - 0.05))
    engine.frame_at(result.path, at, jpeg)
    cover_sha = _sha256_file(jpeg)
    with open(jpeg, "rb") as fh:
        cover = _store(_stored_name(slug, cover_sha, "cover.jpg"), File(fh))
    with transaction.atomic():
        updated = VideoJob.objects.filter(pk=job.pk, status=VideoJob.Status.RUNNING).update(
            status=VideoJob.Status.DONE, percent=100, output=output, sha256=result.sha256, size=result.size,
            width=result.width, height=result.height, duration=result.duration, srt_file=srt_name,
            cover=cover, cover_sha256=cover_sha, cover_time=at, error="", finished_at=timezone.now(),
            lease_until=None, version=F("version") + 1)
        if not updated:   # expired meanwhile and marked failed: the file stays, unattached
            return
        job.refresh_from_db()
        record("video.done", actor=None, center=job.center, obj=job,
               after={"sha256": job.sha256, "duration": job.duration, "size": job.size})
        attach(job=job, user=job.created_by)


# --- The rendition: what the reviewers sign and the platforms get ---------------------------------

def rendition_value(job: VideoJob) -> dict:
    return {"job": job.pk, "sha256": job.sha256, "shape": job.shape, "duration": round(job.duration, 3),
            "width": job.width, "height": job.height, "size": job.size, "cover_sha256": job.cover_sha256,
            "subtitles": job.subtitles_mode}


def is_attached(job: VideoJob) -> bool:
    rendition = Rendition.objects.filter(story_id=job.story_id, channel=Rendition.Channel.SHORT_VIDEO).first()
    value = rendition.fields.get(FIELD_FOR_SHAPE[job.shape]) if rendition else None
    return isinstance(value, dict) and value.get("job") == job.pk


@transaction.atomic
def attach(*, job: VideoJob, user: User) -> Rendition:
    """Make `job` the story's video of its shape in the short-video rendition (generated
    first if the story has none yet). The review follows through `story_changed`."""
    from rongmei.newsroom.services import renditions as rendition_services

    if job.status != VideoJob.Status.DONE or not job.sha256:
        raise ValidationError("只有生成完成的视频才能用作短视频渠道稿的视频。")
    story = Story.objects.select_for_update().get(pk=job.story_id)
    rendition = Rendition.objects.filter(story=story, channel=Rendition.Channel.SHORT_VIDEO).first()
    if rendition is None:
        rendition = rendition_services.generate(story=story, user=user, channels=[Rendition.Channel.SHORT_VIDEO])[0]
    rendition = Rendition.objects.select_for_update().get(pk=rendition.pk)
    key = FIELD_FOR_SHAPE[job.shape]
    value = rendition_value(job)
    if rendition.fields.get(key) == value:
        return rendition
    fields = {**rendition.fields, key: value}
    before = rendition.fields.get(key)
    Rendition.objects.filter(pk=rendition.pk).update(fields=fields, version=F("version") + 1, updated_by=user)
    rendition.refresh_from_db()
    record("video.attach", actor=user, center=story.center, obj=job,
           before={"video": before}, after={"video": value, "rendition": rendition.pk})
    story_changed.send(sender=Rendition, story=story, user=user, what="rendition:short_video")
    return rendition


# --- Leases ----------------------------------------------------------------------------------------

def expire_stale(now: dt.datetime | None = None) -> int:
    """A running job whose lease ran out (its worker died) is failed with a sentence saying
    so; so is a job queued for hours (the queue lost it). Run every minute."""
    now = now or timezone.now()
    count = VideoJob.objects.filter(status=VideoJob.Status.RUNNING, lease_until__lt=now).update(
        status=VideoJob.Status.FAILED, error=INTERRUPTED, finished_at=now, lease_until=None, version=F("version") + 1)
    count += VideoJob.objects.filter(status=VideoJob.Status.QUEUED, created_at__lt=now - QUEUED_LOST_AFTER).update(
        status=VideoJob.Status.FAILED, error=LOST, finished_at=now, version=F("version") + 1)
    return count
