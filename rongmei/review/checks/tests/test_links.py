"""Link checks against a real HTTP server on 127.0.0.1 (no other network). Loopback is
refused by default (see test_link_ssrf in rongmei/review/tests), so these tests allow it
the way a center allows an intranet site."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from rongmei.review.checks import (
    LinkRef,
    LinkResult,
    Policy,
    check_links,
    fetch_status,
    links_in_fields,
    links_in_html,
)

SLOW_SECONDS = 2.0
TIMEOUT = 0.5
LOCAL = Policy.parse(["127.0.0.1"])


class _Handler(BaseHTTPRequestHandler):
    """/ok 200, /missing 404, /broken 500, /moved → /ok, /loop → /loop, /slow sleeps,
    /no-head refuses HEAD (405) but answers GET."""

    def do_HEAD(self) -> None:
        self._answer(head=True)

    def do_GET(self) -> None:
        self._answer(head=False)

    def _answer(self, head: bool) -> None:
        self.server.requests.append((self.command, self.path))  # type: ignore[attr-defined]
        path = self.path.split("?")[0]
        if path == "/slow":
            time.sleep(SLOW_SECONDS)
            self._send(200)
        elif path == "/moved":
            self._send(302, {"Location": "/ok"})
        elif path == "/moved-twice":
            self._send(301, {"Location": "http://127.0.0.1:%d/moved" % self.server.server_port})
        elif path == "/loop":
            self._send(302, {"Location": "/loop"})
        elif path == "/no-head":
            self._send(405 if head else 200)
        elif path in ("/ok", "/%E6%96%B0%E9%97%BB"):
            self._send(200)
        elif path == "/broken":
            self._send(500)
        else:
            self._send(404)

    def _send(self, status: int, headers: dict[str, str] | None = None) -> None:
        try:
            self.send_response(status)
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.send_header("Content-Length", "0")
            self.end_headers()
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (the timeout test)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.daemon_threads = True
    httpd.requests = []  # type: ignore[attr-defined]
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_port}"
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_answering_links_and_redirects_pass(server: str) -> None:
    urls = [f"{server}/ok", f"{server}/moved", f"{server}/moved-twice", f"{server}/no-head",
            f"{server}/新闻"]
    assert check_links(urls, timeout=TIMEOUT, policy=LOCAL) == []


def test_client_and_server_errors_warn_with_the_status(server: str) -> None:
    found = check_links([f"{server}/missing", f"{server}/broken"], timeout=TIMEOUT, policy=LOCAL)
    assert [(f.text, f.severity) for f in found] == [
        (f"{server}/missing", "warn"), (f"{server}/broken", "warn"),
    ]
    assert "无法访问（状态码 404）" in found[0].message
    assert "无法访问（状态码 500）" in found[1].message


def test_slow_link_times_out_without_waiting_for_it(server: str) -> None:
    started = time.perf_counter()
    [finding] = check_links([f"{server}/slow"], timeout=TIMEOUT, policy=LOCAL)
    assert time.perf_counter() - started < SLOW_SECONDS
    assert "链接无法访问。" in finding.message and "秒" not in finding.message  # no timing told


def test_links_are_checked_in_parallel(server: str) -> None:
    slow = [f"{server}/slow?{i}" for i in range(4)]
    started = time.perf_counter()
    found = check_links(slow, timeout=TIMEOUT, max_workers=4, policy=LOCAL)
    assert len(found) == 4
    assert time.perf_counter() - started < 4 * TIMEOUT


def test_redirect_loop_stops_after_five_hops(server: str) -> None:
    result = fetch_status(f"{server}/loop", TIMEOUT, policy=LOCAL)
    assert result.status is None and "redirects" in result.error
    [finding] = check_links([f"{server}/loop"], timeout=TIMEOUT, policy=LOCAL)
    assert "链接无法访问。" in finding.message


def test_head_is_kept_through_redirects_and_get_used_when_refused(server: str) -> None:
    assert fetch_status(f"{server}/moved", TIMEOUT, policy=LOCAL).status == 200
    assert fetch_status(f"{server}/no-head", TIMEOUT, policy=LOCAL).status == 200


def test_connection_refused_warns() -> None:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # bound but not listening: connections are refused
        [finding] = check_links([f"http://127.0.0.1:{port}/"], timeout=TIMEOUT, policy=LOCAL)
    assert "链接无法访问。" in finding.message and "拒绝" not in finding.message  # no port state told


def test_other_schemes_and_relative_links_are_skipped() -> None:
    def fetch(url: str, timeout: float) -> LinkResult:
        raise AssertionError(f"should not fetch {url}")

    urls = ["mailto:news@example.cn", "tel:12345", "/news/1", "news/1", "ftp://x/y",
            "javascript:alert(1)"]
    assert check_links(urls, fetch=fetch) == []


def test_each_url_is_fetched_once_and_every_place_reported() -> None:
    calls: list[str] = []

    def fetch(url: str, timeout: float) -> LinkResult:
        calls.append(url)
        return LinkResult(404)

    refs = [
        LinkRef("http://example.cn/a", "body", 3, 22),
        LinkRef("http://example.cn/a", "summary", 0, 19),
    ]
    found = check_links(refs, fetch=fetch)
    assert calls == ["http://example.cn/a"]
    assert [(f.field, f.start, f.end) for f in found] == [("body", 3, 22), ("summary", 0, 19)]


def test_links_are_found_in_text_and_html() -> None:
    refs = links_in_fields({"body": "详见 https://www.example.cn/news/1。"})
    assert [(r.url, r.field, r.start) for r in refs] == [
        ("https://www.example.cn/news/1", "body", 3)
    ]
    html = '<p>见<a href="https://example.cn/a">这里</a>和<a href="/local">本站</a><a>无</a></p>'
    assert [r.url for r in links_in_html(html)] == ["https://example.cn/a", "/local"]
