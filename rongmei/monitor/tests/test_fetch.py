"""Fetching against a real local HTTP server (rongmei.monitor.testserver): conditional GET,
robots.txt, redirects, the size cap, timeouts, broken feeds and entries, GBK pages, the
per-host delay, failure counters and the one-day flag, the scheduler's one task per source."""

from __future__ import annotations

import datetime as dt
import io
import threading
import time

import pytest
from django.core.cache import cache
from django.utils import timezone

from rongmei.monitor import fetch_tasks, fetching
from rongmei.monitor.models import FetchRun, Item, Source
from rongmei.monitor.sources import SourceError
from rongmei.monitor.sources.client import Client, decode
from rongmei.monitor.testserver import FixtureServer

JSON_CONFIG = {"items": "data.list", "title": "title", "text": "content", "url": "link", "published": "pubtime",
               "id": "id", "author": "source", "region": "area"}


@pytest.fixture
def site():
    cache.clear()
    with FixtureServer() as server:
        yield server
    cache.clear()


@pytest.fixture(autouse=True)
def polite_but_quick(settings):
    settings.RONGMEI_LINKCHECK_ALLOW = ["127.0.0.1", "localhost"]
    settings.RONGMEI_MONITOR_HOST_DELAY = 0
    settings.RONGMEI_MONITOR_TIMEOUT = 2


class QueueSpy:
    """Stands in for the task: records what would be enqueued."""

    def __init__(self, queued: list):
        self.queued = queued

    def enqueue(self, *args):
        self.queued.append(*args)


def make_source(center, url="", kind=Source.Kind.RSS, **extra) -> Source:
    fields = {"name": f"测试源{Source.objects.count() + 1}", "kind": kind, "url": url, "level": Source.Level.LOCAL, **extra}
    return Source.objects.create(center=center, **fields)


# --- The HTTP client ---------------------------------------------------------------------------------

def test_conditional_get_stores_validators_and_304_is_not_modified(demo, site):
    source = make_source(demo["demo"], site.url + "/feeds/county.xml")
    first = fetching.fetch_source(source)
    assert first.outcome == FetchRun.Outcome.OK and first.new == 3 and first.http_status == 200
    source.refresh_from_db()
    assert source.etag.startswith('"') and source.last_modified.endswith("GMT") and source.items_total == 3

    second = fetching.fetch_source(source)
    assert second.outcome == FetchRun.Outcome.NOT_MODIFIED and second.http_status == 304 and second.new == 0
    asked = site.requests[-1]["headers"]
    assert asked["If-None-Match"] == source.etag and asked["If-Modified-Since"] == source.last_modified

    site.add_entry("county", "青山镇石桥村新建便民桥通车", "石桥村便民桥今天正式通车。")
    third = fetching.fetch_source(source)
    assert third.outcome == FetchRun.Outcome.OK and (third.found, third.new, third.duplicates) == (4, 1, 3)
    source.refresh_from_db()
    assert source.items_total == 4 and source.consecutive_failures == 0


def test_robots_txt_disallow_skips_with_a_chinese_reason_and_is_read_once(demo, site):
    source = make_source(demo["demo"], site.url + "/private/county.xml")
    run = fetching.fetch_source(source)
    assert run.outcome == FetchRun.Outcome.SKIPPED and "robots.txt 不允许" in run.error
    source.refresh_from_db()
    assert source.consecutive_failures == 0 and "robots.txt" in source.last_error
    assert not Item.objects.filter(source=source).exists()
    fetching.fetch_source(source)
    paths = [r["path"] for r in site.requests]
    assert paths.count("/robots.txt") == 1 and "/private/county.xml" not in paths
    assert all(r["headers"]["User-Agent"].startswith("RongmeiMonitor/1.0 (+") for r in site.requests)


def test_redirects_are_followed_up_to_five_and_a_loop_stops(site):
    client = Client(delay_s=0)
    assert client.get(site.url + "/redirect/5").redirects == 5
    with pytest.raises(SourceError, match="跳转超过 5 次"):
        client.get(site.url + "/redirect/6")
    with pytest.raises(SourceError, match="跳转形成循环"):
        client.get(site.url + "/loop/a")
    assert sum(r["path"].startswith("/loop/") for r in site.requests) == 2


def test_redirect_to_a_refused_address_is_checked_on_every_hop(site, settings):
    settings.RONGMEI_LINKCHECK_ALLOW = ["localhost"]  # 127.0.0.1 itself is not allowed
    site.add_document("/hop", b"", status=302, headers={"Location": f"http://127.0.0.1:{site.port}/feeds/county.xml"})
    with pytest.raises(SourceError, match="地址不允许访问"):
        Client(delay_s=0).get(f"http://localhost:{site.port}/hop")


