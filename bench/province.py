"""省级规模基准: a generated province on PostgreSQL, and the staff pages people open most,
timed on it beside the same pages on a database holding one center of the same size.

    .venv/bin/python bench/province.py --reuse h27_scale_p          # 100 centers × 60 staff, 1,000,000 stories
    .venv/bin/python bench/province.py --scale 0.01 --reuse h27_s1  # 100 stories per center, to develop
    .venv/bin/python bench/province.py --centers 10 --scale 0.1     # fewer centers; fresh databases, dropped after

Two databases (PostgreSQL only; `--database-url` names the server, default the local one of
scripts/services.sh): the province `NAME` (a province center, `--centers` county centers under
ten cities) and the one-center baseline `NAME_one` (one county). Every county gets the same
data: `--staff` people (a chief editor, reviewers, editors, reporters, an operator, a
coordinator), 8 columns, 5 accounts, 10,000 × `--scale` stories with bylines and their search
entries, a review (with its tasks) for every story that went to review, 1–3 publications per
published story, and 1,000 × `--scale` inquiry cases. With `--reuse NAME` a database that
already holds a finished generation of the same shape is kept as it is (generation is paid
once); without it both databases are fresh and dropped at the end.

Generation is bulk SQL straight into the tables (INSERT … SELECT over a numbers table), not
through the services (far too slow for a million stories), but it writes what the services
write: statuses along the story's life (the newest pieces still in the desk's hands or in
review, older ones signed off and published, a few spiked), review records with their tasks
(open tasks due soon for the pieces in review), publications with sent times after sign-off
(a few failed or awaiting hand work), and one search entry per story whose index terms are
computed by `rongmei.core.search.segment.index_terms` (over a pool of texts from the search
benchmark's newsroom; PostgreSQL derives the tsvector column itself). Secondary indexes of
the big tables are dropped while loading and built again after, then VACUUM ANALYZE.

Measured in-process through Django's test Client (the whole request: middleware, view, ORM,
templates; no HTTP server), as the chief editor of one county (in the province: the middle
one, so its rows sit among the others): 工作台 /, 稿件列表 /stories/, 检索 /search/?q=…,
审核 /review/, 分发看板 /distribution/. `--requests` timed requests per page (after two
warm-ups), interleaved; prints p50 and p95 per page on both databases, the ratio
province / one center, the queries per page and, with `--slow`, the slowest statements of
each page on the province database. Target: every page under 300 ms p95 on the province.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse, urlunparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))  # bench/bulk.py, also when imported by a test
from bulk import insert_select  # noqa: E402

DEFAULT_PG = "postgresql://rongmei:rongmei@127.0.0.1:5432/postgres"
STORIES = 10_000  # per county at scale 1
CASES = 1_000  # per county at scale 1
POOL = 2_000  # distinct texts the stories are made of
SHAPE_VERSION = 1  # bump when the generated data changes shape: a reused database is rebuilt
TARGET_MS = 300.0
ROUND = 5  # timed requests per page and database before switching to the other database
SEARCH_WORD = "积水"

PAGES = [
    ("工作台", "/"),
    ("稿件列表", "/stories/"),
    ("检索", "/search/?q=" + SEARCH_WORD),
    ("审核待办", "/review/"),
    ("分发看板", "/distribution/"),
]

# Roles by staff number: 0 chief editor (the person measured), then the desk.
ROLES = (["chief_editor", "deputy_chief", "reviewer1", "reviewer1", "reviewer2", "reviewer2", "reviewer3",
          "operator", "coordinator", "proofreader"]
         + ["editor"] * 10)
# Index pages of a story's life (newest first): the newest few still in the desk's hands.
RECENT = 60  # the newest RECENT stories of a county are not finished
IN_REVIEW = 12  # of which this many are in review (open tasks in the inbox)


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--scale", type=float, default=1.0, help="stories and cases per center × this (1: 10,000 stories)")
    p.add_argument("--centers", type=int, default=100)
    p.add_argument("--staff", type=int, default=60)
    p.add_argument("--requests", type=int, default=30, help="timed requests per page")
    p.add_argument("--reuse", default="", metavar="NAME", help="keep the databases NAME and NAME_one, reuse them when complete")
    p.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_PG),
                   help="any database on the PostgreSQL server to use (only its server and credentials count)")
    p.add_argument("--slow", action="store_true", help="print each page's slowest statements on the province")
    p.add_argument("--as-is", action="store_true",
                   help="measure reused databases as they are, without migrations added since (a before/after comparison)")
    p.add_argument("--worker", default="", help=argparse.SUPPRESS)
    p.add_argument("--template", default="", help=argparse.SUPPRESS)  # internal: generate/measure one database
    return p.parse_args(argv)


def template_of(args, database: str) -> str:
    """The migrated, empty database each generation starts from (migrating takes minutes)."""
    if args.template:
        return args.template
    return (args.reuse or database.removesuffix("_one")) + "_tpl"


def db_url(base: str, name: str) -> str:
    return urlunparse(urlparse(base)._replace(path=f"/{name}"))


def admin_connection(base: str):
    import psycopg

    return psycopg.connect(db_url(base, "postgres"), autocommit=True)


# --- The orchestrator: one child process per database ------------------------------------------

def main() -> int:
    args = parse_args()
    if args.worker:
        return worker(args)
    if not args.database_url.startswith(("postgres://", "postgresql://")):
        print("省级规模基准只支持 PostgreSQL：请用 --database-url 指定 PostgreSQL 服务器。", file=sys.stderr)
        return 2
    name = args.reuse or f"rongmei_bench_province_{os.getpid()}"
    runs = [("省级平台", name, args.centers), ("单中心", f"{name}_one", 1)]
    results, workers = {}, {}
    try:
        for label, database, centers in runs:
            print(f"== {label}: database {database}, {centers} 个县级中心", flush=True)
            workers[label] = proc = start_worker(args, database, centers)
            results[label] = {**read_until(proc, "READY"), "times": {page: [] for page, _ in PAGES}}
        # Interleaved rounds: both databases are measured under the same load on a shared machine.
        done = 0
        while done < args.requests:
            n = min(ROUND, args.requests - done)
            for label, proc in workers.items():
                proc.stdin.write(f"round {n}\n")
                proc.stdin.flush()
                for page, values in read_until(proc, "TIMES").items():
                    results[label]["times"][page].extend(values)
            done += n
    finally:
        for proc in workers.values():
            if proc.poll() is None:
                proc.stdin.close()
                proc.wait()
        if not args.reuse:
            with admin_connection(args.database_url) as conn:
                for _, database, _ in runs:
                    conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        with admin_connection(args.database_url) as conn:  # the next run migrates it again (the code may change)
            conn.execute(f'DROP DATABASE IF EXISTS "{name}_tpl" WITH (FORCE)')
    for result in results.values():
        for page, values in result["times"].items():
            result["pages"][page].update(p50=statistics.median(values), p95=percentile(values, 0.95))
    report(args, results)
    province = results["省级平台"]["pages"]
    return 0 if all(province[label]["p95"] < TARGET_MS for label, _ in PAGES) else 1


def worker_env(args, database: str) -> dict:
    return {**os.environ, "DATABASE_URL": db_url(args.database_url, database), "DJANGO_SETTINGS_MODULE": "rongmei.settings",
            "REDIS_URL": "", "LOG_LEVEL": "WARNING", "LOG_FORMAT": "text", "DEBUG": "0",
            "ALLOWED_HOSTS": "testserver,127.0.0.1,localhost", "RONGMEI_VAR_DIR": var_dir(),
            "RONGMEI_QUEUE_NAME": f"rongmei-bench-province-{os.getpid()}"}


def worker_command(args, database: str, centers: int) -> list[str]:
    command = [sys.executable, __file__, "--worker", database, "--template", template_of(args, database),
               "--centers", str(centers), "--scale", str(args.scale), "--staff", str(args.staff),
               "--database-url", args.database_url]
    return command + (["--slow"] if args.slow else []) + (["--as-is"] if args.as_is else [])


def start_worker(args, database: str, centers: int) -> subprocess.Popen:
    """A child process on `database`: generates it if needed, says READY, then times rounds."""
    return subprocess.Popen(worker_command(args, database, centers), env=worker_env(args, database),
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)


def read_until(proc: subprocess.Popen, tag: str) -> dict:
    """Echo the child's lines until `tag {json}`; its JSON."""
    for line in proc.stdout:
        if line.startswith(tag + " "):
            return json.loads(line[len(tag) + 1:])
        print(line, end="", flush=True)
    raise SystemExit(f"the worker stopped (exit {proc.wait()})")


