"""Group robots (群机器人): WeCom, DingTalk and Feishu custom bots, for desks' notifications and
舆情 alerts alike (moved here from rongmei.monitor.robots in issue 17, so every room's
notifications can reach a desk group; 舆情 imports it from core).

Each platform's documented webhook:

- 企业微信群机器人: ``POST https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=KEY`` with
  ``{"msgtype": "markdown", "markdown": {"content": ...}}``; answer ``{"errcode": 0, "errmsg": "ok"}``.
  No signature: the key in the address is the secret.
- 钉钉自定义机器人: ``POST https://oapi.dingtalk.com/robot/send?access_token=...`` with
  ``{"msgtype": "markdown", "markdown": {"title": ..., "text": ...}}``. With 加签 the address
  gets ``&timestamp=<ms>&sign=<urlencode(base64(HMAC-SHA256(key=secret, msg="<ms>\\n<secret>")))>``;
  answer ``{"errcode": 0, "errmsg": "ok"}`` (310000 "sign not match" on a bad signature).
- 飞书自定义机器人: ``POST https://open.feishu.cn/open-apis/bot/v2/hook/...`` with
  ``{"msg_type": "text", "content": {"text": ...}}``. With 签名校验 the body also carries
  ``"timestamp"`` (seconds) and ``"sign"`` = base64(HMAC-SHA256(key="<s>\\n<secret>", msg=b""));
  answer ``{"code": 0, "msg": "success"}`` (19021 on a bad signature).

Connections follow the outbound rule of the whole platform (core.netguard): the host is
resolved once, private addresses are refused unless RONGMEI_LINKCHECK_ALLOW names them, the
connection goes to the checked address, redirects are never followed, the answer is capped
(rongmei.core.messaging.net).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import http.client
import json
import time
import urllib.parse
from dataclasses import dataclass

from django.conf import settings

from rongmei.core.messaging import secrets
from rongmei.core.messaging.net import Policy, Refused, pinned_connection, resolve

TIMEOUT = 8  # seconds for one post
MAX_ANSWER = 4096  # bytes of the answer read
MAX_TEXT = 3800  # bytes of message text (WeCom markdown allows 4096)
USER_AGENT = "Rongmei-Notify/1"

# Answers that mean "too fast / busy, try later" rather than "refused".
RETRY_CODES = {
    "wecom": {-1, 45009},         # 系统繁忙；接口调用超过限制
    "dingtalk": {-1, 130101},     # 系统繁忙；发送太快
    "feishu": {9499, 11232},      # 服务繁忙；发送频率超限
}
PLATFORM = {"wecom": "企业微信", "dingtalk": "钉钉", "feishu": "飞书"}


@dataclass(frozen=True)
class Result:
    """The outcome of one post: ok, retry (worth trying again later) or fail (will not work
    until someone changes the robot), with a Chinese message that names the platform's code."""

    outcome: str  # ok / retry / fail
    message: str = ""
    code: int | None = None

    @property
    def ok(self) -> bool:
        return self.outcome == "ok"


def policy() -> Policy:
    return Policy.parse(getattr(settings, "RONGMEI_LINKCHECK_ALLOW", []) or [])


def _truncate(text: str, limit: int = MAX_TEXT) -> str:
    data = text.encode("utf-8")
    if len(data) <= limit:
        return text
    return data[:limit].decode("utf-8", "ignore") + "…"


def dingtalk_sign(secret: str, timestamp_ms: str) -> str:
    """The 加签 value, URL-encoded as DingTalk documents it."""
    digest = hmac.new(secret.encode("utf-8"), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256).digest()
    return urllib.parse.quote_plus(base64.b64encode(digest))


