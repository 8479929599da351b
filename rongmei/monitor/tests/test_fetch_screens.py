"""监测源 screens and API: permissions, another center's source is a 404, config checked per
kind with Chinese messages (field and position), 立即抓取 through the task queue, delete vs
disable, the one-day flag on the list, the audit trail."""

from __future__ import annotations

import datetime as dt
from contextlib import contextmanager

import pytest
from django.core.cache import cache
from django.utils import timezone
from huey.contrib.djhuey import HUEY

from rongmei.core.models import AuditEvent
from rongmei.monitor import source_services
from rongmei.monitor.models import FetchRun, Item, Source
from rongmei.monitor.testserver import FixtureServer


@pytest.fixture
def site(settings):
    settings.RONGMEI_LINKCHECK_ALLOW = ["127.0.0.1"]
    settings.RONGMEI_MONITOR_HOST_DELAY = 0
    cache.clear()
    with FixtureServer() as server:
        yield server
    cache.clear()


@contextmanager
def immediate_queue():
    before = HUEY.immediate
    HUEY.immediate = True
    try:
        yield
    finally:
        HUEY.immediate = before


def form(**values) -> dict:
    base = {"name": "示例县新闻网", "kind": "rss", "url": "https://news.example.cn/rss.xml", "level": "50",
            "region": "本县", "interval_minutes": "30", "enabled": "on", "max_links": "20", "days": "7"}
    return {**base, **values}


def test_analyst_adds_a_source_and_sees_it(login, demo):
    client = login("analyst")
    assert client.get("/monitor/sources/new/").status_code == 200
    response = client.post("/monitor/sources/new/", form())
    source = Source.objects.get(center=demo["demo"], name="示例县新闻网")
    assert response.status_code == 302 and response["Location"] == f"/monitor/sources/{source.pk}/"
    assert source.config == {} and source.level == 50 and source.created_by.username == "analyst"
    page = client.get("/monitor/sources/").content.decode()
    assert "示例县新闻网" in page and "尚未抓取" in page
    assert AuditEvent.objects.filter(action="monitor.source_create", object_id=str(source.pk)).exists()


@pytest.mark.parametrize("values, field, message", [
    ({"url": "ftp://example.cn/x"}, "url", "http:// 或 https://"),
    ({"url": ""}, "url", "请填写网址"),
    ({"kind": "web", "link_selector": "ul..news a"}, "link_selector", "第 4 个字符处"),
    ({"kind": "web", "link_selector": ""}, "link_selector", "请填写链接选择器"),
    ({"kind": "web", "link_selector": "a", "max_links": "500"}, "max_links", "1 到 100"),
    ({"kind": "json", "json_items": "data..list", "json_title": "title"}, "json_items", "第 2 段为空"),
    ({"kind": "json", "json_items": "data.list", "json_title": ""}, "json_title", "请填写“标题”的字段路径"),
    ({"interval_minutes": "0"}, "interval_minutes", "至少 1 分钟"),
])
def test_config_is_checked_per_kind_with_chinese_messages(login, demo, values, field, message):
    client = login("analyst")
    response = client.post("/monitor/sources/new/", form(**values))
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert any(message in e for e in errors[field]), errors
    assert not Source.objects.filter(center=demo["demo"], name="示例县新闻网").exists()


def test_duplicate_name_refused_and_other_kinds_settings_not_kept(demo):
    center = demo["demo"]
    data = {"name": "订阅甲", "kind": "rss", "url": "https://a.example.cn/feed", "level": 50, "region": "",
            "interval_minutes": 30, "enabled": True, "config": {"link_selector": "a"}}
    source = source_services.create_source(center=center, user=None, data=data)
    assert source.config == {}
    with pytest.raises(Exception) as caught:
        source_services.create_source(center=center, user=None, data=data)
    assert caught.value.message_dict["name"] == ["本中心已有同名的监测源。"]


def test_permissions_view_manage_and_another_centers_source_is_404(login, demo):
    mine = Source.objects.create(center=demo["demo"], name="本中心订阅", kind="rss", url="https://a.example.cn/f")
    theirs = Source.objects.create(center=demo["linxian"], name="邻县订阅", kind="rss", url="https://b.example.cn/f")
    analyst, chief, reporter = login("analyst"), login("reviewer3"), login("reporter")
    assert chief.get("/monitor/sources/").status_code == 200  # monitor.view
    assert chief.get(f"/monitor/sources/{mine.pk}/").status_code == 200
    assert chief.get("/monitor/sources/new/").status_code == 403  # no monitor.manage
    assert chief.post(f"/monitor/sources/{mine.pk}/fetch/").status_code == 403
    assert "立即抓取" not in chief.get(f"/monitor/sources/{mine.pk}/").content.decode()
    assert reporter.get("/monitor/sources/").status_code == 403
    for url in (f"/monitor/sources/{theirs.pk}/", f"/monitor/sources/{theirs.pk}/edit/"):
        assert analyst.get(url).status_code == 404
    assert analyst.post(f"/monitor/sources/{theirs.pk}/delete/").status_code == 404
    assert Source.objects.filter(pk=theirs.pk).exists()
    assert analyst.get(f"/api/v1/monitor/sources/{theirs.pk}").status_code == 404
    assert "邻县订阅" not in analyst.get("/monitor/sources/").content.decode()


