"""The sizes a photo is published in.

| name           | use                                   | size                                   |
|----------------|---------------------------------------|----------------------------------------|
| `thumb`        | lists, pickers, the planning board    | fits in 320×320                         |
| `web`          | website and app articles              | 1080 wide (a phone screen at 3×)       |
| `web_large`    | wide screens, `srcset`                | up to 1920 wide; only if wider than web |
| `wechat_cover` | WeChat article cover (头图)            | exactly 2.35:1, 900×383                 |
| `square`       | Weibo and app grid, matrix accounts   | 1:1, 600×600                            |

Every rendition is a progressive sRGB JPEG at quality 85 with no metadata at all, so none
can leak a position, whatever the original carried. Transparency is flattened on white,
PNG logos included: renditions go onto white pages and into WeChat, which shows JPEG
covers best, and one format keeps every consumer simple. Animated GIFs give their first
frame (the original is served for the animation).

Nothing is ever enlarged: a 600-pixel-wide photo gets a 600-wide `web`, no `web_large`,
and its cover and square are cut at the best resolution the photo has (a 600×400 photo
gives a 600×255 cover and a 400×400 square), still at the exact aspect ratio. Crops are
placed where the photo has the most detail (edge energy), so a speaker at the side of a
wide stage shot stays in the cover; a plain photo is cut in the centre.
"""

from __future__ import annotations

import array
import io
from dataclasses import dataclass

from PIL import Image, ImageCms, ImageFilter

from rongmei.newsroom.media.images import CORRUPT, DECODE_ERRORS, open_image, upright
from rongmei.newsroom.media.types import DEFAULT_LIMITS, Limits, UploadRejected

THUMB_BOX = (320, 320)
WEB_WIDTH = 1080
WEB_LARGE_WIDTH = 1920
COVER_SIZE = (900, 383)  # WeChat's 2.35:1 cover
SQUARE_SIZE = (600, 600)
JPEG_MIME = "image/jpeg"
_JPEG_OPTIONS = {"quality": 85, "progressive": True, "optimize": True}
_WHITE = (255, 255, 255)
_SRGB = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))
_ANALYSIS_SIZE = 256  # the crop is chosen on a copy this small: fast, and detail enough
_MOVE_THRESHOLD = 1.05  # leave the centre only for a window with clearly more detail


@dataclass(frozen=True)
class Rendition:
    """One size of a photo asset (not a story's channel version, which the glossary also
    calls a rendition)."""

    name: str
    data: bytes
    width: int
    height: int
    mime: str = JPEG_MIME


def make_renditions(data: bytes, *, limits: Limits | None = None) -> dict[str, Rendition]:
    """All renditions of a photo, keyed by name (see the module docstring). Raises
    `UploadRejected` for a photo that cannot be decoded or has too many pixels."""
    picture = _prepare(data, limits or DEFAULT_LIMITS)
    sized = {
        "thumb": _fit(picture, THUMB_BOX),
        "web": _to_width(picture, WEB_WIDTH),
        "web_large": _to_width(picture, WEB_LARGE_WIDTH) if picture.width > WEB_WIDTH else None,
        "wechat_cover": _cut(picture, COVER_SIZE),
        "square": _cut(picture, SQUARE_SIZE),
    }
    return {name: _encode(name, image) for name, image in sized.items() if image is not None}


def _prepare(data: bytes, limits: Limits) -> Image.Image:
    """The photo decoded, upright, in sRGB with no transparency. JPEGs are decoded at a
    reduced scale (1/2 to 1/8, by the DCT) when still at least 1920 px on both sides: a 50 MP
    photo then costs 1/16 of the memory and time, and no rendition is bigger than that."""
    image = open_image(data, limits=limits)
    with image:
        try:
            image.draft(image.mode, (WEB_LARGE_WIDTH, WEB_LARGE_WIDTH))
            turned = upright(image)
            # The opened image is closed on leaving this block; keep a copy of its pixels.
            return _to_srgb(image.copy() if turned is image else turned)
        except DECODE_ERRORS:
            raise UploadRejected(CORRUPT) from None


