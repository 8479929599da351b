"""The province's platform (省级技术平台) reads ninjs 3.1 like any subscriber, but it needs
the files themselves, not only the page: it re-edits and re-publishes pieces on the
province's own outlets. So its document is the plain push's ninjs plus media renditions —
the short-video MP4 and its cover when the story has a signed video — each with an
absolute link the province can fetch, its type, size in pixels and bytes, and duration.
Pictures stay `associations` (as in the plain push), each with its rendition.

A pure function of the item and the links (no database, no network), like every formatter;
the links are made by the adapter (`rongmei.distribution.video_links`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .ninjs import _compact, to_ninjs
from .types import PublishItem


@dataclass(frozen=True)
class MediaLink:
    """One file the province may fetch: `name` is the rendition's name in the document
    ("short_video", "short_video_cover", "video_horizontal" …)."""

    name: str
    href: str
    content_type: str
    width: int = 0
    height: int = 0
    duration: float | None = None
    size: int = 0
    title: str = ""
    video_codec: str = ""

    def rendition(self) -> dict[str, Any]:
        return _compact({
            "name": self.name, "href": self.href, "contentType": self.content_type, "title": self.title,
            "width": self.width or None, "height": self.height or None, "sizeInBytes": self.size or None,
            "duration": round(self.duration, 3) if self.duration else None,
            "aspectRatio": _ratio(self.width, self.height), "videoCodec": self.video_codec,
        })


def province_ninjs(item: PublishItem, links: tuple[MediaLink, ...] = ()) -> dict[str, Any]:
    """ninjs 3.1 for the province: `to_ninjs(item)` with the media renditions added. A
    takedown (pubstatus canceled) carries no media: the province must drop what it has."""
    doc = to_ninjs(item)
    if item.pubstatus == "canceled" or not links:
        return doc
    doc["renditions"] = list(doc.get("renditions", [])) + [link.rendition() for link in links]
    return doc


def _ratio(width: int, height: int) -> str | None:
    if not (width and height):
        return None
    from math import gcd

    g = gcd(width, height)
    return f"{width // g}:{height // g}"
