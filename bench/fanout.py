"""Fan-out benchmark: one signed-off piece to 220 Weibo accounts on the fake Weibo, which
answers every call after 50 ms. Time until every account has its post, for the outbox
worker (parallel across accounts) against a sequential baseline (one delivery at a time)
measured in the same run on the same machine.

    .venv/bin/python bench/fanout.py [--accounts 220] [--latency 0.05] [--threads 16]

Uses its own temporary SQLite database (or a fresh PostgreSQL database when DATABASE_URL
names one) and prints a small table with the ratio.
"""

from __future__ import annotations

import argparse
import os
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


def _fan_out(story, operator, fake_url: str, accounts: int, label: str):
    from rongmei.distribution import services
    from rongmei.distribution.models import AccountGroup

    group = AccountGroup.objects.create(center=story.center, name=f"bench-{label}")
    made = [services.create_account(center=story.center, user=None, kind="weibo", name=f"{label}{i:03d}",
                                    base_url=fake_url, secret=f"token-{label}{i:03d}") for i in range(accounts)]
    group.accounts.set(made)
    services.publish(story=story, user=operator, group_ids=[group.pk])
    return group


def _wait_all_sent(group, accounts: int, timeout: float = 600) -> float:
    from rongmei.distribution.models import Publication

    started = time.perf_counter()
    while time.perf_counter() - started < timeout:
        if Publication.objects.filter(account__groups=group, status=Publication.Status.SENT).count() == accounts:
            return time.perf_counter() - started
        time.sleep(0.05)
    raise SystemExit("timed out waiting for deliveries")


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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--accounts", type=int, default=220)
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--threads", type=int, default=16)
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
        from rongmei.distribution.fakes import start_fake
        from rongmei.review.models import Review

        print("preparing demo data (a signed-off story) ...", flush=True)
        load_demo()
        story = Review.objects.filter(status=Review.Status.SIGNED_OFF).first().story
        operator = User.objects.get(username="operator")
        with start_fake("weibo", latency=args.latency) as fake:
            base_group = _fan_out(story, operator, fake.url, args.accounts, "seq")
            sequential = _run_worker(1, base_group, args.accounts)
            parallel_group = _fan_out(story, operator, fake.url, args.accounts, "par")
            parallel = _run_worker(args.threads, parallel_group, args.accounts)
            state = fake.state()
        posts = [a["statuses_created"] for a in state["accounts"].values()]
        print(f"\n{args.accounts} accounts, fake Weibo answering after {args.latency * 1000:.0f} ms, "
              f"database: {django.db.connection.vendor}")
        print(f"{'':28}{'seconds':>10}{'deliveries/s':>15}")
        print(f"{'sequential (1 at a time)':28}{sequential:>10.2f}{args.accounts / sequential:>15.1f}")
        print(f"{f'outbox worker ({args.threads} threads)':28}{parallel:>10.2f}{args.accounts / parallel:>15.1f}")
        print(f"ratio sequential/outbox: {sequential / parallel:.1f}x")
        print(f"posts per account: {sorted(set(posts))} over {len(posts)} accounts "
              f"(duplicates: {len(state['duplicate_statuses'])})")
    finally:
        django.db.connections.close_all()
        _drop(base, name)


if __name__ == "__main__":
    main()
