"""The video engine: a story's clips and photos in, one platform-ready MP4 out.

This is the only interface the rest of Rongmei uses (jobs.py runs `render` on the task queue,
the editor's cover picker calls `frame_at`, the subtitle editor calls `parse_srt`). It is
plain Python over ffmpeg — no Django, no database — so it can be tested and benchmarked on
its own, and a slow or broken ffmpeg can only fail one job, never a request.

`render` works in four steps:
1. check the spec (Chinese refusals for impossible settings) and probe every clip: a file
   that is not a decodable video, or has no picture, is refused by name before ffmpeg runs;
   the platform's documented duration limit is checked against the total;
2. prepare the small files the filter graph reads, in a private temporary folder: photos
   turned upright by their EXIF orientation and shrunk (Pillow, which also refuses a
   non-image early), the logo scaled to 12 % of the frame width, the wrapped headline and
   captions, the ASS subtitles;
3. run one ffmpeg command (graph.py) into `<out>.part` with progress and cancel (runner.py)
   — or, for the demo data, copy the file an earlier identical command made (cache.py);
4. move the part file into place only when ffmpeg succeeded and the file is within the
   platform's size limit, then measure it (ffprobe, SHA-256). Any failure removes the part
   file, so a half-written video never looks like a finished one.
"""

from __future__ import annotations

import functools
import hashlib
import os
import shutil
import struct
import subprocess
import tempfile
from collections.abc import Callable
from typing import Any

from PIL import Image, ImageOps, UnidentifiedImageError

from rongmei.newsroom.media import av
from rongmei.newsroom.video import cache as render_cache
from rongmei.newsroom.video import graph, limits, text
from rongmei.newsroom.video.limits import PLATFORM_LIMITS, Limits
from rongmei.newsroom.video.runner import FFMPEG_MISSING, run_ffmpeg
from rongmei.newsroom.video.spec import (
    PHOTO_SECONDS,
    SHAPES,
    Cancelled,
    Cue,
    Probe,
    RenderError,
    Result,
    Source,
    Spec,
)
from rongmei.newsroom.video.srt import format_srt, parse_srt

__all__ = [
    "PLATFORM_LIMITS", "SHAPES", "Cancelled", "Cue", "Limits", "Probe", "RenderError", "Result",
    "Source", "Spec", "format_srt", "frame_at", "parse_srt", "probe", "render",
]

FFMPEG = "ffmpeg"
FFPROBE = "ffprobe"
TITLE_SECONDS = 4.0  # the headline is shown over the first seconds
_MAX_IMAGE_SIDE = 2  # photos are shrunk to at most twice the frame size before ffmpeg sees them


def probe(path: str, *, timeout: float = 30) -> Probe:
    """ffprobe's facts about one file. Raises RenderError (Chinese) when the file cannot be
    read or ffprobe is missing."""
    report = av.probe_report(path, ffprobe=FFPROBE, timeout=timeout)
    if isinstance(report, av.AvInfo):
        if report.missing:
            raise RenderError(FFMPEG_MISSING, report.detail)
        raise RenderError(f"素材无法解码：{os.path.basename(path)}。{report.error}", report.detail)
    info = av.av_info_from_report(report)
    if not info.ok:
        raise RenderError(f"素材无法解码：{os.path.basename(path)}。{info.error}", info.detail)
    streams = [s for s in report.get("streams", []) if isinstance(s, dict)]
    video = next(
        (s for s in streams if s.get("codec_type") == "video" and not av.is_cover_art(s)), {}
    )
    audio = next((s for s in streams if s.get("codec_type") == "audio"), {})
    try:
        size = os.path.getsize(path)
    except OSError:
        size = 0
    return Probe(
        width=info.width,
        height=info.height,
        duration=info.duration,
        video_codec=info.video_codec,
        audio_codec=info.audio_codec,
        pix_fmt=video.get("pix_fmt"),
        rotation=info.rotation,
        fps=_rate(video.get("avg_frame_rate")) or _rate(video.get("r_frame_rate")),
        audio_rate=_int(audio.get("sample_rate")),
        audio_channels=_int(audio.get("channels")),
        container=info.container,
        profile=video.get("profile"),
        level=_int(video.get("level")),
        faststart=_moov_first(path),
        size=size,
        field_order=video.get("field_order"),
    )


