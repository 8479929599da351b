"""抖音 (Douyin open platform): publish the story's signed vertical video to an account its
owner authorised, take it down, keep the authorisation alive.

Why it looks like this:

- The platform publishes videos only, in two steps: the file goes up first (``/video/upload/``
  whole, or ``/video/part/init/`` → ``/video/part/upload/`` → ``/video/part/complete/`` in
  parts) and answers a ``video_id``; ``/video/create/`` with that ``video_id``, the caption
  (``text``, topics as ``#话题``) and the cover frame (``cover_tsp``, seconds) makes the public
  item and answers its ``item_id``. The documentation recommends parts above 50 MB (required
  above 128 MB; parts of 20 MB recommended, 5 MB at least): ``SIMPLE_MAX`` and ``PART_BYTES``.
  The file is streamed from storage in 1 MB pieces, never read whole into memory.
- What goes out is what review signed: the video is ``newsroom.selectors.video_file(story,
  "vertical")`` (the file whose checksum the short-video rendition records), the caption and
  topics are the rendition's ``published_fields``, the cover the job's chosen frame.
- Exactly once: each step is recorded with ``delivery.remember`` the moment the platform
  answers (upload_id and parts done, video_id, then a ``create_sent`` time *before* the
  create call). A ``video_id`` serves one create only ("每次调用/video/create/都要调用
  /video/upload/生成新的video_id"), so a repeated create cannot make a second item from it.
  When a create's answer was lost, every later attempt first asks ``/video/list/`` for an
  item with exactly our caption made since ``create_sent`` (and not held by another of the
  account's publications) and takes it instead of creating again.
- Tokens: the account's secret is JSON ``{"client_secret", "access_token", "refresh_token"}``
  (encrypted with ``distribution.secrets``). access_token lives 15 days; on 2190008/10008 the
  adapter refreshes it through ``/oauth/refresh_token/`` (the refresh_token lives 30 days and
  a refresh does not extend it, so within ``RENEW_BEFORE`` of its end it is renewed through
  ``/oauth/renew_refresh_token/``, at most 5 times by the platform's rule), stores the new
  tokens encrypted on the account (audited, never logged) and repeats the call once. A
  worker that finds another worker already refreshed uses that token.
- Errors, per the documentation's codes: 2190001 quota and 2100004 system busy → retry later;
  2111001 (the platform's review refused the caption), 2100005 bad parameters, 2190005/2190006
  file too large / too long → fail with a Chinese sentence; 2190002/2190015/10010/10020 → the
  authorisation is gone, the owner must authorise again (fail); HTTP 5xx and network errors
  → retry (the create stays "in flight" and is settled by the list first).
- A published Douyin video cannot be edited, so a correction fails with a sentence telling
  the operator to take the video down and publish the corrected version again (after the
  story's correction is signed off). Takedown deletes every item this publication's
  deliveries recorded or can still find.
"""

from __future__ import annotations

import json
import math
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Callable, Iterable

from django.db import transaction

from rongmei.distribution import secrets
from rongmei.distribution.outbox import Delivery, Outcome

MB = 1 << 20
TIMEOUT = 20  # seconds for an ordinary call
UPLOAD_TIMEOUT = 300  # seconds for a call carrying (part of) the file
SIMPLE_MAX = 50 * MB  # above this the file goes up in parts ("超过50m的视频建议采用分片上传")
PART_BYTES = 20 * MB  # "单个分片建议20MB，最小5MB"
READ_BYTES = 1 * MB  # streamed from storage in pieces of this size
UPLOAD_ID_LIFE = 110 * 60  # an upload_id is valid 2 hours; start again a little before
FOUND_SLACK = 120  # seconds of clock difference allowed when finding a lost create
LIST_PAGES = 5  # /video/list/ pages (of 20) searched for a lost create
RENEW_BEFORE = 5 * 86400  # renew the refresh_token when it has less than this left