def var_dir() -> str:
    import tempfile

    return tempfile.mkdtemp(prefix="bench-province-")


def report(args, results: dict) -> None:
    one, prov = results["单中心"], results["省级平台"]
    print()
    for label, r in (("省级平台", prov), ("单中心", one)):
        g = r["generation"]
        state = f"generated in {g['seconds']:.0f} s" if not g["reused"] else f"reused (generated in {g['seconds']:.0f} s)"
        print(f"{label}: {r['stories']:,} stories, {r['publications']:,} publications, {r['reviews']:,} reviews, "
              f"{r['tasks']:,} review tasks, {r['cases']:,} cases, {r['entries']:,} search entries; "
              f"database {r['size_mb']:,.0f} MB; {state}")
    print(f"\nin-process (Django test Client), {args.requests} requests per page, p95 in ms; target < {TARGET_MS:.0f} ms\n")
    print(f"{'page':<10} {'path':<22} {'province p50':>12} {'p95':>8} {'one p50':>9} {'p95':>8} {'ratio p95':>10} {'queries':>8}")
    for label, path in PAGES:
        p, o = prov["pages"][label], one["pages"][label]
        flag = "" if p["p95"] < TARGET_MS else "  OVER TARGET"
        print(f"{label:<10} {path:<22} {p['p50']:>12.1f} {p['p95']:>8.1f} {o['p50']:>9.1f} {o['p95']:>8.1f} "
              f"{p['p95'] / o['p95']:>10.2f} {p['queries']:>8}{flag}")
    if args.slow:
        print("\nslowest statements per page on the province (ms, SQL):")
        for label, _ in PAGES:
            print(f"-- {label}")
            for ms, sql in prov["pages"][label]["slowest"]:
                print(f"   {ms:7.1f}  {sql[:300]}")


