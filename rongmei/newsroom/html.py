"""Rich text in, clean HTML out: what a story body may contain, whatever was pasted."""

from __future__ import annotations

import html as htmllib
import re
from html.parser import HTMLParser

import nh3

from rongmei.core.validators import is_safe_url

ALLOWED_TAGS = {
    "p", "br", "h2", "h3", "strong", "em", "u", "s", "sub", "sup", "ul", "ol", "li",
    "blockquote", "a", "img", "figure", "figcaption", "table", "thead", "tbody", "tr", "th", "td",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height", "data-asset"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan"},
}

# Word and WPS paste: presentational tags become their meaning, office markup disappears.
_RENAMES = [
    (re.compile(r"<(/?)b(\s[^>]*)?>", re.I), r"<\1strong>"),
    (re.compile(r"<(/?)i(\s[^>]*)?>", re.I), r"<\1em>"),
    (re.compile(r"<(/?)h[1](\s[^>]*)?>", re.I), r"<\1h2>"),
    (re.compile(r"<(/?)h[4-6](\s[^>]*)?>", re.I), r"<\1h3>"),
]
_OFFICE_BLOCKS = re.compile(r"<(xml|style|script|o:p|w:[a-z]+|m:[a-z]+)[^>]*>.*?</\1>", re.I | re.S)
_CONDITIONAL = re.compile(r"<!--\[if.*?<!\[endif\]-->", re.I | re.S)
_EMPTY_PARAGRAPH = re.compile(r"<p>(?:\s|&nbsp;|\u3000|<br>)*</p>")


BLOCKS = {"p", "h2", "h3", "ul", "ol", "blockquote", "figure", "table"}
VOID = {"br", "img"}


class _Paragraphs(HTMLParser):
    """Re-emits clean HTML, wrapping text and inline tags that stand at the top level
    (typed into an empty editor, or sent as plain text) in paragraphs."""

    def __init__(self):
        super().__init__(convert_charrefs=False)
        self.out: list[str] = []
        self.run: list[str] = []
        self.depth = 0

    def _emit(self, text: str) -> None:
        (self.out if self.depth else self.run).append(text)

    def flush(self) -> None:
        inline = "".join(self.run)
        if re.sub(r"<br>|\s|&nbsp;", "", inline):
            self.out.append(f"<p>{inline.strip()}</p>")
        self.run = []

    def handle_starttag(self, tag, attrs):
        if self.depth == 0 and tag in BLOCKS:
            self.flush()
        self.depth += bool(self.depth or tag in BLOCKS) and tag not in VOID
        self._emit(self.get_starttag_text())

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        self._emit(f"</{tag}>")
        if self.depth:
            self.depth -= 1

    def handle_data(self, data):
        self._emit(htmllib.escape(data, quote=False))

    def handle_entityref(self, name):
        self._emit(f"&{name};")

    def handle_charref(self, name):
        self._emit(f"&#{name};")


def _paragraphs(html: str) -> str:
    parser = _Paragraphs()
    parser.feed(html)
    parser.close()
    parser.flush()
    return "".join(parser.out)


def _safe_address(tag: str, attribute: str, value: str) -> str | None:
    """Issue 11: links keep http/https/mailto/tel or a path on this site; images only
    http(s) or a path. nh3 has already refused other schemes; this also drops
    protocol-relative //host, backslash tricks and mailto:/tel: as an image source."""
    if (tag, attribute) == ("a", "href"):
        if value.startswith(("mailto:", "tel:")) and is_safe_url("http://x/" + value.split(":", 1)[1]):
            return value
        return value if is_safe_url(value, allow_relative=True) else None
    if (tag, attribute) == ("img", "src"):
        return value if is_safe_url(value, allow_relative=True) else None
    return value


def clean_body(html: str) -> str:
    """Sanitize a story body. Safe to run twice (the result is a fixed point)."""
    if not html or not html.strip():
        return ""
    if "<" not in html:
        # Plain text (an API client, a pasted note): one paragraph per line.
        html = "".join(f"<p>{htmllib.escape(line.strip())}</p>" for line in html.splitlines() if line.strip())
    html = _CONDITIONAL.sub("", html)
    html = _OFFICE_BLOCKS.sub("", html)
    for pattern, replacement in _RENAMES:
        html = pattern.sub(replacement, html)
    html = html.replace("\u00a0", " ")
    cleaned = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto", "tel"},
        attribute_filter=_safe_address,
        link_rel="noopener noreferrer",
        strip_comments=True,
    )
    cleaned = cleaned.replace("&nbsp;", " ")
    cleaned = _paragraphs(cleaned)
    cleaned = _EMPTY_PARAGRAPH.sub("", cleaned)
    return cleaned.strip()


_TAG = re.compile(r"<[^>]+>")
_BLOCK_END = re.compile(r"</(p|h2|h3|li|blockquote|figcaption|tr)>|<br\s*/?>", re.I)


def plain_text(html: str) -> str:
    """Readable text of a body: one line per block, entities decoded."""
    import html as htmllib

    text = _BLOCK_END.sub("\n", html or "")
    text = _TAG.sub("", text)
    lines = [htmllib.unescape(line).strip() for line in text.splitlines()]
    return "\n".join(line for line in lines if line)
