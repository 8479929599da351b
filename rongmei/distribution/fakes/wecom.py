"""A fake 企业微信 (WeCom) server: access tokens, application messages, group robots.

Written from WeCom's developer documentation:

- 获取access_token, https://developer.work.weixin.qq.com/document/path/91039 :
  ``GET /cgi-bin/gettoken?corpid=ID&corpsecret=SECRET`` →
  ``{"errcode":0,"errmsg":"ok","access_token":…,"expires_in":7200}``; each application has
  its own secret and its own token; a wrong corpid/secret → 40013 / 40001.
- 发送应用消息, https://developer.work.weixin.qq.com/document/path/90236 :
  ``POST /cgi-bin/message/send?access_token=TOKEN`` with ``touser`` ("a|b"), ``agentid``,
  ``msgtype`` text / textcard / markdown; answer ``{"errcode":0,"errmsg":"ok",
  "invaliduser":"…","msgid":"…"}``. Receivers not in the application's visible range come
  back in ``invaliduser`` (lower-cased) while the rest are sent; when every receiver is
  invalid the call fails with 81013. ``enable_duplicate_check: 1`` means the same request
  JSON within ``duplicate_check_interval`` (default 1800 s, at most 4 h) is not delivered
  again (answered ok). Text content over 2048 bytes → 45002; textcard title/description
  are cut at 128/512 bytes as documented.
- 全局错误码, https://developer.work.weixin.qq.com/document/path/90313 : 40014 invalid
  access_token, 42001 access_token expired, 40056 invalid agentid, 45009 接口调用超过限制,
  45033 接口并发调用超过限制, -1 系统繁忙.
- 群机器人, https://developer.work.weixin.qq.com/document/path/91770 :
  ``POST /cgi-bin/webhook/send?key=KEY`` with ``{"msgtype":"markdown","markdown":{"content"}}``
  (content ≤ 4096 bytes) → ``{"errcode":0,"errmsg":"ok"}``; an unknown key → 93000.

Controls (``/__fake__/wecom/...`` and the helpers of :class:`WeComControls`): register
applications and their members, robot keys, expire tokens, fail the next N calls with a
documented errcode, and read what each member and robot received. A fresh fake already
knows the sandbox application (corpid ww-sandbox, agentid 1000002, secret secret-ww-sandbox,
every member visible) and the robot key "sandbox", which the demo's channels use.
"""

from __future__ import annotations

import itertools
import json
import secrets
import time
from dataclasses import dataclass, field

from .controls import Controls
from .core import ControlError, FakeEngine, JSONDict, Request, Response, number
from .server import FakeServer

API_PATHS = ("/cgi-bin/gettoken", "/cgi-bin/message/send", "/cgi-bin/webhook/send")
MORE = "more info at https://open.work.weixin.qq.com/devtool/query?e="


def _error(code: int, message: str) -> Response:
    return Response.json({"errcode": code, "errmsg": f"{message}, hint: [{secrets.token_hex(6)}], {MORE}{code}"})


@dataclass
class _App:
    corpid: str
    agentid: int
    secret: str
    users: set[str] | None = field(default_factory=set)  # None: every member (the sandbox app)
    token_ttl: int = 7200


# What a freshly started fake already knows (the demo's sandbox channel uses these).
SANDBOX_APP = ("ww-sandbox", 1000002, "secret-ww-sandbox")
SANDBOX_ROBOT = "sandbox"


@dataclass
class _Token:
    app: _App
    expires: float


