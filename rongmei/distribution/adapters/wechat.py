"""WeChat Official Account, per its documented API.

Publishing is a chain of calls, each kept as it succeeds and written to the database at
the latest with the mark set before submitting (one write, not one per call), so a retry
resumes where the last attempt stopped: access token (stable_token, cached per app, refreshed on
40001/42001/40014) → cover as permanent material (add_material) → body images
(media/uploadimg, their addresses swapped into the HTML) → draft/add → freepublish/submit
(publish_id) → freepublish/get until the job settles (article_id and link). If an attempt
died after submitting but before the publish_id was recorded, the draft is gone (a second
submit answers 40007); freepublish/batchget then finds our article by the delivery key in
its content_source_url. Takedown: freepublish/delete. A published article cannot be edited, so a correction publishes the
corrected article titled 【更正】 with the notice on top, then deletes the original.

Errors as documented: 45009/45011 quota and -1 (系统繁忙) → retry later; 45166 and audit
failures → fail with the platform's words; other errcodes fail; 5xx and timeouts retry.

Once a publish job exists (a publish_id, or a submit whose answer was lost) the article may
go live, so nothing after that point fails the delivery: "still publishing", any error on
freepublish/get and the settling of a lost submit answer are waits (Outcome.wait, no
attempt spent) until the platform tells. A lost submit answer is settled by what the
platform can tell: batchget (finished articles, found by the delivery key in
content_source_url), then draft/get (the draft still in the box: the submit did not take,
submit again), else wait and ask again. A job that failed (status 2/3/4) is forgotten, so
重发 starts with a new draft. After a lost answer or a kill, drafts and cover materials that
carry the delivery key and are not the ones in use are deleted once the article is settled.

Tokens: on a token error the stable token is fetched again in normal mode; only when that
token is refused too is force_refresh used (documented: 20 a day, 30 s apart, and it
invalidates the token other workers hold).
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
SYSTEM_BUSY = -1  # 全局返回码 -1: 系统繁忙，此时请开发者稍候再试
FORCE_GAP = 30.0  # stable_token force_refresh: at most every 30 s
FIRST_LOOK = 0.3  # seconds before a second look at a job just submitted, in the same attempt
POLL_FIRST = 0.5  # seconds before the first freepublish/get poll after "still publishing"
POLL_CAP = 300.0  # seconds between freepublish/get polls, at most
_tokens: dict[tuple[str, str], tuple[str, float]] = {}
_tokens_lock = threading.Lock()
_forced: dict[tuple[str, str], float] = {}  # when each app last forced a stable_token refresh


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

    def token(self, refresh: bool = False, force: bool = False) -> str | None:
        """The cached token; `refresh` asks stable_token in normal mode (the platform's
        current token), `force` in force_refresh mode — None when the last forced refresh
        of this app was less than 30 s ago (the platform would not refresh anyway)."""
        key = (self.base, self.appid)
        with _tokens_lock:
            cached = _tokens.get(key)
            if cached and not (refresh or force) and cached[1] > time.time() + 60:
                return cached[0]
            if force:
                if time.time() - _forced.get(key, 0.0) < FORCE_GAP:
                    return None
                _forced[key] = time.time()
        answer = _http(f"{self.base}/cgi-bin/stable_token", data=json.dumps(
            {"grant_type": "client_credential", "appid": self.appid, "secret": self.secret, "force_refresh": force}).encode())
        if "access_token" not in answer:
            raise _Stop(self._error(answer, "获取 access_token"))
        with _tokens_lock:
            _tokens[key] = (answer["access_token"], time.time() + int(answer.get("expires_in", 7200)))
        return answer["access_token"]

    def call(self, path: str, payload: dict | None = None, *, query: dict | None = None,
             files: tuple[str, bytes, str] | None = None) -> dict:
        """One API call. A refused token is replaced by the platform's current one (normal
        mode); only if that one is refused as well is a refresh forced."""
        token = self.token()
        answer = self._send(token, path, payload, query, files)
        if answer.get("errcode") not in TOKEN_ERRORS:
            return answer
        current = self.token(refresh=True)
        if current != token:
            answer = self._send(current, path, payload, query, files)
            if answer.get("errcode") not in TOKEN_ERRORS:
                return answer
        forced = self.token(force=True)
        return answer if forced is None else self._send(forced, path, payload, query, files)

    def _send(self, token, path, payload, query, files) -> dict:
        url = f"{self.base}{path}?" + urllib.parse.urlencode({"access_token": token, **(query or {})})
        if files is not None:
            body, content_type = _multipart(*files)
            return _http(url, data=body, content_type=content_type)
        return _http(url, data=json.dumps(payload or {}, ensure_ascii=False).encode("utf-8"))

    @staticmethod
    def _error(answer: dict, what: str) -> Outcome:
        code, message = answer.get("errcode"), answer.get("errmsg", "")
        if code in QUOTA_ERRORS:
            return Outcome.retry(f"{what}：微信接口调用频率超限（{code}），稍后重试", retry_after=QUOTA_ERRORS[code])
        if code == SYSTEM_BUSY:
            return Outcome.retry(f"{what}：微信系统繁忙（-1），稍后重试")
        if code in TOKEN_ERRORS:
            return Outcome.retry(f"{what}：微信不接受 access_token（{code}），稍后换新凭证重试", retry_after=FORCE_GAP)
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
            return _take_down(client, delivery)
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
    if delivery.recovering and not progress.get("may_have_orphans"):
        # an earlier attempt's answer was lost: it may have left a draft or a cover behind
        progress["may_have_orphans"] = True
    if not progress.get("publish_id"):
        if progress.get("submit_sent"):
            _settle_submit(client, delivery)
        if not progress.get("publish_id"):
            if "draft_media_id" not in progress:
                thumb = progress.get("thumb_media_id") or _cover(client, delivery)
                content = _content(client, delivery)
                _draft(client, delivery, thumb, content)
            _submit(client, delivery)
            outcome = _poll(client, delivery)
            if outcome.kind == "wait" and delivery.progress.get("publish_id"):
                # most jobs finish within a moment: one more look now costs a short sleep in
                # this thread, where a wait costs a whole round through the outbox (claim,
                # writes, lease) and POLL_FIRST
                progress.pop("polls", None)
                time.sleep(FIRST_LOOK)
            else:
                return _tidied(client, delivery, outcome)
    return _tidied(client, delivery, _poll(client, delivery))


def _tidied(client: _Client, delivery: Delivery, outcome: Outcome) -> Outcome:
    progress = delivery.progress
    if outcome.kind == "ok" and progress.get("may_have_orphans"):
        _tidy(client, delivery)
    return outcome


def _rendition(delivery: Delivery):
    from rongmei.newsroom.selectors import rendition_for

    rendition = rendition_for(delivery.message.publication.story_id, "wechat")
    if rendition is None:
        raise _Stop(Outcome.fail("缺少微信渠道稿。"))
    return rendition


def _cover(client: _Client, delivery: Delivery) -> str:
    from rongmei.newsroom.published import wechat_cover

    _, rendition = wechat_cover(delivery.message.publication.story)  # the cover the reviewer saw
    if rendition is None:
        raise _Stop(Outcome.fail("微信图文需要封面图：请为稿件添加一张图片，或在“栏目与封面”设置栏目或中心的默认封面，然后重发。"))
    with rendition.file.open("rb") as f:  # named by the delivery key, so an orphan can be found
        answer = client.call("/cgi-bin/material/add_material", query={"type": "image"},
                             files=("media", f.read(), f"{delivery.message.idempotency_key}-cover.jpg"))
    if not _ok(answer) or "media_id" not in answer:
        raise _Stop(client._error(answer, "上传封面"))
    delivery.progress["thumb_media_id"] = answer["media_id"]  # written with the submit mark (see _submit)
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
        delivery.progress["images"] = dict(uploaded)
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
    """The 原文链接 the reviewer saw, with this delivery's key (to find a lost submit)."""
    from rongmei.newsroom.published import wechat_source_url

    url = wechat_source_url(delivery.message.publication.story)
    return f"{url}{'&' if '?' in url else '?'}rm={delivery.message.idempotency_key}"


