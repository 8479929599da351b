"""The center's own website and app: publishing makes the piece live there. The portal
serves live publications (`distribution.selectors.live_on_own_site`); nothing travels.
A correction makes the signed-off corrected text live with its notice
(`Publication.correction_note`); a takedown leaves a 410 page with the notice."""

from __future__ import annotations

from rongmei.distribution.outbox import Delivery, Outcome


def deliver(delivery: Delivery) -> Outcome:
    message = delivery.message
    story_id = message.publication.story_id
    if message.action == "takedown":
        return Outcome.ok(detail="已从本站下线，原地址显示撤稿说明")
    if message.action == "correct":
        return Outcome.ok(remote_id=f"story-{story_id}", remote_url=f"/news/{story_id}/",
                          detail="本站已换成更正后的内容，文首显示更正说明")
    return Outcome.ok(remote_id=f"story-{story_id}", remote_url=f"/news/{story_id}/")
