"""A fake 快手开放平台 (Kuaishou open platform): OAuth 2 token refresh, the three steps of
创建视频 (start_upload → upload the file → publish), delete, and the photo queries.

Why a fake: the Kuaishou adapter must be tested against the documented shapes — results,
error codes, the upload gateway, the token that expires every two days and the
refresh_token that rotates — and against the misbehaviour a real network adds (a publish
whose answer is lost, a rate limit, a refused video), none of which a sandbox account of
the real platform lets a test provoke. Pure standard library, like the other fakes.

Written from the platform's documentation:

- 创建视频 (https://mp.kuaishou.com/platformDocs/openAbility/contentManagement/createAVideo.html;
  the same pages on apifox: https://apifox.com/apidoc/project-462993/api-7075074 发起上传,
  api-7075075/-7075076 直接上传, api-7075077 上传分片, api-7075078 断点续传/完成分片上传,
  api-7075080 发布视频): ``POST /openapi/photo/start_upload?access_token&app_id`` →
  ``{"result": 1, "upload_token", "endpoint"}`` (the upload gateway's host, no scheme: "上传
  网关的域名"); then on ``http://{endpoint}``: ``POST /api/upload?upload_token`` with the raw
  file as the body ("不要在body中放boundary,content-type等信息"), or ``POST /api/upload/multipart``
  (form field ``file``) — "直接上传,适合小于10M的文件" — or, for large files ("建议分片大小
  不大于10M"), ``POST /api/upload/fragment?upload_token&fragment_id`` (from 0; answers
  ``{"result":1,"checksum","size"}``), ``GET /api/upload/resume`` (断点续传: which fragments
  arrived) and ``POST /api/upload/complete?upload_token&fragment_count``; finally
  ``POST /openapi/photo/publish?app_id&access_token&upload_token`` with a multipart body
  ``caption``, ``cover`` (the cover picture) and ``stereo_type`` → ``video_info``.
- 删除视频 ``POST /openapi/photo/delete?app_id&access_token&photo_id`` (scope user_video_delete);
  查询 ``GET /openapi/photo/list`` (``cursor``: "分页查询时，传上一页create_time最小的photo_id",
  ``count`` "默认为20,最大不超过200" → ``video_list`` of ``{photo_id, caption, cover, play_url,
  create_time, like_count, comment_count, view_count, pending}``), ``GET /openapi/photo/info``
  (``photo_id`` → ``video_info``), ``GET /openapi/photo/count``
  (kuaishou platformDocs "查询视频"; field names as in the bububa/kwai-openapi and
  XiaoFeng.KuaiShou SDKs, which follow those pages).
- 快手登录 (https://open.kuaishou.com/platformDocs/openAbility/kwaiLogin,
  https://s.apifox.cn/apidoc/docs-site/462993/api-7075071 refreshToken):
  ``GET /oauth2/refresh_token?app_id&app_secret&refresh_token&grant_type=refresh_token`` →
  ``{"result":1,"access_token","expires_in","refresh_token","refresh_token_expires_in","scopes"}``;
  access_token 172800 s (48 h), refresh_token 15552000 s (180 days); a refresh hands out a new
  refresh_token "同时废弃掉老的refresh_token，但过期时间会继承上一个refresh_token的过期时间", and the
  old access_token stays valid until its own expiry ("互不干扰，过期时间独立计算，可以同时有效").
- 错误码 (https://apifox.com/apidoc/project-462993/doc-355272): every answer carries ``result``
  (1 = success) and, on failure, ``error_msg``. OAuth: 100200100 参数, 100200101 无效的 client,
  100200102 请求被拒绝（无效的 token 等）, 100200104 grantType 不支持, 100200108 access_token过期,
  100200109 用户取消该 app 授权, 100200113 refresh_token过期, 100200500 服务内部错误. 内容:
  120001 视频不存在, 120002 视频未上传成功, 120003 视频发布失败, 100400 参数错误.

**Fake's choices** where the pages are silent: every answer is HTTP 200 with the result code
(the gateway's own 5xx come from the faults); the content API documents no rate-limit code,
so the fake uses 400002 "api限速" from the same page's 直播 table; a refused video (审核) is
120003 with the reason in error_msg; the upload gateway answers 100400 for an unknown
upload_token, an empty body, a multipart body sent to the binary path, a file above the
direct-upload limit (10 MB) or a fragment above 10 MB (both adjustable, so tests stay small),
and an incomplete fragment set; ``create_time`` is in milliseconds; a publish with an
upload_token already published is accepted again (a second work — the fake counts it in
``reused_upload_tokens`` and ``duplicate_publishes`` so a test catches an adapter that does
it), and a published work is ``pending`` (审核中) for ``publish_delay`` seconds.

Accounts exist on the fly: the access token ``"at-" + open_id`` and the refresh token
``"rt-" + open_id`` are valid for ``open_id`` until expired, used or revoked through the
control API; an app's secret is ``"secret-" + app_id`` unless registered. Tokens handed out
by a refresh read ``"at-<open_id>~…"``, so a restarted sandbox (the demo's) still knows
whose they are.
"""

