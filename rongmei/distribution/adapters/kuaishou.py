"""快手 (Kuaishou), per its open platform's documented API: the story's signed-off vertical
video goes to the account as a work (作品), with the short-video caption and topics and
the cover the editor chose.

Why it is built this way:

- **The three documented steps, each kept as it succeeds.** ``openapi/photo/start_upload``
  gives an ``upload_token`` and the upload gateway's host; the file goes there whole
  (``POST http://{endpoint}/api/upload``, raw body, "适合小于10M的文件") or, above
  DIRECT_LIMIT, in fragments (``/api/upload/fragment`` from 0, each checked against the
  md5 the gateway answers, then ``/api/upload/complete``; ``/api/upload/resume`` tells a
  later attempt which fragments already arrived, so a retry sends only the rest); then
  ``openapi/photo/publish`` (multipart ``caption``, ``cover``) answers the work's
  ``photo_id``. The token and the finished upload are recorded at once, so a retry never
  uploads a large file twice. The file is streamed from storage, never read whole.
- **Exactly one work per account, also under kill -9.** Kuaishou has no idempotency key
  and no place for an invisible marker, and a work carries only its caption. So the
  moment before ``publish`` is sent is recorded (``publish_sent_at``); an attempt that
  finds that mark and no ``photo_id`` asks ``openapi/photo/list`` for a work of this
  account with exactly this caption made since the mark (less RECOVERY_SKEW for the two
  clocks) and adopts it. Only when none is there, and the unanswered publish is older than
  SETTLE_SECONDS (a request the gateway still holds could yet land), is it published again;
  meanwhile the delivery waits (no attempt spent). Order per account in the outbox means no
  other delivery of this account publishes in that window.
- **Tokens.** The account's owner authorises the center's app (OAuth 2, 快手登录); the
  access_token lasts 48 hours and the refresh_token 180 days, and every refresh hands out
  a new refresh_token and voids the old one. So a refresh (on 100200108 "access_token过期",
  100200102 "请求被拒绝", or before the recorded expiry) is written to the account at once,
  encrypted, in one transaction with its audit event; before refreshing, the account is
  read again, in case another worker already did. A refresh_token that is expired or
  withdrawn (100200113, 100200109–100200111) or an app secret refused (100200101) fails the
  delivery: the owner must authorise again.
- **Errors.** 400002 (api限速) and 100200500 (服务内部错误), HTTP 5xx/429, timeouts → retry
  later; 120003 (视频发布失败: refused by the platform's review) and 100400/100200100
  (parameters) → failed, with the platform's words in Chinese; 120002 (视频未上传成功) →
  upload again on the next attempt.
- **Takedown** deletes (``openapi/photo/delete``) every work this publication's deliveries
  recorded and every copy the list shows with the caption since the first publish mark;
  120001 (视频不存在) counts as gone. **Correction** is refused: the open platform has no way
  to edit a published work (no edit endpoint), and silently replacing it would throw away
  its views and comments; the board says so and the operator decides (撤稿, or edit in the
  快手 app).

Account: ``options`` = ``{"app_id": "ks…", "open_id": "…"}``; secret = JSON
``{"app_secret", "access_token", "refresh_token"}`` (the refreshed tokens and their expiry
times are written back into it). ``base_url`` defaults to https://open.kuaishou.com.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

from rongmei.distribution import secrets
from rongmei.distribution.outbox import Delivery, Outcome

DEFAULT_BASE = "https://open.kuaishou.com"
TIMEOUT = 15  # seconds per socket operation of an API call
UPLOAD_TIMEOUT = 60  # per socket operation of an upload (a gateway may take a while to answer a big body)
DIRECT_LIMIT = 10 << 20  # "直接上传，适合小于10M的文件"; larger files go in fragments
FRAGMENT_BYTES = 8 << 20  # "建议分片大小不大于10M"
# An unanswered publish older than this that the list does not show did not happen (tests and
# the crash test shorten it through the environment, like the outbox's lease).
SETTLE_SECONDS = float(os.environ.get("RONGMEI_KUAISHOU_SETTLE_SECONDS", "60"))
RECOVERY_SKEW = 600  # seconds: our clock and Kuaishou's may differ this much
LIST_PAGE = 50  # photo/list "count 默认为20，最大不超过200"
LIST_PAGES = 6  # how far back a lookup pages (300 works)
REFRESH_EARLY = 300  # refresh this many seconds before the recorded expiry

TOKEN_EXPIRED = 100200108
TOKEN_REFUSED = 100200102
AUTH_GONE = {100200101: "应用的 app_id 或 app_secret 不被快手接受", 100200109: "账号已取消对本应用的授权",
             100200110: "账号授权已过期", 100200111: "账号没有授权本应用", 100200113: "refresh_token 已过期"}
RATE_LIMITED = {400002}
SERVER_BUSY = {100200500}
NOT_FOUND = 120001
NOT_UPLOADED = 120002
REFUSED = 120003
BAD_PARAMS = {100400, 100200100}
_ENDPOINT = re.compile(r"^[A-Za-z0-9.-]{1,253}(:\d{1,5})?$")


class _Stop(Exception):
    def __init__(self, outcome: Outcome):
        super().__init__(outcome.detail)
        self.outcome = outcome


class _Restart(_Stop):
    """The upload gateway refused this upload: the next attempt starts a new one."""


class _Unanswered(Exception):
    """The request may have reached Kuaishou, but no answer came (timeout, reset, 5xx)."""

    def __init__(self, detail: str):
        super().__init__(detail)
        self.detail = detail


def _http(method: str, url: str, *, data=None, headers: dict | None = None, timeout: float = TIMEOUT) -> dict:
    """One HTTP call answering JSON. No answer, a 5xx or a reply that is not JSON raises
    _Unanswered (the effect is unknown); another HTTP error raises _Stop(fail)."""
    request = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            raw = response.read()
    except urllib.error.HTTPError as exc:
        if exc.code >= 500 or exc.code in (408, 429):
            raise _Unanswered(f"快手接口 HTTP {exc.code}") from exc
        raise _Stop(Outcome.fail(f"快手接口拒绝了请求（HTTP {exc.code}）")) from exc
    except (urllib.error.URLError, TimeoutError, ConnectionError, OSError) as exc:
        raise _Unanswered(f"连接快手失败：{getattr(exc, 'reason', exc)}") from exc
    try:
        answer = json.loads(raw or b"{}")
    except ValueError as exc:
        raise _Unanswered("快手的答复无法解析") from exc
    if not isinstance(answer, dict):
        raise _Unanswered("快手的答复无法解析")
    return answer


def _ok(answer: dict) -> bool:
    return answer.get("result") == 1


def _words(answer: dict) -> str:
    return f"{answer.get('result')} {answer.get('error_msg', '')}".strip()


def refusal(answer: dict, what: str) -> Outcome:
    """A documented result code → retry later or fail, in Chinese."""
    code = answer.get("result")
    if code in RATE_LIMITED:
        return Outcome.retry(f"{what}：快手接口限速（{_words(answer)}），稍后重试", retry_after=60)
    if code in SERVER_BUSY:
        return Outcome.retry(f"{what}：快手服务内部错误（{_words(answer)}），稍后重试")
    if code in AUTH_GONE:
        return Outcome.fail(f"{what}：{AUTH_GONE[code]}（{_words(answer)}）。请账号负责人在快手重新授权本中心的应用，"
                            "再在账号设置里填入新的 access_token 和 refresh_token。")
    if code in (TOKEN_EXPIRED, TOKEN_REFUSED):
        return Outcome.fail(f"{what}：快手不接受刷新后的授权（{_words(answer)}），请账号负责人重新授权。")
    if code == REFUSED:
        return Outcome.fail(f"{what}：快手未通过这条视频（{_words(answer)}）。请按平台提示修改视频或文案，重新签发后再发。")
    if code in BAD_PARAMS:
        return Outcome.fail(f"{what}：快手认为请求参数有误（{_words(answer)}）。")
    return Outcome.fail(f"{what}：快手返回 {_words(answer)}")


class _Client:
    """The account's credentials and the calls made with them (refreshing the token once
    per attempt when Kuaishou says it expired)."""

    def __init__(self, account, base: str, app_id: str, creds: dict):
        self.account, self.base, self.app_id, self.creds = account, base.rstrip("/"), app_id, creds
        self.refreshed = False

    def call(self, method: str, path: str, query: dict | None = None, *, data=None, headers: dict | None = None,
             timeout: float = TIMEOUT) -> dict:
        if self._expires_soon():
            self.refresh()
        answer = self._send(method, path, query, data, headers, timeout)
        if answer.get("result") in (TOKEN_EXPIRED, TOKEN_REFUSED) and not self.refreshed:
            self.refresh()  # the refused call had no effect: send it again with the new token
            answer = self._send(method, path, query, data, headers, timeout)
        return answer

    def _send(self, method, path, query, data, headers, timeout) -> dict:
        params = {"app_id": self.app_id, "access_token": self.creds["access_token"], **(query or {})}
        return _http(method, f"{self.base}{path}?" + urllib.parse.urlencode(params), data=data, headers=headers,
                     timeout=timeout)

    def _expires_soon(self) -> bool:
        expires = self.creds.get("expires_at")
        return isinstance(expires, (int, float)) and expires < time.time() + REFRESH_EARLY and not self.refreshed

    def refresh(self) -> None:
        """GET /oauth2/refresh_token; the new pair is stored at once (the old refresh_token
        is void from now on). If another worker refreshed meanwhile, its token is used."""
        from rongmei.distribution.models import ChannelAccount

        self.refreshed = True
        stored = ChannelAccount.objects.filter(pk=self.account.pk).values_list("secret", flat=True).first() or ""
        try:
            current = json.loads(secrets.decrypt(stored))
        except ValueError:
            current = {}
        if isinstance(current, dict) and current.get("access_token") and \
                current.get("access_token") != self.creds.get("access_token"):
            self.creds.update(current)
            return
        try:
            answer = _http("GET", f"{self.base}/oauth2/refresh_token?" + urllib.parse.urlencode({
                "app_id": self.app_id, "app_secret": self.creds["app_secret"],
                "refresh_token": self.creds["refresh_token"], "grant_type": "refresh_token"}))
        except _Unanswered as exc:
            raise _Stop(Outcome.retry(f"刷新快手授权失败：{exc.detail}，稍后重试")) from exc
        if not _ok(answer) or not answer.get("access_token") or not answer.get("refresh_token"):
            raise _Stop(refusal(answer, "刷新快手授权"))
        now = time.time()
        self.creds.update(access_token=answer["access_token"], refresh_token=answer["refresh_token"],
                          expires_at=int(now + int(answer.get("expires_in") or 0)),
                          refresh_expires_at=int(now + int(answer.get("refresh_token_expires_in") or 0)))
        _store_tokens(self.account, self.creds)


def _store_tokens(account, creds: dict) -> None:
    """Encrypted, with an audit event (values never logged), in one transaction."""
    from django.db import transaction

    from rongmei.core.services import record
    from rongmei.distribution.models import ChannelAccount

    with transaction.atomic():
        ChannelAccount.objects.filter(pk=account.pk).update(secret=secrets.encrypt(json.dumps(creds)))
        record("account.token_refresh", actor=None, center=account.center, obj=account,
               after={"platform": "kuaishou", "expires_at": dt.datetime.fromtimestamp(
                   creds["expires_at"], tz=dt.UTC).isoformat()})


def credentials(account) -> dict:
    """The account's secret JSON, checked; ValueError in Chinese when unusable."""
    example = '{"app_secret": "…", "access_token": "…", "refresh_token": "…"}'
    try:
        creds = json.loads(secrets.decrypt(account.secret) or "null")
    except json.JSONDecodeError as exc:
        raise ValueError(f"快手账号的密钥应为 JSON：{example}") from exc
    if not isinstance(creds, dict):
        raise ValueError(f"快手账号的密钥应为 JSON：{example}")  # noqa: TRY004 - a message for the operator
    missing = [k for k in ("app_secret", "access_token", "refresh_token") if not str(creds.get(k) or "").strip()]
    if missing:
        raise ValueError(f"快手账号的密钥缺少 {'、'.join(missing)}：应为 {example}")
    return creds


