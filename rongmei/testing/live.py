"""Real servers for tests: `rongmei` processes on loopback, each with its own database
(a fresh SQLite file, or a fresh PostgreSQL database when DATABASE_URL names one) and its
own queue name. Tests talk to them over real HTTP.

Within a test run (RONGMEI_TEST_RUN_DIR, set by the root conftest.py) the costly parts of
`prepare` are done once and shared: the static files are collected once and copied into
each instance, and the schema is migrated once into a template (a SQLite file, or a
PostgreSQL database `<name>_tpl_<run>`) that each fresh instance database starts from —
`migrate` still runs on it (nothing to do) and the demo data is loaded per instance as
before. Outside a test run (bench scripts) every instance does it all itself."""

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
_thread_lock = threading.Lock()


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
    made = sorted(folder.glob("pg-template-*.json"))
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
        """The instance's (still empty) database replaced by a copy of the template. CREATE
        DATABASE … TEMPLATE refuses while anyone is connected to the template (the session
        of the migrate that built it may still be closing): retried briefly."""
        import psycopg

        deadline = time.monotonic() + 30
        with self._admin_connect(base_url) as conn:
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
        self._database_from_template()
        # Run even on a copy of the template: nothing to do, unless the template is stale.
        self.rongmei("migrate", "--noinput", "-v", "0")
        if not self._static_from_run():
            self.rongmei("collectstatic", "--noinput", "-v", "0")
        if demo:
            self.rongmei("demo", "--quiet")
        return self

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
