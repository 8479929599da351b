"""What every source hands the pipeline, and what the pipeline reports back."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field


@dataclass
class RawItem:
    """One item as a source read it, before normalising. `published_at` may be naive (taken
    as Asia/Shanghai) or None (the fetch time is used); `url` as found (canonicalised by the
    pipeline); `external_id` the source's own id where it has one (a comment id, a case
    number, a feed entry's guid)."""

    title: str
    text: str = ""
    url: str = ""
    published_at: dt.datetime | None = None
    author: str = ""
    external_id: str = ""
    region: str = ""
    extra: dict = field(default_factory=dict)


@dataclass
class IngestResult:
    """The outcome of `pipeline.ingest`: counts for the fetch run, the new items (saved, with
    group, matches, tone, keywords and hot topic), the alerts raised, and per-item errors
    ([{"url": ..., "error": 中文}]) for items that were skipped."""

    found: int = 0
    new: int = 0
    duplicates: int = 0
    skipped: int = 0
    items: list = field(default_factory=list)
    alerts: list = field(default_factory=list)
    errors: list = field(default_factory=list)
