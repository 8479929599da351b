"""Real servers for tests: `rongmei` processes on loopback, each with its own database
(a fresh SQLite file, or a fresh PostgreSQL database when DATABASE_URL names one) and its
own queue name. Tests talk to them over real HTTP.

Within a test run (RONGMEI_TEST_RUN_DIR, set by the root conftest.py) the costly parts of
`prepare` are done once and shared: the static files are collected once and copied into
each instance, and the schema is migrated once into a template (a SQLite file, or a
PostgreSQL database `<name>_tpl_<run>`) that each fresh instance database starts from —
`migrate` still runs on it (nothing to do). The demo data is loaded once per run too (see
`demo_template`): an instance prepared with the demo starts from a copy of that database,
its files and its queued tasks, with the loopback ports written into the data moved to the
instance's own. Outside a test run (bench scripts) every instance does it all itself."""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlparse, urlunparse


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_get(url: str, headers: dict | None = None, timeout: float = 10) -> tuple[int, dict, bytes]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


def http_send(method: str, url: str, payload: dict | None = None, headers: dict | None = None,
              timeout: float = 30) -> tuple[int, dict]:
    """A JSON request (POST, PUT ...) and its JSON answer, whatever the status."""
    data = json.dumps(payload).encode() if payload is not None else None
    request = urllib.request.Request(url, data=data, method=method,
                                     headers={"Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"null")


def http_json(url: str, headers: dict | None = None) -> tuple[int, dict]:
    status, _, body = http_get(url, headers)
    return status, json.loads(body or b"null")


# --- Shared per test run: collected static files, migrated schema templates ---------------

RUN_DIR_ENV = "RONGMEI_TEST_RUN_DIR"
_thread_lock = threading.RLock()  # re-entered: the demo template builds the schema template inside its lock


def run_dir() -> Path | None:
    """The test run's shared folder (made by the root conftest.py), or None outside a run."""
    folder = os.environ.get(RUN_DIR_ENV, "")
    return Path(folder) if folder and Path(folder).is_dir() else None


@contextmanager
def _run_lock(folder: Path, name: str):
    """One builder at a time, across threads and processes (flock on a file in the run folder)."""
    with _thread_lock, open(folder / f"{name}.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _stage_env(stage: Path, database_url: str) -> dict:
    """An environment for a one-off `rongmei` command building something shared."""
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "DJANGO_SETTINGS"))},
        "RONGMEI_VAR_DIR": str(stage / "var"),
        "DATABASE_URL": database_url,
        "RONGMEI_DEMO": "1",
        "RONGMEI_QUEUE_NAME": f"rongmei-live-{uuid.uuid4().hex[:8]}",
        "LOG_FORMAT": "json",
        "LOG_LEVEL": "WARNING",
    }


def _run_rongmei(env: dict, *args: str, timeout: float = 600) -> None:
    done = subprocess.run([sys.executable, "-m", "rongmei", *args], env=env, capture_output=True, text=True,
                          timeout=timeout, check=False)
    if done.returncode:
        raise RuntimeError(f"rongmei {' '.join(args)} failed ({done.returncode}):\n{done.stderr[-4000:]}")


def shared_static(folder: Path) -> Path:
    """STATIC_ROOT's content, collected once per run: built in a staging folder and renamed
    into place whole, so a folder that exists is complete."""
    final = folder / "static"
    if final.is_dir():
        return final
    with _run_lock(folder, "static"):
        if not final.is_dir():
            stage = Path(tempfile.mkdtemp(prefix="stage-static-", dir=folder))
            try:
                _run_rongmei(_stage_env(stage, f"sqlite:///{stage / 'unused.sqlite3'}"),
                             "collectstatic", "--noinput", "-v", "0")
                os.rename(stage / "var" / "static", final)
            finally:
                shutil.rmtree(stage, ignore_errors=True)
    return final


