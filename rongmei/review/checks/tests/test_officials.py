"""Officials' titles: a wrong title blocks, the right one (or none) passes."""

from __future__ import annotations

import datetime as dt

import pytest

from rongmei.review.checks import Official, Officials, find_officials

PEOPLE = Officials([
    Official("孙建国", "县发展和改革局局长"),
    Official("周文华", "县教育局局长"),
    Official("卫红", "县交通运输局局长"),
    Official("钱志远", "县政府办公室主任"),
    Official("王海", "县委常委、副县长"),
    Official("李明", "副县长", dt.date(2021, 5, 1)),
    Official("李明", "县长", dt.date(2025, 3, 1)),
    Official("赵强", "代县长"),
])
TODAY = dt.date(2025, 6, 1)


def titles(text: str) -> list[tuple[str, str | None]]:
    return [(f.text, f.suggestion) for f in find_officials(text, PEOPLE, "body", TODAY)]


@pytest.mark.parametrize(
    "text",
    [
        "局长孙建国主持会议",
        "孙建国局长主持会议",
        "县发展和改革局局长孙建国主持会议",
        "县发改局局长孙建国主持会议",
        "孙建国同志（县发展和改革局局长）主持会议",
        "孙建国主持会议",                 # no title: fine
        "县委常委、副县长王海出席",
        "王海副县长出席",
        "王海同志（县委常委、副县长）出席",
        "县长李明出席",
        "原副县长李明出席",               # a former post, said to be former
        "李明（原副县长）出席",
        "代县长赵强出席",
        "钱志远主任孙建国局长出席",       # 主任 is 钱志远's, not 孙建国's
        "主任 钱志远出席",
    ],
)
def test_right_titles_and_no_titles_pass(text: str) -> None:
    assert titles(text) == []


def test_wrong_title_blocks_with_the_current_title_as_fix() -> None:
    [finding] = find_officials("副局长孙建国主持会议", PEOPLE, "body", TODAY)
    assert (finding.start, finding.end, finding.text) == (0, 3, "副局长")
    assert finding.severity == "block" and finding.check == "official"
    assert finding.suggestion == "局长"
    assert "县发展和改革局局长" in finding.message and "副局长" in finding.message


def test_deputy_is_not_read_as_head_and_head_not_as_deputy() -> None:
    assert titles("县长王海出席") == [("县长", "副县长")]
    assert titles("王海县长出席") == [("县长", "副县长")]
    assert titles("副县长王海出席") == []
    assert titles("县长赵强出席") == [("县长", "代县长")]


def test_title_of_another_body_is_wrong() -> None:
    assert titles("县交通运输局局长周文华") == [("县交通运输局局长", "县教育局局长")]


def test_title_after_the_name_and_in_brackets() -> None:
    assert titles("孙建国副局长表示") == [("副局长", "局长")]
    assert titles("孙建国同志（县发改局副局长）表示") == [("副局长", "局长")]
    assert titles("钱志远副主任说") == [("副主任", "主任")]


def test_title_history_uses_the_post_held_on_the_day() -> None:
    [finding] = find_officials("副县长李明出席", PEOPLE, "body", TODAY)
    assert finding.suggestion == "县长"
    assert "2025年3月1日起" in finding.message and "此前的职务" in finding.message
    assert find_officials("副县长李明出席", PEOPLE, "body", dt.date(2024, 1, 1)) == []


def test_unlisted_names_and_empty_lists_are_ignored() -> None:
    assert titles("副县长张三出席") == []
    assert find_officials("副县长孙建国", Officials([]), "body") == []


def test_every_occurrence_is_checked() -> None:
    assert titles("局长孙建国说，副局长孙建国表示") == [("副局长", "局长")]
