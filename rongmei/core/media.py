"""/media/: uploaded files, served only to who may see them.

An asset of a draft, or a citizen's photo of a case not made public, must not be readable
by anyone who learns its address. Each app that stores files registers a rule for its
folder (``register("assets/", rule)``); a rule answers whether this request may read this
file: anonymously when the file is public (a published story's picture, a published case's
photo, a signed link the citizen was given), otherwise for a user with the right permission
in the file's own center (a session, or an API token of that center: `staff_may`). Anything else is 404, the same as a file that does not exist, so
another center's users learn nothing. A path under no registered folder is 404 too.

Embedded mode (``RONGMEI_SERVE_MEDIA=1``) sends the file from here. Behind nginx
(``RONGMEI_SERVE_MEDIA=0``) nginx passes /media/ to the app, which checks and answers with
``X-Accel-Redirect: /internal-media/<path>``; nginx serves that from an ``internal``
location (see deploy/nginx/rongmei-site.conf), so the file never leaves without the check.
On S3-compatible storage (``MEDIA_STORAGE=s3``, docs/storage.md) the addresses stay /media/…;
after the same check the app streams the object from the bucket, or with
``S3_MEDIA_DELIVERY=redirect`` answers 302 to a presigned address valid for S3_URL_EXPIRE seconds.

Byte ranges (RFC 9110 §14): the app's own answers (embedded mode, a bucket streamed) take a
single ``Range: bytes=…`` and answer 206 with that part, or 416 when it lies past the end, as
nginx does for X-Accel-Redirect: a phone's video player (iOS plays nothing without them) and
seeking in any browser ask for parts. ``If-Range`` with another date than the file's sends the
whole file; several ranges at once are answered with the whole file (the standard allows it).

Every answer carries ``X-Content-Type-Options: nosniff`` and a sandboxing policy; documents (anything not a
picture, sound or video) come as ``Content-Disposition: attachment``, so nothing uploaded is
ever rendered as a page in the staff system's origin.
"""

from __future__ import annotations

import mimetypes
import posixpath
import re
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

from django.conf import settings
from django.core import signing
from django.core.files.storage import default_storage
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseNotModified,
    HttpResponseRedirect,
    StreamingHttpResponse,
)
from django.utils.http import http_date
from django.views.decorators.http import require_safe
from django.views.static import was_modified_since

from rongmei.core import storage

# (request, path) -> may this request read the file at `path` (relative to MEDIA_ROOT)?
Rule = Callable[[HttpRequest, str], bool]
_RULES: dict[str, Rule] = {}

INTERNAL_PREFIX = "/internal-media/"     # nginx's `internal` location for MEDIA_ROOT
INLINE_TYPES = ("image/", "audio/", "video/")
SIGNED_MAX_AGE = 30 * 24 * 3600          # a citizen's link to their own photo: a month
_SALT = "rongmei.media"
NOT_FOUND = "文件不存在，或者您没有查看它的权限。"
# An uploaded file opened on its own runs nothing, whatever a browser takes it for.
FILE_POLICY = "default-src 'none'; sandbox"


def register(prefix: str, rule: Rule) -> None:
    """Let `rule` decide who reads the files under `prefix` (e.g. "assets/")."""
    _RULES[prefix] = rule


def signed_url(name: str) -> str:
    """The /media/ address of a stored file with a signature that opens it to whoever holds
    the link (for a citizen's own uploads, shown on the tracking page they reach by code)."""
    token = signing.TimestampSigner(salt=_SALT).sign(name).rsplit(":", 2)
    return f"{settings.MEDIA_URL}{quote(name)}?s={token[-2]}:{token[-1]}"


def has_valid_signature(request: HttpRequest, name: str) -> bool:
    value = request.GET.get("s", "")
    if not value:
        return False
    try:
        signing.TimestampSigner(salt=_SALT).unsign(f"{name}:{value}", max_age=SIGNED_MAX_AGE)
    except signing.BadSignature:
        return False
    return True


def staff_may(request: HttpRequest, perm: str, center) -> bool:
    """Whether the person behind the request (a session, or an API token of this center:
    API clients show the thumbnails the API lists) holds `perm` in `center`."""
    user = request.user
    if not user.is_authenticated:
        token = _api_token(request)
        if token is None or token.center_id != center.pk:
            return False
        user = request.user = token.user
    return user.has_perm(perm, center)


def _api_token(request: HttpRequest):
    from rongmei.core.auth import token_from_plaintext

    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return token_from_plaintext(value.strip())


def clean_path(path: str) -> str | None:
    """The path relative to MEDIA_ROOT, or None if it tries to leave it or is odd."""
    if not path or "\\" in path or "\x00" in path or path.startswith("/"):
        return None
    normal = posixpath.normpath(path)
    if normal != path or normal.startswith(("..", "/")) or "/../" in normal:
        return None
    return normal


def may_read(request: HttpRequest, path: str) -> bool:
    for prefix, rule in _RULES.items():
        if path.startswith(prefix):
            return rule(request, path)
    return False


