"""The short-video caption and hashtags."""

from rongmei.newsroom.generators.short_video import (
    CAPTION_LIMIT, MAX_TAGS, MIN_TAGS, generate_short_video,
)

from .samples import farm_story, flood_story, long_story, notice_story


def test_caption_is_the_headline_when_it_fits():
    draft = generate_short_video(flood_story())
    assert draft.fields["caption"] == flood_story().headline
    assert draft.body.splitlines()[0] == draft.fields["caption"]
    assert draft.fields["video_url"].endswith("flood.mp4")


def test_long_headline_gives_a_caption_within_55_and_a_warning():
    draft = generate_short_video(long_story())
    assert 0 < len(draft.fields["caption"]) <= CAPTION_LIMIT
    assert any(w.startswith("文案改用摘要") for w in draft.warnings)


def test_three_to_five_hashtags():
    """A three-line notice has fewer real topics; it is warned (below), never padded."""
    for story in (flood_story(), farm_story(), long_story()):
        tags = generate_short_video(story).fields["tags"]
        assert MIN_TAGS <= len(tags) <= MAX_TAGS
        assert all(t.startswith("#") and " " not in t and t.count("#") == 1 for t in tags)


def test_editor_tags_come_first():
    tags = generate_short_video(flood_story()).fields["tags"]
    assert tags[:2] == ["#防汛", "#排水管网"]
    assert "#白沙乡" in generate_short_video(farm_story()).fields["tags"]


def test_body_is_caption_then_tags():
    draft = generate_short_video(farm_story())
    assert draft.body == draft.fields["caption"] + "\n" + " ".join(draft.fields["tags"])


def test_too_few_topics_and_no_video_are_warned():
    draft = generate_short_video(notice_story(headline="通知", body_html="<p>停水。</p>"))
    assert len(draft.fields["tags"]) < MIN_TAGS
    assert any(w.startswith("话题不足") for w in draft.warnings)
    assert any(w.startswith("缺少视频") for w in draft.warnings)
