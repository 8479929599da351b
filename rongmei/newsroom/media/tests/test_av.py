"""probe_av and poster_frame: facts from ffprobe, a poster from ffmpeg, and never an
exception for a missing tool or a broken file."""

from __future__ import annotations

import io
import os
import stat
from pathlib import Path

import pytest
from PIL import Image

from rongmei.newsroom.media import FFMPEG_MISSING, AvInfo, poster_frame, probe_av
from rongmei.newsroom.media.tests.conftest import needs_ffmpeg

NOWHERE = "/nonexistent/bin/ffprobe"


@needs_ffmpeg
def test_probe_reads_duration_codecs_and_size(av_files: dict[str, Path]) -> None:
    info = probe_av(str(av_files["clip.mp4"]))
    assert info.ok and info.has_video
    assert info.duration == pytest.approx(3.0, abs=0.1)
    assert (info.video_codec, info.audio_codec) == ("h264", "aac")
    assert (info.width, info.height, info.rotation) == (320, 240, 0)
    assert "mp4" in info.container


@needs_ffmpeg
def test_an_upright_phone_video_is_reported_upright(av_files: dict[str, Path]) -> None:
    info = probe_av(str(av_files["upright.mp4"]))
    assert info.rotation in (90, 270)
    assert (info.width, info.height) == (240, 320)


@needs_ffmpeg
def test_audio_has_no_picture(av_files: dict[str, Path]) -> None:
    info = probe_av(str(av_files["voice.mp3"]))
    assert info.ok and not info.has_video
    assert info.audio_codec == "mp3"
    assert info.duration == pytest.approx(3.0, abs=0.1)
    assert (info.width, info.height) == (None, None)


@needs_ffmpeg
def test_poster_frame_is_a_jpeg_of_the_picture(av_files: dict[str, Path]) -> None:
    poster = poster_frame(str(av_files["clip.mp4"]))
    assert poster is not None
    image = Image.open(io.BytesIO(poster))
    assert (image.format, image.size) == ("JPEG", (320, 240))


@needs_ffmpeg
def test_poster_frame_of_an_upright_video_is_upright(av_files: dict[str, Path]) -> None:
    poster = poster_frame(str(av_files["upright.mp4"]))
    assert poster is not None
    assert Image.open(io.BytesIO(poster)).size == (240, 320)


@needs_ffmpeg
def test_poster_frame_past_the_end_falls_back_to_the_first_frame(av_files: dict[str, Path]) -> None:
    assert poster_frame(str(av_files["clip.mp4"]), at_seconds=60) is not None


@needs_ffmpeg
def test_audio_has_no_poster(av_files: dict[str, Path]) -> None:
    assert poster_frame(str(av_files["voice.ogg"])) is None


@needs_ffmpeg
def test_a_broken_file_gives_a_message_not_an_exception(tmp_path: Path) -> None:
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(b"\x00\x00\x00\x20ftypisom" + os.urandom(2000))
    info = probe_av(str(broken))
    assert not info.ok and not info.missing
    assert info.error.startswith("无法读取这个音视频文件")
    assert "文件已保存" in info.error
    assert info.detail  # ffprobe's own words, for the log
    assert poster_frame(str(broken)) is None


@needs_ffmpeg
def test_a_url_is_not_fetched(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    info = probe_av("http://127.0.0.1:9/internal.mp4")
    assert info.error  # looked for as a local file, not requested over the network
    assert info.detail.startswith(f"file:{tmp_path}/http:/127.0.0.1:9/internal.mp4")


def test_missing_ffprobe_is_reported_and_nothing_raises(av_files_or_dummy: Path) -> None:
    info = probe_av(str(av_files_or_dummy), ffprobe=NOWHERE)
    assert info == AvInfo(missing=FFMPEG_MISSING, detail=info.detail)
    assert info.missing == "ffmpeg 未安装，无法读取时长和封面帧；文件已保存。安装方法：apt-get install ffmpeg"
    assert not info.ok and info.duration is None


def test_missing_ffmpeg_gives_no_poster(av_files_or_dummy: Path) -> None:
    assert poster_frame(str(av_files_or_dummy), ffmpeg="/nonexistent/bin/ffmpeg", ffprobe=NOWHERE) is None


def test_a_hanging_tool_is_stopped_by_the_timeout(tmp_path: Path, av_files_or_dummy: Path) -> None:
    slow = tmp_path / "slow-ffprobe"
    slow.write_text("#!/bin/sh\nexec sleep 10\n")
    slow.chmod(slow.stat().st_mode | stat.S_IEXEC)
    info = probe_av(str(av_files_or_dummy), ffprobe=str(slow), timeout=0.5)
    assert info.error.startswith("读取音视频信息超时（超过 0.5 秒），文件已保存。")


@pytest.fixture
def av_files_or_dummy(tmp_path: Path) -> Path:
    """Any file: the tool is never reached in these tests."""
    path = tmp_path / "clip.mp4"
    path.write_bytes(b"\x00\x00\x00\x20ftypisom" + bytes(100))
    return path
