"""Putting objects into the index and taking them out.

Each write is a single INSERT ... ON CONFLICT DO UPDATE (or DELETE) on `core_searchentry`,
issued on the caller's connection inside the caller's transaction: a story saved and its
index entry commit or roll back together. The full-text side follows in the same statement,
by the FTS5 triggers on SQLite and the generated column on PostgreSQL, whatever path the
write takes (one object, a bulk reindex, a queryset delete).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import islice

from rongmei.core.models import Center
from rongmei.core.search.dates import as_datetime
from rongmei.core.search.models import SearchEntry
from rongmei.core.search.segment import index_terms

KIND_MAX = SearchEntry._meta.get_field("kind").max_length
TITLE_MAX = SearchEntry._meta.get_field("title").max_length
URL_MAX = SearchEntry._meta.get_field("url").max_length
OBJECT_ID_MAX = SearchEntry._meta.get_field("object_id").max_length
STATUS_MAX = SearchEntry._meta.get_field("status").max_length
UPDATED_FIELDS = [
    "title", "body", "title_terms", "body_terms", "status", "column_id", "author_ids", "date", "url", "updated_at",
]


@dataclass(frozen=True)
class Document:
    """One object as the index sees it. `object_id` is kept as text, so rooms whose
    objects have UUIDs or public numbers (inquiries) index the same way as integer ids."""

    kind: str
    object_id: int | str
    title: str
    body: str = ""
    status: str = ""
    column_id: int | None = None
    author_ids: Iterable[int] = field(default=())
    date: dt.date | dt.datetime | None = None
    url: str = ""


def index(
    center: Center,
    kind: str,
    object_id: int | str,
    *,
    title: str,
    body: str,
    status: str = "",
    column_id: int | None = None,
    author_ids: Iterable[int] = (),
    date: dt.date | dt.datetime | None = None,
    url: str = "",
) -> None:
    """Add or replace the entry of one object. Call it in the transaction that changes it."""
    document = Document(kind, object_id, title, body, status, column_id, tuple(author_ids), date, url)
    _upsert([entry_for(center, document)])


def index_many(center: Center, documents: Iterable[Document], *, batch_size: int = 500) -> int:
    """Add or replace many entries, `batch_size` rows per statement; returns how many.

    For reindexing a room. It opens no transaction of its own: wrap it in one (or one per
    few thousand rows) so a failure leaves either the old entries or the new ones."""
    count = 0
    iterator = iter(documents)
    while batch := list(islice(iterator, batch_size)):
        # PostgreSQL refuses to upsert one row twice in a statement: the last version wins.
        entries = {(e.kind, e.object_id): e for e in (entry_for(center, document) for document in batch)}
        _upsert(list(entries.values()))
        count += len(batch)
    return count


def remove(center: Center, kind: str, object_id: int | str) -> bool:
    """Take one object out of the index; False if it was not there."""
    deleted, _ = SearchEntry.objects.filter(center=center, kind=kind, object_id=str(object_id)).delete()
    return deleted > 0


def entry_for(center: Center, document: Document) -> SearchEntry:
    """The unsaved row for `document`, its index terms computed (the costly part)."""
    kind = document.kind.strip()
    object_id = str(document.object_id).strip()
    if not kind or len(kind) > KIND_MAX:
        raise ValueError(f"检索类型必须是 1 到 {KIND_MAX} 个字符，收到“{document.kind}”。")
    if not object_id or len(object_id) > OBJECT_ID_MAX:
        raise ValueError(f"对象编号必须是 1 到 {OBJECT_ID_MAX} 个字符，收到“{document.object_id}”。")
    if len(document.status) > STATUS_MAX:
        raise ValueError(f"状态最多 {STATUS_MAX} 个字符，收到“{document.status}”。")
    title = _clean(document.title)[:TITLE_MAX]
    body = _clean(document.body)
    return SearchEntry(
        center=center,
        kind=kind,
        object_id=object_id,
        title=title,
        body=body,
        title_terms=index_terms(title),
        body_terms=index_terms(body),
        status=document.status,
        column_id=document.column_id,
        author_ids=author_field(document.author_ids),
        date=as_datetime(document.date, center) if document.date is not None else None,
        url=document.url[:URL_MAX],
    )


def reindex_terms(model=SearchEntry, batch_size: int = 1_000) -> int:
    """Recompute every entry's index terms from its stored title and body, writing only
    the entries whose terms changed (after an upgrade of `segment.index_terms`); returns
    how many changed. Idempotent: a second run writes nothing. The FTS5 triggers and the
    generated tsvector follow each write. One transaction per batch, by id order."""
    from django.db import transaction

    changed, last = 0, 0
    while True:
        rows = list(model.objects.filter(pk__gt=last).order_by("pk")
                    .values_list("pk", "title", "body", "title_terms", "body_terms")[:batch_size])
        if not rows:
            return changed
        last = rows[-1][0]
        stale = []
        for pk, title, body, old_title_terms, old_body_terms in rows:
            terms = index_terms(title), index_terms(body)
            if terms != (old_title_terms, old_body_terms):
                stale.append(model(pk=pk, title_terms=terms[0], body_terms=terms[1]))
        if stale:
            with transaction.atomic():
                model.objects.bulk_update(stale, ["title_terms", "body_terms"])
            changed += len(stale)


def author_field(author_ids: Iterable[int]) -> str:
    """"|3|17|" for authors 3 and 17: a LIKE '%|3|%' finds one id and never a longer one."""
    ids = sorted({int(author_id) for author_id in author_ids})
    return f"|{'|'.join(map(str, ids))}|" if ids else ""


def _clean(text: str) -> str:
    """PostgreSQL refuses NUL characters in text; a pasted control character must not
    make saving a story fail."""
    return (text or "").replace("\x00", "")


def _upsert(entries: list[SearchEntry]) -> None:
    SearchEntry.objects.bulk_create(
        entries,
        update_conflicts=True,
        unique_fields=["center", "kind", "object_id"],
        update_fields=UPDATED_FIELDS,
    )
