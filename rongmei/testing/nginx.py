"""Real nginx for tests and benchmarks, configured from OUR production sample.

`render_nginx_config()` takes deploy/nginx/rongmei-site.conf as it is and substitutes what
an installation substitutes: the var dir (`/srv/rongmei/var`), the app's address
(`127.0.0.1:8000`), the listening ports and the path of the shared snippet, whose text is
the commented block in the sample itself. With `tls_port` and a certificate the sample runs
as deployed: `listen 80` (the redirect to https) on `listen_port`, `listen 443 ssl` on
`tls_port`. Without (benchmarks, the plain site tests), the TLS servers listen in plain
http on `listen_port` and the redirect server and `ssl_*` lines are left out. It writes, under `prefix`, a
complete nginx.conf (its own pid file, error log and temp folders; no daemon), the snippet
and the `proxy_params` the sample includes (Debian's text). `Nginx` runs it in the
foreground and stops it again.

    conf = render_nginx_config(var_dir, app_port=8000, listen_port=8080, prefix=tmp)
    with Nginx(conf, port=8080) as nginx:
        http_get(nginx.url + "/site/demo/")
"""

from __future__ import annotations

import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import threading
import time
from contextlib import contextmanager
from http.server import ThreadingHTTPServer
from pathlib import Path

SAMPLE = Path(__file__).resolve().parents[2] / "deploy" / "nginx" / "rongmei-site.conf"
SAMPLE_VAR_DIR = "/srv/rongmei/var"
SAMPLE_APP = "127.0.0.1:8000"
SAMPLE_SNIPPET = "/etc/nginx/snippets/rongmei-site-common.conf"
SAMPLE_CERTIFICATE = re.compile(r"/etc/ssl/rongmei/[^\s;]+\.crt")
SAMPLE_CERTIFICATE_KEY = re.compile(r"/etc/ssl/rongmei/[^\s;]+\.key")
LISTEN_HTTP = re.compile(r"\blisten\s+80(\s+default_server)?\s*;")
LISTEN_TLS = re.compile(r"\blisten\s+443\s+ssl(\s+http2)?(\s+default_server)?\s*;")

# Debian's /etc/nginx/proxy_params, which the sample includes.
PROXY_PARAMS = """\
proxy_set_header Host $http_host;
proxy_set_header X-Real-IP $remote_addr;
proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
proxy_set_header X-Forwarded-Proto $scheme;
"""

# The types a center's site has (the subset of Debian's mime.types that matters here), so the
# configuration does not depend on files outside the prefix.
MIME_TYPES = """\
    types {
        text/html html htm;
        text/css css;
        text/xml xml;
        text/plain txt;
        application/javascript js;
        application/json json;
        application/rss+xml rss;
        application/atom+xml atom;
        image/gif gif;
        image/jpeg jpeg jpg;
        image/png png;
        image/webp webp;
        image/svg+xml svg svgz;
        image/x-icon ico;
        font/woff2 woff2;
        audio/mpeg mp3;
        video/mp4 mp4;
    }
    default_type application/octet-stream;
"""


def nginx_binary() -> str | None:
    return shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if os.access(p, os.X_OK)), None)


def main_config(servers: str, prefix: Path, *, workers: int = 1) -> str:
    """A whole nginx.conf around `servers` (the text of one or more server/upstream blocks)
    that keeps every file nginx writes under `prefix`. Used for the sample and for any
    other configuration that must be measured on the same footing."""
    prefix = Path(prefix)
    for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (prefix / "tmp" / name).mkdir(parents=True, exist_ok=True)
    # As root, nginx would run its workers as `nobody`, who cannot read our private temp dirs.
    user = f"user {pwd.getpwuid(os.geteuid()).pw_name};\n" if os.geteuid() == 0 else ""
    return (
        f"{user}daemon off;\nmaster_process on;\nworker_processes {workers};\n"
        f"pid {prefix}/nginx.pid;\nerror_log {prefix}/error.log warn;\n"
        "events { worker_connections 1024; }\n"
        "http {\n"
        f"{MIME_TYPES}"
        "    access_log off;\n    sendfile on;\n    tcp_nopush on;\n    keepalive_timeout 65;\n"
        "    keepalive_requests 100000;\n"
        f"    client_body_temp_path {prefix}/tmp/client_body;\n    proxy_temp_path {prefix}/tmp/proxy;\n"
        f"    fastcgi_temp_path {prefix}/tmp/fastcgi;\n    uwsgi_temp_path {prefix}/tmp/uwsgi;\n"
        f"    scgi_temp_path {prefix}/tmp/scgi;\n\n"
        f"{servers}\n}}\n"
    )