def frame_at(path: str, seconds: float, out_jpeg: str) -> None:
    """Write the frame at `seconds` as a JPEG (the cover the editor picked). Raises
    RenderError when the time is outside the video or no frame can be read."""
    facts = probe(path)
    if not facts.has_video:
        raise RenderError("这个文件没有画面，无法取封面帧。")
    if seconds < 0 or (facts.duration is not None and seconds > facts.duration):
        length = f"{facts.duration:.1f}" if facts.duration is not None else "?"
        raise RenderError(f"封面时间 {seconds:.1f} 秒不在视频范围内（视频长 {length} 秒）。")
    frame = av.grab_frame(path, seconds, FFMPEG, 30)
    if frame is None:
        raise RenderError(f"无法取出第 {seconds:.1f} 秒的画面：视频可能已损坏。")
    partial = out_jpeg + ".part"
    with open(partial, "wb") as handle:
        handle.write(frame)
    os.replace(partial, out_jpeg)


def render(
    spec: Spec,
    out_path: str,
    *,
    on_progress: Callable[[float], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
    threads: int | None = None,
    timeout: float | None = None,
    cache: str | os.PathLike | None = None,
) -> Result:
    """Make the MP4 described by `spec` at `out_path`. See the module docstring.

    on_progress gets a percent (0–100, rising, at most about 4 calls a second, 100 last);
    `cancelled` is polled about 4 times a second and makes render stop, remove its partial
    output and raise Cancelled; RenderError carries a Chinese `message`. `timeout` (seconds
    of wall time) defaults to 120 s plus 20× the video's length. `cache` (the demo data
    only) is a folder of earlier renders (cache.py): the same command on the same inputs
    copies the kept file instead of running ffmpeg; the checks and measurements after
    step 3 are the same either way."""
    spec.validate()
    width, height = spec.size
    folder = os.path.dirname(os.path.abspath(out_path))
    if not os.path.isdir(folder):
        raise RenderError("保存视频的目录不存在，请联系管理员检查存储设置。", folder)
    partial = out_path + ".part"
    # the ASS file's path goes into the filter graph unquoted: keep it to plain characters
    scratch = tempfile.gettempdir()
    workdir = tempfile.mkdtemp(prefix="rongmei-video-", dir=scratch if graph.is_safe_path(scratch) else "/tmp")
    try:
        pieces = _prepare_pieces(spec, width, height, workdir)
        total = graph.total_seconds(pieces)
        refusal = limits.check_duration(spec.platform, total)
        if refusal:
            raise RenderError(refusal)
        layout = _prepare_layout(spec, pieces, width, height, workdir)
        argv = graph.build_command(pieces, layout, partial, ffmpeg=FFMPEG, threads=threads)
        cache_key = render_cache.key(argv, out=partial, scratch=workdir) if cache is not None else None
        cached = cache_key is not None and render_cache.fetch(cache, cache_key, partial)
        if cached:
            if on_progress is not None:
                on_progress(100.0)
        else:
            run_ffmpeg(
                argv,
                expected_seconds=total,
                on_progress=on_progress,
                cancelled=cancelled,
                timeout=timeout if timeout is not None else 120 + 20 * total,
                stderr_path=os.path.join(workdir, "ffmpeg.log"),
            )
        size = os.path.getsize(partial)
        refusal = limits.check_size(spec.platform, size)
        if refusal:
            raise RenderError(refusal)
        facts = probe(partial)
        if cache_key is not None and not cached:
            render_cache.keep(cache, cache_key, partial)
        digest = _sha256(partial)
        srt_text = ""
        if spec.subtitles == "side" and spec.cues:
            srt_text = format_srt(spec.cues)
            _write_atomic(os.path.splitext(out_path)[0] + ".srt", srt_text)
        os.replace(partial, out_path)
    except BaseException:
        _remove(partial)
        raise
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return Result(
        path=out_path,
        width=facts.width or width,
        height=facts.height or height,
        duration=round(facts.duration or total, 3),
        size=size,
        sha256=digest,
        srt=srt_text,
    )


def _prepare_pieces(spec: Spec, width: int, height: int, workdir: str) -> list[graph.Piece]:
    pieces: list[graph.Piece] = []
    for number, source in enumerate(spec.sources, 1):
        name = os.path.basename(source.path)
        if not os.path.isfile(source.path):
            raise RenderError(f"找不到第 {number} 个素材（{name}）：它可能已被删除。请重新选择素材。")
        if source.kind == "video":
            facts = probe(source.path)
            if not graph.allowed_container(facts.container, graph.VIDEO_DEMUXERS):
                raise RenderError(
                    f"素材无法解码：第 {number} 个素材（{name}）不是支持的视频格式（{facts.container}）。"
                    "请上传 MP4、MOV、MKV、AVI、TS、FLV 等常见视频文件。"
                )
            if not facts.has_video:
                raise RenderError(f"第 {number} 个素材（{name}）没有画面，不能作为视频素材。")
            if not facts.duration or facts.duration <= 0:
                raise RenderError(f"素材无法解码：第 {number} 个素材（{name}）读不出时长，可能已损坏。")
            seconds = min(source.seconds or facts.duration, facts.duration)
            pieces.append(graph.Piece(source.path, "video", round(seconds, 3), facts.has_audio, facts.interlaced))
        else:
            prepared = os.path.join(workdir, f"photo{number}.png")
            _prepare_image(source.path, prepared, width * _MAX_IMAGE_SIDE, height * _MAX_IMAGE_SIDE, number)
            seconds = source.seconds or PHOTO_SECONDS
            pieces.append(graph.Piece(prepared, "image", round(seconds, 3), False))
    return pieces


def _prepare_layout(spec: Spec, pieces: list[graph.Piece], width: int, height: int, workdir: str) -> graph.Layout:
    ass_file = logo = None
    logo_size = (0, 0)
    total = graph.total_seconds(pieces)
    title = text.Overlay(0.0, min(TITLE_SECONDS, total), spec.title) if spec.title.strip() else None
    captions, start = [], 0.0
    for source, piece in zip(spec.sources, pieces):
        if source.kind == "image" and source.caption.strip():
            captions.append(text.Overlay(start, start + piece.seconds, source.caption))
        start += piece.seconds
    cues = spec.cues if spec.subtitles == "burn" else ()
    if title or captions or cues:
        if not has_cjk_font():
            raise RenderError(
                "服务器缺少中文字体（Noto Sans CJK），无法压制标题和字幕。请管理员安装：apt-get install fonts-noto-cjk"
            )
        ass_file = os.path.join(workdir, "text.ass")
        _write_atomic(ass_file, text.ass_document(cues, width, height, title=title, captions=captions))
    if spec.logo:
        logo = os.path.join(workdir, "logo.png")
        logo_size = _prepare_logo(spec.logo, logo, round(width * graph.LOGO_WIDTH))
    music = None
    if spec.music:
        if not os.path.isfile(spec.music):
            raise RenderError("找不到背景音乐文件：它可能已被删除。请重新选择音乐。")
        facts = probe(spec.music)
        if not graph.allowed_container(facts.container, graph.AUDIO_DEMUXERS):
            raise RenderError(f"背景音乐（{os.path.basename(spec.music)}）不是支持的音频格式，请换 MP3、M4A、WAV 等常见音频文件。")
        if not facts.has_audio:
            raise RenderError(f"背景音乐（{os.path.basename(spec.music)}）里没有声音，请换一个音频文件。")
        music = spec.music
    return graph.Layout(
        width=width, height=height, fit=spec.fit, crop_x=float(spec.crop_x),
        ass_file=ass_file, logo=logo, logo_size=logo_size, logo_position=spec.logo_position, music=music,
    )


@functools.lru_cache(maxsize=1)
def has_cjk_font() -> bool:
    """Whether fontconfig knows Noto Sans CJK SC. Without it libass would silently draw
    empty boxes for every Chinese character, so burning text is refused instead. True
    when fc-list itself is missing (fontconfig is then not asked, and ffmpeg decides)."""
    try:
        found = subprocess.run(
            ["fc-list", f":family={text.FONT_FAMILY}", "family"],
            capture_output=True, timeout=10, check=False, stdin=subprocess.DEVNULL,
        )
    except (FileNotFoundError, PermissionError, subprocess.TimeoutExpired):
        return True
    return bool(found.stdout.strip())


def _prepare_image(path: str, out: str, max_w: int, max_h: int, number: int) -> None:
    """Upright (EXIF orientation), RGB, at most twice the frame — or RenderError."""
    try:
        with Image.open(path) as image:
            side = max(max_w, max_h)  # either way round: the EXIF turn comes after
            image.draft("RGB", (side, side))  # a JPEG decodes at 1/2, 1/4 or 1/8 size: much faster
            image = ImageOps.exif_transpose(image)
            image.thumbnail((max_w, max_h))
            image.convert("RGB").save(out, "PNG", compress_level=1)
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, Image.DecompressionBombError) as exc:
        raise RenderError(
            f"素材无法解码：第 {number} 个素材（{os.path.basename(path)}）不是能读取的图片，可能已损坏。", str(exc)
        ) from exc


