"""关键词: TF-IDF keywords (no numbers, single characters or stop words), the county's names
kept whole by the dictionary, the dictionary itself (settings, topics, departments, areas;
only the center's own), rjieba cutting like jieba on our news text, and the fast path (one
rjieba call per item, jieba's table read without jieba.analyse) against a plain one."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import jieba
import pytest

from rongmei.core.models import Area, Department
from rongmei.monitor import keywords
from rongmei.monitor.models import Topic

DATA = Path(__file__).resolve().parents[3] / "tests" / "data" / "monitor_tone.jsonl"

STORY = (
    "青山镇幸福路一下雨就积水。6月12日，县住建局回应称，幸福路排水管网改造已列入今年计划，"
    "青山镇将先行疏通幸福路两侧排水沟。记者在青山镇看到，幸福路积水最深处达30厘米，"
    "沿街商户用沙袋挡水。县住建局表示，改造工程预计8月完工。"
)


def test_keywords_are_ranked_words_without_numbers_single_characters_or_stop_words():
    found = keywords.extract(STORY, k=8)
    assert 0 < len(found) <= 8
    words = [w for w, _ in found]
    weights = [weight for _, weight in found]
    assert weights == sorted(weights, reverse=True)
    assert all(len(w) >= 2 for w in words)
    assert not any(w.isdigit() or w in ("30", "12", "6月") for w in words)
    assert "记者" not in words and "表示" not in words  # stop words
    assert "积水" in words
    assert keywords.extract("", k=5) == [] and keywords.extract("。，！ 2026 年", k=5) == []
    assert keywords.extract(STORY, k=0) == []
    assert len(keywords.extract(STORY, k=3)) == 3


def test_county_words_stay_whole():
    # jieba's (and rjieba's) own dictionary cuts the county's names apart ...
    plain = keywords.cut(STORY)
    assert "青山镇" not in plain and "县住建局" not in plain
    # ... the county dictionary keeps them whole, in cutting and in the keywords
    words = ["青山镇", "县住建局", "幸福路"]
    cut = keywords.cut(STORY, words)
    assert "".join(cut) == STORY
    assert {"青山镇", "县住建局", "幸福路"} <= set(cut)
    top = [w for w, _ in keywords.extract(STORY, k=5, words=words)]
    assert "青山镇" in top and "幸福路" in top and "县住建局" in top
    # the longest name wins where two overlap
    assert "示例县住建局" in keywords.cut("示例县住建局回应", ["示例县", "示例县住建局"])


def test_one_centers_words_do_not_change_anothers_cut():
    keywords.extract(STORY, words=["青山镇", "县住建局"])
    assert "青山镇" not in keywords.cut(STORY)


def test_user_words_come_from_settings_topics_departments_and_areas(demo):
    from rongmei.monitor.settings_store import get_settings

    center, other = demo["demo"], demo["linxian"]
    settings = get_settings(center)
    settings.county_words = "青山镇\n县住建局\n\n示例茶业公司\n"
    settings.save()
    Topic.objects.create(center=center, name="关键词测试方案", expression="幸福路 & (积水 | 内涝) & !演练")
    Topic.objects.create(center=center, name="关键词停用方案", expression="停用专用词", enabled=False)
    Department.objects.create(center=center, name="示例县关键词测试局", short_name="县测试局")
    Area.objects.create(center=center, name="关键词测试村", kind=Area.Kind.VILLAGE)
    Department.objects.create(center=other, name="邻县专有局", short_name="邻县专局")

    words = keywords.user_words(center)
    for expected in ("青山镇", "县住建局", "示例茶业公司", "幸福路", "积水", "内涝", "示例县关键词测试局", "县测试局", "关键词测试村"):
        assert expected in words, expected
    assert "停用专用词" not in words
    assert "邻县专有局" not in words and "邻县专局" not in words
    assert len(words) == len(set(words))
    assert all(len(w) >= 2 for w in words)
    assert "示例茶业公司" in [w for w, _ in keywords.extract("示例茶业公司今年春茶产量增长，示例茶业公司带动茶农增收。", words=words)]


def test_rjieba_cuts_like_jieba_on_our_news_text():
    # The figure in docs/monitor.md: on the labelled news set rjieba's tokens and jieba's agree.
    logging.getLogger("jieba").setLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    rjieba = keywords._load()["tokenizer"]
    texts = [json.loads(line)["text"] for line in DATA.read_text(encoding="utf-8").splitlines()]

    def spans(tokens):
        out, pos = set(), 0
        for token in tokens:
            out.add((pos, pos + len(token)))
            pos += len(token)
        return out

    same = total = 0
    for text in texts:
        a, b = spans(tokenizer.lcut(text)), spans(rjieba.cut(text))
        same += len(a & b)
        total += len(a)
    assert same / total >= 0.99


@pytest.mark.parametrize("token, ok", [
    ("积水", True), ("G320", True), ("2026", False), ("12.5%", False), ("30万", False), ("水", False),
    ("记者", False), ("，", False),
])
def test_candidates(token, ok):
    assert keywords.is_candidate(token, keywords._load()["stop"]) is ok


# --- The fast implementation against a plain one ----------------------------------------------------

COUNTY = ["青山镇", "县住建局", "幸福路", "示例县", "示例县人民政府", "G320国道", "城区", "积水", "12345热线", "东湖镇",
          "县交通运输局", "县教育局", "示例茶业公司", "滨江街道", "城关镇"]
EXTRAS = [" ", "\r\n", "\n", "2026年", "abc", "——", "%", "……", "3.5%", "A", "，", "。", "0000-6209001", "G320", "\u3000"]


def _generated_texts(count: int, seed: int = 20261207) -> list[str]:
    """News lines run together, county words and odd bits (spaces, numbers, letters, marks)
    dropped in at random places, sometimes side by side."""
    import random

    rng = random.Random(seed)
    lines = [json.loads(line)["text"] for line in DATA.read_text(encoding="utf-8").splitlines()]
    texts = []
    for _ in range(count):
        parts = []
        for line in rng.sample(lines, rng.randint(8, 40)):
            chars = list(line)
            for _ in range(rng.randint(0, 3)):
                chars.insert(rng.randint(0, len(chars)), rng.choice(COUNTY + EXTRAS))
            parts.append("".join(chars))
        texts.append(rng.choice(["", "\n", "。"]).join(parts))
    return texts


class _Reference:
    """TF-IDF keywords the plain way: jieba.analyse's own TFIDF for the IDF table, median and
    stop words (plus ours); the county words found by trying, at each position, the longest
    one that starts there; each piece between them cut on its own; every token weighed in a
    Python loop; a stable sort."""

    def __init__(self):
        from jieba.analyse.tfidf import TFIDF

        tfidf = TFIDF()
        self.idf, self.median = tfidf.idf_freq, tfidf.median_idf
        stop = set(tfidf.stop_words)
        for line in keywords.STOPWORDS_PATH.read_text(encoding="utf-8").splitlines():
            if not line.startswith("#"):
                stop.update(line.split())
        self.stop = frozenset(stop)
        import rjieba

        self.tokenizer = rjieba.Jieba()

    def cut(self, text, words):
        words = sorted({w.strip() for w in words if len(w.strip()) >= 2}, key=len, reverse=True)
        out, piece, pos = [], "", 0
        while pos < len(text):
            word = next((w for w in words if text.startswith(w, pos)), None)
            if word is None:
                piece += text[pos]
                pos += 1
                continue
            if piece:
                out.extend(self.tokenizer.cut(piece))
            out.append(word)
            piece, pos = "", pos + len(word)
        if piece:
            out.extend(self.tokenizer.cut(piece))
        return out

    def extract(self, text, k, words):
        counts, order = {}, []
        for token in self.cut(text, words):
            if token not in counts:
                order.append(token)
                counts[token] = 0
            counts[token] += 1
        scored, total = [], 0
        for token in order:
            if keywords.is_candidate(token, self.stop):
                scored.append((counts[token] * self.idf.get(token, self.median), token))
                total += counts[token]
        scored.sort(key=lambda pair: pair[0], reverse=True)
        return [(token, round(value / total, 6)) for value, token in scored[:k]]


@pytest.fixture(scope="module")
def reference():
    logging.getLogger("jieba").setLevel(logging.WARNING)
    return _Reference()


def test_the_fast_implementation_agrees_with_the_plain_one(reference):
    texts = _generated_texts(300)
    # and a few that hold the separator itself (cut piece by piece), or no county word at all
    texts += [keywords.SEP + texts[0], texts[1] + keywords.SEP + "青山镇积水", "没有县里的词只有普通新闻。" * 20]
    county = keywords.CountyWords(COUNTY)
    same_cut = same = same_4 = 0
    for text in texts:
        expected = reference.extract(text, 10, COUNTY)
        found = keywords.extract(text, 10, words=county)
        same_cut += keywords.cut(text, county) == reference.cut(text, COUNTY)
        same += found == expected
        same_4 += [(w, round(v, 4)) for w, v in found] == [(w, round(v, 4)) for w, v in expected]
    assert (same_cut, same, same_4) == (len(texts),) * 3
    # a plain list of words (no splitter carried along) gives the same
    assert keywords.extract(texts[5], 10, words=list(COUNTY)) == keywords.extract(texts[5], 10, words=county)


def test_jiebas_table_and_stop_words_are_read_as_jieba_reads_them(reference):
    state = keywords._load()
    assert state["idf"] == reference.idf
    assert state["median_idf"] == reference.median
    assert state["stop"] == reference.stop


def test_the_separator_is_a_token_of_its_own():
    # what the one-call cut relies on: rjieba never joins SEP to its neighbours
    tokenizer = keywords._load()["tokenizer"]
    sep = keywords.SEP
    for left, right in [("青山", "镇"), ("abc", "def"), ("1.5", "%"), ("，", "。"), (" ", "\n"), ("\r", "\n"), ("G320", "国道")]:
        assert tokenizer.cut(left + sep + right) == tokenizer.cut(left) + [sep] + tokenizer.cut(right)


def test_user_words_carry_their_splitter(demo):
    words = keywords.user_words(demo["demo"])
    assert isinstance(words, keywords.CountyWords) and isinstance(words, tuple)
    assert words.splitter is words.splitter
