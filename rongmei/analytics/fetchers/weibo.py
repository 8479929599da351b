"""Weibo counts for one account, per the documented open API.

- `GET /2/statuses/count.json?ids=…` (ids comma-separated, "最多不超过100个") → `[{"id",
  "comments", "reposts", "attitudes"}]`: each post's *running* counts as of now. Weibo keeps
  no history, so the sync stores what a day added as the difference between today's count
  and the sum already stored for the days before (see `analytics.sync`).
- `GET /2/account/get_uid.json` → `{"uid"}` (the token's owner, unless the account's
  options name its `uid`), then `GET /2/users/show.json?uid=…` → `followers_count`.

These interfaces give no read counts (阅读数 is a commercial interface): Weibo reads stay 0.
"""

from __future__ import annotations

from rongmei.analytics.fetchers import whole
from rongmei.distribution.platform_api import PlatformError, weibo_get

OUTLET = "weibo"
IDS_PER_CALL = 100


def fetch_counts(account, status_ids: list[str]) -> tuple[dict[str, dict[str, int]], int]:
    """{status id: {"comments", "reposts", "attitudes"}} for the ids Weibo still has (a
    deleted post is left out), in calls of at most 100 ids. Returns (counts, calls made)."""
    counts: dict[str, dict[str, int]] = {}
    calls = 0
    for start in range(0, len(status_ids), IDS_PER_CALL):
        batch = status_ids[start:start + IDS_PER_CALL]
        answer = weibo_get(account, "/2/statuses/count.json", {"ids": ",".join(batch)})
        calls += 1
        if not isinstance(answer, list):
            raise PlatformError("微博接口 /2/statuses/count.json 的答复不是列表")
        for row in answer:
            if isinstance(row, dict) and str(row.get("id", "")).isdigit():
                counts[str(row["id"])] = {name: whole(row.get(name)) for name in ("comments", "reposts", "attitudes")}
    return counts, calls


def fetch_followers(account) -> tuple[int, int]:
    """The account's followers now. Returns (followers_count, calls made)."""
    calls = 0
    uid = str((account.options or {}).get("uid") or "").strip()
    if not uid.isdigit():
        answer = weibo_get(account, "/2/account/get_uid.json")
        calls += 1
        uid = str(answer.get("uid", "")) if isinstance(answer, dict) else ""
        if not uid.isdigit():
            raise PlatformError("微博接口 /2/account/get_uid.json 没有答复用户编号")
    answer = weibo_get(account, "/2/users/show.json", {"uid": uid})
    calls += 1
    if not isinstance(answer, dict) or "followers_count" not in answer:
        raise PlatformError("微博接口 /2/users/show.json 的答复缺少 followers_count")
    return whole(answer["followers_count"]), calls
