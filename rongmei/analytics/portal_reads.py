"""The portal's own read counting (portal.ReadCount: story, channel, day, count) as reach.

The portal counts a read per story and *channel*, where the channel says where the reader
opened our own page: `web` (the site), `app` (the app's screens), `wechat` / `weibo` (our
site's page opened from a link shared inside WeChat or Weibo) and `other`. All of these
are reads of *our* pages, so they map to our own outlets:

| portal channel | outlet |
|---|---|
| app | app (客户端) |
| web, wechat, weibo, other | web (网站) |

The `wechat` and `weibo` channels are deliberately *not* counted under the WeChat or Weibo
outlets: those outlets' reads come from the platforms' own statistics (a read of the
article inside WeChat), and mixing in the site's shared-link reads would count two
different things as one.

Rows: PieceMetric source "portal", key "story:<story id>:<outlet>", one per story, outlet
and day; reads only (the beacon counts nothing else).

The counts come through the portal's own selector (`portal.selectors.read_counts`).
"""

from __future__ import annotations

import datetime as dt

from rongmei.analytics.fetchers import PieceRow

CHANNEL_OUTLET = {"app": "app", "web": "web", "wechat": "web", "weibo": "web", "other": "web"}


def outlet_for_channel(channel: str) -> str:
    return CHANNEL_OUTLET.get(channel, "web")


def read_rows(center, day_from: dt.date, day_to: dt.date, account_id: int | None = None) -> list[PieceRow]:
    """One row per (story, outlet, day) with reads in [day_from, day_to]."""
    from rongmei.portal.selectors import read_counts

    counts = read_counts(center, day_from, day_to)
    merged: dict[tuple[int, str, dt.date], PieceRow] = {}
    for row in counts:
        outlet = outlet_for_channel(row["channel"])
        key = (row["story_id"], outlet, row["day"])
        target = merged.get(key)
        if target is None:
            target = merged[key] = PieceRow(key=f"story:{row['story_id']}:{outlet}", day=row["day"], outlet=outlet,
                                            title=(row["story__headline"] or "")[:200], story_id=row["story_id"],
                                            account_id=account_id)
        target.reads += int(row["total"] or 0)
    return sorted(merged.values(), key=lambda r: (r.day, r.key))
