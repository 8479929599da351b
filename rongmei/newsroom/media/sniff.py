"""Tell what a file is from its bytes, never from its name.

`filetype` knows the magic numbers of a hundred formats and names what we refuse. For the
formats we accept we look closer ourselves, because a signature alone misleads there:
every MP4-family file (MP4, MOV, M4A, 3GP, HEIC) starts with the same `ftyp` box and only its
brands and tracks say which it is; DOCX, XLSX and PPTX are ZIP files told apart by
`[Content_Types].xml`; and a two-byte signature such as `BM` or `MZ` also starts ordinary
text.
"""

from __future__ import annotations

import codecs
import struct
import zipfile
import zlib
from typing import BinaryIO

import filetype
from PIL import Image

from rongmei.newsroom.media import refusals
from rongmei.newsroom.media.formats import ACCEPTED, Format, extension_of
from rongmei.newsroom.media.refusals import Refusal

HEAD_BYTES = 8192  # what filetype reads; enough for every signature we look at
_CHUNK = 1024 * 1024


# filetype mime -> accepted format, for the formats whose signatures filetype gets right.
_ACCEPTED_BY_MIME = {
    "image/jpeg": "jpeg",
    "image/png": "png",
    "image/apng": "png",  # an animated PNG is a PNG; Pillow reads both
    "image/gif": "gif",
    "image/webp": "webp",
    "audio/mpeg": "mp3",
    "audio/aac": "aac",
    "audio/ogg": "ogg",
    "audio/x-wav": "wav",
    "video/webm": "webm",
    "application/pdf": "pdf",
}
# Two-byte signatures that ordinary text can start with ("BMI,身高", "MZ 公司"). The real
# formats always have NUL bytes in their headers; text never does.
_WEAK_SIGNATURES = {"bmp", "exe"}


def sniff(fileobj: BinaryIO, filename: str) -> Format | Refusal:
    """The accepted format this file is, or why it is refused. `filename` only picks between
    equivalent spellings (.csv or .txt for text). Text is only provisionally accepted here;
    `text_charset` must confirm it by decoding the whole file."""
    head = read_at(fileobj, 0, HEAD_BYTES)
    if head.startswith(b"PK\x03\x04"):
        return _zip_format(fileobj)
    if head[4:8] == b"ftyp" or _is_old_quicktime(fileobj, head):
        return _isobmff_format(fileobj, head)
    if head.startswith(b"#!AMR-WB\n"):
        return ACCEPTED["amr-wb"]
    if head.startswith(b"#!AMR\n"):
        return ACCEPTED["amr"]
    if (mpeg := _mpeg_audio_frame(head)) is not None:
        return mpeg
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return refusals.OLD_OFFICE
    guessed = filetype.guess(head)
    if guessed is not None and not (guessed.extension in _WEAK_SIGNATURES and b"\x00" not in head):
        if guessed.mime in _ACCEPTED_BY_MIME:
            return ACCEPTED[_ACCEPTED_BY_MIME[guessed.mime]]
        return refusals.BY_FILETYPE_EXTENSION.get(guessed.extension) or Refusal(
            f"{guessed.extension.upper()} 格式的文件", None
        )
    return _text_format(head, filename)


def read_at(fileobj: BinaryIO, offset: int, size: int) -> bytes:
    fileobj.seek(offset)
    return fileobj.read(size)


# --- MPEG audio without an ID3 tag -----------------------------------------------------------

def _mpeg_audio_frame(head: bytes) -> Format | None:
    """MP3 and ADTS AAC streams start with a frame sync, not a magic number; filetype only
    knows three of the MP3 variants (and none with a CRC), which phone recorders do write."""
    if len(head) < 4 or head[0] != 0xFF:
        return None
    if head[1] & 0xF6 == 0xF0:  # 12-bit sync, layer 00: ADTS
        return ACCEPTED["aac"]
    if head[1] & 0xE0 == 0xE0 and head[1] & 0x06 == 0x02:  # 11-bit sync, layer III
        return ACCEPTED["mp3"]
    return None