def test_huge_bodies_are_cut_off_and_recorded_never_loaded(demo, site):
    source = make_source(demo["demo"], site.url + "/huge")
    started = time.monotonic()
    run = fetching.fetch_source(source)
    assert run.outcome == FetchRun.Outcome.ERROR and "超过 5 MB" in run.error
    assert time.monotonic() - started < 5
    source.refresh_from_db()
    assert source.consecutive_failures == 1 and "超过 5 MB" in source.last_error
    with pytest.raises(SourceError, match="声明 40 MB"):
        Client(delay_s=0).get(site.url + "/huge-declared")


def test_gzip_bodies_are_inflated_within_the_cap(site):
    import gzip

    feed = site.feed_document("county")[1]
    site.add_document("/gz.xml", gzip.compress(feed), "application/rss+xml", headers={"Content-Encoding": "gzip"})
    assert Client(delay_s=0).get(site.url + "/gz.xml").body == feed
    bomb = gzip.compress(b"0" * (20 * 1024 * 1024))  # 20 MB of zeros in about 20 KB
    site.add_document("/bomb.xml", bomb, "application/rss+xml", headers={"Content-Encoding": "gzip"})
    assert len(bomb) < 100_000
    with pytest.raises(SourceError, match="超过 5 MB"):
        Client(delay_s=0).get(site.url + "/bomb.xml")


def test_a_slow_server_times_out_and_a_drip_hits_the_total_cap(site):
    started = time.monotonic()
    with pytest.raises(SourceError, match="秒内没有应答"):
        Client(delay_s=0, timeout_s=0.5).get(site.url + "/slow?s=3")
    assert time.monotonic() - started < 1.5
    started = time.monotonic()
    with pytest.raises(SourceError, match="没有读完"):
        Client(delay_s=0, timeout_s=0.5, cap_s=1.0).get(site.url + "/drip?s=0.1")
    assert time.monotonic() - started < 2


def test_server_errors_count_failures_back_off_and_flag_a_day(demo, site):
    source = make_source(demo["demo"], site.url + "/error/500", interval_minutes=30)
    t0 = timezone.now() - dt.timedelta(hours=25)
    run = fetching.fetch_source(source, now=t0)
    assert run.outcome == FetchRun.Outcome.ERROR and run.http_status == 500 and "HTTP 500" in run.error
    source.refresh_from_db()
    assert (source.consecutive_failures, source.total_failures) == (1, 1)
    assert source.failing_since == t0 and source.next_fetch_at == t0 + dt.timedelta(minutes=30)
    fetching.fetch_source(source, now=t0 + dt.timedelta(hours=1))
    fetching.fetch_source(source, now=t0 + dt.timedelta(hours=2))
    source.refresh_from_db()
    assert source.consecutive_failures == 3 and source.failing_since == t0
    assert source.next_fetch_at == t0 + dt.timedelta(hours=2, minutes=120)  # 30 min doubled twice
    assert source.failing_a_day and source.last_error == "服务器返回错误（HTTP 500）。"

    source.url = site.url + "/feeds/county.xml"
    source.save()
    run = fetching.fetch_source(source)
    source.refresh_from_db()
    assert run.outcome == FetchRun.Outcome.OK
    assert (source.consecutive_failures, source.total_failures, source.failing_since) == (0, 3, None)
    assert not source.failing_a_day and source.last_success_at is not None


def test_backoff_is_capped():
    assert fetching.backoff(30, 0) == dt.timedelta(minutes=30)
    assert fetching.backoff(30, 2) == dt.timedelta(minutes=60)
    assert fetching.backoff(30, 40) == dt.timedelta(hours=6)
    assert fetching.backoff(24 * 60, 5) == dt.timedelta(days=1)  # never sooner than the interval


# --- Broken input ---------------------------------------------------------------------------------

def test_a_malformed_feed_is_an_error_of_the_source_not_a_crash(demo, site):
    source = make_source(demo["demo"], site.url + "/broken/malformed.xml")
    run = fetching.fetch_source(source)
    assert run.outcome == FetchRun.Outcome.ERROR and "格式有误" in run.error
    source.refresh_from_db()
    assert source.consecutive_failures == 1 and source.last_error == run.error


def test_a_bad_entry_is_skipped_and_recorded_the_others_kept(demo, site):
    source = make_source(demo["demo"], site.url + "/broken/bad-entry.xml")
    run = fetching.fetch_source(source)
    assert run.outcome == FetchRun.Outcome.OK
    assert (run.found, run.new, run.skipped) == (3, 2, 1)
    assert run.item_errors[0] == {"url": site.url + "/bad/2", "error": "第 2 条没有标题和正文，已跳过。"}
    assert sorted(Item.objects.filter(source=source).values_list("title", flat=True)) == ["县医院开通夜间门诊", "县图书馆延长开放时间"]