def deliver(delivery: Delivery) -> Outcome:
    account = delivery.message.account
    app_id = str((account.options or {}).get("app_id") or "").strip()
    if not app_id:
        return Outcome.fail("快手账号没有填写 app_id（快手开放平台上本中心应用的 AppID）。")
    try:
        client = _Client(account, account.base_url or DEFAULT_BASE, app_id, credentials(account))
        if delivery.message.action == "takedown":
            return _take_down(client, delivery)
        if delivery.message.action == "correct":
            return Outcome.fail("快手不能修改已发布的作品（开放平台没有编辑接口），原视频仍在线、未作改动。"
                                "需要更正时，请在快手 App 里处理，或撤稿删除原视频。")
        return _publish(client, delivery)
    except _Stop as stop:
        return stop.outcome
    except _Unanswered as exc:
        return Outcome.retry(exc.detail)
    except ValueError as exc:
        return Outcome.fail(str(exc))


# --- Publishing ------------------------------------------------------------------------------------

def _video(delivery: Delivery):
    from rongmei.newsroom.selectors import video_file

    video = video_file(delivery.message.publication.story, "vertical")
    if video is None:
        raise _Stop(Outcome.fail("该稿件还没有审核通过的竖版视频：请在稿件页“视频版本”里生成竖版视频，"
                                 "送审签发后再发快手。"))
    return video