def sqlite_template(folder: Path) -> Path:
    """A SQLite database with every migration applied, made once per run: one closed file,
    its write-ahead log merged in (journal mode DELETE, no -wal/-shm beside it)."""
    final = folder / "template.sqlite3"
    if final.is_file():
        return final
    with _run_lock(folder, "sqlite-template"):
        if not final.is_file():
            stage = Path(tempfile.mkdtemp(prefix="stage-sqlite-", dir=folder))
            try:
                db = stage / "template.sqlite3"
                _run_rongmei(_stage_env(stage, f"sqlite:///{db}"), "migrate", "--noinput", "-v", "0")
                conn = sqlite3.connect(db)
                try:
                    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                    mode = conn.execute("PRAGMA journal_mode=DELETE").fetchone()[0]
                finally:
                    conn.close()
                leftovers = [p.name for p in stage.glob("template.sqlite3-*")]
                if mode.lower() != "delete" or leftovers:
                    raise RuntimeError(f"SQLite template not self-contained: journal {mode}, {leftovers}")
                os.rename(db, final)
            finally:
                shutil.rmtree(stage, ignore_errors=True)
    return final


def _pg_key(base_url: str) -> str:
    return hashlib.sha256(base_url.encode()).hexdigest()[:10]


def postgres_template(folder: Path, base_url: str) -> str:
    """A PostgreSQL database with every migration applied, made once per run beside the
    suite's database (`<name>_tpl_<run>`); dropped by finish_run at the end of the run."""
    key = _pg_key(base_url)
    marker = folder / f"pg-template-{key}.json"
    if marker.is_file():
        return json.loads(marker.read_text())["template"]
    with _run_lock(folder, f"pg-template-{key}"):
        if marker.is_file():
            return json.loads(marker.read_text())["template"]
        parsed = urlparse(base_url)
        run = hashlib.sha256(str(folder).encode()).hexdigest()[:8]
        name = f"{parsed.path.lstrip('/')[:40]}_tpl_{run}"
        # Written first: an interrupted build is still dropped at the end of the run.
        pending = folder / f"pg-template-{key}.pending.json"
        pending.write_text(json.dumps({"base_url": base_url, "template": name}))
        with Instance._admin_connect(base_url) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
        stage = Path(tempfile.mkdtemp(prefix="stage-pg-", dir=folder))
        try:
            _run_rongmei(_stage_env(stage, urlunparse(parsed._replace(path=f"/{name}"))),
                         "migrate", "--noinput", "-v", "0")
        finally:
            shutil.rmtree(stage, ignore_errors=True)
        tmp = folder / f"pg-template-{key}.json.tmp"
        tmp.write_text(json.dumps({"base_url": base_url, "template": name}))
        os.rename(tmp, marker)
        pending.unlink()
        return name


def finish_run(folder: Path) -> None:
    """End of a test run: drop the PostgreSQL templates it made (instances' databases are
    dropped by Instance.stop)."""
    made = sorted([*folder.glob("pg-template-*.json"), *folder.glob("demo-*.json")])
    made = [p for p in made if json.loads(p.read_text()).get("template")]
    if not made:
        return
    import psycopg

    for path in made:
        try:
            info = json.loads(path.read_text())
            with Instance._admin_connect(info["base_url"]) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{info["template"]}" WITH (FORCE)')
        except (OSError, ValueError, KeyError, psycopg.Error) as exc:  # a cleanup: report, never fail the run
            print(f"rongmei.testing.live: could not drop {path.name}: {exc}", file=sys.stderr)


# --- The demo data, loaded once per run -------------------------------------------------------------

