"""PublishItem: its invariants, its file-name stem and what kind of delivery it is."""

from __future__ import annotations

from datetime import datetime

import pytest

from .samples import flood_item


def test_naive_times_are_refused():
    with pytest.raises(ValueError, match="缺少时区"):
        flood_item(updated=datetime(2024, 7, 3, 9, 0))


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"pubstatus": "deleted"}, "发布状态"),
        ({"version": 0}, "版本号"),
        ({"guid": " "}, "guid"),
        ({"time_zone": "Beijing"}, "时区"),
    ],
)
def test_bad_items_are_refused_in_chinese(changes, message):
    with pytest.raises(ValueError, match=message):
        flood_item(**changes)


@pytest.mark.parametrize(
    ("changes", "slug"),
    [
        ({}, "demo-story-42"),
        ({"guid": "https://www.example.cn/news/42/"}, "https-www-example-cn-news-42"),
        ({"slug": "20240703_防汛_A1"}, "20240703-a1"),
        ({"guid": "urn:rongmei:汛"}, "story"),
    ],
)
def test_file_slug_is_ascii(changes, slug):
    assert flood_item(**changes).file_slug == slug


@pytest.mark.parametrize(
    ("changes", "kind"),
    [
        ({}, "original"),
        ({"correction_note": "更正内容"}, "correction"),
        ({"pubstatus": "canceled", "correction_note": "原因"}, "takedown"),
        ({"pubstatus": "withheld"}, "withheld"),
    ],
)
def test_notice_kind(changes, kind):
    assert flood_item(**changes).notice_kind == kind


def test_plain_text_is_made_from_the_body_when_not_given():
    assert flood_item().text.splitlines()[2] == "排水管网改造见成效"
    assert flood_item(plain_text="口播稿。").text == "口播稿。"
