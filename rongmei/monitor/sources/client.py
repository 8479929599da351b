"""The polite, robust HTTP client of 舆情监测 (fetching.py and the web reader use it).

What it promises, for every address an analyst configures:

* SSRF-safe: each URL (and each redirect hop) is resolved once and checked by the link
  check's rule (`rongmei.core.netguard.resolve`: no loopback, private, link-local …
  address unless RONGMEI_LINKCHECK_ALLOW names it); the connection goes to that checked
  address (`pinned_connection`), environment proxies are never used.
* robots.txt respected: read once per host (kept in the cache for ROBOTS_TTL), matched with
  `urllib.robotparser` for our user agent; a 4xx robots.txt allows everything, a 5xx one
  forbids everything for a while (RFC 9309).
* per-host delay: at least RONGMEI_MONITOR_HOST_DELAY seconds (default 2) between two
  requests to one host, reserved through the cache (one "next allowed at" per host), so the
  worker threads of one consumer — and, with Redis, every consumer — take turns.
* timeouts: RONGMEI_MONITOR_TIMEOUT seconds (default 10) to connect and between two reads,
  and a wall-clock cap per request (RONGMEI_MONITOR_REQUEST_CAP, default 3 × the timeout):
  a server that drips a byte every few seconds is cut off too.
* redirects followed by hand, at most MAX_REDIRECTS, a loop stops at once.
* the body read in chunks and capped (RONGMEI_MONITOR_MAX_BYTES, default 5 MB, after gzip
  decompression too): a huge body is an error, never loaded whole.
* conditional GET: If-None-Match / If-Modified-Since sent when given; 304 is an answer.

Errors are `SourceError`s with a Chinese message the sources screen shows.
"""

from __future__ import annotations

import codecs
import http.client
import re
import time
import urllib.parse
import urllib.robotparser
import zlib
from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import cache

from rongmei.monitor.sources import SourceError
from rongmei.core.netguard import Policy, Refused, pinned_connection, resolve

MAX_REDIRECTS = 5
ROBOTS_TTL = 6 * 3600  # seconds a robots.txt is kept
ROBOTS_ERROR_TTL = 30 * 60  # a robots.txt answering 5xx: everything forbidden for this long
ROBOTS_MAX_BYTES = 512 * 1024
CHUNK = 64 * 1024
REDIRECT_CODES = frozenset({301, 302, 303, 307, 308})
ROBOTS_TOKEN = "RongmeiMonitor"


def timeout() -> float:
    return float(getattr(settings, "RONGMEI_MONITOR_TIMEOUT", 10))


def request_cap() -> float:
    return float(getattr(settings, "RONGMEI_MONITOR_REQUEST_CAP", 0) or 3 * timeout())


def max_bytes() -> int:
    return int(getattr(settings, "RONGMEI_MONITOR_MAX_BYTES", 5 * 1024 * 1024))


def host_delay() -> float:
    return float(getattr(settings, "RONGMEI_MONITOR_HOST_DELAY", 2.0))


def user_agent() -> str:
    site = getattr(settings, "RONGMEI_BASE_URL", "") or "county media center"
    return f"{ROBOTS_TOKEN}/1.0 (+{site})"


def policy() -> Policy:
    """Public addresses only, plus the intranet sites of RONGMEI_LINKCHECK_ALLOW."""
    return Policy.parse(getattr(settings, "RONGMEI_LINKCHECK_ALLOW", []) or [])


def _origin(url: str) -> tuple[str, str, int | None]:
    try:
        parts = urllib.parse.urlsplit(url)
        return parts.scheme.lower(), (parts.hostname or "").lower(), parts.port
    except ValueError:
        return "", "", None


def sandbox_policy(url: str, base: Policy) -> Policy:
    """With RONGMEI_SANDBOX on, the demo's own sandbox news site (RONGMEI_SANDBOX_NEWS_URL, on
    this machine) may be fetched: exactly that scheme, host and port, nothing else local."""
    sandbox = getattr(settings, "RONGMEI_SANDBOX_NEWS_URL", "") if getattr(settings, "RONGMEI_SANDBOX", False) else ""
    if not sandbox or _origin(url) != _origin(sandbox):
        return base
    return Policy(base.hosts | {_origin(sandbox)[1]}, base.networks)


def _mb(n: int) -> str:
    return f"{n / 1024 / 1024:g} MB" if n >= 1024 * 1024 else f"{n // 1024} KB"


class Disallowed(SourceError):
    """robots.txt of the site does not let us fetch this address."""


class TooLarge(SourceError):
    """The body is over the size cap."""


@dataclass
class Response:
    url: str  # the final address, after redirects
    status: int
    headers: dict = field(default_factory=dict)  # lower-case names
    body: bytes = b""
    redirects: int = 0

    @property
    def not_modified(self) -> bool:
        return self.status == 304

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "")

    def text(self, kind: str = "html") -> str:
        return decode(self.body, self.content_type, kind)


