"""Titles and excerpts with the matched words in <mark>, safe to put in a page as they are,
or as a list of (text, hit) segments for the API (plain text, no HTML for a client to trust).

Matching runs on the normalized text (full-width folded, lowercase), as the index does, so
a query "5g" marks "５Ｇ"; the marks are then placed on the original characters. Everything
outside the marks is HTML-escaped: a title "<script>" comes back as text.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from rongmei.core.search.segment import normalize

SNIPPET_CHARS = 120
CONTEXT_BEFORE = 24
ELLIPSIS = "…"
MAX_ANCHORS = 200  # a long text full of one common word: look at its first matches only
# A needle beginning or ending in a digit (or an ASCII letter) must not continue a longer
# number (or word) there, the rule the search itself applies (`backends.boundary_pattern`):
# "110" marks "110" in "110V", "5g" does not mark "5gx", "g318" does not mark "G3180".
_EDGE = (("0123456789", "0-9"), ("abcdefghijklmnopqrstuvwxyz", "a-z"))
Segment = tuple[str, bool]  # a piece of text, and whether it is a match


def mark(text: str, needles: Sequence[str]) -> SafeString:
    """All of `text`, escaped, with every occurrence of a needle marked."""
    return _render(text, _spans(text, needles))


def segments(text: str, needles: Sequence[str]) -> list[Segment]:
    """All of `text` as (text, hit) pieces, in order, joined they give `text` back."""
    return _pieces(text, _spans(text, needles))


def snippet(text: str, needles: Sequence[str], width: int = SNIPPET_CHARS) -> SafeString:
    """About `width` characters of `text` around the densest cluster of matches.

    With no match (the hit came from the title), the opening of the text."""
    prefix, pieces, suffix = snippet_segments(text, needles, width)
    return mark_safe(f"{prefix}{render(pieces)}{suffix}")


def snippet_segments(text: str, needles: Sequence[str], width: int = SNIPPET_CHARS) -> tuple[str, list[Segment], str]:
    """The snippet's (text, hit) pieces, with the ellipsis to put before and after it
    ("" where the snippet reaches the start or the end of the text)."""
    text = " ".join(text.split())
    spans = _spans(text, needles)
    start = min(_best_start(spans, width), max(0, len(text) - width))  # fill the window
    end = min(len(text), start + width)
    for span_start, span_end, _ in spans:  # never cut a mark in two
        if span_start < end < span_end:
            end = span_end
    inside = [(s - start, e - start, n) for s, e, n in spans if s >= start and e <= end]
    prefix = ELLIPSIS if start > 0 else ""
    suffix = ELLIPSIS if end < len(text) else ""
    return prefix, _pieces(text[start:end], inside), suffix


Span = tuple[int, int, int]  # start, end (in the original text), needle number


def _spans(text: str, needles: Sequence[str]) -> list[Span]:
    if not text or not needles:
        return []
    normalized, origin = _normalized_with_origin(text)
    pattern = _pattern(needles)
    numbers = {needle: number for number, needle in enumerate(needles)}
    spans = [
        (origin[m.start()], origin[m.end() - 1] + 1, numbers[m.group()])
        for m in pattern.finditer(normalized)
    ]
    return _merge(spans)


def _normalized_with_origin(text: str) -> tuple[str, list[int]]:
    """The normalized text and, for each of its characters, the index it came from."""
    normalized = normalize(text)
    if len(normalized) == len(text):
        return normalized, list(range(len(text)))
    parts: list[str] = []
    origin: list[int] = []
    for index, char in enumerate(text):
        folded = unicodedata.normalize("NFKC", char).casefold()
        parts.append(folded)
        origin.extend([index] * len(folded))
    return "".join(parts), origin


def _pattern(needles: Sequence[str]) -> re.Pattern[str]:
    alternatives = []
    for needle in sorted(needles, key=len, reverse=True):
        escaped = re.escape(needle)
        before = next((f"(?<![{cls}])" for chars, cls in _EDGE if needle[0] in chars), "")
        after = next((f"(?![{cls}])" for chars, cls in _EDGE if needle[-1] in chars), "")
        alternatives.append(f"{before}{escaped}{after}")
    return re.compile("|".join(alternatives))


def _merge(spans: list[Span]) -> list[Span]:
    merged: list[Span] = []
    for start, end, number in sorted(spans):
        if merged and start <= merged[-1][1]:
            last_start, last_end, last_number = merged[-1]
            merged[-1] = (last_start, max(last_end, end), last_number)
        else:
            merged.append((start, end, number))
    return merged


def _best_start(spans: list[Span], width: int) -> int:
    """Where a window of `width` characters covers the most different needles."""
    best_start, best_count = 0, 0
    for anchor, _, _ in spans[:MAX_ANCHORS]:
        start = max(0, anchor - CONTEXT_BEFORE)
        count = len({n for s, e, n in spans if s >= start and e <= start + width})
        if count > best_count:
            best_start, best_count = start, count
    return best_start


def _pieces(text: str, spans: Sequence[Span]) -> list[Segment]:
    out: list[Segment] = []
    position = 0
    for start, end, _ in spans:
        if start > position:
            out.append((text[position:start], False))
        out.append((text[start:end], True))
        position = end
    if position < len(text):
        out.append((text[position:], False))
    return out


def render(pieces: Sequence[Segment]) -> SafeString:
    """Segments as HTML: matches in <mark>, everything escaped."""
    return mark_safe("".join(f"<mark>{escape(part)}</mark>" if hit else escape(part) for part, hit in pieces))


def _render(text: str, spans: Sequence[Span]) -> SafeString:
    return render(_pieces(text, spans))
