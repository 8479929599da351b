"""RSS and Atom feeds: feedparser on the bytes fetching.py fetched (feedparser never fetches
anything itself). A feed feedparser calls "bozo" (not well-formed) keeps the entries it could
read, and the problem is recorded; a feed with no readable entry at all is an error of the
source. An entry without title and text is skipped and recorded."""

from __future__ import annotations

import calendar
import datetime as dt
import re

import feedparser

from rongmei.monitor.sources import SourceError
from rongmei.monitor.sources.client import decode
from rongmei.monitor.sources.text import html_to_text
from rongmei.monitor.types import RawItem

_XML_DECL_ENCODING = re.compile(r"""^(\s*<\?xml[^>]*encoding\s*=\s*)["'][^"']*["']""", re.IGNORECASE)


def _utf8(body: bytes, content_type: str) -> bytes:
    """The feed as UTF-8 with a matching declaration: our charset rules (GB18030 for every GB
    name, a fallback for undeclared GBK) decide once, not feedparser's guesses."""
    text = decode(body, content_type, "xml").lstrip("\ufeff")
    return _XML_DECL_ENCODING.sub(r'\1"utf-8"', text, count=1).encode("utf-8")


def _when(entry) -> dt.datetime | None:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        value = entry.get(key)
        if value:
            try:
                return dt.datetime.fromtimestamp(calendar.timegm(value), tz=dt.UTC)
            except (OverflowError, ValueError, TypeError):
                continue
    return None


def _text(entry) -> str:
    for content in entry.get("content") or []:
        if content.get("value"):
            return html_to_text(content["value"])
    return html_to_text(entry.get("summary") or entry.get("description") or "")


def parse(body: bytes, content_type: str = "", *, url: str = "") -> tuple[list[RawItem], list[dict]]:
    """(items, problems) of a feed; SourceError when nothing at all can be read."""
    try:
        feed = feedparser.parse(_utf8(body, content_type), sanitize_html=True, resolve_relative_uris=False)
    except Exception as exc:  # feedparser is defensive; a crash here is still the feed's fault
        raise SourceError(f"订阅内容无法解析（{type(exc).__name__}）。") from None
    problems: list[dict] = []
    if feed.bozo and not feed.entries:
        reason = getattr(feed.get("bozo_exception"), "getMessage", lambda: "")() or type(feed.get("bozo_exception")).__name__
        raise SourceError(f"订阅内容格式有误，读不出任何条目（{reason}）。")
    if not feed.entries and not feed.get("version"):
        raise SourceError("返回的内容不是 RSS 或 Atom 订阅。")
    if feed.bozo:
        reason = getattr(feed.get("bozo_exception"), "getMessage", lambda: "")() or type(feed.get("bozo_exception")).__name__
        problems.append({"url": url, "feed": True,
                         "error": f"订阅格式有误（{reason}），已保留能读出的 {len(feed.entries)} 条。"})
    items: list[RawItem] = []
    for n, entry in enumerate(feed.entries, 1):
        link = (entry.get("link") or "").strip()
        try:
            title = html_to_text(entry.get("title") or "")
            text = _text(entry)
            if not title and not text:
                problems.append({"url": link or f"{url}#{n}", "error": f"第 {n} 条没有标题和正文，已跳过。"})
                continue
            author = (entry.get("author") or "").strip()[:100]
            items.append(RawItem(title=title or text[:60], text=text, url=link, published_at=_when(entry),
                                 author=author, external_id=(entry.get("id") or "")[:200]))
        except Exception as exc:  # one odd entry never sinks the others
            problems.append({"url": link or f"{url}#{n}", "error": f"第 {n} 条无法读取（{type(exc).__name__}），已跳过。"})
    return items, problems