def _to_srgb(image: Image.Image) -> Image.Image:
    """RGB in sRGB. iPhones shoot in Display P3 and press cameras in Adobe RGB; shown as if
    sRGB they look dull, so an embedded profile is converted. CMYK (from print layouts) goes
    through its profile too. A broken profile falls back to a plain conversion."""
    if _has_transparency(image):
        rgba = image.convert("RGBA")
        flat = Image.new("RGB", rgba.size, _WHITE)
        flat.paste(rgba, mask=rgba.getchannel("A"))
        return flat
    icc = image.info.get("icc_profile")
    if icc and image.mode in ("RGB", "CMYK"):
        try:
            profile = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            if "sRGB" not in ImageCms.getProfileDescription(profile):
                converted = ImageCms.profileToProfile(
                    image, profile, _SRGB, renderingIntent=ImageCms.Intent.PERCEPTUAL, outputMode="RGB"
                )
                if converted is not None:
                    return converted
        except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
            pass
    return image if image.mode == "RGB" else image.convert("RGB")


def _has_transparency(image: Image.Image) -> bool:
    return image.mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in image.info


def _fit(picture: Image.Image, box: tuple[int, int]) -> Image.Image:
    fitted = picture.copy()
    fitted.thumbnail(box, Image.Resampling.LANCZOS)  # never enlarges
    return fitted


def _to_width(picture: Image.Image, width: int) -> Image.Image:
    if picture.width <= width:
        return picture
    height = max(1, round(picture.height * width / picture.width))
    return picture.resize((width, height), Image.Resampling.LANCZOS, reducing_gap=3.0)


def _cut(picture: Image.Image, size: tuple[int, int]) -> Image.Image:
    """Crop to the aspect ratio of `size` where the detail is, then scale down to `size`;
    a crop smaller than `size` keeps its own width (never enlarged), its height set from the
    ratio so the aspect stays exact."""
    cropped = picture.crop(smart_crop_box(picture, size[0] / size[1]))
    width = min(size[0], cropped.width)
    height = max(1, round(width * size[1] / size[0]))
    if (width, height) == cropped.size:
        return cropped
    return cropped.resize((width, height), Image.Resampling.LANCZOS, reducing_gap=3.0)


def smart_crop_box(picture: Image.Image, aspect: float) -> tuple[int, int, int, int]:
    """The largest box of the given aspect (width / height) inside the photo, slid along
    the long axis to where the photo has the most detail."""
    width, height = picture.size
    if width > height * aspect:  # too wide: choose a horizontal position
        crop = max(1, min(width, round(height * aspect)))
        x = _best_offset(_detail_along(picture, wide=True), width, crop)
        return (x, 0, x + crop, height)
    crop = max(1, min(height, round(width / aspect)))
    y = _best_offset(_detail_along(picture, wide=False), height, crop)
    return (0, y, width, y + crop)


def _best_offset(detail: list[float], full: int, crop: int) -> int:
    """Where a window of `crop` pixels should start along an axis of `full` pixels. Ties
    and near-ties go to the centre, so a plain photo is cut symmetrically."""
    centred = (full - crop) // 2
    n = len(detail)
    window = max(1, round(crop * n / full)) if n else 0
    if n == 0 or window >= n:
        return centred
    sums = [0.0]
    for value in detail:
        sums.append(sums[-1] + value)
    energy = [sums[i + window] - sums[i] for i in range(n - window + 1)]
    middle = round((n - window) / 2)
    best = max(range(len(energy)), key=lambda i: (energy[i], -abs(i - middle)))
    if energy[best] <= energy[middle] * _MOVE_THRESHOLD:
        return centred
    return min(max(0, round(best * full / n)), full - crop)


def _detail_along(picture: Image.Image, *, wide: bool) -> list[float]:
    """How much detail (edge strength) each column (wide=True) or row of the photo has, on
    a small copy. The one-pixel border is dropped: Pillow's 3×3 filters copy it unfiltered,
    which would make every frame edge look like detail."""
    scale = min(1.0, _ANALYSIS_SIZE / max(picture.size))
    small_size = (max(1, round(picture.width * scale)), max(1, round(picture.height * scale)))
    small = picture.resize(small_size, Image.Resampling.BOX).convert("L")
    if small.width < 3 or small.height < 3:
        return []
    edges = small.filter(ImageFilter.FIND_EDGES).crop((1, 1, small.width - 1, small.height - 1)).convert("F")
    line = edges.resize((edges.width, 1) if wide else (1, edges.height), Image.Resampling.BOX)
    values = array.array("f", line.tobytes())
    return [values[0], *values, values[-1]]  # stand-ins for the dropped border


def _encode(name: str, image: Image.Image) -> Rendition:
    out = io.BytesIO()
    image.save(out, "JPEG", **_JPEG_OPTIONS)
    return Rendition(name=name, data=out.getvalue(), width=image.width, height=image.height)
