"""Copy for the ear: what radio and TV presenters read aloud, and how long it takes.

A listener cannot see a picture, a link or a "%" sign, and a presenter should not have to
translate symbols live on air. These rewrites are deliberately few and unambiguous; the
rest (numbers, dates) are read as written, which presenters are trained to do.
"""

from __future__ import annotations

import math
import re

from .text import URL_RE, Block, normalize_space, split_sentences, strip_dateline

# Notes addressed to a reader of the page: （图为……）, （资料图）, （摄影：……）, （见下图）.
_PICTURE_NOTE = re.compile(r"[（(](?:图为|图片|资料图|摄影|摄像|见[上下]?图|如图)[^）)]*[）)]")
_PERCENT = re.compile(r"(\d+(?:\.\d+)?)\s*[%％]")
_RANGE = re.compile(r"(?<=\d)\s*[~～]\s*(?=\d)")
_PER = re.compile(r"(?<=[\u4e00-\u9fff])/(?=[\u4e00-\u9fff])")
_EMOJI = re.compile("[\U0001f300-\U0001faff\u2600-\u27bf\ufe0f]")
_UNITS = (
    (re.compile(r"(?<=\d)\s*(?:℃|°C)"), "摄氏度"),
    (re.compile(r"(?<=\d)\s*(?:㎡|m²|平米)"), "平方米"),
    (re.compile(r"(?<=\d)\s*(?:m³|立方)(?!米)"), "立方米"),
    (re.compile(r"(?<=\d)\s*(?:km|KM)(?![A-Za-z])"), "公里"),
    (re.compile(r"(?<=\d)\s*(?:kg|KG)(?![A-Za-z])"), "公斤"),
    (re.compile(r"(?<=\d)\s*mm(?![A-Za-z])"), "毫米"),
)


def for_listening(text: str) -> str:
    """`text` rewritten so that reading it aloud makes sense to someone who cannot see it.

    Drops links, picture notes and emoji; says "百分之35" for "35%", "3至5" for "3～5",
    "元每吨" for "元/吨", and spells out the common units. Chinese punctuation is kept:
    presenters breathe at it.
    """
    text = URL_RE.sub("", text)
    text = _PICTURE_NOTE.sub("", text)
    text = _EMOJI.sub("", text)
    text = _PERCENT.sub(lambda m: "百分之" + m.group(1), text)
    text = _RANGE.sub("至", text)
    text = _PER.sub("每", text)
    for pattern, word in _UNITS:
        text = pattern.sub(word, text)
    text = text.replace("&", "和")
    return normalize_space(text)


_NUMERALS = "一二三四五六七八九十"


def spoken_text(block: Block) -> str:
    """A text block as it is read out: no dateline, list items say 第一，… instead of "1."."""
    text = for_listening(strip_dateline(block.text))
    if block.kind != "list_item" or not block.ordinal:
        return text
    n = block.ordinal
    return f"第{_NUMERALS[n - 1] if n <= 10 else n}，{text}"


def spoken_length(text: str) -> int:
    """Characters a presenter actually says: letters, digits and Chinese characters.

    Broadcast pace is quoted in such characters per minute; punctuation and spaces are
    pauses, not words, and are not counted.
    """
    return sum(1 for ch in text if ch.isalnum())


def speaking_seconds(text: str, chars_per_minute: int) -> int:
    """Whole seconds needed to read `text` aloud at `chars_per_minute`, rounded up."""
    return math.ceil(spoken_length(text) * 60 / chars_per_minute)


def drop_repeated_lead(lead: str, paragraphs: list[str]) -> list[str]:
    """The body without the sentences the lead has already said, wherever they stand.

    On air the lead is heard once. A body that opens by saying it again wastes seconds
    and sounds like a mistake; so does one that ends on it, which is what happens when
    the lead took its last sentence from the end of the story. Sentences are compared
    without punctuation and without a 【提醒】 label, as a listener hears them.
    """
    said = {_heard(s) for s in split_sentences(lead)}
    kept: list[str] = []
    for paragraph in paragraphs:
        sentences = [s for s in split_sentences(paragraph) if _heard(s) not in said]
        if sentences:
            kept.append("".join(sentences))
    return kept


_LABEL = re.compile(r"^【[^】]{1,10}】")


def _heard(sentence: str) -> str:
    return re.sub(r"[^\w]", "", _LABEL.sub("", sentence.strip()))
