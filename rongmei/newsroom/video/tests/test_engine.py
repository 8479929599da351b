"""The video engine against the real ffmpeg: small clips made by ffmpeg itself (testsrc2 and a
sine tone), rendered to full 1080×1920 / 1920×1080 files and checked with ffprobe and by
comparing frames pixel by pixel.

Renders are shared between tests through module-scoped fixtures (each costs one to two
seconds on a shared core), so the file stays well under a minute.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import threading

import pytest
from PIL import Image, ImageChops, ImageStat

from rongmei.newsroom.video import engine
from rongmei.newsroom.video.engine import (
    PLATFORM_LIMITS,
    Cancelled,
    Cue,
    RenderError,
    Source,
    Spec,
    format_srt,
    frame_at,
    parse_srt,
    probe,
    render,
)

pytestmark = pytest.mark.skipif(
    shutil.which("ffmpeg") is None or shutil.which("ffprobe") is None, reason="ffmpeg/ffprobe not installed"
)

THREADS = 2


def _ffmpeg(*args: str) -> None:
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", *args], check=True, timeout=60)


@pytest.fixture(scope="module")
def clips(tmp_path_factory):
    """A 1.5 s 640×360 clip with sound, a 1.5 s 360×640 silent one, three photos (a test card,
    a plain grey one, one stored sideways with an EXIF orientation), a logo, a music file and a text file named .mp4."""
    folder = tmp_path_factory.mktemp("clips")
    made = {
        "wide": folder / "wide.mp4",
        "tall": folder / "tall.mp4",
        "photo": folder / "photo.jpg",
        "gray": folder / "gray.png",
        "sideways": folder / "sideways.jpg",
        "logo": folder / "logo.png",
        "music": folder / "music.m4a",
        "fake": folder / "fake.mp4",
    }
    _ffmpeg("-f", "lavfi", "-i", "testsrc2=duration=1.5:size=640x360:rate=25", "-f", "lavfi", "-i",
            "sine=frequency=440:duration=1.5", "-shortest", "-c:v", "libx264", "-preset", "ultrafast",
            "-pix_fmt", "yuv420p", "-c:a", "aac", str(made["wide"]))
    _ffmpeg("-f", "lavfi", "-i", "testsrc2=duration=1.5:size=360x640:rate=30", "-c:v", "libx264",
            "-preset", "ultrafast", "-pix_fmt", "yuv420p", str(made["tall"]))
    _ffmpeg("-f", "lavfi", "-i", "testsrc2=size=800x600", "-frames:v", "1", str(made["photo"]))
    Image.new("RGB", (800, 600), (128, 128, 128)).save(made["gray"])
    sideways = Image.new("RGB", (600, 300), (200, 30, 30))
    sideways.paste((30, 30, 200), (0, 0, 300, 300))  # left half blue: after turning, the top is blue
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90° clockwise to display"
    sideways.save(made["sideways"], "JPEG", exif=exif)
    Image.new("RGBA", (300, 150), (255, 0, 0, 255)).save(made["logo"])
    _ffmpeg("-f", "lavfi", "-i", "sine=frequency=220:duration=1", "-c:a", "aac", str(made["music"]))
    made["fake"].write_text("这不是视频，只是一个改了扩展名的文本文件。\n" * 20, encoding="utf-8")
    return {key: str(path) for key, path in made.items()}


@pytest.fixture(scope="module")
def out(tmp_path_factory):
    return tmp_path_factory.mktemp("out")


def _render(spec: Spec, path, **kwargs):
    return render(spec, str(path), threads=THREADS, **kwargs)


def _frame(path: str, seconds: float) -> Image.Image:
    """The decoded frame at `seconds`, losslessly (PNG), as RGB."""
    png = subprocess.run(
        ["ffmpeg", "-nostdin", "-v", "error", "-ss", f"{seconds:.3f}", "-i", path, "-frames:v", "1",
         "-f", "image2pipe", "-c:v", "png", "pipe:1"],
        capture_output=True, check=True, timeout=30,
    ).stdout
    return Image.open(io.BytesIO(png)).convert("RGB")


def _mean_difference(a: Image.Image, b: Image.Image, box) -> float:
    diff = ImageChops.difference(a.crop(box), b.crop(box)).convert("L")
    return ImageStat.Stat(diff).mean[0]


@pytest.fixture(scope="module")
def plain(clips, out):
    """Vertical, crop at the centre, no text: the baseline other renders are compared with."""
    progress: list[float] = []
    result = _render(Spec(shape="vertical", sources=(Source(clips["wide"], "video"),)), out / "plain.mp4",
                     on_progress=progress.append)
    return result, progress


@pytest.fixture(scope="module")
def subtitled(clips, out):
    cue = Cue(0.2, 1.2, "县融媒体中心测试字幕")
    spec = Spec(shape="vertical", sources=(Source(clips["wide"], "video"),), cues=(cue,))
    return _render(spec, out / "subtitled.mp4")


def test_vertical_crop_is_a_platform_ready_mp4(plain):
    result, _ = plain
    facts = probe(result.path)
    assert (result.width, result.height) == (1080, 1920)
    assert (facts.width, facts.height) == (1080, 1920)
    assert facts.video_codec == "h264" and facts.profile == "High" and facts.level == 41
    assert facts.pix_fmt == "yuv420p"
    assert facts.fps == 25.0
    assert facts.audio_codec == "aac" and facts.audio_rate == 48000 and facts.audio_channels == 2
    assert facts.faststart is True
    assert abs(facts.duration - 1.5) <= 0.2
    assert result.size == os.path.getsize(result.path)
    assert len(result.sha256) == 64 and result.srt == ""
    assert not os.path.exists(result.path + ".part")


def test_progress_rises_to_one_hundred(plain):
    _, progress = plain
    assert progress, "no progress reported"
    assert progress == sorted(progress)
    assert progress[-1] == 100.0
    assert all(0 <= p <= 100 for p in progress)


def test_burned_subtitle_changes_only_its_band(plain, subtitled):
    without = _frame(plain[0].path, 0.7)
    with_text = _frame(subtitled.path, 0.7)
    # the subtitle sits a fifth of the height above the bottom (clear of the platform's buttons)
    band = (0, int(1920 * 0.70), 1080, int(1920 * 0.82))
    above = (0, 0, 1080, int(1920 * 0.6))
    during = _mean_difference(without, with_text, band)
    assert during > 4.0
    assert _mean_difference(without, with_text, above) < 0.5
    # and it is gone after its end time (what is left is the encoder's residue, a few levels)
    after = _mean_difference(_frame(plain[0].path, 1.4), _frame(subtitled.path, 1.4), band)
    assert after < 2.0 and after < during / 4


def test_blur_fill_differs_from_crop(clips, out, plain):
    blurred = _render(Spec(shape="vertical", sources=(Source(clips["wide"], "video"),), fit="blur"), out / "blur.mp4")
    crop, fill = _frame(plain[0].path, 0.7), _frame(blurred.path, 0.7)
    top = (0, 0, 1080, 300)  # blur: a blurred copy above the picture; crop: the test card itself
    middle = (0, 900, 1080, 1020)
    assert _mean_difference(crop, fill, top) > 10
    # the blurred band is smooth: little difference between neighbouring pixels
    band = fill.crop(top).convert("L")
    shifted = band.transform(band.size, Image.AFFINE, (1, 0, 2, 0, 1, 0))
    assert ImageStat.Stat(ImageChops.difference(band, shifted)).mean[0] < 3
    # the whole 16:9 picture is in the middle of the blur version, scaled to the width
    assert _mean_difference(crop, fill, middle) > 5


def test_crop_position_moves_the_window(clips, out, plain):
    left = _render(Spec(shape="vertical", sources=(Source(clips["wide"], "video"),), crop_x=0.0), out / "left.mp4")
    assert _mean_difference(_frame(plain[0].path, 0.7), _frame(left.path, 0.7), (0, 0, 1080, 1920)) > 10


def test_logo_in_its_corner_and_side_subtitles_not_burned(clips, out, plain):
    cues = (Cue(0.2, 1.2, "县融媒体中心测试字幕"),)
    spec = Spec(shape="vertical", sources=(Source(clips["wide"], "video"),), logo=clips["logo"],
                logo_position="bottom_left", cues=cues, subtitles="side")
    result = _render(spec, out / "logo.mp4")
    base, marked = _frame(plain[0].path, 0.7), _frame(result.path, 0.7)
    # 12 % of 1080 = 130 px wide (65 high), 4 % margin = 43 px from the left and bottom edges
    corner = (50, 1920 - 43 - 60, 160, 1920 - 50)
    assert _mean_difference(base, marked, corner) > 40
    red = marked.crop(corner).resize((1, 1)).getpixel((0, 0))
    assert red[0] > 200 and red[1] < 60 and red[2] < 60
    assert _mean_difference(base, marked, (1080 - 200, 0, 1080, 200)) < 0.5
    # the subtitles went to a file beside the video, not into the picture
    assert result.srt == format_srt(cues)
    assert (out / "logo.srt").read_text(encoding="utf-8") == result.srt
    band = (0, int(1920 * 0.70), 1080, int(1920 * 0.82))
    assert _mean_difference(base, marked, band) < 2.0  # encoder residue only; burned text gives > 4


def test_slideshow_with_title_captions_and_silent_sound(clips, out):
    spec = Spec(
        shape="horizontal",
        sources=(Source(clips["gray"], "image", caption="新修的步行街今天开放", seconds=1.0),
                 Source(clips["sideways"], "image", seconds=1.0)),
        title="示例县：步行街开放",
    )
    result = _render(spec, out / "slides.mp4")
    facts = probe(result.path)
    assert (facts.width, facts.height) == (1920, 1080)
    assert abs(facts.duration - 2.0) <= 0.2
    assert facts.audio_codec == "aac"  # a silent track: platforms refuse video without sound
    first = _frame(result.path, 0.5).convert("L")
    # the photo is plain grey: white letters on a dark box where the headline and caption are,
    # untouched grey between them
    title, caption, between = (300, 40, 1620, 200), (300, 680, 1620, 860), (300, 350, 1620, 600)
    for box in (title, caption):
        low, high = first.crop(box).getextrema()
        assert high > 220 and low < 90, box
    assert ImageStat.Stat(first.crop(between)).stddev[0] < 3
    sideways = _frame(result.path, 1.5)
    # the sideways photo was turned upright: blue (its left half as stored) is now on top
    top = sideways.crop((900, 300, 1020, 400)).resize((1, 1)).getpixel((0, 0))
    bottom = sideways.crop((900, 700, 1020, 800)).resize((1, 1)).getpixel((0, 0))
    assert top[2] > 150 > top[0] and bottom[0] > 150 > bottom[2]


def test_music_is_mixed_under_a_silent_clip(clips, out):
    spec = Spec(shape="vertical", sources=(Source(clips["tall"], "video"),), music=clips["music"])
    result = _render(spec, out / "music.mp4")
    facts = probe(result.path)
    assert abs(facts.duration - 1.5) <= 0.2 and facts.audio_codec == "aac"
    # the music (1 s) is looped to the video's length: sound after its first second too
    levels = subprocess.run(
        ["ffmpeg", "-nostdin", "-ss", "1.0", "-t", "0.3", "-i", result.path, "-af", "volumedetect", "-f", "null", "-"],
        capture_output=True, text=True, timeout=30, check=True,
    ).stderr
    mean = float(levels.split("mean_volume:")[1].split("dB")[0])
    assert mean > -40


def test_cancel_stops_ffmpeg_and_leaves_no_file(clips, out):
    target = out / "cancelled.mp4"
    started = threading.Event()
    spec = Spec(shape="vertical", sources=(Source(clips["photo"], "image", seconds=30.0),), fit="blur")
    with pytest.raises(Cancelled):
        _render(spec, target, on_progress=lambda p: started.set(), cancelled=started.is_set)
    assert not target.exists()
    assert not (out / "cancelled.mp4.part").exists()


def test_text_file_named_mp4_is_refused_in_chinese(clips, out):
    target = out / "bad.mp4"
    with pytest.raises(RenderError) as caught:
        _render(Spec(shape="vertical", sources=(Source(clips["fake"], "video"),)), target)
    assert "素材无法解码" in caught.value.message
    assert "fake.mp4" in caught.value.message
    assert not target.exists()


def test_douyin_duration_limit_refused_before_rendering(clips, out):
    photos = tuple(Source(clips["photo"], "image", seconds=60.0) for _ in range(16))  # 16 minutes
    target = out / "long.mp4"
    with pytest.raises(RenderError) as caught:
        _render(Spec(shape="vertical", sources=photos, platform="douyin"), target)
    assert "超过抖音上限 15 分钟" in caught.value.message
    assert not target.exists()
    assert PLATFORM_LIMITS["douyin"].max_seconds == 900
    assert PLATFORM_LIMITS["douyin"].source.startswith("https://open.douyin.com/")


def test_bad_spec_is_refused_in_chinese(clips, out):
    with pytest.raises(RenderError, match="至少需要一段视频或一张图片"):
        _render(Spec(shape="vertical", sources=()), out / "x.mp4")
    with pytest.raises(RenderError, match="最多用 50 个素材"):
        _render(Spec(shape="vertical", sources=(Source(clips["photo"], "image"),) * 51), out / "x.mp4")
    with pytest.raises(RenderError, match="裁切位置"):
        _render(Spec(shape="vertical", sources=(Source(clips["wide"], "video"),), crop_x=1.5), out / "x.mp4")
    with pytest.raises(RenderError, match="找不到第 1 个素材"):
        _render(Spec(shape="vertical", sources=(Source("/nonexistent/a.mp4", "video"),)), out / "x.mp4")
    assert not (out / "x.mp4").exists()


def test_frame_at_writes_the_chosen_cover(plain, out):
    cover = out / "cover.jpg"
    frame_at(plain[0].path, 0.7, str(cover))
    with Image.open(cover) as image:
        assert image.format == "JPEG" and image.size == (1080, 1920)
    with pytest.raises(RenderError, match="不在视频范围内"):
        frame_at(plain[0].path, 9.0, str(out / "late.jpg"))


def test_parse_srt_round_trip_and_tolerance():
    text = "\ufeff1\r\n00:00:01,000 --> 00:00:03.5\r\n第一行\r\n第二行\r\n\r\n\r\n2\r\n00:00:04,000 --> 00:00:05,250\r\n好\r\n"
    cues = parse_srt(text)
    assert cues == (Cue(1.0, 3.5, "第一行\n第二行"), Cue(4.0, 5.25, "好"))
    assert parse_srt(format_srt(cues)) == cues
    assert format_srt(cues).startswith("1\n00:00:01,000 --> 00:00:03,500\n第一行\n第二行\n")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1\n00:00:01,000 --> 00:00:02,000\n好\n\n2\n00:00:03 -> 00:00:04\n坏\n", "第 2 条字幕（第 6 行）的时间看不懂"),
        ("1\n00:00:05,000 --> 00:00:02,000\n倒了\n", "第 1 条字幕（第 2 行）的结束时间 00:00:02,000 不晚于开始时间 00:00:05,000"),
        ("1\n00:00:01,000 --> 00:00:02,000\n\n", "第 1 条字幕（第 1 行起）没有文字"),
        ("1\n00:00:01,000 --> 00:00:02,000\n好\n\n7\n", "第 2 条字幕（第 5 行）只有序号"),
    ],
)
def test_parse_srt_errors_name_cue_and_line(text, expected):
    with pytest.raises(ValueError) as caught:
        parse_srt(text)
    assert expected in str(caught.value)


def test_engine_module_exports_the_interface():
    for name in ("render", "probe", "frame_at", "parse_srt", "format_srt", "Spec", "Source", "Cue",
                 "Result", "RenderError", "Cancelled", "PLATFORM_LIMITS"):
        assert hasattr(engine, name)
