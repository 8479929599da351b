"""WeChat Official Account, per its documented API.

Publishing is a chain of calls, each recorded the moment it succeeds so a retry resumes
where the last attempt stopped: access token (stable_token, cached per app, refreshed on
40001/42001/40014) → cover as permanent material (add_material) → body images
(media/uploadimg, their addresses swapped into the HTML) → draft/add → freepublish/submit
(publish_id) → freepublish/get until the job settles (article_id and link). If an attempt
died after submitting but before the publish_id was recorded, the draft is gone (a second
submit answers 40007); freepublish/batchget then finds our article by the delivery key in
its content_source_url. Takedown: freepublish/delete. A published article cannot be edited, so a correction publishes the
corrected article titled 【更正】 with the notice on top, then deletes the original.

Errors as documented: 45009/45011 quota → retry later; 45166 and audit failures → fail
with the platform's words; other errcodes fail; 5xx and timeouts retry.
"""

from __future__ import annotations

import json
import re
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from html import escape

from rongmei.distribution import secrets
from rongmei.distribution.outbox import Delivery, Outcome

TIMEOUT = 15
TOKEN_ERRORS = {40001, 40014, 42001}
QUOTA_ERRORS = {45009: 3600, 45011: 60}
_tokens: dict[tuple[str, str], tuple[str, float]] = {}
_tokens_lock = threading.Lock()


class _Stop(Exception):
    def __init__(self, outcome: Outcome):
        self.outcome = outcome


def _http(url: str, *, data: bytes | None = None, content_type: str = "application/json") -> dict:
    request = urllib.request.Request(url, data=data, method="POST" if data is not None else "GET",
                                     headers={"Content-Type": content_type} if data is not None else {})
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
            return json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as exc:
        raise _Stop(Outcome.retry(f"微信接口 HTTP {exc.code}")) from exc
    except (urllib.error.URLError, TimeoutError, ConnectionError, OSError, ValueError) as exc:
        raise _Stop(Outcome.retry(f"连接微信接口失败：{getattr(exc, 'reason', exc)}")) from exc


class _Client:
    def __init__(self, base: str, appid: str, secret: str):
        self.base, self.appid, self.secret = base.rstrip("/"), appid, secret

    def token(self, force: bool = False) -> str:
        key = (self.base, self.appid)
        with _tokens_lock:
            cached = _tokens.get(key)
            if cached and not force and cached[1] > time.time() + 60:
                return cached[0]
        answer = _http(f"{self.base}/cgi-bin/stable_token", data=json.dumps(
            {"grant_type": "client_credential", "appid": self.appid, "secret": self.secret, "force_refresh": force}).encode())
        if "access_token" not in answer:
            raise _Stop(self._error(answer, "获取 access_token"))
        with _tokens_lock:
            _tokens[key] = (answer["access_token"], time.time() + int(answer.get("expires_in", 7200)))
        return answer["access_token"]

    def call(self, path: str, payload: dict | None = None, *, query: dict | None = None,
             files: tuple[str, bytes, str] | None = None) -> dict:
        for attempt in (0, 1):
            params = urllib.parse.urlencode({"access_token": self.token(force=attempt == 1), **(query or {})})
            url = f"{self.base}{path}?{params}"
            if files is not None:
                body, content_type = _multipart(*files)
                answer = _http(url, data=body, content_type=content_type)
            else:
                answer = _http(url, data=json.dumps(payload or {}, ensure_ascii=False).encode("utf-8"))
            if answer.get("errcode") in TOKEN_ERRORS and attempt == 0:
                continue  # expired or replaced token: refresh once and try again
            return answer
        return answer

    @staticmethod
    def _error(answer: dict, what: str) -> Outcome:
        code, message = answer.get("errcode"), answer.get("errmsg", "")
        if code in QUOTA_ERRORS:
            return Outcome.retry(f"{what}：微信接口调用频率超限（{code}），稍后重试", retry_after=QUOTA_ERRORS[code])
        if code == 40125:
            return Outcome.fail(f"{what}：AppSecret 无效（40125），请在账号设置中重新填写")
        return Outcome.fail(f"{what}：微信返回 {code} {message}")


