"""Chinese full-text search for every room: one interface, SQLite FTS5 or PostgreSQL.

Rooms index their objects in the transaction that changes them and ask one center's
index for matches::

    from rongmei.core import search

    search.index(center, "story", story.pk, title=story.title, body=story.text,
                 status=story.status, column_id=story.column_id,
                 author_ids=[a.pk for a in story.authors.all()],
                 date=story.published_at, url=story.get_absolute_url())
    search.remove(center, "story", story.pk)
    results = search.search(center, "城关镇 积水", kinds=["story"], date_from=day)
    results.total, [(hit.title_html, hit.snippet_html) for hit in results.hits]

How text is indexed and queries are read: `segment`. The database side: `backends` and
migration 0003.
"""

from rongmei.core.search.indexing import Document, index, index_many, remove
from rongmei.core.search.searching import SearchHit, SearchResults, search
from rongmei.core.search.segment import add_words

__all__ = [
    "Document",
    "SearchHit",
    "SearchResults",
    "add_words",
    "index",
    "index_many",
    "remove",
    "search",
]
