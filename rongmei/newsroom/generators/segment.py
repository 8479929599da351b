"""Chinese word segmentation and keywords, with the county's own names kept whole.

jieba's stock dictionary splits 青山镇 into 青/山镇 and 县住建局 into 县住/建局, which makes
useless hashtags and weak summaries. We therefore load `userdict.txt` (place and office
names of the demo county) into a private tokenizer, never into jieba's process-wide default:
other code may use jieba too, and a tenant's names must not leak into another's results.

Per-story `user_words` are laid over the shared dictionary in a copy-on-write overlay
(a `ChainMap`), so adding them costs microseconds, mutates nothing shared, and the same
story always segments the same way whatever was processed before it.
"""

from __future__ import annotations

import copy
import logging
import re
import threading
from collections import ChainMap, Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import jieba

USERDICT_PATH = Path(__file__).with_name("userdict.txt")

# Parts of speech worth a keyword or a hashtag: places, organisations, other proper nouns,
# nouns and verbal nouns. Personal names (nr) are left out on purpose: a reporter's or an
# official's name makes a poor topic tag.
KEYWORD_POS = ("ns", "nt", "nz", "n", "vn", "nw")

# Nouns every county story contains; as keywords they say nothing about this story.
GENERIC_WORDS = frozenset(
    "记者 通讯员 编辑 工作 情况 问题 方面 时候 目前 近日 日前 今年 部门 相关 单位 "
    "人员 群众 同志 有关 活动 进一步 全县 我县 本县 一系列".split()
)

# Administrative words every county story carries; as #话题# they say nothing.
GENERIC_TOPICS = frozenset(
    "县委 县政府 县人大 县政协 我县 全县 本县 镇政府 乡政府 村委会 村两委 社区居委会 "
    "会议 工作 城区 群众 市民 游客 老人 区域 事项 岗位 比赛 基地 乡镇 家乡 待遇 村民 居民 "
    "人员 项目 专家 孩子 老年人 网友 民警 检查 启动 升级 报告 投资 经营 "
    # people in general are who a story is for, not what it is about
    "学生 中小学生 小学生 家长 患者 农户 企业 干部 职工 老百姓 乘客 读者 观众 "
    # measures are what a story counts, not what it is about
    "能见度 降雨量 雨量 气温 温度 湿度 风力 面积 产量 产值 亩产 销量 销售额 收入 人次 比例 增幅".split()
)
# A common noun is a topic only when it is specific (jieba's IDF at least this) and said
# at least twice; "建设" (4.9) and "补贴" (7.1) are everywhere, "招聘会" (9.7) is an event.
TOPIC_MIN_IDF = 8.5
# ... and said this often, it is what the story is about (寒潮, 招聘会, 义诊).
EVENT_MIN_COUNT = 4
# What may open a word but never a topic: ordinals and numbers (首场, 第五届), pointers.
_NOT_TOPIC_START = tuple("首第本该各每其此这那全一二三四五六七八九十百千万0123456789")
# One-character tokens that finish a place name jieba cut in two (上坪/村, 南湖/社区).
_PLACE_TAILS = frozenset({"村", "镇", "乡", "县", "社区", "街道", "景区", "湖", "组"})
# Tags of a word that can open a place name: a proper noun, not a common one (移民+村
# is a kind of village, not one; the county's own villages come as user words anyway).
_NAME_PARTS = frozenset({"ns", "nz", "nr", "j", "nrt"})
_COMPOUND_PARTS = frozenset({"n", "nz", "vn", "ns", "l", "j", "ng", "nt"})
# Common surnames: a one-character token from this list and the one or two characters
# after it are a person's name when the text says that name at least twice (田/守义).
SURNAMES = frozenset(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
    "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝"
    "龚邵万钱严覃武戴莫孔向汤"
)

_PLACE_SUFFIXES = ("县", "市", "镇", "乡", "村", "街道", "社区", "组", "路", "街", "河", "山")
_ORG_SUFFIXES = ("局", "委", "办", "中心", "院", "所", "站", "公司", "厂", "队", "会", "部", "校")


@dataclass(frozen=True)
class _Jieba:
    """Loaded, read-only jieba state: a tokenizer, a POS tagger over it, a TF-IDF scorer."""

    tokenizer: Any   # jieba.Tokenizer
    tagger: Any      # jieba.posseg.POSTokenizer
    tfidf: Any       # jieba.analyse.tfidf.TFIDF, cutting with the two above


_loaded: _Jieba | None = None
_load_lock = threading.Lock()


