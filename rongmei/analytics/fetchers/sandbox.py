"""Demo: give the demo center's sandbox WeChat and Weibo accounts publications with figures,
through the real roads — publishing through the outbox to the sandbox fakes, then the same
sync that runs every morning, over the last 30 days.

`make run` loads the demo (`rongmei demo`) *before* `rongmei serve` starts the sandbox
fakes (ports 8901/8902), so at load time the fakes are usually not running. The loader
then starts them itself, in this process, on those same ports (the accounts' API address),
publishes a few of the demo's live stories to both accounts, tells the WeChat fake that
each article went out on its story's day (control `article_stats.published`, spread over
the last weeks), syncs, and stops them. If the fakes are already running (a second
`rongmei demo` while the platform runs), it uses them. The fakes keep their state in
memory: once `serve` restarts them they no longer know these articles, so later daily
syncs add nothing for them — the 30 days fetched here stay, as stored figures do.
Weibo keeps no history, so its posts get one day of figures (yesterday: everything since
posting), and its followers one day. The site and app get two weeks of readers through the
portal's own beacon code (`portal.reads.record_read`, dated on each day), folded into the
portal's daily counts and synced like every morning.

It runs only in demo mode (`RONGMEI_DEMO=1`, as `make run` sets): the test suite loads the
demo too, in parallel sessions, and must neither wait for deliveries nor fight over ports.
Idempotent: once the center has WeChat or Weibo figures, it does nothing.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import time
import urllib.error
import urllib.request

from django.conf import settings
from django.utils import timezone

log = logging.getLogger("rongmei.analytics.sandbox")

STORIES = 6
DAYS = 30
# Seconds, at most, for the outbox to deliver the demo publications (it returns as soon as all
# are done). What is still undelivered at the end stays in the outbox and reaches the sandbox
# later, from whatever serves this database: on a loaded machine 20 s left posts behind that
# then turned up in the sandbox's Weibo in the middle of someone else's publishing.
DELIVERY_WAIT = 180.0


def _reachable(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url.rstrip('/')}/__fake__/state", timeout=2) as answer:
            return answer.status == 200
    except (OSError, urllib.error.URLError, ValueError):
        return False


def _control(url: str, action: str, payload: dict) -> dict:
    request = urllib.request.Request(f"{url.rstrip('/')}/__fake__/{action}", data=json.dumps(payload).encode(),
                                     method="POST", headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=5) as answer:
        return json.loads(answer.read())


def _start(kind: str, url: str):
    """A fake on the sandbox port of `url`, started here; None when that port is taken."""
    from rongmei.distribution.fakes import start_fake

    port = int(url.rsplit(":", 1)[1].split("/", 1)[0])
    try:
        return start_fake(kind, port=port, publish_delay=0.0)
    except OSError:
        return None


def _accounts(center):
    from rongmei.analytics.sync import syncable_accounts

    wechat_url, weibo_url = settings.RONGMEI_SANDBOX_WECHAT_URL, settings.RONGMEI_SANDBOX_WEIBO_URL
    accounts = list(syncable_accounts(center).filter(owner="center"))
    wechat = next((a for a in accounts if a.kind == "wechat" and a.base_url.rstrip("/") == wechat_url), None)
    weibo = next((a for a in accounts if a.kind == "weibo" and a.base_url.rstrip("/") == weibo_url), None)
    return wechat, weibo


def _deliver(publication_ids: list[int]) -> None:
    from rongmei.distribution import outbox
    from rongmei.distribution.models import Publication

    deadline = time.monotonic() + DELIVERY_WAIT
    done = {Publication.Status.SENT, Publication.Status.FAILED, Publication.Status.CANCELLED}
    while time.monotonic() < deadline:
        for message in outbox.claim("demo-analytics", limit=50):
            outbox.process(message, "demo-analytics")
        if not Publication.objects.filter(pk__in=publication_ids).exclude(status__in=done).exists():
            return
        time.sleep(0.2)
    log.warning("demo publications still undelivered after %.0f s: they stay in the outbox", DELIVERY_WAIT)


def _publish(center, accounts) -> list:
    """Up to STORIES of the demo's live stories on each account (those already there kept)."""
    from rongmei.core.models import User
    from rongmei.distribution import selectors as distribution
    from rongmei.distribution import services

    operator = User.objects.filter(username="operator").first()
    if operator is None:
        return []
    stories = [p.story for p in distribution.live_on_own_site(center).select_related("story").order_by("-sent_at")[:20]]
    made = []
    for story in stories:
        if len(made) >= STORIES * len(accounts):
            break
        wanted = [a.pk for a in accounts
                  if not distribution.publications(center, account_id=a.pk, story_id=story.pk).exists()]
        if not wanted:
            continue
        try:
            made += services.publish(story=story, user=operator, account_ids=wanted)
        except Exception as exc:  # noqa: BLE001 - a story the pre-flight refuses (no cover …) is skipped
            log.info("demo story %s not published to the sandbox: %s", story.pk, exc)
    _deliver([p.pk for p in made])
    return made


