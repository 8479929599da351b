"""Issue 13: the 引题 (kicker) appears exactly once on every public article, in the static
page written on delivery and in the dynamic view alike, over every demo article."""

import re

from django.test import override_settings

from rongmei.portal import pages, selectors


def _story_part(html: str) -> str:
    """The article itself (not the related cards, which may quote other kickers)."""
    match = re.search(r'<article class="story".*?</article>', html, re.S)
    assert match, "no article element"
    return match.group(0)


def _check(html: str, story) -> None:
    part = _story_part(html)
    if story.kicker:
        assert part.count('class="kicker"') == 1, (story.pk, story.kicker)
        head = part.split('<div class="body">')[0] + part.split('<div class="body">')[1].split("</header>")[0]
        assert head.count(story.kicker) == 1, (story.pk, story.kicker)
    else:
        assert 'class="kicker"' not in part, story.pk


def test_every_demo_article_shows_its_kicker_once(demo, client):
    center = demo["demo"]
    live = list(selectors.items(center).select_related("story"))
    assert any(p.story.kicker for p in live), "the demo must have articles with a 引题"
    for publication in live:  # what static publishing writes to news/<id>/index.html
        page = pages.article(publication)
        assert page.path == f"news/{publication.story_id}/index.html"
        _check(page.render(), publication.story)
    with override_settings(RONGMEI_PORTAL_STATIC=False):
        for publication in live:
            response = client.get(f"/site/{center.slug}/news/{publication.story_id}/")
            assert response.status_code == 200
            _check(response.content.decode(), publication.story)