# --- The worker: one database ------------------------------------------------------------------

def worker(args) -> int:
    database = args.worker
    with admin_connection(args.database_url) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database]).fetchone():
            conn.execute(f'CREATE DATABASE "{database}"')
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    if database == args.template:
        call_command("migrate", verbosity=0)
        with connection.cursor() as cur:
            cur.execute("CREATE TABLE bench_template_ready (ok INTEGER)")
        connection.close()
        return 0

    shape = {"version": SHAPE_VERSION, "centers": args.centers, "scale": args.scale, "staff": args.staff}
    generation = finished_generation(shape)
    if generation is None:
        connection.close()
        ensure_template(args)
        with admin_connection(args.database_url) as conn:  # start clean: a half-made database is made again
            conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{database}" TEMPLATE "{args.template}"')
        call_command("migrate", verbosity=0)
        started = time.perf_counter()
        generate(args)
        seconds = time.perf_counter() - started
        with connection.cursor() as cur:
            cur.execute("CREATE TABLE bench_province_meta (shape TEXT, seconds DOUBLE PRECISION)")
            cur.execute("INSERT INTO bench_province_meta VALUES (%s, %s)", [json.dumps(shape, sort_keys=True), seconds])
        generation = {"seconds": seconds, "reused": False}
    elif pending_migrations() and not args.as_is:
        call_command("migrate", verbosity=0)  # e.g. indexes added since the generation
    client = logged_in_client()
    print("READY " + json.dumps({"generation": generation, **counts(), "pages": page_queries(args, client)}), flush=True)
    for line in sys.stdin:  # "round N": N timed requests per page, the pages interleaved
        if line.startswith("round "):
            print("TIMES " + json.dumps(timed_round(client, int(line.split()[1]))), flush=True)
    return 0


def pending_migrations() -> bool:
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    return bool(executor.migration_plan(executor.loader.graph.leaf_nodes()))


def ensure_template(args) -> None:
    import psycopg

    try:
        with psycopg.connect(db_url(args.database_url, args.template)) as conn:
            if conn.execute("SELECT to_regclass('bench_template_ready') IS NOT NULL").fetchone()[0]:
                return
    except psycopg.OperationalError:
        pass
    print("  migrating the template database", flush=True)
    with admin_connection(args.database_url) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{args.template}" WITH (FORCE)')
    proc = subprocess.run(worker_command(args, args.template, 0), env=worker_env(args, args.template), check=False)
    if proc.returncode:
        raise SystemExit(f"migrating {args.template} failed (exit {proc.returncode})")


def finished_generation(shape: dict) -> dict | None:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT to_regclass('bench_province_meta') IS NOT NULL")
        if not cur.fetchone()[0]:
            return None
        cur.execute("SELECT shape, seconds FROM bench_province_meta")
        row = cur.fetchone()
    if row is None or row[0] != json.dumps(shape, sort_keys=True):
        return None
    return {"seconds": row[1], "reused": True}


