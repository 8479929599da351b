"""Officials named with a title that is not theirs (领导职务核对).

Calling a deputy county head 县长, or a bureau head by last year's post, is among the most
embarrassing errors a county outlet can print. For every listed name in the text we look
at the title written right against it, before (县长王某某, 县委常委、副县长王某某) or after
(王某某县长, 王某某同志（县委书记）), and compare it with the person's current title. A name
with no title next to it is fine: the check never guesses.

Titles are read from a vocabulary (the listed titles, their parts, and common posts), the
longest one that touches the name, so 副县长 is read as 副县长 and never as 县长.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from .automaton import Hit, Matcher, cached, drop_nested
from .types import CHECK_OFFICIAL, Finding, Official, Officials

CATEGORY = "领导职务"

COMMON_TITLES: tuple[str, ...] = (
    "书记", "副书记", "县委书记", "县委副书记", "党委书记", "党委副书记", "党组书记",
    "党组副书记", "党工委书记", "村党支部书记", "村支书", "常委", "县委常委",
    "县长", "副县长", "代县长", "常务副县长", "市长", "副市长", "区长", "副区长",
    "镇长", "副镇长", "乡长", "副乡长", "主任", "副主任", "常务副主任", "村主任",
    "村委会主任", "社区主任", "局长", "副局长", "部长", "副部长", "主席", "副主席",
    "秘书长", "副秘书长", "处长", "副处长", "科长", "副科长", "所长", "副所长",
    "站长", "副站长", "院长", "副院长", "校长", "副校长", "检察长", "副检察长",
    "政委", "大队长", "队长", "副队长", "组长", "副组长", "总编辑", "副总编辑",
    "台长", "副台长", "董事长", "总经理", "副总经理", "总工程师", "调研员", "主任科员",
)

# Written before a title, these change its meaning: a 副县长 is not a 县长.
_RANK_WORDS = ("副", "代", "常务", "第一", "执行", "名誉", "候任")
# Leaving these out of a listed title changes who the person is; leaving out 常务 or
# 第一 only shortens the title (常务副县长 may be called 副县长).
_NOT_OMITTABLE = ("副", "代", "名誉", "候任")
# Separators of a compound title: 县委常委、副县长; 党组书记兼局长.
_TITLE_SEPARATORS = "、，,/；; 兼"
# A title after "原" or "前" is a former post, which the text does not claim is current.
_FORMER = "原前"
_SPACES = " \u3000\t"
# A bracket after a name holds the person's titles: 王某某同志（县委常委、副县长）.
_OPEN_BRACKETS = "（("
_CLOSE_BRACKETS = "）)"
_BRACKET_LIMIT = 40


@dataclass(frozen=True)
class _Attached:
    """A title written against one occurrence of a name."""

    start: int
    end: int
    title: str


class OfficialsMatcher:
    """Names of one list in an automaton, with the title vocabulary built from it."""

    def __init__(self, officials: Officials) -> None:
        self.rows: dict[str, list[Official]] = defaultdict(list)
        for person in officials:
            if person.name and person.title:
                self.rows[person.name].append(person)
        self.vocabulary = _vocabulary(officials)
        self.longest_title = max((len(t) for t in self.vocabulary), default=0)
        self._names: Matcher[str] = Matcher((name, name) for name in self.rows)

    def find(self, text: str, field: str = "", as_of: dt.date | None = None) -> list[Finding]:
        today = as_of or dt.date.today()
        names = drop_nested(self._names.find_all(text))
        name_ends = {_skip_spaces(text, hit.end) for hit in names}
        findings = []
        for hit in names:
            current, former = _titles_on(self.rows[hit.value], today)
            for attached in self._attached_titles(text, hit, name_ends):
                if not any(_compatible(attached.title, title) for title in current):
                    findings.append(_finding(text, hit.value, attached, current, former, field))
        return findings

    def _attached_titles(self, text: str, name: Hit[str], name_ends: set[int]) -> list[_Attached]:
        """The titles written against one occurrence of a name.

        A title before the name that follows another listed name right away is that
        person's (钱志远主任孙建国局长), and a title after 原 or 前 is a former post.
        """
        attached = []
        before = self._title_ending(text, _skip_spaces_back(text, name.start), 0)
        if before is not None and before.start not in name_ends:
            attached.append(before)
        attached += self._titles_after(text, name.end)
        return [a for a in attached if a.start == 0 or text[a.start - 1] not in _FORMER]

    def _titles_after(self, text: str, end: int) -> list[_Attached]:
        """王某某县长, 王某某同志县长, 王某某（县委常委、副县长）."""
        start = _skip_spaces(text, end)
        if text.startswith("同志", start):
            start = _skip_spaces(text, start + len("同志"))
        if start < len(text) and text[start] in _OPEN_BRACKETS:
            return self._bracketed_titles(text, start + 1)
        title = self._title_starting(text, start)
        return [title] if title is not None else []

    def _bracketed_titles(self, text: str, start: int) -> list[_Attached]:
        """Each part's title in a bracket, read from the part's end (县人社局副局长 → 副局长)."""
        closes = [i for i in (text.find(c, start) for c in _CLOSE_BRACKETS) if i >= 0]
        close = min(closes, default=-1)
        if close < 0 or close - start > _BRACKET_LIMIT:
            return []
        titles = []
        part_start = start
        for index in range(start, close + 1):
            if index == close or text[index] in _TITLE_SEPARATORS:
                title = self._title_ending(text, index, part_start)
                if title is not None:
                    titles.append(title)
                part_start = index + 1
        return titles

    def _title_ending(self, text: str, end: int, lowest: int) -> _Attached | None:
        """The longest title in the vocabulary ending at `end` and starting at `lowest` or later."""
        for length in range(min(self.longest_title, end - lowest), 0, -1):
            if text[end - length : end] in self.vocabulary:
                return _Attached(end - length, end, text[end - length : end])
        return None

    def _title_starting(self, text: str, start: int) -> _Attached | None:
        """The longest title in the vocabulary that starts at `start`."""
        for length in range(min(self.longest_title, len(text) - start), 0, -1):
            if text[start : start + length] in self.vocabulary:
                return _Attached(start, start + length, text[start : start + length])
        return None


def officials_matcher(officials: Officials) -> OfficialsMatcher:
    """The matcher for this list version, built once."""
    return cached(f"officials|{officials.key}", lambda: OfficialsMatcher(officials))


def find_officials(
    text: str, officials: Officials, field: str = "", as_of: dt.date | None = None
) -> list[Finding]:
    """Listed people named with a title other than their current one, as of `as_of`."""
    return officials_matcher(officials).find(text, field, as_of)


def _skip_spaces(text: str, index: int) -> int:
    while index < len(text) and text[index] in _SPACES:
        index += 1
    return index


def _skip_spaces_back(text: str, index: int) -> int:
    while index > 0 and text[index - 1] in _SPACES:
        index -= 1
    return index


def _vocabulary(officials: Officials) -> frozenset[str]:
    words = set(COMMON_TITLES)
    for person in officials:
        words.add(person.title)
        words.update(_parts(person.title))
    return frozenset(w for w in words if w)


def _parts(title: str) -> list[str]:
    """县委常委、副县长 → [县委常委, 副县长]."""
    parts = [title]
    for separator in _TITLE_SEPARATORS:
        parts = [piece for part in parts for piece in part.split(separator)]
    return [p.strip() for p in parts if p.strip()]


def _titles_on(rows: list[Official], today: dt.date) -> tuple[list[Official], list[Official]]:
    """(current titles, earlier titles) of one person on `today`.

    The latest dated row that has started is current (several rows of that date: all of
    them, one person can hold two posts). Undated rows count as current only when no
    dated row has started; a row starting after `today` is ignored.
    """
    started = [r for r in rows if r.valid_from is not None and r.valid_from <= today]
    if started:
        latest = max(r.valid_from for r in started if r.valid_from is not None)
        current = [r for r in started if r.valid_from == latest]
    else:
        current = [r for r in rows if r.valid_from is None]
    former = [r for r in started if r not in current]
    return current, former


def _compatible(written: str, official: Official) -> bool:
    """Whether the title in the text can stand for (a part of) the listed title.

    局长 stands for 县教育局局长 and 副县长 for 常务副县长, but 县长 does not stand for
    副县长, nor 县交通运输局局长 for 县教育局局长.
    """
    return any(_same_post(written, part) for part in _parts(official.title))


def _same_post(written: str, listed: str) -> bool:
    if written == listed:
        return True
    if listed.endswith(written):  # the text shortens the title
        return not listed[: -len(written)].endswith(_NOT_OMITTABLE)
    if written.endswith(listed):  # the text says more than the list
        return not written[: -len(listed)].endswith(_RANK_WORDS)
    return False


def _short_fix(written: str, official: Official) -> str:
    """The replacement for the written title: as short as it where a common title fits.

    副局长 for a 县发展和改革局局长 becomes 局长; 县长 for a 县委常委、副县长 becomes 副县长
    (the part of the compound title it was meant to be); anything else, the full title.
    """
    if written not in COMMON_TITLES:
        return official.title
    part = max(_parts(official.title), key=lambda p: _common_suffix(p, written))
    if not _common_suffix(part, written):
        return official.title
    fits = [t for t in COMMON_TITLES if part.endswith(t) and _same_post(t, part)]
    return max(fits, key=len) if fits else part


def _common_suffix(a: str, b: str) -> int:
    length = 0
    while length < min(len(a), len(b)) and a[-1 - length] == b[-1 - length]:
        length += 1
    return length


def _finding(
    text: str,
    name: str,
    attached: _Attached,
    current: list[Official],
    former: list[Official],
    field: str,
) -> Finding:
    titles = "、".join(r.title for r in current)
    since = current[0].valid_from if len(current) == 1 else None
    parts = [f"「{name}」现任{titles}" + (f"（{_date(since)}起）" if since else "")]
    parts.append(f"，文中称「{attached.title}」。")
    if any(_compatible(attached.title, r) for r in former):
        parts.append("这是此前的职务。")
    parts.append("请改为现任职务；如名单有误或本人兼任此职，请先更新领导职务名单。")
    fixes = list(dict.fromkeys(_short_fix(attached.title, r) for r in current))
    return Finding(
        check=CHECK_OFFICIAL,
        severity="block",
        start=attached.start,
        end=attached.end,
        text=text[attached.start : attached.end],
        message="".join(parts),
        suggestion="、".join(fixes),
        category=CATEGORY,
        field=field,
    )


def _date(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"
