"""The month's computation: every piece, rating, pickup, read threshold, deduction and
correction of one center's month turned into score lines, scorecards and 稿费 lines.

Why set-based SQL: a big center publishes thousands of pieces a month on a dozen outlets,
and the close of every center in a province runs in the same night. Looping over pieces in
Python costs a round trip per piece; here the rules document (appraisal.rules.RulesDoc) is
turned into CASE expressions and each kind of line is one INSERT … SELECT into a temporary
table, whatever the number of pieces. Only people (tens per center) are handled in Python:
their role, quota and pay (rongmei.appraisal.pay), then one bulk insert of scorecards, one
INSERT … SELECT of the lines and one of the fees.

Exact arithmetic on SQLite and PostgreSQL alike: SQLite keeps decimals as floating point, so
the SQL computes in whole numbers only — points in hundredths (cents of a point),
multipliers in ten-thousandths, shares in hundredths of a percent — and every rounding is
an integer "half up": floor((2·x + d) / (2·d)). The rules are read to that precision
(points and fee rates to 0.01, multipliers to 0.0001, half up).

What a piece is: a (story, outlet) whose first distribution Publication to that outlet
(status sent, corrected, taking down or taken down — a piece taken down after it went out
was still published; an error is a deduction) was sent in the month, in the center's time
zone. Two accounts on the same outlet make one piece. The outlet of a publication comes from
rongmei.analytics.outlets, written here as a CASE over the center's accounts.

Rounding, in this order:
    piece points     = base × originality × length band, to 0.01 half up (the line's 规则分值)
    a person's line  = piece points × share / total of the story's shares, to 0.01 half up
    deductions       = the same on the deducted points, then negative
Shares are normalised: a story whose byline shares add to 80 gives a 40 % byline half of
the piece; a byline whose shares add to 0 is split equally. Bylines without an account
(通讯员) take their share of the piece's 稿费 but no points; their share is not given to the
others.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from django.db import connection, transaction
from django.utils import timezone

from rongmei.analytics import outlets as outlet_map
from rongmei.analytics.selectors import piece_reads
from rongmei.appraisal import pay as pay_rules
from rongmei.appraisal.models import (
    Deduction,
    FeeLine,
    PayProfile,
    Period,
    Pickup,
    Rating,
    Scorecard,
    ScoreLine,
)
from rongmei.appraisal.rules import RulesDoc, rules_for
from rongmei.core.models import Membership
from rongmei.distribution.models import ChannelAccount, Publication
from rongmei.newsroom.models import Byline, Story

# Publication states that mean "it went out".
PUBLISHED = (Publication.Status.SENT, Publication.Status.CORRECTED, Publication.Status.TAKING_DOWN,
             Publication.Status.TAKEN_DOWN)
LEVEL_RANK = {"county": 1, "prefecture": 2, "provincial": 3, "central": 4}
LEVEL_LABEL = dict(Pickup.Level.choices)
POINT = 100  # points are computed in hundredths
MULT = 10000  # multipliers in ten-thousandths

T_PIECE = "appraisal_tmp_piece"
T_BYLINE = "appraisal_tmp_byline"
T_CREDIT = "appraisal_tmp_credit"


def _scaled(value, scale: int) -> int:
    return int((Decimal(value) * scale).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def num(value) -> str:
    """A decimal as people write it: 2, 0.6, 1.3 (no trailing zeros)."""
    text = format(Decimal(value).normalize(), "f")
    return text


def month_bounds(center, month: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """[start, end) of the month in the center's time zone, as aware datetimes."""
    zone = ZoneInfo(center.timezone or "Asia/Shanghai")
    first = month.replace(day=1)
    following = (first + dt.timedelta(days=32)).replace(day=1)
    return (dt.datetime.combine(first, dt.time.min, zone), dt.datetime.combine(following, dt.time.min, zone))


