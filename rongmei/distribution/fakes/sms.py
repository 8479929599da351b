"""A fake 阿里云短信服务 (Aliyun Short Message Service, dysmsapi): ``SendSms`` as the RPC-style
API documents it, so the citizen SMS of 网络问政 is tested over real HTTP and the demo has a
sandbox that shows what a citizen would receive.

Why a fake and not the SDK's mock: the interesting failures are the provider's — a signature
computed slightly wrong (a ``+`` instead of ``%20``, ``~`` encoded), a template variable
missing, the per-number frequency limit (流控) — and only a server that checks them the way
Aliyun does shows that our gateway gets them right. Written from the documentation:

- 请求结构 and common parameters (``AccessKeyId``, ``Action``, ``Format`` JSON|XML (default
  XML), ``RegionId``, ``SignatureMethod`` HMAC-SHA1, ``SignatureNonce`` (unique, against
  replays), ``SignatureVersion`` 1.0, ``Timestamp`` ``yyyy-MM-ddTHH:mm:ssZ`` in UTC,
  ``Version`` 2017-05-25): https://www.alibabacloud.com/help/en/doc-detail/162282.htm
- 签名机制 (RPC, signature version 1.0): canonicalised query = parameters except
  ``Signature`` sorted by name, names and values percent-encoded per RFC 3986 (A–Z a–z 0–9
  ``- _ . ~`` kept, space ``%20``, not ``+``), joined with ``=`` and ``&``;
  ``StringToSign = METHOD & percentEncode("/") & percentEncode(canonicalised query)``;
  ``Signature = Base64(HMAC-SHA1(AccessKeySecret + "&", StringToSign))``:
  https://www.alibabacloud.com/help/en/sms/signature-method ,
  https://help.aliyun.com/en/document_detail/171741.html (the DescribeRegions vector
  ``OLeaidS1JvxuMvnyHOwuJ+uX5qY=``) and the SMS document's worked SendSms example
  (``testId``/``testSecret`` → ``zJDF+Lrzhj/ThnlvIToysFRq6t4=``,
  help.aliyun.com/document_detail/56189.html). A wrong signature answers HTTP 400
  ``SignatureDoesNotMatch``; a reused nonce ``SignatureNonceUsed``; a timestamp more than
  15 minutes off ``InvalidTimeStamp.Expired``; an unknown AccessKeyId HTTP 404
  ``InvalidAccessKeyId.NotFound``.
- QuerySendDetails (``PhoneNumber``, ``SendDate`` yyyyMMdd, ``PageSize`` 1–50,
  ``CurrentPage``, optional ``BizId``) answers ``SmsSendDetailDTOs.SmsSendDetailDTO[]`` with
  ``SendStatus`` (3 = delivered), ``OutId``, ``Content``, ``SendDate``:
  https://help.aliyun.com/document_detail/102352.html
- SendSms (``PhoneNumbers`` comma-separated, ``SignName``, ``TemplateCode``,
  ``TemplateParam`` JSON of string values, ``OutId``) answers HTTP 200
  ``{"Code":"OK","Message":"OK","BizId","RequestId"}``; business errors are HTTP 200 with
  their ``Code`` (API错误码, https://help.aliyun.com/document_detail/101346.html):
  ``isv.MOBILE_NUMBER_ILLEGAL`` 非法手机号, ``isv.SMS_SIGNATURE_ILLEGAL`` 该账号下找不到对应签名,
  ``isv.SMS_TEMPLATE_ILLEGAL`` 该账号下找不到对应模板, ``isv.TEMPLATE_MISSING_PARAMETERS``
  模板变量缺少对应参数值, ``isv.INVALID_JSON_PARAM`` JSON参数不合法，只接受字符串值,
  ``isv.PARAM_LENGTH_LIMIT`` 参数超出长度限制, ``isv.BUSINESS_LIMIT_CONTROL`` 业务限流
  (``触发分钟级流控Permits:1`` / ``触发小时级流控Permits:5`` / ``触发天级流控Permits:10``: the
  default frequency limits per number and signature, 1 a minute, 5 an hour, 10 a day,
  adjustable in the console — here through the control API), ``isp.SYSTEM_ERROR`` 系统错误.

Keys need no setup: any AccessKeyId accepts the secret ``"secret-" + id`` unless another
secret is registered for it (``add_key``). Signatures and templates must be registered
(``add_sign``, ``add_template``); the sandbox starts with the 示例县 templates the demo uses
(``SANDBOX_TEMPLATES``). Controls under ``/__fake__/sms/``: keys, signs, templates, limits,
``fail_next`` (answer the next N sends with a given Code), ``advance`` (move the frequency
clock forward), and the received ``messages`` in ``state()``.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import itertools
import json
import re
import time
import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from .controls import Controls, RemoteFake
from .core import (
    ControlError,
    FakeEngine,
    JSONDict,
    Request,
    Response,
    number,
    require_str,
)
from .server import FakeServer

VERSION = "2017-05-25"
TIMESTAMP_SKEW = 15 * 60  # seconds a Timestamp may differ from the server's clock
MOBILE = re.compile(r"^(?:\+?86|0086)?(1[3-9]\d{9})$")
VARIABLE = re.compile(r"\$\{(\w+)\}")
MAX_NUMBERS = 1000

# Business codes (HTTP 200) and their documented messages.
MESSAGES = {
    "OK": "OK",
    "isv.MOBILE_NUMBER_ILLEGAL": "非法手机号",
    "isv.SMS_SIGNATURE_ILLEGAL": "该账号下找不到对应签名",
    "isv.SMS_TEMPLATE_ILLEGAL": "该账号下找不到对应模板",
    "isv.TEMPLATE_MISSING_PARAMETERS": "模板变量缺少对应参数值",
    "isv.INVALID_JSON_PARAM": "JSON参数不合法，只接受字符串值",
    "isv.PARAM_LENGTH_LIMIT": "参数超出长度限制",
    "isv.BUSINESS_LIMIT_CONTROL": "触发分钟级流控Permits:1",
    "isv.AMOUNT_NOT_ENOUGH": "账户余额不足",
    "isv.OUT_OF_SERVICE": "业务停机",
    "isv.DAY_LIMIT_CONTROL": "触发日发送限额",
    "isp.SYSTEM_ERROR": "isp.SYSTEM_ERROR",
}

# The sandbox's signature and templates (what a center registers in Aliyun's console).
SANDBOX_SIGNS = ("示例县融媒体中心", "邻县融媒体中心", "阿里云短信测试")
SANDBOX_TEMPLATES = {
    "SMS_480100001": "您反映的问题已受理，查询码${code}，已转${department}办理，请留意答复。",
    "SMS_480100002": "您反映的问题（查询码${code}）已有答复，请凭查询码查看并评价：${link}",
    "SMS_480100003": "您反映的问题（查询码${code}）已办结，感谢您对${center}工作的支持。",
    "SMS_71390007": "尊敬的${customer}，欢迎您使用阿里云通信服务！",
}


def percent_encode(value: str) -> str:
    """RFC 3986 encoding as the signature document requires: only A–Z a–z 0–9 - _ . ~ stay."""
    return quote(value, safe="~")


def string_to_sign(method: str, params: dict[str, str]) -> str:
    canonical = "&".join(f"{percent_encode(k)}={percent_encode(v)}"
                         for k, v in sorted(params.items()) if k != "Signature")
    return f"{method.upper()}&{percent_encode('/')}&{percent_encode(canonical)}"


def sign(method: str, params: dict[str, str], secret: str) -> str:
    digest = hmac.new(f"{secret}&".encode(), string_to_sign(method, params).encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


@dataclass
class Limits:
    """Frequency limits per phone number and signature (流控), and the variable length."""

    per_minute: int = 1
    per_hour: int = 5
    per_day: int = 10
    param_chars: int = 35

    def update(self, payload: JSONDict) -> None:
        for name in ("per_minute", "per_hour", "per_day", "param_chars"):
            if name in payload:
                value = int(number(payload, name))
                if value < 0:
                    raise ControlError(f"{name} must not be negative")
                setattr(self, name, value)


@dataclass
class Injected:
    code: str
    count: int
    message: str = ""
    phone: str | None = None


@dataclass
class SmsState:
    keys: dict[str, str] = field(default_factory=dict)
    signs: set[str] = field(default_factory=set)
    templates: dict[str, str] = field(default_factory=dict)
    limits: Limits = field(default_factory=Limits)
    injected: list[Injected] = field(default_factory=list)
    nonces: dict[str, float] = field(default_factory=dict)
    sent: dict[tuple[str, str], list[float]] = field(default_factory=dict)   # (phone, sign) -> send times
    messages: list[JSONDict] = field(default_factory=list)
    refusals: list[JSONDict] = field(default_factory=list)
    clock_offset: float = 0.0


class SmsFake(FakeEngine):
    kind = "sms"

    def __init__(self, *, latency: float = 0.0) -> None:
        super().__init__(latency=latency)
        self._ids = itertools.count(1)
        self.s = SmsState()
        self._reset_state()

    # -- FakeEngine ------------------------------------------------------------------------

    def is_api_path(self, path: str) -> bool:
        return path == "/"

    def account_for(self, request: Request) -> str | None:
        return self._params(request).get("AccessKeyId")

    def _reset_state(self) -> None:
        self.s = SmsState(signs=set(SANDBOX_SIGNS), templates=dict(SANDBOX_TEMPLATES))

    def _state(self) -> JSONDict:
        return {
            "messages": [dict(m) for m in self.s.messages],
            "refusals": [dict(r) for r in self.s.refusals],
            "signs": sorted(self.s.signs),
            "templates": dict(self.s.templates),
            "limits": {"per_minute": self.s.limits.per_minute, "per_hour": self.s.limits.per_hour,
                       "per_day": self.s.limits.per_day, "param_chars": self.s.limits.param_chars},
            "injected": [{"code": i.code, "remaining": i.count, "phone": i.phone} for i in self.s.injected],
            "clock_offset": self.s.clock_offset,
        }

    def _control(self, method: str, action: str, payload: JSONDict) -> JSONDict:
        if method != "POST":
            raise ControlError(f"unknown control action {action!r}", 404)
        s = self.s
        if action == "keys":
            s.keys[require_str(payload, "access_key_id")] = require_str(payload, "secret")
            return {"ok": True}
        if action == "signs":
            s.signs.add(require_str(payload, "sign_name"))
            return {"signs": sorted(s.signs)}
        if action == "templates":
            s.templates[require_str(payload, "code")] = require_str(payload, "content")
            return {"templates": dict(s.templates)}
        if action == "remove_template":
            s.templates.pop(require_str(payload, "code"), None)
            return {"templates": dict(s.templates)}
        if action == "limits":
            s.limits.update(payload)
            return self._state()["limits"]
        if action == "fail_next":
            code = require_str(payload, "code")
            count = int(number(payload, "count", 1))
            if count < 1:
                raise ControlError("count must be at least 1")
            s.injected.append(Injected(code=code, count=count, message=str(payload.get("message") or ""),
                                       phone=payload.get("phone") or None))
            return {"injected": len(s.injected)}
        if action == "advance":
            seconds = number(payload, "seconds")
            if seconds < 0:
                raise ControlError("seconds must not be negative")
            s.clock_offset += seconds
            return {"clock_offset": s.clock_offset}
        raise ControlError(f"unknown control action {action!r}", 404)

    # -- the API ---------------------------------------------------------------------------

    @staticmethod
    def _params(request: Request) -> dict[str, str]:
        params = dict(request.query)
        if request.method == "POST":
            params.update(request.fields())
        return params

    def handle(self, request: Request) -> Response:
        if request.method not in ("GET", "POST"):
            return self._error(request, 400, "UnsupportedHTTPMethod", "This http method is not supported.", "XML")
        params = self._params(request)
        fmt = (params.get("Format") or "XML").upper()
        for name in ("AccessKeyId", "Action", "SignatureMethod", "SignatureNonce", "SignatureVersion", "Timestamp",
                     "Version", "Signature"):
            if not params.get(name):
                return self._error(request, 400, f"Missing{name}", f"{name} is mandatory for this action.", fmt)
        if params["Version"] != VERSION:
            return self._error(request, 400, "InvalidVersion", "Specified parameter Version is not valid.", fmt)
        if params["SignatureMethod"] != "HMAC-SHA1":
            return self._error(request, 400, "InvalidSignatureMethod",
                               "Specified signature method is not supported.", fmt)
        if params["SignatureVersion"] != "1.0":
            return self._error(request, 400, "InvalidSignatureVersion",
                               "Specified signature version is not supported.", fmt)
        try:
            stamp = dt.datetime.strptime(params["Timestamp"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC)
        except ValueError:
            return self._error(request, 400, "InvalidTimeStamp.Format",
                               "Specified time stamp or date value is not well formatted.", fmt)
        if abs(stamp.timestamp() - time.time()) > TIMESTAMP_SKEW:
            return self._error(request, 400, "InvalidTimeStamp.Expired",
                               "Specified time stamp or date value is expired.", fmt)
        with self.lock:
            secret = self.s.keys.get(params["AccessKeyId"], "secret-" + params["AccessKeyId"])
            expected = sign(request.method, params, secret)
            if not hmac.compare_digest(expected, params["Signature"]):
                self._refuse(params, "SignatureDoesNotMatch")
                return self._error(
                    request, 400, "SignatureDoesNotMatch",
                    "Specified signature is not matched with our calculation. server string to sign is:"
                    + string_to_sign(request.method, params), fmt)
            now = time.time()
            self.s.nonces = {n: t for n, t in self.s.nonces.items() if now - t < TIMESTAMP_SKEW}
            if params["SignatureNonce"] in self.s.nonces:
                return self._error(request, 400, "SignatureNonceUsed", "Specified signature nonce was used already.",
                                   fmt)
            self.s.nonces[params["SignatureNonce"]] = now
            if params["Action"] == "QuerySendDetails":
                return self._answer(self._query(params), 200, fmt)
            if params["Action"] != "SendSms":
                return self._error(request, 404, "InvalidAction.NotFound",
                                   "Specified api is not found, please check your url and method.", fmt)
            code, message, biz_id = self._send(params)
        body = {"Code": code, "Message": message, "RequestId": str(uuid.uuid4()).upper()}
        if biz_id:
            body["BizId"] = biz_id
        return self._answer(body, 200, fmt)

    def _send(self, params: dict[str, str]) -> tuple[str, str, str]:
        """SendSms under the lock: (Code, Message, BizId)."""
        s = self.s
        raw_numbers = [n.strip() for n in (params.get("PhoneNumbers") or "").split(",") if n.strip()]
        if not raw_numbers or len(raw_numbers) > MAX_NUMBERS:
            return self._refuse(params, "isv.MOBILE_NUMBER_ILLEGAL")
        numbers = []
        for raw in raw_numbers:
            match = MOBILE.match(raw)
            if not match:
                return self._refuse(params, "isv.MOBILE_NUMBER_ILLEGAL")
            numbers.append(match.group(1))
        for injected in list(s.injected):
            if injected.phone is None or injected.phone in numbers:
                injected.count -= 1
                if injected.count <= 0:
                    s.injected.remove(injected)
                return self._refuse(params, injected.code, injected.message or MESSAGES.get(injected.code, injected.code))
        sign_name = params.get("SignName") or ""
        if sign_name not in s.signs:
            return self._refuse(params, "isv.SMS_SIGNATURE_ILLEGAL")
        template = s.templates.get(params.get("TemplateCode") or "")
        if template is None:
            return self._refuse(params, "isv.SMS_TEMPLATE_ILLEGAL")
        try:
            values: Any = json.loads(params.get("TemplateParam") or "{}")
        except ValueError:
            return self._refuse(params, "isv.INVALID_JSON_PARAM")
        if not isinstance(values, dict) or not all(isinstance(v, str) for v in values.values()):
            return self._refuse(params, "isv.INVALID_JSON_PARAM")
        needed = VARIABLE.findall(template)
        if any(not values.get(name) for name in needed):
            return self._refuse(params, "isv.TEMPLATE_MISSING_PARAMETERS")
        if any(len(values[name]) > s.limits.param_chars for name in needed if name != "link"):
            return self._refuse(params, "isv.PARAM_LENGTH_LIMIT")
        now = time.time() + s.clock_offset
        for phone in numbers:
            times = [t for t in s.sent.get((phone, sign_name), []) if now - t < 86400]
            s.sent[(phone, sign_name)] = times
            for window, limit, label in ((60, s.limits.per_minute, "分钟"), (3600, s.limits.per_hour, "小时"),
                                         (86400, s.limits.per_day, "天")):
                if limit and sum(1 for t in times if now - t < window) >= limit:
                    return self._refuse(params, "isv.BUSINESS_LIMIT_CONTROL", f"触发{label}级流控Permits:{limit}")
        content = f"【{sign_name}】" + VARIABLE.sub(lambda m: values[m.group(1)], template)
        biz_id = f"{next(self._ids):06d}{int(time.time() * 1000) % 10**12:012d}^0"
        for phone in numbers:
            s.sent[(phone, sign_name)].append(now)
            s.messages.append({"phone": phone, "sign_name": sign_name, "template_code": params["TemplateCode"],
                               "params": values, "content": content, "out_id": params.get("OutId", ""),
                               "biz_id": biz_id, "access_key_id": params["AccessKeyId"], "at": time.time()})
        return "OK", "OK", biz_id

    def _query(self, params: dict[str, str]) -> JSONDict:
        """QuerySendDetails (PhoneNumber, SendDate yyyyMMdd, PageSize ≤ 50, CurrentPage,
        optional BizId): the messages to that number on that Beijing date, newest first."""
        request_id = str(uuid.uuid4()).upper()
        match = MOBILE.match(params.get("PhoneNumber") or "")
        if not match:
            return {"Code": "isv.MOBILE_NUMBER_ILLEGAL", "Message": MESSAGES["isv.MOBILE_NUMBER_ILLEGAL"],
                    "RequestId": request_id}
        try:
            size, page = int(params.get("PageSize") or 0), int(params.get("CurrentPage") or 0)
            day = dt.datetime.strptime(params.get("SendDate") or "", "%Y%m%d").date()
        except ValueError:
            size = page = 0
            day = None
        if day is None or not 1 <= size <= 50 or page < 1:
            return {"Code": "isv.INVALID_PARAMETERS", "Message": "参数异常", "RequestId": request_id}
        rows = [m for m in self.s.messages if m["phone"] == match.group(1) and _beijing(m["at"]).date() == day
                and (not params.get("BizId") or m["biz_id"] == params["BizId"])]
        rows.reverse()
        chosen = rows[(page - 1) * size: page * size]
        return {"Code": "OK", "Message": "OK", "RequestId": request_id, "TotalCount": str(len(rows)),
                "SmsSendDetailDTOs": {"SmsSendDetailDTO": [
                    {"PhoneNum": m["phone"], "SendStatus": 3, "ErrCode": "DELIVERED", "TemplateCode": m["template_code"],
                     "Content": m["content"], "SendDate": _beijing(m["at"]).strftime("%Y-%m-%d %H:%M:%S"),
                     "ReceiveDate": _beijing(m["at"]).strftime("%Y-%m-%d %H:%M:%S"), "OutId": m["out_id"],
                     "BizId": m["biz_id"]} for m in chosen]}}

    def _refuse(self, params: dict[str, str], code: str, message: str | None = None) -> tuple[str, str, str]:
        message = message or MESSAGES.get(code, code)
        self.s.refusals.append({"code": code, "message": message, "phone": params.get("PhoneNumbers", ""),
                                "template_code": params.get("TemplateCode", ""), "out_id": params.get("OutId", "")})
        return code, message, ""

    def _error(self, request: Request, status: int, code: str, message: str, fmt: str) -> Response:
        return self._answer({"RequestId": str(uuid.uuid4()).upper(), "HostId": "dysmsapi.aliyuncs.com",
                             "Code": code, "Message": message,
                             "Recommend": f"https://api.aliyun.com/troubleshoot?q={code}"}, status, fmt)

    @staticmethod
    def _answer(body: JSONDict, status: int, fmt: str) -> Response:
        if fmt == "JSON":
            return Response.json(body, status)
        root = "SendSmsResponse" if status == 200 else "Error"
        items = "".join(f"<{k}>{_xml(v)}</{k}>" for k, v in body.items())
        return Response.text(f'<?xml version="1.0" encoding="UTF-8"?><{root}>{items}</{root}>', status,
                             "text/xml; charset=utf-8")


def _beijing(epoch: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(epoch, dt.timezone(dt.timedelta(hours=8)))


def _xml(value: Any) -> str:
    return str(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class SmsControls(Controls):
    """Controls of the fake SMS server (``/__fake__/sms/...``)."""

    def add_key(self, access_key_id: str, secret: str) -> None:
        """Register ``access_key_id`` with ``secret`` (default: ``"secret-" + id``)."""
        self._control("POST", "sms/keys", {"access_key_id": access_key_id, "secret": secret})

    def add_sign(self, sign_name: str) -> None:
        self._control("POST", "sms/signs", {"sign_name": sign_name})

    def add_template(self, code: str, content: str) -> None:
        """A template as approved in the console; ``${name}`` marks a variable."""
        self._control("POST", "sms/templates", {"code": code, "content": content})

    def remove_template(self, code: str) -> None:
        self._control("POST", "sms/remove_template", {"code": code})

    def set_limits(self, **limits: int) -> None:
        """per_minute, per_hour, per_day (0 = no limit), param_chars."""
        self._control("POST", "sms/limits", dict(limits))

    def fail_next(self, code: str, count: int = 1, *, message: str = "", phone: str | None = None) -> None:
        """Answer the next ``count`` sends (to ``phone`` only, when given) with ``code``."""
        self._control("POST", "sms/fail_next", {"code": code, "count": count, "message": message, "phone": phone})

    def advance(self, seconds: float) -> None:
        """Move the frequency-limit clock forward (a minute, an hour, a day have passed)."""
        self._control("POST", "sms/advance", {"seconds": seconds})

    def messages(self, phone: str | None = None) -> list[JSONDict]:
        return [m for m in self.state()["messages"] if phone is None or m["phone"] == phone]


class SmsFakeServer(FakeServer, SmsControls):
    """A running fake Aliyun SMS API."""

    engine: SmsFake


def start(host: str = "127.0.0.1", port: int = 0, latency: float = 0.0, publish_delay: float = 0.2) -> SmsFakeServer:
    """Start the fake in a background thread (``start_fake("sms")``)."""
    return SmsFakeServer(SmsFake(latency=latency), host, port).start()


class RemoteSmsFake(RemoteFake, SmsControls):
    """The fake SMS server in another process (the demo's sandbox on port 8910)."""
