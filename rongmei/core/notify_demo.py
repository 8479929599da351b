"""Demo choices on 通知设置, so the page shows a person who has chosen something: 刘洋 (二审)
keeps the evening quiet (22:00–07:00) and wants 稿件被退回 by email only besides the bell.
Idempotent: nothing is changed once the person has a row. (The channels and the reporter's
and editor's accounts come from rongmei.core.messaging.demo.)"""

from __future__ import annotations

import datetime as dt

from rongmei.core.models import Center, NotifyPreference, PersonChannel, User


def load(center: Center) -> tuple[int, int]:
    if center.slug != "demo":
        return 0, 0
    person = User.objects.filter(username="reviewer2").first()
    if person is None:
        return 0, 0
    created = existing = 0
    _pc, made = PersonChannel.objects.get_or_create(center=center, user=person,
                                                    defaults={"quiet_from": dt.time(22), "quiet_to": dt.time(7)})
    created, existing = created + made, existing + (not made)
    _pref, made = NotifyPreference.objects.get_or_create(center=center, user=person, event="review_returned",
                                                         defaults={"channels": ["bell", "email"]})
    created, existing = created + made, existing + (not made)
    return created, existing
