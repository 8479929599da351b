"""工作台: the person's own to-dos across rooms.

Core knows no room's models. Each room registers a provider (`register(todo_for)`), a
function `(user, center) -> list[Todo]` in its own selectors; the dashboard asks every
provider and shows one list, most urgent first: overdue, then due soon, then by deadline,
then the newest.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Callable

from django.utils import timezone

# Due within this many hours counts as "soon" (shown amber, sorted before later ones).
SOON = dt.timedelta(hours=24)


@dataclass(frozen=True)
class Todo:
    """One thing the person should do now. `room` is the short tag shown before it
    (任务, 审核, 问政, 分发, 账号, 值班); `due` the deadline if there is one; `since` when it
    arrived (newest first among equals); `note` a short why (已超时 2 小时, 退回原因…)."""

    room: str
    title: str
    url: str
    action: str = ""
    due: dt.datetime | None = None
    since: dt.datetime | None = None
    note: str = ""
    alert: bool = False  # something went wrong (a failed delivery): shown red like an overdue one

    def urgency(self, now: dt.datetime) -> int:
        """0 overdue or failed, 1 due within a day, 2 due later, 3 no deadline."""
        if self.alert or (self.due is not None and self.due < now):
            return 0
        if self.due is not None:
            return 1 if self.due - now <= SOON else 2
        return 3

    def sort_key(self, now: dt.datetime):
        far = dt.datetime.max.replace(tzinfo=dt.timezone.utc)
        since = self.since.timestamp() if self.since else 0.0
        return (self.urgency(now), self.due or far, -since, self.title)


Provider = Callable[..., list]
_PROVIDERS: dict[str, Provider] = {}


def register(key: str, provider: Provider) -> None:
    """A room's `todo_for(user, center)`; registering the same key again replaces it."""
    _PROVIDERS[key] = provider


def providers() -> dict[str, Provider]:
    return dict(_PROVIDERS)


def todos_for(user, center, now: dt.datetime | None = None) -> list[dict]:
    """Every room's to-dos for `user` in `center`, most urgent first, ready for the template."""
    if center is None or not getattr(user, "is_authenticated", False):
        return []
    now = now or timezone.now()
    items: list[Todo] = []
    for _key, provider in sorted(_PROVIDERS.items()):
        items.extend(provider(user, center))
    items.sort(key=lambda t: t.sort_key(now))
    return [{"item": t, "urgency": t.urgency(now), "overdue": t.due is not None and t.due < now} for t in items]
