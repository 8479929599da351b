"""Read counting (阅读数) for the site, the app and shared links.

A page or app screen calls the beacon `GET|POST /api/public/v1/{center}/reads?item=<story
id>&ch=<web|app|wechat|weibo|other>` once when an item is opened. The beacon always answers
204 at once, counted or not, and sets no cookie. A read counts when:

- the item is live on that center's own site (not unknown, not taken down);
- the User-Agent is not empty and not a crawler, a command-line tool or a headless browser;
- the client (sha256 of IP and User-Agent; the IP is REMOTE_ADDR, or the X-Forwarded-For
  hop just before our own proxies when the peer is one of `settings.RONGMEI_TRUSTED_PROXIES`:
  core.clientip) has sent no more than `RONGMEI_READS_PER_MINUTE` (120) beacons this minute,
  counted in the cache every web process shares (database or Redis);
- it is the client's first read of that item on that channel in this clock hour: every read
  inserts a `ReadHit` whose unique key is a hash of (center, story, channel, client, hour),
  so repeats are dropped by the database (`ignore_conflicts`).

`fold_reads()` (every minute, `portal.tasks`) adds uncounted hits into `ReadCount` (story,
channel, day) and prunes counted hits once their hour is well past (two hours). A hit is
marked counted in the same transaction that adds it, by a conditional UPDATE that must
match every row the folder read: two folders running at once can never count a hit twice.
`reads_for(story)` is the total to show on the site: folded counts plus hits not yet folded.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import re
import zoneinfo
from collections import Counter

from django.conf import settings
from django.core.cache import caches
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Sum
from django.http import HttpResponse
from django.utils import timezone

from rongmei.core import clientip
from rongmei.core.models import Center
from rongmei.newsroom.models import Story
from rongmei.portal import selectors
from rongmei.portal.models import ReadCount, ReadHit

log = logging.getLogger("rongmei.portal.reads")

CHANNELS = ("web", "app", "wechat", "weibo", "other")
DEFAULT_CHANNEL = "web"
RATE_LIMIT = 120  # beacons per client per minute; settings.RONGMEI_READS_PER_MINUTE overrides
PRUNE_AFTER = dt.timedelta(hours=2)
FOLD_BATCH = 500

# What counts as "not a person": crawlers and link previewers, command-line and library
# HTTP clients, headless and automated browsers. (Not okhttp or Dart: apps send with those.)
BOT_MARKERS = re.compile(
    r"bot\b|bot/|crawl|spider|slurp|archiver|facebookexternalhit|mediapartners|bingpreview|"
    r"curl|wget|python-requests|python-urllib|python-httpx|aiohttp|httpie|go-http-client|"
    r"libwww-perl|apache-httpclient|scrapy|headless|phantomjs|selenium|puppeteer|playwright|lighthouse",
    re.IGNORECASE,
)
ITEM_ID = re.compile(r"^\d{1,12}$")

# What `record_read` did, for tests and logs.
RECORDED, INVALID, BOT, LIMITED, NOT_LIVE = "recorded", "invalid", "bot", "limited", "not_live"


# --- The beacon ----------------------------------------------------------------------------------

def beacon(request, center_slug: str, item: str | None, channel: str | None) -> HttpResponse:
    """The view's body: count if it counts, answer 204 whatever happens."""
    try:
        record_read(center_slug=center_slug, item=item, channel=channel, ip=client_ip(request),
                    user_agent=request.META.get("HTTP_USER_AGENT", ""))
    except Exception:  # a read beacon must never show an error; the log keeps it
        log.exception("read beacon failed", extra={"center": center_slug, "item": item})
    response = HttpResponse(status=204)
    response["Cache-Control"] = "no-store"
    return response


def record_read(*, center_slug: str, item: str | int | None, channel: str | None, ip: str, user_agent: str,
                now: dt.datetime | None = None) -> str:
    """Apply the rules above to one beacon; returns what happened (RECORDED even when the
    hit repeats one already stored this hour: the database drops the repeat)."""
    now = now or timezone.now()
    item = str(item or "").strip()
    if not ITEM_ID.match(item):
        return INVALID
    if is_bot(user_agent):
        return BOT
    client = client_key(ip, user_agent)
    if over_limit(client, now):
        return LIMITED
    center = Center.objects.filter(slug=center_slug, is_active=True).only("id", "timezone").first()
    story_id = int(item)
    if center is None or not selectors.items(center).filter(story_id=story_id).exists():
        return NOT_LIVE
    channel = normal_channel(channel)
    hour = now.astimezone(dt.UTC).strftime("%Y-%m-%dT%H")
    key = hashlib.sha256(f"{center.pk}|{story_id}|{channel}|{client}|{hour}".encode()).hexdigest()
    ReadHit.objects.bulk_create([ReadHit(key=key, center_id=center.pk, story_id=story_id, channel=channel,
                                         day=local_day(center, now), created_at=now)], ignore_conflicts=True)
    return RECORDED


def normal_channel(channel: str | None) -> str:
    """web when not given, other when not one of ours."""
    channel = (channel or "").strip().lower()
    if not channel:
        return DEFAULT_CHANNEL
    return channel if channel in CHANNELS else "other"


