"""Readers' comments under the center's own WeChat articles and Weibo posts, as 监测源.

Source kinds ``wechat_comments`` and ``weibo_comments``; ``Source.config`` is
``{"account": <distribution ChannelAccount id>, "days": 7}``: the comments under that
account's publications sent in the last ``days`` days (1–30).

For the fetch part's source form:

- ``account_choices(center, kind)`` → ``[(account id, "账号名称"), ...]``: the center's active
  WeChat (for ``wechat_comments``) or Weibo (``weibo_comments``) accounts. Empty for any
  other kind.
- ``validate_config(center, kind, config)`` → the cleaned config to store
  (``{"account": int, "days": int}``); raises ``django.core.exceptions.ValidationError`` with a
  Chinese message keyed by the config field (``{"account": …}`` or ``{"days": …}``), e.g.
  for another center's account or an account of the wrong platform.
  ``read`` checks the same again, so a source edited behind the form's back still cannot
  reach another center's account.

``read(source, *, now)`` → ``list[RawItem]``. It goes through distribution for everything
that is distribution's: the account (``distribution.selectors.accounts``, scoped to the
source's center), its publications (``selectors.publications``), and the platform calls
through ``distribution.platform_api`` (its public door: the account's credentials and the
WeChat access token cache that publishing uses, so that cache is shared and never
invalidated behind its back). The endpoint is the account's own configured API address,
the same one publishing calls.

- WeChat, 图文消息留言管理 / listComment: ``POST /cgi-bin/comment/list?access_token=…`` with
  ``{"msg_data_id", "index", "begin", "count", "type": 0}``, paged by ``begin`` with
  ``count`` 49 (the Chinese page says ">=50会被拒绝", the English one "> 50"). The
  msg_data_id and index are read from the article link the platform gave on publishing
  (``…/s?__biz=…&mid=<msg_data_id>&idx=<index + 1>&sn=…``; mid is the appmsgid, which is
  the msg_data_id). An article whose link carries no mid is skipped.
- Weibo: ``GET /2/comments/show.json?access_token=…&id=<status id>&count=50&since_id=…&max_id=…``,
  newest first, paged down by ``max_id``.

Incremental: per publication the newest comment id already read is kept in
``source.cursor`` (``{"wechat": {"<msg_data_id>:<index>": id}}`` or ``{"weibo": {"<status
id>": id}}``). ``read`` sets ``source.cursor`` on the instance it was given only when the
whole read succeeded and does not save it; **the caller saves ``cursor`` together with the
run** once the items are ingested (so a failed ingest reads them again; the pipeline drops
what it already has by ``external_id``).

Each comment becomes a RawItem: title ``《文章标题》下的留言`` (WeChat) or ``《…》下的评论``
(Weibo), text = the comment, url = the article link with ``comment_id=<id>`` added (one
address per comment, so comments under one article are not taken for duplicates of each
other), external_id ``wechat:<msg_data_id>:<index>:<user_comment_id>`` or ``weibo:<comment
id>``, author masked (``微信用户 oAbc***xyz``, ``张**``), published_at = the comment time.

Errors: anything that stops the source (a refused token, 88000 without comment privilege,
quota, system busy, an unreachable server) raises ``SourceError`` with the platform's
errcode / error_code in the Chinese message. An article deleted on the platform (WeChat
88001, Weibo 20101) is skipped, not an error.
"""

from __future__ import annotations

import datetime as dt
import urllib.parse

from django.core.exceptions import ValidationError

from rongmei.monitor.sources import SourceError
from rongmei.monitor.types import RawItem

WECHAT = "wechat_comments"
WEIBO = "weibo_comments"
# Which distribution account kind each source kind reads.
ACCOUNT_KIND = {WECHAT: "wechat", WEIBO: "weibo"}
DEFAULT_DAYS = 7
MAX_DAYS = 30
WECHAT_PAGE = 49  # listComment: "count 获取数目（>=50会被拒绝）"
WEIBO_PAGE = 50  # comments/show: "单页返回的记录条数，默认为50"
MAX_PAGES = 20  # per publication and run: at most 980 / 1,000 comments, the rest next run
MAX_PUBLICATIONS = 200  # per run, newest first
TITLE_CHARS = 60
WECHAT_DELETED = 88001  # msg_data is not exists: the article was deleted on the platform
WEIBO_DELETED = 20101  # target weibo does not exist!

