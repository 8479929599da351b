"""Asking the index: one center's entries matching all the words, best first."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.db import connection
from django.db.models import CharField, QuerySet
from django.db.models.functions import Cast
from django.utils.safestring import SafeString

from rongmei.core.models import Center
from rongmei.core.search import backends
from rongmei.core.search.dates import as_datetime, day_after
from rongmei.core.search.highlight import mark, snippet
from rongmei.core.search.indexing import author_field
from rongmei.core.search.models import SearchEntry
from rongmei.core.search.segment import parse_query

MAX_LIMIT = 100
MAX_OFFSET = 10_000  # nobody reads page 500; a crawler asking for it gets nothing


@dataclass(frozen=True)
class SearchHit:
    kind: str
    object_id: str
    title: str
    url: str
    date: dt.datetime | None
    status: str
    score: float
    title_html: SafeString
    snippet_html: SafeString


@dataclass(frozen=True)
class SearchResults:
    total: int
    hits: list[SearchHit]

    def __bool__(self) -> bool:
        return self.total > 0


def search(
    center: Center | None,
    query: str,
    *,
    kinds: Iterable[str] | None = None,
    status: str | Iterable[str] | None = None,
    column_id: int | None = None,
    author_id: int | None = None,
    date_from: dt.date | dt.datetime | None = None,
    date_to: dt.date | dt.datetime | None = None,
    limit: int = 20,
    offset: int = 0,
    only: Mapping[str, QuerySet] | None = None,
) -> SearchResults:
    """Entries of `center` containing every word of `query`, most relevant first, then newest.

    Dates are inclusive; a plain date means the whole day in the center's time zone.
    Anything a user can type is safe: a query with no searchable word finds nothing.
    `only` maps a kind to the queryset of its objects the asker may read (the room that
    owns the kind decides); entries of that kind outside it are left out, in the database,
    so totals and pages stay right."""
    parsed = parse_query(query or "")
    limit = max(1, min(int(limit), MAX_LIMIT))
    offset = max(0, int(offset))
    if center is None or parsed.match is None or offset > MAX_OFFSET:
        return SearchResults(total=0, hits=[])
    where, where_params = _conditions(center, kinds, status, column_id, author_id, date_from, date_to)
    if where is not None and only:
        where, where_params = _restrict(where, where_params, only)
    if where is None:
        return SearchResults(total=0, hits=[])
    backend = backends.current()
    backend.prepare()
    source = backend.source(parsed.match)
    # The full-text match finds candidates; containment keeps exactly those holding every word.
    contained, contained_params = backends.containment(backend, parsed.checks)
    where, where_params = f"{where} AND {contained}", [*where_params, *contained_params]
    phrase = parse_query("".join(parsed.terms)).match if len(parsed.terms) > 1 else None
    rank = backends.boost(backend, parsed.match, phrase)
    sql, params = backends.select_sql(source, where, where_params, limit, offset, rank)
    rows = list(SearchEntry.objects.raw(sql, params))
    if rows:
        total = rows[0].total
    else:
        total = _count(source, where, where_params) if offset else 0
    return SearchResults(total=total, hits=[_hit(row, parsed.needles) for row in rows])


def _conditions(
    center: Center,
    kinds: Iterable[str] | None,
    status: str | Iterable[str] | None,
    column_id: int | None,
    author_id: int | None,
    date_from: dt.date | dt.datetime | None,
    date_to: dt.date | dt.datetime | None,
) -> tuple[str | None, list]:
    """The SQL conditions on `e` (core_searchentry) and their parameters.

    None when a filter rules everything out (an empty list of kinds)."""
    clauses = ["e.center_id = %s"]
    params: list = [center.pk]
    for column, values in (("kind", kinds), ("status", status)):
        if values is None:
            continue
        values = [values] if isinstance(values, str) else list(values)
        if not values:
            return None, []
        clauses.append(f"e.{column} IN ({', '.join(['%s'] * len(values))})")
        params.extend(values)
    if column_id is not None:
        clauses.append("e.column_id = %s")
        params.append(int(column_id))
    if author_id is not None:
        clauses.append("e.author_ids LIKE %s")
        params.append(f"%{author_field([author_id])}%")
    if date_from is not None:
        clauses.append("e.date >= %s")
        params.append(_db_datetime(as_datetime(date_from, center)))
    if date_to is not None:
        if isinstance(date_to, dt.datetime):
            clauses.append("e.date <= %s")
            params.append(_db_datetime(as_datetime(date_to, center)))
        else:
            clauses.append("e.date < %s")
            params.append(_db_datetime(day_after(date_to, center)))
    return " AND ".join(clauses), params


def _restrict(where: str, params: list, only: Mapping[str, QuerySet]) -> tuple[str, list]:
    """Add "kind is not K, or its object id is among the readable ones" for each kind."""
    for kind, queryset in only.items():
        ids = queryset.order_by().annotate(search_object_id=Cast("pk", CharField())).values("search_object_id")
        sub_sql, sub_params = ids.query.sql_with_params()
        where = f"{where} AND (e.kind <> %s OR e.object_id IN ({sub_sql}))"
        params = [*params, kind, *sub_params]
    return where, params


def _db_datetime(value: dt.datetime):
    """As Django stores it (on SQLite: UTC text), so raw comparisons compare like with like."""
    return connection.ops.adapt_datetimefield_value(value)


def _count(source: backends.Source, where: str, where_params: list) -> int:
    sql, params = backends.count_sql(source, where, where_params)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]


def _hit(row: SearchEntry, needles: tuple[str, ...]) -> SearchHit:
    return SearchHit(
        kind=row.kind,
        object_id=row.object_id,
        title=row.title,
        url=row.url,
        date=row.date,
        status=row.status,
        score=float(row.score),
        title_html=mark(row.title, needles),
        snippet_html=snippet(row.body, needles),
    )