# The demo template is loaded with its web server "on" DEMO_WEB_PORT and its sandbox fakes "on"
# DEMO_SANDBOX_PORT … + 9: the demo writes these loopback addresses into its data (channel
# accounts, publications' links, monitored items, the static public site). No instance ever
# listens there (above the kernel's ephemeral range and the sandbox blocks the suites draw), so
# each copy can rewrite them to its own ports without mistaking anything else for them.
DEMO_SANDBOX_PORT = 64000
DEMO_WEB_PORT = 64010
# Settings read only while serving, not by `rongmei demo`: instances differing in these share a
# template. Any other difference in extra_env (a SECRET_KEY, storage settings) gets its own.
SERVE_TIME_SETTINGS = {"RONGMEI_SANDBOX", "RONGMEI_SANDBOX_PORT", "RONGMEI_OUTBOX_LEASE_SECONDS", "RONGMEI_OUTBOX_BACKOFF_SECONDS",
                       "RONGMEI_LINKCHECK_ALLOW", "PORT"}
_SITE_TEXT = {".html", ".xml", ".json", ".txt", ".js", ".css", ".webmanifest"}


def _huey_redis_keys(queue: str) -> list[str]:
    """huey's RedisStorage keys for a queue name (huey/storage.py: the name cleaned to
    [A-Za-z0-9_], then the queue, schedule and results keys)."""
    from huey.storage import RedisStorage

    name = RedisStorage.clean_name(None, queue)
    return [f"huey.redis.{name}", f"huey.schedule.{name}", f"huey.results.{name}"]


def _demo_key(base_url: str, extra_env: dict) -> str:
    relevant = {k: v for k, v in extra_env.items() if k not in SERVE_TIME_SETTINGS}
    return hashlib.sha256(json.dumps([base_url, sorted(relevant.items())]).encode()).hexdigest()[:10]


def demo_template(folder: Path, base_url: str, extra_env: dict) -> dict:
    """The demo loaded once per run and kept as a template: a migrated database (SQLite file,
    or PostgreSQL database `<name>_demo_<run>`) with `rongmei demo` run on it, the var folder it
    wrote (media, the static public site, the secret key) and the tasks it queued (in the
    template's own huey queue, never consumed: the SQLite file's rows, or on Redis a snapshot
    file — see `_snapshot_redis_queue`). Built the first time an instance asks for it,
    under the run's lock, as a staged folder published by renaming a marker file."""
    key = _demo_key(base_url, extra_env)
    marker = folder / f"demo-{key}.json"
    if marker.is_file():
        return json.loads(marker.read_text())
    with _run_lock(folder, f"demo-{key}"):
        if marker.is_file():
            return json.loads(marker.read_text())
        run = hashlib.sha256(str(folder).encode()).hexdigest()[:8]
        stage = Path(tempfile.mkdtemp(prefix=f"demo-{key}-", dir=folder))
        info = {"var": str(stage / "var"), "queue": f"rongmei-demo-tpl-{run}-{key}", "template": "",
                "sqlite": "", "base_url": base_url,
                "redis_url": extra_env.get("REDIS_URL", os.environ.get("REDIS_URL", ""))}
        if base_url.startswith(("postgres://", "postgresql://")):
            parsed = urlparse(base_url)
            info["template"] = f"{parsed.path.lstrip('/')[:40]}_demo_{run}_{key[:6]}"
            # Written first: an interrupted build is still dropped at the end of the run.
            (folder / f"demo-{key}.pending.json").write_text(json.dumps(info))
            with Instance._admin_connect(base_url) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{info["template"]}" WITH (FORCE)')
            Instance._copy_pg_database(base_url, info["template"], postgres_template(folder, base_url))
            db_url = urlunparse(parsed._replace(path=f"/{info['template']}"))
        else:
            info["sqlite"] = str(stage / "var" / "rongmei.sqlite3")
            (stage / "var").mkdir()
            shutil.copyfile(sqlite_template(folder), info["sqlite"])
            db_url = f"sqlite:///{info['sqlite']}"
        shutil.copytree(shared_static(folder), stage / "var" / "static")
        env = {**_stage_env(stage, db_url), **extra_env, "RONGMEI_QUEUE_NAME": info["queue"],
               "PORT": str(DEMO_WEB_PORT), "RONGMEI_SANDBOX_PORT": str(DEMO_SANDBOX_PORT)}
        _run_rongmei(env, "demo", "--quiet", timeout=900)
        if info["redis_url"]:
            info["redis_snapshot"] = str(stage / "queue.json")
            _snapshot_redis_queue(info["redis_url"], info["queue"], Path(info["redis_snapshot"]))
        if info["sqlite"]:
            for name in ("rongmei.sqlite3", "huey.sqlite3"):
                _self_contained_sqlite(stage / "var" / name)
        shutil.rmtree(stage / "var" / "static")
        tmp = folder / f"demo-{key}.json.tmp"
        tmp.write_text(json.dumps(info))
        os.rename(tmp, marker)
        (folder / f"demo-{key}.pending.json").unlink(missing_ok=True)
        return info


