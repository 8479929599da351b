"""Precision and recall 1.0 over 300 county news texts, on whichever database the suite runs.

CI runs the suite on SQLite and on PostgreSQL, so this one test holds both backends to the
same hit sets. The expected hits are computed here by plain containment, independently of
the index: a hit contains every query word as written (folded to half-width lowercase), and
a word beginning or ending in a digit or an ASCII letter does not continue a longer number or
word there ("110" is in "110V", "g318" is not in "G3180", "6.5%" is not in "16.5%").
"""

from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path

import pytest

from rongmei.core import search

DATA = Path(__file__).resolve().parents[4] / "tests" / "data" / "search"


def fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


def contains(text: str, word: str) -> bool:
    before = "(?<![0-9])" if word[0].isdigit() else "(?<![a-z])" if "a" <= word[0] <= "z" else ""
    after = "(?![0-9])" if word[-1].isdigit() else "(?![a-z])" if "a" <= word[-1] <= "z" else ""
    return re.search(before + re.escape(word) + after, text) is not None


def expected(stories: list[dict], query: str) -> set[str]:
    words = fold(query).split()
    return {
        str(story["id"])
        for story in stories
        if all(contains(fold(story["title"] + "\n" + story["body"]), word) for word in words)
    }


def found(center, query: str) -> tuple[list[str], int]:
    ids: list[str] = []
    while True:
        page = search.search(center, query, limit=100, offset=len(ids))
        ids += [hit.object_id for hit in page.hits]
        if not page.hits or len(ids) >= page.total:
            return ids, page.total


@pytest.fixture
def corpus(center):
    stories = json.loads((DATA / "corpus.json").read_text(encoding="utf-8"))
    search.index_many(center, [search.Document("story", s["id"], s["title"], s["body"]) for s in stories])
    return stories


def test_corpus_is_big_enough():
    assert len(json.loads((DATA / "corpus.json").read_text(encoding="utf-8"))) >= 300


def test_every_query_finds_exactly_the_texts_containing_it(center, corpus):
    queries = (DATA / "queries.txt").read_text(encoding="utf-8").split("\n")
    failures = []
    for query in filter(None, queries):
        want = expected(corpus, query)
        got, total = found(center, query)
        if set(got) != want or total != len(want) or len(got) != len(set(got)):
            failures.append((query, sorted(set(got) - want)[:5], sorted(want - set(got))[:5], total, len(want)))
    assert not failures, "query, false hits, missed, total, expected: " + repr(failures)


def test_title_hits_come_first(center, corpus):
    queries = (DATA / "queries.txt").read_text(encoding="utf-8").split("\n")
    stories = {str(story["id"]): story for story in corpus}
    for query in filter(None, queries):
        got, _ = found(center, query)
        in_title = [all(contains(fold(stories[i]["title"]), w) for w in fold(query).split()) for i in got]
        assert in_title == sorted(in_title, reverse=True), query


def test_many_matches_are_ranked_as_few(center, corpus, monkeypatch):
    """Past COUNT_CAP matches, tiers are walked newest first instead of ranked whole (and past
    TITLE_CAP title matches, those too): the same order, page by page."""
    from rongmei.core.search import searching

    def pages(query: str) -> list[str]:
        ids: list[str] = []
        while True:
            page = search.search(center, query, limit=4, offset=len(ids))
            ids += [hit.object_id for hit in page.hits]
            if len(page.hits) < 4:
                return ids

    queries = [q for q in (DATA / "queries.txt").read_text(encoding="utf-8").split("\n") if q]
    few = {query: pages(query) for query in queries}
    monkeypatch.setattr(searching, "COUNT_CAP", 2)
    for title_cap in (0, 1, 1000):  # titles and phrases walked, some, or read from the index
        monkeypatch.setattr(searching, "TITLE_CAP", title_cap)
        many = {query: pages(query) for query in queries}
        assert many == few, title_cap
    assert any(len(ids) > 8 for ids in few.values())  # several pages walked
    results = search.search(center, max(few, key=lambda q: len(few[q])))
    assert (results.total, results.exact) == (2, False)
