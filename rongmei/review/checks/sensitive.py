"""Sensitive and banned terms from a center's lexicon, found even when broken up.

The text is folded (`normalize`) so that 赌 博 网 站, 赌-博网站 and full-width letters
match their term, and every hit is reported over the original characters. One automaton
per lexicon version holds all terms, so a 50,000-term lexicon checks a long story in
milliseconds.
"""

from __future__ import annotations

from .automaton import Hit, Matcher, cached, drop_nested
from .normalize import normalize, normalize_term
from .types import CHECK_SENSITIVE, SEVERITY_RANK, Finding, Lexicon, LexiconEntry

DEFAULT_CATEGORY = "敏感词"


class SensitiveMatcher:
    """All terms of one lexicon in one automaton over folded text."""

    def __init__(self, lexicon: Lexicon) -> None:
        self.version = lexicon.key
        self._matcher: Matcher[LexiconEntry] = Matcher(_by_folded_term(lexicon).items())

    @classmethod
    def for_lexicon(cls, lexicon: Lexicon) -> SensitiveMatcher:
        """The matcher for this lexicon version, built on first use and then reused."""
        return cached(f"sensitive|{lexicon.key}", lambda: cls(lexicon))

    @property
    def size(self) -> int:
        """How many distinct (folded) terms the automaton holds."""
        return self._matcher.size

    def hits(self, text: str, nested: bool = False) -> list[Hit[LexiconEntry]]:
        """Occurrences as spans of the original `text`.

        A term inside a longer listed term is left out unless it is more serious, or
        unless `nested` asks for every occurrence (to compare with another matcher).
        """
        folded = normalize(text)
        found = self._matcher.find_all(folded.text)
        if not nested:
            found = drop_nested(found, _more_serious)
        spans = []
        for hit in found:
            start, end = folded.original_span(hit.start, hit.end)
            spans.append(Hit(start, end, hit.value))
        return spans

    def find(self, text: str, field: str = "") -> list[Finding]:
        """Findings for every listed term in `text` (one field's plain text)."""
        return [_finding(text, hit, field) for hit in self.hits(text)]


def _by_folded_term(lexicon: Lexicon) -> dict[str, LexiconEntry]:
    """One entry per folded term; where two entries fold alike, the more serious wins."""
    terms: dict[str, LexiconEntry] = {}
    for entry in lexicon:
        key = normalize_term(entry.term)
        if not key:
            continue
        known = terms.get(key)
        if known is None or SEVERITY_RANK[entry.severity] > SEVERITY_RANK[known.severity]:
            terms[key] = entry
    return terms


def _more_serious(inner: Hit[LexiconEntry], outer: Hit[LexiconEntry]) -> bool:
    """A blocked term inside a longer warn-only term must still block."""
    return SEVERITY_RANK[inner.value.severity] > SEVERITY_RANK[outer.value.severity]


def _finding(text: str, hit: Hit[LexiconEntry], field: str) -> Finding:
    entry = hit.value
    written = text[hit.start : hit.end]
    category = entry.category or DEFAULT_CATEGORY
    parts = [f"「{entry.term}」列在本中心词库中（{category}）。"]
    if normalize_term(written) == normalize_term(entry.term) and written != entry.term:
        parts.append(f"文中写作「{written}」，是插入空格、符号或改换字形（全角、大小写）的变体写法。")
    if entry.note:
        parts.append(entry.note.rstrip("。") + "。")
    if entry.severity == "block":
        parts.append("请删除或改写；确需保留的，由终审填写理由后放行。")
    else:
        parts.append("请核实用语是否恰当，必要时改写。")
    return Finding(
        check=CHECK_SENSITIVE,
        severity=entry.severity,
        start=hit.start,
        end=hit.end,
        text=written,
        message="".join(parts),
        suggestion=None,
        category=category,
        field=field,
    )
