"""Quotations in news copy: who is speaking, and whether a sentence says so.

A reporter's copy may open with a voice (“今天又接了1800多单！”) and name the speaker only
later; that works in a feature, but cut out into a summary, a teaser or an anchor's lead,
a quotation without its speaker leaves the reader asking who said it. These helpers tell
spoken quotations from quoted terms (“旅游饭”) and check that a speaker is named next to it.
"""

from __future__ import annotations

import re

from .text import SENTENCE_ENDS, split_sentences

# Verbs that introduce or close a quotation and name who said it.
SPEECH_VERBS = (
    "说道", "笑着说", "告诉记者", "介绍", "表示", "坦言", "感慨", "强调", "指出", "认为", "回忆",
    "提醒", "留言", "说", "称", "道", "问", "喊",
)
_VERB = "|".join(SPEECH_VERBS)
# After the closing quote: just the speaker ("沿街商户刘桂芳说").
_SPEAKER_AFTER = re.compile(rf"^[^，。！？；“”]{{0,24}}?(?:{_VERB})")
# Before the opening quote: "……局长陈建国表示：", "他说，", "邹磊显得很平静：".
_SPEAKER_BEFORE = re.compile(rf"(?:(?:{_VERB})[：:，,]?|[^，。！？；“”\s]{{2,}}[：:])$")
_SPEECH_MARKS = "，。！？；…,!?"


def quotation_spans(sentence: str) -> list[tuple[int, int]]:
    """(open, close) index pairs of the top-level “…” quotations in `sentence`.

    A quotation never closed in the sentence (a speech running on into the next
    paragraph) runs to its end.
    """
    spans, depth, start = [], 0, 0
    for i, ch in enumerate(sentence):
        if ch == "“":
            if depth == 0:
                start = i
            depth += 1
        elif ch == "”" and depth:
            depth -= 1
            if depth == 0:
                spans.append((start, i))
    if depth:
        spans.append((start, len(sentence)))
    return spans


def is_speech(quoted: str) -> bool:
    """Whether a quotation is somebody speaking, not a quoted term (“旅游饭”, “一件事”)."""
    return len(quoted) >= 8 and any(mark in quoted for mark in _SPEECH_MARKS)


def opens_unattributed(sentence: str) -> bool:
    """Whether `sentence` opens with a spoken quotation not followed by its speaker."""
    sentence = sentence.strip()
    if not sentence.startswith("“"):
        return False
    opened, closed = quotation_spans(sentence)[0]
    if not is_speech(sentence[opened + 1 : closed]):
        return False
    return not _SPEAKER_AFTER.match(sentence[closed + 1 :])


def closes_unattributed(sentence: str) -> bool:
    """Whether `sentence` ends on a spoken quotation whose speaker is not named before it."""
    body = sentence.strip().rstrip(SENTENCE_ENDS)
    if not body.endswith("”"):
        return False
    spans = quotation_spans(body)
    if not spans:
        return False
    opened, closed = spans[-1]
    if not is_speech(body[opened + 1 : closed]):
        return False
    return not _SPEAKER_BEFORE.search(body[:opened])


# A sentence that ends on its speaker's verb closes a quotation; these verbs end nothing
# else ("回忆", "问" and "称" do: 美好回忆, 疑问, 名称).
_CLOSING_VERBS = ("说道", "笑着说", "告诉记者", "介绍", "表示", "坦言", "感慨", "说")
_BARE_SPEAKER = re.compile(rf"(?:{'|'.join(_CLOSING_VERBS)})[。！？]?$")


def bare_speaker(sentence: str) -> bool:
    """Whether a sentence only names a speaker ("枫树坪村红白理事会会长聂长贵说。",
    "12月4日，村民贺春兰取到了棉衣，高兴地说。"): the words it closes were left behind."""
    sentence = sentence.strip()
    return "“" not in sentence and "”" not in sentence and bool(_BARE_SPEAKER.search(sentence))


def unattributed(sentence: str) -> bool:
    """Whether a sentence cannot stand alone: a quotation in it has no speaker, or it is
    a speaker without the quotation."""
    return opens_unattributed(sentence) or closes_unattributed(sentence) or bare_speaker(sentence)


def starts_on_unattributed_quote(text: str) -> bool:
    sentences = split_sentences(text.strip())
    return bool(sentences) and opens_unattributed(sentences[0])


def ends_on_unattributed_quote(text: str) -> bool:
    sentences = split_sentences(text.strip())
    return bool(sentences) and closes_unattributed(sentences[-1])
