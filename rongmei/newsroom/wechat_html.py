"""The WeChat article as an editor sees it, and as WeChat receives it (issue 13).

WeChat keeps only inline `style=` attributes, so the stored WeChat version is HTML full of
styles (generators/wechat.py writes them). Nobody should type those: the visual editor (Trix,
vendored under static/vendor/) shows the plain article — headings, paragraphs, quotes, lists,
pictures with captions and a small-print line for 来源/署名 — and on save the system writes
the styles again. `to_editor` and `from_editor` are each other's inverse on what the
generator makes, so opening and saving without a change leaves the article as it was.

The editor's own markup (Trix's): <h1> a heading, <h6> small print (来源、署名), <blockquote>
a quote, <ul>/<ol> lists, <figure data-trix-attachment=…> a picture with its caption in
data-trix-attributes. Whatever arrives is sanitized first (nh3), like every rich text."""

from __future__ import annotations

import json
import re
from html import escape

import nh3
from lxml import html as lhtml

from rongmei.core.validators import is_safe_url
from rongmei.newsroom.generators.wechat import STYLE, clean_wechat_html, safe_style

_ORDERED = re.compile(r"^(\d{1,3})\.\s")
_BULLET = "· "  # the generator's marker for an unordered list item (generators/text.py list_marker)
_CREDIT_SEPARATOR = "\u3000"  # the generator joins a caption and its credit with an ideographic space

_EDITOR_TAGS = {
    "p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "ul", "ol", "li", "pre",
    "strong", "b", "em", "i", "u", "s", "del", "span", "a", "br", "figure", "figcaption", "img",
}
_HEADINGS = {"h1", "h2", "h3", "h4", "h5"}
_BLOCKS = _HEADINGS | {"p", "div", "h6", "blockquote", "ul", "ol", "pre", "figure", "img"}


def style_key(style: str) -> str:
    """A style as the sanitizer writes it (declarations in order, no spaces), for comparing."""
    return re.sub(r"\s*([:;])\s*", r"\1", safe_style(style or "")).strip()


def _decls(style: str | None) -> dict[str, str]:
    pairs = (d.split(":", 1) for d in style_key(style or "").split(";") if ":" in d)
    return {name: value for name, value in pairs}


def _is(element, name: str) -> bool:
    return _decls(element.get("style")) == _decls(STYLE[name])


# --- WeChat HTML -> the editor's article -----------------------------------------------------

def to_editor(styled: str) -> str:
    """The stored WeChat HTML as the plain article the visual editor shows."""
    if not styled or not styled.strip():
        return ""
    blocks: list[str] = []
    for element in _top_blocks(styled):
        if isinstance(element, str):
            if element.strip():
                blocks.append(f"<p>{escape(element.strip(), quote=False)}</p>")
        elif element.tag == "section" and not _is_quote(element):
            blocks.extend(_editor_block(child) for child in element)
        else:
            blocks.append(_editor_block(element))
    return _group_lists([b for b in blocks if b])


def _top_blocks(styled: str) -> list:
    items = lhtml.fragments_fromstring(styled)
    elements = [i for i in items if not isinstance(i, str) or i.strip()]
    # The article wrapper: one section that is not a quote.
    if len(elements) == 1 and not isinstance(elements[0], str) and elements[0].tag == "section" \
            and not _is_quote(elements[0]):
        wrapper = elements[0]
        return ([wrapper.text] if wrapper.text else []) + [x for child in wrapper for x in (child, child.tail) if x is not None]
    return [x for i in items for x in ([i] if isinstance(i, str) else [i, i.tail]) if x is not None]


def _is_quote(element) -> bool:
    return _is(element, "quote") or "border-left" in _decls(element.get("style"))


def _editor_block(element) -> str:
    tag = element.tag
    if tag == "figure" or tag == "img":
        return _editor_figure(element)
    if tag == "section":
        if _is_quote(element):
            return f"<blockquote>{_editor_lines(element)}</blockquote>"
        return "".join(_editor_block(child) for child in element) or f"<p>{_editor_inline(element)}</p>"
    if tag in _HEADINGS or (tag == "p" and (_is(element, "heading") or _decls(element.get("style")).get("font-weight") == "bold")):
        return f"<h1>{_editor_inline(_sole_strong(element))}</h1>"
    if tag == "h6" or (tag == "p" and _is(element, "meta")):
        return f"<h6>{_editor_inline(element)}</h6>"
    if tag == "blockquote":
        return f"<blockquote>{_editor_lines(element)}</blockquote>"
    if tag in ("ul", "ol"):
        items = "".join(f"<li>{_editor_inline(li)}</li>" for li in element.iter("li"))
        return f"<{tag}>{items}</{tag}>"
    return f"<p>{_editor_inline(element)}</p>"


