"""监测方案 and 舆情设置: the screens and the API — who may see and change them, another
center's topic is a 404, an invalid expression is refused with its position and nothing is
saved, 试一试 against pasted text and recent items, delete with or without matches, and
re-matching recent items after a change."""

from __future__ import annotations

import datetime as dt
import hashlib
import json

import pytest
from django.utils import timezone

from rongmei.core.models import AuditEvent, User
from rongmei.monitor import rules, settings_store, topic_services
from rongmei.monitor.models import Item, Match, Settings, Source, Topic

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_cache():
    rules.clear_cache()


@pytest.fixture
def analyst(demo):
    return User.objects.get(username="analyst")


@pytest.fixture
def source(demo):
    return Source.objects.create(center=demo["demo"], name="方案测试源", kind=Source.Kind.RSS, url="http://127.0.0.1:9/feed")


def make_item(source, title, text="", days_ago=1):
    return Item.objects.create(center=source.center, source=source, title=title, text=text,
                               content_hash=hashlib.sha1(f"{title}{text}".encode()).hexdigest(),
                               published_at=timezone.now() - dt.timedelta(days=days_ago))


def post_json(client, path, data, method="post"):
    return getattr(client, method)(path, json.dumps(data), content_type="application/json")


# --- Screens -----------------------------------------------------------------------------------------

def test_the_analyst_adds_lists_and_edits_a_topic(demo, login, analyst):
    client = login("analyst")
    assert client.get("/monitor/topics/").status_code == 200
    assert client.get("/monitor/topics/new/").status_code == 200
    response = client.post("/monitor/topics/new/", {"action": "save", "name": "城区积水测试", "category": "issue",
                                                    "expression": "(奉化 | 宁波) & 积水 & !演练", "watched": "on",
                                                    "enabled": "on"})
    assert response.status_code == 302
    topic = Topic.objects.get(center=demo["demo"], name="城区积水测试")
    assert topic.expression == "(奉化 | 宁波) & 积水 & !演练" and topic.watched and topic.enabled
    assert topic.category == "issue" and topic.created_by == analyst
    assert AuditEvent.objects.filter(action="monitor.topic_create", object_id=str(topic.pk)).exists()
    listing = client.get("/monitor/topics/").content.decode()
    assert "城区积水测试" in listing and "民生热点问题" in listing
    client.post(f"/monitor/topics/{topic.pk}/", {"action": "save", "name": "城区积水测试", "category": "issue",
                                                 "expression": "NEAR(奉化, 积水, 20)", "enabled": "on"})
    topic.refresh_from_db()
    assert topic.expression == "NEAR(奉化, 积水, 20)" and not topic.watched


def test_an_invalid_expression_is_refused_with_its_position_and_nothing_is_saved(demo, login, analyst):
    client = login("analyst")
    before = Topic.objects.filter(center=demo["demo"]).count()
    response = client.post("/monitor/topics/new/", {"action": "save", "name": "坏表达式", "category": "other",
                                                    "expression": "奉化 & (积水 | 内涝"})
    page = response.content.decode()
    assert response.status_code == 422
    assert "第 6 个字符处的左括号" in page and "缺少对应的右括号" in page
    assert "<mark>(</mark>" in page  # the character pointed at is marked
    assert Topic.objects.filter(center=demo["demo"]).count() == before

    topic = topic_services.create_topic(center=demo["demo"], user=analyst, name="原方案", expression="奉化 & 积水")
    response = client.post(f"/monitor/topics/{topic.pk}/", {"action": "save", "name": "原方案改名", "category": "other",
                                                            "expression": "!演练"})
    assert response.status_code == 422 and "只有排除条件" in response.content.decode()
    topic.refresh_from_db()
    assert topic.name == "原方案" and topic.expression == "奉化 & 积水"


