"""Fan-out benchmark: one signed-off piece to a mixed set of accounts — WeChat official
accounts on the fake WeChat, Weibo accounts on the fake Weibo (both answering every call
after 50 ms) and the center's own site. Time until every account has its post, for the
outbox worker (parallel across accounts) against a sequential baseline (one delivery at a
time) measured in the same run on the same machine, and where the time goes: the calls
per platform path and how long a delivery spends in HTTP calls against the rest (database,
rendering).

    .venv/bin/python bench/fanout.py [--wechat 100] [--weibo 100] [--latency 0.05] [--threads 16]
    .venv/bin/python bench/fanout.py --wechat 0 --weibo 220      # the old Weibo-only run

Uses its own temporary SQLite database (or a fresh PostgreSQL database when DATABASE_URL
names one) and prints a small table with the ratio.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import urlparse, urlunparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _setup_database() -> tuple[str | None, str | None]:
    os.environ["RONGMEI_VAR_DIR"] = tempfile.mkdtemp(prefix="rongmei-bench-fanout-")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ["RONGMEI_QUEUE_NAME"] = f"bench-{uuid.uuid4().hex[:6]}"
    base = os.environ.get("DATABASE_URL", "")
    if not base.startswith(("postgres://", "postgresql://")):
        os.environ.pop("DATABASE_URL", None)
        return None, None
    import psycopg

    name = f"rongmei_bench_{uuid.uuid4().hex[:8]}"
    parsed = urlparse(base)
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    os.environ["DATABASE_URL"] = urlunparse(parsed._replace(path=f"/{name}"))
    return base, name


def _drop(base: str | None, name: str | None) -> None:
    if base and name:
        import psycopg

        with psycopg.connect(base, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class _HttpClock:
    """Wraps the adapters' HTTP helpers to add up the seconds spent waiting for the
    platforms, so the report can say how much of a delivery is network and how much is ours."""

    def __init__(self):
        self.seconds = 0.0
        self.calls = 0
        self._lock = threading.Lock()

    def install(self) -> None:
        from rongmei.distribution.adapters import wechat, weibo

        for module, name in ((wechat, "_http"), (weibo, "_call")):
            original = getattr(module, name)
            setattr(module, name, self._timed(original))

    def _timed(self, original):
        def timed(*args, **kwargs):
            started = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                with self._lock:
                    self.seconds += time.perf_counter() - started
                    self.calls += 1
        return timed

    def take(self) -> tuple[float, int]:
        with self._lock:
            taken = (self.seconds, self.calls)
            self.seconds, self.calls = 0.0, 0
        return taken


def _fan_out(story, operator, wechat_url: str, weibo_url: str, args, label: str):
    from rongmei.distribution import services
    from rongmei.distribution.models import AccountGroup, ChannelAccount

    group = AccountGroup.objects.create(center=story.center, name=f"bench-{label}")
    made = [services.create_account(center=story.center, user=None, kind="wechat", name=f"{label}wx{i:03d}",
                                    base_url=wechat_url, options={"appid": f"wx{label}{i:03d}"},
                                    secret=f"secret-wx{label}{i:03d}") for i in range(args.wechat)]
    made += [services.create_account(center=story.center, user=None, kind="weibo", name=f"{label}wb{i:03d}",
                                     base_url=weibo_url, secret=f"token-{label}wb{i:03d}") for i in range(args.weibo)]
    if args.own_site:
        made.append(ChannelAccount.objects.filter(center=story.center, kind="own_site").first()
                    or services.create_account(center=story.center, user=None, kind="own_site", name="本中心网站"))
    group.accounts.set(made)
    services.publish(story=story, user=operator, group_ids=[group.pk])
    group.bench_story = story
    return group, len(made)


def _wait_all_sent(group, accounts: int, timeout: float = float(os.environ.get("BENCH_TIMEOUT", 600))) -> float:
    from rongmei.distribution.models import Publication

    started = time.perf_counter()
    while time.perf_counter() - started < timeout:
        if Publication.objects.filter(account__groups=group, story=group.bench_story, status=Publication.Status.SENT).count() == accounts:
            return time.perf_counter() - started
        time.sleep(0.05)
    from django.db.models import Count

    left = dict(Publication.objects.filter(account__groups=group, story=group.bench_story).values_list("status").annotate(n=Count("id")))
    errors = set(Publication.objects.filter(account__groups=group, story=group.bench_story).exclude(last_error="").values_list("last_error", flat=True)[:5])
    raise SystemExit(f"timed out waiting for deliveries: {left} {errors}")


def _run_worker(threads: int, group, accounts: int) -> float:
    from rongmei.distribution.outbox import Worker

    worker = Worker(threads=threads, idle_sleep=0.02)
    runner = threading.Thread(target=worker.run, daemon=True)
    started = time.perf_counter()
    runner.start()
    _wait_all_sent(group, accounts)
    elapsed = time.perf_counter() - started
    worker.stop.set()
    runner.join(10)
    return elapsed


@contextlib.contextmanager
def _fakes(args):
    """The fake WeChat and Weibo in a process of their own, as the real platforms are: in
    this process they would take their share of its CPU (and of the GIL) from the worker."""
    from rongmei.distribution.fakes import connect_fake

    server = subprocess.Popen([sys.executable, "-m", "rongmei.distribution.fakes", "--wechat-port", "0",
                               "--weibo-port", "0", "--latency", str(args.latency),
                               "--publish-delay", str(args.publish_delay)], stdout=subprocess.PIPE, text=True)
    try:
        urls = json.loads(server.stdout.readline())
        yield connect_fake("wechat", urls["wechat"]), connect_fake("weibo", urls["weibo"])
    finally:
        server.terminate()
        server.wait(10)


def _calls(*fakes) -> dict[str, int]:
    counts: dict[str, int] = {}
    for fake in fakes:
        for path, n in fake.state()["calls"].items():
            counts[path] = counts.get(path, 0) + n
    return counts


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--wechat", type=int, default=100, help="WeChat official accounts")
    parser.add_argument("--weibo", type=int, default=100, help="Weibo accounts")
    parser.add_argument("--no-own-site", dest="own_site", action="store_false", help="leave out the own site")
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--publish-delay", type=float, default=0.2, help="seconds a WeChat publish job runs")
    parser.add_argument("--threads", type=int, default=None, help="worker threads (default: the worker's own)")
    parser.add_argument("--skip-sequential", action="store_true", help="only the outbox worker")
    args = parser.parse_args()
    base, name = _setup_database()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rongmei.settings")
    import django

    django.setup()
    from django.core.management import call_command

    try:
        call_command("migrate", verbosity=0)
        from rongmei.core.demo import load_demo
        from rongmei.core.models import User
        from rongmei.distribution.outbox import DEFAULT_THREADS
        from rongmei.review.models import Review

        threads = args.threads or DEFAULT_THREADS
        print("preparing demo data (a signed-off story) ...", flush=True)
        load_demo()
        story = next(r.story for r in Review.objects.filter(status=Review.Status.SIGNED_OFF).order_by("id")
                     if r.story.cover is not None and r.story.renditions.filter(channel="wechat").exists())
        operator = User.objects.get(username="operator")
        clock = _HttpClock()
        clock.install()
        rows = []
        with _fakes(args) as (wechat, weibo):
            runs = [("seq", 1)] if not args.skip_sequential else []
            for label, n in runs + [("par", threads)]:
                before = _calls(wechat, weibo)
                group, accounts = _fan_out(story, operator, wechat.url, weibo.url, args, label)
                clock.take()
                cpu = time.process_time()
                elapsed = _run_worker(n, group, accounts)
                cpu = time.process_time() - cpu
                http_seconds, http_calls = clock.take()
                after = _calls(wechat, weibo)
                rows.append((label, n, elapsed, http_seconds, http_calls, cpu,
                             {p: after[p] - before.get(p, 0) for p in after if after[p] != before.get(p, 0)}))
            wx_state, wb_state = wechat.state(), weibo.state()
        accounts = args.wechat + args.weibo + (1 if args.own_site else 0)
        print(f"\n{args.wechat} WeChat + {args.weibo} Weibo + {int(args.own_site)} own site = {accounts} accounts, "
              f"fakes answering after {args.latency * 1000:.0f} ms, WeChat jobs publishing for "
              f"{args.publish_delay:g} s, database: {django.db.connection.vendor}")
        print(f"{'':30}{'seconds':>10}{'deliveries/s':>15}{'HTTP calls':>12}{'in HTTP':>10}{'CPU s':>8}")
        for label, n, elapsed, http_seconds, http_calls, cpu, _ in rows:
            title = "sequential (1 at a time)" if label == "seq" else f"outbox worker ({n} threads)"
            share = http_seconds / (elapsed * n) if elapsed else 0
            print(f"{title:30}{elapsed:>10.2f}{accounts / elapsed:>15.1f}{http_calls:>12}{share:>9.0%}{cpu:>8.1f}")
        parallel = rows[-1][2]
        if len(rows) > 1:
            print(f"ratio sequential/outbox: {rows[0][2] / parallel:.1f}x")
        print(f"absolute time for {accounts} accounts: {parallel:.2f} s")
        print("calls per path (outbox run): " + ", ".join(f"{p} {n}" for p, n in sorted(rows[-1][6].items())))
        per_app = [len([p for p in a["publishes"].values() if p.get("status") == 0]) for a in wx_state["apps"].values()]
        posts = [a["statuses_created"] for a in wb_state["accounts"].values()]
        print(f"WeChat articles per app: {sorted(set(per_app))} over {len(per_app)} apps "
              f"(duplicates: {len(wx_state['duplicate_publishes'])}); Weibo posts per account: "
              f"{sorted(set(posts))} over {len(posts)} accounts (duplicates: {len(wb_state['duplicate_statuses'])})")
    finally:
        django.db.connections.close_all()
        _drop(base, name)


if __name__ == "__main__":
    main()
