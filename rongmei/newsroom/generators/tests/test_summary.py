"""Extractive summaries: the story's own sentences, in order, within the budget."""

import pytest

from rongmei.newsroom.generators import summary
from rongmei.newsroom.generators.summary import (
    ExtractiveSummary, extractive_summary, get_summary_backend, rank_sentences,
)
from rongmei.newsroom.generators.text import (
    html_to_text, split_sentences, strip_dateline, weibo_length,
)

from .samples import FARM_BODY, FLOOD_BODY

FLOOD = html_to_text(FLOOD_BODY)
FARM = html_to_text(FARM_BODY)


def _positions(made: str, text: str) -> list[int]:
    """Where each sentence of the summary stands among the text's sentences."""
    originals = [strip_dateline(s) for s in split_sentences(text)]
    return [originals.index(s) for s in split_sentences(made)]


@pytest.mark.parametrize("text", [FLOOD, FARM])
@pytest.mark.parametrize("budget", [40, 80, 120, 200])
def test_summary_is_original_sentences_in_order_within_budget(text, budget):
    made = extractive_summary(text, budget)
    assert len(made) <= budget
    positions = _positions(made, text)
    assert positions == sorted(positions)


def test_summary_opens_with_the_lead_sentence_without_its_dateline():
    made = extractive_summary(FLOOD, 120)
    assert made.startswith("7月3日凌晨，示例县普降暴雨")
    assert "本报讯" not in made


def test_summary_skips_sentences_that_lean_on_a_missing_predecessor():
    made = extractive_summary(FARM, 120)
    for sentence in split_sentences(made):
        assert not sentence.startswith("他")


def test_summary_never_returns_a_fragment_when_nothing_fits():
    assert extractive_summary(FLOOD, 10) == ""
    assert extractive_summary("", 100) == ""


def test_summary_measures_with_weibo_rules_when_asked():
    text = "Example Tech Co., Ltd. developed the APP for farmers in 2024. " * 3 + FLOOD
    made = extractive_summary(text, 60, measure=weibo_length)
    assert made and weibo_length(made) <= 60


def test_summary_is_deterministic():
    assert extractive_summary(FARM, 100) == extractive_summary(FARM, 100)


def test_ranking_gives_one_score_per_sentence():
    sentences = split_sentences(FLOOD)
    scores = rank_sentences(sentences)
    assert len(scores) == len(sentences)
    assert sum(scores) == pytest.approx(1.0, abs=1e-3)


def test_default_backend_is_extractive():
    backend = get_summary_backend()
    assert isinstance(backend, ExtractiveSummary) and backend.name == "extractive"
    assert backend.summarize(FLOOD, 80) == extractive_summary(FLOOD, 80)


def test_unknown_backend_names_the_available_ones():
    with pytest.raises(ValueError, match="extractive"):
        get_summary_backend("gpt")


def test_a_registered_backend_is_found_by_name(monkeypatch):
    class FirstSentence:
        name = "first"

        def summarize(self, text, budget, *, measure=len, user_words=()):
            return split_sentences(text)[0]

    monkeypatch.setitem(summary._BACKENDS, "first", FirstSentence)
    assert get_summary_backend("first").summarize("甲。乙。", 10) == "甲。"