def month_days(month: dt.date) -> tuple[dt.date, dt.date]:
    first = month.replace(day=1)
    return first, (first + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)


class Q:
    """A piece of SQL with its parameters, joined in order (CASEs repeat their parameters)."""

    def __init__(self, sql: str = "", params=()):
        self.sql, self.params = sql, list(params)

    def __add__(self, other):
        other = other if isinstance(other, Q) else Q(other)
        return Q(self.sql + other.sql, self.params + other.params)

    def __radd__(self, other):
        return Q(other) + self


def _join(parts, sep: str) -> Q:
    out = Q()
    for i, part in enumerate(parts):
        out = out + (sep if i else "") + part
    return out


# --- SQL generated from the rules -------------------------------------------------------------

def outlet_case(center_ids, alias: str = "p") -> Q:
    """CASE giving a publication's outlet (analytics.outlets) from its account and channel."""
    by_outlet: dict[str, list[int]] = {}
    broadcast: list[int] = []
    for account in ChannelAccount.objects.filter(center_id__in=list(center_ids)).values("id", "kind", "options"):
        if account["kind"] == ChannelAccount.Kind.BROADCAST:
            broadcast.append(int(account["id"]))
            continue
        outlet = outlet_map.outlet_for_account(account["kind"], account["options"])
        by_outlet.setdefault(outlet, []).append(int(account["id"]))
    whens = []
    if broadcast:
        ids = ",".join(map(str, broadcast))
        whens.append(Q(f" WHEN {alias}.account_id IN ({ids}) AND {alias}.channel = %s THEN %s", ["tv", "tv"]))
        whens.append(Q(f" WHEN {alias}.account_id IN ({ids}) THEN %s", ["radio"]))
    for outlet, ids in sorted(by_outlet.items()):
        whens.append(Q(f" WHEN {alias}.account_id IN ({','.join(map(str, ids))}) THEN %s", [outlet]))
    if not whens:  # a bare constant would end up in GROUP BY, which PostgreSQL refuses
        return Q(f"CASE WHEN {alias}.account_id IS NULL THEN %s ELSE %s END", ["other", "other"])
    return Q("CASE") + _join(whens, "") + Q(" ELSE %s END", ["other"])


def _specific_case(rows, value, label, genre_col: str, outlet_col: str, *, default_value: int, default_label: str):
    """(value CASE, label CASE) choosing the most specific row by (genre, outlet):
    exact over (genre, *) over (*, outlet) over (*, *); the first of equal rows wins."""
    exact = [r for r in rows if r.genre != "*" and r.outlet != "*"]
    by_genre = [r for r in rows if r.genre != "*" and r.outlet == "*"]
    by_outlet = [r for r in rows if r.genre == "*" and r.outlet != "*"]
    anything = [r for r in rows if r.genre == "*" and r.outlet == "*"]
    whens_v, whens_l = [], []
    for r in exact:
        cond = Q(f" WHEN {genre_col} = %s AND {outlet_col} = %s", [r.genre, r.outlet])
        whens_v.append(cond + f" THEN {value(r)}")
        whens_l.append(cond + Q(" THEN %s", [label(r)]))
    for r in by_genre:
        cond = Q(f" WHEN {genre_col} = %s", [r.genre])
        whens_v.append(cond + f" THEN {value(r)}")
        whens_l.append(cond + Q(" THEN %s", [label(r)]))
    for r in by_outlet:
        cond = Q(f" WHEN {outlet_col} = %s", [r.outlet])
        whens_v.append(cond + f" THEN {value(r)}")
        whens_l.append(cond + Q(" THEN %s", [label(r)]))
    if anything:
        else_v, else_l = value(anything[0]), label(anything[0])
    else:
        else_v, else_l = default_value, default_label
    return (Q("CAST(CASE") + _join(whens_v, "") + f" ELSE {else_v} END AS BIGINT)",
            Q("CASE") + _join(whens_l, "") + Q(" ELSE %s END", [else_l]))


