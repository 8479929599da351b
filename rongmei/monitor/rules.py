"""监测方案: the expression language of a topic, and the one automaton that matches every topic
of a center at once.

The language (see docs/monitor.md, "监测方案"):

    (奉化 | 宁波) & (积水 | 内涝) & !演练
    NEAR(奉化, 积水, 20)              both words, at most 20 characters apart, either order
    "A&B公司" | “青山 水库”           quotes for a word holding spaces or operator characters

* ``&`` (also ＆, AND, 与) all of; ``|`` (｜, OR, 或) any of; ``!`` (！, NOT, 非) none of;
  parentheses ``( )`` or ``（ ）``. ``!`` binds tightest, then ``&``, then ``|``.
  The word operators count only standing alone (非法集资 is a word, 非 演练 is NOT 演练).
* Two words side by side without an operator are refused, not guessed: a forgotten ``|``
  would otherwise silently narrow the topic.
* A word is at least two characters (one character, 水 or 县, matches nearly everything) and
  at most 50. An expression must name something that has to be present: one that matches a
  text containing none of its words (``!演练``, ``奉化 | !演练``) is refused.

Matching folds letters to lower case and full-width ASCII to half-width (a length-keeping
fold, so positions in the folded text are positions in the original). A center's topics are
compiled into one Aho-Corasick automaton: one pass over title and text collects every
occurrence of every word, then only the topics one of whose words occurred are evaluated
(an accepted expression is false when none of its words occur, so the others cannot match).
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import ahocorasick

log = logging.getLogger(__name__)

MAX_LENGTH = 2000
MAX_TERMS = 100
MAX_TERM_LENGTH = 50
MIN_TERM_LENGTH = 2
MAX_DEPTH = 40
NEAR_MIN, NEAR_MAX = 1, 500
SNIPPET_BEFORE, SNIPPET_LENGTH = 20, 60

_AND, _OR, _NOT = "&＆", "|｜", "!！"
_LPAREN, _RPAREN, _COMMA = "(（", ")）", ",，"
_QUOTES = {'"': '"', "“": "”", "”": "”"}
_SPECIAL = set(_AND + _OR + _NOT + _LPAREN + _RPAREN + _COMMA) | set(_QUOTES)
_WORD_OPS = {"AND": "AND", "与": "AND", "OR": "OR", "或": "OR", "NOT": "NOT", "非": "NOT"}
_SHOWN = {"AND": "&", "OR": "|", "NOT": "!", "COMMA": "，"}


class RuleSyntaxError(ValueError):
    """An expression that cannot be compiled. ``message`` is the whole Chinese sentence
    (它以“第 N 个字符处”开头), ``position`` the 1-based character it points at, ``reason``
    the sentence without the position."""

    def __init__(self, message_zh: str, position: int) -> None:
        self.position = max(1, position)
        self.reason = message_zh
        self.message = f"第 {self.position} 个字符处{message_zh}"
        super().__init__(self.message)


# --- Folding ----------------------------------------------------------------------------------

_WIDE = re.compile("[\uff10-\uff19\uff41-\uff5a]")  # full-width digits and (lowered) letters


def _narrow(match: re.Match) -> str:
    return chr(ord(match.group()) - 0xFEE0)


def fold(text: str) -> str:
    """Lower case, full-width letters and digits to half-width, one character for one
    character (positions in the folded text are positions in the original). Chinese text
    rarely holds either, so this costs a few microseconds per thousand characters."""
    low = text.lower()
    if len(low) != len(text):  # İ and a few others lower to two characters: keep them
        low = "".join(c if len(c.lower()) != 1 else c.lower() for c in text)
    if _WIDE.search(low):
        low = _WIDE.sub(_narrow, low)
    return low


# --- Tokens -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Token:
    kind: str  # TERM, AND, OR, NOT, LP, RP, COMMA, NEAR, EOF
    text: str
    pos: int  # 0-based index of its first character
    end: int
    quoted: bool = False


def _tokens(text: str) -> list[_Token]:
    out: list[_Token] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch.isspace():
            i += 1
            continue
        if ch in _QUOTES:
            close = _QUOTES[ch]
            j = text.find(close, i + 1)
            if j < 0:
                raise RuleSyntaxError(f"的引号 {ch} 没有结束：请补上 {close}", i + 1)
            word = text[i + 1:j].strip()
            if not word:
                raise RuleSyntaxError(f"的引号 {ch}{close} 中没有内容", i + 1)
            out.append(_Token("TERM", word, i, j + 1, quoted=True))
            i = j + 1
            continue
        if ch in _AND:
            out.append(_Token("AND", ch, i, i + 1))
        elif ch in _OR:
            out.append(_Token("OR", ch, i, i + 1))
        elif ch in _NOT:
            out.append(_Token("NOT", ch, i, i + 1))
        elif ch in _LPAREN:
            out.append(_Token("LP", ch, i, i + 1))
        elif ch in _RPAREN:
            out.append(_Token("RP", ch, i, i + 1))
        elif ch in _COMMA:
            out.append(_Token("COMMA", ch, i, i + 1))
        else:
            j = i
            while j < n and not text[j].isspace() and text[j] not in _SPECIAL:
                j += 1
            word = text[i:j]
            following = text[j:].lstrip()[:1]
            if word in _WORD_OPS:
                out.append(_Token(_WORD_OPS[word], word, i, j))
            elif word.upper() == "NEAR" and following and following in _LPAREN:
                out.append(_Token("NEAR", word, i, j))
            else:
                out.append(_Token("TERM", word, i, j))
            i = j
            continue
        i += 1
    out.append(_Token("EOF", "", n, n))
    return out


# --- The tree -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Term:
    word: str  # as written
    key: str  # folded: what the automaton looks for
    pos: int


@dataclass(frozen=True)
class And:
    children: tuple


@dataclass(frozen=True)
class Or:
    children: tuple


@dataclass(frozen=True)
class Not:
    child: object


@dataclass(frozen=True)
class Near:
    first: Term
    second: Term
    distance: int


Found = dict  # term id → sorted start positions in the folded text


def _needs_quotes(word: str) -> bool:
    return (any(c.isspace() or c in _SPECIAL for c in word) or word in _WORD_OPS or word.upper() == "NEAR")


def quote(word: str) -> str:
    """A word as the language writes it: bare when it can be, else in quotes."""
    if not _needs_quotes(word):
        return word
    return f"“{word}”" if '"' in word else f'"{word}"'


def to_text(node, parent: str = "") -> str:
    """The expression of a tree, written the standard way (for showing a built expression)."""
    if isinstance(node, Term):
        return quote(node.word)
    if isinstance(node, Near):
        return f"NEAR({quote(node.first.word)}, {quote(node.second.word)}, {node.distance})"
    if isinstance(node, Not):
        inner = to_text(node.child, "not")
        return f"!{inner}"
    if isinstance(node, And):
        text = " & ".join(to_text(c, "and") for c in node.children)
        return f"({text})" if parent == "not" else text
    text = " | ".join(to_text(c, "or") for c in node.children)
    return f"({text})" if parent in ("and", "not") else text


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = _tokens(text)
        self.i = 0
        self.depth = 0

    @property
    def tok(self) -> _Token:
        return self.tokens[self.i]

    def advance(self) -> _Token:
        tok = self.tokens[self.i]
        self.i += 1
        return tok

    def _missing_after(self, op: _Token):
        shown = op.text if op.kind != "NEAR" else "NEAR"
        nxt = self.tok
        if nxt.kind == "EOF":
            raise RuleSyntaxError(f"的“{shown}”后面缺少词", op.pos + 1)
        raise RuleSyntaxError(f"的“{shown}”后面缺少词（这里是“{nxt.text}”）", op.pos + 1)

    def parse(self):
        if self.tok.kind == "EOF":
            raise RuleSyntaxError("：表达式是空的，请至少写一个词", 1)
        node = self.parse_or()
        tok = self.tok
        if tok.kind == "RP":
            raise RuleSyntaxError(f"的右括号“{tok.text}”没有对应的左括号", tok.pos + 1)
        if tok.kind == "COMMA":
            raise RuleSyntaxError("的逗号只能用在 NEAR(词, 词, 距离) 中", tok.pos + 1)
        if tok.kind != "EOF":  # a word right after a complete expression
            raise RuleSyntaxError(f"缺少运算符：“{tok.text}”前面请用 &（并且）或 |（或者）连接；词中含空格或符号请加引号",
                                  tok.pos + 1)
        return node

    def parse_or(self):
        children = [self.parse_and()]
        while self.tok.kind == "OR":
            op = self.advance()
            if self.tok.kind in ("EOF", "RP", "AND", "OR", "COMMA"):
                self._missing_after(op)
            children.append(self.parse_and())
        return children[0] if len(children) == 1 else Or(tuple(children))

    def parse_and(self):
        children = [self.parse_not()]
        while True:
            tok = self.tok
            if tok.kind == "AND":
                op = self.advance()
                if self.tok.kind in ("EOF", "RP", "AND", "OR", "COMMA"):
                    self._missing_after(op)
                children.append(self.parse_not())
            elif tok.kind == "NOT":
                raise RuleSyntaxError(f"缺少运算符：要排除某个词，请在“{tok.text}”前加 &，如 奉化 & !演练", tok.pos + 1)
            elif tok.kind in ("TERM", "LP", "NEAR"):
                raise RuleSyntaxError(f"缺少运算符：“{tok.text}”前面请用 &（并且）或 |（或者）连接；词中含空格或符号请加引号",
                                      tok.pos + 1)
            else:
                break
        return children[0] if len(children) == 1 else And(tuple(children))

    def parse_not(self):
        if self.tok.kind == "NOT":
            op = self.advance()
            if self.tok.kind in ("EOF", "RP", "AND", "OR", "COMMA"):
                self._missing_after(op)
            self._enter(op)
            child = self.parse_not()
            self.depth -= 1
            return Not(child)
        return self.parse_primary()

    def _enter(self, tok: _Token) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise RuleSyntaxError(f"嵌套太深（最多 {MAX_DEPTH} 层），请简化表达式", tok.pos + 1)

    def _term(self, tok: _Token) -> Term:
        word = tok.text.strip()
        if len(word) < MIN_TERM_LENGTH:
            raise RuleSyntaxError(f"的“{word}”只有一个字，太宽泛，会命中大量无关信息；请用至少两个字的词", tok.pos + 1)
        if len(word) > MAX_TERM_LENGTH:
            raise RuleSyntaxError(f"的词太长（最多 {MAX_TERM_LENGTH} 个字）", tok.pos + 1)
        return Term(word, fold(word), tok.pos)

    def parse_primary(self):
        tok = self.tok
        if tok.kind == "TERM":
            self.advance()
            return self._term(tok)
        if tok.kind == "LP":
            self.advance()
            self._enter(tok)
            if self.tok.kind == "RP":
                raise RuleSyntaxError("的括号中没有内容", tok.pos + 1)
            node = self.parse_or()
            if self.tok.kind != "RP":
                if self.tok.kind == "EOF":
                    raise RuleSyntaxError(f"的左括号“{tok.text}”缺少对应的右括号", tok.pos + 1)
                raise RuleSyntaxError("缺少右括号“)”", self.tok.pos + 1)
            self.advance()
            self.depth -= 1
            return node
        if tok.kind == "NEAR":
            return self.parse_near()
        if tok.kind == "RP":
            raise RuleSyntaxError(f"的右括号“{tok.text}”没有对应的左括号", tok.pos + 1)
        if tok.kind in ("AND", "OR"):
            raise RuleSyntaxError(f"的“{tok.text}”前面缺少词", tok.pos + 1)
        if tok.kind == "COMMA":
            raise RuleSyntaxError("的逗号只能用在 NEAR(词, 词, 距离) 中", tok.pos + 1)
        raise RuleSyntaxError("：表达式在这里结束了，后面缺少词", max(1, len(self.text)))

    def parse_near(self):
        near = self.advance()
        usage = "NEAR 的写法是 NEAR(词, 词, 距离)，距离是 1 到 500 之间的整数（字数）"
        self.advance()  # the tokenizer made NEAR only when "(" follows
        words = []
        for index in range(2):
            tok = self.tok
            if tok.kind != "TERM":
                raise RuleSyntaxError(f"缺少 NEAR 的第 {index + 1} 个词：{usage}", tok.pos + 1 if tok.kind != "EOF" else near.pos + 1)
            words.append(self._term(self.advance()))
            if self.tok.kind != "COMMA":
                raise RuleSyntaxError(f"应是逗号：{usage}", self.tok.pos + 1 if self.tok.kind != "EOF" else near.pos + 1)
            self.advance()
        tok = self.tok
        digits = fold(tok.text) if tok.kind == "TERM" and not tok.quoted else ""
        if not (digits.isascii() and digits.isdigit()):
            raise RuleSyntaxError(f"应是距离（整数）：{usage}", tok.pos + 1 if tok.kind != "EOF" else near.pos + 1)
        distance = int(digits)
        if not NEAR_MIN <= distance <= NEAR_MAX:
            raise RuleSyntaxError(f"的距离 {distance} 超出范围：应在 {NEAR_MIN} 到 {NEAR_MAX} 个字之间", tok.pos + 1)
        self.advance()
        if self.tok.kind != "RP":
            raise RuleSyntaxError(f"缺少 NEAR 的右括号：{usage}", self.tok.pos + 1 if self.tok.kind != "EOF" else near.pos + 1)
        self.advance()
        return Near(words[0], words[1], distance)


def _terms(node, out: list[Term]) -> None:
    if isinstance(node, Term):
        out.append(node)
    elif isinstance(node, Near):
        out.extend([node.first, node.second])
    elif isinstance(node, Not):
        _terms(node.child, out)
    else:
        for child in node.children:
            _terms(child, out)


def _positive(node, negated: bool, out: set[str]) -> None:
    """Folded words that occur under an even number of negations (what a match shows)."""
    if isinstance(node, Term):
        if not negated:
            out.add(node.key)
    elif isinstance(node, Near):
        if not negated:
            out.update([node.first.key, node.second.key])
    elif isinstance(node, Not):
        _positive(node.child, not negated, out)
    else:
        for child in node.children:
            _positive(child, negated, out)


def _evaluator(node, ids: dict[str, int]) -> Callable[[Found], bool]:
    """The tree as nested closures over the found-term table (fast to call per item)."""
    if isinstance(node, Term):
        tid = ids[node.key]
        return lambda found: tid in found
    if isinstance(node, Not):
        inner = _evaluator(node.child, ids)
        return lambda found: not inner(found)
    if isinstance(node, Near):
        a, b = ids[node.first.key], ids[node.second.key]
        la, lb, limit = len(node.first.key), len(node.second.key), node.distance

        def near(found: Found) -> bool:
            pa, pb = found.get(a), found.get(b)
            if not pa or not pb:
                return False
            return _within(pa, la, pb, lb, limit)

        return near
    children = [_evaluator(c, ids) for c in node.children]
    if isinstance(node, And):
        if len(children) == 2:
            x, y = children
            return lambda found: x(found) and y(found)

        def all_of(found: Found) -> bool:
            for child in children:
                if not child(found):
                    return False
            return True

        return all_of
    if len(children) == 2:
        x, y = children
        return lambda found: x(found) or y(found)

    def any_of(found: Found) -> bool:
        for child in children:
            if child(found):
                return True
        return False

    return any_of


def _within(pa: list[int], la: int, pb: list[int], lb: int, limit: int) -> bool:
    """Some occurrence of a and some of b with at most `limit` characters between them
    (either order; overlapping occurrences count as 0 apart)."""
    for sa in pa:
        ea = sa + la
        for sb in pb:
            if sb >= ea:
                if sb - ea <= limit:
                    return True
                break  # later b only further away
            eb = sb + lb
            if eb <= sa:
                if sa - eb <= limit:
                    return True
                continue
            return True  # overlapping
    return False


@dataclass(frozen=True)
class Rule:
    """A compiled expression."""

    expression: str
    root: object
    terms: tuple[str, ...]  # distinct words as written, in order of appearance
    keys: tuple[str, ...]  # the same, folded
    positive_keys: frozenset = field(default_factory=frozenset)

    def evaluator(self, ids: dict[str, int]) -> Callable[[Found], bool]:
        return _evaluator(self.root, ids)

    @property
    def standard(self) -> str:
        """The expression written the standard way."""
        return to_text(self.root)

    def match(self, title: str, text: str = "") -> MatchResult | None:
        """This rule alone on one text (试一试); the automaton of `Matcher` does the rest."""
        found = Matcher([(0, self)]).match(title, text)
        return found[0] if found else None


def compile_expression(text: str) -> Rule:
    """The rule of an expression, or RuleSyntaxError with a Chinese message and a position."""
    text = text or ""
    if len(text) > MAX_LENGTH:
        raise RuleSyntaxError(f"：表达式太长（最多 {MAX_LENGTH} 个字符）", MAX_LENGTH + 1)
    if not text.strip():
        raise RuleSyntaxError("：表达式是空的，请至少写一个词", 1)
    root = _Parser(text).parse()
    found: list[Term] = []
    _terms(root, found)
    words: dict[str, str] = {}
    for term in found:
        words.setdefault(term.key, term.word)
    if len(words) > MAX_TERMS:
        raise RuleSyntaxError(f"：词太多（最多 {MAX_TERMS} 个不同的词），请拆成几个方案", found[MAX_TERMS].pos + 1)
    ids = {key: i for i, key in enumerate(words)}
    if _evaluator(root, ids)({}):
        raise RuleSyntaxError("：这个表达式在一个词都没出现时也成立（只有排除条件），会命中所有信息；"
                              "请至少加一个必须出现的词，如 奉化 & !演练", 1)
    positive: set[str] = set()
    _positive(root, False, positive)
    return Rule(text, root, tuple(words.values()), tuple(words), frozenset(positive))


def check(text: str) -> RuleSyntaxError | None:
    """The error of an expression, or None when it compiles."""
    try:
        compile_expression(text)
    except RuleSyntaxError as exc:
        return exc
    return None


def terms_of(expression: str) -> list[str]:
    """The distinct words of an expression, as written (for the county dictionary of jieba);
    [] for an expression that does not compile (none is stored, but old rows are tolerated)."""
    try:
        return list(compile_expression(expression).terms)
    except RuleSyntaxError:
        return []


# --- Building from the form's fields ------------------------------------------------------------

_SEPARATORS = str.maketrans({c: " " for c in "，,、；;\n\r\t\u3000"})


def split_words(text: str) -> list[str]:
    """Words typed one per line, or separated by spaces, commas or 、; duplicates dropped."""
    seen: dict[str, None] = {}
    for word in (text or "").translate(_SEPARATORS).split():
        seen.setdefault(word, None)
    return list(seen)


def build_expression(*, all_of: Iterable[str] = (), any_of: Iterable[str] = (), none_of: Iterable[str] = (),
                     near: tuple[str, str, int] | None = None) -> str:
    """全部包含 / 任一包含 / 均不包含 / 相距不超过: the expression they make (not yet checked;
    `compile_expression` says what is wrong with it)."""
    parts: list[str] = [quote(w) for w in all_of]
    any_words = [quote(w) for w in any_of]
    if len(any_words) == 1:
        parts.append(any_words[0])
    elif any_words:
        parts.append("(" + " | ".join(any_words) + ")")
    if near is not None:
        first, second, distance = near
        parts.append(f"NEAR({quote(first)}, {quote(second)}, {distance})")
    parts.extend(f"!{quote(w)}" for w in none_of)
    return " & ".join(parts)


def decompose(expression: str) -> dict | None:
    """The 全部 / 任一 / 均不 / 相距 fields that build exactly this expression, or None when it
    has another shape (then only the expression is shown). Keys: all_of, any_of, none_of
    (lists of words) and near ((word, word, distance) or None)."""
    try:
        rule = compile_expression(expression)
    except RuleSyntaxError:
        return None
    parts = rule.root.children if isinstance(rule.root, And) else (rule.root,)
    out: dict = {"all_of": [], "any_of": [], "none_of": [], "near": None}
    for part in parts:
        if isinstance(part, Term):
            out["all_of"].append(part.word)
        elif isinstance(part, Or) and not out["any_of"] and all(isinstance(c, Term) for c in part.children):
            out["any_of"] = [c.word for c in part.children]
        elif isinstance(part, Near) and out["near"] is None:
            out["near"] = (part.first.word, part.second.word, part.distance)
        elif isinstance(part, Not) and isinstance(part.child, Term):
            out["none_of"].append(part.child.word)
        else:
            return None
    words = out["all_of"] + out["any_of"] + out["none_of"] + list(out["near"][:2] if out["near"] else [])
    if any(split_words(w) != [w] for w in words):  # a word the fields cannot hold (spaces, commas)
        return None
    try:  # only when the fields give back the same expression
        same = compile_expression(build_expression(**out)).standard == rule.standard
    except RuleSyntaxError:
        same = False
    return out if same else None


# --- Matching a center's topics ------------------------------------------------------------------

@dataclass(frozen=True)
class MatchResult:
    topic_id: int
    terms: list[str]  # the topic's words found in the text (as the topic writes them)
    snippet: str  # about 60 characters around the first of them


@dataclass
class _Topic:
    topic_id: int
    evaluate: Callable[[Found], bool]
    shown: list[tuple[int, str]]  # (term id, word as written) of its positive words, in order
    all_ids: list[int]


class Matcher:
    """Every topic of a center in one automaton. Build with `for_center` (cached) or from
    (topic id, Rule) pairs."""

    def __init__(self, rules: Iterable[tuple[int, Rule]]) -> None:
        self._automaton = ahocorasick.Automaton()
        ids: dict[str, int] = {}
        self._topics: list[_Topic] = []
        self._term_topics: list[list[int]] = []
        for topic_id, rule in rules:
            for key in rule.keys:
                if key not in ids:
                    ids[key] = len(ids)
                    self._automaton.add_word(key, (ids[key], len(key)))
                    self._term_topics.append([])
            index = len(self._topics)
            for key in rule.keys:
                self._term_topics[ids[key]].append(index)
            shown = [(ids[k], w) for k, w in zip(rule.keys, rule.terms) if k in rule.positive_keys]
            self._topics.append(_Topic(topic_id, rule.evaluator(ids), shown, [ids[k] for k in rule.keys]))
        self.term_count = len(ids)
        if ids:
            self._automaton.make_automaton()

    def __len__(self) -> int:
        return len(self._topics)

    @property
    def topic_ids(self) -> list[int]:
        return [t.topic_id for t in self._topics]

    def match(self, title: str, text: str = "") -> list[MatchResult]:
        """The topics this title and text match, in the order the topics were given."""
        if not self.term_count:
            return []
        combined = f"{title or ''}\n{text or ''}"
        found: Found = {}
        for end, (tid, length) in self._automaton.iter(fold(combined)):
            starts = found.get(tid)
            if starts is None:
                found[tid] = [end - length + 1]
            else:
                starts.append(end - length + 1)
        if not found:
            return []
        candidates: set[int] = set()
        for tid in found:
            candidates.update(self._term_topics[tid])
        results = []
        for index in sorted(candidates):
            topic = self._topics[index]
            if not topic.evaluate(found):
                continue
            shown = [(tid, word) for tid, word in topic.shown if tid in found]
            if not shown:  # a pathological expression: show whatever of its words occurred
                shown = [(tid, str(tid)) for tid in topic.all_ids if tid in found]
            first = min(found[tid][0] for tid, _ in shown)
            results.append(MatchResult(topic.topic_id, [w for _, w in shown], snippet(combined, first)))
        return results

    # --- One automaton per center, rebuilt when its topics change ------------------------

    @classmethod
    def for_center(cls, center) -> Matcher:
        """The matcher of the center's enabled topics. Cached per process; the cache is
        checked against a stamp of the center's topics (how many, how many enabled, the
        latest change and the highest id: every change through `topic_services` moves one),
        so a topic saved in the web process is seen by the next run in the worker."""
        stamp = _stamp(center)
        with _lock:
            cached = _cache.get(center.pk)
            if cached is not None and cached[0] == stamp:
                return cached[1]
        matcher = cls.for_topics(_enabled_topics(center))
        with _lock:
            _cache[center.pk] = (stamp, matcher)
        return matcher

    @classmethod
    def for_topics(cls, topics: Iterable) -> Matcher:
        """A matcher over these Topic rows (enabled or not); one that no longer compiles is
        left out and logged."""
        pairs = []
        for topic in topics:
            try:
                pairs.append((topic.pk, compile_expression(topic.expression)))
            except RuleSyntaxError as exc:
                log.warning("monitor topic %s does not compile: %s", topic.pk, exc.message)
        return cls(pairs)


def snippet(text: str, start: int) -> str:
    """About 60 characters of `text` around position `start`, on one line."""
    left = max(0, start - SNIPPET_BEFORE)
    right = min(len(text), left + SNIPPET_LENGTH)
    left = max(0, min(left, right - SNIPPET_LENGTH))
    part = " ".join(text[left:right].split())
    return ("…" if left > 0 else "") + part + ("…" if right < len(text) else "")


_cache: dict[int, tuple[tuple, Matcher]] = {}
_lock = threading.Lock()


def _stamp(center) -> tuple:
    from django.db.models import Count, Max, Q

    from rongmei.monitor.models import Topic

    row = Topic.objects.filter(center=center).aggregate(
        n=Count("pk"), on=Count("pk", filter=Q(enabled=True)), last=Max("updated_at"), top=Max("pk"))
    return (row["n"], row["on"], row["last"], row["top"])


def _enabled_topics(center):
    from rongmei.monitor.models import Topic

    return Topic.objects.filter(center=center, enabled=True).order_by("pk").only("pk", "expression")


def clear_cache() -> None:
    """Forget every built matcher (tests)."""
    with _lock:
        _cache.clear()
