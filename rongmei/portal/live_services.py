"""Writing a live stream (直播) from another room: the live production desk (rongmei.live)
keeps the public side of each broadcast here — title, summary, times, player address,
poster and replay — and the portal stays the one owner of the model and of its pages.

`save_stream` validates with the model's own rules (public URLs, ends after starts), saves
inside the caller's transaction and re-renders the live pages and the home page once that
transaction commits (a rollback leaves the public site as it was)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from rongmei.core.models import Center
from rongmei.portal import publishing
from rongmei.portal.models import LiveStream

FIELDS = ("title", "summary", "starts_at", "ends_at", "player", "player_url", "poster", "replay_url", "is_active")


def save_stream(center: Center, stream: LiveStream | None = None, **values) -> LiveStream:
    """Create (stream=None) or change a live stream of `center` with the given fields;
    a ValidationError names the refused field in Chinese."""
    unknown = set(values) - set(FIELDS)
    if unknown:
        raise TypeError(f"LiveStream has no writable field {sorted(unknown)}")
    stream = stream or LiveStream(center=center)
    if stream.center_id != center.pk:
        raise ValidationError("这场直播不属于本中心。")
    for name, value in values.items():
        setattr(stream, name, value)
    if stream.starts_at and stream.ends_at and stream.ends_at <= stream.starts_at:
        raise ValidationError({"ends_at": ["结束时间应晚于开始时间。"]})
    stream.full_clean(exclude=["center", "poster"])
    stream.save()
    # robust: a failed render does not undo the saved change; portal's refresh_live_pages
    # re-renders every five minutes anyway.
    transaction.on_commit(lambda: publishing.live_changed(center), robust=True)
    return stream
