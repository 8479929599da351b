"""A fake 抖音开放平台 (Douyin open platform): an authorised account's access token and its
refresh, video upload (whole or in parts), publishing a video, listing and deleting it.

Why a fake: the county's Douyin account can only be published to with a real app, a real
owner's authorisation and real review; tests, the crash test and the demo need the same
requests answered the same way, on this machine, and steerable (tokens expiring, quota,
content refused, lost answers).

Written from the platform's documentation (paths, parameters, answers, error codes):

- 上传视频 https://open.douyin.com/platform/resource/docs/openapi/video-management/douyin/create/upload/
  (``POST /video/upload/``, multipart field ``video``, ``open_id`` in the query and the
  token as ``access-token`` header or — older form, still in the SDKs — ``access_token``
  query parameter; answer ``{"data": {"error_code": 0, "description": "", "video":
  {"video_id", "width", "height"}}, "extra": {"error_code", "description", "sub_error_code",
  "sub_description", "logid", "now"}}``; "超过50m的视频建议采用分片上传 … 超过128m的视频必须采用
  分片上传。视频总大小4GB以内。单个分片建议20MB，最小5MB" and "视频文件大小不超过128M，时长在15分钟以内").
- 分片上传 (the generated SDK docs of open.douyin.com, e.g. uimeet/douyin and the
  douyin-open Java client ``VideoPublishApi.md``): ``POST /video/part/init/`` → ``upload_id``
  ("分片上传的标记。有限时间为2小时"), ``POST /video/part/upload/?upload_id=…&part_number=N``
  (multipart ``video``; "第几个分片，从1开始"; "upload_id作为url参数时，必须encode"),
  ``POST /video/part/complete/?upload_id=…`` → ``video``.
- 创建抖音视频 ``POST /video/create/`` JSON ``{"video_id", "text", "cover_tsp", …}`` → ``item_id``
  ("注意每次调用/video/create/都要调用/video/upload/生成新的video_id"; ``text`` "视频标题，可以
  带话题"; ``cover_tsp`` "将传入的指定时间点对应帧设置为视频封面（单位：秒）").
- 删除授权用户发布的视频 ``POST /video/delete/`` JSON ``{"item_id"}`` (scope video.delete).
- 查询授权账号视频列表 ``GET /video/list/?open_id&cursor&count`` ("每次查询小于等于20"; answer
  ``cursor``, ``has_more``, ``list`` of ``{item_id, title, create_time, cover, is_top,
  is_reviewed, share_url, video_status, statistics}``),
  https://developer.open-douyin.com/docs/resource/zh-CN/dop/develop/openapi/video-management/douyin/search-video/account-video-list
- 刷新 access_token https://developer.open-douyin.com/docs/resource/zh-CN/dop/develop/openapi/account-permission/refresh-access-token
  (``POST /oauth/refresh_token/`` form ``client_key``, ``grant_type=refresh_token``,
  ``refresh_token``; access_token 15 days, refresh_token 30 days and not extended by a
  refresh; 10010 refresh_token 过期) and 刷新 refresh_token
  https://developer.open-douyin.com/docs/resource/zh-CN/dop/develop/openapi/account-permission/refresh-token
  (``POST /oauth/renew_refresh_token/``; "最多只能获取 5 次新的 refresh_token"; 10020).
- Error codes (all under HTTP 200, as the documentation's tables show): 2190008
  "access_token 过期,请刷新或重新授权" (also answered as 10008 by the OAuth side), 2190002
  access_token无效, 2190015 access_token 与 open_id 不匹配, 2190001 quota已用完, 2100004 系统繁忙，
  此时请开发者稍候再试, 2100005 参数不合法, 2190005 视频文件太大了, 2190007 无效的视频文件 ID,
  2111001 命中敏感词 (a caption the platform's review refuses).

The fake's own choices where the documentation says nothing: deleting an item that is not
(or no longer) there answers 2100005; the fake checks that an upload is an MP4 (an ``ftyp``
box) and reads its size from the ``tkhd`` box; the smallest part is a control (``limits``
``min_part_bytes``, 5 MB by default) so tests can use small files; tokens of an account
``X`` exist on the fly: access token ``act.X``, refresh token ``rft.X``; a control can keep new
items out of the list for a while (``hide_new_items``), as a platform reviewing them might.
"""

