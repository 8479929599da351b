"""热点话题: similar items cluster and different ones do not, the window and the threshold are
the center's settings, reposts follow their original, candidates come from the inverted
index (not a scan of every topic), and heat puts a fast-growing story from heavy sources
above a slow forum thread."""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools

import pytest
from django.utils import timezone

from rongmei.monitor import clustering, keywords
from rongmei.monitor.models import HotTopic, Item, ItemGroup, Source
from rongmei.monitor.settings_store import get_settings

NOW = timezone.make_aware(dt.datetime(2026, 7, 1, 12, 0))
_serial = itertools.count()

FLOOD = [
    "幸福路暴雨积水严重，幸福路沿街商铺进水，县住建局组织排水抢险。",
    "暴雨过后幸福路再现严重积水，商铺进水，市民呼吁县住建局尽快改造幸福路排水管网。",
    "县住建局回应幸福路积水：幸福路排水管网改造将于下月开工，暴雨期间加派抢险人员。",
]
TEA = "白石村春茶开采，茶农喜获丰收，茶叶合作社带动茶农增收。"
WORDS = ["幸福路", "县住建局", "白石村"]


@pytest.fixture
def center(demo):
    center = demo["demo"]
    settings = get_settings(center)
    settings.cluster_window_hours = 72
    settings.cluster_threshold = 0.35
    settings.save()
    # The demo's own topics must not take our items: start from an empty table for this center.
    Item.objects.filter(center=center).update(hot_topic=None)
    HotTopic.objects.filter(center=center).delete()
    return center


def source(center, level=Source.Level.LOCAL, name=None) -> Source:
    return Source.objects.create(center=center, name=name or f"聚类测试源{next(_serial)}", kind=Source.Kind.RSS,
                                 url="http://127.0.0.1/feed", level=level)


def item(center, src, text, *, at=NOW, tone="neutral", group=None, repost=False, keywords_=None) -> Item:
    n = next(_serial)
    return Item.objects.create(
        center=center, source=src, title=text[:30], text=text, published_at=at, fetched_at=at, level=src.level,
        content_hash=hashlib.sha1(f"{n}{text}".encode()).hexdigest(), tone=tone, group=group, is_repost=repost,
        keywords=keywords_ if keywords_ is not None else [[w, s] for w, s in keywords.extract(text, k=10, words=WORDS)],
    )


def test_similar_items_cluster_and_a_different_story_does_not(center):
    src = source(center)
    flood = [item(center, src, text, at=NOW - dt.timedelta(minutes=30 - 10 * n), tone="negative" if n < 2 else "neutral")
             for n, text in enumerate(FLOOD)]
    tea = item(center, src, TEA)
    clustering.assign(center, [*flood, tea], now=NOW)

    for obj in [*flood, tea]:
        obj.refresh_from_db()
    assert flood[0].hot_topic_id is not None
    assert {i.hot_topic_id for i in flood} == {flood[0].hot_topic_id}
    assert tea.hot_topic_id not in (None, flood[0].hot_topic_id)

    topic = flood[0].hot_topic
    assert topic.item_count == 3 and topic.negative_count == 2 and topic.source_count == 1
    assert topic.title in [t[:30] for t in FLOOD]
    assert "幸福路" in [w for w, _ in topic.keywords]
    assert topic.first_seen == NOW - dt.timedelta(minutes=30) and topic.last_seen == NOW - dt.timedelta(minutes=10)
    assert topic.heat > HotTopic.objects.get(pk=tea.hot_topic_id).heat > 0

    # A later batch joins the stored topic (incremental), and counts are recomputed.
    later = item(center, source(center), "幸福路积水问题引发关注，县住建局排水抢险队连夜作业。", at=NOW)
    clustering.assign(center, [later], now=NOW)
    later.refresh_from_db()
    topic.refresh_from_db()
    assert later.hot_topic_id == topic.pk
    assert topic.item_count == 4 and topic.source_count == 2


