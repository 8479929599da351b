"""How text becomes index terms and a query becomes a match expression (no database)."""

from __future__ import annotations

import threading

import pytest

from rongmei.core.search import segment
from rongmei.core.search.segment import All, Either, ParsedQuery, Phrase, Prefix, add_words, index_terms, parse_query


def test_cjk_runs_become_bigrams_plus_their_last_character():
    assert index_terms("积水严重") == "积水 水严 严重 重"
    assert index_terms("王磊说：积水。") == "王磊 磊说 说 积水 水"
    assert index_terms("水") == "水"


def test_other_scripts_become_lowercase_words_and_width_is_folded():
    # then the digit/letter parts of mixed words, so "318" or "g" find "G318"
    assert index_terms("5G基站沿G318国道") == "5g 基站 站沿 沿 g318 国道 道 5g 5 g g318 g 318"
    assert index_terms("Ｇ３１８ ＡＢＣ") == "g318 abc g318 g 318"
    assert index_terms("二〇二五年") == "二〇 〇二 二五 五年 年"


def test_punctuation_and_markup_are_not_terms():
    assert index_terms('<b>"积水"</b> & (NEAR) *:!') == "b 积水 水 b near"
    assert index_terms("") == ""


def test_a_word_of_two_characters_is_one_term():
    assert parse_query("舆情").match == Phrase(("舆情",))
    assert parse_query("王磊").match == Phrase(("王磊",))


def test_a_longer_word_is_a_phrase_of_its_bigrams():
    assert parse_query("王小明").match == Phrase(("王小", "小明"))


def test_a_cjk_word_is_exactly_the_phrase_of_its_bigrams():
    # Not 县城 + 积水 apart, and not 王磊 without 说: every hit contains the word (issue 14).
    assert parse_query("县城积水") == ParsedQuery(Phrase(("县城", "城积", "积水")), ("县城积水", "县城", "积水"), ("县城积水",))
    assert parse_query("王磊说").match == Phrase(("王磊", "磊说"))


def test_a_mixed_word_is_found_by_its_pieces_and_checked_as_written():
    parsed = parse_query("1998年洪水")
    assert Phrase(("1998",)) in _leaves(parsed.match)
    assert parsed.checks == ("1998年洪水",)
    assert parse_query("6.5%").checks == ("6.5%",)
    assert parse_query("110 mhz 积水").checks == ()  # the index alone is exact for these


def test_single_characters_cut_apart_are_glued_back(monkeypatch):
    """An unknown name cut into 陈/静 stays one piece, never two loose characters."""

    class CutsEverything:
        def cut(self, text, HMM=True):
            return iter(text)

    monkeypatch.setattr(segment, "_jieba", lambda: CutsEverything())
    assert segment._pieces("陈静") == ["陈静"]
    assert segment._pieces("陈静好") == ["陈静好"]


def test_one_character_is_a_prefix_search():
    assert parse_query("水").match == Prefix("水")


def test_words_separated_by_spaces_are_all_required():
    match = parse_query("积水  王磊\u3000g318").match
    # a mixed ASCII word is the phrase of its parts, indexed after the text (see index_terms)
    assert match == All((Phrase(("积水",)), Phrase(("王磊",)), Phrase(("g", "318"))))


def test_mixed_scripts_in_one_word():
    match = parse_query("5G基站").match
    assert match == Either((Phrase(("5g", "基站")), All((Phrase(("5", "g")), Phrase(("基站",))))))


@pytest.mark.parametrize(
    "query",
    ['"', "'", "((", ")", "NEAR(积水 王磊, 2)", "积水*", "title:积水", "a & b | !c", "积水 -王磊", "^积水",
     "OR", "AND NOT", "'; DROP TABLE core_searchentry; --", "\\", "\x00积水", "😀积水", "积" * 500, "积水 " * 50],
)
def test_no_user_input_becomes_syntax(query):
    parsed = parse_query(query)
    for node in _leaves(parsed.match):
        terms = node.terms if isinstance(node, Phrase) else (node.char,)
        assert all(term and all(ch.isalnum() for ch in term) for term in terms)


@pytest.mark.parametrize("query", ["", "   ", "，。！？", "*", '""', "()", "--"])
def test_nothing_searchable(query):
    assert parse_query(query).match is None


def test_queries_are_bounded():
    parsed = parse_query(" ".join(f"词{n}" for n in range(100)))
    assert len(parsed.match.parts) == segment.MAX_QUERY_WORDS


def test_add_words_keeps_a_county_name_whole():
    # (a pure CJK word is looked up whole; jieba cuts the CJK runs of mixed words)
    assert Phrase(("滨江", "江街", "街道")) not in _leaves(parse_query("5g滨江街道积水").match)
    add_words(["滨江街道", " ", ""])
    assert Phrase(("滨江", "江街", "街道")) in _leaves(parse_query("5g滨江街道积水").match)


def test_jieba_loads_once_across_threads(monkeypatch):
    monkeypatch.setattr(segment, "_tokenizer", None)
    seen = []
    threads = [threading.Thread(target=lambda: seen.append(segment._jieba())) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len({id(tokenizer) for tokenizer in seen}) == 1


def _leaves(node):
    if node is None:
        return []
    if isinstance(node, (All, Either)):
        return [leaf for part in node.parts for leaf in _leaves(part)]
    return [node]


def test_normalize_is_nfkc_then_casefold_on_every_kind_of_text():
    """The fast path (full-width forms translated first, NFKC only when still needed) gives
    exactly what NFKC + casefold gives, on text mixing every block that NFKC touches."""
    import random
    import unicodedata

    from rongmei.core.search.segment import normalize

    rng = random.Random(20261207)
    pools = [range(0x20, 0x7F), range(0xFF01, 0xFF5F), range(0x4E00, 0x4E80), range(0x3000, 0x3040), range(0x300, 0x370),
             range(0xC0, 0x180), range(0x2460, 0x24FF), range(0xF900, 0xF920), range(0x1100, 0x1120), range(0xAC00, 0xAC10),
             range(0xFF61, 0xFFA0), range(0x2150, 0x2190)]
    for _ in range(5000):
        text = "".join(chr(rng.choice(rng.choice(pools))) for _ in range(rng.randint(0, 30)))
        assert normalize(text) == unicodedata.normalize("NFKC", text).casefold(), ascii(text)
    assert normalize("Ｇ３１８，积水！\u3000ＡＢ") == "g318,积水! ab"
