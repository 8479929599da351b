"""Fetching reach from the platforms and the portal into PieceMetric / AccountMetric.

One *run* (SyncRun) is one kind of fetch for one account (or the center's portal reads)
over a range of days. A run first asks the platform for everything (fetchers, no database
writes), then writes all its rows in one transaction and marks itself ok; if any call
fails, nothing is written and the run is marked failed with the platform's Chinese error.
Writing is an upsert on (center, key, day): re-running a day replaces its figures, never
adds to them, so the daily schedule can re-fetch the last week safely.

- WeChat (`wechat_articles`, `wechat_users`): the days asked for, clamped to yesterday
  (数据统计 has nothing newer). Articles: two calls per day (getarticlesummary,
  getarticletotal; 最大时间跨度 1); followers: two calls per 7 days (getusersummary,
  getusercumulate). See fetchers/wechat.py for how running totals become daily values.
- Weibo (`weibo`): Weibo reports only each post's running counts *now*, so a run stores one
  day, yesterday (the last whole day), and only when the range reaches it: that day's value
  is the running count minus what is already stored for the post's earlier days. A range
  ending before yesterday has nothing Weibo can tell and writes nothing. Followers:
  users/show's followers_count for that day; the day's new/lost followers are the net
  change against the last stored day (Weibo gives no split).
- Portal (`portal`): the portal's ReadCount per story, channel and day (portal_reads.py).

`sync_account(account, day_from, day_to, user=None)` runs one account (a WeChat account
makes two runs; the one returned is the failed one if any, else the article run);
`sync_center(center, day_from, day_to)` runs the portal and every active WeChat and Weibo
account of the center, each on its own (a failing account never stops the others).
A run started by a person (立即同步) is audited; scheduled runs are recorded as SyncRun rows.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.db import transaction
from django.db.models import Min, Sum
from django.utils import timezone

from rongmei.analytics.fetchers import AccountRow, PieceRow, days_between
from rongmei.analytics.fetchers import wechat as wechat_fetcher
from rongmei.analytics.fetchers import weibo as weibo_fetcher
from rongmei.analytics.models import AccountMetric, MetricSource, PieceMetric, SyncRun
from rongmei.distribution.platform_api import PlatformError

log = logging.getLogger("rongmei.analytics.sync")

SYNCED_KINDS = ("wechat", "weibo")  # ChannelAccount kinds with a statistics API
REFETCH_DAYS = 7  # the daily run: yesterday and the 6 days before (getarticletotal's window)
PIECE_FIELDS = ("outlet", "story_id", "publication_id", "account_id", "external_id", "title", "url",
                "reads", "likes", "shares", "comments", "looks", "source", "updated_at")
ACCOUNT_FIELDS = ("outlet", "account_id", "account_name", "followers", "new_followers", "lost_followers", "source",
                  "updated_at")
ERROR_CHARS = 500
STALE_AFTER = dt.timedelta(hours=1)  # a run still "running" after this died with its process


def yesterday() -> dt.date:
    """The last whole day in the center's time (Asia/Shanghai): the newest a platform reports."""
    return timezone.localdate() - dt.timedelta(days=1)