def caption(story) -> str:
    """The signed-off short-video caption and its #topics#, as the reviewer saw them."""
    from rongmei.newsroom.published import published_fields

    fields = {f.key: f for f in published_fields(story, "short_video")}
    words = fields["caption"].text.strip() if "caption" in fields else ""
    tags = fields["tags"].value if "tags" in fields else []
    return " ".join([words, *[str(t) for t in tags or [] if str(t).strip()]]).strip()


def _publish(client: _Client, delivery: Delivery) -> Outcome:
    progress = delivery.progress
    if progress.get("photo_id"):
        return _done(progress)
    story = delivery.message.publication.story
    text = caption(story)
    if progress.get("publish_sent_at"):
        settled = _settle(client, delivery, text)
        if settled is not None:
            return settled
    video = _video(delivery)
    if not progress.get("upload_token"):
        answer = client.call("POST", "/openapi/photo/start_upload")
        if not _ok(answer) or not answer.get("upload_token"):
            return refusal(answer, "发起上传")
        endpoint = str(answer.get("endpoint") or "")
        if not _ENDPOINT.match(endpoint):
            return Outcome.retry(f"快手给出的上传地址无效：{endpoint[:80]!r}")
        delivery.remember(upload_token=answer["upload_token"], endpoint=endpoint, uploaded=False)
    if progress.get("uploaded") and progress.get("upload_sha256") != video.sha256:
        progress.update(upload_token="", uploaded=False)  # the signed video changed since: upload the new one
        return _publish(client, delivery)
    if not progress.get("uploaded"):
        _upload(delivery, video)
        delivery.remember(uploaded=True, upload_sha256=video.sha256)
    cover = _cover(video)
    delivery.remember(publish_sent_at=time.time())  # before the call: a lost answer is settled by asking
    body, content_type = _multipart({"caption": text, "stereo_type": "NOT_SPHERICAL_VIDEO"}, cover)
    try:
        answer = client.call("POST", "/openapi/photo/publish", {"upload_token": progress["upload_token"]},
                             data=body, headers={"Content-Type": content_type}, timeout=UPLOAD_TIMEOUT)
    except _Unanswered as exc:
        return Outcome.retry(f"已提交发布，未收到快手的答复（{exc.detail}），下次先核对是否已发出，不会重复发布")
    except _Stop:
        progress.pop("publish_sent_at", None)  # refused before anything was made (a token refresh failed, HTTP 4xx)
        delivery.remember()
        raise
    if _ok(answer) and (answer.get("video_info") or {}).get("photo_id"):
        info = answer["video_info"]
        delivery.remember(photo_id=str(info["photo_id"]), play_url=_link(client, info))
        return _done(progress)
    progress.pop("publish_sent_at", None)  # refused: nothing was made
    if answer.get("result") == NOT_UPLOADED:
        progress.update(upload_token="", uploaded=False)
        delivery.remember()
        return Outcome.retry(f"快手说视频未上传成功（{_words(answer)}），下次重新上传")
    delivery.remember()
    return refusal(answer, "发布视频")


