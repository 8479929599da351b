"""How Chinese text becomes index terms, and how a query becomes a match expression.

The problem: jieba cuts "王磊说" as 王磊/说 but may cut "王磊在" or a headline differently,
and "积水严重" can come out as one word or two depending on the dictionary. An index of
jieba words alone misses a two-character word whenever the document was cut differently
from the query.

The answer, used by both database backends:

* **The index holds character bigrams, in text order.** Every run of CJK characters
  "积水严重" becomes 积水 水严 严重 重 — each adjacent pair, then the run's last character.
  Runs of other letters and digits ("5G", "G318", "2025") become one lowercase term each.
  Every two-character word of the text is therefore a term, whatever jieba would have done,
  and a longer word is a *phrase* of consecutive bigrams (王小明 = "王小 小明"), which both
  FTS5 and PostgreSQL match at adjacent positions: exact substring search, as Lucene's
  CJK analyzer and pg_bigm do.
* **The trailing single character** makes one-character queries complete: a character
  either starts a bigram or ends its run, so the prefix query 水* finds every occurrence.
* **jieba cuts the query, not the documents.** A query "县城积水" is cut into 县城 + 积水 so
  that it also finds "县城里积水"; each piece must occur (as a phrase of its bigrams), and a
  document containing the exact "县城积水" scores higher. Single characters left over by
  the cut are glued to their single neighbours (jieba without a dictionary entry cuts an
  unknown name 陈静 into 陈/静) or, when alone among longer pieces, dropped (说 in
  "王磊说", 的 in "积水的道路"): they are mostly function words that would match nearly
  every story. Because the index does not depend on jieba, adding county words with
  `add_words` improves queries at once and never requires re-indexing.
* **The match only proposes candidates; containment decides.** Because the cut drops
  characters (健康码 is looked up as 健康) and punctuation is not a term (6.5% is 6 and 5),
  `backends.containment` keeps only entries whose normalized title or body contains each
  query word as written (`ParsedQuery.terms`): 健康码 never returns a story with only 健康.
  A word typed with a space between its parts (县城 积水) may find them apart.
* **Mixed words are also indexed by their parts**, after the text-order terms: "110V"
  adds "110v 110 v", and an ASCII query word is the phrase of its parts, so 110 finds 110V
  (it contains it, and 110 is not part of a longer number there) while g318 does not find
  G3180. Only words mixing scripts or punctuation (1998年, 6.5%) need the row check.
* **User input never reaches the query syntax.** Text is cut into terms made only of
  letters and digits, and the backends quote every term and bind every value; FTS5 and
  tsquery operators typed by a user are simply not terms. Words separated by spaces are
  ANDed.
"""

from __future__ import annotations

import logging
import re
import threading
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

import jieba

# CJK ideographs (with extensions A-G, compatibility ideographs and the numeral 〇).
CJK_CHARS = "\u3007\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
_CJK_RUN = re.compile(f"[{CJK_CHARS}]+")
# A run is CJK ideographs, or letters/digits of any other script; everything else separates.
RUN = re.compile(f"[{CJK_CHARS}]+|[^\\W_{CJK_CHARS}]+")

MAX_TERM_CHARS = 64  # longer non-CJK words (hashes, base64) are cut, on both sides alike
MAX_INDEXED_CHARS = 50_000  # of a body; beyond it a text is stored but not searchable
# (and PostgreSQL's 1 MB limit on a tsvector stays far away)
MAX_QUERY_CHARS = 200
MAX_QUERY_WORDS = 10
MAX_WORD_CHARS = 40


# NFKC's mapping of the full-width ASCII forms and the ideographic space, done first as a
# plain substitution: Chinese text is full of full-width punctuation (，！？：), so without it
# no text is ever "already normalised" and every one pays for the whole NFKC pass. A regular
# expression finds those few characters (str.translate looked up every character of the
# text in its table: twice the time on a 1,000-character item).
_WIDE_CHARS = {chr(code): chr(code - 0xFEE0) for code in range(0xFF01, 0xFF5F)} | {"\u3000": " "}
_WIDE = re.compile("[\u3000\uff01-\uff5e]")


def _narrow(match: re.Match) -> str:
    return _WIDE_CHARS[match[0]]


