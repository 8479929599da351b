"""The radio script (广播稿): plain text a presenter reads aloud.

Nothing visual survives: no pictures, captions, subheads, links or symbols a listener
cannot see (see `spoken.for_listening`). The script opens with a lead (导语) that tells
the news in a sentence or two, then the body; sentences of the lead that open the body
are not read twice.
"""

from __future__ import annotations

from .parts import byline_line, story_blocks, summary_within, text_blocks, warning
from .spoken import (
    drop_repeated_lead, for_listening, speaking_seconds, spoken_length, spoken_text,
)
from .summary import SummaryBackend
from .text import URL_RE
from .types import RenditionDraft, StoryInput

# A county station's news is read at about 250 characters a minute.
CHARS_PER_MINUTE = 250
# Room for the lead: one or two sentences, about 20 seconds on air.
LEAD_LIMIT = 90


def generate_radio(
    story: StoryInput, *, summarizer: SummaryBackend | None = None
) -> RenditionDraft:
    """A script to read on air, with its reading time."""
    # Measured as it will be read: "10℃" is said "10摄氏度" and must still fit.
    lead_text, warnings = summary_within(
        story, LEAD_LIMIT, measure=lambda text: len(for_listening(text)), summarizer=summarizer,
    )
    lead = for_listening(lead_text)
    blocks = text_blocks(story_blocks(story))
    said = [spoken_text(b) for b in blocks]
    paragraphs = drop_repeated_lead(lead, [p for p in said if p])
    byline = byline_line(story.bylines, exclude=("编辑", "摄影", "摄像"))
    credit = f"（{byline} 报道）" if byline else ""
    if not any(said):
        warnings.append(warning("缺少正文", "稿件没有正文，广播稿只有导语", "请补充正文"))
    if any(URL_RE.search(text) for text in [lead_text, *(b.text for b in blocks)]):
        warnings.append(warning(
            "链接已删除", "网址念出来听众记不住，已从广播稿中删除", "如需告知网址，请改写为口头说法",
        ))
    spoken = "\n".join([lead, *paragraphs])
    return RenditionDraft(
        channel="radio",
        title=story.headline,
        body="\n\n".join(p for p in (lead, "\n".join(paragraphs), credit) if p) + "\n",
        fields={"lead": lead, "paragraphs": paragraphs, "byline": byline},
        stats={
            "char_count": spoken_length(spoken),
            "estimated_seconds": speaking_seconds(spoken, CHARS_PER_MINUTE),
        },
        warnings=warnings,
    )