TOKEN_EXPIRED = {2190008, 10008}
TOKEN_DEAD = {2190002, 2190003, 2190015, 10010, 10013, 10020}
BUSY = {2100004: 60, 2190001: 3600}  # code -> seconds before retrying
REFUSED = 2111001
NO_VIDEO = ("该稿件还没有审核通过的竖版视频：请在稿件的“视频版本”中生成竖版视频并附到短视频渠道稿，"
            "送审签发后再发抖音。")
NO_CORRECTION = ("抖音不支持修改已发布的视频：请先对该稿件撤稿（删除抖音上的原视频），"
                 "更正稿签发后再重新分发到抖音。")


class _Stop(Exception):
    """Ends the delivery with `outcome`; `code` is the platform's error_code, if it gave one."""

    def __init__(self, outcome: Outcome, code: int | None = None):
        super().__init__(outcome.detail)
        self.outcome = outcome
        self.code = code


Body = Callable[[], tuple[Iterable[bytes] | bytes, int, str]]  # -> (body, length, content type)


def _explain(code: int, description: str, what: str) -> Outcome:
    said = f"{what}：抖音返回 {code} {description}".rstrip()
    if code in BUSY:
        reason = "调用额度已用完" if code == 2190001 else "抖音系统繁忙"
        return Outcome.retry(f"{said}（{reason}，稍后自动重试）", retry_after=BUSY[code])
    if code in TOKEN_EXPIRED or code in TOKEN_DEAD:
        return Outcome.fail(f"{said}（授权已失效，请账号负责人在抖音重新授权，并在账号设置中更新密钥）")
    if code == REFUSED:
        return Outcome.fail(f"{said}（抖音审核未通过：文案命中敏感词，请修改短视频文案、重新签发后再发）")
    if code == 2190005:
        return Outcome.fail(f"{said}（视频文件超过抖音上限，请重新生成较小的视频）")
    if code == 2190006:
        return Outcome.fail(f"{said}（视频超过 15 分钟，请剪短后重新生成）")
    if code == 2100005:
        return Outcome.fail(f"{said}（请求参数不被接受，请检查账号的 client_key、open_id 设置）")
    return Outcome.fail(said)


