"""倾向判断: the labelled news set (its shape and its fixed held-out part), the scorer's
figures on the held-out part, the hard cases one by one, the speed, and `rongmei monitor
tone FILE`."""

from __future__ import annotations

import io
import json
import random
import time
from pathlib import Path

import pytest
from django.core.management import call_command

from rongmei.monitor import tone

DATA = Path(__file__).resolve().parents[3] / "tests" / "data" / "monitor_tone.jsonl"
LABELS = ("positive", "neutral", "negative")


def rows(split: str | None = None) -> list[dict]:
    found = [json.loads(line) for line in DATA.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [r for r in found if split is None or r["split"] == split]


def figures(sample: list[dict]) -> dict:
    confusion = {(a, b): 0 for a in LABELS for b in LABELS}
    for r in sample:
        confusion[(r["label"], tone.score(r["text"])[0])] += 1
    f1 = {}
    for c in LABELS:
        tp = confusion[(c, c)]
        fp = sum(confusion[(o, c)] for o in LABELS if o != c)
        fn = sum(confusion[(c, o)] for o in LABELS if o != c)
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        f1[c] = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    accuracy = sum(confusion[(c, c)] for c in LABELS) / len(sample)
    return {"accuracy": accuracy, "f1": f1, "macro_f1": sum(f1.values()) / 3, "confusion": confusion}


# --- The labelled set ---------------------------------------------------------------------------

def test_the_set_has_300_hand_labelled_sentences_and_a_balanced_held_out_part():
    everything = rows()
    assert len(everything) >= 300
    assert len({r["text"] for r in everything}) == len(everything), "a sentence is there twice"
    for label in LABELS:
        of_class = [r for r in everything if r["label"] == label]
        assert len(of_class) >= 100, label
        held_out = [r for r in of_class if r["split"] == "test"]
        never_tuned = [r for r in of_class if r["split"] in ("test", "fresh")]
        assert len(held_out) >= 30 and 0.2 <= len(held_out) / len(of_class) <= 0.35, label
        assert 0.3 <= len(never_tuned) / len(of_class) <= 0.4, label
    assert {r["split"] for r in everything} == {"train", "test", "fresh"}
    fresh = [r for r in everything if r["split"] == "fresh"]
    assert all(sum(1 for r in fresh if r["label"] == label) >= 20 for label in LABELS)
    kinds = {r["kind"] for r in everything if r["label"] == "neutral"}
    assert {"notice", "meeting", "fixed", "prohibition"} <= kinds


# --- Figures on the held-out part ---------------------------------------------------------------

def test_held_out_accuracy_and_per_class_f1():
    result = figures(rows("test"))
    assert result["macro_f1"] >= 0.90, result
    assert result["accuracy"] >= 0.90, result
    for label in LABELS:
        assert result["f1"][label] >= 0.85, (label, result)


def test_sentences_written_after_the_word_lists_were_frozen():
    # The "fresh" part was written after the lexicon was frozen and never tuned on: the
    # honest figure for news the word lists have not seen (0.90 measured; the lexicon alone
    # 0.71, which is why the n-gram backoff is there).
    result = figures(rows("fresh"))
    assert result["macro_f1"] >= 0.85, result
    assert result["f1"]["neutral"] >= 0.85, result


def test_the_backoff_model_is_trained_on_the_training_part_only():
    shipped = (tone.LEXICON_DIR / tone.NGRAM_FILE).read_text(encoding="utf-8").strip()
    assert tone.NgramModel.train(rows("train")).dump() == shipped, "run bench/monitor_nlp.py --train"


def test_every_neutral_government_notice_in_the_held_out_part_comes_out_neutral():
    notices = [r for r in rows("test") + rows("fresh")
               if r["label"] == "neutral" and r["kind"] in ("notice", "meeting", "prohibition")]
    assert len(notices) >= 30
    wrong = [r["text"] for r in notices if tone.score(r["text"])[0] != "neutral"]
    assert wrong == []


def test_the_training_part_is_no_better_than_it_should_be():
    # Not a target, a tripwire: if the held-out figures ever ran far above the training ones,
    # someone tuned on the held-out part.
    assert figures(rows("train"))["macro_f1"] >= figures(rows("test"))["macro_f1"] - 0.05


# --- Hard cases ---------------------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    # prohibitions and warnings in notices are not negative news
    ("县交警大队提醒：严禁酒驾，文明出行。", "neutral"),
    ("县应急管理局提醒，汛期严禁下河游泳，防止溺水事故。", "neutral"),
    ("关于开展燃气安全隐患专项排查的通知", "neutral"),
    # a meeting about a problem is a meeting
    ("县政府召开专题会议，研究部署城区内涝治理工作。", "neutral"),
    # a past problem reported fixed
    ("网友反映的幸福路积水问题，县住建局已完成疏通，路面已恢复正常通行。", "neutral"),
    # negated positive, negated negative
    ("承诺的补贴至今没有兑现，村民意见很大。", "negative"),
    ("仓库起火后消防迅速扑灭，未造成人员伤亡，群众纷纷点赞。", "positive"),
    # a citizen's question with a complaint in it, and one without
    ("路灯坏了两个月了，怎么还没人来修？", "negative"),
    ("请问县图书馆周日开门吗？", "neutral"),
    # after a contrast the second half decides
    ("道路修得很漂亮，但是一下雨就积水，出行苦不堪言。", "negative"),
    # achievements and praise
    ("青山镇荣获全国文明村镇称号，村民纷纷点赞。", "positive"),
    ("县人民医院医生暖心救人，家属送来锦旗致谢。", "positive"),
    # events
    ("城关镇一工地发生坍塌事故，造成两人死亡。", "negative"),
    ("关于青山镇一起较大火灾事故调查处理情况的通报：事故造成三人死亡。", "negative"),
])
def test_hard_cases(text, expected):
    assert tone.score(text)[0] == expected