def daily_range(today: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """What the daily schedule fetches: yesterday and the six days before it, whose running
    totals (getarticletotal) may still have changed."""
    last = (today or timezone.localdate()) - dt.timedelta(days=1)
    return last - dt.timedelta(days=REFETCH_DAYS - 1), last


def syncable_accounts(center):
    """The center's active accounts with a statistics API."""
    from rongmei.distribution import selectors as distribution

    return distribution.accounts(center, active=True).filter(kind__in=SYNCED_KINDS).order_by("id")


# -- writing ------------------------------------------------------------------------------

def _write_pieces(center, rows: list[PieceRow], source: str) -> int:
    now = timezone.now()
    objects = [PieceMetric(center=center, key=r.key, day=r.day, outlet=r.outlet, story_id=r.story_id,
                           publication_id=r.publication_id, account_id=r.account_id, external_id=r.external_id[:200],
                           title=r.title[:200], url=r.url[:500], reads=r.reads, likes=r.likes, shares=r.shares,
                           comments=r.comments, looks=r.looks, source=source, updated_at=now) for r in rows]
    PieceMetric.objects.bulk_create(objects, batch_size=500, update_conflicts=True,
                                    unique_fields=["center", "key", "day"], update_fields=list(PIECE_FIELDS))
    return len(objects)


def _write_accounts(center, rows: list[AccountRow], source: str) -> int:
    now = timezone.now()
    objects = [AccountMetric(center=center, key=r.key, day=r.day, outlet=r.outlet, account_id=r.account_id,
                             account_name=r.account_name[:80], followers=r.followers, new_followers=r.new_followers,
                             lost_followers=r.lost_followers, source=source, updated_at=now) for r in rows]
    AccountMetric.objects.bulk_create(objects, batch_size=500, update_conflicts=True,
                                      unique_fields=["center", "key", "day"], update_fields=list(ACCOUNT_FIELDS))
    return len(objects)


def _run(center, kind: str, account, day_from: dt.date, day_to: dt.date, user, fetch) -> SyncRun:
    """Start a run, fetch (`fetch()` returns a callable that writes and returns the row
    count), write in one transaction, finish the run; any error fails the run, writes nothing."""
    now = timezone.now()
    SyncRun.objects.filter(center=center, kind=kind, account=account, status=SyncRun.Status.RUNNING,
                           started_at__lt=now - STALE_AFTER).update(
        status=SyncRun.Status.FAILED, error="同步中断（进程退出或超时），已由下一次同步接替。", finished_at=now)
    run = SyncRun.objects.create(center=center, kind=kind, account=account, day_from=day_from, day_to=day_to,
                                 started_at=now)
    try:
        write = fetch()
        with transaction.atomic():
            run.rows = write()
            run.status = SyncRun.Status.OK
            run.finished_at = timezone.now()
            run.save(update_fields=["rows", "status", "finished_at"])
            if user is not None:
                _audit(run, user)
    except PlatformError as exc:
        _fail(run, str(exc), user)
    except Exception as exc:  # a bug or a broken answer fails this run, not the schedule
        log.exception("analytics sync failed", extra={"run": run.pk, "kind": kind})
        _fail(run, f"同步出错：{exc.__class__.__name__}: {exc}", user)
    return run


def _fail(run: SyncRun, message: str, user) -> None:
    with transaction.atomic():
        run.status = SyncRun.Status.FAILED
        run.error = message[:ERROR_CHARS]
        run.finished_at = timezone.now()
        run.save(update_fields=["status", "error", "finished_at"])
        if user is not None:
            _audit(run, user)
        else:
            _tell_responsible(run)


def _tell_responsible(run: SyncRun) -> None:
    """A scheduled run that fails tells the account's responsible person — once, when the
    account's previous run of that kind had succeeded (not every morning while it stays broken)."""
    from rongmei.core import services

    account = run.account
    if account is None or account.responsible_id is None:
        return
    previous = (SyncRun.objects.filter(center=run.center, kind=run.kind, account=account).exclude(pk=run.pk)
                .exclude(status=SyncRun.Status.RUNNING).order_by("-started_at", "-id").first())
    if previous is not None and previous.status == SyncRun.Status.FAILED:
        return
    services.notify(center=run.center, recipients=[account.responsible],
                    title=f"{account.name}：{run.get_kind_display()}同步失败",
                    body=f"{run.error} 修好后，下一次每日同步（北京时间 8:30）会补上最近 7 天的数据。")


def _audit(run: SyncRun, user) -> None:
    from rongmei.core import services

    services.record("analytics.sync", actor=user, center=run.center, obj=run, after={
        "类型": run.get_kind_display(), "账号": run.account.name if run.account else "", "起始日期": str(run.day_from),
        "截止日期": str(run.day_to), "状态": run.get_status_display(), "写入条数": run.rows, "错误": run.error})


# -- WeChat -------------------------------------------------------------------------------

def _wechat_publications(account) -> dict[str, object]:
    """{msgid: Publication} of the account's publications that have an article link."""
    from rongmei.distribution import selectors as distribution

    found = {}
    for publication in distribution.publications(account.center, account_id=account.pk).exclude(remote_url=""):
        ref = wechat_fetcher.article_ref(publication.remote_url)
        if ref is not None:
            found[ref] = publication
    return found


WECHAT_TOTAL_DAYS = 7  # getarticletotal: the day of sending and the six after it


def _keep_running_totals(center, rows: list[PieceRow]) -> list[PieceRow]:
    """Leave out a getarticlesummary-only figure where a figure of the article's first week
    is already stored (it came from getarticletotal's running totals, which have no
    threshold): a daily run whose range no longer holds the article's sending day must not
    replace it. The first stored day of a piece stands for its sending day."""
    loose = [r for r in rows if r.summary_only]
    if not loose:
        return rows
    keys = list({r.key for r in loose})
    stored = set(PieceMetric.objects.filter(center=center, key__in=keys, day__in={r.day for r in loose})
                 .values_list("key", "day"))
    first = dict(PieceMetric.objects.filter(center=center, key__in=keys).values("key")
                 .annotate(first=Min("day")).values_list("key", "first").order_by())
    return [r for r in rows if not (r.summary_only and (r.key, r.day) in stored
                                    and r.day < first[r.key] + dt.timedelta(days=WECHAT_TOTAL_DAYS))]


def sync_wechat(account, day_from: dt.date, day_to: dt.date, user=None) -> list[SyncRun]:
    last = min(day_to, yesterday())
    days = days_between(day_from, last) if day_from <= last else []

    def articles():
        rows, _ = wechat_fetcher.fetch_articles(account, days, _wechat_publications(account)) if days else ([], 0)
        return lambda: _write_pieces(account.center, _keep_running_totals(account.center, rows), MetricSource.WECHAT)

    def users():
        rows, _ = wechat_fetcher.fetch_users(account, days) if days else ([], 0)
        return lambda: _write_accounts(account.center, rows, MetricSource.WECHAT)

    return [_run(account.center, SyncRun.Kind.WECHAT_ARTICLES, account, day_from, day_to, user, articles),
            _run(account.center, SyncRun.Kind.WECHAT_USERS, account, day_from, day_to, user, users)]


# -- Weibo --------------------------------------------------------------------------------

WEIBO_FIGURES = {"comments": "comments", "reposts": "shares", "attitudes": "likes"}


def _weibo_publications(account) -> list:
    from rongmei.distribution import selectors as distribution

    return [p for p in distribution.publications(account.center, account_id=account.pk).exclude(remote_id="")
            if p.remote_id.strip().isdigit()]


def _weibo_rows(account, day: dt.date, publications: list, counts: dict) -> list[PieceRow]:
    """Each post's value for `day`: its running counts minus what is stored for earlier days.
    A post whose value is all zero gets no row, unless one exists for that day (replaced)."""
    keys = {f"pub:{p.pk}": p for p in publications if p.remote_id.strip() in counts}
    before = {row["key"]: row for row in PieceMetric.objects.filter(center=account.center, key__in=list(keys),
                                                                   day__lt=day)
              .values("key").annotate(**{f: Sum(f) for f in WEIBO_FIGURES.values()}).order_by()}
    existing = set(PieceMetric.objects.filter(center=account.center, key__in=list(keys), day=day)
                   .values_list("key", flat=True))
    rows = []
    for key, publication in keys.items():
        current = counts[publication.remote_id.strip()]
        stored = before.get(key, {})
        daily = {ours: max(0, current[theirs] - int(stored.get(ours) or 0)) for theirs, ours in WEIBO_FIGURES.items()}
        if not any(daily.values()) and key not in existing:
            continue
        rows.append(PieceRow(key=key, day=day, outlet=weibo_fetcher.OUTLET, title=publication.story.headline[:200],
                             url=publication.remote_url[:500], external_id=publication.remote_id.strip(),
                             story_id=publication.story_id, publication_id=publication.pk, account_id=account.pk,
                             **daily))
    return rows


def _weibo_followers(account, day: dt.date, followers: int) -> AccountRow:
    key = f"acct:{account.pk}"
    previous = (AccountMetric.objects.filter(center=account.center, key=key, day__lt=day, followers__isnull=False)
                .order_by("-day").values_list("followers", flat=True).first())
    change = followers - previous if previous is not None else 0
    return AccountRow(key=key, day=day, outlet=weibo_fetcher.OUTLET, account_id=account.pk,
                      account_name=account.name[:80], followers=followers, new_followers=max(0, change),
                      lost_followers=max(0, -change))


def sync_weibo(account, day_from: dt.date, day_to: dt.date, user=None) -> list[SyncRun]:
    day = yesterday()

    def fetch():
        if not day_from <= day <= day_to:
            return lambda: 0  # Weibo can only tell about yesterday (see the module's docstring)
        publications = _weibo_publications(account)
        counts, _ = weibo_fetcher.fetch_counts(account, [p.remote_id.strip() for p in publications])
        followers, _ = weibo_fetcher.fetch_followers(account)

        def write():
            rows = _weibo_rows(account, day, publications, counts)
            return (_write_pieces(account.center, rows, MetricSource.WEIBO)
                    + _write_accounts(account.center, [_weibo_followers(account, day, followers)], MetricSource.WEIBO))
        return write

    return [_run(account.center, SyncRun.Kind.WEIBO, account, day_from, day_to, user, fetch)]


# -- the portal ---------------------------------------------------------------------------

def sync_portal(center, day_from: dt.date, day_to: dt.date, user=None) -> SyncRun:
    from rongmei.analytics import portal_reads
    from rongmei.distribution import selectors as distribution

    def fetch():
        site = distribution.own_site_account(center)
        rows = portal_reads.read_rows(center, day_from, day_to, site.pk if site else None)
        return lambda: _write_pieces(center, rows, MetricSource.PORTAL)

    return _run(center, SyncRun.Kind.PORTAL, None, day_from, day_to, user, fetch)


# -- entry points -------------------------------------------------------------------------

def _check_range(day_from: dt.date, day_to: dt.date) -> None:
    if day_from > day_to:
        raise ValueError("起始日期不能晚于截止日期。")
    if (day_to - day_from).days >= 366:
        raise ValueError("一次最多同步 366 天。")


def sync_account_runs(account, day_from: dt.date, day_to: dt.date, user=None) -> list[SyncRun]:
    """Every run of one account over [day_from, day_to]."""
    _check_range(day_from, day_to)
    if account.kind == "wechat":
        return sync_wechat(account, day_from, day_to, user)
    if account.kind == "weibo":
        return sync_weibo(account, day_from, day_to, user)
    raise ValueError(f"账号“{account.name}”没有可同步的数据接口（只支持微信公众号和微博）。")


def sync_account(account, day_from: dt.date, day_to: dt.date, user=None) -> SyncRun:
    """Sync one WeChat or Weibo account over [day_from, day_to]; the failed run if any, else
    the first (for WeChat: the article run; its follower run is recorded too)."""
    runs = sync_account_runs(account, day_from, day_to, user)
    return next((r for r in runs if r.status == SyncRun.Status.FAILED), runs[0])


def sync_center(center, day_from: dt.date, day_to: dt.date, user=None) -> list[SyncRun]:
    """The portal's reads and every active WeChat and Weibo account of the center, one after
    the other in this process (the schedule runs each in its own task instead)."""
    _check_range(day_from, day_to)
    runs = [sync_portal(center, day_from, day_to, user)]
    for account in syncable_accounts(center):
        runs += sync_account_runs(account, day_from, day_to, user)
    return runs