def normalize(text: str) -> str:
    """Full-width to half-width, compatibility forms to plain ones, case folded: "Ｇ３１８" = "g318".

    The same as NFKC then casefold: each translated character's NFKC form is the one
    character it becomes, so translating first changes nothing but the cost."""
    text = _WIDE.sub(_narrow, text)
    if not unicodedata.is_normalized("NFKC", text):
        text = unicodedata.normalize("NFKC", text)
    return text.casefold()


def is_cjk(run: str) -> bool:
    return _CJK_RUN.match(run) is not None


def runs(text: str) -> list[str]:
    """The normalized CJK runs and other-script words of `text`, in order."""
    return RUN.findall(normalize(text))


# Where a word of other scripts changes between digits and letters: "110v" = 110 + v.
_ASCII_PARTS = re.compile(r"[0-9]+|[a-z]+")
# RUN with a group per kind: (a CJK run, "") or ("", a word of other scripts).
_KIND_RUN = re.compile(f"([{CJK_CHARS}]+)|([^\\W_{CJK_CHARS}]+)")


def run_terms(run: str) -> list[str]:
    """Index terms of one run: bigrams plus the last character for CJK, else the word."""
    if not is_cjk(run):
        return [run[:MAX_TERM_CHARS]]
    return [*map(str.__add__, run, run[1:]), run[-1]]


def ascii_parts(run: str) -> list[str]:
    """The digit and letter parts of a word of mixed parts ("700mhz" = 700, mhz), else none."""
    if is_cjk(run):
        return []
    parts = _ASCII_PARTS.findall(run[:MAX_TERM_CHARS])
    return parts if len(parts) > 1 else []


def index_terms(text: str) -> str:
    """The space-separated terms stored for `text` (a title or a body).

    After the terms in text order come the mixed words again, each followed by its parts
    ("110v 110 v"), so that a query for a part (110) or a run of parts (110v in x110v) is
    a phrase found exactly, without splitting the phrases of the text order; the whole
    word between two words' parts keeps a phrase from running on into the next word."""
    # The same terms as run_terms and ascii_parts over runs(), written out: a body has some
    # 1,000 terms, and the calls per run cost more than the terms (the search indexing
    # follow-up of the 舆情 ingest computes them for every item). `_KIND_RUN` tells a CJK run
    # from a word by its group, each run's terms are joined at once, the pairs made by map.
    pieces: list[str] = []
    extra: list[str] = []
    for cjk, word in _KIND_RUN.findall(normalize(text[:MAX_INDEXED_CHARS])):
        if cjk:
            pieces.append(" ".join([*map(str.__add__, cjk, cjk[1:]), cjk[-1]]))
            continue
        word = word[:MAX_TERM_CHARS]
        pieces.append(word)
        if len(parts := _ASCII_PARTS.findall(word)) > 1:
            extra += [word, *parts]
    return " ".join(pieces + extra)


# --- jieba: loaded once, on first use ------------------------------------------------------

_jieba_lock = threading.Lock()
_tokenizer: jieba.Tokenizer | None = None
_extra_words: list[str] = []


def _jieba() -> jieba.Tokenizer:
    """Our own jieba tokenizer, built on first use (about half a second) by one thread."""
    global _tokenizer
    if _tokenizer is None:
        with _jieba_lock:
            if _tokenizer is None:
                jieba.setLogLevel(logging.WARNING)
                tokenizer = jieba.Tokenizer()
                tokenizer.initialize()
                for word in _extra_words:
                    tokenizer.add_word(word)
                _tokenizer = tokenizer
    return _tokenizer


def add_words(words: Iterable[str]) -> None:
    """Teach the query cutter county words (places, offices, people) so they stay whole.

    Cheap before the first search (the words wait for jieba to load); the index needs no
    rebuild either way, since documents are indexed by bigrams."""
    cleaned = [normalize(word).strip() for word in words]
    cleaned = [word for word in cleaned if word and not any(ch.isspace() for ch in word)]
    with _jieba_lock:
        _extra_words.extend(cleaned)
        if _tokenizer is not None:
            for word in cleaned:
                _tokenizer.add_word(word)


# --- Queries ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Phrase:
    """Terms that must appear at consecutive positions (one term: just that term)."""

    terms: tuple[str, ...]


@dataclass(frozen=True)
class Prefix:
    """Any term starting with this one CJK character: the single-character fallback."""

    char: str


