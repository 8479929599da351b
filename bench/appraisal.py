"""绩效考核 month-close benchmark: many centers' months closed by the set-based engine, against
the same computation done row by row in Python.

    .venv/bin/python bench/appraisal.py                         # 100 centers × 60 staff × 5,000 pieces, PostgreSQL
    .venv/bin/python bench/appraisal.py --centers 2             # a smaller run
    .venv/bin/python bench/appraisal.py --sqlite --centers 2    # on SQLite (a temporary file)
    .venv/bin/python bench/appraisal.py --reference-centers 10  # the Python reference on the first 10 centers only

PostgreSQL: a database of its own (default rongmei_bench_appraisal on the local server, see
scripts/services.sh), created when missing and emptied at the start (the schema is migrated
once). Generation is bulk SQL (INSERT … SELECT over a numbers table) and is not timed.

Each center gets `--staff` people (reporters, editors, photographers in four org units, a
few with a PayProfile and paid 稿费), five accounts (WeChat, the site, Weibo, TV, Douyin) and
`--pieces` pieces in November 2026: half as many stories, each sent to two outlets, with 1–3
bylines (some with a 通讯员), shares that sometimes do not add to 100, reads per piece,
优稿 on 5 %, pickups at several levels on 4 %, corrections and deductions.

Timed:
1. the close: `services.close` for every center's November (engine: INSERT … SELECT from
   CASE expressions generated from the rules, then pay per person);
2. the reference: for the same centers, every publication, byline, read row, rating, pickup
   and deduction read into Python and every piece scored one by one with Decimal, then the
   same scorecards, lines and fees written with bulk inserts (what a straightforward
   implementation does). Both must give the same points per person, pay and fees; the
   bench stops with an error if they differ. Prints both times and the ratio.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import tempfile
import time
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))  # bench/bulk.py, also when imported by a test
from bulk import insert_select  # noqa: E402

MONTH = dt.date(2026, 11, 1)
DEFAULT_PG = "postgresql://rongmei:rongmei@127.0.0.1:5432/rongmei_bench_appraisal"


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--centers", type=int, default=100)
    p.add_argument("--staff", type=int, default=60)
    p.add_argument("--pieces", type=int, default=5000)
    p.add_argument("--sqlite", action="store_true", help="a temporary SQLite file instead of PostgreSQL")
    p.add_argument("--database-url", default=DEFAULT_PG)
    p.add_argument("--reference-centers", type=int, default=0, help="run the reference on this many centers (0: all)")
    return p.parse_args()


def setup_django(args) -> None:
    if args.sqlite:
        folder = tempfile.mkdtemp(prefix="bench-appraisal-")
        os.environ["DATABASE_URL"] = f"sqlite:///{folder}/bench.sqlite3"
    else:
        os.environ["DATABASE_URL"] = args.database_url
        import psycopg

        name = args.database_url.rsplit("/", 1)[1]
        admin = args.database_url.rsplit("/", 1)[0] + "/postgres"
        with psycopg.connect(admin, autocommit=True) as conn:
            if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
                conn.execute(f'CREATE DATABASE "{name}"')
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rongmei.settings")
    os.environ.setdefault("REDIS_URL", "")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


# --- Generation ----------------------------------------------------------------------------------

def generate(args) -> list:
    from django.db import connection, transaction

    from rongmei.analytics.models import PieceMetric
    from rongmei.appraisal.models import Deduction, PayProfile, Pickup, Rating
    from rongmei.core.models import Center, Membership, OrgUnit, User
    from rongmei.distribution.models import ChannelAccount, Publication
    from rongmei.newsroom.models import Byline, Story

    stories = args.pieces // 2
    roles = ["reporter"] * 6 + ["editor"] * 3 + ["photographer"]
    with transaction.atomic():
        centers = Center.objects.bulk_create([Center(name=f"压测中心{i}", slug=f"bench-{i}") for i in range(args.centers)])
        users, members, units, accounts, profiles = [], [], [], [], []
        for c in centers:
            units.extend(OrgUnit(center=c, name=name) for name in ("采访部", "编辑部", "新媒体部", "摄影部"))
        OrgUnit.objects.bulk_create(units)
        for i, c in enumerate(centers):
            for k in range(args.staff):
                users.append(User(username=f"b{i}-{k}", display_name=f"员工{i}-{k}", password="!"))
        User.objects.bulk_create(users, batch_size=2000)
        users = list(User.objects.filter(username__startswith="b").order_by("id"))
        by_name = {u.username: u for u in users}
        for i, c in enumerate(centers):
            cu = units[i * 4:(i + 1) * 4]
            for k in range(args.staff):
                u = by_name[f"b{i}-{k}"]
                members.append(Membership(center=c, user=u, role=roles[k % len(roles)], org_unit=cu[k % 4]))
                if k % 15 == 0:
                    profiles.append(PayProfile(center=c, user=u, base_amount=Decimal(3500 + 10 * k), pays_fees=k % 30 == 0))
            accounts.extend([
                ChannelAccount(center=c, kind="wechat", name="公众号"), ChannelAccount(center=c, kind="own_site", name="网站"),
                ChannelAccount(center=c, kind="weibo", name="微博"), ChannelAccount(center=c, kind="broadcast", name="电视"),
                ChannelAccount(center=c, kind="assisted", name="抖音", options={"outlet": "douyin"}),
            ])
        Membership.objects.bulk_create(members, batch_size=2000)
        PayProfile.objects.bulk_create(profiles)
        ChannelAccount.objects.bulk_create(accounts)
        admin = users[0]

    cur = connection.cursor()
    with transaction.atomic():
        for t in ("bench_n", "bench_center", "bench_staff", "bench_story"):
            cur.execute(f"DROP TABLE IF EXISTS {t}")
        cur.execute("CREATE TABLE bench_n (i INTEGER PRIMARY KEY)")
        cur.execute("INSERT INTO bench_n (i) WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < %s) "
                    "SELECT i FROM n", [max(stories, args.staff) - 1])
        cur.execute("CREATE TABLE bench_center (center_id BIGINT, idx INTEGER, wechat BIGINT, web BIGINT, weibo BIGINT, "
                    "tv BIGINT, douyin BIGINT)")
        for i, c in enumerate(centers):
            a = accounts[i * 5:(i + 1) * 5]
            cur.execute("INSERT INTO bench_center VALUES (%s, %s, %s, %s, %s, %s, %s)", [c.pk, i, *[x.pk for x in a]])
        cur.execute("CREATE TABLE bench_staff (center_id BIGINT, k INTEGER, user_id BIGINT)")
        rows = [(m.center_id, int(m.user.username.rsplit("-", 1)[1]), m.user_id) for m in members]
        cur.executemany("INSERT INTO bench_staff VALUES (%s, %s, %s)", rows)
        cur.execute("CREATE INDEX bench_staff_k ON bench_staff (center_id, k)")
        start = dt.datetime(2026, 11, 1, 0, 0, tzinfo=dt.UTC)
        t0 = time.perf_counter()
        sc = Story._meta.get_field("created_at")
        insert_select(cur, Story, {
            "center_id": "c.center_id", "headline": "'压测稿件'", "location": "CAST(n.i AS VARCHAR(12))",
            "source": "'bench'",
            "genre": "CASE n.i %% 6 WHEN 0 THEN 'text' WHEN 1 THEN 'photo' WHEN 2 THEN 'video' WHEN 3 THEN 'live' "
                     "WHEN 4 THEN 'h5' ELSE 'long_image' END",
            "originality": "CASE (n.i / 6) %% 3 WHEN 0 THEN 'original' WHEN 1 THEN 'adapted' ELSE 'reprint' END",
            "body_chars": "(n.i * 37) %% 3000", "status": "'published'", "created_by_id": str(admin.pk),
            "created_at": ("%s", [sc.get_db_prep_save(start, connection)]),
            "updated_at": ("%s", [sc.get_db_prep_save(start, connection)]),
        }, "FROM bench_n n CROSS JOIN bench_center c WHERE n.i < %s", [stories])
        cur.execute("CREATE TABLE bench_story AS SELECT id AS story_id, center_id, CAST(location AS INTEGER) AS j "
                    "FROM newsroom_story WHERE source = 'bench'")
        cur.execute("CREATE INDEX bench_story_j ON bench_story (center_id, j)")
        # bylines: j % 3 == 0 one (100), == 1 two (60 / 40), == 2 three (50 / 30 / 10 + 通讯员 10 on every other)
        for pos, share, cond in ((0, "CASE s.j %% 3 WHEN 0 THEN 100 WHEN 1 THEN 60 ELSE 50 END", "1 = 1"),
                                 (1, "CASE s.j %% 3 WHEN 1 THEN 40 ELSE 30 END", "s.j %% 3 > 0"),
                                 (2, "10", "s.j %% 3 = 2")):
            insert_select(cur, Byline, {
                "story_id": "s.story_id", "user_id": "st.user_id", "name": "'员工'", "role": "'reporter'",
                "share": share, "order": str(pos),
            }, f"FROM bench_story s JOIN bench_staff st ON st.center_id = s.center_id "
               f"AND st.k = (s.j * 7 + {pos * 13}) %% {args.staff} WHERE {cond}")
        insert_select(cur, Byline, {"story_id": "s.story_id", "name": "'王通讯'", "role": "'correspondent'",
                                    "share": "10", "order": "3"}, "FROM bench_story s WHERE s.j %% 6 = 2")
        # two publications per story, sent in November (Shanghai time), a few corrected
        sent = "%s"
        pub_at = Publication._meta.get_field("sent_at")
        for pos, account in ((0, "CASE s.j %% 4 WHEN 0 THEN c.wechat WHEN 1 THEN c.weibo WHEN 2 THEN c.douyin ELSE c.tv END"),
                             (1, "CASE s.j %% 4 WHEN 2 THEN c.wechat ELSE c.web END")):
            days = [pub_at.get_db_prep_save(start + dt.timedelta(days=d, hours=2), connection) for d in range(28)]
            day_case = f"CASE (s.j + {pos}) %% 28 " + " ".join(f"WHEN {d} THEN {sent}" for d in range(28)) + " END"
            insert_select(cur, Publication, {
                "center_id": "s.center_id", "story_id": "s.story_id", "account_id": account,
                "channel": "CASE s.j %% 4 WHEN 3 THEN 'tv' ELSE 'web' END" if pos == 0 else "'web'",
                "status": "CASE WHEN s.j %% 50 = 7 THEN 'corrected' ELSE 'sent' END", "story_version": "1",
                "content_hash": "'x'", "sent_at": (day_case, days), "created_by_id": str(admin.pk),
                "corrected_at": ("CASE WHEN s.j %% 50 = 7 THEN " + day_case + " ELSE NULL END", days),
            }, "FROM bench_story s JOIN bench_center c ON c.center_id = s.center_id", [])
        # reads per piece: one day's row per publication
        insert_select(cur, PieceMetric, {
            "center_id": "p.center_id", "key": "'pub:' || CAST(p.id AS VARCHAR(20))",
            "day": ("%s", [PieceMetric._meta.get_field("day").get_db_prep_save(dt.date(2026, 11, 20), connection)]),
            "outlet": "CASE p.account_id WHEN c.wechat THEN 'wechat' WHEN c.web THEN 'web' WHEN c.weibo THEN 'weibo' "
                      "WHEN c.douyin THEN 'douyin' ELSE 'tv' END",
            "story_id": "p.story_id", "publication_id": "p.id", "account_id": "p.account_id",
            "reads": "(p.story_id * 7919) %% 150000", "source": "'import'",
        }, "FROM distribution_publication p JOIN bench_center c ON c.center_id = p.center_id")
        month = Rating._meta.get_field("month").get_db_prep_save(MONTH, connection)
        insert_select(cur, Rating, {
            "center_id": "s.center_id", "story_id": "s.story_id", "month": ("%s", [month]),
            "level": "CASE s.j %% 3 WHEN 0 THEN 'A' WHEN 1 THEN 'B' ELSE 'C' END", "reason": "'好稿'",
            "awarded_by_id": str(admin.pk),
        }, "FROM bench_story s WHERE s.j %% 20 = 0")
        for level, cond, is_long in (("county", "s.j %% 25 = 0", False), ("provincial", "s.j %% 50 = 0", False),
                                     ("prefecture", "s.j %% 25 = 0", True)):
            insert_select(cur, Pickup, {
                "center_id": "s.center_id", "story_id": "s.story_id", "month": ("%s", [month]),
                "outlet_name": f"'{level}'", "level": f"'{level}'", "used_on": ("%s", [month]),
                "is_long": ("%s", [is_long]),
            }, f"FROM bench_story s WHERE {cond}")
        insert_select(cur, Deduction, {
            "center_id": "s.center_id", "month": ("%s", [month]), "kind": "'error'", "story_id": "s.story_id",
            "points": "1.5", "reason": "'差错'", "created_by_id": str(admin.pk),
        }, "FROM bench_story s WHERE s.j %% 100 = 3")
        insert_select(cur, Deduction, {
            "center_id": "st.center_id", "month": ("%s", [month]), "kind": "'other'", "user_id": "st.user_id",
            "points": "2", "reason": "'考勤'", "created_by_id": str(admin.pk),
        }, "FROM bench_staff st WHERE st.k %% 20 = 5")
        print(f"generated in {time.perf_counter() - t0:.1f}s: "
              f"{Story.objects.filter(source='bench').count():,} stories, {Publication.objects.count():,} publications, "
              f"{Byline.objects.count():,} bylines, {PieceMetric.objects.count():,} read rows", flush=True)
    return centers


# --- The reference: row by row in Python ----------------------------------------------------------

def q2(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def scaled(value, places: str) -> Decimal:
    return Decimal(value).quantize(Decimal(places), rounding=ROUND_HALF_UP)


def most_specific(rows, genre, outlet, attr):
    for match in ((genre, outlet), (genre, "*"), ("*", outlet), ("*", "*")):
        for row in rows:
            if (row.genre, row.outlet) == match:
                return scaled(getattr(row, attr), "0.01")
    return Decimal(0)


def split(unit: Decimal, share_h: int, total_h: int) -> Decimal:
    """unit × share_h / total_h to the cent, half up on the absolute value."""
    value = q2(abs(unit) * share_h / total_h)
    return -value if unit < 0 else value


def reference(center, period, rules) -> None:
    from rongmei.analytics.models import PieceMetric
    from rongmei.analytics.outlets import outlet_for_account
    from rongmei.appraisal import engine, pay
    from rongmei.appraisal.models import (
        Deduction,
        FeeLine,
        PayProfile,
        Pickup,
        Rating,
        Scorecard,
        ScoreLine,
    )
    from rongmei.distribution.models import ChannelAccount, Publication
    from rongmei.newsroom.models import Byline, Story

    start, end = engine.month_bounds(center, MONTH)
    day_from, day_to = engine.month_days(MONTH)
    accounts = {a.id: a for a in ChannelAccount.objects.filter(center=center)}
    first_sent, corrected = {}, set()
    for p in Publication.objects.filter(center=center).iterator(chunk_size=5000):
        account = accounts[p.account_id]
        outlet = outlet_for_account(account.kind, account.options, p.channel)
        if p.sent_at is not None and p.status in engine.PUBLISHED:
            key = (p.story_id, outlet)
            if key not in first_sent or p.sent_at < first_sent[key]:
                first_sent[key] = p.sent_at
        if p.corrected_at is not None and start <= p.corrected_at < end:
            corrected.add((p.story_id, outlet))
    pieces = [key for key, sent in first_sent.items() if start <= sent < end]
    reads = defaultdict(int)
    for m in PieceMetric.objects.filter(center=center, day__gte=day_from, day__lte=day_to, story__isnull=False).iterator(
            chunk_size=5000):
        reads[(m.story_id, m.outlet)] += m.reads
    ratings = list(Rating.objects.filter(center=center, month=MONTH))
    pickups = defaultdict(list)
    for pk in Pickup.objects.filter(center=center, month=MONTH):
        pickups[pk.story_id].append(pk)
    deductions = list(Deduction.objects.filter(center=center, month=MONTH))
    story_ids = ({s for s, _ in pieces} | {r.story_id for r in ratings} | set(pickups) | {s for s, _ in corrected}
                 | {d.story_id for d in deductions if d.story_id and not d.user_id})
    stories = {s.id: s for s in Story.objects.filter(id__in=story_ids).only("id", "genre", "originality", "body_chars")}
    bylines = defaultdict(list)
    for b in Byline.objects.filter(story_id__in=story_ids).order_by("id"):
        bylines[b.story_id].append(b)
    lines = []  # (user, story, kind, outlet, rule, base, share_h, total_h, points, reads)

    def shares(story_id):
        rows = bylines.get(story_id, [])
        total = sum(int(scaled(b.share * 100, "1")) for b in rows)
        return [(b, int(scaled(b.share * 100, "1")) if total > 0 else 1, total if total > 0 else len(rows)) for b in rows]

    def credit(story_id, kind, outlet, unit, piece_reads=0):
        if unit == 0:
            return
        for b, share_h, total_h in shares(story_id):
            if b.user_id:
                lines.append((b.user_id, story_id, kind, outlet, unit, share_h, total_h, split(unit, share_h, total_h),
                              piece_reads))

    orig = {k: scaled(v, "0.0001") for k, v in rules.originality.items()}
    fees = []
    pays_fees = set(PayProfile.objects.filter(center=center, pays_fees=True).values_list("user_id", flat=True))
    for story_id, outlet in pieces:
        s = stories[story_id]
        band = Decimal(1)
        for b in rules.length_bands:
            if s.body_chars >= b.min_chars and (b.max_chars is None or s.body_chars < b.max_chars):
                band = scaled(b.multiplier, "0.0001")
                break
        unit = q2(most_specific(rules.piece_points, s.genre, outlet, "points") * orig.get(s.originality, Decimal(1)) * band)
        n = reads.get((story_id, outlet), 0)
        credit(story_id, "piece", outlet, unit, n)
        for t in sorted(rules.read_thresholds, key=lambda r: (-r.reads, -r.points)):
            if t.outlet == outlet and n >= t.reads:
                credit(story_id, "reads", outlet, scaled(t.points, "0.01"))
                break
        rate = most_specific(rules.fees, s.genre, outlet, "amount")
        if rate > 0:
            for b, share_h, total_h in shares(story_id):
                if b.user_id is None or b.user_id in pays_fees:
                    fees.append(FeeLine(center=center, period=period, user_id=b.user_id, name=b.name, story_id=story_id,
                                        outlet=outlet, genre=s.genre, rate=rate,
                                        share=q2(Decimal(share_h * 100) / total_h), amount=split(rate, share_h, total_h)))
    levels = {r.code: r for r in rules.ratings}
    for r in ratings:
        if r.level in levels:
            credit(r.story_id, "rating", "", scaled(levels[r.level].points, "0.01"))
    pickup_rules = {p.level: p for p in rules.pickups}
    for story_id, rows in pickups.items():
        top = max(engine.LEVEL_RANK[p.level] for p in rows)
        at_top = [p for p in rows if engine.LEVEL_RANK[p.level] == top]
        rule = pickup_rules.get(at_top[0].level)
        if rule is not None:
            credit(story_id, "pickup", "", scaled(rule.long_points if any(p.is_long for p in at_top) else rule.points, "0.01"))
    for d in deductions:
        if d.user_id:
            lines.append((d.user_id, d.story_id, "deduction", "", -q2(d.points), 1, 1, -q2(d.points), 0))
        elif d.story_id:
            credit(d.story_id, "deduction", "", -q2(d.points))
    for story_id, outlet in corrected:
        credit(story_id, "deduction", outlet, -scaled(rules.deductions.correction, "0.01"))

    totals = defaultdict(lambda: [Decimal(0), 0, 0])
    for user, _, kind, _, _, _, _, points, n in lines:
        totals[user][0] += points
        if kind == "piece":
            totals[user][1] += 1
            totals[user][2] += n
    people = engine.people_of(center, rules, totals.keys())
    profiles = dict(PayProfile.objects.filter(center=center).values_list("user_id", "base_amount"))
    sheet = pay.pay_month([pay.Payee(user_id=p.user_id, role=p.role, org_unit_id=p.org_unit_id,
                                     points=totals[p.user_id][0] if p.user_id in totals else Decimal(0),
                                     base_amount=profiles.get(p.user_id) if p.role else Decimal(0)) for p in people.values()], rules)
    ScoreLine.objects.filter(period=period).delete()
    FeeLine.objects.filter(period=period).delete()
    Scorecard.objects.filter(period=period).delete()
    cards = {}
    for row in sheet.rows:
        person = people[row.user_id]
        t = totals.get(row.user_id, [0, 0, 0])
        cards[row.user_id] = Scorecard(
            center=center, period=period, user_id=row.user_id, org_unit_id=person.org_unit_id, role=person.role,
            points=row.points, pieces=t[1], reads=t[2], quota=row.quota, quota_ratio=row.quota_ratio, rank=row.rank,
            base_amount=row.base_amount, base_paid=row.base_paid, reward_paid=row.reward_paid, total_paid=row.total_paid)
    Scorecard.objects.bulk_create(cards.values(), batch_size=1000)
    ScoreLine.objects.bulk_create([
        ScoreLine(center=center, period=period, scorecard=cards[user], kind=kind, story_id=story, outlet=outlet,
                  rule=kind, base_points=unit, share=q2(Decimal(share_h * 100) / total_h), points=points)
        for user, story, kind, outlet, unit, share_h, total_h, points, _ in lines], batch_size=2000)
    FeeLine.objects.bulk_create(fees, batch_size=2000)


def snapshot(period) -> dict:
    """What must agree: points, pieces, reads and pay per person, the pool, line and fee counts
    and the fee total."""
    from django.db.models import Count, Sum

    from rongmei.appraisal.models import FeeLine, Period, Scorecard, ScoreLine

    cards = {c["user_id"]: c for c in Scorecard.objects.filter(period=period).values(
        "user_id", "points", "pieces", "reads", "base_paid", "reward_paid", "total_paid", "rank")}
    fees = FeeLine.objects.filter(period=period).aggregate(n=Count("id"), total=Sum("amount"))
    lines = ScoreLine.objects.filter(period=period).aggregate(n=Count("id"), total=Sum("points"))
    return {"cards": cards, "fees": (fees["n"], fees["total"]), "lines": lines["n"],
            "pool": Period.objects.get(pk=period.pk).reward_pool}


def main() -> None:
    args = parse_args()
    setup_django(args)
    from django.db import connection

    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}", flush=True)
    from rongmei.appraisal import periods, services
    from rongmei.appraisal.models import Period
    from rongmei.appraisal.rules import rules_for
    from rongmei.core.models import Center, Membership, User

    if Center.objects.filter(slug__startswith="bench-").exists():
        print("emptying the previous run …", flush=True)
        with connection.cursor() as cur:
            if connection.vendor == "postgresql":
                cur.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'django_migrations'")
                tables = [r[0] for r in cur.fetchall()]
                cur.execute("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE")
    centers = generate(args)
    admin_user = User.objects.create(username="bench-admin", display_name="考核员", is_superuser=True)
    for c in centers:
        Membership.objects.create(center=c, user=admin_user, role="appraiser")
    periods_ = [periods.get_or_open(c, MONTH) for c in centers]
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("ANALYZE")

    t0 = time.perf_counter()
    for period in periods_:
        services.close(period, admin_user)
    engine_s = time.perf_counter() - t0
    engine_snaps = {p.pk: snapshot(p) for p in periods_}
    pieces = sum(len(s["cards"]) for s in engine_snaps.values())
    total_lines = sum(s["lines"] for s in engine_snaps.values())
    print(f"close (set-based engine): {len(periods_)} centers, {total_lines:,} score lines, {pieces:,} scorecards "
          f"in {engine_s:.2f}s ({engine_s / len(periods_) * 1000:.0f} ms per center)", flush=True)

    ref = periods_[:args.reference_centers] if args.reference_centers else periods_
    t0 = time.perf_counter()
    for period in ref:
        period = Period.objects.select_related("center").get(pk=period.pk)
        reference(period.center, period, rules_for(period.center, MONTH))
    ref_s = time.perf_counter() - t0
    mismatches = 0
    for period in ref:
        mine, theirs = engine_snaps[period.pk], snapshot(period)
        if mine != theirs:
            mismatches += 1
            if mismatches <= 3:
                diff = {u: (mine["cards"].get(u), theirs["cards"].get(u)) for u in set(mine["cards"]) | set(theirs["cards"])
                        if mine["cards"].get(u) != theirs["cards"].get(u)}
                print(f"  MISMATCH center {period.center_id}: fees {mine['fees']} vs {theirs['fees']}, lines "
                      f"{mine['lines']} vs {theirs['lines']}, pool {mine['pool']} vs {theirs['pool']}, "
                      f"{len(diff)} people differ, e.g. {list(diff.items())[:2]}")
    share = len(ref) / len(periods_)
    print(f"reference (row by row in Python): {len(ref)} centers in {ref_s:.2f}s "
          f"({ref_s / len(ref) * 1000:.0f} ms per center)")
    print(f"ratio (reference / engine, per center): {(ref_s / len(ref)) / (engine_s / len(periods_)):.1f}×")
    print("totals agree" if not mismatches else f"{mismatches} centers DIFFER")
    if share < 1:
        print(f"(reference run on {len(ref)} of {len(periods_)} centers)")
    sys.exit(1 if mismatches else 0)


if __name__ == "__main__":
    main()
