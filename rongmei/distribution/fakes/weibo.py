"""A fake Weibo (微博) open API: share a status with a link, post one with up to nine
pictures, destroy it, show it.

Paths, parameters and answers follow open.weibo.com: ``2/statuses/share`` (POST, form or
multipart with ``pic``; ``access_token``, ``status`` with at least one link of the app's
safe domain, at most 140 Chinese characters, no ``#topic#``; ``rip``), ``2/statuses/destroy``,
``2/statuses/show``, the 高级写入接口 for several pictures — ``2/statuses/upload_pic`` (multipart
``pic`` → ``pic_id``; "the pic_id returned can only be used for publishing weibo post with
multiple pictures", < 5 MB) and ``2/statuses/upload_url_text`` (``status``, ``pic_id``
"多个时使用英文半角逗号符分隔，最多不超过9个", ``rip``), both answering 10014 "Insufficient app
permissions!" to an app without that permission (control ``advanced``) — and the ``Error_code`` page (error body
``{"error", "error_code", "request"}``; 1xxxx system errors, 2xxxx service errors, 213xx
OAuth2 errors). HTTP statuses: 400 for parameter and service errors, 403 for
authorisation and rate-limit errors (the documentation gives no table; fake's choice).

Accounts exist on the fly: the access token ``"token-" + account`` is valid for ``account``
until it is expired or revoked through the control API.
"""

from __future__ import annotations

import hashlib
import itertools
import math
import re
import secrets
from collections import Counter
from dataclasses import dataclass, field, fields
from datetime import datetime, timedelta, timezone
from typing import Callable, Literal

from .core import ControlError, FakeEngine, JSONDict, Limits, Request, Response, number, require_str
from .forms import IMAGE_CONTENT_TYPES, UploadedFile, sniff_image

# error_code -> (HTTP status, error text). Texts as on the Error_code page.
WEIBO_ERRORS: dict[int, tuple[int, str]] = {
    10006: (403, "source paramter(appkey) is missing"),
    10014: (403, "Insufficient app permissions!"),
    10016: (400, "miss required parameter ({0}) , see doc for more info."),
    10017: (400, "parameter ({0})'s value invalid,expect ({1}) , but get ({2}) , see doc for more info."),
    10021: (400, "HTTP method is not suported for this request!"),
    10022: (403, "IP requests out of rate limit!"),
    10023: (403, "User requests out of rate limit!"),
    10024: (403, "User requests for ({0}) out of rate limit!"),
    20005: (400, "Unsupported image type, only suport JPG, GIF, PNG!"),
    20006: (400, "Image size too large."),
    20012: (400, "Text too long, please input text less than 140 characters!"),
    20003: (400, "User does not exists!"),
    20016: (403, "Out of limit!"),
    10001: (400, "system error!"),
    10002: (503, "service unavailable!"),
    10003: (400, "remote service error"),
    10009: (400, "too many pending tasks, system is busy"),
    20019: (400, "repeat content!"),
    20101: (400, "target weibo does not exist!"),
    20102: (403, "not your own weibo!"),
    21327: (403, "expired_token"),
    21332: (403, "invalid_access_token"),
}
RATE_LIMIT_CODES = (10022, 10023, 10024, 20016)
SYSTEM_BUSY_CODES = (10001, 10002, 10003, 10009)  # Error_code: 系统错误、服务暂停、远程服务错误、任务过多系统繁忙
TEXT_NOT_FIND_DOMAIN = "text not find domain!"  # 10017 as share.json answers it
SHANGHAI = timezone(timedelta(hours=8))
_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
# A link ends at whitespace or at CJK punctuation (Chinese text runs straight into links).
_LINK = re.compile(r"https?://[^\s<>\"'，。！？、；：（）【】《》“”‘’]+", re.IGNORECASE)
_TOPIC = re.compile(r"#[^#\s]+#")

# path -> (HTTP method, handler name)
API_ROUTES: dict[str, tuple[str, str]] = {
    "/2/statuses/share.json": ("POST", "_api_share"),
    "/2/statuses/upload_pic.json": ("POST", "_api_upload_pic"),
    "/2/statuses/upload_url_text.json": ("POST", "_api_upload_url_text"),
    "/2/statuses/destroy.json": ("POST", "_api_destroy"),
    "/2/statuses/show.json": ("GET", "_api_show"),
    "/2/statuses/user_timeline.json": ("GET", "_api_user_timeline"),
    "/2/comments/show.json": ("GET", "_api_comments_show"),
    # statistics (see the counts section of WeiboFake)
    "/2/statuses/count.json": ("GET", "_api_statuses_count"),
    "/2/users/show.json": ("GET", "_api_users_show"),
    "/2/account/get_uid.json": ("GET", "_api_get_uid"),
}
# statuses/count: "ids 需要获取数据的微博ID，多个之间用逗号分隔，最多不超过100个".
COUNT_MAX_IDS = 100
FOLLOWERS_EPOCH = datetime(2024, 1, 1, tzinfo=SHANGHAI)  # the fake's followers grow from here


