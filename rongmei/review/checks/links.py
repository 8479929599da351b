"""Links that do not answer: 4xx/5xx, no connection, no answer within the timeout.

A dead link in a published story sends readers nowhere, and a link that now answers 404
often means the page was withdrawn, which an editor wants to know before sign-off. Each
http(s) link is asked once with HEAD (GET where the server refuses HEAD), redirects are
followed up to five times, and every request has a timeout; the links of a story are
checked in parallel so that a slow site costs one timeout, not one per link.

This is the only check that leaves the machine, so it runs only when asked
(`run_checks(check_links=True)`), never on every keystroke.
"""

from __future__ import annotations

import http.client
import socket
import ssl
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from html.parser import HTMLParser

from rongmei.newsroom.generators.text import URL_RE

from .types import CHECK_LINK, Finding

CATEGORY = "链接"
MAX_REDIRECTS = 5
USER_AGENT = "Rongmei-LinkCheck/1.0 (+county media center review)"
_REDIRECT_CODES = frozenset({301, 302, 303, 307, 308})
# Servers that refuse HEAD say so with these; GET then tells the truth.
_HEAD_REFUSED = frozenset({405, 501})
_LOOPBACK = frozenset({"localhost", "127.0.0.1", "::1"})
_STATUS_NAMES = {
    400: "请求有误",
    401: "需要登录",
    403: "禁止访问",
    404: "页面不存在",
    410: "页面已删除",
    429: "访问过于频繁，被对方限制",
    500: "对方服务器出错",
    502: "对方网关出错",
    503: "对方服务暂不可用",
    504: "对方网关超时",
}


@dataclass(frozen=True)
class LinkRef:
    """A link to check and where it was found (a span of a field, or the links list)."""

    url: str
    field: str = "links"
    start: int = 0
    end: int = 0


@dataclass(frozen=True)
class LinkResult:
    """What asking for a link gave: the final status, or why there was none."""

    status: int | None
    error: str = ""
    timed_out: bool = False
    final_url: str = ""


Fetch = Callable[[str, float], LinkResult]


def check_links(
    urls: Iterable[str | LinkRef],
    *,
    timeout: float = 3.0,
    max_workers: int = 8,
    fetch: Fetch | None = None,
) -> list[Finding]:
    """A warning for every http(s) link that does not answer with success.

    Other schemes (mailto:, tel:) and relative links are not checked. Each distinct URL is
    requested once however often it appears. `fetch(url, timeout)` replaces the network
    call (tests, or a center that must go through its own proxy service).
    """
    refs = [u if isinstance(u, LinkRef) else LinkRef(u.strip()) for u in urls]
    refs = [r for r in refs if is_checkable(r.url)]
    unique = list(dict.fromkeys(r.url for r in refs))
    if not unique:
        return []
    fetcher = fetch or fetch_status
    with ThreadPoolExecutor(max_workers=max(1, min(max_workers, len(unique)))) as pool:
        results = dict(zip(unique, pool.map(lambda url: fetcher(url, timeout), unique)))
    findings = []
    for ref in refs:
        message = _problem(results[ref.url], timeout)
        if message:
            findings.append(_finding(ref, message))
    return findings


def is_checkable(url: str) -> bool:
    """Only absolute http(s) links with a host can be asked."""
    parts = urllib.parse.urlsplit(url)
    return parts.scheme.lower() in ("http", "https") and bool(parts.hostname)


def fetch_status(url: str, timeout: float) -> LinkResult:
    """HEAD the URL (GET if HEAD is refused), following at most MAX_REDIRECTS redirects."""
    method = "HEAD"
    redirects = 0
    while True:
        try:
            status, location = _request(url, method, timeout)
        except (TimeoutError, socket.timeout):
            return LinkResult(None, "没有应答", timed_out=True, final_url=url)
        except (urllib.error.URLError, http.client.HTTPException, OSError, ValueError) as exc:
            return _error_result(exc, url)
        if method == "HEAD" and status in _HEAD_REFUSED:
            method = "GET"
            continue
        if status in _REDIRECT_CODES and location:
            redirects += 1
            if redirects > MAX_REDIRECTS:
                return LinkResult(None, f"重定向超过 {MAX_REDIRECTS} 次", final_url=url)
            url = urllib.parse.urljoin(url, location)
            if not is_checkable(url):
                return LinkResult(None, "重定向到了无法检查的地址", final_url=url)
            continue
        return LinkResult(status, final_url=url)


