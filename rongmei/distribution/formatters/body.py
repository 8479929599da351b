"""The story body in reading order with every picture resolved to a `PublishImage`.

The newsroom's generators already decide where pictures go (placed ones where the editor
put them, the lead picture first, the rest at the end) and drop unsafe addresses; the
formatters reuse that through `story_blocks` rather than deciding it a second time.
"""

from __future__ import annotations

import mimetypes
from dataclasses import replace
from pathlib import Path

from rongmei.newsroom.generators.parts import credit_line, story_blocks
from rongmei.newsroom.generators.text import Block
from rongmei.newsroom.generators.types import ImageInput, StoryInput

from .types import PublishImage, PublishItem

# One spelling per type, so files from one story are named alike: "-01.jpg", not ".jpeg".
_EXTENSIONS = {".jpeg": ".jpg", ".jpe": ".jpg", ".jfif": ".jpg", ".tif": ".tiff"}


def story_input(item: PublishItem) -> StoryInput:
    """The parts of `item` the newsroom's body helpers read."""
    return StoryInput(
        center_name=item.center_name,
        headline=item.headline,
        kicker=item.kicker,
        subheadline=item.subheadline,
        summary=item.summary,
        body_html=item.body_html,
        column=item.column,
        tags=item.tags,
        location=item.location,
        source=item.source,
        bylines=item.bylines,
        images=tuple(
            ImageInput(url=i.url, caption=i.caption, credit=i.credit, width=i.width, height=i.height)
            for i in item.images
        ),
        url=item.url,
    )


def item_blocks(item: PublishItem) -> list[Block]:
    """Paragraphs, headings, quotes, list items and pictures, as readers meet them."""
    return story_blocks(story_input(item))


def picture_of(item: PublishItem, block: Block) -> PublishImage:
    """The item's picture behind an image block; a body-only picture gets a bare one.

    The block's caption wins: `story_blocks` fills it from the body's figcaption when the
    asset itself has none.
    """
    for image in item.images:
        if image.url == block.src:
            return image if image.caption == block.text else replace(image, caption=block.text)
    return PublishImage(url=block.src, caption=block.text)


def caption_text(image: PublishImage) -> str:
    """"图片说明：…… 摄影：……"; missing parts are left out, not invented."""
    caption = image.caption.strip()
    parts = [f"图片说明：{caption}" if caption else "", credit_line(image.credit)]
    return " ".join(p for p in parts if p) or "图片"


def picture_extension(image: PublishImage) -> str:
    """".jpg", ".png"…: from the original's file name, else from its media type."""
    suffix = Path(image.path).suffix.lower() or mimetypes.guess_extension(image.mime) or ".jpg"
    return _EXTENSIONS.get(suffix, suffix)
