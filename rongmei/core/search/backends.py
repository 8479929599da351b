"""The two places the index lives: SQLite FTS5 and PostgreSQL full-text search.

Both receive the same parsed query (`segment.Node`) and the same filter conditions, and
differ only in how the query is written and which index a search walks. Every user-supplied
value is a bound parameter; query terms are letters and digits only (see `segment`), and
are quoted on top of that.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection

from rongmei.core.search.segment import All, Either, Node, Phrase, Prefix, normalize

COLUMNS = "e.id, e.kind, e.object_id, e.title, e.body, e.status, e.url, e.date, e.column_id, e.author_ids"


@dataclass(frozen=True)
class Source:
    """The FROM clause and the full-text condition, for one query."""

    tables: str
    condition: str
    params: list
    fence: str = ""  # keeps a planner from flattening the subquery


class SQLiteFTS5:
    """External-content FTS5 over (title_terms, body_terms).

    The FTS table is scanned first (CROSS JOIN fixes the join order), so the match picks
    the candidate rows, and their center and filters are checked in a narrow covering
    index. It is named because SQLite picks it on its own only after an ANALYZE, which
    nothing runs."""

    def source(self, match: Node, column: str = "") -> Source:
        return Source(
            tables=(
                "core_searchentry_fts CROSS JOIN core_searchentry AS e INDEXED BY core_searchentry_fts_filter"
                " ON e.id = core_searchentry_fts.rowid"
            ),
            condition="core_searchentry_fts MATCH %s",
            params=[column + "(" + self.expression(match) + ")" if column else self.expression(match)],
        )

    def title_source(self, match: Node, walk: bool = False) -> Source:
        """The entries whose title alone matches: the title terms' doclists drive (or, with
        `walk`, core_searchentry_walk newest first, probing the set of title matches)."""
        if walk:
            sql, params = self.hit(match, column="title_terms : ")
            return Source(tables="core_searchentry AS e INDEXED BY core_searchentry_walk", condition=sql,
                          params=params)
        return self.source(match, column="title_terms : ")

    def walk_source(self, match: Node) -> Source:
        """The entries newest first along core_searchentry_walk, each probed against the
        set of matches (built once): stops as soon as a page is full."""
        sql, params = self.hit(match)
        return Source(tables="core_searchentry AS e INDEXED BY core_searchentry_walk", condition=sql,
                      params=params)

    date_desc = "e.date DESC"

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


TITLE_VECTOR = "to_tsvector('simple'::regconfig, e.title_terms)"


class PostgresFullText:
    """The generated, GIN-indexed `search_vector` (title weight A, body weight B) with
    the `simple` configuration.

    The tsquery is built in SQL from bound parameters (phraseto_tsquery for terms and
    phrases, to_tsquery only for a prefix of one CJK character), never by pasting text.

    A limit SQLite does not have: PostgreSQL counts positions only up to 16,383, so past
    about 16,000 characters of a body, words of three or more characters (phrases of
    bigrams) are no longer found; two-character words and single characters still are."""

    def source(self, match: Node) -> Source:
        sql, params = self.expression(match)
        return Source(
            tables=f"core_searchentry AS e CROSS JOIN (SELECT {sql} AS query) AS q",
            condition="e.search_vector @@ q.query",
            params=params,
            # Without it PostgreSQL may flatten the subquery and tier the matches only after sorting.
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
        """The query on the title's terms alone: a small vector built from the row's short
        title_terms (cheaper than filtering the stored vector, which holds the body too),
        served by the GIN index core_searchentry_title_vector where a plan wants one."""
        sql, params = self.expression(node)
        return f"{TITLE_VECTOR} @@ {sql}", params

    def title_source(self, match: Node, walk: bool = False) -> Source:
        """The entries whose title matches: from the title GIN index (a few), or, with `walk`,
        along core_searchentry_walk newest first (many: the page fills after a few rows)."""
        base = self.source(match)
        condition = f"ts_match_vq({TITLE_VECTOR}, q.query)" if walk else f"{TITLE_VECTOR} @@ q.query"
        return Source(tables=base.tables, condition=condition, params=base.params)

    def walk_source(self, match: Node) -> Source:
        """The matches along core_searchentry_walk, newest first. The match is written as the
        function behind @@, which no index serves: PostgreSQL misjudges how many rows a
        phrase matches (600 for 19,000) and would otherwise read them all and sort."""
        base = self.source(match)
        return Source(tables=base.tables, condition="ts_match_vq(e.search_vector, q.query)", params=base.params)

    date_desc = "e.date DESC NULLS LAST"

    def hit(self, node: Node) -> tuple[str, list]:
        """A check on the row (the function behind @@, which no index serves), so a walk
        stays a walk: see `walk_source`."""
        sql, params = self.expression(node)
        return f"ts_match_vq(e.search_vector, {sql})", params

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


def count_sql(source: Source, where: str, where_params: list, cap: int | None = None) -> tuple[str, list]:
    """The number of matches; with `cap`, counting stops past it (cap + 1 means "more")."""
    if cap is None:
        sql = f"SELECT count(*) FROM {source.tables} WHERE {source.condition} AND {where}"
        return sql, [*source.params, *where_params]
    sql = f"SELECT count(*) FROM (SELECT 1 FROM {source.tables} WHERE {source.condition} AND {where} LIMIT %s) AS capped"
    return sql, [*source.params, *where_params, cap + 1]


# --- Ranking: tiers, then newest ------------------------------------------------------------
#
# The order of hits is: title contains the whole query (2) plus the query's words stand
# together as one phrase (1), highest first; within a tier, newest first, then the highest id.
# Every key is a column or an index look-up, so neither database reads many matches it does
# not show: up to searching.COUNT_CAP matches are ranked whole (`small_sql`); beyond that the
# tiers are asked one after the other, highest first (`tier_sql`), each walking
# core_searchentry_walk newest first (or reading a few title matches from the title index)
# and stopping when the page is full. Both give the same order (test_corpus checks it).
# A tier that is sparse among many matches (words found together thousands of times but
# apart only twice) is still walked to its end: the slow case left, and a rare one.

ORDER_TIERS = "{p}boost DESC, {p}date DESC NULLS LAST, {p}id DESC"


def small_sql(source: Source, where: str, where_params: list, limit: int, offset: int,
              rank: tuple[str, list]) -> tuple[str, list]:
    """One page of hits when the matches are few: all of them tiered, then sorted."""
    sql = (
        f"SELECT {COLUMNS}, page.boost, page.boost + 1 AS score FROM ("
        f" SELECT id, date, boost FROM ("
        f"  SELECT e.id, e.date, {rank[0]} AS boost"
        f"  FROM {source.tables} WHERE {source.condition} AND {where}{source.fence}"
        f" ) AS matches ORDER BY {ORDER_TIERS.format(p='')} LIMIT %s OFFSET %s"
        f") AS page JOIN core_searchentry AS e ON e.id = page.id ORDER BY {ORDER_TIERS.format(p='page.')}"
    )
    return sql, [*rank[1], *source.params, *where_params, limit, offset]


def tiers(backend, match: Node, phrase: Node | None, walk_titles: bool,
          walk_phrases: bool = True) -> list[tuple[int, Source, str, list]]:
    """(boost, source, extra condition, its params) for each tier, highest first.

    A tier is walked newest first, unless its matches are few and an index finds them all:
    the title matches (`walk_titles` False), the exact phrase's (`walk_phrases` False)."""
    title_sql, title_params = backend.title_hit(match)
    match_sql, match_params = backend.hit(match)
    out = []
    for in_title in (True, False):
        boost = 2 if in_title else 0
        source = backend.title_source(match, walk=walk_titles) if in_title else backend.walk_source(match)
        cond, params = ("1 = 1", []) if in_title else (f"NOT ({title_sql})", list(title_params))
        if phrase is None:
            out.append((boost, source, cond, params))
            continue
        phrase_sql, phrase_params = backend.hit(phrase)
        if walk_phrases or (in_title and not walk_titles):
            out.append((boost + 1, source, f"{cond} AND ({phrase_sql})", [*params, *phrase_params]))
        else:  # the phrase's few matches, from the index
            title_cond = f"({title_sql})" if in_title else f"NOT ({title_sql})"
            out.append((boost + 1, backend.source(phrase), f"{title_cond} AND ({match_sql})",
                        [*title_params, *match_params]))
        out.append((boost, source, f"{cond} AND NOT ({phrase_sql})", [*params, *phrase_params]))
    return out


def tier_sql(source: Source, cond: str, cond_params: list, boost: int, where: str, where_params: list,
             date_desc: str, limit: int) -> tuple[str, list]:
    """One tier's newest `limit` hits, page columns included."""
    sql = (
        f"SELECT {COLUMNS}, {boost} AS boost, {boost + 1} AS score FROM {source.tables}"
        f" WHERE {source.condition} AND {where} AND {cond}"
        f" ORDER BY {date_desc}, e.id DESC LIMIT %s"
    )
    return sql, [*source.params, *where_params, *cond_params, limit]