def sample_snippet(sample: str) -> str:
    """The shared server rules that the sample documents in a comment (to be saved as
    /etc/nginx/snippets/rongmei-site-common.conf)."""
    lines = sample.splitlines()
    start = next((i for i, line in enumerate(lines) if line.startswith("#") and "rongmei-site-common.conf):" in line), None)
    if start is None:
        raise ValueError(f"{SAMPLE}: the commented snippet (… rongmei-site-common.conf):) is missing")
    body = []
    for line in lines[start + 1:]:
        if line.rstrip() == "#":
            continue
        if not line.startswith("#   "):
            break
        body.append(line[4:])
    if not body:
        raise ValueError(f"{SAMPLE}: the commented snippet is empty")
    return "\n".join(body) + "\n"


def _replace(text: str, old: str, new: str) -> str:
    if old not in text:
        raise ValueError(f"{SAMPLE}: expected {old!r} to substitute")
    return text.replace(old, new)


def _without_servers(config: str, pattern: re.Pattern) -> str:
    """`config` without each top-level `server { ... }` block that contains `pattern`."""
    out, pos = [], 0
    for match in re.finditer(r"^server\s*\{", config, flags=re.M):
        if match.start() < pos:
            continue
        depth, end = 0, match.end() - 1
        for end in range(match.end() - 1, len(config)):
            depth += {"{": 1, "}": -1}.get(config[end], 0)
            if depth == 0:
                break
        if pattern.search(config[match.start():end + 1]):
            out.append(config[pos:match.start()])
            pos = end + 1
    return "".join(out) + config[pos:]


def _plain(config: str, listen_port: int) -> str:
    """The sample's TLS servers in plain http on `listen_port` (no redirect server)."""
    config = _without_servers(config, LISTEN_HTTP)
    config = "\n".join(line for line in config.splitlines() if not line.lstrip().startswith("ssl_"))
    config, listens = LISTEN_TLS.subn(lambda m: f"listen 127.0.0.1:{listen_port}{m.group(2) or ''};", config)
    if not listens:
        raise ValueError(f"{SAMPLE}: no `listen 443 ssl` to substitute")
    return config


def _tls(config: str, listen_port: int, tls_port: int, certificate: Path, key: Path) -> str:
    """The sample as deployed: redirect on `listen_port`, TLS on `tls_port` with `certificate`."""
    config, listens = LISTEN_HTTP.subn(lambda m: f"listen 127.0.0.1:{listen_port}{m.group(1) or ''};", config)
    config, tls = LISTEN_TLS.subn(lambda m: f"listen 127.0.0.1:{tls_port} ssl{m.group(1) or ''}{m.group(2) or ''};", config)
    if not listens or not tls:
        raise ValueError(f"{SAMPLE}: expected both `listen 80` and `listen 443 ssl`")
    config = SAMPLE_CERTIFICATE.sub(str(Path(certificate).resolve()), config)
    config = SAMPLE_CERTIFICATE_KEY.sub(str(Path(key).resolve()), config)
    return _replace(config, "https://$host$request_uri", f"https://$host:{tls_port}$request_uri")