class WeComFake(FakeEngine):
    kind = "wecom"

    def __init__(self, *, latency: float = 0.0) -> None:
        super().__init__(latency=latency)
        self._ids = itertools.count(1)
        self._reset_state()

    # -- state -------------------------------------------------------------------------------

    def _reset_state(self) -> None:
        self.apps: dict[tuple[str, int], _App] = {}
        self.tokens: dict[str, _Token] = {}
        self.messages: list[JSONDict] = []
        self.duplicates = 0
        self._recent: dict[str, float] = {}
        self.robots: set[str] = set()
        self.robot_messages: list[JSONDict] = []
        self.refused: list[JSONDict] = []
        self.failures: list[JSONDict] = []  # {"errcode", "calls", "path"}
        corpid, agentid, secret = SANDBOX_APP
        self.apps[(corpid, agentid)] = _App(corpid, agentid, secret, None)
        self.robots.add(SANDBOX_ROBOT)

    def _state(self) -> JSONDict:
        return {
            "apps": [{"corpid": a.corpid, "agentid": a.agentid, "users": sorted(a.users) if a.users is not None else "*"}
                     for a in self.apps.values()],
            "messages": list(self.messages), "duplicates": self.duplicates,
            "robot_messages": list(self.robot_messages), "refused": list(self.refused),
            "tokens": len(self.tokens),
        }

    def account_for(self, request: Request) -> str | None:
        if "corpid" in request.query:
            return request.query["corpid"]
        token = self.tokens.get(request.query.get("access_token", ""))
        return token.app.corpid if token else request.query.get("key")

    def is_api_path(self, path: str) -> bool:
        return path in API_PATHS

    # -- API ----------------------------------------------------------------------------------

    def handle(self, request: Request) -> Response:
        if request.path not in API_PATHS:
            return Response.json({"errcode": 404, "errmsg": "not found"}, 404)
        with self.lock:
            injected = self._take_failure(request.path)
            if injected is not None:
                return _error(injected, {-1: "system busy", 45009: "api freq out of limit",
                                         45033: "api concurrent out of limit"}.get(injected, "injected"))
            if request.path == "/cgi-bin/gettoken":
                return self._gettoken(request)
            if request.path == "/cgi-bin/webhook/send":
                return self._robot(request)
            return self._send(request)

    def _take_failure(self, path: str) -> int | None:
        for failure in self.failures:
            if failure["path"] in (None, path):
                failure["calls"] -= 1
                if failure["calls"] <= 0:
                    self.failures.remove(failure)
                return int(failure["errcode"])
        return None

    def _gettoken(self, request: Request) -> Response:
        corpid, secret = request.query.get("corpid", ""), request.query.get("corpsecret", "")
        apps = [a for a in self.apps.values() if a.corpid == corpid]
        if not apps:
            return _error(40013, "invalid corpid")
        app = next((a for a in apps if a.secret == secret), None)
        if app is None:
            return _error(40001, "invalid credential")
        token = "wxtk-" + secrets.token_urlsafe(24)
        self.tokens[token] = _Token(app, time.monotonic() + app.token_ttl)
        return Response.json({"errcode": 0, "errmsg": "ok", "access_token": token, "expires_in": app.token_ttl})

    def _token(self, request: Request) -> _Token | Response:
        token = self.tokens.get(request.query.get("access_token", ""))
        if token is None:
            return _error(40014, "invalid access_token")
        if token.expires <= time.monotonic():
            return _error(42001, "access_token expired")
        return token

    def _send(self, request: Request) -> Response:
        token = self._token(request)
        if isinstance(token, Response):
            return token
        try:
            body = request.json()
        except ValueError:
            return _error(47001, "data format error")
        if not isinstance(body, dict):
            return _error(47001, "data format error")
        app = token.app
        if body.get("agentid") != app.agentid:
            return _error(40056, "invalid agentid")
        msgtype = body.get("msgtype")
        content = body.get(msgtype) if isinstance(msgtype, str) else None
        if msgtype not in ("text", "textcard", "markdown") or not isinstance(content, dict):
            return _error(40008, "invalid message type")
        if msgtype == "textcard":
            if not all(isinstance(content.get(k), str) and content.get(k) for k in ("title", "description", "url")):
                return _error(41004 if not content.get("title") else 40058, "textcard title, description and url required")
            text = {"title": _cut(content["title"], 128), "description": _cut(content["description"], 512),
                    "url": content["url"], "btntxt": str(content.get("btntxt") or "详情")}
        else:
            raw = content.get("content")
            if not isinstance(raw, str) or not raw:
                return _error(44004, "empty content")
            if len(raw.encode()) > (2048 if msgtype == "text" else 4096):
                return _error(45002, "content size out of limit")
            text = {"content": raw}
        receivers = [u for u in str(body.get("touser") or "").split("|") if u]
        if not receivers:
            return _error(40031, "invalid user list")
        invalid = [u.lower() for u in receivers if app.users is not None and u not in app.users]
        valid = [u for u in receivers if app.users is None or u in app.users]
        if not valid:
            return _error(81013, "user & party & tag all invalid")
        msgid = f"msg{next(self._ids):06d}"
        duplicate = False
        if body.get("enable_duplicate_check") == 1:
            interval = min(int(body.get("duplicate_check_interval") or 1800), 4 * 3600)
            key = f"{app.corpid}:{app.agentid}:" + json.dumps(body, sort_keys=True, ensure_ascii=False)
            now = time.monotonic()
            duplicate = self._recent.get(key, -1e9) > now - interval
            if not duplicate:
                self._recent[key] = now
        if duplicate:
            self.duplicates += 1
        else:
            for user in valid:
                self.messages.append({"corpid": app.corpid, "agentid": app.agentid, "touser": user, "msgtype": msgtype,
                                      "msgid": msgid, **text})
        answer: JSONDict = {"errcode": 0, "errmsg": "ok", "invaliduser": "|".join(invalid), "invalidparty": "",
                            "invalidtag": "", "unlicenseduser": "", "msgid": msgid}
        return Response.json(answer)

    def _robot(self, request: Request) -> Response:
        key = request.query.get("key", "")
        if key not in self.robots:
            return self._refuse({"errcode": 93000, "errmsg": "invalid webhook url, hint: [fake]"})
        try:
            body = request.json()
        except ValueError:
            body = None
        if not isinstance(body, dict) or body.get("msgtype") not in ("markdown", "text") or not isinstance(
                (body.get(body.get("msgtype")) or {}).get("content"), str):
            return self._refuse({"errcode": 40008, "errmsg": "invalid message type"})
        content = body[body["msgtype"]]["content"]
        if len(content.encode()) > (4096 if body["msgtype"] == "markdown" else 2048):
            return self._refuse({"errcode": 40058, "errmsg": "markdown.content exceed max length 4096"})
        self.robot_messages.append({"key": key, "body": body, "at": time.time()})
        return Response.json({"errcode": 0, "errmsg": "ok"})

    def _refuse(self, answer: JSONDict) -> Response:
        self.refused.append({"platform": "wecom", "answer": answer, "at": time.time()})
        return Response.json(answer)

    # -- controls ----------------------------------------------------------------------------------

    def _control(self, method: str, action: str, payload: JSONDict) -> JSONDict:
        if action == "apps" and method == "POST":
            corpid, secret = str(payload.get("corpid") or ""), str(payload.get("secret") or "")
            if not corpid or not secret:
                raise ControlError("corpid and secret are required")
            agentid = int(number(payload, "agentid"))
            app = _App(corpid, agentid, secret, set(payload.get("users") or []), int(payload.get("token_ttl") or 7200))
            self.apps[(corpid, agentid)] = app
            return {"ok": True}
        if action == "robots" and method == "POST":
            self.robots.add(str(payload.get("key") or ""))
            return {"robots": sorted(self.robots)}
        if action == "expire_tokens" and method == "POST":
            corpid = payload.get("corpid")
            expired = 0
            for token in self.tokens.values():
                if corpid in (None, token.app.corpid) and token.expires > time.monotonic():
                    token.expires = 0
                    expired += 1
            return {"expired": expired}
        if action == "fail_next" and method == "POST":
            errcode = int(number(payload, "errcode", -1))
            if errcode not in (-1, 45009, 45033):
                raise ControlError("errcode must be -1, 45009 or 45033")
            self.failures.append({"errcode": errcode, "calls": int(number(payload, "calls", 1)),
                                  "path": payload.get("path") or None})
            return {"failures": list(self.failures)}
        if action == "fail_next" and method == "DELETE":
            self.failures.clear()
            return {"failures": []}
        if action == "messages":
            return {"messages": list(self.messages), "robot_messages": list(self.robot_messages)}
        raise ControlError(f"unknown control action {action!r}", 404)


