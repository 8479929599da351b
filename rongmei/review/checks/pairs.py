"""Wrong → right pairs: prescribed wording (规范表述) and common typos (易错字词).

Both are lists of forms that should be written otherwise, and both offer the fix. They are
matched on the text as written (not folded): a wording rule is about the characters the
reader sees, and folding would let a two-character typo match across a comma.

A wrong form that sits inside an occurrence of a correct form is not reported: with the
pair 县政府办 → 县政府办公室, the text 县政府办公室 is already right. Every pair's correct
form guards its occurrences this way, so a center can list pairs without worrying about
one rule firing inside another's fix.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from importlib import resources

from .automaton import Hit, Matcher, cached, drop_nested
from .lexicon_io import parse_typos
from .types import CHECK_TYPO, CHECK_WORDING, Finding, Severity, Typos, Wording

WORDING_CATEGORY = "规范表述"
TYPO_CATEGORY = "易错字词"


@dataclass(frozen=True)
class Rule:
    """A wrong form, its fix and how to report it."""

    wrong: str
    right: str
    severity: Severity
    note: str
    check: str
    category: str
    first_only: bool = False  # 首次出现用全称: only a short name before any full name is wrong


@dataclass(frozen=True)
class _Key:
    """What one automaton key is: a wrong form (with its rule), a correct form, or both."""

    rule: Rule | None
    correct: bool


class PairMatcher:
    """All wrong forms and all correct forms of a list in one automaton."""

    def __init__(self, rules: Iterable[Rule]) -> None:
        keys: dict[str, _Key] = {}
        for rule in rules:
            if not rule.wrong:
                continue
            known = keys.get(rule.wrong)
            if known is None or known.rule is None:  # the first pair for a wrong form wins
                keys[rule.wrong] = _Key(rule, known is not None and known.correct)
            if rule.right:
                known = keys.get(rule.right)
                keys[rule.right] = _Key(known.rule if known else None, True)
        self._matcher: Matcher[_Key] = Matcher(keys.items())

    def hits(self, text: str) -> list[Hit[Rule]]:
        """Wrong forms in `text` that are not part of a correct form; the longest wins where
        wrong forms nest."""
        found = self._matcher.find_all(text)
        correct = [h for h in found if h.value.correct]
        wrong = drop_nested(Hit(h.start, h.end, h.value.rule) for h in found if h.value.rule)
        hits = [
            Hit(h.start, h.end, h.value)
            for h in wrong
            if h.value is not None and not _inside_correct(h, correct)
        ]
        return _first_occurrences(text, hits, correct)

    def find(self, text: str, field: str = "") -> list[Finding]:
        return [_finding(text, hit, field) for hit in self.hits(text)]


def _first_occurrences(text: str, hits: list[Hit[Rule]], correct: list[Hit[_Key]]) -> list[Hit[Rule]]:
    """首次出现用全称 means the first occurrence only: a short name after its full name is
    fine, and of the short names before any full name only the first is reported (writing
    the full name there makes the rest correct). A #话题# tag is a label, not a mention: a
    short name right after # is fine."""
    reported: set[str] = set()
    kept = []
    for hit in hits:
        rule = hit.value
        if rule.first_only and hit.start and text[hit.start - 1] == "#":
            continue
        if rule.first_only:
            full_before = any(c.start < hit.start and text[c.start:c.end] == rule.right for c in correct)
            if full_before or rule.wrong in reported:
                continue
            reported.add(rule.wrong)
        kept.append(hit)
    return kept


def _inside_correct(hit: Hit[Rule | None], correct: list[Hit[_Key]]) -> bool:
    """Whether the wrong form lies within a longer occurrence of some correct form."""
    return any(
        c.start <= hit.start and hit.end <= c.end and (c.start, c.end) != (hit.start, hit.end)
        for c in correct
    )


def _finding(text: str, hit: Hit[Rule], field: str) -> Finding:
    rule = hit.value
    note = rule.note.rstrip("。") + "。" if rule.note else ""
    if rule.check == CHECK_TYPO:
        message = f"「{rule.wrong}」疑为错别字，应为「{rule.right}」。{note}请核对后改正。"
    elif rule.first_only:
        message = (f"「{rule.wrong}」是「{rule.right}」的简称，首次出现应写全称「{rule.right}」，"
                   f"之后可以用简称。{'' if '首次出现' in note else note}")
    else:
        message = f"「{rule.wrong}」不是规范表述，应写作「{rule.right}」。{note}请改为规范表述。"
    return Finding(
        check=rule.check,
        severity=rule.severity,
        start=hit.start,
        end=hit.end,
        text=text[hit.start : hit.end],
        message=message,
        suggestion=rule.right,
        category=rule.category,
        field=field,
    )


def wording_matcher(wording: Wording) -> PairMatcher:
    """The matcher for this wording list version, built once."""
    rules = (
        Rule(p.wrong, p.right, p.severity, p.note, CHECK_WORDING, WORDING_CATEGORY, p.first_only)
        for p in wording
    )
    return cached(f"wording|{wording.key}", lambda: PairMatcher(rules))


def typo_matcher(typos: Typos) -> PairMatcher:
    """The matcher for this typo list version, built once."""
    rules = (Rule(p.wrong, p.right, "warn", p.note, CHECK_TYPO, TYPO_CATEGORY) for p in typos)
    return cached(f"typos|{typos.key}", lambda: PairMatcher(rules))


def find_wording(text: str, wording: Wording, field: str = "") -> list[Finding]:
    """Prescribed-wording findings in one field's text, each offering the fix."""
    return wording_matcher(wording).find(text, field)


def find_typos(text: str, typos: Typos, field: str = "") -> list[Finding]:
    """Typo findings in one field's text, each offering the correct form."""
    return typo_matcher(typos).find(text, field)


@cache
def default_typos() -> Typos:
    """The typo list shipped with Rongmei (data/typos.csv), for centers without their own."""
    data = resources.files(__package__).joinpath("data/typos.csv").read_bytes()
    return parse_typos(data)
