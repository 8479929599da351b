"""Read counting: the beacon's rules (once per client, item, channel and hour; no bots; a
rate limit; live items only), folding into daily counts exactly once, pruning."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from django.test import Client, RequestFactory
from django.utils import timezone

from rongmei.core.models import User
from rongmei.distribution import outbox, services
from rongmei.distribution.models import ChannelAccount, Publication
from rongmei.newsroom.models import Story
from rongmei.portal import reads
from rongmei.portal.models import ReadCount, ReadHit
from rongmei.review.models import Review

UA = "Mozilla/5.0 (Linux; Android 14; HUAWEI Mate 60) AppleWebKit/537.36 Chrome/120 Mobile Safari/537.36"
NOON = dt.datetime(2026, 11, 30, 4, 10, tzinfo=dt.UTC)  # 12:10 in the demo's Asia/Shanghai


def deliver() -> None:
    for _ in range(50):
        batch = outbox.claim("tests", limit=50)
        if not batch:
            return
        for message in batch:
            outbox.process(message, "tests")


def live_publications(center) -> list[Publication]:
    return list(Publication.objects.filter(center=center, account__kind=ChannelAccount.Kind.OWN_SITE,
                                           status__in=[Publication.Status.SENT, Publication.Status.CORRECTED])
                .order_by("-sent_at", "-pk"))


@pytest.fixture
def items(demo) -> list[int]:
    """Story ids of two items live on the demo site (published here if the demo has none)."""
    if len(live_publications(demo["demo"])) < 2:
        site = ChannelAccount.objects.get(center=demo["demo"], kind=ChannelAccount.Kind.OWN_SITE)
        for review in Review.objects.filter(center=demo["demo"], status=Review.Status.SIGNED_OFF):
            services.publish(story=review.story, user=User.objects.get(username="operator"), account_ids=[site.pk])
        deliver()
    ids = [p.story_id for p in live_publications(demo["demo"])][:2]
    assert len(ids) == 2, "the demo should have two signed-off stories"
    return ids


@pytest.fixture
def ip() -> str:
    """A reader's address of its own, so rate-limit counters never meet across tests."""
    return f"203.0.{random.randrange(256)}.{random.randrange(1, 255)}"


def read(item, *, ip, ua=UA, channel="web", now=NOON, center="demo") -> str:
    return reads.record_read(center_slug=center, item=item, channel=channel, ip=ip, user_agent=ua, now=now)


def hits(story_id: int | None = None) -> int:
    qs = ReadHit.objects.all()
    return qs.filter(story_id=story_id).count() if story_id else qs.count()


# --- Counting rules ---------------------------------------------------------------------------

def test_same_client_same_item_same_hour_counts_once(items, ip):
    item = items[0]
    before = reads.reads_for(item)
    for minute in (0, 10, 49):
        assert read(item, ip=ip, now=NOON + dt.timedelta(minutes=minute)) == reads.RECORDED
    assert reads.reads_for(item) == before + 1
    hit = ReadHit.objects.get(story_id=item)
    assert hit.channel == "web" and hit.day == dt.date(2026, 11, 30) and not hit.counted


def test_the_next_clock_hour_counts_again(items, ip):
    item = items[0]
    read(item, ip=ip, now=NOON)
    read(item, ip=ip, now=NOON.replace(minute=59))
    read(item, ip=ip, now=NOON.replace(minute=0) + dt.timedelta(hours=1))
    assert hits(item) == 2


def test_another_client_counts_separately(items, ip):
    read(items[0], ip=ip)
    read(items[0], ip="198.51.100.7")
    read(items[0], ip=ip, ua=UA.replace("Android 14", "Android 13"))
    assert hits(items[0]) == 3


def test_each_channel_counts_separately(items, ip):
    item = items[0]
    for channel in ("web", "app", "wechat", "weibo", "other", "WeChat", "tiktok", None, ""):
        read(item, ip=ip, channel=channel)
    channels = sorted(ReadHit.objects.filter(story_id=item).values_list("channel", flat=True))
    assert channels == ["app", "other", "web", "wechat", "weibo"]  # unknown → other, none → web


