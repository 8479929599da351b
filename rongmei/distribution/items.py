"""A publication as the formatters read it: a `PublishItem` built from the story, its
assets and the channel's rendition."""

from __future__ import annotations

from django.conf import settings

from rongmei.core.storage import read_bytes
from rongmei.distribution.formatters.types import ChannelCopy, PublishImage, PublishItem, PublishMedia
from rongmei.distribution.models import OutboxMessage, Publication
from rongmei.newsroom.generators.types import BylineInput
from rongmei.newsroom.models import Byline
from rongmei.newsroom.selectors import rendition_for


def _reader(name: str):
    """The original's bytes, read through media storage only when a print package or a
    mail needs them (the local folder or S3: docs/storage.md)."""
    return lambda: read_bytes(name)


def _absolute(url: str) -> str:
    return url if url.startswith("http") or not url else f"{settings.RONGMEI_BASE_URL}{url}"


def build(publication: Publication, action: str = OutboxMessage.Action.PUBLISH, note: str = "") -> PublishItem:
    story = publication.story
    roles = dict(Byline.Role.choices)
    images, media = [], []
    for link in story.story_assets.select_related("asset").prefetch_related("asset__renditions"):
        asset = link.asset
        if asset.kind == "image":
            web = asset.rendition("web")
            images.append(PublishImage(url=_absolute(asset.web_url), caption=asset.caption, credit=asset.credit,
                                       width=web.width if web else asset.width or 0, height=web.height if web else asset.height or 0,
                                       path=asset.file.name if asset.file else "",
                                       read=_reader(asset.file.name) if asset.file else None))
        elif asset.kind in ("audio", "video"):
            media.append(PublishMedia(kind=asset.kind, url=_absolute(asset.file.url), mime=asset.mime,
                                      duration_seconds=asset.duration, poster_url=_absolute(asset.poster.url) if asset.poster else ""))
    rendition = rendition_for(story.pk, publication.channel)
    copy = ChannelCopy(channel=rendition.channel, title=rendition.title, body=rendition.body,
                       fields=rendition.fields) if rendition else None
    return PublishItem(
        guid=f"urn:rongmei:{story.center.slug}:story:{story.pk}", version=publication.story_version,
        center_name=story.center.name, center_slug=story.center.slug, headline=story.headline, created=story.created_at,
        updated=story.updated_at,
        published=publication.sent_at or publication.scheduled_at or publication.created_at, kicker=story.kicker, subheadline=story.subheadline,
        summary=story.summary, body_html=story.body,
        bylines=tuple(BylineInput(name=b.name, role=roles.get(b.role, b.role)) for b in story.bylines.all()),
        column=story.column.name if story.column_id else "", tags=tuple(story.tags), location=story.location,
        source=story.source if story.source != story.center.name else "", url=story.center.site_url(f"/news/{story.pk}/"),
        images=tuple(images), media=tuple(media), rendition=copy,
        pubstatus="canceled" if action == OutboxMessage.Action.TAKEDOWN else "usable",
        correction_note=note, embargo_until=story.embargo_until,
        estimated_seconds=(rendition.stats or {}).get("estimated_seconds") if rendition else None,
    )
