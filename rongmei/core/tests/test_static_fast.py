"""`rongmei static` (what `make run` calls) skips collectstatic when no static source
changed: WhiteNoise recompresses every file on each run otherwise (~40 s per restart)."""

import io
import os
import time
from pathlib import Path

from django.core.management import call_command

from rongmei.core.management.commands.static import FINGERPRINT_NAME, is_current, sources_fingerprint


def test_fingerprint_follows_the_sources(settings, tmp_path):
    extra = tmp_path / "extra"
    extra.mkdir()
    (extra / "a.css").write_text("body{}")
    settings.STATICFILES_DIRS = [str(extra)]
    first = sources_fingerprint()
    assert sources_fingerprint() == first
    later = time.time() + 5
    os.utime(extra / "a.css", (later, later))
    assert sources_fingerprint() != first
    (extra / "b.js").write_text("")
    assert len({first, sources_fingerprint()}) == 2


def test_unchanged_sources_skip_collectstatic(settings, tmp_path):
    root = tmp_path / "static"
    root.mkdir()
    settings.STATIC_ROOT = str(root)
    (root / "staticfiles.json").write_text("{}")
    (root / FINGERPRINT_NAME).write_text(sources_fingerprint() + "\n")
    out = io.StringIO()
    started = time.monotonic()
    call_command("static", stdout=out)
    assert "跳过" in out.getvalue()
    assert time.monotonic() - started < 15                 # a real collectstatic takes ~40 s here
    assert sorted(p.name for p in root.iterdir()) == sorted(["staticfiles.json", FINGERPRINT_NAME])


def test_stale_or_missing_fingerprint_is_not_current(tmp_path):
    assert not is_current(tmp_path, "abc")
    (tmp_path / FINGERPRINT_NAME).write_text("old\n")
    assert not is_current(tmp_path, "abc")
    assert is_current(tmp_path, "old")


def test_make_run_uses_it():
    makefile = (Path(__file__).resolve().parents[3] / "Makefile").read_text()
    assert "rongmei static" in makefile and "rongmei collectstatic" not in makefile