def is_bot(user_agent: str) -> bool:
    return not user_agent.strip() or BOT_MARKERS.search(user_agent) is not None


def client_key(ip: str, user_agent: str) -> str:
    """Who is reading, without keeping who: a hash of the address and the browser."""
    return hashlib.sha256(f"{ip}|{user_agent}".encode("utf-8", "replace")).hexdigest()


def client_ip(request) -> str:
    """The client's address as every rate limit sees it (core.clientip: X-Forwarded-For
    only from settings.RONGMEI_TRUSTED_PROXIES)."""
    return clientip.client_ip(request) or ""


def over_limit(client: str, now: dt.datetime) -> bool:
    """Count this beacon against the client's minute; True once past the limit. A cache
    that is down lets the beacon through (counting a few too many beats counting none)."""
    limit = getattr(settings, "RONGMEI_READS_PER_MINUTE", RATE_LIMIT)
    key = f"portal:reads:rate:{client[:40]}:{int(now.timestamp()) // 60}"
    # The cache every rate limit shares (database or Redis): every worker counts together.
    cache = caches[getattr(settings, "RATELIMIT_USE_CACHE", "default")]
    try:
        cache.add(key, 0, timeout=120)
        try:
            seen = cache.incr(key)
        except ValueError:  # expired or evicted between add and incr
            cache.set(key, 1, timeout=120)
            seen = 1
    except Exception:
        log.warning("read rate limit: cache unavailable", exc_info=True)
        return False
    return seen > limit


def local_day(center: Center, now: dt.datetime) -> dt.date:
    try:
        zone = zoneinfo.ZoneInfo(center.timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = timezone.get_default_timezone()
    return timezone.localtime(now, zone).date()


# --- Folding -------------------------------------------------------------------------------------

class _AlreadyCounted(Exception):
    """Another folder counted some of these hits first: undo this batch."""


def fold_reads(now: dt.datetime | None = None) -> dict:
    """Add every uncounted hit to ReadCount, batch by batch, then prune counted hits older
    than two hours. Safe to run twice at once: see `_fold_batch` and `count_hits`."""
    now = now or timezone.now()
    folded = 0
    while done := _fold_batch():
        folded += done
    pruned, _ = ReadHit.objects.filter(counted=True, created_at__lt=now - PRUNE_AFTER).delete()
    return {"folded": folded, "pruned": pruned}


def _fold_batch() -> int:
    """Fold the oldest uncounted hits this folder can have; 0 when there are none left (or
    a rival got there first: the next run picks up whatever is left)."""
    with transaction.atomic():
        rows = ReadHit.objects.filter(counted=False).order_by("pk")
        if connection.features.has_select_for_update_skip_locked:
            # PostgreSQL: lock our batch, pass over rows a rival folder holds.
            rows = rows.select_for_update(skip_locked=True)
        # SQLite: the transaction takes the write lock at BEGIN (IMMEDIATE), so folders queue.
        return count_hits(list(rows.values_list("pk", "center_id", "story_id", "channel", "day")[:FOLD_BATCH]))


def count_hits(rows: list[tuple]) -> int:
    """Mark these hits (pk, center_id, story_id, channel, day) counted and add them to
    ReadCount, all or nothing. The UPDATE only touches hits still uncounted; if it does not
    match every row, someone else counted some since they were read, and the whole batch
    is undone (returns 0) instead of counting them again."""
    if not rows:
        return 0
    try:
        with transaction.atomic():
            ids = [row[0] for row in rows]
            if ReadHit.objects.filter(pk__in=ids, counted=False).update(counted=True) != len(set(ids)):
                raise _AlreadyCounted
            groups = Counter((center_id, story_id, channel, day) for _, center_id, story_id, channel, day in rows)
            existing = set(Story.objects.filter(pk__in={g[1] for g in groups}).values_list("pk", flat=True))
            # In key order, so two folders lock ReadCount rows in the same order (no deadlock).
            for (center_id, story_id, channel, day), n in sorted(groups.items()):
                if story_id in existing:  # a deleted story's hits are dropped
                    _add(center_id, story_id, channel, day, n)
    except _AlreadyCounted:
        return 0
    return len(rows)


def _add(center_id: int, story_id: int, channel: str, day: dt.date, n: int) -> None:
    """ReadCount += n, creating the row the first time (a rival creating it at the same
    moment makes our insert fail; we then add to theirs)."""
    row = ReadCount.objects.filter(story_id=story_id, channel=channel, day=day)
    if row.update(count=F("count") + n):
        return
    try:
        with transaction.atomic():
            ReadCount.objects.create(center_id=center_id, story_id=story_id, channel=channel, day=day, count=n)
    except IntegrityError:
        row.update(count=F("count") + n)


# --- Totals --------------------------------------------------------------------------------------

def reads_for(story: Story | int) -> int:
    """All reads of a story on every channel: folded counts plus hits not folded yet (a
    hit moves from one to the other in one transaction, so the sum never jumps)."""
    story_id = getattr(story, "pk", story)
    folded = ReadCount.objects.filter(story_id=story_id).aggregate(total=Sum("count"))["total"] or 0
    return folded + ReadHit.objects.filter(story_id=story_id, counted=False).count()
