"""/healthz and the task queue, against real processes over real HTTP."""

import os
import signal
import sys
import time
from pathlib import Path

import pytest

from rongmei.testing.live import Instance, http_json

pytestmark = pytest.mark.slow


def health(inst: Instance) -> tuple[int, dict]:
    return http_json(f"{inst.url}/healthz")


def test_serve_reports_healthy_with_database_and_queue(demo_server):
    ok = demo_server.wait_for(lambda: health(demo_server)[0] == 200)
    status, body = health(demo_server)
    assert ok and status == 200, body
    assert body["status"] == "ok" and body["failing"] == []
    assert body["database"]["ok"] and body["queue"]["ok"]


def test_stopped_queue_is_503_naming_the_queue(instance):
    inst = instance(extra_env={"RONGMEI_QUEUE_HEARTBEAT_MAX_AGE": "3"}).prepare(demo=False)
    inst.start_web()
    status, body = health(inst)
    assert status == 503 and body["failing"] == ["queue"]
    assert "未运行" in body["queue"]["detail"]

    worker = inst.start_worker()
    assert inst.wait_for(lambda: health(inst)[0] == 200, timeout=30), health(inst)

    Instance.kill(worker, signal.SIGKILL)
    assert inst.wait_for(lambda: health(inst)[0] == 503, timeout=20)
    status, body = health(inst)
    assert body["failing"] == ["queue"] and "已停止" in body["queue"]["detail"]
    assert body["database"]["ok"]


@pytest.mark.parametrize("database_url", [
    "postgresql://rongmei:wrong@127.0.0.1:1/rongmei",
    "sqlite:////nonexistent-rongmei-dir/rongmei.sqlite3",
])
def test_unreachable_database_is_503_naming_the_database(instance, database_url):
    inst = instance(database_url=database_url)
    inst.start_web()
    status, body = health(inst)
    assert status == 503
    assert "database" in body["failing"]
    assert "数据库无法访问" in body["database"]["detail"]


def test_unreachable_redis_is_503_naming_the_queue(instance):
    inst = instance(extra_env={"REDIS_URL": "redis://127.0.0.1:1/0"})
    inst.start_web()
    status, body = health(inst)
    assert status == 503 and "queue" in body["failing"]
    assert "队列存储无法访问" in body["queue"]["detail"]


@pytest.fixture
def autocommit(django_db_blocker):
    """Database access outside any test transaction, as in a request: tasks are enqueued
    on commit, which in autocommit mode is at once."""
    with django_db_blocker.unblock():
        yield


def test_a_real_consumer_runs_tasks_enqueued_through_django_tasks(tmp_path, autocommit):
    """Enqueue here (the django_tasks API, Huey underneath); `rongmei worker` runs it."""
    import subprocess

    from rongmei.core.tests.tasks_for_tests import write_marker

    marker = tmp_path / "marker.txt"
    result = write_marker.enqueue(str(marker), "已执行")
    assert result.status == "READY"
    worker = subprocess.Popen([sys.executable, "-m", "rongmei", "worker"], env=os.environ.copy(),
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not marker.exists():
            time.sleep(0.2)
        assert Path(marker).read_text(encoding="utf-8") == "已执行"
        finished = write_marker.get_result(result.id)
        deadline = time.monotonic() + 10
        while finished.status != "SUCCESSFUL" and time.monotonic() < deadline:
            time.sleep(0.1)
            finished.refresh()
        assert finished.status == "SUCCESSFUL" and finished.return_value == "已执行"
    finally:
        Instance.kill(worker, signal.SIGTERM)


def test_deferred_tasks_wait_for_their_time(tmp_path, autocommit):
    import datetime as dt

    from django.utils import timezone
    from huey.contrib.djhuey import HUEY

    from rongmei.core.tests.tasks_for_tests import write_marker

    run_after = timezone.now() + dt.timedelta(hours=1)
    write_marker.using(run_after=run_after).enqueue(str(tmp_path / "later"), "x")
    waiting = [t for t in HUEY.pending() if t.args and t.args[1] == [str(tmp_path / "later"), "x"]]
    assert len(waiting) == 1
    eta = waiting[0].eta.replace(tzinfo=dt.timezone.utc)
    assert abs((eta - run_after).total_seconds()) < 1
    assert not (tmp_path / "later").exists()
