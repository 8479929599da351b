"""HTML to plain text for what sources hand the pipeline (feed summaries, API fields)."""

from __future__ import annotations

import html
import re

import lxml.html
from lxml import etree

_SPACES = re.compile(r"[ \t\r\f\v\u3000]+")
_LINES = re.compile(r"\n\s*\n+")


def html_to_text(value: str) -> str:
    """Tags dropped (script/style with their content), entities decoded, blank runs folded."""
    value = (value or "").strip()
    if not value:
        return ""
    if "<" not in value:
        text = html.unescape(value)
    else:
        try:
            root = lxml.html.fragment_fromstring(value, create_parent="div")
            etree.strip_elements(root, "script", "style", with_tail=False)
            for br in root.iter("br", "p", "div", "li"):
                br.tail = "\n" + (br.tail or "")
            text = root.text_content()
        except (etree.ParserError, ValueError):
            text = re.sub(r"<[^>]*>", " ", value)
            text = html.unescape(text)
    text = _SPACES.sub(" ", text)
    return _LINES.sub("\n", "\n".join(line.strip() for line in text.split("\n"))).strip()
