"""Rich text in, clean HTML out: what a story body may contain, whatever was pasted."""

from __future__ import annotations

import re

import nh3

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


def clean_body(html: str) -> str:
    """Sanitize a story body. Safe to run twice (the result is a fixed point)."""
    if not html:
        return ""
    html = _CONDITIONAL.sub("", html)
    html = _OFFICE_BLOCKS.sub("", html)
    for pattern, replacement in _RENAMES:
        html = pattern.sub(replacement, html)
    html = html.replace("\u00a0", " ")
    cleaned = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
        strip_comments=True,
    )
    cleaned = cleaned.replace("&nbsp;", " ")
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
