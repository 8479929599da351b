"""JPEG files as a list of marker segments, so metadata can be removed without
re-encoding the picture (each re-encode loses a little quality, and the master copy of a
news photo is kept for years).

A JPEG is SOI, then marker segments (APPn metadata, quantisation and Huffman tables, the
frame header), then one or more scans, then EOI. Anything after EOI (phone makers'
trailers, the extra images of an MPF file) belongs to no part of the picture.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

SOI = b"\xff\xd8"
SOS, EOI, COM = 0xDA, 0xD9, 0xFE
APP0, APP1, APP2, APP13, APP14 = 0xE0, 0xE1, 0xE2, 0xED, 0xEE

EXIF_HEADER = b"Exif\x00\x00"
XMP_HEADER = b"http://ns.adobe.com/xap/1.0/\x00"
ICC_HEADER = b"ICC_PROFILE\x00"
PHOTOSHOP_HEADER = b"Photoshop 3.0\x00"
_IPTC_RESOURCE = 0x0404


class NotAJpeg(ValueError):
    pass


@dataclass(frozen=True)
class Segment:
    marker: int
    payload: bytes  # without the marker and the length field

    def to_bytes(self) -> bytes:
        return bytes((0xFF, self.marker)) + struct.pack(">H", len(self.payload) + 2) + self.payload

    @property
    def is_app(self) -> bool:
        return 0xE0 <= self.marker <= 0xEF


def split(data: bytes) -> tuple[list[Segment], bytes]:
    """The segments before the first scan, and the picture data: from the first SOS up to
    and including EOI (bytes after EOI are left out)."""
    if not data.startswith(SOI):
        raise NotAJpeg("no SOI")
    segments: list[Segment] = []
    pos = 2
    while True:
        if pos >= len(data) or data[pos] != 0xFF:
            raise NotAJpeg(f"marker expected at {pos}")
        while pos < len(data) and data[pos] == 0xFF:  # fill bytes
            pos += 1
        if pos >= len(data):
            raise NotAJpeg("ends before the first scan")
        marker = data[pos]
        if marker == SOS:
            start = pos - 1
            return segments, data[start:_end_of_image(data, start)]
        if marker == EOI:
            raise NotAJpeg("no scan")
        if pos + 3 > len(data):
            raise NotAJpeg("ends inside a segment header")
        (length,) = struct.unpack(">H", data[pos + 1 : pos + 3])
        if length < 2 or pos + 1 + length > len(data):
            raise NotAJpeg(f"bad segment length at {pos}")
        segments.append(Segment(marker, data[pos + 3 : pos + 1 + length]))
        pos += 1 + length


def join(segments: list[Segment], picture: bytes) -> bytes:
    return SOI + b"".join(s.to_bytes() for s in segments) + picture


def _end_of_image(data: bytes, pos: int) -> int:
    """The index just past EOI. Entropy-coded data never contains 0xFF followed by anything
    but 0x00 (a stuffed byte) or a restart marker, so the first other marker is either EOI
    or a segment between scans (progressive JPEGs have several), which is skipped by its
    length. A file with no EOI is kept whole: Pillow has already decoded it."""
    end = len(data)
    while True:
        i = data.find(b"\xff", pos)
        if i < 0 or i + 1 >= end:
            return end
        marker = data[i + 1]
        if marker == 0xFF:
            pos = i + 1
        elif marker == 0x00 or 0xD0 <= marker <= 0xD7:
            pos = i + 2
        elif marker == EOI:
            return i + 2
        else:
            if i + 4 > end:
                return end
            (length,) = struct.unpack(">H", data[i + 2 : i + 4])
            pos = i + 2 + max(length, 2)


def iptc_only(photoshop_payload: bytes) -> bytes | None:
    """An APP13 payload keeping only the IPTC record (caption, byline, credit). Photoshop's
    other resources include a thumbnail, which after a crop still shows the whole original
    photo: the classic way a cropped-out face or place leaks."""
    if not photoshop_payload.startswith(PHOTOSHOP_HEADER):
        return None
    data, pos, kept = photoshop_payload, len(PHOTOSHOP_HEADER), []
    while pos + 12 <= len(data) and data[pos : pos + 4] == b"8BIM":
        (resource,) = struct.unpack(">H", data[pos + 4 : pos + 6])
        name_field = 1 + data[pos + 6]
        name_field += name_field % 2  # Pascal string padded to an even length
        size_at = pos + 6 + name_field
        if size_at + 4 > len(data):
            break
        (size,) = struct.unpack(">I", data[size_at : size_at + 4])
        block_end = size_at + 4 + size + size % 2
        if resource == _IPTC_RESOURCE:
            kept.append(data[pos:block_end])
        pos = block_end
    return PHOTOSHOP_HEADER + b"".join(kept) if kept else None
