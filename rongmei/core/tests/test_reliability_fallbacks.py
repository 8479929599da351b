"""The small parts the reliability suite (tests/reliability/) leans on, tested fast:
tasks held in the database while Redis is away and relayed once; the cache answering from
process memory while Redis is away; the Chinese 503 for an unreachable database; task
leases putting a dead worker's task back on the queue (against a private redis-server)."""

import json
import shutil

import pytest
from django.core.signals import got_request_exception
from django.db.utils import OperationalError
from django.http import HttpResponse
from django.test import RequestFactory
from huey.contrib.djhuey import HUEY

from rongmei.core import outage, taskfallback
from rongmei.core.models import PendingEnqueue
from rongmei.core.resilientcache import ResilientRedisCache
from rongmei.testing.live import free_port

pytestmark = pytest.mark.django_db


def _redis_down(*args, **kwargs):
    import redis.exceptions

    raise redis.exceptions.ConnectionError("Error 111 connecting to 127.0.0.1:1. Connection refused.")


@pytest.fixture
def backend():
    from rongmei.core.taskfallback import FallbackHueyBackend

    taskfallback._down_until = 0.0
    yield FallbackHueyBackend("default", {"OPTIONS": {"enqueue_on_commit": True}})
    taskfallback._down_until = 0.0


def test_enqueue_with_redis_down_is_held_then_relayed_once(backend, monkeypatch, django_capture_on_commit_callbacks):
    from rongmei.core.tasks import email_notifications

    monkeypatch.setattr(HUEY, "enqueue", _redis_down)
    with django_capture_on_commit_callbacks(execute=True):
        result = backend.enqueue(email_notifications, [[1, 2]], {})
    row = PendingEnqueue.objects.get()
    assert row.task_id == result.id and row.task_path == "rongmei.core.tasks.email_notifications"
    assert row.args == [[1, 2]] and row.kwargs == {}
    # Redis known down: the next one is written in the caller's transaction, before commit.
    with django_capture_on_commit_callbacks(execute=False) as hooks:
        second = backend.enqueue(email_notifications, [[3]], {})
    assert not hooks and PendingEnqueue.objects.filter(task_id=second.id).exists()

    # Still down: the relay keeps every row.
    import redis.exceptions

    with pytest.raises(redis.exceptions.ConnectionError):
        taskfallback.relay_pending()
    assert PendingEnqueue.objects.count() == 2

    sent = []
    monkeypatch.setattr(HUEY, "enqueue", lambda task: sent.append(task))
    monkeypatch.setattr(HUEY, "put_result", lambda key, value: None)
    assert taskfallback.relay_pending() == 2
    assert [t.id for t in sent] == [result.id, second.id]  # in order, with their first ids
    assert [t.args[0] for t in sent] == ["rongmei.core.tasks.email_notifications"] * 2
    assert not PendingEnqueue.objects.exists()
    assert taskfallback.relay_pending() == 0 and len(sent) == 2  # nothing twice


def test_enqueue_rolled_back_leaves_nothing_held(backend, monkeypatch):
    from django.db import transaction

    from rongmei.core.tasks import email_notifications

    taskfallback._mark_down()
    monkeypatch.setattr(HUEY, "enqueue", _redis_down)
    with pytest.raises(RuntimeError), transaction.atomic():
        backend.enqueue(email_notifications, [[1]], {})
        raise RuntimeError("the work failed")
    assert not PendingEnqueue.objects.exists()


def test_cache_falls_back_to_process_memory_when_redis_is_away():
    cache = ResilientRedisCache(f"redis://127.0.0.1:{free_port()}/0", {"KEY_PREFIX": "t"})
    assert cache.get("missing", "default") == "default"
    assert cache.add("count", 1, 60) is True
    assert cache.incr("count") == 2
    cache.set("page", "内容", 60)
    assert cache.get("page") == "内容"


def test_database_error_becomes_chinese_503():
    def view(request):
        try:
            raise OperationalError("connection to server at \"127.0.0.1\", port 5432 failed")
        except OperationalError:
            got_request_exception.send(sender=None, request=request)
        return HttpResponse("Server Error", status=500)

    middleware = outage.ServiceUnavailableMiddleware(view)
    page = middleware(RequestFactory().get("/site/demo/"))
    assert page.status_code == 503 and page["Retry-After"] == "5"
    assert "服务暂时不可用，请稍后重试" in page.content.decode()
    api = middleware(RequestFactory().post("/api/v1/stories"))
    assert api.status_code == 503 and json.loads(api.content) == {"detail": "服务暂时不可用，请稍后重试。"}
    # Any other 500 stays what it is.
    other = outage.ServiceUnavailableMiddleware(lambda request: HttpResponse("boom", status=500))
    assert other(RequestFactory().get("/")).status_code == 500


@pytest.mark.skipif(shutil.which("redis-server") is None, reason="redis-server is not installed")
def test_lease_of_a_dead_worker_is_requeued_once(monkeypatch):
    from huey import RedisHuey

    from rongmei.core import taskleases
    from tests.reliability.services import PrivateRedis

    server = PrivateRedis().start()
    try:
        huey = RedisHuey("leases-test", url=server.url)
        monkeypatch.setattr(taskleases, "HUEY", huey)
        monkeypatch.setattr(taskleases, "_installed", False)
        monkeypatch.setattr(taskleases, "_mine", {})

        @huey.task()
        def job(n):
            return n

        assert taskleases.install()
        task = job.s(7)
        huey._emit("executing", task)  # this process took it ...
        assert huey.storage.conn.hexists(taskleases.LEASES, task.id)
        assert taskleases.sweep() == []  # ... and holds it: not swept
        # The owner dies: its lease runs out and another worker's sweep requeues it, once.
        taskleases._mine.clear()
        assert taskleases.sweep(now=9e12) == [task.id]
        assert taskleases.sweep(now=9e12) == []
        again = huey.dequeue()
        assert again.id == task.id and again.args == (7,)
        huey._emit("complete", again)
        assert not huey.storage.conn.hexists(taskleases.LEASES, task.id)
    finally:
        server.stop()


def test_staff_api_answers_503_for_an_unreachable_database():
    """The staff API answers its own exceptions (a logged 500): the database errors get the 503."""
    from rongmei.api import api

    outage.register_api_handlers()
    handler = api._lookup_exception_handler(OperationalError("server closed the connection unexpectedly"))
    answer = handler(RequestFactory().post("/api/v1/stories"), OperationalError("closed"))
    assert answer.status_code == 503 and json.loads(answer.content) == {"detail": "服务暂时不可用，请稍后重试。"}
