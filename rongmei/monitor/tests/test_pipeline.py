"""pipeline.ingest end to end on the test database, with the real rules, tone, keywords,
clustering, search and alerts modules."""

import datetime as dt

import pytest
from django.db import transaction

from rongmei.core import search as core_search
from rongmei.core.search.models import SearchEntry
from rongmei.monitor import dedupe, pipeline, search, search_tasks
from rongmei.monitor.models import AlertRule, Item, ItemGroup, Match, Source, Topic
from rongmei.monitor.normalise import SHANGHAI
from rongmei.monitor.selectors import SEARCH_KIND
from rongmei.monitor.types import RawItem

NOW = dt.datetime(2026, 6, 12, 4, 0, tzinfo=dt.UTC)

STORY = ("6月12日凌晨，示例县遭遇今年入汛以来最强降雨，城关镇解放路与人民路交叉口出现大面积积水，最深处没过车轮，"
         "多辆私家车在积水中熄火。\n记者早上7点赶到现场看到，县城管局和消防救援大队已调来两台移动泵车排水，"
         "交警在路口两侧设置了绕行提示，引导车辆从建设路通行。\n附近商户王先生说，这个路口每逢大雨就积水，"
         "店里的货物已经被泡了两回，群众对此很不满。县城管局相关负责人表示，解放路雨水管网改造已列入今年计划。")
REPOST = "示例日报讯（记者 张敏）" + STORY.replace("记者早上7点", "早上7点") + "\n来源：示例新闻网 编辑：刘洋"
OTHER = ("金秋十月，示例县白沙乡3.2万亩晚稻进入收割期，田间地头一派繁忙景象。在白沙乡北坪村，五台联合收割机"
         "来回穿梭，稻谷被直接装车运往村里的烘干中心。种粮大户周德胜今年流转了600亩地，亩产比去年多了80斤。")


@pytest.fixture
def center(demo):
    return demo["demo"]


@pytest.fixture
def source(center):
    return Source.objects.create(center=center, name="处理流程测试源", kind=Source.Kind.RSS, url="https://news.example.com/feed",
                                 level=Source.Level.PROVINCIAL, region="省内")


@pytest.fixture
def topic(center):
    return Topic.objects.create(center=center, name="处理流程测试·解放路积水", category=Topic.Category.ISSUE,
                                expression="解放路 & (积水 | 内涝)", watched=True)


def batch():
    long_text = "青山镇茶园" + "今年春茶长势良好，茶农忙着采摘。" * 4000
    return [
        RawItem(title="城关镇解放路积水严重_新浪新闻", text=STORY, url="https://News.Example.com/a/1/?utm_source=wx",
                published_at=dt.datetime(2026, 6, 12, 8, 0)),  # naive: Shanghai time
        RawItem(title="城关镇解放路积水严重", text=STORY, url="https://news.example.com/a/1?spm=9"),  # same URL
        RawItem(title="城关镇解放路积水严重", text=STORY.replace("，", ", "), url="https://other.example.com/x"),  # same text
        RawItem(title="解放路路口积水 车辆熄火", text=REPOST, url="https://daily.example.com/n/5",
                published_at=dt.datetime(2026, 6, 12, 1, 30, tzinfo=dt.UTC)),
        RawItem(title="白沙乡晚稻开镰", text=OTHER, url="https://news.example.com/a/2", external_id="guid-2"),
        RawItem(title="  ", text="<p> </p>", url="https://news.example.com/a/empty"),
        RawItem(title="旧闻", text="一九七〇年的事。", url="https://news.example.com/a/old", published_at=dt.datetime(1970, 1, 1)),
        RawItem(title="青山镇春茶开采", text=long_text, url="https://news.example.com/a/long"),
    ]


