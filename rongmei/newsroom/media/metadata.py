"""A photo's own metadata: removing where it was taken, keeping who took it and what it shows.

A phone photo carries its GPS position to within a few metres. Published as it is, it can
reveal a source's home, a reporter's route, or the place a whistle-blower met the desk. The
caption and credit in the same file are the opposite: the desk wants them kept, and reads
them to prefill the asset form.

Removed: the EXIF GPS block, the embedded EXIF thumbnail (it keeps showing the uncropped,
unrotated original), the maker note and serial numbers (they identify the camera, and so a
source), XMP coordinates (see `xmp.py`), Photoshop resources other than IPTC (another
thumbnail), and JPEG segments we do not know. Kept: EXIF ImageDescription, Artist,
Copyright and the other camera settings, IPTC caption/byline/credit, the ICC colour profile,
JPEG comments.
"""

from __future__ import annotations

import io
from collections.abc import MutableMapping
from typing import Any

from PIL import ExifTags, Image, ImageFile, IptcImagePlugin, JpegImagePlugin, PngImagePlugin

from rongmei.newsroom.media import jpeg, trailing, xmp
from rongmei.newsroom.media.images import (
    CORRUPT,
    DECODE_ERRORS,
    ORIENTATION_TAG,
    TRANSPOSE,
    is_animated,
    open_image,
    orientation,
)
from rongmei.newsroom.media.types import DEFAULT_LIMITS, Limits, UploadRejected

_PRIVATE_EXIF_TAGS = (
    ExifTags.Base.MakerNote,
    ExifTags.Base.CameraOwnerName,
    ExifTags.Base.BodySerialNumber,
    ExifTags.Base.LensSerialNumber,
)
_BROKEN: tuple[type[BaseException], ...] = (jpeg.NotAJpeg, *DECODE_ERRORS)
# Re-encoding only happens when a photo has to be turned upright; at 92 one generation is
# invisible, and the master copy should not lose more than that.
_UPRIGHT_QUALITY = 92


def strip_location(data: bytes, *, limits: Limits | None = None) -> bytes:
    """The photo without its location, turned upright, caption and credit kept.

    JPEG: metadata segments are rewritten and the compressed picture is copied as it is,
    unless EXIF says the photo is rotated; then the pixels are turned and re-encoded once
    (quality 92) and the orientation tag dropped, so every later copy is upright without
    relying on viewers to honour EXIF (WeChat's editor and many CMSs don't). Images some
    phones append after the photo (the gain map of an Android "Ultra HDR" photo, a depth
    map: each with its own EXIF, GPS included) are dropped; the master becomes a plain
    JPEG, which is what every channel publishes anyway. PNG, WebP and
    HEIC are re-saved by Pillow only when they carry EXIF or XMP (lossless stays lossless).
    GIFs and other animations are returned unchanged: GIF has no EXIF, and animations come
    from screen-capture and editing tools, which record no position.
    Whatever the format, nothing is kept after the image's end (`trailing`): a web page
    appended to a photo (a polyglot) is dropped, a JPEG that does not end is refused.
    """
    image = open_image(data, limits=limits or DEFAULT_LIMITS)
    with image:
        try:
            if image.format in ("JPEG", "MPO"):  # MPO: a JPEG with extra images appended
                stripped, extension = _strip_jpeg(data, image), "jpg"
            elif image.format == "GIF" or is_animated(image):
                stripped, extension = data, image.format
            else:
                stripped, extension = _strip_by_resaving(data, image), image.format
        except _BROKEN:
            raise UploadRejected(CORRUPT) from None
    return trailing.without_trailing(stripped, extension)


# --- JPEG ------------------------------------------------------------------------------------

def _strip_jpeg(data: bytes, image: Image.Image) -> bytes:
    segments, picture = jpeg.split(data)
    turn = TRANSPOSE.get(orientation(image))
    codec = [c for s in segments if (c := _codec_segment(s)) is not None]
    if turn is not None:
        codec_segments, picture = jpeg.split(_encode_upright(image, turn))
        codec = [c for s in codec_segments if (c := _codec_segment(s)) is not None]
    metadata = [m for s in segments if (m := _cleaned_metadata(s, reoriented=turn is not None)) is not None]
    jfif = [s for s in codec if s.marker == jpeg.APP0]
    others = [s for s in codec if s.marker != jpeg.APP0]
    return jpeg.join(jfif + metadata + others, picture)


def _codec_segment(segment: jpeg.Segment) -> jpeg.Segment | None:
    """Segments the decoder needs: tables, frame header, and the JFIF and Adobe markers
    (the Adobe one says how CMYK colours are stored). JFIF loses its optional thumbnail."""
    if not segment.is_app and segment.marker != jpeg.COM:
        return segment
    if segment.marker == jpeg.APP0 and segment.payload.startswith(b"JFIF\x00"):
        return jpeg.Segment(jpeg.APP0, segment.payload[:12] + b"\x00\x00")
    if segment.marker == jpeg.APP14 and segment.payload.startswith(b"Adobe"):
        return segment
    return None