def counts() -> dict:
    from django.db import connection

    out = {}
    with connection.cursor() as cur:
        for key, table in (("stories", "newsroom_story"), ("publications", "distribution_publication"),
                           ("reviews", "review_review"), ("tasks", "review_reviewtask"), ("cases", "inquiry_case"),
                           ("entries", "core_searchentry")):
            cur.execute(f"SELECT count(*) FROM {table}")
            out[key] = cur.fetchone()[0]
        cur.execute("SELECT pg_database_size(current_database())")
        out["size_mb"] = cur.fetchone()[0] / 2**20
    return out


# --- Generation ----------------------------------------------------------------------------------

class SecondaryIndexesDropped:
    """Drop the tables' plain (non-constraint) indexes and foreign keys while loading; build
    them again after. A foreign key checked row by row costs a look-up per row and key (the
    deferred checks of five million rows took longer than the rows); added back with ALTER
    TABLE, each is checked once, by one join."""

    def __init__(self, cur, tables: list[str]):
        self.cur, self.tables, self.indexes, self.foreign_keys = cur, tables, [], []

    def __enter__(self):
        self.cur.execute(
            "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.tablename = ANY(%s) AND i.schemaname = 'public' "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)", [self.tables])
        self.indexes = self.cur.fetchall()
        self.cur.execute(
            "SELECT c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid) FROM pg_constraint c "
            "WHERE c.contype = 'f' AND c.conrelid::regclass::text = ANY(%s)", [self.tables])
        self.foreign_keys = self.cur.fetchall()
        for table, name, _ in self.foreign_keys:
            self.cur.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        for name, _ in self.indexes:
            self.cur.execute(f'DROP INDEX "{name}"')
        return self

    def __exit__(self, *exc):
        if exc[0] is None:
            self.cur.execute("SET maintenance_work_mem = '256MB'")
            for _, definition in self.indexes:
                self.cur.execute(definition)
            for table, name, definition in self.foreign_keys:
                self.cur.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
        return False


def text_pool(size: int) -> list[tuple]:
    """(headline, body html, plain body, title terms, body terms) for `size` stories of the
    search benchmark's county newsroom, terms computed as the index computes them."""
    from rongmei.core.search.segment import index_terms

    spec = importlib.util.spec_from_file_location("bench_search_corpus", ROOT / "bench" / "search.py")
    corpus = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(corpus)
    newsroom = corpus.Newsroom(27)
    pool = []
    for number in range(size):
        doc = newsroom.story(number)
        headline = doc.title[:100]
        paragraphs = doc.body.split("\n")
        html = "".join(f"<p>{p}</p>" for p in paragraphs)
        pool.append((number, headline, html, doc.body, index_terms(headline), index_terms(doc.body), len("".join(doc.body.split()))))
    return pool