def test_ingest_end_to_end(center, source, topic, immediate_queue, django_capture_on_commit_callbacks):
    rule = AlertRule.objects.create(center=center, name="处理流程测试·省级报道", kind=AlertRule.Kind.HEAVY_SOURCE,
                                    min_level=Source.Level.PROVINCIAL)
    rule.topics.add(topic)
    with django_capture_on_commit_callbacks(execute=True):  # the commit: the search indexing task runs
        result = pipeline.ingest(source, batch(), now=NOW)

    assert (result.found, result.new, result.duplicates, result.skipped) == (8, 4, 2, 2)
    errors = {e["url"]: e["error"] for e in result.errors}
    assert "没有标题也没有正文" in errors["https://news.example.com/a/empty"]
    assert "发布时间不合理" in errors["https://news.example.com/a/old"]
    assert "正文过长" in errors["https://news.example.com/a/long"]

    original, repost, other, long_item = result.items
    assert Item.objects.filter(source=source).count() == 4
    original.refresh_from_db()
    repost.refresh_from_db()
    assert original.url == "https://news.example.com/a/1" and original.title == "城关镇解放路积水严重"
    assert original.published_at == dt.datetime(2026, 6, 12, 8, 0, tzinfo=SHANGHAI)
    assert repost.published_at == dt.datetime(2026, 6, 12, 9, 30, tzinfo=SHANGHAI)
    assert other.published_at == NOW  # no time given: the fetch time
    assert original.level == Source.Level.PROVINCIAL and original.region == "省内"
    assert other.external_id == "guid-2"

    # Reposts grouped
    assert repost.group_id == original.group_id and not original.is_repost and repost.is_repost
    group = ItemGroup.objects.get(pk=original.group_id)
    assert group.size == 2 and group.title == "城关镇解放路积水严重" and group.center == center
    assert other.group_id not in (None, original.group_id) and ItemGroup.objects.get(pk=other.group_id).size == 1
    assert dedupe.Signature.from_bytes(original.signature) is not None

    # Topics, tone, keywords, hot topic, search index
    assert set(Match.objects.filter(topic=topic).values_list("item_id", flat=True)) == {original.pk, repost.pk}
    match = Match.objects.get(topic=topic, item=original)
    assert "解放路" in match.terms and "解放路" in match.snippet
    for item in (original, repost, other):
        assert item.tone in {"positive", "neutral", "negative"} and -1 <= item.tone_score <= 1
        assert item.keywords and all(isinstance(w, str) and weight > 0 for w, weight in item.keywords)
    assert any(word == "积水" for word, _ in original.keywords)
    assert original.hot_topic_id is not None and repost.hot_topic_id == original.hot_topic_id
    indexed = set(SearchEntry.objects.filter(center=center, kind=SEARCH_KIND).values_list("object_id", flat=True))
    assert {str(i.pk) for i in result.items} <= indexed
    assert not Item.objects.filter(pk__in=[i.pk for i in result.items], indexed_at__isnull=True).exists()
    assert len(long_item.text) <= pipeline.MAX_TEXT

    # Alerts after commit: a provincial source reporting on a watched topic
    assert result.alerts and all(a.center_id == center.pk for a in result.alerts)
    assert set(result.alerts[0].items.values_list("pk", flat=True)) >= {original.pk}


def _indexed(center) -> set[int]:
    return {int(pk) for pk in SearchEntry.objects.filter(center=center, kind=SEARCH_KIND).values_list("object_id", flat=True)}


def test_search_indexing_follows_the_commit(center, source, immediate_queue, django_capture_on_commit_callbacks):
    """The ingest commits its items unindexed; the task enqueued on commit indexes them."""
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        result = pipeline.ingest(source, batch(), now=NOW)
    ids = {i.pk for i in result.items}
    assert len(ids) == 4 and not ids & _indexed(center)
    assert not Item.objects.filter(pk__in=ids, indexed_at__isnull=False).exists()
    with django_capture_on_commit_callbacks(execute=True):  # the commit: the enqueue (itself on commit) runs the task
        for callback in callbacks:
            callback()
    assert ids <= _indexed(center)
    assert not Item.objects.filter(pk__in=ids, indexed_at__isnull=True).exists()
    assert search.index_pending(center, ids) == 0  # a second run (the sweep, a retry) has nothing to do


