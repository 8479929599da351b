import pytest
from rongmei.newsroom.models import count_chars

def test_count_chars_counts_plain_text_without_spaces():
    assert count_chars("<p>示例 县</p><p>a&amp;b</p>") == 6
    assert count_chars("") == 0


@pytest.mark.django_db
def test_saving_a_story_keeps_its_character_count():
    from rongmei.core.models import Center, User
    from rongmei.newsroom.models import Story
    from rongmei.newsroom.services.stories import StoryData, save_story

    center = Center.objects.create(name="字数县", slug="zishu")
    user = User.objects.create(username="zishu")
    story = Story.objects.create(center=center, headline="标题", body="<p>一二三</p>", created_by=user)
    assert story.body_chars == 3
    data = StoryData(headline="标题", body="<p>一二三四五</p>")
    save_story(story=story, user=user, data=data, base_version=story.version)
    story.refresh_from_db()
    assert story.body_chars == 5
