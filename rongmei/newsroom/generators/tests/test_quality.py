"""Generated versions good enough to sign: the rules, and every story of the labelled set.

The labelled set (tests/data/generation/) holds county stories with what an editor
accepts in each channel; `bench/generation_quality.py` prints the figures.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from rongmei.newsroom.generators import generate
from rongmei.newsroom.generators.quality import (
    check_story, check_text_rules, figures, has_double_brackets, load_labelled_set,
    repeated_sentences,
)
from rongmei.newsroom.generators.quotes import (
    ends_on_unattributed_quote, starts_on_unattributed_quote,
)
from rongmei.newsroom.generators.tests.samples import notice_story
from rongmei.newsroom.generators.text import html_to_text, weibo_length

DATA = Path(__file__).resolve().parents[4] / "tests" / "data" / "generation"
STORIES = load_labelled_set(DATA)


def test_the_labelled_set_is_forty_varied_county_stories():
    assert len(STORIES) >= 40
    for labelled in STORIES:
        length = len(html_to_text(labelled.story.body_html).replace("\n", ""))
        assert 300 <= length <= 1500, (labelled.name, length)
        assert labelled.must_mention and labelled.topics, labelled.name
    kinds = {path.read_text(encoding="utf-8").split("\n", 1)[0] for path in DATA.glob("*.yaml")}
    assert len(kinds) >= 10


@pytest.mark.parametrize("labelled", STORIES, ids=[s.name for s in STORIES])
def test_the_editors_own_lead_passes_the_rules(labelled):
    """The rules judge like an editor: the version an editor wrote passes them."""
    assert check_text_rules(labelled.lead) == []
    assert len(labelled.lead) <= 90
    assert all(fact in labelled.lead for fact in labelled.must_mention)


@pytest.mark.parametrize("labelled", STORIES, ids=[s.name for s in STORIES])
def test_every_generated_version_keeps_the_rules(labelled):
    problems = [
        f"{r.version}: {note} — {r.text}"
        for r in check_story(labelled, generate)
        for note in r.failures
    ]
    assert problems == []


def test_nine_in_ten_generated_versions_need_no_edit():
    """Keeping the rules is not all: most versions also say what the editor's version says
    (bench/generation_quality.py prints which do not, and why)."""
    results = [r for labelled in STORIES for r in check_story(labelled, generate)]
    counts = figures(results)
    assert counts.rule_passing == counts.versions
    assert counts.no_edit / counts.versions >= 0.9


# ---------------------------------------------------------------- the rules themselves


@pytest.mark.parametrize("text, starts, ends", [
    ("“今天又接了1800多单！”12月1日一早，返乡青年陈晓东在直播。", True, False),
    ("“以前门口的水能没过膝盖，今年好多了。”沿街商户刘桂芳说。", False, False),
    ("县住建局局长陈建国表示：“汛期还没有结束，我们将逐一整治。”", False, False),
    ("老人得救了。“换了队里任何一个人，都会这么做。”", False, True),
    ("说起那次救援，邹磊显得很平静：“换了队里任何一个人，都会这么做。”", False, False),
    ("村民在家门口吃上了“旅游饭”。", False, False),
    ("“红马甲”扮靓文明城。", False, False),
])
def test_a_quotation_needs_its_speaker_at_the_start_and_the_end(text, starts, ends):
    assert starts_on_unattributed_quote(text) is starts
    assert ends_on_unattributed_quote(text) is ends


def test_a_speaker_without_the_words_is_caught():
    assert check_text_rules("南河镇枫树坪村红白理事会会长聂长贵说。去年以来，南河镇成立了红白理事会。")
    assert check_text_rules("12月4日，村民贺春兰取到了给孙子买的棉衣，高兴地说。试点以来共收发快递12.6万件。")
    assert check_text_rules("石磊说，他已经投了两份简历。") == []
    assert check_text_rules("“办一场酒席要摆四五十桌，现在都轻松了。”南河镇枫树坪村红白理事会会长聂长贵说。") == []


def test_double_brackets_and_repeats_are_caught():
    assert has_double_brackets("【【提醒】今夜有暴雨】")
    assert has_double_brackets("【今夜有暴雨】【提醒】请减少外出。")
    assert not has_double_brackets("【提醒】今夜有暴雨：请减少外出。")
    assert repeated_sentences(["据统计，全县已收割六成。", "今年丰收。据统计，全县已收割六成。"])


# ---------------------------------------------------------------- the defects, one by one


def _story(name: str):
    return next(s for s in STORIES if s.name == name).story


def test_the_radio_lead_is_not_read_again_at_the_end():
    """The lead took the closing sentence; the script read it again as its last line."""
    draft = generate("radio", _story("19-malasong"))
    assert repeated_sentences([draft.fields["lead"], *draft.fields["paragraphs"]]) == []


def test_a_feature_opening_on_a_voice_is_not_summarized_by_it():
    story = _story("10-ganju-dianshang")
    for channel, key in (("web", "summary"), ("wechat", "digest"), ("tv", "lead"), ("radio", "lead")):
        text = generate(channel, story).fields[key]
        assert not starts_on_unattributed_quote(text), (channel, text)


def test_a_bracketed_head_is_not_bracketed_again_on_weibo():
    story = _story("03-tixing-baoyu")
    draft = generate("weibo", story)
    assert not has_double_brackets(draft.fields["short_text"])
    assert not has_double_brackets(draft.body)
    assert draft.fields["short_text"].startswith("【提醒】今夜到明天我县有暴雨")


def test_topics_are_whole_names_not_fragments():
    """#守义# (of 田守义), #书房# (of 城市书房), #首场# are not topics."""
    story = _story("16-chengshi-shufang")
    tags = generate("short_video", story).fields["tags"]
    assert "#书房" not in tags
    story = _story("41-chunfeng-zhaopin")
    tags = generate("weibo", story).fields["topics"]
    assert "#首场#" not in tags and "#岗位#" not in tags


def test_the_editors_tags_stay_in_the_teaser_of_a_long_story():
    """A long headline and a link leave little room: the headline gives way, not the tags."""
    story = notice_story(
        tags=("城乡供水一体化", "供水管网改造", "城关镇停水通知"),
        headline="因城区供水管网改造施工需要 县自来水公司定于12月10日对城关镇解放路人民路东门社区等部分区域暂停供水12小时 请沿线居民和商户提前储水",
        url="https://www.shili.gov.cn/news/2026/1205/20001.html",
    )
    teaser = generate("weibo", story).fields["short_text"]
    for tag in ("#城乡供水一体化#", "#供水管网改造#", "#城关镇停水通知#"):
        assert tag in teaser
    assert weibo_length(teaser) <= 140
