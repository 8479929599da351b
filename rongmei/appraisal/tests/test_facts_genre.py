"""Story genre (体裁) and originality (原创属性) — what appraisal scores a piece by — on the
story form, the API and the story page; validated with Chinese messages; left as they are
when a client does not send them."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from rongmei.appraisal.tests.test_facts_helpers import person
from rongmei.newsroom.models import Story
from rongmei.newsroom.services import stories as story_services


def test_the_story_form_sets_genre_and_originality_and_the_page_shows_them(login, demo):
    client = login("reporter")
    form = client.get("/stories/new/").content.decode()
    assert 'name="genre"' in form and 'name="originality"' in form and "长图" in form and "编辑整合" in form
    answer = client.post("/stories/new/", {"headline": "体裁测试：长图", "genre": "long_image", "originality": "adapted",
                                           "byline-TOTAL_FORMS": "0", "byline-INITIAL_FORMS": "0"})
    assert answer.status_code == 302, answer.content.decode()[:3000]
    story = Story.objects.get(center=demo["demo"], headline="体裁测试：长图")
    assert (story.genre, story.originality) == ("long_image", "adapted")
    page = client.get(f"/stories/{story.pk}/").content.decode()
    assert "长图 · 编辑整合" in page


def test_bad_values_are_refused_in_chinese_and_missing_ones_leave_the_story_as_it_is(demo):
    center, reporter = demo["demo"], person("reporter")
    with pytest.raises(ValidationError) as caught:
        story_services.create_story(center=center, user=reporter, data=story_services.StoryData(
            headline="体裁测试：错误", genre="poem", originality="stolen"))
    assert "体裁应为：文字、图片、视频、直播、H5、长图" in caught.value.message_dict["genre"][0]
    assert "原创属性应为：原创、编辑整合、转载" in caught.value.message_dict["originality"][0]
    story = story_services.create_story(center=center, user=reporter, data=story_services.StoryData(headline="体裁测试：默认"))
    assert (story.genre, story.originality) == ("text", "original")
    story_services.save_story(story=story, user=reporter, base_version=story.version,
                              data=story_services.StoryData(headline="体裁测试：默认", genre="video"))
    story.refresh_from_db()
    assert (story.genre, story.originality) == ("video", "original")
    story_services.save_story(story=story, user=reporter, base_version=story.version,
                              data=story_services.StoryData(headline="体裁测试：默认（改）"))
    story.refresh_from_db()
    assert (story.genre, story.originality) == ("video", "original")


def test_the_api_reads_and_writes_genre_and_originality(login):
    api = login("reporter")
    made = api.post("/api/v1/stories", {"headline": "体裁测试：API", "genre": "video", "originality": "reprint"},
                    content_type="application/json")
    assert made.status_code == 201, made.content.decode()
    body = made.json()
    assert (body["genre"], body["originality"]) == ("video", "reprint")
    kept = api.put(f"/api/v1/stories/{body['id']}", {"headline": "体裁测试：API 改", "version": body["version"]},
                   content_type="application/json")
    assert kept.status_code == 200 and kept.json()["genre"] == "video"
    bad = api.put(f"/api/v1/stories/{body['id']}", {"headline": "x", "version": kept.json()["version"], "genre": "poem"},
                  content_type="application/json")
    assert bad.status_code == 422 and "体裁应为" in bad.json()["errors"]["genre"][0]