from __future__ import annotations

import hashlib
import itertools
import secrets
import struct
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from typing import Literal

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
from .server import FakeServer

MB = 1 << 20
ERRORS: dict[int, str] = {
    10002: "参数错误",
    10005: "缺少参数",
    10008: "access_token无效或过期",
    10010: "refresh_token 过期",
    10013: "client_key 或者 client_secret 报错",
    10020: "超过刷新次数限制",
    2100004: "系统繁忙，此时请开发者稍候再试",
    2100005: "参数不合法",
    2190001: "quota已用完",
    2190002: "access_token无效",
    2190005: "视频文件太大了",
    2190007: "无效的视频文件 ID",
    2190008: "access_token 过期,请刷新或重新授权",
    2190015: "请求参数 access_token openid 不匹配",
    2111001: "命中敏感词",
}
RATE_LIMIT_CODES = (2190001, 2100004)
ACCESS_SECONDS = 15 * 86400  # "access_token 过期（过期时间 15 天）"
REFRESH_SECONDS = 30 * 86400  # "refresh_token（过期时间 30 天）"
RENEW_MAX = 5  # "最多只能获取 5 次新的 refresh_token"
LIST_MAX = 20  # video/list: "每次查询小于等于20"

API_ROUTES: dict[str, tuple[str, str]] = {
    "/oauth/refresh_token/": ("POST", "_api_refresh"),
    "/oauth/renew_refresh_token/": ("POST", "_api_renew"),
    "/video/upload/": ("POST", "_api_upload"),
    "/video/part/init/": ("POST", "_api_part_init"),
    "/video/part/upload/": ("POST", "_api_part_upload"),
    "/video/part/complete/": ("POST", "_api_part_complete"),
    "/video/create/": ("POST", "_api_create"),
    "/video/delete/": ("POST", "_api_delete"),
    "/video/list/": ("GET", "_api_list"),
}


class _Refused(Exception):
    def __init__(self, code: int, description: str = "") -> None:
        super().__init__(code)
        self.code = code
        self.description = description or ERRORS.get(code, "")


