"""Indexing and searching through the public API, on whichever database the suite runs."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from django.db import transaction

from rongmei.core import search
from rongmei.core.search.models import SearchEntry

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


def ids(results: search.SearchResults) -> list[str]:
    return [hit.object_id for hit in results.hits]


# --- Words and names, however jieba cuts the story ---------------------------------------


@pytest.mark.parametrize(
    "query, body",
    [
        ("积水", "城关镇多处路段积水严重，交警到场疏导。"),
        ("积水", "受强降雨影响，低洼路面积水深达半米。"),
        ("积水", "排涝队连夜抽排积水。"),
        ("舆情", "县委网信办通报上周网络舆情。"),
        ("舆情", "做好舆情处置和回应工作"),
        ("王磊", "记者王磊报道"),
        ("王磊", "王磊说，今年的稻谷长势很好。"),
        ("王磊", "参加活动的有王磊、陈静等同志。"),
        ("陈静", "陈静表示将尽快回复群众诉求。"),
        ("陈静", "副局长陈静在会上强调安全生产。"),
        ("城关镇", "城关镇东门社区开展义诊。"),
        ("县城 积水", "县城里积水的路段已经恢复通行。"),  # words apart: type them apart
        ("积水严重", "青山镇石桥村积水严重"),
        ("5G", "全县新建５Ｇ基站120个。"),
        ("g318", "G318国道白沙段完成改造。"),
        ("2025", "2025年全县粮食产量再创新高。"),
    ],
)
def test_words_and_names_are_found_in_any_context(put, center, query, body):
    put(1, "今日要闻", body)
    put(2, "无关稿件", "县里召开秋季农业生产现场会，部署秋收秋种。")
    assert ids(search.search(center, query)) == ["1"]


@pytest.mark.parametrize(
    "query, body",
    [
        ("王磊", "王小磊和李磊参加了比赛。"),
        ("积水", "水利局积极推进工作。"),
        ("舆情", "舆论和情况都平稳。"),
        ("g318", "G3180 是另一条路。"),
        ("县城积水", "县城里积水的路段已经恢复通行。"),  # a word is contained as written
    ],
)
def test_characters_that_are_merely_near_each_other_do_not_match(put, center, query, body):
    put(1, "今日要闻", body)
    assert search.search(center, query).total == 0


def test_a_single_character_is_found_anywhere_in_a_word(put, center):
    put(1, "排涝", "低洼处积水。")
    put(2, "秋收", "稻谷丰收。")
    assert ids(search.search(center, "水")) == ["1"]  # the last character of a run
    assert ids(search.search(center, "积")) == ["1"]
    assert ids(search.search(center, "稻")) == ["2"]


def test_every_word_is_required(put, center):
    put(1, "防汛", "王磊在城关镇采访积水情况。")
    put(2, "防汛", "陈静在城关镇采访积水情况。")
    assert ids(search.search(center, "积水 王磊")) == ["1"]
    assert sorted(ids(search.search(center, "城关镇 积水"))) == ["1", "2"]
    assert search.search(center, "积水 张伟").total == 0


def test_words_may_be_split_between_title_and_body(put, center):
    put(1, "城关镇积水", "记者王磊报道。")
    assert ids(search.search(center, "积水 王磊")) == ["1"]


# --- Filters ---------------------------------------------------------------------------------


@pytest.fixture
def stories(put, center):
    day = dt.datetime(2025, 6, 10, 9, 30, tzinfo=SHANGHAI)
    put(1, "积水一", status="published", column_id=7, author_ids=[1, 5], date=day)
    put(2, "积水二", status="draft", column_id=7, author_ids=[11], date=day + dt.timedelta(days=1))
    put(3, "积水三", status="published", column_id=8, author_ids=[21, 1], date=day + dt.timedelta(days=2))
    put(4, "积水四", kind="rendition", status="published", date=dt.date(2025, 6, 11))
    put(5, "积水五", kind="asset")
    return day


def test_status_filter(stories, center):
    assert sorted(ids(search.search(center, "积水", status="published"))) == ["1", "3", "4"]
    assert sorted(ids(search.search(center, "积水", status=["draft", "published"]))) == ["1", "2", "3", "4"]
    assert search.search(center, "积水", status="archived").total == 0


def test_column_filter(stories, center):
    assert sorted(ids(search.search(center, "积水", column_id=7))) == ["1", "2"]


def test_author_filter_matches_whole_ids_only(stories, center):
    assert sorted(ids(search.search(center, "积水", author_id=1))) == ["1", "3"]
    assert ids(search.search(center, "积水", author_id=11)) == ["2"]
    assert search.search(center, "积水", author_id=2).total == 0


def test_kinds_filter(stories, center):
    assert ids(search.search(center, "积水", kinds=["rendition"])) == ["4"]
    assert sorted(ids(search.search(center, "积水", kinds=["rendition", "asset"]))) == ["4", "5"]
    assert search.search(center, "积水", kinds=[]).total == 0


def test_date_filters_are_inclusive_days_in_the_centers_time_zone(stories, center):
    june = dt.date(2025, 6, 1)
    assert sorted(ids(search.search(center, "积水", date_from=dt.date(2025, 6, 11)))) == ["2", "3", "4"]
    assert sorted(ids(search.search(center, "积水", date_to=dt.date(2025, 6, 11)))) == ["1", "2", "4"]
    assert sorted(ids(search.search(center, "积水", date_from=dt.date(2025, 6, 11), date_to=dt.date(2025, 6, 11)))) == ["2", "4"]
    assert ids(search.search(center, "积水", date_from=june, date_to=dt.datetime(2025, 6, 10, 9, 0))) == []
    assert ids(search.search(center, "积水", date_from=june, date_to=dt.datetime(2025, 6, 10, 9, 30))) == ["1"]
    assert "5" not in ids(search.search(center, "积水", date_from=june))  # undated


def test_filters_combine(stories, center):
    results = search.search(center, "积水", kinds=["story"], status="published", column_id=8, author_id=1,
                            date_from=dt.date(2025, 6, 12))
    assert ids(results) == ["3"]


# --- Results ----------------------------------------------------------------------------------


def test_a_hit_carries_what_a_result_list_shows(put, center):
    when = dt.datetime(2025, 6, 10, 9, 30, tzinfo=SHANGHAI)
    put(42, "城关镇积水严重", "今天凌晨的暴雨造成积水。", status="published", date=when, url="/stories/42/")
    hit = search.search(center, "积水").hits[0]
    assert (hit.kind, hit.object_id, hit.title, hit.url, hit.status) == ("story", "42", "城关镇积水严重", "/stories/42/", "published")
    assert hit.date == when
    assert hit.score > 0
    assert hit.title_html == "城关镇<mark>积水</mark>严重"
    assert hit.snippet_html == "今天凌晨的暴雨造成<mark>积水</mark>。"


def test_highlights_escape_everything_else(put, center):
    put(1, '<script>alert("积水")</script>', "<img src=x onerror=alert(1)> 路面积水 & 泥泞")
    hit = search.search(center, "积水").hits[0]
    assert "<script>" not in hit.title_html and "<img" not in hit.snippet_html
    assert hit.title_html == "&lt;script&gt;alert(&quot;<mark>积水</mark>&quot;)&lt;/script&gt;"
    assert hit.snippet_html == "&lt;img src=x onerror=alert(1)&gt; 路面<mark>积水</mark> &amp; 泥泞"


def test_a_long_body_is_cut_around_the_matches(put, center):
    body = "会议指出，" + "要坚持稳中求进。" * 40 + "城关镇的积水问题要马上解决，" + "确保群众满意。" * 40
    put(1, "会议", body)
    snippet = search.search(center, "积水").hits[0].snippet_html
    assert snippet.startswith("…") and snippet.endswith("…")
    assert "<mark>积水</mark>问题要马上解决" in snippet
    assert len(snippet) < 200


def test_highlight_marks_folded_forms_and_whole_words(put, center):
    put(1, "５Ｇ网络", "新建5g基站，不是5gx。")
    hit = search.search(center, "5G").hits[0]
    assert hit.title_html == "<mark>５Ｇ</mark>网络"
    assert hit.snippet_html == "新建<mark>5g</mark>基站，不是5gx。"


@pytest.fixture
def other_news(put):
    """Stories without the words searched for, as any real index has."""
    for number, title in enumerate(["县委常委会召开扩大会议", "白沙乡茶叶开采", "东湖镇举办龙舟赛"], start=100):
        put(number, title, "会议强调，要把各项工作抓实抓细。")


def test_a_title_match_ranks_above_a_passing_mention(put, center, other_news):
    put(1, "秋季农业生产现场会召开", "会上提到，雨后部分农田有积水，已组织排涝。" + "会议部署了秋收秋种工作。" * 5,
        date=dt.date(2025, 6, 12))
    put(2, "城关镇积水路段恢复通行", "经过连夜抽排，城关镇主要路段已经恢复通行。", date=dt.date(2025, 6, 1))
    assert ids(search.search(center, "积水")) == ["2", "1"]


def test_the_exact_query_ranks_above_its_pieces_apart(put, center, other_news):
    put(1, "严重的是积水", "城关镇积水，有的路段情况严重。", date=dt.date(2025, 6, 12))
    put(2, "城关镇积水严重", "城关镇积水严重。", date=dt.date(2025, 6, 1))
    assert ids(search.search(center, "积水严重")) == ["2"]  # 1 does not contain it
    assert ids(search.search(center, "积水 严重")) == ["2", "1"]  # the phrase first


def test_equal_scores_list_the_newest_first(put, center):
    for number, day in enumerate([3, 1, 2], start=1):
        put(number, "积水", date=dt.date(2025, 6, day))
    put(4, "积水")  # undated: last
    assert ids(search.search(center, "积水")) == ["1", "3", "2", "4"]


def test_pages(put, center):
    for number in range(1, 8):
        put(number, "积水", date=dt.date(2025, 6, number))
    first = search.search(center, "积水", limit=3)
    last = search.search(center, "积水", limit=3, offset=6)
    beyond = search.search(center, "积水", limit=3, offset=30)
    assert (first.total, ids(first)) == (7, ["7", "6", "5"])
    assert (last.total, ids(last)) == (7, ["1"])
    assert (beyond.total, ids(beyond)) == (7, [])
    assert len(search.search(center, "积水", limit=10_000).hits) == 7


# --- Writes --------------------------------------------------------------------------------


def test_indexing_again_replaces_the_entry(put, center):
    put(1, "城关镇积水", "王磊报道", status="draft", author_ids=[1])
    put(1, "城关镇排涝", "陈静报道", status="published", author_ids=[2])
    assert SearchEntry.objects.filter(center=center).count() == 1
    assert search.search(center, "积水").total == 0
    assert search.search(center, "王磊").total == 0
    assert ids(search.search(center, "排涝 陈静", status="published", author_id=2)) == ["1"]


def test_remove(put, center):
    put(1, "城关镇积水")
    put(2, "城关镇积水")
    assert search.remove(center, "story", 1) is True
    assert search.remove(center, "story", 1) is False
    assert ids(search.search(center, "积水")) == ["2"]


def test_the_index_follows_the_callers_transaction(put, center):
    put(1, "城关镇积水")

    class Abort(Exception):
        pass

    with pytest.raises(Abort), transaction.atomic():
        put(2, "青山镇积水")
        put(1, "城关镇排涝")
        search.remove(center, "story", 1)
        raise Abort
    assert ids(search.search(center, "积水")) == ["1"]


def test_index_many_upserts_in_batches(center, put):
    put(1, "旧标题")
    documents = [search.Document("story", n, f"第{n}条积水消息", "正文") for n in range(1, 26)]
    documents.append(search.Document("story", 3, "第3条排涝消息"))  # later version wins
    assert search.index_many(center, documents, batch_size=10) == 26
    assert search.search(center, "积水").total == 24
    assert search.search(center, "旧标题").total == 0
    assert ids(search.search(center, "排涝")) == ["3"]


@pytest.mark.parametrize("kind, object_id", [("", 1), ("x" * 31, 1), ("story", ""), ("story", "9" * 65)])
def test_bad_keys_are_refused(center, kind, object_id):
    with pytest.raises(ValueError):
        search.index(center, kind, object_id, title="积水", body="")


def test_a_too_long_status_is_refused(center):
    with pytest.raises(ValueError):
        search.index(center, "story", 1, title="积水", body="", status="s" * 31)


def test_a_word_deep_in_a_long_body_is_found(put, center):
    put(1, "政府工作报告", "会议强调要抓好落实。" * 2000 + "城关镇积水点位全部清零。")
    assert ids(search.search(center, "积水")) == ["1"]
    assert "<mark>积水</mark>点位" in search.search(center, "积水").hits[0].snippet_html


def test_control_characters_do_not_break_indexing(put, center):
    put(1, "积水\x00", "路面\x00积水")
    assert search.search(center, "积水").hits[0].title == "积水"


# --- Tenancy -------------------------------------------------------------------------------


def test_a_center_sees_only_its_own_entries(put, center, neighbour):
    put(1, "城关镇积水", "王磊报道")
    put(1, "邻县积水", "王磊报道", center=neighbour)
    put(2, "邻县舆情", "", center=neighbour)
    assert [hit.title for hit in search.search(center, "积水").hits] == ["城关镇积水"]
    assert search.search(center, "舆情").total == 0
    assert search.search(neighbour, "积水 王磊").total == 1
    search.remove(center, "story", 1)
    assert search.search(neighbour, "积水").total == 1
    assert search.search(None, "积水").total == 0


# --- Whatever the user types ---------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    ['"', "'", '"积水', "积水\"", "((积水", "积水)", "NEAR(积水 王磊)", "积水*", "*", "title_terms:积水",
     "积水 & 王磊", "积水 | 王磊", "!积水", "积水 -王磊", "^积水", "积水 OR 王磊", "AND", "NOT 积水",
     "'; DROP TABLE core_searchentry; --", "\\", "\x00", "积水\x00", "😀", "积水:*", "积水 <-> 王磊",
     "积" * 1000, "积水 " * 100, "", "   "],
)
def test_malformed_queries_never_raise(put, center, query):
    put(1, "城关镇积水", "王磊报道")
    results = search.search(center, query)
    assert results.total in (0, 1)
    assert SearchEntry.objects.filter(center=center).count() == 1


def test_operators_are_plain_words(put, center):
    put(1, "城关镇积水", "王磊报道")
    assert ids(search.search(center, '"积水" (王磊)')) == ["1"]
    assert ids(search.search(center, "积水 OR 张伟")) == []  # OR is a word, and absent


# --- Precision: every hit contains every query word as written (issue 14) -----------------


@pytest.mark.parametrize(
    "query, hit, miss",
    [
        ("健康码", "进入医院仍需出示健康码。", "义诊送去了健康知识，扫码登记。"),
        ("曹宏伟", "县委书记曹宏伟在会上强调。", "副县长曹宏到场，宏伟蓝图。"),
        ("中央门", "中央门社区新建老年食堂。", "广场中央的喷泉，门前花坛。"),
        ("6.5%", "生产总值增长6.5%。", "工业增长16.5%，另有6个项目5%完成。"),
        ("1998年", "该村始建于1998年。", "这座桥1998建成，第二年通车。"),
        ("1月", "1月份优良天数28天。", "11月起开通，全年共12个月。"),
        ("110V", "更换110V线路。", "110指挥中心，V形支架。"),
        ("110", "更换110V线路。", "1100户村民。"),
        ("mhz", "完成700MHz清频。", "MHzz 不是单位。"),
        ("300Mbps", "下载速度可达300Mbps。", "带宽300M，Mbps级专线。"),
        ("325i", "宝马325i轿车。", "325国道，i人e人。"),
    ],
)
def test_a_hit_contains_the_query_as_written(put, center, query, hit, miss):
    put(1, "今日要闻", hit)
    put(2, "今日要闻", miss)
    assert ids(search.search(center, query)) == ["1"]


def test_title_hits_rank_above_body_hits(put, center):
    put(1, "秋粮收购", "城关镇健康码查验点撤除，健康码不再查验，健康码已停用。", date=dt.date(2025, 6, 12))
    put(2, "健康码查验点撤除", "城关镇今天起撤除查验点。", date=dt.date(2025, 6, 1))
    assert ids(search.search(center, "健康码")) == ["2", "1"]
