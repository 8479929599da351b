"""The demo's reach: the sandbox accounts publish through the outbox to the fakes and the
same sync fills 30 days; loading again adds nothing."""

import socket

from django.db.models import Sum

from rongmei.analytics.fetchers import sandbox
from rongmei.analytics.models import AccountMetric, PieceMetric, SyncRun
from rongmei.distribution.adapters import wechat as wechat_adapter
from rongmei.distribution.fakes import start_fake
from rongmei.distribution.models import ChannelAccount, Publication


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_demo_loader_publishes_to_the_sandbox_and_syncs_once(demo, settings):
    center = demo["demo"]
    wechat_adapter._tokens.clear()
    with start_fake("wechat", publish_delay=0.0) as running:  # a sandbox already running (WeChat) …
        weibo_url = f"http://127.0.0.1:{free_port()}"  # … and one the loader starts itself (Weibo)
        settings.RONGMEI_DEMO = True
        settings.RONGMEI_SANDBOX_WECHAT_URL, settings.RONGMEI_SANDBOX_WEIBO_URL = running.url, weibo_url
        accounts = ChannelAccount.objects.filter(center=center, owner="center")
        accounts.filter(kind="wechat").update(base_url=running.url)
        accounts.filter(kind="weibo").update(base_url=weibo_url)

        created, existing = sandbox.load(center)

        assert created > 0 and existing == 0
        wechat_pubs = Publication.objects.filter(account__base_url=running.url, status="sent")
        weibo_pubs = Publication.objects.filter(account__base_url=weibo_url, status="sent")
        assert wechat_pubs.count() == sandbox.STORIES and weibo_pubs.count() == sandbox.STORIES
        wechat_rows = PieceMetric.objects.filter(center=center, source="wechat")
        assert wechat_rows.filter(publication__in=wechat_pubs).values("publication").distinct().count() == 6
        assert wechat_rows.values("day").distinct().count() > 10  # spread over the last weeks
        assert PieceMetric.objects.filter(center=center, source="weibo", publication__in=weibo_pubs).count() == 6
        assert AccountMetric.objects.filter(center=center, source="wechat").count() == sandbox.DAYS
        assert not SyncRun.objects.filter(center=center, status="failed").exists()
        portal = PieceMetric.objects.filter(center=center, source="portal")
        assert portal.filter(outlet="web").exists() and portal.filter(outlet="app").exists()
        assert portal.values("day").distinct().count() == sandbox.READ_DAYS
        reads = wechat_rows.aggregate(r=Sum("reads"))["r"]
        site_reads = portal.aggregate(r=Sum("reads"))["r"]

        assert sandbox.load(center) == (0, created - portal.count())  # again: nothing added or published
        assert portal.aggregate(r=Sum("reads"))["r"] == site_reads
        assert Publication.objects.filter(account__base_url__in=[running.url, weibo_url]).count() == 12
        assert PieceMetric.objects.filter(center=center, source="wechat").aggregate(r=Sum("reads"))["r"] == reads
    wechat_adapter._tokens.clear()


def test_demo_loader_does_nothing_outside_demo_mode(demo, settings):
    settings.RONGMEI_DEMO = False
    assert sandbox.load(demo["demo"]) == (0, 0)
