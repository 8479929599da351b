"""What the content checks read (lexicons, wording pairs, officials, typos) and report.

Everything here is plain data: the review app loads it from its tables or from an imported
file, and the checks are pure functions of it, so they run and are tested without Django.
Collections carry a `version` so that the automata built from them are cached per version
and rebuilt only when an editor changes the list.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from typing import Generic, Literal, NamedTuple, TypeVar

Severity = Literal["block", "warn", "info"]
SEVERITIES: tuple[Severity, ...] = ("block", "warn", "info")
# A higher rank is more serious; used to sort and to pick a span's colour.
SEVERITY_RANK: dict[str, int] = {"info": 0, "warn": 1, "block": 2}

# Check names, as stored with a finding and shown by the review screen.
CHECK_SENSITIVE = "sensitive"
CHECK_WORDING = "wording"
CHECK_OFFICIAL = "official"
CHECK_TYPO = "typo"
CHECK_DATE = "date"
CHECK_IMAGE = "image"
CHECK_LINK = "link"

CHECK_LABELS: dict[str, str] = {
    CHECK_SENSITIVE: "敏感词",
    CHECK_WORDING: "规范表述",
    CHECK_OFFICIAL: "领导职务",
    CHECK_TYPO: "易错字词",
    CHECK_DATE: "日期",
    CHECK_IMAGE: "图片",
    CHECK_LINK: "链接",
}


@dataclass(frozen=True)
class Finding:
    """One problem in one field, as a span of that field's plain text.

    `start`/`end` are offsets into the text the check was given for `field` ("headline",
    "body", "caption:12"); a finding about a whole thing (an image without a credit, a
    link given apart from the text) has start == end == 0 and names it in `field`.
    """

    check: str
    severity: Severity
    start: int
    end: int
    text: str
    message: str
    suggestion: str | None = None
    category: str = ""
    field: str = ""

    @property
    def blocking(self) -> bool:
        return self.severity == "block"

    def sort_key(self) -> tuple[str, int, int, int, str]:
        return (self.field, self.start, self.end, -SEVERITY_RANK[self.severity], self.check)


@dataclass(frozen=True)
class LexiconEntry:
    """A sensitive or banned term. `severity` "block" stops sign-off; "warn" only flags."""

    term: str
    category: str = ""
    severity: Severity = "block"
    note: str = ""


@dataclass(frozen=True)
class WordingPair:
    """Prescribed wording (规范表述): `wrong` should be written as `right`. With `first_only`
    (首次出现用全称: `wrong` is a short name of `right`), only a `wrong` before any `right` in
    the same text is reported; after the full name the short name is fine."""

    wrong: str
    right: str
    severity: Severity = "warn"
    note: str = ""
    first_only: bool = False


@dataclass(frozen=True)
class TypoPair:
    """A common misspelling or confusable word and its correct form."""

    wrong: str
    right: str
    note: str = ""


@dataclass(frozen=True)
class Official:
    """A person and a title they hold from `valid_from` (None: as far as the list knows).

    Several rows for one name are a title history; the latest row that has started is the
    current title, and the earlier ones let the message say that a title is out of date.
    """

    name: str
    title: str
    valid_from: dt.date | None = None


T = TypeVar("T")


@dataclass(frozen=True)
class _Collection(Generic[T]):
    """An ordered, immutable list of rows with a version for caching what is built from it.

    Pass `version` when the caller already has one (a database revision number); otherwise
    it is a hash of the content, computed once on first use.
    """

    items: tuple[T, ...] = ()
    version: str = ""

    def __post_init__(self) -> None:
        # Accept any iterable (a list from a parser, a generator) but store a tuple.
        object.__setattr__(self, "items", tuple(self.items))

    def __iter__(self) -> Iterator[T]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)

    @cached_property
    def key(self) -> str:
        """A cache key: the given version, or a digest of every row."""
        if self.version:
            return f"{type(self).__name__}:{self.version}"
        digest = hashlib.blake2b(digest_size=16)
        for item in self.items:
            digest.update(repr(item).encode("utf-8"))
            digest.update(b"\x00")
        return f"{type(self).__name__}:#{digest.hexdigest()}"


class Lexicon(_Collection[LexiconEntry]):
    """A center's sensitive and banned terms."""


class Wording(_Collection[WordingPair]):
    """A center's prescribed-wording pairs."""


class Typos(_Collection[TypoPair]):
    """Common typos and confusable words."""


class Officials(_Collection[Official]):
    """A center's list of people and their titles."""


class CheckData(NamedTuple):
    """Everything a center configures for the checks; `run_checks(fields, **data._asdict())`."""

    lexicon: Lexicon
    wording: Wording
    officials: Officials
    typos: Typos


__all__ = [
    "CHECK_LABELS",
    "CheckData",
    "Finding",
    "Lexicon",
    "LexiconEntry",
    "Official",
    "Officials",
    "SEVERITIES",
    "SEVERITY_RANK",
    "Severity",
    "TypoPair",
    "Typos",
    "Wording",
    "WordingPair",
]
