"""The center's own website and app: publishing makes the piece live there. The portal
serves live publications (`distribution.selectors.live_on_own_site`) and renders its static
pages when told through `signals.own_site_changed`; nothing travels over the network.
A correction makes the signed-off corrected text live with its notice
(`Publication.correction_note`); a takedown leaves a 410 page with the notice."""

from __future__ import annotations

from django.utils import timezone

from rongmei.distribution.models import Publication
from rongmei.distribution.outbox import Delivery, Outcome
from rongmei.distribution.signals import own_site_changed

DETAILS = {"publish": "本站已发布", "correct": "本站已换成更正后的内容，文首显示更正说明",
           "takedown": "已从本站下线，原地址显示撤稿说明（410）"}


def deliver(delivery: Delivery) -> Outcome:
    message = delivery.message
    publication = message.publication
    if message.action == "publish" and publication.sent_at is None:
        # the pages rendered now show this moment as the publishing time
        publication.sent_at = timezone.now()
        Publication.objects.filter(pk=publication.pk, sent_at__isnull=True).update(sent_at=publication.sent_at)
    if message.action == "correct":
        publication.corrected_at = timezone.now()
    own_site_changed.send(sender=publication.__class__, publication=publication, action=message.action)
    url = publication.center.site_url(f"/news/{publication.story_id}/")
    if message.action == "takedown":
        return Outcome.ok(detail=DETAILS["takedown"])
    return Outcome.ok(remote_id=f"story-{publication.story_id}", remote_url=url, detail=DETAILS[message.action])
