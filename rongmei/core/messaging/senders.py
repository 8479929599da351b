"""The built-in senders: 企业微信 application messages, 钉钉 work notifications, group
robots and email. Importing this module registers them (the worker does so).

企业微信 (developer.work.weixin.qq.com/document/path/91039 获取access_token, /90236 发送应用消息):
``GET /cgi-bin/gettoken?corpid=&corpsecret=`` → access_token, expires_in (7200 s), cached per
corp and app and fetched again on 40014 (invalid) / 42001 (expired); ``POST
/cgi-bin/message/send?access_token=`` with a textcard (title, description, url, btntxt)
and ``enable_duplicate_check`` so a message resent after a crash mid-send is dropped by
WeCom itself (same JSON within duplicate_check_interval). ``invaliduser`` naming our
person, or 81013 (all receivers invalid), is a failure that says so; 45009/45033 (rate
limits) and -1 (busy) are retried; 45002 (too long) fails.

钉钉 (open.dingtalk.com 获取企业内部应用的access_token, 发送工作通知, 获取工作通知消息的发送结果):
``GET /gettoken?appkey=&appsecret=``; ``POST /topapi/message/corpconversation/asyncsend_v2``
with an action_card (markdown + single_url) returns a task_id, which is recorded at once;
``POST /topapi/message/corpconversation/getsendresult`` then tells invalid users (fail),
flow-controlled ones (143105 daily limit: retry later; 143106 the same content once a day:
it already arrived) and failed ones (retry). A task id already recorded is only asked
about again, never sent twice.
"""

from __future__ import annotations

import smtplib
import threading
import time
from urllib.parse import urlencode

from django.core.mail import send_mail
from django.utils import timezone

from rongmei.core.messaging import net, robots, secrets
from rongmei.core.messaging.dispatch import robot_text
from rongmei.core.messaging.outbox import SendResult, address_of, register_sender
from rongmei.core.models import MessageDelivery, Notification

TIMEOUT = 8.0
WECOM_BASE = "https://qyapi.weixin.qq.com"
DINGTALK_BASE = "https://oapi.dingtalk.com"
TOKEN_MARGIN = 300  # seconds before the stated expiry at which a token is fetched anew

_tokens: dict[tuple, tuple[str, float]] = {}
_tokens_lock = threading.Lock()


def forget_tokens() -> None:
    with _tokens_lock:
        _tokens.clear()


def _utf8_cut(text: str, limit: int) -> str:
    data = (text or "").encode("utf-8")
    return text if len(data) <= limit else data[: limit - 3].decode("utf-8", "ignore") + "…"


class _Stop(Exception):
    def __init__(self, result: SendResult):
        self.result = result


def _call(name: str, method: str, url: str, body: dict | None = None) -> dict:
    """One API call; the answer's JSON object, or _Stop with the outcome to record."""
    try:
        answer = net.request(method, url, body=body, timeout=TIMEOUT)
    except net.Refused as exc:
        if str(exc).startswith("cannot resolve"):
            raise _Stop(SendResult.retry(f"无法解析{name}接口地址的域名，稍后重试。")) from exc
        raise _Stop(SendResult.fail(f"{name}接口地址不允许访问（内网地址需由系统管理员加入 RONGMEI_LINKCHECK_ALLOW）。")) from exc
    except net.Unreachable as exc:
        raise _Stop(SendResult.retry(f"{name}{exc}，稍后重试。", unknown=method == "POST")) from exc
    if answer.status in (408, 429) or answer.status >= 500:
        raise _Stop(SendResult.retry(f"{name}暂时无法接收（HTTP {answer.status}），稍后重试。"))
    data = answer.json()
    if not isinstance(data, dict) or not isinstance(data.get("errcode", 0), int):
        raise _Stop(SendResult.fail(f"{name}的应答不是预期的 JSON（HTTP {answer.status}）：请检查接口地址。"))
    return data


def _token(name: str, key: tuple, fetch_url: str, *, fresh: bool = False) -> str:
    now = time.monotonic()
    with _tokens_lock:
        cached = _tokens.get(key)
        if cached and not fresh and cached[1] > now:
            return cached[0]
    data = _call(name, "GET", fetch_url)
    code = data.get("errcode", 0)
    if code != 0 or not data.get("access_token"):
        if code in (-1, 45009, 45033, 90018):
            raise _Stop(SendResult.retry(f"{name}获取凭证时繁忙（错误码 {code}），稍后重试。"))
        raise _Stop(SendResult.fail(f"{name}拒绝发放凭证（错误码 {code}：{str(data.get('errmsg', ''))[:80]}）："
                                    "请核对企业ID/AppKey 和应用密钥。"))
    expires = int(data.get("expires_in") or 7200)
    with _tokens_lock:
        _tokens[key] = (data["access_token"], now + max(60, expires - TOKEN_MARGIN))
    return data["access_token"]


def _drop_token(key: tuple) -> None:
    with _tokens_lock:
        _tokens.pop(key, None)


TOKEN_GONE = {40014, 42001}


# --- 企业微信应用消息 ---------------------------------------------------------------------------