def _draft(client: _Client, delivery: Delivery, thumb: str, content: str) -> None:
    rendition = _rendition(delivery)
    article = {"title": _title(delivery), "author": rendition.fields.get("author", ""),
               "digest": rendition.fields.get("digest", ""), "content": content,
               "content_source_url": _source_url(delivery), "thumb_media_id": thumb,
               "need_open_comment": 0, "only_fans_can_comment": 0}
    answer = client.call("/cgi-bin/draft/add", {"articles": [article]})
    if not _ok(answer) or "media_id" not in answer:
        raise _Stop(client._error(answer, "新建草稿"))
    delivery.progress["draft_media_id"] = answer["media_id"]


def _submit(client: _Client, delivery: Delivery) -> None:
    """freepublish/submit, marked beforehand: if the answer is lost (or -1), the next attempt
    settles what the platform did before submitting anything again. The cover, images and
    draft of this attempt are written with that mark, not one by one (every write queues for
    the database's write lock): a worker killed before it leaves at most a draft and a cover
    carrying the delivery key, which the next attempt makes again and then tidies away."""
    delivery.remember(submit_sent=True)  # with the cover, images and draft of this attempt: one write
    try:
        answer = client.call("/cgi-bin/freepublish/submit", {"media_id": delivery.progress["draft_media_id"]})
    except _Stop as stop:
        # no answer: WeChat may hold the article and be publishing it (board: 发布中, not
        # 重试中); the next look settles what it did before anything is submitted again
        raise _Stop(_still_waiting(delivery, f"已提交发布，未收到微信的答复（{stop.outcome.detail}），正在核对")) from stop
    if _ok(answer) and answer.get("publish_id"):
        delivery.progress.pop("submit_sent", None)
        delivery.remember(publish_id=str(answer["publish_id"]))
        return
    code = answer.get("errcode")
    if code == 40007:  # the draft is gone: an earlier attempt of ours submitted it
        _settle_submit(client, delivery)
        if delivery.progress.get("publish_id"):
            return
    if code == SYSTEM_BUSY:  # -1 may come after WeChat took the job: settle it, like a lost answer
        raise _Stop(_still_waiting(delivery, "提交发布时微信系统繁忙（-1），正在核对这篇是否已在发布"))
    delivery.progress.pop("submit_sent", None)  # a refusal: nothing was submitted
    delivery.remember()
    raise _Stop(client._error(answer, "提交发布"))


