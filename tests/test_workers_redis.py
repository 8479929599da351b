"""Scale-out on Redis (issue 19): more than one process per role, sharing Redis.

* Two `rongmei worker` processes (Huey consumers) on one Redis queue: N tasks enqueued, each
  runs exactly once, and both consumers take a share; the periodic task runs only in the
  consumer started with periodic enabled (the scheduler; the other is started with -n).
* Two web processes (two gunicorn servers on one database and one Redis): the rate limits
  are one count across both. The public 问政 code look-up (django-ratelimit in the
  "ratelimit" cache, which is Redis here) allows 30 a minute per address in total, not 30
  per process; and the login lockout (axes) locks a name out on both after five failures
  spread over the two.

PostgreSQL and Redis only: on SQLite the queue is a file and the counters a table in the one
database, which is no test of sharing Redis."""

import http.cookiejar
import itertools
import os
import re
import secrets
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter

import pytest

from rongmei.testing.live import Instance

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not os.environ.get("REDIS_URL") or not os.environ.get("DATABASE_URL", "").startswith("postgres"),
                       reason="needs PostgreSQL and Redis (DATABASE_URL=postgresql://…, REDIS_URL=redis://…): "
                              "the scale-out roles share Redis, which the SQLite setup does not use"),
]

PROBE = "rongmei.distribution.tests.workerprobe"
TASKS = 200


def _lines(inst: Instance) -> list[tuple[str, int, int, float]]:
    path = inst.var_dir / "probe-runs.txt"
    if not path.exists():
        return []
    return [(kind, int(n), int(pid), float(at))
            for kind, n, pid, at in (line.split() for line in path.read_text().splitlines() if line)]


def _runs(inst: Instance) -> list[tuple[str, int, int]]:
    return [line[:3] for line in _lines(inst)]


def test_two_consumers_on_one_redis_queue_run_each_task_once_and_only_the_scheduler_runs_periodic_tasks(instance):
    inst = instance().prepare(demo=False)
    scheduler = inst.spawn(PROBE, "worker", "-w", "2", "-k", "thread")
    consumer = inst.spawn(PROBE, "worker", "-w", "2", "-k", "thread", "-n")
    # both are starting their consumers, and the scheduler has run its start-of-minute probe
    assert inst.wait_for(lambda: (r := _runs(inst)) and any(k == "periodic" for k, _, _ in r)
                         and {pid for k, _, pid in r if k == "ready"} == {scheduler.pid, consumer.pid},
                         timeout=90, interval=0.3), inst.log_path.read_text(errors="replace")[-3000:]
    time.sleep(2)  # the second consumer past its start-up too
    assert scheduler.poll() is None and consumer.poll() is None
    done = subprocess.run([sys.executable, "-m", PROBE, "enqueue", str(TASKS)], env=inst.env, capture_output=True,
                          text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    finished = inst.wait_for(lambda: len([r for r in _runs(inst) if r[0] == "task"]) >= TASKS and _runs(inst),
                             timeout=60, interval=0.3)
    time.sleep(1.0)  # anything run twice would show up by now
    runs = _runs(inst)
    tasks = [(n, pid) for kind, n, pid in runs if kind == "task"]
    assert finished, f"only {len(tasks)} of {TASKS} tasks ran"
    per_task = Counter(n for n, _ in tasks)
    assert sorted(per_task) == list(range(TASKS)) and set(per_task.values()) == {1}, \
        {n: c for n, c in per_task.items() if c != 1}
    by_process = Counter(pid for _, pid in tasks)
    assert set(by_process) == {scheduler.pid, consumer.pid}, by_process  # both consumers took a share
    # The every-minute probe is enqueued by the scheduler alone: at its start and then once a
    # minute, so its runs (in whichever consumer takes them) are about a minute apart. Had the
    # consumer started with -n scheduled too, there would be two runs within seconds of each
    # other (at each one's start, and at every minute after).
    periodic = sorted(at for kind, _, _, at in _lines(inst) if kind == "periodic")
    started = min(at for kind, _, pid, at in _lines(inst) if kind == "ready")
    assert periodic and len(periodic) <= 1 + int((time.time() - started) // 55), periodic
    gaps = [b - a for a, b in itertools.pairwise(periodic)]
    assert all(gap > 45 for gap in gaps), gaps
    print(f"\n{TASKS} tasks over two consumers: {dict(by_process)}; periodic probe runs: {len(periodic)}, "
          f"gaps {[round(g) for g in gaps]} s")


def _get(url: str, headers: dict | None = None) -> int:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=20) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def _login(base: str, username: str, password: str, ip: str) -> int:
    """A real login through the form (CSRF cookie and token), from address `ip`; the status
    of the answer to the POST (302 signed in, 200 wrong password, 429 locked out)."""
    jar = http.cookiejar.CookieJar()

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect)
    headers = {"X-Forwarded-For": ip}
    with opener.open(urllib.request.Request(f"{base}/login/", headers=headers), timeout=20) as page:
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.read().decode()).group(1)
    data = urllib.parse.urlencode({"csrfmiddlewaretoken": token, "username": username, "password": password}).encode()
    request = urllib.request.Request(f"{base}/login/", data=data, headers={**headers, "Referer": f"{base}/login/"})
    try:
        with opener.open(request, timeout=20) as answer:
            return answer.status
    except urllib.error.HTTPError as exc:
        return exc.code