class _Client:
    """Calls for one account: the token goes in the ``access-token`` header, ``open_id`` in
    the query; an expired token is refreshed once per call."""

    def __init__(self, account):
        self.account = account
        self.base = (account.base_url or "https://open.douyin.com").rstrip("/")
        self.client_key = str(account.options.get("client_key", "")).strip()
        self.open_id = str(account.options.get("open_id", "")).strip()
        if not self.client_key or not self.open_id:
            raise _Stop(Outcome.fail("抖音账号没有填写 client_key 或 open_id（在账号设置中填写）。"))
        self.creds = self._load(account.secret)

    @staticmethod
    def _load(stored: str) -> dict:
        try:
            creds = json.loads(secrets.decrypt(stored) or "{}")
        except ValueError as exc:
            if isinstance(exc, json.JSONDecodeError):
                creds = None
            else:
                raise _Stop(Outcome.fail(str(exc))) from exc
        if not isinstance(creds, dict) or not creds.get("access_token") or not creds.get("refresh_token"):
            raise _Stop(Outcome.fail('抖音账号的密钥须为 JSON：{"client_secret": "…", "access_token": "…", '
                                     '"refresh_token": "…"}（账号负责人授权后得到）。'))
        return creds

    # -- transport ----------------------------------------------------------------------------

    def _http(self, method: str, url: str, body: Body | None, timeout: float, headers: dict) -> tuple[int, dict]:
        data, length, content_type = body() if body else (None, 0, "")
        request = urllib.request.Request(url, data=data, method=method, headers=dict(headers))
        if body:
            request.add_header("Content-Type", content_type)
            request.add_header("Content-Length", str(length))
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                status, raw = response.status, response.read()
        except urllib.error.HTTPError as exc:
            status, raw = exc.code, exc.read()
        except (urllib.error.URLError, TimeoutError, ConnectionError, OSError, ValueError) as exc:
            return 0, {"description": f"连接抖音开放平台失败：{getattr(exc, 'reason', exc)}"}
        try:
            answer = json.loads(raw or b"{}")
        except ValueError:  # a gateway's HTML page
            return status, {}
        return status, answer if isinstance(answer, dict) else {}

    def call(self, method: str, path: str, *, what: str, query: dict | None = None, body: Body | None = None,
             timeout: float = TIMEOUT) -> dict:
        """The answer's ``data`` when error_code is 0; else `_Stop` with the outcome the
        documented code means (an expired token is refreshed and the call made once more; a
        token known to run out within minutes is refreshed before, so a large part is not
        sent only to be refused)."""
        if float(self.creds.get("expires_at") or 0) and float(self.creds["expires_at"]) < time.time() + 300:
            self.refresh()
        for attempt in (1, 2):
            url = f"{self.base}{path}?" + urllib.parse.urlencode({"open_id": self.open_id, **(query or {})})
            status, answer = self._http(method, url, body, timeout, {"access-token": self.creds["access_token"]})
            data = answer.get("data") if isinstance(answer.get("data"), dict) else {}
            code = data.get("error_code")
            if status == 200 and code == 0:
                return data
            if code in TOKEN_EXPIRED and attempt == 1:
                self.refresh()
                continue
            if isinstance(code, int) and code:
                raise _Stop(_explain(code, str(data.get("description", "")), what), code)
            detail = answer.get("description") or data.get("description") or f"HTTP {status}"
            if status in (0, 200, 429) or status >= 500:  # no answer, or not the platform's (a gateway page)
                raise _Stop(Outcome.retry(f"{what}：{detail}（稍后自动重试）"))
            raise _Stop(Outcome.fail(f"{what}：抖音开放平台答复 HTTP {status}"))
        raise AssertionError("unreachable")

    # -- tokens -------------------------------------------------------------------------------

    def refresh(self) -> None:
        """A fresh access_token: another worker's, if it already refreshed, else the
        platform's (/oauth/refresh_token/), stored encrypted on the account."""
        from rongmei.distribution.models import ChannelAccount

        used = self.creds["access_token"]
        stored = ChannelAccount.objects.filter(pk=self.account.pk).values_list("secret", flat=True).first() or ""
        latest = self._load(stored)
        if latest.get("access_token") != used:
            self.creds = latest
            return
        answer = self._oauth("/oauth/refresh_token/", {"client_key": self.client_key, "grant_type": "refresh_token",
                                                       "refresh_token": self.creds["refresh_token"]}, "刷新授权")
        now = time.time()
        self.creds = {**self.creds, "access_token": answer["access_token"],
                      "expires_at": int(now + int(answer.get("expires_in") or 0))}
        if answer.get("refresh_token"):
            self.creds["refresh_token"] = answer["refresh_token"]
        if answer.get("refresh_expires_in"):
            self.creds["refresh_expires_at"] = int(now + int(answer["refresh_expires_in"]))
        renewed = False
        if self.creds.get("refresh_expires_at", now + RENEW_BEFORE + 1) - now < RENEW_BEFORE:
            renew = self._oauth("/oauth/renew_refresh_token/", {"client_key": self.client_key,
                                                                "refresh_token": self.creds["refresh_token"]},
                                "续期 refresh_token", quiet=True)
            if renew:
                self.creds["refresh_token"] = renew["refresh_token"]
                self.creds["refresh_expires_at"] = int(now + int(renew.get("expires_in") or 0))
                renewed = True
        self._store(renewed)

    def _oauth(self, path: str, form: dict, what: str, quiet: bool = False) -> dict:
        encoded = urllib.parse.urlencode(form).encode()
        status, answer = self._http("POST", f"{self.base}{path}",
                                    lambda: (encoded, len(encoded), "application/x-www-form-urlencoded"), TIMEOUT, {})
        data = answer.get("data") if isinstance(answer.get("data"), dict) else {}
        if status == 200 and data.get("error_code") == 0 and (data.get("access_token") or data.get("refresh_token")):
            return data
        if quiet:
            return {}
        code = data.get("error_code")
        if isinstance(code, int) and code:
            if code in (10010, 10020):
                raise _Stop(Outcome.fail(f"{what}：抖音返回 {code} {data.get('description', '')}（refresh_token 已过期或"
                                         "续期次数用完：请账号负责人在抖音重新授权，并在账号设置中更新密钥）"))
            raise _Stop(_explain(code, str(data.get("description", "")), what), code)
        raise _Stop(Outcome.retry(f"{what}：{answer.get('description') or f'HTTP {status}'}（稍后自动重试）"))

    def _store(self, renewed: bool) -> None:
        from rongmei.core.services import record
        from rongmei.distribution.models import ChannelAccount

        with transaction.atomic():
            ChannelAccount.objects.filter(pk=self.account.pk).update(secret=secrets.encrypt(json.dumps(self.creds)))
            record("account.token_refresh", actor=None, center=self.account.center, obj=self.account,
                   after={"secret": "已自动续期" + ("（含 refresh_token）" if renewed else "")},
                   actor_repr="系统（抖音授权续期）")


