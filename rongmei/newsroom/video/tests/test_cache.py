"""The demo data's render cache (cache.py through `engine.render(cache=…)`): the same
command on the same inputs is copied instead of rendered and measured the same; a changed
input renders again; the run's private paths do not change the key."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from rongmei.newsroom.video import cache, engine
from rongmei.newsroom.video.engine import Source, Spec, render

pytestmark = pytest.mark.skipif(
    shutil.which("ffmpeg") is None or shutil.which("ffprobe") is None, reason="ffmpeg/ffprobe not installed"
)


def _clip(path, pattern: str) -> str:
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i",
                    f"{pattern}=duration=0.6:size=320x180:rate=25", "-c:v", "libx264", "-preset", "ultrafast",
                    "-pix_fmt", "yuv420p", str(path)], check=True, timeout=60)
    return str(path)


def test_the_key_names_contents_not_private_paths(tmp_path):
    for run in ("one", "two"):
        (tmp_path / run).mkdir()
        (tmp_path / run / "text.ass").write_text("字幕", encoding="utf-8")
    keys = [cache.key(["ffmpeg", "-i", f"file:{tmp_path / run / 'text.ass'}", f"{tmp_path / run}/out.mp4"],
                      out=f"{tmp_path / run}/out.mp4", scratch=str(tmp_path / run)) for run in ("one", "two")]
    assert keys[0] == keys[1] and len(keys[0]) == 64
    (tmp_path / "two" / "text.ass").write_text("另一条字幕", encoding="utf-8")
    assert cache.key(["ffmpeg", "-i", f"file:{tmp_path / 'two' / 'text.ass'}", f"{tmp_path / 'two'}/out.mp4"],
                     out=f"{tmp_path / 'two'}/out.mp4", scratch=str(tmp_path / "two")) != keys[0]


def test_a_second_render_is_copied_and_a_changed_input_renders_again(tmp_path, monkeypatch):
    folder = tmp_path / "cache"
    spec = Spec(shape="vertical", sources=(Source(_clip(tmp_path / "clip.mp4", "testsrc2"), "video"),))
    first = render(spec, str(tmp_path / "first.mp4"), threads=2, cache=folder)
    assert len(list(folder.glob("*.mp4"))) == 1

    runs = []
    real = engine.run_ffmpeg
    monkeypatch.setattr(engine, "run_ffmpeg", lambda argv, **kw: (runs.append(argv), real(argv, **kw)))
    progress: list[float] = []
    again = render(spec, str(tmp_path / "again.mp4"), threads=2, cache=folder, on_progress=progress.append)
    assert runs == [] and progress == [100.0]
    assert (again.sha256, again.size, again.width, again.height, again.duration) == (
        first.sha256, first.size, first.width, first.height, first.duration)

    _clip(tmp_path / "clip.mp4", "smptebars")   # same path and command, other footage
    changed = render(spec, str(tmp_path / "changed.mp4"), threads=2, cache=folder)
    assert len(runs) == 1 and changed.sha256 != first.sha256
    assert len(list(folder.glob("*.mp4"))) == 2 and not list(folder.glob(".*"))
