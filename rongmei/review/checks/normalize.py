"""Text folded for matching banned terms, with a map back to the original characters.

People who post banned content break terms up to slip past filters: 赌 博 网 站, 赌-博网站,
赌，博网站, 赌​博 with a zero-width space, ｄｕ ｂｏ in full-width letters, ⾦ for 金 (a Kangxi
radical). We match on a folded copy of the text in which such separators are gone and
look-alike forms are unified, and report the span over the original characters, the
inserted separators included, so the editor sees (and deletes) exactly what was typed.

Folding keeps only letters and digits (Unicode categories L and N), after NFKC (full-width
to half-width, compatibility ideographs and radicals to the usual character) and
lowercasing. Terms are folded the same way, so "ABC-代开" and "abc代开" are one term.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

# Characters whose NFKC form we must not trust to drop them: format characters that some
# editors paste in, handled here explicitly for clarity (category Cf would drop them too).
_ZERO_WIDTH = frozenset("\u200b\u200c\u200d\u2060\ufeff\u00ad\u180e")

# Folded form of every character seen so far. Unicode is finite, so the cache is bounded,
# and a story is mostly the same few thousand characters: after warm-up a lookup is all.
_FOLDED: dict[str, str] = {}


@dataclass(frozen=True)
class Normalized:
    """A folded text and, for each of its characters, the index of its source character."""

    text: str
    positions: list[int]

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """The original span covering folded characters [start, end), separators included."""
        return self.positions[start], self.positions[end - 1] + 1


def fold_char(ch: str) -> str:
    """What one character becomes in the folded text: usually itself, "" when dropped."""
    folded = _FOLDED.get(ch)
    if folded is None:
        folded = _fold_uncached(ch)
        _FOLDED[ch] = folded
    return folded


def _fold_uncached(ch: str) -> str:
    if ch in _ZERO_WIDTH:
        return ""
    compatible = unicodedata.normalize("NFKC", ch)
    return "".join(c.lower() for c in compatible if unicodedata.category(c)[0] in "LN")


def normalize(text: str) -> Normalized:
    """Fold `text` for matching and remember where each folded character came from."""
    out: list[str] = []
    positions: list[int] = []
    cache_get = _FOLDED.get
    for index, ch in enumerate(text):
        folded = cache_get(ch)
        if folded is None:
            folded = fold_char(ch)
        if not folded:
            continue
        out.append(folded)
        if len(folded) == 1:
            positions.append(index)
        else:  # one character folding to several (ﬁ → fi): each maps back to it
            positions.extend([index] * len(folded))
    return Normalized("".join(out), positions)


def normalize_term(term: str) -> str:
    """A lexicon term folded like the text it will be matched against."""
    return "".join(fold_char(ch) for ch in term)
