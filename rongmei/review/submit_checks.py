"""Checks other rooms add to 送审: the distribution room registers what its channels would
refuse (a WeChat version without a cover, a Weibo post over 140 …), so the submit screen
and `engine.submit` say it before the review starts, without the review room depending on
distribution (it depends on review, not the other way round)."""

from __future__ import annotations

from collections.abc import Callable, Iterable

# A check gets the story and the chosen channel versions and returns problems as
# (channel, message) pairs, in Chinese, each saying what to do.
Check = Callable[..., list[tuple[str, str]]]
_CHECKS: list[Check] = []


def register(check: Check) -> None:
    if check not in _CHECKS:
        _CHECKS.append(check)


def problems(story, channels: Iterable[str]) -> list[tuple[str, str]]:
    channels = sorted(set(channels))
    return [problem for check in _CHECKS for problem in check(story, channels)]