def test_two_web_processes_share_the_rate_limits_through_redis(instance):
    first = instance().prepare(demo=True)  # the run's demo template, copied
    # the second server: same database, same Redis, the first's key (the one its var folder
    # keeps); its own process, var dir and port
    key = {"SECRET_KEY": (first.var_dir / "secret_key").read_text().strip()}
    second = instance(database_url=first.env["DATABASE_URL"], extra_env=key)
    if not second._static_from_run():
        second.rongmei("collectstatic", "--noinput", "-v", "0")
    first.start_web()
    second.start_web()
    servers = [first.url, second.url]

    # 问政 code look-ups: 30 a minute per address, counted across both servers. The window is
    # django-ratelimit's fixed minute; if it turns over mid-run, try once more from a new address.
    for attempt in range(2):
        ip = f"198.51.100.{secrets.randbelow(200) + 10}"
        started = time.monotonic()
        statuses = [_get(f"{servers[i % 2]}/site/demo/wenzheng/track/?code=WZ{i:06d}", {"X-Forwarded-For": ip})
                    for i in range(30)]
        after = [_get(f"{url}/site/demo/wenzheng/track/?code=WZ999999", {"X-Forwarded-For": ip}) for url in servers]
        if time.monotonic() - started < 20 and 429 not in statuses:
            break
    assert 429 not in statuses, statuses  # 15 on each server: under the limit
    assert after == [429, 429], after  # the 31st is refused on both: one count, not one per process
    other = f"203.0.113.{secrets.randbelow(200) + 10}"
    assert _get(f"{second.url}/site/demo/wenzheng/track/?code=WZ000001", {"X-Forwarded-For": other}) != 429

    # login lockout: five wrong passwords for one name, spread over the two servers, lock it
    # out on both (the right password is refused too, with 429)
    ip = f"192.0.2.{secrets.randbelow(200) + 10}"
    wrong = [_login(servers[i % 2], "editor", "wrong-password-123", ip) for i in range(5)]
    assert 429 not in wrong[:4], wrong
    assert _login(first.url, "editor", "rongmei-demo", ip) == 429
    assert _login(second.url, "editor", "rongmei-demo", ip) == 429
    # and from another address the person still signs in (the lock is per name and address)
    assert _login(second.url, "editor", "rongmei-demo", f"192.0.2.{secrets.randbelow(40) + 215}") == 302