def _multipart(field: str, data: bytes, filename: str) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"{filename}\"\r\n"
            f"Content-Type: image/jpeg\r\n\r\n").encode()
    return head + data + f"\r\n--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def _ok(answer: dict) -> bool:
    return not answer.get("errcode")


def deliver(delivery: Delivery) -> Outcome:
    account = delivery.message.account
    appid = account.options.get("appid", "")
    if not appid:
        return Outcome.fail("微信账号没有填写 AppID。")
    try:
        client = _Client(account.base_url or "https://api.weixin.qq.com", appid, secrets.decrypt(account.secret))
        if delivery.message.action == "takedown":
            return _delete(client, delivery, delivery.message.publication.remote_id)
        outcome = _publish(client, delivery)
        if delivery.message.action == "correct" and outcome.kind == "ok":
            return _retire_original(client, delivery, outcome)
        return outcome
    except _Stop as stop:
        return stop.outcome
    except ValueError as exc:
        return Outcome.fail(str(exc))


def _publish(client: _Client, delivery: Delivery) -> Outcome:
    progress = delivery.progress
    if "publish_id" not in progress:
        if "draft_media_id" not in progress:
            thumb = progress.get("thumb_media_id") or _cover(client, delivery)
            content = _content(client, delivery)
            _draft(client, delivery, thumb, content)
        _submit(client, delivery)
    return _poll(client, delivery)


def _rendition(delivery: Delivery):
    from rongmei.newsroom.selectors import rendition_for

    rendition = rendition_for(delivery.message.publication.story_id, "wechat")
    if rendition is None:
        raise _Stop(Outcome.fail("缺少微信渠道稿。"))
    return rendition


def _cover(client: _Client, delivery: Delivery) -> str:
    story = delivery.message.publication.story
    cover = story.cover
    rendition = cover.rendition("wechat_cover") if cover else None
    if rendition is None:
        raise _Stop(Outcome.fail("微信图文需要封面图：请为稿件添加一张图片后重发。"))
    with rendition.file.open("rb") as f:
        answer = client.call("/cgi-bin/material/add_material", query={"type": "image"}, files=("media", f.read(), "cover.jpg"))
    if not _ok(answer) or "media_id" not in answer:
        raise _Stop(client._error(answer, "上传封面"))
    delivery.remember(thumb_media_id=answer["media_id"])
    return answer["media_id"]


_IMG = re.compile(r'(<img[^>]*\bsrc=")([^"]+)(")')


def _content(client: _Client, delivery: Delivery) -> str:
    """The WeChat rendition's HTML with our images re-hosted on WeChat (uploadimg), as the
    WeChat editor only shows images from its own servers."""
    from django.conf import settings
    from django.core.files.storage import default_storage

    html = _rendition(delivery).body
    uploaded = dict(delivery.progress.get("images", {}))
    for src in {m.group(2) for m in _IMG.finditer(html)}:
        if src in uploaded or not src.startswith(settings.MEDIA_URL):
            continue
        name = src[len(settings.MEDIA_URL):]
        with default_storage.open(name, "rb") as f:
            answer = client.call("/cgi-bin/media/uploadimg", files=("media", f.read(), "image.jpg"))
        if not _ok(answer) or "url" not in answer:
            raise _Stop(client._error(answer, "上传正文图片"))
        uploaded[src] = answer["url"]
        delivery.remember(images=uploaded)
    html = _IMG.sub(lambda m: m.group(1) + uploaded.get(m.group(2), m.group(2)) + m.group(3), html)
    if delivery.message.action == "correct":
        html = f"<p><strong>{escape(_notice(delivery))}</strong></p>" + html
    return html


def _notice(delivery: Delivery) -> str:
    from rongmei.distribution import items
    from rongmei.distribution.formatters.notices import notice_text

    return notice_text(items.build(delivery.message.publication, "correct", note=delivery.progress.get("reason", "")))


def _title(delivery: Delivery) -> str:
    """The rendition's title; 【更正】 in front for a correction, within WeChat's 32."""
    from rongmei.newsroom.generators.text import truncate

    title = _rendition(delivery).title
    if delivery.message.action == "correct":
        title = truncate("【更正】" + title, 32)
    return title


