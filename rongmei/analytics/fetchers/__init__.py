"""Fetchers: one module per platform, each turning the platform's documented statistics
answers into rows for analytics (`PieceRow`, `AccountRow`) and nothing else. They make
the outbound calls (through `distribution.platform_api`, which holds the credentials and
the shared WeChat token cache) and never touch the database; `analytics.sync` decides
which days to ask for, maps the rows to publications and writes them in one transaction,
so a failed call leaves nothing half-written.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass
class PieceRow:
    """One piece's figures on one outlet on one day (what that day added)."""

    key: str
    day: dt.date
    outlet: str
    title: str = ""
    url: str = ""
    external_id: str = ""
    story_id: int | None = None
    publication_id: int | None = None
    account_id: int | None = None
    reads: int = 0
    likes: int = 0
    shares: int = 0
    comments: int = 0
    looks: int = 0
    # WeChat: the figure came from getarticlesummary only (a day-figure with a threshold),
    # not from getarticletotal's running totals; the sync keeps a stored running-total
    # figure of the article's first week rather than replace it with this one.
    summary_only: bool = False


@dataclass
class AccountRow:
    """One account's followers at the end of one day, and what the day added and lost."""

    key: str
    day: dt.date
    outlet: str
    account_id: int | None
    account_name: str
    followers: int | None
    new_followers: int = 0
    lost_followers: int = 0


def days_between(day_from: dt.date, day_to: dt.date) -> list[dt.date]:
    return [day_from + dt.timedelta(days=n) for n in range((day_to - day_from).days + 1)]


def chunks(days: list[dt.date], size: int) -> list[list[dt.date]]:
    """Consecutive days cut into spans of at most `size` (an interface's 最大时间跨度)."""
    return [days[i:i + size] for i in range(0, len(days), size)]


def whole(value) -> int:
    """A platform figure as a non-negative int (they come as numbers or strings)."""
    try:
        return max(0, int(value))
    except (TypeError, ValueError):
        return 0