def _genre_label(code: str) -> str:
    return "全部体裁" if code == "*" else dict(Story.Genre.choices).get(code, code)


def _outlet_label(code: str) -> str:
    return "全部平台" if code == "*" else outlet_map.label(code)


def piece_points_case(rules: RulesDoc, genre_col="s.genre", outlet_col="pc.outlet"):
    return _specific_case(
        rules.piece_points, lambda r: _scaled(r.points, POINT),
        lambda r: f"{_genre_label(r.genre)}·{_outlet_label(r.outlet)} {num(r.points)}分",
        genre_col, outlet_col, default_value=0, default_label="无计分规则 0分")


def fee_case(rules: RulesDoc, genre_col="s.genre", outlet_col="pc.outlet"):
    return _specific_case(
        rules.fees, lambda r: _scaled(r.amount, POINT),
        lambda r: f"{_genre_label(r.genre)}·{_outlet_label(r.outlet)} {num(r.amount)}元",
        genre_col, outlet_col, default_value=0, default_label="")


def originality_case(rules: RulesDoc, col="s.originality"):
    labels = dict(Story.Originality.choices)
    whens_v, whens_l = [], []
    for code, mult in rules.originality.items():
        whens_v.append(Q(f" WHEN {col} = %s THEN {_scaled(mult, MULT)}", [code]))
        whens_l.append(Q(f" WHEN {col} = %s THEN %s", [code, f"{labels.get(code, code)}×{num(mult)}"]))
    if not whens_v:
        return Q(str(MULT)), Q("%s", ["×1"])
    return (Q("CAST(CASE") + _join(whens_v, "") + f" ELSE {MULT} END AS BIGINT)",
            Q("CASE") + _join(whens_l, "") + Q(" ELSE %s END", ["×1"]))


def band_case(rules: RulesDoc, col="s.body_chars"):
    whens_v, whens_l = [], []
    for band in rules.length_bands:
        cond = f" WHEN {col} >= {int(band.min_chars)}"
        if band.max_chars is not None:
            cond += f" AND {col} < {int(band.max_chars)}"
        text = (f"{band.min_chars}–{band.max_chars}字" if band.max_chars is not None else f"{band.min_chars}字以上")
        whens_v.append(Q(cond + f" THEN {_scaled(band.multiplier, MULT)}"))
        whens_l.append(Q(cond + " THEN %s", [f"{text}×{num(band.multiplier)}"]))
    if not whens_v:
        return Q(str(MULT)), Q("%s", ["×1"])
    return (Q("CAST(CASE") + _join(whens_v, "") + f" ELSE {MULT} END AS BIGINT)",
            Q("CASE") + _join(whens_l, "") + Q(" ELSE %s END", ["字数×1"]))


def _half_up(numerator: str, denominator: str) -> str:
    """floor(numerator / denominator + 1/2) for numerator ≥ 0, denominator > 0, in integers."""
    return f"((2 * ({numerator}) + ({denominator})) / (2 * ({denominator})))"


# --- The computation -----------------------------------------------------------------------------

@dataclass
class Outcome:
    people: int
    lines: int
    fees: int
    points: Decimal
    reward_pool: Decimal
    pieces: int


def _exec(cursor, q: Q | str, params=None):
    if isinstance(q, Q):
        cursor.execute(q.sql, q.params)
    else:
        cursor.execute(q, params or [])


def _dt(value: dt.datetime):
    return connection.ops.adapt_datetimefield_value(value)


def _decimal_expr(col: str, scale: int) -> str:
    """A whole-number column in 1/scale units as a decimal value to store."""
    if connection.vendor == "postgresql":
        return f"CAST({col} AS NUMERIC) / {scale}"
    return f"{col} / {scale}.0"


