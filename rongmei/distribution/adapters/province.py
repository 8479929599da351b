"""The province's platform (省级技术平台): signed ninjs 3.1 over the plain HTTP push, with the
media the province re-publishes — the short-video MP4 and its cover (signed, expiring
links: `rongmei.distribution.video_links`) and the pictures (public once the piece is out,
as on our own site) — validated against the ninjs schema before anything is sent.

The transport is http_push's (`post_signed`: the same HMAC-SHA256 signature header, the
same idempotency key on every retry, the same retry/fail rules), so a province that already
takes our plain push takes this too. A takedown is the same item with pubStatus
"canceled" and no media; a correction is the item's next version with its notice.

The province answers later, on its own: received, or used (采用) by one of its outlets, at
/distribution/province/<account callback key>/callback (`rongmei.distribution.province`).
"""

from __future__ import annotations

from rongmei.distribution import items, video_links
from rongmei.distribution.adapters.http_push import post_signed
from rongmei.distribution.formatters.province import province_ninjs
from rongmei.distribution.formatters.push import EVENTS, signed_document
from rongmei.distribution.models import OutboxMessage
from rongmei.distribution.outbox import Delivery, Outcome

WHO = "省级技术平台"


def document(publication, action: str = OutboxMessage.Action.PUBLISH, note: str = "") -> tuple[dict, str]:
    """(ninjs document, event name) of one delivery to the province."""
    item = items.build(publication, action, note=note)
    links = () if action == OutboxMessage.Action.TAKEDOWN else video_links.media_links(publication)
    return province_ninjs(item, links), EVENTS[item.notice_kind]


def deliver(delivery: Delivery) -> Outcome:
    message = delivery.message
    doc, event = document(message.publication, message.action, delivery.progress.get("reason", ""))
    return post_signed(message.account, message.idempotency_key,
                       lambda secret: signed_document(doc, secret=secret, delivery_key=message.idempotency_key,
                                                      event=event), who=WHO)
