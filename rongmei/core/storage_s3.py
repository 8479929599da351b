"""The S3 side of media storage (docs/storage.md), imported only when MEDIA_STORAGE=s3 (or by
`rongmei check` and the tests), so an installation on the local folder never loads boto3."""

from __future__ import annotations

from urllib.parse import quote

from botocore.exceptions import ClientError
from django.conf import settings
from django.core.files.base import ContentFile
from storages.backends.s3 import S3Storage
from storages.utils import clean_name

from rongmei.core.storage import read_bytes


class MediaS3Storage(S3Storage):
    """S3Storage whose public address is the app's own /media/ address (checked there)."""

    def url(self, name, parameters=None, expire=None, http_method=None):
        return f"{settings.MEDIA_URL}{quote(str(name).replace(chr(92), '/').lstrip('/'))}"

    def get_modified_time(self, name):
        """As on the folder: a name that is not in the bucket is FileNotFoundError."""
        try:
            return super().get_modified_time(name)
        except ClientError as exc:
            if exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") == 404:
                raise FileNotFoundError(f"不在存储桶中：{name}") from None
            raise

    def read_part(self, name: str, start: int, end: int, chunk: int = 64 * 1024):
        """Bytes `start`…`end` of the object, fetched as that range from the bucket and passed
        on in chunks (S3File would first download the whole object: a phone seeking in a
        large video asks for many parts)."""
        body = self.bucket.Object(self._normalize_name(clean_name(name))).get(Range=f"bytes={start}-{end}")["Body"]
        try:
            while True:
                data = body.read(chunk)
                if not data:
                    break
                yield data
        finally:
            body.close()

    def presigned_url(self, name: str, *, content_type: str, disposition: str | None) -> str:
        """A short-lived address of the object in the bucket (S3_URL_EXPIRE seconds) that makes
        the object store answer with our content type and disposition."""
        parameters = {"ResponseContentType": content_type}
        if disposition:
            parameters["ResponseContentDisposition"] = disposition
        return super().url(name, parameters=parameters, expire=self.querystring_expire)


def probe_bucket(options: dict) -> str:
    """Write, read back and delete one small object with these S3 options (for `rongmei
    check`). Returns "" when it works, else the reason in a few words."""
    try:
        bucket = MediaS3Storage(**options)
        name = bucket.save(".rongmei-check/probe.txt", ContentFile(b"ok"))
        try:
            ok = read_bytes(name, bucket) == b"ok"
        finally:
            bucket.delete(name)
    except Exception as exc:  # noqa: BLE001 - any failure is reported, in the check's words
        return f"{exc.__class__.__name__}: {str(exc)[:200]}"
    return "" if ok else "读回的内容与写入的不同"