def test_a_truncated_feed_keeps_what_it_could_read_and_says_so(demo, site):
    source = make_source(demo["demo"], site.url + "/broken/truncated.xml")
    run = fetching.fetch_source(source)
    assert run.outcome == FetchRun.Outcome.OK and run.new >= 2
    assert any("订阅格式有误" in e["error"] for e in run.item_errors)


def test_gbk_feed_and_pages_are_decoded(demo, site):
    source = make_source(demo["demo"], site.url + "/feeds/gbk.xml")
    run = fetching.fetch_source(source)
    assert run.new == 2
    assert set(Item.objects.filter(source=source).values_list("title", flat=True)) == {
        "滨江街道望江社区加装电梯工程完工", "东湖镇渔港村冬捕节开幕"}
    page = "<html><head><meta charset=gb2312><title>镕</title></head><body>青山镇积水</body></html>"
    body = page.encode("gb18030")
    assert decode(body, "text/html") == page  # GBK-only character (镕) read through the gb2312 label
    assert decode("青山镇积水".encode("gbk"), "") == "青山镇积水"  # undeclared: GB18030 fallback
    assert decode("青山镇".encode(), "text/html; charset=gbk") == "青山镇"  # a wrong header does not win


def test_web_list_page_then_articles_only_new_ones(demo, site):
    source = make_source(demo["demo"], site.url + "/news/", kind=Source.Kind.WEB,
                         config={"link_selector": "ul.news a", "max_links": 10})
    run = fetching.fetch_source(source)
    assert run.outcome == FetchRun.Outcome.OK and (run.found, run.new) == (3, 3), run.item_errors
    item = Item.objects.get(source=source, title="西岭乡云雾村修通产业路")  # a GBK article page
    assert "产业路" in item.text and item.author.replace(" ", "") == "记者王磊"
    site.add_article("青山镇卫生院新设儿科门诊", "青山镇卫生院新设儿科门诊，方便群众就近看病。" * 5, author="记者 王磊")
    before = len(site.requests)
    run = fetching.fetch_source(source)
    assert (run.found, run.new, run.duplicates) == (4, 1, 3)
    article_requests = [r["path"] for r in site.requests[before:] if r["path"].endswith(".html")]
    assert len(article_requests) == 1  # pages already stored are not asked for again


def test_web_article_that_fails_is_recorded_and_the_rest_kept(demo, site):
    site.add_document("/links.html", '<ul class="news"><li><a href="/news/none.html">不存在的文章</a></li>'
                      '<li><a href="/private/x.html">禁止抓取</a></li><li><a href="javascript:alert(1)">坏链接</a></li></ul>')
    source = make_source(demo["demo"], site.url + "/links.html", kind=Source.Kind.WEB,
                         config={"link_selector": "ul.news a", "max_links": 10})
    run = fetching.fetch_source(source)
    assert run.outcome == FetchRun.Outcome.OK and run.found == 2 and run.skipped == 2
    errors = {e["url"].rsplit("/", 1)[1]: e["error"] for e in run.item_errors}
    assert "HTTP 404" in errors["none.html"] and "robots.txt" in errors["x.html"]
    source.refresh_from_db()
    assert source.etag == ""  # ask for the list again next time: some articles are still missing


def test_json_api_by_field_paths_and_a_bad_path_names_itself(demo, site):
    source = make_source(demo["demo"], site.url + "/api/news.json", kind=Source.Kind.JSON, config=JSON_CONFIG)
    run = fetching.fetch_source(source)
    assert run.outcome == FetchRun.Outcome.OK and run.new == 3
    item = Item.objects.get(source=source, title="示例县新增两条城乡公交线路")
    assert item.author == "示例县交通局" and item.external_id.startswith("J")
    local = timezone.localtime(item.published_at)
    assert local.tzinfo is not None and local.strftime("%H:%M") == site.json_items[1]["pubtime"][11:16]

    bad = make_source(demo["demo"], site.url + "/api/news.json", kind=Source.Kind.JSON,
                      config={**JSON_CONFIG, "items": "data.rows"})
    run = fetching.fetch_source(bad)
    assert run.outcome == FetchRun.Outcome.ERROR and "“data.rows”" in run.error and "“rows”" in run.error

    html = make_source(demo["demo"], site.url + "/broken/not-json", kind=Source.Kind.JSON, config=JSON_CONFIG)
    assert "不是有效的 JSON" in fetching.fetch_source(html).error


