"""Opening photos safely: every path that reads pixels goes through `open_image`, which
refuses decompression bombs before a pixel is decoded and turns decoder failures into one
kind message.

A note on Pillow's own bomb guard: `Image.open` warns (DecompressionBombWarning) above
`Image.MAX_IMAGE_PIXELS` (about 89 MP) and raises DecompressionBombError above twice that.
We catch both, and check our own, lower limit right after the header is read. We do not
turn the warning into an error with `warnings.catch_warnings`, because that changes a
process-wide filter list and is not thread-safe in a threaded web server; it is not needed
either, since any image Pillow would only warn about is above our default limit and is
refused a line later, before decoding.
"""

from __future__ import annotations

import io
import struct
import zlib
from collections.abc import Sequence
from typing import BinaryIO

from PIL import Image, ImageFile

from rongmei.newsroom.media.formats import ACCEPTED, pixel_count
from rongmei.newsroom.media.types import DEFAULT_LIMITS, Limits, UploadRejected

# Pillow's decoders raise any of these on malformed input; all mean "this file is broken".
DECODE_ERRORS: tuple[type[BaseException], ...] = (
    OSError, SyntaxError, ValueError, EOFError, IndexError, KeyError, TypeError, struct.error, zlib.error,
)
PILLOW_FORMATS: tuple[str, ...] = tuple(f.pillow for f in ACCEPTED.values() if f.pillow)

CORRUPT = (
    "图片文件已损坏或不完整（可能是上传时中断了），无法打开，已拒绝。"
    "请确认图片在手机或电脑上能正常查看，再重新上传。"
)

ORIENTATION_TAG = 0x0112
_TURNED_SIDEWAYS = {5, 6, 7, 8}  # orientations whose upright picture swaps width and height


def open_image(
    source: bytes | BinaryIO, *, limits: Limits = DEFAULT_LIMITS, formats: Sequence[str] = PILLOW_FORMATS
) -> ImageFile.ImageFile:
    """Open a photo (reading only its header) with the decoders in `formats`, refusing it if
    it has more pixels than `limits.image_pixels` or cannot be read."""
    fp = io.BytesIO(source) if isinstance(source, bytes) else source
    try:
        image = Image.open(fp, formats=list(formats))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise UploadRejected(too_many_pixels(None, limits)) from None
    except DECODE_ERRORS:
        raise UploadRejected(CORRUPT) from None
    if image.width * image.height > limits.image_pixels:
        raise UploadRejected(too_many_pixels(image.size, limits))
    return image


def decode_fully(image: Image.Image, limits: Limits = DEFAULT_LIMITS) -> None:
    """Decode the pixels of the first frame, so a truncated or corrupt file is refused now
    and not when a page first asks for a thumbnail. JPEGs are decoded at 1/8 scale: the
    decoder still reads every byte of the data (so truncation shows) at 1/64 of the memory.
    This changes `image` (the scale); call it on an image opened for checking only."""
    try:
        image.draft(image.mode, (max(1, image.width // 8), max(1, image.height // 8)))
        image.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise UploadRejected(too_many_pixels(image.size, limits)) from None
    except DECODE_ERRORS:
        raise UploadRejected(CORRUPT) from None


def orientation(image: Image.Image) -> int:
    """The EXIF orientation (1 to 8; 1 when absent or unreadable: a broken EXIF block must
    not cost the reporter the photo)."""
    try:
        value = image.getexif().get(ORIENTATION_TAG, 1)
    except DECODE_ERRORS:
        return 1
    return value if isinstance(value, int) and 1 <= value <= 8 else 1


TRANSPOSE = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}


def upright(image: Image.Image) -> Image.Image:
    """The pixels turned the way EXIF orientation says (decoding them). Unlike
    `ImageOps.exif_transpose` this never fails on a malformed EXIF block."""
    turn = TRANSPOSE.get(orientation(image))
    return image.transpose(turn) if turn is not None else image


def upright_size(image: Image.Image) -> tuple[int, int]:
    """Width and height as the photo is meant to be seen, after EXIF orientation."""
    width, height = image.size
    return (height, width) if orientation(image) in _TURNED_SIDEWAYS else (width, height)


def is_animated(image: Image.Image) -> bool:
    """Whether a GIF, PNG or WebP has several frames. A JPEG with extra images (MPO: the
    gain map of an Android "Ultra HDR" photo, a depth map, a 3D camera's other eye) is a
    still photo."""
    if image.format == "MPO":
        return False
    try:
        return bool(getattr(image, "is_animated", False))
    except DECODE_ERRORS:  # counting frames reads the whole file: a truncated GIF fails here
        raise UploadRejected(CORRUPT) from None


def too_many_pixels(size: tuple[int, int] | None, limits: Limits) -> str:
    found = f"（{size[0]}×{size[1]}，约 {pixel_count(size[0] * size[1])}）" if size else ""
    return (
        f"图片像素太多{found}，超过 {pixel_count(limits.image_pixels)}的上限，处理时会占用过多内存，已拒绝。"
        "请把图片缩小后再上传（例如长边不超过 8000 像素）。"
    )
