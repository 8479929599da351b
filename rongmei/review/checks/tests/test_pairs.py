"""Prescribed wording and typos: the fix is offered, correct forms are never flagged."""

from __future__ import annotations

from rongmei.review.checks import (
    TypoPair,
    Typos,
    Wording,
    WordingPair,
    default_typos,
    find_typos,
    find_wording,
)

WORDING = Wording([
    WordingPair("县政府办", "县政府办公室"),
    WordingPair("县融媒中心", "县融媒体中心"),
    WordingPair("全国人大", "全国人民代表大会", note="首次出现用全称"),
    WordingPair("青山乡", "青山镇", severity="block", note="已撤乡设镇"),
])


def test_wrong_form_is_reported_with_its_fix() -> None:
    [finding] = find_wording("县政府办发布通知", WORDING, "body")
    assert (finding.start, finding.end, finding.text) == (0, 4, "县政府办")
    assert finding.suggestion == "县政府办公室"
    assert finding.severity == "warn" and finding.check == "wording"
    assert "县政府办公室" in finding.message and finding.field == "body"


def test_wrong_form_inside_the_correct_form_is_not_reported() -> None:
    assert find_wording("县政府办公室发布通知", WORDING) == []
    assert find_wording("县政府办公室、县政府办", WORDING)[0].start == 7


def test_correct_form_of_another_pair_also_guards() -> None:
    wording = Wording([WordingPair("人大代表", "全国人大代表大会代表"), WordingPair("全国人大", "全国人大常委会")])
    assert find_wording("全国人大常委会", wording) == []
    assert [f.text for f in find_wording("人大代表", wording)] == ["人大代表"]


def test_full_name_is_not_flagged_by_its_short_form() -> None:
    assert find_wording("十四届全国人民代表大会第三次会议", WORDING) == []
    [finding] = find_wording("全国人大开幕", WORDING)
    assert finding.suggestion == "全国人民代表大会" and "首次出现用全称" in finding.message


def test_severity_is_configurable_per_pair() -> None:
    [finding] = find_wording("青山乡青山村", WORDING)
    assert finding.severity == "block"


def test_longest_wrong_form_wins() -> None:
    wording = Wording([WordingPair("融媒中心", "融媒体中心"), WordingPair("县融媒中心", "县融媒体中心")])
    [finding] = find_wording("县融媒中心", wording)
    assert finding.suggestion == "县融媒体中心"


def test_typos_offer_the_correct_form() -> None:
    found = find_typos("大家再接再励，一股作气，迫不急待。", default_typos(), "body")
    assert [(f.text, f.suggestion) for f in found] == [
        ("再接再励", "再接再厉"), ("一股作气", "一鼓作气"), ("迫不急待", "迫不及待"),
    ]
    assert all(f.severity == "warn" and f.check == "typo" for f in found)


def test_default_typo_list_is_data_and_leaves_correct_text_alone() -> None:
    typos = default_typos()
    assert len(typos) > 50
    pairs = {(p.wrong, p.right) for p in typos}
    assert {("穿流不息", "川流不息"), ("不径而走", "不胫而走"), ("重迭", "重叠"), ("气慨", "气概"),
            ("松驰", "松弛")} <= pairs
    text = "。".join(p.right for p in typos)
    assert find_typos(text, typos) == []


def test_custom_typo_list() -> None:
    typos = Typos([TypoPair("按装", "安装")])
    assert [f.suggestion for f in find_typos("按装空调", typos)] == ["安装"]
