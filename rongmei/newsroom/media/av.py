"""Duration, codecs and a poster frame for audio and video, read with ffprobe and ffmpeg.

Neither tool is a Python dependency: a center may not have installed them yet, and a file
may be broken. Neither case may cost the reporter the upload, so nothing here raises: a
missing tool or an unreadable file comes back as a message in `AvInfo` (or as no poster),
and the asset is saved without a duration.

The tools run as subprocesses with an argument list (no shell), a timeout, and the input
given as `file:` with `-protocol_whitelist file`, so a crafted path or playlist cannot make
ffmpeg open a URL on the intranet.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
from dataclasses import dataclass
from typing import Any

from PIL import Image

FFMPEG_MISSING = "ffmpeg 未安装，无法读取时长和封面帧；文件已保存。安装方法：apt-get install ffmpeg"
UNREADABLE = (
    "无法读取这个音视频文件的时长和格式：文件可能已损坏或不完整（例如上传中断）。"
    "文件已保存；请确认它在电脑或手机上能正常播放，必要时重新上传。"
)
NO_STREAMS = "文件里没有找到可以播放的声音或画面，可能已损坏。文件已保存；请确认它能正常播放，必要时重新上传。"
_POSTER_QUALITY = 85


@dataclass(frozen=True)
class AvInfo:
    """What ffprobe found. `width` and `height` are as the video is displayed: a phone
    video shot upright is stored 1920×1080 with a 90° rotation flag and reported 1080×1920.

    `missing` is set when ffprobe is not installed, `error` when the file cannot be read;
    both are Chinese sentences for the reporter. `detail` is the tool's own words, for the
    log only."""

    duration: float | None = None
    container: str = ""
    video_codec: str | None = None
    audio_codec: str | None = None
    width: int | None = None
    height: int | None = None
    rotation: int = 0
    missing: str = ""
    error: str = ""
    detail: str = ""

    @property
    def ok(self) -> bool:
        return not (self.missing or self.error)

    @property
    def has_video(self) -> bool:
        return self.video_codec is not None


def probe_av(path: str, *, ffprobe: str = "ffprobe", ffmpeg: str = "ffmpeg", timeout: float = 30) -> AvInfo:
    """Read duration, codecs and picture size of an audio or video file.

    `ffmpeg` is accepted so one set of tool settings can be passed to both this and
    `poster_frame`; probing only runs `ffprobe`."""
    report = probe_report(path, ffprobe=ffprobe, timeout=timeout)
    if isinstance(report, AvInfo):
        return report
    return _av_info(report)


def probe_report(path: str, *, ffprobe: str = "ffprobe", timeout: float = 30) -> dict[str, Any] | AvInfo:
    """ffprobe's whole JSON report (format and streams), or an AvInfo saying why there is
    none. The video engine (newsroom/video) reads more of it than `probe_av` keeps: pixel
    format, frame rate, audio layout."""
    command = [
        ffprobe, "-v", "error", "-protocol_whitelist", "file",
        "-print_format", "json", "-show_format", "-show_streams", _as_input(path),
    ]
    outcome = _run(command, timeout)
    if isinstance(outcome, AvInfo):
        return outcome
    try:
        report = json.loads(outcome.stdout or b"{}")
    except ValueError:
        return AvInfo(error=UNREADABLE, detail="ffprobe printed no JSON")
    if outcome.returncode != 0 or not isinstance(report, dict):
        return AvInfo(error=UNREADABLE, detail=_stderr(outcome))
    return report


def poster_frame(
    path: str,
    *,
    at_seconds: float | None = None,
    ffmpeg: str = "ffmpeg",
    ffprobe: str = "ffprobe",
    timeout: float = 30,
) -> bytes | None:
    """A JPEG of one frame, for the video's poster: at `at_seconds`, or at a tenth of the
    duration (past the black fade-in most clips start with), or at 1 s when the duration
    is unknown. None when there is no picture, the file is broken or ffmpeg is missing."""
    if at_seconds is None:
        info = probe_av(path, ffprobe=ffprobe, timeout=timeout)
        at_seconds = info.duration / 10 if info.duration else 1.0
    frame = _grab_frame(path, max(0.0, at_seconds), ffmpeg, timeout)
    if frame is None and at_seconds > 0:
        frame = _grab_frame(path, 0.0, ffmpeg, timeout)  # seeking past the end gives nothing
    return frame


def _grab_frame(path: str, at_seconds: float, ffmpeg: str, timeout: float) -> bytes | None:
    """ffmpeg writes the frame as PNG (lossless, and rotated upright by ffmpeg's autorotate);
    Pillow then encodes the JPEG, so posters are encoded like every other rendition."""
    command = [
        ffmpeg, "-nostdin", "-v", "error", "-protocol_whitelist", "file",
        "-ss", f"{at_seconds:.3f}", "-i", _as_input(path),
        "-frames:v", "1", "-an", "-f", "image2pipe", "-c:v", "png", "pipe:1",
    ]
    outcome = _run(command, timeout)
    if isinstance(outcome, AvInfo) or outcome.returncode != 0 or not outcome.stdout:
        return None
    try:
        with Image.open(io.BytesIO(outcome.stdout), formats=["PNG"]) as frame:
            out = io.BytesIO()
            frame.convert("RGB").save(out, "JPEG", quality=_POSTER_QUALITY, progressive=True, optimize=True)
            return out.getvalue()
    except (OSError, ValueError, SyntaxError):
        return None


def _run(command: list[str], timeout: float) -> subprocess.CompletedProcess[bytes] | AvInfo:
    """Run a tool; a missing tool or a timeout comes back as an AvInfo saying so."""
    try:
        return subprocess.run(command, capture_output=True, timeout=timeout, check=False, stdin=subprocess.DEVNULL)
    except (FileNotFoundError, PermissionError, NotADirectoryError) as exc:
        return AvInfo(missing=FFMPEG_MISSING, detail=f"{command[0]}: {exc}")
    except subprocess.TimeoutExpired:
        return AvInfo(
            error=f"读取音视频信息超时（超过 {timeout:g} 秒），文件已保存。请稍后重试；如果一再超时，文件可能已损坏。",
            detail=f"{command[0]} timed out after {timeout:g} s",
        )


def _as_input(path: str) -> str:
    """`file:` plus an absolute path: a name starting with "-" is not an option, and one
    like "http://..." or "concat:..." is not a protocol."""
    return "file:" + os.path.abspath(path)


def _stderr(outcome: subprocess.CompletedProcess[bytes]) -> str:
    return (outcome.stderr or b"").decode("utf-8", "replace").strip()[:500]


def _av_info(report: dict[str, Any]) -> AvInfo:
    streams = [s for s in report.get("streams", []) if isinstance(s, dict)]
    video = next((s for s in streams if s.get("codec_type") == "video" and not _is_cover_art(s)), None)
    audio = next((s for s in streams if s.get("codec_type") == "audio"), None)
    if video is None and audio is None:
        return AvInfo(error=NO_STREAMS, detail="no audio or video stream")
    fmt = report.get("format") or {}
    rotation = _rotation(video) if video else 0
    width, height = (video.get("width"), video.get("height")) if video else (None, None)
    if rotation % 180 == 90:
        width, height = height, width
    return AvInfo(
        duration=_duration(fmt, video or audio or {}),
        container=str(fmt.get("format_name", "")),
        video_codec=video.get("codec_name") if video else None,
        audio_codec=audio.get("codec_name") if audio else None,
        width=width,
        height=height,
        rotation=rotation,
    )


def _is_cover_art(stream: dict[str, Any]) -> bool:
    """An MP3's or M4A's album picture is listed as a one-frame video stream."""
    return bool((stream.get("disposition") or {}).get("attached_pic"))


def _rotation(stream: dict[str, Any]) -> int:
    """Degrees (0, 90, 180, 270) from the display matrix, or the older `rotate` tag."""
    for side_data in stream.get("side_data_list") or []:
        if "rotation" in side_data:
            return int(float(side_data["rotation"])) % 360
    rotate = (stream.get("tags") or {}).get("rotate")
    try:
        return int(float(rotate)) % 360 if rotate is not None else 0
    except ValueError:
        return 0


def _duration(fmt: dict[str, Any], stream: dict[str, Any]) -> float | None:
    for value in (fmt.get("duration"), stream.get("duration")):
        if value is None:
            continue
        try:
            seconds = float(value)
        except (TypeError, ValueError):
            continue
        if seconds >= 0:
            return seconds
    return None


# The video engine (newsroom/video) builds its own ffmpeg command lines with the same
# input convention, reads the same facts from ffprobe's report and grabs the editor's
# cover frame the same way as posters.
ffmpeg_input = _as_input
av_info_from_report = _av_info
is_cover_art = _is_cover_art
grab_frame = _grab_frame
