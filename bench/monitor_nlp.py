"""舆情监测 NLP figures: tone on the labelled set, speed of tone and keywords, rjieba vs jieba.

    .venv/bin/python bench/monitor_nlp.py            # print the figures
    .venv/bin/python bench/monitor_nlp.py --train    # rebuild tone_lexicon/ngram_model.json

`--train` fits the tone scorer's backoff model (a naive Bayes over characters and character
pairs) on the rows of tests/data/monitor_tone.jsonl marked "train" and writes it beside the
word lists; the "test" and "fresh" rows are never used for it.

The figures: accuracy, per-class F1 and macro-F1 on the held-out "test" part (fixed before
tuning) and on the "fresh" part (written after the word lists were frozen, never tuned on),
for the lexicon alone, the lexicon with the backoff model (what `tone.score` does); speed
of `tone.score` and `keywords.extract` per 1,000-character item (CPU time, one core); and
rjieba against jieba: cutting speed and how many tokens agree.
"""

from __future__ import annotations

import argparse
import json
import logging
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DATA = ROOT / "tests" / "data" / "monitor_tone.jsonl"
LABELS = ("positive", "neutral", "negative")


def load_rows() -> list[dict]:
    return [json.loads(line) for line in DATA.read_text(encoding="utf-8").splitlines() if line.strip()]


def figures(pairs) -> tuple[float, dict, float]:
    pairs = list(pairs)
    f1 = {}
    for c in LABELS:
        tp = sum(1 for gold, got in pairs if gold == c and got == c)
        fp = sum(1 for gold, got in pairs if gold != c and got == c)
        fn = sum(1 for gold, got in pairs if gold == c and got != c)
        p = tp / (tp + fp) if tp + fp else 0.0
        r = tp / (tp + fn) if tp + fn else 0.0
        f1[c] = 2 * p * r / (p + r) if p + r else 0.0
    accuracy = sum(1 for gold, got in pairs if gold == got) / len(pairs)
    return accuracy, f1, sum(f1.values()) / 3


def documents(rows, n: int, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    sentences = [r["text"] for r in rows]
    out = []
    for _ in range(n):
        text = ""
        while len(text) < 1000:
            text += rng.choice(sentences)
        out.append(text[:1000])
    return out


def per_item(function, docs) -> float:
    function(docs[0])
    started = time.process_time()
    for doc in docs:
        function(doc)
    return (time.process_time() - started) / len(docs) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--train", action="store_true", help="rebuild the backoff model from the training rows")
    parser.add_argument("--items", type=int, default=1000, help="1,000-character items for the speed figures")
    args = parser.parse_args()

    from rongmei.monitor import tone

    rows = load_rows()
    if args.train:
        model = tone.NgramModel.train([r for r in rows if r["split"] == "train"])
        path = tone.LEXICON_DIR / tone.NGRAM_FILE
        path.write_text(model.dump() + "\n", encoding="utf-8")
        print(f"wrote {path.relative_to(ROOT)}: {len(model.features)} features")
        return

    scorer = tone.scorer()

    def lexicon_only(text):
        raw = scorer.raw(text)
        return "positive" if raw >= tone.POSITIVE_AT else "negative" if raw <= tone.NEGATIVE_AT else "neutral"

    for split in ("test", "fresh"):
        sample = [r for r in rows if r["split"] == split]
        for name, decide in (("lexicon", lexicon_only), ("lexicon+ngram", lambda t: tone.score(t)[0])):
            accuracy, f1, macro = figures((r["label"], decide(r["text"])) for r in sample)
            per_class = " ".join(f"{c}={f1[c]:.3f}" for c in LABELS)
            print(f"tone {split:5} n={len(sample):3} {name:14} accuracy={accuracy:.3f} macro-F1={macro:.3f} ({per_class})")
        notices = [r for r in sample if r["label"] == "neutral" and r["kind"] in ("notice", "meeting", "prohibition")]
        right = sum(1 for r in notices if tone.score(r["text"])[0] == "neutral")
        print(f"tone {split:5} government notices and meetings neutral: {right}/{len(notices)}")

    docs = documents(rows, args.items)
    print(f"tone.score: {per_item(tone.score, docs):.3f} ms CPU per 1,000-character item")

    from rongmei.monitor import keywords

    words = ["青山镇", "县住建局", "幸福路", "西岭乡", "城关镇", "东门社区", "白石村"]
    print(f"keywords.extract: {per_item(keywords.extract, docs):.3f} ms CPU per item; "
          f"with 7 county words {per_item(lambda d: keywords.extract(d, words=words), docs):.3f} ms")

    import jieba

    logging.getLogger("jieba").setLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    rj = keywords._load()["tokenizer"]
    print(f"cut 1,000 characters: jieba {per_item(tokenizer.lcut, docs[:300]):.3f} ms, rjieba {per_item(rj.cut, docs):.3f} ms CPU")

    def spans(tokens):
        out, pos = set(), 0
        for token in tokens:
            out.add((pos, pos + len(token)))
            pos += len(token)
        return out

    # the labelled sentences and the Chinese passages of the demo data (notices, replies,
    # comments: they carry phone numbers and addresses the sentences lack)
    import re

    texts = [r["text"] for r in rows]
    for path in ("rongmei/monitor/demo_content.py", "rongmei/inquiry/demo.py", "rongmei/planning/demo.py",
                 "rongmei/newsroom/demo.py"):
        if (ROOT / path).exists():
            source = (ROOT / path).read_text(encoding="utf-8")
            texts += [t for t in re.findall(r'"([^"\n]{20,})"', source) if len(re.findall(r"[\u4e00-\u9fff]", t)) > 15]
    same = sum(1 for t in texts if tokenizer.lcut(t) == rj.cut(t))
    agree = total = 0
    for t in texts + docs[:300]:
        a, b = spans(tokenizer.lcut(t)), spans(rj.cut(t))
        agree += len(a & b)
        total += len(a)
    print(f"rjieba vs jieba: {same}/{len(texts)} passages cut identically; {agree / total:.3%} of jieba's tokens "
          f"also in rjieba's cut (labelled sentences, demo passages, 300 generated items)")


if __name__ == "__main__":
    main()