WECOM_RETRY = {-1: "系统繁忙", 45009: "接口调用超过限制", 45033: "接口并发调用超过限制"}
WECOM_HINTS = {
    40001: "应用密钥（Secret）不对，请核对。",
    40056: "AgentId 不对，请核对应用的 AgentId。",
    45002: "消息内容过长。",
    60020: "本系统服务器的 IP 不在企业微信应用的可信 IP 列表中，请在企业微信管理后台添加。",
    81013: "接收人不存在或不在应用的可见范围内，请核对该人员的企业微信账号（userid）。",
}


def _app_credentials(channel, name: str) -> tuple[str | SendResult, int]:
    """An application channel's clear secret and numeric AgentId, or (the refusal, 0)."""
    try:
        secret = secrets.decrypt(channel.secret)
    except ValueError as exc:
        return SendResult.fail(str(exc)), 0
    try:
        return secret, int(channel.agent_id)
    except ValueError:
        return SendResult.fail(f"{name}应用的 AgentId 应为数字，请在消息渠道中改正。"), 0


def send_wecom_app(delivery: MessageDelivery) -> SendResult:
    channel = delivery.channel
    name = "企业微信"
    base = (channel.base_url or WECOM_BASE).rstrip("/")
    key = ("wecom", base, channel.app_id, channel.agent_id)
    userid = address_of(delivery)
    secret, agentid = _app_credentials(channel, name)
    if isinstance(secret, SendResult):
        return secret

    token_url = f"{base}/cgi-bin/gettoken?{urlencode({'corpid': channel.app_id, 'corpsecret': secret})}"
    if delivery.url:
        message = {"msgtype": "textcard", "textcard": {
            "title": _utf8_cut(delivery.title, 128), "description": _utf8_cut(delivery.body or delivery.title, 512),
            "url": delivery.url, "btntxt": "详情"}}
    else:
        message = {"msgtype": "text", "text": {"content": _utf8_cut(f"{delivery.title}\n{delivery.body}".strip(), 2048)}}
    body = {"touser": userid, "agentid": agentid, **message,
            "enable_duplicate_check": 1, "duplicate_check_interval": 1800}
    try:
        for again in (False, True):
            token = _token(name, key, token_url, fresh=again)
            data = _call(name, "POST", f"{base}/cgi-bin/message/send?access_token={token}", body)
            code = data.get("errcode", 0)
            if code in TOKEN_GONE and not again:
                _drop_token(key)
                continue
            break
    except _Stop as stop:
        return stop.result
    errmsg = str(data.get("errmsg", ""))[:100]
    if code == 0:
        invalid = {u.lower() for u in str(data.get("invaliduser") or "").split("|") if u}
        unlicensed = {u.lower() for u in str(data.get("unlicenseduser") or "").split("|") if u}
        if userid.lower() in invalid:
            return SendResult.fail(f"企业微信找不到成员“{userid}”或其不在应用可见范围内：请核对该人员的企业微信账号。")
        if userid.lower() in unlicensed:
            return SendResult.fail(f"企业微信成员“{userid}”没有基础接口许可，收不到应用消息。")
        return SendResult.ok(str(data.get("msgid", "")))
    if code in WECOM_RETRY:
        return SendResult.retry(f"企业微信暂时无法接收（错误码 {code}：{WECOM_RETRY[code]}），稍后重试。")
    if code in TOKEN_GONE:
        return SendResult.retry(f"企业微信凭证刚换过仍被拒（错误码 {code}），稍后重试。")
    return SendResult.fail(f"企业微信拒收（错误码 {code}：{errmsg}）。{WECOM_HINTS.get(code, '')}".strip())


# --- 钉钉工作通知 ------------------------------------------------------------------------------

DINGTALK_RETRY = {-1: "系统繁忙", 90018: "调用超过上限", 143103: "应用发送人次超限", 143104: "企业发送人次超限"}


