"""The reliability suite's platform: one Rongmei installation on a PRIVATE PostgreSQL
cluster and a PRIVATE Redis (tests/reliability/services.py), started once for the suite,
so the faults (restarting PostgreSQL, stopping Redis) never touch the machine's shared
servers that the rest of CI is using at the same moment.

The data is the session's demo server's (tests/conftest.py `demo_server`), copied across
with pg_dump | pg_restore with its files — seconds, where loading the demo again takes
minutes on a busy 2-core machine. The suite runs in the PostgreSQL + Redis half of CI
(`make test-pg`); in the SQLite run each test is skipped with the reason."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from rongmei.testing.live import Instance, http_get
from tests.reliability.services import PrivatePostgres, PrivateRedis, pg_bin

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "reliability"
SHARED_URL = os.environ.get("DATABASE_URL", "")
ON_POSTGRES = SHARED_URL.startswith(("postgres://", "postgresql://"))

SKIP_REASON = ("the reliability suite runs on PostgreSQL + Redis (make test-pg, the CI's PostgreSQL half): "
               "it starts its own private PostgreSQL and Redis to restart and stop them")


def pytest_collection_modifyitems(config, items):
    here = Path(__file__).parent
    for item in items:
        if Path(str(item.fspath)).parent == here:
            item.add_marker(pytest.mark.slow)
            if not ON_POSTGRES:
                item.add_marker(pytest.mark.skip(reason=SKIP_REASON))


def _copy_database(private: PrivatePostgres, source: str, name: str) -> str:
    """A database in the private cluster holding a copy of `source` (pg_dump | pg_restore)."""
    target = private.url.rsplit("/", 1)[0] + f"/{name}"
    with Instance._admin_connect(private.url) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    binaries = pg_bin()
    dump = subprocess.Popen([str(binaries / "pg_dump"), "--no-owner", "--no-privileges", "-Fc", source],
                            stdout=subprocess.PIPE)
    restore = subprocess.run([str(binaries / "pg_restore"), "--no-owner", "--no-privileges", "-d", target],
                             stdin=dump.stdout, capture_output=True, text=True, timeout=600, check=False)
    dump.stdout.close()
    if dump.wait(60) or restore.returncode:
        raise RuntimeError(f"copying the demo database failed: {restore.stderr[-2000:]}")
    return target


def _copy_var(source: Path, target: Path) -> None:
    """The demo's files (media, rendered site pages, keys) beside the copied database."""
    skip = shutil.ignore_patterns("*.log", "huey*", "static", "*.sqlite3*", "*.sock")
    for entry in source.iterdir():
        if entry.name in ("static",) or entry.name.endswith(".log") or entry.name.startswith("huey"):
            continue
        if entry.is_dir():
            shutil.copytree(entry, target / entry.name, ignore=skip, dirs_exist_ok=True)
        else:
            shutil.copy2(entry, target / entry.name)


@pytest.fixture(scope="session")
def demo_source(request):
    """(database URL, var dir) of a demo installation to copy: the session's demo server,
    or — for local runs on a busy machine — one prepared earlier, named by
    RONGMEI_RELIABILITY_FROM="<database url> <var dir>"."""
    given = os.environ.get("RONGMEI_RELIABILITY_FROM", "").split()
    if len(given) == 2:
        return given[0], Path(given[1])
    server = request.getfixturevalue("demo_server")
    return server.env["DATABASE_URL"], server.var_dir


@pytest.fixture(scope="session")
def platform(demo_source):
    """{'instance', 'pg', 'redis', 'token'}: a demo installation on the private servers — a
    copy of the session's demo server (its database and files; loading the demo again
    would cost minutes), web (gunicorn, 2 processes × 4 threads) and the task worker
    started separately so a test can kill one of them; the suite's tests share it."""
    if not ON_POSTGRES:
        pytest.skip(SKIP_REASON)
    started = time.monotonic()
    pg = PrivatePostgres().start()
    redis = PrivateRedis().start()
    instance = None
    try:
        source_url, source_var = demo_source
        database_url = _copy_database(pg, source_url, "rongmei_reliability")
        instance = Instance(database_url=database_url, extra_env={"REDIS_URL": redis.url})
        _copy_var(source_var, instance.var_dir)
        instance.prepare(demo=False)
        instance.rongmei("shell", "-c", "from rongmei.core.models import Center; "
                         "from rongmei.inquiry.open311_keys import ensure_demo_key; "
                         "ensure_demo_key(Center.objects.get(slug='demo'))")
        token = instance.token_for("editor")
        instance.web = instance.spawn("gunicorn", "rongmei.wsgi:application", "--bind", f"127.0.0.1:{instance.port}",
                                      "--workers", "2", "--threads", "4", "--worker-class", "gthread",
                                      "--timeout", "60", "--log-level", "warning")
        instance.wait_until_up()
        instance.worker = instance.start_worker()
        print(f"reliability platform ready in {time.monotonic() - started:.1f}s")
        yield {"instance": instance, "pg": pg, "redis": redis, "token": token}
    finally:
        if instance is not None:
            instance.stop()
        redis.stop()
        pg.stop()