def weibo_created_at(moment: datetime) -> str:
    """``Wed Oct 24 23:49:17 +0800 2012`` — the created_at format of the API (English names,
    whatever the process locale)."""
    local = moment.astimezone(SHANGHAI)
    return f"{_DAYS[local.weekday()]} {_MONTHS[local.month - 1]} {local:%d %H:%M:%S} +0800 {local.year}"


def weibo_length(text: str, link_length: int = 20) -> int:
    """Length in Weibo's units: a Chinese (non-ASCII) character counts 1, two ASCII
    characters count 1, and every link counts as its ``link_length``-character t.cn short
    link. (The common reading of "不超过140个汉字"; an approximation of Weibo's counter.)"""
    halves = 0
    for match in _LINK.finditer(text):
        halves += link_length
    for char in _LINK.sub("", text):
        halves += 1 if ord(char) < 128 else 2
    return math.ceil(halves / 2)


@dataclass
class WeiboLimits(Limits):
    """status ≤ 140 (Chinese characters, see :func:`weibo_length`), pic < 5 MB."""

    status_length: int = 140
    pic_bytes: int = 5 << 20  # exclusive: "上传图片大小限制为<5M"
    link_length: int = 20



@dataclass
class _Token:
    value: str
    account: str
    state: Literal["valid", "expired", "revoked"] = "valid"


@dataclass
class _Status:
    id: int
    account: str
    text: str
    created_at: datetime
    pic_url: str | None = None
    deleted: bool = False
    pic_urls: list[str] = field(default_factory=list)  # every picture, in order (pic_url is the first)
    pic_digests: list[str] = field(default_factory=list)  # sha256 of each picture's bytes, in order


@dataclass
class _Comment:
    """A reader's comment under a status (comments/show answers these, newest first)."""

    id: int
    status_id: int
    text: str
    created_at: datetime
    user_name: str
    user_id: int
    location: str = ""


# comments/show: "count 单页返回的记录条数，默认为50" (at most 200, fake's choice from the
# other comment endpoints' pages).
COMMENTS_DEFAULT_COUNT = 50
COMMENTS_MAX_COUNT = 200


@dataclass
class _RateLimit:
    account: str | None
    path: str | None
    remaining: int
    error_code: int
    http_status: int | None = None  # None: the code's usual status

    def as_dict(self) -> JSONDict:
        return {"account": self.account, "path": self.path, "remaining": self.remaining,
                "error_code": self.error_code, "http_status": self.http_status}


@dataclass
class _Account:
    name: str
    uid: int
    calls: Counter[str] = field(default_factory=Counter)
    statuses: dict[int, _Status] = field(default_factory=dict)
    created_by_text: Counter[str] = field(default_factory=Counter)
    shares: int = 0
    destroys: int = 0
    repeat_rejections: int = 0
    errors: Counter[int] = field(default_factory=Counter)

    def live_by_text(self) -> Counter[str]:
        return Counter(s.text for s in self.statuses.values() if not s.deleted)

    def state(self) -> JSONDict:
        return {
            "uid": self.uid,
            "calls": dict(self.calls),
            "shares": self.shares,
            "destroys": self.destroys,
            "statuses_created": len(self.statuses),
            "statuses_live": sum(1 for s in self.statuses.values() if not s.deleted),
            "live_by_text": dict(self.live_by_text()),
            "created_by_text": dict(self.created_by_text),
            "repeat_rejections": self.repeat_rejections,
            "errors": {str(code): n for code, n in self.errors.items()},
            "statuses": {
                str(s.id): {"text": s.text, "deleted": s.deleted, "pic": s.pic_url is not None,
                            "pics": len(s.pic_urls), "pic_sha256": list(s.pic_digests)}
                for s in self.statuses.values()
            },
        }


def weibo_error(code: int, path: str, *args: str, error: str | None = None) -> Response:
    """The documented error body ``{"error", "error_code", "request"}`` with its HTTP status."""
    status, template = WEIBO_ERRORS.get(code, (400, "error"))
    message = error if error is not None else template.format(*args)
    return Response.json({"error": message, "error_code": code, "request": path}, status)


