"""The link check in real Chromium against `rongmei serve` (real task worker): a reporter's
story links to a service on the server's own loopback; the check is started by the button (a
POST), runs in the worker, the page polls for the result, and the loopback service is never
asked: the page only says 无法访问."""

import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.e2e.conftest import DESKTOP, log_in, shot

pytestmark = pytest.mark.e2e


class _Trap(BaseHTTPRequestHandler):
    def do_HEAD(self):
        self.server.hits.append(self.path)
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_GET = do_HEAD

    def log_message(self, *args):
        pass


def test_link_check_runs_in_the_worker_and_refuses_loopback(demo_server, new_page):
    trap = ThreadingHTTPServer(("127.0.0.1", 0), _Trap)
    trap.hits = []
    threading.Thread(target=trap.serve_forever, daemon=True).start()
    try:
        url = demo_server.url
        page = new_page(DESKTOP)
        log_in(page, url, "reporter")
        page.goto(f"{url}/stories/new/")
        page.fill("#id_headline", "城关镇夜市整治一周见成效")
        page.click("[data-testid=body-editor]")
        page.keyboard.type(f"详见 http://127.0.0.1:{trap.server_port}/admin 和 http://169.254.169.254/latest/meta-data/ 。")
        page.click("[data-testid=save-story]")
        page.wait_for_selector("text=稿件已保存")
        pk = re.search(r"/stories/(\d+)/", page.url).group(1)

        page.goto(f"{url}/stories/{pk}/checks/")
        page.click("[data-testid=check-links]")
        page.wait_for_selector("text=已开始检查链接")
        page.wait_for_selector("[data-testid=link-results]", timeout=30000)  # htmx polls until the worker is done
        rows = page.inner_text("[data-testid=link-results] tbody")
        shot(page, "review-link-check-desktop")
        assert f"127.0.0.1:{trap.server_port}" in rows and "169.254.169.254" in rows
        assert rows.count("无法访问") == 2 and "可以访问" not in rows
        assert trap.hits == []
    finally:
        trap.shutdown()
        trap.server_close()