def mp4_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) of the first video track of an MP4 (its ``tkhd`` box), None when the
    bytes are not an MP4 at all (no ``ftyp`` box at the start)."""
    if len(data) < 12 or data[4:8] != b"ftyp":
        return None
    start = 0
    while True:
        at = data.find(b"tkhd", start)
        if at < 0:
            return (0, 0)
        version = data[at + 4] if at + 4 < len(data) else 0
        offset = at + (92 if version == 1 else 80)
        if offset + 8 <= len(data):
            width, height = struct.unpack(">II", data[offset:offset + 8])
            if width and height:
                return width >> 16, height >> 16
        start = at + 4


@dataclass
class DouyinLimits(Limits):
    """Sizes the platform enforces (bytes): a whole upload ≤ 128 MB, a part ≥ 5 MB (the last
    part may be smaller), everything ≤ 4 GB."""

    simple_max_bytes: int = 128 * MB
    min_part_bytes: int = 5 * MB
    total_max_bytes: int = 4096 * MB



@dataclass
class _Token:
    value: str
    open_id: str
    state: Literal["valid", "expired", "revoked"] = "valid"


@dataclass
class _Refresh:
    value: str
    open_id: str
    client_key: str | None
    state: Literal["valid", "expired"] = "valid"
    renewals: int = 0
    created: float = field(default_factory=time.time)  # lives REFRESH_SECONDS from here


@dataclass
class _Video:
    id: str
    open_id: str
    size: int
    sha256: str
    mode: str  # "simple" | "part"
    width: int
    height: int
    used_by: str = ""  # the item created from it (a video_id serves one create)


@dataclass
class _Upload:
    id: str
    open_id: str
    created: float
    parts: dict[int, bytes] = field(default_factory=dict)
    completed: str = ""  # the video_id once complete


@dataclass
class _Item:
    id: str
    open_id: str
    text: str
    video_id: str
    cover_tsp: float | None
    create_time: int
    deleted: bool = False
    hidden: bool = False  # not yet in /video/list/ (control ``hide_new_items``)


@dataclass
class _RateLimit:
    open_id: str | None
    path: str | None
    remaining: int
    error_code: int

    def as_dict(self) -> JSONDict:
        return {"open_id": self.open_id, "path": self.path, "remaining": self.remaining, "error_code": self.error_code}


def _extra(code: int = 0, description: str = "") -> JSONDict:
    return {"error_code": code, "description": description, "sub_error_code": 0, "sub_description": "",
            "logid": time.strftime("%Y%m%d%H%M%S") + secrets.token_hex(8).upper(), "now": int(time.time() * 1000)}


def answer(data: JSONDict) -> Response:
    """The classic envelope: ``data`` (with error_code 0) and ``extra``."""
    return Response.json({"data": {"error_code": 0, "description": "", **data}, "extra": _extra()})


def error(code: int, description: str = "") -> Response:
    description = description or ERRORS.get(code, "")
    return Response.json({"data": {"error_code": code, "description": description},
                          "extra": _extra(code, description)})


def oauth_error(code: int) -> Response:
    return Response.json({"data": {"error_code": code, "description": ERRORS.get(code, "")}, "message": "error"})


class DouyinFake(FakeEngine):
    """State and behaviour of the fake Douyin open platform (see the module docstring)."""

    kind = "douyin"

    def __init__(self, *, latency: float = 0.0) -> None:
        super().__init__(latency=latency)
        self.limits = DouyinLimits()
        self.refused_words: list[str] = []
        self.refuse_next = 0  # the next N creates are refused by review (2111001)
        self.hide_new_items = False  # new items stay out of /video/list/ until switched off
        self._tokens: dict[str, _Token] = {}
        self._refresh: dict[str, _Refresh] = {}
        self._videos: dict[str, _Video] = {}
        self._uploads: dict[str, _Upload] = {}
        self._items: dict[str, _Item] = {}
        self._rate_limits: list[_RateLimit] = []
        self._seq = itertools.count(1)
        self.stats: Counter[str] = Counter()
        self.now: Callable[[], float] = time.time

    # -- engine hooks ---------------------------------------------------------------------

    def is_api_path(self, path: str) -> bool:
        return path.startswith(("/video/", "/oauth/"))

    def account_for(self, request: Request) -> str | None:
        return request.query.get("open_id") or None

    def handle(self, request: Request) -> Response:
        route = API_ROUTES.get(request.path)
        if route is None:
            if request.method == "GET" and request.path.startswith("/share/video/"):
                with self.lock:
                    item = self._items.get(request.path.rstrip("/").rsplit("/", 1)[-1])
                if item is None or item.deleted:
                    return Response.html("<h1>作品不存在</h1>", 404)
                return Response.html(f"<h1>{item.text}</h1>")
            return Response.json({"data": {"error_code": 2100005, "description": "Not Found"}, "extra": _extra(2100005)},
                                 404)
        method, name = route
        if request.method != method:
            return error(2100005, f"请使用 {method}")
        handler: Callable[[Request], Response] = getattr(self, name)
        with self.lock:
            try:
                return handler(request)
            except _Refused as refused:
                return error(refused.code, refused.description)

    def _reset_state(self) -> None:
        self.limits = DouyinLimits()
        self.refused_words = []
        self.refuse_next = 0
        self.hide_new_items = False
        self._tokens.clear()
        self._refresh.clear()
        self._videos.clear()
        self._uploads.clear()
        self._items.clear()
        self._rate_limits.clear()
        self.stats.clear()

    def _state(self) -> JSONDict:
        by_text: Counter[tuple[str, str]] = Counter((i.open_id, i.text) for i in self._items.values())
        return {
            "limits": self.limits.as_dict(),
            "refused_words": list(self.refused_words),
            "refuse_next": self.refuse_next,
            "hide_new_items": self.hide_new_items,
            "rate_limits": [r.as_dict() for r in self._rate_limits],
            "videos": {v.id: {"open_id": v.open_id, "size": v.size, "sha256": v.sha256, "mode": v.mode,
                              "width": v.width, "height": v.height, "used_by": v.used_by} for v in self._videos.values()},
            "items": {i.id: {"open_id": i.open_id, "text": i.text, "video_id": i.video_id, "cover_tsp": i.cover_tsp,
                             "deleted": i.deleted, "create_time": i.create_time} for i in self._items.values()},
            "items_live": sum(1 for i in self._items.values() if not i.deleted),
            "uploads": {"simple": self.stats["upload_simple"], "part": self.stats["upload_part"],
                        "parts": self.stats["parts"]},
            "refreshes": self.stats["refreshes"],
            "renewals": self.stats["renewals"],
            "creates": self.stats["creates"],
            "deletes": self.stats["deletes"],
            "refused": self.stats["refused"],
            "video_id_reused": self.stats["video_id_reused"],
            "duplicate_creates": [{"open_id": o, "text": t, "count": n} for (o, t), n in by_text.items() if n > 1],
            "tokens": {t.value: {"open_id": t.open_id, "state": t.state} for t in self._tokens.values()},
        }

    # -- control API ----------------------------------------------------------------------

    def _control(self, method: str, action: str, payload: JSONDict) -> JSONDict:
        if method != "POST":
            raise ControlError(f"unknown control action {method} {action}", 404)
        if action == "accounts":
            open_id = require_str(payload, "open_id")
            access = str(payload.get("access_token") or f"act.{open_id}")
            refresh = str(payload.get("refresh_token") or f"rft.{open_id}")
            self._tokens[access] = _Token(access, open_id)
            self._refresh[refresh] = _Refresh(refresh, open_id, payload.get("client_key") or None)
            return {"open_id": open_id, "access_token": access, "refresh_token": refresh}
        if action in ("expire_token", "revoke_token"):
            state: Literal["expired", "revoked"] = "expired" if action == "expire_token" else "revoked"
            changed = 0
            open_id, token = payload.get("open_id"), payload.get("access_token")
            if not open_id and not token:
                raise ControlError("open_id or access_token is required")
            if token and token not in self._tokens:
                self._token_for(token)
            if open_id and f"act.{open_id}" not in self._tokens:
                self._token_for(f"act.{open_id}")
            for t in self._tokens.values():
                if t.state == "valid" and (t.value == token or (open_id and t.open_id == open_id)):
                    t.state = state
                    changed += 1
            return {"changed": changed, "state": state}
        if action == "age_refresh_token":
            open_id = require_str(payload, "open_id")
            days = number(payload, "days")
            self._refresh_for(f"rft.{open_id}")
            for r in self._refresh.values():
                if r.open_id == open_id and r.state == "valid":
                    r.created = self.now() - days * 86400
            return {"open_id": open_id, "days": days}
        if action == "expire_refresh_token":
            open_id = require_str(payload, "open_id")
            self._refresh_for(f"rft.{open_id}")
            changed = 0
            for r in self._refresh.values():
                if r.open_id == open_id and r.state == "valid":
                    r.state = "expired"
                    changed += 1
            return {"changed": changed}
        if action == "rate_limit":
            code = int(number(payload, "error_code", 2190001))
            if code not in RATE_LIMIT_CODES:
                raise ControlError(f"error_code must be one of {RATE_LIMIT_CODES}")
            calls = int(number(payload, "calls", 1))
            if calls < 0:
                raise ControlError("calls must not be negative")
            limit = _RateLimit(payload.get("open_id") or None, payload.get("path") or None, calls, code)
            self._rate_limits = [r for r in self._rate_limits if (r.open_id, r.path) != (limit.open_id, limit.path)]
            if calls:
                self._rate_limits.append(limit)
            return {"rate_limits": [r.as_dict() for r in self._rate_limits]}
        if action == "refuse":
            words = payload.get("words")
            if words is not None:
                if not isinstance(words, list) or not all(isinstance(w, str) and w for w in words):
                    raise ControlError("words must be a list of non-empty strings")
                self.refused_words = list(words)
            if payload.get("next") is not None:
                self.refuse_next = int(number(payload, "next"))
                if self.refuse_next < 0:
                    raise ControlError("next must not be negative")
            return {"refused_words": self.refused_words, "refuse_next": self.refuse_next}
        if action == "hide_new_items":
            self.hide_new_items = bool(payload.get("on", True))
            if not self.hide_new_items:
                for item in self._items.values():
                    item.hidden = False
            return {"hide_new_items": self.hide_new_items}
        if action == "limits":
            self.limits.update(payload)
            return {"limits": self.limits.as_dict()}
        if action == "post":
            open_id = require_str(payload, "open_id")
            item = self._new_item(open_id, require_str(payload, "text"), "", None)
            return {"item_id": item.id}
        raise ControlError(f"unknown control action {action!r}", 404)

    # -- helpers --------------------------------------------------------------------------

    def _token_for(self, value: str) -> _Token | None:
        token = self._tokens.get(value)
        if token is None and value.startswith("act.") and len(value) > 4 and value.count(".") == 1:
            token = self._tokens[value] = _Token(value, value[4:])
        return token

    def _refresh_for(self, value: str) -> _Refresh | None:
        refresh = self._refresh.get(value)
        if refresh is None and value.startswith("rft.") and len(value) > 4 and value.count(".") == 1:
            refresh = self._refresh[value] = _Refresh(value, value[4:], None)
        return refresh

    def _authorise(self, request: Request) -> str:
        """The open_id a request acts for, after the token, rate-limit and quota checks."""
        open_id = request.query.get("open_id", "")
        value = request.headers.get("access-token") or request.query.get("access_token", "")
        if not open_id or not value:
            raise _Refused(2100005, "缺少 open_id 或 access-token")
        token = self._token_for(value)
        if token is None or token.state == "revoked":
            raise _Refused(2190002)
        if token.state == "expired":
            raise _Refused(2190008)
        if token.open_id != open_id:
            raise _Refused(2190015)
        for limit in self._rate_limits:
            if limit.remaining > 0 and limit.open_id in (None, open_id) and limit.path in (None, request.path):
                limit.remaining -= 1
                if limit.remaining <= 0:
                    self._rate_limits.remove(limit)
                raise _Refused(limit.error_code)
        return open_id

    @staticmethod
    def _video_part(request: Request) -> bytes:
        if not request.is_multipart():
            raise _Refused(2100005, "请以 multipart/form-data 上传，文件字段为 video")
        upload = request.files().get("video")
        if upload is None or not upload.data:
            raise _Refused(2100005, "缺少文件字段 video")
        return upload.data

    def _new_video(self, open_id: str, data: bytes, mode: str) -> _Video:
        size = mp4_size(data)
        if size is None:
            raise _Refused(2100005, "不是可识别的视频文件（仅支持 mp4）")
        video = _Video(f"v0200f{secrets.token_hex(13)}", open_id, len(data), hashlib.sha256(data).hexdigest(), mode, *size)
        self._videos[video.id] = video
        self.stats[f"upload_{mode}"] += 1
        return video

    @staticmethod
    def _video_answer(video: _Video) -> Response:
        return answer({"video": {"video_id": video.id, "width": video.width, "height": video.height}})

    def _new_item(self, open_id: str, text: str, video_id: str, cover_tsp: float | None) -> _Item:
        item = _Item(f"@9VwKzuuES8gmaXS7ZohqSc{next(self._seq):06d}{secrets.token_hex(6)}", open_id, text, video_id,
                     cover_tsp, int(self.now()), hidden=self.hide_new_items)
        self._items[item.id] = item
        return item

    def _body(self, request: Request) -> JSONDict:
        try:
            body = request.json()
        except (ValueError, UnicodeDecodeError) as exc:
            raise _Refused(2100005, "请求体须为 JSON") from exc
        if not isinstance(body, dict):
            raise _Refused(2100005, "请求体须为 JSON 对象")
        return body

    def share_url(self, item: _Item) -> str:
        return f"{self.public_url}/share/video/{item.id}/"

    # -- the API --------------------------------------------------------------------------

    def _api_refresh(self, request: Request) -> Response:
        form = request.fields()
        if form.get("grant_type") != "refresh_token" or not form.get("client_key") or not form.get("refresh_token"):
            return oauth_error(10005)
        refresh = self._refresh_for(form["refresh_token"])
        if refresh is not None and self.now() - refresh.created >= REFRESH_SECONDS:
            refresh.state = "expired"
        if refresh is None or refresh.state == "expired":
            return oauth_error(10010)
        if refresh.client_key and refresh.client_key != form["client_key"]:
            return oauth_error(10013)
        self.stats["refreshes"] += 1
        # "若 access_token 未过期，refresh_token 不会改变原来的 access_token，但超时时间会更新"
        current = [t for t in self._tokens.values() if t.open_id == refresh.open_id and t.state == "valid"]
        if current:
            value = current[-1].value
        else:
            value = f"act.{refresh.open_id}.{self.stats['refreshes']}{secrets.token_hex(4)}"
            self._tokens[value] = _Token(value, refresh.open_id)
        return Response.json({"data": {"access_token": value, "description": "", "error_code": 0,
                                       "expires_in": ACCESS_SECONDS, "open_id": refresh.open_id,
                                       "refresh_expires_in": int(REFRESH_SECONDS - (self.now() - refresh.created)),
                                       "refresh_token": refresh.value,
                                       "scope": "video.create,video.delete,video.list"}, "message": "success"})

    def _api_renew(self, request: Request) -> Response:
        form = request.fields()
        if not form.get("client_key") or not form.get("refresh_token"):
            return oauth_error(10005)
        old = self._refresh_for(form["refresh_token"])
        if old is None or old.state == "expired":
            return oauth_error(10010)
        if old.renewals >= RENEW_MAX:
            return oauth_error(10020)
        old.state = "expired"  # "调用后旧 refresh_token 会失效"
        self.stats["renewals"] += 1
        value = f"rft.{old.open_id}.{self.stats['renewals']}{secrets.token_hex(4)}"
        self._refresh[value] = _Refresh(value, old.open_id, old.client_key, renewals=old.renewals + 1,
                                        created=self.now())
        return Response.json({"data": {"description": "", "error_code": 0, "expires_in": REFRESH_SECONDS,
                                       "refresh_token": value}, "message": "success"})

    def _api_upload(self, request: Request) -> Response:
        open_id = self._authorise(request)
        data = self._video_part(request)
        if len(data) > self.limits.simple_max_bytes:
            raise _Refused(2190005, "视频文件太大了：超过 128M 的视频须分片上传")
        return self._video_answer(self._new_video(open_id, data, "simple"))

    def _api_part_init(self, request: Request) -> Response:
        open_id = self._authorise(request)
        upload = _Upload(f"@8hxdhauTCMppanGnM4ltGM780mDqPP+KPpR0qQOmLVAXb/T060zdRm{secrets.token_hex(8)}",
                         open_id, self.now())
        self._uploads[upload.id] = upload
        return answer({"upload_id": upload.id})

    def _upload_of(self, request: Request, open_id: str) -> _Upload:
        upload = self._uploads.get(request.query.get("upload_id", ""))
        if upload is None or upload.open_id != open_id or self.now() - upload.created > 2 * 3600:
            raise _Refused(2100005, "upload_id 无效或已过期（有效期 2 小时）")
        return upload

    def _api_part_upload(self, request: Request) -> Response:
        open_id = self._authorise(request)
        upload = self._upload_of(request, open_id)
        raw = request.query.get("part_number", "")
        if not raw.isdigit() or int(raw) < 1:
            raise _Refused(2100005, "part_number 须为从 1 开始的整数")
        if upload.completed:
            raise _Refused(2100005, "该 upload_id 已完成上传")
        upload.parts[int(raw)] = self._video_part(request)
        self.stats["parts"] += 1
        return answer({})

    def _api_part_complete(self, request: Request) -> Response:
        open_id = self._authorise(request)
        upload = self._upload_of(request, open_id)
        if upload.completed:
            return self._video_answer(self._videos[upload.completed])
        numbers = sorted(upload.parts)
        if not numbers or numbers != list(range(1, len(numbers) + 1)):
            raise _Refused(2100005, f"分片不连续：已收到 {numbers}")
        if any(len(upload.parts[n]) < self.limits.min_part_bytes for n in numbers[:-1]):
            raise _Refused(2100005, f"分片过小：除最后一片外每片至少 {self.limits.min_part_bytes} 字节")
        data = b"".join(upload.parts[n] for n in numbers)
        if len(data) > self.limits.total_max_bytes:
            raise _Refused(2190005)
        video = self._new_video(open_id, data, "part")
        upload.completed = video.id
        upload.parts.clear()
        return self._video_answer(video)

    def _api_create(self, request: Request) -> Response:
        open_id = self._authorise(request)
        body = self._body(request)
        video_id = body.get("video_id")
        if not isinstance(video_id, str) or not video_id:
            raise _Refused(2100005, "缺少 video_id")
        text = body.get("text", "")
        cover = body.get("cover_tsp")
        if not isinstance(text, str) or (cover is not None and (not isinstance(cover, (int, float)) or cover < 0)):
            raise _Refused(2100005)
        video = self._videos.get(video_id)
        if video is None or video.open_id != open_id:
            raise _Refused(2190007)
        if video.used_by:
            self.stats["video_id_reused"] += 1
            raise _Refused(2190007, "无效的视频文件 ID：每次创建视频都要重新上传生成新的 video_id")
        if self.refuse_next > 0 or any(word in text for word in self.refused_words):
            self.refuse_next = max(0, self.refuse_next - 1)
            self.stats["refused"] += 1
            raise _Refused(2111001)
        item = self._new_item(open_id, text, video_id, float(cover) if cover is not None else None)
        video.used_by = item.id
        self.stats["creates"] += 1
        return answer({"item_id": item.id})

    def _api_delete(self, request: Request) -> Response:
        open_id = self._authorise(request)
        item_id = self._body(request).get("item_id")
        item = self._items.get(item_id) if isinstance(item_id, str) else None
        if item is None or item.open_id != open_id or item.deleted:
            raise _Refused(2100005, "item_id 不存在或已删除")
        item.deleted = True
        self.stats["deletes"] += 1
        return answer({})

    def _api_list(self, request: Request) -> Response:
        open_id = self._authorise(request)
        raw_cursor, raw_count = request.query.get("cursor", "0"), request.query.get("count", "")
        if not raw_cursor.isdigit() or not raw_count.isdigit() or not 1 <= int(raw_count) <= LIST_MAX:
            raise _Refused(2100005, f"count 须为 1 至 {LIST_MAX}")
        cursor, count = int(raw_cursor), int(raw_count)
        live = sorted((i for i in self._items.values() if i.open_id == open_id and not i.deleted and not i.hidden),
                      key=lambda i: (i.create_time, i.id), reverse=True)
        page = live[cursor:cursor + count]
        return answer({
            "cursor": cursor + len(page), "has_more": cursor + len(page) < len(live),
            "list": [{"item_id": i.id, "title": i.text, "create_time": i.create_time, "cover": "", "is_top": False,
                      "is_reviewed": True, "video_status": 1, "share_url": self.share_url(i), "media_type": 4,
                      "statistics": {"comment_count": 0, "digg_count": 0, "download_count": 0, "play_count": 0,
                                     "share_count": 0, "forward_count": 0}} for i in page],
        })


class DouyinControls(Controls):
    """Controls of the fake Douyin open platform (``/__fake__/douyin/...``)."""

    def add_account(self, open_id: str, *, access_token: str | None = None, refresh_token: str | None = None,
                    client_key: str | None = None) -> JSONDict:
        """Authorise ``open_id`` (tokens default to ``act.<open_id>`` / ``rft.<open_id>``);
        with ``client_key`` its refresh token works only for that app."""
        return self._control("POST", "douyin/accounts", {"open_id": open_id, "access_token": access_token,
                                                          "refresh_token": refresh_token, "client_key": client_key})

    def expire_token(self, open_id: str | None = None, *, access_token: str | None = None) -> int:
        """Expire the access tokens of ``open_id`` (or one token): later calls answer 2190008."""
        return int(self._control("POST", "douyin/expire_token", {"open_id": open_id,
                                                                  "access_token": access_token})["changed"])

    def revoke_token(self, open_id: str | None = None, *, access_token: str | None = None) -> int:
        """Revoke (the owner withdrew the authorisation): later calls answer 2190002."""
        return int(self._control("POST", "douyin/revoke_token", {"open_id": open_id,
                                                                  "access_token": access_token})["changed"])

    def expire_refresh_token(self, open_id: str) -> int:
        """The refresh tokens of ``open_id`` run out (30 days): refreshing answers 10010."""
        return int(self._control("POST", "douyin/expire_refresh_token", {"open_id": open_id})["changed"])

    def age_refresh_token(self, open_id: str, days: float) -> None:
        """Make the refresh tokens of ``open_id`` ``days`` old (they die at 30; a refresh
        answers the time left as ``refresh_expires_in``)."""
        self._control("POST", "douyin/age_refresh_token", {"open_id": open_id, "days": days})

    def rate_limit(self, open_id: str | None = None, calls: int = 1, *, error_code: int = 2190001,
                   path: str | None = None) -> None:
        """Answer the next ``calls`` calls (of ``open_id``, on ``path``) with 2190001 quota已用完
        or 2100004 系统繁忙."""
        self._control("POST", "douyin/rate_limit", {"open_id": open_id, "calls": calls, "error_code": error_code,
                                                     "path": path})

    def refuse_content(self, *, words: list[str] | None = None, next_creates: int | None = None) -> None:
        """Review refuses (2111001 命中敏感词) captions containing one of ``words``, and/or the
        next ``next_creates`` video/create calls."""
        self._control("POST", "douyin/refuse", {"words": words, "next": next_creates})

    def hide_new_items(self, on: bool = True) -> None:
        """While on, newly created items are not in /video/list/ (a platform that lists an item
        only after a while); switching off lists them all."""
        self._control("POST", "douyin/hide_new_items", {"on": on})

    def set_limits(self, **limits: int) -> None:
        """Change sizes (see :class:`DouyinLimits`), e.g. ``min_part_bytes=256 * 1024``."""
        self._control("POST", "douyin/limits", dict(limits))

    def post(self, open_id: str, text: str) -> str:
        """A video published on the account by someone else (nobody recorded it)."""
        return str(self._control("POST", "douyin/post", {"open_id": open_id, "text": text})["item_id"])

    def items(self, open_id: str | None = None, *, live: bool = True) -> list[JSONDict]:
        """The account's items (live ones, or all)."""
        return [dict(item, item_id=key) for key, item in self.state()["items"].items()
                if (open_id is None or item["open_id"] == open_id) and (not live or not item["deleted"])]


class DouyinFakeServer(FakeServer, DouyinControls):
    """A running fake Douyin open platform."""

    engine: DouyinFake


class RemoteDouyinFake(RemoteFake, DouyinControls):
    """A fake Douyin running in another process (``--serve douyin:PORT``)."""


def connect(url: str) -> RemoteDouyinFake:
    return RemoteDouyinFake(url)


def start(host: str = "127.0.0.1", port: int = 0, latency: float = 0.0, publish_delay: float = 0.2) -> DouyinFakeServer:
    """Start the fake in a background thread (``publish_delay`` is unused: a created video is
    listed at once)."""
    return DouyinFakeServer(DouyinFake(latency=latency), host, port).start()


__all__ = [
    "DouyinControls",
    "DouyinFake",
    "DouyinFakeServer",
    "DouyinLimits",
    "RemoteDouyinFake",
    "connect",
    "mp4_size",
    "start",
]