from __future__ import annotations

import hashlib
import itertools
import secrets
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from html import escape
from typing import ClassVar

from .controls import Controls, RemoteFake
from .core import (
    ControlError,
    FakeEngine,
    JSONDict,
    Limits,
    Request,
    Response,
    number,
    require_str,
)
from .forms import FormError, header_params, sniff_image
from .server import FakeServer

ACCESS_TTL = 172_800  # 48 h: code2AccessToken "expires_in": 172800
REFRESH_TTL = 15_552_000  # 180 days: "refresh_token_expires_in": 15552000
SCOPES = ["user_info", "user_video_publish", "user_video_delete", "user_video_info"]
STEREO_TYPES = ("NOT_SPHERICAL_VIDEO", "SPHERICAL_VIDEO_360", "SPHERICAL_VIDEO_180")
RATE_LIMITED = 400002

ERRORS: dict[int, str] = {
    100200100: "请求缺少参数或参数类型错误",
    100200101: "无效的client，无效的 app 或 developer",
    100200102: "请求被拒绝，可能是无效的 token 等",
    100200104: "请求的 grantType 不支持",
    100200108: "access_token过期",
    100200109: "用户取消该 app 授权",
    100200113: "refresh_token过期",
    100200500: "服务内部错误",
    120001: "视频不存在",
    120002: "视频未上传成功",
    120003: "视频发布失败",
    100400: "参数错误",
    RATE_LIMITED: "api限速",
}

# path -> (HTTP method, handler name)
OPEN_ROUTES: dict[str, tuple[str, str]] = {
    "/oauth2/refresh_token": ("GET", "_api_refresh_token"),
    "/openapi/user_info": ("GET", "_api_user_info"),
    "/openapi/photo/start_upload": ("POST", "_api_start_upload"),
    "/openapi/photo/publish": ("POST", "_api_publish"),
    "/openapi/photo/delete": ("POST", "_api_delete"),
    "/openapi/photo/list": ("GET", "_api_list"),
    "/openapi/photo/info": ("GET", "_api_info"),
    "/openapi/photo/count": ("GET", "_api_count"),
}
UPLOAD_ROUTES: dict[str, tuple[str, str]] = {
    "/api/upload": ("POST", "_up_binary"),
    "/api/upload/multipart": ("POST", "_up_multipart"),
    "/api/upload/fragment": ("POST", "_up_fragment"),
    "/api/upload/resume": ("GET", "_up_resume"),
    "/api/upload/complete": ("POST", "_up_complete"),
}


def ks_error(code: int, message: str = "") -> Response:
    """The documented failure shape ``{"result": code, "error_msg": …}`` (HTTP 200)."""
    text = ERRORS.get(code, "error")
    return Response.json({"result": code, "error_msg": f"{text}：{message}" if message else text})


def ok(**data: object) -> Response:
    return Response.json({"result": 1, **data})


@dataclass
class KuaishouLimits(Limits):
    """Upload sizes: direct upload ≤ 10 MB ("适合小于10M的文件"), fragments ≤ 10 MB ("建议分片
    大小不大于10M"); the fake enforces both so an adapter that ignores them fails a test."""

    direct_bytes: int = 10 << 20
    fragment_bytes: int = 10 << 20

    minimum: ClassVar[int] = 1

@dataclass
class _Token:
    value: str
    open_id: str
    app_id: str
    expires_at: float
    state: str = "valid"  # valid | expired | used (a refresh token replaced) | revoked


@dataclass
class _Upload:
    token: str
    open_id: str
    app_id: str
    mode: str = ""  # binary | multipart | fragment
    fragments: dict[int, bytes] = field(default_factory=dict)
    complete: bool = False
    sha256: str = ""
    size: int = 0
    head: bytes = b""
    published: int = 0


@dataclass
class _Photo:
    id: str
    open_id: str
    caption: str
    created_ms: int
    upload_token: str
    sha256: str
    size: int
    mode: str
    cover: bytes
    cover_type: str
    stereo_type: str
    deleted: bool = False


@dataclass
class _Account:
    open_id: str
    name: str
    calls: Counter[str] = field(default_factory=Counter)
    errors: Counter[int] = field(default_factory=Counter)
    photos: dict[str, _Photo] = field(default_factory=dict)
    created_by_caption: Counter[str] = field(default_factory=Counter)
    refreshes: int = 0
    deletes: int = 0
    revoked: bool = False

    def state(self) -> JSONDict:
        return {
            "name": self.name,
            "calls": dict(self.calls),
            "errors": {str(code): n for code, n in self.errors.items()},
            "refreshes": self.refreshes,
            "deletes": self.deletes,
            "revoked": self.revoked,
            "photos_created": len(self.photos),
            "photos_live": sum(1 for p in self.photos.values() if not p.deleted),
            "created_by_caption": dict(self.created_by_caption),
            "photos": {p.id: {"caption": p.caption, "deleted": p.deleted, "sha256": p.sha256, "size": p.size,
                              "upload_mode": p.mode, "upload_token": p.upload_token,
                              "cover_sha256": hashlib.sha256(p.cover).hexdigest(), "stereo_type": p.stereo_type}
                       for p in self.photos.values()},
        }


