"""The same media tests on the local folder and on S3-compatible storage (docs/storage.md).

`s3_server` (session) runs moto's S3 API server on 127.0.0.1 and a free port (a real HTTP
server speaking the S3 protocol: django-storages and boto3 talk to it as to MinIO) and
creates the bucket. `media_storage` is parametrized "local" / "s3": every test that asks
for it runs twice, once on a fresh folder (MEDIA_ROOT in tmp_path) and once on a fresh
prefix of the bucket (STORAGES["default"] switched to `MediaS3Storage`; Django's
setting_changed signal resets `default_storage`). Use in a test module with

    from rongmei.testing.s3 import media_storage, s3_server  # noqa: F401  (fixtures)
"""

from __future__ import annotations

import socket
import uuid

import pytest

BUCKET = "rongmei-test-media"
BACKEND = "rongmei.core.storage_s3.MediaS3Storage"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def s3_options(endpoint: str, **extra) -> dict:
    """What settings.py passes to MediaS3Storage for MEDIA_STORAGE=s3 (see config._s3)."""
    return {"bucket_name": BUCKET, "endpoint_url": endpoint, "region_name": "us-east-1",
            "access_key": "rongmei-test", "secret_key": "rongmei-test-secret", "addressing_style": "path",
            "signature_version": "s3v4", "custom_domain": None, "location": "", "querystring_expire": 60,
            "default_acl": None, "file_overwrite": False, **extra}


@pytest.fixture(scope="session")
def s3_server():
    """moto's S3 server on loopback with an empty bucket; yields the storage options."""
    import boto3
    from moto.server import ThreadedMotoServer

    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    options = s3_options(f"http://127.0.0.1:{port}")
    client = boto3.client("s3", endpoint_url=options["endpoint_url"], region_name="us-east-1",
                          aws_access_key_id=options["access_key"], aws_secret_access_key=options["secret_key"])
    client.create_bucket(Bucket=BUCKET)
    try:
        yield options
    finally:
        server.stop()


class MediaStorage:
    """What a test sees of the storage it runs on."""

    def __init__(self, kind: str, demo_root: str):
        self.kind = kind
        self._demo_root = demo_root

    @property
    def storage(self):
        from django.core.files.storage import default_storage

        return default_storage

    def names(self, folder: str = "") -> list[str]:
        """Every stored file's name under `folder`, on either storage."""
        found: list[str] = []
        try:
            dirs, files = self.storage.listdir(folder)
        except FileNotFoundError:
            return found
        prefix = f"{folder}/" if folder else ""
        found += [prefix + name for name in files]
        for sub in dirs:
            found += self.names(prefix + sub)
        return sorted(found)

    def bring(self, *names: str) -> None:
        """Copy files the demo stored (in the session's folder) into this test's storage."""
        from django.core.files.storage import FileSystemStorage

        demo = FileSystemStorage(location=self._demo_root)
        for name in names:
            with demo.open(name, "rb") as fh:
                self.storage.save(name, fh)


@pytest.fixture(params=["local", "s3"])
def media_storage(request, settings, tmp_path):
    """Uploads go to a fresh folder ("local") or a fresh prefix of the moto bucket ("s3")."""
    demo_root = str(settings.MEDIA_ROOT)
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.RONGMEI_SERVE_MEDIA = True
    if request.param == "s3":
        options = request.getfixturevalue("s3_server")
        settings.STORAGES = {**settings.STORAGES, "default": {
            "BACKEND": BACKEND, "OPTIONS": {**options, "location": f"t-{uuid.uuid4().hex[:12]}"}}}
    return MediaStorage(request.param, demo_root)
