"""Which generator makes which channel's rendition, and what the newsroom calls each channel."""

from __future__ import annotations

from typing import Protocol

from .newspaper import generate_newspaper
from .radio import generate_radio
from .short_video import generate_short_video
from .summary import SummaryBackend
from .tv import generate_tv
from .types import RenditionDraft, StoryInput
from .web import generate_web
from .wechat import generate_wechat
from .weibo import generate_weibo


class Generator(Protocol):
    def __call__(
        self, story: StoryInput, *, summarizer: SummaryBackend | None = None
    ) -> RenditionDraft: ...


GENERATORS: dict[str, Generator] = {
    "web": generate_web,
    "wechat": generate_wechat,
    "weibo": generate_weibo,
    "newspaper": generate_newspaper,
    "radio": generate_radio,
    "tv": generate_tv,
    "short_video": generate_short_video,
}

CHANNEL_LABELS: dict[str, str] = {
    "web": "网站/客户端",
    "wechat": "微信公众号",
    "weibo": "微博",
    "newspaper": "报纸",
    "radio": "广播稿",
    "tv": "电视稿",
    "short_video": "短视频",
}


def generate(
    channel: str, story: StoryInput, *, summarizer: SummaryBackend | None = None
) -> RenditionDraft:
    """The rendition of `story` for `channel` (a key of GENERATORS)."""
    try:
        generator = GENERATORS[channel]
    except KeyError:
        known = "、".join(f"{key}（{CHANNEL_LABELS[key]}）" for key in GENERATORS)
        raise ValueError(f"没有“{channel}”渠道的生成器，可用的有：{known}。") from None
    return generator(story, summarizer=summarizer)
