"""Running a source: fetch it politely (sources/client.py), read it by kind (sources/*.py),
hand the items to `pipeline.ingest`, and record what happened — one FetchRun per run and the
source's counters (failures in a row and in total, failing since, last error, last success,
when to fetch next).

A run never raises for what a source serves: a broken entry is skipped and listed in the
run's item errors; a source that cannot be read at all (a dead host, a 500, a feed that is
not a feed, a body over the size cap) is an error of the run and of the source, and the next
fetch backs off (the interval doubled per failure in a row, at most MAX_BACKOFF). A site
whose robots.txt forbids the address is SKIPPED with the reason, not a failure.

Two runs of one source never overlap: a run holds a lock in the cache for its duration (the
consumer's worker threads share it; with Redis every consumer does), and the scheduler
claims a due source by moving its next_fetch_at forward in a conditional UPDATE before it
enqueues the run (fetch_tasks.py).
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
import time
from dataclasses import dataclass, field

from django.core.cache import cache
from django.db import transaction
from django.db.models import F
from django.db.models.functions import Coalesce
from django.utils import timezone

from rongmei.monitor.models import FetchRun, Item, Source
from rongmei.monitor.sources import SourceError
from rongmei.monitor.sources.client import Client, Disallowed

log = logging.getLogger("rongmei.monitor.fetch")

MAX_BACKOFF = dt.timedelta(hours=6)
LOCK_SECONDS = 15 * 60  # a run longer than this is taken for dead (a crashed worker)
KEEP_RUNS = 200  # per source; older runs are deleted
MAX_ITEM_ERRORS = 100
RSS_ACCEPT = "application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5"
HTML_ACCEPT = "text/html, application/xhtml+xml;q=0.9, */*;q=0.5"
JSON_ACCEPT = "application/json, */*;q=0.5"


class AlreadyRunning(Exception):
    """Another run of this source has not finished."""

    message = "这个监测源正在抓取，请稍后再试。"


@dataclass
class _Read:
    """What reading a source gave, before the pipeline."""

    items: list = field(default_factory=list)
    problems: list = field(default_factory=list)  # [{"url", "error"}]
    found: int = 0
    skipped: int = 0
    known: int = 0  # web: links already stored, not fetched again
    http_status: int | None = None
    not_modified: bool = False
    etag: str = ""
    last_modified: str = ""


# --- Reading each kind ------------------------------------------------------------------------------

def _conditional(source: Source, client: Client, accept: str):
    response = client.get(source.url, etag=source.etag, last_modified=source.last_modified, accept=accept)
    return response


def _validators(read: _Read, response) -> None:
    read.http_status = response.status
    read.not_modified = response.not_modified
    read.etag = (response.headers.get("etag") or "")[:300]
    read.last_modified = (response.headers.get("last-modified") or "")[:100]


def _read_rss(source: Source, client: Client, now) -> _Read:
    from rongmei.monitor.sources import rss

    read = _Read()
    response = _conditional(source, client, RSS_ACCEPT)
    _validators(read, response)
    if response.not_modified:
        return read
    items, problems = rss.parse(response.body, response.content_type, url=response.url)
    read.items, read.problems = items, problems
    read.skipped = sum(1 for p in problems if not p.get("feed"))
    read.found = len(items) + read.skipped
    return read


def _read_json(source: Source, client: Client, now) -> _Read:
    from rongmei.monitor.sources import json_api

    read = _Read()
    response = _conditional(source, client, JSON_ACCEPT)
    _validators(read, response)
    if response.not_modified:
        return read
    read.items, read.problems = json_api.parse(response.body, response.content_type, source.config or {})
    read.skipped = len(read.problems)
    read.found = len(read.items) + read.skipped
    return read


def _read_web(source: Source, client: Client, now) -> _Read:
    from rongmei.monitor.normalise import canonical_url, url_hash
    from rongmei.monitor.sources import web

    config = source.config or {}
    read = _Read()
    response = _conditional(source, client, HTML_ACCEPT)
    _validators(read, response)
    if response.not_modified:
        return read
    max_links = int(config.get("max_links") or web.DEFAULT_MAX_LINKS)
    links = web.links(response.text("html"), response.url, config.get("link_selector", ""), max_links)
    read.found = len(links)
    hashes = {url: url_hash(canonical_url(url)) for url, _ in links}
    # The exclude lets SQLite answer from the partial unique (center, url_hash) index alone
    # (url_hash has no index of its own since monitor migration 0004).
    known = set(Item.objects.filter(center_id=source.center_id, url_hash__in=[h for h in hashes.values() if h])
                .exclude(url_hash="").order_by().values_list("url_hash", flat=True))
    for url, link_text in links:
        if hashes[url] and hashes[url] in known:
            read.known += 1
            continue
        try:
            page = client.get(url, accept=HTML_ACCEPT)
            read.items.append(web.article(page.text("html"), page.url, link_text))
        except SourceError as exc:
            read.problems.append({"url": url, "error": exc.message})
        except ValueError as exc:
            read.problems.append({"url": url, "error": str(exc)})
    read.skipped = len(read.problems)
    if read.problems:  # keep asking for the list until every article was read
        read.etag = read.last_modified = ""
    return read


def _read_platform(module_name: str):
    def reader(source: Source, client: Client, now) -> _Read:
        import importlib

        module = importlib.import_module(f"rongmei.monitor.sources.{module_name}")
        items = list(module.read(source, now=now))
        return _Read(items=items, found=len(items))

    return reader


READERS = {
    Source.Kind.RSS: _read_rss,
    Source.Kind.WEB: _read_web,
    Source.Kind.JSON: _read_json,
    Source.Kind.WECHAT_COMMENTS: _read_platform("comments"),
    Source.Kind.WEIBO_COMMENTS: _read_platform("comments"),
    Source.Kind.INQUIRY: _read_platform("inquiry_cases"),
}


# --- One run -----------------------------------------------------------------------------------------

def backoff(interval_minutes: int, failures: int) -> dt.timedelta:
    """The wait before the next try after `failures` failures in a row: the interval doubled
    per failure, at most MAX_BACKOFF (or the interval, if that is longer)."""
    interval = dt.timedelta(minutes=max(1, interval_minutes))
    if failures <= 0:
        return interval
    return min(interval * (2 ** min(failures - 1, 16)), max(interval, MAX_BACKOFF))


def fetch_source(source: Source, *, now: dt.datetime | None = None, client: Client | None = None) -> FetchRun:
    """Run `source` now: fetch, read, ingest, record. Raises only AlreadyRunning."""
    lock_key = f"monitor:fetching:{source.pk}"
    token = secrets.token_hex(8)
    if not cache.add(lock_key, token, timeout=LOCK_SECONDS):
        raise AlreadyRunning()
    try:
        return _run(source, now=now or timezone.now(), client=client or Client())
    finally:
        if cache.get(lock_key) == token:
            cache.delete(lock_key)


def _run(source: Source, *, now: dt.datetime, client: Client) -> FetchRun:
    started = time.monotonic()
    run = FetchRun(center_id=source.center_id, source=source, started_at=now)
    read = _Read()
    try:
        reader = READERS.get(source.kind)
        if reader is None:
            raise SourceError(f"不支持的监测源类型：{source.kind}。")
        read = reader(source, client, now)
        run.http_status = read.http_status
        if read.not_modified:
            run.outcome = FetchRun.Outcome.NOT_MODIFIED
        else:
            result = _ingest(source, read.items, now)
            run.found = read.found
            run.new = result.new
            run.duplicates = result.duplicates + read.known
            run.skipped = read.skipped + result.skipped
            read.problems.extend(result.errors or [])
            run.outcome = FetchRun.Outcome.OK
    except Disallowed as exc:
        run.outcome, run.error = FetchRun.Outcome.SKIPPED, exc.message[:500]
    except SourceError as exc:
        run.outcome, run.error, run.http_status = FetchRun.Outcome.ERROR, exc.message[:500], exc.http_status
    except Exception as exc:  # a bug must not stop the scheduler: recorded, logged
        log.exception("monitor fetch of source %s failed", source.pk)
        run.outcome, run.error = FetchRun.Outcome.ERROR, f"抓取时出现内部错误（{type(exc).__name__}），已记录日志。"
    run.item_errors = [{"url": str(p.get("url", ""))[:500], "error": str(p.get("error", ""))[:300]}
                       for p in read.problems[:MAX_ITEM_ERRORS]]
    run.finished_at = now + dt.timedelta(seconds=time.monotonic() - started)
    _record(source, run, read, now)
    return run


def _ingest(source: Source, items: list, now: dt.datetime):
    from rongmei.monitor import pipeline
    from rongmei.monitor.types import IngestResult

    if not items:
        return IngestResult()
    try:
        return pipeline.ingest(source, items, now=now)
    except Exception as exc:
        log.exception("monitor ingest for source %s failed", source.pk)
        raise SourceError(f"入库时出错（{type(exc).__name__}），本次抓取的内容未保存。") from None


@transaction.atomic
def _record(source: Source, run: FetchRun, read: _Read, now: dt.datetime) -> None:
    run.save()
    fresh = Source.objects.select_for_update().filter(pk=source.pk).first()
    if fresh is None:  # deleted while it ran
        return
    changes: dict = {"last_fetched_at": now}
    if run.outcome in (FetchRun.Outcome.OK, FetchRun.Outcome.NOT_MODIFIED):
        changes.update(last_success_at=now, consecutive_failures=0, failing_since=None,
                       next_fetch_at=now + backoff(fresh.interval_minutes, 0), items_total=F("items_total") + run.new)
        if run.outcome == FetchRun.Outcome.OK:
            if source.kind in (Source.Kind.RSS, Source.Kind.WEB, Source.Kind.JSON):
                changes.update(etag=read.etag, last_modified=read.last_modified)
            else:
                changes["cursor"] = source.cursor or {}
    elif run.outcome == FetchRun.Outcome.SKIPPED:
        changes.update(last_error=run.error, last_error_at=now, next_fetch_at=now + backoff(fresh.interval_minutes, 0))
    else:
        failures = fresh.consecutive_failures + 1
        changes.update(consecutive_failures=failures, total_failures=F("total_failures") + 1,
                       failing_since=Coalesce(F("failing_since"), now), last_error=run.error or "抓取失败。",
                       last_error_at=now, next_fetch_at=now + backoff(fresh.interval_minutes, failures))
    Source.objects.filter(pk=source.pk).update(**changes)
    source.refresh_from_db()
    stale = list(FetchRun.objects.filter(source_id=source.pk).order_by("-started_at", "-id")
                 .values_list("pk", flat=True)[KEEP_RUNS:KEEP_RUNS + 1000])
    if stale:
        FetchRun.objects.filter(pk__in=stale).delete()


# --- Scheduling (fetch_tasks.py calls these) ---------------------------------------------------------

def due_sources(now: dt.datetime | None = None) -> list[tuple[int, dt.datetime]]:
    """(id, next_fetch_at) of enabled sources whose time has come, oldest first."""
    now = now or timezone.now()
    return list(Source.objects.filter(enabled=True, next_fetch_at__lte=now).order_by("next_fetch_at", "pk")
                .values_list("pk", "next_fetch_at")[:500])


def claim(source_id: int, seen: dt.datetime, now: dt.datetime | None = None) -> bool:
    """Take a due source for one run: its next_fetch_at moves past the run's longest time in a
    conditional UPDATE, so a second scheduler tick (or a second scheduler) does not take it too."""
    now = now or timezone.now()
    return bool(Source.objects.filter(pk=source_id, enabled=True, next_fetch_at=seen)
                .update(next_fetch_at=now + dt.timedelta(seconds=LOCK_SECONDS)))


# --- Command line -------------------------------------------------------------------------------------

def describe(run: FetchRun) -> str:
    """One line in Chinese: what a run found."""
    if run.outcome == FetchRun.Outcome.OK:
        text = f"成功：读到 {run.found} 条，新增 {run.new} 条，重复 {run.duplicates} 条，跳过 {run.skipped} 条"
    elif run.outcome == FetchRun.Outcome.NOT_MODIFIED:
        text = "无更新（服务器返回 304）"
    elif run.outcome == FetchRun.Outcome.SKIPPED:
        text = f"跳过：{run.error}"
    else:
        text = f"失败：{run.error}"
    return text


def cli(options: dict, stdin, stdout, stderr) -> int:
    """`rongmei monitor fetch [SOURCE] [--center SLUG]`: run one source (by name or id) or every
    enabled one now; a line per source, the skipped items' reasons below it. Exit 1 if any
    source failed, 2 if the source named is not found or ambiguous."""
    from rongmei.core.models import Center

    wanted = str(options.get("source") or "").strip()
    slug = str(options.get("center") or "").strip()
    qs = Source.objects.select_related("center").order_by("center_id", "-level", "name", "pk")
    if slug:
        center = Center.objects.filter(slug=slug).first()
        if center is None:
            stderr.write(f"没有标识为 {slug} 的中心。\n")
            return 2
        qs = qs.filter(center=center)
    if wanted:
        sources = list(qs.filter(pk=int(wanted))) if wanted.isdigit() else []
        sources = sources or list(qs.filter(name=wanted))
        if not sources:
            stderr.write(f"没有找到监测源“{wanted}”。\n")
            return 2
        if len(sources) > 1:
            names = "、".join(s.center.slug for s in sources)
            stderr.write(f"有多个中心都有名为“{wanted}”的监测源（{names}），请用 --center 指定中心。\n")
            return 2
    else:
        sources = list(qs.filter(enabled=True))
        if not sources:
            stdout.write("没有启用的监测源。\n")
            return 0
    failed = False
    for source in sources:
        try:
            run = fetch_source(source)
        except AlreadyRunning as exc:
            stdout.write(f"[{source.center.slug}] {source.name}（#{source.pk}）：{exc.message}\n")
            continue
        stdout.write(f"[{source.center.slug}] {source.name}（#{source.pk}）：{describe(run)}\n")
        for problem in run.item_errors:
            stdout.write(f"    · {problem['url']}：{problem['error']}\n")
        failed = failed or run.outcome == FetchRun.Outcome.ERROR
    return 1 if failed else 0