def generate(args) -> None:
    import datetime as dt

    from django.db import connection, transaction
    from django.utils import timezone

    from rongmei.core.models import Center, Membership, User
    from rongmei.core.search.models import SearchEntry
    from rongmei.distribution.models import ChannelAccount, Publication
    from rongmei.inquiry.models import Case
    from rongmei.newsroom.models import Byline, Column, Story
    from rongmei.review.models import Review, ReviewTask, Workflow, WorkflowStep

    t0 = time.perf_counter()
    stories = max(RECENT + 10, round(STORIES * args.scale))
    cases = max(20, round(CASES * args.scale))
    staff = max(len(ROLES) + 4, args.staff)
    now = timezone.now().replace(microsecond=0)
    with transaction.atomic():
        province = Center.objects.create(name="压测省融媒云平台", slug="bench-sheng", level="province") if args.centers > 1 else None
        cities = Center.objects.bulk_create([
            Center(name=f"压测市{k}融媒体中心", slug=f"bench-shi-{k}", level="city", parent=province)
            for k in range(min(10, args.centers))]) if province else []
        centers = Center.objects.bulk_create([
            Center(name=f"压测县{i}融媒体中心", slug=f"bench-{i}", level="county",
                   parent=cities[i % len(cities)] if cities else None) for i in range(args.centers)])
        User.objects.bulk_create([User(username=f"b{i}-{k}", display_name=f"员工{i}-{k}", password="!")
                                  for i in range(args.centers) for k in range(staff)], batch_size=5000)
        ids = dict(User.objects.filter(username__startswith="b").values_list("username", "id"))
        roles = ROLES + ["reporter"] * (staff - len(ROLES))
        Membership.objects.bulk_create([Membership(center=c, user_id=ids[f"b{i}-{k}"], role=roles[k])
                                        for i, c in enumerate(centers) for k in range(staff)]
                                       # the chief editor (the person measured) also runs the account matrix
                                       + [Membership(center=c, user_id=ids[f"b{i}-0"], role="operator") for i, c in enumerate(centers)],
                                       batch_size=5000)
        Column.objects.bulk_create([Column(center=c, name=name, slug=f"col-{n}", order=n) for c in centers
                                    for n, name in enumerate(["时政", "民生", "乡村振兴", "文旅", "教育", "政务", "视频", "评论"])])
        accounts = ChannelAccount.objects.bulk_create([
            ChannelAccount(center=c, kind=kind, name=name, **({"options": {"outlet": "douyin"}} if kind == "assisted" else {}))
            for c in centers for kind, name in (("own_site", "网站"), ("wechat", "公众号"), ("weibo", "微博"),
                                                ("broadcast", "电视"), ("assisted", "抖音"))])
        workflows = Workflow.objects.bulk_create([Workflow(center=c, name="三审三校") for c in centers])
        steps_json = [
            {"name": name, "kind": "review", "role": role, "person": None, "can_send_back": True,
             "send_back_to": "author", "hours": 24, "supervisor_role": "chief_editor"}
            for name, role in (("一审", "reviewer1"), ("二审", "reviewer2"), ("三审", "reviewer3"))]
        WorkflowStep.objects.bulk_create([
            WorkflowStep(workflow=w, order=n, name=s["name"], role=s["role"], supervisor_role="chief_editor")
            for w in workflows for n, s in enumerate(steps_json)])
    print(f"  centers, {len(centers) * staff:,} people, columns, accounts, workflows: {time.perf_counter() - t0:.1f} s", flush=True)

    pool = text_pool(POOL)
    print(f"  text pool ({POOL} stories, index terms computed): {time.perf_counter() - t0:.1f} s", flush=True)

    cur = connection.cursor()
    with transaction.atomic():
        cur.execute("CREATE TEMP TABLE bench_n (i INTEGER PRIMARY KEY)")
        cur.execute("INSERT INTO bench_n SELECT generate_series(0, %s)", [max(stories, cases) - 1])
        cur.execute("CREATE TEMP TABLE bench_text (p INTEGER PRIMARY KEY, headline TEXT, html TEXT, plain TEXT, "
                    "title_terms TEXT, body_terms TEXT, chars INTEGER)")
        with cur.cursor.copy("COPY bench_text FROM STDIN") as copy:
            for row in pool:
                copy.write_row(row)
        cur.execute("CREATE TEMP TABLE bench_center (center_id BIGINT PRIMARY KEY, idx INTEGER, workflow_id BIGINT, "
                    "col0 BIGINT, site BIGINT, wechat BIGINT, weibo BIGINT, tv BIGINT, douyin BIGINT)")
        columns = {(c, n): pk for pk, c, n in Column.objects.values_list("pk", "center_id", "order")}
        for i, c in enumerate(centers):
            a = accounts[i * 5:(i + 1) * 5]
            cur.execute("INSERT INTO bench_center VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
                        [c.pk, i, workflows[i].pk, columns[(c.pk, 0)], *[x.pk for x in a]])
        cur.execute("CREATE TEMP TABLE bench_staff (center_id BIGINT, k INTEGER, user_id BIGINT, PRIMARY KEY (center_id, k))")
        cur.executemany("INSERT INTO bench_staff VALUES (%s, %s, %s)",
                        [(c.pk, k, ids[f"b{i}-{k}"]) for i, c in enumerate(centers) for k in range(staff)])
        for table in ("bench_n", "bench_text", "bench_center", "bench_staff"):
            cur.execute(f"ANALYZE {table}")

        big = ["newsroom_story", "newsroom_byline", "core_searchentry", "review_review", "review_reviewtask",
               "distribution_publication", "inquiry_case"]
        with SecondaryIndexesDropped(cur, big):
            # Story j of a county: j = 0 the oldest; age (newest = 0) r = S-1-j; one story per
            # ~2.6 hours back from now, so 10,000 stories span three years.
            step = dt.timedelta(days=3 * 365) / stories
            # The newest RECENT: in the desk's hands (r < IN_REVIEW in review); older: signed off,
            # one in 40 spiked.
            status = (f"CASE WHEN r < {IN_REVIEW} THEN 'in_review' WHEN r < {RECENT} THEN "
                      f"(ARRAY['draft','filed','editing','ready'])[1 + r % 4] "
                      f"WHEN j % 40 = 17 THEN 'spiked' ELSE 'signed_off' END")
            cur.execute("CREATE TEMP TABLE bench_story (center_id BIGINT, j INTEGER, r INTEGER, p INTEGER, "
                        "status TEXT, created TIMESTAMPTZ, author BIGINT, PRIMARY KEY (center_id, j))")
            cur.execute(
                f"INSERT INTO bench_story SELECT c.center_id, n.i, %s - 1 - n.i, (n.i * 7 + c.idx * 13) %% {POOL}, "
                f"'', %s - (%s - n.i) * %s, 0 FROM bench_n n CROSS JOIN bench_center c WHERE n.i < %s",
                [stories, now, stories, step, stories])
            cur.execute(f"UPDATE bench_story SET status = {status}, "
                        f"author = (SELECT user_id FROM bench_staff st WHERE st.center_id = bench_story.center_id "
                        f"AND st.k = {len(ROLES)} + bench_story.j % {staff - len(ROLES)})")
            insert_select(cur, Story, {
                "center_id": "s.center_id", "headline": "t.headline", "body": "t.html", "body_chars": "t.chars",
                "column_id": "c.col0 + s.j %% 8", "location": "'城关镇'", "source": "'压测县融媒体中心'",
                "genre": "(ARRAY['text','text','text','photo','video','h5'])[1 + s.j %% 6]",
                "originality": "CASE WHEN s.j %% 5 = 0 THEN 'reprint' ELSE 'original' END",
                "status": "s.status", "version": "1 + s.j %% 4", "created_by_id": "s.author",
                "created_at": "s.created", "updated_at": "s.created + interval '3 hours'",
                "tags": "'[]'::jsonb", "summary": "''",
            }, "FROM bench_story s JOIN bench_text t ON t.p = s.p JOIN bench_center c ON c.center_id = s.center_id "
               "ORDER BY s.created, s.center_id")
            cur.execute("ALTER TABLE bench_story ADD COLUMN story_id BIGINT")
            cur.execute("UPDATE bench_story s SET story_id = x.id FROM newsroom_story x "
                        "WHERE x.center_id = s.center_id AND x.created_at = s.created")
            print(f"  {stories * len(centers):,} stories: {time.perf_counter() - t0:.1f} s", flush=True)
            # bylines: the author (100, or 70 with a photographer's 30 on every third)
            insert_select(cur, Byline, {
                "story_id": "s.story_id", "user_id": "s.author", "name": "u.display_name", "role": "'reporter'",
                "share": "CASE WHEN s.j %% 3 = 0 THEN 70 ELSE 100 END", "order": "0",
            }, "FROM bench_story s JOIN core_user u ON u.id = s.author")
            insert_select(cur, Byline, {
                "story_id": "s.story_id", "user_id": "st.user_id", "name": "u.display_name", "role": "'photographer'",
                "share": "30", "order": "1",
            }, f"FROM bench_story s JOIN bench_staff st ON st.center_id = s.center_id AND st.k = {len(ROLES)} + "
               f"(s.j + 1) %% {staff - len(ROLES)} JOIN core_user u ON u.id = st.user_id WHERE s.j %% 3 = 0")
            print(f"  bylines: {time.perf_counter() - t0:.1f} s", flush=True)
            # search entries, as newsroom.services.stories.reindex writes them
            insert_select(cur, SearchEntry, {
                "center_id": "s.center_id", "kind": "'story'", "object_id": "CAST(s.story_id AS VARCHAR(20))",
                "title": "t.headline", "body": "t.plain", "title_terms": "t.title_terms", "body_terms": "t.body_terms",
                "status": "s.status", "column_id": "c.col0 + s.j %% 8",
                "author_ids": "'|' || CAST(s.author AS VARCHAR(20)) || '|' || "
                              "CASE WHEN s.j %% 3 = 0 THEN CAST(st.user_id AS VARCHAR(20)) || '|' ELSE '' END",
                "date": "s.created + interval '3 hours'", "url": "'/stories/' || CAST(s.story_id AS VARCHAR(20)) || '/'",
                "updated_at": "s.created + interval '3 hours'",
            }, f"FROM bench_story s JOIN bench_text t ON t.p = s.p JOIN bench_center c ON c.center_id = s.center_id "
               f"JOIN bench_staff st ON st.center_id = s.center_id AND st.k = {len(ROLES)} + (s.j + 1) %% {staff - len(ROLES)}")
            print(f"  search entries: {time.perf_counter() - t0:.1f} s", flush=True)
            # reviews: every signed-off story went through the three steps; in-review ones sit at
            # step r % 3 with an open task; one signed-off story in 12 was sent back once first.
            steps_sql = ("%s::jsonb", [json.dumps(steps_json, ensure_ascii=False)])
            insert_select(cur, Review, {
                "center_id": "s.center_id", "story_id": "s.story_id", "workflow_id": "c.workflow_id",
                "workflow_name": "'三审三校'", "steps": steps_sql, "channels": "'[]'::jsonb",
                "status": "CASE WHEN s.status = 'in_review' THEN 'in_review' ELSE 'signed_off' END",
                "current_step": "CASE WHEN s.status = 'in_review' THEN s.r %% 3 ELSE 2 END",
                "content_hash": "md5(CAST(s.story_id AS TEXT)) || md5(CAST(s.story_id AS TEXT))",
                "lineage": "'[]'::jsonb", "submitted_by_id": "s.author",
                "submitted_at": "s.created + interval '1 hour'",
                "updated_at": "CASE WHEN s.status = 'in_review' THEN s.created + interval '2 hours' "
                              "ELSE s.created + interval '3 hours' END",
            }, "FROM bench_story s JOIN bench_center c ON c.center_id = s.center_id "
               "WHERE s.status IN ('in_review', 'signed_off')")
            cur.execute("CREATE TEMP TABLE bench_review AS SELECT r.id AS review_id, s.center_id, s.j, s.r, s.status, s.created, "
                        "r.current_step FROM review_review r JOIN bench_story s ON s.story_id = r.story_id")
            for index, name, role in ((0, "一审", 2), (1, "二审", 4), (2, "三审", 6)):
                insert_select(cur, ReviewTask, {
                    "review_id": "b.review_id", "step_index": str(index), "step_name": f"'{name}'",
                    "status": f"CASE WHEN b.status = 'in_review' AND b.current_step = {index} THEN 'open' ELSE 'approved' END",
                    "opened_at": f"b.created + interval '{60 + index * 30} minutes'",
                    "due_at": ((f"CASE WHEN b.status = 'in_review' THEN %s + (b.r - 4) * interval '1 hour' "
                                f"ELSE b.created + interval '{24 + index} hours' END"), [now]),
                    "closed_at": f"CASE WHEN b.status = 'in_review' AND b.current_step = {index} THEN NULL "
                                 f"ELSE b.created + interval '{80 + index * 30} minutes' END",
                    "actor_id": f"CASE WHEN b.status = 'in_review' AND b.current_step = {index} THEN NULL ELSE st.user_id END",
                }, f"FROM bench_review b JOIN bench_staff st ON st.center_id = b.center_id AND st.k = {role} + b.j %% 2 "
                   f"WHERE b.status = 'signed_off' OR b.current_step >= {index}")
            print(f"  reviews and tasks: {time.perf_counter() - t0:.1f} s", flush=True)
            # publications: site for every signed-off story, WeChat for half, Douyin for one in five;
            # sent an hour after sign-off; among the newest a few failed or waiting for hand work.
            for account, cond, channel in (("c.site", "1 = 1", "web"), ("c.wechat", "s.j %% 2 = 0", "wechat"),
                                           ("c.douyin", "s.j %% 5 = 0", "video")):
                insert_select(cur, Publication, {
                    "center_id": "s.center_id", "story_id": "s.story_id", "account_id": account,
                    "channel": f"'{channel}'",
                    "status": ("CASE WHEN s.r < 90 AND s.j %% 17 = 0 THEN 'failed' "
                               "WHEN s.r < 90 AND s.j %% 19 = 0 AND " + account + " = c.douyin THEN 'awaiting' ELSE 'sent' END"),
                    "story_version": "1", "content_hash": "md5(CAST(s.story_id AS TEXT)) || md5(CAST(s.story_id AS TEXT))",
                    "remote_url": "'/site/stories/' || CAST(s.story_id AS VARCHAR(20)) || '/'",
                    "sent_at": "CASE WHEN s.r < 90 AND (s.j %% 17 = 0 OR s.j %% 19 = 0) THEN NULL ELSE s.created + interval '4 hours' END",
                    "last_error": "CASE WHEN s.r < 90 AND s.j %% 17 = 0 THEN '平台返回错误：频率超限' ELSE '' END",
                    "handoff": ("CASE WHEN s.r < 90 AND s.j %% 19 = 0 AND " + account + " = c.douyin THEN 'publish' ELSE '' END"),
                    "created_by_id": "s.author", "created_at": "s.created + interval '4 hours'",
                    "updated_at": "s.created + interval '4 hours'",
                }, f"FROM bench_story s JOIN bench_center c ON c.center_id = s.center_id WHERE s.status = 'signed_off' AND {cond}")
            print(f"  publications: {time.perf_counter() - t0:.1f} s", flush=True)
            # inquiry cases: one a day or so, most closed; the newest still open, with deadlines
            case_step = dt.timedelta(days=3 * 365) / cases
            insert_select(cur, Case, {
                "center_id": "c.center_id",
                "code": "'B' || lpad(CAST(c.idx AS TEXT), 4, '0') || lpad(CAST(n.i AS TEXT), 7, '0')",
                "kind": "(ARRAY['consult','suggest','complain','help','tip'])[1 + n.i %% 5]",
                "title": "'路灯不亮，夜间出行不便'", "text": "'小区门口的路灯坏了一个多月，晚上出行很不方便，希望尽快修好。'",
                "phone": "'13800000000'", "source": "'web'",
                "status": f"CASE WHEN n.i >= {cases} - 10 THEN (ARRAY['submitted','processing'])[1 + n.i %% 2] ELSE 'closed' END",
                "text_hash": "md5(CAST(c.idx AS TEXT) || '-' || CAST(n.i AS TEXT))",
                "created_at": ("%s - (%s - n.i) * %s", [now, cases, case_step]),
                "ack_due_at": ("%s - (%s - n.i) * %s + interval '1 day'", [now, cases, case_step]),
                "due_at": ("%s - (%s - n.i) * %s + interval '5 days'", [now, cases, case_step]),
                "accepted_at": (f"CASE WHEN n.i >= {cases} - 10 AND n.i %% 2 = 0 THEN NULL ELSE %s - (%s - n.i) * %s + interval '2 hours' END",
                                [now, cases, case_step]),
                "closed_at": (f"CASE WHEN n.i >= {cases} - 10 THEN NULL ELSE %s - (%s - n.i) * %s + interval '3 days' END",
                              [now, cases, case_step]),
                "replied_at": (f"CASE WHEN n.i >= {cases} - 10 THEN NULL ELSE %s - (%s - n.i) * %s + interval '2 days' END",
                               [now, cases, case_step]),
                "updated_at": ("%s - (%s - n.i) * %s + interval '3 days'", [now, cases, case_step]),
            }, "FROM bench_n n CROSS JOIN bench_center c WHERE n.i < %s", [cases])
            print(f"  {cases * len(centers):,} cases: {time.perf_counter() - t0:.1f} s; building indexes", flush=True)
    connection.close()
    connection.connect()
    connection.connection.autocommit = True
    with connection.cursor() as cur:
        cur.execute("VACUUM ANALYZE")
    print(f"  indexes, VACUUM ANALYZE: {time.perf_counter() - t0:.1f} s", flush=True)