def _done(progress: dict) -> Outcome:
    return Outcome.ok(remote_id=progress["photo_id"], remote_url=progress.get("play_url", ""),
                      detail="已发布快手作品")


def _link(client: _Client, info: dict) -> str:
    url = str(info.get("play_url") or "")
    return url if url.startswith(("http://", "https://")) else f"https://www.kuaishou.com/short-video/{info['photo_id']}"


def _settle(client: _Client, delivery: Delivery, text: str) -> Outcome | None:
    """A publish whose answer never came: adopt the work if the list shows it; publish
    again (None) only once it cannot still appear; else wait and ask again."""
    progress = delivery.progress
    sent = float(progress["publish_sent_at"])
    try:
        found = _works(client, text, since=sent - RECOVERY_SKEW)
    except _Unanswered as exc:
        return Outcome.wait(f"核对上次发布是否已到达快手时未获答复（{exc.detail}），稍后再查，不会重复发布", retry_after=10)
    claimed = _claimed(delivery, found)
    found = [w for w in found if str(w.get("photo_id")) not in claimed]
    if found:
        first = found[0]  # the oldest: the one viewers saw first
        delivery.remember(photo_id=str(first["photo_id"]), play_url=_link(client, first))
        return _done(progress)
    waited = time.time() - sent
    if waited < SETTLE_SECONDS:
        return Outcome.wait("上次发布未收到快手的答复，作品列表里暂时没有，稍后再核对，不会重复发布",
                            retry_after=max(1.0, SETTLE_SECONDS - waited))
    progress.pop("publish_sent_at", None)
    delivery.remember()
    return None


