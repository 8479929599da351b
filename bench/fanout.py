"""Fan-out benchmark: one signed-off piece to a mixed set of accounts — WeChat official
accounts on the fake WeChat, Weibo accounts on the fake Weibo (both answering every call
after 50 ms) and the center's own site. Time until every account has its post, for the
outbox worker (parallel across accounts) against a sequential baseline (one delivery at a
time) measured in the same run on the same machine, and where the time goes: the calls
per platform path and how long a delivery spends in HTTP calls against the rest (database,
rendering).

    .venv/bin/python bench/fanout.py [--wechat 100] [--weibo 100] [--latency 0.05] [--threads 16]
    .venv/bin/python bench/fanout.py --wechat 0 --weibo 220      # the old Weibo-only run
    .venv/bin/python bench/fanout.py --wechat 0 --weibo 220 --both --skip-sequential
                                               # SQLite, then a fresh PostgreSQL database

Uses its own temporary SQLite database (or a fresh PostgreSQL database when DATABASE_URL
names one; `--both` runs the bench once on each, the PostgreSQL one on a unique database
made from --pg or DATABASE_URL and dropped afterwards) and prints a small table with the
ratios. On SQLite the outbox worker runs with its writes unbatched (every thread takes its
turn at the write lock) and batched (one writer thread, many writes per commit, the
default there). On PostgreSQL `--processes 1,2,4` starts that many `rongmei distribute`
processes (each with --threads) against the same outbox, as a scaled-out site runs them.
Every run is compared with the ideal (each account's HTTP calls at the fakes' latency,
spread evenly over all delivery threads) and with the first worker run of the same bench;
each process run also prints the CPU seconds its fan-out cost the delivery processes,
PostgreSQL, the fakes and the bench itself (two cores: the sum over the time is the load).
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


def _fan_out(story, operator, wechat_url: str, weibo_url: str, args, label: str, publish: bool = True):
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
    if publish:
        services.publish(story=story, user=operator, group_ids=[group.pk])
    group.bench_story = story
    return group, len(made)


def _wait_all_sent(group, accounts: int, timeout: float = float(os.environ.get("BENCH_TIMEOUT", "600"))) -> float:
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


def _run_worker(threads: int, group, accounts: int, batch: bool | None = None) -> float:
    from rongmei.distribution.outbox import Worker

    worker = Worker(threads=threads, idle_sleep=0.02, batch_writes=batch)
    runner = threading.Thread(target=worker.run, daemon=True)
    started = time.perf_counter()
    runner.start()
    _wait_all_sent(group, accounts)
    elapsed = time.perf_counter() - started
    worker.stop.set()
    runner.join(10)
    return elapsed


@contextlib.contextmanager
def _processes(count: int, threads: int):
    """`count` delivery processes (`rongmei distribute --threads N`), idle and polling before
    the clock starts: started, then waited for until each holds its database connection."""
    from django.db import connection

    procs = [subprocess.Popen([sys.executable, "-m", "rongmei", "distribute", "--threads", str(threads),
                               "--idle-sleep", "0.02"], env=dict(os.environ))
             for _ in range(count)]
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            with connection.cursor() as cursor:
                cursor.execute("SELECT count(DISTINCT pid) FROM pg_stat_activity WHERE datname = current_database() "
                               "AND pid <> pg_backend_pid()")
                if cursor.fetchone()[0] >= count:
                    break
            if any(p.poll() is not None for p in procs):
                raise SystemExit("a delivery process exited early")
            time.sleep(0.2)
        time.sleep(0.5)
        yield procs
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                proc.kill()


def _cpu_seconds(pids: dict[int, str]) -> dict[str, float]:
    """CPU seconds used so far by the processes of `pids` (pid → what it is) and by every
    PostgreSQL server process on this machine, summed per kind (Linux /proc; {} elsewhere)."""
    tick = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    kinds = dict(pids)
    try:
        for entry in os.listdir("/proc"):
            if entry.isdigit() and int(entry) not in kinds:
                with contextlib.suppress(OSError):
                    if Path(f"/proc/{entry}/cmdline").read_bytes().startswith(b"postgres"):
                        kinds[int(entry)] = "PostgreSQL"
    except OSError:
        return {}
    used: dict[str, float] = {}
    for pid, kind in kinds.items():
        with contextlib.suppress(OSError, IndexError, ValueError):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            used[kind] = used.get(kind, 0.0) + (int(fields[11]) + int(fields[12])) / tick
    return used


def _run_processes(count: int, threads: int, story, operator, wechat, weibo, args, label, fakes_pid: int) -> tuple:
    with _processes(count, threads) as procs:
        group, accounts = _fan_out(story, operator, wechat.url, weibo.url, args, label, publish=False)
        from rongmei.distribution import services

        pids = {os.getpid(): "bench", fakes_pid: "fakes", **{p.pid: "workers" for p in procs}}
        before = _cpu_seconds(pids)
        started = time.perf_counter()
        services.publish(story=story, user=operator, group_ids=[group.pk])
        _wait_all_sent(group, accounts)
        elapsed = time.perf_counter() - started
        after = _cpu_seconds(pids)
        used = {kind: after[kind] - before.get(kind, 0.0) for kind in after}
        print(f"  {label}: CPU seconds during the fan-out: "
              + ", ".join(f"{kind} {seconds:.2f}" for kind, seconds in sorted(used.items())), flush=True)
        return elapsed, accounts


def _both(argv: list[str], pg: str) -> None:
    """This bench twice, in processes of its own: on SQLite, then on a fresh PostgreSQL database."""
    argv = [a for a in argv if a != "--both"]
    sqlite_env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    print("=== SQLite ===", flush=True)
    subprocess.run([sys.executable, __file__, *argv], env=sqlite_env, check=True)
    print("\n=== PostgreSQL ===", flush=True)
    subprocess.run([sys.executable, __file__, *argv], env={**os.environ, "DATABASE_URL": pg}, check=True)


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
        yield connect_fake("wechat", urls["wechat"]), connect_fake("weibo", urls["weibo"]), server.pid
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
    parser.add_argument("--processes", default="1,2,4",
                        help="PostgreSQL: numbers of `rongmei distribute` processes to run, one run each")
    parser.add_argument("--process-threads", type=int, default=16, help="threads per delivery process")
    parser.add_argument("--both", action="store_true", help="run on SQLite, then on a fresh PostgreSQL database")
    parser.add_argument("--pg", default="", help="PostgreSQL server for --both (default: DATABASE_URL, "
                        "else postgresql://rongmei:rongmei@127.0.0.1:5432/postgres)")
    args = parser.parse_args()
    if args.both:
        pg = args.pg or os.environ.get("DATABASE_URL", "")
        if not pg.startswith(("postgres://", "postgresql://")):
            pg = "postgresql://rongmei:rongmei@127.0.0.1:5432/postgres"
        _both(sys.argv[1:], pg)
        return
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
        postgres = django.db.connection.vendor == "postgresql"
        with _fakes(args) as (wechat, weibo, fakes_pid):
            runs = [("seq", 1, "one at a time")] if not args.skip_sequential else []
            if postgres:
                runs += [("par", threads, f"1 process, {threads} threads")]
                runs += [(f"p{n}", n, f"{n} processes × {args.process_threads} threads")
                         for n in (int(x) for x in args.processes.split(",") if x.strip())]
            else:
                runs += [("unb", threads, f"{threads} threads, unbatched"), ("par", threads, f"{threads} threads, batched")]
            for label, n, title in runs:
                before = _calls(wechat, weibo)
                clock.take()
                cpu = time.process_time()
                if label.startswith("p") and label != "par":
                    elapsed, accounts = _run_processes(n, args.process_threads, story, operator, wechat, weibo, args, label,
                                                       fakes_pid)
                    total_threads = n * args.process_threads
                else:
                    group, accounts = _fan_out(story, operator, wechat.url, weibo.url, args, label)
                    clock.take()
                    cpu = time.process_time()
                    batch = {"unb": False, "par": True}.get(label)
                    elapsed = _run_worker(n, group, accounts, batch=batch if not postgres else None)
                    total_threads = n
                cpu = time.process_time() - cpu
                http_seconds, http_calls = clock.take()
                after = _calls(wechat, weibo)
                calls = {p: after[p] - before.get(p, 0) for p in after if after[p] != before.get(p, 0)}
                rows.append((label, title, total_threads, elapsed, http_seconds, http_calls, cpu, calls))
            wx_state, wb_state = wechat.state(), weibo.state()
        accounts = args.wechat + args.weibo + (1 if args.own_site else 0)
        print(f"\n{args.wechat} WeChat + {args.weibo} Weibo + {int(args.own_site)} own site = {accounts} accounts, "
              f"fakes answering after {args.latency * 1000:.0f} ms, WeChat jobs publishing for "
              f"{args.publish_delay:g} s, database: {django.db.connection.vendor}")
        print(f"{'':34}{'seconds':>9}{'deliv./s':>10}{'HTTP calls':>11}{'in HTTP':>9}{'CPU s':>7}"
              f"{'ideal s':>9}{'/ideal':>8}{'vs first':>9}")
        first = next((r for r in rows if r[0] != "seq"), rows[0])[3]
        for label, title, total_threads, elapsed, http_seconds, http_calls, cpu, calls in rows:
            # the ideal: every account's calls at the fakes' latency, spread evenly over the threads
            # (WeChat's publish job adds its own delay per account, and no thread can beat one account)
            per_account = sum(calls.values()) / accounts * args.latency + (args.publish_delay if args.wechat else 0)
            ideal = max(per_account * accounts / total_threads, per_account)
            share = f"{http_seconds / (elapsed * total_threads):.0%}" if http_calls else "-"
            print(f"{title:34}{elapsed:>9.2f}{accounts / elapsed:>10.1f}{sum(calls.values()):>11}{share:>9}"
                  f"{cpu:>7.1f}{ideal:>9.2f}{elapsed / ideal:>7.1f}x{first / elapsed:>8.2f}x")
        parallel = rows[-1][3]
        if rows[0][0] == "seq" and len(rows) > 1:
            print(f"ratio sequential/outbox (last run): {rows[0][3] / parallel:.1f}x")
        print(f"absolute time for {accounts} accounts: {parallel:.2f} s (last run); best {min(r[3] for r in rows):.2f} s")
        print("calls per path (last run): " + ", ".join(f"{p} {n}" for p, n in sorted(rows[-1][7].items())))
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
