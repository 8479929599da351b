"""The WeChat Official Account article (微信公众号图文).

WeChat's editor keeps inline `style=` and drops style sheets, scripts, classes and ids, so
every rule that matters is written inline on a handful of tags. Its draft API limits the
title to 64 characters, the digest to 120 and the author to 8; we cut to those limits
ourselves and say so, because WeChat would refuse the draft or cut mid-word.
External links cannot be clicked inside an article; the story's own link travels as
"阅读原文" (`fields["source_url"]`).
"""

from __future__ import annotations

import re
from html import escape, unescape

import nh3

from .parts import (
    credit_line, image_blocks, missing_caption_warnings, names_by_role, story_blocks,
    summary_within, text_blocks, warning,
)
from .summary import SummaryBackend
from .text import Block, blocks_to_text, count_chars, list_marker, truncate
from .types import ImageInput, RenditionDraft, StoryInput

TITLE_LIMIT = 32  # draft/add: 标题不超过32个字 (the current documentation)
DIGEST_LIMIT = 120
AUTHOR_LIMIT = 8

STYLE = {
    "article": "margin:0;padding:0 4px;font-size:16px;line-height:1.75;color:#333333;"
    "letter-spacing:0.5px;",
    "p": "margin:0 0 16px;text-align:justify;",
    "meta": "margin:0 0 16px;font-size:14px;color:#888888;",
    "heading": "margin:24px 0 12px;font-size:17px;font-weight:bold;color:#1a1a1a;",
    "quote": "margin:0 0 16px;padding:8px 12px;border-left:3px solid #b22222;"
    "background-color:#f7f7f7;color:#555555;",
    "figure": "margin:0 0 16px;padding:0;",
    "img": "display:block;width:100%;height:auto;margin:0;",
    "caption": "margin:6px 0 0;font-size:13px;color:#888888;text-align:center;",
}

_NOT_AUTHORS = ("编辑", "摄影", "摄像")

# The only CSS an article needs. Anything else could lay a layer over the page
# (position, z-index), load from another host (background and its url()), or hide text.
SAFE_STYLE_PROPERTIES = frozenset({
    "color", "background-color", "font-size", "font-weight", "font-style", "text-align",
    "text-indent", "text-decoration", "line-height", "letter-spacing", "vertical-align",
    "margin", "margin-top", "margin-right", "margin-bottom", "margin-left",
    "padding", "padding-top", "padding-right", "padding-bottom", "padding-left",
    "border", "border-top", "border-right", "border-bottom", "border-left",
    "border-color", "border-style", "border-width", "border-radius",
    "width", "max-width", "height", "display",
})
_DISPLAY = {"block", "inline", "inline-block"}   # not none: no text hidden from the reader
# After nh3 has parsed and re-serialized a style, a value is plain text: refuse any that
# can fetch, compute or escape (url( image-set( expression( var( …), quotes and escapes,
# and viewport units (a 100vh block covers the whole screen).
_UNSAFE_VALUE = re.compile(r"\w[\w-]*\(|[\\\"'<>@{}]|\d(?:[sld]?v[hwib]|vmin|vmax)\b", re.I)
_FUNCTIONS_ALLOWED = re.compile(r"\b(?:rgba?|hsla?)\(", re.I)
_STYLE_ATTRIBUTE = re.compile(r' style="([^"]*)"')

_CLEANER = nh3.Cleaner(
    tags={"section", "p", "span", "strong", "em", "br", "img", "figure"},
    attributes={
        "section": {"style"}, "p": {"style"}, "span": {"style"}, "strong": {"style"},
        "figure": {"style"}, "img": {"src", "alt", "style"},
    },
    url_schemes={"http", "https"},
    link_rel=None,
    filter_style_properties=set(SAFE_STYLE_PROPERTIES),
)


def clean_wechat_html(html: str) -> str:
    """What an editor typed into a WeChat rendition, limited to what the WeChat editor keeps
    and to safe inline styles (SAFE_STYLE_PROPERTIES, values without url() and the like)."""
    return _STYLE_ATTRIBUTE.sub(_safe_style_attribute, _CLEANER.clean(html))


def _safe_style_attribute(match: re.Match) -> str:
    style = safe_style(unescape(match.group(1)))
    return f' style="{escape(style)}"' if style else ""


def safe_style(style: str) -> str:
    """The declarations of an inline style (as nh3 serializes them) whose property is on
    the list and whose value cannot fetch or compute anything."""
    kept = []
    for declaration in style.split(";"):
        name, colon, value = declaration.partition(":")
        name, value = name.strip().lower(), value.strip()
        if not colon or not value or name not in SAFE_STYLE_PROPERTIES:
            continue
        if _UNSAFE_VALUE.search(_FUNCTIONS_ALLOWED.sub("", value)):
            continue
        if name == "display" and value.lower() not in _DISPLAY:
            continue
        kept.append(f"{name}:{value}")
    return ";".join(kept) + (";" if kept else "")


