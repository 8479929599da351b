"""Pieces that several channels cut from the same story: its blocks with their pictures,
bylines, photo credits, a summary that fits, topic words, and the editor's warnings.
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping, Sequence
from dataclasses import replace

from .segment import topic_words
from .summary import SummaryBackend, candidate_sentences, get_summary_backend
from .text import Block, Measure, blocks_to_text, html_to_blocks, truncate
from .types import BylineInput, ImageInput, StoryInput

ROLE_ORDER = ("记者", "通讯员", "摄影", "摄像", "编辑")
TEXT_KINDS = frozenset({"paragraph", "quote", "list_item"})
# Words that mark a credit as already phrased ("张三 摄", "县委宣传部供图").
_CREDIT_MARKERS = ("摄", "图", "供稿", "来源")


def warning(kind: str, what: str, todo: str) -> str:
    """One warning for the editor: the kind, what happened, what to do next."""
    return f"{kind}：{what.rstrip('。；，')}。{todo.rstrip('。；，')}。"


def story_blocks(story: StoryInput) -> list[Block]:
    """The body in reading order, every picture resolved to the story's image asset.

    Pictures placed in the body stay where the editor put them. The story's other
    images are not lost: the first opens the story (the lead picture), the rest close it.
    """
    by_url = _images_by_url(story.images)
    placed: set[str] = set()
    blocks: list[Block] = []
    for block in html_to_blocks(story.body_html):
        if block.kind == "image":
            if not is_safe_url(block.src):
                continue
            image = by_url.get(block.src) or ImageInput(url=block.src)
            placed.add(image.url)
            block = _image_block(image, fallback_caption=block.text)
        blocks.append(block)
    unplaced = [_image_block(img) for img in _distinct(story.images) if img.url not in placed]
    return unplaced[:1] + blocks + unplaced[1:]


def _images_by_url(images: Sequence[ImageInput]) -> dict[str, ImageInput]:
    """Each image under its own URL and every responsive variant's URL."""
    found: dict[str, ImageInput] = {}
    for image in images:
        for url in (image.url, *(u for u, _ in image.srcset)):
            found.setdefault(url, image)
    return found


def _distinct(images: Sequence[ImageInput]) -> list[ImageInput]:
    """The story's images with a usable address, each once."""
    seen: set[str] = set()
    distinct = []
    for image in images:
        if is_safe_url(image.url) and image.url not in seen:
            seen.add(image.url)
            distinct.append(image)
    return distinct


def is_safe_url(url: str) -> bool:
    """Whether a media address may be put in front of readers: http(s) or site-relative.

    Anything else (javascript:, data:, file:) is a mistake at best and an attack at worst.
    """
    return url.startswith(("https://", "http://", "/")) and not url.startswith("//")


def _image_block(image: ImageInput, fallback_caption: str = "") -> Block:
    caption = image.caption.strip() or fallback_caption
    if caption != image.caption:
        image = replace(image, caption=caption)
    return Block("image", text=caption, src=image.url, image=image)


def text_blocks(blocks: Sequence[Block], *, headings: bool = False) -> list[Block]:
    """The blocks a reader reads as text: paragraphs, quotes, list items (and headings)."""
    kinds = TEXT_KINDS | {"heading"} if headings else TEXT_KINDS
    return [b for b in blocks if b.kind in kinds]


def image_blocks(blocks: Sequence[Block]) -> list[Block]:
    return [b for b in blocks if b.kind == "image"]


def body_text(story: StoryInput) -> str:
    """The story's running text, one paragraph per line, without headings or captions."""
    return blocks_to_text(text_blocks(html_to_blocks(story.body_html)))


def names_by_role(bylines: Sequence[BylineInput]) -> dict[str, list[str]]:
    """Names grouped by role, roles in newsroom order (记者 first), names as entered."""
    roles = sorted({b.role for b in bylines}, key=lambda r: (_role_rank(r), _first(bylines, r)))
    grouped: dict[str, list[str]] = {role: [] for role in roles}
    for byline in bylines:
        name = byline.name.strip()
        if name and name not in grouped[byline.role]:
            grouped[byline.role].append(name)
    return {role: names for role, names in grouped.items() if names}


def _role_rank(role: str) -> int:
    return ROLE_ORDER.index(role) if role in ROLE_ORDER else len(ROLE_ORDER)


