"""Summaries: how a story is shortened to a digest, a teaser or an anchor's lead.

Generators ask for "this text, in at most N characters" through `SummaryBackend`, so the
way summaries are made can change without touching any channel. The default backend is
extractive: it picks the story's own sentences, which an editor has already approved,
and never invents a word. Another backend (a language model run on the center's own
server, say) is added by implementing `SummaryBackend` and calling
`register_summary_backend`; generators and callers then choose it by name.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Protocol

from .quotes import unattributed
from .segment import content_words
from .text import CLOSERS, Measure, strip_dateline, whole_sentences

# PageRank's damping factor, as in the TextRank paper (Mihalcea and Tarau, 2004).
DAMPING = 0.85
MAX_ITERATIONS = 60
TOLERANCE = 1e-6
# News is written as an inverted pyramid: what matters is at the top. Ranking only the
# first sentences keeps the quadratic similarity graph cheap for very long pieces.
MAX_SENTENCES = 150

# How much a sentence that says all of the headline is raised over its TextRank score.
HEADLINE_WEIGHT = 2.0
_FIGURES = re.compile(r"\d+(?:\.\d+)?")

# Fragments this short ("他说。") say too little to summarize anything.
MIN_SENTENCE_CHARS = 6
# A summary sentence ends on a full stop (behind any closing quotes), never on ；or ：.
_FULL_STOPS = tuple("。！？!?…")
# Lines and sentences that never stand alone in a summary: list items ("· ", "1. ", as
# `text.list_marker` writes them), enumerated clauses of a notice ("二、管制路段：……"),
# form fields ("咨询电话：……", "停水范围：……"), and the bracketed label of a notice
# (【提醒】, 【温馨提示】), which goes while its sentence stays.
_LIST_LINE = re.compile(r"^(?:· |\d+\. )")
_ENUMERATED = re.compile(r"^(?:[一二三四五六七八九十]+、|[（(][一二三四五六七八九十\d]+[）)]|\d+[、．]|[①-⑩])")
_FORM_FIELD = re.compile(r"^[^，。：:]{0,6}(?:时间|地点|范围|路段|电话|方式|对象|条件|地址|热线)[：:]")
_LABEL = re.compile(r"^【[^】]{1,10}】")
# The first sentence of a news story is written to stand alone (the lead); at least this
# long, it opens every extractive summary it fits in.
MIN_LEAD_CHARS = 12
# Sentences that lean on the one before them ("他流转了320亩土地", "此外……"). Out of
# context they confuse, so they join a summary only right after their predecessor.
_LEANS_BACK = re.compile(
    r"^(?:他|她|它|这|那|此|该|其|但|而|并且|同时|此外|另外|因此|所以|然而|不过|对此|为此|随后)"
)


class SummaryBackend(Protocol):
    """Shortens text to a budget. Implementations must be deterministic and offline-safe.

    `summarize` returns text whose `measure` is at most `budget` (an empty string when it
    cannot), built from `text` only. `user_words` are the county's names that must stay
    whole when the text is segmented. A backend whose `summarize` also takes `title` is
    given the headline, which says what the news is.
    """

    name: str

    def summarize(
        self, text: str, budget: int, *, measure: Measure = len, user_words: Sequence[str] = ()
    ) -> str: ...


@dataclass(frozen=True)
class ExtractiveSummary:
    """TextRank over the story's sentences, biased towards the lead; the default backend."""

    name: str = "extractive"

    def summarize(
        self, text: str, budget: int, *, measure: Measure = len, user_words: Sequence[str] = (),
        title: str = "",
    ) -> str:
        return extractive_summary(text, budget, measure=measure, user_words=user_words, title=title)


_BACKENDS: dict[str, Callable[[], SummaryBackend]] = {"extractive": ExtractiveSummary}


def register_summary_backend(name: str, factory: Callable[[], SummaryBackend]) -> None:
    """Make a backend available to `get_summary_backend(name)` (call at app start-up)."""
    _BACKENDS[name] = factory


def get_summary_backend(name: str = "extractive") -> SummaryBackend:
    """The summary backend called `name`; a clear error names the ones that exist."""
    try:
        return _BACKENDS[name]()
    except KeyError:
        known = "、".join(sorted(_BACKENDS))
        raise ValueError(f"没有名为“{name}”的摘要方式，可用的有：{known}。") from None


def extractive_summary(
    text: str, budget: int, *, measure: Measure = len, user_words: Sequence[str] = (),
    title: str = "",
) -> str:
    """The best whole sentences of `text` that fit `budget`, in their original order.

    The lead sentence goes first (news is written so that it can stand alone), then
    sentences by TextRank rank, raised by what they share with the headline (`title`),
    while they fit; a sentence too long for the room left is skipped, not cut, and so is
    one that leans on a sentence left out ("他……", "此外……"). Returns "" when no
    sentence fits.
    """
    sentences = _candidates(text)
    if not sentences or budget <= 0:
        return ""
    scores = _ranked(tuple(sentences), tuple(user_words))
    if title:
        scores = tuple(
            score * (1 + HEADLINE_WEIGHT * share)
            for score, share in zip(scores, _headline_shares(sentences, title, user_words))
        )
    order = sorted(range(len(sentences)), key=lambda i: (-scores[i], i))
    if len(sentences[0]) >= MIN_LEAD_CHARS:
        order = [0] + [i for i in order if i != 0]
    chosen: list[int] = []
    used = 0
    for i in order:
        cost = measure(sentences[i])
        if _LEANS_BACK.match(sentences[i]) and i - 1 not in chosen:
            continue
        if used + cost <= budget:
            chosen.append(i)
            used += cost
    return "".join(sentences[i] for i in sorted(chosen))