def test_the_sweep_indexes_items_whose_task_never_ran(center, source, django_capture_on_commit_callbacks):
    """A worker crashed, the queue was flushed: the minute sweep indexes what is left."""
    with django_capture_on_commit_callbacks(execute=False):  # the task is never enqueued
        result = pipeline.ingest(source, batch(), now=NOW)
    ids = {i.pk for i in result.items}
    assert not ids & _indexed(center)
    gone = result.items[-1]
    Item.objects.filter(pk=gone.pk).delete()  # deleted before the sweep: it must not come back as a ghost
    assert search_tasks.index_missed.call_local() >= 3
    assert ids - {gone.pk} <= _indexed(center) and gone.pk not in _indexed(center)
    assert not Item.objects.filter(pk__in=ids, indexed_at__isnull=True).exists()
    assert search.index_pending(center, ids) == 0  # nothing of theirs left for a late task
    found = core_search.search(center, "春茶", kinds=[SEARCH_KIND])
    assert found.total == 0  # the long item was the one deleted
    assert core_search.search(center, "解放路积水", kinds=[SEARCH_KIND]).total >= 1

    # Items fetched in the last two minutes are left to their own tasks.
    with django_capture_on_commit_callbacks(execute=False):
        fresh = pipeline.ingest(source, [RawItem(title="东门社区路灯修好了", text="东门社区的路灯昨天修好了，居民晚上出门方便多了。",
                                                  url="https://news.example.com/s/9")])
    search_tasks.index_missed.call_local()
    assert fresh.items[0].pk not in _indexed(center)
    assert search.index_pending(center, [fresh.items[0].pk]) == 1 and fresh.items[0].pk in _indexed(center)


def test_an_item_deleted_while_its_terms_are_computed_is_not_indexed(center, source, monkeypatch,
                                                                      django_capture_on_commit_callbacks):
    """The terms are computed outside the transaction: an item deleted meanwhile (its entry
    already taken out) must not come back into the index as a ghost."""
    with django_capture_on_commit_callbacks(execute=False):
        result = pipeline.ingest(source, batch(), now=NOW)
    ids = [i.pk for i in result.items]
    gone = ids[0]
    entries = search._entries

    def deleting(center_, docs):
        out = entries(center_, docs)
        Item.objects.filter(pk=gone).delete()
        return out

    monkeypatch.setattr(search, "_entries", deleting)
    assert search.index_pending(center, ids) == len(ids) - 1
    assert set(ids) - {gone} <= _indexed(center) and gone not in _indexed(center)


def test_second_ingest_adds_nothing(center, source, topic):
    first = pipeline.ingest(source, batch(), now=NOW)
    items, groups, matches = Item.objects.count(), ItemGroup.objects.count(), Match.objects.count()
    again = pipeline.ingest(source, batch(), now=NOW + dt.timedelta(minutes=30))
    assert (again.new, again.duplicates, again.skipped) == (0, 6, 2)
    assert again.items == [] and again.alerts == []
    assert (Item.objects.count(), ItemGroup.objects.count(), Match.objects.count()) == (items, groups, matches)
    assert first.new == 4


@pytest.mark.parametrize("cold", [False, True])
def test_repost_in_a_later_run_joins_the_stored_group(center, source, cold):
    first = pipeline.ingest(source, [RawItem(title="解放路积水", text=STORY, url="https://news.example.com/r/1")], now=NOW)
    if cold:  # another process: the index is rebuilt from the signatures stored on the items
        dedupe.NearDupIndex.forget(center)
    later = pipeline.ingest(source, [RawItem(title="路口积水车辆熄火", text=REPOST, url="https://daily.example.com/r/2")],
                            now=NOW + dt.timedelta(hours=2))
    original, repost = first.items[0], later.items[0]
    assert repost.group_id == original.group_id and repost.is_repost
    group = ItemGroup.objects.get(pk=original.group_id)
    assert group.size == 2 and group.last_seen == repost.published_at


