"""Nothing in the navigation answers 403 (issue 13): every demo person of the demo center
follows every entry of their navigation, every link of their 工作台, and the back-links
(← …) on the pages those lead to, and gets 200 each time."""

from __future__ import annotations

import re
from html import unescape

import pytest

from rongmei.core.models import Membership, User

ANCHOR = re.compile(r'<a\b[^>]*\bhref="([^"]+)"[^>]*>(.*?)</a>', re.S)
TAGS = re.compile(r"<[^>]+>")


def _demo_people(center) -> list[str]:
    return sorted(set(Membership.objects.filter(center=center, user__is_demo=True).values_list("user__username", flat=True)))


def _links(html: str, *, back_only: bool = False) -> list[tuple[str, str]]:
    found = []
    for href, inner in ANCHOR.findall(html):
        text = TAGS.sub("", unescape(inner)).strip()
        href = unescape(href)
        if not href.startswith("/") or href.startswith("//"):
            continue
        if back_only and not text.startswith("←"):
            continue
        found.append((href.split("#")[0], text))
    return found


def _follow(client, url: str):
    response = client.get(url)
    assert response.status_code == 200, f"{url} answered {response.status_code}"
    return response.content.decode()


def _broken_back_links(client, username: str, url: str, response) -> list[str]:
    """The page's ← back-links that do not answer 200 for the same person."""
    broken = []
    for back, text in _links(response.content.decode(), back_only=True):
        status = client.get(back).status_code
        if status != 200:
            broken.append(f"{username}: {text} on {url} -> {back} {status}")
    return broken


def test_every_demo_person_opens_every_navigation_entry_and_todo(login, demo):
    people = _demo_people(demo["demo"])
    assert {"admin", "reporter", "coordinator", "liaison", "liaison_jt", "operator"} <= set(people)
    failures = []
    for username in people:
        client = login(username)
        home = client.get("/")
        assert home.status_code == 200, username
        targets = {item["url"]: item["label"] for item in home.context["nav_items"] if item["key"] != "djadmin"}
        targets.update({t["item"].url.split("#")[0]: t["item"].title for t in home.context["todos"]})
        for url, label in targets.items():
            response = client.get(url)
            if response.status_code != 200:
                failures.append(f"{username}: {label} {url} -> {response.status_code}")
                continue
            failures += _broken_back_links(client, username, url, response)
    assert not failures, "\n".join(failures)


def test_back_links_of_pages_opened_from_the_board_and_lists(login, demo):
    """An assignment, a topic, a story, an asset, a case: whoever may open the page may
    also open where its back-link leads (a reviewer has no 我的任务, a reporter no 待我审核)."""
    from rongmei.inquiry.models import Case
    from rongmei.newsroom.models import Asset, Story
    from rongmei.planning.models import Assignment, Topic

    center = demo["demo"]
    pages = [f"/planning/assignments/{Assignment.objects.filter(center=center).first().pk}/",
             f"/planning/topics/{Topic.objects.filter(center=center).first().pk}/",
             f"/stories/{Story.objects.filter(center=center, status='signed_off').first().pk}/",
             f"/assets/{Asset.objects.filter(center=center).first().pk}/",
             f"/inquiry/cases/{Case.objects.filter(center=center, assignments__isnull=False).first().pk}/"]
    failures = []
    for username in _demo_people(center):
        client = login(username)
        for page in pages:
            response = client.get(page)
            if response.status_code != 200:
                continue  # not this person's page: only what they may open must lead somewhere
            failures += _broken_back_links(client, username, page, response)
    assert not failures, "\n".join(failures)


def test_center_admin_without_a_department_sees_no_department_inbox(login, demo):
    """部门办件 is a department's work list; the platform/center admin belongs to none."""
    keys = {item["key"] for item in login("admin").get("/").context["nav_items"]}
    assert "inquiry_mine" not in keys and "inquiry" in keys
    assert "inquiry_mine" in {item["key"] for item in login("liaison").get("/").context["nav_items"]}


def test_reporters_review_page_links_back_to_a_page_they_may_open(login, demo):
    """The reporter sent a piece to review; the review page's back-link must not be a 403."""
    from rongmei.newsroom.models import Story
    from rongmei.review import engine

    reporter = User.objects.get(username="reporter")
    story = Story.objects.filter(center=demo["demo"], created_by=reporter, status__in=["filed", "editing", "draft"]).first()
    if story.status == "draft":
        Story.objects.filter(pk=story.pk).update(status="filed")
        story.refresh_from_db()
    review = engine.submit(story=story, user=reporter, channels=[])
    client = login("reporter")
    html = _follow(client, f"/review/{review.pk}/")
    backs = _links(html, back_only=True)
    assert backs, "the review page has a back-link"
    for href, _text in backs:
        _follow(client, href)
    assert "← 待我审核" not in html  # the reporter has no review inbox


@pytest.mark.parametrize("username", ["reviewer1", "editor"])
def test_reviewers_still_go_back_to_their_inbox(login, demo, username):
    from rongmei.review.models import Review

    review = Review.objects.filter(center=demo["demo"], status="in_review").first()
    html = _follow(login(username), f"/review/{review.pk}/")
    wants_inbox = User.objects.get(username=username).has_perm("review.review", demo["demo"])
    assert ('href="/review/"' in html) == wants_inbox