def _create_temp_tables(cursor) -> None:
    for name in (T_PIECE, T_BYLINE, T_CREDIT):
        cursor.execute(f"DROP TABLE IF EXISTS {name}")
    cursor.execute(f"CREATE TEMPORARY TABLE {T_PIECE} (story_id BIGINT, outlet VARCHAR(12), genre VARCHAR(12), "
                   f"cents BIGINT, fee_cents BIGINT, fee_rule VARCHAR(200), rule VARCHAR(200), reads BIGINT)")
    cursor.execute(f"CREATE TEMPORARY TABLE {T_BYLINE} (story_id BIGINT, user_id BIGINT, name VARCHAR(50), "
                   f"share_h BIGINT, total_h BIGINT)")
    cursor.execute(f"CREATE TEMPORARY TABLE {T_CREDIT} (user_id BIGINT, story_id BIGINT, kind VARCHAR(10), "
                   f"outlet VARCHAR(12), rule VARCHAR(200), base_cents BIGINT, share_h BIGINT, total_h BIGINT, "
                   f"cents BIGINT, reads BIGINT)")


def _drop_temp_tables(cursor) -> None:
    for name in (T_PIECE, T_BYLINE, T_CREDIT):
        cursor.execute(f"DROP TABLE IF EXISTS {name}")


def _insert_pieces(cursor, center, month: dt.date, rules: RulesDoc) -> None:
    start, end = month_bounds(center, month)
    day_from, day_to = month_days(month)
    pub = Publication._meta.db_table
    story = Story._meta.db_table
    outlet = outlet_case([center.pk])
    base_v, base_l = piece_points_case(rules)
    orig_v, orig_l = originality_case(rules)
    band_v, band_l = band_case(rules)
    fee_v, fee_l = fee_case(rules)
    reads_sql, reads_params = piece_reads([center.pk], day_from, day_to).query.sql_with_params()
    statuses = ", ".join(["%s"] * len(PUBLISHED))
    q = (Q(f"INSERT INTO {T_PIECE} (story_id, outlet, genre, cents, fee_cents, fee_rule, rule, reads) "
           "SELECT pc.story_id, pc.outlet, s.genre, (")
         + base_v + " * " + orig_v + " * " + band_v + " + 50000000) / 100000000, "
         + fee_v + ", SUBSTR(" + fee_l + ", 1, 200), SUBSTR(" + base_l + " || ' × ' || " + orig_l + " || ' × ' || "
         + band_l + ", 1, 200), COALESCE(r.reads, 0) "
         + "FROM (SELECT p.story_id, " + outlet + " AS outlet, MIN(p.sent_at) AS first_sent "
         + Q(f"FROM {pub} p WHERE p.center_id = %s AND p.sent_at IS NOT NULL AND p.status IN ({statuses}) ",
             [center.pk, *PUBLISHED])
         + Q(f"AND p.story_id IN (SELECT story_id FROM {pub} WHERE center_id = %s AND sent_at >= %s AND sent_at < %s) ",
             [center.pk, _dt(start), _dt(end)])
         + "GROUP BY p.story_id, " + outlet + ") pc "
         + f"JOIN {story} s ON s.id = pc.story_id "
         + Q(f"LEFT JOIN ({reads_sql}) r ON r.story_id = pc.story_id AND r.outlet = pc.outlet ", reads_params)
         + Q("WHERE pc.first_sent >= %s AND pc.first_sent < %s", [_dt(start), _dt(end)]))
    _exec(cursor, q)


