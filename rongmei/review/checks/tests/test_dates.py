"""Impossible dates block; possible ones, ranges, lunar dates and durations pass."""

from __future__ import annotations

import pytest

from rongmei.review.checks import find_dates


@pytest.mark.parametrize(
    "text, written",
    [
        ("定于2月30日举行", "2月30日"),
        ("4月31日开幕", "4月31日"),
        ("11月31日", "11月31日"),
        ("今年13月", "13月"),
        ("0月", "0月"),
        ("3月0日", "3月0日"),
        ("2026年2月29日", "2026年2月29日"),
        ("2100年2月29日", "2100年2月29日"),
        ("本月32日", "32日"),
        ("二月三十日", "二月三十日"),
        ("十一月三十一日", "十一月三十一日"),
        ("二〇二六年二月二十九日", "二〇二六年二月二十九日"),
        ("２月３０日", "２月３０日"),
        ("2月30号", "2月30号"),
        ("2月1日至30日", "2月1日至30日"),
        ("6月1-31日", "6月1-31日"),
    ],
)
def test_impossible_dates_block(text: str, written: str) -> None:
    [finding] = find_dates(text, "body")
    assert finding.text == written == text[finding.start : finding.end]
    assert finding.severity == "block" and finding.check == "date"
    assert "不是有效日期" in finding.message and "请核对" in finding.message


@pytest.mark.parametrize(
    "text",
    [
        "2月28日",
        "2月29日",                 # no year: leap years have it
        "2028年2月29日",
        "2000年2月29日",
        "二〇二八年二月二十九日",
        "2月1日至28日",
        "2月1日至3月2日",
        "3月5日-3月10日",
        "12月31日24时",
        "农历二月三十日",          # lunar calendar
        "历时45日完工",
        "45日内办结",
        "人民路32号",
        "5月10个项目",
        "一日三餐",
        "12个月",
        "第13届",
    ],
)
def test_possible_dates_and_non_dates_pass(text: str) -> None:
    assert find_dates(text) == []


def test_messages_say_why() -> None:
    assert "2026年不是闰年" in find_dates("2026年2月29日")[0].message
    assert "4月只有30天" in find_dates("4月31日")[0].message
    assert "没有13月" in find_dates("13月")[0].message


def test_every_date_in_a_text_is_checked() -> None:
    found = find_dates("2月28日开始，4月31日结束，6月1日验收。")
    assert [f.text for f in found] == ["4月31日"]
