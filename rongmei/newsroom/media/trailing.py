"""Nothing after the end of a file (polyglots).

A photo or a PDF with a web page appended still opens as a photo or a PDF, and the
appended `<html><script>` is served with it, from the staff system's origin. Every format
we keep as uploaded says where it ends, so we cut there: JPEG at EOI, PNG after IEND, GIF
after its trailer, WebP at the RIFF length, PDF after the last %%EOF, DOCX/XLSX/PPTX after
the ZIP directory (whose comment is emptied). What cannot be cut safely is refused with a
reason: a JPEG without its end marker, a PDF without %%EOF or with web page code inside,
and text files with markup anywhere in them (sniff only looks at the first 8 KB).

Pure functions of bytes, like the rest of `media`.
"""

from __future__ import annotations

import re
import struct

from rongmei.newsroom.media import jpeg
from rongmei.newsroom.media.images import CORRUPT
from rongmei.newsroom.media.types import UploadRejected

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_ZIP_END = b"PK\x05\x06"
_ZIP_END_SIZE = 22
# Tags that make a browser run or load something; matched anywhere, case-insensitively.
_MARKUP = re.compile(
    rb"<\s*/?\s*(?:!doctype\s+html|html|head|body|script|iframe|frame|frameset|svg|object|embed|"
    rb"meta|link|base|style|form|img|video|audio|math)(?=[\s/>])",
    re.I,
)

JPEG_WITHOUT_END = (
    "照片文件不完整（缺少 JPEG 结束标记），可能已损坏，或在图片后面夹带了其他内容。"
    "请用手机相册或看图软件另存一份后再上传。"
)
PDF_WITHOUT_END = "PDF 文件不完整（缺少 %%EOF 结束标记），可能已损坏。请用 WPS、Word 或 Acrobat 重新导出 PDF 后再上传。"
PDF_WITH_MARKUP = (
    "PDF 文件里夹带了网页代码（HTML 或脚本），可能是伪装的文件，为安全起见不能上传。"
    "请用 WPS、Word 或 Acrobat 重新导出 PDF 后再上传。"
)
TEXT_WITH_MARKUP = (
    "文本文件里有网页代码（如 <script>、<html>、<img> 这样的标签），为安全起见不能上传。"
    "请删去这些标签后再上传，或另存为 PDF、Word 文档。"
)


def without_trailing(data: bytes, extension: str) -> bytes:
    """The file cut where its format says it ends; UploadRejected where that cannot be
    done safely. Formats not listed here (audio, video) are returned unchanged."""
    cutter = _CUTTERS.get(extension.lower().lstrip("."))
    return cutter(data) if cutter else data


def refuse_markup_in_text(text: str) -> None:
    """UploadRejected if a text file (TXT, CSV) has HTML-like tags anywhere."""
    if _MARKUP.search(text.encode("utf-8")):
        raise UploadRejected(TEXT_WITH_MARKUP)


def _jpeg(data: bytes) -> bytes:
    try:
        segments, picture = jpeg.split(data)
    except jpeg.NotAJpeg:
        raise UploadRejected(CORRUPT) from None
    if not picture.endswith(b"\xff\xd9"):
        raise UploadRejected(JPEG_WITHOUT_END)
    return data if data.endswith(picture) else jpeg.join(segments, picture)


def _png(data: bytes) -> bytes:
    if not data.startswith(_PNG_SIGNATURE):
        return data
    pos = len(_PNG_SIGNATURE)
    while pos + 12 <= len(data):
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        end = pos + 12 + length
        if end > len(data):
            break
        pos = end
        if kind == b"IEND":
            break
    return data[:pos]


def _gif(data: bytes) -> bytes:
    """Walk the blocks to the trailer (0x3B); cut there, or where the blocks stop making sense."""
    try:
        pos = 13
        if data[10] & 0x80:
            pos += 3 << ((data[10] & 7) + 1)
        while True:
            block = data[pos]
            if block == 0x3B:
                return data[: pos + 1]
            if block == 0x21:
                pos = _skip_sub_blocks(data, pos + 2)
            elif block == 0x2C:
                packed = data[pos + 9]
                pos += 10
                if packed & 0x80:
                    pos += 3 << ((packed & 7) + 1)
                pos = _skip_sub_blocks(data, pos + 1)
            else:
                return data[:pos] + b"\x3b"
    except IndexError:
        return data  # Pillow has decoded it; a truncated GIF carries nothing after it


def _skip_sub_blocks(data: bytes, pos: int) -> int:
    while data[pos]:
        pos += data[pos] + 1
    return pos + 1


def _webp(data: bytes) -> bytes:
    if data[:4] != b"RIFF" or len(data) < 12:
        return data
    (size,) = struct.unpack("<I", data[4:8])
    end = 8 + size + (size & 1)
    return data[:end] if end < len(data) else data


def _pdf(data: bytes) -> bytes:
    end = data.rfind(b"%%EOF")
    if end < 0:
        raise UploadRejected(PDF_WITHOUT_END)
    end += len(b"%%EOF")
    for eol in (b"\r\n", b"\n", b"\r"):
        if data.startswith(eol, end):
            end += len(eol)
            break
    kept = data[:end]
    if _MARKUP.search(kept):
        raise UploadRejected(PDF_WITH_MARKUP)
    return kept


def _zip(data: bytes) -> bytes:
    """DOCX, XLSX, PPTX: up to the end-of-directory record, with its comment emptied."""
    record = data.rfind(_ZIP_END, max(0, len(data) - _ZIP_END_SIZE - 0xFFFF))
    if record < 0 or record + _ZIP_END_SIZE > len(data):
        return data  # sniff has opened it as a ZIP already; nothing more to find
    return data[: record + _ZIP_END_SIZE - 2] + b"\x00\x00"


_CUTTERS = {
    "jpg": _jpeg, "jpeg": _jpeg, "png": _png, "gif": _gif, "webp": _webp,
    "pdf": _pdf, "docx": _zip, "xlsx": _zip, "pptx": _zip,
}
CUT_FORMATS = frozenset(_CUTTERS)
