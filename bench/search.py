"""Search benchmark: our full-text index against a LIKE scan, on generated county news.

    .venv/bin/python bench/search.py [--rows 100000] [--seed 20250601]

Builds a fresh database of its own (a temporary SQLite file; with DATABASE_URL pointing to
PostgreSQL, a new database rongmei_bench_<random> beside it, dropped at the end), fills the
search index with `--rows` stories made from templates and word lists with a seeded
random generator (the same seed gives the same stories, so runs compare), then runs a fixed
set of queries through `rongmei.core.search.search()` and through the baseline a plain
Django app would write: `title__icontains OR body__icontains`, ANDed over the words, with
the same center and filters, counting all matches and reading the newest 20. The baseline
scans a copy of the same rows without our index columns (`bench_plain`), as such an app
would store them.

It prints, per query, both match counts (ours must find what the scan finds; ours stops
counting past 500, shown ">500") and the median latency of each, then p50/p95 over all
queries and the ratio baseline/ours. Our ranking is tiers (title, phrase) then newest; the
baseline reads the newest 20.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse, urlunparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CHUNK = 5_000  # rows per transaction
BATCH = 500  # rows per INSERT statement
COUNT_CAP = 500  # rongmei.core.search.searching.COUNT_CAP, checked in main()
OURS_RUNS = 5
BASELINE_RUNS = 3

# --- Word lists ------------------------------------------------------------------------------

TOWNS = ["城关镇", "青山镇", "白沙乡", "东湖镇", "西岭乡", "滨江街道", "南河镇", "北坪乡", "石门镇", "龙泉镇",
         "桃源乡", "凤凰镇", "长岭镇", "清溪乡", "马坪镇", "金鸡乡"]
VILLAGES = ["东门社区", "西街社区", "南湖社区", "北关村", "青山村", "石桥村", "竹林村", "上坪村", "杏花村", "河口村",
            "东湖村", "渔港村", "新塘村", "莲花社区", "云雾村", "茶园村", "望江社区", "柳树湾村", "枫林村", "双河村"]
DEPARTMENTS = ["县水利局", "县交通运输局", "县农业农村局", "县卫生健康局", "县教育局", "县应急管理局", "县住建局",
               "县市场监管局", "县民政局", "县人社局", "县生态环境局", "县文旅局", "县委网信办", "县医保局", "县公安局",
               "县消防救援大队", "县供电公司", "县自然资源局"]
SURNAMES = list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘")
GIVEN = ["磊", "静", "娜", "伟", "洋", "敏", "婷", "刚", "丽", "勇", "芳", "军", "杰", "涛", "明", "超", "霞", "平",
         "建国", "文华", "志远", "秀梅", "立新", "海波", "德胜", "丽娟", "红梅", "晓东", "春燕", "国庆"]
ROLES = ["局长", "副局长", "镇长", "党委书记", "村支书", "社区主任", "站长", "负责人", "工作人员", "村民", "志愿者"]

TOPICS: dict[str, dict[str, list[str]]] = {
    "防汛": {
        "titles": ["{town}全力应对强降雨", "{dept}部署汛期安全工作", "{town}积水路段恢复通行", "{village}连夜转移群众"],
        "sentences": [
            "受强降雨影响，{town}多处路段出现积水，最深处达{n}厘米。",
            "{dept}{role}{person}带队连夜排涝，调集抽水泵{n}台。",
            "{village}低洼地带积水严重，{n}户群众已安全转移。",
            "目前全县主要河流水位平稳，防汛形势总体可控。",
            "{person}表示，将继续做好汛期值班值守，确保人员安全。",
            "城关镇积水点位已全部清理完毕，交通恢复正常。",
        ],
    },
    "秋收": {
        "titles": ["{town}{n}万亩稻谷喜获丰收", "{dept}指导秋收秋种", "{village}收割机进田忙"],
        "sentences": [
            "金秋时节，{town}{n}万亩稻谷进入收割期。",
            "{village}种粮大户{person}说，今年每亩增产{n}斤。",
            "{dept}组织农机手{n}名，收割机开进田间地头。",
            "各乡镇抢抓晴好天气，做好秋收稻谷晾晒和烘干。",
        ],
    },
    "乡村振兴": {
        "titles": ["{village}茶叶合作社带富一方", "{town}发展民宿经济", "{dept}推进乡村振兴示范村建设"],
        "sentences": [
            "{village}依托合作社发展茶叶种植{n}亩，带动{n}户增收。",
            "{town}民宿已达{n}家，周末游客络绎不绝。",
            "村支书{person}介绍，村里通过电商把特产卖到了全国。",
            "{dept}安排衔接资金{n}万元，支持产业项目建设。",
            "杏花村民宿集群成为网红打卡点。",
        ],
    },
    "医保": {
        "titles": ["{dept}开展医保政策进村入户", "{village}家庭医生义诊进社区", "城乡居民医保缴费开始了"],
        "sentences": [
            "{dept}工作人员走进{village}，为群众讲解医保缴费政策。",
            "家庭医生{person}为{n}名老人开展义诊和健康体检。",
            "今年城乡居民医保个人缴费标准为每人{n}元。",
            "陈静提醒，群众可以通过手机完成医保缴费。",
        ],
    },
    "交通": {
        "titles": ["G318国道{town}段改造完工", "{town}{village}公路正式通车", "{dept}开展桥梁安全检查"],
        "sentences": [
            "G318国道{town}段改造工程全长{n}公里，计划年底前完工。",
            "{village}通村公路正式通车，群众出行更加方便。",
            "{dept}对全县{n}座桥梁进行安全检查，排查隐患{n}处。",
            "{person}说，路修好了，农产品运出去更快了。",
        ],
    },
    "舆情": {
        "titles": ["{dept}召开网络舆情研判会", "县委网信办通报上周舆情", "做好舆情处置回应群众关切"],
        "sentences": [
            "会议通报了近期网络舆情总体态势，共监测相关信息{n}条。",
            "{dept}要求各单位做好舆情处置，及时回应群众关切。",
            "针对{town}群众反映的问题，{role}{person}第一时间到场处置。",
            "舆情处置要做到快速响应、公开透明。",
        ],
    },
    "安全生产": {
        "titles": ["{dept}开展安全生产隐患排查", "{town}组织消防应急演练", "{dept}约谈{n}家企业负责人"],
        "sentences": [
            "{dept}对辖区{n}家企业开展安全生产检查，发现隐患{n}处。",
            "{town}组织消防应急演练，{n}名群众参加。",
            "{role}{person}强调，要压实企业安全生产主体责任。",
            "对检查发现的隐患，要求限期整改到位。",
        ],
    },
    "环境": {
        "titles": ["{town}秸秆禁烧全覆盖", "{dept}推进河长制落实", "{village}垃圾分类见成效"],
        "sentences": [
            "{town}实行秸秆禁烧网格化管理，{n}名网格员上岗巡查。",
            "{dept}对{n}条河流开展巡河，清理河道垃圾{n}吨。",
            "{village}推行垃圾分类，村容村貌焕然一新。",
            "秸秆禁烧工作做到全覆盖、无死角。",
        ],
    },
    "数字乡村": {
        "titles": ["全县新建5G基站{n}个", "{town}数字乡村平台上线", "{dept}推进光纤入户"],
        "sentences": [
            "今年全县新建5G基站{n}个，实现乡镇全覆盖。",
            "{town}数字乡村平台上线，群众办事不出村。",
            "{person}说，现在在家用手机就能看病挂号。",
        ],
    },
    "民生": {
        "titles": ["{town}老旧小区改造加快推进", "{dept}保障冬季供暖", "{village}饮水安全工程完工"],
        "sentences": [
            "{town}老旧小区改造惠及居民{n}户。",
            "{dept}提前做好供暖准备，确保群众温暖过冬。",
            "{village}饮水安全工程完工，{n}户群众喝上放心水。",
            "{role}{person}表示，将把好事办好、实事办实。",
        ],
    },
}
GENERAL = [
    "会议强调，要把各项工作抓实抓细，确保取得实效。",
    "据了解，{dept}下一步将持续加大工作力度。",
    "{person}在现场调研时指出，要坚持以人民为中心的发展思想。",
    "活动现场气氛热烈，群众纷纷点赞。",
    "近年来，{town}坚持问题导向，扎实推进各项工作。",
    "记者{person}报道。",
]

# --- Queries ---------------------------------------------------------------------------------

QUERIES: list[tuple[str, dict]] = [
    # two-character words
    ("积水", {}), ("舆情", {}), ("防汛", {}), ("排涝", {}), ("秸秆", {}), ("医保", {}), ("义诊", {}),
    ("民宿", {}), ("茶叶", {}), ("稻谷", {}), ("桥梁", {}), ("消防", {}), ("隐患", {}), ("供暖", {}),
    ("通车", {}), ("地震", {}),
    # people
    ("王磊", {}), ("陈静", {}), ("李娜", {}), ("张伟", {}), ("刘洋", {}), ("赵敏", {}), ("周婷", {}),
    ("吴刚", {}), ("孙丽", {}), ("黄勇", {}), ("郑秀梅", {}), ("欧阳修", {}),
    # places and offices
    ("城关镇", {}), ("青山镇", {}), ("白沙乡", {}), ("杏花村", {}), ("滨江街道", {}), ("柳树湾村", {}),
    ("县水利局", {}),
    # several words, and words jieba splits
    ("城关镇 积水", {}), ("王磊 防汛", {}), ("青山镇 茶叶", {}), ("舆情 处置", {}), ("5G 基站", {}),
    ("G318 国道", {}), ("秋收 稻谷 收割机", {}), ("县水利局 汛期", {}), ("陈静 义诊", {}),
    ("城关镇积水", {}), ("网络舆情", {}), ("老旧小区改造", {}), ("秸秆禁烧", {}),
    # one character, numbers
    ("茶", {}), ("G318", {}),
    # with filters
    ("积水", {"status": "published"}), ("王磊", {"kinds": ["story"]}),
    ("舆情", {"date_from": dt.date(2024, 1, 1), "date_to": dt.date(2024, 12, 31)}),
    ("防汛", {"author_id": 7}), ("医保", {"column_id": 3}),
]


# --- Setting up -----------------------------------------------------------------------------


def prepare_environment(var_dir: Path) -> tuple[str, str | None]:
    """Point Django at a fresh database. Returns (its URL, the PostgreSQL name to drop)."""
    os.environ["RONGMEI_VAR_DIR"] = str(var_dir)
    os.environ["DJANGO_SETTINGS_MODULE"] = "rongmei.settings"
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ.setdefault("LOG_FORMAT", "text")
    os.environ["RONGMEI_QUEUE_NAME"] = f"rongmei-bench-{os.getpid()}"
    base = os.environ.get("DATABASE_URL", "")
    if base.startswith(("postgres://", "postgresql://")):
        name = f"rongmei_bench_{uuid.uuid4().hex[:10]}"
        with _admin_connection(base) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
        url = urlunparse(urlparse(base)._replace(path=f"/{name}"))
        os.environ["DATABASE_URL"] = url
        return url, name
    url = f"sqlite:///{var_dir / 'bench.sqlite3'}"
    os.environ["DATABASE_URL"] = url
    return url, None


def drop_database(base_url: str, name: str) -> None:
    with _admin_connection(base_url) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _admin_connection(url: str):
    import psycopg

    parsed = urlparse(url)
    return psycopg.connect(host=parsed.hostname, port=parsed.port or 5432, user=parsed.username,
                           password=parsed.password, dbname=parsed.path.lstrip("/"), autocommit=True)


# --- Stories ---------------------------------------------------------------------------------


class Newsroom:
    """Stories from templates. One seeded generator, so the same seed makes the same news."""

    def __init__(self, seed: int):
        self.rng = random.Random(seed)
        self.people = [s + g for s in SURNAMES for g in GIVEN]
        self.topics = list(TOPICS.values())
        self.start = dt.datetime(2023, 1, 1, tzinfo=dt.timezone(dt.timedelta(hours=8)))

    def fill(self, template: str) -> str:
        rng = self.rng
        return template.format(
            town=rng.choice(TOWNS), village=rng.choice(VILLAGES), dept=rng.choice(DEPARTMENTS),
            person=rng.choice(self.people), role=rng.choice(ROLES), n=rng.randint(2, 980),
        )

    def story(self, number: int):
        from rongmei.core.search import Document

        rng = self.rng
        topic, second = rng.sample(self.topics, 2)
        sentences = [self.fill(rng.choice(topic["sentences"])) for _ in range(rng.randint(8, 16))]
        sentences += [self.fill(rng.choice(second["sentences"])) for _ in range(rng.randint(0, 3))]
        sentences += [self.fill(rng.choice(GENERAL)) for _ in range(rng.randint(2, 5))]
        rng.shuffle(sentences)
        paragraphs = ["".join(sentences[i:i + 3]) for i in range(0, len(sentences), 3)]
        kind = rng.choices(["story", "rendition", "asset"], weights=[7, 2, 1])[0]
        return Document(
            kind=kind,
            object_id=number,
            title=self.fill(rng.choice(topic["titles"])),
            body="\n".join(paragraphs),
            status=rng.choices(["published", "draft", "archived"], weights=[8, 1, 1])[0],
            column_id=rng.randint(1, 12),
            author_ids=rng.sample(range(1, 61), rng.randint(1, 3)),
            date=self.start + dt.timedelta(minutes=rng.randint(0, 60 * 24 * 900)),
            url=f"/{kind}s/{number}/",
        )

    def stories(self, count: int) -> Iterator:
        for number in range(1, count + 1):
            yield self.story(number)


def load(rows: int, seed: int) -> tuple[object, float]:
    """Index `rows` stories, 90% in the bench center and 10% in a neighbour. Returns the
    bench center and the seconds it took."""
    from django.db import transaction

    from rongmei.core import search
    from rongmei.core.models import Center

    ours = Center.objects.create(name="基准县融媒体中心", slug="bench")
    neighbour = Center.objects.create(name="基准邻县融媒体中心", slug="bench-neighbour")
    newsroom = Newsroom(seed)
    stories = newsroom.stories(rows)
    started = time.perf_counter()
    done = characters = 0
    while done < rows:
        chunk = [next(stories) for _ in range(min(CHUNK, rows - done))]
        characters += sum(len(story.title) + len(story.body) for story in chunk)
        mine = [s for n, s in enumerate(chunk, start=done) if n % 10]
        theirs = [s for n, s in enumerate(chunk, start=done) if not n % 10]
        with transaction.atomic():
            search.index_many(ours, mine, batch_size=BATCH)
            search.index_many(neighbour, theirs, batch_size=BATCH)
        done += len(chunk)
        if done % 20_000 == 0 or done == rows:
            elapsed = time.perf_counter() - started
            print(f"  indexed {done:>7,} stories  {elapsed:6.1f} s  ({done / elapsed:,.0f}/s, "
                  f"{characters / done:.0f} characters each on average)", flush=True)
    return ours, time.perf_counter() - started


# --- Measuring -------------------------------------------------------------------------------


def ours(center, query: str, filters: dict) -> int:
    """The number of matches, or -1 for "more than COUNT_CAP" (search stops counting there)."""
    from rongmei.core import search

    results = search.search(center, query, limit=20, **filters)
    return results.total if results.exact else -1


PLAIN_COLUMNS = "id, center_id, kind, object_id, title, body, status, column_id, author_ids, date, url"


def copy_plain_table() -> type:
    """The same rows in a table with no index columns, as an app without search has them.

    Scanning core_searchentry itself would make the baseline pay for our terms and
    vectors: the rows are three times wider, and on PostgreSQL the bodies live in TOAST."""
    from django.db import connection, models

    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE bench_plain AS SELECT {PLAIN_COLUMNS} FROM core_searchentry")
        cursor.execute("CREATE UNIQUE INDEX bench_plain_id ON bench_plain (id)")
        cursor.execute("CREATE INDEX bench_plain_center_date ON bench_plain (center_id, date)")
        if connection.vendor == "postgresql":
            cursor.execute("VACUUM ANALYZE bench_plain")

    class PlainStory(models.Model):
        id = models.BigIntegerField(primary_key=True)
        center_id = models.BigIntegerField()
        kind = models.CharField(max_length=30)
        object_id = models.CharField(max_length=64)
        title = models.CharField(max_length=300)
        body = models.TextField()
        status = models.CharField(max_length=30)
        column_id = models.IntegerField(null=True)
        author_ids = models.TextField()
        date = models.DateTimeField(null=True)
        url = models.CharField(max_length=500)

        class Meta:
            app_label = "core"
            managed = False
            db_table = "bench_plain"

    return PlainStory


def baseline(center, query: str, filters: dict, table: type) -> int:
    """What a plain Django app would do: icontains on title or body for each word."""
    from django.db.models import Q

    from rongmei.core.search.dates import as_datetime, day_after
    from rongmei.core.search.indexing import author_field

    rows = table.objects.filter(center_id=center.pk)
    for word in query.split():
        rows = rows.filter(Q(title__icontains=word) | Q(body__icontains=word))
    if "kinds" in filters:
        rows = rows.filter(kind__in=filters["kinds"])
    if "status" in filters:
        rows = rows.filter(status=filters["status"])
    if "column_id" in filters:
        rows = rows.filter(column_id=filters["column_id"])
    if "author_id" in filters:
        rows = rows.filter(author_ids__contains=author_field([filters["author_id"]]))
    if "date_from" in filters:
        rows = rows.filter(date__gte=as_datetime(filters["date_from"], center))
    if "date_to" in filters:
        rows = rows.filter(date__lt=day_after(filters["date_to"], center))
    total = rows.count()
    list(rows.order_by("-date", "-id").values("id", "kind", "object_id", "title", "url", "date", "status")[:20])
    return total


def timed(function, runs: int, *args) -> tuple[int, float]:
    """The result and the median wall time in milliseconds, after one warm-up run."""
    result = function(*args)
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        function(*args)
        times.append((time.perf_counter() - started) * 1000)
    return result, statistics.median(times)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def measure(center, plain: type) -> list[tuple[str, int, int, float, float]]:
    rows = []
    print(f"\n{'query':<22}{'ours':>8}{'LIKE':>8}  {'':2}{'ours ms':>9}{'LIKE ms':>10}{'ratio':>8}")
    for query, filters in QUERIES:
        our_total, our_ms = timed(ours, OURS_RUNS, center, query, filters)
        like_total, like_ms = timed(baseline, BASELINE_RUNS, center, query, filters, plain)
        label = query + (" +" + ",".join(filters) if filters else "")
        shown = f"{our_total:>8,}" if our_total >= 0 else f"{'>' + format(COUNT_CAP, ','):>8}"
        print(f"{label:<22}{shown}{like_total:>8,}  {_agreement(our_total, like_total):2}"
              f"{our_ms:>9.1f}{like_ms:>10.1f}{like_ms / our_ms:>7.1f}x", flush=True)
        rows.append((label, our_total, like_total, our_ms, like_ms))
    return rows


def _agreement(our_total: int, like_total: int) -> str:
    """= same matches (or both more than COUNT_CAP: ours stops counting there); ⊇ ours finds
    more (a word jieba split, matched by its pieces); ✗ wrong."""
    if our_total == like_total or (our_total < 0 and like_total > COUNT_CAP):
        return "="
    return "⊇" if our_total > like_total else "✗"


def report(rows, rows_indexed: int, load_seconds: float, vendor: str, total_seconds: float) -> int:
    our_ms = [r[3] for r in rows]
    like_ms = [r[4] for r in rows]
    wrong = [r[0] for r in rows if _agreement(r[1], r[2]) == "✗" or (r[2] > 0) != (r[1] != 0)]
    print(f"\n{vendor}: {rows_indexed:,} stories indexed in {load_seconds:.1f} s; {len(rows)} queries, "
          f"median of {OURS_RUNS} runs (ours) / {BASELINE_RUNS} runs (LIKE) each")
    print(f"{'':10}{'p50 ms':>10}{'p95 ms':>10}")
    print(f"{'ours':10}{percentile(our_ms, .5):>10.1f}{percentile(our_ms, .95):>10.1f}")
    print(f"{'LIKE':10}{percentile(like_ms, .5):>10.1f}{percentile(like_ms, .95):>10.1f}")
    print(f"{'ratio':10}{percentile(like_ms, .5) / percentile(our_ms, .5):>9.1f}x"
          f"{percentile(like_ms, .95) / percentile(our_ms, .95):>9.1f}x")
    same = sum(1 for r in rows if _agreement(r[1], r[2]) == "=")
    print(f"match counts: {same} equal, {len(rows) - same - len(wrong)} larger by design (⊇), {len(wrong)} wrong"
          + (f": {', '.join(wrong)}" if wrong else ""))
    print(f"total time {total_seconds:.0f} s")
    return 1 if wrong else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000, help="stories to index (default 100000)")
    parser.add_argument("--seed", type=int, default=20250601, help="seed of the story generator")
    args = parser.parse_args()

    started = time.perf_counter()
    var_dir = Path(tempfile.mkdtemp(prefix="rongmei-bench-"))
    base_url = os.environ.get("DATABASE_URL", "")
    url, pg_name = prepare_environment(var_dir)
    try:
        import django
        from django.core.management import call_command
        from django.db import connection, connections

        django.setup()
        from rongmei.core.search.searching import COUNT_CAP as cap

        assert cap == COUNT_CAP, "update COUNT_CAP here"
        print(f"database: {connection.vendor} ({urlparse(url)._replace(netloc='').geturl()})", flush=True)
        call_command("migrate", verbosity=0)
        print(f"indexing {args.rows:,} generated stories ...", flush=True)
        center, load_seconds = load(args.rows, args.seed)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:  # what autovacuum does soon after a bulk load
                cursor.execute("VACUUM ANALYZE core_searchentry")
        rows = measure(center, copy_plain_table())
        vendor = connection.vendor
        connections.close_all()
        return report(rows, args.rows, load_seconds, vendor, time.perf_counter() - started)
    finally:
        if pg_name:
            drop_database(base_url, pg_name)
        shutil.rmtree(var_dir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
