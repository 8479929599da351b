"""The words of a correction, a takedown and a hold, the same on every outlet.

A takedown or correction travels the same road as the story (DESIGN: "Takedown and
correction travel the same road"), so each formatter gives it its own shape; the
wording lives here once so that the newspaper, the partner's feed and the e-mail say
the same thing.
"""

from __future__ import annotations

from datetime import date

from .types import NoticeKind, PublishItem

SUBJECT_PREFIXES: dict[NoticeKind, str] = {
    "original": "",
    "correction": "【更正】",
    "takedown": "【撤稿】",
    "withheld": "【暂缓】",
}

NOTICE_TITLES: dict[NoticeKind, str] = {
    "original": "",
    "correction": "更正",
    "takedown": "撤稿通知",
    "withheld": "暂缓使用通知",
}


def chinese_date(moment: date) -> str:
    """"2024年7月3日": the form people write in notices."""
    return f"{moment.year}年{moment.month}月{moment.day}日"


def subject(item: PublishItem, title: str | None = None) -> str:
    """`title` (the headline by default) with 【更正】/【撤稿】/【暂缓】 in front when needed."""
    return SUBJECT_PREFIXES[item.notice_kind] + (title if title is not None else item.headline)


def notice_text(item: PublishItem) -> str:
    """One paragraph telling the receiver what changed and what to do; "" for a story."""
    kind = item.notice_kind
    note = item.correction_note.strip().rstrip("。")
    if kind == "correction":
        return f"{_published_on(item)}现更正如下：{note}。"
    if kind == "takedown":
        reason = f"撤稿原因：{note}。" if note else ""
        return f"《{item.headline}》已撤稿，请勿刊用；已发布的请立即撤下。{reason}"
    if kind == "withheld":
        reason = f"原因：{note}。" if note else ""
        return f"《{item.headline}》暂缓使用，请先不要发布，已发布的请撤下，另行通知后再用。{reason}"
    return ""


def _published_on(item: PublishItem) -> str:
    """"本稿于2024年7月3日发布，": the reader of a correction needs to find the original."""
    if item.published is None:
        return "本稿"
    return f"本稿于{chinese_date(item.local(item.published))}发布，"
