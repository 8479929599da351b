"""Dates that cannot exist: 2月30日, 4月31日, 13月, 2026年2月29日, 二月三十日.

A wrong date in print is a correction waiting to happen, and a date that does not exist is
certainly wrong, so these findings block sign-off. We only flag what is impossible on any
reading: 2月29日 without a year is left alone (leap years have it), a day range ending in
28日 is checked against its month (2月1日至28日 is fine, 2月1日至30日 is not), lunar dates
(农历二月三十) follow another calendar and are skipped, and a bare "45日" is only flagged
where it cannot be a count of days (历时45日, 45日内 are durations).
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterator
from dataclasses import dataclass

from .types import CHECK_DATE, Finding

CATEGORY = "日期"

_D = "[0-9０-９]"
_RANGE = r"\s*(?:至|到|—|–|－|-|~|～)\s*"
_ARABIC = re.compile(
    rf"(?<![0-9０-９.])(?:(?P<year>{_D}{{4}})\s*年\s*)?(?P<month>{_D}{{1,2}})\s*月"
    rf"(?:\s*(?P<day>{_D}{{1,2}})(?:\s*[日号](?:{_RANGE}(?P<day2>{_D}{{1,2}})\s*[日号])?"
    rf"|{_RANGE}(?P<day3>{_D}{{1,2}})\s*[日号]))?"
)
_CN_DIGITS = "〇零一二三四五六七八九"
_CN_VALUE = {ch: value for value, ch in enumerate("〇一二三四五六七八九")} | {"零": 0}
_CN_NUMBER = "[一二三四五六七八九十廿卅两]{1,4}"
_CHINESE = re.compile(
    rf"(?<![{_CN_DIGITS}十百千万亿两第])(?:(?P<year>[{_CN_DIGITS}]{{4}})年)?"
    rf"(?P<month>[一二三四五六七八九十]{{1,3}})月(?P<day>{_CN_NUMBER})[日号]"
    rf"(?:{_RANGE}(?P<day2>{_CN_NUMBER})[日号])?"
)
# A two-digit day alone (本月32日): only 日, since 32号 is a house number.
_BARE_DAY = re.compile(rf"(?<![0-9０-９.])(?P<day>{_D}{{2}})日")
# Before or after a bare day count, these make it a duration: 历时45日, 45日内.
_DURATION_BEFORE = ("历时", "持续", "为期", "连续", "共", "近", "约", "达", "超过", "用了",
                    "累计", "第", "每", "满", "前", "后", "再")
_DURATION_AFTER = ("内", "之内", "以内", "以上", "以下", "左右", "后", "之后", "前", "之前",
                   "来", "间", "的", "多", "余", "起")
_LUNAR = ("农历", "阴历", "夏历")
_SENTENCE_END = "。！？!?；;\n"


@dataclass(frozen=True)
class _Date:
    """A date read from the text: the span of its expression and its parts."""

    start: int
    end: int
    year: int | None
    month: int
    days: tuple[int, ...]


def find_dates(text: str, field: str = "") -> list[Finding]:
    """Impossible dates in one field's text, each as a blocking finding."""
    findings = []
    covered: list[tuple[int, int]] = []
    for date in _dates(text):
        if _lunar_context(text, date.start) or _within(date, covered):
            continue
        covered.append((date.start, date.end))
        reason = _problem(date)
        if reason:
            findings.append(_finding(text, date, reason, field))
    return sorted(findings, key=Finding.sort_key)


def _within(date: _Date, spans: list[tuple[int, int]]) -> bool:
    """Whether a date was already read as part of a longer expression (12月 32日)."""
    return any(start <= date.start and date.end <= end for start, end in spans)


def _dates(text: str) -> Iterator[_Date]:
    for m in _ARABIC.finditer(text):
        days = (m["day"], m["day2"] or m["day3"]) if m["day"] else ()
        yield _Date(
            m.start(), m.end(), _int(m["year"]), int(m["month"]), tuple(int(d) for d in days if d)
        )
    for m in _CHINESE.finditer(text):
        month = _chinese_int(m["month"])
        days = tuple(_chinese_int(d) for d in (m["day"], m["day2"]) if d)
        if month is None or any(d is None for d in days):
            continue  # not a number we can read (三二月): not a date we judge
        year = int("".join(str(_CN_VALUE[c]) for c in m["year"])) if m["year"] else None
        yield _Date(m.start(), m.end(), year, month, tuple(d for d in days if d is not None))
    for m in _BARE_DAY.finditer(text):
        if int(m["day"]) > 31 and not _duration(text, m.start(), m.end()):
            yield _Date(m.start(), m.end(), None, 1, (int(m["day"]),))


def _problem(date: _Date) -> str:
    """Why the date cannot exist, or "" when it can."""
    if not 1 <= date.month <= 12:
        return f"一年只有12个月，没有{date.month}月"
    for day in date.days:
        reason = _day_problem(date.year, date.month, day)
        if reason:
            return reason
    return ""


def _day_problem(year: int | None, month: int, day: int) -> str:
    if day < 1:
        return "日期从1日开始，没有0日"
    if day > 31:
        return f"一个月最多31天，没有{day}日"
    leap_year = year if year else 2000  # without a year, allow what a leap year allows
    longest = calendar.monthrange(leap_year, month)[1]
    if day <= longest:
        return ""
    if month == 2 and day == 29 and year:
        return f"{year}年不是闰年，2月只有28天"
    if month == 2:
        return "2月最多29天（闰年），平年只有28天"
    return f"{month}月只有{longest}天，没有{day}日"


def _duration(text: str, start: int, end: int) -> bool:
    before = text[max(0, start - 2) : start]
    after = text[end : end + 2]
    return before.endswith(_DURATION_BEFORE) or after.startswith(_DURATION_AFTER)


def _lunar_context(text: str, start: int) -> bool:
    """Whether the sentence before the date says it is a lunar date."""
    sentence_start = max(text.rfind(ch, 0, start) for ch in _SENTENCE_END) + 1
    return any(word in text[sentence_start:start] for word in _LUNAR)


def _int(digits: str | None) -> int | None:
    """A year as a number; a missing year or 0000 (a placeholder) is None."""
    if not digits:
        return None
    return int(digits) or None


def _chinese_int(numeral: str) -> int | None:
    """十二 → 12, 三十一 → 31, 廿九 → 29; None for what is not a number up to 99."""
    numeral = numeral.replace("廿", "二十").replace("卅", "三十").replace("两", "二")
    if numeral.count("十") > 1:
        return None
    if "十" not in numeral:
        return _CN_VALUE.get(numeral) if len(numeral) == 1 else None
    tens, _, units = numeral.partition("十")
    if len(tens) > 1 or len(units) > 1:
        return None
    value_tens = _CN_VALUE.get(tens) if tens else 1
    value_units = _CN_VALUE.get(units) if units else 0
    if value_tens is None or value_units is None:
        return None
    return value_tens * 10 + value_units


def _finding(text: str, date: _Date, reason: str, field: str) -> Finding:
    written = text[date.start : date.end]
    return Finding(
        check=CHECK_DATE,
        severity="block",
        start=date.start,
        end=date.end,
        text=written,
        message=f"「{written}」不是有效日期：{reason}。请核对后改正。",
        suggestion=None,
        category=CATEGORY,
        field=field,
    )
