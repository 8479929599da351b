"""Step 1 of the pipeline: one form for every item, whatever the source sent.

- `clean_text`: HTML remnants and entities gone, zero-width characters gone, full-width and
  no-break spaces made plain, whitespace unified (one space inside a line, one newline between
  paragraphs, no space between two Chinese characters), full-width letters and digits made
  ASCII; Chinese punctuation is kept as it is (NFKC would turn "，" into ",", so it is applied
  only to full-width letters, digits and compatibility ideographs).
- `clean_title`: `clean_text` on one line, without the site's suffix ("_新浪新闻", " - 人民网").
- `to_shanghai`: naive times are Asia/Shanghai, aware ones are converted, None (or something
  unreadable) is the default, a time ahead of now by more than `FUTURE_SKEW` becomes now.
- `canonical_url`: one spelling per page (see the function); `url_hash` ignores the scheme, so
  the http and the https copy of one page are one page.
- `content_hash`: sha1 of title and text without punctuation, symbols and whitespace, so two
  copies that differ only in spacing or punctuation are exact duplicates.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import html
import re
import unicodedata
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit, urlunsplit
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")
FUTURE_SKEW = dt.timedelta(minutes=10)

# --- Text -------------------------------------------------------------------------------------

_TAG = re.compile(r"<(?:/?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?/?|!--.*?--)>", re.DOTALL)
_BLOCK_TAG = re.compile(r"<\s*(?:br|/p|/div|/li|/h[1-6]|/tr|p|div|li|h[1-6]|tr)\b[^<>]*>", re.IGNORECASE)
_SCRIPT = re.compile(r"<(script|style)\b[^>]*>.*?</\1\s*>", re.IGNORECASE | re.DOTALL)
# Zero-width and invisible formatting characters (ZWSP, ZWNJ, ZWJ, LRM/RLM, word joiner,
# BOM, soft hyphen, bidi embeddings) and C0/C1 controls other than tab and newline.
_INVISIBLE = re.compile("[\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_SPACES = re.compile("[ \t\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]+")
_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef"
_CJK_GAP = re.compile(f"(?<=[{_CJK}]) (?=[{_CJK}])")
# Full-width ASCII letters and digits (ＡＢＣ１２３) and CJK compatibility ideographs: NFKC
# is safe on these; not on full-width punctuation, which must stay Chinese.
_NFKC_SAFE = re.compile("[\uff10-\uff19\uff21-\uff3a\uff41-\uff5a\uf900-\ufaff]")
# Any character one of the three substitutions above would change (a plain space alone
# would not): most feeds send none, and one scan for them all is cheaper than three subs.
_DIRTY = re.compile("[" + _INVISIBLE.pattern[1:-1] + _NFKC_SAFE.pattern[1:-1] + _SPACES.pattern[1:-2].replace(" ", "")
                    + "]")


def clean_text(text: str | None) -> str:
    """Plain text with paragraphs kept (one newline between them)."""
    if not text:
        return ""
    value = str(text)
    if "<" in value:
        value = _SCRIPT.sub(" ", value)
        value = _BLOCK_TAG.sub("\n", value)
        value = _TAG.sub("", value)
    if "&" in value:
        value = html.unescape(value)
        if "<" in value:  # escaped markup (&lt;p&gt;) is markup too
            value = _BLOCK_TAG.sub("\n", value)
            value = _TAG.sub("", value)
    value = value.replace("\r\n", "\n").replace("\r", "\n").replace("\u2028", "\n").replace("\u2029", "\n")
    if _DIRTY.search(value):
        value = _INVISIBLE.sub("", value)
        value = _NFKC_SAFE.sub(lambda m: unicodedata.normalize("NFKC", m.group()), value)
        value = _SPACES.sub(" ", value)
    elif "  " in value:  # plain spaces only: runs of them made one
        value = _SPACES.sub(" ", value)
    lines = [line.strip() for line in value.split("\n")]
    # Only the lines that have a space can have one between two Chinese characters. The
    # empty lines dropped, the lines stripped: no blank line and no edge space is left.
    return "\n".join(_CJK_GAP.sub("", line) if " " in line else line for line in lines if line)


# Site suffixes: "标题_新浪新闻", "标题 - 人民网", "标题|澎湃新闻", "标题——央视网".
_SUFFIX = re.compile(r"\s*(?:_|\||｜|-|–|—|——|－)\s*([^_|｜\-–—－]{1,16})$")
_SITE_WORD = re.compile(
    r"(网|新闻|日报|晚报|早报|商报|时报|报社|在线|频道|客户端|头条|资讯|电视台|广播|融媒|门户|网站|"
    r"政府|发布|官网|号|App|APP|app|\.com|\.cn|\.net)"
)


def clean_title(title: str | None) -> str:
    """One line, cleaned, without up to two trailing site names ("_国内新闻_新浪网")."""
    value = clean_text(title).replace("\n", " ")
    for _ in range(2):
        match = _SUFFIX.search(value)
        if not match or not _SITE_WORD.search(match.group(1)):
            break
        shorter = value[:match.start()].rstrip()
        if len(shorter) < 4:
            break
        value = shorter
    return value


def truncate(text: str, limit: int) -> tuple[str, bool]:
    """At most `limit` characters, cut at a paragraph or sentence end where one is near."""
    if len(text) <= limit:
        return text, False
    cut = text[:limit]
    for mark in ("\n", "。", "！", "？", "；"):
        at = cut.rfind(mark)
        if at >= limit * 0.9:
            return cut[:at + 1].rstrip(), True
    return cut, True


_CONTENT = re.compile(r"[^\W_]+")  # runs of letters, digits, Chinese characters


def content_chars(text: str) -> str:
    """Letters, digits and Chinese characters only, lower case: what the hashes and the
    near-duplicate shingles are made of. (Joining the runs kept is a little cheaper than
    substituting the many short runs of punctuation, symbols, whitespace and controls.)"""
    return "".join(_CONTENT.findall(text.lower()))


def content_hash(title: str, text: str) -> str:
    """sha1 (hex) of the title and text with punctuation, symbols and whitespace removed."""
    return hashlib.sha1(content_chars(f"{title}{text}").encode("utf-8")).hexdigest()


# --- Time -------------------------------------------------------------------------------------


def to_shanghai(value, default: dt.datetime, *, now: dt.datetime | None = None) -> dt.datetime:
    """An aware datetime in Asia/Shanghai. Naive input is taken as Shanghai time; a date is its
    midnight; an ISO 8601 string is parsed; None or anything unreadable gives `default`
    (naive defaults are Shanghai time too). A time more than FUTURE_SKEW ahead of `now`
    (default: the current time) is clamped to `now`."""
    result = as_datetime(value)
    if result is None:
        result = as_datetime(default)
        if result is None:
            raise ValueError("to_shanghai: default must be a datetime")
    now_value = as_datetime(now) if now is not None else dt.datetime.now(SHANGHAI)
    if result > now_value + FUTURE_SKEW:
        result = now_value
    return result.astimezone(SHANGHAI)


def as_datetime(value) -> dt.datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value.strip())
        except ValueError:
            return None
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        value = dt.datetime(value.year, value.month, value.day)
    if not isinstance(value, dt.datetime):
        return None
    if value.tzinfo is None or value.tzinfo.utcoffset(value) is None:
        return value.replace(tzinfo=SHANGHAI)
    return value.astimezone(SHANGHAI)


# --- URLs -------------------------------------------------------------------------------------

# Query parameters that only say who shared a link, from where, or which campaign sent the
# reader: they never change the page. Compared in lower case; utm_* and sharer_* by prefix.
TRACKING_PARAMS = frozenset({
    "spm", "from", "share_token", "isappinstalled", "scene", "srcid", "wfr", "fbclid", "gclid", "yclid",
    "share_from", "share_source", "share_medium", "share_plat", "shareid", "share_id", "sharesource",
    "clicktime", "enterid", "chksm", "mpshare", "exportkey", "pass_ticket", "ascene", "devicetype",
    "nettype", "abtest_cookie", "wx_header", "subscene", "sessionid", "wxfrom", "tt_from", "utm", "_wv",
    "ref_src", "vd_source", "frommodule",
})
TRACKING_PREFIXES = ("utm_", "sharer_", "mpshare", "wx_", "_hsenc", "_hsmi")
DEFAULT_PORTS = {"http": 80, "https": 443}
_PATH_SAFE = "/:@!$&'()*+,;=-._~"


def canonical_url(url: str | None) -> str:
    """The one spelling of a page's address, or "" for anything that is not http(s).

    Scheme and host in lower case (IDN hosts as punycode), default port, user and password
    dropped; the fragment dropped (unless it is a "#!/" route); tracking parameters dropped
    and the others sorted; the path percent-encoded one way ("%E5%A5%89" whether the source
    sent Chinese or escapes) and without a trailing "/" (except the root "/"). The scheme is
    kept as given, so the link still opens; `url_hash` leaves it out."""
    if not url:
        return ""
    value = str(url).strip()
    if value.startswith("//"):
        value = "https:" + value
    try:
        parts = urlsplit(value)
        scheme = parts.scheme.lower()
        if scheme not in DEFAULT_PORTS or not parts.hostname:
            return ""
        host = parts.hostname.rstrip(".").lower()
        try:
            host = host.encode("idna").decode("ascii")
        except UnicodeError:
            return ""
        port = parts.port
    except ValueError:
        return ""
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    netloc = host if port in (None, DEFAULT_PORTS[scheme]) else f"{host}:{port}"
    path = quote(unquote(parts.path), safe=_PATH_SAFE) or "/"
    while len(path) > 1 and path.endswith("/"):
        path = path[:-1]
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _tracking(k)]
    query.sort()
    fragment = parts.fragment if parts.fragment.startswith(("!", "/")) else ""
    return urlunsplit((scheme, netloc, path, urlencode(query, quote_via=quote, safe=_PATH_SAFE), fragment))


def _tracking(key: str) -> bool:
    lowered = key.lower()
    return lowered in TRACKING_PARAMS or lowered.startswith(TRACKING_PREFIXES)


def url_hash(canonical: str) -> str:
    """sha1 (hex) of a canonical URL without its scheme; "" for no URL."""
    if not canonical:
        return ""
    return hashlib.sha1(canonical.split(":", 1)[1].encode("utf-8")).hexdigest()
