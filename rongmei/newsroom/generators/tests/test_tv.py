"""The TV script: the anchor's lead, then 画面 beside 解说."""

import math

from rongmei.newsroom.generators.spoken import spoken_length
from rongmei.newsroom.generators.text import split_sentences
from rongmei.newsroom.generators.tv import CHARS_PER_MINUTE, SYNC_SOUND, generate_tv

from .samples import farm_story, flood_story, notice_story


def test_lead_has_two_or_three_sentences():
    for story in (flood_story(), farm_story()):
        lead = generate_tv(story).fields["lead"]
        assert 2 <= len(split_sentences(lead)) <= 3


def test_pictures_pair_with_narration_in_story_order():
    segments = generate_tv(flood_story()).fields["segments"]
    assert all(set(row) == {"picture", "narration"} for row in segments)
    first = segments[0]
    assert first["picture"].startswith("航拍：雨后的城关镇主干道；7月3日凌晨，县住建局抢险队员")
    assert first["narration"].startswith("记者在滨江街道解放路看到")
    last = segments[-1]
    assert last["picture"] == "改造后的青山镇排水泵站"
    assert last["narration"].startswith("截至3日上午10时")


def test_paragraph_without_picture_gets_a_named_placeholder():
    segments = generate_tv(flood_story()).fields["segments"]
    placeholders = [row["picture"] for row in segments if row["picture"].startswith("（现场画面")]
    assert placeholders
    assert all(p.startswith("（现场画面：") and p.endswith("）") for p in placeholders)


def test_interview_quote_is_sync_sound():
    segments = generate_tv(flood_story()).fields["segments"]
    (quote,) = [row for row in segments if row["picture"].startswith(SYNC_SOUND)]
    assert quote["narration"].startswith("县住建局局长陈建国表示")
    assert "【同期声】县住建局局长陈建国表示" in generate_tv(flood_story()).body


def test_a_list_is_voiced_with_its_announcement():
    segments = generate_tv(farm_story()).fields["segments"]
    (row,) = [r for r in segments if "第一，水稻机插秧" in r["narration"]]
    assert "推广了以下三项技术：第一，" in row["narration"] and "第三，统防统治" in row["narration"]


def test_body_renders_the_two_columns():
    body = generate_tv(flood_story()).body
    assert body.startswith("【导语】\n7月3日凌晨")
    assert body.count("【画面】") == len(generate_tv(flood_story()).fields["segments"])
    assert "【解说】记者在滨江街道解放路看到" in body
    assert "本报讯" not in body and "<img" not in body


def test_estimated_seconds_cover_lead_and_narration():
    draft = generate_tv(flood_story())
    voiced = "\n".join([draft.fields["lead"], *(r["narration"] for r in draft.fields["segments"])])
    assert draft.stats["char_count"] == spoken_length(voiced)
    assert draft.stats["estimated_seconds"] == math.ceil(spoken_length(voiced) * 60 / CHARS_PER_MINUTE)


def test_missing_video_is_warned():
    assert any(w.startswith("缺少视频") for w in generate_tv(notice_story()).warnings)
    assert not any(w.startswith("缺少视频") for w in generate_tv(flood_story()).warnings)
