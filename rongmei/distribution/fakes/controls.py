"""Python helpers for the control API, the same for an in-process server and a remote one.

:class:`WeChatControls` and :class:`WeiboControls` are mixins: each helper is one control
action. An in-process :class:`~rongmei.distribution.fakes.server.FakeServer` runs the action
directly on its engine; a :class:`RemoteFake` (a fake started by the CLI in another
process) POSTs it to ``/__fake__/<action>``. Either way the behaviour is identical.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from abc import ABC, abstractmethod
from typing import Any, Callable, Literal, overload

from .core import FaultKind, JSONDict


class ControlCallError(RuntimeError):
    """A control action was refused (bad parameters or unknown action)."""


class Controls(ABC):
    """Controls every fake has: state, reset, latency, faults."""

    @abstractmethod
    def _control(self, method: str, action: str, payload: JSONDict | None = None) -> JSONDict:
        """Run one control action and return its JSON answer."""

    def state(self) -> JSONDict:
        """The whole state (``GET /__fake__/state``)."""
        return self._control("GET", "state")

    def reset(self) -> None:
        """Forget everything (``POST /__fake__/reset``)."""
        self._control("POST", "reset")

    def set_latency(self, seconds: float) -> None:
        """Delay every API call by ``seconds`` (``POST /__fake__/latency {"seconds"}``)."""
        self._control("POST", "latency", {"seconds": seconds})

    def add_fault(
        self,
        kind: FaultKind,
        *,
        count: int = 1,
        path: str | None = None,
        account: str | None = None,
        status: int = 500,
        seconds: float = 30.0,
        after_processing: bool | None = None,
    ) -> None:
        """Misbehave on the next ``count`` matching API calls (``POST /__fake__/faults``):
        ``error`` (HTTP ``status``), ``hang`` (``seconds``, then answer) or ``drop`` (close
        without answering; after the effect by default). See :class:`core.Fault`."""
        self._control("POST", "faults", {
            "kind": kind, "count": count, "path": path, "account": account, "status": status,
            "seconds": seconds, "after_processing": after_processing,
        })

    def set_fault_rate(self, rate: float, *, seed: int = 0) -> None:
        """Let a share ``rate`` (0–1) of all API calls fail at random, reproducibly from
        ``seed``: HTTP 500 or a dropped connection, each before or after the call took effect
        (``POST /__fake__/fault_rate {"rate","seed"}``; 0 switches it off)."""
        self._control("POST", "fault_rate", {"rate": rate, "seed": seed})

    def clear_faults(self) -> None:
        """Drop every pending fault (``DELETE /__fake__/faults``)."""
        self._control("DELETE", "faults")

    def wait_for(self, predicate: Callable[[JSONDict], bool], timeout: float = 5.0,
                 interval: float = 0.02) -> JSONDict:
        """Poll ``state()`` until ``predicate(state)`` holds; return that state or raise
        TimeoutError. Handy after asynchronous effects (publishing, hung calls)."""
        deadline = time.monotonic() + timeout
        while True:
            state = self.state()
            if predicate(state):
                return state
            if time.monotonic() >= deadline:
                raise TimeoutError(f"fake state did not reach the expected condition in {timeout}s")
            time.sleep(interval)


class WeChatControls(Controls):
    """Controls of the fake WeChat server (``/__fake__/wechat/...``)."""

    def add_app(self, appid: str, secret: str, *, token_ttl: int | None = None) -> None:
        """Register ``appid`` with ``secret`` (default for unknown apps: ``"secret-" + appid``)."""
        payload: JSONDict = {"appid": appid, "secret": secret}
        if token_ttl is not None:
            payload["token_ttl"] = token_ttl
        self._control("POST", "wechat/apps", payload)

    def expire_tokens(self, appid: str) -> int:
        """Expire every token of ``appid`` (later calls: 42001). Returns how many."""
        return int(self._control("POST", "wechat/expire_tokens", {"appid": appid})["expired"])

    def rate_limit(self, appid: str | None = None, calls: int = 1, *,
                   errcode: Literal[45009, 45011] = 45009, path: str | None = None) -> None:
        """Answer the next ``calls`` calls of ``appid`` (all apps if None), optionally only on
        ``path``, with 45009 (daily quota) or 45011 (minute quota)."""
        self._control("POST", "wechat/rate_limit",
                      {"appid": appid, "calls": calls, "errcode": errcode, "path": path})

    def system_error(self, appid: str | None = None, calls: int = 1, *, path: str | None = None,
                     errcode: Literal[-1, 45009, 45011] = -1) -> None:
        """Answer the next ``calls`` calls of ``appid`` (optionally only on ``path``) with
        errcode -1 "system error" (系统繁忙，请稍候再试), or a quota code."""
        self._control("POST", "wechat/rate_limit", {"appid": appid, "calls": calls, "errcode": errcode, "path": path})

    def clear_system_errors(self) -> None:
        """Forget every pending injected errcode (quota and -1)."""
        self._control("POST", "wechat/clear_rate_limits", {})

    def refuse_stable_token(self, appid: str) -> None:
        """The current stable token answers 40001 from now on, while normal-mode stable_token
        keeps handing it out (a token replaced or leaked elsewhere): only force_refresh helps."""
        self._control("POST", "wechat/refuse_stable_token", {"appid": appid})

    def reject_content(self, appid: str, on: bool = True, *, words: list[str] | None = None,
                       stage: Literal["draft", "submit"] = "draft") -> None:
        """Refuse content of ``appid``: at draft/add with 45166, or at freepublish/submit
        with 53503; only content containing one of ``words`` when given."""
        self._control("POST", "wechat/reject_content",
                      {"appid": appid, "on": on, "words": words or [], "stage": stage})

    def set_publish_outcome(self, appid: str, status: int, count: int | None = None) -> None:
        """Make the next ``count`` publish jobs of ``appid`` (all, if None) end with
        publish_status ``status`` (0 success, 2/3/4 failures, 5/6 removed after success)."""
        self._control("POST", "wechat/publish_outcome", {"appid": appid, "status": status, "count": count})

    def set_publish_delay(self, seconds: float) -> None:
        """How long a publish job stays at publish_status 1 (default 0.2 s)."""
        self._control("POST", "wechat/publish_delay", {"seconds": seconds})

    def set_callback(self, appid: str, url: str | None, *, token: str | None = None) -> None:
        """POST the PUBLISHJOBFINISH event of ``appid``'s publish jobs to ``url`` (signed
        with ``token`` like the real push: signature/timestamp/nonce query parameters)."""
        self._control("POST", "wechat/callback", {"appid": appid, "url": url, "token": token})

    def set_limits(self, **limits: int) -> None:
        """Change field limits (see :class:`wechat.WeChatLimits`), e.g. ``title_chars=64``."""
        self._control("POST", "wechat/limits", dict(limits))

    def add_comments(self, appid: str, msg_data_id: str | None = None, comments: list | None = None, *,
                     index: int = 0, publish_id: str | None = None) -> list[int]:
        """Readers comment under article ``index`` (from 0) of the job with ``msg_data_id``
        (or ``publish_id``): each comment a text or ``{"content", "openid" (False: not a
        WeChat identity), "create_time", "comment_type" (1 精选), "reply"}``. Returns the new
        user_comment_ids (``POST /__fake__/wechat/comments``)."""
        answer = self._control("POST", "wechat/comments", {
            "appid": appid, "msg_data_id": msg_data_id, "publish_id": publish_id, "index": index,
            "comments": list(comments or []),
        })
        return [int(i) for i in answer["user_comment_ids"]]

    def set_comment_privilege(self, appid: str, on: bool) -> None:
        """Whether ``appid`` holds the comment privilege; off = comment/list answers 88000."""
        self._control("POST", "wechat/comment_privilege", {"appid": appid, "on": on})

    def comment_error(self, appid: str, errcode: int, calls: int = 1) -> None:
        """Answer the next ``calls`` comment/list calls of ``appid`` with ``errcode``."""
        self._control("POST", "wechat/comment_error", {"appid": appid, "errcode": errcode, "calls": calls})

    def successful_publishes(self, appid: str, title: str) -> int:
        """How many publish jobs of ``appid`` put out an article titled ``title``."""
        app = self.state()["apps"].get(appid) or {}
        return int(app.get("successful_publishes_by_title", {}).get(title, 0))


class WeiboControls(Controls):
    """Controls of the fake Weibo server (``/__fake__/weibo/...``)."""

    def add_account(self, account: str, *, token: str | None = None, uid: int | None = None) -> None:
        """Create ``account`` and, when given, make ``token`` a valid token for it."""
        self._control("POST", "weibo/accounts", {"account": account, "token": token, "uid": uid})

    def expire_token(self, account: str | None = None, *, token: str | None = None) -> int:
        """Expire ``token``, or every token of ``account`` (later calls: 21327)."""
        return int(self._control("POST", "weibo/expire_token", {"account": account, "token": token})["changed"])

    def revoke_token(self, account: str | None = None, *, token: str | None = None) -> int:
        """Revoke ``token``, or every token of ``account`` (later calls: 21332)."""
        return int(self._control("POST", "weibo/revoke_token", {"account": account, "token": token})["changed"])

    def rate_limit(self, account: str | None = None, calls: int = 1, *,
                   error_code: Literal[10022, 10023, 10024, 20016] = 10023, path: str | None = None) -> None:
        """Answer the next ``calls`` calls of ``account`` (everyone if None) with a
        rate-limit error (10023 "User requests out of rate limit!" by default)."""
        self._control("POST", "weibo/rate_limit",
                      {"account": account, "calls": calls, "error_code": error_code, "path": path})

    def system_error(self, account: str | None = None, calls: int = 1, *,
                     error_code: Literal[10001, 10002, 10003, 10009] = 10009, http_status: int = 400,
                     path: str | None = None) -> None:
        """Answer the next ``calls`` calls of ``account`` with a system error (10001 system
        error, 10002 service unavailable, 10003 remote service error, 10009 too many pending
        tasks, system busy) under HTTP ``http_status``."""
        self._control("POST", "weibo/rate_limit", {"account": account, "calls": calls, "error_code": error_code,
                                                   "http_status": http_status, "path": path})

    def set_duplicate_check(self, on: bool) -> None:
        """Whether share answers 20019 for a text the account already has live (an
        undocumented window on the real platform; off = every share is a new post)."""
        self._control("POST", "weibo/duplicate_check", {"on": on})

    def set_advanced_write(self, on: bool) -> None:
        """Whether the app holds the 高级写入接口 (statuses/upload_pic and upload_url_text, for
        posts with several pictures); off = those answer 10014 "Insufficient app permissions!"."""
        self._control("POST", "weibo/advanced", {"on": on})

    def post(self, account: str, text: str) -> str:
        """Create a status on ``account`` directly (a copy nobody recorded); its id."""
        return str(self._control("POST", "weibo/post", {"account": account, "text": text})["idstr"])

    def add_comments(self, status_id: str | int, comments: list) -> list[str]:
        """Readers comment under status ``status_id``: each comment a text or ``{"text",
        "user" (screen name), "location", "created_at" (ISO time)}``. Returns the new comment
        ids (``POST /__fake__/weibo/comments``)."""
        answer = self._control("POST", "weibo/comments", {"id": str(status_id), "comments": list(comments)})
        return [str(i) for i in answer["ids"]]

    def set_safe_domains(self, domains: list[str] | None) -> None:
        """Only links to these domains (and subdomains) count; None accepts any link."""
        self._control("POST", "weibo/safe_domains", {"domains": domains})

    def set_limits(self, **limits: int) -> None:
        """Change limits (see :class:`weibo.WeiboLimits`), e.g. ``status_length=2000``."""
        self._control("POST", "weibo/limits", dict(limits))

    def statuses(self, account: str, text: str | None = None, *, live: bool = True) -> int:
        """How many statuses ``account`` has (live, or ever created), optionally with ``text``."""
        data = self.state()["accounts"].get(account) or {}
        if text is None:
            return int(data.get("statuses_live" if live else "statuses_created", 0))
        return int(data.get("live_by_text" if live else "created_by_text", {}).get(text, 0))


class RemoteFake(Controls):
    """Controls of a fake running elsewhere (e.g. ``python -m rongmei.distribution.fakes``)."""

    def __init__(self, url: str, *, timeout: float = 10.0) -> None:
        self.url = url.rstrip("/")
        self.timeout = timeout

    def _control(self, method: str, action: str, payload: JSONDict | None = None) -> JSONDict:
        data = None if payload is None else json.dumps(payload).encode("utf-8")
        request = urllib.request.Request(
            f"{self.url}/__fake__/{action}", data=data, method=method,
            headers={"Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as answer:
                result: Any = json.loads(answer.read().decode("utf-8"))
        except urllib.error.HTTPError as exc:
            raise ControlCallError(exc.read().decode("utf-8", "replace")) from exc
        return dict(result)


class RemoteWeChatFake(RemoteFake, WeChatControls):
    """A fake WeChat server in another process."""


class RemoteWeiboFake(RemoteFake, WeiboControls):
    """A fake Weibo server in another process."""


@overload
def connect_fake(kind: Literal["wechat"], url: str) -> RemoteWeChatFake: ...
@overload
def connect_fake(kind: Literal["weibo"], url: str) -> RemoteWeiboFake: ...
def connect_fake(kind: str, url: str) -> RemoteWeChatFake | RemoteWeiboFake:
    """Control helpers for a fake already running at ``url``."""
    if kind == "wechat":
        return RemoteWeChatFake(url)
    if kind == "weibo":
        return RemoteWeiboFake(url)
    raise ValueError("kind must be 'wechat' or 'weibo'")
