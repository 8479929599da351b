"""Request-body parsing for the fake servers: url-encoded forms, multipart/form-data, images.

Only the standard library is used (the ``cgi`` module is deprecated, so multipart bodies are
split by hand). The parser is deliberately forgiving about line endings, strict about the
things a real API gateway rejects: a multipart body without its boundary is an error.
"""

from __future__ import annotations

from dataclasses import dataclass
from email.message import Message
from email.utils import collapse_rfc2231_value
from urllib.parse import parse_qsl


class FormError(ValueError):
    """The request body could not be parsed as the form its Content-Type announced."""


@dataclass(frozen=True)
class UploadedFile:
    """One file part of a multipart/form-data body."""

    field: str
    filename: str
    content_type: str
    data: bytes

    @property
    def size(self) -> int:
        return len(self.data)


def header_params(value: str) -> tuple[str, dict[str, str]]:
    """Split a MIME header such as ``multipart/form-data; boundary=x`` into value and params."""
    message = Message()
    message["x-header"] = value
    params = message.get_params(header="x-header") or []
    if not params:
        return "", {}
    main = params[0][0].strip().lower()
    rest: dict[str, str] = {}
    for key, raw in params[1:]:
        rest[key.strip().lower()] = collapse_rfc2231_value(raw)
    return main, rest


def parse_multipart(body: bytes, boundary: str) -> tuple[dict[str, str], dict[str, UploadedFile]]:
    """Parse a multipart/form-data body into (text fields, file fields).

    A part with a ``filename`` parameter in its Content-Disposition is a file, as in RFC 7578.
    When a field repeats, the last value wins (the APIs faked here take single values).
    """
    if not boundary:
        raise FormError("multipart body without boundary")
    delimiter = b"--" + boundary.encode("latin-1")
    if delimiter not in body:
        raise FormError("multipart boundary not found in body")
    fields: dict[str, str] = {}
    files: dict[str, UploadedFile] = {}
    for segment in body.split(delimiter)[1:]:
        if segment.startswith(b"--"):
            break
        if segment.startswith(b"\r\n"):
            segment = segment[2:]
        elif segment.startswith(b"\n"):
            segment = segment[1:]
        head, sep, data = segment.partition(b"\r\n\r\n")
        if not sep:
            head, sep, data = segment.partition(b"\n\n")
        if not sep:
            raise FormError("multipart part without header/body separator")
        if data.endswith(b"\r\n"):
            data = data[:-2]
        elif data.endswith(b"\n"):
            data = data[:-1]
        headers: dict[str, str] = {}
        for line in head.decode("utf-8", "replace").splitlines():
            key, _, value = line.partition(":")
            if key.strip():
                headers[key.strip().lower()] = value.strip()
        _, disposition = header_params(headers.get("content-disposition", ""))
        name = disposition.get("name")
        if not name:
            continue
        if "filename" in disposition:
            files[name] = UploadedFile(
                field=name,
                filename=disposition["filename"],
                content_type=headers.get("content-type", "application/octet-stream"),
                data=data,
            )
        else:
            fields[name] = data.decode("utf-8", "replace")
    return fields, files


def parse_form(body: bytes, content_type: str) -> tuple[dict[str, str], dict[str, UploadedFile]]:
    """Parse a url-encoded or multipart body; any other type yields no fields."""
    kind, params = header_params(content_type or "")
    if kind == "multipart/form-data":
        return parse_multipart(body, params.get("boundary", ""))
    if kind == "application/x-www-form-urlencoded" or (not kind and body):
        charset = params.get("charset", "utf-8")
        try:
            text = body.decode(charset)
        except (LookupError, UnicodeDecodeError) as exc:
            raise FormError(f"form body is not {charset}") from exc
        return dict(parse_qsl(text, keep_blank_values=True)), {}
    return {}, {}


def sniff_image(data: bytes) -> str | None:
    """The image format by its magic bytes ("jpeg", "png", "gif", "bmp", "webp"), else None.

    Both platforms check uploads by content, not by file name, so the fakes do too.
    """
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    if data.startswith(b"BM"):
        return "bmp"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    return None


IMAGE_CONTENT_TYPES: dict[str, str] = {
    "jpeg": "image/jpeg",
    "png": "image/png",
    "gif": "image/gif",
    "bmp": "image/bmp",
    "webp": "image/webp",
}
