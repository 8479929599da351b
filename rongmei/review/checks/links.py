"""Links that do not answer: 4xx/5xx, no connection, no answer within the timeout.

A dead link in a published story sends readers nowhere, and a link that now answers 404
often means the page was withdrawn, which an editor wants to know before sign-off. Each
http(s) link is asked once with HEAD (GET where the server refuses HEAD), redirects are
followed up to five times, and every request has a timeout; the links of a story are
checked in parallel so that a slow site costs one timeout, not one per link.

This is the only check that leaves the machine, and any reporter can put any address in a
story, so it must not become a way to reach the server's own network (SSRF):

* it runs only when asked, as a background task started by a POST (see review.tasks);
* the host is resolved first and refused if any of its addresses is loopback, private,
  link-local, multicast, reserved or unspecified (also inside IPv4-mapped, 6to4, Teredo
  and NAT64 IPv6 forms), unless a `Policy` allow-list names the host or network (intranet
  sites, setting RONGMEI_LINKCHECK_ALLOW);
* the connection goes to that checked address (no second lookup, so no DNS rebinding), with
  the name in the Host header and TLS SNI; public addresses only on ports 80, 443, 8080 and
  8443; environment proxies are never used (a proxy would resolve the name again);
* redirects are followed by hand, at most five, each hop checked the same way;
* the person asking only learns "可以访问 / 无法访问（状态码 404）/ 无法访问": a refused
  address, a closed port, a reset and a timeout all read the same, so nothing about the
  inside network can be learnt from the answer.
"""

from __future__ import annotations

import http.client
import socket
import urllib.parse
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from html.parser import HTMLParser

# The outbound rule (which addresses and ports may be asked; connections pinned to the
# checked address) lives in core, where every room that calls out shares it.
from rongmei.core.netguard import (  # noqa: F401 - the link check's own API (tests and callers use links.resolve …)
    Policy,
    Refused,
    Target,
    is_public,
    pinned_connection,
    resolve,
)
from rongmei.newsroom.generators.text import URL_RE

from .types import CHECK_LINK, Finding

CATEGORY = "链接"
MAX_REDIRECTS = 5
USER_AGENT = "Rongmei-LinkCheck/1.0 (+county media center review)"
#: Ports a public address may be asked on; allow-listed hosts and networks may use any.
_REDIRECT_CODES = frozenset({301, 302, 303, 307, 308})
# Servers that refuse HEAD say so with these; GET then tells the truth.
_HEAD_REFUSED = frozenset({405, 501})

REACHABLE = "可以访问"
UNREACHABLE = "无法访问"



@dataclass(frozen=True)
class LinkRef:
    """A link to check and where it was found (a span of a field, or the links list)."""

    url: str
    field: str = "links"
    start: int = 0
    end: int = 0


@dataclass(frozen=True)
class LinkResult:
    """What asking for a link gave: the final status, or why there was none.

    `error` is for logs and tests only; people see `link_state(result)`."""

    status: int | None
    error: str = ""
    timed_out: bool = False
    final_url: str = ""
    refused: bool = False


Fetch = Callable[[str, float], LinkResult]


def check_links(
    urls: Iterable[str | LinkRef],
    *,
    timeout: float = 3.0,
    max_workers: int = 8,
    fetch: Fetch | None = None,
    policy: Policy | None = None,
) -> list[Finding]:
    """A warning for every http(s) link that does not answer with success.

    Other schemes (mailto:, tel:) and relative links are not checked. Each distinct URL is
    requested once however often it appears. `fetch(url, timeout)` replaces the network
    call (tests, or a center that must go through its own proxy service).
    """
    refs = [u if isinstance(u, LinkRef) else LinkRef(u.strip()) for u in urls]
    refs = [r for r in refs if is_checkable(r.url)]
    results = fetch_all([r.url for r in refs], timeout=timeout, max_workers=max_workers, fetch=fetch,
                        policy=policy)
    findings = []
    for ref in refs:
        message = _problem(results[ref.url])
        if message:
            findings.append(_finding(ref, message))
    return findings


def fetch_all(urls: Iterable[str], *, timeout: float = 3.0, max_workers: int = 8, fetch: Fetch | None = None,
              policy: Policy | None = None) -> dict[str, LinkResult]:
    """{url: result} for each distinct checkable URL, asked in parallel."""
    unique = list(dict.fromkeys(u for u in urls if is_checkable(u)))
    if not unique:
        return {}
    fetcher = fetch or (lambda url, t: fetch_status(url, t, policy=policy))
    with ThreadPoolExecutor(max_workers=max(1, min(max_workers, len(unique)))) as pool:
        return dict(zip(unique, pool.map(lambda url: fetcher(url, timeout), unique)))


def link_state(result: LinkResult) -> str:
    """All a person learns: 可以访问, 无法访问（状态码 404）, or 无法访问."""
    if result.status is not None and result.status < 400:
        return REACHABLE
    if result.status is not None:
        return f"{UNREACHABLE}（状态码 {result.status}）"
    return UNREACHABLE


def is_checkable(url: str) -> bool:
    """Only absolute http(s) links with a host can be asked."""
    try:
        parts = urllib.parse.urlsplit(url)
        return parts.scheme.lower() in ("http", "https") and bool(parts.hostname)
    except ValueError:
        return False


def fetch_status(url: str, timeout: float, *, policy: Policy | None = None) -> LinkResult:
    """HEAD the URL (GET if HEAD is refused), following at most MAX_REDIRECTS redirects,
    each hop resolved and checked against the policy before anything is sent."""
    method = "HEAD"
    redirects = 0
    while True:
        try:
            target = resolve(url, policy)
            status, location = _request(target, method, timeout)
        except Refused as exc:
            return LinkResult(None, f"refused: {exc}", final_url=url, refused=True)
        except (TimeoutError, socket.timeout):
            return LinkResult(None, "timeout", timed_out=True, final_url=url)
        except (http.client.HTTPException, OSError, ValueError) as exc:
            return LinkResult(None, f"{type(exc).__name__}: {exc}", final_url=url)
        if method == "HEAD" and status in _HEAD_REFUSED:
            method = "GET"
            continue
        if status in _REDIRECT_CODES and location:
            redirects += 1
            if redirects > MAX_REDIRECTS:
                return LinkResult(None, f"more than {MAX_REDIRECTS} redirects", final_url=url)
            url = urllib.parse.urljoin(url, location)
            if not is_checkable(url):
                return LinkResult(None, "redirect to an uncheckable address", final_url=url, refused=True)
            continue
        return LinkResult(status, final_url=url)


def _request(target: Target, method: str, timeout: float) -> tuple[int, str | None]:
    """(status, Location header) of one request to the checked address; nothing is followed."""
    conn = pinned_connection(target, timeout)
    try:
        conn.request(method, target.path, headers={"User-Agent": USER_AGENT, "Accept": "*/*"})
        response = conn.getresponse()
        return response.status, response.getheader("Location")
    finally:
        conn.close()


def _problem(result: LinkResult) -> str:
    """The warning text for a failed link, "" for one that answers."""
    state = link_state(result)
    if state == REACHABLE:
        return ""
    return f"链接{state}。请核对地址，或删去这个链接。"


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