# --- Measuring ---------------------------------------------------------------------------------------

def logged_in_client():
    """The chief editor of one county (in the province: the middle one)."""
    from django.test import Client

    from rongmei.core.models import Center, User

    county = Center.objects.filter(level="county").order_by("id")
    center = county[county.count() // 2]
    user = User.objects.get(username=f"b{center.slug.rsplit('-', 1)[1]}-0")
    client = Client()
    client.force_login(user)
    return client


def page_queries(args, client) -> dict:
    """Per page, after two warm-ups (caches, templates): its statements, and the slowest."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    info = {}
    for label, path in PAGES:
        for _ in range(2):
            response = client.get(path)
            if response.status_code != 200:
                raise SystemExit(f"{label} {path}: HTTP {response.status_code}")
        with CaptureQueriesContext(connection) as queries:
            client.get(path)
        slowest = sorted(((float(q["time"]) * 1000, q["sql"]) for q in queries.captured_queries), reverse=True)[:3]
        info[label] = {"queries": len(queries.captured_queries), "slowest": slowest if args.slow else []}
    return info


def timed_round(client, n: int) -> dict:
    times = {label: [] for label, _ in PAGES}
    for _ in range(n):
        for label, path in PAGES:
            started = time.perf_counter()
            client.get(path)
            times[label].append((time.perf_counter() - started) * 1000)
    return times


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


if __name__ == "__main__":
    sys.exit(main())