def _claimed(delivery: Delivery, works: list[dict]) -> set[str]:
    """Of these works, those another publication of this account already recorded as its own."""
    from rongmei.distribution.models import Publication

    ids = [str(w.get("photo_id")) for w in works]
    if not ids:
        return set()
    message = delivery.message
    return set(Publication.objects.filter(account_id=message.account_id, remote_id__in=ids)
               .exclude(pk=message.publication_id).values_list("remote_id", flat=True))


def _works(client: _Client, text: str, since: float) -> list[dict]:
    """The account's works with exactly this caption made since `since` (epoch seconds),
    oldest first, from photo/list (newest first, paged by the last photo_id)."""
    found, cursor = [], ""
    for _ in range(LIST_PAGES):
        query = {"count": str(LIST_PAGE), **({"cursor": cursor} if cursor else {})}
        answer = client.call("GET", "/openapi/photo/list", query)
        if not _ok(answer) or not isinstance(answer.get("video_list"), list):
            outcome = refusal(answer, "查询作品列表")
            if outcome.kind == "retry":
                raise _Unanswered(outcome.detail)
            raise _Stop(outcome)
        page = answer["video_list"]
        for work in page:
            if _same(str(work.get("caption") or ""), text) and _created(work) >= since:
                found.append(work)
        if len(page) < LIST_PAGE or not page or _created(page[-1]) < since:
            break
        cursor = str(page[-1].get("photo_id", ""))
    return sorted(found, key=_created)


def _same(a: str, b: str) -> bool:
    """Captions compared without their spacing (a platform may tidy blanks)."""
    return "".join(a.split()) == "".join(b.split())


def _created(work: dict) -> float:
    value = float(work.get("create_time") or 0)
    return value / 1000 if value > 1e11 else value  # milliseconds (as the list gives them) or seconds


def _cover(video) -> tuple[bytes, str]:
    """The cover the editor chose (the job's frame), else a frame of the video itself."""
    handle = video.open_cover()
    if handle is not None:
        with handle:
            data = handle.read()
        if data:
            return data, "image/png" if data.startswith(b"\x89PNG") else "image/jpeg"
    from rongmei.newsroom.video import engine

    with tempfile.TemporaryDirectory(prefix="rongmei-ks-") as tmp:
        path = Path(tmp, "video.mp4")
        with video.open() as source, path.open("wb") as out:
            for block in iter(lambda: source.read(1 << 20), b""):
                out.write(block)
        frame = Path(tmp, "cover.jpg")
        try:
            engine.frame_at(str(path), min(1.0, max(0.0, (video.duration or 0) / 2)), str(frame))
        except Exception as exc:  # a damaged file: say so, no cover is no post
            raise _Stop(Outcome.fail(f"视频没有封面，也无法从视频取一帧作封面：{exc}")) from exc
        return frame.read_bytes(), "image/jpeg"


def _multipart(fields: dict, cover: tuple[bytes, str]) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = [f"--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n".encode() + str(value).encode()
             + b"\r\n" for name, value in fields.items()]
    data, mime = cover
    parts.append(f"--{boundary}\r\nContent-Disposition: form-data; name=\"cover\"; filename=\"cover."
                 f"{'png' if mime == 'image/png' else 'jpg'}\"\r\nContent-Type: {mime}\r\n\r\n".encode() + data + b"\r\n")
    return b"".join(parts) + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


# --- Uploading ---------------------------------------------------------------------------------------

class _Slice:
    """`length` bytes of an open file, read in blocks by http.client (never all at once),
    with their md5 (what the gateway answers for a fragment)."""

    def __init__(self, handle, length: int):
        self.handle, self.left, self.md5 = handle, length, hashlib.md5()

    def read(self, size: int = -1) -> bytes:
        if self.left <= 0:
            return b""
        block = self.handle.read(self.left if size is None or size < 0 else min(size, self.left))
        self.left -= len(block)
        self.md5.update(block)
        return block


