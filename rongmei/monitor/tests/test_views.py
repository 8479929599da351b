"""The analyst's screens: dashboard, item list with filters and full-text search, item page,
hot topics, topic timelines, the 工作台 box; permissions, tenancy, escaping, query counts."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from rongmei.core.models import User
from rongmei.monitor import search as monitor_search
from rongmei.monitor import selectors
from rongmei.monitor.models import (
    Alert,
    HotTopic,
    Item,
    ItemGroup,
    Match,
    Source,
    Topic,
)

HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'


@pytest.fixture
def world(demo):
    center = demo["demo"]
    now = timezone.now()
    # A known data set: the demo's monitoring data is set aside (the test's transaction is rolled back).
    Alert.objects.filter(center=center).delete()
    Item.objects.filter(center=center).delete()
    HotTopic.objects.filter(center=center).delete()
    forum = Source.objects.create(center=center, name="测试论坛", kind=Source.Kind.RSS, url="http://127.0.0.1/feed",
                                  level=Source.Level.FORUM)
    paper = Source.objects.create(center=center, name="测试省报", kind=Source.Kind.RSS, url="http://127.0.0.1/paper",
                                  level=Source.Level.PROVINCIAL)
    flood = Topic.objects.create(center=center, name="测试积水", expression="青山镇 & 积水", category=Topic.Category.ISSUE)
    hot = HotTopic.objects.create(center=center, title="青山镇积水", keywords=[["积水", 0.9], ["青山镇", 0.8]], item_count=2,
                                  heat=42.0, first_seen=now - dt.timedelta(hours=5), last_seen=now - dt.timedelta(hours=1))
    group = ItemGroup.objects.create(center=center, title="青山镇暴雨后多处积水", size=2, first_seen=now - dt.timedelta(hours=5))
    n = iter(range(1000))

    def item(title, text, *, source=forum, tone=Item.Tone.NEUTRAL, hours=1, **extra):
        number = next(n)
        return Item.objects.create(center=center, source=source, title=title, text=text, url=f"https://news.example/{number}",
                                   url_hash=f"h{number}", content_hash=f"c{number}", published_at=now - dt.timedelta(hours=hours),
                                   level=source.level, tone=tone, tone_score={"negative": -0.7, "positive": 0.6}.get(tone, 0.0),
                                   **extra)

    first = item("青山镇暴雨后多处积水", "青山镇昨夜暴雨，幸福路积水没过膝盖，居民出行困难。", tone=Item.Tone.NEGATIVE, hours=5,
                 group=group, hot_topic=hot, source=paper)
    repost = item("转：青山镇暴雨后多处积水", "青山镇昨夜暴雨，幸福路积水没过膝盖，居民出行困难。（转载）", tone=Item.Tone.NEGATIVE,
                  hours=4, group=group, is_repost=True, hot_topic=hot)
    good = item("县里新建三座口袋公园", "城关镇新建的口袋公园开放，市民点赞。", tone=Item.Tone.POSITIVE, hours=2)
    hostile = item(f"网友爆料 {HOSTILE}", f"正文里有 {HOSTILE} 和积水", hours=3)
    old = item("上个月的通知", "关于开展安全生产检查的通知。", hours=24 * 40)
    for it in (first, repost):
        Match.objects.create(center=center, item=it, topic=flood, terms=["青山镇", "积水"], snippet="青山镇昨夜暴雨，幸福路积水")
    items = [first, repost, good, hostile, old]
    monitor_search.index_items(center, items)
    return {"center": center, "forum": forum, "paper": paper, "flood": flood, "hot": hot, "group": group, "first": first,
            "repost": repost, "good": good, "hostile": hostile, "old": old, "now": now}


def ids(response) -> set[int]:
    return {row.item.pk for row in response.context["result"].rows}


def test_dashboard_draws_from_local_files_and_reads_without_script(login, world):
    page = login("analyst").get("/monitor/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "/static/vendor/echarts-6.1.0.min.js" in html and "/static/monitor/charts.js" in html
    assert 'id="monitor-chart-data"' in html and "<script>" not in html
    assert "青山镇积水" in html                                   # hot topic, in the table fallback
    d = page.context["d"]
    assert d.tone["negative"] == 2 and d.tone["positive"] == 1 and d.tone["total"] == 4   # the old one is outside 48 h
    assert {s["name"]: s["count"] for s in d.sources} == {"测试论坛": 3, "测试省报": 1}
    assert sum(r["count"] for r in d.volume) == 4 and len(d.volume) == 48
    day = login("analyst").get("/monitor/?unit=day").context["d"]
    assert len(day.volume) == 30 and sum(r["count"] for r in day.volume) == 4


def test_item_filters(login, world):
    client = login("analyst")
    assert ids(client.get("/monitor/items/")) >= {world["first"].pk, world["old"].pk}
    assert ids(client.get("/monitor/items/?tone=negative")) == {world["first"].pk, world["repost"].pk}
    assert ids(client.get(f"/monitor/items/?topic={world['flood'].pk}&originals=1")) == {world["first"].pk}
    assert ids(client.get(f"/monitor/items/?source={world['paper'].pk}")) == {world["first"].pk}
    assert ids(client.get(f"/monitor/items/?hot={world['hot'].pk}")) == {world["first"].pk, world["repost"].pk}
    assert ids(client.get(f"/monitor/items/?level={Source.Level.PROVINCIAL}")) == {world["first"].pk}
    today = selectors.local_now(world["center"]).date()
    recent = ids(client.get(f"/monitor/items/?from={today - dt.timedelta(days=2)}&source={world['forum'].pk}"))
    assert world["old"].pk not in recent and world["good"].pk in recent


def test_bad_filters_get_a_chinese_message_and_no_error(login, world):
    page = login("analyst").get("/monitor/items/?from=2026-13-45&tone=evil&source=abc&level=7&page=99999999999999999999")
    assert page.status_code == 200
    errors = page.context["f"].errors
    assert "起始日期" in errors and "tone" in errors and "source" in errors and "level" in errors
    assert "已忽略" in page.content.decode()


def test_search_finds_an_item_by_a_word_in_its_text(login, world):
    client = login("analyst")
    page = client.get("/monitor/items/?q=膝盖")
    assert ids(page) == {world["first"].pk, world["repost"].pk}
    assert "<mark>膝盖</mark>" in page.content.decode()
    # combined with a filter: only the original
    assert ids(client.get("/monitor/items/?q=膝盖&originals=1")) == {world["first"].pk}
    assert ids(client.get("/monitor/items/?q=口袋公园")) == {world["good"].pk}
    assert ids(client.get("/monitor/items/?q=不存在的词语组合")) == set()


def test_deleting_an_item_takes_it_out_of_the_index(world):
    from rongmei.core import search

    center = world["center"]
    assert search.search(center, "口袋公园", kinds=["monitor_item"]).total == 1
    world["good"].delete()
    assert search.search(center, "口袋公园", kinds=["monitor_item"]).total == 0


def test_hostile_item_text_is_escaped_everywhere(login, world):
    client = login("analyst")
    for url in ("/monitor/items/", "/monitor/items/?q=爆料", f"/monitor/items/{world['hostile'].pk}/", "/monitor/"):
        html = client.get(url).content.decode()
        assert "<script>alert" not in html and "<img src=x" not in html, url
    detail = client.get(f"/monitor/items/{world['hostile'].pk}/").content.decode()
    assert "&lt;script&gt;" in detail


def test_item_page_shows_matches_group_tone_link_and_lead_button(login, world):
    client = login("analyst")
    page = client.get(f"/monitor/items/{world['first'].pk}/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "<mark>积水</mark>" in html and "<mark>青山镇</mark>" in html
    assert 'rel="noopener noreferrer nofollow"' in html
    assert world["repost"].title in html                     # the repost group
    assert "负面" in html and "-0.70" in html
    assert 'data-testid="send-to-newsroom"' in html
    # the chief editor reads and handles; a reporter cannot see 舆情 at all
    assert 'data-testid="send-to-newsroom"' in login("reviewer3").get(f"/monitor/items/{world['first'].pk}/").content.decode()
    assert login("reporter").get(f"/monitor/items/{world['first'].pk}/").status_code == 403


def test_a_link_that_is_not_http_is_not_a_link(login, world):
    Item.objects.filter(pk=world["good"].pk).update(url="javascript:alert(1)")
    html = login("analyst").get(f"/monitor/items/{world['good'].pk}/").content.decode()
    assert "javascript:alert" not in html


def test_another_centers_objects_are_404(login, world, demo):
    client = login("lx_reporter")
    User.objects.get(username="lx_reporter")
    from rongmei.core.models import Membership

    Membership.objects.get_or_create(user=User.objects.get(username="lx_reporter"), center=demo["linxian"], role="analyst")
    for url in (f"/monitor/items/{world['first'].pk}/", f"/monitor/hot/{world['hot'].pk}/",
                f"/monitor/topics/{world['flood'].pk}/timeline/"):
        assert client.get(url).status_code == 404, url
    assert world["first"].pk not in ids(client.get("/monitor/items/"))
    assert ids(client.get("/monitor/items/?q=膝盖")) == set()


@pytest.mark.parametrize("url", ["/monitor/", "/monitor/items/", "/monitor/hot/"])
def test_permissions(login, world, url):
    assert login("analyst").get(url).status_code == 200
    assert login("reviewer3").get(url).status_code == 200      # 总编辑: monitor.view
    assert login("reporter").get(url).status_code == 403
    assert login("coordinator").get(url).status_code == 403


def test_hot_topic_and_timeline(login, world):
    client = login("analyst")
    page = client.get(f"/monitor/hot/{world['hot'].pk}/")
    assert page.status_code == 200
    assert page.context["d"].tone["negative"] == 2 and len(page.context["rows"]) == 2
    assert "青山镇" in page.content.decode()
    assert world["hot"].title in client.get("/monitor/hot/").content.decode()
    timeline = client.get(f"/monitor/topics/{world['flood'].pk}/timeline/")
    t = timeline.context["t"]
    assert t.tone["total"] == 2 and t.tone["negative"] == 2 and len(t.days) == 30
    assert sum(d["count"] for d in t.days) == 2
    assert t.key_items[0].pk == world["first"].pk       # the provincial paper first
    assert client.get(f"/monitor/topics/{world['flood'].pk}/timeline/?from=bad&to=2026-02-30").status_code == 200


def test_list_page_costs_a_fixed_number_of_queries(login, world):
    center = world["center"]
    client = login("analyst")
    client.get("/monitor/items/")  # warm caches (sessions, permissions)

    def cost():
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/monitor/items/").status_code == 200
        return len(queries)

    few = cost()
    group = world["group"]
    for n in range(60):
        it = Item.objects.create(center=center, source=world["forum"], title=f"批量 {n}", text="批量", url_hash=f"bulk{n}",
                                 content_hash=f"bulk{n}", published_at=timezone.now(), group=group, hot_topic=world["hot"])
        Match.objects.create(center=center, item=it, topic=world["flood"], terms=["积水"])
    many = cost()
    assert many <= few, (few, many)


def test_today_against_the_usual(world):
    center = world["center"]
    now = selectors.local_now(center).replace(hour=12, minute=0, second=0, microsecond=0)
    source = world["forum"]
    Item.objects.filter(center=center).delete()
    made = 0

    def at(moment, tone=Item.Tone.NEUTRAL):
        nonlocal made
        made += 1
        Item.objects.create(center=center, source=source, title="t", url_hash=f"u{made}", content_hash=f"k{made}",
                            published_at=moment, tone=tone)

    for back in range(1, 8):  # each previous day: 2 before noon, 5 after (the afternoon does not count)
        day = now - dt.timedelta(days=back)
        at(day.replace(hour=8))
        at(day.replace(hour=11), Item.Tone.NEGATIVE)
        for _ in range(5):
            at(day.replace(hour=15))
    for _ in range(6):
        at(now.replace(hour=9), Item.Tone.NEGATIVE)
    at(now - dt.timedelta(days=8))           # outside the week
    today = selectors.today_against_usual(center, now=now)
    assert today.count == 6 and today.usual == 2.0 and today.negative == 6 and today.usual_negative == 1.0
    assert today.change == 2.0 and "多 200%" in today.change_text


def test_home_box_for_people_who_watch(login, world):
    Alert.objects.create(center=world["center"], kind="negative", fold_key="t1", title="测试预警")
    html = login("analyst").get("/").content.decode()
    assert 'data-testid="monitor-box"' in html and "青山镇积水" in html
    box = selectors.home_box(User.objects.get(username="analyst"), world["center"])
    # "today" is the center's calendar day: the fixture's items are 1–5 hours old, so just after
    # midnight in Shanghai (16:00–21:00 UTC) some of them are yesterday's
    today = box["today"]
    expected = sum(1 for key in ("first", "repost", "good", "hostile", "old") if world[key].published_at >= today.since)
    assert box["new_alerts"] >= 1 and today.count == expected
    assert 'data-testid="monitor-box"' not in login("reporter").get("/").content.decode()


# --- The API ------------------------------------------------------------------------------------------

def test_api_items_filters_search_and_pages(login, world):
    client = login("analyst")
    answer = client.get("/api/v1/monitor/items?tone=negative")
    assert answer.status_code == 200, answer.content
    assert {i["id"] for i in answer.json()["items"]} == {world["first"].pk, world["repost"].pk}
    found = client.get("/api/v1/monitor/items?q=膝盖&originals=true").json()
    assert [i["id"] for i in found["items"]] == [world["first"].pk] and found["total"] == 1
    assert any(s["hit"] and s["text"] == "膝盖" for s in found["items"][0]["snippet"])
    first = client.get("/api/v1/monitor/items?limit=2").json()
    second = client.get(f"/api/v1/monitor/items?limit=2&cursor={first['next']}").json()
    assert not {i["id"] for i in first["items"]} & {i["id"] for i in second["items"]}
    searched = client.get("/api/v1/monitor/items?q=积水&limit=1").json()
    assert searched["next"] and searched["total"] >= 2
    more = client.get(f"/api/v1/monitor/items?q=积水&limit=1&cursor={searched['next']}").json()
    assert more["items"][0]["id"] != searched["items"][0]["id"]
    assert client.get("/api/v1/monitor/items?cursor=forged").status_code == 400
    assert client.get("/api/v1/monitor/items?tone=evil").status_code == 422
    assert client.get("/api/v1/monitor/items?from=2026-02-01&to=2026-01-01").status_code == 422


def test_api_item_detail_hot_topics_dashboard_timeline(login, world):
    client = login("analyst")
    item = client.get(f"/api/v1/monitor/items/{world['first'].pk}").json()
    assert item["topics"][0]["terms"] == ["青山镇", "积水"] and item["group_size"] == 2
    assert [g["id"] for g in item["group_items"]] == [world["repost"].pk] and item["tone"] == "negative"
    hot = client.get("/api/v1/monitor/hot-topics").json()
    assert world["hot"].pk in {h["id"] for h in hot["items"]}
    detail = client.get(f"/api/v1/monitor/hot-topics/{world['hot'].pk}").json()
    assert detail["tone"]["negative"] == 2 and len(detail["items"]) == 2
    dash = client.get("/api/v1/monitor/dashboard?unit=day").json()
    assert dash["tone"]["total"] == 4 and len(dash["volume"]) == 30
    timeline = client.get(f"/api/v1/monitor/topics/{world['flood'].pk}/timeline").json()
    assert timeline["tone"]["negative"] == 2 and timeline["key_items"][0]["id"] == world["first"].pk
    assert login("reporter").get("/api/v1/monitor/dashboard").status_code == 403


def test_api_another_center_is_404(login, world, demo):
    from rongmei.core.models import Membership

    Membership.objects.get_or_create(user=User.objects.get(username="lx_reporter"), center=demo["linxian"], role="analyst")
    client = login("lx_reporter")
    for url in (f"/api/v1/monitor/items/{world['first'].pk}", f"/api/v1/monitor/hot-topics/{world['hot'].pk}",
                f"/api/v1/monitor/topics/{world['flood'].pk}/timeline"):
        assert client.get(url).status_code == 404, url
    assert client.get("/api/v1/monitor/items?q=膝盖").json()["items"] == []


def test_api_list_costs_a_fixed_number_of_queries(login, world):
    center = world["center"]
    for n in range(45):
        it = Item.objects.create(center=center, source=world["forum"], title=f"接口批量 {n}", text="批量", url_hash=f"api{n}",
                                 content_hash=f"api{n}", published_at=timezone.now(), group=world["group"], hot_topic=world["hot"])
        Match.objects.create(center=center, item=it, topic=world["flood"], terms=["积水"])
    client = login("analyst")
    seen = []
    for limit in (2, 40):
        with CaptureQueriesContext(connection) as queries:
            answer = client.get(f"/api/v1/monitor/items?limit={limit}")
        assert answer.status_code == 200
        seen.append(len(queries))
    assert seen[1] <= seen[0], seen