def test_the_window_is_respected(center):
    src = source(center)
    old = item(center, src, FLOOD[0], at=NOW - dt.timedelta(hours=100))
    clustering.assign(center, [old], now=NOW - dt.timedelta(hours=100))
    old.refresh_from_db()
    assert old.hot_topic_id

    fresh = item(center, src, FLOOD[1])
    clustering.assign(center, [fresh], now=NOW)  # 100 hours later: outside the 72-hour window
    fresh.refresh_from_db()
    assert fresh.hot_topic_id not in (None, old.hot_topic_id)

    settings = get_settings(center)
    settings.cluster_window_hours = 120
    settings.save()
    again = item(center, src, FLOOD[2])
    clustering.assign(center, [again], now=NOW)
    again.refresh_from_db()
    assert again.hot_topic_id in (old.hot_topic_id, fresh.hot_topic_id)


def test_the_threshold_is_the_centers_setting(center):
    settings = get_settings(center)
    settings.cluster_threshold = 0.95
    settings.save()
    src = source(center)
    items = [item(center, src, text) for text in FLOOD]
    clustering.assign(center, items, now=NOW)
    assert len({Item.objects.get(pk=i.pk).hot_topic_id for i in items}) == 3


def test_a_repost_joins_its_originals_topic_whatever_its_words(center):
    src = source(center)
    group = ItemGroup.objects.create(center=center, title="原稿")
    original = item(center, src, FLOOD[0], group=group)
    clustering.assign(center, [original], now=NOW)
    # a repost whose extracted words share nothing with the original (a headline-only copy)
    repost = item(center, source(center), "转发", group=group, repost=True, keywords_=[["转发", 1.0]])
    clustering.assign(center, [repost], now=NOW)
    original.refresh_from_db()
    repost.refresh_from_db()
    assert repost.hot_topic_id == original.hot_topic_id
    assert original.hot_topic.item_count == 2
    # in one batch too
    group2 = ItemGroup.objects.create(center=center, title="原稿二")
    first = item(center, src, TEA, group=group2)
    copy = item(center, src, "某网转载", group=group2, repost=True, keywords_=[["转载", 1.0]])
    clustering.assign(center, [first, copy], now=NOW)
    assert Item.objects.get(pk=copy.pk).hot_topic_id == Item.objects.get(pk=first.pk).hot_topic_id


def test_items_without_keywords_get_no_topic(center):
    empty = item(center, source(center), "。。。", keywords_=[])
    clustering.assign(center, [empty], now=NOW)
    empty.refresh_from_db()
    assert empty.hot_topic_id is None


def test_candidates_come_from_the_inverted_index(center, monkeypatch):
    src = source(center)
    # 150 unrelated topics in the window, each with its own words
    HotTopic.objects.bulk_create([
        HotTopic(center=center, title=f"无关话题{n}", centroid={f"无关词{n}甲": 0.8, f"无关词{n}乙": 0.6}, item_count=1,
                 first_seen=NOW, last_seen=NOW)
        for n in range(150)
    ])
    target = HotTopic.objects.create(center=center, title="幸福路积水", centroid={"幸福路": 0.7, "积水": 0.6, "暴雨": 0.3},
                                     item_count=1, first_seen=NOW, last_seen=NOW)
    calls = []
    real = clustering.cosine
    monkeypatch.setattr(clustering, "cosine", lambda *a: calls.append(a) or real(*a))
    obj = item(center, src, FLOOD[0])
    clustering.assign(center, [obj], now=NOW)
    obj.refresh_from_db()
    assert obj.hot_topic_id == target.pk
    comparisons = len(calls) - 1  # one more for choosing the title
    assert comparisons <= 2, comparisons