# --- The MP4 family --------------------------------------------------------------------------

# QuickTime files from before `ftyp` existed start straight with one of these boxes.
_QUICKTIME_FIRST_BOXES = {b"moov", b"mdat", b"wide", b"free", b"skip", b"pnot"}
_HEIC_BRANDS = {"heic", "heix", "heim", "heis", "hevc", "hevx", "hevm", "hevs"}
_MAX_MOOV_BYTES = 64 * 1024 * 1024  # a two-hour phone video has a moov of a few MB


def _isobmff_format(fileobj: BinaryIO, head: bytes) -> Format | Refusal:
    """MP4, MOV, 3GP, M4A and HEIC share one container. The brands name the family; the
    tracks decide audio or video, because phones save voice recordings as "mp42"/"isom"
    files exactly like their videos."""
    major, brands = _brands(head)
    if major in _HEIC_BRANDS or (major in {"mif1", "msf1"} and not brands & {"avif", "avis"}):
        return ACCEPTED["heic"] if _pillow_reads("HEIF") else refusals.HEIC
    if major in {"avif", "avis"} or brands & {"avif", "avis"}:
        return refusals.AVIF
    if major.startswith("crx"):
        return refusals.BY_FILETYPE_EXTENSION["cr2"]
    handlers = _track_handlers(fileobj)
    if major == "qt  " or head[4:8] in _QUICKTIME_FIRST_BOXES:
        family = "mov"
    elif major.startswith("3g"):
        family = "3gp"
    elif major in {"M4A ", "M4B ", "M4P "}:
        family = "m4a"
    else:  # isom, iso2, mp41, mp42, avc1, M4V, dash, and the camera makers' own brands
        family = "mp4"
    has_video = b"vide" in handlers if handlers is not None else family != "m4a"
    if not has_video:
        return ACCEPTED["3gp-audio" if family == "3gp" else "m4a"]
    return ACCEPTED["mp4" if family == "m4a" else family]


def _is_old_quicktime(fileobj: BinaryIO, head: bytes) -> bool:
    """A file that opens with `free` or `mdat` is only a movie if a `moov` box follows:
    "I'm free..." has the same four bytes at the same place."""
    return head[4:8] in _QUICKTIME_FIRST_BOXES and _track_handlers(fileobj) is not None


def _brands(head: bytes) -> tuple[str, set[str]]:
    if head[4:8] != b"ftyp":
        return "", set()
    size = min(struct.unpack(">I", head[:4])[0], len(head))
    major = head[8:12].decode("latin-1")
    compatible = {head[i : i + 4].decode("latin-1") for i in range(16, size - 3, 4)}
    return major, compatible


def _track_handlers(fileobj: BinaryIO) -> set[bytes] | None:
    """The handler types (b"vide", b"soun"...) of the tracks in the `moov` box, or None
    when there is no readable `moov` (a truncated upload). Only top-level boxes are walked,
    by seeking, so a 2 GB video costs a few reads."""
    fileobj.seek(0, 2)
    end = fileobj.tell()
    offset = 0
    for _ in range(256):  # real files have a handful of top-level boxes; stop a hostile one
        header = read_at(fileobj, offset, 16)
        if len(header) < 8:
            return None
        size, box = struct.unpack(">I4s", header[:8])
        header_size = 8
        if size == 1 and len(header) == 16:
            size, header_size = struct.unpack(">Q", header[8:16])[0], 16
        elif size == 0:
            size = end - offset
        if size < header_size:
            return None
        if box == b"moov":
            if size > _MAX_MOOV_BYTES:
                return None
            moov = read_at(fileobj, offset + header_size, size - header_size)
            # hdlr: type, version+flags, pre_defined (QuickTime: component type), handler type
            return {moov[i + 12 : i + 16] for i in _find_all(moov, b"hdlr")}
        offset += size
    return None


