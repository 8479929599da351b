"""Portal demo data: the demo center's website full of content. Archive stories go the
real road — written, given channel versions, signed off through 三审三校, published to the
own site by the outbox — then dated back over the last weeks; plus special features, live
streams and the service directory, and finally the whole site rendered to static files."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from rongmei.core.models import Center, User
from rongmei.distribution import outbox
from rongmei.distribution import services as distribution
from rongmei.distribution.models import Publication
from rongmei.distribution.selectors import own_site_account
from rongmei.newsroom import demo as newsroom_demo
from rongmei.newsroom import demo_content as newsroom_content
from rongmei.newsroom.models import Asset, Story
from rongmei.portal import demo_content
from rongmei.portal.models import Feature, FeatureItem, LiveStream, ServiceEntry
from rongmei.review import engine
from rongmei.review.models import Review


def _sign_off(story: Story, users: dict[str, User]) -> None:
    channels = sorted(set(story.renditions.values_list("channel", flat=True)))
    review = engine.submit(story=story, user=users["editor"], channels=channels)
    while review.status != Review.Status.SIGNED_OFF:
        step = review.steps[review.current_step]
        review = engine.approve(review=review, user=users[step["role"]], seen_hash=review.content_hash,
                                reason="", override_blocking=True)


def _stories(center: Center, users: dict[str, User]) -> tuple[int, int]:
    site = own_site_account(center)
    columns = newsroom_demo.demo_columns(center)
    created = existing = 0
    for spec in demo_content.STORIES:
        if Story.objects.filter(center=center, headline=spec["headline"]).exists():
            existing += 1
            continue
        with transaction.atomic():
            story, made = newsroom_demo.create_demo_story(center, spec, users, columns, "ready")
            _sign_off(story, users)
            story.refresh_from_db()
            publications = distribution.publish(story=story, user=users["operator"], account_ids=[site.pk])
        created += made
        for message in outbox.claim("demo", limit=50):
            outbox.process(message, "demo")
        when = timezone.now() - dt.timedelta(days=spec.get("days_ago", 1), hours=(story.pk * 5) % 7)
        Publication.objects.filter(pk__in=[p.pk for p in publications]).update(sent_at=when)
    return created, existing


def _story_by_key(center: Center, key: str) -> Story | None:
    for spec in (*demo_content.STORIES, *newsroom_content.STORIES):
        if spec["key"] == key:
            return Story.objects.filter(center=center, headline=spec["headline"]).first()
    return None


def _picture(center: Center, key: str) -> Asset | None:
    caption = newsroom_content.IMAGES.get(key, {}).get("caption")
    return Asset.objects.filter(center=center, kind="image", caption=caption).first() if caption else None


def _features(center: Center) -> tuple[int, int]:
    created = existing = 0
    for order, spec in enumerate(demo_content.FEATURES):
        feature, new = Feature.objects.get_or_create(center=center, slug=spec["slug"], defaults={
            "title": spec["title"], "summary": spec["summary"], "cover": _picture(center, spec["cover"]), "order": order})
        created += new
        existing += not new
        if new:
            for position, key in enumerate(spec["stories"]):
                story = _story_by_key(center, key)
                if story is not None:
                    FeatureItem.objects.get_or_create(feature=feature, story=story, defaults={"order": position})
    return created, existing


def _live(center: Center) -> tuple[int, int]:
    created = existing = 0
    now = timezone.now().replace(second=0, microsecond=0)
    for spec in demo_content.LIVE_STREAMS:
        if LiveStream.objects.filter(center=center, title=spec["title"]).exists():
            existing += 1
            continue
        starts = now + dt.timedelta(hours=spec["starts_in_hours"])
        LiveStream.objects.create(center=center, title=spec["title"], summary=spec["summary"], starts_at=starts,
                                  ends_at=starts + dt.timedelta(hours=spec["hours"]), player=spec["player"],
                                  player_url=spec["player_url"], poster=_picture(center, spec["poster"]),
                                  replay_url=spec.get("replay_url", ""))
        created += 1
    return created, existing


def _services(center: Center) -> tuple[int, int]:
    created = existing = 0
    for spec in demo_content.SERVICES:
        _, new = ServiceEntry.objects.get_or_create(center=center, slug=spec["slug"], defaults={
            k: spec[k] for k in ("category", "name", "kind", "url", "body", "icon", "description", "order")})
        created += new
        existing += not new
    return created, existing


def load(center: Center) -> tuple[int, int]:
    users = {u.username: u for u in User.objects.filter(memberships__center=center).distinct()}
    if not {"editor", "operator", "reporter"} <= set(users):
        return 0, 0
    totals = [_stories(center, users), _features(center), _live(center), _services(center)]
    from rongmei.portal.publishing import build_site

    build_site(center)
    return sum(t[0] for t in totals), sum(t[1] for t in totals)
