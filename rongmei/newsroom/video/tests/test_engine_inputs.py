"""The video engine with awkward inputs: phone clips stored sideways, interlaced TV footage,
files that are not what they claim, a render that runs out of time — and the pure helpers
(ffmpeg's errors in Chinese, platform size limits, wrapping Chinese lines)."""

from __future__ import annotations

import io
import shutil
import subprocess

import pytest
from PIL import Image

from rongmei.newsroom.video import graph, limits, text
from rongmei.newsroom.video.engine import Cue, RenderError, Source, Spec, probe, render
from rongmei.newsroom.video.runner import explain

needs_ffmpeg = pytest.mark.skipif(
    shutil.which("ffmpeg") is None or shutil.which("ffprobe") is None, reason="ffmpeg/ffprobe not installed"
)


def _ffmpeg(*args: str) -> None:
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", *args], check=True, timeout=60)


def _frame(path: str, seconds: float) -> Image.Image:
    png = subprocess.run(
        ["ffmpeg", "-nostdin", "-v", "error", "-ss", f"{seconds:.3f}", "-i", path, "-frames:v", "1",
         "-f", "image2pipe", "-c:v", "png", "pipe:1"],
        capture_output=True, check=True, timeout=30,
    ).stdout
    return Image.open(io.BytesIO(png)).convert("RGB")


def _colour(image: Image.Image, box) -> tuple[int, int, int]:
    return image.crop(box).resize((1, 1)).getpixel((0, 0))


@needs_ffmpeg
def test_phone_clip_stored_sideways_is_rendered_upright(tmp_path):
    # stored 640×360, left half blue and right half red, flagged "display turned 90°":
    # shown upright it is 360×640 with one colour on top and the other below
    stored = tmp_path / "stored.mp4"
    _ffmpeg("-f", "lavfi", "-i", "color=c=blue:s=320x360:d=1:r=25", "-f", "lavfi", "-i", "color=c=red:s=320x360:d=1:r=25",
            "-filter_complex", "[0:v][1:v]hstack", "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", str(stored))
    phone = tmp_path / "phone.mp4"
    _ffmpeg("-i", str(stored), "-c", "copy", "-metadata:s:v:0", "rotate=90", str(phone))
    facts = probe(str(phone))
    assert (facts.width, facts.height) == (360, 640) and facts.rotation in (90, 270)
    result = render(Spec(shape="vertical", sources=(Source(str(phone), "video"),)), str(tmp_path / "out.mp4"), threads=2)
    frame = _frame(result.path, 0.5)
    top, bottom = _colour(frame, (200, 100, 880, 800)), _colour(frame, (200, 1120, 880, 1820))
    left, right = _colour(frame, (0, 100, 400, 800)), _colour(frame, (680, 100, 1080, 800))
    assert max(abs(a - b) for a, b in zip(top, bottom)) > 150  # the split runs across
    assert max(abs(a - b) for a, b in zip(left, right)) < 30  # not down the middle


@needs_ffmpeg
def test_interlaced_tv_footage_is_deinterlaced(tmp_path):
    tv = tmp_path / "tv.mp4"
    _ffmpeg("-f", "lavfi", "-i", "testsrc2=duration=1:size=720x576:rate=25", "-flags", "+ilme+ildct", "-top", "1",
            "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", str(tv))
    assert probe(str(tv)).interlaced
    result = render(Spec(shape="horizontal", sources=(Source(str(tv), "video"),)), str(tmp_path / "out.mp4"), threads=2)
    facts = probe(result.path)
    assert (facts.width, facts.height) == (1920, 1080) and not facts.interlaced
    assert abs(facts.duration - 1.0) <= 0.2
    argv = graph.build_command([graph.Piece(str(tv), "video", 1.0, False, True)], graph.Layout(1920, 1080), "x.mp4")
    assert "bwdif" in argv[argv.index("-filter_complex") + 1]


@needs_ffmpeg
def test_sound_only_file_as_video_is_refused(tmp_path):
    voice = tmp_path / "voice.m4a"
    _ffmpeg("-f", "lavfi", "-i", "sine=duration=1", "-c:a", "aac", str(voice))
    with pytest.raises(RenderError, match="没有画面"):
        render(Spec(shape="vertical", sources=(Source(str(voice), "video"),)), str(tmp_path / "out.mp4"))
    assert not (tmp_path / "out.mp4").exists()


@needs_ffmpeg
def test_text_file_named_jpg_is_refused_in_chinese(tmp_path):
    fake = tmp_path / "photo.jpg"
    fake.write_text("不是图片", encoding="utf-8")
    with pytest.raises(RenderError) as caught:
        render(Spec(shape="vertical", sources=(Source(str(fake), "image"),)), str(tmp_path / "out.mp4"))
    assert "素材无法解码" in caught.value.message and "photo.jpg" in caught.value.message


@needs_ffmpeg
def test_timeout_stops_ffmpeg_and_leaves_no_file(tmp_path):
    photo = tmp_path / "photo.png"
    Image.new("RGB", (800, 600), (10, 120, 200)).save(photo)
    target = tmp_path / "slow.mp4"
    spec = Spec(shape="vertical", sources=(Source(str(photo), "image", seconds=60.0),) * 3, fit="blur")
    with pytest.raises(RenderError, match="超时"):
        render(spec, str(target), timeout=1.0)
    assert not target.exists() and not (tmp_path / "slow.mp4.part").exists()