def test_a_repost_of_a_repost_in_one_batch_joins_the_stored_group(center, source):
    first = pipeline.ingest(source, [RawItem(title="解放路积水", text=STORY, url="https://news.example.com/c/1")], now=NOW)
    second = REPOST + "\n（转自示例日报）"
    later = pipeline.ingest(source, [
        RawItem(title="路口积水车辆熄火", text=REPOST, url="https://daily.example.com/c/2"),
        RawItem(title="路口积水车辆熄火（转）", text=second, url="https://forum.example.com/c/3"),
    ], now=NOW + dt.timedelta(hours=1))
    group = first.items[0].group_id
    assert [(i.group_id, i.is_repost) for i in later.items] == [(group, True), (group, True)]
    assert ItemGroup.objects.get(pk=group).size == 3


def test_items_past_the_window_start_new_groups(center, source):
    first = pipeline.ingest(source, [RawItem(title="解放路积水", text=STORY, url="https://news.example.com/w/1")], now=NOW)
    later = pipeline.ingest(source, [RawItem(title="路口积水", text=REPOST, url="https://daily.example.com/w/2")],
                            now=NOW + dedupe.WINDOW + dt.timedelta(hours=1))
    assert later.items[0].group_id != first.items[0].group_id and not later.items[0].is_repost


def test_rolled_back_ingest_leaves_no_trace_in_the_index(center, source):
    with pytest.raises(RuntimeError), transaction.atomic():
        pipeline.ingest(source, [RawItem(title="解放路积水", text=STORY, url="https://news.example.com/rb/1")], now=NOW)
        raise RuntimeError("the caller's transaction fails after the ingest")
    assert not Item.objects.filter(url="https://news.example.com/rb/1").exists()
    # The warm index still remembers the rolled-back item: the repost must not join a group
    # that does not exist (nor another that took its id), it starts its own.
    result = pipeline.ingest(source, [RawItem(title="路口积水", text=REPOST, url="https://daily.example.com/rb/2")], now=NOW)
    item = result.items[0]
    item.refresh_from_db()
    assert not item.is_repost and ItemGroup.objects.get(pk=item.group_id).size == 1


def test_same_url_stored_meanwhile_counts_as_duplicate(center, source, monkeypatch):
    """Two ingests of one URL at once: both pass the duplicate check, one stores first. The
    second's INSERT meets the unique constraint: counted as a duplicate, the rest of its
    batch is still saved, nothing crashes."""
    check = pipeline._drop_exact_duplicates
    raced = []

    def racing(center_, source_, prepared, result):
        fresh = check(center_, source_, prepared, result)
        if not raced:
            raced.append(True)  # the other worker stores the same URL now
            other = pipeline.ingest(source_, [RawItem(title="解放路积水", text=STORY, url="https://news.example.com/race/1")],
                                    now=NOW)
            assert other.new == 1
        return fresh

    monkeypatch.setattr(pipeline, "_drop_exact_duplicates", racing)
    result = pipeline.ingest(source, [
        RawItem(title="解放路积水（转）", text=STORY + "\n（转自示例发布）", url="https://news.example.com/race/1?from=groupmessage"),
        RawItem(title="白沙乡晚稻开镰", text=OTHER, url="https://news.example.com/race/2"),
    ], now=NOW)
    assert (result.new, result.duplicates) == (1, 1)
    assert Item.objects.filter(url="https://news.example.com/race/1").count() == 1
    assert [i.url for i in result.items] == ["https://news.example.com/race/2"]
    assert not ItemGroup.objects.filter(center=center, items__isnull=True, title="解放路积水（转）").exists()


def test_an_empty_or_all_bad_batch(center, source):
    assert pipeline.ingest(source, [], now=NOW).found == 0
    result = pipeline.ingest(source, [RawItem(title="", text=""), RawItem(title="未来", text="时间很远",
                                                                         published_at=dt.datetime(2099, 1, 1))], now=NOW)
    assert (result.found, result.new, result.skipped, len(result.errors)) == (2, 0, 2, 2)


