"""What a rendition generator reads (a story, flattened) and what it returns.

The newsroom builds a `StoryInput` from a story revision and its assets; generators are
pure functions of it, so they are tested without a database.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class ImageInput:
    url: str                      # web rendition (about 1080 px wide)
    caption: str = ""
    credit: str = ""
    width: int = 0
    height: int = 0
    cover_url: str = ""           # 2.35:1 crop, for WeChat covers
    square_url: str = ""          # 1:1 crop
    srcset: tuple[tuple[str, int], ...] = ()  # (url, width) pairs for responsive images


@dataclass(frozen=True)
class MediaInput:
    kind: str                     # "video" or "audio"
    url: str
    duration_seconds: float | None = None
    poster_url: str = ""
    caption: str = ""


@dataclass(frozen=True)
class BylineInput:
    name: str
    role: str                     # 记者 / 摄影 / 摄像 / 编辑 / 通讯员


@dataclass(frozen=True)
class StoryInput:
    center_name: str
    headline: str                 # 主标题
    kicker: str = ""              # 引题
    subheadline: str = ""         # 副标题
    summary: str = ""             # editor's summary; generators make one when empty
    body_html: str = ""           # sanitized HTML (p, h2, h3, strong, em, ul, ol, li, blockquote, img, a)
    column: str = ""              # 栏目 name
    tags: tuple[str, ...] = ()
    location: str = ""
    source: str = ""              # 来源, e.g. 示例县融媒体中心
    bylines: tuple[BylineInput, ...] = ()
    images: tuple[ImageInput, ...] = ()
    media: tuple[MediaInput, ...] = ()
    url: str = ""                 # canonical link on the center's own site, when known
    user_words: tuple[str, ...] = ()  # the county's place, office and people names for jieba


@dataclass
class RenditionDraft:
    channel: str                  # web / wechat / weibo / newspaper / radio / tv / short_video
    title: str
    body: str                     # HTML for web and wechat, plain text for the others
    fields: dict = field(default_factory=dict)    # channel-specific parts (digest, cover, tags, segments...)
    stats: dict = field(default_factory=dict)     # char_count, estimated_seconds, ...
    warnings: list[str] = field(default_factory=list)  # Chinese, for the editor