# A signed-off demo story whose Weibo version passes the checks, and fresh Weibo accounts on the
# demo's fake Weibo for the load's publisher to publish it to, one account per request.
PUBLISH_TARGETS = """
import json
from django.core.exceptions import ValidationError
from rongmei.core.models import Center, User
from rongmei.core import services as core_services
from rongmei.distribution import services
from rongmei.distribution.models import ChannelAccount
from rongmei.review.models import Review
center = Center.objects.get(slug="demo")
operator = User.objects.get(username="operator")
weibo = ChannelAccount.objects.filter(center=center, kind="weibo", is_active=True).order_by("pk").first()
probe = services.create_account(center=center, user=None, kind="weibo", name="压测微博000", base_url=weibo.base_url,
                                secret="token-load-000")
story = None
for review in Review.objects.filter(status=Review.Status.SIGNED_OFF, story__center=center).order_by("-pk"):
    try:
        services.publish(story=review.story, user=operator, account_ids=[probe.pk])
    except ValidationError:  # PreflightRefused included
        continue  # this piece's Weibo version does not pass the checks: try the next
    story = review.story
    break
assert story is not None, "no signed-off demo story passes the Weibo checks"
accounts = [services.create_account(center=center, user=None, kind="weibo", name=f"压测微博{n:03d}",
                                    base_url=weibo.base_url, secret=f"token-load-{n:03d}").pk for n in range(1, COUNT)]
token = core_services.create_api_token(user=operator, center=center, name="load")[1]
print(json.dumps({"story": story.pk, "accounts": accounts, "token": token}))
"""


def publish_targets(instance: Instance, count: int = 150) -> dict:
    """{'story', 'accounts', 'token'} for the load's publisher (see PUBLISH_TARGETS)."""
    return json.loads(shell(instance, PUBLISH_TARGETS.replace("COUNT", str(count))))


def shell(instance: Instance, code: str) -> str:
    """The last line a `rongmei shell -c` printed."""
    return instance.rongmei("shell", "-c", code, timeout=120).stdout.strip().splitlines()[-1]


def write_artifact(name: str, data: dict) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.json"
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2))
    return path


def run_load(instance: Instance, token: str, seconds: float, out: Path, users: int = 10,
             publish: dict | None = None) -> subprocess.Popen:
    """The locust runner (tests/reliability/loadrun.py) in its own process; `publish`
    ({'token', 'story', 'accounts'}, from `publish_targets`) adds the publisher."""
    extra = ["--publish-token", publish["token"], "--publish-story", str(publish["story"]),
             "--publish-accounts", ",".join(map(str, publish["accounts"]))] if publish else []
    return subprocess.Popen([sys.executable, str(Path(__file__).parent / "loadrun.py"), instance.url,
                             "--seconds", str(seconds), "--token", token, "--out", str(out), "--users", str(users),
                             *extra],
                            cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def up(instance: Instance) -> bool:
    try:
        return http_get(f"{instance.url}/site/demo/", timeout=5)[0] == 200
    except OSError:
        return False


def sql(instance: Instance, query: str, params: tuple | list = ()) -> list[tuple]:
    """Rows straight from the instance's (private) database: quicker than a `rongmei shell`."""
    import psycopg

    with psycopg.connect(instance.env["DATABASE_URL"], autocommit=True, connect_timeout=5) as conn:
        cursor = conn.execute(query, params)
        return cursor.fetchall() if cursor.description is not None else []