# --- Charsets ----------------------------------------------------------------------------------

_CHINESE = {"gb2312", "gbk", "x-gbk", "gb_2312-80", "gb_2312", "cp936", "ms936", "euc-cn", "csgb2312", "windows-936",
            "hz-gb-2312", "gb18030"}
_META = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([a-zA-Z0-9_\-]+)""", re.IGNORECASE)
_XML_DECL = re.compile(rb"""^\s*<\?xml[^>]*encoding\s*=\s*["']([a-zA-Z0-9_\-]+)["']""", re.IGNORECASE)
_HEADER_CHARSET = re.compile(r"charset\s*=\s*[\"']?([a-zA-Z0-9_\-]+)", re.IGNORECASE)


def _codec(name: str) -> str | None:
    """A Python codec for a declared charset; every GB name is read as GB18030 (a superset:
    pages that say gb2312 often hold GBK characters)."""
    name = (name or "").strip().lower()
    if not name:
        return None
    if name in _CHINESE:
        return "gb18030"
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def declared_charsets(body: bytes, content_type: str = "", kind: str = "html") -> list[str]:
    """Candidates in order: BOM, HTTP header, the document's own declaration (meta for HTML,
    the XML declaration for feeds)."""
    found: list[str | None] = []
    if body.startswith(codecs.BOM_UTF8):
        found.append("utf-8-sig")
    elif body.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        found.append("utf-16")
    match = _HEADER_CHARSET.search(content_type or "")
    if match:
        found.append(_codec(match.group(1)))
    head = body[:4096]
    match = _XML_DECL.search(head)
    if match:
        found.append(_codec(match.group(1).decode("ascii")))
    if kind == "html":
        match = _META.search(head)
        if match:
            found.append(_codec(match.group(1).decode("ascii")))
    return [c for c in dict.fromkeys(found) if c]


def decode(body: bytes, content_type: str = "", kind: str = "html") -> str:
    """Text of a fetched body: the declared charset if it decodes cleanly, else UTF-8, else
    GB18030 (GB2312/GBK pages are common and often undeclared), never an exception."""
    for codec in [*declared_charsets(body, content_type, kind), "utf-8", "gb18030"]:
        try:
            return body.decode(codec)
        except (UnicodeDecodeError, LookupError):
            continue
    return body.decode("gb18030", errors="replace")


# --- Per-host delay ------------------------------------------------------------------------------

def reserve_slot(host: str, delay: float) -> float:
    """Seconds to wait before asking `host`: its "next allowed at" is moved on by `delay`
    under a short lock in the cache, so concurrent fetchers queue up instead of colliding."""
    if delay <= 0:
        return 0.0
    key = f"monitor:host-next:{host}"
    lock = key + ":lock"
    give_up = time.monotonic() + 5
    locked = False
    while not (locked := cache.add(lock, 1, timeout=5)) and time.monotonic() < give_up:
        time.sleep(0.005)
    try:
        now = time.time()
        slot = max(now, float(cache.get(key) or 0.0))
        cache.set(key, slot + delay, timeout=int(slot - now + delay) + 60)
        return slot - now
    finally:
        if locked:
            cache.delete(lock)


# --- The client -------------------------------------------------------------------------------------

class Client:
    """One fetcher's settings; `get` does one polite request (with its redirects)."""

    def __init__(self, *, timeout_s: float | None = None, cap_s: float | None = None, limit: int | None = None,
                 delay_s: float | None = None, ssrf_policy: Policy | None = None):
        self.timeout = timeout() if timeout_s is None else timeout_s
        self.cap = (request_cap() if timeout_s is None else 3 * self.timeout) if cap_s is None else cap_s
        self.limit = max_bytes() if limit is None else limit
        self.delay = host_delay() if delay_s is None else delay_s
        self.policy = policy() if ssrf_policy is None else ssrf_policy
        self.agent = user_agent()

    # robots.txt ------------------------------------------------------------------------------------
    def robots_allows(self, url: str) -> bool:
        parts = urllib.parse.urlsplit(url)
        origin = f"{parts.scheme.lower()}://{(parts.netloc or '').lower()}"
        key = f"monitor:robots:{origin}"
        text = cache.get(key)
        if text is None:
            text, ttl = self._read_robots(origin + "/robots.txt")
            cache.set(key, text, ttl)
        if text == "":
            return True
        parser = urllib.robotparser.RobotFileParser()
        parser.parse(text.splitlines())
        return parser.can_fetch(self.agent, url)

    def _read_robots(self, url: str) -> tuple[str, int]:
        """(robots.txt text, seconds to keep it); a 5xx answer forbids everything."""
        try:
            response = self.get(url, robots=False, limit=ROBOTS_MAX_BYTES, allow_errors=True)
        except TooLarge:  # an oversized robots.txt: read as none (RFC 9309 lets a crawler cap it)
            return "", ROBOTS_TTL
        if response.status >= 500:
            return "User-agent: *\nDisallow: /\n", ROBOTS_ERROR_TTL
        if response.status >= 400:
            return "", ROBOTS_TTL
        return decode(response.body, response.content_type, "text"), ROBOTS_TTL

    # requests ----------------------------------------------------------------------------------------
    def get(self, url: str, *, etag: str = "", last_modified: str = "", robots: bool = True, limit: int | None = None,
            accept: str = "*/*", allow_errors: bool = False) -> Response:
        """GET `url` politely. 304 comes back as a Response (`not_modified`); other 4xx/5xx
        raise SourceError unless `allow_errors`."""
        headers = {"User-Agent": self.agent, "Accept": accept, "Accept-Encoding": "gzip", "Connection": "close"}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        seen: list[str] = []
        for hop in range(MAX_REDIRECTS + 1):
            if robots and not self.robots_allows(url):
                raise Disallowed(f"网站的 robots.txt 不允许抓取 {_short(url)}，已跳过。")
            try:
                target = resolve(url, sandbox_policy(url, self.policy))
            except Refused as exc:
                if str(exc).startswith("cannot resolve"):
                    raise SourceError(f"无法解析域名 {urllib.parse.urlsplit(url).hostname}。") from None
                raise SourceError("地址不允许访问：只能抓取公网地址（内网地址需由系统管理员加入 RONGMEI_LINKCHECK_ALLOW），"
                                  "端口限 80、443、8080、8443。") from None
            wait = reserve_slot(f"{target.host}:{target.port}", self.delay)
            if wait > 0:
                time.sleep(wait)
            status, answer, body = self._once(target, headers, self.limit if limit is None else limit)
            if status in REDIRECT_CODES and answer.get("location"):
                following = urllib.parse.urljoin(url, answer["location"].strip())
                if urllib.parse.urlsplit(following).scheme.lower() not in ("http", "https"):
                    raise SourceError("跳转到了非 http/https 地址，已停止。")
                seen.append(url)
                if following in seen:
                    raise SourceError(f"跳转形成循环（{_short(following)}），已停止。", http_status=status)
                url = following
                continue
            if status >= 400 and not allow_errors:
                raise SourceError(f"服务器返回错误（HTTP {status}）。", http_status=status)
            return Response(url=url, status=status, headers=answer, body=body, redirects=hop)
        raise SourceError(f"跳转超过 {MAX_REDIRECTS} 次，已停止。")

    def _once(self, target, headers: dict, limit: int) -> tuple[int, dict, bytes]:
        deadline = time.monotonic() + self.cap
        conn = pinned_connection(target, self.timeout)
        try:
            try:
                conn.request("GET", target.path, headers=headers)
                sock = conn.sock
                response = conn.getresponse()
                status = response.status
                answer = {k.lower(): v for k, v in response.getheaders()}
                if status == 304 or status in REDIRECT_CODES or status >= 400:
                    return status, answer, b""
                declared = answer.get("content-length", "")
                if declared.isdigit() and int(declared) > limit and "gzip" not in answer.get("content-encoding", ""):
                    raise TooLarge(f"内容超过 {_mb(limit)} 上限（声明 {_mb(int(declared))}），未读取。", http_status=status)
                body = self._read(response, sock, deadline, limit, gzip="gzip" in answer.get("content-encoding", "").lower())
                return status, answer, body
            except TimeoutError:
                if time.monotonic() >= deadline - 0.05:
                    raise SourceError(f"{self.cap:g} 秒内没有读完内容（服务器太慢），已停止。") from None
                raise SourceError(f"服务器 {self.timeout:g} 秒内没有应答（超时）。") from None
            except (http.client.HTTPException, OSError) as exc:
                raise SourceError(f"连接 {target.host} 失败（{type(exc).__name__}）。") from None
        finally:
            conn.close()

    def _read(self, response, sock, deadline: float, limit: int, *, gzip: bool) -> bytes:
        out = bytearray()
        inflate = zlib.decompressobj(16 + zlib.MAX_WBITS) if gzip else None
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise SourceError(f"{self.cap:g} 秒内没有读完内容（服务器太慢），已停止。")
            if sock is not None:
                try:
                    sock.settimeout(min(self.timeout, left))
                except OSError:
                    pass
            chunk = response.read1(CHUNK) if hasattr(response, "read1") else response.read(CHUNK)
            if not chunk:
                break
            if inflate is not None:
                try:
                    chunk = inflate.decompress(chunk, limit + 1 - len(out))
                except zlib.error:
                    raise SourceError("压缩内容已损坏，无法解压。") from None
            out += chunk
            if len(out) > limit:
                raise TooLarge(f"内容超过 {_mb(limit)} 上限，已停止读取。")
        return bytes(out)


def _short(url: str, n: int = 120) -> str:
    return url if len(url) <= n else url[: n - 1] + "…"
