"""What every formatter reads: one story, for one delivery, flattened (`PublishItem`).

The distribution service builds a `PublishItem` from a signed-off story revision, its
assets and the channel's rendition; formatters are pure functions of it, so they are
tested without a database and give the same bytes for the same item. Bylines reuse the
newsroom's `BylineInput`; pictures and media carry more than the generators need (the
file's type, its local path for print packages, a credit for video), so they have their
own types here.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from rongmei.newsroom.generators.text import html_to_text
from rongmei.newsroom.generators.types import BylineInput

PubStatus = Literal["usable", "withheld", "canceled"]
PUB_STATUSES: tuple[str, ...] = ("usable", "withheld", "canceled")

# What a delivery means to the receiver; decided by pubstatus and the correction note.
NoticeKind = Literal["original", "correction", "takedown", "withheld"]

_SLUG_UNSAFE = re.compile(r"[^A-Za-z0-9]+")


@dataclass(frozen=True)
class PublishImage:
    """One picture of the story, as published."""

    url: str                      # the web rendition readers see
    caption: str = ""
    credit: str = ""              # the photographer or the supplying unit
    width: int = 0
    height: int = 0
    mime: str = "image/jpeg"
    path: str = ""                # the original's file name (its suffix names the type), for print packages
    # Reads the original's bytes (from media storage, local folder or S3); None: read `path`
    # as a local file (formatter tests build items without a database or storage).
    read: Callable[[], bytes] | None = field(default=None, compare=False, repr=False)

    def original(self) -> bytes:
        return self.read() if self.read is not None else Path(self.path).read_bytes()


@dataclass(frozen=True)
class PublishMedia:
    """One video or audio file of the story."""

    kind: Literal["video", "audio"]
    url: str
    mime: str = ""
    duration_seconds: float | None = None
    poster_url: str = ""          # a still frame for players and listings
    caption: str = ""
    credit: str = ""
    width: int = 0
    height: int = 0


@dataclass(frozen=True)
class ChannelCopy:
    """The channel's signed-off rendition: what the editor approved for this outlet.

    Formatters that print the channel's own words (the newspaper package, the web body in
    ninjs) prefer it to the master's fields, because an editor may have changed it.
    """

    channel: str                  # web / wechat / weibo / newspaper / radio / tv / short_video
    title: str
    body: str                     # HTML for web and wechat, plain text for the others
    fields: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class PublishItem:
    """A story as one delivery sends it; `guid` and `version` identify it for receivers.

    Datetimes must be timezone-aware: receivers in other systems read them as instants,
    and a naive time would silently shift by eight hours.
    """

    guid: str                     # stable for every version: "urn:rongmei:demo:story:42"
    version: int
    center_name: str              # 示例县融媒体中心: the copyright holder and source
    center_slug: str
    headline: str                 # 主标题
    created: datetime
    updated: datetime             # when this version was made
    published: datetime | None = None   # first publication; None before the first
    kicker: str = ""              # 引题
    subheadline: str = ""         # 副标题
    summary: str = ""
    body_html: str = ""           # sanitized HTML, as the newsroom stores it
    plain_text: str = ""          # when empty, made from body_html
    bylines: tuple[BylineInput, ...] = ()
    column: str = ""              # 栏目
    tags: tuple[str, ...] = ()
    location: str = ""
    source: str = ""              # 来源, when not the center itself
    language: str = "zh-CN"
    url: str = ""                 # canonical address on the center's own site
    images: tuple[PublishImage, ...] = ()
    media: tuple[PublishMedia, ...] = ()
    rendition: ChannelCopy | None = None
    pubstatus: PubStatus = "usable"
    correction_note: str = ""     # what was corrected, or why the story was withdrawn
    embargo_until: datetime | None = None
    estimated_seconds: int | None = None  # read time on air, from the radio/TV rendition
    slug: str = ""                # file-name stem for packages; made from guid when empty
    time_zone: str = "Asia/Shanghai"  # the center's: dates printed for people use it

    def __post_init__(self) -> None:
        if not self.guid.strip():
            raise ValueError("稿件缺少唯一标识（guid），无法分发。")
        if self.version < 1:
            raise ValueError(f"稿件版本号应从 1 开始，收到的是 {self.version}。")
        if self.pubstatus not in PUB_STATUSES:
            raise ValueError(f"发布状态“{self.pubstatus}”无效，应为 usable、withheld 或 canceled。")
        try:
            ZoneInfo(self.time_zone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"时区“{self.time_zone}”无效，例如 Asia/Shanghai。") from None
        for name in ("created", "updated", "published", "embargo_until"):
            value = getattr(self, name)
            if value is not None and value.utcoffset() is None:
                raise ValueError(f"时间字段 {name} 缺少时区，请传入带时区的时间。")

    @property
    def text(self) -> str:
        """The body as plain text, one paragraph per line."""
        return self.plain_text.strip() or html_to_text(self.body_html)

    @property
    def file_slug(self) -> str:
        """An ASCII file-name stem: layout systems and zip tools mangle Chinese names."""
        raw = self.slug or self.guid.removeprefix("urn:").removeprefix("rongmei:")
        return _SLUG_UNSAFE.sub("-", raw).strip("-").lower() or "story"

    @property
    def notice_kind(self) -> NoticeKind:
        """Whether this delivery is the story, a correction, a takedown or a hold."""
        if self.pubstatus == "canceled":
            return "takedown"
        if self.pubstatus == "withheld":
            return "withheld"
        return "correction" if self.correction_note.strip() else "original"

    def local(self, moment: datetime) -> datetime:
        """`moment` on the center's clock, for dates printed for people."""
        return moment.astimezone(ZoneInfo(self.time_zone))

    def copy_for(self, channel: str) -> ChannelCopy | None:
        """The rendition, if it was made for `channel`."""
        if self.rendition is not None and self.rendition.channel == channel:
            return self.rendition
        return None