class WeiboFake(FakeEngine):
    """State and behaviour of the fake Weibo API (see the module docstring)."""

    kind = "weibo"

    def __init__(self, *, latency: float = 0.0) -> None:
        super().__init__(latency=latency)
        self.limits = WeiboLimits()
        self.safe_domains: list[str] | None = None
        self.duplicate_check = True
        self.advanced_write = True  # the app holds the 高级写入接口 (upload_pic, upload_url_text)
        self._accounts: dict[str, _Account] = {}
        self._tokens: dict[str, _Token] = {}
        self._statuses: dict[int, _Status] = {}
        self._pics: dict[str, tuple[str, bytes]] = {}
        self._uploaded: dict[str, tuple[str, str, str]] = {}  # pic_id -> (account, url, sha256)
        self._rate_limits: list[_RateLimit] = []
        self._ids = itertools.count(4_980_000_000_000_001)
        self._comments: dict[int, list[_Comment]] = {}  # status id -> comments, oldest first
        self._comment_ids = itertools.count(4_990_000_000_000_001)
        # running counts and followers set through the control API (``counts``, ``followers``)
        self._counts: dict[int, dict[str, int]] = {}
        self._followers: dict[str, int] = {}
        self.now: Callable[[], datetime] = lambda: datetime.now(SHANGHAI)

    # -- engine hooks -------------------------------------------------------------------

    def is_api_path(self, path: str) -> bool:
        return path.startswith("/2/")

    def account_for(self, request: Request) -> str | None:
        value = self._token_value(request)
        if not value:
            return None
        with self.lock:
            token = self._tokens.get(value)
            if token is not None:
                return token.account
        return value[len("token-") :] if value.startswith("token-") and len(value) > 6 else None

    def handle(self, request: Request) -> Response:
        path = request.path
        if path in API_ROUTES:
            method, name = API_ROUTES[path]
            if request.method != method:
                return weibo_error(10021, path)
            handler: Callable[[Request], Response] = getattr(self, name)
            with self.lock:
                return handler(request)
        if request.method == "GET" and path.startswith("/large/"):
            with self.lock:
                pic = self._pics.get(path.rsplit("/", 1)[-1].split(".")[0])
            if pic is None:
                return Response.text("not found", 404)
            return Response(body=pic[1], content_type=pic[0])
        if path.startswith("/2/"):
            return Response.json({"error": "Request Api not found!", "error_code": 10020, "request": path}, 404)
        return Response.text("not found", 404)

    def _reset_state(self) -> None:
        self.limits = WeiboLimits()
        self.safe_domains = None
        self.duplicate_check = True
        self.advanced_write = True
        self._uploaded.clear()
        self._accounts.clear()
        self._tokens.clear()
        self._statuses.clear()
        self._pics.clear()
        self._rate_limits.clear()
        self._comments.clear()
        self._counts.clear()
        self._followers.clear()

    def _state(self) -> JSONDict:
        accounts = {name: account.state() for name, account in self._accounts.items()}
        duplicates = [
            {"account": name, "text": text, "count": count}
            for name, account in self._accounts.items()
            for text, count in account.created_by_text.items()
            if count > 1
        ]
        return {
            "limits": self.limits.as_dict(),
            "safe_domains": self.safe_domains,
            "duplicate_check": self.duplicate_check,
            "advanced_write": self.advanced_write,
            "pictures_uploaded": len(self._uploaded),
            "rate_limits": [r.as_dict() for r in self._rate_limits],
            "accounts": accounts,
            "totals": {
                "accounts": len(accounts),
                "statuses_created": len(self._statuses),
                "statuses_live": sum(1 for s in self._statuses.values() if not s.deleted),
                "destroys": sum(a.destroys for a in self._accounts.values()),
                "repeat_rejections": sum(a.repeat_rejections for a in self._accounts.values()),
            },
            "duplicate_statuses": duplicates,
            "comments": {str(sid): len(items) for sid, items in self._comments.items()},
        }

    # -- control API --------------------------------------------------------------------

    def _control(self, method: str, action: str, payload: JSONDict) -> JSONDict:
        if method != "POST":
            raise ControlError(f"unknown control action {method} {action}", 404)
        if action == "accounts":
            name = require_str(payload, "account")
            account = self._account(name)
            if payload.get("uid") is not None:
                account.uid = int(number(payload, "uid"))
            token = payload.get("token")
            if token:
                self._tokens[str(token)] = _Token(str(token), name)
            return {"account": name, "uid": account.uid,
                    "tokens": [t.value for t in self._tokens.values() if t.account == name and t.state == "valid"]}
        if action in ("expire_token", "revoke_token"):
            state: Literal["expired", "revoked"] = "expired" if action == "expire_token" else "revoked"
            return {"changed": self._retire_tokens(payload, state), "state": state}
        if action == "rate_limit":
            code = int(number(payload, "error_code", 10023))
            if code not in RATE_LIMIT_CODES + SYSTEM_BUSY_CODES:
                raise ControlError(f"error_code must be one of {RATE_LIMIT_CODES + SYSTEM_BUSY_CODES}")
            calls = int(number(payload, "calls", 1))
            if calls < 0:
                raise ControlError("calls must not be negative")
            http_status = int(number(payload, "http_status")) if payload.get("http_status") is not None else None
            limit = _RateLimit(payload.get("account") or None, payload.get("path") or None, calls, code, http_status)
            self._rate_limits = [
                r for r in self._rate_limits if (r.account, r.path) != (limit.account, limit.path)
            ]
            if calls:
                self._rate_limits.append(limit)
            return {"rate_limits": [r.as_dict() for r in self._rate_limits]}
        if action == "duplicate_check":
            self.duplicate_check = bool(payload.get("on", True))
            return {"duplicate_check": self.duplicate_check}
        if action == "advanced":
            self.advanced_write = bool(payload.get("on", True))
            return {"advanced_write": self.advanced_write}
        if action == "post":
            account = self._account(require_str(payload, "account"))
            status = self._create(account, require_str(payload, "text"), None)
            return {"idstr": str(status.id)}
        if action == "safe_domains":
            domains = payload.get("domains")
            if domains is not None and (
                not isinstance(domains, list) or not all(isinstance(d, str) and d for d in domains)
            ):
                raise ControlError("domains must be a list of host names, or null for any link")
            self.safe_domains = [d.lower().lstrip(".") for d in domains] if domains is not None else None
            return {"safe_domains": self.safe_domains}
        if action == "limits":
            self.limits.update(payload)
            return {"limits": self.limits.as_dict()}
        if action == "comments":
            return self._control_comments(payload)
        if action == "counts":
            raw = str(payload.get("id") or "")
            status = self._statuses.get(int(raw)) if raw.isdigit() else None
            if status is None:
                raise ControlError("no status with that id", 404)
            counts = {name: int(number(payload, name, self._status_counts(status)[name]))
                      for name in ("comments", "reposts", "attitudes")}
            if any(value < 0 for value in counts.values()):
                raise ControlError("counts must not be negative")
            self._counts[status.id] = counts
            return {"id": str(status.id), **counts}
        if action == "followers":
            account = self._account(require_str(payload, "account"))
            followers = int(number(payload, "followers_count"))
            if followers < 0:
                raise ControlError("followers_count must not be negative")
            self._followers[account.name] = followers
            return {"account": account.name, "followers_count": followers}
        raise ControlError(f"unknown control action {action!r}", 404)

    def _control_comments(self, payload: JSONDict) -> JSONDict:
        """Readers comment under a status: ``{"id", "comments": ["text" | {"text", "user",
        "location", "created_at" (ISO 8601)}]}`` → the new comment ids."""
        raw = str(payload.get("id") or "")
        status = self._statuses.get(int(raw)) if raw.isdigit() else None
        if status is None:
            raise ControlError("no status with that id", 404)
        given = payload.get("comments")
        if not isinstance(given, list) or not given:
            raise ControlError("comments must be a non-empty list")
        thread = self._comments.setdefault(status.id, [])
        ids = []
        for entry in given:
            entry = {"text": entry} if isinstance(entry, str) else entry
            if not isinstance(entry, dict) or not str(entry.get("text") or "").strip():
                raise ControlError("each comment needs a non-empty text")
            name = str(entry.get("user") or f"网友{len(thread) + 1}")
            try:
                created = (datetime.fromisoformat(str(entry["created_at"])) if entry.get("created_at") else self.now())
            except ValueError as exc:
                raise ControlError("created_at must be an ISO 8601 time") from exc
            if created.tzinfo is None:
                created = created.replace(tzinfo=SHANGHAI)
            comment = _Comment(id=next(self._comment_ids), status_id=status.id, text=str(entry["text"]),
                               created_at=created, user_name=name,
                               user_id=2_000_000_000 + int(hashlib.sha1(name.encode()).hexdigest(), 16) % 999_999_999,
                               location=str(entry.get("location") or ""))
            thread.append(comment)
            ids.append(str(comment.id))
        return {"id": str(status.id), "ids": ids, "total": len(thread)}

    def _retire_tokens(self, payload: JSONDict, state: Literal["expired", "revoked"]) -> int:
        if payload.get("token"):
            value = str(payload["token"])
            token = self._resolve(value)
            if token is None:
                raise ControlError(f"unknown token {value!r}", 404)
            token.state = state
            return 1
        name = require_str(payload, "account")
        self._account(name)
        default = "token-" + name
        if default not in self._tokens:
            self._tokens[default] = _Token(default, name)
        changed = 0
        for token in self._tokens.values():
            if token.account == name and token.state == "valid":
                token.state = state
                changed += 1
        return changed

    # -- helpers --------------------------------------------------------------------------

    def _account(self, name: str) -> _Account:
        account = self._accounts.get(name)
        if account is None:
            uid = 1_000_000_000 + int(hashlib.sha1(name.encode()).hexdigest(), 16) % 8_999_999_999
            account = self._accounts[name] = _Account(name=name, uid=uid)
        return account

    @staticmethod
    def _token_value(request: Request) -> str:
        """access_token from the query, the form, or ``Authorization: OAuth2 <token>``."""
        value = request.query.get("access_token") or request.fields().get("access_token", "")
        if not value:
            auth = request.headers.get("authorization", "")
            if auth.lower().startswith("oauth2 "):
                value = auth[7:].strip()
        return value

    def _resolve(self, value: str) -> _Token | None:
        token = self._tokens.get(value)
        if token is None and value.startswith("token-") and len(value) > len("token-"):
            token = self._tokens[value] = _Token(value, value[len("token-") :])
        return token

    def _authorise(self, request: Request) -> tuple[_Account, None] | tuple[None, Response]:
        """Token check (10006 missing, 21332 unknown or revoked, 21327 expired), call count,
        then the rate limits set through the control API (10022/10023/10024/20016)."""
        value = self._token_value(request)
        if not value:
            return None, weibo_error(10006, request.path)
        token = self._resolve(value)
        if token is None or token.state == "revoked":
            return None, weibo_error(21332, request.path)
        account = self._account(token.account)
        account.calls[request.path] += 1
        if token.state == "expired":
            return None, self._fail(account, 21327, request.path)
        for limit in self._rate_limits:
            if limit.account in (None, account.name) and limit.path in (None, request.path) and limit.remaining > 0:
                limit.remaining -= 1
                if limit.remaining <= 0:
                    self._rate_limits.remove(limit)
                answer = self._fail(account, limit.error_code, request.path, request.path)
                if limit.http_status is not None:
                    answer.status = limit.http_status
                return None, answer
        return account, None

    def _links_ok(self, text: str) -> bool:
        links = _LINK.findall(text)
        if not links:
            return False
        if self.safe_domains is None:
            return True
        for link in links:
            host = link.split("://", 1)[1].split("/", 1)[0].split("?", 1)[0].split(":", 1)[0].lower()
            if any(host == d or host.endswith("." + d) for d in self.safe_domains):
                return True
        return False

    def _user_json(self, account: _Account) -> JSONDict:
        return {
            "id": account.uid,
            "idstr": str(account.uid),
            "screen_name": account.name,
            "name": account.name,
            "province": "11",
            "city": "1000",
            "location": "北京",
            "description": "",
            "url": "",
            "profile_image_url": f"{self.public_url}/large/avatar.jpg",
            "domain": "",
            "gender": "n",
            "followers_count": 0,
            "friends_count": 0,
            "statuses_count": sum(1 for s in account.statuses.values() if not s.deleted),
            "favourites_count": 0,
            "created_at": "Tue Jan 01 00:00:00 +0800 2019",
            "following": False,
            "allow_all_act_msg": False,
            "geo_enabled": False,
            "verified": False,
        }

    def _status_json(self, status: _Status) -> JSONDict:
        data: JSONDict = {
            "created_at": weibo_created_at(status.created_at),
            "id": status.id,
            "mid": str(status.id),
            "idstr": str(status.id),
            "text": status.text,
            "source": '<a href="https://open.weibo.com" rel="nofollow">融媒</a>',
            "favorited": False,
            "truncated": False,
            "in_reply_to_status_id": "",
            "in_reply_to_user_id": "",
            "in_reply_to_screen_name": "",
            "pic_urls": [],
            "geo": None,
            "reposts_count": 0,
            "comments_count": 0,
            "attitudes_count": 0,
            "visible": {"type": 0, "list_id": 0},
            "user": self._user_json(self._account(status.account)),
        }
        if status.pic_url:
            data["pic_urls"] = [{"thumbnail_pic": url} for url in (status.pic_urls or [status.pic_url])]
            data["thumbnail_pic"] = data["bmiddle_pic"] = data["original_pic"] = status.pic_url
        return data

    # -- API endpoints (called under the lock) ------------------------------------------

    def _api_share(self, request: Request) -> Response:
        """POST /2/statuses/share.json — access_token, status, rip required; pic optional
        (multipart). Checks in order: 10016 missing status/rip, 10017 "#topic#" in the text
        (the documentation forbids it), 10017 "text not find domain!" without a link to a
        safe domain, 20012 longer than 140, 20019 the account already has a live status
        with this text, 20005/20006 pic type/size. Success: the created status."""
        path = request.path
        account, error = self._authorise(request)
        if account is None:
            return error
        form = request.fields()
        text = form.get("status", "")
        missing = "status" if not text.strip() else "rip" if not form.get("rip", "").strip() else None
        if missing:
            return self._fail(account, 10016, path, missing)
        if _TOPIC.search(text):
            return self._fail(account, 10017, path, "status", "text without #topic#", "#topic#")
        if not self._links_ok(text):
            return self._fail(account, 10017, path, error=TEXT_NOT_FIND_DOMAIN)
        if weibo_length(text, self.limits.link_length) > self.limits.status_length:
            return self._fail(account, 20012, path)
        if self.duplicate_check and any(s.text == text and not s.deleted for s in account.statuses.values()):
            account.repeat_rejections += 1
            return self._fail(account, 20019, path)
        pic: UploadedFile | None = request.files().get("pic")
        pic_url: str | None = None
        if pic is not None:
            fmt = sniff_image(pic.data)
            if fmt not in ("jpeg", "png", "gif"):
                return self._fail(account, 20005, path)
            if pic.size >= self.limits.pic_bytes:
                return self._fail(account, 20006, path)
            pic_url = self._store_pic(pic.data, fmt)
            digests = [hashlib.sha256(pic.data).hexdigest()]
        else:
            digests = []
        return Response.json(self._status_json(
            self._create(account, text, pic_url, [pic_url] if pic_url else [], digests)))

    def _store_pic(self, data: bytes, fmt: str) -> str:
        pid = secrets.token_hex(16)
        self._pics[pid] = (IMAGE_CONTENT_TYPES[fmt], data)
        return f"{self.public_url}/large/{pid}.{'jpg' if fmt == 'jpeg' else fmt}"

    def _checked_pic(self, account: _Account, request: Request) -> tuple[tuple[bytes, str], None] | tuple[None, Response]:
        """The multipart ``pic``: 10016 missing, 20005 not JPG/GIF/PNG, 20006 5 MB or more."""
        pic: UploadedFile | None = request.files().get("pic")
        if pic is None:
            return None, self._fail(account, 10016, request.path, "pic")
        fmt = sniff_image(pic.data)
        if fmt not in ("jpeg", "png", "gif"):
            return None, self._fail(account, 20005, request.path)
        if pic.size >= self.limits.pic_bytes:
            return None, self._fail(account, 20006, request.path)
        return (pic.data, fmt), None

    def _api_upload_pic(self, request: Request) -> Response:
        """POST /2/statuses/upload_pic.json — access_token, multipart ``pic`` → {"pic_id",
        "thumbnail_pic", "bmiddle_pic", "original_pic"}. 高级写入接口: 10014 without it. The
        picture belongs to the uploading account and shows nowhere until a post uses it."""
        account, error = self._authorise(request)
        if account is None:
            return error
        if not self.advanced_write:
            return self._fail(account, 10014, request.path)
        checked, error = self._checked_pic(account, request)
        if checked is None:
            return error
        data, fmt = checked
        url = self._store_pic(data, fmt)
        pic_id = url.rsplit("/", 1)[-1].split(".")[0]
        self._uploaded[pic_id] = (account.name, url, hashlib.sha256(data).hexdigest())
        return Response.json({"pic_id": pic_id, "thumbnail_pic": url, "bmiddle_pic": url, "original_pic": url})

    def _api_upload_url_text(self, request: Request) -> Response:
        """POST /2/statuses/upload_url_text.json — access_token, status, pic_id (comma-separated,
        at most 9, uploaded by this account through upload_pic) or url; rip. 高级写入接口: 10014
        without it. Checks in order: 10016 missing status / neither pic_id nor url, 10017 more
        than nine or unknown pic_ids, 20012 longer than 140, 20019 repeated text. Success: the
        created status with every picture in ``pic_urls``."""
        path = request.path
        account, error = self._authorise(request)
        if account is None:
            return error
        if not self.advanced_write:
            return self._fail(account, 10014, path)
        form = request.fields()
        text = form.get("status", "")
        if not text.strip():
            return self._fail(account, 10016, path, "status")
        raw = form.get("pic_id", "").strip()
        if not raw and not form.get("url", "").strip():
            return self._fail(account, 10016, path, "pic_id")
        ids = [p.strip() for p in raw.split(",") if p.strip()] if raw else []
        if len(ids) > 9:
            return self._fail(account, 10017, path, "pic_id", "at most 9 pic_ids", str(len(ids)))
        unknown = [p for p in ids if self._uploaded.get(p, ("",))[0] != account.name]
        if unknown:
            return self._fail(account, 10017, path, "pic_id", "pic_id uploaded by this user", unknown[0])
        if weibo_length(text, self.limits.link_length) > self.limits.status_length:
            return self._fail(account, 20012, path)
        if self.duplicate_check and any(s.text == text and not s.deleted for s in account.statuses.values()):
            account.repeat_rejections += 1
            return self._fail(account, 20019, path)
        urls = [self._uploaded[p][1] for p in ids]
        digests = [self._uploaded[p][2] for p in ids]
        return Response.json(self._status_json(
            self._create(account, text, urls[0] if urls else None, urls, digests)))

    def _create(self, account: _Account, text: str, pic_url: str | None, pic_urls: list[str] | None = None,
                pic_digests: list[str] | None = None) -> _Status:
        status = _Status(id=next(self._ids), account=account.name, text=text, created_at=self.now(),
                         pic_url=pic_url, pic_urls=list(pic_urls or []), pic_digests=list(pic_digests or []))
        account.statuses[status.id] = status
        account.created_by_text[text] += 1
        account.shares += 1
        self._statuses[status.id] = status
        return status

    @staticmethod
    def _fail(account: _Account, code: int, path: str, *args: str, error: str | None = None) -> Response:
        """Count the error against the account and build its answer."""
        account.errors[code] += 1
        return weibo_error(code, path, *args, error=error)

    def _status_id(self, request: Request, account: _Account, form: dict[str, str]
                   ) -> tuple[int, None] | tuple[None, Response]:
        raw = (form.get("id") or request.query.get("id") or "").strip()
        if not raw:
            return None, self._fail(account, 10016, request.path, "id")
        if not raw.isdigit():
            return None, self._fail(account, 10017, request.path, "id", "int64", raw)
        return int(raw), None

    def _api_destroy(self, request: Request) -> Response:
        """POST /2/statuses/destroy.json — access_token, id → the deleted status. 20101
        "target weibo does not exist!" for an unknown or already deleted id, 20102 for
        another account's status."""
        account, error = self._authorise(request)
        if account is None:
            return error
        status_id, error = self._status_id(request, account, request.fields())
        if status_id is None:
            return error
        status = self._statuses.get(status_id)
        if status is None or status.deleted:
            return self._fail(account, 20101, request.path)
        if status.account != account.name:
            return self._fail(account, 20102, request.path)
        status.deleted = True
        account.destroys += 1
        return Response.json(self._status_json(status))

    def _api_user_timeline(self, request: Request) -> Response:
        """GET /2/statuses/user_timeline.json — access_token, count (default 20, max 100) →
        {"statuses": [...], "total_number"}: the authorised account's own statuses, newest
        first, as the documented endpoint answers for the token's owner."""
        account, error = self._authorise(request)
        if account is None:
            return error
        try:
            count = min(max(int(request.query.get("count", "20")), 1), 100)
        except ValueError:
            return self._fail(account, 10017, request.path, "count", "int", request.query.get("count", ""))
        own = sorted((s for s in self._statuses.values() if s.account == account.name and not s.deleted),
                     key=lambda s: s.id, reverse=True)
        return Response.json({"statuses": [self._status_json(s) for s in own[:count]], "total_number": len(own)})

    def _api_comments_show(self, request: Request) -> Response:
        """GET /2/comments/show.json — access_token, id (the status), since_id, max_id, count
        (default 50, at most 200), page (from 1) → {"comments": [...], "total_number",
        "previous_cursor", "next_cursor"}: the status's comments newest first, those with an
        id above since_id and at most max_id. 20101 when the status is gone; 10017 for a
        count, page or since_id that is not a number in range."""
        account, error = self._authorise(request)
        if account is None:
            return error
        status_id, error = self._status_id(request, account, {})
        if status_id is None:
            return error
        status = self._statuses.get(status_id)
        if status is None or status.deleted:
            return self._fail(account, 20101, request.path)
        query = request.query
        numbers = {}
        for name, default, low, high in (("count", COMMENTS_DEFAULT_COUNT, 1, COMMENTS_MAX_COUNT),
                                         ("page", 1, 1, 1 << 31), ("since_id", 0, 0, 1 << 63),
                                         ("max_id", 0, 0, 1 << 63)):
            raw = query.get(name, "") or str(default)
            if not raw.isdigit() or not low <= int(raw) <= high:
                return self._fail(account, 10017, request.path, name, f"int64 between {low} and {high}", raw)
            numbers[name] = int(raw)
        chosen = [c for c in reversed(self._comments.get(status_id, []))
                  if c.id > numbers["since_id"] and (not numbers["max_id"] or c.id <= numbers["max_id"])]
        start = (numbers["page"] - 1) * numbers["count"]
        page = chosen[start:start + numbers["count"]]
        more = start + numbers["count"] < len(chosen)
        return Response.json({
            "comments": [self._comment_json(c, status) for c in page],
            "hasvisible": False,
            "previous_cursor": 0,
            "next_cursor": page[-1].id - 1 if page and more else 0,
            "total_number": len(chosen),
        })

    def _comment_json(self, comment: _Comment, status: _Status) -> JSONDict:
        return {
            "created_at": weibo_created_at(comment.created_at),
            "id": comment.id,
            "idstr": str(comment.id),
            "mid": str(comment.id),
            "text": comment.text,
            "source": '<a href="https://weibo.com" rel="nofollow">微博 weibo.com</a>',
            "user": {"id": comment.user_id, "idstr": str(comment.user_id), "screen_name": comment.user_name,
                     "name": comment.user_name, "location": comment.location, "province": "", "city": "",
                     "gender": "n", "verified": False},
            "status": self._status_json(status),
        }

    # -- counts ---------------------------------------------------------------------------
    #
    # A status's running counts (comments, reposts, attitudes) grow with its age in days,
    # derived deterministically from its id, unless set through the control API (``counts``);
    # an account's followers grow day by day from a base derived from its name, unless set
    # (``followers``). The status JSON keeps its zero counts, as before.

    @staticmethod
    def _hash(text: str) -> int:
        return int(hashlib.sha1(text.encode("utf-8")).hexdigest()[:12], 16)

    def _status_counts(self, status: _Status) -> dict[str, int]:
        given = self._counts.get(status.id)
        if given is not None:
            return dict(given)
        age = max(0, (self.now().astimezone(SHANGHAI).date() - status.created_at.astimezone(SHANGHAI).date()).days)
        h = self._hash(str(status.id))
        grown = min(age, 7) + 1
        return {"comments": (h % 9) * grown, "reposts": ((h >> 4) % 13) * grown,
                "attitudes": ((h >> 8) % 40 + 3) * grown}

    def _followers_count(self, account: _Account) -> int:
        if account.name in self._followers:
            return self._followers[account.name]
        days = max(0, (self.now().astimezone(SHANGHAI) - FOLLOWERS_EPOCH).days)
        h = self._hash(account.name)
        return 3000 + h % 20000 + days * (h % 7 + 1)

    def _api_statuses_count(self, request: Request) -> Response:
        """GET /2/statuses/count.json — access_token, ids (comma-separated, at most 100) →
        [{"id", "comments", "reposts", "attitudes"}]: the running counts of each status that
        exists (unknown or deleted ids are left out, fake's choice). 10016 without ids, 10017
        for a non-numeric id or more than 100."""
        account, error = self._authorise(request)
        if account is None:
            return error
        raw = request.query.get("ids", "").strip()
        if not raw:
            return self._fail(account, 10016, request.path, "ids")
        ids = [part.strip() for part in raw.split(",") if part.strip()]
        if len(ids) > COUNT_MAX_IDS:
            return self._fail(account, 10017, request.path, "ids", f"at most {COUNT_MAX_IDS} ids", str(len(ids)))
        bad = next((part for part in ids if not part.isdigit()), None)
        if bad is not None:
            return self._fail(account, 10017, request.path, "ids", "int64", bad)
        answer = []
        for part in ids:
            status = self._statuses.get(int(part))
            if status is None or status.deleted:
                continue
            answer.append({"id": status.id, **self._status_counts(status)})
        return Response.json(answer)

    def _api_get_uid(self, request: Request) -> Response:
        """GET /2/account/get_uid.json — access_token → {"uid"}: the token owner's user id."""
        account, error = self._authorise(request)
        if account is None:
            return error
        return Response.json({"uid": account.uid})

    def _api_users_show(self, request: Request) -> Response:
        """GET /2/users/show.json — access_token, uid or screen_name → the user, with
        followers_count. 10016 without either, 20003 "User does not exists!" for an unknown one."""
        account, error = self._authorise(request)
        if account is None:
            return error
        uid, name = request.query.get("uid", "").strip(), request.query.get("screen_name", "").strip()
        if not uid and not name:
            return self._fail(account, 10016, request.path, "uid")
        if uid and not uid.isdigit():
            return self._fail(account, 10017, request.path, "uid", "int64", uid)
        target = next((a for a in self._accounts.values() if (uid and str(a.uid) == uid) or (name and a.name == name)),
                      None)
        if target is None:
            return self._fail(account, 20003, request.path)
        return Response.json({**self._user_json(target), "followers_count": self._followers_count(target)})

    def _api_show(self, request: Request) -> Response:
        """GET /2/statuses/show.json — access_token, id → the status, 20101 when gone."""
        account, error = self._authorise(request)
        if account is None:
            return error
        status_id, error = self._status_id(request, account, {})
        if status_id is None:
            return error
        status = self._statuses.get(status_id)
        if status is None or status.deleted:
            return self._fail(account, 20101, request.path)
        return Response.json(self._status_json(status))