def _shared() -> _Jieba:
    """Load jieba's dictionary, our user dictionary and the IDF table once, on first use.

    Loading takes about a second, so it is deferred until a generator needs it, and
    guarded by a lock so that concurrent first requests load it only once.
    """
    global _loaded
    if _loaded is not None:
        return _loaded
    with _load_lock:
        if _loaded is None:
            _loaded = _load()
    return _loaded


def _load() -> _Jieba:
    # jieba announces "Building prefix dict..." on its logger; keep logs for real trouble.
    jieba.setLogLevel(logging.WARNING)
    from jieba.analyse.tfidf import TFIDF
    from jieba.posseg import POSTokenizer

    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    tokenizer.load_userdict(str(USERDICT_PATH))
    tagger = POSTokenizer(tokenizer)
    # Move the user dictionary's tags into the tagger now, so that cutting never writes.
    tagger.makesure_userdict_loaded()
    tfidf = TFIDF()
    tfidf.stop_words = tfidf.stop_words | GENERIC_WORDS
    return _scorer_over(_Jieba(tokenizer=tokenizer, tagger=tagger, tfidf=tfidf))


def _scorer_over(state: _Jieba) -> _Jieba:
    """`state` with a TF-IDF scorer that cuts with its own tokenizer and tagger.

    A shallow copy shares the (large, read-only) IDF table and leaves jieba's module-wide
    default tokenizers alone.
    """
    tfidf = copy.copy(state.tfidf)
    tfidf.tokenizer = state.tokenizer
    tfidf.postokenizer = state.tagger
    return _Jieba(tokenizer=state.tokenizer, tagger=state.tagger, tfidf=tfidf)


def guess_tag(word: str) -> str:
    """A part-of-speech tag for a county name given without one (place, office, other)."""
    if word.endswith(_PLACE_SUFFIXES):
        return "ns"
    if word.endswith(_ORG_SUFFIXES):
        return "nt"
    return "nz"


def _clean_words(words: Iterable[str]) -> tuple[str, ...]:
    """Distinct, stripped, space-free words in a stable order (also the cache key)."""
    return tuple(sorted({w.strip() for w in words if w.strip() and " " not in w.strip()}))


@lru_cache(maxsize=64)
def _with_words(words: tuple[str, ...]) -> _Jieba:
    """The shared state with `words` laid over it; the shared dictionaries stay untouched."""
    from jieba.posseg import POSTokenizer

    base = _shared()
    if not words:
        return base
    tokenizer = jieba.Tokenizer(base.tokenizer.dictionary)
    tokenizer.FREQ = ChainMap({}, base.tokenizer.FREQ)
    tokenizer.total = base.tokenizer.total
    tokenizer.initialized = True
    for word in words:
        tokenizer.add_word(word)
    # POSTokenizer.__init__ would re-read the whole dictionary file; build it by hand.
    tagger = POSTokenizer.__new__(POSTokenizer)
    tagger.tokenizer = tokenizer
    tagger.word_tag_tab = ChainMap({w: guess_tag(w) for w in words}, base.tagger.word_tag_tab)
    return _scorer_over(_Jieba(tokenizer=tokenizer, tagger=tagger, tfidf=base.tfidf))


def cut(text: str, user_words: Sequence[str] = ()) -> list[str]:
    """Words of `text`, every character kept (punctuation and spaces are tokens too)."""
    return _with_words(_clean_words(user_words)).tokenizer.lcut(text)


def content_words(text: str, user_words: Sequence[str] = ()) -> list[str]:
    """Words that carry meaning: two characters or more, not generic, not bare numbers.

    Single characters in Chinese are mostly particles (的, 了, 在); dropping them is the
    cheap stop list that sentence similarity needs.
    """
    return [
        w for w in cut(text, user_words)
        if len(w) >= 2 and w not in GENERIC_WORDS and any(ch.isalpha() for ch in w)
    ]


def keywords(text: str, top_k: int = 10, user_words: Sequence[str] = ()) -> list[str]:
    """The story's keywords by jieba's TF-IDF, places, offices and nouns only, best first.

    Ties keep first-appearance order, so the same text always yields the same list.
    """
    if top_k <= 0 or not text.strip():
        return []
    state = _with_words(_clean_words(user_words))
    return list(state.tfidf.extract_tags(text, topK=top_k, allowPOS=KEYWORD_POS))


@dataclass(frozen=True)
class _Token:
    word: str
    flag: str


