"""关键词: TF-IDF keywords of an item, with the county's own names kept whole.

Segmentation is rjieba (the Rust port of jieba): on our news text it cuts like jieba
(99.9 % of tokens the same; the only differences seen are phone numbers such as
0000-6209001, which rjieba keeps as one token and which are dropped as numbers anyway) and
is about 40 times faster (0.32 ms against 13 ms per 1,000 characters, see docs/monitor.md).
The weights use jieba's own IDF table and stop words (those of jieba.analyse), so the
ranking is jieba's.

County words (青山镇, 县住建局, the 本地词典 of 舆情设置, the topics' terms, the center's
departments and areas) are kept whole without touching any shared dictionary: their
occurrences are found first (one Aho-Corasick pass, leftmost-longest) and only the pieces
between them are cut. rjieba can add words, but only to one process-wide dictionary (or to
a fresh 25 MB instance per center); splitting first keeps one center's names out of
another's results. The pieces go to rjieba in one call, joined by SEP, a private-use
character that rjieba always cuts off as a token of its own (it is neither a word
character nor a space to rjieba), so no word runs across it and every piece is cut exactly
as on its own; the SEP tokens are then replaced by the county words. (A text that holds
SEP itself is cut piece by piece.) This is the idea of newsroom/generators/segment.py (a
private overlay per word list), done for rjieba.

Where the time goes (a 1,000-character item: about 600 tokens, 450 of them distinct): the
rjieba cut is about half of it; the rest is counting the tokens and weighing each distinct
one, both by C-level calls (a Counter, map over a dict of weights), not a Python loop. The
weight lookups miss the CPU cache (news uses tens of thousands of different words), and that
is most of the rest. jieba's table and stop words are read without importing
jieba.analyse, which would cost a second more per process.
"""

from __future__ import annotations

import ast
import gc
import importlib.util
import logging
import re
import threading
from collections import Counter
from collections.abc import Iterable, Sequence
from functools import lru_cache
from itertools import compress
from operator import mul
from pathlib import Path

import ahocorasick_rs
import rjieba

STOPWORDS_PATH = Path(__file__).with_name("tone_lexicon") / "keyword_stopwords.txt"

_NUMBERISH = re.compile(r"^[\d０-９.,，:：/%％\-—~～+×·]+[年月日时分秒号个万亿元人次天岁%]?$")
_HAS_WORD_CHAR = re.compile(r"[\u4e00-\u9fffA-Za-z]")

# Stands in for a county word in the text given to rjieba (see the module's docstring).
SEP = "\ue000"

_state: dict = {}
_lock = threading.Lock()


# --- jieba's table and stop words, and the tokenizer ----------------------------------------------


def _jieba_dir() -> Path:
    """jieba's package folder, found without importing it."""
    spec = importlib.util.find_spec("jieba")
    return Path(next(iter(spec.submodule_search_locations)))


def _read_idf(path: Path) -> dict[str, float]:
    """jieba's idf.txt as jieba.analyse's IDFLoader reads it ("word idf" a line; a repeated
    word keeps its last value), without its line-by-line loop."""
    content = path.read_bytes().decode("utf-8")
    parts = content.split()
    if len(parts) != 2 * len(content.splitlines()):  # not one "word idf" a line: let jieba read it
        from jieba.analyse.tfidf import IDFLoader

        return IDFLoader(str(path)).idf_freq
    return dict(zip(parts[0::2], map(float, parts[1::2])))


def _jieba_stop_words(source: Path) -> set[str]:
    """jieba.analyse's own stop words (KeywordExtractor.STOP_WORDS), read from its source:
    importing jieba.analyse costs about a second (it loads jieba.posseg's dictionary and an
    IDF table of its own). If the source no longer says it plainly, import it after all."""
    try:
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Assign) and [getattr(t, "id", None) for t in node.targets] == ["STOP_WORDS"]
                    and isinstance(node.value, ast.Call) and getattr(node.value.func, "id", None) == "set"
                    and len(node.value.args) == 1 and not node.value.keywords):
                return set(ast.literal_eval(node.value.args[0]))
    except (OSError, SyntaxError, ValueError):
        pass
    from jieba.analyse.tfidf import KeywordExtractor

    return set(KeywordExtractor.STOP_WORDS)


