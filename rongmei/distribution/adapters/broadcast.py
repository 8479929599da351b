"""Radio and TV bulletins: the account is one programme (options: "program", "slot_start"
"HH:MM", "slot_seconds"), and publishing places the story in that programme's rundown
(串联单) for its air date — the scheduled day, or today. The rundown screen orders the
items, times them against the slot and exports DOCX, PDF and CSV for the studio
(`selectors.rundown`). A takedown drops the item from the rundown; a correction puts the
corrected, re-signed text in its place (the rundown is always built from the live text).
"""

from __future__ import annotations

from django.db.models import Max

from rongmei.distribution.outbox import Delivery, Outcome


def deliver(delivery: Delivery) -> Outcome:
    from rongmei.distribution import selectors
    from rongmei.distribution.models import Publication

    message = delivery.message
    publication = message.publication
    day = selectors.air_date(publication)
    link = f"/distribution/accounts/{message.account_id}/rundown/?date={day.isoformat()}"
    if message.action == "takedown":
        return Outcome.ok(detail=f"已从 {day:%m月%d日} 串联单撤下")
    if message.action == "correct":
        return Outcome.ok(remote_url=link, detail="串联单条目已换成更正后的稿件")
    if not publication.position:
        same_day = selectors.rundown_publications(message.account, day).exclude(pk=publication.pk)
        last = same_day.aggregate(last=Max("position"))["last"] or 0
        Publication.objects.filter(pk=publication.pk).update(position=last + 1)
        publication.position = last + 1
    return Outcome.ok(remote_id=f"{day.isoformat()}#{publication.position}", remote_url=link,
                      detail=f"已排入 {day:%m月%d日} 串联单第 {publication.position} 条")