def _cleaned_metadata(segment: jpeg.Segment, *, reoriented: bool) -> jpeg.Segment | None:
    marker, payload = segment.marker, segment.payload
    if marker == jpeg.APP1 and payload.startswith(jpeg.EXIF_HEADER):
        exif = clean_exif(payload, reoriented=reoriented)
        return jpeg.Segment(marker, exif) if exif else None
    if marker == jpeg.APP1 and payload.startswith(jpeg.XMP_HEADER):
        packet = xmp.remove_location(payload[len(jpeg.XMP_HEADER) :], drop_orientation=reoriented)
        return jpeg.Segment(marker, jpeg.XMP_HEADER + packet)
    if marker == jpeg.APP2 and payload.startswith(jpeg.ICC_HEADER):
        return segment
    if marker == jpeg.APP13:
        iptc = jpeg.iptc_only(payload)
        return jpeg.Segment(marker, iptc) if iptc else None
    if marker == jpeg.COM:
        return segment
    return None  # MPF, FlashPix, extended XMP (depth maps), makers' private segments


def _encode_upright(image: Image.Image, turn: Image.Transpose) -> bytes:
    sampling = JpegImagePlugin.get_sampling(image)
    options: dict[str, Any] = {"quality": _UPRIGHT_QUALITY, "optimize": True}
    if sampling != -1:
        options["subsampling"] = sampling
    if image.info.get("progressive"):
        options["progressive"] = True
    out = io.BytesIO()
    image.transpose(turn).save(out, "JPEG", **options)
    return out.getvalue()


def clean_exif(raw: bytes, *, reoriented: bool) -> bytes | None:
    """EXIF without GPS, thumbnail, maker note and serial numbers (and without the
    orientation tag once the pixels are upright). None when the block cannot be read: an
    EXIF block we cannot parse is one whose GPS we cannot find, so it goes whole."""
    exif = Image.Exif()
    try:
        exif.load(raw)
        exif.pop(ExifTags.IFD.GPSInfo, None)
        if reoriented:
            exif.pop(ORIENTATION_TAG, None)
        _restore_text_bytes(exif)
        if ExifTags.IFD.Exif in exif:
            exif_ifd = exif.get_ifd(ExifTags.IFD.Exif)
            for tag in _PRIVATE_EXIF_TAGS:
                exif_ifd.pop(tag, None)
            _restore_text_bytes(exif_ifd)
        # Pillow writes IFD0 and its Exif/GPS/Interop sub-IFDs, never IFD1 (the thumbnail).
        return exif.tobytes()
    except DECODE_ERRORS:
        return None


def _restore_text_bytes(tags: MutableMapping[int, Any]) -> None:
    """Pillow reads EXIF text as Latin-1 and writes it back as ASCII, turning every Chinese
    caption into question marks. Giving it the original bytes back keeps them exact. Pure
    ASCII stays a str: Pillow does not know the type of every Exif-IFD tag, and would write
    bytes for an unknown one as UNDEFINED rather than ASCII."""
    for tag, value in list(tags.items()):
        if isinstance(value, str) and not value.isascii():
            try:
                tags[tag] = value.encode("latin-1")
            except UnicodeEncodeError:
                tags[tag] = value.encode("utf-8")


# --- PNG, WebP, HEIC ---------------------------------------------------------------------------

def _strip_by_resaving(data: bytes, image: Image.Image) -> bytes:
    info = image.info
    raw_xmp = info.get("xmp") or b""
    raw_xmp = raw_xmp.encode("utf-8") if isinstance(raw_xmp, str) else raw_xmp
    turn = TRANSPOSE.get(orientation(image))
    raw_profiles = [key for key in info if isinstance(key, str) and key.startswith("Raw profile type")]
    if not info.get("exif") and not raw_xmp and not raw_profiles and turn is None:
        return data
    exif = clean_exif(info["exif"], reoriented=turn is not None) if info.get("exif") else None
    packet = xmp.remove_location(raw_xmp, drop_orientation=turn is not None) if raw_xmp else b""
    options: dict[str, Any] = {"exif": exif or b"", "icc_profile": info.get("icc_profile")}
    if image.format == "PNG":
        options["pnginfo"] = _png_text(image, packet)
        if "dpi" in info:
            options["dpi"] = info["dpi"]
    else:
        options["xmp"] = packet
    if image.format == "WEBP":
        options["lossless"] = _webp_is_lossless(data)
        options["quality"] = 100 if options["lossless"] else 90
    picture = image.transpose(turn) if turn is not None else image
    out = io.BytesIO()
    picture.save(out, format=image.format, **options)
    return out.getvalue()


