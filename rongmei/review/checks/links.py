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
import ipaddress
import re
import socket
import ssl
import urllib.parse
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from html.parser import HTMLParser

from rongmei.newsroom.generators.text import URL_RE

from .types import CHECK_LINK, Finding

CATEGORY = "链接"
MAX_REDIRECTS = 5
USER_AGENT = "Rongmei-LinkCheck/1.0 (+county media center review)"
#: Ports a public address may be asked on; allow-listed hosts and networks may use any.
PUBLIC_PORTS = frozenset({80, 443, 8080, 8443})
_REDIRECT_CODES = frozenset({301, 302, 303, 307, 308})
# Servers that refuse HEAD say so with these; GET then tells the truth.
_HEAD_REFUSED = frozenset({405, 501})
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_LABEL = re.compile(r"^[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?$")

REACHABLE = "可以访问"
UNREACHABLE = "无法访问"

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


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


@dataclass(frozen=True)
class Policy:
    """Which otherwise refused targets the link check may ask: intranet sites a center
    links to. Hosts match exactly or, written as ".example.gov.cn", with subdomains;
    networks (CIDR or single addresses) match the resolved address. An allowed target may
    use any port. The default policy allows nothing but public addresses."""

    hosts: frozenset[str] = frozenset()
    networks: tuple[IPNetwork, ...] = ()

    @classmethod
    def parse(cls, entries: Iterable[str]) -> Policy:
        """From "intranet.example.cn, .gov.local, 10.8.0.0/16, 192.168.1.20"; ValueError names a bad entry."""
        hosts, networks = set(), []
        for raw in entries:
            entry = raw.strip().lower()
            if not entry:
                continue
            try:
                networks.append(ipaddress.ip_network(entry.strip("[]"), strict=False))
                continue
            except ValueError:
                pass
            name = _idna(entry.lstrip(".").rstrip("."))
            if not all(_LABEL.match(part) for part in name.split(".")):
                raise ValueError(f"“{raw}”既不是主机名，也不是 IP 地址或网段（如 10.8.0.0/16）")
            hosts.add("." + name if entry.startswith(".") else name)
        return cls(frozenset(hosts), tuple(networks))

    def allows_host(self, host: str) -> bool:
        host = host.lower().rstrip(".")
        return host in self.hosts or any(h.startswith(".") and (host.endswith(h) or host == h[1:])
                                         for h in self.hosts)

    def allows_address(self, address: IPAddress) -> bool:
        candidates = [address, *filter(None, [_embedded_ipv4(address)])]
        return any(a.version == n.version and a in n for a in candidates for n in self.networks)


class Refused(Exception):
    """A target the link check will not connect to (the reason stays in logs)."""


@dataclass(frozen=True)
class Target:
    """A checked place to connect to: the name for Host/SNI and the address to dial."""

    scheme: str
    host: str
    port: int
    address: str
    path: str


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


def is_public(address: IPAddress) -> bool:
    """Whether an address is on the public internet (not the server's own networks)."""
    embedded = _embedded_ipv4(address)
    if embedded is not None and not is_public(embedded):
        return False
    return not (address.is_loopback or address.is_private or address.is_link_local or address.is_multicast
                or address.is_reserved or address.is_unspecified
                or (address.version == 6 and address.is_site_local)) and address.is_global


def _embedded_ipv4(address: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one carries (::ffff:a.b.c.d, 6to4, Teredo, NAT64)."""
    if address.version != 6:
        return None
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]
    if address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def resolve(url: str, policy: Policy | None = None) -> Target:
    """Resolve the URL's host once and check scheme, port and every address; Refused if any fails."""
    policy = policy or Policy()
    try:
        parts = urllib.parse.urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise Refused(f"invalid URL: {exc}") from None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.hostname:
        raise Refused(f"scheme {scheme!r} or missing host")
    host = _idna(parts.hostname.rstrip("."))
    port = port or (443 if scheme == "https" else 80)
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise Refused(f"cannot resolve {host}: {exc}") from None
    addresses = list(dict.fromkeys(ipaddress.ip_address(info[4][0].split("%")[0]) for info in infos))
    if not addresses:
        raise Refused(f"{host} has no address")
    if not policy.allows_host(host):
        for address in addresses:
            if not is_public(address) and not policy.allows_address(address):
                raise Refused(f"{host} resolves to non-public {address}")
        if port not in PUBLIC_PORTS and not all(policy.allows_address(a) for a in addresses):
            raise Refused(f"port {port} not allowed for public hosts")
    return Target(scheme, host, port, str(addresses[0]), _ascii_path(parts))


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


def pinned_connection(target: Target, timeout: float) -> http.client.HTTPConnection:
    """An HTTP(S) connection to the address that was checked (`resolve`), not to whatever the
    name resolves to a moment later: no second lookup, so no DNS rebinding. The host name stays
    for the Host header and SNI. Webhook deliveries use it too."""
    if target.scheme == "https":
        conn: http.client.HTTPConnection = http.client.HTTPSConnection(
            target.host, target.port, timeout=timeout, context=ssl.create_default_context())
    else:
        conn = http.client.HTTPConnection(target.host, target.port, timeout=timeout)

    def dial(address: tuple[str, int], timeout: float | None = None, source: object = None) -> socket.socket:
        sock = socket.socket(socket.AF_INET6 if ":" in target.address else socket.AF_INET, socket.SOCK_STREAM)
        try:
            sock.settimeout(timeout)
            sock.connect((target.address, target.port))
        except BaseException:
            sock.close()
            raise
        return sock

    conn._create_connection = dial  # type: ignore[attr-defined]
    return conn


def _request(target: Target, method: str, timeout: float) -> tuple[int, str | None]:
    """(status, Location header) of one request to the checked address; nothing is followed."""
    conn = pinned_connection(target, timeout)
    try:
        conn.request(method, target.path, headers={"User-Agent": USER_AGENT, "Accept": "*/*"})
        response = conn.getresponse()
        return response.status, response.getheader("Location")
    finally:
        conn.close()


def _idna(host: str) -> str:
    """中文 domains in IDNA (left as is when they cannot be encoded: resolving then fails)."""
    try:
        return host.encode("idna").decode("ascii")
    except UnicodeError:
        return host


def _ascii_path(parts: urllib.parse.SplitResult) -> str:
    """Path and query as HTTP can carry them: 中文 percent-encoded; the fragment is never sent."""
    safe = "/%:@!$&'()*+,;=-._~"
    path = urllib.parse.quote(parts.path or "/", safe=safe)
    return f"{path}?{urllib.parse.quote(parts.query, safe=safe + '?')}" if parts.query else path


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
