"""Readers for each kind of 监测源. Every reader turns what a source holds into
`rongmei.monitor.types.RawItem`s; `rongmei.monitor.fetching.fetch_source` picks the reader by
`Source.kind` and hands the items to the pipeline.

- rss.py, web.py, json_api.py (fetch part): parse bytes that fetching.py fetched politely.
- comments.py (platform part): `read(source, *, now) -> list[RawItem]` for
  wechat_comments / weibo_comments.
- inquiry_cases.py (platform part): `read(source, *, now) -> list[RawItem]` for inquiry.

A reader that cannot read its source at all raises `SourceError(message_zh)` — the message
is Chinese and is shown to the analyst as the source's last error. fetching.py records it
on the FetchRun and counts the failure; any other exception is a bug but is still recorded
(never crashes the run). Per-item problems are not SourceErrors: skip the item and report it
in `item_errors` ([{"url": ..., "error": 中文}]) where the reader returns them.
"""

from __future__ import annotations


class SourceError(Exception):
    """A source could not be read at all. `message` is Chinese, shown on the sources screen."""

    def __init__(self, message: str, *, http_status: int | None = None):
        super().__init__(message)
        self.message = message
        self.http_status = http_status

    def __str__(self) -> str:
        return self.message
