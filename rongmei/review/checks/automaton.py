"""Aho-Corasick matching shared by the term checks, and a small cache of built automata.

A center's lexicon can hold tens of thousands of terms; scanning a story term by term
costs time proportional to terms × text, while one automaton finds every occurrence of
every term in a single pass over the text. Building it takes a moment, so each automaton
is built once per list version and kept (`cached`).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Generic, TypeVar

import ahocorasick

V = TypeVar("V")
B = TypeVar("B")

# Enough for a province's platform serving its counties' lists from one process.
CACHE_SIZE = 64

_cache: OrderedDict[str, object] = OrderedDict()
_cache_lock = threading.Lock()


@dataclass(frozen=True)
class Hit(Generic[V]):
    """One occurrence of a key in the searched text: [start, end) and the key's value."""

    start: int
    end: int
    value: V


class Matcher(Generic[V]):
    """Finds every occurrence of a set of keys (each with a value) in a text."""

    def __init__(self, keys: Iterable[tuple[str, V]]) -> None:
        self._automaton = ahocorasick.Automaton()
        count = 0
        for key, value in keys:
            if key:
                # The key's length travels with its value: the automaton reports only ends.
                self._automaton.add_word(key, (len(key), value))
                count += 1
        self.size = count
        if count:
            self._automaton.make_automaton()

    def find_all(self, text: str) -> list[Hit[V]]:
        """Every occurrence, overlapping and nested ones included, in text order."""
        if not self.size or not text:
            return []
        return [
            Hit(end + 1 - length, end + 1, value)
            for end, (length, value) in self._automaton.iter(text)
        ]


def drop_nested(
    hits: Iterable[Hit[V]],
    keep_nested: Callable[[Hit[V], Hit[V]], bool] | None = None,
) -> list[Hit[V]]:
    """Hits that no longer hit contains, sorted by position.

    Where 赌博 and 赌博网站 are both listed, 赌博网站 describes the passage and 赌博 inside it
    adds nothing but noise. Hits that merely overlap are all kept: each is a real term.
    `keep_nested(inner, outer)` may keep an inner hit anyway (one more serious than its
    container, say).
    """
    kept: list[Hit[V]] = []
    outer: Hit[V] | None = None
    for hit in sorted(hits, key=lambda h: (h.start, -h.end)):
        if outer is not None and hit.end <= outer.end:
            if keep_nested is not None and keep_nested(hit, outer):
                kept.append(hit)
            continue
        kept.append(hit)
        outer = hit
    return kept


def cached(key: str, build: Callable[[], B]) -> B:
    """The object built for `key`, built now if it is not in the cache (least recent goes)."""
    with _cache_lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]  # type: ignore[return-value]
        # Built under the lock: two requests for a new list then build it once, not twice.
        value = build()
        _cache[key] = value
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
        return value


def clear_cache() -> None:
    """Forget every built automaton (tests; or after a bulk lexicon change)."""
    with _cache_lock:
        _cache.clear()