def _backdate(wechat, url: str) -> None:
    """Tell the WeChat fake each article went out on its story's day in the last weeks."""
    from rongmei.analytics.fetchers.wechat import article_ref
    from rongmei.distribution import selectors as distribution

    today = timezone.localdate()
    for number, publication in enumerate(distribution.publications(wechat.center, account_id=wechat.pk)
                                         .exclude(remote_url="").order_by("id")):
        ref = article_ref(publication.remote_url)
        if ref is None:
            continue
        mid, idx = ref.split("_")
        sent = today - dt.timedelta(days=3 + (number * 4) % (DAYS - 4))
        try:
            _control(url, "wechat/article_stats", {"appid": wechat.options.get("appid", ""), "msg_data_id": mid,
                                                  "idx": int(idx), "published": sent.isoformat()})
        except (OSError, urllib.error.URLError):
            continue


READ_DAYS = 14
READ_STORIES = 6
DEMO_BROWSER = "Mozilla/5.0 (Linux; Android 13) AppleWebKit/537.36 Chrome/120.0 Mobile Safari/537.36"


def _portal_reads(center) -> None:
    """Readers over the last two weeks, through the portal's own beacon (`record_read`, each
    reader a different address, dated on its day) and its folding into daily counts."""
    from rongmei.distribution import selectors as distribution
    from rongmei.portal import reads

    stories = [p.story_id for p in distribution.live_on_own_site(center).order_by("-sent_at")[:READ_STORIES]]
    now = timezone.now()
    for ago in range(READ_DAYS, 0, -1):
        when = now - dt.timedelta(days=ago)
        for rank, story_id in enumerate(stories):
            readers = max(1, 9 - rank - (ago * 7 + rank * 3) % 5)
            for reader in range(readers):
                channel = ("web", "app", "web", "wechat")[reader % 4]
                reads.record_read(center_slug=center.slug, item=story_id, channel=channel,
                                  ip=f"10.{ago}.{rank}.{reader + 1}", user_agent=DEMO_BROWSER, now=when)
    reads.fold_reads()


def _load_portal(center) -> int:
    """The portal's reads as reach (once)."""
    from rongmei.analytics import sync
    from rongmei.analytics.models import PieceMetric

    if PieceMetric.objects.filter(center=center, source="portal").exists():
        return 0
    _portal_reads(center)
    day_to = sync.yesterday()
    return sync.sync_portal(center, day_to - dt.timedelta(days=DAYS - 1), day_to).rows


def load(center) -> tuple[int, int]:
    from rongmei.analytics import sync
    from rongmei.analytics.models import PieceMetric

    if not settings.RONGMEI_DEMO or center.slug != "demo":
        return 0, 0
    portal = _load_portal(center)
    existing = PieceMetric.objects.filter(center=center, source__in=["wechat", "weibo"]).count()
    if existing:
        return portal, existing
    wechat, weibo = _accounts(center)
    targets = [(a, kind, url) for a, kind, url in ((wechat, "wechat", settings.RONGMEI_SANDBOX_WECHAT_URL),
                                                   (weibo, "weibo", settings.RONGMEI_SANDBOX_WEIBO_URL)) if a]
    started = []
    try:
        usable = []
        for account, kind, url in targets:
            if _reachable(url):
                usable.append((account, kind, url))
                continue
            server = _start(kind, url)
            if server is not None:
                started.append(server)
                usable.append((account, kind, url))
        if not usable:
            return portal, 0
        _publish(center, [a for a, _, _ in usable])
        day_to = sync.yesterday()
        day_from = day_to - dt.timedelta(days=DAYS - 1)
        for account, kind, url in usable:
            if kind == "wechat":
                _backdate(account, url)
            sync.sync_account_runs(account, day_from, day_to)
    finally:
        for server in started:
            server.stop()
    created = PieceMetric.objects.filter(center=center, source__in=["wechat", "weibo"]).count()
    return portal + created, 0