def _insert_bylines(cursor, center, month: dt.date) -> None:
    """The bylines of every story the month touches, with normalised shares (share_h of total_h)."""
    start, end = month_bounds(center, month)
    first = month.replace(day=1)
    byline, story, pub = Byline._meta.db_table, Story._meta.db_table, Publication._meta.db_table
    rating, pickup, deduction = Rating._meta.db_table, Pickup._meta.db_table, Deduction._meta.db_table
    share_h = "CAST(ROUND(b.share * 100) AS BIGINT)"
    q = Q(f"INSERT INTO {T_BYLINE} (story_id, user_id, name, share_h, total_h) "
          f"SELECT b.story_id, b.user_id, b.name, CASE WHEN t.total_h > 0 THEN {share_h} ELSE 1 END, "
          f"CASE WHEN t.total_h > 0 THEN t.total_h ELSE t.n END "
          f"FROM {byline} b JOIN (SELECT b2.story_id, SUM(CAST(ROUND(b2.share * 100) AS BIGINT)) AS total_h, "
          f"COUNT(*) AS n FROM {byline} b2 JOIN {story} s2 ON s2.id = b2.story_id AND s2.center_id = %s "
          f"WHERE b2.story_id IN (SELECT story_id FROM {T_PIECE} "
          f"UNION SELECT story_id FROM {rating} WHERE center_id = %s AND month = %s "
          f"UNION SELECT story_id FROM {pickup} WHERE center_id = %s AND month = %s "
          f"UNION SELECT story_id FROM {deduction} WHERE center_id = %s AND month = %s AND story_id IS NOT NULL "
          f"UNION SELECT story_id FROM {pub} WHERE center_id = %s AND corrected_at >= %s AND corrected_at < %s) "
          f"GROUP BY b2.story_id) t ON t.story_id = b.story_id",
          [center.pk, center.pk, first, center.pk, first, center.pk, first, center.pk, _dt(start), _dt(end)])
    _exec(cursor, q)


def _credit(cursor, unit_sql: Q, *, kind: str, negative: bool = False) -> None:
    """Split per-story amounts (a SELECT giving story_id, outlet, rule, unit cents, reads)
    among the story's bylines with an account."""
    share = _half_up("u.unit * bl.share_h", "bl.total_h")
    points = f"-{share}" if negative else share
    base = "-u.unit" if negative else "u.unit"
    q = (Q(f"INSERT INTO {T_CREDIT} (user_id, story_id, kind, outlet, rule, base_cents, share_h, total_h, cents, reads) "
           f"SELECT bl.user_id, u.story_id, %s, u.outlet, u.rule, {base}, bl.share_h, bl.total_h, {points}, u.reads "
           f"FROM (", [kind]) + unit_sql
         + f") u JOIN {T_BYLINE} bl ON bl.story_id = u.story_id WHERE bl.user_id IS NOT NULL AND u.unit > 0")
    _exec(cursor, q)


