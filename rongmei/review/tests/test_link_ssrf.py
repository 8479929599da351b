"""Standing SSRF test of the link check (issue 11): loopback, private, link-local, odd IP
spellings and redirects to them are refused before anything is sent; the page only says
可以访问 / 无法访问（状态码）/ 无法访问; the check starts only by POST and runs as a task.

Nothing here leaves the machine: the only servers asked listen on 127.0.0.1/127.0.0.2, and
a "public" host is simulated with the allow list (or a resolver answer that is never dialled).
"""

from __future__ import annotations

import ipaddress
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.urls import reverse
from huey.contrib.djhuey import HUEY

from rongmei.newsroom.models import Story
from rongmei.review.checks import Policy, fetch_status, link_state
from rongmei.review.checks import links as links_module

TIMEOUT = 0.5


class _Handler(BaseHTTPRequestHandler):
    """/ok 200, /missing 404, /to-private → the trap on 127.0.0.2, /to-metadata → 169.254.169.254."""

    def do_HEAD(self) -> None:
        self.server.hits.append((self.command, self.path, self.headers.get("Host")))  # type: ignore[attr-defined]
        path = self.path.split("?")[0]
        target = getattr(self.server, "redirects", {}).get(path)
        if target:
            self._send(302, {"Location": target})
        else:
            self._send({"/ok": 200}.get(path, 404))

    do_GET = do_HEAD

    def _send(self, status: int, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def _serve(host: str) -> Iterator[ThreadingHTTPServer]:
    httpd = ThreadingHTTPServer((host, 0), _Handler)
    httpd.daemon_threads = True
    httpd.hits = []  # type: ignore[attr-defined]
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield httpd
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture(scope="module")
def trap() -> Iterator[ThreadingHTTPServer]:
    """A server on 127.0.0.2 that must never be asked."""
    yield from _serve("127.0.0.2")


@pytest.fixture(scope="module")
def site(trap: ThreadingHTTPServer) -> Iterator[ThreadingHTTPServer]:
    """The "public" site (allowed by the policy in these tests), redirecting to private places."""
    for httpd in _serve("127.0.0.1"):
        httpd.redirects = {  # type: ignore[attr-defined]
            "/to-private": f"http://127.0.0.2:{trap.server_port}/secret",
            "/to-metadata": "http://169.254.169.254/latest/meta-data/",
            "/to-decimal": f"http://2130706434:{trap.server_port}/",  # 127.0.0.2 spelt as one number
            "/to-ok": "/ok",
        }
        yield httpd


@pytest.fixture(autouse=True)
def _trap_untouched(trap: ThreadingHTTPServer) -> Iterator[None]:
    before = len(trap.hits)  # type: ignore[attr-defined]
    yield
    assert trap.hits[before:] == []  # type: ignore[attr-defined]


def _private_targets(port: int) -> list[str]:
    return [
        f"http://127.0.0.1:{port}/", f"http://localhost:{port}/", f"http://[::1]:{port}/",
        "http://10.0.0.1/", "http://10.255.1.2:8080/", "http://192.168.1.1/", "http://172.16.0.1/",
        "http://169.254.169.254/latest/meta-data/", "http://0.0.0.0/", f"http://0.0.0.0:{port}/",
        f"http://127.1:{port}/", f"http://2130706433:{port}/", f"http://0x7f000001:{port}/",
        f"http://0177.0.0.1:{port}/", f"http://[::ffff:127.0.0.1]:{port}/", "http://[fe80::1]/",
        "http://[fc00::1]/", "http://224.0.0.1/", "http://100.64.0.1/", "http://[::]/",
        f"https://127.0.0.1:{port}/", f"http://localhost.:{port}/",
    ]


def test_private_and_loopback_targets_are_refused_before_any_request(trap: ThreadingHTTPServer) -> None:
    loopback_port = _listening_loopback_port()
    for url in _private_targets(loopback_port) + _private_targets(trap.server_port):
        result = fetch_status(url, TIMEOUT)
        assert result.refused and result.status is None, url
        assert link_state(result) == "无法访问", url


def _listening_loopback_port() -> int:
    """A port on 127.0.0.1 with a listener that fails the test if anything connects."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen()
    sock.setblocking(False)
    _listeners.append(sock)
    return sock.getsockname()[1]


_listeners: list[socket.socket] = []


@pytest.fixture(autouse=True)
def _loopback_listeners_untouched() -> Iterator[None]:
    yield
    while _listeners:
        sock = _listeners.pop()
        with sock:
            with pytest.raises(BlockingIOError):
                sock.accept()


def test_every_private_range_and_embedded_form_counts_as_not_public() -> None:
    for text in ["127.0.0.1", "10.1.2.3", "172.31.255.255", "192.168.0.1", "169.254.169.254", "0.0.0.0",
                 "100.64.0.1", "224.0.0.251", "240.0.0.1", "255.255.255.255", "::1", "::", "fe80::1",
                 "fc00::1", "ff02::1", "::ffff:10.0.0.1", "::ffff:127.0.0.1", "2002:7f00:1::",
                 "2002:a00:1::", "64:ff9b::a00:1", "2001:0:4136:e378:8000:63bf:f5ff:fffe"]:
        assert not links_module.is_public(ipaddress.ip_address(text)), text
    for text in ["8.8.8.8", "223.5.5.5", "2400:3200::1"]:
        assert links_module.is_public(ipaddress.ip_address(text)), text


def test_public_hosts_only_on_web_ports_and_never_resolved_twice(monkeypatch: pytest.MonkeyPatch) -> None:
    """A name resolving to a public address may be asked on 80/443/8080/8443 only (resolve()
    is not followed by any connection here: nothing leaves the machine)."""
    monkeypatch.setattr(socket, "getaddrinfo", lambda host, port, *a, **k: [
        (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("203.0.113.7" if host == "doc.test" else "93.184.216.34", port))])
    with pytest.raises(links_module.Refused):
        links_module.resolve("http://news.example.cn:22/")
    with pytest.raises(links_module.Refused):
        links_module.resolve("http://news.example.cn:6379/")
    target = links_module.resolve("https://news.example.cn/a?b=1#c")
    assert (target.host, target.port, target.address, target.path) == ("news.example.cn", 443, "93.184.216.34", "/a?b=1")
    with pytest.raises(links_module.Refused):  # 203.0.113.0/24 is documentation space: reserved, not public
        links_module.resolve("http://doc.test/")
    with pytest.raises(links_module.Refused):
        links_module.resolve("ftp://news.example.cn/")


def test_a_name_is_resolved_once_and_the_checked_address_is_dialled(site: ThreadingHTTPServer,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """DNS rebinding: the second answer (a private address) is never asked for or used;
    the request carries the name in its Host header."""
    answers = iter(["127.0.0.1", "10.0.0.1"])
    calls = []

    def rebinding(host, port, *args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(host)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (next(answers), port))]

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    result = fetch_status(f"http://rebind.test:{site.server_port}/ok", TIMEOUT, policy=Policy.parse(["127.0.0.1/32"]))
    assert result.status == 200 and calls == ["rebind.test"]
    assert site.hits[-1] == ("HEAD", "/ok", f"rebind.test:{site.server_port}")  # type: ignore[attr-defined]


def test_redirects_to_private_places_are_refused_at_every_hop(site: ThreadingHTTPServer) -> None:
    """The allow list lets the local "site" be asked, not where it redirects to."""
    allowed = Policy.parse(["127.0.0.1/32"])
    base = f"http://127.0.0.1:{site.server_port}"
    assert fetch_status(f"{base}/to-ok", TIMEOUT, policy=allowed).status == 200
    for path in ["/to-private", "/to-metadata", "/to-decimal"]:
        result = fetch_status(f"{base}{path}", TIMEOUT, policy=allowed)
        assert result.refused and link_state(result) == "无法访问", path
    assert link_state(fetch_status(f"{base}/missing", TIMEOUT, policy=allowed)) == "无法访问（状态码 404）"


def test_allow_list_entries() -> None:
    policy = Policy.parse(["intranet.example.cn", ".gov.local", "10.8.0.0/16", "192.168.1.20"])
    assert policy.allows_host("intranet.example.cn") and policy.allows_host("a.b.gov.local")
    assert policy.allows_host("gov.local") and not policy.allows_host("evilgov.local")
    assert not policy.allows_host("example.cn")
    assert policy.allows_address(ipaddress.ip_address("10.8.3.4"))
    assert policy.allows_address(ipaddress.ip_address("::ffff:10.8.3.4"))
    assert not policy.allows_address(ipaddress.ip_address("10.9.0.1"))
    with pytest.raises(ValueError):
        Policy.parse(["http://x/"])


def test_allow_list_setting_is_checked() -> None:
    from rongmei import config

    loaded = config.load({"RONGMEI_LINKCHECK_ALLOW": "intranet.example.cn, 10.8.0.0/16", "SECRET_KEY": "x" * 40})
    assert loaded.linkcheck_allow == ["intranet.example.cn", "10.8.0.0/16"]
    loaded = config.load({"RONGMEI_LINKCHECK_ALLOW": "http://bad/", "SECRET_KEY": "x" * 40})
    assert [p.setting for p in loaded.problems] == ["RONGMEI_LINKCHECK_ALLOW"]


# --- The page: POST starts a task, GET never asks anything -------------------------------------

@pytest.fixture
def immediate_queue() -> Iterator[None]:
    """Tasks run in-process at enqueue (Huey's immediate mode, memory storage)."""
    before = HUEY.immediate
    HUEY.immediate = True
    try:
        yield
    finally:
        HUEY.immediate = before


def _story_with_links(demo, urls: list[str]) -> Story:  # type: ignore[no-untyped-def]
    story = Story.objects.filter(center=demo["demo"]).order_by("pk").first()
    body = "".join(f'<p><a href="{url}">链接{i}</a></p>' for i, url in enumerate(urls))
    Story.objects.filter(pk=story.pk).update(body=body)
    return story


def _check_links_as_reporter(login, story, django_capture_on_commit_callbacks) -> str:  # type: ignore[no-untyped-def]
    client = login("reporter")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("review:story_checks", args=[story.pk]))
    assert response.status_code == 302
    page = client.get(reverse("review:story_checks", args=[story.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-testid="link-results"' in html
    return html


def test_the_old_get_trigger_is_refused(login, demo) -> None:  # type: ignore[no-untyped-def]
    story = _story_with_links(demo, ["http://127.0.0.1:9/"])
    response = login("reporter").get(reverse("review:story_checks", args=[story.pk]) + "?links=1")
    assert response.status_code == 405
    assert response["Allow"] == "POST"


def test_the_page_tells_open_and_closed_loopback_ports_apart_in_no_way(
        login, demo, site, immediate_queue, django_capture_on_commit_callbacks) -> None:  # type: ignore[no-untyped-def]
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))  # bound, not listening: a closed port
        open_url = f"http://127.0.0.1:{site.server_port}/ok"
        closed_url = f"http://127.0.0.1:{closed.getsockname()[1]}/ok"
        story = _story_with_links(demo, [open_url, closed_url, "http://169.254.169.254/latest/meta-data/"])
        hits = len(site.hits)
        html = _check_links_as_reporter(login, story, django_capture_on_commit_callbacks)
    assert len(site.hits) == hits  # the open port was never asked
    rows = html.split('data-testid="link-results"')[1]
    assert rows.count("<td>无法访问</td>") == 3 and "可以访问" not in rows
    for leak in ["拒绝", "超时", "秒", "refused", "Errno", "timeout", "端口"]:
        assert leak not in rows


def test_allowed_intranet_site_is_reported_reachable_or_broken(
        login, demo, site, settings, immediate_queue, django_capture_on_commit_callbacks) -> None:  # type: ignore[no-untyped-def]
    settings.RONGMEI_LINKCHECK_ALLOW = ["127.0.0.1"]
    base = f"http://127.0.0.1:{site.server_port}"
    story = _story_with_links(demo, [f"{base}/ok", f"{base}/missing", f"{base}/to-private"])
    html = _check_links_as_reporter(login, story, django_capture_on_commit_callbacks)
    assert "<td>可以访问</td>" in html
    assert "<td>无法访问（状态码 404）</td>" in html
    assert html.count("<td>无法访问</td>") == 1  # the redirect to 127.0.0.2 (the trap counts no hit)


def test_a_running_check_is_polled_until_done(login, demo, immediate_queue) -> None:  # type: ignore[no-untyped-def]
    from huey.contrib.djhuey.tasks_backend import KEY, _initial_record

    from rongmei.review.tasks import check_story_links

    story = _story_with_links(demo, ["https://www.example.cn/"])
    client = login("reporter")
    session = client.session
    session["review_link_checks"] = {str(story.pk): "pending-check"}
    session.save()
    HUEY.put_result(KEY % "pending-check", _initial_record("default", check_story_links, "pending-check",
                                                           [demo["demo"].pk, story.pk], {}))
    for url in [reverse("review:story_checks", args=[story.pk]), reverse("review:story_link_check", args=[story.pk])]:
        html = client.get(url).content.decode()
        assert "正在检查链接" in html and 'hx-trigger="every 2s"' in html