def test_the_fields_build_the_expression(demo, login):
    client = login("analyst")
    fields = {"name": "按条件生成", "category": "county", "expression": "", "all_of": "奉化", "any_of": "积水、内涝",
              "none_of": "演练 演习", "near_first": "", "near_second": "", "near_distance": ""}
    page = client.post("/monitor/topics/new/", {**fields, "action": "build"}).content.decode()
    assert "奉化 &amp; (积水 | 内涝) &amp; !演练 &amp; !演习" in page  # shown back as the expression
    assert not Topic.objects.filter(name="按条件生成").exists()
    client.post("/monitor/topics/new/", {**fields, "action": "save"})
    assert Topic.objects.get(center=demo["demo"], name="按条件生成").expression == "奉化 & (积水 | 内涝) & !演练 & !演习"
    built = Topic.objects.get(center=demo["demo"], name="按条件生成")
    edit = client.get(f"/monitor/topics/{built.pk}/").content.decode()
    assert 'value="积水、内涝"' in edit and 'value="演练、演习"' in edit  # shown back in the fields too
    # the fields changed but not applied: refused rather than silently ignored
    clash = client.post(f"/monitor/topics/{built.pk}/", {**fields, "name": "按条件生成", "action": "save",
                                                          "expression": "奉化 & (积水 | 内涝) & !演练 & !演习", "any_of": "积水"})
    assert clash.status_code == 422 and "不一致" in clash.content.decode()
    assert Topic.objects.get(pk=built.pk).expression == "奉化 & (积水 | 内涝) & !演练 & !演习"
    half = client.post("/monitor/topics/new/", {**fields, "name": "半个相距", "near_first": "奉化", "action": "save"})
    assert half.status_code == 422 and "相距条件要填两个词和字数" in half.content.decode()
    assert not Topic.objects.filter(name="半个相距").exists()


def test_try_it_on_pasted_text_and_recent_items_saves_nothing(demo, login, source):
    make_item(source, "奉化城区多处积水", "昨夜暴雨，奉化城区多条道路积水严重。")
    make_item(source, "奉化举行防汛演练", "演练模拟城区积水。")
    make_item(source, "奉化去年的积水", "旧闻", days_ago=30)  # older than 7 days
    client = login("analyst")
    before = Topic.objects.count()
    page = client.post("/monitor/topics/new/", {"action": "try", "name": "", "category": "other",
                                                "expression": "奉化 & 积水 & !演练", "sample": "宁波今日晴"}).content.decode()
    assert "奉化城区多处积水" in page and "奉化举行防汛演练" not in page and "奉化去年的积水" not in page
    assert "粘贴的文字：未命中" in page
    assert Topic.objects.count() == before
    # the standalone page is for everyone who may view monitoring (the chief editor too)
    chief = login("reviewer3")
    page = chief.post("/monitor/topics/try/", {"expression": "NEAR(奉化, 积水, 4)", "sample": "奉化城区积水"}).content.decode()
    assert "粘贴的文字：命中" in page and "奉化城区多处积水" in page
    bad = chief.post("/monitor/topics/try/", {"expression": "奉化 积水"})
    assert bad.status_code == 422 and "第 4 个字符处缺少运算符" in bad.content.decode()


def test_permissions_and_another_centers_topic(demo, login, analyst):
    mine = topic_services.create_topic(center=demo["demo"], user=analyst, name="本中心方案", expression="奉化 & 积水")
    theirs = topic_services.create_topic(center=demo["linxian"], user=None, name="邻县方案", expression="临江 & 积水")
    reporter = login("reporter")
    assert reporter.get("/monitor/topics/").status_code == 403
    assert reporter.get("/monitor/settings/").status_code == 403
    chief = login("reviewer3")  # monitor.view without monitor.manage
    listing = chief.get("/monitor/topics/").content.decode()
    assert "本中心方案" in listing and "邻县方案" not in listing and "新建方案" not in listing
    assert 'href="/monitor/topics/"' in listing and 'href="/monitor/settings/"' not in listing  # the nav, by permission
    assert 'href="/monitor/settings/"' in login("analyst").get("/monitor/topics/").content.decode()
    assert chief.get("/monitor/topics/new/").status_code == 403
    assert chief.get(f"/monitor/topics/{mine.pk}/").status_code == 403
    assert chief.post(f"/monitor/topics/{mine.pk}/action/", {"action": "disable"}).status_code == 403
    assert Topic.objects.get(pk=mine.pk).enabled
    client = login("analyst")
    assert client.get(f"/monitor/topics/{theirs.pk}/").status_code == 404
    assert client.post(f"/monitor/topics/{theirs.pk}/action/", {"action": "delete", "with_matches": "1"}).status_code == 404
    assert Topic.objects.filter(pk=theirs.pk, enabled=True).exists()


