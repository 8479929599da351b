"""Read-only calls to the WeChat and Weibo APIs for rooms other than publishing.

Analytics fetches statistics (WeChat 数据统计, Weibo counts) with the same credentials and
the same WeChat access-token cache that publishing uses: a second cache would fetch its
own stable_token and, on a forced refresh, invalidate the token the publishing workers
hold. Before this module the only way in was the adapters' private `_Client` / `_call`;
this is the public door, and it raises one exception type whose message is Chinese and
names the platform's error code, so a caller can store it as it is (SyncRun.error).

- `wechat_call(account, path, payload)` → the JSON answer of a POST to `path` (e.g.
  "/datacube/getarticlesummary"), with the account's access token. A refused token is
  replaced once, as publishing does; any non-zero errcode raises PlatformError.
- `weibo_get(account, path, params)` → the JSON answer of a GET to `path` (e.g.
  "/2/statuses/count.json") with the account's access token; an error body or a non-200
  answer raises PlatformError.

Both go to the account's configured API address (`base_url`), the one publishing calls.
"""

from __future__ import annotations

import urllib.parse
from typing import Any

from rongmei.distribution import secrets

WECHAT_BASE = "https://api.weixin.qq.com"
WEIBO_BASE = "https://api.weibo.com"

# What an operator can do about the errors seen most; the code is always in the message.
WECHAT_HINTS = {
    40001: "access_token 无效，请检查 AppSecret 或稍后重试",
    40125: "AppSecret 无效，请在账号设置中重新填写",
    42001: "access_token 已过期，稍后自动换新重试",
    45009: "接口调用次数已达今日上限，明天自动恢复",
    45011: "接口调用过于频繁，请稍后重试",
    48001: "公众号没有该接口的权限（数据统计接口需认证公众号）",
    61500: "日期格式错误",
    61501: "日期范围错误（超出接口允许的跨度，或晚于昨天）",
    -1: "微信系统繁忙，请稍后重试",
}
WEIBO_HINTS = {
    10006: "缺少 access_token，请重新授权该微博账号",
    10014: "应用没有该接口的权限",
    10022: "IP 请求频次超限，请稍后重试",
    10023: "用户请求频次超限，请稍后重试",
    10024: "用户请求该接口频次超限，请稍后重试",
    20003: "用户不存在",
    21327: "授权已过期，请重新授权该微博账号",
    21332: "授权无效或已撤销，请重新授权该微博账号",
}


class PlatformError(Exception):
    """A platform call that gave no usable answer; `str(exc)` is a Chinese sentence for
    the user, `code` the platform's errcode / error_code when it sent one, `status` the
    HTTP status of the answer when there was one (Weibo)."""

    def __init__(self, message: str, code: int | None = None, status: int | None = None):
        super().__init__(message)
        self.code = code
        self.status = status


def _credential(account) -> str:
    try:
        return secrets.decrypt(account.secret)
    except ValueError as exc:
        raise PlatformError(str(exc)) from exc


def wechat_call(account, path: str, payload: dict | None = None) -> dict:
    """POST `payload` as JSON to `path` of the account's WeChat API with its access token."""
    from rongmei.distribution.adapters import wechat as adapter

    appid = (account.options or {}).get("appid", "")
    if not appid:
        raise PlatformError(f"微信公众号“{account.name}”没有填写 AppID。")
    client = adapter._Client(account.base_url or WECHAT_BASE, appid, _credential(account))
    try:
        answer = client.call(path, payload or {})
    except adapter._Stop as stop:  # no answer, or no token: its words carry the errcode
        raise PlatformError(f"调用微信接口 {path} 失败：{stop.outcome.detail}") from stop
    if not isinstance(answer, dict):
        raise PlatformError(f"调用微信接口 {path} 失败：答复不是 JSON 对象")
    code = answer.get("errcode")
    if code:
        hint = WECHAT_HINTS.get(code, f"微信返回：{answer.get('errmsg', '')}")
        raise PlatformError(f"调用微信接口 {path} 失败（错误码 {code}）：{hint}", code)
    return answer


def weibo_get(account, path: str, params: dict | None = None) -> Any:
    """GET `path` of the account's Weibo API with its access token and `params`."""
    from rongmei.distribution.adapters import weibo as adapter

    base = (account.base_url or WEIBO_BASE).rstrip("/")
    query = urllib.parse.urlencode({"access_token": _credential(account), **(params or {})})
    status, answer = adapter._call(f"{base}{path}?{query}")
    if isinstance(answer, dict) and ("error_code" in answer or "error" in answer):
        code = answer.get("error_code")
        if code is None:
            raise PlatformError(f"调用微博接口 {path} 失败：{answer.get('error') or f'HTTP {status}'}", status=status or None)
        try:
            code = int(code)
        except (TypeError, ValueError):
            pass
        hint = WEIBO_HINTS.get(code, f"微博返回：{answer.get('error', '')}")
        raise PlatformError(f"调用微博接口 {path} 失败（错误码 {code}）：{hint}", code if isinstance(code, int) else None,
                            status or None)
    if status != 200:
        raise PlatformError(f"调用微博接口 {path} 失败：HTTP {status}", status=status or None)
    return answer
