"""HTTPS settings and shared rate limits on real gunicorn processes (issue 11, items 6 and 8).

The session's demo installation; gunicorn processes on it with the environment an operator
sets. Clients connect from two loopback addresses: 127.0.0.1 is "nginx" (TRUSTED_PROXIES)
and 127.0.0.5 is a stranger who reached gunicorn directly.

Rate limits: two gunicorn processes (separate memory, like `rongmei serve`'s two workers,
but deterministic about who answers) take turns. With counters in per-process memory, or
with a client-sent X-Real-IP believed, the stranger's sixth try would still get through.
"""

from __future__ import annotations

import http.client
import re
import signal
import socket
import time
from urllib.parse import urlencode

import pytest

from rongmei.testing.live import Instance, free_port

pytestmark = pytest.mark.slow

NGINX = "127.0.0.1"
STRANGER = "127.0.0.5"
ASK = "/site/demo/wenzheng/ask/"
LIMIT_IP = "同一网络 10 分钟内最多提交 5 件"


def call(port, method, path, *, source, headers=None, form=None):
    body = urlencode(form) if form is not None else None
    headers = dict(headers or {})
    if body is not None:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60, source_address=(source, 0))
    try:
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        return response.status, response.msg, response.read().decode("utf-8", "replace")
    finally:
        conn.close()


def start_gunicorn(inst: Instance, port: int, **env: str):
    saved = inst.env
    inst.env = {**saved, "TRUSTED_PROXIES": NGINX, **env}
    try:
        process = inst.spawn("gunicorn", "rongmei.wsgi:application", "--bind", f"127.0.0.1:{port}",
                             "--workers", "1", "--threads", "2", "--worker-class", "gthread")
    finally:
        inst.env = saved
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited:\n{inst.log_path.read_text(errors='replace')[-3000:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                call(port, "GET", "/healthz", source=NGINX)
                return process
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not come up")


@pytest.fixture(scope="module")
def installation(demo_server):
    """The session's demo installation (its database and var dir); the gunicorn processes
    started here have their own environment and are stopped with the module."""
    started = len(demo_server.processes)
    yield demo_server
    ours = demo_server.processes[started:]
    del demo_server.processes[started:]
    for process in ours:
        Instance.kill(process, signal.SIGTERM)


def csrf(port, source, headers=None) -> tuple[str, str]:
    status, msg, body = call(port, "GET", ASK, source=source, headers=headers)
    assert status == 200, body[:500]
    cookie = next(c.split(";")[0] for c in msg.get_all("Set-Cookie") if c.startswith("csrftoken="))
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', body).group(1)
    return cookie, token


def test_limits_are_shared_by_processes_and_keyed_on_the_real_peer(installation):
    ports = [free_port(), free_port()]
    for port in ports:
        start_gunicorn(installation, port)
    cookie, token = csrf(ports[0], STRANGER)
    robot = {"csrfmiddlewaretoken": token, "kind": "complain", "title": "路灯", "text": "路灯坏了。", "website": "x"}
    person = {**robot, "website": "", "text": ""}  # not stored either: the text is missing

    # Five robot posts (counted against the address, nothing stored), each claiming another
    # address, alternating between the two processes.
    for i in range(5):
        spoof = f"198.51.100.{i + 1}"
        status, _, body = call(ports[i % 2], "POST", ASK, source=STRANGER, form=robot,
                               headers={"Cookie": cookie, "X-Real-IP": spoof, "X-Forwarded-For": spoof})
        assert status == 400, body[:300]
    for port in ports:
        status, _, body = call(port, "POST", ASK, source=STRANGER, form=person,
                               headers={"Cookie": cookie, "X-Real-IP": "203.0.113.77", "X-Forwarded-For": "203.0.113.77"})
        assert status == 429 and LIMIT_IP in body, (port, status, body[:300])

    # Behind the trusted proxy the forwarded address is the client: another person is not
    # limited, and the stranger's own address (as nginx would forward it) is.
    forwarded = {"Cookie": cookie, "X-Forwarded-For": "198.51.100.200", "X-Real-IP": "198.51.100.200"}
    status, _, body = call(ports[1], "POST", ASK, source=NGINX, form=person, headers=forwarded)
    assert status == 200 and LIMIT_IP not in body, body[:300]
    status, _, body = call(ports[0], "POST", ASK, source=NGINX, form=person,
                           headers={"Cookie": cookie, "X-Forwarded-For": STRANGER})
    assert status == 429 and LIMIT_IP in body


def test_https_settings_on_a_live_server(installation):
    port = free_port()
    start_gunicorn(installation, port, RONGMEI_HTTPS="1", HSTS_SECONDS="3600")
    host = f"127.0.0.1:{port}"

    # Plain http is sent to https; a stranger cannot claim https with the proxy's header.
    for headers in ({}, {"X-Forwarded-Proto": "https"}):
        status, msg, _ = call(port, "GET", "/login/", source=STRANGER, headers=headers)
        assert status == 301 and msg["Location"] == f"https://{host}/login/"
        assert "Strict-Transport-Security" not in msg
    status, _, _ = call(port, "GET", "/healthz", source=STRANGER)
    assert status in (200, 503)  # monitors probe over http: not redirected

    # Through the trusted proxy over https: HSTS, and cookies only for https.
    https = {"X-Forwarded-Proto": "https"}
    status, msg, body = call(port, "GET", "/login/", source=NGINX, headers=https)
    assert status == 200
    assert msg["Strict-Transport-Security"] == "max-age=3600"
    cookies = msg.get_all("Set-Cookie")
    csrf_cookie = next(c for c in cookies if c.startswith("csrftoken="))
    assert "; Secure" in csrf_cookie
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', body).group(1)
    status, msg, body = call(port, "POST", "/login/", source=NGINX, form={
        "csrfmiddlewaretoken": token, "username": "editor", "password": "rongmei-demo",
    }, headers={**https, "Cookie": csrf_cookie.split(";")[0], "Origin": f"https://{host}", "Referer": f"https://{host}/login/"})
    assert status == 302, body[:500]
    session = next(c for c in msg.get_all("Set-Cookie") if c.startswith("sessionid="))
    assert "; Secure" in session and "; HttpOnly" in session
