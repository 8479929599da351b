"""The radio script: nothing a listener cannot see, and an honest reading time."""

import math

from rongmei.newsroom.generators.radio import CHARS_PER_MINUTE, generate_radio
from rongmei.newsroom.generators.spoken import for_listening, spoken_length

from .samples import ascii_story, farm_story, flood_story, notice_story


def test_no_pictures_captions_or_links():
    story = flood_story()
    draft = generate_radio(story)
    for image in story.images:
        assert image.caption not in draft.body
        assert image.url not in draft.body
    for unseen in ("<img", "图片说明", "摄影：", "http", "<", "本报讯"):
        assert unseen not in draft.body
    assert "排水管网改造见成效" not in draft.body  # subheads are for the eye


def test_lead_first_and_not_read_twice():
    draft = generate_radio(flood_story())
    lead = draft.fields["lead"]
    assert lead.startswith("7月3日凌晨，示例县普降暴雨")
    assert draft.body.startswith(lead)
    assert draft.body.count("示例县普降暴雨") == 1


def test_symbols_are_said_in_words():
    body = generate_radio(flood_story()).body
    assert "降幅达百分之74。" in body and "%" not in body
    assert "化肥用量减少百分之15" in generate_radio(farm_story()).body
    assert "第一，水稻机插秧" in generate_radio(farm_story()).body


def test_for_listening_rewrites():
    assert for_listening("气温28℃，降雨量3～5毫米，菜价2.5元/斤。") == "气温28摄氏度，降雨量3至5毫米，菜价2.5元每斤。"
    assert for_listening("（图为青山镇泵站）泵站已启用，详见https://a.cn/x。") == "泵站已启用，详见。"


def test_estimated_seconds_at_250_characters_a_minute():
    draft = generate_radio(flood_story())
    spoken = "\n".join([draft.fields["lead"], *draft.fields["paragraphs"]])
    assert draft.stats["char_count"] == spoken_length(spoken)
    assert draft.stats["estimated_seconds"] == math.ceil(draft.stats["char_count"] * 60 / CHARS_PER_MINUTE)
    assert 60 < draft.stats["estimated_seconds"] < 150


def test_short_notice_leads_with_the_news_and_reads_the_number_after_it():
    """A phone number is no lead; it is read once, after the news."""
    draft = generate_radio(notice_story())
    assert draft.fields["lead"].startswith("因城区供水管网改造施工")
    assert "咨询电话" not in draft.fields["lead"]
    assert draft.fields["paragraphs"] == ["咨询电话：0000-1234567。"]
    assert draft.warnings == []


def test_dropped_links_are_warned():
    assert any(w.startswith("链接已删除") for w in generate_radio(ascii_story()).warnings)
