"""Read benchmark: one article of the public site, served every way we serve it, against a
default Wagtail site serving a page of the same size, all measured with wrk on loopback in
the same run.

    .venv/bin/python bench/read.py [--rounds 5] [--duration 4] [--nginx-duration 2] [--warmup 3]
                                   [--connections 16]

  (a) nginx with OUR sample config (deploy/nginx/rongmei-site.conf, templated by
      rongmei.testing.nginx) serving /site/demo/news/<id>/ from the docroot;
  (b) the same bytes as a plain file under a bare nginx config (root + the file): the limit;
  (c) the embedded mode: gunicorn + Django answering /site/demo/news/<id>/ from the file
      (portal middleware, WhiteNoise);
  (d) the same article rendered by our Django views (RONGMEI_PORTAL_STATIC=0);
  (e) the public item API /api/public/v1/demo/items/<id> (ninjs JSON; same server as c);
  (f) the peer: a default Wagtail 8 site (bench/wagtail/, SQLite, DEBUG off) in its own
      virtualenv bench/.wagtail-venv (made on the first run), serving a page of about
      the same size.

Every Django server (ours and Wagtail's) is gunicorn with the flags of `rongmei serve`
(gthread, 2 workers x 4 threads); nginx has 1 worker for (a) and (b) alike; wrk one thread,
16 connections. The data is the demo (`rongmei migrate`, `demo`, `build-site` into a fresh
temporary var dir, SQLite); the article is the largest live one. All servers run at once;
after a warm-up of each, every round measures every target once (the order alternates), and
the table gives medians over the rounds. A ratio is the median of its per-round ratios, so
load from other processes on the machine hits both sides alike. Only the ratios mean
anything; absolute numbers depend on the machine. Targets: a/b >= 0.9, c faster than f,
e faster than f. Exit status 1 when a target does not hold, 2 when the run broke (its
logs are kept and named). Needs Debian's nginx and wrk (installed if missing).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rongmei.testing.live import free_port, http_get  # noqa: E402
from rongmei.testing.nginx import Nginx, main_config, nginx_binary, render_nginx_config  # noqa: E402

WAGTAIL_DIR = ROOT / "bench" / "wagtail"
WAGTAIL_VENV = ROOT / "bench" / ".wagtail-venv"
# The machine has 2 cores. wrk takes one thread; the Django servers, CPU-bound at a few hundred
# requests/s, get 2 workers each (as `rongmei serve`); nginx, at tens of thousands a second,
# gets 1 worker, so that it and wrk each have a core.
SERVER_WORKERS = 2  # gunicorn workers for (c)-(f)
SERVER_THREADS = 4  # threads per gunicorn worker, as `rongmei serve`
NGINX_WORKERS = 1  # for (a) and (b) alike
WRK_THREADS = 1


class BenchError(Exception):
    pass


@dataclass
class Result:
    key: str
    name: str
    url: str
    body_bytes: int | None = None
    note: str = ""
    rounds: list[tuple[float, float]] = field(default_factory=list)  # (requests/s, p99 ms) per round

    @property
    def rps(self) -> float | None:
        return statistics.median(r for r, _ in self.rounds) if self.rounds else None

    @property
    def p99_ms(self) -> float | None:
        return statistics.median(p for _, p in self.rounds) if self.rounds else None


# --- Processes -------------------------------------------------------------------------------

class Processes:
    """Every process the bench starts, each in its own process group, stopped at exit."""

    def __init__(self, logs: Path):
        self.logs = logs
        self.running: list[subprocess.Popen] = []

    def start(self, name: str, args: list[str], *, env: dict, cwd: Path) -> tuple[subprocess.Popen, Path]:
        log_path = self.logs / f"{name}.log"
        log = open(log_path, "ab")
        process = subprocess.Popen(args, env=env, cwd=cwd, stdout=log, stderr=subprocess.STDOUT,
                                   start_new_session=True)
        self.running.append(process)
        return process, log_path

    def stop(self, process: subprocess.Popen) -> None:
        if process in self.running:
            self.running.remove(process)
        if process.poll() is None:
            try:
                os.killpg(process.pid, signal.SIGTERM)
                process.wait(15)
            except ProcessLookupError:
                pass
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(5)

    def stop_all(self) -> None:
        for process in reversed(list(self.running)):
            self.stop(process)


def wait_for_http(url: str, process: subprocess.Popen, log: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise BenchError(f"server exited ({process.returncode}); log: {log}\n"
                             f"{log.read_text(errors='replace')[-2000:]}")
        try:
            http_get(url, timeout=5)
            return
        except OSError:
            time.sleep(0.2)
    raise BenchError(f"server did not answer {url} within {timeout:.0f} s; log: {log}")


def gunicorn_args(python: Path | str, app: str, port: int) -> list[str]:
    """The same gunicorn invocation as `rongmei serve` (rongmei/core/management/commands/serve.py)."""
    return [str(python), "-m", "gunicorn", app, "--bind", f"127.0.0.1:{port}",
            "--workers", str(SERVER_WORKERS), "--threads", str(SERVER_THREADS), "--worker-class", "gthread",
            "--timeout", "60", "--graceful-timeout", "10", "--access-logfile", "/dev/null", "--log-level", "warning"]


# --- Tools -----------------------------------------------------------------------------------

def ensure_debian_tools() -> tuple[str, str]:
    """nginx and wrk, from Debian's packages when missing (as `make test` installs its own)."""
    missing = [pkg for pkg, found in (("nginx", nginx_binary()), ("wrk", shutil.which("wrk"))) if not found]
    if missing:
        sudo = [] if os.geteuid() == 0 else ["sudo"]
        print(f"installing Debian's {' '.join(missing)} ...", flush=True)
        subprocess.run([*sudo, "apt-get", "update", "-qq"], check=True)
        subprocess.run([*sudo, "env", "DEBIAN_FRONTEND=noninteractive", "apt-get", "install", "-y", "-qq", *missing],
                       check=True, stdout=subprocess.DEVNULL)
    nginx, wrk = nginx_binary(), shutil.which("wrk")
    if not nginx or not wrk:
        raise BenchError("nginx or wrk still missing after apt-get install")
    return nginx, wrk


