"""舆情信息 in the center's full-text index (core search, kind "monitor_item").

`pipeline.ingest` calls `index_items` for the items it saved, inside its transaction, so an
item and its index entry commit together. The index holds the title and the text (character
bigrams, see core.search.segment); the item's tone is the entry's status, its publish time
the entry's date, its staff page the entry's link. Removing items: `remove_items` (a
post_delete signal on Item calls it for deletions through the ORM, one by one or a queryset).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection
from django.db.models.signals import post_delete
from django.utils import timezone

from rongmei.core.search import Document
from rongmei.core.search.indexing import UPDATED_FIELDS, entry_for
from rongmei.core.search.models import SearchEntry
from rongmei.monitor.selectors import SEARCH_KIND


def document(item) -> Document:
    return Document(kind=SEARCH_KIND, object_id=item.pk, title=item.title, body=item.text or "", status=item.tone or "",
                    date=item.published_at, url=f"/monitor/items/{item.pk}/")


def index_items(center, items: Iterable) -> int:
    """Put saved items (with a pk) into the index, replacing what was there; returns how many.

    The rows are core search's (`entry_for`: the same terms, limits and dates), written by one
    INSERT … ON CONFLICT DO UPDATE run for the batch (executemany): the FTS5 triggers (SQLite)
    and the generated column (PostgreSQL) follow as for any write. Building bulk_create's
    multi-row statement cost about as much as the insert itself (bench/monitor.py)."""
    docs = [document(item) for item in items if item.pk is not None]
    if not docs:
        return 0
    entries = {}
    for doc in docs:
        entry = entry_for(center, doc)
        entries[(entry.kind, entry.object_id)] = entry
    _upsert(list(entries.values()))
    return len(docs)


_COLUMNS = ["center", "kind", "object_id", "title", "body", "title_terms", "body_terms", "status", "column_id",
            "author_ids", "date", "url", "updated_at"]
_UNIQUE = ["center", "kind", "object_id"]


def _upsert(entries: list) -> None:
    fields = [SearchEntry._meta.get_field(name) for name in _COLUMNS]
    qn = connection.ops.quote_name
    columns = [qn(f.column) for f in fields]
    keys = [qn(SearchEntry._meta.get_field(name).column) for name in _UNIQUE]
    updates = [qn(SearchEntry._meta.get_field(name).column) for name in UPDATED_FIELDS]
    sql = (f"INSERT INTO {qn(SearchEntry._meta.db_table)} ({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(columns))}) "
           f"ON CONFLICT ({', '.join(keys)}) DO UPDATE SET {', '.join(f'{c} = excluded.{c}' for c in updates)}")
    now = timezone.now()
    rows = []
    for entry in entries:
        entry.updated_at = now
        rows.append([f.get_db_prep_save(getattr(entry, f.attname), connection) for f in fields])
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def remove_items(center, item_ids: Iterable[int]) -> int:
    """Take items out of the index (`center` a Center or its id); returns how many entries were removed."""
    ids = [str(pk) for pk in item_ids]
    if not ids:
        return 0
    center_id = getattr(center, "pk", center)
    deleted, _ = SearchEntry.objects.filter(center_id=center_id, kind=SEARCH_KIND, object_id__in=ids).delete()
    return deleted


def _item_deleted(sender, instance, **kwargs) -> None:
    remove_items(instance.center_id, [instance.pk])


def connect() -> None:
    """Called from the app's ready(): deleting an item takes it out of the index."""
    from rongmei.monitor.models import Item

    post_delete.connect(_item_deleted, sender=Item, dispatch_uid="monitor.search.item_deleted")