def test_json_item_missing_its_title_is_skipped_with_the_path(demo, site):
    site.add_document("/api/odd.json", '{"data": {"list": [{"content": "只有正文"}, {"title": "有标题", "content": "正文"}]}}',
                      "application/json")
    source = make_source(demo["demo"], site.url + "/api/odd.json", kind=Source.Kind.JSON, config=JSON_CONFIG)
    run = fetching.fetch_source(source)
    assert (run.found, run.new, run.skipped) == (2, 1, 1)
    assert "缺少字段“title”" in run.item_errors[0]["error"]


# --- Politeness across threads ----------------------------------------------------------------------

def test_per_host_delay_is_honoured_across_threads_and_not_across_hosts(site):
    delay = 0.3
    paths = ["/feeds/county.xml", "/feeds/city.xml", "/feeds/gbk.xml", "/api/news.json"]
    # robots.txt read beforehand (one request); then four requests from four threads at once
    Client(delay_s=0).robots_allows(site.url + "/")
    Client(delay_s=0).robots_allows(f"http://localhost:{site.port}/")
    start = len(site.requests)
    threads = [threading.Thread(target=Client(delay_s=delay).get, args=(site.url + p,)) for p in paths]
    began = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    times = sorted(r["time"] for r in site.requests[start:])
    gaps = [b - a for a, b in zip(times, times[1:])]
    assert len(times) == 4 and min(gaps) >= delay * 0.9, gaps
    assert time.monotonic() - began >= 3 * delay * 0.9
    # another host name of the same machine is another host: not held up by the first
    began = time.monotonic()
    Client(delay_s=5).get(f"http://localhost:{site.port}/feeds/county.xml")
    assert time.monotonic() - began < 1


# --- Scheduling -----------------------------------------------------------------------------------

def test_scheduler_claims_each_due_source_once_and_enqueues_one_task_each(demo, site, monkeypatch):
    now = timezone.now()
    Source.objects.update(next_fetch_at=now + dt.timedelta(hours=1))  # the demo's own sources are not due
    slow = make_source(demo["demo"], site.url + "/slow?s=5", next_fetch_at=now - dt.timedelta(minutes=1))
    quick = make_source(demo["demo"], site.url + "/feeds/county.xml", next_fetch_at=now - dt.timedelta(minutes=2))
    make_source(demo["demo"], site.url + "/feeds/city.xml", next_fetch_at=now + dt.timedelta(minutes=5))
    make_source(demo["demo"], site.url + "/feeds/gbk.xml", enabled=False, next_fetch_at=now - dt.timedelta(minutes=5))
    queued = []
    monkeypatch.setattr(fetch_tasks, "fetch_source_task", QueueSpy(queued))
    started = time.monotonic()
    assert fetch_tasks.dispatch_due(now) == [quick.pk, slow.pk]
    assert time.monotonic() - started < 1  # the scheduler fetches nothing itself
    assert queued == [quick.pk, slow.pk]
    assert fetch_tasks.dispatch_due(now) == []  # claimed: a second tick takes nothing
    slow.refresh_from_db()
    assert slow.next_fetch_at > now + dt.timedelta(minutes=10)


def test_a_slow_source_does_not_hold_up_another_sources_task(demo, site, settings):
    """The two tasks a worker pool runs side by side: the quick source's network part is done
    while the slow one still waits for its timeout."""
    settings.RONGMEI_MONITOR_TIMEOUT = 1.5
    results: dict = {}

    def fetch(name, url):
        began = time.monotonic()
        try:
            Client().get(url)
            results[name] = ("ok", time.monotonic() - began)
        except SourceError as exc:
            results[name] = (exc.message, time.monotonic() - began)

    slow = threading.Thread(target=fetch, args=("slow", site.url + "/slow?s=4"))
    quick = threading.Thread(target=fetch, args=("quick", f"http://localhost:{site.port}/feeds/county.xml"))
    slow.start()
    time.sleep(0.05)
    quick.start()
    quick.join()
    assert results["quick"][0] == "ok" and results["quick"][1] < 0.5 and "slow" not in results
    slow.join()
    assert "没有应答" in results["slow"][0] and results["slow"][1] < 2.5


def test_the_task_runs_one_source_and_two_runs_never_overlap(demo, site):
    source = make_source(demo["demo"], site.url + "/feeds/county.xml")
    result = fetch_tasks.fetch_source_task.call(source.pk)
    assert result["outcome"] == "ok" and result["new"] == 3
    cache.add(f"monitor:fetching:{source.pk}", "other", timeout=60)
    assert fetch_tasks.fetch_source_task.call(source.pk)["outcome"] == "running"
    with pytest.raises(fetching.AlreadyRunning):
        fetching.fetch_source(source)
    assert fetch_tasks.fetch_source_task.call(999_999_999)["outcome"] == "gone"


