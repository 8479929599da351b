"""The HTTP side: a threaded stdlib server that hands requests to an engine.

``ThreadingHTTPServer`` gives one thread per connection (220 accounts × several calls at
once are fine); HTTP/1.1 keep-alive is supported, so pooled clients reuse connections.
"""

from __future__ import annotations

import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Literal, Self, overload

from .controls import ControlCallError, WeChatControls, WeiboControls
from .core import ControlError, FakeEngine, JSONDict, Request, Response
from .wechat import WeChatFake
from .weibo import WeiboFake

MAX_BODY = 32 << 20  # larger than any upload either API accepts


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True
    request_queue_size = 1024  # the default (5) refuses bursts of parallel connections

    def __init__(self, address: tuple[str, int], engine: FakeEngine) -> None:
        self.engine = engine
        super().__init__(address, _Handler)


class _Handler(BaseHTTPRequestHandler):
    server: _HTTPServer
    protocol_version = "HTTP/1.1"
    server_version = "RongmeiFake/1.0"
    sys_version = ""
    # Headers and body leave in one segment, without Nagle: otherwise keep-alive clients
    # wait ~40 ms per call for a delayed ACK.
    wbufsize = 64 << 10
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib signature
        """Quiet: tests and the demo do not want one log line per call."""

    def do_GET(self) -> None:  # noqa: N802 - stdlib naming
        self._dispatch()

    def do_POST(self) -> None:  # noqa: N802
        self._dispatch()

    def do_PUT(self) -> None:  # noqa: N802
        self._dispatch()

    def do_DELETE(self) -> None:  # noqa: N802
        self._dispatch()

    def _read_body(self) -> bytes | None:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            total = 0
            while True:
                size = int(self.rfile.readline().split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                total += size
                if total > MAX_BODY:
                    return None
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            return None
        return self.rfile.read(length) if length > 0 else b""

    def _dispatch(self) -> None:
        body = self._read_body()
        if body is None:
            self._send(Response.text("request entity too large", 413))
            self.close_connection = True
            return
        request = Request.build(self.command, self.path, dict(self.headers.items()), body)
        try:
            response = self.server.engine.dispatch(request)
        except Exception as exc:  # a bug in the fake must not look like a hang to the client
            response = Response.text(f"fake server error: {exc!r}", 500)
        if response is None:  # fault "drop": no answer at all
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return
        self._send(response)

    def _send(self, response: Response) -> None:
        try:
            self.send_response(response.status)
            self.send_header("Content-Type", response.content_type)
            self.send_header("Content-Length", str(len(response.body)))
            for key, value in response.headers.items():
                self.send_header(key, value)
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(response.body)
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            # The client gave up (e.g. its timeout ran out during a "hang" fault).
            self.close_connection = True


class FakeServer:
    """A fake platform server running in a background thread.

    ``url`` is its base URL (point the adapter's API base there); ``engine`` is the state
    behind it; ``stop()`` shuts it down. The control helpers come from the mixins.
    """

    def __init__(self, engine: FakeEngine, host: str = "127.0.0.1", port: int = 0) -> None:
        self.engine = engine
        self._httpd = _HTTPServer((host, port), engine)
        self.host = host
        self.port = int(self._httpd.server_address[1])
        url_host = "127.0.0.1" if host in ("", "0.0.0.0") else ("[::1]" if host == "::" else host)
        self.url = f"http://{url_host}:{self.port}"
        engine.public_url = self.url
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05},
            name=f"fake-{engine.kind}-{self.port}", daemon=True,
        )
        self._stopped = False

    @property
    def kind(self) -> str:
        return self.engine.kind

    def start(self) -> Self:
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving; hanging calls wake up at once. Safe to call twice."""
        if self._stopped:
            return
        self._stopped = True
        self.engine.close()
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def serve_forever(self) -> None:
        """Serve in the calling thread until ``stop()`` (used by the CLI)."""
        self._httpd.serve_forever(poll_interval=0.2)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.kind} at {self.url}>"

    def _control(self, method: str, action: str, payload: JSONDict | None = None) -> JSONDict:
        try:
            result = self.engine.control(method, action, payload)
        except ControlError as exc:
            raise ControlCallError(str(exc)) from exc
        return json.loads(json.dumps(result))  # a copy, shaped exactly like the HTTP answer


class WeChatFakeServer(FakeServer, WeChatControls):
    """A running fake WeChat Official Account API (see ``wechat.py``)."""

    engine: WeChatFake


class WeiboFakeServer(FakeServer, WeiboControls):
    """A running fake Weibo API (see ``weibo.py``)."""

    engine: WeiboFake


# The other fakes (issue 17), one module each: ``start(host, port, latency, publish_delay)``
# returns its running server (a FakeServer subclass with that platform's control helpers).
MODULES = {
    "douyin": "rongmei.distribution.fakes.douyin",        # 抖音开放平台
    "kuaishou": "rongmei.distribution.fakes.kuaishou",    # 快手开放平台
    "province": "rongmei.distribution.fakes.province",    # 省级技术平台: ninjs receiver + 采用 callbacks
    "wecom": "rongmei.distribution.fakes.wecom",          # 企业微信: gettoken, message/send, group robot
    "dingtalk": "rongmei.distribution.fakes.dingtalk",    # 钉钉: gettoken, work notification, group robot
    "feishu": "rongmei.distribution.fakes.feishu",        # 飞书 group robot
    "sms": "rongmei.distribution.fakes.sms",              # 阿里云短信 SendSms
}
# The demo's sandbox ports, as offsets from its WeChat port (8901 by default; Weibo is +1 and
# 舆情's demo feeds +2): ``rongmei serve`` starts these fakes there.
SANDBOX_OFFSETS = {"douyin": 3, "kuaishou": 4, "province": 5, "wecom": 6, "dingtalk": 7, "feishu": 8, "sms": 9}
DEMO_PORTS = {"wechat": 8901, "weibo": 8902} | {kind: 8901 + offset for kind, offset in SANDBOX_OFFSETS.items()}


@overload
def start_fake(kind: Literal["wechat"], *, host: str = ..., port: int = ..., latency: float = ...,
               publish_delay: float = ...) -> WeChatFakeServer: ...
@overload
def start_fake(kind: Literal["weibo"], *, host: str = ..., port: int = ..., latency: float = ...,
               publish_delay: float = ...) -> WeiboFakeServer: ...
@overload
def start_fake(kind: str, *, host: str = ..., port: int = ..., latency: float = ...,
               publish_delay: float = ...) -> FakeServer: ...
def start_fake(kind: str, *, host: str = "127.0.0.1", port: int = 0, latency: float = 0.0,
               publish_delay: float = 0.2) -> FakeServer:
    """Start a fake server of `kind` ("wechat", "weibo" or one of MODULES) in a background thread.

    ``port=0`` picks a free port (read it from ``.url``); ``latency`` delays every API call;
    ``publish_delay`` is how long a publish job stays "publishing" where the platform has one.
    """
    if kind == "wechat":
        return WeChatFakeServer(WeChatFake(latency=latency, publish_delay=publish_delay), host, port).start()
    if kind == "weibo":
        return WeiboFakeServer(WeiboFake(latency=latency), host, port).start()
    if kind in MODULES:
        from importlib import import_module

        return import_module(MODULES[kind]).start(host=host, port=port, latency=latency, publish_delay=publish_delay)
    raise ValueError(f"kind must be one of wechat, weibo, {', '.join(MODULES)}")