def send_dingtalk_app(delivery: MessageDelivery) -> SendResult:
    channel = delivery.channel
    name = "钉钉"
    base = (channel.base_url or DINGTALK_BASE).rstrip("/")
    key = ("dingtalk", base, channel.app_id)
    userid = address_of(delivery)
    secret, agent_id = _app_credentials(channel, name)
    if isinstance(secret, SendResult):
        return secret

    token_url = f"{base}/gettoken?{urlencode({'appkey': channel.app_id, 'appsecret': secret})}"
    progress = dict(delivery.progress or {})
    try:
        task_id = progress.get("task_id")
        if not task_id:
            if delivery.url:
                markdown = _utf8_cut(f"### {delivery.title}\n\n{delivery.body}".strip(), 1500)
                msg = {"msgtype": "action_card", "action_card": {
                    "title": _utf8_cut(delivery.title, 100), "markdown": markdown,
                    "single_title": "查看详情", "single_url": delivery.url}}
            else:
                msg = {"msgtype": "markdown", "markdown": {
                    "title": _utf8_cut(delivery.title, 100), "text": _utf8_cut(f"### {delivery.title}\n\n{delivery.body}", 1500)}}
            body = {"agent_id": agent_id, "userid_list": userid, "msg": msg}
            for again in (False, True):
                token = _token(name, key, token_url, fresh=again)
                data = _call(name, "POST", f"{base}/topapi/message/corpconversation/asyncsend_v2?access_token={token}", body)
                code = data.get("errcode", 0)
                if code in TOKEN_GONE and not again:
                    _drop_token(key)
                    continue
                break
            if code != 0:
                errmsg = str(data.get("errmsg", ""))[:100]
                if code in DINGTALK_RETRY or code in TOKEN_GONE:
                    return SendResult.retry(f"钉钉暂时无法接收（错误码 {code}：{errmsg}），稍后重试。")
                return SendResult.fail(f"钉钉拒收（错误码 {code}：{errmsg}）。请核对 AppKey、AgentId 与应用密钥。")
            task_id = data.get("task_id")
            progress["task_id"] = task_id
            # recorded now: a later attempt asks about this task instead of sending again
            MessageDelivery.objects.filter(pk=delivery.pk).update(progress=progress, remote_id=str(task_id))
        token = _token(name, key, token_url)
        data = _call(name, "POST", f"{base}/topapi/message/corpconversation/getsendresult?access_token={token}",
                     {"agent_id": agent_id, "task_id": task_id})
    except _Stop as stop:
        return stop.result
    code = data.get("errcode", 0)
    if code in TOKEN_GONE:
        _drop_token(key)
        return SendResult.retry("钉钉凭证已过期，稍后查询发送结果。", retry_after=1)
    if code != 0:
        return SendResult.retry(f"钉钉暂时无法查询发送结果（错误码 {code}），稍后再查。")
    result = data.get("send_result") or {}

    def listed(field: str) -> bool:
        return userid in (result.get(field) or [])

    if listed("invalid_user_id_list"):
        return SendResult.fail(f"钉钉找不到成员“{userid}”：请核对该人员的钉钉账号（userid）。")
    for item in result.get("forbidden_list") or []:
        if item.get("userid") == userid:
            if str(item.get("code")) in ("143106", "143206"):
                return SendResult.ok(str(task_id), detail="今天已送达过相同内容的通知（钉钉一天只送一次）。")
            return SendResult.retry(f"钉钉流控（{item.get('code')}：给该成员的推送已达上限），稍后重试。", retry_after=3600)
    if listed("forbidden_user_id_list"):
        return SendResult.retry("钉钉流控：给该成员的推送已达上限，稍后重试。", retry_after=3600)
    if listed("failed_user_id_list"):
        progress.pop("task_id", None)
        MessageDelivery.objects.filter(pk=delivery.pk).update(progress=progress)
        return SendResult.retry("钉钉报告发送失败，稍后重发。")
    if listed("read_user_id_list") or listed("unread_user_id_list"):
        return SendResult.ok(str(task_id))
    return SendResult.retry("钉钉仍在发送，稍后查询结果。", retry_after=5)


# --- Group robots -----------------------------------------------------------------------------

ROBOT_PLATFORM = {"wecom_robot": "wecom", "dingtalk_robot": "dingtalk", "feishu_robot": "feishu"}


def send_robot(delivery: MessageDelivery) -> SendResult:
    kind = ROBOT_PLATFORM[delivery.kind]
    channel = delivery.channel
    try:
        secret = secrets.decrypt(channel.secret) if channel is not None else ""
    except ValueError as exc:
        return SendResult.fail(str(exc))
    url = address_of(delivery) or (channel.webhook_url if channel else "")
    title, markdown, plain = robot_text(delivery)
    address, body = robots.build(kind, url, secret, title, markdown, plain)
    result = robots.post(kind, address, body)
    if result.outcome == "ok":
        return SendResult.ok()
    if result.outcome == "retry":
        return SendResult.retry(result.message, unknown="没有应答" in result.message)
    return SendResult.fail(result.message)


# --- Email ----------------------------------------------------------------------------------------

def send_email(delivery: MessageDelivery) -> SendResult:
    note = Notification.objects.filter(pk=delivery.notification_id).first() if delivery.notification_id else None
    if note is not None and note.emailed_at is not None:
        return SendResult.ok(detail="已发送过。")
    link = delivery.url
    try:
        send_mail(subject=f"[{delivery.center.name}] {delivery.title}",
                  message="\n\n".join(filter(None, [delivery.body, link, "—— 融媒工作平台"])),
                  from_email=None, recipient_list=[address_of(delivery)])
    except (OSError, smtplib.SMTPException) as exc:
        return SendResult.retry(f"邮件发送失败（{exc.__class__.__name__}），稍后重试。")
    if note is not None:
        Notification.objects.filter(pk=note.pk, emailed_at__isnull=True).update(emailed_at=timezone.now())
    return SendResult.ok()


register_sender("wecom_app", send_wecom_app, dedupes=True)
register_sender("dingtalk_app", send_dingtalk_app, dedupes=True)
for _kind in ROBOT_PLATFORM:
    register_sender(_kind, send_robot)
register_sender("email", send_email, dedupes=True)

try:  # the SMS gateway (issue 17, part SM) registers its own sender
    import rongmei.core.messaging.sms  # noqa: F401
except ImportError:
    pass