def _settle_submit(client: _Client, delivery: Delivery) -> None:
    """A submit whose answer never came: find the article (batchget lists finished ones), or
    the draft still in the box (the submit did not take: clear the mark, submit again), or
    else the job may still be running — wait and ask again, never fail."""
    progress = delivery.progress
    try:
        found = _find_published(client, delivery.message.idempotency_key)
        if found:
            progress.pop("submit_sent", None)
            delivery.remember(article_id=found[0], article_url=found[1], publish_id="(已发布，经核对)")
            return
        answer = client.call("/cgi-bin/draft/get", {"media_id": progress.get("draft_media_id", "")})
    except _Stop as stop:
        raise _Stop(_still_waiting(delivery, f"核对发布结果暂时失败：{stop.outcome.detail}")) from stop
    if _ok(answer) and answer.get("news_item"):
        progress.pop("submit_sent", None)
        delivery.remember()
        return
    if answer.get("errcode") == 40007:
        raise _Stop(_still_waiting(delivery, "微信已收下发布请求，正在核对发布结果"))
    raise _Stop(_still_waiting(delivery, f"核对发布结果暂时失败：{client._error(answer, '查询草稿').detail}"))


def _still_waiting(delivery: Delivery, detail: str) -> Outcome:
    """Ask again later on a schedule of its own (0.5 s, doubling, at most 5 minutes: most
    jobs finish within a second or two, and a poll spends no attempt); the
    PUBLISHJOBFINISH callback makes the next poll due at once."""
    polls = int(delivery.progress.get("polls", 0))
    delivery.progress["polls"] = polls + 1
    return Outcome.wait(detail, retry_after=min(POLL_CAP, POLL_FIRST * 2 ** min(polls, 12)))


def _find_published(client: _Client, key: str) -> tuple[str, str] | None:
    found = _published_with(client, key)
    return found[-1] if found else None  # the oldest: the one readers saw first


def _published_with(client: _Client, *keys: str) -> list[tuple[str, str]]:
    """(article_id, url) of the recent live articles whose content_source_url carries one
    of our delivery keys (freepublish/batchget lists finished articles, newest first)."""
    answer = client.call("/cgi-bin/freepublish/batchget", {"offset": 0, "count": 20, "no_content": 1})
    if not _ok(answer) or "item" not in answer:
        raise _Stop(client._error(answer, "查询已发布图文"))
    found = []
    for item in answer.get("item", []):
        for news in item.get("content", {}).get("news_item", []):
            source = news.get("content_source_url", "")
            if any(f"rm={key}" in source for key in keys) and not news.get("is_deleted"):
                found.append((item["article_id"], news.get("url", "")))
                break
    return found


REASONS = {2: "原创声明失败", 3: "常规失败", 4: "平台审核不通过", 5: "发布后被用户删除", 6: "发布后被封禁"}