def _png_text(image: Image.Image, packet: bytes) -> PngImagePlugin.PngInfo:
    """The PNG's text chunks (title, author, description...) minus the XMP packet, which is
    added back cleaned, and ImageMagick's "Raw profile type exif", hex-encoded EXIF GPS
    included."""
    chunks = PngImagePlugin.PngInfo()
    for key, value in getattr(image, "text", {}).items():
        if key == "XML:com.adobe.xmp" or key.startswith("Raw profile type"):
            continue
        chunks.add_itxt(key, str(value))
    if packet:
        chunks.add_itxt("XML:com.adobe.xmp", packet.decode("utf-8", "replace"))
    return chunks


def _webp_is_lossless(data: bytes) -> bool:
    """Whether the first image chunk of a WebP file is VP8L (lossless) rather than VP8."""
    pos = 12
    while pos + 8 <= len(data):
        chunk, size = data[pos : pos + 4], int.from_bytes(data[pos + 4 : pos + 8], "little")
        if chunk in (b"VP8L", b"VP8 "):
            return chunk == b"VP8L"
        pos += 8 + size + size % 2
    return False


# --- Reading caption and credit -------------------------------------------------------------

# What cameras and phones write into ImageDescription when nobody typed a caption.
_CAMERA_BOILERPLATE = {
    "", "OLYMPUS DIGITAL CAMERA", "SONY DSC", "EXIF_JPEG_PICTURE", "DEFAULT", "DCIM", "DIGITAL CAMERA",
    "MINOLTA DIGITAL CAMERA", "KONICA MINOLTA DIGITAL CAMERA", "LG DIGITAL CAMERA", "SAMSUNG", "UNTITLED",
    "IMAGE", "PICTURE", "CAMERA", "HDR", "JPEG", "SDR",
}
_IPTC_CAPTION, _IPTC_BYLINE, _IPTC_CREDIT, _IPTC_CHARSET = (2, 120), (2, 80), (2, 110), (1, 90)
_XP_TITLE, _XP_COMMENT, _XP_AUTHOR = 0x9C9B, 0x9C9C, 0x9C9D


def read_caption_credit(data: bytes, *, limits: Limits | None = None) -> tuple[str, str]:
    """(caption, credit) as written in the photo, "" where absent.

    Caption: IPTC caption (what photo desks and agencies fill in), else EXIF
    ImageDescription unless it is camera boilerplate, else Windows' XPComment / XPTitle.
    Credit: IPTC by-line, else EXIF Artist, XPAuthor, IPTC credit, and last Copyright.
    EXIF text is decoded as UTF-8 (what phones write), then GB18030 (older Chinese
    software), then Latin-1.
    """
    image = open_image(data, limits=limits or DEFAULT_LIMITS)
    with image:
        exif = image.getexif()
        iptc = _iptc(image)
    caption = _first(
        _iptc_text(iptc, _IPTC_CAPTION),
        _exif_text(exif.get(ExifTags.Base.ImageDescription)),
        _xp_text(exif.get(_XP_COMMENT)),
        _xp_text(exif.get(_XP_TITLE)),
    )
    credit = _first(
        _iptc_text(iptc, _IPTC_BYLINE),
        _exif_text(exif.get(ExifTags.Base.Artist)),
        _xp_text(exif.get(_XP_AUTHOR)),
        _iptc_text(iptc, _IPTC_CREDIT),
        _exif_text(exif.get(ExifTags.Base.Copyright)),
    )
    return caption, credit


def _first(*candidates: str) -> str:
    return next((c for c in candidates if c.strip("? \x00").upper() not in _CAMERA_BOILERPLATE), "")


def _decode(raw: bytes) -> str:
    for charset in ("utf-8", "gb18030"):
        try:
            return raw.decode(charset).strip(" \x00")
        except UnicodeDecodeError:
            continue
    return raw.decode("latin-1").strip(" \x00")


def _exif_text(value: object) -> str:
    if isinstance(value, str):  # Pillow's Latin-1 reading of the original bytes
        value = value.encode("latin-1", "replace")
    return _decode(value) if isinstance(value, bytes) else ""


def _xp_text(value: object) -> str:
    """Windows Explorer's XP* tags: UTF-16LE in a BYTE array."""
    if isinstance(value, tuple):
        value = bytes(value)
    if not isinstance(value, bytes):
        return ""
    return value.decode("utf-16-le", "replace").strip(" \x00")


def _iptc(image: ImageFile.ImageFile) -> dict[tuple[int, int], bytes | list[bytes]]:
    try:
        return IptcImagePlugin.getiptcinfo(image) or {}
    except DECODE_ERRORS:
        return {}


def _iptc_text(iptc: dict[tuple[int, int], bytes | list[bytes]], key: tuple[int, int]) -> str:
    """IPTC text, repeated fields (several by-lines) joined with 、. ESC % G in the record
    1:90 marks UTF-8; without it the bytes are decoded like EXIF text."""
    value = iptc.get(key)
    if value is None:
        return ""
    parts = value if isinstance(value, list) else [value]
    if iptc.get(_IPTC_CHARSET) == b"\x1b%G":
        texts = [p.decode("utf-8", "replace").strip() for p in parts]
    else:
        texts = [_decode(p) for p in parts]
    return "、".join(t for t in texts if t)
