"""Media storage: a local folder (default) or a bucket on S3-compatible storage.

`MEDIA_STORAGE=s3` (docs/storage.md) puts every upload, rendition, generated video, cover and
attachment in a bucket through django-storages. Code that stores files uses the storage API
(`default_storage.save/open/exists/delete`), never a path; the few tools that need a file on
this machine (ffmpeg, ffprobe) get one from `local_path`, a temporary copy on S3.

Addresses do not change with the storage: `MediaS3Storage.url(name)` (rongmei.core.storage_s3,
imported only when MEDIA_STORAGE=s3) is `/media/<name>`, as on
the local folder, so every picture, video and document still goes through the access check in
`rongmei.core.media` (a draft's photo is 404 to strangers whatever the storage). The bucket
stays private; after the check the app either streams the object (`S3_MEDIA_DELIVERY=stream`,
the default) or redirects to a short-lived presigned address (`redirect`).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from contextlib import contextmanager

from django.core.files.storage import FileSystemStorage, default_storage


def is_local(storage=None) -> bool:
    """Whether files of `storage` (default: the media storage) are in a folder on this machine.
    (`default_storage` is a lazy proxy; isinstance sees the storage behind it.)"""
    return isinstance(default_storage if storage is None else storage, FileSystemStorage)


@contextmanager
def local_path(name: str, suffix: str = "", storage=None):
    """A path on this machine holding the stored file `name`: the file itself on the local
    folder, else a temporary copy removed on leaving the block."""
    storage = default_storage if storage is None else storage
    if is_local(storage):
        yield storage.path(name)
        return
    with tempfile.NamedTemporaryFile(suffix=suffix or os.path.splitext(name)[1], prefix="rongmei-media-") as tmp:
        with storage.open(name, "rb") as src:
            shutil.copyfileobj(src, tmp, 1024 * 1024)
        tmp.flush()
        yield tmp.name


def read_bytes(name: str, storage=None) -> bytes:
    storage = default_storage if storage is None else storage
    with storage.open(name, "rb") as fh:
        return fh.read()
