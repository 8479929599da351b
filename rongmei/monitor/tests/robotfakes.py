"""Fake WeCom, DingTalk and Feishu group-robot receivers for tests: one stdlib HTTP server on a
free loopback port that checks each request the way the platform documents it and answers
with the platform's documented bodies.

- WeCom  POST /cgi-bin/webhook/send?key=KEY              → {"errcode":0,"errmsg":"ok"}; a wrong
  key → {"errcode":93000,"errmsg":"invalid webhook url…"}.
- DingTalk POST /robot/send?access_token=T[&timestamp=ms&sign=…] → {"errcode":0,"errmsg":"ok"};
  with 加签 the sign must be base64(HMAC-SHA256(secret, "<ms>\\n<secret>")) (URL-encoded in the
  query) and the timestamp within an hour → else {"errcode":310000,"errmsg":"sign not match…"}.
- Feishu POST /open-apis/bot/v2/hook/<id> → {"code":0,"msg":"success","data":{}}; with 签名校验 the
  body's "sign" must be base64(HMAC-SHA256(key="<s>\\n<secret>", msg=b"")) and "timestamp"
  (seconds) within an hour → else {"code":19021,"msg":"sign match fail or timestamp is not
  within one hour from current time"}.

`mode` makes every answer a 500, or a rate-limit error code, to test retries.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Self


class RobotFakes:
    def __init__(self, *, wecom_key: str = "wkKEY5m2n8z", dingtalk_token: str = "dtTOKEN8f3k2", dingtalk_secret: str = "",
                 feishu_hook: str = "fsHOOK9x7q1", feishu_secret: str = ""):
        self.wecom_key, self.dingtalk_token, self.dingtalk_secret = wecom_key, dingtalk_token, dingtalk_secret
        self.feishu_hook, self.feishu_secret = feishu_hook, feishu_secret
        self.received: list[dict] = []  # accepted messages: {"platform", "body"}
        self.refused: list[dict] = []
        self.mode = ""  # "", "error500", "ratelimit"
        fakes = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet
                pass

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                parts = urllib.parse.urlsplit(self.path)
                query = dict(urllib.parse.parse_qsl(parts.query, keep_blank_values=True))
                try:
                    body = json.loads(raw.decode("utf-8"))
                except ValueError:
                    body = None
                status, answer = fakes.answer(parts.path, query, body, self.headers.get("Content-Type", ""))
                data = json.dumps(answer, ensure_ascii=False).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    # --- addresses --------------------------------------------------------------------------------

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def wecom_url(self, key: str | None = None) -> str:
        return f"{self.base}/cgi-bin/webhook/send?key={key or self.wecom_key}"

    def dingtalk_url(self) -> str:
        return f"{self.base}/robot/send?access_token={self.dingtalk_token}"

    def feishu_url(self) -> str:
        return f"{self.base}/open-apis/bot/v2/hook/{self.feishu_hook}"

    def __enter__(self) -> Self:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()

    # --- the platforms' checks ---------------------------------------------------------------------

    def _refuse(self, platform: str, status: int, answer: dict) -> tuple[int, dict]:
        self.refused.append({"platform": platform, "answer": answer})
        return status, answer

    def answer(self, path: str, query: dict, body, content_type: str) -> tuple[int, dict]:
        if self.mode == "error500":
            return 500, {"errcode": -1, "errmsg": "system error"}
        if path == "/cgi-bin/webhook/send":
            return self._wecom(query, body)
        if path == "/robot/send":
            return self._dingtalk(query, body)
        if path.startswith("/open-apis/bot/v2/hook/"):
            return self._feishu(path.rsplit("/", 1)[1], body)
        return 404, {"errcode": 404, "errmsg": "not found"}

    def _wecom(self, query: dict, body) -> tuple[int, dict]:
        if query.get("key") != self.wecom_key:
            return self._refuse("wecom", 200, {"errcode": 93000, "errmsg": "invalid webhook url, hint: [fake]"})
        if self.mode == "ratelimit":
            return self._refuse("wecom", 200, {"errcode": 45009, "errmsg": "api freq out of limit"})
        if not isinstance(body, dict) or body.get("msgtype") != "markdown" or not isinstance(
                (body.get("markdown") or {}).get("content"), str):
            return self._refuse("wecom", 200, {"errcode": 40008, "errmsg": "invalid message type"})
        if len(body["markdown"]["content"].encode()) > 4096:
            return self._refuse("wecom", 200, {"errcode": 40058, "errmsg": "markdown.content exceed max length 4096"})
        self.received.append({"platform": "wecom", "body": body})
        return 200, {"errcode": 0, "errmsg": "ok"}

    def _dingtalk(self, query: dict, body) -> tuple[int, dict]:
        if query.get("access_token") != self.dingtalk_token:
            return self._refuse("dingtalk", 200, {"errcode": 300001, "errmsg": "token is not exist"})
        if self.dingtalk_secret:
            timestamp, sign = query.get("timestamp", ""), query.get("sign", "")
            expected = base64.b64encode(hmac.new(self.dingtalk_secret.encode(), f"{timestamp}\n{self.dingtalk_secret}".encode(),
                                                 hashlib.sha256).digest()).decode()
            fresh = timestamp.isdigit() and abs(time.time() * 1000 - int(timestamp)) < 3600 * 1000
            if not fresh or not hmac.compare_digest(sign, expected):
                return self._refuse("dingtalk", 200, {"errcode": 310000, "errmsg": "sign not match, more: [fake]"})
        if self.mode == "ratelimit":
            return self._refuse("dingtalk", 200, {"errcode": 130101, "errmsg": "send too fast"})
        markdown = (body or {}).get("markdown") if isinstance(body, dict) else None
        if body.get("msgtype") != "markdown" or not isinstance(markdown, dict) or not markdown.get("title") or not \
                markdown.get("text"):
            return self._refuse("dingtalk", 200, {"errcode": 40035, "errmsg": "缺少参数 markdown"})
        self.received.append({"platform": "dingtalk", "body": body})
        return 200, {"errcode": 0, "errmsg": "ok"}

    def _feishu(self, hook: str, body) -> tuple[int, dict]:
        if hook != self.feishu_hook:
            return self._refuse("feishu", 200, {"code": 19001, "msg": "param invalid: incoming webhook access token invalid"})
        if not isinstance(body, dict):
            return self._refuse("feishu", 400, {"code": 9499, "msg": "Bad Request"})
        if self.feishu_secret:
            timestamp, sign = str(body.get("timestamp", "")), str(body.get("sign", ""))
            expected = base64.b64encode(hmac.new(f"{timestamp}\n{self.feishu_secret}".encode(), b"", hashlib.sha256)
                                        .digest()).decode()
            fresh = timestamp.isdigit() and abs(time.time() - int(timestamp)) < 3600
            if not fresh or not hmac.compare_digest(sign, expected):
                return self._refuse("feishu", 200, {"code": 19021, "msg": "sign match fail or timestamp is not within one hour "
                                                                          "from current time"})
        if self.mode == "ratelimit":
            return self._refuse("feishu", 200, {"code": 11232, "msg": "frequency limited"})
        if body.get("msg_type") != "text" or not isinstance((body.get("content") or {}).get("text"), str):
            return self._refuse("feishu", 200, {"code": 19002, "msg": "params error, msg_type need"})
        self.received.append({"platform": "feishu", "body": body})
        return 200, {"code": 0, "msg": "success", "data": {}}
