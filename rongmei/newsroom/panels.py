"""Boxes and buttons other rooms add to a story's page (planning shows the story's
assignment and topic; review adds 内容检查), so the newsroom shows them without depending
on those rooms."""

from __future__ import annotations

from collections.abc import Callable

from rongmei.newsroom.models import Story

# A panel gets the story (and the request, for forms) and returns None or
# {"title": str, "rows": [(label, text, url), ...]} or {"title": str, "template": name, ...}.
Panel = Callable[..., dict | None]
_PANELS: list[Panel] = []


def register(panel: Panel) -> None:
    if panel not in _PANELS:
        _PANELS.append(panel)


def for_story(story: Story, request=None) -> list[dict]:
    return [box for box in (panel(story, request) for panel in _PANELS) if box]


# An action gets the story and the viewer's permissions in the center and returns
# {"label": str, "url": str} or None.
Action = Callable[[Story, frozenset], dict | None]
_ACTIONS: list[Action] = []


def register_action(action: Action) -> None:
    if action not in _ACTIONS:
        _ACTIONS.append(action)


def actions_for(story: Story, perms: frozenset) -> list[dict]:
    return [a for a in (action(story, perms) for action in _ACTIONS) if a]