def _prepare_logo(path: str, out: str, target_width: int) -> tuple[int, int]:
    """The logo as an RGBA PNG `target_width` wide (and no taller than wide), even sizes."""
    try:
        with Image.open(path) as image:
            logo = ImageOps.exif_transpose(image).convert("RGBA")
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, Image.DecompressionBombError) as exc:
        raise RenderError("台标图片无法读取：请在中心设置里重新上传 PNG 或 JPEG 格式的台标。", str(exc)) from exc
    scale = min(target_width / logo.width, target_width / logo.height)
    size = (max(2, round(logo.width * scale / 2) * 2), max(2, round(logo.height * scale / 2) * 2))
    logo.resize(size, Image.LANCZOS).save(out, "PNG")
    return size


def _write_atomic(path: str, content: str) -> None:
    partial = path + ".part"
    with open(partial, "w", encoding="utf-8") as handle:
        handle.write(content)
    os.replace(partial, path)


def _remove(path: str) -> None:
    try:
        os.remove(path)
    except FileNotFoundError:
        pass


def _sha256(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _moov_first(path: str) -> bool:
    """True when an MP4/MOV's top-level `moov` box comes before `mdat` (faststart)."""
    try:
        with open(path, "rb") as handle:
            offset = 0
            end = os.fstat(handle.fileno()).st_size
            while offset + 8 <= end:
                handle.seek(offset)
                header = handle.read(16)
                size, kind = struct.unpack(">I4s", header[:8])
                if size == 1 and len(header) >= 16:
                    size = struct.unpack(">Q", header[8:16])[0]
                elif size == 0:
                    size = end - offset
                if kind == b"moov":
                    return True
                if kind == b"mdat" or size < 8:
                    return False
                offset += size
    except (OSError, struct.error):
        return False
    return False


def _rate(value: Any) -> float:
    try:
        num, _, den = str(value).partition("/")
        return round(float(num) / float(den or 1), 3) if float(den or 1) else 0.0
    except (TypeError, ValueError):
        return 0.0


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
