"""The production samples in deploy/ cannot rot: every systemd unit in deploy/systemd is
parsed and run the way systemd would run it — its ExecStartPre (`rongmei check`) and then its
ExecStart, with the install paths (/srv/rongmei/…) pointed at a prepared installation and the
environment read from an env file made from deploy/rongmei.env.example — and then stopped
with the unit's own KillSignal, within its TimeoutStopSec.

What is shown, over real HTTP against those processes:
- the web unit answers /healthz and /login/ (production settings: demo off, HTTPS behind
  nginx, the sample's host name);
- a task enqueued through the web (a story's link check) is run by a worker unit exactly once;
- the scheduler unit sends the periodic tasks, the plain worker units do not;
- a worker stopped while a task runs finishes that task first (Huey's graceful SIGINT);
- an upgrade (docs/deploy.md): jobs enqueued while the workers are stopped, web stopped,
  `rongmei migrate` and `rongmei collectstatic`, units started → every job run exactly once.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import secrets
import shlex
import shutil
import signal
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlencode

import pytest

from rongmei.testing.live import Instance, free_port

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
UNITS = ROOT / "deploy" / "systemd"
ENV_EXAMPLE = ROOT / "deploy" / "rongmei.env.example"
HOST = "rongmei.example.gov.cn"  # in the sample's ALLOWED_HOSTS
VENV_BIN = Path(sys.executable).parent
# Generous for a loaded CI machine (several suites at once); a healthy one needs seconds.
LOADED = 300
LONG_RUNNING = ["rongmei-web.service", "rongmei-worker@.service", "rongmei-scheduler.service",
                "rongmei-distribute.service"]


# --- Reading units the way systemd does ----------------------------------------------------

def read_unit(name: str) -> dict[str, dict[str, list[str]]]:
    """{section: {key: [values in order]}}; repeated keys (ExecStartPre, ReadWritePaths) kept."""
    sections: dict[str, dict[str, list[str]]] = {}
    current = None
    for raw in (UNITS / name).read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("[") and line.endswith("]"):
            current = sections.setdefault(line[1:-1], {})
            continue
        assert current is not None and "=" in line, f"{name}: not a unit line: {raw!r}"
        key, _, value = line.partition("=")
        current.setdefault(key.strip(), []).append(value.strip())
    return sections


def one(unit: dict, section: str, key: str) -> str:
    values = unit[section][key]
    assert len(values) == 1, (section, key, values)
    return values[0]


def read_env_file(path: Path) -> dict[str, str]:
    """systemd's EnvironmentFile: KEY=VALUE lines, comments with # or ;, optional quotes."""
    env = {}
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        key, sep, value = line.partition("=")
        assert sep and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", key.strip()), f"bad env line {raw!r}"
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        env[key.strip()] = value
    return env


