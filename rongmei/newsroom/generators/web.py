"""The website and app article: the full story as safe, responsive HTML.

The page template supplies layout and styles; this generator supplies the article's own
markup, with a small set of class names the template styles. Whatever the story holds,
the result passes an explicit nh3 allow-list last, so no script, event handler or
foreign URL scheme can reach a reader's browser.
"""

from __future__ import annotations

from html import escape
from itertools import groupby

import nh3

from .parts import (
    byline_line, credit_line, image_blocks, is_safe_url, missing_caption_warnings, names_by_role,
    story_blocks, summary_within, text_blocks, warning,
)
from .summary import SummaryBackend
from .text import Block, blocks_to_text, count_chars
from .types import ImageInput, MediaInput, RenditionDraft, StoryInput

# The article column is at most 768 px wide; phones show pictures edge to edge.
IMAGE_SIZES = "(max-width: 768px) 100vw, 768px"
# Search engines and share cards show about this many characters of a description.
SUMMARY_LIMIT = 120

_CLASSES = {
    "p": {"kicker", "subheadline", "byline", "editor"},
    "figure": {"picture", "video", "audio"},
    "ul": {"tags"},
}
_CLEANER = nh3.Cleaner(
    tags={
        "article", "header", "footer", "h1", "h2", "h3", "p", "strong", "em", "a", "br",
        "figure", "figcaption", "img", "video", "audio", "blockquote", "ul", "ol", "li",
    },
    attributes={
        "a": {"href"},
        "img": {"src", "srcset", "sizes", "alt", "width", "height", "decoding"},
        "video": {"src", "controls", "poster", "playsinline"},
        "audio": {"src", "controls"},
    },
    tag_attribute_values={
        "img": {"loading": {"lazy"}},
        "video": {"preload": {"metadata"}},
        "audio": {"preload": {"metadata"}},
    },
    allowed_classes=_CLASSES,
    url_schemes={"http", "https"},
)


def generate_web(
    story: StoryInput, *, summarizer: SummaryBackend | None = None
) -> RenditionDraft:
    """The article for the center's own website and app."""
    blocks = story_blocks(story)
    summary, warnings = summary_within(story, SUMMARY_LIMIT, summarizer=summarizer)
    article = "".join(
        [_header(story), *(_player(m) for m in _playable(story)), _body(blocks), _footer(story)]
    )
    warnings += missing_caption_warnings(blocks)
    if not text_blocks(blocks):
        warnings.append(warning("缺少正文", "稿件没有正文，网页上只有标题", "请补充正文后再生成"))
    return RenditionDraft(
        channel="web",
        title=story.headline,
        body=_CLEANER.clean(f"<article>{article}</article>"),
        fields={
            "summary": summary,
            "tags": list(story.tags),
            "kicker": story.kicker,
            "subheadline": story.subheadline,
        },
        stats={
            "char_count": count_chars(blocks_to_text(text_blocks(blocks, headings=True))),
            "image_count": len(image_blocks(blocks)),
            "video_count": sum(1 for m in _playable(story) if m.kind == "video"),
            "audio_count": sum(1 for m in _playable(story) if m.kind == "audio"),
        },
        warnings=warnings,
    )


def _header(story: StoryInput) -> str:
    parts = []
    if story.kicker:
        parts.append(f'<p class="kicker">{escape(story.kicker)}</p>')
    parts.append(f"<h1>{escape(story.headline)}</h1>")
    if story.subheadline:
        parts.append(f'<p class="subheadline">{escape(story.subheadline)}</p>')
    credits = [f"来源：{story.source or story.center_name}", byline_line(story.bylines)]
    parts.append(f'<p class="byline">{escape("　".join(c for c in credits if c))}</p>')
    return f"<header>{''.join(parts)}</header>"


def _body(blocks: list[Block]) -> str:
    """Blocks as HTML; neighbouring list items share one list, neighbouring quotes one quote."""
    html = []
    for (kind, ordered), group in groupby(blocks, key=lambda b: (b.kind, b.ordinal > 0)):
        items = list(group)
        if kind == "list_item":
            tag = "ol" if ordered else "ul"
            html.append(f"<{tag}>{''.join(f'<li>{b.html}</li>' for b in items)}</{tag}>")
        elif kind == "quote":
            html.append(f"<blockquote>{''.join(f'<p>{b.html}</p>' for b in items)}</blockquote>")
        else:
            html.extend(_block(b) for b in items)
    return "".join(html)


def _block(block: Block) -> str:
    if block.kind == "heading":
        return f"<h{block.level}>{block.html}</h{block.level}>"
    if block.kind == "image" and block.image is not None:
        return _figure(block.image)
    return f"<p>{block.html}</p>"


def _figure(image: ImageInput) -> str:
    """A responsive picture: srcset for the browser to choose, lazy, sized to avoid jumps."""
    attrs = [f'src="{escape(image.url)}"', f'alt="{escape(image.caption)}"', 'loading="lazy"',
             'decoding="async"']
    srcset = sorted(image.srcset, key=lambda pair: pair[1])
    if not srcset and image.width:
        srcset = [(image.url, image.width)]
    if srcset:
        candidates = ", ".join(f"{escape(url)} {width}w" for url, width in srcset)
        attrs += [f'srcset="{candidates}"', f'sizes="{IMAGE_SIZES}"']
    if image.width and image.height:
        attrs += [f'width="{image.width}"', f'height="{image.height}"']
    caption = "　".join(p for p in (image.caption, credit_line(image.credit)) if p)
    figcaption = f"<figcaption>{escape(caption)}</figcaption>" if caption else ""
    return f'<figure class="picture"><img {" ".join(attrs)}>{figcaption}</figure>'


def _playable(story: StoryInput) -> list[MediaInput]:
    return [m for m in story.media if m.kind in ("video", "audio") and is_safe_url(m.url)]


def _player(media: MediaInput) -> str:
    """A native player; only the metadata loads until the reader presses play."""
    src = escape(media.url)
    caption = f"<figcaption>{escape(media.caption)}</figcaption>" if media.caption else ""
    if media.kind == "video":
        poster = f' poster="{escape(media.poster_url)}"' if is_safe_url(media.poster_url) else ""
        fallback = f'您的浏览器不能播放视频，请<a href="{src}">下载观看</a>。'
        attrs = f'controls preload="metadata" playsinline{poster} src="{src}"'
        player = f"<video {attrs}>{fallback}</video>"
    else:
        fallback = f'您的浏览器不能播放音频，请<a href="{src}">下载收听</a>。'
        player = f'<audio controls preload="metadata" src="{src}">{fallback}</audio>'
    return f'<figure class="{media.kind}">{player}{caption}</figure>'


def _footer(story: StoryInput) -> str:
    parts = []
    if story.tags:
        items = "".join(f"<li>{escape(tag)}</li>" for tag in story.tags)
        parts.append(f'<ul class="tags">{items}</ul>')
    editors = names_by_role(story.bylines).get("编辑")
    if editors:
        parts.append(f'<p class="editor">{escape("责任编辑：" + " ".join(editors))}</p>')
    return f"<footer>{''.join(parts)}</footer>" if parts else ""