def _candidates(text: str) -> list[str]:
    return candidate_sentences(text)


def _headline_shares(sentences: Sequence[str], title: str, user_words: Sequence[str]) -> list[float]:
    """How much of the headline each sentence says: its words and its figures (87个, 20万元).

    The headline is the desk's own summary of the news; a sentence that carries its
    facts belongs in a summary more than a sentence that is merely central.
    """
    wanted = set(content_words(title, user_words)) | set(_FIGURES.findall(title))
    if not wanted:
        return [0.0] * len(sentences)
    shares = []
    for sentence in sentences:
        have = set(content_words(sentence, user_words)) | set(_FIGURES.findall(sentence))
        shares.append(len(wanted & have) / len(wanted))
    return shares


def candidate_sentences(text: str) -> list[str]:
    """Distinct sentences of the story that can stand alone, from its top, in order.

    Left out: datelines and 【…】 labels (the sentence stays); a line without a full stop
    (a subhead, a caption, a phone number), or ending on a colon or a semicolon (a
    semicolon's clause runs on into the next, see `text.whole_sentences`); list items,
    enumerated clauses and form fields of a notice; and a sentence opening or closing on
    somebody's words without saying whose (“今天又接了1800多单！”…), which out of its
    paragraph leaves the reader asking who spoke.
    """
    seen: set[str] = set()
    sentences: list[str] = []
    for line in text.splitlines():
        line = line.strip()
        if not line or _LIST_LINE.match(line):
            continue
        for sentence in whole_sentences(line):
            sentence = _LABEL.sub("", strip_dateline(sentence).strip()).strip()
            if not _stands_alone(sentence) or sentence in seen:
                continue
            seen.add(sentence)
            sentences.append(sentence)
    return sentences[:MAX_SENTENCES]


def _stands_alone(sentence: str) -> bool:
    return (
        len(sentence) >= MIN_SENTENCE_CHARS
        and sentence.rstrip(CLOSERS).endswith(_FULL_STOPS)
        and not _ENUMERATED.match(sentence)
        and not _FORM_FIELD.match(sentence)
        and not unattributed(sentence)
    )


@lru_cache(maxsize=64)
def _ranked(sentences: tuple[str, ...], user_words: tuple[str, ...]) -> tuple[float, ...]:
    """`rank_sentences`, remembered: every channel of one story ranks the same sentences."""
    return tuple(rank_sentences(sentences, user_words))


def rank_sentences(sentences: Sequence[str], user_words: Sequence[str] = ()) -> list[float]:
    """TextRank score of each sentence; the random jump favours early sentences.

    Edges weigh shared content words against sentence lengths (the TextRank similarity).
    The jump vector falls off as 1/(position+1) so that, among equally central sentences,
    the lead wins, as it should in a news story.
    """
    bags = [set(content_words(s, user_words)) for s in sentences]
    n = len(bags)
    prior = _normalized([1.0 / (i + 1) for i in range(n)])
    incoming: list[list[tuple[int, float]]] = [[] for _ in range(n)]
    for i in range(n):
        row = [(j, _similarity(bags[i], bags[j])) for j in range(n) if j != i]
        total = sum(w for _, w in row)
        for j, w in row:
            if w:
                incoming[j].append((i, w / total))
    return _iterate(incoming, prior)


def _iterate(incoming: list[list[tuple[int, float]]], prior: list[float]) -> list[float]:
    """Power iteration; sentences sharing no word with any other hand their share to `prior`."""
    n = len(prior)
    has_out = [False] * n
    for edges in incoming:
        for i, _ in edges:
            has_out[i] = True
    scores = prior[:]
    for _ in range(MAX_ITERATIONS):
        dangling = sum(s for s, out in zip(scores, has_out) if not out)
        new = [
            (1 - DAMPING) * prior[j]
            + DAMPING * (sum(w * scores[i] for i, w in incoming[j]) + dangling * prior[j])
            for j in range(n)
        ]
        delta = sum(abs(a - b) for a, b in zip(new, scores))
        scores = new
        if delta < TOLERANCE:
            break
    return scores


def _similarity(a: set[str], b: set[str]) -> float:
    """TextRank's overlap: shared words, discounted for long sentences that share by chance."""
    common = len(a & b)
    if not common:
        return 0.0
    return common / (math.log(len(a) + 1) + math.log(len(b) + 1))


def _normalized(values: list[float]) -> list[float]:
    total = sum(values)
    return [v / total for v in values] if total else values