def generate_wechat(
    story: StoryInput, *, summarizer: SummaryBackend | None = None
) -> RenditionDraft:
    """An article ready for the WeChat draft box, or for pasting by hand."""
    blocks = story_blocks(story)
    digest, warnings = summary_within(story, DIGEST_LIMIT, summarizer=summarizer)
    title = _title(story.headline, warnings)
    author = _author(story, warnings)
    cover = _cover(blocks, warnings)
    warnings += missing_caption_warnings(blocks) + _unembeddable(story, blocks)
    html = "".join([_meta(story), *(_block(b) for b in blocks)])
    return RenditionDraft(
        channel="wechat",
        title=title,
        body=clean_wechat_html(f'<section style="{STYLE["article"]}">{html}</section>'),
        fields={
            "digest": digest,
            "cover": cover,
            "author": author,
            "source_url": story.url,
            "images": [b.src for b in image_blocks(blocks)],
        },
        stats={
            "char_count": count_chars(blocks_to_text(text_blocks(blocks, headings=True))),
            "image_count": len(image_blocks(blocks)),
        },
        warnings=warnings,
    )


def _title(headline: str, warnings: list[str]) -> str:
    if len(headline) <= TITLE_LIMIT:
        return headline
    warnings.append(warning(
        "标题过长", f"标题{len(headline)}字，微信最多{TITLE_LIMIT}字，已在标点或词语处截断",
        "请为微信另拟一个短标题",
    ))
    return truncate(headline, TITLE_LIMIT)


def _author(story: StoryInput, warnings: list[str]) -> str:
    """Writers' names, as many whole names as WeChat's 8 characters allow.

    Photographers are credited under their pictures, editors not at all, as in print.
    """
    groups = names_by_role(story.bylines)
    names = [n for role, ns in groups.items() if role not in _NOT_AUTHORS for n in ns]
    if not names:
        warnings.append(warning("缺少作者", "稿件没有署名，微信“作者”一栏为空", "如需署名，请补充记者署名"))
        return ""
    author = ""
    for name in names:
        candidate = f"{author} {name}".strip()
        if len(candidate) > AUTHOR_LIMIT:
            break
        author = candidate
    if author != " ".join(names):
        author = author or names[0][:AUTHOR_LIMIT]
        warnings.append(warning(
            "作者过长", f"署名“{' '.join(names)}”超过微信作者栏{AUTHOR_LIMIT}字上限，只保留“{author}”",
            "其余署名可写在正文开头",
        ))
    return author


def _cover(blocks: list[Block], warnings: list[str]) -> str:
    """The first picture's 2.35:1 crop: the shape WeChat shows above the headline."""
    pictures = [b.image for b in image_blocks(blocks) if b.image is not None]
    if not pictures:
        warnings.append(warning(
            "缺少封面", "稿件没有图片，微信图文需要一张封面图", "请上传至少一张图片，系统会裁出2.35:1的封面",
        ))
        return ""
    if pictures[0].cover_url:
        return pictures[0].cover_url
    warnings.append(warning(
        "封面未裁切", "第一张图片还没有2.35:1的封面裁切，暂用原图作封面", "请在素材库中裁切封面",
    ))
    return pictures[0].url


def _unembeddable(story: StoryInput, blocks: list[Block]) -> list[str]:
    notes = []
    if any(m.kind == "video" for m in story.media):
        notes.append(warning(
            "视频未放入", "微信图文不能嵌入外部视频，正文中已略去",
            "请在公众号后台插入视频号视频，或引导读者点“阅读原文”观看",
        ))
    if any(m.kind == "audio" for m in story.media):
        notes.append(warning(
            "音频未放入", "微信图文不能嵌入外部音频，正文中已略去", "请在公众号后台上传音频后插入",
        ))
    if any("<a " in b.html for b in blocks):
        notes.append(warning(
            "链接不可点", "微信文章里的外部链接不能点击，已改为纯文字", "需要跳转的链接请放在“阅读原文”",
        ))
    return notes


def _meta(story: StoryInput) -> str:
    lines = [story.subheadline, _credits(story)]
    return "".join(f'<p style="{STYLE["meta"]}">{escape(line)}</p>' for line in lines if line)


def _credits(story: StoryInput) -> str:
    groups = names_by_role(story.bylines)
    text = "　".join(f"{role}：{' '.join(names)}" for role, names in groups.items() if role != "编辑")
    source = f"来源：{story.source or story.center_name}"
    return "　".join(p for p in (source, text) if p)


def _block(block: Block) -> str:
    if block.kind == "image" and block.image is not None:
        return _figure(block.image)
    if block.kind == "heading":
        return f'<p style="{STYLE["heading"]}"><strong>{block.html}</strong></p>'
    if block.kind == "quote":
        return f'<section style="{STYLE["quote"]}"><p style="margin:0;">{block.html}</p></section>'
    if block.kind == "list_item":
        return f'<p style="{STYLE["p"]}">{escape(list_marker(block))}{block.html}</p>'
    return f'<p style="{STYLE["p"]}">{block.html}</p>'


def _figure(image: ImageInput) -> str:
    caption = "　".join(p for p in (image.caption, credit_line(image.credit)) if p)
    caption_html = f'<p style="{STYLE["caption"]}">{escape(caption)}</p>' if caption else ""
    img = f'<img src="{escape(image.url)}" alt="{escape(image.caption)}" style="{STYLE["img"]}">'
    return f'<figure style="{STYLE["figure"]}">{img}{caption_html}</figure>'