def test_score_is_bounded_and_agrees_with_the_label():
    for r in rows():
        label, value = tone.score(r["text"])
        assert -1.0 <= value <= 1.0
        if label == "positive":
            assert value > 0
        elif label == "negative":
            assert value < 0
    assert tone.score("") == ("neutral", 0.0)
    assert tone.score("很" * 5000)[0] == "neutral"
    strong = "事故造成多人死亡。" * 50
    assert tone.score(strong)[1] < -0.9


def test_degree_words_scale_and_the_lexicon_loads_from_files(tmp_path):
    assert tone.scorer().raw("服务非常满意") > tone.scorer().raw("服务满意") > tone.scorer().raw("服务略满意") > 0
    # the word lists are data: a scorer built from other files behaves by them
    for name in ("neutral", "official", "resolved", "contrast", "prevention", "degree", "negation", "positive"):
        (tmp_path / f"{name}.txt").write_text("", encoding="utf-8")
    (tmp_path / "negative.txt").write_text("# 测试\n满意\t3\n", encoding="utf-8")
    assert tone.Scorer(tmp_path).score("服务满意")[0] == "negative"


# --- Speed --------------------------------------------------------------------------------------

def test_a_thousand_character_item_takes_well_under_a_millisecond():
    sentences = [r["text"] for r in rows()]
    rng = random.Random(7)
    items = []
    for _ in range(400):
        text = ""
        while len(text) < 1000:
            text += rng.choice(sentences)
        items.append(text[:1000])
    tone.score(items[0])
    started = time.process_time()
    for text in items:
        tone.score(text)
    per_item = (time.process_time() - started) / len(items)
    # ≈0.19 ms of CPU measured (docs/monitor.md); generous here because CI machines are shared.
    assert per_item < 0.001, per_item


# --- Command line -------------------------------------------------------------------------------

def test_cli_keeps_every_field_and_adds_tone_and_score():
    source = io.StringIO(
        json.dumps({"id": 7, "text": "县人民医院荣获省级文明单位称号", "来源": "本地"}, ensure_ascii=False) + "\n"
        + "\n"
        + json.dumps({"id": 8, "text": "幸福路积水严重，市民苦不堪言"}, ensure_ascii=False) + "\n"
    )
    out, err = io.StringIO(), io.StringIO()
    assert tone.cli({"file": "-"}, stdin=source, stdout=out, stderr=err) == 0
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [line["id"] for line in lines] == [7, 8]
    assert lines[0]["来源"] == "本地" and lines[0]["tone"] == "positive" and lines[0]["score"] > 0
    assert lines[1]["tone"] == "negative" and lines[1]["score"] < 0
    assert err.getvalue() == ""


def test_cli_reports_malformed_lines_with_their_number_and_exits_2(tmp_path):
    path = tmp_path / "items.jsonl"
    path.write_text(
        '{"text": "县委召开常委会会议"}\n'
        "这不是 JSON\n"
        '{"id": 3}\n'
        '["text"]\n'
        '{"text": 5}\n'
        '{"text": "群众纷纷点赞"}\n',
        encoding="utf-8",
    )
    out, err = io.StringIO(), io.StringIO()
    assert tone.cli({"file": str(path)}, stdin=io.StringIO(), stdout=out, stderr=err) == 2
    assert [json.loads(line)["tone"] for line in out.getvalue().splitlines()] == ["neutral", "positive"]
    message = err.getvalue()
    for number in (2, 3, 4, 5):
        assert f"第 {number} 行" in message
    assert "第 1 行" not in message and "第 6 行" not in message


def test_rongmei_monitor_tone_command(tmp_path):
    path = tmp_path / "in.jsonl"
    path.write_text('{"text": "一辆货车侧翻，造成两人受伤"}\n', encoding="utf-8")
    out = io.StringIO()
    call_command("monitor", "tone", str(path), stdout=out)
    assert json.loads(out.getvalue())["tone"] == "negative"
    bad = tmp_path / "bad.jsonl"
    bad.write_text("{oops\n", encoding="utf-8")
    err = io.StringIO()
    with pytest.raises(SystemExit) as exited:
        call_command("monitor", "tone", str(bad), stdout=io.StringIO(), stderr=err)
    assert exited.value.code == 2
    assert "第 1 行" in err.getvalue()
