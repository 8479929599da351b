"""SMS to citizens: a small gateway interface and its adapter for 阿里云短信服务 (dysmsapi).

Why an interface: a county picks whatever SMS provider its government cloud contracts
(阿里云, 腾讯云, an operator's own gateway); what the rest of the platform needs is only
"send this approved template with these values to this number, and tell me whether it
worked, is worth retrying, or will never work". Chinese SMS providers only deliver
pre-approved templates under a registered signature (签名), so the call takes a template
code and its parameters, never free text.

The adapter implements Aliyun's RPC-style ``SendSms`` (API version 2017-05-25) with the
documented signature scheme (version 1.0, HMAC-SHA1):

    canonical  = "&".join(percentEncode(k) + "=" + percentEncode(v) for k, v in sorted(params))
    StringToSign = "GET&" + percentEncode("/") + "&" + percentEncode(canonical)
    Signature  = Base64(HMAC-SHA1(AccessKeySecret + "&", StringToSign))

percentEncode is RFC 3986 (A–Z a–z 0–9 ``-_.~`` unencoded, space as ``%20``). Sources:
https://www.alibabacloud.com/help/en/sms/signature-method (签名机制),
https://www.alibabacloud.com/help/en/doc-detail/162282.htm (common parameters),
help.aliyun.com/document_detail/56189.html (the worked SendSms example, which
``tests/test_sms_gateway.py`` reproduces) and the API error codes page
https://help.aliyun.com/document_detail/101346.html for the mapping below.

What each answer means for the outbox (`rongmei.core.messaging.SendResult`):
- ``OK`` → ok (``BizId`` is the provider's receipt id);
- ``isv.BUSINESS_LIMIT_CONTROL`` (the provider's per-number frequency limit: by default
  1 a minute, 5 an hour, 10 a day) and the account's day/month quotas → retry after the
  window named in the message;
- ``isp.*``, HTTP 5xx, throttling, no answer at all → retry (the provider's own trouble);
- wrong number, template, signature, parameters, key → fail, with a Chinese message that
  tells the center admin what to fix. The phone number never appears in any message.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import re
import uuid
from abc import ABC, abstractmethod
from urllib.parse import quote

from rongmei.core.messaging.outbox import SendResult
from rongmei.core.privacy import mask_phone

ALIYUN_ENDPOINT = "https://dysmsapi.aliyuncs.com/"
ALIYUN_VERSION = "2017-05-25"
TIMEOUT = 8.0  # seconds for one call
BEIJING = dt.timezone(dt.timedelta(hours=8))  # the provider's SendDate is a Beijing date
MOBILE = re.compile(r"^(?:\+?86|0086)?(1[3-9]\d{9})$")

# Business codes that will not work until someone changes something: (Chinese message).
FAIL_CODES = {
    "isv.MOBILE_NUMBER_ILLEGAL": "手机号码无效（非法手机号），短信无法送达。",
    "isv.TEMPLATE_MISSING_PARAMETERS": "短信模板的变量缺少对应的值：请在“问政设置 → 短信”里检查参数对应关系。",
    "isv.SMS_TEMPLATE_ILLEGAL": "短信模板不存在或未审核通过：请核对模板 CODE（在阿里云短信控制台“模板管理”中查看）。",
    "isv.SMS_SIGNATURE_ILLEGAL": "短信签名不存在或未审核通过：请核对签名名称（阿里云短信控制台“签名管理”）。",
    "isv.SMS_SIGN_ILLEGAL": "短信签名被禁止使用：请在阿里云短信控制台更换签名。",
    "isv.SIGN_STATE_ILLEGAL": "短信签名状态为“不可用”：请在阿里云短信控制台修正签名。",
    "isv.INVALID_JSON_PARAM": "模板参数格式不对（只接受文字值）。",
    "isv.PARAM_LENGTH_LIMIT": "模板变量的值超过长度限制：请换用较短的参数（如部门简称）。",
    "isv.TEMPLATE_PARAMS_ILLEGAL": "模板变量的值含有不允许的内容（如网址、电话）：请调整模板或参数。",
    "isv.SMS_CONTENT_ILLEGAL": "短信内容含有禁止发送的内容，请修改模板。",
    "isv.SMS_SIGNATURE_SCENE_ILLEGAL": "签名和模板类型不一致：通知短信请使用“通用”类签名。",
    "isv.AMOUNT_NOT_ENOUGH": "短信账户余额不足，请充值后在投递记录中重发。",
    "isv.OUT_OF_SERVICE": "短信业务已停机（余额不足），请充值后重发。",
    "isv.PRODUCT_UN_SUBSCRIPT": "该阿里云账号没有开通短信服务。",
    "isv.ACCOUNT_NOT_EXISTS": "阿里云账号不存在，请核对 AccessKey。",
    "isv.ACCOUNT_ABNORMAL": "阿里云账号异常，请联系阿里云。",
    "isv.DENY_IP_RANGE": "发送服务器所在地区被短信服务禁用（需中国内地 IP）。",
    "isp.RAM_PERMISSION_DENY": "AccessKey 没有短信权限：请为该 RAM 用户授权 AliyunDysmsFullAccess。",
    "SignatureDoesNotMatch": "签名校验失败：AccessKey Secret 不正确，请重新填写短信通道的密钥。",
    "InvalidAccessKeyId.NotFound": "AccessKey ID 不存在，请核对短信通道的 AccessKey ID。",
    "InvalidAccessKeyId.Inactive": "AccessKey 已被禁用，请在阿里云控制台启用或更换。",
    "InvalidTimeStamp.Expired": "服务器时间与标准时间相差超过 15 分钟，请校准服务器时钟。",
    "InvalidVersion": "接口版本不被支持。",
}
# Codes worth trying again later, with how long to wait (seconds).
RETRY_CODES = {
    "isv.BUSINESS_LIMIT_CONTROL": 60,
    "isv.DAY_LIMIT_CONTROL": 3600,
    "isv.MONTH_LIMIT_CONTROL": 6 * 3600,
    "Throttling": 60,
    "Throttling.User": 60,
    "Throttling.Api": 60,
    "SignatureNonceUsed": 5,
    "ServiceUnavailable": 60,
    "InternalError": 60,
}


class SmsGateway(ABC):
    """Sends one approved template to one mobile number."""

    provider: str = ""

    @abstractmethod
    def send(self, phone: str, template_code: str, params: dict, sign_name: str, key: str) -> SendResult:
        """``key`` identifies the message on our side (idempotency key; the provider's
        ``OutId`` where it has one, echoed in its receipts)."""


def normalize_mobile(phone: str) -> str | None:
    """The 11-digit mainland mobile number in ``phone`` (spaces, dashes, +86 forgiven), or None
    for anything that cannot receive an SMS (a landline, a typo)."""
    match = MOBILE.match(re.sub(r"[\s-]", "", phone or ""))
    return match.group(1) if match else None


# --- Aliyun ------------------------------------------------------------------------------------------

def percent_encode(value: str) -> str:
    """RFC 3986 as the signature document requires: only A–Z a–z 0–9 - _ . ~ stay as they are."""
    return quote(str(value), safe="~")


def canonical_query(params: dict[str, str]) -> str:
    return "&".join(f"{percent_encode(k)}={percent_encode(v)}" for k, v in sorted(params.items()) if k != "Signature")


def string_to_sign(params: dict[str, str], method: str = "GET") -> str:
    return f"{method}&{percent_encode('/')}&{percent_encode(canonical_query(params))}"


def signature(params: dict[str, str], secret: str, method: str = "GET") -> str:
    digest = hmac.new(f"{secret}&".encode(), string_to_sign(params, method).encode("utf-8"), hashlib.sha1)
    return base64.b64encode(digest.digest()).decode("ascii")


class AliyunSms(SmsGateway):
    """阿里云短信服务 SendSms over HTTPS GET (or the ``base_url`` of an intranet relay or a fake)."""

    provider = "aliyun"

    def __init__(self, access_key_id: str, access_key_secret: str, *, base_url: str = "",
                 region: str = "cn-hangzhou", timeout: float = TIMEOUT) -> None:
        self.access_key_id = access_key_id
        self.access_key_secret = access_key_secret
        self.base_url = (base_url or ALIYUN_ENDPOINT).rstrip("/") + "/"
        self.region = region or "cn-hangzhou"
        self.timeout = timeout

    def signed_params(self, params: dict[str, str], *, nonce: str | None = None,
                      timestamp: dt.datetime | None = None) -> dict[str, str]:
        """The common parameters added and the request signed (``Signature`` included)."""
        stamp = (timestamp or dt.datetime.now(dt.UTC)).astimezone(dt.UTC)
        full = {
            "AccessKeyId": self.access_key_id, "Format": "JSON", "RegionId": self.region,
            "SignatureMethod": "HMAC-SHA1", "SignatureNonce": nonce or str(uuid.uuid4()),
            "SignatureVersion": "1.0", "Timestamp": stamp.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "Version": ALIYUN_VERSION, **params,
        }
        full["Signature"] = signature(full, self.access_key_secret)
        return full

    def url(self, params: dict[str, str]) -> str:
        signed = self.signed_params(params)
        query = f"Signature={percent_encode(signed['Signature'])}&{canonical_query(signed)}"
        return f"{self.base_url}?{query}"

    def send(self, phone: str, template_code: str, params: dict, sign_name: str, key: str) -> SendResult:
        from rongmei.core.messaging import net

        mobile = normalize_mobile(phone)
        if mobile is None:
            return SendResult.fail(f"{mask_phone(phone)} 不是手机号码，无法接收短信。")
        request = {
            "Action": "SendSms", "PhoneNumbers": mobile, "SignName": sign_name, "TemplateCode": template_code,
            "TemplateParam": json.dumps({k: str(v) for k, v in params.items()}, ensure_ascii=False,
                                        separators=(",", ":")),
            "OutId": key[:64],
        }
        try:
            answer = net.request("GET", self.url(request), timeout=self.timeout)
        except net.Refused as exc:
            return SendResult.fail(f"短信接口地址不被允许：{exc}")
        except net.Unreachable as exc:
            # the request may have reached the provider: unknown, checked before the next try
            return SendResult.retry(f"短信接口没有应答：{exc}", 60, unknown=True)
        return judge(answer.status, answer.json())

    def find_sent(self, phone: str, out_id: str, day: dt.date) -> SendResult | None:
        """Whether a message with ``out_id`` reached the provider for ``phone`` on ``day``
        (Beijing date), by ``QuerySendDetails``: ok when it did, None when it did not, a
        retry when the question itself got no answer. Asked before sending again after an
        attempt whose outcome is unknown, so that a citizen never gets the same SMS twice."""
        from rongmei.core.messaging import net

        mobile = normalize_mobile(phone)
        if mobile is None:
            return None
        for page in (1, 2, 3):
            query = {"Action": "QuerySendDetails", "PhoneNumber": mobile, "SendDate": day.strftime("%Y%m%d"),
                     "PageSize": "50", "CurrentPage": str(page)}
            try:
                answer = net.request("GET", self.url(query), timeout=self.timeout)
            except (net.Refused, net.Unreachable) as exc:
                return SendResult.retry(f"无法确认上次发送的结果（{exc}），稍后再查。", 60, unknown=True)
            data = answer.json()
            if not isinstance(data, dict) or data.get("Code") != "OK":
                code = data.get("Code") if isinstance(data, dict) else f"HTTP {answer.status}"
                return SendResult.retry(f"无法确认上次发送的结果（{code}），稍后再查。", 60, unknown=True)
            rows = ((data.get("SmsSendDetailDTOs") or {}).get("SmsSendDetailDTO")) or []
            for row in rows:
                if str(row.get("OutId") or "") == out_id and int(row.get("SendStatus") or 0) != 2:
                    return SendResult.ok(str(row.get("BizId") or ""), "上次发送已到达短信平台（查询确认），未重复发送。")
            if len(rows) < 50:
                return None
        return None


def judge(status: int, data) -> SendResult:
    """An Aliyun answer (HTTP status and JSON body) as an outcome."""
    if not isinstance(data, dict) or "Code" not in data:
        if status >= 500:
            return SendResult.retry(f"短信接口暂时不可用（HTTP {status}），稍后重试。", 60, unknown=True)
        return SendResult.fail(f"短信接口的应答无法识别（HTTP {status}）。")
    code = str(data.get("Code") or "")
    message = str(data.get("Message") or "")[:200]
    if code == "OK":
        return SendResult.ok(str(data.get("BizId") or "")[:100], "短信已提交运营商。")
    if code in RETRY_CODES:
        wait = RETRY_CODES[code]
        if code == "isv.BUSINESS_LIMIT_CONTROL":
            wait = 86400 if "天" in message else 3600 if "小时" in message else 60
        return SendResult.retry(f"短信平台限流（{code}：{message}），{_later(wait)}自动重试。", wait)
    if code in FAIL_CODES:
        return SendResult.fail(f"{FAIL_CODES[code]}（{code}）")
    if code.startswith("isp.") or status >= 500:
        return SendResult.retry(f"短信平台系统错误（{code}），稍后重试。", 60, unknown=status >= 500)
    return SendResult.fail(f"短信平台拒绝发送（{code}：{message}）。")


def _later(seconds: int) -> str:
    if seconds >= 86400:
        return "明天"
    if seconds >= 3600:
        return f"{seconds // 3600} 小时后"
    return f"{max(1, seconds // 60)} 分钟后"


# --- The outbox's "sms" sender -------------------------------------------------------------------------

PROVIDERS = {"aliyun": AliyunSms}


def gateway_for(channel) -> SmsGateway:
    """The gateway a MessageChannel of kind "sms" describes: provider in ``options``
    (default aliyun), AccessKey ID in ``app_id``, the secret encrypted in ``secret``."""
    from rongmei.core.messaging import secrets

    options = channel.options or {}
    provider = options.get("provider") or "aliyun"
    if provider not in PROVIDERS:
        raise ValueError(f"不支持的短信服务商：{provider}")
    return PROVIDERS[provider](channel.app_id, secrets.decrypt(channel.secret), base_url=channel.base_url,
                               region=options.get("region") or "cn-hangzhou")


def _note(delivery, **changes) -> None:
    """Record the sender's progress on the outbox row (survives a crash of this worker)."""
    from rongmei.core.models import MessageDelivery

    progress = {**(delivery.progress or {}), **changes}
    delivery.progress = progress
    MessageDelivery.objects.filter(pk=delivery.pk).update(progress=progress)