def test_heat_puts_a_fast_growing_heavy_source_story_above_a_slow_forum_thread(center):
    central = source(center, Source.Level.CENTRAL)
    provincial = source(center, Source.Level.PROVINCIAL)
    forum = source(center, Source.Level.FORUM)
    # fast: six items from central and provincial media in the last three hours
    fast_texts = [f"县城化工园区发生爆燃事故，消防紧急处置，化工园区周边交通管制（第{n}报）。" for n in range(6)]
    fast = [item(center, central if n % 2 else provincial, t, at=NOW - dt.timedelta(minutes=30 * n), tone="negative")
            for n, t in enumerate(fast_texts)]
    # slow: twenty forum posts about another subject spread over three days (more weight in
    # all than the fast story: only velocity puts the fast one first)
    slow_texts = [f"网友讨论城南菜市场停车收费贵，城南菜市场停车位少（帖{n}）。" for n in range(20)]
    slow = [item(center, forum, t, at=NOW - dt.timedelta(hours=3.5 * n + 1)) for n, t in enumerate(slow_texts)]
    clustering.assign(center, fast + slow, now=NOW)

    fast_topic = Item.objects.get(pk=fast[0].pk).hot_topic
    slow_topic = Item.objects.get(pk=slow[0].pk).hot_topic
    assert fast_topic != slow_topic
    assert {Item.objects.get(pk=i.pk).hot_topic_id for i in fast} == {fast_topic.pk}
    assert {Item.objects.get(pk=i.pk).hot_topic_id for i in slow} == {slow_topic.pk}
    assert slow_topic.item_count > fast_topic.item_count
    assert 20 * 0.6 > 3 * 2.0 + 3 * 1.4  # the slow topic's source-weighted volume is the larger
    assert fast_topic.heat > slow_topic.heat
    assert fast_topic.negative_count == 6 and fast_topic.source_count == 2

    # a quiet topic cools: a day later, with nothing new, its heat has halved (and more,
    # since nothing is recent any more)
    before = fast_topic.heat
    assert clustering.refresh(center, now=NOW + dt.timedelta(hours=24)) >= 2
    fast_topic.refresh_from_db()
    assert fast_topic.heat < before / 2


def test_heat_formula():
    assert clustering.heat_of(0, 0, 0) == 0
    assert clustering.heat_of(4, 4, 0) > clustering.heat_of(4, 0, 0) > clustering.heat_of(2, 0, 0)
    assert clustering.heat_of(4, 4, 24) == pytest.approx(clustering.heat_of(4, 4, 0) / 2, rel=1e-3)


def test_vector_and_cosine():
    v = clustering.vector([["幸福路", 3], ["积水", 4], ["坏", "x"], ["", 1]])
    assert v == pytest.approx({"幸福路": 0.6, "积水": 0.8})
    assert clustering.cosine(v, {"幸福路": 0.6, "积水": 0.8}, 1.0) == pytest.approx(1.0)
    assert clustering.cosine(v, {"茶叶": 1.0}, 1.0) == 0


def test_the_warm_topics_pick_up_what_another_process_wrote(center):
    src = source(center)
    first = item(center, src, TEA)
    clustering.assign(center, [first], now=NOW)  # this process's topics are warm now
    # Another process opens a topic for a flood story: its rows appear in the database only.
    other = item(center, src, FLOOD[0])
    centre = clustering.vector(other.keywords)
    topic = HotTopic.objects.create(center=center, title=FLOOD[0][:30], centroid={t: round(w, 6) for t, w in centre.items()},
                                    keywords=[[t, w] for t, w in centre.items()], item_count=1, first_seen=NOW, last_seen=NOW)
    Item.objects.filter(pk=other.pk).update(hot_topic=topic)
    later = item(center, src, FLOOD[1])
    clustering.assign(center, [later], now=NOW)
    later.refresh_from_db()
    topic.refresh_from_db()
    assert later.hot_topic_id == topic.pk
    assert topic.item_count == 2 and topic.first_seen == NOW


def test_a_topic_gone_from_the_database_is_not_joined(center):
    src = source(center)
    first = item(center, src, FLOOD[0])
    clustering.assign(center, [first], now=NOW)
    first.refresh_from_db()
    gone = first.hot_topic_id
    HotTopic.objects.filter(pk=gone).delete()  # e.g. removed by hand; the warm state still holds it
    later = item(center, src, FLOOD[1])
    clustering.assign(center, [later], now=NOW)
    later.refresh_from_db()
    assert later.hot_topic_id not in (None, gone)
    assert HotTopic.objects.get(pk=later.hot_topic_id).item_count == 1