def test_untitled_item_takes_its_first_words(center, source):
    result = pipeline.ingest(source, [RawItem(title="", text="网友反映：东门社区路灯不亮已经一周了，晚上出门很不方便。", url="")], now=NOW)
    assert result.items[0].title.startswith("网友反映：东门社区路灯不亮")
    assert result.items[0].url == "" and result.items[0].url_hash == ""


RACE_SCRIPT = r'''
import json, os, sys, threading
import django
django.setup()
from django.db import connection
from rongmei.core.models import Center
from rongmei.monitor import pipeline
from rongmei.monitor.models import Item, Source
from rongmei.monitor.types import RawItem

center = Center.objects.get(slug="demo")
source = Source.objects.create(center=center, name="并发测试源", kind=Source.Kind.RSS, url="https://race.example.com/feed")
check = pipeline._drop_exact_duplicates
both_checked = threading.Barrier(2, timeout=30)

def checked_then_wait(*args):
    fresh = check(*args)
    both_checked.wait()  # both workers have found the URL new before either stores it
    return fresh

pipeline._drop_exact_duplicates = checked_then_wait
results, failures = [], []

def worker(n):
    try:
        r = pipeline.ingest(source, [RawItem(title=f"解放路积水（{n}）", text=sys.argv[1] + f"（第{n}次抓取）",
                                             url="https://race.example.com/a/1?from=" + str(n))])
        results.append([r.new, r.duplicates])
    except Exception as exc:  # a crash is what the test looks for
        failures.append(repr(exc))
    finally:
        connection.close()

threads = [threading.Thread(target=worker, args=(n,)) for n in (1, 2)]
for t in threads: t.start()
for t in threads: t.join()
print(json.dumps({"results": sorted(results), "failures": failures,
                  "rows": Item.objects.filter(center=center, url="https://race.example.com/a/1").count()}))
'''


@pytest.fixture(scope="module")
def committed_copy(django_db_setup, django_db_blocker, tmp_path_factory):
    """The test database as committed (schema and demo data) copied to a file, taken before
    any test opens its transaction (a connection inside one cannot be backed up)."""
    import sqlite3

    from django.db import connection

    with django_db_blocker.unblock():
        if connection.vendor != "sqlite":
            return None
        path = tmp_path_factory.mktemp("race") / "race.sqlite3"
        connection.ensure_connection()
        attempts = []

        def give_up_when_stuck(status, remaining, total):
            attempts.append(status)
            if len(attempts) > 200:
                raise RuntimeError("the test database stayed locked; cannot copy it")

        target = sqlite3.connect(path)
        try:
            connection.connection.backup(target, pages=2000, progress=give_up_when_stuck, sleep=0.05)
        finally:
            target.close()
    return path


def test_two_threads_storing_one_url_make_one_row(committed_copy, db, tmp_path):
    """Real threads, real commits: a copy of the test database in a file, a child process
    whose two threads both pass the duplicate check before either stores; one row results,
    the loser counts a duplicate, neither crashes."""
    import json
    import os
    import subprocess
    import sys

    if committed_copy is None:
        pytest.skip("the copy is made with SQLite's backup API")
    path = committed_copy
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{path}", "RONGMEI_VAR_DIR": str(tmp_path),
           "DJANGO_SETTINGS_MODULE": "rongmei.settings", "RONGMEI_QUEUE_NAME": "race-test"}
    done = subprocess.run([sys.executable, "-c", RACE_SCRIPT, STORY], env=env, capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    outcome = json.loads(done.stdout.strip().splitlines()[-1])
    assert outcome["failures"] == []
    assert outcome["rows"] == 1
    assert outcome["results"] == [[0, 1], [1, 0]]


def test_an_item_of_the_wrong_shape_is_skipped_not_fatal(center, source):
    class Odd:
        def __str__(self):
            raise ValueError("cannot be read")

    result = pipeline.ingest(source, [RawItem(title=Odd(), text="正文"),
                                      RawItem(title="白沙乡晚稻开镰", text=OTHER, url="https://news.example.com/odd/2")], now=NOW)
    assert (result.new, result.skipped) == (1, 1)
    assert result.errors[0]["error"] == "无法处理这一条（格式异常），已跳过"
