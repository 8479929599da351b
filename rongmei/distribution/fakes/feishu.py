"""A fake 飞书 (Feishu) custom group robot.

Written from Feishu's documentation of the custom bot (open.feishu.cn/document/client-docs/
bot-v3/add-custom-bot, "自定义机器人使用指南"): ``POST /open-apis/bot/v2/hook/<hook id>`` with
``{"msg_type":"text","content":{"text":…}}`` (or post / interactive) → ``{"code":0,
"msg":"success","data":{}}``. With 签名校验 the body also carries ``timestamp`` (seconds)
and ``sign`` = base64(HMAC-SHA256(key="<timestamp>\\n<secret>", msg=b"")), the timestamp
within an hour of the server's clock; otherwise 19021 "sign match fail or timestamp is not
within one hour from current time". An unknown hook → 19001; a body that is not JSON →
HTTP 400 with 9499; too frequent → 11232 (documented limit 100 a minute, 5 a second).

Controls (``/__fake__/feishu/...``, :class:`FeishuControls`): hooks and their secrets,
fail the next N posts, and the messages received. A fresh fake accepts the hook
"sandbox" (unsigned), which the demo's desk robot uses.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time

from .controls import Controls
from .core import ControlError, FakeEngine, JSONDict, Request, Response, number
from .server import FakeServer

PREFIX = "/open-apis/bot/v2/hook/"


class FeishuFake(FakeEngine):
    kind = "feishu"

    def __init__(self, *, latency: float = 0.0) -> None:
        super().__init__(latency=latency)
        self._reset_state()

    def _reset_state(self) -> None:
        self.hooks: dict[str, str] = {}
        self.robot_messages: list[JSONDict] = []
        self.refused: list[JSONDict] = []
        self.failures: list[JSONDict] = []
        self._recent: list[float] = []
        self.hooks["sandbox"] = ""  # the demo's desk robot

    def _state(self) -> JSONDict:
        return {"hooks": sorted(self.hooks), "robot_messages": list(self.robot_messages), "refused": list(self.refused)}

    def account_for(self, request: Request) -> str | None:
        return request.path[len(PREFIX):] if request.path.startswith(PREFIX) else None

    def is_api_path(self, path: str) -> bool:
        return path.startswith(PREFIX)

    def handle(self, request: Request) -> Response:
        if not request.path.startswith(PREFIX):
            return Response.json({"code": 404, "msg": "not found"}, 404)
        with self.lock:
            hook = request.path[len(PREFIX):]
            if hook not in self.hooks:
                return self._refuse({"code": 19001, "msg": "param invalid: incoming webhook access token invalid"})
            try:
                body = request.json()
            except ValueError:
                body = None
            if not isinstance(body, dict):
                return self._refuse({"code": 9499, "msg": "Bad Request"}, 400)
            secret = self.hooks[hook]
            if secret:
                timestamp, sign = str(body.get("timestamp", "")), str(body.get("sign", ""))
                expected = base64.b64encode(hmac.new(f"{timestamp}\n{secret}".encode(), b"", hashlib.sha256).digest()).decode()
                fresh = timestamp.isdigit() and abs(time.time() - int(timestamp)) < 3600
                if not fresh or not hmac.compare_digest(sign, expected):
                    return self._refuse({"code": 19021, "msg": "sign match fail or timestamp is not within one hour "
                                                              "from current time"})
            for failure in self.failures:
                failure["calls"] -= 1
                if failure["calls"] <= 0:
                    self.failures.remove(failure)
                return self._refuse({"code": failure["code"], "msg": {11232: "frequency limited"}.get(failure["code"],
                                                                                                      "service busy")})
            now = time.monotonic()
            self._recent = [t for t in self._recent if t > now - 60] + [now]
            if len(self._recent) > 100 or sum(1 for t in self._recent if t > now - 1) > 5:
                return self._refuse({"code": 11232, "msg": "frequency limited"})
            content = body.get("content")
            if body.get("msg_type") == "text" and not isinstance((content or {}).get("text") if isinstance(content, dict) else None, str):
                return self._refuse({"code": 19002, "msg": "params error, msg_type need"})
            if body.get("msg_type") not in ("text", "post", "interactive", "image", "share_chat"):
                return self._refuse({"code": 19002, "msg": "params error, msg_type need"})
            self.robot_messages.append({"hook": hook, "body": body, "at": time.time()})
            return Response.json({"code": 0, "msg": "success", "data": {}})

    def _refuse(self, answer: JSONDict, status: int = 200) -> Response:
        self.refused.append({"platform": "feishu", "answer": answer, "at": time.time()})
        return Response.json(answer, status)

    def _control(self, method: str, action: str, payload: JSONDict) -> JSONDict:
        if action == "hooks" and method == "POST":
            self.hooks[str(payload.get("hook") or "")] = str(payload.get("secret") or "")
            return {"hooks": sorted(self.hooks)}
        if action == "fail_next" and method == "POST":
            code = int(number(payload, "code", 11232))
            if code not in (9499, 11232):
                raise ControlError("code must be 9499 or 11232")
            self.failures.append({"code": code, "calls": int(number(payload, "calls", 1))})
            return {"failures": list(self.failures)}
        if action == "fail_next" and method == "DELETE":
            self.failures.clear()
            return {"failures": []}
        if action == "messages":
            return {"robot_messages": list(self.robot_messages)}
        raise ControlError(f"unknown control action {action!r}", 404)


class FeishuControls(Controls):
    """Controls of the fake Feishu robot (``/__fake__/feishu/...``)."""

    def add_hook(self, hook: str, secret: str = "") -> str:
        self._control("POST", "feishu/hooks", {"hook": hook, "secret": secret})
        return f"{PREFIX}{hook}"

    def fail_next(self, calls: int = 1, *, code: int = 11232) -> None:
        self._control("POST", "feishu/fail_next", {"calls": calls, "code": code})

    def clear_failures(self) -> None:
        self._control("DELETE", "feishu/fail_next")

    def robot_messages(self) -> list[JSONDict]:
        return self._control("GET", "feishu/messages")["robot_messages"]


class FeishuFakeServer(FakeServer, FeishuControls):
    engine: FeishuFake


def start(host: str = "127.0.0.1", port: int = 0, latency: float = 0.0, publish_delay: float = 0.0) -> FeishuFakeServer:
    return FeishuFakeServer(FeishuFake(latency=latency), host, port).start()
