"""Bylines and author filters list the center's own staff: not department liaisons (they
work for a government department) and not system accounts (the platform admin)."""

from django.core.exceptions import ValidationError

import pytest

from rongmei.core.models import User
from rongmei.newsroom.services import stories as svc
from rongmei.newsroom.services.stories import BylineData

STAFF = {"reporter", "editor", "reviewer1", "proofreader", "operator"}
NOT_STAFF = {"liaison", "liaison_jt", "admin"}


def _options(html: str, select_name: str) -> set[str]:
    import re

    start = html.index(f'name="{select_name}"')
    block = html[start:html.index("</select>", start)]
    ids = set(re.findall(r'<option value="(\d+)"', block))
    return set(User.objects.filter(pk__in=ids).values_list("username", flat=True))


def test_byline_people_are_own_staff(login, demo):
    page = login("editor").get("/stories/new/").content.decode()
    people = _options(page, "byline-0-user")
    assert STAFF <= people
    assert not people & NOT_STAFF, people & NOT_STAFF
    assert "lx_reporter" not in people


def test_search_author_filter_is_own_staff(login, demo):
    page = login("editor").get("/search/").content.decode()
    people = _options(page, "author")
    assert STAFF <= people and not people & NOT_STAFF


def test_a_liaison_cannot_be_given_a_byline(demo):
    from decimal import Decimal

    editor = User.objects.get(username="editor")
    liaison = User.objects.get(username="liaison")
    story = svc.create_story(center=demo["demo"], user=editor, data=svc.StoryData(headline="署名测试"))
    with pytest.raises(ValidationError) as exc:
        svc.save_story(story=story, user=editor, base_version=story.version, data=svc.StoryData(
            headline="署名测试", bylines=[BylineData(name="吴刚", role="reporter", user_id=liaison.pk, share=Decimal(0))]))
    assert "本中心的采编人员" in " ".join(exc.value.messages)
