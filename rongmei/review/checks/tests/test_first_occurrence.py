"""首次出现用全称 means the first occurrence only (issue 13): a short name after the full name
is fine; a short name before any full name is flagged, once, with the full name as the fix."""

from __future__ import annotations

import pytest

from rongmei.review.checks import LexiconError, Wording, WordingPair, export_wording, find_wording, parse_wording

FULL, SHORT = "示例县住房和城乡建设局", "县住建局"
WORDING = Wording([
    WordingPair(SHORT, FULL, note="部门简称", first_only=True),
    WordingPair("青山乡", "青山镇", severity="block"),
])


def test_short_name_after_the_full_name_is_fine() -> None:
    assert find_wording(f"{FULL}今天召开会议。会上，{SHORT}部署了排水管网改造。{SHORT}表示……", WORDING) == []


def test_short_name_before_any_full_name_is_flagged_once() -> None:
    text = f"{SHORT}今天召开会议，{SHORT}局长讲话。{FULL}表示……"
    [finding] = find_wording(text, WORDING, "body")
    assert (finding.start, finding.text, finding.suggestion) == (0, SHORT, FULL)
    assert "首次出现" in finding.message and "简称" in finding.message


def test_a_topic_tag_is_a_label_not_a_first_mention() -> None:
    assert find_wording(f"积水点全部排除 #防汛排涝 #{SHORT}", WORDING) == []
    assert find_wording(f"积水点全部排除。#防汛排涝# #{SHORT}#", WORDING) == []


def test_rules_without_the_scope_still_apply_everywhere() -> None:
    assert [f.text for f in find_wording("青山镇原名青山乡，青山乡撤乡设镇。", WORDING)] == ["青山乡", "青山乡"]


def test_scope_column_and_the_documented_note() -> None:
    wording = parse_wording("wrong,right,severity,note,scope\n住建局,县住房和城乡建设局,warn,,first\n"
                            "县融媒中心,县融媒体中心,warn,首次出现用全称,all\n")
    assert [p.first_only for p in wording] == [True, False]
    # the format's own example: a note saying 首次出现用全称 and no scope column
    [pair] = parse_wording("住建局|县住房和城乡建设局|warn|首次出现用全称")
    assert pair.first_only
    [pair] = parse_wording("wrong,right,范围\n住建局,县住房和城乡建设局,首次出现\n")
    assert pair.first_only
    assert parse_wording(export_wording(wording)).items == wording.items


def test_unknown_scope_names_the_line() -> None:
    with pytest.raises(LexiconError) as error:
        parse_wording("wrong,right,scope\n住建局,县住房和城乡建设局,sometimes\n")
    assert error.value.line == 2 and "first" in error.value.message