def _tokens(text: str, user_words: Sequence[str]) -> list[_Token]:
    """Tagged words of `text`, with place names and personal names jieba cut apart put
    back together (上坪+村 → 上坪村, 田+守义 → 田守义)."""
    state = _with_words(_clean_words(user_words))
    raw = [_Token(p.word, p.flag) for p in state.tagger.lcut(text)]
    merged: list[_Token] = []
    i = 0
    while i < len(raw):
        token = raw[i]
        following = raw[i + 1] if i + 1 < len(raw) else None
        if following and following.word in _PLACE_TAILS and token.flag in _NAME_PARTS \
                and 1 <= len(token.word) <= 3 and _is_cjk(token.word):
            merged.append(_Token(token.word + following.word, "ns"))
            i += 2
            continue
        if following and len(following.word) == 1 and following.flag in ("n", "ng") \
                and token.flag in _COMPOUND_PARTS and len(token.word) == 2 and _is_cjk(token.word) \
                and text.count(token.word + following.word) >= 2:
            merged.append(_Token(token.word + following.word, "n"))   # 砂糖+橘
            i += 2
            continue
        if following and token.word in SURNAMES and 1 <= len(following.word) <= 2 \
                and _is_cjk(following.word) and text.count(token.word + following.word) >= 2:
            merged.append(_Token(token.word + following.word, "nr"))
            i += 2
            continue
        merged.append(token)
        i += 1
    return merged


def _is_cjk(word: str) -> bool:
    return all("\u4e00" <= ch <= "\u9fff" for ch in word)


def topic_words(
    headline: str, text: str, limit: int, user_words: Sequence[str] = (), known: Sequence[str] = ()
) -> list[str]:
    """Up to `limit` #话题# for a story: what its headline is about, then its places and offices.

    A topic is a name (a place, an office, the person a profile is about) or the event the
    headline names (招聘会, 农田水利, 稻渔综合种养), written as the story writes it and said
    at least twice. Never a fragment of a longer name in the story (守义 of 田守义, 作品展
    of 农民画作品展), never an ordinal (首场) or an everyday word (建设, 群众). `known` are
    names already chosen (the editor's tags): their parts are not offered again.
    """
    if limit <= 0:
        return []
    headline = _LABEL.sub("", headline.strip())
    whole = f"{headline}\n{text}"
    head = _tokens(headline, user_words)
    body_tokens = _tokens(text, user_words)
    names = set(user_words) | set(known)
    names.update(t.word for t in head + body_tokens if t.flag in ("ns", "nr") and len(t.word) >= 3)
    compounds = _compounds(head, text)
    names.update(compounds)
    idf = _with_words(_clean_words(user_words)).tfidf.idf_freq
    # First the headline's names and events, then the places and offices the body keeps
    # naming, and last the headline's other specific words: a noun the story mentions
    # now and then (大棚, 消防) is a weaker topic than the office that acts in it.
    candidates: list[str] = list(compounds)   # before their parts: 农民画作品展, not 农民画
    others: list[str] = []
    for token in head:
        if token.word in user_words or _is_name(token):
            candidates.append(token.word)
        elif token.flag in ("n", "vn", "l", "j") and idf.get(token.word, 0) >= TOPIC_MIN_IDF:
            count = _free_count(token.word, whole, names)
            if count >= EVENT_MIN_COUNT:
                candidates.append(token.word)   # what the story is about: 寒潮, 招聘会
            elif count >= 3:
                others.append(token.word)
    ordered = sorted(dict.fromkeys(candidates), key=headline.find)
    body_names = [t.word for t in body_tokens if t.word in user_words or _is_name(t, strict=True)]
    by_count = sorted(dict.fromkeys(body_names), key=lambda w: -whole.count(w))
    chosen: list[str] = []
    for word in [*ordered, *by_count, *others]:
        if len(chosen) >= limit:
            break
        if _good_topic(word, whole, names, [*known, *chosen]):
            chosen.append(word)
    return chosen


_LABEL = re.compile(r"^【[^】]{1,10}】")
# 组 (村民小组) and 会 (招聘会, 运动会) end too many ordinary words to mark a name.
_NAME_SUFFIXES = tuple(x for x in _PLACE_SUFFIXES + _ORG_SUFFIXES if x not in ("组", "会")) + (
    "景区", "大队", "支队", "站",
)


def _is_name(token: _Token, *, strict: bool = False) -> bool:
    """A place or an office with a name's ending (镇, 村, 局, 中心…), or, in the headline
    (not `strict`), a person's name. jieba's tags alone are not trusted: it tags 扎根 and
    上市 as places and 马拉松赛 as a person."""
    word = token.word
    if not _is_cjk(word):
        return False
    if token.flag == "nr":
        return not strict and 2 <= len(word) <= 3 and word[0] in SURNAMES
    if token.flag not in ("ns", "nt"):
        return False
    return len(word) >= 3 and word.endswith(_NAME_SUFFIXES) and not (strict and token.flag == "nt")