@dataclass(frozen=True)
class All:
    parts: tuple[Node, ...]


@dataclass(frozen=True)
class Either:
    parts: tuple[Node, ...]


Node = Phrase | Prefix | All | Either


@dataclass(frozen=True)
class ParsedQuery:
    """`match` is None when the query holds no searchable word; `needles` are the
    normalized strings to highlight."""

    match: Node | None
    needles: tuple[str, ...]
    # The normalized query words as written, for ranking (see `backends.boost`).
    terms: tuple[str, ...] = ()
    # Those of them the match alone does not find exactly (6.5%, 1998年, 110v): the
    # database checks that every hit contains them (see `backends.containment`).
    checks: tuple[str, ...] = ()


def parse_query(text: str) -> ParsedQuery:
    """Space-separated words, all required. Never raises, whatever the user typed."""
    clauses: list[Node] = []
    needles: list[str] = []
    terms: list[str] = []
    checks: list[str] = []
    for word in normalize(text[:MAX_QUERY_CHARS]).split()[:MAX_QUERY_WORDS]:
        word = word[:MAX_WORD_CHARS]
        word_runs = RUN.findall(word)
        pieces = [piece for run in word_runs for piece in _pieces(run)]
        if not pieces:
            continue
        written = _as_written(word)
        terms.append(written)
        needles.extend(dict.fromkeys([word, *word_runs, *pieces]))
        nodes = tuple(_piece_node(piece) for piece in pieces)
        required = nodes[0] if len(nodes) == 1 else All(nodes)
        exact = _exact_phrase(word_runs)
        if len(word_runs) == 1 and is_cjk(word_runs[0]):
            # A CJK word is exactly the phrase of its bigrams: the index alone is precise.
            clauses.append(exact or required)
            continue
        clauses.append(Either((exact, required)) if exact and exact != required else required)
        if not _SIMPLE_WORD.fullmatch(written):
            checks.append(written)
    if not clauses:
        return ParsedQuery(None, ())
    match = clauses[0] if len(clauses) == 1 else All(tuple(clauses))
    return ParsedQuery(match, tuple(dict.fromkeys(needles)), tuple(dict.fromkeys(terms)), tuple(dict.fromkeys(checks)))


# Digits and ASCII letters: a term, or a phrase of parts in the index, found exactly as
# the containment rule decides (a part is never cut out of a longer run of its kind).
_SIMPLE_WORD = re.compile(r"[0-9a-z]+")

_EDGE_MARKS = re.compile(r"^[\W_]+|[\W_]+$")
_UNIT_SIGN = re.compile(r"[^\W_][%‰]")


def _as_written(word: str) -> str:
    """The word a hit must contain: without quotes or brackets around it ('"积水"' is
    积水), but with what is inside (6.5) and a unit sign after it (6.5%)."""
    core = _EDGE_MARKS.sub("", word)
    end = word.find(core) + len(core)
    if core and _UNIT_SIGN.match(word[end - 1 : end + 1]):
        core += word[end]
    return core or word


def _pieces(run: str) -> list[str]:
    """What of one query run must occur in a document (see the module docstring)."""
    if not is_cjk(run):
        return [run[:MAX_TERM_CHARS]]
    if len(run) <= 2:
        return [run]
    pieces: list[str] = []
    singles = ""
    for word in _jieba().cut(run, HMM=True):
        if len(word) == 1:
            singles += word
            continue
        if len(singles) > 1:
            pieces.append(singles)
        singles = ""
        pieces.append(word)
    if len(singles) > 1 or (singles and not pieces):
        pieces.append(singles)
    return pieces


def _piece_node(piece: str) -> Node:
    if not is_cjk(piece):
        return Phrase(tuple(ascii_parts(piece)) or (piece,))
    if len(piece) == 1:
        return Prefix(piece)
    return Phrase(tuple(run_terms(piece)[:-1]))


def _exact_phrase(word_runs: list[str]) -> Phrase | None:
    """The whole query word as one phrase, to rank exact occurrences first.

    A document's CJK run may go on after the word's last character, so that run's
    trailing single-character term is left out; inner runs end where the word's do."""
    terms = [term for run in word_runs for term in run_terms(run)]
    if is_cjk(word_runs[-1]):
        terms = terms[:-1]
    return Phrase(tuple(terms)) if len(terms) > 1 else None