WECHAT_HINTS = {
    88000: "公众号没有留言管理权限，请在微信公众平台开通留言功能",
    45009: "接口调用次数已达今日上限，明天自动恢复",
    45011: "接口调用过于频繁，稍后自动重试",
    -1: "微信系统繁忙，稍后自动重试",
    40001: "微信不接受 access_token，请检查账号的 AppID 和 AppSecret",
    42001: "access_token 已过期且未能换新，请检查账号设置",
    40125: "AppSecret 无效，请在账号设置中重新填写",
}
WEIBO_HINTS = {
    21327: "授权已过期，请在账号设置中重新授权",
    21332: "授权无效或已被撤销，请在账号设置中重新授权",
    10023: "接口调用次数超限，稍后自动重试",
    10022: "接口调用次数超限，稍后自动重试",
    10024: "接口调用次数超限，稍后自动重试",
    10014: "应用没有读取评论的接口权限",
}


# -- for the source form -------------------------------------------------------------------

def account_choices(center, kind: str) -> list[tuple[int, str]]:
    """The center's active accounts a ``kind`` source may read: WeChat accounts for
    ``wechat_comments``, Weibo accounts for ``weibo_comments`` (empty for other kinds)."""
    from rongmei.distribution import selectors

    account_kind = ACCOUNT_KIND.get(kind)
    if account_kind is None:
        return []
    return [(a.pk, a.name) for a in selectors.accounts(center, kind=account_kind, active=True).order_by("name", "id")]


def validate_config(center, kind: str, config) -> dict:
    """The config to store for a comments source, cleaned: ``{"account": id, "days": n}``.
    Raises ValidationError (Chinese) when the account is missing, not the center's, not of
    the source's platform or switched off, or ``days`` is not a whole number from 1 to 30."""
    if kind not in ACCOUNT_KIND:
        raise ValidationError({"account": "只有“本中心微信文章留言”和“本中心微博评论”类型的监测源需要选择账号。"})
    if not isinstance(config, dict):
        raise ValidationError({"account": '配置应为 JSON 对象，例如 {"account": 3, "days": 7}。'})
    account_id = _whole(config.get("account"))
    if account_id is None or account_id <= 0:
        raise ValidationError({"account": "请选择要读取留言的本中心账号。"})
    days = _whole(config.get("days", DEFAULT_DAYS))
    if days is None or not 1 <= days <= MAX_DAYS:
        raise ValidationError({"days": f"读取天数应为 1 到 {MAX_DAYS} 之间的整数。"})
    _account(center, kind, account_id, error=lambda message: ValidationError({"account": message}))
    return {"account": account_id, "days": days}


def _whole(value) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def _account(center, kind: str, account_id: int, *, error=SourceError):
    """The center's account for this source kind, or ``error`` (Chinese)."""
    from rongmei.distribution import selectors

    name = "微信公众号" if kind == WECHAT else "微博"
    account = selectors.accounts(center, kind=ACCOUNT_KIND[kind]).filter(pk=account_id).first()
    if account is None:
        raise error(f"所选{name}账号不存在或不属于本中心。")
    if not account.is_active:
        raise error(f"{name}账号“{account.name}”已停用。")
    return account


# -- reading ------------------------------------------------------------------------------

def read(source, *, now: dt.datetime | None = None) -> list[RawItem]:
    """The comments under the source's account's recent publications that the last
    successful read had not seen (see the module docstring). Sets ``source.cursor`` on
    success; the caller saves it."""
    from django.utils import timezone

    now = now or timezone.now()
    if source.kind not in ACCOUNT_KIND:
        raise SourceError("这个监测源不是留言类型。")
    config = source.config if isinstance(source.config, dict) else {}
    account_id = _whole(config.get("account"))
    if account_id is None:
        raise SourceError("监测源没有选择要读取留言的账号。")
    days = _whole(config.get("days", DEFAULT_DAYS))
    days = DEFAULT_DAYS if days is None else min(max(days, 1), MAX_DAYS)
    account = _account(source.center, source.kind, account_id)
    publications = _publications(source.center, account, now - dt.timedelta(days=days))
    cursor = source.cursor if isinstance(source.cursor, dict) else {}
    if source.kind == WECHAT:
        items, seen = _read_wechat(account, publications, dict(cursor.get("wechat") or {}))
        source.cursor = {**cursor, "wechat": seen}
    else:
        items, seen = _read_weibo(account, publications, dict(cursor.get("weibo") or {}))
        source.cursor = {**cursor, "weibo": seen}
    return items