# -- streaming the file ----------------------------------------------------------------------

def _multipart(open_file: Callable[[], object], offset: int, length: int) -> Body:
    """A body factory: the multipart form with field ``video`` holding ``length`` bytes of
    the file from ``offset``, read in READ_BYTES pieces while it is sent."""
    def body():
        boundary = uuid.uuid4().hex
        head = (f'--{boundary}\r\nContent-Disposition: form-data; name="video"; filename="video.mp4"\r\n'
                f"Content-Type: video/mp4\r\n\r\n").encode()
        tail = f"\r\n--{boundary}--\r\n".encode()

        def pieces():
            yield head
            with open_file() as f:
                f.seek(offset)
                left = length
                while left > 0:
                    piece = f.read(min(READ_BYTES, left))
                    if not piece:
                        raise OSError("视频文件比记录的短：文件可能已损坏")
                    left -= len(piece)
                    yield piece
            yield tail

        return pieces(), len(head) + length + len(tail), f"multipart/form-data; boundary={boundary}"

    return body


# -- delivering ------------------------------------------------------------------------------

def deliver(delivery: Delivery) -> Outcome:
    message = delivery.message
    try:
        client = _Client(message.account)
        if message.action == "takedown":
            return _take_down(client, delivery)
        if message.action == "correct":
            return Outcome.fail(NO_CORRECTION)
        return _publish(client, delivery)
    except _Stop as stop:
        return stop.outcome


def _caption(story) -> str:
    """The caption and topics as the reviewer signed them (``#话题`` travels in ``text``)."""
    from rongmei.newsroom.published import published_fields

    fields = {f.key: f for f in published_fields(story, "short_video")}
    caption = fields["caption"].text.strip() if "caption" in fields else story.headline
    tags = [str(t).strip() for t in (fields["tags"].value if "tags" in fields else []) if str(t).strip()]
    tags = [t if t.startswith("#") else f"#{t}" for t in tags]
    return " ".join([caption, *tags]).strip()


