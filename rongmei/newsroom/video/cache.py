"""A folder of finished ffmpeg outputs, keyed by everything that decides them.

Only the demo data uses it (`newsroom.demo`, through `engine.render(cache=…)`): every
demo load — `make run`, and each fresh installation a test starts — renders the same few
seconds of 1080×1920 video, several seconds of CPU each time. With a cache folder the
first load renders for real and keeps the file; later loads copy it. An editor's jobs never
pass a folder, so they always render.

The key is the SHA-256 of: this module's format number, the whole `ffmpeg -version`
report (the build and its libraries), the command line with the run's private paths (the
scratch folder, the output) replaced by fixed names, and the content of every input — each
argument naming an existing file, and every file in the scratch folder (the prepared
photos and the subtitle file the filter graph reads). Change any of them and the key
changes, so a cached file is always what ffmpeg would make now.

Several processes may share a folder (the two CI runs, parallel tests): a file is written
under a temporary name in the folder and renamed into place, so a reader finds either no
file or a whole one; two processes keeping the same key write the same content, and the
last rename wins. The folder is a cache only: any error reading or writing it means
"render", never a failed job, and it may be deleted at any time.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import os
import shutil
import subprocess
import tempfile
from collections.abc import Sequence

FORMAT = "1"   # raise when the meaning of a key changes
_log = logging.getLogger(__name__)


def key(argv: Sequence[str], *, out: str, scratch: str) -> str | None:
    """The cache key of running `argv`, which writes `out` and reads files prepared in the
    folder `scratch`; None when ffmpeg (argv[0]) cannot say its version (it then fails
    the real run with its own message)."""
    version = _version(argv[0])
    if version is None:
        return None
    digest = hashlib.sha256(f"rongmei-render-cache {FORMAT}\0{version}\0".encode())
    for arg in argv[1:]:
        path = arg.removeprefix("file:")
        if path != out and os.path.isfile(path):
            digest.update(f"file {_sha256(path)}\0".encode())
        else:
            digest.update(f"arg {arg.replace(out, '<out>').replace(scratch, '<scratch>')}\0".encode())
    for name in sorted(os.listdir(scratch)):
        path = os.path.join(scratch, name)
        if os.path.isfile(path) and path != out:
            digest.update(f"scratch {name} {_sha256(path)}\0".encode())
    return digest.hexdigest()


def fetch(folder: str | os.PathLike, cache_key: str, dest: str) -> bool:
    """Copy the kept file for `cache_key` to `dest`; False when there is none."""
    try:
        shutil.copyfile(os.path.join(folder, f"{cache_key}.mp4"), dest)
    except OSError:
        return False
    return True


def keep(folder: str | os.PathLike, cache_key: str, path: str) -> None:
    """Keep a copy of the finished file `path` for `cache_key` (written aside, then renamed)."""
    partial = None
    try:
        os.makedirs(folder, exist_ok=True)
        fd, partial = tempfile.mkstemp(prefix=f".{cache_key}.", suffix=".part", dir=folder)
        os.close(fd)
        shutil.copyfile(path, partial)
        os.replace(partial, os.path.join(folder, f"{cache_key}.mp4"))
    except OSError as exc:
        _log.warning("render cache %s not written: %s", folder, exc)
        if partial is not None:
            try:
                os.remove(partial)
            except OSError:
                pass


@functools.lru_cache(maxsize=4)
def _version(ffmpeg: str) -> str | None:
    try:
        report = subprocess.run([ffmpeg, "-version"], capture_output=True, timeout=30, check=True,
                                stdin=subprocess.DEVNULL)
    except (OSError, subprocess.SubprocessError):
        return None
    return report.stdout.decode("utf-8", "replace")


def _sha256(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
