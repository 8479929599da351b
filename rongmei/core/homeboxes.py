"""Boxes other rooms add to the 工作台 beside the to-do list (舆情 adds today's volume, tone
and hot topics for the analyst), so core shows them without knowing any room's models.

A provider is `(user, center) -> dict | None`: None when the box is not for this person,
else {"title": str, "template": "room/_box.html", "order": int, ...} where the rest is the
template's context (under `box`)."""

from __future__ import annotations

from typing import Callable

Provider = Callable[..., dict | None]
_PROVIDERS: dict[str, Provider] = {}


def register(key: str, provider: Provider) -> None:
    """Registering the same key again replaces it."""
    _PROVIDERS[key] = provider


def boxes_for(user, center) -> list[dict]:
    if center is None or not getattr(user, "is_authenticated", False):
        return []
    boxes = [box for _key, provider in sorted(_PROVIDERS.items()) if (box := provider(user, center))]
    return sorted(boxes, key=lambda b: b.get("order", 100))