def test_the_day_is_the_centers_local_day(items, ip):
    read(items[0], ip=ip, now=dt.datetime(2026, 11, 30, 16, 30, tzinfo=dt.UTC))  # 00:30 on 1 Dec in China
    assert ReadHit.objects.get(story_id=items[0]).day == dt.date(2026, 12, 1)


@pytest.mark.parametrize("ua", [
    "", "   ", "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "Mozilla/5.0 (compatible; Baiduspider/2.0; +http://www.baidu.com/search/spider.html)",
    "Mozilla/5.0 (compatible; bingbot/2.0)", "Sogou web spider/4.0", "Bytespider", "curl/8.5.0", "Wget/1.21.4",
    "python-requests/2.31.0", "Python-urllib/3.11", "Go-http-client/1.1",
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/120.0 Safari/537.36",
    "facebookexternalhit/1.1", "Scrapy/2.11",
])
def test_bots_are_not_counted(items, ip, ua):
    assert read(items[0], ip=ip, ua=ua) == reads.BOT
    assert hits() == 0


@pytest.mark.parametrize("ua", [
    UA, "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 MicroMessenger/8.0.44",
    "okhttp/4.12.0", "Dart/3.2 (dart:io)",  # our app's own HTTP clients
])
def test_people_and_apps_are_counted(items, ip, ua):
    assert read(items[0], ip=ip, ua=ua) == reads.RECORDED
    assert hits() == 1


def test_rate_limit_stops_counting_past_the_limit(items, ip, settings):
    settings.RONGMEI_READS_PER_MINUTE = 3
    outcomes = [read(items[0], ip=ip, channel=c) for c in ("web", "app", "wechat", "weibo", "other")]
    assert outcomes == [reads.RECORDED] * 3 + [reads.LIMITED] * 2
    assert hits() == 3
    # a new minute, a new allowance; other clients were never limited
    assert read(items[0], ip=ip, channel="weibo", now=NOON + dt.timedelta(minutes=1)) == reads.RECORDED
    assert read(items[1], ip="198.51.100.9") == reads.RECORDED
    assert hits() == 5


def test_the_default_limit_is_120_a_minute(items, ip):
    outcomes = [read("999999", ip=ip) for _ in range(121)]
    assert outcomes[:120] == [reads.NOT_LIVE] * 120 and outcomes[120] == reads.LIMITED


def test_unknown_malformed_and_foreign_items_are_not_counted(items, ip, demo):
    draft = Story.objects.filter(center=demo["demo"], status=Story.Status.DRAFT).first()
    assert read("999999", ip=ip) == reads.NOT_LIVE
    assert read(draft.pk, ip=ip) == reads.NOT_LIVE
    assert read(items[0], ip=ip, center="linxian") == reads.NOT_LIVE
    assert read(items[0], ip=ip, center="nowhere") == reads.NOT_LIVE
    for bad in ("abc", "1.5", "-3", "", None, "1" * 20, "7 OR 1=1"):
        assert read(bad, ip=ip) == reads.INVALID
    assert hits() == 0


def test_a_taken_down_item_is_not_counted(items, ip):
    story = Story.objects.get(pk=items[0])
    services.take_down(story=story, user=User.objects.get(username="operator"), reason="核实有误")
    deliver()
    assert read(items[0], ip=ip) == reads.NOT_LIVE
    assert hits() == 0


# --- The beacon view ------------------------------------------------------------------------------

def beacon(client: Client, query: str, *, method="get", ua=UA, ip="192.0.2.10"):
    return getattr(client, method)(f"/api/public/v1/demo/reads?{query}", HTTP_USER_AGENT=ua, REMOTE_ADDR=ip)


def test_the_beacon_always_answers_204_without_a_cookie(items, ip):
    client = Client()
    for method in ("get", "post"):
        for query, ua in ((f"item={items[0]}&ch=web", UA), ("item=abc", UA), ("item=999999", UA), ("", UA),
                          (f"item={items[0]}", "curl/8"), (f"item={items[0]}&ch=%00%ff", UA)):
            response = beacon(client, query, method=method, ua=ua, ip=ip)
            assert response.status_code == 204, (method, query)
            assert response.content == b"" and not response.cookies
            assert response["Cache-Control"] == "no-store"
    response = client.get(f"/api/public/v1/nowhere/reads?item={items[0]}", HTTP_USER_AGENT=UA)
    assert response.status_code == 204
    assert sorted(ReadHit.objects.values_list("story_id", "channel")) == [(items[0], "other"), (items[0], "web")]


def test_a_beacon_that_fails_inside_still_answers_204(items, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("database is locked")

    monkeypatch.setattr(reads, "record_read", broken)
    assert beacon(Client(), f"item={items[0]}").status_code == 204


def test_the_beacon_counts_once_per_hour(items, ip):
    client = Client()
    for _ in range(3):
        beacon(client, f"item={items[0]}&ch=app", ip=ip)
    assert list(ReadHit.objects.values_list("story_id", "channel")) == [(items[0], "app")]


def test_client_ip_trusts_forwarded_for_only_behind_a_listed_proxy(settings):
    factory = RequestFactory()
    request = factory.get("/", REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR="1.2.3.4, 198.51.100.1")
    assert reads.client_ip(request) == "10.0.0.5"  # no setting: the header is anyone's to write
    settings.RONGMEI_TRUSTED_PROXIES = ["10.0.0.0/8", "198.51.100.1"]
    assert reads.client_ip(request) == "1.2.3.4"
    spoofed = factory.get("/", REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_FOR="1.2.3.4")
    assert reads.client_ip(spoofed) == "203.0.113.9"
    only_proxies = factory.get("/", REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR="10.1.1.1")
    assert reads.client_ip(only_proxies) == "10.0.0.5"


# --- Folding --------------------------------------------------------------------------------------

def test_fold_adds_hits_to_daily_counts_once(items, ip):
    a, b = items
    before = {s: reads.reads_for(s) for s in items}
    for n in range(3):
        read(a, ip=f"198.51.100.{n + 1}", channel="web")
    read(a, ip=ip, channel="app")
    read(b, ip=ip, channel="web")
    read(b, ip=ip, channel="web", now=dt.datetime(2026, 11, 30, 17, 0, tzinfo=dt.UTC))  # 1 Dec local

    assert reads.fold_reads(now=NOON)["folded"] == 6
    counts = {(c.story_id, c.channel, c.day): c.count for c in ReadCount.objects.filter(story_id__in=items)}
    day = dt.date(2026, 11, 30)
    assert counts[(a, "web", day)] == 3 + _earlier(a, "web", day)
    assert counts[(a, "app", day)] == 1 + _earlier(a, "app", day)
    assert counts[(b, "web", day)] == 1 + _earlier(b, "web", day)
    assert counts[(b, "web", dt.date(2026, 12, 1))] == 1 + _earlier(b, "web", dt.date(2026, 12, 1))
    assert ReadCount.objects.get(story_id=a, channel="web", day=day).center_id == Story.objects.get(pk=a).center_id
    assert {s: reads.reads_for(s) for s in items} == {a: before[a] + 4, b: before[b] + 2}

    # Running again counts nothing more.
    assert reads.fold_reads(now=NOON)["folded"] == 0
    assert {s: reads.reads_for(s) for s in items} == {a: before[a] + 4, b: before[b] + 2}

    # New hits add to the same rows.
    read(a, ip="198.51.100.50", channel="web")
    reads.fold_reads(now=NOON)
    assert ReadCount.objects.get(story_id=a, channel="web", day=day).count == 4 + _earlier(a, "web", day)


_BASELINE: dict = {}


def _earlier(story_id, channel, day) -> int:
    """Counts the demo may already hold (none today, but the demo may grow some)."""
    return _BASELINE.get((story_id, channel, day), 0)


@pytest.fixture(autouse=True)
def baseline(db):
    _BASELINE.clear()
    _BASELINE.update({(c.story_id, c.channel, c.day): c.count for c in ReadCount.objects.all()})


def test_total_does_not_jump_while_folding(items, ip):
    read(items[0], ip=ip)
    read(items[0], ip=ip, channel="app")
    total = reads.reads_for(items[0])
    reads.fold_reads(now=NOON)
    assert reads.reads_for(items[0]) == total


def test_two_folders_with_the_same_rows_count_them_once(items, ip):
    for channel in ("web", "app", "wechat"):
        read(items[0], ip=ip, channel=channel)
    # Both folders read the same uncounted rows before either commits.
    rows = list(ReadHit.objects.filter(counted=False).values_list("pk", "center_id", "story_id", "channel", "day"))
    assert reads.count_hits(rows) == 3
    assert reads.count_hits(rows) == 0  # the second folder's conditional update matches nothing
    assert ReadCount.objects.filter(story_id=items[0]).count() == 3
    assert sum(ReadCount.objects.filter(story_id=items[0]).values_list("count", flat=True)) == \
        3 + sum(v for (s, _, _), v in _BASELINE.items() if s == items[0])


def test_a_folder_with_a_stale_overlapping_batch_counts_nothing_twice(items, ip):
    read(items[0], ip=ip, channel="web")
    read(items[0], ip=ip, channel="app")
    stale = list(ReadHit.objects.filter(counted=False).values_list("pk", "center_id", "story_id", "channel", "day"))
    assert reads.count_hits(stale[:1]) == 1  # a rival folded the first hit meanwhile
    assert reads.count_hits(stale) == 0  # so this whole batch is undone, not half counted
    assert ReadHit.objects.filter(pk=stale[1][0], counted=False).exists()
    assert reads.fold_reads(now=NOON)["folded"] == 1  # the next run picks up the rest
    assert reads.reads_for(items[0]) == 2 + sum(v for (s, _, _), v in _BASELINE.items() if s == items[0])


def test_old_counted_hits_are_pruned(items, ip):
    now = NOON
    read(items[0], ip=ip, now=now - dt.timedelta(hours=3))
    read(items[0], ip=ip, now=now - dt.timedelta(hours=1))
    read(items[0], ip=ip, now=now)
    total = reads.reads_for(items[0])
    result = reads.fold_reads(now=now)
    assert result == {"folded": 3, "pruned": 1}
    assert sorted(ReadHit.objects.values_list("created_at", flat=True)) == [now - dt.timedelta(hours=1), now]
    assert reads.reads_for(items[0]) == total  # pruning forgets hits, never counts
    # Within the hour the kept hit still stops a repeat.
    read(items[0], ip=ip, now=now + dt.timedelta(minutes=5))
    assert ReadHit.objects.filter(counted=False).count() == 0


def test_the_periodic_task_folds(items, ip):
    from rongmei.portal import tasks

    read(items[0], ip=ip, now=timezone.now())
    assert tasks.fold_reads.call_local() == {"folded": 1, "pruned": 0}
    assert ReadHit.objects.get().counted


# --- Real concurrency -----------------------------------------------------------------------------

RACE = """
import json, threading
from django.db import connection
from django.db.models import Sum
from django.utils import timezone
from rongmei.newsroom.models import Story
from rongmei.portal import reads
from rongmei.portal.models import ReadCount, ReadHit

from rongmei.core.models import Center, User

center = Center.objects.create(name="竞态测试中心", slug="race")
author = User.objects.create(username="race-author")
story = Story.objects.create(center=center, headline="并发汇总测试", created_by=author)
now = timezone.now()
ReadHit.objects.bulk_create([ReadHit(key=f"race-{i}", center_id=story.center_id, story_id=story.pk, channel="web",
                                     day=now.date(), created_at=now) for i in range(2000)])
start, folded = threading.Barrier(4), []

def folder():
    start.wait()
    try:
        folded.append(reads.fold_reads()["folded"])
    finally:
        connection.close()

threads = [threading.Thread(target=folder) for _ in range(4)]
for t in threads:
    t.start()
for t in threads:
    t.join()
rest = reads.fold_reads()["folded"]  # anything a folder left to the next run
print(json.dumps({"folded": sum(folded) + rest, "by_folder": folded,
                  "count": ReadCount.objects.filter(story=story).aggregate(n=Sum("count"))["n"],
                  "uncounted": ReadHit.objects.filter(counted=False).count()}))
"""


@pytest.mark.slow
def test_four_folders_at_once_count_every_hit_exactly_once():
    """Four threads fold the same 2,000 hits at the same moment on a real database (SQLite,
    or PostgreSQL when DATABASE_URL names one), each on its own connection."""
    import json

    from rongmei.testing.live import Instance

    inst = Instance().prepare(demo=False)
    try:
        result = json.loads(inst.rongmei("shell", "-c", RACE).stdout.strip().splitlines()[-1])
    finally:
        inst.stop()
    assert result["folded"] == 2000 and result["count"] == 2000 and result["uncounted"] == 0, result
