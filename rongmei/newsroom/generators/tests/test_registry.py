"""Every channel at once: dispatch, determinism, punctuation, limits and warnings."""

import json
import os
import re
import subprocess
import sys
from dataclasses import asdict

import pytest

from rongmei.newsroom.generators import CHANNEL_LABELS, GENERATORS, generate
from rongmei.newsroom.generators.text import split_sentences, weibo_length

from .samples import ascii_story, farm_story, flood_story, long_story, notice_story

STORIES = {
    "flood": flood_story,
    "farm": farm_story,
    "notice": notice_story,
    "long": long_story,
    "ascii": ascii_story,
    "empty": lambda: notice_story(body_html="", summary=""),
}
CJK = "\u4e00-\u9fff"


def test_every_channel_has_a_generator_and_a_chinese_label():
    assert list(GENERATORS) == ["web", "wechat", "weibo", "newspaper", "radio", "tv", "short_video"]
    assert CHANNEL_LABELS == {
        "web": "网站/客户端", "wechat": "微信公众号", "weibo": "微博", "newspaper": "报纸",
        "radio": "广播稿", "tv": "电视稿", "short_video": "短视频",
    }


def test_generate_dispatches_by_channel_and_explains_unknown_ones():
    assert generate("radio", flood_story()).channel == "radio"
    with pytest.raises(ValueError, match="微信公众号"):
        generate("fax", flood_story())


@pytest.mark.parametrize("channel", GENERATORS)
@pytest.mark.parametrize("name", STORIES)
def test_output_is_deterministic(channel, name):
    first = asdict(generate(channel, STORIES[name]()))
    generate(channel, farm_story(user_words=("高山茶", "周德明", "城区易涝")))  # something else in between
    assert asdict(generate(channel, STORIES[name]())) == first


@pytest.mark.parametrize("channel", GENERATORS)
def test_chinese_punctuation_is_kept(channel):
    draft = generate(channel, flood_story())
    text = draft.body + "".join(str(v) for v in draft.fields.values())
    assert not re.search(f"[{CJK}][,;:!?]|[,;:!?][{CJK}]", re.sub(r"https?://\S+", "", text))
    for mark in "，。":
        assert mark in draft.body or channel == "short_video"
    if channel not in ("short_video",):
        assert "“" in draft.body and "”" in draft.body


@pytest.mark.parametrize("name", STORIES)
def test_channel_limits_hold_for_every_story(name):
    story = STORIES[name]()
    wechat = generate("wechat", story)
    assert len(wechat.title) <= 64 and len(wechat.fields["digest"]) <= 120
    assert len(wechat.fields["author"]) <= 8
    weibo = generate("weibo", story)
    assert weibo_length(weibo.fields["short_text"]) <= 140 and len(weibo.fields["images"]) <= 9
    short = generate("short_video", story)
    assert len(short.fields["caption"]) <= 55 and len(short.fields["tags"]) <= 5
    assert "<img" not in generate("radio", story).body
    assert len(split_sentences(generate("tv", story).fields["lead"])) <= 3


@pytest.mark.parametrize("channel", GENERATORS)
def test_warnings_say_what_happened_and_what_to_do(channel):
    for make in STORIES.values():
        for note in generate(channel, make()).warnings:
            kind, _, rest = note.partition("：")
            assert kind and re.fullmatch(f"[{CJK}]+", kind), note
            assert rest.endswith("。") and rest.count("。") >= 2, note


def test_a_summary_backend_that_overshoots_cannot_break_a_limit():
    class Rambling:
        name = "rambling"

        def summarize(self, text, budget, *, measure=len, user_words=()):
            return text * 3

    story = flood_story()
    assert len(generate("wechat", story, summarizer=Rambling()).fields["digest"]) <= 120
    teaser = generate("weibo", story, summarizer=Rambling()).fields["short_text"]
    assert weibo_length(teaser) <= 140


def test_output_does_not_depend_on_the_process():
    """Another interpreter, with another hash seed, produces byte-identical renditions."""
    code = (
        "import json\n"
        "from dataclasses import asdict\n"
        "from rongmei.newsroom.generators import GENERATORS, generate\n"
        "from rongmei.newsroom.generators.tests.samples import flood_story\n"
        "print(json.dumps([asdict(generate(c, flood_story())) for c in GENERATORS],"
        " ensure_ascii=False, sort_keys=True))\n"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, env=env
    )
    assert done.returncode == 0, done.stderr
    here = [asdict(generate(c, flood_story())) for c in GENERATORS]
    assert json.loads(done.stdout) == json.loads(json.dumps(here, ensure_ascii=False))