def _editor_lines(element) -> str:
    """A quote's paragraphs as lines of one quote block."""
    paragraphs = [child for child in element if child.tag == "p"]
    if not paragraphs:
        return _editor_inline(element)
    return "<br>".join(_editor_inline(p) for p in paragraphs)


def _sole_strong(element):
    """A heading is written as <p><strong>…</strong></p>: the strong is the heading itself."""
    children = list(element)
    if len(children) == 1 and children[0].tag in ("strong", "b") and not (element.text or "").strip() \
            and not (children[0].tail or "").strip():
        return children[0]
    return element


def _editor_inline(element) -> str:
    parts = [escape(element.text or "", quote=False)]
    for child in element:
        inner = _editor_inline(child)
        if child.tag in ("strong", "b"):
            parts.append(f"<strong>{inner}</strong>")
        elif child.tag in ("em", "i"):
            parts.append(f"<em>{inner}</em>")
        elif child.tag == "br":
            parts.append("<br>")
        elif child.tag not in ("img", "figure"):
            parts.append(inner)
        parts.append(escape(child.tail or "", quote=False))
    return "".join(parts)


def _editor_figure(element) -> str:
    image = element if element.tag == "img" else next(element.iter("img"), None)
    if image is None or not is_safe_url(image.get("src", ""), allow_relative=True):
        return ""
    caption_element = next((c for c in element.iter("p", "figcaption")), None) if element.tag == "figure" else None
    caption = caption_element.text_content().strip() if caption_element is not None else ""
    attachment = {"contentType": "image", "url": image.get("src")}
    return (f'<figure data-trix-attachment="{escape(json.dumps(attachment, ensure_ascii=False))}"'
            f' data-trix-attributes="{escape(json.dumps({"caption": caption}, ensure_ascii=False))}">'
            f'<img src="{escape(image.get("src"))}"><figcaption>{escape(caption, quote=False)}</figcaption></figure>')


def _group_lists(blocks: list[str]) -> str:
    """Paragraphs the generator wrote as list items ("· 甲", "1. 乙") become lists again."""
    out: list[str] = []
    current: tuple[str, list[str]] | None = None
    for block in blocks:
        kind, item = None, None
        if block.startswith("<p>"):
            inner = block[3:-4]
            if inner.startswith(_BULLET):
                kind, item = "ul", inner[len(_BULLET):]
            elif _ORDERED.match(inner):
                kind, item = "ol", _ORDERED.sub("", inner, count=1)
        if current and current[0] != kind:
            out.append(f"<{current[0]}>{''.join(f'<li>{i}</li>' for i in current[1])}</{current[0]}>")
            current = None
        if kind:
            current = current or (kind, [])
            current[1].append(item)
        else:
            out.append(block)
    if current:
        out.append(f"<{current[0]}>{''.join(f'<li>{i}</li>' for i in current[1])}</{current[0]}>")
    return "".join(out)


# --- The editor's article -> WeChat HTML -----------------------------------------------------

def _safe_src(tag: str, attribute: str, value: str) -> str | None:
    if attribute == "src":
        return value if is_safe_url(value, allow_relative=True) else None
    return value


def from_editor(article: str) -> str:
    """What the visual editor sent, with the inline styles WeChat needs written by the
    system (STYLE of generators/wechat.py) and nothing else kept: no classes, no scripts, no
    links (they cannot be clicked in WeChat; 原文链接 is its own field)."""
    if not article or not article.strip():
        return ""
    cleaned = nh3.clean(article, tags=_EDITOR_TAGS, attributes={"img": {"src"}}, url_schemes={"http", "https"},
                        attribute_filter=_safe_src, link_rel=None, strip_comments=True)
    out: list[str] = []
    run: list[str] = []

    def flush() -> None:
        text = "".join(run).strip()
        if re.sub(r"<br>|\s", "", text):
            out.append(f'<p style="{STYLE["p"]}">{_trim_breaks(text)}</p>')
        run.clear()

    for item in lhtml.fragments_fromstring(cleaned):
        if isinstance(item, str):
            run.append(escape(item, quote=False))
            continue
        if item.tag in _BLOCKS or item.tag == "li":
            flush()
            out.extend(_wechat_block(item))
        else:
            run.append(_wechat_inline_of(item))
        run.append(escape(item.tail or "", quote=False))
    flush()
    if not out:
        return ""
    return clean_wechat_html(f'<section style="{STYLE["article"]}">{"".join(out)}</section>')