@require_safe
def serve(request: HttpRequest, path: str) -> HttpResponse:
    name = clean_path(path)
    if name is None or not may_read(request, name):
        raise Http404(NOT_FOUND)
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    disposition = (None if content_type.startswith(INLINE_TYPES)
                   else f"attachment; filename*=UTF-8''{quote(posixpath.basename(name))}")
    if not storage.is_local():
        # Object storage (docs/storage.md): streamed from the bucket, or a short-lived signed
        # redirect; X-Accel-Redirect cannot reach a bucket, so it is not used here.
        response = _stored_response(request, name, content_type, disposition)
    elif settings.RONGMEI_SERVE_MEDIA:
        response = _file_response(request, Path(settings.MEDIA_ROOT, name), content_type)
    else:
        response = HttpResponse(content_type=content_type)
        response["X-Accel-Redirect"] = INTERNAL_PREFIX + quote(name)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = FILE_POLICY
    response["Cache-Control"] = "private, no-cache"   # checked again on every use
    if disposition:
        response["Content-Disposition"] = disposition
    return response


def _stored_response(request: HttpRequest, name: str, content_type: str, disposition: str | None) -> HttpResponse:
    media = default_storage
    try:
        modified = media.get_modified_time(name)
    except OSError:   # no such file (the S3 storage says FileNotFoundError too)
        raise Http404(NOT_FOUND) from None
    if getattr(settings, "RONGMEI_MEDIA_DELIVERY", "stream") == "redirect" and hasattr(media, "presigned_url"):
        return HttpResponseRedirect(media.presigned_url(name, content_type=content_type, disposition=disposition))
    stamp = int(modified.timestamp())
    if not was_modified_since(request.META.get("HTTP_IF_MODIFIED_SINCE"), stamp):
        return HttpResponseNotModified()
    part_reader = getattr(media, "read_part", None)
    return _send(request, lambda: media.open(name, "rb"), content_type, stamp, lambda: media.size(name),
                 (lambda start, end: part_reader(name, start, end)) if part_reader else None)


def _file_response(request: HttpRequest, full: Path, content_type: str) -> HttpResponse:
    try:
        stat = full.stat()
    except OSError:
        raise Http404(NOT_FOUND) from None
    if not full.is_file():
        raise Http404(NOT_FOUND)
    if not was_modified_since(request.META.get("HTTP_IF_MODIFIED_SINCE"), int(stat.st_mtime)):
        return HttpResponseNotModified()
    return _send(request, lambda: full.open("rb"), content_type, int(stat.st_mtime), lambda: stat.st_size)


CHUNK = 64 * 1024
# One range of bytes (RFC 9110 §14.1.2); numbers of more than 18 digits are no range of ours.
_RANGE = re.compile(r"\s*bytes\s*=\s*([0-9]{0,18})\s*-\s*([0-9]{0,18})\s*", re.IGNORECASE | re.ASCII)


def _send(request: HttpRequest, open_file, content_type: str, stamp: int, size_of, read_part=None) -> HttpResponse:
    """The whole file (200), the part a single Range asks for (206), or 416 for a range past
    its end; every answer says Accept-Ranges: bytes. `read_part(start, end)`, where the
    storage has one, yields just those bytes; else the file is opened and read from `start`."""
    modified = http_date(stamp)
    wanted = request.META.get("HTTP_RANGE", "")
    if_range = request.META.get("HTTP_IF_RANGE")
    response = None
    if wanted and (if_range is None or if_range.strip() == modified):
        size = int(size_of())
        part = byte_range(wanted, size)
        if part == "unsatisfiable":
            response = HttpResponse(status=416, content_type="text/plain; charset=utf-8")
            response["Content-Range"] = f"bytes */{size}"
        elif part is not None:
            start, end = part
            if read_part is not None:
                response = StreamingHttpResponse(read_part(start, end), status=206, content_type=content_type)
            else:
                file = open_file()
                response = StreamingHttpResponse(_read_part(file, start, end - start + 1), status=206,
                                                 content_type=content_type)
                response._resource_closers.append(file.close)
            response["Content-Length"] = str(end - start + 1)
            response["Content-Range"] = f"bytes {start}-{end}/{size}"
    if response is None:
        response = FileResponse(open_file(), content_type=content_type)
    response["Accept-Ranges"] = "bytes"
    if response.status_code != 416:
        response["Last-Modified"] = modified
    return response


def _read_part(file, start: int, length: int):
    file.seek(start)
    while length > 0:
        chunk = file.read(min(CHUNK, length))
        if not chunk:
            break
        length -= len(chunk)
        yield chunk


def byte_range(header: str, size: int):
    """(first, last) byte of the one range `header` asks for, clamped to `size`;
    "unsatisfiable" when it starts past the end; None when the header is to be ignored
    (not bytes, not valid, or several ranges), which means the whole file."""
    found = _RANGE.fullmatch(header)
    if found is None:
        return None
    first, last = found.groups()
    if first == last == "":
        return None
    if first == "":  # the last N bytes
        suffix = int(last)
        if suffix == 0 or size == 0:
            return "unsatisfiable"
        return max(0, size - suffix), size - 1
    start = int(first)
    if last != "" and int(last) < start:
        return None
    if start >= size:
        return "unsatisfiable"
    end = size - 1 if last == "" else int(last)
    return start, min(end, size - 1)