def _publish(client: _Client, delivery: Delivery) -> Outcome:
    from rongmei.newsroom.models import VideoJob
    from rongmei.newsroom.selectors import video_file

    progress = delivery.progress
    if progress.get("item_id"):
        return Outcome.ok(remote_id=progress["item_id"], remote_url=progress.get("share_url", ""))
    story = delivery.message.publication.story
    text = _caption(story)
    sent_before = progress.get("create_sent")
    if sent_before:  # a create whose answer never came: ask before creating again
        found = _find(client, delivery, text, float(sent_before))
        if found:
            delivery.remember(item_id=found["item_id"], share_url=found.get("share_url", ""))
            return Outcome.ok(remote_id=found["item_id"], remote_url=found.get("share_url", ""),
                              detail="上次发布的答复丢失，已在抖音作品列表中找到该视频")
    video = video_file(story, "vertical")
    if video is None:
        return Outcome.fail(NO_VIDEO)
    if not progress.get("video_id") or progress.get("video_sha256") != video.sha256:
        _upload(client, delivery, video)
    cover = VideoJob.objects.filter(pk=video.job_id).values_list("cover_time", flat=True).first()
    body = {"video_id": progress["video_id"], "text": text}
    if cover is not None:
        body["cover_tsp"] = round(float(cover), 3)
    if not sent_before:
        delivery.remember(create_sent=time.time())
    encoded = json.dumps(body, ensure_ascii=False).encode("utf-8")
    try:
        data = client.call("POST", "/video/create/", what="发布抖音视频",
                           body=lambda: (encoded, len(encoded), "application/json"))
    except _Stop as stop:
        spent = stop.code == 2190007  # this video_id already made an item, or is unknown
        if spent and sent_before:
            # our earlier create went through (a video_id serves one create), but the item is
            # not listed yet: ask again later; never upload and create a second one
            raise _Stop(Outcome.wait("抖音已收下此前的发布请求，作品列表中暂未出现，稍后再核对（不会重复发布）",
                                     retry_after=30)) from stop
        if stop.outcome.kind == "fail" or spent:
            # refused: nothing was created (an unknown video_id is uploaded again)
            for key in ("create_sent", "video_id", "video_sha256"):
                progress.pop(key, None)
            delivery.remember()
            if spent:
                return Outcome.retry(stop.outcome.detail + "（视频将重新上传）")
        raise
    item_id = str(data.get("item_id") or "")
    if not item_id:
        return Outcome.retry("发布抖音视频：抖音没有返回作品编号，稍后核对")
    delivery.remember(item_id=item_id)
    share_url = _share_url(client, item_id)
    progress["share_url"] = share_url
    return Outcome.ok(remote_id=item_id, remote_url=share_url,
                      detail=f"已发布抖音视频（{_size(video.size)}，{progress.get('upload_mode', '')}上传）")


def _size(size: int) -> str:
    return f"{size / MB:.1f} MB" if size >= MB else f"{max(1, size // 1024)} KB"


def _upload(client: _Client, delivery: Delivery, video) -> None:
    """The file on the platform: whole up to SIMPLE_MAX, else in PART_BYTES parts (each
    recorded as it lands, so an attempt after a crash goes on from the next part)."""
    progress = delivery.progress
    if video.size <= SIMPLE_MAX:
        data = client.call("POST", "/video/upload/", what="上传视频", timeout=UPLOAD_TIMEOUT,
                           body=_multipart(video.open, 0, video.size))
        delivery.remember(video_id=data["video"]["video_id"], video_sha256=video.sha256, upload_mode="整体")
        return
    fresh = (progress.get("upload_id") and progress.get("upload_sha256") == video.sha256
             and time.time() - float(progress.get("upload_started", 0)) < UPLOAD_ID_LIFE)
    if not fresh:
        data = client.call("POST", "/video/part/init/", what="初始化分片上传")
        delivery.remember(upload_id=data["upload_id"], upload_sha256=video.sha256, upload_started=time.time(),
                          parts_done=0)
    parts = math.ceil(video.size / PART_BYTES)
    try:
        for number in range(int(progress.get("parts_done", 0)) + 1, parts + 1):
            offset = (number - 1) * PART_BYTES
            client.call("POST", "/video/part/upload/", what=f"上传第 {number}/{parts} 个分片", timeout=UPLOAD_TIMEOUT,
                        query={"upload_id": progress["upload_id"], "part_number": number},
                        body=_multipart(video.open, offset, min(PART_BYTES, video.size - offset)))
            delivery.remember(parts_done=number)
        data = client.call("POST", "/video/part/complete/", what="完成分片上传", query={"upload_id": progress["upload_id"]})
    except _Stop as stop:
        if stop.code == 2100005:  # upload_id expired or parts refused: start the upload again
            for key in ("upload_id", "upload_sha256", "upload_started", "parts_done"):
                progress.pop(key, None)
            delivery.remember()
            raise _Stop(Outcome.retry(stop.outcome.detail.split("（")[0] + "（分片上传将重新开始）")) from stop
        raise
    for key in ("upload_id", "upload_sha256", "upload_started", "parts_done"):
        progress.pop(key, None)
    delivery.remember(video_id=data["video"]["video_id"], video_sha256=video.sha256, upload_mode=f"分 {parts} 片")


