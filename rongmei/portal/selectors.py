"""Reads of the public site and the app API. An item is a story live on the center's
own-site account (published or corrected); a story taken down there is gone (410)."""

from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar

from django.db.models import Prefetch, Q
from django.utils import timezone

from rongmei.core.models import Center
from rongmei.core.tenancy import scoped
from rongmei.distribution import selectors as distribution
from rongmei.distribution.models import Publication
from rongmei.newsroom.models import Column, StoryAsset
from rongmei.portal.models import Feature, LiveStream, ServiceEntry

LIVE = distribution.LIVE

# The publication whose delivery is rendering the pages right now: it is live on the pages
# being written although its delivery is recorded only once they are (publishing.py).
_going_live: ContextVar[int | None] = ContextVar("going_live", default=None)


@contextmanager
def going_live(publication: Publication):
    token = _going_live.set(publication.pk)
    try:
        yield
    finally:
        _going_live.reset(token)


def items(center: Center):
    """Live items, newest first (one per story: the latest own-site publication)."""
    return (distribution.live_on_own_site(center, including=_going_live.get())
            .select_related("story", "story__column", "story__center")
            .prefetch_related(Prefetch("story__story_assets", queryset=StoryAsset.objects.select_related("asset")
                                       .prefetch_related("asset__renditions")))
            .order_by("-sent_at", "-id"))


def item(center: Center, story_id: int) -> Publication | None:
    return items(center).filter(story_id=story_id).first()


def gone(center: Center, story_id: int) -> Publication | None:
    """The takedown of a story that was on the site and is no more (for the 410 page)."""
    if item(center, story_id) is not None:
        return None
    return distribution.taken_down_from_own_site(center).filter(story_id=story_id).select_related("story").order_by("-id").first()


def columns(center: Center):
    return scoped(Column, center).filter(is_active=True).order_by("order", "id")


def column_items(center: Center, column: Column):
    return items(center).filter(story__column=column)


def features(center: Center):
    return scoped(Feature, center).filter(is_active=True).select_related("cover")


def feature_items(feature: Feature):
    story_ids = list(feature.items.order_by("order", "id").values_list("story_id", flat=True))
    by_story = {p.story_id: p for p in items(feature.center).filter(story_id__in=story_ids)}
    return [by_story[s] for s in story_ids if s in by_story]


def features_of(publication: Publication):
    return scoped(Feature, publication.center).filter(items__story_id=publication.story_id, is_active=True)


def related(publication: Publication, size: int = 5):
    """Other live items of the same column or sharing a tag, newest first."""
    story = publication.story
    qs = items(publication.center).exclude(story_id=story.pk)
    condition = Q(story__column_id=story.column_id) if story.column_id else Q(pk__in=[])
    return list(qs.filter(condition)[:size])


def live_streams(center: Center):
    return scoped(LiveStream, center).filter(is_active=True).select_related("poster")


def live_now(center: Center, now=None):
    now = now or timezone.now()
    return live_streams(center).filter(starts_at__lte=now, ends_at__gt=now).order_by("starts_at")


def asset_is_public(asset) -> bool:
    """Whether the public site shows `asset` outside a story: an active feature's cover or an
    active live stream's poster (the /media/ rule asks, through newsroom's registry)."""
    return (features(asset.center).filter(cover=asset).exists()
            or live_streams(asset.center).filter(poster=asset).exists())


def services(center: Center):
    return scoped(ServiceEntry, center).filter(is_enabled=True).order_by("category", "order", "id")


def services_by_category(center: Center) -> list[tuple[str, list[ServiceEntry]]]:
    labels = dict(ServiceEntry.Category.choices)
    grouped: dict[str, list[ServiceEntry]] = {}
    for entry in services(center):
        grouped.setdefault(entry.category, []).append(entry)
    order = [c for c, _ in ServiceEntry.Category.choices]
    return [(labels[c], grouped[c]) for c in order if c in grouped]


def to_ninjs(publication: Publication) -> dict:
    """The item as a ninjs 3.1 document (the distribution room's formatter, validated there)."""
    from rongmei.distribution import items as publish_items
    from rongmei.distribution.formatters import to_ninjs as format_ninjs

    note = publication.correction_note if publication.corrected_at else ""
    return format_ninjs(publish_items.build(publication, note=note))


def read_counts(center, day_from, day_to):
    """The site's and app's read counts per (story, channel, day) over [day_from, day_to], as
    values rows (story_id, story__headline, channel, day, total) — what 传播效果 takes as reach."""
    from django.db.models import Sum

    from rongmei.portal.models import ReadCount

    return (ReadCount.objects.filter(center=center, day__gte=day_from, day__lte=day_to)
            .values("story_id", "story__headline", "channel", "day").annotate(total=Sum("count")).order_by())