def _compounds(tokens: list[_Token], text: str) -> list[str]:
    """Runs of nouns in the headline that the story also writes as one (农民画作品展,
    东湖景区, 城乡公交, 半程马拉松); of a longer run, the longest part the body repeats.

    A place does not open a compound (示例县政务 is 示例县 and 政务), and no compound
    opens or closes on an everyday word (人员专场招聘会 is 专场招聘会).
    """
    runs: list[list[str]] = []
    run: list[str] = []
    for token in [*tokens, _Token("", "x")]:
        part = token.flag in _COMPOUND_PARTS and _is_cjk(token.word) and token.flag != "nr"
        if part and not (not run and token.word.endswith(("县", "镇", "乡", "村"))):
            run.append(token.word)
            continue
        if len(run) >= 2:
            runs.append(run)
        run = []
    found = []
    for words in runs:
        found.extend(_longest_parts(words, text))
    return [c for c in found if 3 <= len(c) <= 10]


def _longest_parts(words: list[str], text: str) -> list[str]:
    """The longest runs of two or more of `words` that `text` contains, left to right."""
    found, start = [], 0
    while start < len(words) - 1:
        for end in range(len(words), start + 1, -1):
            part = words[start:end]
            if part[0] in _GENERIC_EDGES or part[-1] in _GENERIC_EDGES:
                continue
            if "".join(part) in text:
                found.append("".join(part))
                start = end
                break
        else:
            start += 1
    return found


_GENERIC_EDGES = GENERIC_TOPICS | GENERIC_WORDS | {"人员", "部分", "区域", "新貌", "热度"}


def _good_topic(word: str, whole: str, names: set[str], chosen: Sequence[str]) -> bool:
    if len(word) < 2 or len(word) > 10 or word in GENERIC_TOPICS or word in GENERIC_WORDS:
        return False
    if word.startswith(_NOT_TOPIC_START) or not any(ch.isalpha() for ch in word):
        return False
    if whole.count(word) < 2:
        return False
    if any(word in c or c in word for c in chosen):
        return False
    if _fragment(word, whole, names):
        return False
    # A place or an office is a whole name by its ending, whatever stands beside it
    # (西岭乡 before 云雾村); any other word must show that it stands on its own.
    return word.endswith(_NAME_SUFFIXES) or not _always_beside_the_same(word, whole)


# Characters next to a word that say nothing about whether it is whole (的, 在, 和…).
_GLUE = frozenset("的了在和与及是为对将把被从向等也都就还又、，。：；！？“”《》（） \n")


def _always_beside_the_same(word: str, whole: str) -> bool:
    """Whether, most times the story says `word`, the same character stands right before
    it or right after it: then it is part of a longer name the story uses (砂糖 of 砂糖橘,
    半程 of 半程马拉松, 菜市场 of 北门菜市场). A place before it (示例县农民画作品展) does
    not count: that is where, not a longer name."""
    before: list[str] = []
    after: list[str] = []
    at = whole.find(word)
    while at != -1:
        before.append(whole[at - 1] if at > 0 else "")
        end = at + len(word)
        after.append(whole[end] if end < len(whole) else "")
        at = whole.find(word, at + 1)
    for side, glue in ((before, _GLUE | _PLACE_ENDS), (after, _GLUE)):
        counts = Counter(ch for ch in side if ch and ch not in glue)
        if counts and counts.most_common(1)[0][1] * 2 > len(side):
            return True
    return False


_PLACE_ENDS = frozenset("县镇乡村市省")


def _fragment(word: str, whole: str, names: set[str]) -> bool:
    """Whether every time the story says `word` it is inside a longer name it also says."""
    return _free_count(word, whole, names) == 0


def _free_count(word: str, whole: str, names: set[str]) -> int:
    """How often the story says `word` other than inside a longer name (消防 in 县消防救援大队)."""
    longer = [n for n in names if word in n and n != word and n in whole]
    covered: set[int] = set()
    for name in longer:
        start = whole.find(name)
        while start != -1:
            offset = name.find(word)
            while offset != -1:
                covered.add(start + offset)
                offset = name.find(word, offset + 1)
            start = whole.find(name, start + 1)
    free = 0
    at = whole.find(word)
    while at != -1:
        free += at not in covered
        at = whole.find(word, at + 1)
    return free
