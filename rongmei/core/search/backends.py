"""The two places the index lives: SQLite FTS5 and PostgreSQL full-text search.

Both receive the same parsed query (`segment.Node`) and the same filter conditions, and
differ only in how the query is written and how relevance is scored. Every user-supplied
value is a bound parameter; query terms are letters and digits only (see `segment`), and
are quoted on top of that.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection

from rongmei.core.search.segment import All, Either, Node, Phrase, Prefix, normalize

# A match in the title counts this many times a match in the body.
TITLE_WEIGHT = 3.0

COLUMNS = "e.id, e.kind, e.object_id, e.title, e.body, e.status, e.url, e.date"
ORDER = "{prefix}boost DESC, {prefix}score DESC, {prefix}date DESC NULLS LAST, {prefix}id DESC"


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

    # SQLite has no NFKC: the same Python `normalize` the index and the query use.
    fold_function = "rongmei_fold"

    def fold(self, column_sql: str) -> str:
        return f"{self.fold_function}({column_sql})"

    def entry_text(self) -> str:
        return "e.title || char(10) || e.body"

    def regex(self, text_sql: str) -> str:
        return f"{text_sql} REGEXP %s"  # Django registers REGEXP (Python re) on SQLite

    def title_hit(self, node: Node) -> tuple[str, list]:
        return self.hit(node, column="title_terms : ")

    def hit(self, node: Node, column: str = "") -> tuple[str, list]:
        """True for the rows the FTS query matches: one index look-up, then a set probe."""
        return (
            "e.id IN (SELECT rowid FROM core_searchentry_fts WHERE core_searchentry_fts MATCH %s)",
            [column + "(" + self.expression(node) + ")"],
        )

    def prepare(self) -> None:
        """Register the fold function on this connection (idempotent, cheap)."""
        connection.ensure_connection()
        connection.connection.create_function(self.fold_function, 1, _fold, deterministic=True)

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

    def fold(self, column_sql: str) -> str:
        return f"lower(normalize({column_sql}, NFKC))"

    def entry_text(self) -> str:
        return "e.title || E'\\n' || e.body"

    def regex(self, text_sql: str) -> str:
        return f"{text_sql} ~ %s"

    def prepare(self) -> None:
        pass

    def title_hit(self, node: Node) -> tuple[str, list]:
        """The query on the title's lexemes alone (weight A), on the vector read for ranking."""
        return "ts_filter(e.search_vector, '{a}') @@ q.query", []

    def hit(self, node: Node) -> tuple[str, list]:
        sql, params = self.expression(node)
        return f"e.search_vector @@ {sql}", params

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


def _fold(text: str | None) -> str:
    return normalize(text or "")


# --- Precision: every hit contains every query word as written ----------------------------
#
# The full-text match above picks candidates (it may over-match: 健康码 is looked up as
# 健康, 6.5% as 6 and 5); these conditions keep only entries whose normalized title or body
# contains each query word as a substring. A word beginning or ending in a digit (or an
# ASCII letter) must not continue a longer number (or word) there: "110" finds "110V" and
# "6.5%" finds "6.5%", but "g318" does not find "G3180" and "6.5%" does not find "16.5%".
# The same rule on both databases: instr/strpos plus one portable regular expression.

_EDGE_CLASS = (("0123456789", "[^0-9]"), ("abcdefghijklmnopqrstuvwxyz", "[^a-z]"))


def boundary_pattern(term: str) -> str | None:
    """The regular expression for `term` with its digit/letter edges, or None if it needs none."""
    before = next((cls for chars, cls in _EDGE_CLASS if term[0] in chars), None)
    after = next((cls for chars, cls in _EDGE_CLASS if term[-1] in chars), None)
    if before is None and after is None:
        return None
    # Backslash before every non-alphanumeric character is a literal in Python re and in
    # PostgreSQL's regular expressions alike.
    body = "".join(ch if ch.isalnum() else "\\" + ch for ch in term)
    return f"(^|{before}){body}" if after is None else (
        f"{body}({after}|$)" if before is None else f"(^|{before}){body}({after}|$)"
    )


def contains(backend, text_sql: str, term: str) -> tuple[str, list]:
    """SQL true when the folded `text_sql` contains `term` under the rule above."""
    folded = backend.fold(text_sql)
    func = "instr" if connection.vendor == "sqlite" else "strpos"
    sql, params = f"{func}({folded}, %s) > 0", [term]
    pattern = boundary_pattern(term)
    if pattern is not None:
        sql, params = f"{sql} AND {backend.regex(folded)}", [*params, pattern]
    return f"({sql})", params


def containment(backend, terms: tuple[str, ...]) -> tuple[str, list]:
    """Every term in the entry's title or body (one text, so no term spans the two)."""
    if not terms:
        return "1 = 1", []
    return containment_of(backend, backend.entry_text(), terms)


def boost(backend, match: Node, phrase: Node | None) -> tuple[str, list]:
    """A rank above relevance: 2 when the title matches the whole query, plus 1 when the
    query's words stand together as one phrase ("县城 积水" as 县城积水). Both are index
    look-ups (no row read beyond the index), cheap for 10,000 matches."""
    title_sql, params = backend.title_hit(match)
    sql = f"(CASE WHEN {title_sql} THEN 2 ELSE 0 END)"
    if phrase is not None:
        phrase_sql, phrase_params = backend.hit(phrase)
        sql += f" + (CASE WHEN {phrase_sql} THEN 1 ELSE 0 END)"
        params = [*params, *phrase_params]
    return sql, params


def containment_of(backend, text_sql: str, terms: tuple[str, ...]) -> tuple[str, list]:
    clauses, params = [], []
    for term in terms:
        sql, term_params = contains(backend, text_sql, term)
        clauses.append(sql)
        params.extend(term_params)
    return " AND ".join(clauses), params


def _quote(text: str, quote: str = '"') -> str:
    return quote + text.replace(quote, quote * 2) + quote


BACKENDS = {"sqlite": SQLiteFTS5(), "postgresql": PostgresFullText()}


def current() -> SQLiteFTS5 | PostgresFullText:
    try:
        return BACKENDS[connection.vendor]
    except KeyError:
        raise RuntimeError(f"全文检索只支持 SQLite 和 PostgreSQL，当前数据库是 {connection.vendor}。") from None


def select_sql(
    source: Source, where: str, where_params: list, limit: int, offset: int, rank: tuple[str, list] = ("0", [])
) -> tuple[str, list]:
    """One page of hits, best first, each carrying the number of all matches (a window count).

    Scores are computed innermost: FTS5 allows bm25() only right beside its MATCH, not under
    a window function. Titles and bodies are read for the page's rows only."""
    sql = (
        f"SELECT {COLUMNS}, page.boost, page.score, page.total FROM ("
        f" SELECT id, date, boost, score, count(*) OVER () AS total FROM ("
        f"  SELECT e.id, e.date, {rank[0]} AS boost, {source.score} AS score"
        f"  FROM {source.tables} WHERE {source.condition} AND {where}{source.fence}"
        f" ) AS matches ORDER BY {ORDER.format(prefix='')} LIMIT %s OFFSET %s"
        f") AS page JOIN core_searchentry AS e ON e.id = page.id ORDER BY {ORDER.format(prefix='page.')}"
    )
    return sql, [*rank[1], *source.params, *where_params, limit, offset]


def count_sql(source: Source, where: str, where_params: list) -> tuple[str, list]:
    """The number of matches alone, for a page past the last one."""
    sql = f"SELECT count(*) FROM {source.tables} WHERE {source.condition} AND {where}"
    return sql, [*source.params, *where_params]