def _cut(text: str, limit: int) -> str:
    data = text.encode("utf-8")
    return text if len(data) <= limit else data[:limit].decode("utf-8", "ignore")


class WeComControls(Controls):
    """Controls of the fake WeCom server (``/__fake__/wecom/...``)."""

    def add_app(self, corpid: str, agentid: int, secret: str, *, users: list[str] = (), token_ttl: int | None = None) -> None:
        """Register an application (its own secret) and the members in its visible range."""
        self._control("POST", "wecom/apps", {"corpid": corpid, "agentid": agentid, "secret": secret, "users": list(users),
                                              "token_ttl": token_ttl})

    def add_robot(self, key: str) -> str:
        """Accept group-robot posts for ``key``; returns the webhook path with the key."""
        self._control("POST", "wecom/robots", {"key": key})
        return f"/cgi-bin/webhook/send?key={key}"

    def expire_tokens(self, corpid: str | None = None) -> int:
        """Expire every token (of ``corpid``): later calls get 42001."""
        return int(self._control("POST", "wecom/expire_tokens", {"corpid": corpid})["expired"])

    def fail_next(self, calls: int = 1, *, errcode: int = 45009, path: str | None = None) -> None:
        """Answer the next ``calls`` API calls (on ``path``) with errcode -1, 45009 or 45033."""
        self._control("POST", "wecom/fail_next", {"calls": calls, "errcode": errcode, "path": path})

    def clear_failures(self) -> None:
        self._control("DELETE", "wecom/fail_next")

    def messages(self) -> list[JSONDict]:
        """Application messages delivered, one per member."""
        return self._control("GET", "wecom/messages")["messages"]

    def robot_messages(self) -> list[JSONDict]:
        return self._control("GET", "wecom/messages")["robot_messages"]


class WeComFakeServer(FakeServer, WeComControls):
    """A running fake WeCom server."""

    engine: WeComFake


def start(host: str = "127.0.0.1", port: int = 0, latency: float = 0.0, publish_delay: float = 0.0) -> WeComFakeServer:
    return WeComFakeServer(WeComFake(latency=latency), host, port).start()