def test_fetch_now_runs_through_the_queue_and_the_detail_shows_the_run(login, demo, site,
                                                                     django_capture_on_commit_callbacks):
    source = Source.objects.create(center=demo["demo"], name="问题订阅", kind="rss", url=site.url + "/broken/bad-entry.xml")
    client = login("analyst")
    with immediate_queue(), django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/monitor/sources/{source.pk}/fetch/")
    assert response.status_code == 302
    run = FetchRun.objects.get(source=source)
    assert run.outcome == "ok" and run.new == 2 and run.skipped == 1
    page = client.get(f"/monitor/sources/{source.pk}/").content.decode()
    assert "第 2 条没有标题和正文，已跳过。" in page and "1 条问题" in page
    assert AuditEvent.objects.filter(action="monitor.source_fetch", object_id=str(source.pk)).exists()


def test_delete_only_without_items_otherwise_disable(login, demo, site):
    client = login("analyst")
    empty = Source.objects.create(center=demo["demo"], name="空源", kind="rss", url=site.url + "/feeds/city.xml")
    assert client.post(f"/monitor/sources/{empty.pk}/delete/").status_code == 302
    assert not Source.objects.filter(pk=empty.pk).exists()

    from rongmei.monitor import fetching

    used = Source.objects.create(center=demo["demo"], name="有信息的源", kind="rss", url=site.url + "/feeds/city.xml")
    fetching.fetch_source(used)
    assert Item.objects.filter(source=used).exists()
    client.post(f"/monitor/sources/{used.pk}/delete/")
    used.refresh_from_db()
    assert used.enabled is False
    assert AuditEvent.objects.filter(action="monitor.source_delete").exists()


def test_list_flags_a_source_failing_for_a_day(login, demo):
    now = timezone.now()
    Source.objects.create(center=demo["demo"], name="坏了一天的源", kind="rss", url="https://x.example.cn/f",
                          consecutive_failures=30, total_failures=31, failing_since=now - dt.timedelta(hours=25),
                          last_error="服务器返回错误（HTTP 502）。", last_error_at=now)
    Source.objects.create(center=demo["demo"], name="刚坏的源", kind="rss", url="https://y.example.cn/f",
                          consecutive_failures=1, total_failures=1, failing_since=now - dt.timedelta(hours=1),
                          last_error="无法解析域名 y.example.cn。", last_error_at=now)
    page = login("analyst").get("/monitor/sources/").content.decode()
    assert page.count('data-testid="failing-a-day"') == 1 and "已连续失败超过一天" in page
    assert "服务器返回错误（HTTP 502）。" in page and "连续 30 次" in page


def test_edit_changes_address_and_forgets_validators(login, demo):
    source = Source.objects.create(center=demo["demo"], name="改地址", kind="rss", url="https://a.example.cn/f",
                                   etag='"x"', last_modified="Sun, 06 Dec 2026 00:00:00 GMT")
    client = login("analyst")
    assert client.get(f"/monitor/sources/{source.pk}/edit/").status_code == 200
    response = client.post(f"/monitor/sources/{source.pk}/edit/", form(name="改地址", url="https://b.example.cn/f"))
    assert response.status_code == 302
    source.refresh_from_db()
    assert source.url == "https://b.example.cn/f" and source.etag == "" and source.last_modified == ""
    event = AuditEvent.objects.get(action="monitor.source_update", object_id=str(source.pk))
    assert event.before["url"] == "https://a.example.cn/f" and event.after["url"] == "https://b.example.cn/f"


# --- API ---------------------------------------------------------------------------------------------

def test_api_create_list_update_runs_delete(login, demo, site, monkeypatch, django_capture_on_commit_callbacks):
    client = login("analyst")
    body = {"name": "接口数据", "kind": "json", "url": site.url + "/api/news.json", "level": 70,
            "config": {"items": "data.list", "title": "title", "text": "content", "published": "pubtime"}}
    created = client.post("/api/v1/monitor/sources", body, content_type="application/json")
    assert created.status_code == 201, created.content
    source_id = created.json()["id"]
    assert created.json()["config"] == body["config"] and created.json()["level_label"] == "省级媒体"

    bad = client.post("/api/v1/monitor/sources", {**body, "name": "坏配置", "config": {"items": "data..list"}},
                      content_type="application/json")
    assert bad.status_code == 422
    assert set(bad.json()["errors"]) == {"config.items", "config.title"}

    listed = client.get("/api/v1/monitor/sources?kind=json").json()
    names = [s["name"] for s in listed["items"]]
    assert "接口数据" in names and all(s["kind"] == "json" for s in listed["items"])
    assert "接口数据" not in [s["name"] for s in client.get("/api/v1/monitor/sources?kind=rss").json()["items"]]

    patched = client.patch(f"/api/v1/monitor/sources/{source_id}", {"interval_minutes": 15, "enabled": False},
                           content_type="application/json")
    assert patched.status_code == 200 and patched.json()["interval_minutes"] == 15 and not patched.json()["enabled"]

    from rongmei.monitor import fetching

    fetching.fetch_source(Source.objects.get(pk=source_id))
    runs = client.get(f"/api/v1/monitor/sources/{source_id}/runs").json()
    assert runs["items"][0]["outcome"] == "ok" and runs["items"][0]["new"] == 3

    queued = []
    from rongmei.monitor import fetch_tasks
    from rongmei.monitor.tests.test_fetch import QueueSpy

    monkeypatch.setattr(fetch_tasks, "fetch_source_task", QueueSpy(queued))
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(f"/api/v1/monitor/sources/{source_id}/fetch").status_code == 202
    assert queued == [source_id]

    gone = client.delete(f"/api/v1/monitor/sources/{source_id}").json()
    assert gone == {"id": source_id, "deleted": False, "enabled": False}
    assert login("reviewer3").post("/api/v1/monitor/sources", body, content_type="application/json").status_code == 403
