"""Helpers the rules and facts tests share (a published piece, a closed month); no tests here."""

from __future__ import annotations

import datetime as dt
import itertools

from django.utils import timezone

from rongmei.appraisal.models import Period
from rongmei.core.models import User
from rongmei.distribution.models import ChannelAccount, Publication
from rongmei.newsroom.models import Byline, Story

_hashes = itertools.count(1)


def person(username: str) -> User:
    return User.objects.get(username=username)


def story_in(center, author: User, *, headline: str = "测试稿件：青山镇秋收", sent_at: dt.datetime | None = None,
             published: bool = True, remote_url: str = "") -> Story:
    """A story by `author` (sole byline, 100%), published on the center's own site at
    `sent_at` (now by default) unless `published` is False."""
    story = Story.objects.create(center=center, created_by=author, headline=headline, body="<p>正文</p>",
                                 status=Story.Status.SIGNED_OFF if published else Story.Status.EDITING)
    Byline.objects.create(story=story, user=author, name=author.display_name or author.username, role="reporter",
                          share=100)
    if published:
        site = ChannelAccount.objects.filter(center=center, kind="own_site").first()
        Publication.objects.create(center=center, story=story, account=site, channel="web", status="sent",
                                   story_version=1, content_hash=f"test-{next(_hashes)}", remote_url=remote_url,
                                   sent_at=sent_at or timezone.now(), created_by=author)
    return story


def close_month(center, month: dt.date) -> Period:
    period, _ = Period.objects.update_or_create(center=center, month=month.replace(day=1),
                                                defaults={"status": Period.Status.CLOSED, "closed_at": timezone.now()})
    return period


def this_month() -> dt.date:
    return timezone.localdate().replace(day=1)


def last_month() -> dt.date:
    return (this_month() - dt.timedelta(days=1)).replace(day=1)