def _trim_breaks(html: str) -> str:
    return re.sub(r"^(?:<br>\s*)+|(?:\s*<br>)+$", "", html)


def _paragraph(style: str, inner: str) -> str:
    inner = _trim_breaks(inner.strip())
    return f'<p style="{style}">{inner}</p>' if re.sub(r"<br>|\s", "", inner) else ""


def _wechat_block(element) -> list[str]:
    tag = element.tag
    if tag in _HEADINGS:
        inner = _trim_breaks(_wechat_inline(element).strip())
        return [f'<p style="{STYLE["heading"]}"><strong>{inner}</strong></p>'] if inner else []
    if tag == "h6":
        return [_paragraph(STYLE["meta"], _wechat_inline(element))]
    if tag == "blockquote":
        paragraphs = [c for c in element if c.tag in ("p", "div")]
        inner = "<br>".join(_wechat_inline(p) for p in paragraphs) if paragraphs else _wechat_inline(element)
        inner = _trim_breaks(inner.strip())
        return [f'<section style="{STYLE["quote"]}"><p style="margin:0;">{inner}</p></section>'] if inner else []
    if tag in ("ul", "ol"):
        blocks = []
        for number, item in enumerate((li for li in element if li.tag == "li"), start=1):
            marker = f"{number}. " if tag == "ol" else _BULLET
            blocks.append(_paragraph(STYLE["p"], escape(marker, quote=False) + _wechat_inline(item)))
            for nested in (c for c in item if c.tag in ("ul", "ol")):
                blocks.extend(_wechat_block(nested))
        return blocks
    if tag in ("figure", "img"):
        return [_wechat_figure(element)]
    if tag == "li":
        return [_paragraph(STYLE["p"], _BULLET + _wechat_inline(element))]
    # p, div, pre: a paragraph, with any picture inside it (Trix puts them there) on its own.
    blocks, run = [], [escape(element.text or "", quote=False)]
    for child in element:
        if child.tag in ("figure", "img") or child.tag in _BLOCKS:
            blocks.append(_paragraph(STYLE["p"], "".join(run)))
            blocks.extend(_wechat_block(child))
            run = []
        else:
            run.append(_wechat_inline_of(child))
        run.append(escape(child.tail or "", quote=False))
    blocks.append(_paragraph(STYLE["p"], "".join(run)))
    return [b for b in blocks if b]


def _wechat_figure(element) -> str:
    image = element if element.tag == "img" else next(element.iter("img"), None)
    if image is None or not image.get("src"):
        return ""
    caption_element = next(element.iter("figcaption"), None) if element.tag == "figure" else None
    caption = caption_element.text_content().strip() if caption_element is not None else ""
    alt = caption.split(_CREDIT_SEPARATOR)[0]
    caption_html = f'<p style="{STYLE["caption"]}">{escape(caption, quote=False)}</p>' if caption else ""
    return (f'<figure style="{STYLE["figure"]}"><img src="{escape(image.get("src"))}" alt="{escape(alt)}"'
            f' style="{STYLE["img"]}">{caption_html}</figure>')


def _wechat_inline(element) -> str:
    parts = [escape(element.text or "", quote=False)]
    for child in element:
        if child.tag in ("ul", "ol", "figure", "img"):
            pass  # handled by the caller as blocks of their own
        else:
            parts.append(_wechat_inline_of(child))
        parts.append(escape(child.tail or "", quote=False))
    return "".join(parts)


def _wechat_inline_of(child) -> str:
    if child.tag == "br":
        return "<br>"
    inner = _wechat_inline(child)
    if child.tag in ("strong", "b"):
        return f"<strong>{inner}</strong>" if inner.strip() else inner
    if child.tag in ("em", "i"):
        return f"<em>{inner}</em>" if inner.strip() else inner
    return inner
