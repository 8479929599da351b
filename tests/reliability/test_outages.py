"""Faults on the running platform (private PostgreSQL and Redis, see conftest.py):

* PostgreSQL restarted during load: the platform recovers by itself (nothing restarted on
  Rongmei's side), answers 503 in Chinese while the database is away — never a bare 500 —
  and no accepted write is lost;
* Redis stopped: pages, API reads, inquiry submissions and logins keep working; a task
  enqueued meanwhile is held in the database and runs once after Redis returns;
* a worker killed (SIGKILL) mid-task: the task runs again on another worker and completes
  once."""

import json
import os
import re
import signal
import time
import urllib.parse
import urllib.request
import uuid
from http.cookiejar import CookieJar

import pytest

from rongmei.testing.live import http_get, http_send
from tests.reliability.conftest import run_load, shell, sql, up, write_artifact
from tests.reliability.test_load import check_writes, summary

pytestmark = pytest.mark.slow

RECOVERY_LIMIT = 20.0  # seconds: answers succeed again within it, and none fail after it


def _ok(status: int) -> bool:
    return 200 <= status < 500 and status not in (0,)


def test_postgres_restart_during_load(platform, tmp_path):
    instance, pg = platform["instance"], platform["pg"]
    out = tmp_path / "load.json"
    seconds, fault_at = 20.0, 6.0
    runner = run_load(instance, platform["token"], seconds, out, users=8)
    time.sleep(fault_at)
    fault_start = time.time()
    pg.restart()  # pg_ctl restart -m fast: every session cut, then a start
    fault_end = time.time()
    log, _ = runner.communicate(timeout=seconds + 120)
    assert runner.returncode == 0 and out.exists(), log[-4000:]
    result = json.loads(out.read_text())
    print(summary(result))

    timeline = result["timeline"]
    bad = [(t, cls, status) for t, cls, status in timeline if not _ok(status)]
    first_good_after = min((t for t, _, s in timeline if _ok(s) and t > fault_end), default=None)
    assert first_good_after is not None, "no successful answer after the restart"
    recovery = first_good_after - fault_start
    last_bad = max((t for t, _, _ in bad), default=fault_start) - fault_start
    print(f"PostgreSQL restart took {fault_end - fault_start:.1f}s; failed answers {len(bad)} "
          f"({sorted({s for _, _, s in bad})}); first success {recovery:.1f}s after the restart began, "
          f"last failure at {last_bad:.1f}s")

    # Recovered by itself: answers succeed again soon, and none fail once the grace is over.
    assert recovery < RECOVERY_LIMIT, f"no success until {recovery:.1f}s after the restart"
    late = [b for b in bad if b[0] > fault_end + RECOVERY_LIMIT]
    assert not late, f"failures {RECOVERY_LIMIT:.0f}s after PostgreSQL came back: {late[:10]}"
    assert up(instance)
    # Failures during the outage are the Chinese 503 (or a cut connection, status 0), never a bare 500.
    assert not [b for b in bad if b[2] == 500], f"bare 500 answers during the outage: {bad[:10]}"
    assert http_get(f"{instance.url}/site/demo/")[0] == 200
    # Nothing restarted on Rongmei's side.
    assert instance.web.poll() is None and instance.worker.poll() is None
    # No accepted write lost.
    missing = check_writes(instance, result["writes"])
    assert missing == {"stories": [], "cases": []}, f"accepted writes lost: {missing}"

    result.pop("timeline")
    result.update(writes={k: len(v) for k, v in result["writes"].items()}, lost_writes=0,
                  restart_seconds=round(fault_end - fault_start, 2), failed_answers=len(bad),
                  failure_statuses=sorted({s for _, _, s in bad}), recovery_seconds=round(recovery, 2),
                  last_failure_seconds=round(last_bad, 2))
    write_artifact("fault-postgres-restart", result)


def test_outage_answer_is_chinese_503(platform):
    """While PostgreSQL is down (stopped, not just restarting), pages and the API answer 503
    with the Chinese message and Retry-After, and come back by themselves after the start."""
    instance, pg = platform["instance"], platform["pg"]
    pg._pg_ctl("stop", "-m", "fast")
    try:
        # A page that reads the database (the pre-rendered pages are files and still load).
        status, headers, body = http_get(f"{instance.url}/site/demo/search/?q=%E5%8E%BF")
        assert status == 503, body[:500]
        assert "服务暂时不可用，请稍后重试" in body.decode() and headers.get("Retry-After") == "5"
        status, answer = http_send("POST", f"{instance.url}/api/v1/stories", {"headline": "断库时的稿件"},
                                   {"Authorization": f"Bearer {platform['token']}"})
        assert status == 503 and answer == {"detail": "服务暂时不可用，请稍后重试。"}, answer
    finally:
        pg._pg_ctl("start")
    started = time.monotonic()
    assert instance.wait_for(lambda: up(instance), timeout=RECOVERY_LIMIT), "not back after PostgreSQL started"
    print(f"back {time.monotonic() - started:.1f}s after PostgreSQL started")
    assert sql(instance, "SELECT count(*) FROM newsroom_story WHERE headline = %s", ("断库时的稿件",)) == [(0,)]


