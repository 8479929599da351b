"""The TV script (电视稿): an anchor's lead, then pictures paired with narration.

A TV script is a two-column table: 画面 (what is on screen) beside 解说 (what the voice
says over it). Pictures come from the story's videos and the captions of its photos, in
the order the story places them; a paragraph with no picture of its own gets a
"（现场画面：…）" placeholder named after its keywords, telling the camera crew what to
shoot. A block quotation is an interviewee speaking: it becomes 同期声 (sync sound).
"""

from __future__ import annotations

from .parts import body_text, byline_line, story_blocks, summary_within, text_blocks, warning
from .segment import keywords
from .spoken import drop_repeated_lead, for_listening, speaking_seconds, spoken_length, spoken_text
from .summary import SummaryBackend, candidate_sentences
from .text import Block, whole_sentences
from .types import RenditionDraft, StoryInput

# TV news narration (解说) is voiced at about 250 characters a minute, a little slower
# than radio reading, because it has to leave room for the pictures and sync sound.
CHARS_PER_MINUTE = 250
# The anchor's lead (导语): two or three sentences, about half a minute on air.
LEAD_LIMIT = 120
LEAD_SENTENCES = 3
SYNC_SOUND = "（同期声）"


def generate_tv(
    story: StoryInput, *, summarizer: SummaryBackend | None = None
) -> RenditionDraft:
    """A script for the evening bulletin, with its running time."""
    lead, warnings = _lead(story, summarizer)
    blocks = story_blocks(story)
    segments = _segments(story, blocks, lead)
    if not text_blocks(blocks):
        warnings.append(warning("缺少正文", "稿件没有正文，电视稿只有导语", "请补充正文"))
    if not any(m.kind == "video" for m in story.media):
        warnings.append(warning(
            "缺少视频", "稿件没有视频素材，画面栏只能依据图片和文字提示", "请安排摄像拍摄或上传视频素材",
        ))
    byline = byline_line(story.bylines)
    voiced = "\n".join([lead, *(s["narration"] for s in segments)])
    return RenditionDraft(
        channel="tv",
        title=story.headline,
        body=_render(lead, segments, byline),
        fields={"lead": lead, "segments": segments, "byline": byline},
        stats={
            "char_count": spoken_length(voiced),
            "estimated_seconds": speaking_seconds(voiced, CHARS_PER_MINUTE),
        },
        warnings=warnings,
    )


def _lead(story: StoryInput, summarizer: SummaryBackend | None) -> tuple[str, list[str]]:
    """Two or three sentences for the anchor: the summary's, topped up from the body with
    sentences that stand alone (no quotation without its speaker, no half sentence)."""
    summary, warnings = summary_within(
        story, LEAD_LIMIT, measure=lambda text: len(for_listening(text)), summarizer=summarizer,
    )
    sentences = whole_sentences(summary)[:LEAD_SENTENCES]
    for sentence in candidate_sentences(body_text(story)):
        if len(sentences) >= 2:
            break
        if sentence not in sentences and len(for_listening("".join(sentences) + sentence)) <= LEAD_LIMIT:
            sentences.append(sentence)
    return for_listening("".join(sentences)), warnings


def _segments(story: StoryInput, blocks: list[Block], lead: str) -> list[dict[str, str]]:
    """画面/解说 rows: each text block with the pictures that came just before it.

    The anchor has just read the lead, so no narration repeats its sentences. A list,
    and the sentence that announces it ("……以下三项技术："), is voiced as one row.
    """
    pending = [m.caption or "（视频素材）" for m in story.media if m.kind == "video"]
    rows: list[dict[str, str]] = []
    for block in blocks:
        if block.kind == "image":
            pending.append(block.text.rstrip("。") or "（图片，缺说明）")
            continue
        if block.kind not in ("paragraph", "list_item", "quote"):
            continue
        narration = "".join(drop_repeated_lead(lead, [spoken_text(block)]))
        if not narration:
            continue
        if block.kind == "list_item" and rows and not pending and _continues(rows[-1]):
            rows[-1]["narration"] += narration
            continue
        if block.kind == "quote":
            pictures = SYNC_SOUND + "；".join(pending)
        else:
            pictures = "；".join(pending) or _placeholder(block.text, story.user_words)
        rows.append({"picture": pictures, "narration": narration})
        pending = []
    if pending and rows:
        rows[-1]["picture"] += "；" + "；".join(pending)
    elif pending:
        rows.append({"picture": "；".join(pending), "narration": ""})
    return rows


def _continues(row: dict[str, str]) -> bool:
    """Whether a row's narration runs on into a list: it announces one or is one."""
    announces = row["narration"].endswith(("：", "；", ":", ";"))
    return announces and not row["picture"].startswith(SYNC_SOUND)


def _placeholder(paragraph: str, user_words: tuple[str, ...]) -> str:
    """"（现场画面：青山镇、排水管网）": what to film, from the paragraph's own keywords."""
    words = keywords(paragraph, 2, user_words)
    return f"（现场画面：{'、'.join(words)}）" if words else "（现场画面）"


def _render(lead: str, segments: list[dict[str, str]], byline: str) -> str:
    """The table as plain text, one 【画面】/【解说】 pair per row, rows apart by a blank line."""
    parts = [f"【导语】\n{lead}"]
    for row in segments:
        lines = [f"【画面】{row['picture']}"]
        if row["narration"]:
            label = "【同期声】" if row["picture"].startswith(SYNC_SOUND) else "【解说】"
            lines.append(f"{label}{row['narration']}")
        parts.append("\n".join(lines))
    if byline:
        parts.append(f"（{byline}）")
    return "\n\n".join(parts) + "\n"
