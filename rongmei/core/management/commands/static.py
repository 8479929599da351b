"""`rongmei static`: collectstatic, but only when the static sources changed.

WhiteNoise's storage compresses every file (gzip and brotli) on each collectstatic, even
when nothing changed: ~40 s on every `make run`. The sources' fingerprint (path, size and
modification time of every file the static finders see, plus the storage in use) is kept
in STATIC_ROOT; an unchanged fingerprint with the manifest still there skips the run."""

from __future__ import annotations

import hashlib
import time
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.management import call_command
from django.core.management.base import BaseCommand

FINGERPRINT_NAME = ".rongmei-static-fingerprint"


def sources_fingerprint() -> str:
    """One hash over every static source file's path, size and mtime, and the storage."""
    digest = hashlib.sha256(settings.STORAGES["staticfiles"]["BACKEND"].encode())
    rows = []
    for finder in finders.get_finders():
        for path, storage in finder.list(["CVS", ".*", "*~"]):
            full = Path(storage.path(path))
            stat = full.stat()
            rows.append(f"{getattr(storage, 'prefix', '') or ''}/{path}\0{full}\0{stat.st_size}\0{stat.st_mtime_ns}")
    for row in sorted(rows):
        digest.update(row.encode("utf-8", "surrogateescape"))
        digest.update(b"\n")
    return digest.hexdigest()


def is_current(root: Path, fingerprint: str) -> bool:
    marker = root / FINGERPRINT_NAME
    # The fingerprint alone is not enough: someone may have emptied the folder by hand.
    return marker.is_file() and marker.read_text().strip() == fingerprint and any(root.iterdir())


class Command(BaseCommand):
    help = "收集静态文件；源文件没有变化时直接跳过（make run 每次启动都会执行）。"

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="无论是否变化都重新收集")

    def handle(self, *args, force: bool = False, **options):
        root = Path(settings.STATIC_ROOT)
        started = time.monotonic()
        fingerprint = sources_fingerprint()
        if not force and is_current(root, fingerprint):
            if options["verbosity"] >= 1:
                self.stdout.write(f"静态文件没有变化，跳过收集（检查用时 {time.monotonic() - started:.1f} 秒）。")
            return
        call_command("collectstatic", interactive=False, verbosity=max(0, options["verbosity"] - 1))
        (root / FINGERPRINT_NAME).write_text(fingerprint + "\n")
        if options["verbosity"] >= 1:
            self.stdout.write(f"静态文件已收集（用时 {time.monotonic() - started:.1f} 秒）。")
