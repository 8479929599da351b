"""Audio and video made once per run with ffmpeg's test sources (a colour test card and a
sine tone). Tests that need them are skipped when ffmpeg is not installed; the "ffmpeg
missing" behaviour itself is tested by pointing the code at a path that does not exist."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

FFMPEG = shutil.which("ffmpeg")
needs_ffmpeg = pytest.mark.skipif(
    FFMPEG is None or shutil.which("ffprobe") is None, reason="ffmpeg/ffprobe not installed"
)

_CARD = ["-f", "lavfi", "-i", "testsrc=duration=3:size=320x240:rate=25"]
_TONE = ["-f", "lavfi", "-i", "sine=duration=3"]
_RECIPES: dict[str, list[str]] = {
    "clip.mp4": [*_CARD, *_TONE, "-shortest", "-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac"],
    "clip.mov": [*_CARD, *_TONE, "-shortest", "-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac"],
    "clip.3gp": [
        "-f", "lavfi", "-i", "testsrc=duration=1:size=176x144:rate=15", *_TONE,
        "-shortest", "-c:v", "h263", "-c:a", "aac", "-ar", "8000",
    ],
    "clip.webm": ["-f", "lavfi", "-i", "testsrc=duration=1:size=160x120:rate=10", "-c:v", "libvpx", "-b:v", "200k"],
    "voice.m4a": [*_TONE, "-c:a", "aac"],
    "voice.3gp": [*_TONE, "-c:a", "aac", "-ar", "8000"],  # older Android recorders
    "voice_isom.mp4": [*_TONE, "-c:a", "aac"],  # a phone recording with a video's brand
    "voice.mp3": [*_TONE, "-c:a", "libmp3lame"],
    "voice.ogg": [*_TONE, "-c:a", "libvorbis"],
}


@pytest.fixture(scope="session")
def av_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    if FFMPEG is None:
        pytest.skip("ffmpeg not installed")
    folder = tmp_path_factory.mktemp("av")
    made = {}
    for name, recipe in _RECIPES.items():
        made[name] = folder / name
        subprocess.run([FFMPEG, "-v", "error", "-y", *recipe, str(made[name])], check=True, timeout=60)
    made["upright.mp4"] = folder / "upright.mp4"  # shot holding the phone upright
    subprocess.run(
        [FFMPEG, "-v", "error", "-y", "-i", str(made["clip.mp4"]), "-c", "copy",
         "-metadata:s:v:0", "rotate=90", str(made["upright.mp4"])],
        check=True, timeout=60,
    )
    return made