def _snapshot_redis_queue(redis_url: str, queue: str, path: Path) -> None:
    """The template's queued tasks (huey's list, schedule and results) written to a file and
    removed from Redis: tests that clear the cache (a FLUSHDB on the shared Redis) must not
    take them from the copies made later in the run."""
    import base64

    import redis

    def b64(value: bytes) -> str:
        return base64.b64encode(value).decode()

    queue_key, schedule_key, result_key = _huey_redis_keys(queue)
    connection = redis.Redis.from_url(redis_url)
    try:
        snapshot = {"queue": [b64(v) for v in connection.lrange(queue_key, 0, -1)],
                    "schedule": [[b64(v), score] for v, score in connection.zrange(schedule_key, 0, -1, withscores=True)],
                    "results": {b64(k): b64(v) for k, v in connection.hgetall(result_key).items()}}
        path.write_text(json.dumps(snapshot))
        connection.delete(queue_key, schedule_key, result_key)
    finally:
        connection.close()


def _restore_redis_queue(redis_url: str, queue: str, path: Path) -> None:
    """A copy's queue filled from the template's snapshot, in the same order (huey pushes on
    the left and takes from the right; LRANGE's order, pushed on the right, is the same list)."""
    import base64

    import redis

    snapshot = json.loads(path.read_text())
    queue_key, schedule_key, result_key = _huey_redis_keys(queue)
    connection = redis.Redis.from_url(redis_url)
    try:
        pipe = connection.pipeline()
        pipe.delete(queue_key, schedule_key, result_key)
        if snapshot["queue"]:
            pipe.rpush(queue_key, *[base64.b64decode(v) for v in snapshot["queue"]])
        if snapshot["schedule"]:
            pipe.zadd(schedule_key, {base64.b64decode(v): score for v, score in snapshot["schedule"]})
        if snapshot["results"]:
            pipe.hset(result_key, mapping={base64.b64decode(k): base64.b64decode(v) for k, v in snapshot["results"].items()})
        pipe.execute()
    finally:
        connection.close()


def _self_contained_sqlite(path: Path) -> None:
    """A closed SQLite file with its write-ahead log merged in, so a plain copy is complete."""
    if not path.is_file():
        return
    conn = sqlite3.connect(path)
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.execute("PRAGMA journal_mode=DELETE")
    finally:
        conn.close()


def _port_moves(env: dict) -> list[tuple[str, str]]:
    """The template's loopback addresses and this instance's: web port, sandbox block."""
    sandbox = int(env.get("RONGMEI_SANDBOX_PORT") or 8901)
    moves = [(f"127.0.0.1:{DEMO_WEB_PORT}", f"127.0.0.1:{env['PORT']}")]
    moves += [(f"127.0.0.1:{DEMO_SANDBOX_PORT + k}", f"127.0.0.1:{sandbox + k}") for k in range(10)]
    return moves


