"""The fake province platform on its own (no database): it checks what a real receiver must
— the signature, the ninjs 3.1 schema, repeated deliveries — fetches the media links of an
item, and sends receipts signed the way the county verifies them."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from rongmei.distribution.fakes import start_fake
from rongmei.distribution.formatters import push_payload, verify_signature
from rongmei.distribution.formatters.province import MediaLink, province_ninjs
from rongmei.distribution.formatters.push import signed_document
from rongmei.distribution.formatters.tests.samples import flood_item
from rongmei.testing.live import http_send

KEY = "k-test"


class Origin:
    """A tiny web server: serves one file and takes receipts (records headers and body)."""

    def __init__(self):
        self.received = []
        origin = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                body = b"\x00\x00\x00\x18ftypmp42" + b"x" * 100 if self.path == "/v.mp4" else b""
                self.send_response(200 if body else 404)
                self.send_header("Content-Type", "video/mp4")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                origin.received.append((dict(self.headers), body))
                answer = b'{"ok": true}'
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_port}"


@pytest.fixture
def origin():
    o = Origin()
    yield o
    o.server.shutdown()


@pytest.fixture
def fake():
    with start_fake("province") as server:
        server.configure(secret=KEY)
        yield server


def post(fake, body, headers):
    import urllib.error
    import urllib.request

    request = urllib.request.Request(f"{fake.url}/ninjs", data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_signed_item_is_stored_once_and_its_media_fetched(fake, origin):
    item = flood_item()
    doc = province_ninjs(item, (MediaLink(name="short_video", href=f"{origin.url}/v.mp4", content_type="video/mp4",
                                          width=1080, height=1920, duration=12.5, size=112),))
    body, headers = signed_document(doc, secret=KEY, delivery_key="p1-a1-v1-publish", event="publish")
    assert post(fake, body, headers)[0] == 200
    assert post(fake, body, headers)[0] == 200  # the same delivery again
    state = fake.state()
    assert state["duplicate_deliveries"] == 1
    (stored,) = fake.items().values()
    assert len(stored["versions"]) == 1
    video = next(f for f in stored["versions"][0]["fetched"] if f["name"] == "short_video")
    assert video["status"] == 200 and video["size"] == 112
    rendition = next(r for r in doc["renditions"] if r["name"] == "short_video")
    assert rendition["aspectRatio"] == "9:16" and rendition["sizeInBytes"] == 112


def test_wrong_signature_and_invalid_ninjs_are_refused(fake):
    body, headers = push_payload(flood_item(), secret="not-the-key", delivery_key="p1-a1-v1-publish")
    assert post(fake, body, headers) == (401, {"error": "signature mismatch"})
    bad = json.dumps({"uri": "no uri here", "type": "text"}).encode()
    from rongmei.distribution.formatters import sign

    status, answer = post(fake, bad, {"Content-Type": "application/json", "X-Rongmei-Signature": sign(bad, KEY),
                                      "X-Rongmei-Delivery": "p2-a1-v1-publish"})
    assert status == 422 and answer["errors"]
    assert [r["reason"] for r in fake.state()["refused"]] == ["signature", "ninjs"]


def test_refuse_control_and_the_http_control_api(fake):
    fake.refuse(503, count=1)
    body, headers = push_payload(flood_item(), secret=KEY, delivery_key="p3-a1-v1-publish")
    assert post(fake, body, headers)[0] == 503
    assert post(fake, body, headers)[0] == 200
    status, answer = http_send("POST", f"{fake.url}/__fake__/province/configure", {"callback_url": "ftp://x"})
    assert status == 400 and "http" in answer["error"]


def test_receipts_are_signed_like_our_pushes(fake, origin):
    fake.configure(callback_url=f"{origin.url}/cb")
    result = fake.send_callback("urn:rongmei:demo:story:1", "used", used_by="省日报", level="provincial",
                                link="https://news.example.cn/1")
    assert result["status"] == 200
    headers, body = origin.received[-1]
    assert verify_signature(body, headers["X-Rongmei-Signature"], KEY)
    sent = json.loads(body)
    assert sent["event"] == "used" and sent["used_by"] == "省日报" and sent["level"] == "provincial"
    assert sent["uri"] == "urn:rongmei:demo:story:1" and sent["event_id"] and sent["at"].endswith("Z")
    fake.send_callback("urn:rongmei:demo:story:1", "received", tamper=True)
    headers, body = origin.received[-1]
    assert not verify_signature(body, headers["X-Rongmei-Signature"], KEY)