def render_nginx_config(var_dir, app_port: int, listen_port: int, prefix, *, workers: int = 1,
                        sample: Path = SAMPLE, tls_port: int | None = None,
                        certificate: tuple[Path, Path] | None = None) -> Path:
    """Write nginx.conf (+ snippet + proxy_params) for the sample under `prefix`, serving
    `var_dir`'s sites on 127.0.0.1:`listen_port` and proxying to the app on `app_port`;
    with `tls_port` and `certificate` (certificate file, key file), https there and the
    redirect on `listen_port`. Returns the path of nginx.conf."""
    prefix = Path(prefix).resolve()
    prefix.mkdir(parents=True, exist_ok=True)
    var = str(Path(var_dir).resolve())
    text = Path(sample).read_text()

    snippet_path = prefix / "snippets" / "rongmei-site-common.conf"
    snippet_path.parent.mkdir(parents=True, exist_ok=True)
    snippet_path.write_text(sample_snippet(text).replace(SAMPLE_VAR_DIR, var))

    # Only the configuration, not the comments (the snippet text in them is written above).
    config = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
    config = _replace(config, SAMPLE_VAR_DIR, var)
    config = _replace(config, SAMPLE_APP, f"127.0.0.1:{app_port}")
    config = _replace(config, SAMPLE_SNIPPET, str(snippet_path))
    if tls_port is None:
        config = _plain(config, listen_port)
    else:
        if certificate is None:
            raise ValueError("tls_port needs certificate=(certificate file, key file)")
        config = _tls(config, listen_port, tls_port, *certificate)
    for leftover in ("/srv/rongmei", "/etc/nginx", "/etc/ssl"):
        if leftover in config:
            raise ValueError(f"{SAMPLE}: {leftover} left after substitution")

    # `include proxy_params` is relative to the folder of nginx.conf.
    (prefix / "proxy_params").write_text(PROXY_PARAMS)
    conf = prefix / "nginx.conf"
    conf.write_text(main_config(config, prefix, workers=workers))
    return conf


class Nginx:
    """nginx in the foreground on `conf` (from render_nginx_config or main_config), stopped
    on exit. `test()` runs `nginx -t` first so a broken configuration says why."""

    def __init__(self, conf: Path, port: int, *, binary: str | None = None):
        self.conf = Path(conf)
        self.prefix = self.conf.parent
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.binary = binary or nginx_binary() or "nginx"
        self.error_log = self.prefix / "error.log"
        self.process: subprocess.Popen | None = None

    def _command(self, *extra: str) -> list[str]:
        return [self.binary, "-p", f"{self.prefix}/", "-e", str(self.error_log), "-c", str(self.conf), *extra]

    def test(self) -> None:
        result = subprocess.run(self._command("-t", "-q"), capture_output=True, text=True, timeout=30)
        if result.returncode != 0:
            raise RuntimeError(f"nginx -t refused {self.conf}:\n{result.stderr}")

    def start(self, timeout: float = 15) -> Nginx:
        self.test()
        log = open(self.prefix / "nginx.out", "ab")
        self.process = subprocess.Popen(self._command(), stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"nginx exited ({self.process.returncode}); see {self.error_log}:\n"
                                   f"{self.error_log.read_text(errors='replace')[-2000:] if self.error_log.exists() else ''}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return self
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"nginx did not listen on {self.port}; see {self.error_log}")

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        try:
            os.killpg(process.pid, signal.SIGTERM)  # the master stops its workers
            process.wait(10)
        except ProcessLookupError:
            pass
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(5)

    def __enter__(self) -> Nginx:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


@contextmanager
def sample_in_front_of(handler, var_dir, prefix, *, tls_port: int | None = None, certificate=None):
    """The nginx sample in front of a stand-in app (`handler`, a BaseHTTPRequestHandler class
    serving on loopback), on a free port (and `tls_port` with `certificate`); yields the
    running Nginx, whose `port` is the TLS port when there is one."""
    from rongmei.testing.live import free_port

    app = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=app.serve_forever, daemon=True).start()
    port = free_port()
    tls = {"tls_port": tls_port, "certificate": certificate} if tls_port else {}
    conf = render_nginx_config(var_dir, app.server_address[1], port, prefix, **tls)
    nginx = Nginx(conf, tls_port or port)
    nginx.plain_port = port
    try:
        nginx.start()
        yield nginx
    finally:
        nginx.stop()
        app.shutdown()