def send_delivery(delivery) -> SendResult:
    """The outbox's sender for kind "sms". The row's payload carries ``template_code``,
    ``params`` and ``sign_name``; the number is the row's encrypted address. Before the
    provider is called the row notes that it asked; if a previous try left that note (no
    answer, or the worker died), the provider is first asked whether that message arrived."""
    from rongmei.core.messaging.outbox import address_of

    channel = delivery.channel
    if channel is None or channel.kind != "sms":
        return SendResult.fail("没有可用的短信通道：请在“问政设置 → 短信”里配置。")
    payload = delivery.payload or {}
    if not payload.get("template_code") or not payload.get("sign_name"):
        return SendResult.fail("短信缺少模板 CODE 或签名：请在“问政设置 → 短信”里补全。")
    try:
        gateway = gateway_for(channel)
        phone = address_of(delivery)
    except ValueError as exc:
        return SendResult.fail(str(exc))
    out_id = f"rm{delivery.pk}"
    asked = (delivery.progress or {}).get("sms_asked_at")
    if asked and hasattr(gateway, "find_sent"):
        when = dt.datetime.fromisoformat(asked).astimezone(BEIJING)
        days = dict.fromkeys([when.date(), dt.datetime.now(BEIJING).date()])
        for day in days:
            found = gateway.find_sent(phone, out_id, day)
            if found is not None:
                return found
    _note(delivery, sms_asked_at=dt.datetime.now(dt.UTC).isoformat())
    result = gateway.send(phone, payload["template_code"], dict(payload.get("params") or {}), payload["sign_name"], out_id)
    if not result.unknown:
        _note(delivery, sms_asked_at=None)
    return result


def register() -> None:
    """Make the outbox deliver kind "sms" through `send_delivery` (core's ready()). It
    checks before sending again, so a retry after an unknown outcome cannot double."""
    from rongmei.core.messaging.outbox import register_sender

    register_sender("sms", send_delivery, dedupes=True)