def _load() -> dict:
    """rjieba's tokenizer, jieba's IDF table and stop words and ours, loaded once (about a
    third of a second; jieba.analyse itself is not imported)."""
    if _state:
        return _state
    with _lock:
        if not _state:
            logging.getLogger("jieba").setLevel(logging.WARNING)
            folder = _jieba_dir() / "analyse"
            stop = _jieba_stop_words(folder / "tfidf.py")
            for line in STOPWORDS_PATH.read_text(encoding="utf-8").splitlines():
                if not line.startswith("#"):
                    stop.update(line.split())
            idf = _read_idf(folder / "idf.txt")
            median = sorted(idf.values())[len(idf) // 2]  # as jieba's IDFLoader
            # Our own instance: nobody else's add_word can change how we cut.
            _state.update(tokenizer=rjieba.Jieba(), idf=idf, median_idf=median, stop=frozenset(stop))
            # The IDF table is a third of a million strings that live as long as the process:
            # move everything alive now out of the collector's sight, or every full collection
            # walks them again (~150 ms each, several per thousand items in bench/monitor.py).
            gc.freeze()
    return _state


# --- County words ---------------------------------------------------------------------------------


class CountyWords(tuple):
    """The county dictionary (what user_words returns): a tuple of words that keeps its own
    Aho-Corasick splitter, so the items of a batch neither rebuild nor look it up."""

    def __reduce__(self):  # pickled as the words alone
        return (CountyWords, (tuple(self),))

    @property
    def splitter(self):
        try:
            return self.__dict__["splitter"]
        except KeyError:
            made = self.__dict__["splitter"] = _splitter(_clean_words(self))
            return made


def _clean_words(words: Iterable[str]) -> tuple[str, ...]:
    return tuple(sorted({w.strip() for w in words if w and len(w.strip()) >= 2 and not any(c.isspace() for c in w.strip())}))


class _Splitter:
    """Finds county words leftmost-longest: ahocorasick_rs (in Rust) returns all of a text's
    matches from one call, where pyahocorasick's iter_long yields them one by one (two
    thirds of the time on a 1,000-character item)."""

    def __init__(self, words: tuple[str, ...]):
        self.words = words
        self._find = ahocorasick_rs.AhoCorasick(
            words, matchkind=ahocorasick_rs.MatchKind.LeftmostLongest).find_matches_as_indexes

    def find(self, text: str) -> list[tuple[str, int, int]]:
        """(word, start, end) of each occurrence, in order, none overlapping."""
        words = self.words
        return [(words[n], start, end) for n, start, end in self._find(text)]


@lru_cache(maxsize=64)
def _splitter(words: tuple[str, ...]) -> _Splitter | None:
    """The splitter of these (clean) words; None for none."""
    return _Splitter(words) if words else None


@lru_cache(maxsize=64)
def _splitter_of_tuple(words: tuple[str, ...]):
    return _splitter(_clean_words(words))


def _splitter_of(words: Sequence[str]):
    if not words:
        return None
    if isinstance(words, CountyWords):
        return words.splitter
    return _splitter_of_tuple(tuple(words))


# --- Cutting --------------------------------------------------------------------------------------


def _cut_pieces(text: str, splitter) -> list[str]:
    """The county words whole, the pieces between them cut one by one."""
    tokenizer = _load()["tokenizer"]
    out: list[str] = []
    pos = 0
    for word, start, end in splitter.find(text):
        if start > pos:
            out.extend(tokenizer.cut(text[pos:start]))
        out.append(word)
        pos = end
    if pos < len(text):
        out.extend(tokenizer.cut(text[pos:]))
    return out


def _cut(text: str, splitter) -> list[str]:
    """The tokens of a non-empty `text`, the words of `splitter` whole: one rjieba call over
    the pieces joined by SEP, then each SEP token replaced by its word."""
    tokenizer = _load()["tokenizer"]
    found = splitter.find(text) if splitter is not None else None
    if not found:
        return tokenizer.cut(text)
    if SEP in text:
        return _cut_pieces(text, splitter)
    pieces, pos = [], 0
    for _, start, end in found:
        pieces.append(text[pos:start])
        pos = end
    pieces.append(text[pos:])
    tokens = tokenizer.cut(SEP.join(pieces))
    at = -1
    try:
        for word, _, _ in found:
            at = tokens.index(SEP, at + 1)
            tokens[at] = word
    except ValueError:  # fewer SEP tokens than words: rjieba did not cut as expected
        return _cut_pieces(text, splitter)
    if SEP in tokens[at + 1:]:
        return _cut_pieces(text, splitter)
    return tokens


def cut(text: str, words: Sequence[str] = ()) -> list[str]:
    """The tokens of `text` (every character kept), the county `words` always whole."""
    return _cut(text, _splitter_of(words)) if text else []


# --- Keywords -------------------------------------------------------------------------------------


def is_candidate(token: str, stop: frozenset) -> bool:
    """A token that may be a keyword: two characters or more, a letter or a Chinese
    character in it, not a number or a date, not a stop word."""
    return (len(token) >= 2 and token not in stop and _HAS_WORD_CHAR.search(token) is not None
            and not _NUMBERISH.match(token))


class _Weights(dict):
    """token → its weight: its IDF if it may be a keyword (the median IDF if jieba has none),
    else 0. Stop words and the IDF table are fixed, so the answer is too. Filled as tokens
    come (a hit is one C-level lookup; only a miss runs Python); bounded."""

    def __missing__(self, token: str) -> float:
        state = _load()
        weight = state["idf"].get(token, state["median_idf"]) if is_candidate(token, state["stop"]) else 0.0
        if len(self) < _WEIGHT_CACHE:
            self[token] = weight
        return weight


_weights = _Weights()
_WEIGHT_CACHE = 300_000


def extract(text: str, k: int = 10, *, words: Sequence[str] = ()) -> list[tuple[str, float]]:
    """The `k` best keywords of `text` by TF-IDF (term frequency × jieba's IDF, normalised
    like jieba's extract_tags), best first; ties keep first-appearance order. County `words`
    stay whole and, absent from the IDF table, weigh as a median word."""
    if k <= 0 or not text or not text.strip():
        return []
    # Count in C (a Counter keeps first-appearance order), weigh each distinct token once (a
    # 1,000-character item has about 600 tokens but 450 distinct ones) and multiply, all by
    # C-level calls: no Python loop over the tokens.
    counts = Counter(_cut(text, _splitter_of(words)))
    weights = list(map(_weights.__getitem__, counts))
    total = sum(compress(counts.values(), weights))
    if not total:
        return []
    values = list(map(mul, counts.values(), weights))
    tokens = list(counts)
    return [(tokens[i], round(values[i] / total, 6)) for i in _top(values, k)]


def _top(values: list[float], k: int) -> list[int]:
    """The indexes of the `k` largest non-zero `values`, largest first, ties in index order
    (what a stable sort by value gives). Sorting the floats themselves finds the k-th value
    and only the few indexes at or above it (more than k only on ties) are sorted by value:
    three quarters of the time of heapq.nlargest with a key over ~450 indexes."""
    kth = sorted(values, reverse=True)[k - 1] if len(values) > k else 0.0
    chosen = [i for i, value in enumerate(values) if value >= kth and value]
    chosen.sort(key=values.__getitem__, reverse=True)
    return chosen[:k]


# --- The county dictionary ------------------------------------------------------------------------


@lru_cache(maxsize=1024)
def _terms(expression: str) -> tuple[str, ...]:
    """rules.terms_of, once per expression (it compiles the expression)."""
    from rongmei.monitor.rules import terms_of

    return tuple(terms_of(expression))


def user_words(center) -> CountyWords:
    """The county dictionary used for segmentation: 舆情设置's 本地词典 lines, the terms of the
    center's enabled topics (rules.terms_of), and the names (and short names) of its active
    departments and of its areas (rongmei.core). Deduplicated, two characters or more; a
    tuple (CountyWords) that carries its own splitter through the batch."""
    from rongmei.core.models import Area, Department
    from rongmei.core.tenancy import scoped
    from rongmei.monitor.models import Topic
    from rongmei.monitor.settings_store import county_words

    found: dict[str, None] = {}
    for word in county_words(center):
        found.setdefault(word, None)
    for expression in scoped(Topic.objects.filter(enabled=True), center).values_list("expression", flat=True):
        for term in _terms(expression):
            found.setdefault(term, None)
    for name, short in scoped(Department.objects.filter(is_active=True), center).values_list("name", "short_name"):
        found.setdefault(name, None)
        if short:
            found.setdefault(short, None)
    for name in scoped(Area.objects.all(), center).values_list("name", flat=True):
        found.setdefault(name, None)
    return CountyWords(w for w in found if len(w.strip()) >= 2 and not any(c.isspace() for c in w))