def _retire_original(client: _Client, delivery: Delivery, posted: Outcome) -> Outcome:
    original = delivery.progress.get("replaces", "")
    if original and original != posted.remote_id and not delivery.progress.get("original_removed"):
        gone = _delete(client, delivery, original)
        if gone.kind != "ok":
            return gone
        delivery.remember(original_removed=True)
    return Outcome.ok(remote_id=posted.remote_id, remote_url=posted.remote_url, detail="已发布更正图文并删除原图文")


def _source_url(delivery: Delivery) -> str:
    publication = delivery.message.publication
    return publication.center.site_url(f"/news/{publication.story_id}/?rm={delivery.message.idempotency_key}")


def _draft(client: _Client, delivery: Delivery, thumb: str, content: str) -> None:
    rendition = _rendition(delivery)
    article = {"title": _title(delivery), "author": rendition.fields.get("author", ""),
               "digest": rendition.fields.get("digest", ""), "content": content,
               "content_source_url": _source_url(delivery), "thumb_media_id": thumb,
               "need_open_comment": 0, "only_fans_can_comment": 0}
    answer = client.call("/cgi-bin/draft/add", {"articles": [article]})
    if not _ok(answer) or "media_id" not in answer:
        raise _Stop(client._error(answer, "新建草稿"))
    delivery.remember(draft_media_id=answer["media_id"])


def _submit(client: _Client, delivery: Delivery) -> None:
    answer = client.call("/cgi-bin/freepublish/submit", {"media_id": delivery.progress["draft_media_id"]})
    if _ok(answer) and answer.get("publish_id"):
        delivery.remember(publish_id=str(answer["publish_id"]))
        return
    if answer.get("errcode") == 40007:  # the draft is gone: an earlier attempt submitted it
        found = _find_published(client, delivery)
        if found:
            delivery.remember(article_id=found[0], article_url=found[1], publish_id="(已发布，经核对)")
            return
    raise _Stop(client._error(answer, "提交发布"))


def _find_published(client: _Client, delivery: Delivery) -> tuple[str, str] | None:
    answer = client.call("/cgi-bin/freepublish/batchget", {"offset": 0, "count": 20, "no_content": 1})
    for item in answer.get("item", []):
        for news in item.get("content", {}).get("news_item", []):
            if delivery.message.idempotency_key in news.get("content_source_url", ""):
                return item["article_id"], news.get("url", "")
    return None


def _poll(client: _Client, delivery: Delivery) -> Outcome:
    progress = delivery.progress
    if progress.get("article_id"):
        return Outcome.ok(remote_id=progress["article_id"], remote_url=progress.get("article_url", ""))
    answer = client.call("/cgi-bin/freepublish/get", {"publish_id": progress["publish_id"]})
    status = answer.get("publish_status")
    if status == 0:
        items = answer.get("article_detail", {}).get("item", [])
        url = items[0]["article_url"] if items else ""
        delivery.remember(article_id=answer.get("article_id", ""), article_url=url)
        return Outcome.ok(remote_id=answer.get("article_id", ""), remote_url=url)
    if status == 1:
        return Outcome.retry("微信发布中，稍后查询结果", retry_after=2)
    if status is None:
        return client._error(answer, "查询发布结果")
    reasons = {2: "原创声明失败", 3: "常规失败", 4: "平台审核不通过", 5: "发布后被用户删除", 6: "发布后被封禁"}
    return Outcome.fail(f"微信发布失败（状态 {status}：{reasons.get(status, '未知')}）")


def _delete(client: _Client, delivery: Delivery, article_id: str) -> Outcome:
    if not article_id:
        return Outcome.ok(detail="没有发出的图文，无需删除")
    answer = client.call("/cgi-bin/freepublish/delete", {"article_id": article_id, "index": 0})
    if _ok(answer) or answer.get("errcode") == 40035:  # deleted already
        return Outcome.ok(remote_id=article_id, detail="已删除微信图文")
    return client._error(answer, "删除图文")