def _text_columns() -> list[tuple[str, str, bool]]:
    """(table, column, is JSON) for every text-holding column of the project's models, read from
    the models this process has loaded (the test run's: the same code as the instances')."""
    from django.apps import apps
    from django.db import models

    columns = []
    for model in apps.get_models():
        if not model._meta.managed or model._meta.proxy:
            continue
        for f in model._meta.concrete_fields:
            if isinstance(f, (models.CharField, models.TextField, models.JSONField)):
                columns.append((model._meta.db_table, f.column, isinstance(f, models.JSONField)))
    return columns


def _moved_expression(column: str, moves: list[tuple[str, str]]) -> str:
    expression = column
    for old, new in moves:
        expression = f"replace({expression}, '{old}', '{new}')"
    return expression


class Instance:
    """One installation: a database, a var dir, an environment. Start processes on it."""

    def __init__(self, *, database_url: str | None = None, extra_env: dict | None = None):
        self.var_dir = Path(tempfile.mkdtemp(prefix="rongmei-live-"))
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._pg_db: tuple[str, str] | None = None
        self._sqlite_db: Path | None = None  # the default database file, when it is SQLite
        self._untouched = True  # nothing has run on the database yet: a template may replace it
        # database_url given: used as it is. Otherwise a new database beside the suite's own.
        base_url = os.environ.get("DATABASE_URL", "")
        if database_url is not None:
            db_url = database_url
        elif base_url.startswith(("postgres://", "postgresql://")):
            name = f"rongmei_live_{uuid.uuid4().hex[:10]}"
            self._create_pg_database(base_url, name)
            parsed = urlparse(base_url)
            db_url = urlunparse(parsed._replace(path=f"/{name}"))
            self._pg_db = (base_url, name)
        else:
            self._sqlite_db = self.var_dir / "rongmei.sqlite3"
            db_url = f"sqlite:///{self._sqlite_db}"
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "DJANGO_SETTINGS"))},
            "RONGMEI_VAR_DIR": str(self.var_dir),
            "DATABASE_URL": db_url,
            "RONGMEI_DEMO": "1",
            "RONGMEI_QUEUE_NAME": f"rongmei-live-{uuid.uuid4().hex[:8]}",
            "LOG_FORMAT": "json",
            "LOG_LEVEL": "WARNING",
            "PORT": str(self.port),
            **(extra_env or {}),
        }
        self._extra_env = dict(extra_env or {})
        self.processes: list[subprocess.Popen] = []
        self.log_path = self.var_dir / "server.log"

    @staticmethod
    def _admin_connect(base_url: str):
        import psycopg

        parsed = urlparse(base_url)
        return psycopg.connect(
            host=parsed.hostname, port=parsed.port or 5432, user=parsed.username,
            password=parsed.password, dbname=parsed.path.lstrip("/"), autocommit=True,
        )

    def _create_pg_database(self, base_url: str, name: str) -> None:
        with self._admin_connect(base_url) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')

    def _create_pg_from_template(self, base_url: str, name: str, template: str) -> None:
        self._copy_pg_database(base_url, name, template)

    @classmethod
    def _copy_pg_database(cls, base_url: str, name: str, template: str) -> None:
        """Database `name` (replaced if it exists) made as a copy of `template`. CREATE
        DATABASE … TEMPLATE refuses while anyone is connected to the template (the session
        of the command that built it may still be closing): retried briefly."""
        import psycopg

        deadline = time.monotonic() + 30
        with cls._admin_connect(base_url) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            while True:
                try:
                    conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
                    return
                except psycopg.errors.ObjectInUse:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.3)

    def _database_from_template(self) -> None:
        """A fresh default database starts as the run's migrated template (schema only)."""
        folder = run_dir()
        if folder is None or not self._untouched:
            return
        if self._pg_db is not None:
            base_url, name = self._pg_db
            self._create_pg_from_template(base_url, name, postgres_template(folder, base_url))
        elif self._sqlite_db is not None and not self._sqlite_db.exists():
            template = sqlite_template(folder)
            partial = self._sqlite_db.with_name(self._sqlite_db.name + ".copying")
            shutil.copyfile(template, partial)
            os.rename(partial, self._sqlite_db)

    def _static_from_run(self) -> bool:
        """STATIC_ROOT (var dir/static) filled with a copy of the run's collected files."""
        folder = run_dir()
        if folder is None:
            return False
        shutil.copytree(shared_static(folder), self.var_dir / "static", dirs_exist_ok=True)
        return True

    def rongmei(self, *args: str, check: bool = True, timeout: float = 180) -> subprocess.CompletedProcess:
        self._untouched = False
        return subprocess.run([sys.executable, "-m", "rongmei", *args], env=self.env, capture_output=True,
                              text=True, timeout=timeout, check=check)

    def token_for(self, username: str, center_slug: str = "demo") -> str:
        """A personal API token for a demo user, made through the real service."""
        code = (
            "from rongmei.core import services; from rongmei.core.models import User, Center; "
            f"u = User.objects.get(username={username!r}); c = Center.objects.get(slug={center_slug!r}); "
            "print(services.create_api_token(user=u, center=c, name='tests')[1])"
        )
        return self.rongmei("shell", "-c", code).stdout.strip().splitlines()[-1]

    def prepare(self, demo: bool = True) -> Instance:
        if demo and self._demo_from_run():
            return self
        self._database_from_template()
        # Run even on a copy of the template: nothing to do, unless the template is stale.
        self.rongmei("migrate", "--noinput", "-v", "0")
        if not self._static_from_run():
            self.rongmei("collectstatic", "--noinput", "-v", "0")
        if demo:
            self.rongmei("demo", "--quiet", timeout=900)
        return self

    def _demo_from_run(self) -> bool:
        """A fresh installation made as a copy of the run's demo template (`demo_template`):
        its database, var folder and queued tasks, the template's loopback ports rewritten to
        this instance's. False (nothing done) outside a test run or on a database given by the
        caller, which then loads the demo itself."""
        folder = run_dir()
        if folder is None or not self._untouched or (self._pg_db is None and self._sqlite_db is None):
            return False
        base_url = self._pg_db[0] if self._pg_db is not None else "sqlite"
        info = demo_template(folder, base_url, self._extra_env)
        self._untouched = False
        template_var = Path(info["var"])
        shutil.copytree(template_var, self.var_dir, dirs_exist_ok=True,
                        ignore=shutil.ignore_patterns("rongmei.sqlite3*", "huey.sqlite3*", "*.lock", "server.log"))
        self._static_from_run()
        moves = _port_moves(self.env)
        if self._pg_db is not None:
            self._copy_pg_database(self._pg_db[0], self._pg_db[1], info["template"])
            self._move_ports_pg(moves)
        else:
            shutil.copyfile(info["sqlite"], self._sqlite_db)
            self._move_ports_sqlite(moves)
        self._copy_queue(info)
        for path in (self.var_dir / "sites").rglob("*"):
            if path.suffix in _SITE_TEXT and path.is_file():
                text = path.read_text(encoding="utf-8", errors="surrogateescape")
                moved = text
                for old, new in moves:
                    moved = moved.replace(old, new)
                if moved != text:
                    path.write_text(moved, encoding="utf-8", errors="surrogateescape")
        return True

    def _move_ports_sqlite(self, moves) -> None:
        conn = sqlite3.connect(self._sqlite_db)
        try:
            with conn:
                for table, column, _ in _text_columns():
                    quoted = f'"{column}"'
                    try:
                        conn.execute(f'UPDATE "{table}" SET {quoted} = {_moved_expression(quoted, moves)} '
                                     f"WHERE {quoted} LIKE '%127.0.0.1:6401%' OR {quoted} LIKE '%127.0.0.1:6400%'")
                    except sqlite3.IntegrityError:
                        pass  # an append-only table (the audit log): its history keeps the template's ports
        finally:
            conn.close()

    def _move_ports_pg(self, moves) -> None:
        import psycopg

        parsed = urlparse(self._pg_db[0])
        with psycopg.connect(host=parsed.hostname, port=parsed.port or 5432, user=parsed.username,
                             password=parsed.password, dbname=self._pg_db[1]) as conn:
            for table, column, is_json in _text_columns():
                quoted = f'"{column}"'
                text = f"{quoted}::text" if is_json else quoted
                moved = _moved_expression(text, moves) + ("::jsonb" if is_json else "")
                try:
                    with conn.transaction():
                        conn.execute(f'UPDATE "{table}" SET {quoted} = {moved} '
                                     f"WHERE {text} LIKE '%127.0.0.1:6401%' OR {text} LIKE '%127.0.0.1:6400%'")
                except (psycopg.errors.RaiseException, psycopg.errors.IntegrityError):
                    pass  # an append-only table (the audit log): its history keeps the template's ports

    def _copy_queue(self, info: dict) -> None:
        """The tasks the demo queued, put in this instance's queue (they run when it serves)."""
        queue = self.env["RONGMEI_QUEUE_NAME"]
        if info.get("redis_snapshot"):
            _restore_redis_queue(self.env.get("REDIS_URL") or info["redis_url"], queue, Path(info["redis_snapshot"]))
            return
        source = Path(info["var"]) / "huey.sqlite3"
        if source.is_file():
            target = self.var_dir / "huey.sqlite3"
            shutil.copyfile(source, target)
            conn = sqlite3.connect(target)
            try:
                with conn:
                    for (table,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall():
                        columns = [row[1] for row in conn.execute(f'PRAGMA table_info("{table}")')]
                        if "queue" in columns:
                            conn.execute(f'UPDATE "{table}" SET queue = ?', (queue,))
            finally:
                conn.close()

    def spawn(self, *args: str) -> subprocess.Popen:
        self._untouched = False
        log = open(self.log_path, "ab")
        process = subprocess.Popen([sys.executable, "-m", *args], env=self.env, stdout=log, stderr=subprocess.STDOUT,
                                   start_new_session=True)
        self.processes.append(process)
        return process

    def start_serve(self) -> subprocess.Popen:
        process = self.spawn("rongmei", "serve", "--port", str(self.port))
        self.wait_until_up()
        return process

    def start_web(self) -> subprocess.Popen:
        process = self.spawn("gunicorn", "rongmei.wsgi:application", "--bind", f"127.0.0.1:{self.port}",
                             "--workers", "1", "--threads", "4", "--worker-class", "gthread")
        self.wait_until_up()
        return process

    def start_worker(self) -> subprocess.Popen:
        return self.spawn("rongmei", "worker")

    def wait_until_up(self, timeout: float = 90) -> None:
        # Generous: a loaded 2-core CI machine has taken ~40 s to bring gunicorn and the
        # workers up; the loop returns as soon as the login page answers.
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                status, _, _ = http_get(f"{self.url}/login/", timeout=5)
                if status == 200:
                    return
            except OSError:
                pass
            for process in self.processes:
                if process.poll() is not None:
                    raise RuntimeError(f"server exited early:\n{self.log_path.read_text(errors='replace')[-4000:]}")
            time.sleep(0.2)
        raise RuntimeError(f"server did not come up:\n{self.log_path.read_text(errors='replace')[-4000:]}")

    def wait_for(self, predicate, timeout: float = 30, interval: float = 0.25):
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            last = predicate()
            if last:
                return last
            time.sleep(interval)
        return last

    @staticmethod
    def kill(process: subprocess.Popen, sig: int = signal.SIGKILL) -> None:
        if process.poll() is None:
            try:
                os.killpg(process.pid, sig)
            except ProcessLookupError:
                pass
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(5)

    def stop(self) -> None:
        for process in reversed(self.processes):
            self.kill(process, signal.SIGTERM)
        self.processes.clear()
        if self._pg_db is not None:
            base_url, name = self._pg_db
            with self._admin_connect(base_url) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            self._pg_db = None