def _publications(center, account, since: dt.datetime) -> list:
    """The account's publications that are out there, sent since ``since``, newest first."""
    from rongmei.distribution import selectors

    return list(selectors.publications(center, account_id=account.pk)
                .filter(status__in=selectors.LIVE, sent_at__gte=since)
                .order_by("-sent_at", "-id")[:MAX_PUBLICATIONS])


def _article_title(publication) -> str:
    title = (publication.story.headline or "").strip() or "本中心文章"
    return title if len(title) <= TITLE_CHARS else title[: TITLE_CHARS - 1] + "…"


def _comment_url(link: str, comment_id) -> str:
    """The article link with ``comment_id`` added: one address per comment."""
    parts = urllib.parse.urlsplit(link)
    query = urllib.parse.parse_qsl(parts.query, keep_blank_values=True)
    query = [(k, v) for k, v in query if k != "comment_id"] + [("comment_id", str(comment_id))]
    return urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(query), fragment=""))


def mask_openid(openid: str | None) -> str:
    """``微信用户 oAbc***xyz``; a reader commenting without a WeChat identity has no openid."""
    if not openid:
        return "微信用户（非微信身份）"
    return f"微信用户 {openid[:4]}***{openid[-3:]}" if len(openid) > 8 else "微信用户 ***"


def mask_name(name: str) -> str:
    """``张**``, ``李*``: the first character kept, so a reader's handle is not copied out."""
    name = (name or "").strip()
    if not name:
        return "微博网友"
    return name[0] + "*" * min(max(len(name) - 1, 1), 4)


def _at(unix) -> dt.datetime | None:
    try:
        return dt.datetime.fromtimestamp(int(unix), tz=dt.UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return None


# -- WeChat -------------------------------------------------------------------------------

def _wechat_ref(link: str) -> tuple[str, int] | None:
    """(msg_data_id, index from 0) from an article link ``…/s?__biz&mid&idx&sn``."""
    query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(link or "").query))
    mid = query.get("mid", "")
    if not mid.isdigit():
        return None
    idx = query.get("idx", "1")
    return mid, (int(idx) - 1 if idx.isdigit() and int(idx) >= 1 else 0)


def _wechat_page(account, payload: dict) -> dict | None:
    """One page of an article's comments (listComment), through distribution's public door
    to the WeChat API (the publishing token cache); None when the article is gone."""
    from rongmei.distribution.platform_api import PlatformError, wechat_call

    try:
        return wechat_call(account, "/cgi-bin/comment/list", payload)
    except PlatformError as exc:
        if exc.code == WECHAT_DELETED:
            return None
        if exc.code is None:  # no answer, no token, no AppID: its words say which
            raise SourceError(f"读取微信留言失败：{exc}") from exc
        raise SourceError(f"读取微信留言失败（错误码 {exc.code}）：{WECHAT_HINTS.get(exc.code, exc)}") from exc


def _read_wechat(account, publications, seen: dict) -> tuple[list[RawItem], dict]:
    items: list[RawItem] = []
    kept: dict = {}
    for publication in publications:
        ref = _wechat_ref(publication.remote_url)
        if ref is None:
            continue  # a link without mid (short link): its msg_data_id is unknown
        msg_data_id, index = ref
        key = f"{msg_data_id}:{index}"
        newest = last = int(seen.get(key, 0))
        title = f"《{_article_title(publication)}》下的留言"
        begin = 0
        for _ in range(MAX_PAGES):
            answer = _wechat_page(account, {"msg_data_id": int(msg_data_id), "index": index, "begin": begin,
                                            "count": WECHAT_PAGE, "type": 0})
            if answer is None:
                break
            page = [c for c in answer.get("comment") or [] if isinstance(c, dict)]
            ids = []
            for comment in page:
                cid = _whole(comment.get("user_comment_id"))
                content = str(comment.get("content") or "").strip()
                if cid is None:
                    continue
                ids.append(cid)
                if cid <= last or not content:
                    continue
                newest = max(newest, cid)
                reply = comment.get("reply") if isinstance(comment.get("reply"), dict) else {}
                items.append(RawItem(
                    title=title, text=content, url=_comment_url(publication.remote_url, cid),
                    published_at=_at(comment.get("create_time")), author=mask_openid(comment.get("openid")),
                    external_id=f"wechat:{msg_data_id}:{index}:{cid}",
                    extra={"platform": "wechat", "publication": publication.pk, "story": publication.story_id,
                           "elected": bool(comment.get("comment_type")), "reply": str(reply.get("content") or "")},
                ))
            begin += len(page)
            total = _whole(answer.get("total")) or 0
            if not page or begin >= total:
                break
            if len(ids) > 1 and ids == sorted(ids, reverse=True) and ids[-1] <= last:
                break  # newest first and down to what was read before
        kept[key] = newest
    return items, kept


