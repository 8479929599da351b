"""舆情监测 pipeline benchmark: generated items through the whole pipeline on one core, and the
near-duplicate index against pairwise comparison.

    .venv/bin/python bench/monitor.py [--items 100000] [--batch 100] [--sample 5000] [--seed 20261206]
    .venv/bin/python bench/monitor.py --quick          # 5,000 items, 2,000-item sample
    .venv/bin/python bench/monitor.py --neardup        # only the labelled-pair comparison

Three measurements, each against a baseline taken in the same run:

1. The labelled pairs (tests/data/monitor_neardup.jsonl): precision, recall and F1 of the
   MinHash index (what the pipeline uses) and of SimHash at several Hamming distances, on
   the odd ids (where the parameters were chosen), the even ids (held out) and all pairs.
2. The whole pipeline (`rongmei.monitor.pipeline.ingest`: normalise, exact and near
   duplicates, rules, tone, keywords, saving, hot-topic clustering, alerts; then the search
   indexing, which runs after the ingest as a queued task, here run in-process right after
   each ingest and timed apart) on `--items` generated items of about 1,000 Chinese characters, `--batch` items per
   ingest (one fetch run), in a fresh SQLite database in a temporary directory, pinned to one
   CPU. About 20 % of the items are edited reposts of an item seen shortly before (a
   media header, a paragraph added or removed, words changed, shortened). Generation is not
   timed. Prints items/s of the ingest, of the indexing follow-up, and of both together,
   and the time of each stage.
3. The near-duplicate step on a `--sample`-item sample: the LSH index against comparing each
   item's signature with every earlier one (same signatures, same decision, no index), and
   how far both agree with the exact shingle-set similarity (all pairs, sparse matrix).

The text generator draws words from jieba's dictionary by their frequency, with county
places, issues and tone words mixed in, so segmentation, keywords, tone and the rules see
text of a realistic make-up (not a few repeated templates, which would make every item a
near-duplicate of every other).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import shutil
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np

TOWNS = ["城关镇", "青山镇", "白沙乡", "东湖镇", "西岭乡", "滨江街道", "南河镇", "北坪乡", "石门镇", "龙泉镇", "桃源乡", "长岭镇"]
PLACES = ["解放路", "人民路", "建设路", "东门社区", "西街社区", "青山村", "竹林村", "滨江大桥", "G320国道", "县人民医院", "县第一中学"]
DEPARTMENTS = ["县住建局", "县水利局", "县交通运输局", "县教育局", "县卫生健康局", "县应急管理局", "县城管局", "县市场监管局", "县生态环境局"]
ISSUES = ["积水", "内涝", "停水", "停电", "拖欠工资", "噪音扰民", "污染", "交通事故", "火灾", "食品安全", "物业纠纷", "拆迁"]
NEGATIVE = ["群众强烈不满", "网友纷纷质疑", "引发投诉", "造成严重损失", "问题长期得不到解决", "多人受伤", "被曝光", "敷衍塞责"]
POSITIVE = ["群众纷纷点赞", "取得显著成效", "喜获丰收", "广受好评", "圆满完成", "获评先进", "热情高涨"]
OUTLETS = ["示例日报", "示例新闻网", "今日示例", "市广播电视台", "示例发布", "掌上示例"]
TOPICS = [
    ("城区积水", "(城关镇 | 滨江街道) & (积水 | 内涝)"),
    ("解放路", "NEAR(解放路, 积水, 20) | NEAR(解放路, 事故, 20)"),
    ("停水停电", "停水 | 停电"),
    ("欠薪", "拖欠工资 & !演练"),
    ("环境污染", "污染 & (投诉 | 曝光 | 不满)"),
    ("青山镇", "青山镇 & (投诉 | 不满 | 质疑)"),
    ("食品安全", "食品安全"),
    ("住建局", "县住建局 & (物业纠纷 | 拆迁)"),
    ("交通安全", "交通事故 | NEAR(G320国道, 事故, 30)"),
    ("火灾", "火灾 & !演练"),
]
LEVELS = [100, 70, 50, 50, 50, 30, 30, 30]


class Writer:
    """Generated news items: words from jieba's dictionary by frequency, punctuated into
    clauses, sentences and paragraphs; county words mixed in; reposts edited."""

    def __init__(self, seed: int):
        import jieba

        self.rng = random.Random(seed)
        self.np = np.random.default_rng(seed)
        words, freqs = [], []
        path = Path(jieba.__file__).with_name("dict.txt")
        for line in path.read_text(encoding="utf-8").splitlines():
            parts = line.split()
            if len(parts) >= 2 and all("\u4e00" <= c <= "\u9fff" for c in parts[0]):
                words.append(parts[0])
                freqs.append(int(parts[1]))
        order = np.argsort(freqs)[::-1][:60_000]
        self.words = np.array([words[i] for i in order], dtype=object)
        weights = np.array([freqs[i] for i in order], dtype=np.float64) ** 0.75
        self.cumulative = np.cumsum(weights / weights.sum())
        self.pool = np.empty(0, dtype=object)
        self.seen: list = []

    def _draw(self, count: int) -> list[str]:
        if self.pool.size < count:
            picks = np.searchsorted(self.cumulative, self.np.random(200_000))
            self.pool = np.concatenate([self.pool, self.words[np.minimum(picks, self.words.size - 1)]])
        out, self.pool = self.pool[:count], self.pool[count:]
        return list(out)

    def sentence(self) -> str:
        rng = self.rng
        clauses = []
        for _ in range(rng.randint(1, 3)):
            clauses.append("".join(self._draw(rng.randint(3, 7))))
        if rng.random() < 0.35:
            clauses.append(self.county())
        return "，".join(clauses) + rng.choice("。。。。！？")

    def county(self) -> str:
        rng = self.rng
        kind = rng.random()
        if kind < 0.4:
            return f"{rng.choice(TOWNS)}{rng.choice(PLACES)}{rng.choice(ISSUES)}{rng.choice(NEGATIVE)}"
        if kind < 0.7:
            return f"{rng.choice(DEPARTMENTS)}{rng.randint(2, 30)}日表示{rng.choice(TOWNS)}{rng.choice(POSITIVE)}"
        return f"{rng.choice(TOWNS)}{rng.randint(2, 900)}户群众{rng.choice(ISSUES)}"

    def paragraph(self, chars: int) -> str:
        out, size = [], 0
        while size < chars:
            s = self.sentence()
            out.append(s)
            size += len(s)
        return "".join(out)

    def original(self, number: int) -> tuple[str, str]:
        title = "".join(self._draw(self.rng.randint(3, 6)))
        if self.rng.random() < 0.3:
            title = f"{self.rng.choice(TOWNS)}{self.rng.choice(ISSUES)}{title}"
        paragraphs = [self.paragraph(self.rng.randint(150, 260)) for _ in range(self.rng.randint(4, 6))]
        return title[:60], "\n".join(paragraphs)

    def repost(self, title: str, text: str) -> tuple[str, str]:
        rng = self.rng
        paragraphs = text.split("\n")
        edit = rng.choice(["media", "added", "removed", "words", "shortened", "media+removed"])
        if "removed" in edit and len(paragraphs) > 2:
            del paragraphs[rng.randrange(1, len(paragraphs))]
        if edit == "added":
            paragraphs.insert(rng.randrange(1, len(paragraphs) + 1), self.paragraph(120))
        if edit == "words":
            paragraphs = [p.replace("表示", "介绍", 1).replace("群众", "居民", 1) for p in paragraphs]
            paragraphs[0] = self.sentence() + paragraphs[0]
        if edit == "shortened":
            keep = "\n".join(paragraphs)
            paragraphs = [keep[: int(len(keep) * 0.65)]]
        if edit.startswith("media"):
            outlet = rng.choice(OUTLETS)
            paragraphs[0] = f"{outlet}讯（记者 {rng.choice('王李张刘陈')}{rng.choice('磊静伟洋敏')}）" + paragraphs[0]
            paragraphs.append(f"来源：{outlet}　编辑：{rng.choice('王李张刘陈')}{rng.choice('磊静伟洋敏')}")
        return (title if rng.random() < 0.6 else f"{title}（转）"), "\n".join(paragraphs)

    def item(self, number: int):
        """(title, text, repost of number or None)."""
        if self.seen and self.rng.random() < 0.2:
            of, title, text = self.rng.choice(self.seen[-2000:])
            title, text = self.repost(title, text)
            return title, text, of
        title, text = self.original(number)
        self.seen.append((number, title, text))
        if len(self.seen) > 4000:
            del self.seen[:2000]
        return title, text, None


# --- 1. the labelled pairs ------------------------------------------------------------------------


def neardup_comparison() -> None:
    from rongmei.monitor import dedupe

    path = ROOT / "tests" / "data" / "monitor_neardup.jsonl"
    pairs = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    gold = [p["same"] for p in pairs]
    parts = {"odd ids (parameters chosen here)": [i for i, p in enumerate(pairs) if p["id"] % 2],
             "even ids (held out)": [i for i, p in enumerate(pairs) if not p["id"] % 2],
             "all": list(range(len(pairs)))}

    def score(predicted):
        out = []
        for rows in parts.values():
            tp = sum(predicted[i] and gold[i] for i in rows)
            fp = sum(predicted[i] and not gold[i] for i in rows)
            fn = sum(gold[i] and not predicted[i] for i in rows)
            p = tp / (tp + fp) if tp + fp else 0.0
            r = tp / (tp + fn) if tp + fn else 0.0
            out.append((p, r, 2 * p * r / (p + r) if p + r else 0.0))
        return out

    methods = []
    started = time.perf_counter()
    predicted = []
    for pair in pairs:
        index = dedupe.NearDupIndex()
        index.add("a", dedupe.signature(pair["a"]))
        predicted.append(bool(index.query(dedupe.signature(pair["b"]))))
    name = (f"MinHash LSH ({dedupe.SHINGLE}-char shingles, {dedupe.NUM_PERM} perm, J≥{dedupe.JACCARD} "
            f"or C≥{dedupe.CONTAINMENT}, numbers≥{dedupe.NUMBERS_AGREE})")
    methods.append((name, score(predicted)))
    saved = dedupe.NUMBERS_AGREE
    dedupe.NUMBERS_AGREE = 0.0
    predicted = [dedupe.similar(dedupe.signature(p["a"]), dedupe.signature(p["b"]))[0] for p in pairs]
    dedupe.NUMBERS_AGREE = saved
    methods.append(("MinHash, same, without the numbers check", score(predicted)))
    distances = [dedupe.hamming(dedupe.simhash(p["a"]), dedupe.simhash(p["b"])) for p in pairs]
    agree = [dedupe.signature(p["a"]).numbers_agree(dedupe.signature(p["b"])) >= dedupe.NUMBERS_AGREE for p in pairs]
    for k in (3, 6, 10, 14, 18):
        methods.append((f"SimHash 64 bit ({dedupe.SIMHASH_SHINGLE}-char shingles), Hamming ≤ {k}",
                        score([d <= k for d in distances])))
    for k in (14, 18):
        methods.append((f"SimHash, Hamming ≤ {k}, with the numbers check", score([d <= k and a for d, a in zip(distances, agree)])))
    print(f"labelled pairs: {len(pairs)} ({sum(gold)} same story, {len(pairs) - sum(gold)} different), "
          f"measured in {time.perf_counter() - started:.1f} s")
    header = "".join(f"{name[:18]:>24}" for name in parts)
    print(f"{'method':<96}{header}")
    print(f"{'':<96}" + "".join(f"{'P     R     F1':>24}" for _ in parts))
    for name, scores in methods:
        print(f"{name:<96}" + "".join(f"{p:>10.3f}{r:>6.3f}{f:>6.3f}  " for p, r, f in scores))


# --- 2. the whole pipeline ------------------------------------------------------------------------


def prepare_environment(var_dir: Path) -> None:
    os.environ["RONGMEI_VAR_DIR"] = str(var_dir)
    os.environ["DJANGO_SETTINGS_MODULE"] = "rongmei.settings"
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ.setdefault("LOG_FORMAT", "text")
    os.environ["RONGMEI_QUEUE_NAME"] = f"rongmei-bench-{os.getpid()}"
    os.environ["DATABASE_URL"] = f"sqlite:///{var_dir / 'bench.sqlite3'}"


INDEXING = "9 search index"  # the follow-up task's stage: reported apart from the ingest's


class Stages:
    """Wall time per pipeline stage, by wrapping the functions the pipeline calls."""

    def __init__(self):
        self.seconds: dict[str, float] = defaultdict(float)
        self.cpu: dict[str, float] = defaultdict(float)

    def wrap(self, owner, name: str, label: str) -> None:
        """Time every call of `owner.name` under `label` (several names may share a label).
        A name that is gone (renamed in a refactoring) is reported, not fatal: the stage
        then reads 0 until the bench wraps the new name."""
        original = getattr(owner, name, None)
        if original is None:
            print(f"  bench: {getattr(owner, '__name__', owner)}.{name} not found; stage {label!r} not timed", flush=True)
            return
        seconds, cpu = self.seconds, self.cpu

        def timed(*args, **kwargs):
            started, started_cpu = time.perf_counter(), time.process_time()
            try:
                return original(*args, **kwargs)
            finally:
                seconds[label] += time.perf_counter() - started
                cpu[label] += time.process_time() - started_cpu

        setattr(owner, name, timed)


def setup_center():
    from rongmei.core.models import Center
    from rongmei.monitor.models import AlertRule, Source, Topic

    center = Center.objects.create(name="基准县融媒体中心", slug="bench")
    sources = [Source.objects.create(center=center, name=f"基准来源{n}", kind=Source.Kind.RSS, url=f"https://s{n}.example.com/feed",
                                     level=level, region="本县") for n, level in enumerate(LEVELS)]
    topics = [Topic.objects.create(center=center, name=name, expression=expr, category=Topic.Category.ISSUE, watched=True)
              for name, expr in TOPICS]
    AlertRule.objects.create(center=center, name="负面", kind=AlertRule.Kind.NEGATIVE, threshold=-0.3)
    AlertRule.objects.create(center=center, name="突增", kind=AlertRule.Kind.BURST, factor=3, min_items=20, window_minutes=60)
    AlertRule.objects.create(center=center, name="高级别来源", kind=AlertRule.Kind.HEAVY_SOURCE, min_level=70)
    return center, sources, topics


def run_pipeline(count: int, batch: int, seed: int) -> dict:
    from rongmei.monitor import (
        alerts,
        clustering,
        dedupe,
        keywords,
        normalise,
        pipeline,
        rules,
        search,
        tone,
    )
    from rongmei.monitor.models import Alert, HotTopic, Item, ItemGroup, Match
    from rongmei.monitor.types import RawItem

    center, sources, _topics = setup_center()
    stages = Stages()
    stages.wrap(pipeline, "prepare", "1 normalise")
    stages.wrap(pipeline, "_drop_exact_duplicates", "2 exact duplicates")
    stages.wrap(pipeline, "_group_near_duplicates", "3 near-duplicates")
    stages.wrap(rules.Matcher, "match", "4 rules")
    stages.wrap(tone, "score", "5 tone")
    stages.wrap(keywords, "extract", "6 keywords")
    stages.wrap(keywords, "user_words", "6 keywords")
    stages.wrap(pipeline, "_save", "7 save")
    stages.wrap(clustering, "assign", "8 hot topics")
    stages.wrap(search, "index_pending", INDEXING)
    stages.wrap(alerts, "evaluate", "10 alerts")
    del normalise

    writer = Writer(seed)
    start = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)
    step = dt.timedelta(days=10) / max(1, count // batch)  # the items span ten days
    timed = cpu = index_timed = index_cpu = 0.0
    totals = defaultdict(int)
    reposts_made = 0
    number = 0
    for n in range(0, count, batch):
        now = start + step * (n // batch)
        raw = []
        source = sources[(n // batch) % len(sources)]
        for _ in range(min(batch, count - n)):
            number += 1
            title, text, of = writer.item(number)
            reposts_made += of is not None
            raw.append(RawItem(title=title, text=text, url=f"https://{source.pk}.example.com/a/{number}?utm_source=bench",
                               published_at=(now - dt.timedelta(minutes=writer.rng.randint(0, 120))).replace(tzinfo=None)
                               + dt.timedelta(hours=8)))
        started, started_cpu = time.perf_counter(), time.process_time()
        result = pipeline.ingest(source, raw, now=now)
        timed += time.perf_counter() - started
        cpu += time.process_time() - started_cpu
        # The follow-up the ingest enqueued on commit (search_tasks.index_batch), run here as
        # a worker would run it, timed apart from the ingest.
        started, started_cpu = time.perf_counter(), time.process_time()
        search.index_pending(center, [item.pk for item in result.items])
        index_timed += time.perf_counter() - started
        index_cpu += time.process_time() - started_cpu
        for key in ("found", "new", "duplicates", "skipped"):
            totals[key] += getattr(result, key)
        if (n + batch) % max(batch, count // 10) < batch or n + batch >= count:
            done = min(n + batch, count)
            print(f"  {done:>7,} items  ingest {timed:7.1f} s  {done / timed:7,.0f} items/s  (CPU {cpu:7.1f} s, "
                  f"{done / cpu:,.0f} items/s); with the indexing CPU {cpu + index_cpu:7.1f} s, "
                  f"{done / (cpu + index_cpu):,.0f} items/s", flush=True)
    reposts_found = Item.objects.filter(center=center, is_repost=True).count()
    unindexed = Item.objects.filter(center=center, indexed_at__isnull=True).count()
    return {
        "items": count, "seconds": timed, "cpu": cpu, "index_seconds": index_timed, "index_cpu": index_cpu,
        "unindexed": unindexed, "stages": dict(stages.seconds), "stages_cpu": dict(stages.cpu),
        "totals": dict(totals), "load": os.getloadavg() if hasattr(os, "getloadavg") else None,
        "reposts_made": reposts_made, "reposts_found": reposts_found,
        "groups": ItemGroup.objects.filter(center=center).count(), "matches": Match.objects.filter(center=center).count(),
        "hot_topics": HotTopic.objects.filter(center=center).count(), "alerts": Alert.objects.filter(center=center).count(),
        "window_entries": len(dedupe.NearDupIndex.for_center(center, now=now)),
    }


# --- 3. the near-duplicate step against pairwise comparison ---------------------------------------


def neardup_against_pairwise(sample: int, seed: int) -> dict:
    from scipy import sparse

    from rongmei.monitor import dedupe

    writer = Writer(seed + 1)
    texts, truth = [], []
    for n in range(sample):
        title, text, of = writer.item(n)
        texts.append(f"{title}\n{text}")
        truth.append(of)

    # Ours: the LSH index, one item after another (signatures included).
    started = time.perf_counter()
    sigs = [dedupe.signature(t) for t in texts]
    signing = time.perf_counter() - started
    index = dedupe.NearDupIndex()
    ours_pairs = set()
    started = time.perf_counter()
    for i, sig in enumerate(sigs):
        for key, _ in index.query(sig):
            ours_pairs.add((key, i))
        index.add(i, sig)
    indexing = time.perf_counter() - started
    ours = signing + indexing

    # Baseline: the same signatures and decision, every item against every earlier one.
    started = time.perf_counter()
    sigs2 = [dedupe.signature(t) for t in texts]
    values = np.stack([s.values for s in sigs2])
    sizes = np.array([s.size for s in sigs2], dtype=np.float64)
    pair_signing = time.perf_counter() - started
    pair_pairs = set()
    for i in range(1, len(sigs2)):
        j = (values[:i] == values[i]).sum(axis=1) / dedupe.NUM_PERM
        smaller = np.minimum(sizes[:i], sizes[i])
        c = np.where(smaller >= dedupe.MIN_SHINGLES, j * (sizes[:i] + sizes[i]) / (1 + j) / np.maximum(smaller, 1), 0)
        for k in np.nonzero((j >= dedupe.JACCARD) | (c >= dedupe.CONTAINMENT))[0]:
            if sigs2[i].numbers_agree(sigs2[k]) >= dedupe.NUMBERS_AGREE and sizes[i] and sizes[k]:
                pair_pairs.add((int(k), i))
    pairwise = time.perf_counter() - started

    # Exact: the shingle sets themselves, all pairs (a sparse matrix product).
    started = time.perf_counter()
    rows, cols = [], []
    vocab: dict[int, int] = {}
    for i, t in enumerate(texts):
        for h in np.unique(dedupe.shingle_hashes(t)).tolist():
            cols.append(vocab.setdefault(h, len(vocab)))
            rows.append(i)
    m = sparse.csr_matrix((np.ones(len(rows), dtype=np.float32), (rows, cols)), shape=(len(texts), len(vocab)))
    inter = sparse.triu(m @ m.T, k=1).tocoo()
    set_sizes = np.asarray(m.sum(axis=1)).ravel()
    a_idx, b_idx, x = inter.row, inter.col, inter.data
    smaller = np.minimum(set_sizes[a_idx], set_sizes[b_idx])
    jac = x / (set_sizes[a_idx] + set_sizes[b_idx] - x)
    con = np.where(smaller >= dedupe.MIN_SHINGLES, x / np.maximum(smaller, 1), 0)
    exact_pairs = set()
    for k in np.nonzero((jac >= dedupe.JACCARD) | (con >= dedupe.CONTAINMENT))[0]:
        a, b = int(a_idx[k]), int(b_idx[k])
        if sigs[a].numbers_agree(sigs[b]) >= dedupe.NUMBERS_AGREE:
            exact_pairs.add((a, b))
    exact = time.perf_counter() - started

    true_pairs = set()
    by_story = defaultdict(list)
    for i, of in enumerate(truth):
        by_story[of if of is not None else i].append(i)
    for members in by_story.values():
        for x in range(len(members)):
            for y in range(x + 1, len(members)):
                true_pairs.add((members[x], members[y]))

    def agree(found, reference):
        hit = len(found & reference)
        return (hit / len(found) if found else 1.0), (hit / len(reference) if reference else 1.0)

    return {"sample": sample, "ours": ours, "pairwise": pairwise, "exact": exact, "signing": signing, "indexing": indexing,
            "comparing": pairwise - pair_signing,
            "ours_pairs": len(ours_pairs), "pairwise_pairs": len(pair_pairs), "exact_pairs": len(exact_pairs),
            "true_pairs": len(true_pairs),
            "vs_pairwise": agree(ours_pairs, pair_pairs), "vs_exact": agree(ours_pairs, exact_pairs),
            "vs_truth": agree(ours_pairs, true_pairs), "pairwise_vs_truth": agree(pair_pairs, true_pairs)}


def pin_one_core() -> str:
    try:
        cpu = min(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {cpu})
        return f"pinned to CPU {cpu}"
    except (AttributeError, OSError):
        return "not pinned (no sched_setaffinity here)"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--items", type=int, default=100_000, help="items through the pipeline (default 100000)")
    parser.add_argument("--batch", type=int, default=100, help="items per ingest, as one fetch run brings them (default 100)")
    parser.add_argument("--sample", type=int, default=5_000, help="items in the near-duplicate comparison (default 5000)")
    parser.add_argument("--seed", type=int, default=20261206)
    parser.add_argument("--quick", action="store_true", help="5,000 items and a 2,000-item sample")
    parser.add_argument("--neardup", action="store_true", help="only the labelled-pair comparison (no database)")
    parser.add_argument("--profile", action="store_true", help="profile the pipeline run (cProfile, top 30 by own time)")
    parser.add_argument("--profile-out", metavar="FILE", help="with --profile: also write the profile (pstats) to FILE")
    parser.add_argument("--skip-sample", action="store_true", help="leave out the near-duplicate comparisons")
    args = parser.parse_args()
    if args.quick:
        args.items, args.sample = 5_000, 2_000

    sys.path.insert(0, str(ROOT))
    print(pin_one_core(), flush=True)
    if args.neardup:
        neardup_comparison()
        return 0

    var_dir = Path(tempfile.mkdtemp(prefix="rongmei-bench-monitor-"))
    prepare_environment(var_dir)
    try:
        import django
        from django.core.management import call_command
        from django.db import connections

        django.setup()
        if not args.skip_sample:
            sample_report(args)
        started = time.perf_counter()
        call_command("migrate", verbosity=0)
        print(f"\ndatabase ready in {time.perf_counter() - started:.0f} s; {args.items:,} items, {args.batch} per ingest ...",
              flush=True)
        if args.profile:
            import cProfile
            import pstats

            profiler = cProfile.Profile()
            run = profiler.runcall(run_pipeline, args.items, args.batch, args.seed)
            pstats.Stats(profiler).sort_stats("tottime").print_stats(30)
            if args.profile_out:
                profiler.dump_stats(args.profile_out)
        else:
            run = run_pipeline(args.items, args.batch, args.seed)
        connections.close_all()
        report_run(run)
        return 0
    finally:
        shutil.rmtree(var_dir, ignore_errors=True)


def sample_report(args) -> None:
    neardup_comparison()
    print(f"\nnear-duplicate step on a {args.sample:,}-item sample ...", flush=True)
    nd = neardup_against_pairwise(args.sample, args.seed)
    print(f"  LSH index (ours)       {nd['ours']:7.2f} s   {nd['ours_pairs']:>6,} pairs")
    print(f"  pairwise, signatures   {nd['pairwise']:7.2f} s   {nd['pairwise_pairs']:>6,} pairs   "
          f"ratio {nd['pairwise'] / nd['ours']:.1f}x")
    print(f"  of which: signatures {nd['signing']:.2f} s; LSH queries and inserts {nd['indexing']:.2f} s against "
          f"{nd['comparing']:.2f} s comparing with every earlier signature: {nd['comparing'] / nd['indexing']:.1f}x")
    print(f"  exact, all pairs       {nd['exact']:7.2f} s   {nd['exact_pairs']:>6,} pairs (sparse matrix product)")
    print(f"  generated reposts      {nd['true_pairs']:>17,} pairs")
    for label, key in (("ours vs pairwise", "vs_pairwise"), ("ours vs exact", "vs_exact"),
                       ("ours vs generated", "vs_truth"), ("pairwise vs generated", "pairwise_vs_truth")):
        p, r = nd[key]
        print(f"  {label:<22} agreement: {p:.3f} of the pairs found are in the reference, {r:.3f} of the reference found")


def report_run(run: dict) -> None:
    total, cpu = run["seconds"], run["cpu"]
    index_total, index_cpu = run["index_seconds"], run["index_cpu"]
    items = run["items"]
    print(f"\nwhole pipeline: {items:,} items; ingest {total:.1f} s = {items / total:,.0f} items/s (one core), "
          f"CPU {cpu:.1f} s = {items / cpu:,.0f} items/s; search indexing follow-up {index_total:.1f} s, "
          f"CPU {index_cpu:.1f} s = {items / index_cpu:,.0f} items/s; ingest + indexing CPU {cpu + index_cpu:.1f} s = "
          f"{items / (cpu + index_cpu):,.0f} items/s; load average at the end {run['load']}")
    print(f"  {run['totals']}; reposts generated {run['reposts_made']:,}, grouped as reposts {run['reposts_found']:,}; "
          f"groups {run['groups']:,}, matches {run['matches']:,}, hot topics {run['hot_topics']:,}, "
          f"alerts {run['alerts']:,}; near-duplicate window holds {run['window_entries']:,}; "
          f"left unindexed {run['unindexed']:,}")
    print(f"  {'stage':<30}{'wall s':>8}{'CPU s':>8}{'CPU %':>7}{'CPU µs/item':>13}   (CPU % of the ingest's)")
    for label in sorted(run["stages"], key=lambda s: int(s.split()[0])):
        if label == INDEXING:
            continue
        seconds, used = run["stages"][label], run["stages_cpu"][label]
        print(f"  {label:<30}{seconds:8.1f}{used:8.1f}{used / cpu * 100:7.1f}{used / items * 1e6:13.0f}")
    print(f"  {'ingest, all stages':<30}{total:8.1f}{cpu:8.1f}{100:7.1f}{cpu / items * 1e6:13.0f}")
    print(f"  {INDEXING + ' (follow-up)':<30}{index_total:8.1f}{index_cpu:8.1f}{'':>7}{index_cpu / items * 1e6:13.0f}")
    print(f"  {'ingest + indexing':<30}{total + index_total:8.1f}{cpu + index_cpu:8.1f}{'':>7}"
          f"{(cpu + index_cpu) / items * 1e6:13.0f}")


if __name__ == "__main__":
    sys.exit(main())