def _request(url: str, method: str, timeout: float) -> tuple[int, str | None]:
    """(status, Location header) of one request; redirects are not followed here."""
    request = urllib.request.Request(
        _ascii_url(url), method=method, headers={"User-Agent": USER_AGENT, "Accept": "*/*"}
    )
    try:
        with _opener(url).open(request, timeout=timeout) as response:
            return response.status, response.headers.get("Location")
    except urllib.error.HTTPError as exc:  # 3xx (not followed), 4xx, 5xx
        with exc:
            return exc.code, exc.headers.get("Location") if exc.headers else None


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Hand every redirect back to `fetch_status`, which keeps HEAD and counts hops."""

    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def _opener(url: str) -> urllib.request.OpenerDirector:
    # Proxies from the environment serve the outside world; a loopback address never
    # goes through one.
    host = (urllib.parse.urlsplit(url).hostname or "").lower()
    proxies = urllib.request.ProxyHandler({} if host in _LOOPBACK else None)
    return urllib.request.build_opener(_NoRedirect, proxies)


def _ascii_url(url: str) -> str:
    """The URL as HTTP can carry it: 中文 paths percent-encoded, 中文 domains in IDNA."""
    parts = urllib.parse.urlsplit(url)
    host = parts.hostname or ""
    try:
        host = host.encode("idna").decode("ascii")
    except UnicodeError:
        pass  # left as is: the request then fails and says the address is invalid
    netloc = host if ":" not in host else f"[{host}]"
    if parts.port:
        netloc = f"{netloc}:{parts.port}"
    if parts.username:
        netloc = f"{parts.username}{':' + parts.password if parts.password else ''}@{netloc}"
    safe = "/%:@!$&'()*+,;=-._~"
    return urllib.parse.urlunsplit((
        parts.scheme,
        netloc,
        urllib.parse.quote(parts.path, safe=safe),
        urllib.parse.quote(parts.query, safe=safe + "?"),
        urllib.parse.quote(parts.fragment, safe=safe + "?"),
    ))


def _error_result(exc: BaseException, url: str) -> LinkResult:
    reason = exc.reason if isinstance(exc, urllib.error.URLError) else exc
    if isinstance(reason, (TimeoutError, socket.timeout)):
        return LinkResult(None, "没有应答", timed_out=True, final_url=url)
    if isinstance(reason, socket.gaierror):
        message = "域名无法解析"
    elif isinstance(reason, ConnectionRefusedError):
        message = "对方拒绝连接"
    elif isinstance(reason, ssl.SSLError):
        message = "加密连接（证书）有误"
    elif isinstance(reason, (ConnectionResetError, http.client.HTTPException)):
        message = "连接被中断或应答不完整"
    elif isinstance(reason, ValueError):
        message = "地址格式不正确"
    else:
        message = f"无法连接（{reason}）"
    return LinkResult(None, message, final_url=url)


def _problem(result: LinkResult, timeout: float) -> str:
    """The warning text for a failed link, "" for one that answers."""
    if result.status is not None and result.status < 400:
        return ""
    if result.timed_out:
        return f"链接在 {timeout:g} 秒内没有应答。请稍后再试或核对地址，必要时删去。"
    if result.status is not None:
        name = _STATUS_NAMES.get(result.status) or (
            "对方服务器出错" if result.status >= 500 else "请求被拒绝"
        )
        return f"链接无法打开：服务器返回 {result.status}（{name}）。请核对地址，或删去这个链接。"
    return f"链接无法打开：{result.error}。请核对地址，或删去这个链接。"


def _finding(ref: LinkRef, message: str) -> Finding:
    return Finding(
        check=CHECK_LINK,
        severity="warn",
        start=ref.start,
        end=ref.end,
        text=ref.url,
        message=message,
        suggestion=None,
        category=CATEGORY,
        field=ref.field,
    )


def links_in_fields(fields: Mapping[str, str]) -> list[LinkRef]:
    """Links written out in the fields' plain text, with their spans."""
    return [
        LinkRef(m.group(), name, m.start(), m.end())
        for name, text in fields.items()
        for m in URL_RE.finditer(text)
    ]


def links_in_html(html: str, field: str = "links") -> list[LinkRef]:
    """The href of every <a> in body HTML: plain text loses them, readers click them."""
    parser = _HrefParser()
    parser.feed(html or "")
    parser.close()
    return [LinkRef(href, field) for href in parser.hrefs]


class _HrefParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        href = dict(attrs).get("href") if tag == "a" else None
        if href and href.strip():
            self.hrefs.append(href.strip())