def _insert_credit(cursor, center, month: dt.date, rules: RulesDoc) -> None:
    first = month.replace(day=1)
    start, end = month_bounds(center, month)
    # pieces
    _credit(cursor, Q(f"SELECT story_id, outlet, rule, cents AS unit, reads FROM {T_PIECE}"), kind=ScoreLine.Kind.PIECE)
    # read thresholds: the highest met per outlet
    if rules.read_thresholds:
        ordered = sorted(rules.read_thresholds, key=lambda r: (-r.reads, -r.points))
        whens_v = _join([Q(f" WHEN outlet = %s AND reads >= {int(r.reads)} THEN {_scaled(r.points, POINT)}", [r.outlet])
                         for r in ordered], "")
        whens_l = _join([Q(f" WHEN outlet = %s AND reads >= {int(r.reads)} THEN %s",
                           [r.outlet, f"{_outlet_label(r.outlet)}阅读量达{r.reads} {num(r.points)}分"])
                         for r in ordered], "")
        unit = (Q("SELECT story_id, outlet, CASE") + whens_l + " ELSE '' END AS rule, CAST(CASE" + whens_v
                + f" ELSE 0 END AS BIGINT) AS unit, 0 AS reads FROM {T_PIECE}")
        _credit(cursor, unit, kind=ScoreLine.Kind.READS)
    # 优稿
    if rules.ratings:
        rating = Rating._meta.db_table
        whens_v = _join([Q(f" WHEN level = %s THEN {_scaled(r.points, POINT)}", [r.code]) for r in rules.ratings], "")
        whens_l = _join([Q(" WHEN level = %s THEN %s", [r.code, f"{r.label} {num(r.points)}分"]) for r in rules.ratings], "")
        unit = (Q("SELECT story_id, '' AS outlet, CASE") + whens_l + " ELSE '' END AS rule, CAST(CASE" + whens_v
                + Q(f" ELSE 0 END AS BIGINT) AS unit, 0 AS reads FROM {rating} WHERE center_id = %s AND month = %s",
                    [center.pk, first]))
        _credit(cursor, unit, kind=ScoreLine.Kind.RATING)
    # 外宣: the highest level only; its long points when a pickup at that level is long
    if rules.pickups:
        pickup = Pickup._meta.db_table
        rank = "CASE level " + " ".join(f"WHEN '{code}' THEN {n}" for code, n in LEVEL_RANK.items()) + " ELSE 0 END"
        whens_v, whens_l = [], []
        for r in rules.pickups:
            n = LEVEL_RANK[r.level]
            whens_v.append(f" WHEN m.top = {n} AND m.is_long = 1 THEN {_scaled(r.long_points, POINT)}"
                           f" WHEN m.top = {n} THEN {_scaled(r.points, POINT)}")
            whens_l.append(Q(f" WHEN m.top = {n} AND m.is_long = 1 THEN %s WHEN m.top = {n} THEN %s",
                             [f"外宣·{LEVEL_LABEL[r.level]}（长篇） {num(r.long_points)}分",
                              f"外宣·{LEVEL_LABEL[r.level]} {num(r.points)}分"]))
        inner = Q(f"SELECT k.story_id, k.top, MAX(CASE WHEN pk.is_long THEN 1 ELSE 0 END) AS is_long "
                  f"FROM (SELECT story_id, MAX({rank}) AS top FROM {pickup} WHERE center_id = %s AND month = %s "
                  f"GROUP BY story_id) k JOIN {pickup} pk ON pk.story_id = k.story_id AND pk.center_id = %s "
                  f"AND pk.month = %s AND ({rank.replace('level', 'pk.level')}) = k.top GROUP BY k.story_id, k.top",
                  [center.pk, first, center.pk, first])
        unit = (Q("SELECT m.story_id, '' AS outlet, CASE") + _join(whens_l, "") + " ELSE '' END AS rule, CAST(CASE"
                + "".join(whens_v) + " ELSE 0 END AS BIGINT) AS unit, 0 AS reads FROM (" + inner + ") m")
        _credit(cursor, unit, kind=ScoreLine.Kind.PICKUP)
    # deductions on a piece (shared by its byline) — a deduction naming a person goes to that person
    deduction = Deduction._meta.db_table
    kinds = dict(Deduction.Kind.choices)
    kind_label = "CASE kind " + " ".join(f"WHEN '{k}' THEN '{v}'" for k, v in kinds.items()) + " ELSE '扣分' END"
    _credit(cursor, Q(f"SELECT story_id, '' AS outlet, SUBSTR({kind_label} || '：' || reason, 1, 200) AS rule, "
                      f"CAST(ROUND(points * 100) AS BIGINT) AS unit, 0 AS reads FROM {deduction} "
                      f"WHERE center_id = %s AND month = %s AND story_id IS NOT NULL AND user_id IS NULL",
                      [center.pk, first]), kind=ScoreLine.Kind.DEDUCTION, negative=True)
    _exec(cursor, Q(f"INSERT INTO {T_CREDIT} (user_id, story_id, kind, outlet, rule, base_cents, share_h, total_h, "
                    f"cents, reads) SELECT user_id, story_id, %s, '', SUBSTR({kind_label} || '：' || reason, 1, 200), "
                    f"-CAST(ROUND(points * 100) AS BIGINT), 1, 1, -CAST(ROUND(points * 100) AS BIGINT), 0 "
                    f"FROM {deduction} WHERE center_id = %s AND month = %s AND user_id IS NOT NULL",
                    [ScoreLine.Kind.DEDUCTION, center.pk, first]))
    # published corrections: one deduction per corrected piece (story, outlet)
    correction = _scaled(rules.deductions.correction, POINT)
    if correction > 0:
        pub = Publication._meta.db_table
        outlet = outlet_case([center.pk])
        unit = (Q("SELECT DISTINCT p.story_id, ") + outlet
                + Q(f" AS outlet, %s AS rule, {correction} AS unit, 0 AS reads FROM {pub} p "
                    f"WHERE p.center_id = %s AND p.corrected_at >= %s AND p.corrected_at < %s",
                    [f"更正 扣{num(rules.deductions.correction)}分", center.pk, _dt(start), _dt(end)]))
        _credit(cursor, unit, kind=ScoreLine.Kind.DEDUCTION, negative=True)


