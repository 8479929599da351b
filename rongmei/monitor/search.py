"""舆情信息 in the center's full-text index (core search, kind "monitor_item").

`pipeline.ingest` calls `index_items` for the items it saved, inside its transaction, so an
item and its index entry commit together. The index holds the title and the text (character
bigrams, see core.search.segment); the item's tone is the entry's status, its publish time
the entry's date, its staff page the entry's link. Removing items: `remove_items` (a
post_delete signal on Item calls it for deletions through the ORM, one by one or a queryset).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models.signals import post_delete

from rongmei.core.search import Document, index_many
from rongmei.core.search.models import SearchEntry
from rongmei.monitor.selectors import SEARCH_KIND


def document(item) -> Document:
    return Document(kind=SEARCH_KIND, object_id=item.pk, title=item.title, body=item.text or "", status=item.tone or "",
                    date=item.published_at, url=f"/monitor/items/{item.pk}/")


def index_items(center, items: Iterable) -> int:
    """Put saved items (with a pk) into the index, replacing what was there; returns how many."""
    return index_many(center, (document(item) for item in items if item.pk is not None))


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