@dataclass
class _RateLimit:
    open_id: str | None
    path: str | None
    remaining: int
    result: int

    def as_dict(self) -> JSONDict:
        return {"open_id": self.open_id, "path": self.path, "remaining": self.remaining, "result": self.result}


class KuaishouFake(FakeEngine):
    """State and behaviour of the fake Kuaishou open platform (see the module docstring)."""

    kind = "kuaishou"

    def __init__(self, *, latency: float = 0.0, publish_delay: float = 0.2) -> None:
        super().__init__(latency=latency)
        self._initial_publish_delay = publish_delay
        self.now: Callable[[], float] = time.time
        self._reset_state()

    # -- engine hooks -------------------------------------------------------------------

    def is_api_path(self, path: str) -> bool:
        return path in OPEN_ROUTES or path in UPLOAD_ROUTES

    def account_for(self, request: Request) -> str | None:
        with self.lock:
            if request.path in UPLOAD_ROUTES:
                upload = self._uploads.get(request.query.get("upload_token", ""))
                return upload.open_id if upload else None
            value = request.query.get("access_token", "")
            token = self._access.get(value)
            if token is not None:
                return token.open_id
        return value[3:].split("~", 1)[0] if value.startswith("at-") and len(value) > 3 else None

    def handle(self, request: Request) -> Response:
        path = request.path
        routes = OPEN_ROUTES if path in OPEN_ROUTES else UPLOAD_ROUTES if path in UPLOAD_ROUTES else None
        if routes is not None:
            method, name = routes[path]
            if request.method != method:
                return ks_error(100200100 if path.startswith("/oauth2/") else 100400, f"请用 {method} 调用 {path}")
            handler: Callable[[Request], Response] = getattr(self, name)
            with self.lock:
                return handler(request)
        if request.method == "GET" and path.startswith("/short-video/"):
            return self._page(path.rsplit("/", 1)[-1])
        if request.method == "GET" and path.startswith("/cover/"):
            with self.lock:
                photo = self._photos.get(path.rsplit("/", 1)[-1].split(".")[0])
            if photo is None or photo.deleted:
                return Response.text("not found", 404)
            return Response(body=photo.cover, content_type=photo.cover_type)
        return Response.text("not found", 404)

    def _reset_state(self) -> None:
        self.limits = KuaishouLimits()
        self.publish_delay = self._initial_publish_delay
        self.access_ttl = ACCESS_TTL
        self.refresh_ttl = REFRESH_TTL
        self.endpoint: str | None = None  # the upload gateway's host; None: this server
        self.refuse: dict[str | None, list[str]] = {}  # open_id (None: all) -> words ([] = everything)
        self._apps: dict[str, str] = {}
        self._accounts: dict[str, _Account] = {}
        self._access: dict[str, _Token] = {}
        self._refresh: dict[str, _Token] = {}
        self._uploads: dict[str, _Upload] = {}
        self._photos: dict[str, _Photo] = {}
        self._rate_limits: list[_RateLimit] = []
        self._uploads_by_mode: Counter[str] = Counter()
        self._ids = itertools.count(1)

    def _state(self) -> JSONDict:
        accounts = {open_id: account.state() for open_id, account in self._accounts.items()}
        duplicates = [{"open_id": open_id, "caption": caption, "count": count}
                      for open_id, account in self._accounts.items()
                      for caption, count in account.created_by_caption.items() if count > 1]
        reused = [{"upload_token": u.token, "open_id": u.open_id, "publishes": u.published}
                  for u in self._uploads.values() if u.published > 1]
        return {
            "limits": self.limits.as_dict(),
            "publish_delay": self.publish_delay,
            "token_ttl": {"access": self.access_ttl, "refresh": self.refresh_ttl},
            "refuse_content": {str(k) if k else "*": v for k, v in self.refuse.items()},
            "rate_limits": [r.as_dict() for r in self._rate_limits],
            "accounts": accounts,
            "upload_tokens_issued": len(self._uploads),
            "uploads_by_mode": dict(self._uploads_by_mode),
            "duplicate_publishes": duplicates + [{"open_id": r["open_id"], "upload_token": r["upload_token"],
                                                  "count": r["publishes"]} for r in reused],
            "reused_upload_tokens": reused,
            "totals": {
                "accounts": len(accounts),
                "photos_created": len(self._photos),
                "photos_live": sum(1 for p in self._photos.values() if not p.deleted),
                "deletes": sum(a.deletes for a in self._accounts.values()),
                "refreshes": sum(a.refreshes for a in self._accounts.values()),
            },
        }

    # -- control API --------------------------------------------------------------------

    def _control(self, method: str, action: str, payload: JSONDict) -> JSONDict:
        if method != "POST":
            raise ControlError(f"unknown control action {method} {action}", 404)
        if action == "apps":
            app_id, secret = require_str(payload, "app_id"), require_str(payload, "secret")
            self._apps[app_id] = secret
            return {"app_id": app_id}
        if action == "accounts":
            return self._control_account(payload)
        if action in ("expire_tokens", "expire_refresh_token"):
            open_id = require_str(payload, "open_id")
            self._account(open_id)
            table = self._access if action == "expire_tokens" else self._refresh
            prefix = "at-" if action == "expire_tokens" else "rt-"
            default = prefix + open_id
            if default not in table:
                table[default] = _Token(default, open_id, payload.get("app_id") or "", self.now() + 1e9)
            changed = 0
            for token in table.values():
                if token.open_id == open_id and token.state == "valid":
                    token.state = "expired"
                    changed += 1
            return {"expired": changed}
        if action == "revoke":
            account = self._account(require_str(payload, "open_id"))
            account.revoked = bool(payload.get("on", True))
            return {"open_id": account.open_id, "revoked": account.revoked}
        if action == "token_ttl":
            if payload.get("access") is not None:
                self.access_ttl = int(number(payload, "access"))
            if payload.get("refresh") is not None:
                self.refresh_ttl = int(number(payload, "refresh"))
            return {"access": self.access_ttl, "refresh": self.refresh_ttl}
        if action == "rate_limit":
            result = int(number(payload, "result", RATE_LIMITED))
            if result not in (RATE_LIMITED, 100200500):
                raise ControlError(f"result must be {RATE_LIMITED} (api限速) or 100200500 (服务内部错误)")
            calls = int(number(payload, "calls", 1))
            if calls < 0:
                raise ControlError("calls must not be negative")
            limit = _RateLimit(payload.get("open_id") or None, payload.get("path") or None, calls, result)
            self._rate_limits = [r for r in self._rate_limits if (r.open_id, r.path) != (limit.open_id, limit.path)]
            if calls:
                self._rate_limits.append(limit)
            return {"rate_limits": [r.as_dict() for r in self._rate_limits]}
        if action == "refuse_content":
            key = payload.get("open_id") or None
            words = payload.get("words") or []
            if not isinstance(words, list) or not all(isinstance(w, str) and w for w in words):
                raise ControlError("words must be a list of non-empty strings")
            if payload.get("on", True):
                self.refuse[key] = list(words)
            else:
                self.refuse.pop(key, None)
            return {"refuse_content": {str(k) if k else "*": v for k, v in self.refuse.items()}}
        if action == "limits":
            self.limits.update(payload)
            return {"limits": self.limits.as_dict()}
        if action == "publish_delay":
            seconds = number(payload, "seconds")
            if seconds < 0:
                raise ControlError("seconds must not be negative")
            self.publish_delay = seconds
            return {"publish_delay": self.publish_delay}
        if action == "endpoint":
            host = payload.get("host")
            self.endpoint = str(host) if host else None
            return {"endpoint": self._endpoint()}
        if action == "post":
            account = self._account(require_str(payload, "open_id"))
            photo = self._create(account, require_str(payload, "caption"), "", "", 0, "control", b"", "image/jpeg",
                                 STEREO_TYPES[0])
            return {"photo_id": photo.id}
        raise ControlError(f"unknown control action {action!r}", 404)

    def _control_account(self, payload: JSONDict) -> JSONDict:
        open_id = require_str(payload, "open_id")
        account = self._account(open_id)
        if payload.get("name"):
            account.name = str(payload["name"])
        app_id = str(payload.get("app_id") or "")
        access = str(payload.get("access_token") or f"at-{open_id}")
        refresh = str(payload.get("refresh_token") or f"rt-{open_id}")
        now = self.now()
        self._access[access] = _Token(access, open_id, app_id, now + self.access_ttl)
        self._refresh[refresh] = _Token(refresh, open_id, app_id, now + self.refresh_ttl)
        return {"open_id": open_id, "access_token": access, "refresh_token": refresh}

    # -- helpers --------------------------------------------------------------------------

    def _account(self, open_id: str) -> _Account:
        account = self._accounts.get(open_id)
        if account is None:
            account = self._accounts[open_id] = _Account(open_id=open_id, name=f"快手用户{open_id[-6:]}")
        return account

    def _endpoint(self) -> str:
        return self.endpoint or self.public_url.split("://", 1)[-1]

    def _secret_of(self, app_id: str) -> str:
        return self._apps.get(app_id, f"secret-{app_id}")

    def _resolve(self, table: dict[str, _Token], value: str, prefix: str, app_id: str, ttl: int) -> _Token | None:
        token = table.get(value)
        if token is None and value.startswith(prefix) and len(value) > len(prefix):
            # "at-<open_id>" or a refreshed "at-<open_id>~<n>…": known again after a restart
            token = table[value] = _Token(value, value[len(prefix):].split("~", 1)[0], app_id, self.now() + ttl)
        if token is not None and not token.app_id:
            token.app_id = app_id  # an on-the-fly token belongs to the first app that uses it
        return token

    def _fail(self, account: _Account | None, code: int, message: str = "") -> Response:
        if account is not None:
            account.errors[code] += 1
        return ks_error(code, message)

    def _authorise(self, request: Request) -> tuple[_Account, None] | tuple[None, Response]:
        """app_id + access_token in the query (100200100 missing, 100200102 unknown,
        100200101 another app's token, 100200108 expired, 100200109 authorisation
        withdrawn), then the rate limits set through the control API."""
        app_id, value = request.query.get("app_id", ""), request.query.get("access_token", "")
        if not app_id or not value:
            return None, ks_error(100200100, "缺少 app_id 或 access_token")
        token = self._resolve(self._access, value, "at-", app_id, self.access_ttl)
        if token is None or token.state in ("revoked", "used"):
            return None, ks_error(100200102)
        account = self._account(token.open_id)
        account.calls[request.path] += 1
        if token.app_id != app_id:
            return None, self._fail(account, 100200101, "access_token 不属于该应用")
        if account.revoked:
            return None, self._fail(account, 100200109)
        if token.state == "expired" or token.expires_at <= self.now():
            return None, self._fail(account, 100200108)
        limited = self._rate_limited(account, request.path)
        return (None, limited) if limited is not None else (account, None)

    def _rate_limited(self, account: _Account, path: str) -> Response | None:
        for limit in self._rate_limits:
            if limit.open_id in (None, account.open_id) and limit.path in (None, path) and limit.remaining > 0:
                limit.remaining -= 1
                if limit.remaining <= 0:
                    self._rate_limits.remove(limit)
                return self._fail(account, limit.result)
        return None

    def _video_info(self, photo: _Photo) -> JSONDict:
        age = self.now() * 1000 - photo.created_ms
        seed = int(hashlib.sha1(photo.id.encode()).hexdigest()[:8], 16)
        days = max(0.0, age / 86_400_000)
        views = int(min(days, 7) * (50 + seed % 400))
        return {
            "photo_id": photo.id,
            "caption": photo.caption,
            "cover": f"{self.public_url}/cover/{photo.id}.jpg",
            "play_url": f"{self.public_url}/short-video/{photo.id}",
            "create_time": photo.created_ms,
            "like_count": views // 20,
            "comment_count": views // 100,
            "view_count": views,
            "pending": age < self.publish_delay * 1000,
        }

    def _new_photo_id(self) -> str:
        alphabet = "abcdefghijkmnpqrstuvwxyz23456789"
        while True:
            value = "3x" + "".join(secrets.choice(alphabet) for _ in range(13))
            if value not in self._photos:
                return value

    def _create(self, account: _Account, caption: str, upload_token: str, sha256: str, size: int, mode: str,
                cover: bytes, cover_type: str, stereo_type: str) -> _Photo:
        # strictly increasing times, so "newest first" is well defined within a millisecond
        last = max((p.created_ms for p in self._photos.values()), default=0)
        photo = _Photo(id=self._new_photo_id(), open_id=account.open_id, caption=caption,
                       created_ms=max(int(self.now() * 1000), last + 1), upload_token=upload_token, sha256=sha256,
                       size=size, mode=mode, cover=cover, cover_type=cover_type, stereo_type=stereo_type)
        self._photos[photo.id] = photo
        account.photos[photo.id] = photo
        account.created_by_caption[caption] += 1
        return photo

    def _page(self, photo_id: str) -> Response:
        with self.lock:
            photo = self._photos.get(photo_id)
            if photo is None or photo.deleted:
                return Response.html("<html><body><p>作品不存在或已删除</p></body></html>", 404)
            account = self._accounts[photo.open_id]
            return Response.html(
                f"<html><head><meta charset=\"utf-8\"><title>{escape(photo.caption)}</title></head><body>"
                f"<h1>{escape(account.name)}</h1><p>{escape(photo.caption)}</p>"
                f"<img src=\"/cover/{photo.id}.jpg\" alt=\"封面\"><p>快手作品 {photo.id}（沙箱）</p></body></html>")

    # -- OAuth ----------------------------------------------------------------------------

    def _api_refresh_token(self, request: Request) -> Response:
        q = request.query
        app_id, app_secret, value = q.get("app_id", ""), q.get("app_secret", ""), q.get("refresh_token", "")
        if not app_id or not app_secret or not value or not q.get("grant_type"):
            return ks_error(100200100, "缺少 app_id、app_secret、refresh_token 或 grant_type")
        if q["grant_type"] != "refresh_token":
            return ks_error(100200104)
        if app_secret != self._secret_of(app_id):
            return ks_error(100200101, "app_id 与 app_secret 不匹配")
        token = self._resolve(self._refresh, value, "rt-", app_id, self.refresh_ttl)
        if token is None or token.state in ("used", "revoked"):
            return ks_error(100200102, "refresh_token 无效或已被替换")
        account = self._account(token.open_id)
        account.calls[request.path] += 1
        if token.app_id != app_id:
            return self._fail(account, 100200101, "refresh_token 不属于该应用")
        if account.revoked:
            return self._fail(account, 100200109)
        if token.state == "expired" or token.expires_at <= self.now():
            return self._fail(account, 100200113)
        limited = self._rate_limited(account, request.path)
        if limited is not None:
            return limited
        token.state = "used"  # "同时废弃掉老的refresh_token"
        n = next(self._ids)
        access = _Token(f"at-{token.open_id}~{n}{secrets.token_hex(4)}", token.open_id, app_id,
                        self.now() + self.access_ttl)
        refresh = _Token(f"rt-{token.open_id}~{n}{secrets.token_hex(4)}", token.open_id, app_id,
                         token.expires_at)  # "过期时间会继承上一个refresh_token的过期时间"
        self._access[access.value] = access
        self._refresh[refresh.value] = refresh
        account.refreshes += 1
        return ok(access_token=access.value, expires_in=self.access_ttl, refresh_token=refresh.value,
                  refresh_token_expires_in=max(0, int(refresh.expires_at - self.now())), scopes=SCOPES)

    def _api_user_info(self, request: Request) -> Response:
        account, error = self._authorise(request)
        if account is None:
            return error
        return ok(user_info={"name": account.name, "sex": "F", "fan": 1000 + len(account.photos) * 7,
                             "follow": 12, "head": f"{self.public_url}/head.jpg", "bigHead": f"{self.public_url}/head.jpg",
                             "city": ""})

    # -- 创建视频 -------------------------------------------------------------------------

    def _api_start_upload(self, request: Request) -> Response:
        account, error = self._authorise(request)
        if account is None:
            return error
        token = secrets.token_urlsafe(12)
        self._uploads[token] = _Upload(token=token, open_id=account.open_id, app_id=request.query["app_id"])
        return ok(upload_token=token, endpoint=self._endpoint())

    def _upload(self, request: Request) -> tuple[_Upload, None] | tuple[None, Response]:
        upload = self._uploads.get(request.query.get("upload_token", ""))
        if upload is None:
            return None, ks_error(100400, "upload_token 无效")
        account = self._account(upload.open_id)
        account.calls[request.path] += 1
        if upload.published:
            return None, self._fail(account, 100400, "该 upload_token 的视频已发布")
        limited = self._rate_limited(account, request.path)
        return (None, limited) if limited is not None else (upload, None)

    def _store(self, upload: _Upload, data: bytes, mode: str) -> Response:
        account = self._account(upload.open_id)
        if not data:
            return self._fail(account, 100400, "文件为空")
        if len(data) > self.limits.direct_bytes:
            return self._fail(account, 100400, f"文件超过 {self.limits.direct_bytes} 字节，请分片上传")
        upload.mode, upload.fragments, upload.complete = mode, {}, True
        upload.sha256, upload.size, upload.head = hashlib.sha256(data).hexdigest(), len(data), data[:64]
        self._uploads_by_mode[mode] += 1
        return ok()

    def _up_binary(self, request: Request) -> Response:
        upload, error = self._upload(request)
        if upload is None:
            return error
        if header_params(request.content_type)[0].startswith("multipart/"):
            return self._fail(self._account(upload.open_id), 100400,
                              "二进制上传的 body 只放文件内容，不要 multipart（请用 /api/upload/multipart）")
        return self._store(upload, request.body, "binary")

    def _up_multipart(self, request: Request) -> Response:
        upload, error = self._upload(request)
        if upload is None:
            return error
        try:
            files = request.form()[1]
        except FormError:
            files = {}
        if "file" not in files:
            return self._fail(self._account(upload.open_id), 100400, "缺少文件字段 file")
        return self._store(upload, files["file"].data, "multipart")

    def _up_fragment(self, request: Request) -> Response:
        upload, error = self._upload(request)
        if upload is None:
            return error
        account = self._account(upload.open_id)
        raw = request.query.get("fragment_id", "")
        if not raw.isdigit() or int(raw) > 100_000:
            return self._fail(account, 100400, "fragment_id 应为从 0 开始的整数")
        if not request.body:
            return self._fail(account, 100400, "分片为空")
        if len(request.body) > self.limits.fragment_bytes:
            return self._fail(account, 100400, f"分片超过 {self.limits.fragment_bytes} 字节")
        upload.fragments[int(raw)] = request.body
        upload.complete = False
        return ok(checksum=hashlib.md5(request.body).hexdigest(), size=len(request.body))

    def _up_resume(self, request: Request) -> Response:
        upload, error = self._upload(request)
        if upload is None:
            return error
        ids = sorted(upload.fragments)
        host, _, port = self._endpoint().partition(":")
        return ok(existed=bool(ids), fragment_index=ids[-1] if ids else -1, fragment_list=ids,
                  fragment_index_bytes=sum(len(b) for b in upload.fragments.values()), token_id=upload.token[:8],
                  endpoint=[{"protocol": "http", "host": host, "port": int(port or 80)}])

    def _up_complete(self, request: Request) -> Response:
        upload, error = self._upload(request)
        if upload is None:
            return error
        account = self._account(upload.open_id)
        raw = request.query.get("fragment_count", "")
        if not raw.isdigit() or int(raw) < 1:
            return self._fail(account, 100400, "fragment_count 应为正整数")
        count = int(raw)
        missing = [i for i in range(count) if i not in upload.fragments]
        if missing or len(upload.fragments) != count:
            what = f"缺少第 {missing[0]} 片" if missing else f"收到 {len(upload.fragments)} 片，与 fragment_count 不符"
            return self._fail(account, 100400, f"分片不完整：{what}")
        data = b"".join(upload.fragments[i] for i in range(count))
        upload.mode, upload.complete = "fragment", True
        upload.sha256, upload.size, upload.head = hashlib.sha256(data).hexdigest(), len(data), data[:64]
        upload.fragments = {}
        self._uploads_by_mode["fragment"] += 1
        return ok()

    def _api_publish(self, request: Request) -> Response:
        account, error = self._authorise(request)
        if account is None:
            return error
        value = request.query.get("upload_token", "")
        if not value:
            return self._fail(account, 100400, "缺少 upload_token")
        upload = self._uploads.get(value)
        if upload is None or upload.open_id != account.open_id:
            return self._fail(account, 100400, "upload_token 无效")
        if not request.is_multipart():
            return self._fail(account, 100400, "请用 multipart/form-data 提交 caption 和 cover")
        try:
            form, files = request.form()
        except FormError as exc:
            return self._fail(account, 100400, str(exc))
        cover = files.get("cover")
        if cover is None or not cover.data:
            return self._fail(account, 100400, "缺少封面 cover")
        kind = sniff_image(cover.data)
        if kind not in ("jpeg", "png"):
            return self._fail(account, 100400, "封面应为 JPG 或 PNG 图片")
        stereo = form.get("stereo_type") or STEREO_TYPES[0]
        if stereo not in STEREO_TYPES:
            return self._fail(account, 100400, f"stereo_type 应为 {'、'.join(STEREO_TYPES)} 之一")
        if not upload.complete:
            return self._fail(account, 120002)
        if b"ftyp" not in upload.head[:16]:
            return self._fail(account, 120003, "无法识别的视频文件（应为 MP4）")
        caption = form.get("caption", "")
        for key in (account.open_id, None):
            if key in self.refuse:
                words = self.refuse[key]
                hit = next((w for w in words if w in caption), None) if words else "（全部）"
                if hit:
                    return self._fail(account, 120003, f"作品未通过审核（命中：{hit}）")
        upload.published += 1
        photo = self._create(account, caption, upload.token, upload.sha256, upload.size, upload.mode, cover.data,
                             "image/png" if kind == "png" else "image/jpeg", stereo)
        return ok(video_info=self._video_info(photo))

    # -- 删除与查询 -----------------------------------------------------------------------

    def _own_photo(self, account: _Account, photo_id: str) -> _Photo | None:
        photo = account.photos.get(photo_id)
        return None if photo is None or photo.deleted else photo

    def _api_delete(self, request: Request) -> Response:
        account, error = self._authorise(request)
        if account is None:
            return error
        photo_id = request.query.get("photo_id", "") or request.fields().get("photo_id", "")
        if not photo_id:
            return self._fail(account, 100400, "缺少 photo_id")
        photo = self._own_photo(account, photo_id)
        if photo is None:
            return self._fail(account, 120001)
        photo.deleted = True
        account.deletes += 1
        return ok()

    def _api_info(self, request: Request) -> Response:
        account, error = self._authorise(request)
        if account is None:
            return error
        photo_id = request.query.get("photo_id", "")
        if not photo_id:
            return self._fail(account, 100400, "缺少 photo_id")
        photo = self._own_photo(account, photo_id)
        if photo is None:
            return self._fail(account, 120001)
        return ok(video_info=self._video_info(photo))

    def _api_list(self, request: Request) -> Response:
        account, error = self._authorise(request)
        if account is None:
            return error
        raw = request.query.get("count", "20") or "20"
        if not raw.isdigit() or not 1 <= int(raw) <= 200:
            return self._fail(account, 100400, "count 应为 1 到 200 的整数")
        live = sorted((p for p in account.photos.values() if not p.deleted), key=lambda p: p.created_ms, reverse=True)
        cursor = request.query.get("cursor", "")
        if cursor:
            start = account.photos.get(cursor)
            if start is None:
                return self._fail(account, 100400, "cursor 无效")
            live = [p for p in live if p.created_ms < start.created_ms]
        return ok(video_list=[self._video_info(p) for p in live[: int(raw)]])

    def _api_count(self, request: Request) -> Response:
        account, error = self._authorise(request)
        if account is None:
            return error
        live = sum(1 for p in account.photos.values() if not p.deleted)
        return ok(public_count=live, friend_count=0, private_count=0, all_count=live)


