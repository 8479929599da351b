"""Chinese word segmentation and keywords, with the county's own names kept whole.

jieba's stock dictionary splits 青山镇 into 青/山镇 and 县住建局 into 县住/建局, which makes
useless hashtags and weak summaries. We therefore load `userdict.txt` (place and office
names of the demo county) into a private tokenizer, never into jieba's process-wide default:
other code may use jieba too, and a tenant's names must not leak into another's results.

Per-story `user_words` are laid over the shared dictionary in a copy-on-write overlay
(a `ChainMap`), so adding them costs microseconds, mutates nothing shared, and the same
story always segments the same way whatever was processed before it.
"""

from __future__ import annotations

import copy
import logging
import threading
from collections import ChainMap
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import jieba

USERDICT_PATH = Path(__file__).with_name("userdict.txt")

# Parts of speech worth a keyword or a hashtag: places, organisations, other proper nouns,
# nouns and verbal nouns. Personal names (nr) are left out on purpose: a reporter's or an
# official's name makes a poor topic tag.
KEYWORD_POS = ("ns", "nt", "nz", "n", "vn", "nw")

# Nouns every county story contains; as keywords they say nothing about this story.
GENERIC_WORDS = frozenset(
    "记者 通讯员 编辑 工作 情况 问题 方面 时候 目前 近日 日前 今年 部门 相关 单位 "
    "人员 群众 同志 有关 活动 进一步 全县 我县 本县 一系列".split()
)

_PLACE_SUFFIXES = ("县", "市", "镇", "乡", "村", "街道", "社区", "组", "路", "街", "河", "山")
_ORG_SUFFIXES = ("局", "委", "办", "中心", "院", "所", "站", "公司", "厂", "队", "会", "部", "校")


@dataclass(frozen=True)
class _Jieba:
    """Loaded, read-only jieba state: a tokenizer, a POS tagger over it, a TF-IDF scorer."""

    tokenizer: Any   # jieba.Tokenizer
    tagger: Any      # jieba.posseg.POSTokenizer
    tfidf: Any       # jieba.analyse.tfidf.TFIDF, cutting with the two above


_loaded: _Jieba | None = None
_load_lock = threading.Lock()


def _shared() -> _Jieba:
    """Load jieba's dictionary, our user dictionary and the IDF table once, on first use.

    Loading takes about a second, so it is deferred until a generator needs it, and
    guarded by a lock so that concurrent first requests load it only once.
    """
    global _loaded
    if _loaded is not None:
        return _loaded
    with _load_lock:
        if _loaded is None:
            _loaded = _load()
    return _loaded


def _load() -> _Jieba:
    # jieba announces "Building prefix dict..." on its logger; keep logs for real trouble.
    jieba.setLogLevel(logging.WARNING)
    from jieba.analyse.tfidf import TFIDF
    from jieba.posseg import POSTokenizer

    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    tokenizer.load_userdict(str(USERDICT_PATH))
    tagger = POSTokenizer(tokenizer)
    # Move the user dictionary's tags into the tagger now, so that cutting never writes.
    tagger.makesure_userdict_loaded()
    tfidf = TFIDF()
    tfidf.stop_words = tfidf.stop_words | GENERIC_WORDS
    return _scorer_over(_Jieba(tokenizer=tokenizer, tagger=tagger, tfidf=tfidf))


def _scorer_over(state: _Jieba) -> _Jieba:
    """`state` with a TF-IDF scorer that cuts with its own tokenizer and tagger.

    A shallow copy shares the (large, read-only) IDF table and leaves jieba's module-wide
    default tokenizers alone.
    """
    tfidf = copy.copy(state.tfidf)
    tfidf.tokenizer = state.tokenizer
    tfidf.postokenizer = state.tagger
    return _Jieba(tokenizer=state.tokenizer, tagger=state.tagger, tfidf=tfidf)


def guess_tag(word: str) -> str:
    """A part-of-speech tag for a county name given without one (place, office, other)."""
    if word.endswith(_PLACE_SUFFIXES):
        return "ns"
    if word.endswith(_ORG_SUFFIXES):
        return "nt"
    return "nz"


def _clean_words(words: Iterable[str]) -> tuple[str, ...]:
    """Distinct, stripped, space-free words in a stable order (also the cache key)."""
    return tuple(sorted({w.strip() for w in words if w.strip() and " " not in w.strip()}))


@lru_cache(maxsize=64)
def _with_words(words: tuple[str, ...]) -> _Jieba:
    """The shared state with `words` laid over it; the shared dictionaries stay untouched."""
    from jieba.posseg import POSTokenizer

    base = _shared()
    if not words:
        return base
    tokenizer = jieba.Tokenizer(base.tokenizer.dictionary)
    tokenizer.FREQ = ChainMap({}, base.tokenizer.FREQ)
    tokenizer.total = base.tokenizer.total
    tokenizer.initialized = True
    for word in words:
        tokenizer.add_word(word)
    # POSTokenizer.__init__ would re-read the whole dictionary file; build it by hand.
    tagger = POSTokenizer.__new__(POSTokenizer)
    tagger.tokenizer = tokenizer
    tagger.word_tag_tab = ChainMap({w: guess_tag(w) for w in words}, base.tagger.word_tag_tab)
    return _scorer_over(_Jieba(tokenizer=tokenizer, tagger=tagger, tfidf=base.tfidf))


def cut(text: str, user_words: Sequence[str] = ()) -> list[str]:
    """Words of `text`, every character kept (punctuation and spaces are tokens too)."""
    return _with_words(_clean_words(user_words)).tokenizer.lcut(text)


def content_words(text: str, user_words: Sequence[str] = ()) -> list[str]:
    """Words that carry meaning: two characters or more, not generic, not bare numbers.

    Single characters in Chinese are mostly particles (的, 了, 在); dropping them is the
    cheap stop list that sentence similarity needs.
    """
    return [
        w for w in cut(text, user_words)
        if len(w) >= 2 and w not in GENERIC_WORDS and any(ch.isalpha() for ch in w)
    ]


def keywords(text: str, top_k: int = 10, user_words: Sequence[str] = ()) -> list[str]:
    """The story's keywords by jieba's TF-IDF, places, offices and nouns only, best first.

    Ties keep first-appearance order, so the same text always yields the same list.
    """
    if top_k <= 0 or not text.strip():
        return []
    state = _with_words(_clean_words(user_words))
    return list(state.tfidf.extract_tags(text, topK=top_k, allowPOS=KEYWORD_POS))