def _first(bylines: Sequence[BylineInput], role: str) -> int:
    return next(i for i, b in enumerate(bylines) if b.role == role)


def byline_line(
    bylines: Sequence[BylineInput],
    *,
    labels: Mapping[str, str] | None = None,
    exclude: Sequence[str] = ("编辑",),
) -> str:
    """"记者 王磊 李娜　通讯员 张三": roles apart by a full-width space, names by a space."""
    labels = labels or {}
    groups = [
        f"{labels.get(role, role)} {' '.join(names)}"
        for role, names in names_by_role(bylines).items()
        if role not in exclude
    ]
    return "\u3000".join(groups)


def credit_line(credit: str) -> str:
    """"摄影：张三" from "张三"; a credit already phrased ("张三 摄") is left as it is."""
    credit = credit.strip()
    if not credit or any(marker in credit for marker in _CREDIT_MARKERS):
        return credit
    return f"摄影：{credit}"


def summary_within(
    story: StoryInput,
    budget: int,
    *,
    measure: Measure = len,
    summarizer: SummaryBackend | None = None,
) -> tuple[str, list[str]]:
    """A summary of at most `budget` (by `measure`), and warnings about how it was made.

    The editor's summary wins; a long one is cut at a sentence or clause boundary. With
    none, the backend summarizes the body. Whatever a backend returns is measured again,
    so a channel limit holds even if a backend overshoots.
    """
    if story.summary.strip():
        given = story.summary.strip()
        if measure(given) <= budget:
            return given, []
        note = warning(
            "摘要过长",
            f"编辑摘要约{measure(given)}字，本渠道最多{budget}字，已在句末或标点处截断",
            "请核对截断后的摘要，或另写一段更短的摘要",
        )
        return truncate(given, budget, measure), [note]
    text = body_text(story)
    if not text:
        note = warning("缺少正文", "稿件没有正文，摘要只能用标题代替", "请补充正文或填写摘要")
        return truncate(story.headline, budget, measure), [note]
    backend = summarizer or get_summary_backend()
    extra = {"title": story.headline} if _takes_title(backend) else {}
    made = backend.summarize(text, budget, measure=measure, user_words=story.user_words, **extra)
    if not made or measure(made) > budget:
        standing = candidate_sentences(text)
        made = truncate(made or (standing[0] if standing else text), budget, measure)
    return made, []


def _takes_title(backend: SummaryBackend) -> bool:
    """Whether a backend's `summarize` accepts the headline (backends written before it
    was offered do not)."""
    try:
        return "title" in inspect.signature(backend.summarize).parameters
    except (TypeError, ValueError):
        return False


def topics(story: StoryInput, limit: int, *, extra: Sequence[str] = ()) -> list[str]:
    """Up to `limit` topic words for hashtags: editor's tags, then `extra`, then the story's.

    The story's own topics (`segment.topic_words`: the names and the event its headline
    is about) are found only when the editor's words run short; everything but letters
    and digits is removed, because # and spaces break a topic on every platform.
    """
    found: list[str] = []
    _add_topics(found, [*story.tags, *extra], limit)
    if len(found) < limit:
        words = topic_words(
            story.headline, body_text(story), limit - len(found), story.user_words, known=found,
        )
        _add_topics(found, words, limit)
    return found


def editor_topics(story: StoryInput, limit: int) -> list[str]:
    """The editor's own tags as topics (cleaned as `topics` cleans them), at most `limit`."""
    found: list[str] = []
    _add_topics(found, story.tags, limit)
    return found


def _add_topics(found: list[str], words: Sequence[str], limit: int) -> None:
    known = {w.lower() for w in found}
    for word in words:
        word = "".join(ch for ch in word if ch.isalnum())
        if len(found) >= limit:
            return
        if 2 <= len(word) <= 20 and word.lower() not in known:
            found.append(word)
            known.add(word.lower())


def missing_caption_warnings(blocks: Sequence[Block]) -> list[str]:
    """One warning per picture that has no caption: readers and reviewers both need one."""
    return [
        warning("图片缺少说明", f"第{n}张图片没有图片说明", "请在素材库中为它补写图片说明")
        for n, block in enumerate(image_blocks(blocks), start=1)
        if not block.text
    ]