def _gateway(delivery: Delivery, path: str, **query) -> str:
    params = {"upload_token": delivery.progress["upload_token"], **query}
    return f"http://{delivery.progress['endpoint']}{path}?" + urllib.parse.urlencode(params)


def _gateway_call(method: str, url: str, what: str, **kwargs) -> dict:
    try:
        answer = _http(method, url, timeout=UPLOAD_TIMEOUT, **kwargs)
    except _Unanswered as exc:
        raise _Stop(Outcome.retry(f"{what}：{exc.detail}，稍后重试")) from exc
    if not _ok(answer):
        outcome = refusal(answer, what)
        if answer.get("result") in BAD_PARAMS:
            # the gateway refused this token or body: start over with a new upload next time
            raise _Restart(Outcome.retry(f"{outcome.detail}，下次重新上传"))
        raise _Stop(outcome)
    return answer


def _upload(delivery: Delivery, video) -> None:
    """Whole file up to DIRECT_LIMIT, else fragments; streamed from storage."""
    try:
        if video.size <= DIRECT_LIMIT:
            with video.open() as handle:
                _gateway_call("POST", _gateway(delivery, "/api/upload"), "上传视频", data=_Slice(handle, video.size),
                              headers={"Content-Type": "video/mp4", "Content-Length": str(video.size)})
            return
        _upload_fragments(delivery, video)
    except _Restart:
        delivery.progress.update(upload_token="", uploaded=False)
        delivery.remember()
        raise


def _upload_fragments(delivery: Delivery, video) -> None:
    count = -(-video.size // FRAGMENT_BYTES)
    resume = _gateway_call("GET", _gateway(delivery, "/api/upload/resume"), "查询已上传的分片")
    arrived = {int(i) for i in resume.get("fragment_list") or [] if str(i).lstrip("-").isdigit()}
    with video.open() as handle:
        for index in range(count):
            length = min(FRAGMENT_BYTES, video.size - index * FRAGMENT_BYTES)
            if index in arrived:
                handle.seek(length, 1)
                continue
            piece = _Slice(handle, length)
            answer = _gateway_call("POST", _gateway(delivery, "/api/upload/fragment", fragment_id=str(index)),
                                   f"上传第 {index + 1}/{count} 个分片", data=piece,
                                   headers={"Content-Type": "video/mp4", "Content-Length": str(length)})
            if answer.get("checksum") and answer["checksum"] != piece.md5.hexdigest():
                raise _Stop(Outcome.retry(f"第 {index + 1} 个分片校验不符（快手收到的内容与发出的不同），稍后重传"))
    _gateway_call("POST", _gateway(delivery, "/api/upload/complete", fragment_count=str(count)), "完成分片上传")


# --- Takedown -----------------------------------------------------------------------------------------

def _take_down(client: _Client, delivery: Delivery) -> Outcome:
    """Delete the recorded works and every copy with the publication's caption made since
    its first publish mark; done when the list shows none."""
    publication = delivery.message.publication
    messages = list(publication.messages.exclude(action="takedown").order_by("id"))
    ids = [publication.remote_id] + [(m.progress or {}).get("photo_id", "") for m in messages]
    marks = [float(m.progress["publish_sent_at"]) for m in messages if (m.progress or {}).get("publish_sent_at")]
    known = list(dict.fromkeys(i for i in ids if i))
    if not known and not marks:
        return Outcome.ok(detail="这条没有发到快手，无需删除")
    for photo_id in known:
        _delete(client, photo_id)
    copies = []
    if marks:
        try:
            copies = _works(client, caption(publication.story), since=min(marks) - RECOVERY_SKEW)
        except _Unanswered as exc:
            return Outcome.retry(f"已删除记录的快手作品，但暂时无法核对是否还有副本（{exc.detail}），稍后再查")
    for copy in copies:
        _delete(client, str(copy["photo_id"]))
    return Outcome.ok(remote_id=publication.remote_id,
                      detail="快手作品已删除" + (f"（含 {len(copies)} 条副本）" if copies else ""))


def _delete(client: _Client, photo_id: str) -> None:
    try:
        answer = client.call("POST", "/openapi/photo/delete", {"photo_id": photo_id}, data=b"",
                             headers={"Content-Type": "application/x-www-form-urlencoded"})
    except _Unanswered as exc:
        raise _Stop(Outcome.retry(f"删除快手作品 {photo_id} 未获答复（{exc.detail}），稍后重试")) from exc
    if _ok(answer) or answer.get("result") == NOT_FOUND:
        return
    raise _Stop(refusal(answer, f"删除快手作品 {photo_id}"))