def expand(command: str, env: dict[str, str], instance: str = "") -> list[str]:
    """An Exec line as systemd reads it: %i, ${VAR} inside a word, $VAR as words of its own."""
    command = command.lstrip("-@:+!")  # prefixes; ours have none, but a copy might
    command = command.replace("%i", instance).replace("%%", "%")
    words = []
    for word in shlex.split(command):
        if re.fullmatch(r"\$[A-Za-z_][A-Za-z0-9_]*", word):
            words.extend(env.get(word[1:], "").split())
            continue
        words.append(re.sub(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}", lambda m: env.get(m.group(1), ""), word))
    return words


# --- The installation ------------------------------------------------------------------------

class Install:
    """/srv/rongmei and /etc/rongmei/rongmei.env of the samples, pointed at an Instance."""

    def __init__(self, inst: Instance, root: Path):
        self.inst = inst
        self.root = root
        (root / "backups").mkdir(parents=True, exist_ok=True)
        self.env_file = root / "rongmei.env"
        self.paths = [  # longest first
            ("/etc/rongmei/rongmei.env", str(self.env_file)),
            ("/srv/rongmei/venv/bin", str(VENV_BIN)),
            ("/srv/rongmei/var", str(inst.var_dir)),
            ("/srv/rongmei/backups", str(root / "backups")),
            ("/srv/rongmei", str(root)),
        ]
        self.write_env_file()
        self.logs: dict[str, Path] = {}

    def local(self, text: str) -> str:
        for sample, here in self.paths:
            text = text.replace(sample, here)
        return text

    def write_env_file(self) -> None:
        """The sample env file with only what a real installer fills in: the secret, the
        database, the queue (Redis when the suite has one, else SQLite under var/) and the
        port. Demo mode stays off, HTTPS on, the sample's host names."""
        lines = []
        filled = {
            "SECRET_KEY": secrets.token_urlsafe(50),
            "DATABASE_URL": self.inst.env["DATABASE_URL"],
            "REDIS_URL": os.environ.get("REDIS_URL", ""),
            "RONGMEI_QUEUE_NAME": self.inst.env["RONGMEI_QUEUE_NAME"],
            "PORT": str(self.inst.port),
            "RONGMEI_BASE_URL": f"https://{HOST}",
            "WEB_CONCURRENCY": "1",  # one gunicorn process is enough here, and cheaper on CI
        }
        for raw in ENV_EXAMPLE.read_text(encoding="utf-8").splitlines():
            key = raw.partition("=")[0].strip()
            if key in filled and not raw.lstrip().startswith("#"):
                raw = f"{key}={filled.pop(key)}"
            lines.append(self.local(raw))
        assert not filled, f"the sample env file lacks {sorted(filled)}"
        # The link check may ask this test's slow server (an intranet address, refused otherwise).
        lines.append("RONGMEI_LINKCHECK_ALLOW=127.0.0.1")
        self.env_file.write_text("\n".join(lines) + "\n", encoding="utf-8")

    def unit_env(self, unit: dict | None = None) -> dict[str, str]:
        """What systemd gives a service: a bare PATH and locale, HOME, the EnvironmentFile."""
        env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8", "HOME": str(self.root)}
        files = unit["Service"].get("EnvironmentFile", []) if unit else ["/etc/rongmei/rongmei.env"]
        for name in files:
            env.update(read_env_file(Path(self.local(name.lstrip("-")))))
        for assignment in (unit or {}).get("Service", {}).get("Environment", []):
            for word in shlex.split(assignment):
                key, _, value = word.partition("=")
                env[key] = value
        return env

    def admin(self, *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
        """An admin's `rongmei …` with the units' environment (the docs' systemd-run helper)."""
        return subprocess.run([str(VENV_BIN / "rongmei"), *args], env=self.unit_env(), cwd=self.root,
                              capture_output=True, text=True, timeout=timeout)

    def start(self, name: str, instance: str = "") -> "Running":
        """ExecStartPre lines one by one (each must succeed, or the unit does not start), then
        ExecStart in its own process group (the unit's cgroup), output to the unit's log."""
        unit = read_unit(name)
        env = self.unit_env(unit)
        cwd = self.local(one(unit, "Service", "WorkingDirectory"))
        label = name.replace("@.", f"@{instance}.")
        for pre in unit["Service"].get("ExecStartPre", []):
            done = subprocess.run(expand(self.local(pre), env, instance), env=env, cwd=cwd, capture_output=True,
                                  text=True, timeout=LOADED)
            assert done.returncode == 0, f"{label}: ExecStartPre {pre} failed:\n{done.stdout}\n{done.stderr}"
        log = self.root / f"{label}.log"
        self.logs[label] = log
        with open(log, "ab") as out:
            process = subprocess.Popen(expand(self.local(one(unit, "Service", "ExecStart")), env, instance), env=env,
                                       cwd=cwd, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        return Running(label, unit, process, log)

    def start_all(self, specs: list[tuple[str, str]]) -> dict[str, "Running"]:
        """Several units at once, as systemd starts a target's units in parallel."""
        started: dict[str, Running] = {}
        errors: list[BaseException] = []

        def go(name, instance):
            try:
                running = self.start(name, instance)
                started[running.label] = running
            except BaseException as exc:  # reported below, in the test's thread
                errors.append(exc)

        threads = [threading.Thread(target=go, args=spec) for spec in specs]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        if errors:
            for running in started.values():
                running.kill()
            raise errors[0]
        return started


class Running:
    def __init__(self, label: str, unit: dict, process: subprocess.Popen, log: Path):
        self.label, self.unit, self.process, self.log = label, unit, process, log

    def text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def signal_stop(self) -> float:
        """KillSignal to every process of the unit (systemd's KillMode=control-group)."""
        sig = getattr(signal, self.unit["Service"].get("KillSignal", ["SIGTERM"])[0])
        self.stop_signal = sig
        self.stop_sent = time.monotonic()
        try:
            os.killpg(self.process.pid, sig)
        except ProcessLookupError:
            pass
        return self.stop_sent

    def wait_stopped(self) -> float:
        """Seconds from the stop signal to exit; fails past the unit's TimeoutStopSec."""
        limit = float(self.unit["Service"].get("TimeoutStopSec", ["90"])[0])
        try:
            code = self.process.wait(max(0.1, self.stop_sent + limit - time.monotonic()))
        except subprocess.TimeoutExpired:
            self.kill()
            pytest.fail(f"{self.label} did not stop within TimeoutStopSec={limit:g}:\n{self.text()[-3000:]}")
        took = time.monotonic() - self.stop_sent
        # systemd counts exit 0 and death by the KillSignal itself as a clean stop.
        assert code in (0, -self.stop_signal), f"{self.label} exited {code}:\n{self.text()[-3000:]}"
        return took

    def kill(self) -> None:
        Instance.kill(self.process, signal.SIGKILL)


# --- HTTP as nginx passes it on --------------------------------------------------------------

class Browser:
    """Requests as nginx forwards them (Host, X-Forwarded-Proto: https from loopback), with
    the cookies kept by hand: they are Secure, and the hop to gunicorn is plain http."""

    def __init__(self, port: int):
        self.port = port
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, form: dict | None = None, https: bool = True):
        headers = {"Host": HOST}
        if https:
            headers["X-Forwarded-Proto"] = "https"
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form).encode()
            headers.update({"Content-Type": "application/x-www-form-urlencoded", "Origin": f"https://{HOST}",
                            "Referer": f"https://{HOST}{path}"})
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            text = response.read().decode("utf-8", errors="replace")
        finally:
            conn.close()
        for header in response.msg.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            self.cookies[name.strip()] = rest.split(";")[0]
        return response.status, response.msg, text

    def csrf(self, path: str) -> str:
        status, _, text = self.request("GET", path)
        assert status == 200, (path, status, text[:500])
        return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', text).group(1)

    def login(self, username: str, password: str) -> None:
        token = self.csrf("/login/")
        status, _, text = self.request("POST", "/login/", {"csrfmiddlewaretoken": token, "username": username,
                                                           "password": password})
        assert status == 302, text[:800]

    def start_link_check(self, story_id: int) -> None:
        path = f"/stories/{story_id}/checks/"
        token = self.csrf(path)
        status, _, text = self.request("POST", path, {"csrfmiddlewaretoken": token})
        assert status == 302, text[:800]

    def health(self) -> tuple[int, dict]:
        status, _, text = self.request("GET", "/healthz", https=False)
        return status, json.loads(text)


class SlowSite(ThreadingHTTPServer):
    """The page a story links to: answers after `delay` seconds, so a link check is in
    flight long enough to stop a worker under it."""

    daemon_threads = True

    def __init__(self, delay: float):
        self.delay = delay
        self.hits = 0
        self.arrived = threading.Event()

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _answer(self, with_body: bool):
                site = self.server
                site.hits += 1
                site.arrived.set()
                time.sleep(site.delay)
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", "2")
                self.end_headers()
                if with_body:
                    self.wfile.write(b"ok")

            def do_GET(self):
                self._answer(True)

            def do_HEAD(self):
                self._answer(False)

        super().__init__(("127.0.0.1", free_port()), Handler)
        self.url = f"http://127.0.0.1:{self.server_address[1]}/news/1.html"
        threading.Thread(target=self.serve_forever, daemon=True).start()


def executed(logs: list[str], task: str) -> list[str]:
    """Task ids Huey logged as executed (`<name>: <id> executed in …`), across the logs."""
    found = []
    for text in logs:
        found += re.findall(rf"{re.escape(task)}: ([0-9a-f-]+) executed in", text)
    return found


RESULTS = """
import json
from django_tasks import default_task_backend
out = {{}}
for task_id in {ids!r}:
    result = default_task_backend.get_result(task_id)
    out[task_id] = [result.task.module_path, str(result.status), list(result.worker_ids),
                    result.return_value if str(result.status) == "SUCCESSFUL" else None]
print(json.dumps(out, ensure_ascii=False))
"""


def results(install: "Install", ids: list[str]) -> dict[str, list]:
    """The tasks' records as the queue keeps them: path, status, the workers that ran them."""
    done = install.admin("shell", "-c", RESULTS.format(ids=sorted(set(ids))))
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


LINK_CHECK = "rongmei.review.tasks.check_story_links"

SETUP = """
import json
from django.db import transaction
from rongmei.core import services
from rongmei.core.models import Center
from rongmei.newsroom.services.stories import StoryData, create_story
center = Center.objects.get(slug="qingshan")
with transaction.atomic():
    editor = services.create_person(center=center, username="zhoubian", display_name="周编", password={password!r},
                                    roles=["chief_editor"], actor=None)
    story = create_story(center=center, user=editor, data=StoryData(
        headline="青山县召开秋季防火工作会", body='<p>详见<a href="{url}">通知原文</a>。</p>'))
print(json.dumps({{"story": story.pk}}))
"""
PASSWORD = "Qs-防火-2026-xyz"


@pytest.fixture(scope="module")
def install(tmp_path_factory):
    """A prepared installation (schema, static files; no demo data), its first real center
    and admin made with `rongmei createcenter`, one editor and one story linking to SlowSite."""
    inst = Instance()
    try:
        inst.prepare(demo=False)
        site = SlowSite(delay=1.5)
        setup = Install(inst, tmp_path_factory.mktemp("srv-rongmei"))
        # docs/deploy.md §5, with the units' environment (also catches a migration added since
        # the run's schema template was made).
        migrated = setup.admin("migrate", "--noinput", "-v", "0")
        assert migrated.returncode == 0, migrated.stderr[-2000:]
        made = setup.admin("createcenter", "qingshan", "青山县融媒体中心", "--region", "青山县",
                           "--admin", "qs_admin", "--admin-name", "青山管理员", "--password", PASSWORD)
        assert made.returncode == 0, made.stderr
        assert "已创建“青山县融媒体中心”（qingshan），管理员 qs_admin" in made.stdout
        done = setup.admin("shell", "-c", SETUP.format(password=PASSWORD, url=site.url))
        assert done.returncode == 0, done.stderr
        setup.story = json.loads(done.stdout.strip().splitlines()[-1])["story"]
        setup.site = site
        yield setup
        site.shutdown()
    finally:
        inst.stop()
        shutil.rmtree(inst.var_dir, ignore_errors=True)


# --- The samples themselves (no processes) ----------------------------------------------------

def test_every_unit_is_hardened_checked_and_stops_gracefully():
    names = sorted(p.name for p in UNITS.glob("*.service"))
    assert set(LONG_RUNNING) | {"rongmei-backup.service"} == set(names)
    periodic = []
    for name in names:
        unit = read_unit(name)
        service = unit["Service"]
        assert service["EnvironmentFile"] == ["/etc/rongmei/rongmei.env"], name
        assert service["ExecStartPre"] == ["/srv/rongmei/venv/bin/rongmei check"], name
        assert one(unit, "Service", "User") == "rongmei" and one(unit, "Service", "Group") == "rongmei", name
        assert one(unit, "Service", "NoNewPrivileges") == "yes", name
        assert one(unit, "Service", "ProtectSystem") == "strict", name
        assert one(unit, "Service", "PrivateTmp") == "yes", name
        assert "/srv/rongmei/var" in " ".join(service["ReadWritePaths"]).split(), name
        start = one(unit, "Service", "ExecStart")
        if name == "rongmei-backup.service":
            assert one(unit, "Service", "Type") == "oneshot"
            assert start == "/srv/rongmei/venv/bin/rongmei backup --output /srv/rongmei/backups --keep 14"
            assert "/srv/rongmei/backups" in " ".join(service["ReadWritePaths"]).split()
            continue
        assert one(unit, "Service", "Restart") == "on-failure", name
        assert float(one(unit, "Service", "TimeoutStopSec")) >= 30, name
        if " worker " in f"{start} ":
            # Huey finishes the running task on SIGINT; SIGTERM would interrupt it.
            assert one(unit, "Service", "KillSignal") == "SIGINT", name
            if "--no-periodic" not in start.split():
                periodic.append(name)
    assert periodic == ["rongmei-scheduler.service"], "exactly one unit sends the periodic tasks"
    timer = read_unit("rongmei-backup.timer")
    assert one(timer, "Timer", "Unit") == "rongmei-backup.service"
    assert one(timer, "Timer", "Persistent") == "true"
    target = read_unit("rongmei.target")
    wanted = " ".join(target["Unit"]["Wants"]).split()
    for name in LONG_RUNNING:
        assert any(w == name or w.startswith(name.replace("@.service", "@")) for w in wanted), name


@pytest.mark.skipif(not shutil.which("systemd-analyze"), reason="systemd-analyze is not installed")
def test_timer_calendar_is_valid_and_daily():
    spec = one(read_unit("rongmei-backup.timer"), "Timer", "OnCalendar")
    done = subprocess.run(["systemd-analyze", "calendar", "--iterations", "2", spec], capture_output=True, text=True,
                          timeout=30)
    assert done.returncode == 0, done.stderr
    import datetime as dt

    def stamp(label):
        line = re.search(rf"^\s*{re.escape(label)}\s+\w+ (\d{{4}}-\d\d-\d\d \d\d:\d\d:\d\d)", done.stdout, re.M)
        return dt.datetime.fromisoformat(line.group(1))

    first, second = stamp("Next elapse:"), stamp("Iter. #2:")
    assert second - first == dt.timedelta(days=1) and first.hour == 3


@pytest.mark.skipif(not shutil.which("systemd-analyze"), reason="systemd-analyze is not installed")
def test_systemd_accepts_every_unit(tmp_path):
    """systemd's own reader: no unknown key, no bad signal or value, every command there."""
    for path in UNITS.iterdir():
        text = path.read_text(encoding="utf-8").replace("/srv/rongmei/venv/bin", str(VENV_BIN))
        (tmp_path / path.name.replace("@.", "@1.")).write_text(text, encoding="utf-8")
    names = sorted(f"./{p.name}" for p in tmp_path.iterdir())
    done = subprocess.run(["systemd-analyze", "verify", "--man=no", *names], cwd=tmp_path, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0 and not done.stderr.strip() and not done.stdout.strip(), done.stdout + done.stderr


def test_sample_env_file_is_refused_until_filled_in(tmp_path):
    """As shipped (no SECRET_KEY), `rongmei check` — every unit's ExecStartPre — says what is
    missing and exits non-zero, so no unit starts on an unfinished configuration."""
    env = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "HOME": str(tmp_path),
           **read_env_file(ENV_EXAMPLE), "RONGMEI_VAR_DIR": str(tmp_path / "var")}
    assert env["RONGMEI_DEMO"] == "0" and env["DEBUG"] == "0"
    done = subprocess.run([str(VENV_BIN / "rongmei"), "check"], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 1
    assert "SECRET_KEY" in done.stdout and "至少需要 32 个随机字符" in done.stdout


def test_check_refuses_a_database_with_pending_migrations(tmp_path):
    """After an upgrade, starting before `rongmei migrate` is refused by ExecStartPre."""
    env = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "HOME": str(tmp_path), "RONGMEI_VAR_DIR": str(tmp_path),
           "SECRET_KEY": secrets.token_urlsafe(50), "DATABASE_URL": f"sqlite:///{tmp_path / 'new.sqlite3'}"}
    done = subprocess.run([str(VENV_BIN / "rongmei"), "check"], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 1, done.stdout
    assert "数据库迁移尚未执行" in done.stdout and "rongmei migrate" in done.stdout


# --- The units running -------------------------------------------------------------------------

WORKERS = [("rongmei-worker@.service", "1"), ("rongmei-worker@.service", "2"), ("rongmei-scheduler.service", "")]


def test_units_serve_run_tasks_once_and_stop_gracefully(install):
    units = install.start_all([("rongmei-web.service", ""), *WORKERS, ("rongmei-distribute.service", "")])
    try:
        browser = Browser(install.inst.port)
        ok = install.inst.wait_for(lambda: _health_ok(browser), timeout=LOADED)
        assert ok, {label: u.text()[-1500:] for label, u in units.items()}
        status, body = browser.health()
        assert body["database"]["ok"] and body["queue"]["ok"]

        # Production settings: plain http is sent to https; through "nginx" the login page.
        status, headers, _ = browser.request("GET", "/login/", https=False)
        assert status == 301 and headers["Location"] == f"https://{HOST}/login/"
        status, _, page = browser.request("GET", "/login/")
        assert status == 200 and "登录" in page

        # Exactly one unit sends periodic tasks; they are run (by whichever worker takes them).
        scheduler = units["rongmei-scheduler.service"]
        assert install.inst.wait_for(lambda: "Enqueueing periodic task" in scheduler.text(), timeout=LOADED)
        for label in ("rongmei-worker@1.service", "rongmei-worker@2.service"):
            assert "Enqueueing periodic task" not in units[label].text(), label
        sent = re.findall(r"Enqueueing periodic task ([\w.]+): ([0-9a-f-]+)", scheduler.text())
        assert sent
        assert install.inst.wait_for(
            lambda: set(executed([u.text() for u in units.values()], sent[0][0])) >= {sent[0][1]}, timeout=LOADED)

        # A task enqueued through the web; the workers are stopped while it runs.
        browser.login("zhoubian", PASSWORD)
        hits_before = install.site.hits
        install.site.arrived.clear()
        browser.start_link_check(install.story)
        assert install.site.arrived.wait(LOADED), "no worker started the link check"
        workers = [units[label] for label in ("rongmei-worker@1.service", "rongmei-worker@2.service",
                                              "rongmei-scheduler.service")]
        for worker in workers:
            worker.signal_stop()
        took = {worker.label: worker.wait_stopped() for worker in workers}
        logs = [u.text() for u in units.values()]
        records = results(install, executed(logs, "djtasks.run"))
        checks = {i: r for i, r in records.items() if r[0] == LINK_CHECK}
        assert len(checks) == 1, records
        (task_id, (_, status, worker_ids, value)), = checks.items()
        # Finished although its worker was told to stop, by one worker, once.
        assert status == "SUCCESSFUL" and len(worker_ids) == 1, records
        assert value["links"] == [{"url": install.site.url, "state": "可以访问", "ok": True}], value
        assert sum(log.count(f"{task_id} executed in") for log in logs) == 1
        runner = [w for w in workers if f"{task_id} executed in" in w.text()]
        assert len(runner) == 1 and worker_ids[0].endswith(f".{runner[0].process.pid}"), (worker_ids, runner)
        assert took[runner[0].label] >= 0.5, took  # it waited for its task
        assert install.site.hits > hits_before
        status, _, page = browser.request("GET", f"/stories/{install.story}/checks/")
        assert status == 200 and install.site.url in page and "可以访问" in page, page[-3000:]

        for label in ("rongmei-web.service", "rongmei-distribute.service"):
            units[label].signal_stop()
        for label in ("rongmei-web.service", "rongmei-distribute.service"):
            assert units[label].wait_stopped() < 30
    finally:
        for unit in units.values():
            unit.kill()


def test_upgrade_loses_no_job(install):
    """docs/deploy.md's upgrade: jobs queued while the workers are down, web stopped,
    migrate + collectstatic, everything started → each job run exactly once."""
    before = set(executed([log.read_text() for log in install.logs.values()], "djtasks.run"))
    web = install.start("rongmei-web.service")
    try:
        browser = Browser(install.inst.port)
        assert install.inst.wait_for(lambda: _health_ok(browser, "/login/"), timeout=LOADED), web.text()[-2000:]
        browser.login("zhoubian", PASSWORD)
        install.site.delay = 0.1
        jobs = 4
        waiting = browser.health()[1]["queue"]["pending"]  # periodic tasks left by the last stop, if any
        for _ in range(jobs):
            browser.start_link_check(install.story)
        status, body = browser.health()
        assert body["queue"]["pending"] == waiting + jobs, body  # queued, nobody consuming
        web.signal_stop()
        web.wait_stopped()
    finally:
        web.kill()

    outputs = {}
    for command in (["migrate", "--noinput"], ["collectstatic", "--noinput"], ["check"]):
        done = install.admin(*command)
        assert done.returncode == 0, (command, done.stdout[-2000:], done.stderr[-2000:])
        outputs[command[0]] = done.stdout
    assert re.search(r"\d+ static files? copied", outputs["collectstatic"]), outputs["collectstatic"][-500:]

    units = install.start_all([("rongmei-web.service", ""), *WORKERS])
    try:
        browser = Browser(install.inst.port)

        def all_done():
            ran = [i for i in executed([u.text() for u in units.values()], "djtasks.run") if i not in before]
            return ran if len(ran) >= jobs else None

        ran = install.inst.wait_for(all_done, timeout=LOADED)
        assert ran and len(ran) == jobs and len(set(ran)) == jobs, ran
        records = results(install, ran)
        assert all(r[0] == LINK_CHECK and r[1] == "SUCCESSFUL" and len(r[2]) == 1 for r in records.values()), records
        assert install.inst.wait_for(lambda: _health_ok(browser), timeout=LOADED)
        assert browser.health()[1]["queue"]["pending"] == 0
        time.sleep(1)  # nothing runs twice later either
        again = [i for i in executed([u.text() for u in units.values()], "djtasks.run") if i not in before]
        assert sorted(again) == sorted(ran)
        for unit in units.values():
            unit.signal_stop()
        for unit in units.values():
            unit.wait_stopped()
    finally:
        for unit in units.values():
            unit.kill()


def test_backup_unit_runs_its_command(install):
    """The daily backup's ExecStartPre and ExecStart (part A's `rongmei backup`) against the
    installation: a backup appears in the backups folder."""
    commands = install.admin("help", "--commands").stdout.split()
    if "backup" not in commands:
        pytest.skip("rongmei backup is not in this checkout yet")
    unit = install.start("rongmei-backup.service")
    code = unit.process.wait(120)
    assert code == 0, unit.text()[-3000:]
    assert any((install.root / "backups").iterdir()), unit.text()[-3000:]


def _health_ok(browser: Browser, path: str = "/healthz") -> bool:
    try:
        if path != "/healthz":
            return browser.request("GET", path)[0] == 200
        return browser.health()[0] == 200
    except (OSError, ValueError):
        return False
