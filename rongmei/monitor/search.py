"""舆情信息 in the center's full-text index (core search, kind "monitor_item").

Indexing is a follow-up of the ingest, not part of it: computing an item's index terms
(character bigrams, see core.search.segment) and writing the entry (the FTS5 triggers on
SQLite) cost more than all the rest of saving it, inside the ingest's transaction. So
`pipeline.ingest` commits the items unindexed (`Item.indexed_at` is None) and enqueues, on
commit, a task that indexes them (search_tasks.index_batch); a sweep every minute
(search_tasks.index_missed) indexes whatever is still unindexed two minutes after its fetch
— items whose task was lost to a worker crash or a flushed queue — so none is left out for
more than about three minutes. Both go through `index_pending`, which indexes only items not
indexed yet: a task that comes after the sweep (or a retry) finds nothing to do.

The index holds the title and the text; the item's tone is the entry's status, its publish
time the entry's date, its staff page the entry's link. Removing items: `remove_items` (a
post_delete signal on Item calls it for deletions through the ORM, one by one or a queryset).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import connection, models
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
    """Put saved items (with a pk) into the index, replacing what was there, and mark them
    indexed; returns how many. Call it in a transaction (`index_pending` does)."""
    items = [item for item in items if item.pk is not None]
    if not items:
        return 0
    _upsert(_entries(center, [document(item) for item in items]))
    _mark_indexed([item.pk for item in items])
    return len(items)


SWEEP_BATCH = 200  # items read, indexed and committed at a time
# The sweep leaves the items of the last minutes to the tasks their ingests enqueued, so that
# it does not compute the same terms at the same time as a task; a queue running later than
# this has its items swept, and its tasks then find nothing left to do.
SWEEP_GRACE = dt.timedelta(minutes=2)


def index_pending(center=None, item_ids: Iterable[int] | None = None, *, fetched_before: dt.datetime | None = None,
                  batch_size: int = SWEEP_BATCH) -> int:
    """Index the items not indexed yet — of `center` (a Center or its id), among `item_ids`
    when given, fetched before `fetched_before` when given — `batch_size` at a time, one
    short transaction each; returns how many were indexed.

    The terms are computed outside the transaction (they are the costly part, and on SQLite
    a transaction that writes holds every other writer up). Inside it the items are marked
    indexed first, which on PostgreSQL locks their rows, and only the items still there are
    written: an item deleted meanwhile (its post_delete already took its entry out) does
    not come back into the index as a ghost."""
    from django.db import transaction

    from rongmei.core.models import Center
    from rongmei.monitor.models import Item

    pending = Item.objects.filter(indexed_at__isnull=True)
    if center is not None:
        pending = pending.filter(center_id=getattr(center, "pk", center))
    if fetched_before is not None:
        pending = pending.filter(fetched_at__lt=fetched_before)
    if item_ids is not None:
        item_ids = sorted({int(pk) for pk in item_ids})
        if not item_ids:
            return 0
    centers: dict[int, Center] = {center.pk: center} if isinstance(center, Center) else {}
    done, last = 0, 0
    while True:
        if item_ids is not None:
            chunk = item_ids[last:last + batch_size]
            if not chunk:
                return done
            last += batch_size
            rows = list(pending.filter(pk__in=chunk).order_by("pk").values_list(*_ITEM_COLUMNS))
        else:
            rows = list(pending.filter(pk__gt=last).order_by("pk").values_list(*_ITEM_COLUMNS)[:batch_size])
            if not rows:
                return done
            last = rows[-1][0]
        by_center: dict[int, list] = {}
        for row in rows:
            by_center.setdefault(row[1], []).append(row)
        for center_id, members in by_center.items():
            if center_id not in centers:
                centers[center_id] = Center.objects.get(pk=center_id)
            entries = {int(entry.object_id): entry for entry in _entries(centers[center_id], [_row_document(row) for row in members])}
            with transaction.atomic():
                marked = _mark_indexed(list(entries))
                # the UPDATE counts the items still there: all of them, but for a deletion meanwhile
                still = set(entries) if marked == len(entries) else set(
                    Item.objects.filter(pk__in=list(entries)).values_list("pk", flat=True))
                _upsert([entry for pk, entry in entries.items() if pk in still])
            done += len(still)


_ITEM_COLUMNS = ("pk", "center_id", "title", "text", "tone", "published_at")


def _row_document(row) -> Document:
    pk, _center, title, text, tone, published_at = row
    return Document(kind=SEARCH_KIND, object_id=pk, title=title, body=text or "", status=tone or "", date=published_at,
                    url=f"/monitor/items/{pk}/")


def _entries(center, docs: list[Document]) -> list:
    """core search's rows for `docs` (`entry_for`: the same terms, limits and dates), one per object."""
    entries = {}
    for doc in docs:
        entry = entry_for(center, doc)
        entries[(entry.kind, entry.object_id)] = entry
    return list(entries.values())


def _mark_indexed(item_ids: list[int]) -> int:
    """Mark the items indexed; returns how many of them are (still) there."""
    from rongmei.monitor.models import Item

    if not item_ids:
        return 0
    return Item.objects.filter(pk__in=item_ids).update(indexed_at=timezone.now())


_COLUMNS = ["center", "kind", "object_id", "title", "body", "title_terms", "body_terms", "status", "column_id",
            "author_ids", "date", "url", "updated_at"]
_UNIQUE = ["center", "kind", "object_id"]


def _upsert(entries: list) -> None:
    """One INSERT … ON CONFLICT DO UPDATE run for all (executemany): the FTS5 triggers
    (SQLite) and the generated column (PostgreSQL) follow as for any write. Building
    bulk_create's multi-row statement cost about as much as the insert itself."""
    if not entries:
        return
    fields = [SearchEntry._meta.get_field(name) for name in _COLUMNS]
    qn = connection.ops.quote_name
    columns = [qn(f.column) for f in fields]
    keys = [qn(SearchEntry._meta.get_field(name).column) for name in _UNIQUE]
    updates = [qn(SearchEntry._meta.get_field(name).column) for name in UPDATED_FIELDS]
    sql = (f"INSERT INTO {qn(SearchEntry._meta.db_table)} ({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(columns))}) "
           f"ON CONFLICT ({', '.join(keys)}) DO UPDATE SET {', '.join(f'{c} = excluded.{c}' for c in updates)}")
    now = timezone.now()
    # Each value as get_db_prep_save would give it, the field's call saved where it changes
    # nothing: entry_for makes str and int values (and None) already; datetimes go through
    # the field (connection.ops), as do values of any other type.
    plain = [not isinstance(f, models.DateTimeField) for f in fields]
    rows = []
    for entry in entries:
        entry.updated_at = now
        row = []
        for f, simple in zip(fields, plain):
            value = getattr(entry, f.attname)
            row.append(value if simple and (value is None or type(value) in (str, int)) else f.get_db_prep_save(value, connection))
        rows.append(row)
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def sweep() -> int:
    """Index every item still unindexed that was fetched more than SWEEP_GRACE ago (the
    minute task, search_tasks.index_missed); returns how many."""
    return index_pending(fetched_before=timezone.now() - SWEEP_GRACE)


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