class KuaishouControls(Controls):
    """Controls of the fake Kuaishou server (``/__fake__/kuaishou/...``)."""

    def add_app(self, app_id: str, secret: str) -> None:
        """Register ``app_id`` with ``secret`` (default for unknown apps: ``"secret-" + app_id``)."""
        self._control("POST", "kuaishou/apps", {"app_id": app_id, "secret": secret})

    def add_account(self, open_id: str, *, app_id: str = "", access_token: str | None = None,
                    refresh_token: str | None = None, name: str | None = None) -> JSONDict:
        """Authorise ``open_id`` (for ``app_id``): fresh access and refresh tokens, returned."""
        return self._control("POST", "kuaishou/accounts", {
            "open_id": open_id, "app_id": app_id, "access_token": access_token, "refresh_token": refresh_token,
            "name": name})

    def expire_tokens(self, open_id: str) -> int:
        """Every access token of ``open_id`` answers 100200108 from now on. Returns how many."""
        return int(self._control("POST", "kuaishou/expire_tokens", {"open_id": open_id})["expired"])

    def expire_refresh_token(self, open_id: str) -> int:
        """Every refresh token of ``open_id`` answers 100200113 (the owner must authorise again)."""
        return int(self._control("POST", "kuaishou/expire_refresh_token", {"open_id": open_id})["expired"])

    def revoke(self, open_id: str, on: bool = True) -> None:
        """The user withdrew the app's authorisation: 100200109 on every call."""
        self._control("POST", "kuaishou/revoke", {"open_id": open_id, "on": on})

    def set_token_ttl(self, *, access: int | None = None, refresh: int | None = None) -> None:
        """Lifetimes in seconds of tokens handed out from now on (default 172800 / 15552000)."""
        self._control("POST", "kuaishou/token_ttl", {"access": access, "refresh": refresh})

    def rate_limit(self, open_id: str | None = None, calls: int = 1, *, path: str | None = None,
                   result: int = RATE_LIMITED) -> None:
        """Answer the next ``calls`` calls of ``open_id`` (all accounts if None), optionally only
        on ``path``, with 400002 "api限速" (or 100200500 服务内部错误)."""
        self._control("POST", "kuaishou/rate_limit", {"open_id": open_id, "calls": calls, "path": path, "result": result})

    def refuse_content(self, open_id: str | None = None, on: bool = True, *, words: list[str] | None = None) -> None:
        """publish answers 120003 (审核不通过) for ``open_id`` (all if None); only captions
        containing one of ``words`` when given."""
        self._control("POST", "kuaishou/refuse_content", {"open_id": open_id, "on": on, "words": words or []})

    def set_limits(self, **limits: int) -> None:
        """Upload limits (see :class:`KuaishouLimits`), e.g. ``direct_bytes=65536``."""
        self._control("POST", "kuaishou/limits", dict(limits))

    def set_publish_delay(self, seconds: float) -> None:
        """How long a new work stays ``pending`` (审核中) in the queries."""
        self._control("POST", "kuaishou/publish_delay", {"seconds": seconds})

    def post(self, open_id: str, caption: str) -> str:
        """Create a work directly (a copy nobody recorded); returns its photo_id."""
        return str(self._control("POST", "kuaishou/post", {"open_id": open_id, "caption": caption})["photo_id"])

    def photos(self, open_id: str, *, live: bool = True) -> list[JSONDict]:
        """The works of ``open_id`` as the state shows them (only undeleted ones if ``live``)."""
        found = self.state()["accounts"].get(open_id, {}).get("photos", {})
        return [{"photo_id": pid, **p} for pid, p in found.items() if not (live and p["deleted"])]

    def duplicate_publishes(self) -> list[JSONDict]:
        """Captions published more than once by one account, and upload_tokens published twice."""
        return list(self.state()["duplicate_publishes"])


class KuaishouFakeServer(FakeServer, KuaishouControls):
    """A running fake Kuaishou open platform (API and upload gateway on one port)."""

    engine: KuaishouFake


class RemoteKuaishouFake(RemoteFake, KuaishouControls):
    """A fake Kuaishou server in another process (``--serve kuaishou:PORT``)."""


def start(host: str = "127.0.0.1", port: int = 0, latency: float = 0.0, publish_delay: float = 0.2) -> KuaishouFakeServer:
    """Start the fake in a background thread (what ``start_fake("kuaishou")`` calls)."""
    return KuaishouFakeServer(KuaishouFake(latency=latency, publish_delay=publish_delay), host, port).start()


__all__ = ["KuaishouControls", "KuaishouFake", "KuaishouFakeServer", "KuaishouLimits", "RemoteKuaishouFake", "start"]
