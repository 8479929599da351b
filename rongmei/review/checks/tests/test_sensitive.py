"""Sensitive terms: found when broken up, reported over the original characters, fast."""

from __future__ import annotations

import random
import time

import pytest

from rongmei.review.checks import Lexicon, LexiconEntry, SensitiveMatcher
from rongmei.review.checks.normalize import normalize, normalize_term


def matcher(*entries: LexiconEntry | str) -> SensitiveMatcher:
    rows = [e if isinstance(e, LexiconEntry) else LexiconEntry(e) for e in entries]
    return SensitiveMatcher.for_lexicon(Lexicon(rows))


@pytest.mark.parametrize(
    "text, written",
    [
        ("有人开设赌博网站牟利", "赌博网站"),
        ("有人开设赌 博 网 站牟利", "赌 博 网 站"),
        ("有人开设赌-博网站牟利", "赌-博网站"),
        ("有人开设赌，博网站牟利", "赌，博网站"),
        ("有人开设赌\u200b博\u200c网站牟利", "赌\u200b博\u200c网站"),
        ("有人开设赌·博*网_站/牟利", "赌·博*网_站"),
        ("有人开设赌\u3000博网站", "赌\u3000博网站"),
    ],
)
def test_broken_up_terms_are_found_over_the_original_characters(text: str, written: str) -> None:
    [finding] = matcher("赌博网站").find(text, "body")
    assert text[finding.start : finding.end] == written == finding.text
    assert finding.field == "body"
    assert finding.severity == "block"
    assert "赌博网站" in finding.message


def test_variant_message_says_the_term_was_broken_up() -> None:
    [finding] = matcher("赌博网站").find("赌 博网站")
    assert "变体写法" in finding.message
    [plain] = matcher("赌博网站").find("赌博网站")
    assert "变体写法" not in plain.message


def test_full_width_and_upper_case_letters_fold_to_the_term() -> None:
    [finding] = matcher("vpn翻墙").find("教你用ＶＰＮ 翻墙")
    assert finding.text == "ＶＰＮ 翻墙"


def test_terms_are_folded_like_the_text() -> None:
    [finding] = matcher("代开-发票").find("专业代开发票")
    assert finding.text == "代开发票"
    assert normalize_term("A-Ｂ c") == "abc"


def test_position_map_points_back_to_the_source() -> None:
    folded = normalize("a, B　c")
    assert folded.text == "abc"
    assert folded.original_span(0, 3) == (0, 6)
    assert folded.original_span(1, 2) == (3, 4)


def test_longest_term_wins_where_terms_nest() -> None:
    [finding] = matcher("赌博", "赌博网站").find("举报赌博网站")
    assert finding.text == "赌博网站"


def test_more_serious_term_inside_a_longer_one_is_still_reported() -> None:
    found = matcher(
        LexiconEntry("赌博", severity="block"), LexiconEntry("反赌博宣传", severity="warn")
    ).find("开展反赌博宣传")
    assert [(f.text, f.severity) for f in found] == [("反赌博宣传", "warn"), ("赌博", "block")]


def test_overlapping_terms_are_both_reported() -> None:
    found = matcher("代开发票", "发票贩卖").find("代开发票贩卖")
    assert [f.text for f in found] == ["代开发票", "发票贩卖"]


def test_entries_that_fold_alike_keep_the_more_serious() -> None:
    found = matcher(
        LexiconEntry("赌博网站", severity="warn"), LexiconEntry("赌 博网站", severity="block")
    ).find("赌博网站")
    assert [f.severity for f in found] == ["block"]


def test_warn_terms_and_categories_and_notes_are_reported() -> None:
    [finding] = matcher(LexiconEntry("根治", "医疗用语", "warn", "医疗语境慎用")).find("根治顽疾")
    assert (finding.severity, finding.category) == ("warn", "医疗用语")
    assert "医疗语境慎用" in finding.message and "核实" in finding.message


def test_nothing_found_in_clean_text_or_with_an_empty_lexicon() -> None:
    assert matcher("赌博网站").find("全县开展防汛演练") == []
    assert SensitiveMatcher.for_lexicon(Lexicon([])).find("赌博网站") == []
    assert matcher("赌博网站").find("") == []


def test_matcher_is_built_once_per_lexicon_version() -> None:
    rows = [LexiconEntry("赌博网站")]
    first = SensitiveMatcher.for_lexicon(Lexicon(rows, version="v1"))
    assert SensitiveMatcher.for_lexicon(Lexicon(rows, version="v1")) is first
    assert SensitiveMatcher.for_lexicon(Lexicon(rows, version="v2")) is not first
    by_content = SensitiveMatcher.for_lexicon(Lexicon(rows))
    assert SensitiveMatcher.for_lexicon(Lexicon(list(rows))) is by_content


def test_fifty_thousand_terms_build_once_and_match_a_long_story_fast() -> None:
    rng = random.Random(7)
    chars = "".join(chr(c) for c in range(0x4E00, 0x4E00 + 3000))  # common CJK block
    terms = {"".join(rng.choice(chars) for _ in range(rng.randint(2, 6))) for _ in range(52_000)}
    lexicon = Lexicon([LexiconEntry(t) for t in sorted(terms)[:50_000]], version="big-test")
    story = "".join(rng.choice(chars) for _ in range(10_000))
    story = story[:5000] + "赌 博 网 站" + story[5000:]
    lexicon = Lexicon([*lexicon.items, LexiconEntry("赌博网站")], version="big-test")

    started = time.perf_counter()
    big = SensitiveMatcher.for_lexicon(lexicon)
    built = time.perf_counter() - started
    started = time.perf_counter()
    found = big.find(story)
    matched = time.perf_counter() - started

    assert big.size >= 50_000
    assert any(f.text == "赌 博 网 站" and f.start == 5000 for f in found)
    assert built < 20
    assert matched < 0.5  # milliseconds in practice; generous for a loaded CI machine
