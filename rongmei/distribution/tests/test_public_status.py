"""Issue 13: a story's status shows its public life — 已发布 with its channels, 已撤稿 after
全部撤稿 — in the story list, on the story page and in the status filter (newsroom pages;
the facts come from distribution through `newsroom.public_life`)."""

import re

from rongmei.distribution import outbox, services
from rongmei.distribution.models import ChannelAccount


def deliver_all():
    for message in outbox.claim("w", limit=50):
        outbox.process(message, "w")


def _card(html: str, headline: str) -> str:
    match = re.search(r'<article class="story-card">(?:(?!</article>).)*?' + re.escape(headline) + r".*?</article>", html, re.S)
    assert match, headline
    return match.group(0)


def test_published_then_taken_down_shows_in_list_page_and_filter(demo, login, operator, signed_story):
    editor = login("editor")
    site = ChannelAccount.objects.get(center=demo["demo"], kind="own_site")
    services.publish(story=signed_story, user=operator, account_ids=[site.pk])
    deliver_all()
    page = editor.get(f"/stories/{signed_story.pk}/").content.decode()
    assert re.search(r'data-testid="public-status">已发布 · 网站/客户端<', page)
    listed = editor.get("/stories/", {"status": "published"}).content.decode()
    assert '<option value="published" selected>已发布</option>' in listed
    assert "已发布 · 网站/客户端" in _card(listed, signed_story.headline)
    assert signed_story.headline not in editor.get("/stories/", {"status": "taken_down"}).content.decode()
    unpublished = editor.get("/stories/", {"status": "draft"}).content.decode()
    assert 'data-testid="public-status"' not in unpublished

    services.take_down(story=signed_story, user=operator, reason="核实中")
    deliver_all()
    page = editor.get(f"/stories/{signed_story.pk}/").content.decode()
    assert 'data-testid="public-status">已撤稿<' in page
    gone = editor.get("/stories/", {"status": "taken_down"}).content.decode()
    assert "已撤稿" in _card(gone, signed_story.headline)
    assert signed_story.headline not in editor.get("/stories/", {"status": "published"}).content.decode()


def test_search_filters_by_public_life(demo, login, operator, signed_story):
    """全文检索 offers the same 已发布 / 已撤稿 choices as the story list."""
    editor = login("editor")
    word = signed_story.headline[:4]

    def found(status: str) -> bool:
        page = editor.get("/search/", {"q": word, "status": status}).content.decode()
        assert f'<option value="{status}" selected>' in page
        return f"/stories/{signed_story.pk}/" in page

    assert found("signed_off")
    assert not found("published")
    site = ChannelAccount.objects.get(center=demo["demo"], kind="own_site")
    services.publish(story=signed_story, user=operator, account_ids=[site.pk])
    deliver_all()
    assert found("published") and not found("taken_down")
    services.take_down(story=signed_story, user=operator, reason="核实中")
    deliver_all()
    assert found("taken_down") and not found("published")
