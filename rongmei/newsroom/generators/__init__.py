"""Rendition generators: "collect once, produce many" (一次采集、多元生成).

Each channel has a pure function `generate_<channel>(story) -> RenditionDraft` of a
flattened story (`types.StoryInput`): no database, no network, the same output for the
same input, channel limits always respected and every cut reported to the editor in
`warnings`. `generate(channel, story)` picks one by channel name.
"""

from .registry import CHANNEL_LABELS, GENERATORS, generate
from .summary import SummaryBackend, get_summary_backend, register_summary_backend
from .wechat import clean_wechat_html
from .types import BylineInput, ImageInput, MediaInput, RenditionDraft, StoryInput

__all__ = [
    "CHANNEL_LABELS",
    "GENERATORS",
    "BylineInput",
    "ImageInput",
    "MediaInput",
    "RenditionDraft",
    "StoryInput",
    "clean_wechat_html",
    "SummaryBackend",
    "generate",
    "get_summary_backend",
    "register_summary_backend",
]
