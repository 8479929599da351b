"""Images without a caption or a credit.

A news photo must say what it shows (图片说明) and whose it is (署名/来源): the first is the
reader's due, the second the photographer's and the law's. A caption that is only the
camera's file name (IMG_2031.JPG) is no caption.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from .types import CHECK_IMAGE, Finding

CATEGORY = "图片"

_FILE_NAME = re.compile(r"^[\w\-. ()]+\.(?:jpe?g|png|gif|webp|heic|heif|tiff?|bmp)$", re.I)


@dataclass(frozen=True)
class ImageRef:
    """One image of a story as the check needs it: which asset, its caption and credit."""

    asset_id: str | int
    caption: str = ""
    credit: str = ""


ImageLike = ImageRef | tuple[str | int, str, str]


def find_images(images: Iterable[ImageLike]) -> list[Finding]:
    """A warning per image for a missing caption and for a missing credit."""
    findings = []
    for image in images:
        ref = image if isinstance(image, ImageRef) else ImageRef(*image)
        findings.extend(_image_findings(ref))
    return findings


def _image_findings(image: ImageRef) -> list[Finding]:
    found = []
    caption = image.caption.strip()
    if not caption:
        found.append(_finding(image, "caption", "缺少图片说明。请写明图中是谁、在哪里、在做什么。"))
    elif _FILE_NAME.match(caption):
        found.append(_finding(
            image, "caption", f"图片说明「{caption}」只是文件名。请改写为图片内容的说明。"
        ))
    if not image.credit.strip():
        found.append(_finding(
            image, "credit", "缺少署名或来源。请填写摄影者（如“记者 王磊 摄”）或图片来源。"
        ))
    return found


def _finding(image: ImageRef, part: str, message: str) -> Finding:
    return Finding(
        check=CHECK_IMAGE,
        severity="warn",
        start=0,
        end=0,
        text="",
        message=f"图片（编号 {image.asset_id}）{message}",
        suggestion=None,
        category=CATEGORY,
        field=f"{part}:{image.asset_id}",
    )
