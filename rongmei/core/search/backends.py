"""The two places the index lives: SQLite FTS5 and PostgreSQL full-text search.

Both receive the same parsed query (`segment.Node`) and the same filter conditions, and
differ only in how the query is written and how relevance is scored. Every user-supplied
value is a bound parameter; query terms are letters and digits only (see `segment`), and
are quoted on top of that.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection

from rongmei.core.search.segment import All, Either, Node, Phrase, Prefix

# A match in the title counts this many times a match in the body.
TITLE_WEIGHT = 3.0

COLUMNS = "e.id, e.kind, e.object_id, e.title, e.body, e.status, e.url, e.date"
ORDER = "{prefix}score DESC, {prefix}date DESC NULLS LAST, {prefix}id DESC"


@dataclass(frozen=True)
class Source:
    """The FROM clause, the full-text condition and the score, for one query."""

    tables: str
    condition: str
    score: str
    params: list
    fence: str = ""  # keeps a planner from postponing the score to after the window count


class SQLiteFTS5:
    """External-content FTS5 over (title_terms, body_terms), ranked by bm25().

    The FTS table is scanned first (CROSS JOIN fixes the join order), so the match picks
    the candidate rows, and their center and filters are checked in a narrow covering
    index. It is named because SQLite picks it on its own only after an ANALYZE, which
    nothing runs."""

    def source(self, match: Node) -> Source:
        return Source(
            tables=(
                "core_searchentry_fts CROSS JOIN core_searchentry AS e INDEXED BY core_searchentry_fts_filter"
                " ON e.id = core_searchentry_fts.rowid"
            ),
            condition="core_searchentry_fts MATCH %s",
            score=f"-bm25(core_searchentry_fts, {TITLE_WEIGHT}, 1.0)",
            params=[self.expression(match)],
        )

    def expression(self, node: Node) -> str:
        """FTS5 query syntax: every term a quoted string, so no user text is an operator."""
        match node:
            case Phrase(terms):
                return _quote(" ".join(terms))
            case Prefix(char):
                return _quote(char) + "*"
            case All(parts):
                return "(" + " AND ".join(self.expression(part) for part in parts) + ")"
            case Either(parts):
                return "(" + " OR ".join(self.expression(part) for part in parts) + ")"
        raise TypeError(f"not a query node: {node!r}")


class PostgresFullText:
    """The generated, GIN-indexed `search_vector` (title weight A, body weight B) with
    the `simple` configuration, ranked by ts_rank().

    The tsquery is built in SQL from bound parameters (phraseto_tsquery for terms and
    phrases, to_tsquery only for a prefix of one CJK character), never by pasting text.

    A limit SQLite does not have: PostgreSQL counts positions only up to 16,383, so past
    about 16,000 characters of a body, words of three or more characters (phrases of
    bigrams) are no longer found; two-character words and single characters still are."""

    def source(self, match: Node) -> Source:
        sql, params = self.expression(match)
        body_weight = round(1.0 / TITLE_WEIGHT, 4)
        return Source(
            tables=f"core_searchentry AS e CROSS JOIN (SELECT {sql} AS query) AS q",
            condition="e.search_vector @@ q.query",
            score=f"ts_rank('{{0.1, 0.1, {body_weight}, 1.0}}', e.search_vector, q.query)",
            params=params,
            # Without it PostgreSQL flattens the subquery, carries every match's tsvector
            # through the window count (spilling to disk) and ranks only afterwards.
            fence=" OFFSET 0",
        )

    def expression(self, node: Node) -> tuple[str, list[str]]:
        match node:
            case Phrase(terms):
                return "phraseto_tsquery('simple', %s)", [" ".join(terms)]
            case Prefix(char):
                return "to_tsquery('simple', %s)", [_quote(char, "'") + ":*"]
            case All(parts):
                return self._join(parts, " && ")
            case Either(parts):
                return self._join(parts, " || ")
        raise TypeError(f"not a query node: {node!r}")

    def _join(self, parts: tuple[Node, ...], operator: str) -> tuple[str, list[str]]:
        rendered = [self.expression(part) for part in parts]
        sql = "(" + operator.join(part_sql for part_sql, _ in rendered) + ")"
        return sql, [param for _, part_params in rendered for param in part_params]


def _quote(text: str, quote: str = '"') -> str:
    return quote + text.replace(quote, quote * 2) + quote


BACKENDS = {"sqlite": SQLiteFTS5(), "postgresql": PostgresFullText()}


def current() -> SQLiteFTS5 | PostgresFullText:
    try:
        return BACKENDS[connection.vendor]
    except KeyError:
        raise RuntimeError(f"全文检索只支持 SQLite 和 PostgreSQL，当前数据库是 {connection.vendor}。") from None


def select_sql(source: Source, where: str, where_params: list, limit: int, offset: int) -> tuple[str, list]:
    """One page of hits, best first, each carrying the number of all matches (a window count).

    Scores are computed innermost: FTS5 allows bm25() only right beside its MATCH, not under
    a window function. Titles and bodies are read for the page's rows only."""
    sql = (
        f"SELECT {COLUMNS}, page.score, page.total FROM ("
        f" SELECT id, date, score, count(*) OVER () AS total FROM ("
        f"  SELECT e.id, e.date, {source.score} AS score"
        f"  FROM {source.tables} WHERE {source.condition} AND {where}{source.fence}"
        f" ) AS matches ORDER BY {ORDER.format(prefix='')} LIMIT %s OFFSET %s"
        f") AS page JOIN core_searchentry AS e ON e.id = page.id ORDER BY {ORDER.format(prefix='page.')}"
    )
    return sql, [*source.params, *where_params, limit, offset]


def count_sql(source: Source, where: str, where_params: list) -> tuple[str, list]:
    """The number of matches alone, for a page past the last one."""
    sql = f"SELECT count(*) FROM {source.tables} WHERE {source.condition} AND {where}"
    return sql, [*source.params, *where_params]