def _poll(client: _Client, delivery: Delivery) -> Outcome:
    progress = delivery.progress
    if progress.get("article_id"):
        return Outcome.ok(remote_id=progress["article_id"], remote_url=progress.get("article_url", ""))
    try:
        answer = client.call("/cgi-bin/freepublish/get", {"publish_id": progress["publish_id"]})
    except _Stop as stop:
        return _still_waiting(delivery, f"微信发布中，查询结果暂时失败：{stop.outcome.detail}")
    status = answer.get("publish_status")
    if status == 0:
        items = answer.get("article_detail", {}).get("item", [])
        url = items[0]["article_url"] if items else ""
        # recorded with the outcome (one write); a worker dying before that only polls again
        delivery.progress.update(article_id=answer.get("article_id", ""), article_url=url)
        return Outcome.ok(remote_id=answer.get("article_id", ""), remote_url=url)
    if status == 1:
        return _still_waiting(delivery, "微信发布中，稍后查询结果")
    if status is None:
        return _still_waiting(delivery, f"微信发布中，查询结果暂时失败：{client._error(answer, '查询发布结果').detail}")
    # The job is over and nothing of it is live: forget it, so 重发 starts with a new draft.
    failed = [*progress.get("failed_publish_ids", []), progress.pop("publish_id")]
    progress.pop("draft_media_id", None)
    progress.pop("polls", None)
    delivery.remember(failed_publish_ids=failed, may_have_orphans=True)
    return Outcome.fail(f"微信发布失败（状态 {status}：{REASONS.get(status, '未知')}），可以重发")


def _tidy(client: _Client, delivery: Delivery) -> None:
    """Delete the drafts and cover materials an earlier attempt left behind (they carry the
    delivery key); the cover the article uses stays. Best effort: the article is out."""
    key, progress = delivery.message.idempotency_key, delivery.progress
    try:
        drafts = client.call("/cgi-bin/draft/batchget", {"offset": 0, "count": 20, "no_content": 1})
        for item in drafts.get("item", []):
            if any(key in n.get("content_source_url", "") for n in item.get("content", {}).get("news_item", [])):
                client.call("/cgi-bin/draft/delete", {"media_id": item["media_id"]})
        materials = client.call("/cgi-bin/material/batchget_material", {"type": "image", "offset": 0, "count": 20})
        for item in materials.get("item", []):
            if key in item.get("name", "") and item.get("media_id") != progress.get("thumb_media_id"):
                client.call("/cgi-bin/material/del_material", {"media_id": item["media_id"]})
    except _Stop:
        return
    progress.pop("may_have_orphans", None)


def _take_down(client: _Client, delivery: Delivery) -> Outcome:
    """Delete every article this publication may have put out: the recorded one, those its
    deliveries recorded, a job that was still running (settled first) and a lost submit
    (found by its key), so a post marked failed is reached too."""
    publication = delivery.message.publication
    articles = [publication.remote_id]
    messages = list(publication.messages.exclude(action="takedown").order_by("id"))
    for message in messages:
        progress = message.progress or {}
        if progress.get("replaces") and not progress.get("original_removed"):
            articles.append(progress["replaces"])
        if progress.get("article_id"):
            articles.append(progress["article_id"])
        elif progress.get("publish_id"):
            answer = client.call("/cgi-bin/freepublish/get", {"publish_id": progress["publish_id"]})
            status = answer.get("publish_status")
            if status == 1:
                return Outcome.wait("微信仍在发布这篇，发布完成后立即删除", retry_after=10)
            if status is None:
                return Outcome.retry(f"撤稿前查询发布结果失败：{client._error(answer, '查询发布结果').detail}")
            if status == 0:
                articles.append(answer.get("article_id", ""))
    # every other live copy carrying one of this publication's keys (a lost answer, a resend)
    articles += [article_id for article_id, _ in _published_with(client, *(m.idempotency_key for m in messages))]
    for article_id in dict.fromkeys(a for a in articles if a):
        gone = _delete(client, delivery, article_id)
        if gone.kind != "ok":
            return gone
    return Outcome.ok(remote_id=publication.remote_id, detail="已删除微信图文")


def _delete(client: _Client, delivery: Delivery, article_id: str) -> Outcome:
    if not article_id:
        return Outcome.ok(detail="没有发出的图文，无需删除")
    answer = client.call("/cgi-bin/freepublish/delete", {"article_id": article_id, "index": 0})
    if _ok(answer) or answer.get("errcode") == 40035:  # deleted already
        return Outcome.ok(remote_id=article_id, detail="已删除微信图文")
    return client._error(answer, "删除图文")