# -- Weibo --------------------------------------------------------------------------------

def _weibo_time(text: str) -> dt.datetime | None:
    """``Tue May 31 17:46:55 +0800 2011`` (English names whatever the locale)."""
    months = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
    try:
        _, month, day, clock, offset, year = (text or "").split()
        hour, minute, second = (int(p) for p in clock.split(":"))
        sign = -1 if offset.startswith("-") else 1
        tz = dt.timezone(sign * dt.timedelta(hours=int(offset[1:3]), minutes=int(offset[3:5])))
        return dt.datetime(int(year), months.index(month) + 1, int(day), hour, minute, second, tzinfo=tz)
    except (ValueError, IndexError):
        return None


def _weibo_page(account, params: dict) -> dict | None:
    """One page of a post's comments (comments/show) through distribution's public door to
    the Weibo API; None when the post is gone."""
    from rongmei.distribution.platform_api import PlatformError, weibo_get

    try:
        answer = weibo_get(account, "/2/comments/show.json", params)
    except PlatformError as exc:
        if exc.code == WEIBO_DELETED:
            return None
        if exc.code is None:
            raise SourceError(f"读取微博评论失败：{exc}", http_status=exc.status) from exc
        raise SourceError(f"读取微博评论失败（错误码 {exc.code}）：{WEIBO_HINTS.get(exc.code, exc)}",
                          http_status=exc.status) from exc
    if not isinstance(answer, dict):
        raise SourceError("读取微博评论失败：答复不是 JSON 对象")
    return answer


def _read_weibo(account, publications, seen: dict) -> tuple[list[RawItem], dict]:
    base = (account.base_url or "https://api.weibo.com").rstrip("/")
    items: list[RawItem] = []
    kept: dict = {}
    for publication in publications:
        status_id = (publication.remote_id or "").strip()
        if not status_id.isdigit():
            continue
        last = int(seen.get(status_id, 0))
        newest = last
        title = f"《{_article_title(publication)}》下的评论"
        link = publication.remote_url or f"{base}/status/{status_id}"
        max_id = 0
        for _ in range(MAX_PAGES):
            query = {"id": status_id, "count": WEIBO_PAGE, "since_id": last}
            if max_id:
                query["max_id"] = max_id
            answer = _weibo_page(account, query)
            if answer is None:
                break
            page = [c for c in answer.get("comments") or [] if isinstance(c, dict)]
            for comment in page:
                cid = _whole(comment.get("idstr") or comment.get("id"))
                text = str(comment.get("text") or "").strip()
                if cid is None or cid <= last or not text:
                    continue
                newest = max(newest, cid)
                user = comment.get("user") if isinstance(comment.get("user"), dict) else {}
                items.append(RawItem(
                    title=title, text=text, url=_comment_url(link, cid),
                    published_at=_weibo_time(str(comment.get("created_at") or "")),
                    author=mask_name(str(user.get("screen_name") or "")), external_id=f"weibo:{cid}",
                    extra={"platform": "weibo", "publication": publication.pk, "story": publication.story_id,
                           "location": str(user.get("location") or "")},
                ))
            ids = [i for i in (_whole(c.get("idstr") or c.get("id")) for c in page) if i is not None]
            if len(page) < WEIBO_PAGE or not ids or min(ids) <= last:
                break
            max_id = min(ids) - 1
        kept[status_id] = newest
    return items, kept
