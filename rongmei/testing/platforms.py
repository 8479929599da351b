"""Fixtures for tests that publish for real to the fake WeChat and Weibo servers and then read
back what the platforms say about the posts (舆情 comments, 传播效果 statistics): the fakes
over real HTTP, a signed-off demo story nobody has published yet, and a publish driven
through the outbox until the platform has the post."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from rongmei.core.models import User
from rongmei.distribution import outbox, services
from rongmei.distribution.adapters import wechat as wechat_adapter
from rongmei.distribution.fakes import start_fake
from rongmei.distribution.models import Publication
from rongmei.review.models import Review


@pytest.fixture
def wechat():
    wechat_adapter._tokens.clear()
    with start_fake("wechat", publish_delay=0.0) as server:
        yield server
    wechat_adapter._tokens.clear()


@pytest.fixture
def weibo():
    with start_fake("weibo") as server:
        yield server


@pytest.fixture
def story(demo):
    """A signed-off story of the demo center not published anywhere yet."""
    published = Publication.objects.values("story_id")
    review = (Review.objects.filter(center=demo["demo"], status=Review.Status.SIGNED_OFF)
              .exclude(story_id__in=published).select_related("story").order_by("id").first())
    return review.story


def publish(story, account) -> Publication:
    """Publish `story` to `account` as the demo operator and run the outbox until it is sent."""
    operator = User.objects.get(username="operator")
    services.publish(story=story, user=operator, account_ids=[account.pk])
    now = timezone.now()
    for i in range(5):
        for message in outbox.claim("w", limit=50, now=now + dt.timedelta(minutes=5 * i)):
            outbox.process(message, "w")
    publication = Publication.objects.get(account=account, story=story)
    assert publication.status == Publication.Status.SENT, publication.last_error
    return publication