@pytest.mark.parametrize(
    ("stderr", "expected"),
    [
        ("[mp4 @ 0x1] Error writing trailer: No space left on device", "磁盘空间不足"),
        ("file:/x/a.mp4: Invalid data found when processing input", "有素材无法解码"),
        ("[mov,mp4 @ 0x1] moov atom not found", "有素材无法解码"),
        ("Stream map '0:v' matches no streams.", "没有可用的画面或声音"),
        ("file:/x/a.mp4: No such file or directory", "找不到素材文件"),
        ("[Parsed_ass_0] Unable to open font", "缺少中文字体"),
        ("something nobody has seen before", "视频生成失败"),
    ],
)
def test_ffmpeg_errors_are_told_in_chinese(stderr, expected):
    assert expected in explain(stderr)


def test_platform_limits_are_documented_and_enforced():
    douyin = limits.PLATFORM_LIMITS["douyin"]
    assert douyin.max_bytes == 4 * 1024**3 and douyin.max_seconds == 15 * 60
    assert "超过抖音上限 4 GB" in limits.check_size("douyin", 5 * 1024**3)
    assert limits.check_size("douyin", 100 * 1024**2) == ""
    assert limits.check_duration("douyin", 900) == ""
    assert "15 分钟" in limits.check_duration("douyin", 901)
    for name in ("kuaishou", "channels"):  # no documented limit: nothing refused, and it says so
        assert limits.PLATFORM_LIMITS[name].max_seconds is None
        assert limits.check_duration(name, 10 * 3600) == "" and limits.check_size(name, 10 * 1024**3) == ""
        assert "没有" in limits.PLATFORM_LIMITS[name].note or "未写明" in limits.PLATFORM_LIMITS[name].note
    with pytest.raises(RenderError, match="不认识的平台"):
        Spec(shape="vertical", sources=(Source("a.mp4", "video"),), platform="myspace").validate()


def test_chinese_lines_wrap_evenly_and_never_start_with_punctuation():
    caption = "县城新修的步行街今天开放，市民纷纷前来游览"
    lines = text.balanced_wrap(caption, 19).split("\n")
    assert "".join(lines) == caption and len(lines) == 2
    assert abs(len(lines[0]) - len(lines[1])) <= 2
    wrapped = text.wrap("一二三四五，六七八", 5).split("\n")
    assert not any(line[0] in "，。" for line in wrapped)
    assert text.wrap("Rongmei platform", 5).split("\n") == ["Rongmei", "platform"]  # Latin words kept whole
    assert text.wrap("很长" * 20, 4, max_lines=2).endswith("…")


def test_subtitle_text_cannot_inject_ass_commands():
    document = text.ass_document([Cue(0, 1, r"{\pos(0,0)}坏\N字幕")], 1080, 1920)
    dialogue = next(line for line in document.splitlines() if line.startswith("Dialogue:"))
    assert "{" not in dialogue and "\\pos" not in dialogue and "｛＼pos(0,0)｝坏＼N字幕" in dialogue
    assert "PlayResX: 1080" in document and "PlayResY: 1920" in document


def test_spec_survives_a_trip_through_json():
    import json

    spec = Spec(shape="horizontal", sources=(Source("a.mp4", "video", seconds=4.0), Source("b.jpg", "image", caption="说明")),
                fit="blur", crop_x=0.3, title="标题", cues=(Cue(0.5, 1.5, "字幕"),), subtitles="side",
                logo="logo.png", logo_position="bottom_left", platform="douyin", music="m.mp3")
    assert Spec.from_json(json.loads(json.dumps(spec.to_json()))) == spec
    with pytest.raises(RenderError, match="视频设置已损坏"):
        Spec.from_json({"shape": "vertical", "sources": [{"kind": "video"}]})


@needs_ffmpeg
def test_concat_list_renamed_mp4_cannot_pull_in_another_file(tmp_path):
    # another center's clip lies next to it; an ffconcat list naming it, uploaded as "video.mp4"
    other = tmp_path / "other.mp4"
    _ffmpeg("-f", "lavfi", "-i", "testsrc2=duration=1:size=320x240:rate=25", "-c:v", "libx264", "-preset", "ultrafast",
            "-pix_fmt", "yuv420p", str(other))
    sneaky = tmp_path / "video.mp4"
    sneaky.write_text("ffconcat version 1.0\nfile other.mp4\n", encoding="utf-8")
    assert probe(str(sneaky)).container == "concat"  # ffprobe does follow it
    with pytest.raises(RenderError, match="不是支持的视频格式"):
        render(Spec(shape="vertical", sources=(Source(str(sneaky), "video"),)), str(tmp_path / "out.mp4"))
    assert not (tmp_path / "out.mp4").exists()
    argv = graph.build_command([graph.Piece(str(sneaky), "video", 1.0)], graph.Layout(1080, 1920), "x.mp4")
    assert argv[argv.index("-format_whitelist") + 1].split(",")[0] == "mov"
    assert "concat" not in argv[argv.index("-format_whitelist") + 1].split(",")
