"""The Weibo post (微博).

A post of at most 140 Weibo characters (see `text.weibo_length`) is shown whole in the
timeline; anything longer is folded, so a long story goes out as a long post whose first
lines must work as a teaser, and we also supply a ≤140 teaser (`fields["short_text"]`)
for accounts and reposts that need one. Weibo takes at most nine pictures per post.
"""

from __future__ import annotations

import re

from .parts import (
    body_text, editor_topics, image_blocks, story_blocks, summary_within, topics, warning,
)
from .summary import SummaryBackend
from .text import truncate, weibo_length
from .types import RenditionDraft, StoryInput

POST_LIMIT = 140
IMAGE_LIMIT = 9
TOPIC_LIMIT = 3
# Below this many Weibo characters a teaser says too little; topics give way first.
MIN_TEASER = 30
# The post always goes out with the story's link (the adapter appends it when the version
# has none), and Weibo counts any link the same; a version written without one keeps room.
_LINK_SLOT = " https://t.cn/0"


def _limit(story: StoryInput) -> int:
    """Weibo characters the version's own words may take: 140, less the link still to come."""
    return POST_LIMIT if story.url else POST_LIMIT - weibo_length(_LINK_SLOT)


def generate_weibo(
    story: StoryInput, *, summarizer: SummaryBackend | None = None
) -> RenditionDraft:
    """A short post when the whole story fits in 140, else a long post plus a short teaser."""
    warnings: list[str] = []
    tags = topics(story, TOPIC_LIMIT)
    if not tags:
        warnings.append(warning(
            "缺少话题", "稿件没有标签，也没有提取到关键词，微博未带话题", "请在稿件中填写标签",
        ))
    text = _LABEL.sub("", body_text(story))
    header = _header(story.headline)
    whole = f"{header}{text}{_tail(tags, story.url)}"
    if weibo_length(whole) <= _limit(story):
        mode, body, teaser = "short", whole, whole
    else:
        mode = "long"
        teaser = _teaser(story, tags, summarizer, warnings)
        body = f"{header}\n{text}\n{_tail(tags, story.url).strip()}".strip()
    images = [b.src for b in image_blocks(story_blocks(story))]
    if len(images) > IMAGE_LIMIT:
        warnings.append(warning(
            "图片过多", f"稿件有{len(images)}张图片，微博最多{IMAGE_LIMIT}张，只带前{IMAGE_LIMIT}张",
            "如需换图，请调整图片顺序",
        ))
    return RenditionDraft(
        channel="weibo",
        title=story.headline,
        body=body,
        fields={
            "mode": mode,
            "short_text": teaser,
            "topics": [f"#{t}#" for t in tags],
            "images": images[:IMAGE_LIMIT],
            "link": story.url,
        },
        stats={"weibo_length": weibo_length(body), "short_weibo_length": weibo_length(teaser)},
        warnings=warnings,
    )


# A notice's own label: 【提醒】, 【停水通知】.
_LABEL = re.compile(r"^【[^】]{1,10}】")


def _header(headline: str) -> str:
    """【标题】 opens a Weibo post; a headline that has its own 【提醒】 label is not
    bracketed again (【【提醒】……】): it opens the post as it is, set off by a colon."""
    headline = headline.strip()
    if "【" not in headline:
        return f"【{headline}】"
    return headline if headline.endswith(("：", "！", "？", "。")) else headline + "："


def _tail(tags: list[str], url: str) -> str:
    """" #话题# #话题# https://…": topics, then the link, each set off by a space."""
    return "".join(f" #{t}#" for t in tags) + (f" {url}" if url else "")


def _teaser(
    story: StoryInput, tags: list[str], summarizer: SummaryBackend | None, warnings: list[str]
) -> str:
    """【标题】summary #topics# link, in at most 140 Weibo characters.

    Topics the system found are dropped (down to one) before the summary gets too short;
    the editor's own tags are kept, and a headline too long to leave room for any summary
    is cut instead. The parts are measured separately, and Weibo's count of a whole is
    never more than the sum of its parts.
    """
    typed = len(editor_topics(story, len(tags)))
    kept = tags
    header = _header(story.headline)
    limit = _limit(story)
    while len(kept) > max(1, typed) and _room(header, _tail(kept, story.url), limit) < MIN_TEASER:
        kept = kept[:-1]
    tail = _tail(kept, story.url)
    if _room(header, tail, limit) < MIN_TEASER:
        room_for_headline = limit - weibo_length(tail) - MIN_TEASER - weibo_length("【】")
        header = _header(truncate(story.headline, room_for_headline, weibo_length))
        warnings.append(warning(
            "标题过长", "标题太长，微博导读里已截短", "请为微博另拟一个短标题",
        ))
    room = _room(header, tail, limit)
    while room > 0:
        summary, notes = summary_within(story, room, measure=weibo_length, summarizer=summarizer)
        post = header + _LABEL.sub("", summary) + tail
        if weibo_length(post) <= limit:
            warnings.extend(notes)
            return post
        room -= 1
    return truncate(header + tail.strip(), limit, weibo_length)


def _room(header: str, tail: str, limit: int = POST_LIMIT) -> int:
    return limit - weibo_length(header) - weibo_length(tail)
