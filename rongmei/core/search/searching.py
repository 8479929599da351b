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
from rongmei.core.search.highlight import Segment, render, segments, snippet_segments
from rongmei.core.search.indexing import author_field
from rongmei.core.search.models import SearchEntry
from rongmei.core.search.segment import parse_query

MAX_LIMIT = 100
MAX_OFFSET = 10_000  # nobody reads page 500; a crawler asking for it gets nothing
# Matches are counted up to this many. Counting all 27,000 stories with 城关镇 reads every one
# of them (PostgreSQL checks each phrase in the row); a person refines the query long before.
COUNT_CAP = 500
TITLE_CAP = 300  # more title (or exact phrase) matches than this are walked newest first, not read all


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
    column_id: int | None = None
    author_ids: tuple[int, ...] = ()
    # The same highlights as plain (text, is_match) pieces, for clients that are not pages:
    # the title whole, the snippet with "…" before/after where the body goes on.
    title_segments: tuple[Segment, ...] = ()
    snippet_segments: tuple[Segment, ...] = ()
    snippet_before: str = ""
    snippet_after: str = ""


@dataclass(frozen=True)
class SearchResults:
    """`total` is the number of matches when `exact`; past COUNT_CAP counting stops, `total`
    is COUNT_CAP and `exact` False ("more than 500")."""

    total: int
    hits: list[SearchHit]
    exact: bool = True

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
    """Entries of `center` containing every word of `query`: those with the whole query in
    the title first, then those with its words together as one phrase, then newest first.

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
    counted = _count(source, where, where_params, cap=COUNT_CAP)
    total, exact = min(counted, COUNT_CAP), counted <= COUNT_CAP
    if not total or (exact and offset >= total):
        return SearchResults(total=total, hits=[], exact=exact)
    phrase = parse_query("".join(parsed.terms)).match if len(parsed.terms) > 1 else None
    if exact:  # few matches: rank them all
        rank = backends.boost(backend, parsed.match, phrase)
        sql, params = backends.small_sql(source, where, where_params, limit, offset, rank)
        rows = list(SearchEntry.objects.raw(sql, params))
    else:  # many: tier by tier, each walked newest first, until the page is full
        # Title matches: read from the title index when they are few, else walked newest first.
        # The same for the exact phrase of a query of several words.
        titles = _count(backend.title_source(parsed.match), where, where_params, cap=TITLE_CAP)
        phrases = _count(backend.source(phrase), where, where_params, cap=TITLE_CAP) if phrase else 0
        rows = []
        for boost, tier_source, cond, cond_params in backends.tiers(
            backend, parsed.match, phrase, walk_titles=titles > TITLE_CAP, walk_phrases=phrases > TITLE_CAP
        ):
            sql, params = backends.tier_sql(tier_source, cond, cond_params, boost, where, where_params,
                                            backend.date_desc, offset + limit - len(rows))
            rows += SearchEntry.objects.raw(sql, params)
            if len(rows) >= offset + limit:
                break
        rows = rows[offset:offset + limit]
    return SearchResults(total=total, hits=[_hit(row, parsed.needles) for row in rows], exact=exact)


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


def _count(source: backends.Source, where: str, where_params: list, cap: int | None = None) -> int:
    sql, params = backends.count_sql(source, where, where_params, cap)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]


def _hit(row: SearchEntry, needles: tuple[str, ...]) -> SearchHit:
    title = segments(row.title, needles)
    before, body, after = snippet_segments(row.body, needles)
    return SearchHit(
        kind=row.kind,
        object_id=row.object_id,
        title=row.title,
        url=row.url,
        date=row.date,
        status=row.status,
        score=float(row.score),
        title_html=render(title),
        snippet_html=SafeString(before + render(body) + after),
        column_id=row.column_id,
        author_ids=tuple(int(a) for a in row.author_ids.strip("|").split("|") if a),
        title_segments=tuple(title),
        snippet_segments=tuple(body),
        snippet_before=before,
        snippet_after=after,
    )
