"""A fake WeChat Official Account (公众号) API: access tokens, images, drafts, free publishing.

Paths, parameters, answers and error codes follow the developer documentation at
developers.weixin.qq.com (service/subscription account API reference, the "全局返回码"
table, and the 发布能力 / 草稿箱 / 素材管理 pages). Where the documentation is silent the
choice is marked "(fake's choice)" below and listed in the README.

Accounts ("apps") exist on the fly: an appid nobody registered accepts the secret
``"secret-" + appid``. Register another secret with the control API
(``POST /__fake__/wechat/apps {"appid", "secret"}``).

Errors are answered the WeChat way: HTTP 200 with ``{"errcode": N, "errmsg": "… rid: …"}``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import html
import itertools
import re
import secrets
import threading
import time
import urllib.request
from collections import Counter, deque
from dataclasses import dataclass, field, fields
from typing import Any, Callable, Literal
from urllib.parse import quote

from .core import ControlError, FakeEngine, JSONDict, Limits, Request, Response, new_rid, number, require_str
from .forms import IMAGE_CONTENT_TYPES, UploadedFile, sniff_image

# errmsg texts as the API sends them (global return codes and the per-API error tables).
WECHAT_ERRMSG: dict[int, str] = {
    -1: "system error",
    40001: "invalid credential, access_token is invalid or not latest",
    40002: "invalid grant_type",
    40004: "invalid media type",
    40005: "invalid file type",
    40007: "invalid media_id",
    40009: "invalid image size",
    40012: "invalid thumb size",
    40035: "invalid args",
    40060: "invalid article_idx",
    40125: "invalid appsecret",
    40227: "title is empty",
    41001: "access_token missing",
    41002: "appid missing",
    41004: "appsecret missing",
    41005: "media data missing",
    41006: "media_id missing",
    42001: "access_token expired",
    43001: "require GET method",
    43002: "require POST method",
    44002: "empty post data",
    44003: "empty news data",
    44004: "empty content",
    45002: "content size out of limit",
    45003: "title size out of limit",
    45004: "description size out of limit",
    45005: "url size out of limit",
    45008: "article size out of limit",
    45009: "reach max api daily quota limit",
    45011: "api minute-quota reach limit, must slower, retry next minute",
    45110: "author size out of limit",
    45166: "invalid content",
    47001: "data format error",
    53503: "draft did not pass the publish check",  # freepublish/submit: 该草稿未通过发布检查
    # 图文消息留言管理 (comment/list): 88000 is on the comments page ("without comment
    # privilege", 没有留言权限); 88001 and 88010 are the codes developers report for an unknown
    # msg_data_id and a count out of range (fake's choice: the listComment page lists none).
    88000: "without comment privilege",
    88001: "msg_data is not exists",
    88010: "count range error. cout is > 0 and < 50",
    # 数据统计 (datacube): global return codes 61500 "日期格式错误" and 61501 "日期范围错误".
    61500: "date format error",
    61501: "date range error",
}
RATE_LIMIT_ERRCODES = (45009, 45011)
# Content rejection: at draft/add the API answers 45166 "invalid content"; at
# freepublish/submit 53503 "该草稿未通过发布检查".
REJECT_STAGES: dict[str, int] = {"draft": 45166, "submit": 53503}

# publish_status values of freepublish/get.
PUBLISHING = 1
SUCCESS_STATUSES = frozenset({0, 5, 6})  # the articles went out (5/6: removed afterwards)
FAIL_STATUSES = frozenset({2, 3, 4})
TOKEN_TTL = 7200  # "expires_in": 7200 — getAccessToken / getStableAccessToken
TOKEN_OVERLAP = 300  # after a refresh the old token stays valid for 5 minutes (getAccessToken)

# path -> (HTTP method the API takes, handler method name)
API_ROUTES: dict[str, tuple[str, str]] = {
    "/cgi-bin/token": ("GET", "_api_token"),
    "/cgi-bin/stable_token": ("POST", "_api_stable_token"),
    "/cgi-bin/media/uploadimg": ("POST", "_api_uploadimg"),
    "/cgi-bin/material/add_material": ("POST", "_api_add_material"),
    "/cgi-bin/draft/add": ("POST", "_api_draft_add"),
    "/cgi-bin/draft/get": ("POST", "_api_draft_get"),
    "/cgi-bin/freepublish/submit": ("POST", "_api_freepublish_submit"),
    "/cgi-bin/freepublish/get": ("POST", "_api_freepublish_get"),
    "/cgi-bin/freepublish/delete": ("POST", "_api_freepublish_delete"),
    "/cgi-bin/freepublish/batchget": ("POST", "_api_freepublish_batchget"),
    "/cgi-bin/draft/batchget": ("POST", "_api_draft_batchget"),
    "/cgi-bin/draft/delete": ("POST", "_api_draft_delete"),
    "/cgi-bin/material/batchget_material": ("POST", "_api_batchget_material"),
    "/cgi-bin/material/del_material": ("POST", "_api_del_material"),
    "/cgi-bin/comment/list": ("POST", "_api_comment_list"),
    # 数据统计: 图文分析 and 用户分析 (see the datacube section of WeChatFake)
    "/datacube/getarticlesummary": ("POST", "_api_getarticlesummary"),
    "/datacube/getarticletotal": ("POST", "_api_getarticletotal"),
    "/datacube/getusersummary": ("POST", "_api_getusersummary"),
    "/datacube/getusercumulate": ("POST", "_api_getusercumulate"),
}
# 数据统计: "最大时间跨度" per interface (图文分析数据接口 / 用户分析数据接口 tables): one call
# covers at most this many days, and end_date is at most yesterday.
DATACUBE_SPANS: dict[str, int] = {
    "/datacube/getarticlesummary": 1,
    "/datacube/getarticletotal": 1,
    "/datacube/getusersummary": 7,
    "/datacube/getusercumulate": 7,
}
# getarticletotal: "最多统计发表日后7天数据" — the day of sending and the six after it.
ARTICLE_TOTAL_DAYS = 7
# getarticlesummary counts an article on a day only when 图文页阅读人数 + 原文页阅读人数 +
# 分享人数 + 分享次数 + 收藏次数 >= 3 (the 图文分析 page's note).
SUMMARY_THRESHOLD = 3
ARTICLE_FIELDS = ("int_page_read_user", "int_page_read_count", "ori_page_read_user", "ori_page_read_count",
                  "share_user", "share_count", "add_to_fav_user", "add_to_fav_count")
SHANGHAI = dt.timezone(dt.timedelta(hours=8))
FANS_EPOCH = dt.date(2024, 1, 1)  # the fake's followers grow day by day from here
# comment/list (listComment): "count 获取数目（>=50会被拒绝）" on the Chinese page (the English
# page says "> 50"); the stricter reading is the fake's.
COMMENT_PAGE_MAX = 49
# Errors the control API can inject on the next calls: the quota codes, and -1 "system
# error" (全局返回码: "系统繁忙，此时请开发者稍候再试").
INJECTABLE_ERRCODES = (*RATE_LIMIT_ERRCODES, -1)
# stable_token force_refresh: "强制刷新模式每天限用 20 次且需间隔 30 秒" (getStableAccessToken);
# within 30 s of the last forced refresh the current token comes back unchanged ("否则不会刷新").
FORCE_REFRESH_PER_DAY = 20
FORCE_REFRESH_GAP = 30.0

_IMG_SRC = re.compile(r"""<img\b[^>]*?\bsrc\s*=\s*(["'])(.*?)\1[^>]*>""", re.IGNORECASE | re.DOTALL)
_SCRIPT = re.compile(r"<script\b.*?</script\s*>", re.IGNORECASE | re.DOTALL)


@dataclass
class WeChatLimits(Limits):
    """Field and size limits. Defaults are the documented ones:

    draft/add (api_draft_add): title ≤ 32 characters, author ≤ 16, digest ≤ 128, content
    "必须少于2万字符，小于1M", content_source_url ≤ 1 KB, at most 8 articles;
    media/uploadimg: jpg/png "大小必须在1MB以下"; add_material: image ≤ 10 MB
    (bmp/png/jpeg/jpg/gif), thumb ≤ 64 KB JPG.
    """

    title_chars: int = 32
    author_chars: int = 16
    digest_chars: int = 128
    content_chars: int = 20_000  # exclusive: content must be *less than* this
    content_bytes: int = 1 << 20  # exclusive
    source_url_bytes: int = 1024
    articles: int = 8
    uploadimg_bytes: int = 1 << 20  # exclusive
    image_material_bytes: int = 10 << 20
    thumb_material_bytes: int = 64 << 10



@dataclass
class _Token:
    value: str
    appid: str
    kind: Literal["token", "stable"]
    expires_at: float
    replaced_until: float | None = None  # set when a newer token replaced this one
    expired: bool = False  # expired through the control API → 42001


@dataclass
class _Blob:
    content_type: str
    data: bytes


@dataclass
class _Draft:
    media_id: str
    articles: list[JSONDict]
    created_at: float


@dataclass
class _Publish:
    publish_id: str
    appid: str
    media_id: str
    articles: list[JSONDict]
    submitted_at: float
    done_at: float
    outcome: int
    article_id: str | None
    msg_data_id: str
    deleted: set[int] = field(default_factory=set)
    settled: bool = False
    sent_on: dt.date | None = None  # the (Beijing) day the job was submitted: datacube's ref_date

    def status(self, now: float) -> int:
        if now < self.done_at:
            return PUBLISHING
        if self.outcome == 0 and self.articles and len(self.deleted) >= len(self.articles):
            return 5  # 成功后用户删除所有文章
        return self.outcome


@dataclass
class _Comment:
    """A reader's comment (留言) under one article of a published job."""

    user_comment_id: int
    content: str
    create_time: int
    openid: str | None = None  # "用户如果用非微信身份评论，不返回openid"
    comment_type: int = 0  # 1 = 精选
    reply: JSONDict | None = None  # {"content", "create_time"}: the account's answer

    def as_dict(self) -> JSONDict:
        data: JSONDict = {"user_comment_id": self.user_comment_id, "create_time": self.create_time,
                          "content": self.content, "comment_type": self.comment_type}
        if self.openid:
            data["openid"] = self.openid
        if self.reply:
            data["reply"] = dict(self.reply)
        return data


@dataclass
class _RateLimit:
    appid: str | None
    path: str | None
    remaining: int
    errcode: int

    def as_dict(self) -> JSONDict:
        return {"appid": self.appid, "path": self.path, "remaining": self.remaining, "errcode": self.errcode}


@dataclass
class _App:
    appid: str
    secret: str
    token_ttl: int = TOKEN_TTL
    calls: Counter[str] = field(default_factory=Counter)
    tokens_issued: int = 0
    normal_tokens: list[str] = field(default_factory=list)
    stable_token: str | None = None
    images_uploaded: int = 0
    materials: dict[str, str] = field(default_factory=dict)  # media_id -> "image" | "thumb"
    material_names: dict[str, str] = field(default_factory=dict)  # media_id -> uploaded file name
    materials_deleted: int = 0
    drafts_deleted: int = 0
    forced_refreshes: int = 0
    forced_at: list[float] = field(default_factory=list)
    refused_tokens: set[str] = field(default_factory=set)  # tokens answered 40001 (control)
    drafts: dict[str, _Draft] = field(default_factory=dict)  # the draft box
    drafts_created: int = 0
    filtered_images: int = 0
    publishes: dict[str, _Publish] = field(default_factory=dict)
    articles: dict[str, str] = field(default_factory=dict)  # article_id -> publish_id
    successes_by_title: Counter[str] = field(default_factory=Counter)
    deletes: int = 0
    reject_stage: str | None = None  # "draft" | "submit" | None
    reject_words: list[str] = field(default_factory=list)
    rejected_drafts: int = 0
    outcomes: deque[int] = field(default_factory=deque)
    default_outcome: int = 0
    callback_url: str | None = None
    callback_token: str | None = None
    callbacks: Counter[str] = field(default_factory=Counter)
    # comments under published articles: (msg_data_id, index from 0) -> comments, oldest first
    comments: dict[tuple[str, int], list[_Comment]] = field(default_factory=dict)
    comment_privilege: bool = True  # False: comment/list answers 88000
    comment_errors: deque[int] = field(default_factory=deque)  # errcodes for the next comment/list calls
    # 数据统计 figures set through the control API: (msg_data_id, idx from 1) -> day -> daily
    # figures (ARTICLE_FIELDS); day -> {"new_user", "cancel_user", "cumulate_user"}
    article_stats: dict[tuple[str, int], dict[dt.date, dict[str, int]]] = field(default_factory=dict)
    fans: dict[dt.date, dict[str, int]] = field(default_factory=dict)

    def state(self, now: float) -> JSONDict:
        publishes = {
            pid: {
                "status": job.status(now),
                "outcome": job.outcome,
                "article_id": job.article_id,
                "media_id": job.media_id,
                "titles": [a.get("title", "") for a in job.articles],
                "deleted_idx": sorted(job.deleted),
            }
            for pid, job in self.publishes.items()
        }
        return {
            "secret": self.secret,
            "calls": dict(self.calls),
            "tokens_issued": self.tokens_issued,
            "images_uploaded": self.images_uploaded,
            "materials": len(self.materials),
            "materials_deleted": self.materials_deleted,
            "drafts_deleted": self.drafts_deleted,
            "forced_refreshes": self.forced_refreshes,
            "drafts_created": self.drafts_created,
            "drafts_in_box": len(self.drafts),
            "filtered_images": self.filtered_images,
            "rejected_drafts": self.rejected_drafts,
            "publishes": publishes,
            "publish_jobs": len(self.publishes),
            "successful_publishes": sum(self.successes_by_title.values()),
            "successful_publishes_by_title": dict(self.successes_by_title),
            "deletes": self.deletes,
            "reject_content": (
                {"stage": self.reject_stage, "errcode": REJECT_STAGES[self.reject_stage],
                 "words": list(self.reject_words)}
                if self.reject_stage else None
            ),
            "pending_outcomes": list(self.outcomes),
            "default_outcome": self.default_outcome,
            "callback_url": self.callback_url,
            "callbacks": dict(self.callbacks),
            "comments": {f"{msg}:{index}": len(items) for (msg, index), items in self.comments.items()},
            "comment_privilege": self.comment_privilege,
        }


def wechat_error(code: int, hint: str = "") -> Response:
    """``{"errcode", "errmsg"}`` with HTTP 200, errmsg suffixed like the real API's."""
    message = WECHAT_ERRMSG.get(code, "error")
    if hint:
        message += f" hint: [{hint}]"
    return Response.json({"errcode": code, "errmsg": f"{message} rid: {new_rid()}"})


def _page(data: dict) -> tuple[int | None, int]:
    """offset and count (1–20) of a documented batchget body; (None, 0) when out of range."""
    offset, count = _as_int(data.get("offset"), 0), _as_int(data.get("count"), 20)
    if offset is None or count is None or offset < 0 or not 1 <= count <= 20:
        return None, 0
    return offset, count


def _as_int(value: Any, default: int = 0) -> int | None:
    if value is None:
        return default
    if isinstance(value, bool):
        return int(value)
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class WeChatFake(FakeEngine):
    """State and behaviour of the fake WeChat Official Account API (see the module docstring)."""

    kind = "wechat"

    def __init__(self, *, latency: float = 0.0, publish_delay: float = 0.2) -> None:
        super().__init__(latency=latency)
        self._initial_publish_delay = publish_delay
        self.publish_delay = publish_delay
        self.limits = WeChatLimits()
        self._apps: dict[str, _App] = {}
        self._tokens: dict[str, _Token] = {}
        self._blobs: dict[str, _Blob] = {}
        self._rate_limits: list[_RateLimit] = []
        self._pending: list[_Publish] = []
        self._publish_seq = itertools.count(2247483649)
        self._timers: set[threading.Timer] = set()
        self.today_override: dt.date | None = None  # 数据统计's "today" (control datacube_today)
        # Tests may swap the clock (``engine.clock = lambda: …``) to check expiry.
        self.clock: Callable[[], float] = time.monotonic

    # -- engine hooks -------------------------------------------------------------------

    def is_api_path(self, path: str) -> bool:
        return path.startswith(("/cgi-bin/", "/datacube/"))

    def account_for(self, request: Request) -> str | None:
        token = request.query.get("access_token")
        with self.lock:
            if token and token in self._tokens:
                return self._tokens[token].appid
        if request.path == "/cgi-bin/token":
            return request.query.get("appid") or None
        if request.path == "/cgi-bin/stable_token":
            try:
                body = request.json()
            except ValueError:
                return None
            if isinstance(body, dict) and body.get("appid"):
                return str(body["appid"])
        return None

    def handle(self, request: Request) -> Response:
        path = request.path
        if path in API_ROUTES:
            method, name = API_ROUTES[path]
            if request.method != method:
                return wechat_error(43001 if method == "GET" else 43002)
            handler: Callable[[Request], Response] = getattr(self, name)
            with self.lock:
                self._settle(self.clock())
                return handler(request)
        if request.method == "GET" and path.startswith("/mmbiz"):
            return self._serve_blob(path)
        if request.method == "GET" and path == "/s":
            return self._serve_article(request)
        if path.startswith(("/cgi-bin/", "/datacube/")):
            return Response.json({"errcode": -1, "errmsg": f"system error hint: [no such api {path}]"}, 404)
        return Response.text("not found", 404)

    def _reset_state(self) -> None:
        for timer in list(self._timers):
            timer.cancel()
        self._timers.clear()
        self._apps.clear()
        self._tokens.clear()
        self._blobs.clear()
        self._rate_limits.clear()
        self._pending.clear()
        self.limits = WeChatLimits()
        self.publish_delay = self._initial_publish_delay
        self.today_override = None

    def _state(self) -> JSONDict:
        now = self.clock()
        self._settle(now)
        apps = {appid: app.state(now) for appid, app in self._apps.items()}
        duplicates = [
            {"appid": appid, "title": title, "count": count}
            for appid, app in self._apps.items()
            for title, count in app.successes_by_title.items()
            if count > 1
        ]
        return {
            "publish_delay": self.publish_delay,
            "datacube_today": self.today().isoformat(),
            "limits": self.limits.as_dict(),
            "rate_limits": [r.as_dict() for r in self._rate_limits],
            "apps": apps,
            "totals": {
                "apps": len(apps),
                "tokens_issued": sum(a.tokens_issued for a in self._apps.values()),
                "images_uploaded": sum(a.images_uploaded for a in self._apps.values()),
                "materials": sum(len(a.materials) for a in self._apps.values()),
                "drafts_created": sum(a.drafts_created for a in self._apps.values()),
                "publish_jobs": sum(len(a.publishes) for a in self._apps.values()),
                "publishing": sum(
                    1 for a in self._apps.values() for j in a.publishes.values() if j.status(now) == PUBLISHING
                ),
                "successful_publishes": sum(sum(a.successes_by_title.values()) for a in self._apps.values()),
                "deletes": sum(a.deletes for a in self._apps.values()),
            },
            "duplicate_publishes": duplicates,
        }

    # -- control API --------------------------------------------------------------------

    def _control(self, method: str, action: str, payload: JSONDict) -> JSONDict:
        if method != "POST":
            raise ControlError(f"unknown control action {method} {action}", 404)
        if action == "apps":
            appid = require_str(payload, "appid")
            secret = require_str(payload, "secret")
            app = self._app(appid)
            app.secret = secret
            if "token_ttl" in payload:
                app.token_ttl = int(number(payload, "token_ttl"))
            return {"appid": appid, "secret": secret, "token_ttl": app.token_ttl}
        if action == "expire_tokens":
            appid = require_str(payload, "appid")
            return {"appid": appid, "expired": self.expire_tokens(appid)}
        if action == "rate_limit":
            errcode = int(number(payload, "errcode", 45009))
            if errcode not in INJECTABLE_ERRCODES:
                raise ControlError(f"errcode must be one of {INJECTABLE_ERRCODES}")
            calls = int(number(payload, "calls", 1))
            if calls < 0:
                raise ControlError("calls must not be negative")
            limit = _RateLimit(payload.get("appid") or None, payload.get("path") or None, calls, errcode)
            self._rate_limits = [r for r in self._rate_limits if (r.appid, r.path) != (limit.appid, limit.path)]
            if calls:
                self._rate_limits.append(limit)
            return {"rate_limits": [r.as_dict() for r in self._rate_limits]}
        if action == "clear_rate_limits":
            self._rate_limits.clear()
            return {"rate_limits": []}
        if action == "refuse_stable_token":
            app = self._app(require_str(payload, "appid"))
            if app.stable_token:
                app.refused_tokens.add(app.stable_token)
            return {"appid": app.appid, "refused": len(app.refused_tokens)}
        if action == "reject_content":
            app = self._app(require_str(payload, "appid"))
            if payload.get("on", True):
                stage = str(payload.get("stage") or "draft")
                if stage not in REJECT_STAGES:
                    raise ControlError(f"stage must be one of {', '.join(REJECT_STAGES)}")
                words = payload.get("words") or []
                if not isinstance(words, list) or not all(isinstance(w, str) and w for w in words):
                    raise ControlError("words must be a list of non-empty strings")
                app.reject_stage, app.reject_words = stage, list(words)
            else:
                app.reject_stage, app.reject_words = None, []
            return {"appid": app.appid, "reject_content": app.state(self.clock())["reject_content"]}
        if action == "publish_outcome":
            app = self._app(require_str(payload, "appid"))
            status = int(number(payload, "status"))
            if status not in SUCCESS_STATUSES | FAIL_STATUSES:
                raise ControlError("status must be 0, 2, 3, 4, 5 or 6 (1 is 'publishing', set by the delay)")
            if payload.get("count") is None:
                app.default_outcome = status
                app.outcomes.clear()
            else:
                app.outcomes.extend([status] * int(number(payload, "count")))
            return {"appid": app.appid, "default_outcome": app.default_outcome, "pending_outcomes": list(app.outcomes)}
        if action == "publish_delay":
            seconds = number(payload, "seconds")
            if seconds < 0:
                raise ControlError("seconds must not be negative")
            self.publish_delay = seconds
            return {"publish_delay": seconds}
        if action == "callback":
            app = self._app(require_str(payload, "appid"))
            url = payload.get("url") or None
            if url is not None and not str(url).startswith(("http://", "https://")):
                raise ControlError("url must be an http(s) URL")
            app.callback_url = url
            app.callback_token = payload.get("token") or None
            return {"appid": app.appid, "callback_url": app.callback_url}
        if action == "limits":
            self.limits.update(payload)
            return {"limits": self.limits.as_dict()}
        if action == "comments":
            return self._control_comments(payload)
        if action == "comment_privilege":
            app = self._app(require_str(payload, "appid"))
            app.comment_privilege = bool(payload.get("on", True))
            return {"appid": app.appid, "comment_privilege": app.comment_privilege}
        if action in ("articles", "article_stats", "fans", "datacube_today"):
            return self._control_datacube(action, payload)
        if action == "comment_error":
            app = self._app(require_str(payload, "appid"))
            errcode = int(number(payload, "errcode"))
            calls = int(number(payload, "calls", 1))
            if errcode == 0 or calls < 0:
                raise ControlError("errcode must be a non-zero WeChat errcode and calls not negative")
            app.comment_errors.extend([errcode] * calls)
            return {"appid": app.appid, "comment_errors": list(app.comment_errors)}
        raise ControlError(f"unknown control action {action!r}", 404)

    def _control_comments(self, payload: JSONDict) -> JSONDict:
        """Readers comment under a published article: ``{"appid", "msg_data_id" (or
        "publish_id"), "index" (from 0), "comments": ["text" | {"content", "openid",
        "create_time", "comment_type", "reply"}]}`` → the new user_comment_ids."""
        app = self._app(require_str(payload, "appid"))
        msg_data_id = str(payload.get("msg_data_id") or "")
        if not msg_data_id and payload.get("publish_id"):
            job = app.publishes.get(str(payload["publish_id"]))
            msg_data_id = job.msg_data_id if job else ""
        job = next((j for j in app.publishes.values() if j.msg_data_id == msg_data_id), None)
        if job is None:
            raise ControlError("no published job of this app has that msg_data_id/publish_id", 404)
        index = int(number(payload, "index", 0))
        if not 0 <= index < len(job.articles):
            raise ControlError("index must name one of the job's articles (from 0)")
        given = payload.get("comments")
        if not isinstance(given, list) or not given:
            raise ControlError("comments must be a non-empty list")
        thread = app.comments.setdefault((msg_data_id, index), [])
        ids = []
        for entry in given:
            entry = {"content": entry} if isinstance(entry, str) else entry
            if not isinstance(entry, dict) or not str(entry.get("content") or "").strip():
                raise ControlError("each comment needs a non-empty content")
            comment = _Comment(
                user_comment_id=(thread[-1].user_comment_id + 1) if thread else 1,
                content=str(entry["content"]),
                create_time=int(entry.get("create_time") or time.time()),
                openid=(None if entry.get("openid") is False  # commented without a WeChat identity
                        else str(entry.get("openid") or "o" + secrets.token_urlsafe(21)[:27])),
                comment_type=1 if entry.get("comment_type") else 0,
                reply=entry.get("reply") if isinstance(entry.get("reply"), dict) else None,
            )
            thread.append(comment)
            ids.append(comment.user_comment_id)
        return {"appid": app.appid, "msg_data_id": msg_data_id, "index": index, "user_comment_ids": ids,
                "total": len(thread)}

    def close(self) -> None:
        """Cancel pending publish callbacks, then stop waits."""
        with self.lock:
            for timer in list(self._timers):
                timer.cancel()
            self._timers.clear()
        super().close()

    def expire_tokens(self, appid: str) -> int:
        """Expire every token of ``appid``: later calls with them answer 42001."""
        with self.lock:
            count = 0
            for token in self._tokens.values():
                if token.appid == appid and not token.expired:
                    token.expired = True
                    count += 1
            app = self._apps.get(appid)
            if app is not None:
                app.normal_tokens.clear()
                app.stable_token = None
            return count

    # -- helpers --------------------------------------------------------------------------

    def _app(self, appid: str) -> _App:
        app = self._apps.get(appid)
        if app is None:
            app = self._apps[appid] = _App(appid=appid, secret="secret-" + appid)
        return app

    def _take_rate_limit(self, appid: str, path: str) -> int | None:
        for limit in self._rate_limits:
            if (limit.appid in (None, appid)) and (limit.path in (None, path)) and limit.remaining > 0:
                limit.remaining -= 1
                if limit.remaining <= 0:
                    self._rate_limits.remove(limit)
                return limit.errcode
        return None

    def _issue(self, app: _App, kind: Literal["token", "stable"]) -> _Token:
        now = self.clock()
        token = _Token(
            value=f"{next_token_prefix()}_{secrets.token_urlsafe(72)}",
            appid=app.appid,
            kind=kind,
            expires_at=now + app.token_ttl,
        )
        self._tokens[token.value] = token
        app.tokens_issued += 1
        return token

    def _authorise(self, request: Request) -> tuple[_App, None] | tuple[None, Response]:
        """Check ``access_token`` (41001/40001/42001), count the call, apply rate limits."""
        value = request.query.get("access_token")
        if not value:
            return None, wechat_error(41001)
        token = self._tokens.get(value)
        if token is None:
            return None, wechat_error(40001)
        now = self.clock()
        if token.replaced_until is not None and now >= token.replaced_until:
            return None, wechat_error(40001)
        if token.expired or now >= token.expires_at:
            return None, wechat_error(42001)
        app = self._app(token.appid)
        if value in app.refused_tokens:
            return None, wechat_error(40001)
        app.calls[request.path] += 1
        errcode = self._take_rate_limit(app.appid, request.path)
        if errcode is not None:
            return None, wechat_error(errcode)
        return app, None

    def _authorised_json(self, request: Request):
        """(app, body, None) for a call with a valid access_token and a JSON body, else
        (None, None, the documented error answer)."""
        app, error = self._authorise(request)
        if app is None:
            return None, None, error
        data, error = self._json_body(request)
        if data is None:
            return None, None, error
        return app, data, None

    def _json_body(self, request: Request) -> tuple[JSONDict, None] | tuple[None, Response]:
        if not request.body.strip():
            return None, wechat_error(44002)
        try:
            data = request.json()
        except ValueError:
            return None, wechat_error(47001)
        if not isinstance(data, dict):
            return None, wechat_error(47001)
        return data, None

    def _store_blob(self, fmt: str, data: bytes) -> tuple[str, str]:
        blob_id = secrets.token_urlsafe(24)
        self._blobs[blob_id] = _Blob(IMAGE_CONTENT_TYPES.get(fmt, "application/octet-stream"), data)
        # Same shape as mmbiz.qpic.cn URLs (…/mmbiz_png/<id>/0), served by this fake.
        return blob_id, f"{self.public_url}/mmbiz_{fmt}/{blob_id}/0"

    def _article_url(self, job: _Publish, idx: int) -> str:
        biz = quote(hashlib.sha1(job.appid.encode()).hexdigest()[:16])
        sn = hashlib.sha1(f"{job.article_id}:{idx}".encode()).hexdigest()[:32]
        # mid is the appmsgid, which is the msg_data_id the comment API takes
        return f"{self.public_url}/s?__biz={biz}&mid={job.msg_data_id}&idx={idx}&sn={sn}"

    # -- asynchronous publishing -------------------------------------------------------------

    def _settle(self, now: float) -> None:
        """Finish the publish jobs whose delay is over (called under the lock)."""
        if not self._pending:
            return
        still: list[_Publish] = []
        for job in self._pending:
            if now < job.done_at:
                still.append(job)
                continue
            job.settled = True
            if job.outcome in FAIL_STATUSES:
                # A failed publication leaves its draft in the draft box (fake's choice).
                app = self._app(job.appid)
                app.drafts[job.media_id] = _Draft(job.media_id, job.articles, job.submitted_at)
        self._pending = still

    def _schedule_callback(self, job: _Publish) -> None:
        delay = max(0.0, job.done_at - self.clock())
        timer = threading.Timer(delay, self._fire_callback, args=(job.appid, job.publish_id))
        timer.daemon = True
        self._timers.add(timer)
        timer.start()

    def _fire_callback(self, appid: str, publish_id: str) -> None:
        """POST the PUBLISHJOBFINISH event to the app's callback URL (the 发布结果的事件推送)."""
        with self.lock:
            self._timers = {t for t in self._timers if t.is_alive() and t is not threading.current_thread()}
            app = self._apps.get(appid)
            job = app.publishes.get(publish_id) if app else None
            if app is None or job is None or not app.callback_url:
                return
            now = self.clock()
            self._settle(now)
            url, token = app.callback_url, app.callback_token
            body = self._publish_event_xml(job, job.status(max(now, job.done_at)))
        if token:
            timestamp, nonce = str(int(time.time())), str(secrets.randbelow(10**9))
            signature = hashlib.sha1("".join(sorted([token, timestamp, nonce])).encode()).hexdigest()
            url += ("&" if "?" in url else "?") + f"signature={signature}&timestamp={timestamp}&nonce={nonce}"
        request = urllib.request.Request(url, data=body, method="POST", headers={"Content-Type": "text/xml"})
        try:
            with urllib.request.urlopen(request, timeout=5) as answer:
                answer.read()
            outcome = "sent"
        except OSError:
            outcome = "failed"
        with self.lock:
            app.callbacks[outcome] += 1

    def _publish_event_xml(self, job: _Publish, status: int) -> bytes:
        """The documented PUBLISHJOBFINISH XML (ToUserName is the account, FromUserName the
        operator's openid — both fake)."""
        parts = [
            "<xml>",
            f"<ToUserName><![CDATA[gh_{hashlib.sha1(job.appid.encode()).hexdigest()[:12]}]]></ToUserName>",
            "<FromUserName><![CDATA[oFakeOperatorOpenId0000000000]]></FromUserName>",
            f"<CreateTime>{int(time.time())}</CreateTime>",
            "<MsgType><![CDATA[event]]></MsgType>",
            "<Event><![CDATA[PUBLISHJOBFINISH]]></Event>",
            "<PublishEventInfo>",
            f"<publish_id>{job.publish_id}</publish_id>",
            f"<publish_status>{status}</publish_status>",
        ]
        if status == 0 and job.article_id:
            parts.append(f"<article_id><![CDATA[{job.article_id}]]></article_id>")
            parts.append(f"<article_detail><count>{len(job.articles)}</count>")
            for idx in range(1, len(job.articles) + 1):
                parts.append(
                    f"<item><idx>{idx}</idx><article_url><![CDATA[{self._article_url(job, idx)}]]></article_url></item>"
                )
            parts.append("</article_detail>")
        elif status in (2, 4):
            parts.append("<fail_idx>" + "".join(f"<idx>{i}</idx>" for i in range(1, len(job.articles) + 1))
                         + "</fail_idx>")
        parts += ["</PublishEventInfo>", "</xml>"]
        return "".join(parts).encode("utf-8")

    # -- API endpoints (all called under the lock) -----------------------------------------

    def _api_token(self, request: Request) -> Response:
        """GET /cgi-bin/token (getAccessToken): grant_type=client_credential, appid, secret."""
        query = request.query
        return self._grant(request, query.get("grant_type"), query.get("appid"), query.get("secret"), False)

    def _api_stable_token(self, request: Request) -> Response:
        """POST /cgi-bin/stable_token (getStableAccessToken): JSON grant_type, appid, secret,
        force_refresh. Normal mode returns the still-valid stable token; force_refresh
        invalidates it and returns a new one."""
        data, error = self._json_body(request)
        if error is not None:
            return error
        assert data is not None
        force = data.get("force_refresh", False)
        force_refresh = force is True or str(force).lower() in ("true", "1")
        return self._grant(request, data.get("grant_type"), data.get("appid"), data.get("secret"), True,
                           force_refresh)

    def _grant(self, request: Request, grant_type: Any, appid: Any, secret: Any, stable: bool,
               force_refresh: bool = False) -> Response:
        if grant_type != "client_credential":
            return wechat_error(40002)
        if not appid:
            return wechat_error(41002)
        if not secret:
            return wechat_error(41004)
        app = self._app(str(appid))
        app.calls[request.path] += 1
        errcode = self._take_rate_limit(app.appid, request.path)
        if errcode is not None:
            return wechat_error(errcode)
        if str(secret) != app.secret:
            return wechat_error(40125)
        now = self.clock()
        if stable:
            current = self._tokens.get(app.stable_token) if app.stable_token else None
            if current is not None and not force_refresh and not current.expired and now < current.expires_at:
                return Response.json({"access_token": current.value, "expires_in": int(current.expires_at - now)})
            if force_refresh:
                app.forced_at = [t for t in app.forced_at if now - t < 86400]
                if len(app.forced_at) >= FORCE_REFRESH_PER_DAY:
                    return wechat_error(45009)
                if current is not None and app.forced_at and now - app.forced_at[-1] < FORCE_REFRESH_GAP:
                    return Response.json({"access_token": current.value, "expires_in": int(current.expires_at - now)})
                app.forced_at.append(now)
                app.forced_refreshes += 1
            if current is not None:
                current.replaced_until = now  # force_refresh: the previous one stops working at once
            token = self._issue(app, "stable")
            app.stable_token = token.value
        else:
            for old in app.normal_tokens:
                old_token = self._tokens[old]
                if old_token.replaced_until is None:
                    old_token.replaced_until = now + TOKEN_OVERLAP
            token = self._issue(app, "token")
            app.normal_tokens = [v for v in app.normal_tokens if now < (self._tokens[v].replaced_until or 0)]
            app.normal_tokens.append(token.value)
        return Response.json({"access_token": token.value, "expires_in": app.token_ttl})

    def _api_uploadimg(self, request: Request) -> Response:
        """POST /cgi-bin/media/uploadimg, multipart ``media``: jpg/png under 1 MB → {"url"}.
        Errors per api_uploadimage: 40005 invalid file type, 40009 invalid image size."""
        app, error = self._authorise(request)
        if app is None:
            return error
        media = request.files().get("media")
        if media is None or not media.data:
            return wechat_error(41005)
        fmt = sniff_image(media.data)
        if fmt not in ("jpeg", "png"):
            return wechat_error(40005)
        if media.size >= self.limits.uploadimg_bytes:
            return wechat_error(40009)
        _, url = self._store_blob(fmt, media.data)
        app.images_uploaded += 1
        return Response.json({"url": url, "errcode": 0, "errmsg": "ok"})

    def _api_add_material(self, request: Request) -> Response:
        """POST /cgi-bin/material/add_material?type=image|thumb, multipart ``media`` →
        {"media_id", "url", "item": []}. Other types answer 40004 (the fake keeps images only)."""
        app, error = self._authorise(request)
        if app is None:
            return error
        media_type = request.query.get("type") or request.fields().get("type", "")
        if media_type not in ("image", "thumb"):
            return wechat_error(40004, "the fake supports type=image and type=thumb")
        media: UploadedFile | None = request.files().get("media")
        if media is None or not media.data:
            return wechat_error(41005)
        fmt = sniff_image(media.data)
        if media_type == "thumb":
            if fmt != "jpeg":
                return wechat_error(40005)
            if media.size > self.limits.thumb_material_bytes:
                return wechat_error(40012)
        else:
            if fmt not in ("jpeg", "png", "gif", "bmp"):
                return wechat_error(40005)
            if media.size > self.limits.image_material_bytes:
                return wechat_error(40009)
        media_id, url = self._store_blob(fmt or "jpeg", media.data)
        app.materials[media_id] = media_type
        app.material_names[media_id] = media.filename
        return Response.json({"media_id": media_id, "url": url, "item": []})

    def _api_draft_add(self, request: Request) -> Response:
        """POST /cgi-bin/draft/add {"articles": [...]} → {"media_id"} (api_draft_add).

        Validation order (fake's choice of order; codes from the global table): 44003 no
        articles, 45008 more than 8, 40227 empty title, 45003 title, 45110 author, 45004
        digest, 44004 empty content, 45002 content size, 45005 content_source_url size,
        40007 thumb_media_id not a permanent image of this account, then the account's
        content-rejection mode (45166 "invalid content"). <script> is removed and <img>
        whose src is not from uploadimg is filtered out, as the documentation says.
        """
        app, data, error = self._authorised_json(request)
        if error is not None:
            return error
        articles = data.get("articles")
        if not isinstance(articles, list) or not articles:
            return wechat_error(44003)
        if len(articles) > self.limits.articles:
            return wechat_error(45008)
        cleaned: list[JSONDict] = []
        filtered = 0
        limits = self.limits
        for index, article in enumerate(articles):
            if not isinstance(article, dict):
                return wechat_error(47001)
            where = f"article {index}"
            article_type = article.get("article_type") or "news"
            if article_type not in ("news", "newspic"):
                return wechat_error(40035, f"{where}: article_type")
            title = str(article.get("title") or "")
            if not title.strip():
                return wechat_error(40227, where)
            if len(title) > limits.title_chars:
                return wechat_error(45003, f"{where}: title longer than {limits.title_chars}")
            author = str(article.get("author") or "")
            if len(author) > limits.author_chars:
                return wechat_error(45110, f"{where}: author longer than {limits.author_chars}")
            digest = str(article.get("digest") or "")
            if len(digest) > limits.digest_chars:
                return wechat_error(45004, f"{where}: digest longer than {limits.digest_chars}")
            content = article.get("content")
            if not isinstance(content, str) or not content.strip():
                return wechat_error(44004, where)
            if len(content) >= limits.content_chars or len(content.encode("utf-8")) >= limits.content_bytes:
                return wechat_error(45002, f"{where}: content must be less than {limits.content_chars} characters")
            source_url = str(article.get("content_source_url") or "")
            if len(source_url.encode("utf-8")) > limits.source_url_bytes:
                return wechat_error(45005, f"{where}: content_source_url")
            thumb = article.get("thumb_media_id")
            if article_type == "news" or thumb:
                if not thumb or str(thumb) not in app.materials:
                    return wechat_error(40007, f"{where}: thumb_media_id")
            flags = {}
            for flag in ("need_open_comment", "only_fans_can_comment"):
                value = _as_int(article.get(flag), 0)
                if value not in (0, 1):
                    return wechat_error(40035, f"{where}: {flag}")
                flags[flag] = value
            content, dropped = self._clean_content(content)
            filtered += dropped
            cleaned.append({
                "article_type": article_type,
                "title": title,
                "author": author,
                "digest": digest or re.sub(r"<[^>]+>", "", content)[:54],  # "默认抓取正文前54个字"
                "content": content,
                "content_source_url": source_url,
                "thumb_media_id": str(thumb or ""),
                **flags,
            })
        if app.reject_stage == "draft" and self._rejects(app, cleaned):
            app.rejected_drafts += 1
            return wechat_error(REJECT_STAGES["draft"])
        media_id = secrets.token_urlsafe(48)
        app.drafts[media_id] = _Draft(media_id, cleaned, self.clock())
        app.drafts_created += 1
        app.filtered_images += filtered
        return Response.json({"media_id": media_id})

    @staticmethod
    def _rejects(app: _App, articles: list[JSONDict]) -> bool:
        """Whether the account's content-rejection mode refuses these articles."""
        if not app.reject_words:
            return True
        texts = [a["title"] + "\n" + a["digest"] + "\n" + a["content"] for a in articles]
        return any(word in text for word in app.reject_words for text in texts)

    def _clean_content(self, content: str) -> tuple[str, int]:
        """Remove scripts and images not uploaded through uploadimg (返回被过滤数)."""
        content = _SCRIPT.sub("", content)
        ours = (self.public_url + "/mmbiz", "http://mmbiz.qpic.cn/", "https://mmbiz.qpic.cn/")
        dropped = 0

        def keep_or_drop(match: re.Match[str]) -> str:
            nonlocal dropped
            if match.group(2).startswith(ours):
                return match.group(0)
            dropped += 1
            return ""

        return _IMG_SRC.sub(keep_or_drop, content), dropped

    def _api_draft_get(self, request: Request) -> Response:
        """POST /cgi-bin/draft/get {"media_id"} → {"news_item": [...]} for drafts still in the box."""
        app, data, error = self._authorised_json(request)
        if error is not None:
            return error
        draft = app.drafts.get(str(data.get("media_id") or ""))
        if draft is None:
            return wechat_error(40007)
        return Response.json({"news_item": [{**a, "url": ""} for a in draft.articles]})

    def _api_freepublish_submit(self, request: Request) -> Response:
        """POST /cgi-bin/freepublish/submit {"media_id"} → {"errcode": 0, "errmsg": "ok",
        "publish_id", "msg_data_id"}. The draft leaves the draft box ("被群发或发布后，该素材将从
        草稿箱中移除"), so submitting it again answers 40007. The job finishes after
        ``publish_delay`` seconds with the outcome set for the account (default 0, success)."""
        app, data, error = self._authorised_json(request)
        if error is not None:
            return error
        media_id = str(data.get("media_id") or "")
        if not media_id:
            return wechat_error(41006)
        draft = app.drafts.get(media_id)
        if draft is None:
            return wechat_error(40007)
        if app.reject_stage == "submit" and self._rejects(app, draft.articles):
            app.rejected_drafts += 1
            return wechat_error(REJECT_STAGES["submit"])
        del app.drafts[media_id]
        outcome = app.outcomes.popleft() if app.outcomes else app.default_outcome
        now = self.clock()
        job = _Publish(
            publish_id=str(next(self._publish_seq)),
            appid=app.appid,
            media_id=media_id,
            articles=draft.articles,
            submitted_at=now,
            done_at=now + self.publish_delay,
            outcome=outcome,
            article_id=secrets.token_urlsafe(33) if outcome in SUCCESS_STATUSES else None,
            # The article link's ``mid`` is the msg_data_id (appmsgid) the comment API takes.
            msg_data_id=str(next(self._publish_seq)),
            sent_on=self.today(),
        )
        app.publishes[job.publish_id] = job
        if job.article_id:
            app.articles[job.article_id] = job.publish_id
            for article in job.articles:
                app.successes_by_title[article["title"]] += 1
        self._pending.append(job)
        if app.callback_url:
            self._schedule_callback(job)
        return Response.json({"errcode": 0, "errmsg": "ok", "publish_id": job.publish_id,
                              "msg_data_id": job.msg_data_id})

    def _api_freepublish_get(self, request: Request) -> Response:
        """POST /cgi-bin/freepublish/get {"publish_id"} → publish_status 1 while publishing,
        then the outcome; article_id/article_detail when 0; fail_idx listed for 2 and 4
        ("当发布状态为2或4时，返回不通过的文章编号"), empty otherwise. An unknown publish_id
        answers 40035 invalid args (fake's choice: undocumented)."""
        app, data, error = self._authorised_json(request)
        if error is not None:
            return error
        job = app.publishes.get(str(data.get("publish_id") or ""))
        if job is None:
            return wechat_error(40035, "publish_id")
        status = job.status(self.clock())
        answer: JSONDict = {"publish_id": job.publish_id, "publish_status": status}
        if status == 0:
            items = [
                {"idx": idx, "article_url": self._article_url(job, idx)}
                for idx in range(1, len(job.articles) + 1)
                if idx not in job.deleted
            ]
            answer["article_id"] = job.article_id
            answer["article_detail"] = {"count": len(items), "item": items}
        elif status in (5, 6):
            answer["article_id"] = job.article_id
        answer["fail_idx"] = list(range(1, len(job.articles) + 1)) if status in (2, 4) else []
        return Response.json(answer)

    def _api_freepublish_batchget(self, request: Request) -> Response:
        """POST /cgi-bin/freepublish/batchget {"offset", "count" (1–20), "no_content"} →
        {"total_count", "item_count", "item": [{"article_id", "content": {"news_item": [...]},
        "update_time"}]}: the account's successfully published articles, newest first, as
        the documented endpoint lists them (news_item carries title, url and
        content_source_url)."""
        app, data, error = self._authorised_json(request)
        if error is not None:
            return error
        offset, count = _page(data)
        if offset is None:
            return wechat_error(40035, "offset/count")
        now = self.clock()
        done = sorted((job for job in app.publishes.values() if job.status(now) == 0),
                      key=lambda job: job.done_at, reverse=True)
        items = []
        for job in done[offset:offset + count]:
            news = [{"title": a.get("title", ""), "author": a.get("author", ""), "digest": a.get("digest", ""),
                     "content_source_url": a.get("content_source_url", ""), "url": self._article_url(job, idx),
                     "is_deleted": idx in job.deleted}
                    for idx, a in enumerate(job.articles, start=1)]
            items.append({"article_id": job.article_id, "content": {"news_item": news}, "update_time": int(job.done_at)})
        return Response.json({"total_count": len(done), "item_count": len(items), "item": items})

    def _api_freepublish_delete(self, request: Request) -> Response:
        """POST /cgi-bin/freepublish/delete {"article_id", "index"} → {"errcode": 0, "errmsg": "ok"}.
        index 0 or absent deletes every article. 40060 for an index out of range (global
        table: "删除单篇图文时，指定的 article_idx 不合法"); an unknown or already deleted
        article answers 40035 invalid args (fake's choice: the API page lists no code)."""
        app, data, error = self._authorised_json(request)
        if error is not None:
            return error
        article_id = str(data.get("article_id") or "")
        index = _as_int(data.get("index"), 0)
        if not article_id or index is None:
            return wechat_error(40035, "article_id/index")
        publish_id = app.articles.get(article_id)
        job = app.publishes.get(publish_id) if publish_id else None
        if job is None or job.status(self.clock()) != 0:
            return wechat_error(40035, "article_id does not exist or was deleted")
        count = len(job.articles)
        if index == 0:
            targets = set(range(1, count + 1)) - job.deleted
            if not targets:
                return wechat_error(40035, "article_id does not exist or was deleted")
        elif not 1 <= index <= count:
            return wechat_error(40060)
        elif index in job.deleted:
            return wechat_error(40035, "article already deleted")
        else:
            targets = {index}
        job.deleted |= targets
        app.deletes += 1
        return Response.json({"errcode": 0, "errmsg": "ok"})

    def _api_draft_batchget(self, request: Request) -> Response:
        """POST /cgi-bin/draft/batchget {"offset", "count" (1–20), "no_content"} →
        {"total_count", "item_count", "item": [{"media_id", "content": {"news_item": [...]},
        "update_time"}]}: the drafts in the draft box, newest first (api_draft_batchget)."""
        app, data, error = self._authorised_json(request)
        if error is not None:
            return error
        offset, count = _page(data)
        if offset is None:
            return wechat_error(40035, "offset/count")
        drafts = sorted(app.drafts.values(), key=lambda d: d.created_at, reverse=True)
        no_content = _as_int(data.get("no_content"), 0) == 1
        items = [{"media_id": d.media_id, "update_time": int(d.created_at),
                  "content": {"news_item": [{k: v for k, v in a.items() if not (no_content and k == "content")}
                                            for a in d.articles]}}
                 for d in drafts[offset:offset + count]]
        return Response.json({"total_count": len(drafts), "item_count": len(items), "item": items})

    def _api_draft_delete(self, request: Request) -> Response:
        """POST /cgi-bin/draft/delete {"media_id"} → {"errcode": 0, "errmsg": "ok"}; 40007 for
        a media_id not in the draft box (api_draft_delete)."""
        app, data, error = self._authorised_json(request)
        if error is not None:
            return error
        media_id = str(data.get("media_id") or "")
        if not media_id:
            return wechat_error(41006)
        if app.drafts.pop(media_id, None) is None:
            return wechat_error(40007)
        app.drafts_deleted += 1
        return Response.json({"errcode": 0, "errmsg": "ok"})

    def _api_batchget_material(self, request: Request) -> Response:
        """POST /cgi-bin/material/batchget_material {"type": "image", "offset", "count" (1–20)} →
        {"total_count", "item_count", "item": [{"media_id", "name", "update_time", "url"}]}."""
        app, data, error = self._authorised_json(request)
        if error is not None:
            return error
        offset, count = _page(data)
        if offset is None or data.get("type") not in ("image", "thumb", "video", "voice", "news"):
            return wechat_error(40035, "type/count")
        ids = [m for m, kind in app.materials.items() if kind == data["type"]][::-1]
        items = [{"media_id": m, "name": app.material_names.get(m, ""), "update_time": 0,
                  "url": f"{self.public_url}/mmbiz_jpeg/{m}/0"} for m in ids[offset:offset + count]]
        return Response.json({"total_count": len(ids), "item_count": len(items), "item": items})

    def _api_del_material(self, request: Request) -> Response:
        """POST /cgi-bin/material/del_material {"media_id"} → {"errcode": 0, "errmsg": "ok"};
        40007 for an unknown media_id."""
        app, data, error = self._authorised_json(request)
        if error is not None:
            return error
        media_id = str(data.get("media_id") or "")
        if app.materials.pop(media_id, None) is None:
            return wechat_error(40007)
        app.material_names.pop(media_id, None)
        app.materials_deleted += 1
        return Response.json({"errcode": 0, "errmsg": "ok"})

    def _api_comment_list(self, request: Request) -> Response:
        """POST /cgi-bin/comment/list {"msg_data_id", "index", "begin", "count", "type"} →
        {"errcode": 0, "errmsg": "ok", "total", "comment": [{"user_comment_id", "openid",
        "create_time", "content", "comment_type", "reply"?}]} (listComment). type 0 all, 1
        ordinary, 2 精选. 88000 without comment privilege (control ``comment_privilege``),
        88001 for a msg_data_id/index that names no published article, 88010 count out of
        range (1–49), 40035 a bad begin/type. Comments come oldest first (fake's choice: the
        page does not say)."""
        app, data, error = self._authorised_json(request)
        if error is not None:
            return error
        if app.comment_errors:
            return wechat_error(app.comment_errors.popleft())
        if not app.comment_privilege:
            return wechat_error(88000)
        msg_data_id = str(data.get("msg_data_id") or "")
        index, begin = _as_int(data.get("index"), 0), _as_int(data.get("begin"), None)
        count, kind = _as_int(data.get("count"), None), _as_int(data.get("type"), None)
        if begin is None or begin < 0 or kind not in (0, 1, 2):
            return wechat_error(40035, "begin/type")
        if count is None or not 1 <= count <= COMMENT_PAGE_MAX:
            return wechat_error(88010)
        job = next((j for j in app.publishes.values() if j.msg_data_id == msg_data_id), None)
        if (job is None or job.status(self.clock()) != 0 or index is None
                or not 0 <= index < len(job.articles) or index + 1 in job.deleted):
            return wechat_error(88001)
        thread = app.comments.get((msg_data_id, index), [])
        if kind == 1:
            thread = [c for c in thread if not c.comment_type]
        elif kind == 2:
            thread = [c for c in thread if c.comment_type]
        page = [c.as_dict() for c in thread[begin:begin + count]]
        return Response.json({"errcode": 0, "errmsg": "ok", "total": len(thread), "comment": page})

    # -- 数据统计 (datacube) ------------------------------------------------------------------
    #
    # Figures come from the articles this fake has published (successful jobs that are not
    # deleted), one set per article (msgid "<msg_data_id>_<idx>", idx from 1 as in the
    # article link) and day: derived deterministically from the msgid and the article's age,
    # unless set through the control API (``article_stats``). Followers likewise per app and
    # day (``fans``). The fake's "today" is the Beijing date, or the one set through
    # ``datacube_today``; data exist only up to yesterday.

    def today(self) -> dt.date:
        return self.today_override or dt.datetime.now(SHANGHAI).date()

    @staticmethod
    def _hash(text: str) -> int:
        return int(hashlib.sha1(text.encode("utf-8")).hexdigest()[:12], 16)

    def _article_figures(self, app: _App, job: _Publish, idx: int, day: dt.date) -> dict[str, int]:
        """One article's figures for one day (what that day added)."""
        zero = dict.fromkeys(ARTICLE_FIELDS, 0)
        if job.sent_on is None or day < job.sent_on:
            return zero
        given = app.article_stats.get((job.msg_data_id, idx))
        if given:  # figures set through the control API: the days not given are 0
            return {**zero, **given.get(day, {})}
        age = (day - job.sent_on).days
        reads = (200 + self._hash(f"{job.msg_data_id}_{idx}") % 1800) // (age + 1)
        shares = reads // 15
        favs = reads // 40
        return {"int_page_read_user": reads * 4 // 5, "int_page_read_count": reads,
                "ori_page_read_user": reads // 25, "ori_page_read_count": reads // 20,
                "share_user": shares * 4 // 5, "share_count": shares, "add_to_fav_user": favs * 9 // 10,
                "add_to_fav_count": favs}

    def _live_articles(self, app: _App):
        """(job, idx, article) for every article of the app that is out and not deleted."""
        now = self.clock()
        for job in app.publishes.values():
            if job.status(now) != 0:
                continue
            for idx, article in enumerate(job.articles, start=1):
                if idx not in job.deleted:
                    yield job, idx, article

    def _fans_day(self, app: _App, day: dt.date) -> dict[str, int]:
        given = app.fans.get(day)
        if given is not None:
            return {"new_user": 0, "cancel_user": 0, **given}
        h = self._hash(f"{app.appid}:{day.isoformat()}")
        return {"new_user": 5 + h % 40, "cancel_user": (h >> 8) % 12}

    def _cumulate(self, app: _App, day: dt.date) -> int:
        """Followers at the end of `day`: a base per app plus each day's net gain since
        FANS_EPOCH; a day whose cumulate_user was set through the control API starts over
        from that figure."""
        total = 8000 + self._hash(app.appid) % 40000
        current = FANS_EPOCH
        while current <= day:
            figures = self._fans_day(app, current)
            if "cumulate_user" in figures:
                total = int(figures["cumulate_user"])
            else:
                total = max(0, total + figures["new_user"] - figures["cancel_user"])
            current += dt.timedelta(days=1)
        return total

    def _datacube_range(self, request: Request, data: JSONDict) -> tuple[list[dt.date], None] | tuple[None, Response]:
        """The days [begin_date, end_date]: 61500 when a date is missing or not YYYY-MM-DD,
        61501 when begin is after end, the span is over the interface's maximum, or end_date
        is not before today ("end_date 最大值为昨日"; the fake's choice of code for that)."""
        try:
            begin = dt.date.fromisoformat(str(data.get("begin_date") or ""))
            end = dt.date.fromisoformat(str(data.get("end_date") or ""))
        except ValueError:
            return None, wechat_error(61500, "begin_date/end_date must be YYYY-MM-DD")
        if len(str(data["begin_date"])) != 10 or len(str(data["end_date"])) != 10:
            return None, wechat_error(61500, "begin_date/end_date must be YYYY-MM-DD")
        span = DATACUBE_SPANS[request.path]
        if begin > end or (end - begin).days + 1 > span:
            return None, wechat_error(61501, f"at most {span} day(s) per call")
        if end >= self.today():
            return None, wechat_error(61501, "end_date must be yesterday or earlier")
        return [begin + dt.timedelta(days=n) for n in range((end - begin).days + 1)], None

    def _datacube(self, request: Request):
        app, data, error = self._authorised_json(request)
        if error is not None:
            return None, None, error
        days, error = self._datacube_range(request, data)
        if error is not None:
            return None, None, error
        return app, days, None

    def _api_getarticlesummary(self, request: Request) -> Response:
        """POST /datacube/getarticlesummary {"begin_date", "end_date"} (span 1) → {"list": [{
        "ref_date", "user_source", "msgid", "title", int_page_read_user, int_page_read_count,
        ori_page_read_user, ori_page_read_count, share_user, share_count, add_to_fav_user,
        add_to_fav_count}]}: every article read that day with that day's figures, only those
        reaching SUMMARY_THRESHOLD."""
        app, days, error = self._datacube(request)
        if error is not None:
            return error
        rows = []
        for day in days:
            for job, idx, article in self._live_articles(app):
                figures = self._article_figures(app, job, idx, day)
                counted = (figures["int_page_read_user"] + figures["ori_page_read_user"] + figures["share_user"]
                           + figures["share_count"] + figures["add_to_fav_count"])
                if job.sent_on is None or day < job.sent_on or counted < SUMMARY_THRESHOLD:
                    continue
                rows.append({"ref_date": day.isoformat(), "user_source": 0, "msgid": f"{job.msg_data_id}_{idx}",
                             "title": article.get("title", ""), **figures})
        return Response.json({"list": rows})

    def _api_getarticletotal(self, request: Request) -> Response:
        """POST /datacube/getarticletotal {"begin_date", "end_date"} (span 1) → {"list": [{
        "ref_date" (the day the article was sent), "msgid", "title", "user_source",
        "details": [{"stat_date", "target_user", int_page_read_user, int_page_read_count, …,
        add_to_fav_count}]}]}: the articles sent on that day, with running totals from the
        day of sending to each stat_date, for the day of sending and the six after it (up to
        yesterday)."""
        app, days, error = self._datacube(request)
        if error is not None:
            return error
        yesterday = self.today() - dt.timedelta(days=1)
        rows = []
        for day in days:
            target = self._cumulate(app, day)
            for job, idx, article in self._live_articles(app):
                if job.sent_on != day:
                    continue
                totals = dict.fromkeys(ARTICLE_FIELDS, 0)
                details = []
                for offset in range(ARTICLE_TOTAL_DAYS):
                    stat = day + dt.timedelta(days=offset)
                    if stat > yesterday:
                        break
                    for name, value in self._article_figures(app, job, idx, stat).items():
                        totals[name] += int(value)
                    details.append({"stat_date": stat.isoformat(), "target_user": target, **totals})
                rows.append({"ref_date": day.isoformat(), "msgid": f"{job.msg_data_id}_{idx}",
                             "title": article.get("title", ""), "user_source": 0, "details": details})
        return Response.json({"list": rows})

    def _api_getusersummary(self, request: Request) -> Response:
        """POST /datacube/getusersummary {"begin_date", "end_date"} (span 7) → {"list": [{
        "ref_date", "user_source", "new_user", "cancel_user"}]}: per day and source of the
        follow (0 other, 30 扫描二维码 …); days with neither are left out."""
        app, days, error = self._datacube(request)
        if error is not None:
            return error
        rows = []
        for day in days:
            figures = self._fans_day(app, day)
            new, cancel = int(figures["new_user"]), int(figures["cancel_user"])
            if day in app.fans:
                parts = [(0, new, cancel)]
            else:
                parts = [(0, new - new // 3, cancel), (30, new // 3, 0)]
            rows += [{"ref_date": day.isoformat(), "user_source": source, "new_user": n, "cancel_user": c}
                     for source, n, c in parts if n or c]
        return Response.json({"list": rows})

    def _api_getusercumulate(self, request: Request) -> Response:
        """POST /datacube/getusercumulate {"begin_date", "end_date"} (span 7) → {"list": [{
        "ref_date", "user_source": 0, "cumulate_user"}]}: followers at the end of each day."""
        app, days, error = self._datacube(request)
        if error is not None:
            return error
        return Response.json({"list": [{"ref_date": day.isoformat(), "user_source": 0,
                                        "cumulate_user": self._cumulate(app, day)} for day in days]})

    def _control_datacube(self, action: str, payload: JSONDict) -> JSONDict:
        """``articles {"appid", "titles": [...], "published"?}``: a job published at once
        (as if sent on that Beijing day; for tests and the demo, like Weibo's ``post``) →
        its publish_id, msg_data_id and article links. ``article_stats {"appid",
        "msg_data_id" | "publish_id", "idx" (from 1), "published"?, "days": {"YYYY-MM-DD":
        {figure: n}}}``: the article's send day and/or its figures on those days (what each
        day added); once figures are set, the figures and days not given are 0. ``fans {"appid", "days": {"YYYY-MM-DD":
        {"new_user", "cancel_user", "cumulate_user"?}}}``. ``datacube_today {"date" | null}``."""

        def day_of(value: Any, name: str) -> dt.date:
            try:
                return dt.date.fromisoformat(str(value))
            except ValueError as exc:
                raise ControlError(f"{name} must be a date YYYY-MM-DD") from exc

        if action == "datacube_today":
            self.today_override = day_of(payload["date"], "date") if payload.get("date") else None
            return {"datacube_today": self.today().isoformat()}
        app = self._app(require_str(payload, "appid"))
        if action == "articles":
            titles = payload.get("titles")
            if not isinstance(titles, list) or not titles or not all(isinstance(t, str) and t for t in titles):
                raise ControlError("titles must be a non-empty list of titles")
            now = self.clock()
            job = _Publish(publish_id=str(next(self._publish_seq)), appid=app.appid, media_id="",
                           articles=[{"title": t, "author": "", "digest": "", "content": f"<p>{html.escape(t)}</p>",
                                      "content_source_url": ""} for t in titles],
                           submitted_at=now, done_at=now, outcome=0, article_id=secrets.token_urlsafe(33),
                           msg_data_id=str(next(self._publish_seq)), settled=True,
                           sent_on=day_of(payload["published"], "published") if payload.get("published") else self.today())
            app.publishes[job.publish_id] = job
            app.articles[job.article_id] = job.publish_id
            for title in titles:
                app.successes_by_title[title] += 1
            return {"appid": app.appid, "publish_id": job.publish_id, "msg_data_id": job.msg_data_id,
                    "article_id": job.article_id, "sent_on": job.sent_on.isoformat(),
                    "urls": [self._article_url(job, idx) for idx in range(1, len(titles) + 1)]}
        if action == "fans":
            days = payload.get("days")
            if not isinstance(days, dict):
                raise ControlError("days must be an object {date: {new_user, cancel_user, cumulate_user}}")
            for key, figures in days.items():
                if not isinstance(figures, dict) or not all(
                        k in ("new_user", "cancel_user", "cumulate_user") and isinstance(v, int) and v >= 0
                        for k, v in figures.items()):
                    raise ControlError("each day takes non-negative new_user, cancel_user, cumulate_user")
                app.fans[day_of(key, "days")] = dict(figures)
            return {"appid": app.appid, "days": len(app.fans)}
        msg_data_id = str(payload.get("msg_data_id") or "")
        if not msg_data_id and payload.get("publish_id"):
            found = app.publishes.get(str(payload["publish_id"]))
            msg_data_id = found.msg_data_id if found else ""
        job = next((j for j in app.publishes.values() if j.msg_data_id == msg_data_id), None)
        if job is None:
            raise ControlError("no job of this app has that msg_data_id/publish_id", 404)
        idx = int(number(payload, "idx", 1))
        if not 1 <= idx <= len(job.articles):
            raise ControlError("idx must name one of the job's articles (from 1)")
        if payload.get("published"):
            job.sent_on = day_of(payload["published"], "published")
        days = payload.get("days") or {}
        if not isinstance(days, dict):
            raise ControlError("days must be an object {date: {figure: n}}")
        stats = app.article_stats.setdefault((job.msg_data_id, idx), {})
        for key, figures in days.items():
            if not isinstance(figures, dict) or not all(
                    k in ARTICLE_FIELDS and isinstance(v, int) and v >= 0 for k, v in figures.items()):
                raise ControlError(f"each day takes non-negative figures among {', '.join(ARTICLE_FIELDS)}")
            stats[day_of(key, "days")] = dict(figures)
        return {"appid": app.appid, "msg_data_id": job.msg_data_id, "idx": idx,
                "sent_on": job.sent_on.isoformat() if job.sent_on else None, "days": len(stats)}

    # -- resources a browser may open (demo) --------------------------------------------------

    def _serve_blob(self, path: str) -> Response:
        parts = path.strip("/").split("/")
        with self.lock:
            blob = self._blobs.get(parts[1]) if len(parts) >= 2 else None
        if blob is None:
            return Response.text("not found", 404)
        return Response(body=blob.data, content_type=blob.content_type)

    def _serve_article(self, request: Request) -> Response:
        """The article's permanent link (article_url) as a simple page, for the demo."""
        with self.lock:
            self._settle(self.clock())
            mid = request.query.get("mid", "")
            idx = _as_int(request.query.get("idx"), 1) or 1
            job = next((j for a in self._apps.values() for j in a.publishes.values() if j.msg_data_id == mid), None)
            if job is None or job.status(self.clock()) != 0 or not 1 <= idx <= len(job.articles):
                return Response.html("<p>该内容已被发布者删除</p>", 404)
            if idx in job.deleted:
                return Response.html("<p>该内容已被发布者删除</p>", 404)
            article = job.articles[idx - 1]
        return Response.html(
            "<!doctype html><meta charset='utf-8'>"
            f"<title>{html.escape(article['title'])}</title>"
            f"<h1>{html.escape(article['title'])}</h1>"
            f"<p>{html.escape(article['author'])}</p>"
            f"<article>{article['content']}</article>"
        )


_token_counter = itertools.count(90)
_token_counter_lock = threading.Lock()


def next_token_prefix() -> int:
    """Real access tokens start with a small number and an underscore (``75_Eh6x…``)."""
    with _token_counter_lock:
        return next(_token_counter)
