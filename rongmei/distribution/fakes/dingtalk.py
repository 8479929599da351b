"""A fake 钉钉 (DingTalk) server: access tokens, work notifications, custom group robots.

Written from DingTalk's open platform documentation:

- 获取企业内部应用的access_token (open.dingtalk.com/document/orgapp/obtain-orgapp-token):
  ``GET /gettoken?appkey=KEY&appsecret=SECRET`` →
  ``{"errcode":0,"errmsg":"ok","access_token":…,"expires_in":7200}``; a wrong pair → 40089.
- 发送工作通知 (open-doc.dingtalk.com/microapp/serverapi2/pgoxpy, "asyncsend_v2"):
  ``POST /topapi/message/corpconversation/asyncsend_v2?access_token=`` with ``agent_id``,
  ``userid_list`` ("a,b"), ``msg`` (text / markdown / action_card / link / oa; at most 2048
  bytes) → ``{"errcode":0,"task_id":…,"request_id":…}``. Sending is asynchronous: success
  here does not mean anyone received it.
- 获取工作通知消息的发送结果 (developer.alibaba.com/docs/api.htm?apiId=37024, "getsendresult"):
  ``POST /topapi/message/corpconversation/getsendresult`` with ``agent_id``, ``task_id`` →
  ``send_result`` with invalid_user_id_list, forbidden_user_id_list, failed_user_id_list,
  read_user_id_list, unread_user_id_list, invalid_dept_id_list, forbidden_list
  [{code, count, userid}]. Flow control as documented: the same content to the same member
  once a day (143106, the repeat is not delivered), 500 notices per member a day (143105).
- Errors: 40014 不合法的access_token, 42001 access_token 过期, -1 系统繁忙, 90018 调用超限,
  143103/143104 发送人次 QPM 超限 (retry later).
- 自定义机器人 with 加签 (open.dingtalk.com/document/robots/customize-robot-security-settings):
  ``POST /robot/send?access_token=T&timestamp=ms&sign=…`` where sign =
  urlencode(base64(HMAC-SHA256(secret, "<ms>\\n<secret>"))), timestamp within an hour;
  otherwise 310000 "sign not match"; an unknown token → 300001; markdown needs title and text.

Controls (``/__fake__/dingtalk/...``, :class:`DingTalkControls`): applications and members,
robots (token + optional secret), expire tokens, fail the next N calls, read deliveries.
A fresh fake knows the sandbox app (appkey ding-sandbox, secret secret-ding-sandbox,
agent_id 3001002, every member) and the robot token "sandbox" (no 加签), for the demo.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import itertools
import json
import secrets
import time
from dataclasses import dataclass, field

from .controls import Controls
from .core import ControlError, FakeEngine, JSONDict, Request, Response, number
from .server import FakeServer

SEND = "/topapi/message/corpconversation/asyncsend_v2"
RESULT = "/topapi/message/corpconversation/getsendresult"
API_PATHS = ("/gettoken", SEND, RESULT, "/robot/send")
DAILY_LIMIT = 500


@dataclass
class _App:
    appkey: str
    secret: str
    agent_id: int
    users: set[str] | None = field(default_factory=set)  # None: every member (the sandbox app)
    token_ttl: int = 7200


SANDBOX_APP = ("ding-sandbox", "secret-ding-sandbox", 3001002)
SANDBOX_ROBOT = "sandbox"


class DingTalkFake(FakeEngine):
    kind = "dingtalk"

    def __init__(self, *, latency: float = 0.0) -> None:
        super().__init__(latency=latency)
        self._ids = itertools.count(40001)
        self._reset_state()

    def _reset_state(self) -> None:
        self.apps: dict[str, _App] = {}
        self.tokens: dict[str, tuple[_App, float]] = {}
        self.tasks: dict[int, JSONDict] = {}
        self.messages: list[JSONDict] = []
        self._sent_today: dict[tuple, int] = {}  # (appkey, userid, day, content) -> count
        self._per_user: dict[tuple, int] = {}    # (appkey, userid, day) -> count
        self.robots: dict[str, str] = {}          # access_token -> secret ("" = no 加签)
        self.robot_messages: list[JSONDict] = []
        self.refused: list[JSONDict] = []
        self.failures: list[JSONDict] = []
        appkey, secret, agent_id = SANDBOX_APP
        self.apps[appkey] = _App(appkey, secret, agent_id, None)
        self.robots[SANDBOX_ROBOT] = ""

    def _state(self) -> JSONDict:
        return {"apps": [{"appkey": a.appkey, "agent_id": a.agent_id, "users": sorted(a.users) if a.users is not None else "*"}
                         for a in self.apps.values()],
                "messages": list(self.messages), "tasks": {str(k): v for k, v in self.tasks.items()},
                "robot_messages": list(self.robot_messages), "refused": list(self.refused)}

    def account_for(self, request: Request) -> str | None:
        if "appkey" in request.query:
            return request.query["appkey"]
        token = self.tokens.get(request.query.get("access_token", ""))
        return token[0].appkey if token else request.query.get("access_token")

    def is_api_path(self, path: str) -> bool:
        return path in API_PATHS

    def handle(self, request: Request) -> Response:
        if request.path not in API_PATHS:
            return Response.json({"errcode": 404, "errmsg": "not found"}, 404)
        with self.lock:
            injected = self._take_failure(request.path)
            if injected is not None:
                return Response.json({"errcode": injected, "errmsg": {-1: "系统繁忙", 90018: "当前企业调用该接口超过上限",
                                                                       130101: "send too fast",
                                                                       143103: "企业单应用消息发送人次QPM超限"}.get(injected, "injected")})
            if request.path == "/gettoken":
                return self._gettoken(request)
            if request.path == "/robot/send":
                return self._robot(request)
            token = self.tokens.get(request.query.get("access_token", ""))
            if token is None:
                return Response.json({"errcode": 40014, "errmsg": "不合法的access_token"})
            if token[1] <= time.monotonic():
                return Response.json({"errcode": 42001, "errmsg": "access_token超时"})
            try:
                body = request.json()
            except ValueError:
                body = None
            if not isinstance(body, dict):
                return Response.json({"errcode": 40035, "errmsg": "缺少参数 json"})
            if body.get("agent_id") != token[0].agent_id:
                return Response.json({"errcode": 40056, "errmsg": "不合法的agentid"})
            return self._send(token[0], body) if request.path == SEND else self._result(token[0], body)

    def _take_failure(self, path: str) -> int | None:
        for failure in self.failures:
            if failure["path"] in (None, path):
                failure["calls"] -= 1
                if failure["calls"] <= 0:
                    self.failures.remove(failure)
                return int(failure["errcode"])
        return None

    def _gettoken(self, request: Request) -> Response:
        app = self.apps.get(request.query.get("appkey", ""))
        if app is None or app.secret != request.query.get("appsecret"):
            return Response.json({"errcode": 40089, "errmsg": "不合法的appKey或appSecret"})
        token = "dtk-" + secrets.token_urlsafe(24)
        self.tokens[token] = (app, time.monotonic() + app.token_ttl)
        return Response.json({"errcode": 0, "errmsg": "ok", "access_token": token, "expires_in": app.token_ttl})

    def _send(self, app: _App, body: JSONDict) -> Response:
        msg = body.get("msg")
        if not isinstance(msg, dict) or msg.get("msgtype") not in ("text", "markdown", "action_card", "link", "oa") or \
                not isinstance(msg.get(msg.get("msgtype")), dict):
            return Response.json({"errcode": 40035, "errmsg": "缺少参数 msg"})
        content = json.dumps(msg, sort_keys=True, ensure_ascii=False)
        if len(content.encode()) > 2048:
            return Response.json({"errcode": 40035, "errmsg": "msg 超过 2048 字节"})
        users = [u for u in str(body.get("userid_list") or "").split(",") if u]
        if not users:
            return Response.json({"errcode": 1430000, "errmsg": "接受者为空"})
        task_id = next(self._ids)
        today = dt.date.today().isoformat()
        result: JSONDict = {"invalid_user_id_list": [], "forbidden_user_id_list": [], "failed_user_id_list": [],
                            "read_user_id_list": [], "unread_user_id_list": [], "invalid_dept_id_list": [],
                            "forbidden_list": []}
        for user in users:
            if app.users is not None and user not in app.users:
                result["invalid_user_id_list"].append(user)
                continue
            same = (app.appkey, user, today, content)
            daily = (app.appkey, user, today)
            if self._sent_today.get(same):
                result["forbidden_user_id_list"].append(user)
                result["forbidden_list"].append({"code": "143106", "count": 1, "userid": user})
                continue
            if self._per_user.get(daily, 0) >= DAILY_LIMIT:
                result["forbidden_user_id_list"].append(user)
                result["forbidden_list"].append({"code": "143105", "count": DAILY_LIMIT, "userid": user})
                continue
            self._sent_today[same] = 1
            self._per_user[daily] = self._per_user.get(daily, 0) + 1
            result["unread_user_id_list"].append(user)
            self.messages.append({"appkey": app.appkey, "agent_id": app.agent_id, "userid": user, "task_id": task_id, "msg": msg})
        self.tasks[task_id] = {"appkey": app.appkey, "send_result": result}
        return Response.json({"errcode": 0, "errmsg": "ok", "task_id": task_id, "request_id": secrets.token_hex(8)})

    def _result(self, app: _App, body: JSONDict) -> Response:
        task = self.tasks.get(body.get("task_id"))  # type: ignore[arg-type]
        if task is None or task["appkey"] != app.appkey:
            return Response.json({"errcode": 400002, "errmsg": "task_id 不存在"})
        return Response.json({"errcode": 0, "errmsg": "ok", "send_result": task["send_result"]})

    def _robot(self, request: Request) -> Response:
        token, query = request.query.get("access_token", ""), request.query
        if token not in self.robots:
            return self._refuse({"errcode": 300001, "errmsg": "token is not exist"})
        secret = self.robots[token]
        if secret:
            timestamp, sign = query.get("timestamp", ""), query.get("sign", "")
            expected = base64.b64encode(hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256)
                                        .digest()).decode()
            fresh = timestamp.isdigit() and abs(time.time() * 1000 - int(timestamp)) < 3600 * 1000
            if not fresh or not hmac.compare_digest(sign, expected):
                return self._refuse({"errcode": 310000, "errmsg": "sign not match, more: [fake]"})
        try:
            body = request.json()
        except ValueError:
            body = None
        markdown = body.get("markdown") if isinstance(body, dict) else None
        text = body.get("text") if isinstance(body, dict) else None
        if isinstance(body, dict) and body.get("msgtype") == "text" and isinstance(text, dict) and text.get("content"):
            pass
        elif not isinstance(body, dict) or body.get("msgtype") != "markdown" or not isinstance(markdown, dict) or \
                not markdown.get("title") or not markdown.get("text"):
            return self._refuse({"errcode": 40035, "errmsg": "缺少参数 markdown"})
        self.robot_messages.append({"token": token, "body": body, "at": time.time()})
        return Response.json({"errcode": 0, "errmsg": "ok"})

    def _refuse(self, answer: JSONDict) -> Response:
        self.refused.append({"platform": "dingtalk", "answer": answer, "at": time.time()})
        return Response.json(answer)

    def _control(self, method: str, action: str, payload: JSONDict) -> JSONDict:
        if action == "apps" and method == "POST":
            appkey, secret = str(payload.get("appkey") or ""), str(payload.get("secret") or "")
            if not appkey or not secret:
                raise ControlError("appkey and secret are required")
            self.apps[appkey] = _App(appkey, secret, int(number(payload, "agent_id")), set(payload.get("users") or []),
                                     int(payload.get("token_ttl") or 7200))
            return {"ok": True}
        if action == "robots" and method == "POST":
            self.robots[str(payload.get("token") or "")] = str(payload.get("secret") or "")
            return {"robots": len(self.robots)}
        if action == "expire_tokens" and method == "POST":
            expired = 0
            for key, (app, expires) in list(self.tokens.items()):
                if payload.get("appkey") in (None, app.appkey) and expires > time.monotonic():
                    self.tokens[key] = (app, 0.0)
                    expired += 1
            return {"expired": expired}
        if action == "fail_next" and method == "POST":
            errcode = int(number(payload, "errcode", -1))
            if errcode not in (-1, 90018, 130101, 143103):
                raise ControlError("errcode must be -1, 90018, 130101 or 143103")
            self.failures.append({"errcode": errcode, "calls": int(number(payload, "calls", 1)), "path": payload.get("path") or None})
            return {"failures": list(self.failures)}
        if action == "fail_next" and method == "DELETE":
            self.failures.clear()
            return {"failures": []}
        if action == "messages":
            return {"messages": list(self.messages), "robot_messages": list(self.robot_messages)}
        raise ControlError(f"unknown control action {action!r}", 404)


class DingTalkControls(Controls):
    """Controls of the fake DingTalk server (``/__fake__/dingtalk/...``)."""

    def add_app(self, appkey: str, secret: str, agent_id: int, *, users: list[str] = (), token_ttl: int | None = None) -> None:
        self._control("POST", "dingtalk/apps", {"appkey": appkey, "secret": secret, "agent_id": agent_id,
                                                 "users": list(users), "token_ttl": token_ttl})

    def add_robot(self, token: str, secret: str = "") -> str:
        """Accept robot posts for ``token`` (checking 加签 with ``secret`` when given)."""
        self._control("POST", "dingtalk/robots", {"token": token, "secret": secret})
        return f"/robot/send?access_token={token}"

    def expire_tokens(self, appkey: str | None = None) -> int:
        return int(self._control("POST", "dingtalk/expire_tokens", {"appkey": appkey})["expired"])

    def fail_next(self, calls: int = 1, *, errcode: int = -1, path: str | None = None) -> None:
        self._control("POST", "dingtalk/fail_next", {"calls": calls, "errcode": errcode, "path": path})

    def clear_failures(self) -> None:
        self._control("DELETE", "dingtalk/fail_next")

    def messages(self) -> list[JSONDict]:
        """Work notifications delivered, one per member."""
        return self._control("GET", "dingtalk/messages")["messages"]

    def robot_messages(self) -> list[JSONDict]:
        return self._control("GET", "dingtalk/messages")["robot_messages"]


class DingTalkFakeServer(FakeServer, DingTalkControls):
    engine: DingTalkFake


def start(host: str = "127.0.0.1", port: int = 0, latency: float = 0.0, publish_delay: float = 0.0) -> DingTalkFakeServer:
    return DingTalkFakeServer(DingTalkFake(latency=latency), host, port).start()