def _items(client: _Client, since: float) -> list[dict]:
    """The account's items made since `since` (newest first), from /video/list/."""
    found, cursor = [], 0
    for _ in range(LIST_PAGES):
        data = client.call("GET", "/video/list/", what="查询抖音作品列表", query={"cursor": cursor, "count": 20})
        page = data.get("list") or []
        found += [item for item in page if float(item.get("create_time") or 0) >= since - FOUND_SLACK]
        if not data.get("has_more") or not page or float(page[-1].get("create_time") or 0) < since - FOUND_SLACK:
            break
        cursor = data.get("cursor", cursor + len(page))
    return found


def _find(client: _Client, delivery: Delivery, text: str, since: float) -> dict | None:
    """Our item, if the platform has it: exactly our caption, made since we sent the create,
    and not the item of another of this account's publications."""
    publication = delivery.message.publication
    taken = _held_elsewhere(publication)
    try:
        mine = [i for i in _items(client, since) if i.get("title") == text and i.get("item_id") not in taken]
    except _Stop as stop:
        if stop.outcome.kind == "fail":
            raise
        raise _Stop(Outcome.retry(f"无法核对上次发布的抖音视频是否已到达（{stop.outcome.detail}），稍后再查，不会重复发布")) from stop
    return mine[-1] if mine else None  # the oldest: the one readers saw first


def _held_elsewhere(publication) -> set[str]:
    """The items other publications of the same account hold (never taken for ours)."""
    from rongmei.distribution.models import Publication

    return set(Publication.objects.filter(account_id=publication.account_id).exclude(pk=publication.pk)
               .exclude(remote_id="").values_list("remote_id", flat=True))


def _share_url(client: _Client, item_id: str) -> str:
    try:
        data = client.call("GET", "/video/list/", what="查询抖音作品链接", query={"cursor": 0, "count": 10})
    except _Stop:
        return ""
    return next((str(i.get("share_url", "")) for i in data.get("list") or [] if i.get("item_id") == item_id), "")


def _take_down(client: _Client, delivery: Delivery) -> Outcome:
    """Delete every item this publication's deliveries recorded, and any a lost create
    left behind (found by caption and time); done when none is left."""
    publication = delivery.message.publication
    messages = list(publication.messages.exclude(action="takedown").order_by("id"))
    ids = [publication.remote_id] + [(m.progress or {}).get("item_id", "") for m in messages]
    pending = [float((m.progress or {})["create_sent"]) for m in messages
               if (m.progress or {}).get("create_sent") and not (m.progress or {}).get("item_id")]
    if pending:
        text = _caption(publication.story)
        taken = _held_elsewhere(publication)
        found = _items(client, min(pending))
        ids += [i["item_id"] for i in found if i.get("title") == text and i.get("item_id") not in taken]
    deleted = 0
    for item_id in dict.fromkeys(i for i in ids if i):
        encoded = json.dumps({"item_id": item_id}).encode()
        try:
            client.call("POST", "/video/delete/", what="删除抖音视频",
                        body=lambda encoded=encoded: (encoded, len(encoded), "application/json"))
            deleted += 1
        except _Stop as stop:
            if stop.code != 2100005:  # 2100005: the item is not (or no longer) there
                return stop.outcome
    if not deleted and not publication.remote_id:
        return Outcome.ok(detail="抖音上没有这条视频，无需删除")
    return Outcome.ok(remote_id=publication.remote_id, detail="抖音视频已删除" + (f"（共 {deleted} 条）" if deleted > 1 else ""))