def feishu_sign(secret: str, timestamp_s: str) -> str:
    """Feishu's 签名: the key is "<timestamp>\\n<secret>", the message empty."""
    digest = hmac.new(f"{timestamp_s}\n{secret}".encode(), b"", hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def build(kind: str, url: str, secret: str, title: str, markdown: str, plain: str, *, now: float | None = None
          ) -> tuple[str, dict]:
    """(address, JSON body) of one message, signed where the robot has a secret."""
    now = time.time() if now is None else now
    if kind == "wecom":
        return url, {"msgtype": "markdown", "markdown": {"content": _truncate(markdown)}}
    if kind == "dingtalk":
        if secret:
            ms = str(int(now * 1000))
            url = f"{url}{'&' if '?' in url else '?'}timestamp={ms}&sign={dingtalk_sign(secret, ms)}"
        return url, {"msgtype": "markdown", "markdown": {"title": title[:60], "text": _truncate(markdown)}}
    if kind == "feishu":
        body: dict = {"msg_type": "text", "content": {"text": _truncate(plain)}}
        if secret:
            seconds = str(int(now))
            body = {"timestamp": seconds, "sign": feishu_sign(secret, seconds), **body}
        return url, body
    raise ValueError(f"unknown robot kind {kind!r}")


def _judge(kind: str, status: int, text: str) -> Result:
    name = PLATFORM.get(kind, kind)
    if status in (408, 429) or status >= 500:
        return Result("retry", f"{name}暂时无法接收（HTTP {status}），稍后重试。")
    if 300 <= status < 400:
        return Result("fail", f"{name}返回跳转（HTTP {status}）：请填写机器人的最终 Webhook 地址。")
    try:
        answer = json.loads(text or "null")
    except ValueError:
        answer = None
    if not isinstance(answer, dict):
        if 200 <= status < 300:
            return Result("fail", f"{name}的应答不是预期的 JSON（HTTP {status}）：请检查 Webhook 地址。")
        return Result("fail", f"{name}拒收（HTTP {status}）：请检查 Webhook 地址。")
    if kind == "feishu":
        code = answer.get("code", answer.get("StatusCode"))
        message = answer.get("msg", answer.get("StatusMessage", ""))
    else:
        code, message = answer.get("errcode"), answer.get("errmsg", "")
    if not isinstance(code, int) or isinstance(code, bool):
        return Result("fail", f"{name}的应答缺少错误码（HTTP {status}）：请检查 Webhook 地址。")
    if code == 0 and 200 <= status < 300:
        return Result("ok", "已送达。", code=0)
    message = str(message)[:150]
    if code in RETRY_CODES.get(kind, set()):
        return Result("retry", f"{name}暂时无法接收（错误码 {code}：{message}），稍后重试。", code=code)
    hint = ""
    if (kind, code) in {("dingtalk", 310000), ("feishu", 19021)}:
        hint = "加签密钥不对或服务器时间不准，请核对机器人的加签密钥。"
    elif (kind, code) in {("wecom", 93000), ("dingtalk", 300001), ("feishu", 19001)}:
        hint = "Webhook 地址无效，请重新复制机器人的地址。"
    return Result("fail", f"{name}拒收（错误码 {code}：{message}）。{hint}".strip(), code=code)


def post(kind: str, url: str, body: dict, *, timeout: float = TIMEOUT) -> Result:
    """POST one JSON message to the checked address; never follows a redirect."""
    name = PLATFORM.get(kind, kind)
    try:
        target = resolve(url, policy())
    except Refused as exc:
        if str(exc).startswith("cannot resolve"):
            return Result("retry", f"无法解析{name}机器人地址的域名，稍后重试。")
        return Result("fail", "机器人地址不允许访问：指向本机或内网地址、或使用了不允许的端口"
                              "（内网地址需由系统管理员加入 RONGMEI_LINKCHECK_ALLOW）。")
    data = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    conn = pinned_connection(target, timeout)
    try:
        conn.request("POST", target.path, body=data, headers={
            "Content-Type": "application/json; charset=utf-8", "User-Agent": USER_AGENT})
        response = conn.getresponse()
        text = response.read(MAX_ANSWER).decode("utf-8", "replace")
        status = response.status
    except TimeoutError:
        return Result("retry", f"{name}在 {timeout:g} 秒内没有应答，稍后重试。")
    except (http.client.HTTPException, OSError, ValueError) as exc:
        return Result("retry", f"连接{name}失败（{exc.__class__.__name__}），稍后重试。")
    finally:
        conn.close()
    return _judge(kind, status, text)


def send(robot, *, title: str, markdown: str, plain: str, now: float | None = None) -> Result:
    """Post one message through `robot` (a RobotHook); the secret is decrypted here only."""
    if not robot.enabled:
        return Result("fail", "机器人已停用，未发送。")
    try:
        secret = secrets.decrypt(robot.secret)
    except ValueError as exc:
        return Result("fail", str(exc))
    url, body = build(robot.kind, robot.url, secret, title, markdown, plain, now=now)
    return post(robot.kind, url, body)


def masked_url(url: str) -> str:
    """The address as screens and the API show it: the key / access_token / hook id is a
    credential too (anyone holding it can post to the group), so only its ends are shown."""
    try:
        parts = urllib.parse.urlsplit(url)
    except ValueError:
        return "（地址格式有误）"

    def mask(value: str) -> str:
        return value[:4] + "…" + value[-3:] if len(value) > 10 else "…"

    query = urllib.parse.parse_qsl(parts.query, keep_blank_values=True)
    query = [(k, mask(v) if k.lower() in ("key", "access_token", "token") else v) for k, v in query]
    path = parts.path
    if "/hook/" in path:  # Feishu: the hook id is the credential
        head, _, hook = path.rpartition("/hook/")
        path = f"{head}/hook/{mask(hook)}"
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, path, urllib.parse.urlencode(query, safe="…"), ""))


# --- Where a robot may point ------------------------------------------------------------------------

HOSTS = {"wecom": "qyapi.weixin.qq.com", "dingtalk": "oapi.dingtalk.com", "feishu": "open.feishu.cn"}


def url_problem(kind: str, url: str) -> str:
    """A Chinese reason the address cannot be this kind of robot's webhook ("" if it can).
    The platform's own host is expected; another host is accepted only when the outbound
    rule names it (a center's intranet relay, the test receivers)."""
    try:
        parts = urllib.parse.urlsplit(url)
        parts.port  # noqa: B018 - raises for a bad port
    except ValueError:
        return "Webhook 地址格式不对。"
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "Webhook 地址须以 https:// 开头。"
    host = parts.hostname.lower()
    expected = HOSTS.get(kind)
    if expected is None:
        return "未知的机器人类型。"
    if host != expected:
        rules = policy()
        import ipaddress

        try:
            allowed = rules.allows_address(ipaddress.ip_address(host.strip("[]")))
        except ValueError:
            allowed = rules.allows_host(host)
        if not allowed:
            return f"{PLATFORM[kind]}机器人的地址应为 https://{expected}/…（内网中转地址需由系统管理员加入 RONGMEI_LINKCHECK_ALLOW）。"
    elif parts.scheme != "https":
        return "Webhook 地址须以 https:// 开头。"
    query = dict(urllib.parse.parse_qsl(parts.query))
    if kind == "wecom" and not query.get("key"):
        return "企业微信机器人的地址应包含 key=…，请复制完整的 Webhook 地址。"
    if kind == "dingtalk" and not query.get("access_token"):
        return "钉钉机器人的地址应包含 access_token=…，请复制完整的 Webhook 地址。"
    if kind == "feishu" and "/hook/" not in parts.path:
        return "飞书机器人的地址应形如 https://open.feishu.cn/open-apis/bot/v2/hook/…。"
    return ""
