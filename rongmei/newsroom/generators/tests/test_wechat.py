"""The WeChat article: inline styles only, and WeChat's field limits always respected."""

import re

from rongmei.newsroom.generators.types import BylineInput
from rongmei.newsroom.generators.wechat import (
    AUTHOR_LIMIT, DIGEST_LIMIT, TITLE_LIMIT, generate_wechat,
)

from .samples import ascii_story, farm_story, flood_story, long_story, notice_story

ALLOWED_TAGS = {"section", "p", "span", "strong", "em", "br", "img", "figure"}


def test_html_survives_the_wechat_editor():
    for story in (flood_story(), farm_story(), ascii_story(), long_story()):
        html = generate_wechat(story).body
        for banned in ("class=", "id=", "<style", "<script", "<a ", "<video", "<h1", "<h2"):
            assert banned not in html
        assert set(re.findall(r"<([a-z0-9]+)", html)) <= ALLOWED_TAGS


def test_images_are_full_width_and_captioned():
    html = generate_wechat(flood_story()).body
    images = re.findall(r"<img [^>]+>", html)
    assert len(images) == 2
    assert all("width:100%" in img for img in images)
    assert "7月3日凌晨，县住建局抢险队员在解放路清理雨水篦子。　摄影：李娜" in html


def test_digest_fits_and_ends_at_a_sentence():
    for story in (flood_story(), farm_story(), notice_story(), long_story()):
        digest = generate_wechat(story).fields["digest"]
        assert 0 < len(digest) <= DIGEST_LIMIT
        assert digest.endswith(("。", "！", "？", "”", "……"))


def test_long_editor_summary_is_cut_with_a_warning():
    summary = "示例县全力应对强降雨，" * 20 + "城区积水全部消退。"
    draft = generate_wechat(flood_story(summary=summary))
    assert len(draft.fields["digest"]) <= DIGEST_LIMIT
    assert any(w.startswith("摘要过长") for w in draft.warnings)


def test_title_is_cut_to_64_with_a_warning():
    draft = generate_wechat(long_story())
    assert len(draft.title) <= TITLE_LIMIT
    assert any(w.startswith("标题过长") for w in draft.warnings)
    assert not any(w.startswith("标题过长") for w in generate_wechat(flood_story()).warnings)


def test_cover_is_the_first_pictures_wide_crop():
    assert generate_wechat(flood_story()).fields["cover"].endswith("flood-1-cover.jpg")
    draft = generate_wechat(notice_story())
    assert draft.fields["cover"] == ""
    assert any(w.startswith("缺少封面") for w in draft.warnings)


def test_author_keeps_whole_names_within_eight_characters():
    assert generate_wechat(flood_story()).fields["author"] == "王磊 张晓燕"
    draft = generate_wechat(farm_story())
    assert draft.fields["author"] == "周文 欧阳晓明"
    assert any(w.startswith("作者过长") for w in draft.warnings)
    long_name = generate_wechat(flood_story(bylines=(BylineInput("示例县融媒体中心记者站", "记者"),)))
    assert len(long_name.fields["author"]) <= AUTHOR_LIMIT


def test_video_cannot_be_embedded_and_says_so():
    draft = generate_wechat(flood_story())
    assert any(w.startswith("视频未放入") for w in draft.warnings)
    assert draft.fields["source_url"] == flood_story().url