def ensure_wagtail_venv(logs: Path) -> Path:
    """bench/.wagtail-venv with bench/wagtail/requirements.txt, (re)made when they change."""
    requirements = WAGTAIL_DIR / "requirements.txt"
    digest = hashlib.sha256(requirements.read_bytes()).hexdigest()
    stamp = WAGTAIL_VENV / ".requirements.sha256"
    python = WAGTAIL_VENV / "bin" / "python"
    if python.exists() and stamp.exists() and stamp.read_text().strip() == digest:
        return python
    print(f"making {WAGTAIL_VENV.relative_to(ROOT)} (Wagtail, pinned in bench/wagtail/requirements.txt; "
          "first run only) ...", flush=True)
    log = logs / "wagtail-venv.log"
    with open(log, "ab") as out:
        for args in ([sys.executable, "-m", "venv", "--clear", str(WAGTAIL_VENV)],
                     [str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check", "-r", str(requirements)]):
            if subprocess.run(args, stdout=out, stderr=subprocess.STDOUT).returncode != 0:
                raise BenchError(f"{' '.join(args[:4])} ... failed; log: {log}")
    stamp.write_text(digest + "\n")
    return python


# --- Measuring -------------------------------------------------------------------------------

_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def wrk(binary: str, url: str, *, duration: int, connections: int, log: Path,
        warn: bool = True) -> tuple[float, float]:
    """Requests/s and p99 latency (ms) of `url` over one wrk run."""
    args = [binary, "-t", str(WRK_THREADS), "-c", str(connections), "-d", f"{duration}s", "--latency", url]
    result = subprocess.run(args, capture_output=True, text=True, timeout=duration + 30)
    with open(log, "a") as out:
        out.write(f"$ wrk ... {url}\n{result.stdout}{result.stderr}\n")
    if result.returncode != 0:
        raise BenchError(f"wrk failed on {url}; log: {log}")
    rps = re.search(r"Requests/sec:\s+([\d.]+)", result.stdout)
    p99 = re.search(r"^\s+99%\s+([\d.]+)(us|ms|s|m)\s*$", result.stdout, re.MULTILINE)
    if not rps or not p99:
        raise BenchError(f"could not read wrk's output for {url}; log: {log}")
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", result.stdout)
    if bad:
        raise BenchError(f"{url}: {bad.group(1)} answers were not 2xx/3xx under load; log: {log}")
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", result.stdout)
    if warn and errors and sum(map(int, errors.groups())):
        print(f"  note: wrk socket errors on {url}: {errors.group(0)}", flush=True)
    return float(rps.group(1)), float(p99.group(1)) * _UNITS[p99.group(2)]


def fetch(url: str) -> tuple[int, bytes]:
    status, _, body = http_get(url, timeout=30)
    return status, body


# --- Preparing ---------------------------------------------------------------------------------

def rongmei_env(var_dir: Path, **extra: str) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE")}
    env.update({
        "RONGMEI_VAR_DIR": str(var_dir),
        "DATABASE_URL": f"sqlite:///{var_dir / 'rongmei.sqlite3'}",
        "RONGMEI_DEMO": "1",
        "RONGMEI_QUEUE_NAME": f"rongmei-bench-read-{uuid.uuid4().hex[:8]}",
        "LOG_LEVEL": "WARNING",
        "LOG_FORMAT": "json",
        "DEBUG": "0",
        **extra,
    })
    return env


def prepare_rongmei(var_dir: Path, logs: Path) -> None:
    env = rongmei_env(var_dir)
    log = logs / "rongmei-setup.log"
    with open(log, "ab") as out:
        for args in (("migrate", "--noinput", "-v", "0"), ("collectstatic", "--noinput", "-v", "0"),
                     ("demo", "--quiet"), ("build-site", "demo")):
            if subprocess.run([sys.executable, "-m", "rongmei", *args], env=env, cwd=ROOT, stdout=out,
                              stderr=subprocess.STDOUT).returncode != 0:
                raise BenchError(f"rongmei {' '.join(args)} failed; log: {log}")


def largest_article(var_dir: Path) -> tuple[int, Path]:
    pages = [p for p in (var_dir / "sites" / "demo" / "news").glob("*/index.html") if p.parent.name.isdigit()]
    if not pages:
        raise BenchError(f"no live article under {var_dir / 'sites' / 'demo' / 'news'}")
    page = max(pages, key=lambda p: (p.stat().st_size, p.parent.name))
    return int(page.parent.name), page


def start_wagtail_site(python: Path, site_dir: Path, procs: Processes) -> tuple[subprocess.Popen, Path]:
    """`wagtail start` and its setup, in the background while our site is prepared."""
    return procs.start("wagtail-setup", [str(python), str(WAGTAIL_DIR / "make_site.py"), str(site_dir)],
                       env=dict(os.environ), cwd=ROOT)


def add_wagtail_page(python: Path, site_dir: Path, target_bytes: int, logs: Path) -> str:
    """The article page, as big as ours. Returns its path."""
    log = logs / "wagtail-page.log"
    result = subprocess.run([str(python), str(WAGTAIL_DIR / "make_site.py"), str(site_dir), "--page-only",
                             "--bytes", str(target_bytes)], capture_output=True, text=True)
    log.write_text(result.stdout + result.stderr)
    if result.returncode != 0:
        raise BenchError(f"adding the Wagtail page failed; log: {log}")
    return json.loads(result.stdout.strip().splitlines()[-1])["path"]


# --- The run ---------------------------------------------------------------------------------

def start_servers(work: Path, var_dir: Path, wagtail_python: Path, nginx_bin: str, procs: Processes,
                  stack) -> dict[str, str]:
    """Every server at once (idle ones cost nothing): the base URL of each."""
    urls = {}
    servers = {
        "embedded": (sys.executable, "rongmei.wsgi:application", rongmei_env(var_dir), ROOT, "/healthz"),
        "dynamic": (sys.executable, "rongmei.wsgi:application", rongmei_env(var_dir, RONGMEI_PORTAL_STATIC="0"),
                    ROOT, "/healthz"),
        "wagtail": (wagtail_python, "benchsite.wsgi:application",
                    {**{k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")},
                     "DJANGO_SETTINGS_MODULE": "benchsite.settings.production"}, work / "wagtail", "/"),
    }
    started = []
    for name, (python, app, env, cwd, probe) in servers.items():
        port = free_port()
        process, log = procs.start(f"gunicorn-{name}", gunicorn_args(python, app, port), env=env, cwd=cwd)
        urls[name] = f"http://127.0.0.1:{port}"
        started.append((urls[name] + probe, process, log))
    for probe, process, log in started:
        wait_for_http(probe, process, log)

    # (a) our sample, proxying to the embedded app; (b) the bare config around one plain file.
    port = free_port()
    conf = render_nginx_config(var_dir, int(urls["embedded"].rsplit(":", 1)[1]), port, work / "nginx-sample",
                               workers=NGINX_WORKERS)
    urls["sample"] = stack.enter_context(Nginx(conf, port, binary=nginx_bin)).url
    bare = work / "nginx-bare"
    (bare / "root").mkdir(parents=True)
    port = free_port()
    conf = bare / "nginx.conf"
    conf.write_text(main_config(f"server {{\n    listen 127.0.0.1:{port};\n    root {bare / 'root'};\n}}\n",
                                bare, workers=NGINX_WORKERS))
    urls["bare"] = stack.enter_context(Nginx(conf, port, binary=nginx_bin)).url
    return urls


def run(args, work: Path, procs: Processes, stack) -> list[Result]:
    logs = work / "logs"
    nginx_bin, wrk_bin = ensure_debian_tools()
    wagtail_python = ensure_wagtail_venv(logs)
    started = time.monotonic()

    print("preparing the demo site (migrate, demo, build-site) and the Wagtail site (wagtail start) ...",
          flush=True)
    wagtail_setup, wagtail_log = start_wagtail_site(wagtail_python, work / "wagtail", procs)
    var_dir = work / "var"
    var_dir.mkdir()
    prepare_rongmei(var_dir, logs)
    item, page = largest_article(var_dir)
    article = page.read_bytes()
    article_path = f"/site/demo/news/{item}/"
    print(f"article: {article_path} ({len(article):,} bytes, the largest live one)", flush=True)

    if wagtail_setup.wait() != 0:
        raise BenchError(f"making the Wagtail site failed; log: {wagtail_log}")
    wagtail_path = add_wagtail_page(wagtail_python, work / "wagtail", len(article), logs)
    urls = start_servers(work, var_dir, wagtail_python, nginx_bin, procs, stack)
    (work / "nginx-bare" / "root" / "article.html").write_bytes(article)
    print(f"  setup took {time.monotonic() - started:.0f} s", flush=True)

    targets = [
        Result("a", "nginx, our sample config", urls["sample"] + article_path),
        Result("b", "nginx, bare (plain file)", urls["bare"] + "/article.html"),
        Result("c", "Django embedded (static file)", urls["embedded"] + article_path),
        Result("d", "Django dynamic (views)", urls["dynamic"] + article_path),
        Result("e", "Django item API (ninjs)", f"{urls['embedded']}/api/public/v1/demo/items/{item}"),
        Result("f", "Wagtail 8.0.1 default site", urls["wagtail"] + wagtail_path),
    ]
    for target in targets:
        status, body = fetch(target.url)
        if target.key == "e" and status != 200:
            target.note = f"not available (HTTP {status})"
            continue
        if status != 200:
            raise BenchError(f"({target.key}) {target.url} answered {status}: {body[:300]!r}")
        if target.key in "abc" and body != article:
            raise BenchError(f"({target.key}) {target.url} did not answer the article's bytes "
                             f"({len(body)} vs {len(article)})")
        if target.key == "e":
            json.loads(body)
        target.body_bytes = len(body)
    measured = [t for t in targets if t.body_bytes is not None]

    log = logs / "wrk.log"
    print(f"warming up ({args.warmup} s each) ...", flush=True)
    for target in measured:
        wrk(wrk_bin, target.url, duration=args.warmup, connections=args.connections, log=log, warn=False)
    for number in range(1, args.rounds + 1):
        order = measured if number % 2 else measured[::-1]  # alternate the order: no target always goes first
        print(f"round {number}/{args.rounds}: {' '.join(t.key for t in order)}", flush=True)
        for target in order:
            seconds = args.nginx_duration if target.key in "ab" else args.duration
            rps, p99 = wrk(wrk_bin, target.url, duration=seconds, connections=args.connections, log=log)
            target.rounds.append((rps, p99))
    return targets


def report(results: list[Result], args) -> bool:
    by = {r.key: r for r in results}
    load = " / ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"\nwrk -t{WRK_THREADS} -c{args.connections} --latency, {args.rounds} interleaved rounds (a, b: "
          f"{args.nginx_duration} s each; c-f: {args.duration} s each) after a {args.warmup} s warm-up of each; "
          f"medians over the rounds.\nservers: gunicorn {SERVER_WORKERS} workers x "
          f"{SERVER_THREADS} threads (gthread, as `rongmei serve`) for c-f, nginx {NGINX_WORKERS} worker for a/b; "
          f"{os.cpu_count()} cores, loopback; load average now {load}")
    print(f"{'':4}{'':32}{'requests/s':>11}{'p99 ms':>9}{'bytes':>8}   requests/s per round")
    for r in sorted(results, key=lambda r: r.key):
        if not r.rounds:
            print(f"({r.key}) {r.name:<32}{r.note}")
        else:
            rounds = " ".join(f"{x:,.0f}" for x, _ in r.rounds)
            print(f"({r.key}) {r.name:<32}{r.rps:>11,.0f}{r.p99_ms:>9.2f}{r.body_bytes:>8,}   {rounds}")

    def ratio(x: str, y: str) -> float | None:
        """The median of the per-round ratios: each round measures both within a minute."""
        if not (by.get(x) and by.get(y) and by[x].rounds and by[y].rounds):
            return None
        return statistics.median(a / b for (a, _), (b, _) in zip(by[x].rounds, by[y].rounds))

    print()
    held = True
    for x, y, target, label in (("a", "b", 0.9, "our nginx sample vs a plain file"),
                                ("c", "f", 1.0, "embedded mode vs Wagtail"),
                                ("e", "f", 1.0, "item API vs Wagtail"),
                                ("d", "f", None, "dynamic views vs Wagtail (informative)")):
        value = ratio(x, y)
        if value is None:
            print(f"{x}/{y}  {'n/a':>6}   {label}: not measured")
            held &= target is None
        elif target is None:
            print(f"{x}/{y}  {value:>6.2f}   {label}")
        else:
            ok = value >= target if target != 1.0 else value > 1.0
            held &= ok
            want = f">= {target}" if target != 1.0 else "> 1 (faster)"
            print(f"{x}/{y}  {value:>6.2f}   {label}: target {want} {'holds' if ok else 'DOES NOT HOLD'}")
    print(f"\ntargets {'hold' if held else 'DO NOT all hold'}")
    return held


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5, help="rounds; each measures every target once")
    parser.add_argument("--duration", type=int, default=4, help="seconds of each wrk run on a Django server (c-f)")
    parser.add_argument("--nginx-duration", type=int, default=2, help="seconds of each wrk run on nginx (a, b)")
    parser.add_argument("--warmup", type=int, default=3, help="seconds of the warm-up run of each target")
    parser.add_argument("--connections", type=int, default=16, help="wrk connections")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="rongmei-bench-read-"))
    (work / "logs").mkdir()
    procs = Processes(work / "logs")
    # SIGTERM/SIGHUP end the run as Ctrl-C does (KeyboardInterrupt): through the `finally` below.
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, signal.default_int_handler)
    started = time.monotonic()
    ok = False
    stack = ExitStack()  # the nginx servers
    try:
        with stack:
            results = run(args, work, procs, stack)
        ok = True
    except BenchError as exc:
        print(f"\nbench failed: {exc}", file=sys.stderr)
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
    finally:
        stack.close()
        procs.stop_all()
        if not ok:
            print(f"logs and data kept in {work} (logs/: setup, servers, wrk; nginx-*/error.log)", file=sys.stderr)
    if not ok:
        return 2
    held = report(results, args)
    print(f"whole run: {time.monotonic() - started:.0f} s")
    shutil.rmtree(work, ignore_errors=True)
    return 0 if held else 1


if __name__ == "__main__":
    sys.exit(main())
