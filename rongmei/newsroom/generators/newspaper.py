"""Newspaper copy (报纸稿): plain text in the form a layout editor (排版) expects.

Headline lines are labelled because the page designer sets 引题, 主标题 and 副标题 in
different type; paragraphs open with two full-width spaces, the Chinese paragraph indent;
picture captions follow the paper's "（图片说明：…… 摄影：……）" convention.
"""

from __future__ import annotations

from .parts import (
    byline_line, credit_line, missing_caption_warnings, story_blocks, text_blocks, warning,
)
from .summary import SummaryBackend
from .text import Block, block_text, blocks_to_text, count_chars
from .types import RenditionDraft, StoryInput

INDENT = "\u3000\u3000"
# The newspaper prints its own staff as 本报记者; other roles are printed as they are.
BYLINE_LABELS = {"记者": "本报记者", "摄影": "本报摄影记者"}


def generate_newspaper(
    story: StoryInput, *, summarizer: SummaryBackend | None = None
) -> RenditionDraft:
    """Copy for the print edition. `summarizer` is unused: print carries the whole story.

    `stats["char_count"]` counts the body (paragraphs, subheads, quotes, lists) without
    whitespace: the figure the layout editor fits to the page. Headlines, byline and
    captions are set in other type and are not counted.
    """
    blocks = story_blocks(story)
    byline = byline_line(story.bylines, labels=BYLINE_LABELS)
    lines = _headlines(story)
    if byline:
        lines.append(byline)
    lines.append("")
    lines.extend(_line(b) for b in blocks)
    warnings = missing_caption_warnings(blocks)
    if not byline:
        warnings.append(warning("缺少署名", "稿件没有记者署名", "见报稿件需要署名，请补充"))
    if not text_blocks(blocks):
        warnings.append(warning("缺少正文", "稿件没有正文", "请补充正文后再生成报纸稿"))
    captions = [_caption(b) for b in blocks if b.kind == "image"]
    return RenditionDraft(
        channel="newspaper",
        title=story.headline,
        body="\n".join(lines).strip() + "\n",
        fields={
            "kicker": story.kicker,
            "headline": story.headline,
            "subheadline": story.subheadline,
            "byline": byline,
            "captions": captions,
        },
        stats={
            "char_count": count_chars(blocks_to_text(text_blocks(blocks, headings=True))),
            "image_count": len(captions),
        },
        warnings=warnings,
    )


def _headlines(story: StoryInput) -> list[str]:
    labelled = (("引题", story.kicker), ("主标题", story.headline), ("副标题", story.subheadline))
    return [f"{label}：{text.strip()}" for label, text in labelled if text.strip()]


def _line(block: Block) -> str:
    if block.kind == "image":
        return INDENT + _caption(block)
    if block.kind == "heading":
        return f"小标题：{block.text}"
    return INDENT + block_text(block)


def _caption(block: Block) -> str:
    """"（图片说明：…… 摄影：……）"; parts that are missing are left out, not invented."""
    credit = credit_line(block.image.credit if block.image else "")
    parts = [f"图片说明：{block.text}" if block.text else "", credit]
    return f"（{' '.join(p for p in parts if p) or '图片'}）"
