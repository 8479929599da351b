"""Boxes other rooms add to a story's page (the planning room shows the story's assignment
and topic), so the newsroom shows them without depending on those rooms."""

from __future__ import annotations

from collections.abc import Callable

from rongmei.newsroom.models import Story

# A panel gets the story and returns {"title": str, "rows": [(label, text, url), ...]} or None.
Panel = Callable[[Story], dict | None]
_PANELS: list[Panel] = []


def register(panel: Panel) -> None:
    if panel not in _PANELS:
        _PANELS.append(panel)


def for_story(story: Story) -> list[dict]:
    return [box for box in (panel(story) for panel in _PANELS) if box]
