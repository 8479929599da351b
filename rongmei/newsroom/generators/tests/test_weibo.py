"""The Weibo post: never over 140 Weibo characters, however the story is written."""

import pytest

from rongmei.newsroom.generators.text import weibo_length
from rongmei.newsroom.generators.types import ImageInput
from rongmei.newsroom.generators.weibo import IMAGE_LIMIT, POST_LIMIT, generate_weibo

from .samples import ascii_story, farm_story, flood_story, long_story, notice_story

STORIES = {
    "flood": flood_story,
    "farm": farm_story,
    "notice": notice_story,
    "long": long_story,
    "ascii": ascii_story,
    "huge headline": lambda: flood_story(headline="示例县" + "防汛Flood" * 40),
    "many ascii tags": lambda: ascii_story(tags=("SmartAgricultureApplication2024", "GIS", "NB-IoT", "LoRa")),
    "no body": lambda: notice_story(body_html=""),
}


@pytest.mark.parametrize("name", STORIES)
def test_teaser_never_exceeds_140(name):
    draft = generate_weibo(STORIES[name]())
    assert weibo_length(draft.fields["short_text"]) <= POST_LIMIT
    if draft.fields["mode"] == "short":
        assert weibo_length(draft.body) <= POST_LIMIT
        assert draft.body == draft.fields["short_text"]
    else:
        assert weibo_length(draft.body) > POST_LIMIT


def test_short_story_goes_out_whole():
    draft = generate_weibo(notice_story())
    assert draft.fields["mode"] == "short"
    assert draft.body.startswith("【城关镇部分路段7月10日停水】因城区供水管网改造施工")
    assert "咨询电话：0000-1234567。" in draft.body


def test_long_story_has_full_text_and_a_teaser_with_topics_and_link():
    story = flood_story()
    draft = generate_weibo(story)
    assert draft.fields["mode"] == "long"
    assert draft.body.startswith(f"【{story.headline}】\n")
    assert "陈建国表示" in draft.body
    teaser = draft.fields["short_text"]
    assert teaser.startswith(f"【{story.headline}】7月3日凌晨")
    assert teaser.endswith(story.url)
    assert "#防汛#" in teaser and "#排水管网#" in teaser
    assert 1 <= len(draft.fields["topics"]) <= 3


def test_ascii_heavy_story_is_measured_by_weibo_rules():
    draft = generate_weibo(ascii_story())
    teaser = draft.fields["short_text"]
    assert len(teaser) > POST_LIMIT          # more than 140 code points...
    assert weibo_length(teaser) <= POST_LIMIT  # ...but within Weibo's count


def test_topics_come_from_tags_then_keywords():
    assert generate_weibo(flood_story()).fields["topics"][:2] == ["#防汛#", "#排水管网#"]
    topics = generate_weibo(farm_story()).fields["topics"]
    assert "#白沙乡#" in topics and len(topics) == 3


def test_at_most_nine_pictures():
    draft = generate_weibo(farm_story())
    assert len(draft.fields["images"]) == IMAGE_LIMIT
    assert draft.fields["images"][0].endswith("farm-1.jpg")
    assert any(w.startswith("图片过多") for w in draft.warnings)
    many = tuple(ImageInput(url=f"https://m.cn/{n}.jpg", caption="图") for n in range(30))
    assert len(generate_weibo(flood_story(images=many)).fields["images"]) == IMAGE_LIMIT


def test_a_version_without_the_link_leaves_room_for_it():
    """The link is appended when the post goes out; a teaser written to a full 140 would be
    cut mid-sentence then (the demo notice came to 144)."""
    import dataclasses

    from rongmei.newsroom.generators.text import weibo_length

    for story in (notice_story(), flood_story(), farm_story()):
        draft = generate_weibo(dataclasses.replace(story, url=""))
        assert "http" not in draft.fields["short_text"]
        assert not any(w.startswith("缺少链接") for w in draft.warnings)
        assert weibo_length(draft.fields["short_text"] + " https://example.cn/news/1/") <= 140
