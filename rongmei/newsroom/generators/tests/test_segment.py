"""Segmentation and keywords keep the county's names whole, and load jieba safely once."""

import subprocess
import sys
import threading

from rongmei.newsroom.generators import segment
from rongmei.newsroom.generators.segment import USERDICT_PATH, cut, guess_tag, keywords

from rongmei.newsroom.generators.text import html_to_text

from .samples import FARM_BODY, FLOOD_BODY

QINGSHAN = "青山镇今年完成排水管网改造。青山镇的积水点从十多处减少到两处，青山镇居民拍手称快。"


def test_user_dictionary_keeps_place_and_office_names_whole():
    words = cut("县住建局组织青山镇、白沙乡和滨江街道开展排查")
    for name in ("县住建局", "青山镇", "白沙乡", "滨江街道"):
        assert name in words


def test_keywords_include_a_place_as_one_word():
    found = keywords(QINGSHAN, 5)
    assert "青山镇" in found
    assert "青山" not in found and "山镇" not in found


def test_story_words_are_added_for_that_call_only():
    text = "花果岭村的村民种上了高山茶。"
    assert "花果岭村" in cut(text, ["花果岭村"])
    assert "花果岭村" not in cut(text)
    assert "花果岭村" in keywords(text, 5, ["花果岭村"])


def test_story_words_do_not_change_other_stories_results():
    text = html_to_text(FLOOD_BODY)
    before = keywords(text, 10)
    keywords(html_to_text(FARM_BODY), 10, ["周德明", "排水管", "城区易涝"])
    assert keywords(text, 10) == before


def test_keywords_are_nouns_not_particles_and_deterministic():
    text = html_to_text(FARM_BODY)
    found = keywords(text, 8)
    assert found == keywords(text, 8)
    assert "高标准农田" in found
    assert not {"的", "了", "今年", "记者"} & set(found)


def test_empty_text_has_no_keywords():
    assert keywords("   ", 5) == []
    assert keywords("青山镇", 0) == []


def test_guess_tag_for_unlabelled_county_names():
    assert guess_tag("花果岭村") == "ns"
    assert guess_tag("县林业局") == "nt"
    assert guess_tag("高山茶") == "nz"


def test_userdict_file_is_in_jieba_format():
    for line in USERDICT_PATH.read_text(encoding="utf-8").splitlines():
        word, *rest = line.split(" ")
        assert word and len(rest) <= 2


def test_loading_happens_once_under_concurrent_first_use(monkeypatch):
    monkeypatch.setattr(segment, "_loaded", None)
    segment._with_words.cache_clear()
    calls = []
    real_load = segment._load

    def counting_load():
        calls.append(1)
        return real_load()

    monkeypatch.setattr(segment, "_load", counting_load)
    results: list[list[str]] = []
    def first_use() -> None:
        results.append(keywords(QINGSHAN, 3))

    threads = [threading.Thread(target=first_use) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    segment._with_words.cache_clear()
    assert len(calls) == 1
    assert len(results) == 8 and all(r == results[0] for r in results)


def test_importing_and_first_use_print_nothing():
    code = (
        "import rongmei.newsroom.generators as g\n"
        "from rongmei.newsroom.generators.segment import keywords\n"
        "keywords('青山镇排水管网改造完成。', 3)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout == ""
    assert "Building prefix dict" not in done.stderr
