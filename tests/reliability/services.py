"""Private PostgreSQL and Redis servers for the fault tests: started in a temporary folder on a
free loopback port, so restarting or stopping them never touches the machine's shared cluster
(CI's other tests and the other suite run against that one at the same time)."""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from rongmei.testing.live import free_port


def pg_bin() -> Path | None:
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=lambda p: int(p.split("/")[4]))
    return Path(versions[-1]).parent if versions else None


def _as_owner(argv: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root: as root the commands run as the `postgres` user."""
    if os.geteuid() != 0:
        return argv
    return ["runuser", "-u", "postgres", "--", *argv]


class PrivatePostgres:
    """initdb into a temp folder, pg_ctl start on a free port; `restart()` is the fault."""

    def __init__(self):
        self.bin = pg_bin()
        if self.bin is None:
            raise RuntimeError("PostgreSQL binaries not found under /usr/lib/postgresql")
        if os.geteuid() == 0:
            try:
                owner = pwd.getpwnam("postgres")
            except KeyError as exc:
                raise RuntimeError("running as root without a postgres user") from exc
        self.folder = Path(tempfile.mkdtemp(prefix="rongmei-private-pg-"))
        os.chmod(self.folder, 0o755)
        self.data = self.folder / "data"
        self.port = free_port()
        self.log = self.folder / "postgres.log"
        if os.geteuid() == 0:
            os.chown(self.folder, owner.pw_uid, owner.pw_gid)
        self.url = f"postgresql://rongmei:rongmei@127.0.0.1:{self.port}/postgres"

    def _run(self, *argv: str, timeout: float = 120) -> None:
        done = subprocess.run(_as_owner(list(argv)), capture_output=True, text=True, timeout=timeout, check=False)
        if done.returncode:
            raise RuntimeError(f"{' '.join(argv)} failed: {done.stdout[-2000:]}{done.stderr[-2000:]}")

    def start(self) -> PrivatePostgres:
        self._run(str(self.bin / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres", "-E", "UTF8",
                  "--locale=C.UTF-8", "--no-sync")
        self._pg_ctl("start")
        psql = str(self.bin / "psql") if (self.bin / "psql").exists() else "psql"
        self._run(psql, "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "-d", "postgres", "-qAt",
                  "-c", "CREATE ROLE rongmei LOGIN SUPERUSER PASSWORD 'rongmei'")
        return self

    def _pg_ctl(self, action: str, *extra: str) -> None:
        options = (f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off "
                   "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200")
        self._run(str(self.bin / "pg_ctl"), action, "-D", str(self.data), "-w", "-t", "60", "-l", str(self.log),
                  "-o", options, *extra)

    def restart(self) -> None:
        """What `pg_ctlcluster <ver> main restart` does: a fast shutdown (every session cut)
        and a start."""
        self._pg_ctl("restart", "-m", "fast")

    def stop(self) -> None:
        try:
            self._pg_ctl("stop", "-m", "immediate")
        except RuntimeError:  # already stopped
            pass
        shutil.rmtree(self.folder, ignore_errors=True)


class PrivateRedis:
    """redis-server on a free port, no persistence; `stop()` and `start()` are the fault."""

    def __init__(self):
        self.exe = shutil.which("redis-server")
        if self.exe is None:
            raise RuntimeError("redis-server not found")
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> PrivateRedis:
        self.process = subprocess.Popen([self.exe, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                                         "--appendonly", "no"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1) as s:
                    s.sendall(b"PING\r\n")
                    if s.recv(16).startswith(b"+PONG"):
                        return self
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("private redis-server did not start")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)
        self.process = None
