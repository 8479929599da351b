"""A story's public life — 已发布 (on which channels) or 已撤稿 — shown in the story list, on
the story page and offered in the status filter. The publishing room knows it and reports it
through this registry (DESIGN: newsroom imports no later room); it is computed from the
publications each time, so it is always true."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db.models import QuerySet

# The filter's choices beside the story's own statuses.
STATES = {"published": "已发布", "taken_down": "已撤稿"}


@dataclass(frozen=True)
class PublicLife:
    state: str                     # "published", "taking_down" or "taken_down"
    label: str                     # 已发布 / 撤稿中 / 已撤稿
    channels: tuple[str, ...] = ()  # where it is out: 网站/客户端、微信（7 个号）…

    @property
    def text(self) -> str:
        return f"{self.label} · {'、'.join(self.channels)}" if self.channels else self.label


# lives(story_ids) -> {story_id: PublicLife}; story_ids(center, state) -> ids of that state
_lives: Callable[[Iterable[int]], dict[int, PublicLife]] | None = None
_ids: Callable[..., QuerySet] | None = None


def register(lives: Callable[[Iterable[int]], dict[int, PublicLife]], ids: Callable[..., QuerySet]) -> None:
    global _lives, _ids
    _lives, _ids = lives, ids


def for_stories(stories) -> dict[int, PublicLife]:
    ids = [s.pk for s in stories]
    return _lives(ids) if _lives is not None and ids else {}


def attach(stories) -> list:
    """The stories, each with `.public` (a PublicLife or None)."""
    stories = list(stories)
    lives = for_stories(stories)
    for story in stories:
        story.public = lives.get(story.pk)
    return stories


def filter_stories(qs: QuerySet, center, state: str) -> QuerySet:
    if _ids is None:
        return qs.none()
    return qs.filter(pk__in=_ids(center, state))