def _find_all(data: bytes, needle: bytes) -> list[int]:
    found, i = [], data.find(needle)
    while i >= 0:
        found.append(i)
        i = data.find(needle, i + 1)
    return found


def _pillow_reads(pillow_format: str) -> bool:
    """Whether a decoder for this format is installed (HEIC needs the pillow-heif plugin)."""
    Image.init()
    return pillow_format in Image.OPEN


# --- ZIP-based documents ---------------------------------------------------------------------

_OOXML_MAIN = {
    b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml": "docx",
    b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml": "xlsx",
    b"application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml": "pptx",
}


def _zip_format(fileobj: BinaryIO) -> Format | Refusal:
    """DOCX, XLSX and PPTX are ZIP files whose `[Content_Types].xml` names the main part.
    Only that one small member is read, so a zip bomb costs nothing. Macro-enabled files
    (and any OOXML file carrying a VBA project) are refused: macros are how Office viruses
    travel."""
    try:
        with zipfile.ZipFile(fileobj) as archive:
            names = set(archive.namelist())
            if "[Content_Types].xml" in names:
                content_types = _read_member(archive, "[Content_Types].xml")
                if "macroEnabled" in content_types.decode("utf-8", "replace") or any(
                    name.lower().endswith("vbaproject.bin") for name in names
                ):
                    return refusals.MACRO
                for main, key in _OOXML_MAIN.items():
                    if main in content_types:
                        return ACCEPTED[key]
                return refusals.OTHER_OFFICE
            if "mimetype" in names:
                mimetype = _read_member(archive, "mimetype")
                return refusals.EPUB if b"epub" in mimetype else refusals.OPEN_DOCUMENT
    except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, OSError, EOFError, ValueError, NotImplementedError):
        return refusals.DAMAGED_ARCHIVE
    return refusals.ARCHIVE


def _read_member(archive: zipfile.ZipFile, name: str, limit: int = 1024 * 1024) -> bytes:
    with archive.open(name) as member:
        return member.read(limit)


# --- Text ------------------------------------------------------------------------------------

_HTML_STARTS = (
    b"<!doctype html", b"<html", b"<head", b"<body", b"<script", b"<iframe", b"<meta",
    b"<style", b"<title", b"<div", b"<table", b"<a ", b"<p>", b"<br", b"<img", b"<h1", b"<!--",
)


def _text_format(head: bytes, filename: str) -> Format | Refusal:
    """Text is accepted as TXT or CSV, but markup is not text: HTML and SVG become live
    pages or scripts the moment a browser is persuaded to render them."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return refusals.UTF16
    if b"\x00" in head:
        return refusals.UNKNOWN
    start = head.removeprefix(b"\xef\xbb\xbf").lstrip().lower()
    if b"<svg" in head.lower():
        return refusals.SVG
    if start.startswith(_HTML_STARTS) or b"<html" in start or b"<script" in start:
        return refusals.HTML
    if start.startswith(b"<?xml"):
        return refusals.XML
    return ACCEPTED["csv" if extension_of(filename) == "csv" else "txt"]


def text_charset(fileobj: BinaryIO) -> str | None:
    """"utf-8" or "gb18030" if the whole file decodes as text with no NUL bytes, else None.
    UTF-8 is tried first: it is what phones and modern PCs write, and pure ASCII is both.
    GB18030 covers what older Chinese Windows and WPS save (GBK and GB2312 are its subsets)."""
    for charset in ("utf-8", "gb18030"):
        if _decodes(fileobj, charset):
            return charset
    return None


def _decodes(fileobj: BinaryIO, charset: str) -> bool:
    fileobj.seek(0)
    decoder = codecs.getincrementaldecoder(charset)()
    try:
        while chunk := fileobj.read(_CHUNK):
            if b"\x00" in chunk:
                return False
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True
