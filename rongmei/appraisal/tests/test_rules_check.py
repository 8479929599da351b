"""The rules document's checks (shared by the editor, the API and the engine): every refusal
is Chinese and names its section and row; the defaults pass; `changes` says what changed."""

from __future__ import annotations

import copy

import pytest
from django.core.exceptions import ValidationError

from rongmei.appraisal import rules


def refused(doc) -> dict:
    with pytest.raises(ValidationError) as caught:
        rules.check(doc)
    return caught.value.message_dict


def doc(**changes) -> dict:
    data = copy.deepcopy(rules.DEFAULT_RULES)
    data.update(changes)
    return data


def test_the_defaults_are_valid():
    parsed = rules.check(copy.deepcopy(rules.DEFAULT_RULES))
    assert parsed.pay.base_share == 70
    assert set(parsed.quotas) <= set(rules.roles())


def test_length_bands_must_start_at_zero_and_not_overlap_or_leave_gaps():
    overlapping = refused(doc(length_bands=[
        {"min_chars": 0, "max_chars": 500, "multiplier": "0.8"},
        {"min_chars": 400, "max_chars": None, "multiplier": "1"},
    ]))
    assert overlapping["length_bands"] == ["第 2 行（从 400 字起）与第 1 行（0–500 字）重叠。"]
    late_start = refused(doc(length_bands=[{"min_chars": 100, "max_chars": None, "multiplier": "1"}]))
    assert late_start["length_bands"] == ["第 1 行：第一档须从 0 字起（现在从 100 字起）。"]
    gap = refused(doc(length_bands=[{"min_chars": 0, "max_chars": 500, "multiplier": "1"},
                                    {"min_chars": 600, "max_chars": None, "multiplier": "1"}]))
    assert "中间的篇幅没有系数" in gap["length_bands"][0]
    bounded = refused(doc(length_bands=[{"min_chars": 0, "max_chars": 500, "multiplier": "1"}]))
    assert "最后一档请留空截止字数" in bounded["length_bands"][0]
    backwards = refused(doc(length_bands=[{"min_chars": 0, "max_chars": 0, "multiplier": "1"}]))
    assert "截止字数须大于起始字数" in backwards["length_bands"][0]


def test_duplicate_genre_outlet_rows_and_unknown_codes_are_refused_by_row():
    data = doc()
    data["piece_points"] = data["piece_points"] + [{"genre": "video", "outlet": "*", "points": "9"},
                                                   {"genre": "poem", "outlet": "moon", "points": "1"}]
    errors = refused(data)["piece_points"]
    assert "第 10 行：与第 3 行重复（视频 · 全部平台），同一体裁和平台只能有一行。" in errors
    assert "第 11 行：没有“poem”这种体裁。" in errors and "第 11 行：没有“moon”这个平台。" in errors
    assert refused(doc(quotas={"boss": "10"}))["quotas"] == ["没有“boss”这个角色。"]
    fees = refused(doc(fees=[{"genre": "text", "outlet": "*", "amount": "50"}, {"genre": "text", "outlet": "*", "amount": "60"}]))
    assert fees["fees"] == ["第 2 行：与第 1 行重复（文字 · 全部平台），同一体裁和平台只能有一行。"]
    thresholds = refused(doc(read_thresholds=[{"outlet": "*", "reads": 100, "points": "1"}]))
    assert "请选择一个平台" in thresholds["read_thresholds"][0]


def test_shares_over_100_and_negative_amounts_are_refused():
    data = doc()
    data["pay"] = dict(data["pay"], base_share="120")
    assert refused(data)["pay"] == ["“基础绩效占比”：不能超过 100。"]
    data = doc()
    data["pay"] = dict(data["pay"], default_base={"reporter": "-3000"})
    assert refused(data)["pay"] == ["“默认基数”“记者”：不能为负数。"]
    data = doc()
    data["piece_points"][2]["points"] = "-4"
    assert refused(data)["piece_points"] == ["第 3 行“分值”：不能为负数。"]
    data = doc()
    data["ratings"][0]["points"] = "十分"
    assert refused(data)["ratings"] == ["第 1 行“分值”：请填写数字。"]
    assert refused(doc(originality={"original": "1", "adapted": "0.6"}))["originality"] == ["请填写“转载”的系数。"]


def test_duplicate_rating_codes_and_pickup_levels():
    data = doc(ratings=[{"code": "A", "label": "一类", "points": "10"}, {"code": "A", "label": "二类", "points": "5"}],
               pickups=[{"level": "county", "points": "1", "long_points": "2"},
                        {"level": "county", "points": "2", "long_points": "3"}])
    errors = refused(data)
    assert errors["ratings"] == ["第 2 行：代码“A”与第 1 行重复。"]
    assert errors["pickups"] == ["第 2 行：县市级与第 1 行重复。"]


def test_changes_lists_each_difference_in_words():
    new = doc()
    new["piece_points"][2]["points"] = "5"
    new["ratings"] = new["ratings"][:2]
    new["pay"] = dict(new["pay"], pro_rata="stepped")
    new["quotas"] = dict(new["quotas"], operator="20")
    lines = rules.changes(rules.DEFAULT_RULES, new)
    assert "计件分值：视频·全部平台 4 → 5" in lines
    assert "优稿等级：删除 C（三类优稿 3 分）" in lines
    assert "绩效工资：未完成定额时 按定额完成比例发放 → 达到门槛按比例发放，低于门槛不发" in lines
    assert "月度定额：新增 运营（20）" in lines
    assert len(lines) == 4
    assert rules.changes(rules.DEFAULT_RULES, copy.deepcopy(rules.DEFAULT_RULES)) == []


def test_a_list_where_a_code_belongs_is_refused_not_a_crash():
    import copy

    from django.core.exceptions import ValidationError

    from rongmei.appraisal import rules

    data = copy.deepcopy(rules.DEFAULT_RULES)
    data["piece_points"][0]["genre"] = ["text"]
    data["quotas"] = {"reporter": {"x": 1}}
    with pytest.raises(ValidationError) as caught:
        rules.check(data)
    assert "piece_points" in caught.value.message_dict
