"""WeChat 数据统计 (datacube) for one official account, per the documented interfaces.

- 图文分析: `POST /datacube/getarticlesummary` and `/datacube/getarticletotal`, body
  `{"begin_date", "end_date"}` (YYYY-MM-DD), 最大时间跨度 1 day each, so one call per day.
  * getarticlesummary(D) lists every article read on D with that day's figures
    (int_page_read_count, share_count, add_to_fav_count …) — any article, however old, but
    only when 图文页阅读人数 + 原文页阅读人数 + 分享人数 + 分享次数 + 收藏次数 >= 3.
  * getarticletotal(D) lists the articles *sent* on D (ref_date) with `details[]`: running
    totals from sending to each stat_date, for at most 7 days ("最多统计发表日后7天数据").
    A day's value is the difference between consecutive stat_dates (a negative difference —
    the platform correcting itself — counts as 0).
  For an article and a day, the getarticletotal difference is used when the run fetched
  that article's sending day (it has no threshold), otherwise getarticlesummary's figure
  (`PieceRow.summary_only`; the sync keeps a stored running-total figure of an article's
  first week rather than replace it with a summary figure).
- 用户分析: `/datacube/getusersummary` (new_user / cancel_user per day and user_source) and
  `/datacube/getusercumulate` (cumulate_user per day), 最大时间跨度 7 days each.
Data exist up to yesterday only; the caller clamps the range (an end_date of today answers
61501). `msgid` is "<msg_data_id>_<index>" (index from 1); our publications carry the same
pair in their article link (`…/s?__biz=…&mid=<msg_data_id>&idx=<index>&sn=…`).

Figures kept: reads = int_page_read_count (图文页阅读次数), shares = share_count, looks =
add_to_fav_count (收藏). These interfaces give no likes (点赞/在看) or comments: those stay 0.
"""

from __future__ import annotations

import datetime as dt
import urllib.parse

from rongmei.analytics.fetchers import AccountRow, PieceRow, chunks, whole
from rongmei.distribution.platform_api import PlatformError, wechat_call

OUTLET = "wechat"
ARTICLE_SPAN = 1
USER_SPAN = 7


def article_ref(link: str) -> str | None:
    """"<msg_data_id>_<index>" from an article link `…/s?__biz&mid&idx&sn`, None without mid."""
    query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(link or "").query))
    mid, idx = query.get("mid", ""), query.get("idx", "1") or "1"
    if not mid.isdigit() or not idx.isdigit() or int(idx) < 1:
        return None
    return f"{mid}_{int(idx)}"


def _rows(account, answer: dict, path: str) -> list[dict]:
    rows = answer.get("list")
    if not isinstance(rows, list):
        raise PlatformError(f"微信接口 {path} 的答复缺少 list")
    return [row for row in rows if isinstance(row, dict)]


def _call(account, path: str, days: list[dt.date]) -> list[dict]:
    answer = wechat_call(account, path, {"begin_date": days[0].isoformat(), "end_date": days[-1].isoformat()})
    return _rows(account, answer, path)


def _day(value) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        return None


def _figures(row: dict) -> dict[str, int]:
    return {"reads": whole(row.get("int_page_read_count")), "shares": whole(row.get("share_count")),
            "looks": whole(row.get("add_to_fav_count"))}


def fetch_articles(account, days: list[dt.date], publications: dict[str, object]) -> tuple[list[PieceRow], int]:
    """Daily figures of the account's articles on `days` (two calls per day), mapped to our
    publications by msgid (`publications`: {msgid: Publication}); articles sent from the
    platform's own editor become "ext:wechat:<msgid>" rows of the account. Returns (rows,
    calls made)."""
    wanted = set(days)
    from_total: dict[tuple[str, dt.date], dict[str, int]] = {}
    from_summary: dict[tuple[str, dt.date], dict[str, int]] = {}
    titles: dict[str, str] = {}
    calls = 0
    for span in chunks(days, ARTICLE_SPAN):
        for row in _call(account, "/datacube/getarticletotal", span):
            msgid = str(row.get("msgid") or "")
            if not msgid:
                continue
            titles.setdefault(msgid, str(row.get("title") or ""))
            details = sorted((d for d in row.get("details") or [] if isinstance(d, dict) and _day(d.get("stat_date"))),
                             key=lambda d: d["stat_date"])
            previous = {"reads": 0, "shares": 0, "looks": 0}
            for detail in details:
                current = _figures(detail)
                stat = _day(detail["stat_date"])
                if stat in wanted:
                    from_total[(msgid, stat)] = {k: max(0, current[k] - previous[k]) for k in current}
                previous = current
        calls += 1
        for row in _call(account, "/datacube/getarticlesummary", span):
            msgid, day = str(row.get("msgid") or ""), _day(row.get("ref_date"))
            if not msgid or day not in wanted:
                continue
            titles.setdefault(msgid, str(row.get("title") or ""))
            from_summary[(msgid, day)] = _figures(row)
        calls += 1
    rows = []
    for (msgid, day) in sorted(set(from_summary) | set(from_total)):
        summary_only = (msgid, day) not in from_total
        figures = from_summary[(msgid, day)] if summary_only else from_total[(msgid, day)]
        publication = publications.get(msgid)
        if publication is not None:
            rows.append(PieceRow(key=f"pub:{publication.pk}", day=day, outlet=OUTLET,
                                 title=(publication.story.headline or titles[msgid])[:200],
                                 url=publication.remote_url[:500], external_id=msgid, story_id=publication.story_id,
                                 publication_id=publication.pk, account_id=account.pk, summary_only=summary_only,
                                 **figures))
        else:
            rows.append(PieceRow(key=f"ext:wechat:{msgid}"[:120], day=day, outlet=OUTLET, title=titles[msgid][:200],
                                 external_id=msgid, account_id=account.pk, summary_only=summary_only, **figures))
    return rows, calls


def fetch_users(account, days: list[dt.date]) -> tuple[list[AccountRow], int]:
    """Followers per day: getusersummary (new and cancelled, summed over user_source) and
    getusercumulate (the total), in spans of 7 days. Returns (rows, calls made)."""
    new: dict[dt.date, int] = {}
    lost: dict[dt.date, int] = {}
    total: dict[dt.date, int] = {}
    calls = 0
    wanted = set(days)
    for span in chunks(days, USER_SPAN):
        for row in _call(account, "/datacube/getusersummary", span):
            day = _day(row.get("ref_date"))
            if day in wanted:
                new[day] = new.get(day, 0) + whole(row.get("new_user"))
                lost[day] = lost.get(day, 0) + whole(row.get("cancel_user"))
        for row in _call(account, "/datacube/getusercumulate", span):
            day = _day(row.get("ref_date"))
            if day in wanted:
                total[day] = whole(row.get("cumulate_user"))
        calls += 2
    rows = [AccountRow(key=f"acct:{account.pk}", day=day, outlet=OUTLET, account_id=account.pk,
                       account_name=account.name[:80], followers=total.get(day), new_followers=new.get(day, 0),
                       lost_followers=lost.get(day, 0))
            for day in sorted(set(new) | set(lost) | set(total))]
    return rows, calls