def test_old_runs_are_pruned(demo, site, monkeypatch):
    monkeypatch.setattr(fetching, "KEEP_RUNS", 3)
    source = make_source(demo["demo"], site.url + "/error/503")
    for _ in range(5):
        fetching.fetch_source(source)
    assert FetchRun.objects.filter(source=source).count() == 3


# --- Command line ---------------------------------------------------------------------------------

def test_cli_runs_one_source_by_name_or_all_and_exits_1_on_failure(demo, site):
    good = make_source(demo["demo"], site.url + "/broken/bad-entry.xml", name="县医院订阅")
    out, err = io.StringIO(), io.StringIO()
    assert fetching.cli({"source": "县医院订阅", "center": ""}, None, out, err) == 0
    assert "县医院订阅" in out.getvalue() and "新增 2 条" in out.getvalue() and "第 2 条没有标题和正文" in out.getvalue()
    out = io.StringIO()
    assert fetching.cli({"source": str(good.pk), "center": "demo"}, None, out, err) == 0
    assert "重复 2 条" in out.getvalue()

    make_source(demo["linxian"], site.url + "/error/500", name="县医院订阅")
    err = io.StringIO()
    assert fetching.cli({"source": "县医院订阅", "center": ""}, None, io.StringIO(), err) == 2
    assert "--center" in err.getvalue()
    out = io.StringIO()
    assert fetching.cli({"source": "县医院订阅", "center": "linxian"}, None, out, io.StringIO()) == 1
    assert "失败：服务器返回错误（HTTP 500）" in out.getvalue()
    assert fetching.cli({"source": "没有这个源", "center": ""}, None, io.StringIO(), io.StringIO()) == 2


def test_management_command_fetch(demo, site):
    from django.core.management import call_command

    make_source(demo["demo"], site.url + "/feeds/city.xml", name="示例市新闻订阅")
    out = io.StringIO()
    call_command("monitor", "fetch", "示例市新闻订阅", stdout=out)
    assert "新增 2 条" in out.getvalue()


# --- Platform kinds go through the same run ------------------------------------------------------------

def test_inquiry_source_reads_new_cases_once_and_keeps_its_cursor(demo):
    from rongmei.inquiry import services as inquiry
    from rongmei.inquiry.services import Submission

    center = demo["demo"]
    source = make_source(center, kind=Source.Kind.INQUIRY, name="本中心问政")
    fetching.fetch_source(source)  # whatever the demo holds already
    case = inquiry.submit(center=center, sub=Submission(
        kind="complain", title="白沙乡河口村自来水浑浊", text="河口村这几天自来水发黄浑浊，村民不敢喝，希望尽快处理。",
        phone="13812341234"))
    run = fetching.fetch_source(source)
    assert run.outcome == FetchRun.Outcome.OK and run.new == 1
    item = Item.objects.get(source=source, external_id=case.code)
    assert "13812341234" not in item.text
    source.refresh_from_db()
    assert source.cursor.get("last_id") == case.pk
    again = fetching.fetch_source(source)
    assert again.outcome == FetchRun.Outcome.OK and (again.found, again.new) == (0, 0)


def test_a_comment_source_whose_account_is_gone_fails_with_the_readers_message(demo):
    source = make_source(demo["demo"], kind=Source.Kind.WECHAT_COMMENTS, name="留言", config={"account": 999_999_999})
    run = fetching.fetch_source(source)
    assert run.outcome == FetchRun.Outcome.ERROR and run.error
    source.refresh_from_db()
    assert source.consecutive_failures == 1 and source.last_error == run.error


def test_sandbox_news_site_is_reachable_only_in_sandbox_mode_and_only_itself(site, settings):
    settings.RONGMEI_LINKCHECK_ALLOW = []
    settings.RONGMEI_SANDBOX_NEWS_URL = site.url
    settings.RONGMEI_SANDBOX = False
    with pytest.raises(SourceError, match="地址不允许访问"):
        Client(delay_s=0).get(site.url + "/feeds/county.xml")
    settings.RONGMEI_SANDBOX = True
    assert Client(delay_s=0).get(site.url + "/feeds/county.xml").status == 200
    with FixtureServer() as other:  # another local port stays refused
        with pytest.raises(SourceError, match="地址不允许访问"):
            Client(delay_s=0).get(other.url + "/feeds/county.xml")
