"""Content-check benchmark: our sensitive-term automaton against a naive per-term scan.

    .venv/bin/python bench/checks.py [--terms 50000] [--chars 10000] [--runs 50] [--seed 20250601]

Generates, with a seeded random generator (the same seed gives the same data, so runs
compare), a lexicon of `--terms` distinct Chinese terms of 2 to 6 characters built from
word lists (a few with Latin letters, like app刷单), and a county news story of about
`--chars` characters made from sentence templates, with about 30 lexicon terms planted
in it, a third of them broken up the way evaders do (赌 博网站, 代-开发票, ＡＰＰ刷单).

It then times, in the same process:

- ours: `SensitiveMatcher` (pyahocorasick over folded text, spans mapped back), the
  automaton built once (build time reported apart) and the check run `--runs` times;
- the full `run_checks` on the story with this lexicon and the demo county's wording,
  officials and typo lists, for context;
- the naive baseline a plain app would write: for each term, `term in text`, on the raw
  text, and, to be fair about variants, on the folded text with folded terms.

It checks that ours and the folded baseline find exactly the same set of terms, and prints
p50/p95 per check and the ratio baseline/ours. No Django and no database are needed.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rongmei.review.checks import (  # noqa: E402
    Finding,
    Lexicon,
    LexiconEntry,
    SensitiveMatcher,
    run_checks,
)
from rongmei.review.checks import demo  # noqa: E402
from rongmei.review.checks.automaton import clear_cache  # noqa: E402
from rongmei.review.checks.normalize import normalize, normalize_term  # noqa: E402

R = TypeVar("R")
BASELINE_RUNS = 5
PLANTED = 30

# --- Word lists ------------------------------------------------------------------------------

# Pieces banned-term lists are made of: verbs, objects, modifiers (illustrative).
HEADS = ["代开", "办理", "出售", "收购", "高仿", "网络", "私服", "刷单", "代办", "代考", "非法", "黑市",
         "地下", "境外", "无抵押", "高息", "快速", "包过", "内部", "特价", "低价", "免费", "秒批", "代充",
         "改号", "群发", "代写", "代练", "跑分", "洗白"]
OBJECTS = ["发票", "证件", "刻章", "外挂", "网站", "贷款", "彩票", "赌场", "枪支", "弹药", "假币", "药品",
           "名表", "手机卡", "银行卡", "账户", "学历", "驾照", "答案", "流量", "粉丝", "好评", "积分",
           "口令", "号码", "信息", "数据", "软件", "平台", "渠道", "资金", "返利", "佣金", "兼职"]
LATIN = ["app", "vpn", "qq", "vx", "usdt", "pos"]
# Characters for filler terms: common, but combined at random they rarely occur in news.
CHARS = ("赌博诈骗黑灰产非法违规假冒伪劣套现洗钱传销邪教暴恐色情低俗谣言炒作操纵偷拍窃听监控定位"
         "破解盗版翻墙代理机场节点梯子秘籍神器神药偏方秘方特效包治根除速效壮阳减肥丰胸美白祛斑")

TOWNS = ["城关镇", "青山镇", "白沙乡", "东湖镇", "西岭乡", "滨江街道"]
VILLAGES = ["东门社区", "西街社区", "北关村", "青山村", "石桥村", "竹林村", "杏花村", "渔港村", "云雾村"]
DEPARTMENTS = ["县水利局", "县交通运输局", "县农业农村局", "县卫生健康局", "县教育局", "县应急管理局",
               "县市场监管局", "县民政局", "县自然资源局"]
PEOPLE = ["王磊", "李娜", "张伟", "刘洋", "陈静", "杨帆", "赵敏", "黄勇", "周婷", "吴刚"]
SENTENCES = [
    "{month}月{day}日，{dept}在{town}召开现场推进会，部署{topic}工作。",
    "记者从{dept}获悉，{town}{village}的{topic}项目已完成总工程量的{pct}%。",
    "“我们每天早上七点就到工地，确保{topic}按期完成。”{village}党支部书记{person}说。",
    "据介绍，今年以来全县共投入资金{money}万元，用于{topic}和基础设施改造。",
    "{town}组织志愿者{count}人次，深入{village}开展{topic}宣传，发放资料{count}份。",
    "下一步，{dept}将持续加大{topic}力度，切实解决群众急难愁盼问题。",
    "在{village}，村民{person}指着新修的道路告诉记者，出行比以前方便多了。",
    "{dept}提醒广大群众，遇到可疑情况请及时拨打12345热线反映。",
]
TOPICS = ["防汛", "人居环境整治", "乡村振兴", "农村公路建设", "义务教育", "医保参保", "秋粮收购",
          "安全生产", "消防安全", "老旧小区改造", "茶产业发展", "河道清淤"]


# --- Data ------------------------------------------------------------------------------------


def make_terms(rng: random.Random, count: int) -> list[str]:
    """`count` distinct terms of 2 to 6 characters, shaped like entries of real lists."""
    terms: set[str] = set()
    makers: list[Callable[[], str]] = [
        lambda: rng.choice(HEADS) + rng.choice(OBJECTS),
        lambda: rng.choice(HEADS) + rng.choice(CHARS),
        lambda: rng.choice(OBJECTS) + rng.choice(HEADS)[:1] + rng.choice(CHARS),
        lambda: "".join(rng.choice(CHARS) for _ in range(rng.randint(2, 6))),
        lambda: rng.choice(HEADS) + "".join(rng.choice(CHARS) for _ in range(rng.randint(1, 3))),
    ]
    while len(terms) < count:
        term = rng.choice(makers)()
        if rng.random() < 0.01:
            term = rng.choice(LATIN) + term[:4]
        if 2 <= len(term) <= 6:
            terms.add(term)
    return sorted(terms)


def make_story(rng: random.Random, chars: int, terms: list[str]) -> tuple[str, list[str]]:
    """A news story of about `chars` characters with PLANTED terms, a third broken up."""
    sentences: list[str] = []
    planted_text = PLANTED * 16  # what planting adds, so the story ends near `chars`
    while sum(map(len, sentences)) < chars - planted_text:
        sentences.append(rng.choice(SENTENCES).format(
            month=rng.randint(1, 12), day=rng.randint(1, 28), dept=rng.choice(DEPARTMENTS),
            town=rng.choice(TOWNS), village=rng.choice(VILLAGES), topic=rng.choice(TOPICS),
            person=rng.choice(PEOPLE), pct=rng.randint(10, 95), money=rng.randint(50, 3000),
            count=rng.randint(20, 900),
        ))
    planted = rng.sample(terms, PLANTED)
    latin = [t for t in terms if t[0].isascii()]
    planted[-1] = rng.choice(latin)  # one with letters, to plant in full-width form
    for index, term in enumerate(planted):
        written = _broken_up(rng, term) if index % 3 == 0 else term
        where = rng.randrange(len(sentences))
        sentences[where] = sentences[where][:-1] + f"，有人在群里发布“{written}”信息。"
    return "".join(sentences), planted


def _broken_up(rng: random.Random, term: str) -> str:
    if term[0].isascii():
        return "".join(chr(ord(c) - 0x20 + 0xFF00) if c.isascii() and c.isalpha() else c
                       for c in term.upper())
    cut = rng.randint(1, len(term) - 1)
    return term[:cut] + rng.choice([" ", "-", "，", "·", "*", "\u200b", " / "]) + term[cut:]


# --- Timing ----------------------------------------------------------------------------------


def timed(run: Callable[[], R], times: int) -> tuple[list[float], R]:
    """Seconds per call over `times` (at least 1) calls, and the last result."""
    seconds = []
    for _ in range(max(1, times)):
        started = time.perf_counter()
        result = run()
        seconds.append(time.perf_counter() - started)
    return seconds, result


def naive_folded(text: str, folded_terms: list[str]) -> set[str]:
    """The fair baseline: fold the text once, then look for every folded term in it."""
    folded = normalize(text).text
    return {t for t in folded_terms if t in folded}


def p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:10.2f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--terms", type=int, default=50_000)
    parser.add_argument("--chars", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--seed", type=int, default=20250601)
    args = parser.parse_args()
    began = time.perf_counter()

    rng = random.Random(args.seed)
    terms = make_terms(rng, args.terms)
    story, planted = make_story(rng, args.chars, terms)
    lexicon = Lexicon([LexiconEntry(t, "bench", "block") for t in terms])
    print(f"lexicon: {len(terms):,} terms (2–6 chars), story: {len(story):,} chars, "
          f"planted: {len(planted)} ({len(planted[::3])} broken up), seed {args.seed}")

    clear_cache()
    build_seconds, matcher = timed(lambda: SensitiveMatcher(lexicon), 1)
    ours, hits = timed(lambda: matcher.hits(story, nested=True), args.runs)
    data = demo.load()

    def check_all() -> list[Finding]:
        return run_checks({"body": story}, lexicon=lexicon, wording=data.wording,
                          officials=data.officials, typos=data.typos)

    check_all()  # builds and caches the automata, as the first check of the day would
    full, findings = timed(check_all, args.runs)

    folded_terms = [normalize_term(t) for t in terms]
    raw, raw_found = timed(lambda: {t for t in terms if t in story}, BASELINE_RUNS)
    folded, folded_found = timed(lambda: naive_folded(story, folded_terms), BASELINE_RUNS)

    ours_found = {normalize_term(h.value.term) for h in hits}
    assert ours_found == folded_found, ours_found ^ folded_found
    planted_folded = {normalize_term(t) for t in planted}
    assert planted_folded <= ours_found
    raw_planted = len({normalize_term(t) for t in raw_found} & planted_folded)

    print()
    print(f"{'':38}{'p50 ms':>10}{'p95 ms':>10}{'runs':>6}{'terms found':>13}")
    rows = [
        ("ours: build automaton (once)", build_seconds, 1, "—"),
        ("ours: sensitive check", ours, args.runs, f"{len(ours_found)}"),
        ("ours: full run_checks (all checks)", full, args.runs, f"{len(findings)} findings"),
        ("naive: term in raw text", raw, BASELINE_RUNS, f"{len(raw_found)}"),
        ("naive: folded term in folded text", folded, BASELINE_RUNS, f"{len(folded_found)}"),
    ]
    for label, seconds, runs, found in rows:
        print(f"{label:38}{ms(p(seconds, 0.5))}{ms(p(seconds, 0.95))}{runs:>6}{found:>13}")
    print()
    print(f"ratio naive(raw)/ours at p50:    {p(raw, 0.5) / p(ours, 0.5):8.0f}×")
    print(f"ratio naive(folded)/ours at p50: {p(folded, 0.5) / p(ours, 0.5):8.0f}×")
    print(f"planted terms found: ours {len(planted_folded & ours_found)}/{len(planted)}, "
          f"naive on raw text {raw_planted}/{len(planted)} (broken-up variants are missed)")
    print("same set of terms as the folded naive scan: yes")
    print(f"total time: {time.perf_counter() - began:.1f} s")


if __name__ == "__main__":
    main()