@dataclass
class Person:
    user_id: int
    role: str = ""
    org_unit_id: int | None = None
    cents: int = 0
    pieces: int = 0
    reads: int = 0


def people_of(center, rules: RulesDoc, extra_user_ids=()) -> dict[int, Person]:
    """Who gets a scorecard, with the role they are appraised in: everyone holding a role
    that has a quota or a default base, everyone with a PayProfile, and everyone who earned
    a line. A PayProfile of someone no longer active here pays nothing. With several roles, the one with the highest quota (then the highest default
    base, then the first granted) decides the quota and the org unit."""
    quotas, bases = rules.quotas, rules.pay.default_base
    profiles = set(PayProfile.objects.filter(center=center).values_list("user_id", flat=True))
    extra = set(extra_user_ids)
    chosen: dict[int, tuple] = {}
    for m in (Membership.objects.filter(center=center, user__is_active=True).order_by("id")
              .values("user_id", "role", "org_unit_id")):
        uid = m["user_id"]
        if not (m["role"] in quotas or m["role"] in bases or uid in profiles or uid in extra):
            continue
        key = (Decimal(quotas.get(m["role"], 0)), Decimal(bases.get(m["role"], 0)))
        best = chosen.get(uid)
        if best is None or key > best[0]:
            chosen[uid] = (key, m["role"], m["org_unit_id"])
        elif best[2] is None and m["org_unit_id"] is not None:
            chosen[uid] = (best[0], best[1], m["org_unit_id"])
    people = {uid: Person(uid, role, unit) for uid, (_, role, unit) in chosen.items()}
    for uid in extra:  # earned a line without a role here (or no longer active): points, no pay
        people.setdefault(uid, Person(uid))
    return people


