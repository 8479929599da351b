"""The short-video post (短视频: Douyin, Kuaishou, WeChat Channels).

The video carries the story; the text is a caption and a few topics. The caption is held
to 55 characters, the usual title limit of a Douyin or Kuaishou upload (作品标题); should a
platform change its rule, CAPTION_LIMIT is the one place to follow it. Topics travel
separately as 3 to 5 hashtags: enough to be found, few enough not to look like spam.
"""

from __future__ import annotations

from .parts import is_safe_url, summary_within, topics, warning
from .summary import SummaryBackend
from .text import truncate
from .types import RenditionDraft, StoryInput

CAPTION_LIMIT = 55
MIN_TAGS = 3
MAX_TAGS = 5


def generate_short_video(
    story: StoryInput, *, summarizer: SummaryBackend | None = None
) -> RenditionDraft:
    """Caption and hashtags for the story's video."""
    warnings: list[str] = []
    caption = _caption(story, summarizer, warnings)
    # The location is a topic; the column (要闻, 政策解读) is the center's shelf, not one.
    tags = [f"#{t}" for t in topics(story, MAX_TAGS, extra=(story.location,))]
    if len(tags) < MIN_TAGS:
        warnings.append(warning(
            "话题不足", f"只找到{len(tags)}个话题，短视频建议带{MIN_TAGS}至{MAX_TAGS}个",
            "请在稿件中补充标签",
        ))
    videos = [m for m in story.media if m.kind == "video" and is_safe_url(m.url)]
    if not videos:
        warnings.append(warning(
            "缺少视频", "稿件没有视频素材，短视频渠道无法发布", "请上传一段竖屏视频（9:16）",
        ))
    return RenditionDraft(
        channel="short_video",
        title=caption,
        body=caption + ("\n" + " ".join(tags) if tags else ""),
        fields={
            "caption": caption,
            "tags": tags,
            "video_url": videos[0].url if videos else "",
            "cover": videos[0].poster_url if videos and is_safe_url(videos[0].poster_url) else "",
        },
        stats={"caption_length": len(caption), "tag_count": len(tags)},
        warnings=warnings,
    )


def _caption(story: StoryInput, summarizer: SummaryBackend | None, warnings: list[str]) -> str:
    """The headline when it fits, which is what viewers search for; else a short summary."""
    headline = story.headline.strip()
    if headline and len(headline) <= CAPTION_LIMIT:
        return headline
    summary, notes = summary_within(story, CAPTION_LIMIT, summarizer=summarizer)
    warnings.extend(notes)
    what = f"标题超过短视频{CAPTION_LIMIT}字上限" if headline else "稿件没有标题"
    warnings.append(warning(
        "文案改用摘要", f"{what}，已改用摘要作文案", "请核对文案，或另拟一个短标题",
    ))
    return truncate(summary or headline, CAPTION_LIMIT)
