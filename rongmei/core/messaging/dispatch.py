"""From one `notify(...)` to the messages it causes: each recipient's chosen channels for
the event (or the event's defaults), their quiet hours, and the center's group robots that
take the event (one message per notify call for a desk, not one per recipient).

Only channels that can actually carry a message are used: 企业微信 needs the center's
application and the person's userid, 钉钉 likewise, email needs mail configured and an
address. Missing pieces are silently skipped here and shown on the person's settings page.
"""

from __future__ import annotations

import datetime as dt
import uuid
import zoneinfo

from django.conf import settings
from django.utils import timezone

from rongmei.core.messaging import events
from rongmei.core.messaging.outbox import enqueue
from rongmei.core.models import (
    Center,
    MessageChannel,
    Notification,
    NotifyPreference,
    PersonChannel,
    User,
)

APP_FOR = {"wecom": "wecom_app", "dingtalk": "dingtalk_app"}


def absolute(url: str) -> str:
    """The link as it must travel outside the platform: absolute on the staff site
    (RONGMEI_BASE_URL, as mailed notifications do)."""
    if not url:
        return ""
    if url.startswith(("http://", "https://")):
        return url
    return f"{settings.RONGMEI_BASE_URL.rstrip('/')}/{url.lstrip('/')}"


def channels_for(center: Center, user: User, event: str) -> tuple[str, ...]:
    """What the person chose for the event here, or the event's defaults."""
    row = NotifyPreference.objects.filter(center=center, user=user, event=event).first()
    return tuple(row.channels) if row is not None else events.get(event).defaults


def quiet_until(center: Center, profile: PersonChannel | None, now: dt.datetime | None = None) -> dt.datetime | None:
    """When the person's quiet hours end, if `now` is inside them (None otherwise). Times are
    the center's local time; a span over midnight (22:00–07:00) is understood."""
    if profile is None or profile.quiet_from is None or profile.quiet_to is None or profile.quiet_from == profile.quiet_to:
        return None
    zone = zoneinfo.ZoneInfo(center.timezone or "Asia/Shanghai")
    local = (now or timezone.now()).astimezone(zone)
    start, end, t = profile.quiet_from, profile.quiet_to, local.time()
    inside = start <= t < end if start < end else (t >= start or t < end)
    if not inside:
        return None
    day = local.date() if t < end else local.date() + dt.timedelta(days=1)
    return dt.datetime.combine(day, end, tzinfo=zone)


def _inert(text: str) -> str:
    """Markdown-safe text: a title carrying [link](…) or <font> from outside shows as text."""
    return (text or "").translate(str.maketrans({"[": "［", "]": "］", "<": "＜", ">": "＞", "`": "｀"}))


def fan_out(*, center: Center, people: list[User], notes: list[Notification], title: str, body: str, url: str,
            event: str, urgent: bool) -> list:
    """Enqueue the messages of one notify call (inside its transaction)."""
    ev = events.get(event)
    urgent = urgent or ev.urgent
    link = absolute(url)
    now = timezone.now()
    active = list(MessageChannel.objects.filter(center=center, is_active=True).order_by("id"))
    apps: dict[str, MessageChannel] = {}
    for channel in active:
        if channel.kind in MessageChannel.PERSON_KINDS:
            apps.setdefault(channel.kind, channel)
    robots = [c for c in active if c.kind in MessageChannel.ROBOT_KINDS and event and event in (c.events or [])]
    mailing = settings.EMAIL_ENABLED and any(u.email for u in people)
    if not apps and not mailing and not robots:
        return []  # nothing beyond the bell can carry it: no further queries
    ids = [u.pk for u in people]
    profiles = {p.user_id: p for p in PersonChannel.objects.filter(center=center, user__in=ids)} if ids else {}
    chosen = {p.user_id: tuple(p.channels) for p in NotifyPreference.objects.filter(
        center=center, event=event, user__in=ids)} if ids else {}
    made = []
    common = {"center": center, "title": title, "body": body, "url": link, "event": event, "urgent": urgent}
    for user, note in zip(people, notes):
        wanted = chosen.get(user.pk, ev.defaults)
        profile = profiles.get(user.pk)
        hold = None if urgent else quiet_until(center, profile, now)
        if "email" in wanted and settings.EMAIL_ENABLED and user.email:
            made.append(enqueue(kind="email", address=user.email, recipient=user, notification=note, hold_until=hold,
                                key=f"notify:{note.pk}:email", **common))
        for choice, userid in (("wecom", profile and profile.wecom_userid), ("dingtalk", profile and profile.dingtalk_userid)):
            app = apps.get(APP_FOR[choice])
            if choice in wanted and app is not None and userid:
                made.append(enqueue(kind=app.kind, channel=app, address=userid, recipient=user, notification=note,
                                    hold_until=hold, key=f"notify:{note.pk}:{app.kind}:{app.pk}", **common))
    if robots:
        call = str(notes[0].pk) if notes else uuid.uuid4().hex
        for robot in robots:
            made.append(enqueue(kind=robot.kind, channel=robot, address=robot.webhook_url,
                                payload={"audience": len(people)}, key=f"notify:{call}:robot:{robot.pk}", **common))
    return made


def robot_text(delivery) -> tuple[str, str, str]:
    """(title, markdown, plain) of a desk robot's message."""
    label = events.label(delivery.event)
    title = f"【{label}】{delivery.title}"
    lines = [f"### {_inert(title)}"]
    if delivery.body:
        lines.append(_inert(delivery.body))
    if delivery.url:
        lines.append(f"[打开处理]({delivery.url})")
    plain = "\n".join(filter(None, [title, delivery.body, delivery.url]))
    return title, "\n\n".join(lines), plain