def compute(period: Period, rules: RulesDoc | None = None) -> Outcome:
    """Replace `period`'s scorecards, lines and fees with a fresh computation (one
    transaction). The caller (services.compute / close) checks permission and lock state."""
    center = period.center
    month = period.month
    rules = rules or rules_for(center, month)
    card_t, line_t, fee_t = Scorecard._meta.db_table, ScoreLine._meta.db_table, FeeLine._meta.db_table
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {line_t} WHERE period_id = %s", [period.pk])
        cursor.execute(f"DELETE FROM {fee_t} WHERE period_id = %s", [period.pk])
        cursor.execute(f"DELETE FROM {card_t} WHERE period_id = %s", [period.pk])
        _create_temp_tables(cursor)
        _insert_pieces(cursor, center, month, rules)
        _insert_bylines(cursor, center, month)
        _insert_credit(cursor, center, month, rules)
        cursor.execute(f"SELECT user_id, SUM(cents), SUM(CASE WHEN kind = 'piece' THEN 1 ELSE 0 END), "
                       f"SUM(CASE WHEN kind = 'piece' THEN reads ELSE 0 END) FROM {T_CREDIT} GROUP BY user_id")
        totals = {int(u): (int(c or 0), int(n or 0), int(r or 0)) for u, c, n, r in cursor.fetchall()}
        cursor.execute(f"SELECT COUNT(*) FROM {T_PIECE}")
        pieces = int(cursor.fetchone()[0])
        people = people_of(center, rules, totals.keys())
        for uid, (cents, n, reads) in totals.items():
            person = people[uid]
            person.cents, person.pieces, person.reads = cents, n, reads
        profiles = dict(PayProfile.objects.filter(center=center).values_list("user_id", "base_amount"))
        sheet = pay_rules.pay_month(
            [pay_rules.Payee(user_id=p.user_id, role=p.role, org_unit_id=p.org_unit_id,
                             points=Decimal(p.cents) / POINT, base_amount=profiles.get(p.user_id) if p.role else Decimal(0))
             for p in people.values()], rules)
        cards = []
        for row in sheet.rows:
            person = people[row.user_id]
            cards.append(Scorecard(
                center=center, period=period, user_id=row.user_id, org_unit_id=person.org_unit_id,
                role=person.role, points=row.points, pieces=person.pieces, reads=person.reads, quota=row.quota,
                quota_ratio=row.quota_ratio, rank=row.rank, base_amount=row.base_amount,
                base_paid=row.base_paid, reward_paid=row.reward_paid, total_paid=row.total_paid))
        Scorecard.objects.bulk_create(cards, batch_size=500)
        share_pct = _half_up("c.share_h * 10000", "c.total_h")
        cursor.execute(
            f"INSERT INTO {line_t} (center_id, period_id, scorecard_id, kind, story_id, outlet, rule, base_points, "
            f"share, points) SELECT %s, %s, sc.id, c.kind, c.story_id, c.outlet, c.rule, "
            f"{_decimal_expr('c.base_cents', POINT)}, {_decimal_expr(share_pct, 100)}, "
            f"{_decimal_expr('c.cents', POINT)} FROM {T_CREDIT} c JOIN {card_t} sc ON sc.period_id = %s "
            f"AND sc.user_id = c.user_id ORDER BY sc.user_id, c.kind, c.story_id, c.outlet",
            [center.pk, period.pk, period.pk])
        lines = cursor.rowcount
        payprofile = PayProfile._meta.db_table
        fee_share = _half_up("bl.share_h * 10000", "bl.total_h")
        fee_amount = _half_up("p.fee_cents * bl.share_h", "bl.total_h")
        cursor.execute(
            f"INSERT INTO {fee_t} (center_id, period_id, user_id, name, story_id, outlet, genre, rate, share, amount) "
            f"SELECT %s, %s, bl.user_id, bl.name, p.story_id, p.outlet, p.genre, "
            f"{_decimal_expr('p.fee_cents', POINT)}, {_decimal_expr(fee_share, 100)}, "
            f"{_decimal_expr(fee_amount, POINT)} FROM {T_PIECE} p JOIN {T_BYLINE} bl ON bl.story_id = p.story_id "
            f"WHERE p.fee_cents > 0 AND (bl.user_id IS NULL OR bl.user_id IN "
            f"(SELECT user_id FROM {payprofile} WHERE center_id = %s AND pays_fees = %s)) "
            f"ORDER BY bl.name, p.story_id, p.outlet",
            [center.pk, period.pk, center.pk, True])
        fees = cursor.rowcount
        _drop_temp_tables(cursor)  # on an error the rollback drops them (DDL is transactional)
        Period.objects.filter(pk=period.pk).update(reward_pool=sheet.pool, computed_at=timezone.now())
        period.reward_pool = sheet.pool
    return Outcome(people=len(cards), lines=lines, fees=fees, points=sum((r.points for r in sheet.rows), Decimal(0)),
                   reward_pool=sheet.pool, pieces=pieces)