def test_enable_disable_and_delete_with_or_without_matches(demo, login, analyst, source):
    client = login("analyst")
    topic = topic_services.create_topic(center=demo["demo"], user=analyst, name="有命中的方案", expression="奉化 & 积水")
    item = make_item(source, "奉化积水")
    Match.objects.create(center=demo["demo"], item=item, topic=topic, terms=["奉化", "积水"], snippet="奉化积水")
    client.post(f"/monitor/topics/{topic.pk}/action/", {"action": "disable"})
    assert not Topic.objects.get(pk=topic.pk).enabled
    client.post(f"/monitor/topics/{topic.pk}/action/", {"action": "enable"})
    assert Topic.objects.get(pk=topic.pk).enabled
    page = client.post(f"/monitor/topics/{topic.pk}/action/", {"action": "delete"}, follow=True).content.decode()
    assert "已命中 1 条信息" in page and Topic.objects.filter(pk=topic.pk).exists()
    client.post(f"/monitor/topics/{topic.pk}/action/", {"action": "delete", "with_matches": "1"})
    assert not Topic.objects.filter(pk=topic.pk).exists() and not Match.objects.filter(item=item).exists()
    assert Item.objects.filter(pk=item.pk).exists()  # the item stays
    assert set(AuditEvent.objects.filter(object_type="monitor.topic", object_id=str(topic.pk)).values_list("action", flat=True)) \
        >= {"monitor.topic_disable", "monitor.topic_enable", "monitor.topic_delete"}
    empty = topic_services.create_topic(center=demo["demo"], user=analyst, name="没命中的方案", expression="青山 & 停电")
    client.post(f"/monitor/topics/{empty.pk}/action/", {"action": "delete"})
    assert not Topic.objects.filter(pk=empty.pk).exists()


def test_rematching_recent_items_adds_and_removes_matches(demo, login, analyst, source):
    Topic.objects.filter(center=demo["demo"]).update(enabled=False)  # the demo's own topics stay out of the count
    recent = make_item(source, "青山镇停电", "青山镇今天上午停电三小时")
    old = make_item(source, "青山镇停电旧闻", "青山镇停电", days_ago=20)
    topic = topic_services.create_topic(center=demo["demo"], user=analyst, name="停电方案", expression="青山镇 & 停电")
    outcome = topic_services.rematch_recent(center=demo["demo"])
    assert outcome["added"] == 1
    match = Match.objects.get(topic=topic)
    assert match.item == recent and match.terms == ["青山镇", "停电"] and "停电" in match.snippet
    assert not Match.objects.filter(item=old).exists()
    assert topic_services.rematch_recent(center=demo["demo"])["added"] == 0  # nothing twice
    topic_services.update_topic(topic=topic, user=analyst, expression="青山镇 & 停水")
    assert topic_services.rematch_recent(center=demo["demo"])["removed"] == 1
    assert not Match.objects.filter(topic=topic).exists()
    # the button: audited, queued for the worker after commit
    response = login("analyst").post("/monitor/topics/rematch/")
    assert response.status_code == 302
    assert AuditEvent.objects.filter(action="monitor.topic_rematch", center=demo["demo"]).exists()


# --- Settings --------------------------------------------------------------------------------------

def test_settings_screen_saves_checked_values_and_refuses_bad_ones(demo, login):
    client = login("analyst")
    audited = AuditEvent.objects.filter(action="monitor.settings", center=demo["demo"]).count()
    assert client.get("/monitor/settings/").status_code == 200
    good = {"county_words": "青山镇\n县住建局\n\n青山镇\n阿依古丽·买买提", "cluster_window_hours": "48", "cluster_threshold": "0.4",
            "report_recipients": "leader@example.com\nchief@example.com", "daily_report_hour": "7",
            "weekly_report_weekday": "1", "send_reports": "on"}
    assert client.post("/monitor/settings/", good).status_code == 302
    saved = Settings.objects.get(center=demo["demo"])
    assert saved.county_words == "青山镇\n县住建局\n阿依古丽·买买提" and saved.cluster_window_hours == 48
    assert saved.cluster_threshold == 0.4 and saved.daily_report_hour == 7 and saved.send_reports
    assert settings_store.county_words(demo["demo"]) == ["青山镇", "县住建局", "阿依古丽·买买提"]
    bad = client.post("/monitor/settings/", {**good, "county_words": "青山镇\n水\n县 住建局", "cluster_threshold": "2"})
    page = bad.content.decode()
    assert bad.status_code == 422 and "第 2 行“水”" in page and "0.05 到 0.95" in page
    saved.refresh_from_db()
    assert saved.county_words == "青山镇\n县住建局\n阿依古丽·买买提" and saved.cluster_threshold == 0.4
    assert login("reviewer3").get("/monitor/settings/").status_code == 403
    assert AuditEvent.objects.filter(action="monitor.settings", center=demo["demo"]).count() == audited + 1  # the refusal wrote none


def test_get_settings_makes_the_row_once(demo):
    Settings.objects.filter(center=demo["linxian"]).delete()
    first = settings_store.get_settings(demo["linxian"])
    assert settings_store.get_settings(demo["linxian"]).pk == first.pk and first.cluster_window_hours == 72


# --- API -------------------------------------------------------------------------------------------

