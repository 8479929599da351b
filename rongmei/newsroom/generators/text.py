"""Plain-text handling for Chinese news copy: HTML to blocks, sentences, lengths, cutting.

Every channel starts from the same sanitized body HTML and ends in length-limited fields,
so reading, splitting, measuring and cutting live here once. Nothing here rewrites
punctuation: full-width marks (，。“”《》) pass through untouched, because an editor
signed them off and a half-width comma in Chinese copy is a proofreading error.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from html import escape
from html.parser import HTMLParser

from .segment import cut
from .types import ImageInput

Measure = Callable[[str], int]

# An http(s) link; it may not end on punctuation that usually belongs to the sentence.
URL_RE = re.compile(r"https?://[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]*[A-Za-z0-9\-_~/#=&%]")

# Weibo shortens every link to a t.cn address (about 20 half-width characters, i.e. 10
# Weibo characters) and has charged links between 10 and 20. We count a link as 20 Weibo
# characters, the upper end, so that a post we call short is never refused as too long.
WEIBO_URL_LENGTH = 20

# Chinese characters and punctuation. A line break next to one of them is an artefact of
# HTML source wrapping (Chinese needs no space there); a space the editor typed between
# words (记者 王磊) is kept.
_CJK = "\u2e80-\u2fff\u3001-\u303f\u3040-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff01-\uffef" \
    "\u2014\u2018\u2019\u201c\u201d\u2026\u00b7"
_WRAP_NEAR_CJK = re.compile(
    f"(?<=[{_CJK}])[^\\S\n]*\n\\s*|[^\\S\n]*\n\\s*(?=[{_CJK}])"
)

# "本报讯（记者 王磊）", "示例县融媒体中心讯": the print dateline, not part of the news.
_DATELINE = re.compile(
    r"^(?:本报|本台|本网|[^，。！？\s]{2,20}(?:中心|报|台|网|社))讯"
    r"(?:[ \u3000]*(?:（[^）]{0,40}）|\([^)]{0,40}\)))?[：:，\s\u3000]*"
)
# What follows a closing quote when the speaker is named after the quotation:
# “……。”沿街商户刘桂芳说。 is one sentence, not two.
_ATTRIBUTION = re.compile(
    r"^[^“”「」。！？]{1,24}?(?:说|表示|介绍|坦言|感慨|告诉记者|说道|笑着说|称|道)[。！？]?$"
)

SENTENCE_ENDS = "。！？；!?;…"
# Marks that close a sentence's quotation or bracket and belong to the sentence before.
CLOSERS = "”’」』）》】)\"'"
_QUOTE_PAIRS = {"“": "”", "「": "」", "『": "』", "《": "》"}
CLAUSE_ENDS = "，、：；,;:"
BLOCK_KINDS = ("paragraph", "heading", "image", "quote", "list_item")


@dataclass(frozen=True)
class Block:
    """One unit of a story body, in reading order.

    `text` is plain text (an image's caption for images); `html` keeps the inline emphasis
    and links of text blocks for the channels that can show them.
    """

    kind: str                     # one of BLOCK_KINDS
    text: str = ""
    html: str = ""
    level: int = 0                # heading: 2 or 3
    ordinal: int = 0              # list item: its number in an ordered list, 0 if unordered
    src: str = ""                 # image: where it is
    image: ImageInput | None = None  # image: the story's asset, when the newsroom knows it


def normalize_space(text: str) -> str:
    """Collapse whitespace to single spaces; drop line breaks next to Chinese characters.

    HTML source is wrapped at arbitrary points, and a newline between two Chinese
    characters would otherwise print as a stray space.
    """
    return re.sub(r"\s+", " ", _WRAP_NEAR_CJK.sub("", text)).strip()


def strip_dateline(text: str) -> str:
    """`text` without a leading "本报讯（记者 王磊）": listeners and digests don't need it."""
    return _DATELINE.sub("", text, count=1)


def html_to_blocks(html: str) -> list[Block]:
    """The body's paragraphs, headings, images, quotes and list items, in order."""
    parser = _BlockParser()
    parser.feed(html or "")
    parser.close()
    return parser.finish()


def blocks_to_text(blocks: list[Block]) -> str:
    """Plain text of the text blocks, one per line; images are left out."""
    return "\n".join(block_text(b) for b in blocks if b.kind != "image" and b.text)


def html_to_text(html: str) -> str:
    """Plain text of a body: one line per paragraph, heading, quote or list item."""
    return blocks_to_text(html_to_blocks(html))


def block_text(block: Block) -> str:
    """A block's text as plain copy shows it: list items get their number or a bullet."""
    return list_marker(block) + block.text


def list_marker(block: Block) -> str:
    """"1. " or "· " before a list item, so plain text keeps the list's shape; else ""."""
    if block.kind != "list_item":
        return ""
    return f"{block.ordinal}. " if block.ordinal else "· "


class _BlockParser(HTMLParser):
    """Reads sanitized body HTML into `Block`s; tolerant of editors' odd nesting."""

    _BLOCK_TAGS = frozenset(
        "p div section article header footer h1 h2 h3 h4 h5 h6 li ul ol blockquote "
        "figure figcaption table tr td th pre".split()
    )
    _INLINE = {"strong": "strong", "b": "strong", "em": "em", "i": "em"}
    _SKIP = frozenset({"script", "style", "template", "noscript", "iframe", "object"})
    # The innermost of these around a piece of text decides what kind of block it is.
    _CLASSIFYING = frozenset("figcaption h1 h2 h3 h4 h5 h6 li blockquote".split())

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[Block] = []
        self._text: list[str] = []
        self._html: list[str] = []
        self._open: list[str] = []
        self._lists: list[list[int]] = []   # per open list: [is_ordered, items so far]
        self._links: list[bool] = []        # per open <a>: whether we emitted it
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._SKIP:
            self._skip += 1
        elif self._skip:
            return
        elif tag in self._BLOCK_TAGS:
            self._flush()
            self._open.append(tag)
            if tag in ("ul", "ol"):
                self._lists.append([tag == "ol", 0])
            elif tag == "li" and self._lists:
                self._lists[-1][1] += 1
        elif tag == "br":
            self._flush()
        elif tag == "img":
            self._image(dict(attrs))
        elif tag in self._INLINE:
            self._html.append(f"<{self._INLINE[tag]}>")
        elif tag == "a":
            href = dict(attrs).get("href") or ""
            emitted = href.startswith(("http://", "https://", "/"))
            if emitted:
                self._html.append(f'<a href="{escape(href)}">')
            self._links.append(emitted)

    def handle_endtag(self, tag: str) -> None:
        if tag in self._SKIP:
            self._skip = max(0, self._skip - 1)
        elif self._skip:
            return
        elif tag in self._BLOCK_TAGS:
            self._flush()
            if tag in self._open:
                del self._open[len(self._open) - 1 - self._open[::-1].index(tag):]
            if tag in ("ul", "ol") and self._lists:
                self._lists.pop()
        elif tag in self._INLINE:
            self._html.append(f"</{self._INLINE[tag]}>")
        elif tag == "a" and self._links and self._links.pop():
            self._html.append("</a>")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self._text.append(data)
            self._html.append(escape(data, quote=False))

    def finish(self) -> list[Block]:
        self._flush()
        return self.blocks

    def _image(self, attrs: dict[str, str | None]) -> None:
        self._flush()
        src = (attrs.get("src") or "").strip()
        if src:
            alt = normalize_space(attrs.get("alt") or attrs.get("title") or "")
            self.blocks.append(Block("image", text=alt, src=src))

    def _flush(self) -> None:
        text = normalize_space("".join(self._text))
        html = normalize_space("".join(self._html))
        self._text, self._html = [], []
        if not text:
            return
        context = next((t for t in reversed(self._open) if t in self._CLASSIFYING), "")
        if context == "figcaption":
            self._caption(text)
        elif context.startswith("h"):
            level = min(max(int(context[1]), 2), 3)
            self.blocks.append(Block("heading", text=text, html=html, level=level))
        elif context == "li":
            ordered, count = self._lists[-1] if self._lists else (False, 0)
            ordinal = count if ordered else 0
            self.blocks.append(Block("list_item", text=text, html=html, ordinal=ordinal))
        elif context == "blockquote":
            self.blocks.append(Block("quote", text=text, html=html))
        else:
            self.blocks.append(Block("paragraph", text=text, html=html))

    def _caption(self, text: str) -> None:
        """A figcaption belongs to the figure's image, which came just before it."""
        if self.blocks and self.blocks[-1].kind == "image":
            self.blocks[-1] = replace(self.blocks[-1], text=text)
        else:
            self.blocks.append(Block("paragraph", text=text, html=escape(text, quote=False)))


# ---------------------------------------------------------------- sentences


def split_sentences(text: str) -> list[str]:
    """Sentences of Chinese text, each with its closing punctuation and quotes.

    A sentence ends at 。！？；… (or their half-width forms), together with the closing
    quotes and brackets that follow (。” stays whole). Inside a quotation that is closed
    later in the same paragraph we never split, so a quoted speech of several sentences
    stays one sentence and no fragment carries an unmatched quote. Line breaks always
    end a sentence. Links are never split at their ? or !.
    """
    sentences: list[str] = []
    for line in text.splitlines():
        sentences.extend(_split_line(line.strip()))
    return sentences


def whole_sentences(text: str) -> list[str]:
    """Sentences as `split_sentences` cuts them, but a clause ending in ； runs on into the
    next: "……不要超负荷用电；使用炭火取暖务必保持通风。" is one thought, and a summary or a
    lead that stops on its semicolon stops mid-thought. Line breaks still end a sentence.
    """
    sentences: list[str] = []
    for line in text.splitlines():
        pending = ""
        for piece in _split_line(line.strip()):
            pending += piece
            if not pending.rstrip(CLOSERS).endswith(("；", ";")):
                sentences.append(pending)
                pending = ""
        if pending:
            sentences.append(pending)
    return sentences


def _split_line(line: str) -> list[str]:
    """One paragraph's sentences (see `split_sentences`)."""
    if not line:
        return []
    inside, closing = _protected(line)
    pieces, start, i = [], 0, 0
    while i < len(line):
        ends_here = (line[i] in SENTENCE_ENDS and i not in inside) or (
            i in closing
            and line[i - 1] in SENTENCE_ENDS
            and not _attribution_follows(line, i, inside)
        )
        if not ends_here:
            i += 1
            continue
        i += 1
        while i < len(line) and line[i] in CLOSERS + SENTENCE_ENDS and i not in inside:
            i += 1
        pieces.append(line[start:i].strip())
        start = i
    pieces.append(line[start:].strip())
    return [p for p in pieces if p]


def _attribution_follows(line: str, close: int, inside: set[int]) -> bool:
    """Whether the words after a closing quote only name its speaker (……。”他说。)."""
    end = close + 1
    while end < len(line) and not (line[end] in SENTENCE_ENDS and end not in inside):
        end += 1
    return bool(_ATTRIBUTION.match(line[close + 1 : end + 1]))


def _protected(line: str) -> tuple[set[int], set[int]]:
    """Indices inside balanced top-level quotations or links; indices of closing quotes."""
    inside: set[int] = set()
    closing: set[int] = set()
    stack: list[tuple[str, int]] = []
    for i, ch in enumerate(line):
        if ch == '"' and stack and stack[-1][0] == '"':
            _close(stack, i, inside, closing)
        elif ch in _QUOTE_PAIRS or ch == '"':
            stack.append((ch, i))
        elif stack and ch == _QUOTE_PAIRS.get(stack[-1][0]):
            _close(stack, i, inside, closing)
    for match in URL_RE.finditer(line):
        inside.update(range(match.start(), match.end()))
    return inside, closing


def _close(stack: list[tuple[str, int]], i: int, inside: set[int], closing: set[int]) -> None:
    _, opened = stack.pop()
    if not stack:       # only the outermost quotation matters for splitting
        inside.update(range(opened, i))
        closing.add(i)


# ---------------------------------------------------------------- lengths


def count_chars(text: str) -> int:
    """Characters as a Chinese editor counts 字数: every character but whitespace."""
    return sum(1 for ch in text if not ch.isspace())


def weibo_length(text: str) -> int:
    """Length of a Weibo post as Weibo counts it against its 140-character limit.

    A Chinese character (or any other non-ASCII character, full-width punctuation
    included) counts 1, two half-width ASCII characters count 1 (rounded up over the
    whole post), and every link counts WEIBO_URL_LENGTH whatever its real length.
    """
    halves = 0
    for ch in URL_RE.sub("", text):
        halves += 1 if ord(ch) < 128 else 2
    return math.ceil(halves / 2) + WEIBO_URL_LENGTH * len(URL_RE.findall(text))


# ---------------------------------------------------------------- cutting to a limit


def truncate(text: str, limit: int, measure: Measure = len, ellipsis: str = "……") -> str:
    """`text` cut to `limit` (by `measure`) at the best boundary available.

    Whole sentences first; when even the first sentence is too long, the last clause
    boundary (，、：；) that fits, then the last whole word (by jieba), then characters.
    A cut inside a sentence ends with `ellipsis`, so the reader sees that it goes on.
    """
    text = text.strip()
    if measure(text) <= limit:
        return text
    if limit <= 0:
        return ""
    kept = ""
    for sentence in split_sentences(text):
        if measure(kept + sentence) > limit:
            break
        kept += sentence
    if kept:
        return kept
    first = split_sentences(text)[0]
    return _cut_inside(first, limit, measure, ellipsis)


def _cut_inside(sentence: str, limit: int, measure: Measure, ellipsis: str) -> str:
    """One over-long sentence cut to `limit`: at a clause, else a word, else a character."""
    if measure(ellipsis) >= limit:
        return _longest_prefix(sentence, limit, measure)
    clause = ""
    for i, ch in enumerate(sentence):
        if ch in CLAUSE_ENDS and measure(sentence[:i] + ellipsis) <= limit:
            clause = sentence[:i]
    # A clause that keeps at least half the room reads better than a longer word cut.
    if clause and measure(clause) * 2 >= limit:
        return clause + ellipsis
    words = ""
    for word in cut(sentence):
        if measure(words + word + ellipsis) > limit:
            break
        words += word
    words = words.rstrip(CLAUSE_ENDS + " ")
    if words:
        return words + ellipsis
    return _longest_prefix(sentence, limit - measure(ellipsis), measure) + ellipsis


def _longest_prefix(text: str, limit: int, measure: Measure) -> str:
    """Character-level fallback for a single word longer than the whole limit."""
    end = 0
    while end < len(text) and measure(text[: end + 1]) <= limit:
        end += 1
    return text[:end]
