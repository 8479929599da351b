"""Web list pages: the links the configured CSS selector finds on the list page, then each
new article page (fetched politely by fetching.py) extracted with trafilatura.

Config: {"link_selector": "ul.news a", "max_links": 20}. The selector may pick the <a>
elements themselves or elements holding one (the first <a href> inside is used)."""

from __future__ import annotations

import datetime as dt
import urllib.parse

import lxml.html
import trafilatura
from cssselect import SelectorError
from lxml import etree
from lxml.cssselect import CSSSelector

from rongmei.monitor.sources import SourceError
from rongmei.monitor.sources.text import html_to_text
from rongmei.monitor.types import RawItem

DEFAULT_MAX_LINKS = 20
MAX_LINKS = 100


def compile_selector(selector: str) -> CSSSelector:
    """The selector compiled; ValueError with a Chinese message naming the position."""
    selector = (selector or "").strip()
    if not selector:
        raise ValueError("请填写链接选择器，如 ul.news a。")
    try:
        return CSSSelector(selector)
    except SelectorError as exc:
        position = getattr(exc, "args", [""])[0]
        where = ""
        if " at " in str(position):
            tail = str(position).rsplit(" at ", 1)[1].rstrip(">)")
            if tail.isdigit():
                where = f"第 {int(tail) + 1} 个字符处"
        raise ValueError(f"链接选择器写法有误{('（' + where + '）') if where else ''}：{selector}") from None
    except Exception:  # cssselect raises ExpressionError etc. for things XPath cannot express
        raise ValueError(f"链接选择器不受支持：{selector}") from None


def links(page_html: str, base_url: str, selector: str, max_links: int = DEFAULT_MAX_LINKS) -> list[tuple[str, str]]:
    """[(absolute url, link text)] in page order, http(s) only, no repeats, at most max_links."""
    try:
        compiled = compile_selector(selector)
    except ValueError as exc:
        raise SourceError(str(exc)) from None
    try:
        root = lxml.html.document_fromstring(page_html)
    except (etree.ParserError, ValueError):
        raise SourceError("列表页内容为空或无法解析。") from None
    found: dict[str, str] = {}
    for element in compiled(root):
        anchor = element if element.tag == "a" else next(iter(element.iter("a")), None)
        href = (anchor.get("href") or "").strip() if anchor is not None else ""
        if not href:
            continue
        url = urllib.parse.urljoin(base_url, href)
        url = urllib.parse.urldefrag(url)[0]
        if urllib.parse.urlsplit(url).scheme.lower() not in ("http", "https"):
            continue
        found.setdefault(url, html_to_text(anchor.text_content() if anchor is not None else ""))
        if len(found) >= max_links:
            break
    return list(found.items())


def _date(value) -> dt.datetime | None:
    if not value:
        return None
    for fmt in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d"):
        try:
            return dt.datetime.strptime(str(value)[: len(fmt) + 2].strip(), fmt)
        except ValueError:
            continue
    try:
        return dt.datetime.fromisoformat(str(value))
    except ValueError:
        return None


def article(page_html: str, url: str, link_text: str = "") -> RawItem:
    """One article page as a RawItem; ValueError (Chinese) when no text can be extracted."""
    try:
        doc = trafilatura.bare_extraction(page_html, url=url, with_metadata=True, include_comments=False,
                                          include_tables=False)
    except Exception as exc:  # trafilatura on hostile HTML: the page is skipped, the run goes on
        raise ValueError(f"正文提取失败（{type(exc).__name__}）。") from None
    if doc is None:
        raise ValueError("未能从网页中提取出正文。")
    get = doc.get if isinstance(doc, dict) else (lambda k: getattr(doc, k, None))
    text = (get("text") or "").strip()
    title = (get("title") or "").strip() or link_text
    if not text:
        raise ValueError("未能从网页中提取出正文。")
    return RawItem(title=title or text[:60], text=text, url=url, published_at=_date(get("date")),
                   author=(get("author") or "")[:100])