def test_topics_through_the_api(demo, login, analyst, source):
    client = login("analyst")
    created = post_json(client, "/api/v1/monitor/topics", {"name": "接口方案", "expression": "奉化 & (积水 | 内涝)",
                                                            "category": "issue"})
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["terms"] == ["奉化", "积水", "内涝"] and body["category_label"] == "民生热点问题" and body["enabled"]
    topic_id = body["id"]
    bad = post_json(client, "/api/v1/monitor/topics", {"name": "接口坏方案", "expression": "奉化 & (积水 | 内涝"})
    assert bad.status_code == 422
    assert bad.json()["position"] == 6 and "第 6 个字符处" in bad.json()["errors"]["expression"][0]
    assert not Topic.objects.filter(name="接口坏方案").exists()
    patched = post_json(client, f"/api/v1/monitor/topics/{topic_id}", {"expression": "奉化 积水"}, method="patch")
    assert patched.status_code == 422 and patched.json()["position"] == 4
    assert Topic.objects.get(pk=topic_id).expression == "奉化 & (积水 | 内涝)"
    patched = post_json(client, f"/api/v1/monitor/topics/{topic_id}", {"enabled": False}, method="patch")
    assert patched.status_code == 200 and patched.json()["enabled"] is False
    assert client.get(f"/api/v1/monitor/topics/{topic_id}").json()["name"] == "接口方案"
    listed = client.get("/api/v1/monitor/topics?category=issue&q=接口").json()
    assert [t["id"] for t in listed["items"]] == [topic_id]

    make_item(source, "奉化城区积水", "多条道路积水")
    tried = post_json(client, "/api/v1/monitor/topics/test", {"expression": "奉化 & 积水", "text": "奉化今日积水"}).json()
    assert tried["text"]["matched"] and tried["text"]["terms"] == ["奉化", "积水"]
    assert "奉化城区积水" in [i["title"] for i in tried["items"]] and tried["matched"] >= 1
    wrong = post_json(client, "/api/v1/monitor/topics/test", {"expression": "NEAR(奉化, 积水, 900)"})
    assert wrong.status_code == 422 and wrong.json()["position"] == 14

    item = make_item(source, "奉化内涝")
    Match.objects.create(center=demo["demo"], item=item, topic_id=topic_id, terms=["奉化"], snippet="")
    assert client.delete(f"/api/v1/monitor/topics/{topic_id}").status_code == 409
    gone = client.delete(f"/api/v1/monitor/topics/{topic_id}?with_matches=true")
    assert gone.status_code == 200 and gone.json() == {"id": topic_id, "matches_deleted": 1}
    assert post_json(client, "/api/v1/monitor/topics/rematch", {}).status_code == 202


def test_api_permissions_and_another_center(demo, login):
    theirs = topic_services.create_topic(center=demo["linxian"], user=None, name="邻县接口方案", expression="临江 & 积水")
    analyst = login("analyst")
    assert analyst.get(f"/api/v1/monitor/topics/{theirs.pk}").status_code == 404
    assert post_json(analyst, f"/api/v1/monitor/topics/{theirs.pk}", {"enabled": False}, method="patch").status_code == 404
    assert analyst.delete(f"/api/v1/monitor/topics/{theirs.pk}?with_matches=true").status_code == 404
    assert Topic.objects.filter(pk=theirs.pk, enabled=True).exists()
    chief = login("reviewer3")
    assert chief.get("/api/v1/monitor/topics").status_code == 200
    assert post_json(chief, "/api/v1/monitor/topics", {"name": "总编辑方案", "expression": "奉化 & 积水"}).status_code == 403
    assert chief.get("/api/v1/monitor/settings").status_code == 403
    assert login("reporter").get("/api/v1/monitor/topics").status_code == 403


def test_settings_through_the_api(demo, login):
    client = login("analyst")
    got = client.get("/api/v1/monitor/settings")
    assert got.status_code == 200 and "cluster_threshold" in got.json()
    changed = post_json(client, "/api/v1/monitor/settings", {"county_words": ["青山镇", "西岭村"], "cluster_threshold": 0.5},
                        method="patch")
    assert changed.status_code == 200 and changed.json()["county_words"] == ["青山镇", "西岭村"]
    refused = post_json(client, "/api/v1/monitor/settings", {"county_words": ["青山镇", "x"], "daily_report_hour": 30},
                        method="patch")
    assert refused.status_code == 422
    assert set(refused.json()["errors"]) == {"county_words", "daily_report_hour"}
    assert settings_store.county_words(demo["demo"]) == ["青山镇", "西岭村"]
