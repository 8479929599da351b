"""What the media package hands back: the kind of an asset, the limits it is held to, the
result of inspecting an upload, and the one exception a refused upload raises."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

MB = 1024 * 1024
GB = 1024 * MB


class AssetKind(StrEnum):
    IMAGE = "image"
    AUDIO = "audio"
    VIDEO = "video"
    DOCUMENT = "document"

    @property
    def label(self) -> str:
        """The word a reporter reads in a message: 图片, 音频, 视频, 文档."""
        return _LABELS[self]


_LABELS = {
    AssetKind.IMAGE: "图片",
    AssetKind.AUDIO: "音频",
    AssetKind.VIDEO: "视频",
    AssetKind.DOCUMENT: "文档",
}


@dataclass(frozen=True)
class Limits:
    """How large an upload may be. Defaults suit a county newsroom: a 30 MB photo is a
    full-frame camera JPEG, 2 GB is about 20 minutes of 1080p phone video. A center that
    needs more passes its own `Limits` (for example, read from its settings)."""

    image_bytes: int = 30 * MB
    audio_bytes: int = 200 * MB
    video_bytes: int = 2 * GB
    document_bytes: int = 50 * MB
    # A photo above this is refused before its pixels are decoded: 80 megapixels is more
    # than any phone or newsroom camera makes, and decoding one costs about 320 MB of RAM.
    image_pixels: int = 80_000_000

    def max_bytes(self, kind: AssetKind) -> int:
        return {
            AssetKind.IMAGE: self.image_bytes,
            AssetKind.AUDIO: self.audio_bytes,
            AssetKind.VIDEO: self.video_bytes,
            AssetKind.DOCUMENT: self.document_bytes,
        }[kind]


DEFAULT_LIMITS = Limits()


class UploadRejected(ValueError):
    """The upload is refused. `message` is Chinese, says what happened and what to do, and
    is meant to be shown to the reporter as it is (a form field error, an API 400)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Inspection:
    """What an upload turned out to be, decided by its content.

    `safe_name` is the reporter's file name cleaned for storage, with the extension the
    content really has. `width` and `height` are the upright size of a photo (after EXIF
    orientation), because that is what pages and crops are laid out with; `None` for other
    kinds. `charset` is set for text documents only ("utf-8" or "gb18030"), so they can be
    served with the right `Content-Type`.
    """

    kind: AssetKind
    mime: str
    extension: str
    size: int
    sha256: str
    safe_name: str
    width: int | None = None
    height: int | None = None
    animated: bool = False
    charset: str | None = None