def ensure_runs_table(instance) -> None:
    sql(instance, "CREATE TABLE IF NOT EXISTS reliability_task_runs (id serial PRIMARY KEY, tag text NOT NULL, "
                  "kind text NOT NULL, pid int NOT NULL, at timestamptz NOT NULL DEFAULT now())")
    sql(instance, "CREATE UNIQUE INDEX IF NOT EXISTS reliability_task_runs_done ON reliability_task_runs (tag) "
                  "WHERE kind = 'done'")


def runs(instance, tag: str) -> dict:
    """{'start': n, 'done': n} of the test task's runs for the tag."""
    return dict(sql(instance, "SELECT kind, count(*) FROM reliability_task_runs WHERE tag = %s GROUP BY kind", (tag,)))


def _open311(instance, text: str) -> tuple[int, str]:
    data = urllib.parse.urlencode({"api_key": "demo-open311-key", "jurisdiction_id": "demo", "service_code": "consult",
                                   "description": text, "phone": "13900001111",
                                   "address_string": "城关镇幸福路1号"}).encode()
    request = urllib.request.Request(f"{instance.url}/open311/v2/requests.json", data=data, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())[0]["service_request_id"]
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode(errors="replace")[:300]


def _login(instance, username: str, password: str) -> tuple[int, str]:
    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(f"{instance.url}/login/", timeout=30).read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    data = urllib.parse.urlencode({"csrfmiddlewaretoken": token, "username": username, "password": password}).encode()
    request = urllib.request.Request(f"{instance.url}/login/", data=data, method="POST",
                                     headers={"Referer": f"{instance.url}/login/"})
    try:
        with opener.open(request, timeout=30) as response:
            return response.status, response.geturl()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode(errors="replace")[:300]


def test_redis_stopped_web_serves_and_tasks_drain(platform):
    instance, redis = platform["instance"], platform["redis"]
    tag = f"redis-{uuid.uuid4().hex[:8]}"
    ensure_runs_table(instance)
    redis.stop()
    stopped = time.time()
    try:
        assert http_get(f"{instance.url}/site/demo/")[0] == 200
        assert http_get(f"{instance.url}/api/public/v1/demo/items?limit=5")[0] == 200
        status, code = _open311(instance, f"{tag} 城关镇幸福路的路灯晚上不亮，行人很不方便，请尽快修理。")
        assert status == 201, code
        # Logins work and are still counted (per process while Redis is away).
        status, where = _login(instance, "editor", "rongmei-demo")
        assert status == 200 and not where.endswith("/login/"), where
        status, _ = _login(instance, "editor", "wrong-password")
        assert status in (200, 403, 429), status
        # Staff API writes work; a task enqueued now is held in the database.
        status, story = http_send("POST", f"{instance.url}/api/v1/stories", {"headline": f"{tag} 停 Redis 时写的稿"},
                                  {"Authorization": f"Bearer {platform['token']}"})
        assert status == 201, story
        shell(instance, f"from tests.reliability.tasks import record_run; record_run.enqueue({tag!r}, 0); print('ok')")
        held = sql(instance, "SELECT task_path FROM core_pendingenqueue WHERE args::text LIKE %s", (f"%{tag}%",))
        assert held == [("tests.reliability.tasks.record_run",)], f"the task was not held in the database: {held}"
        assert runs(instance, tag) == {}
    finally:
        redis.start()  # a fresh, empty Redis on the same port (no persistence)
    back = time.time()

    assert instance.wait_for(lambda: "done" in runs(instance, tag), timeout=60, interval=0.5), \
        "the held task did not run after Redis returned"
    drained = time.time() - back
    time.sleep(3)  # a second copy would show up now
    assert sql(instance, "SELECT count(*) FROM core_pendingenqueue")[0][0] == 0
    assert runs(instance, tag) == {"start": 1, "done": 1}, runs(instance, tag)
    assert instance.web.poll() is None and instance.worker.poll() is None
    print(f"Redis down {back - stopped:.1f}s; held task ran {drained:.1f}s after Redis returned")
    write_artifact("fault-redis-stop", {"redis_down_seconds": round(back - stopped, 1),
                                        "drained_seconds_after_return": round(drained, 1), "lost_tasks": 0})


def test_worker_killed_mid_task_completes_once(platform):
    instance = platform["instance"]
    tag = f"kill-{uuid.uuid4().hex[:8]}"
    ensure_runs_table(instance)
    shell(instance, f"from tests.reliability.tasks import record_run; record_run.enqueue({tag!r}, 4); print('ok')")
    assert instance.wait_for(lambda: "start" in runs(instance, tag), timeout=60, interval=0.3), "the task never started"
    killed = time.time()
    os.killpg(instance.worker.pid, signal.SIGKILL)
    instance.worker.wait(10)
    instance.worker = instance.start_worker()
    assert instance.wait_for(lambda: "done" in runs(instance, tag), timeout=90, interval=0.5), \
        "the task did not complete after its worker was killed"
    completed = time.time() - killed
    time.sleep(2)
    seen = runs(instance, tag)
    print(f"worker killed mid-task: completed {completed:.1f}s later; runs {seen}")
    assert seen == {"start": 2, "done": 1}, seen  # killed once, run again, completed once
    write_artifact("fault-worker-kill", {"completed_seconds_after_kill": round(completed, 1), "runs": seen})
