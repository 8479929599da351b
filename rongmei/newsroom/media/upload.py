"""Deciding whether an upload may enter the newsroom's media library, and what it is.

The order is chosen so that the cheap checks come first: the first 8 KB say what the
file is, the kind gives the size limit, and only then is the whole file read (to hash
it, and to decode a photo or a text file completely).
"""

from __future__ import annotations

import hashlib
from typing import BinaryIO

from rongmei.newsroom.media import images, trailing
from rongmei.newsroom.media.formats import TOO_LARGE_ADVICE, Format, human_size
from rongmei.newsroom.media.names import safe_file_name
from rongmei.newsroom.media.refusals import UNKNOWN, Refusal, refusal_message
from rongmei.newsroom.media.sniff import sniff, text_charset
from rongmei.newsroom.media.types import DEFAULT_LIMITS, AssetKind, Inspection, Limits, UploadRejected

_CHUNK = 1024 * 1024


def inspect_upload(fileobj: BinaryIO, filename: str, *, limits: Limits | None = None) -> Inspection:
    """Inspect an uploaded file by its content and return what it is, or raise
    `UploadRejected` with a message for the reporter.

    `fileobj` must be seekable (Django's uploaded files are); it is read from the start
    and left at the start, ready to be saved. `filename` is the name the browser sent: it
    is used for the cleaned `safe_name` and to word refusals, never to decide the kind.
    """
    limits = limits or DEFAULT_LIMITS
    fileobj.seek(0, 2)
    size = fileobj.tell()
    if size == 0:
        raise UploadRejected("文件是空的（0 字节），可能没有选对文件或上传中断了。请重新选择文件上传。")
    try:
        found = sniff(fileobj, filename)
        if isinstance(found, Refusal):
            raise UploadRejected(refusal_message(found, filename))
        _check_size(found.kind, size, limits)
        width = height = None
        animated = False
        charset = None
        if found.kind is AssetKind.IMAGE:
            width, height, animated = _check_image(fileobj, found, limits)
        elif found.mime.startswith("text/"):
            charset = text_charset(fileobj)
            if charset is None:
                raise UploadRejected(refusal_message(UNKNOWN, filename))
            fileobj.seek(0)
            trailing.refuse_markup_in_text(fileobj.read().decode(charset))
        if found.extension in trailing.CUT_FORMATS:
            # a file that does not end where its format says is refused now; one with
            # something after its end is cut when it is stored (without_trailing again)
            fileobj.seek(0)
            trailing.without_trailing(fileobj.read(), found.extension)
        return Inspection(
            kind=found.kind,
            mime=found.mime,
            extension=found.extension,
            size=size,
            sha256=_sha256(fileobj),
            safe_name=safe_file_name(filename, found.extension),
            width=width,
            height=height,
            animated=animated,
            charset=charset,
        )
    finally:
        fileobj.seek(0)


def _check_size(kind: AssetKind, size: int, limits: Limits) -> None:
    limit = limits.max_bytes(kind)
    if size <= limit:
        return
    size_text, limit_text = human_size(size), human_size(limit)
    if size_text == limit_text:  # "1 MB, the limit is 1 MB" would make no sense
        size_text = human_size(size, digits=3)
    raise UploadRejected(
        f"{kind.label}文件太大：这个文件有 {size_text}，{kind.label}最大 {limit_text}，已拒绝。{TOO_LARGE_ADVICE[kind]}"
    )


def _check_image(fileobj: BinaryIO, found: Format, limits: Limits) -> tuple[int, int, bool]:
    """Confirm with Pillow that the bytes really are this image format and decode; return
    the upright size and whether it is animated."""
    assert found.pillow is not None
    fileobj.seek(0)
    image = images.open_image(fileobj, limits=limits, formats=[found.pillow])
    with image:
        width, height = images.upright_size(image)
        animated = images.is_animated(image)
        image.seek(0)
        images.decode_fully(image, limits)
    return width, height, animated


def _sha256(fileobj: BinaryIO) -> str:
    fileobj.seek(0)
    digest = hashlib.sha256()
    while chunk := fileobj.read(_CHUNK):
        digest.update(chunk)
    return digest.hexdigest()
