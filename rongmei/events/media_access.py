"""Who may read an event's files under /media/events/ (the rule `rongmei.core.media` asks):
the center's people who can open its events (events.view), and nobody else — never
anonymously, never another center's people (a 404 like a missing file)."""

from __future__ import annotations

from django.db.models import Q

from rongmei.core import media
from rongmei.events.models import Document, Entry


def may_read(request, name: str) -> bool:
    doc = Document.objects.filter(file=name).select_related("center").first()
    owner = doc.center if doc is not None else None
    if owner is None:
        entry = Entry.objects.filter(Q(attachment=name) & ~Q(attachment="")).select_related("center").first()
        owner = entry.center if entry is not None else None
    if owner is None:
        return False
    return media.staff_may(request, "events.view", owner)
