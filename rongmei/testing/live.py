"""Real servers for tests: `rongmei` processes on loopback, each with its own database
(a fresh SQLite file, or a fresh PostgreSQL database when DATABASE_URL names one) and its
own queue name. Tests talk to them over real HTTP."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
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


class Instance:
    """One installation: a database, a var dir, an environment. Start processes on it."""

    def __init__(self, *, database_url: str | None = None, extra_env: dict | None = None):
        self.var_dir = Path(tempfile.mkdtemp(prefix="rongmei-live-"))
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._pg_db: tuple[str, str] | None = None
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
            db_url = f"sqlite:///{self.var_dir / 'rongmei.sqlite3'}"
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

    def rongmei(self, *args: str, check: bool = True, timeout: float = 180) -> subprocess.CompletedProcess:
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
        self.rongmei("migrate", "--noinput", "-v", "0")
        self.rongmei("collectstatic", "--noinput", "-v", "0")
        if demo:
            self.rongmei("demo", "--quiet")
        return self

    def spawn(self, *args: str) -> subprocess.Popen:
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
