"""Weibo, per its documented API: statuses/share.json to post (a link to the story on the
center's site is required; one picture goes along as multipart `pic`), statuses/destroy.json
to take down, and statuses/user_timeline.json to find out whether a post whose answer we
never got was made (each post's link carries the delivery's idempotency key).

Pictures: the story's pictures go with the post, up to 9 (`newsroom.published.weibo_pictures`,
what the reviewer saw). share.json takes one `pic` only; several need the 高级写入接口:
statuses/upload_pic.json (one multipart `pic` each, answering a `pic_id`) and
statuses/upload_url_text.json (`status` and `pic_id`, "多个时使用英文半角逗号符分隔，最多不超过9个").
The pic_ids are recorded before posting, so a retry does not upload again; the post itself
stays under the in-flight rule below. An app without that permission (10014 "Insufficient
app permissions") posts through share.json with the first picture, and the delivery says so.

Error codes: 21327 expired token / 21332 invalid token → the account must be authorised
again (fail); 20019 repeated content → already posted, look it up (a failed lookup is a
retry); 10022–10024 rate limits, 10001–10003/10009 system errors (whatever the HTTP status)
and 5xx/timeouts → retry later; 20101 on destroy → already gone (done).

An attempt whose outcome is unknown (timeout, 5xx, reset, a kill) leaves the message in
flight, and every later attempt asks user_timeline first until the post is found or the
platform is known not to have it; Weibo's own duplicate check is not relied upon. Takedown
deletes the recorded post and every other copy the timeline shows with one of the
publication's delivery keys, and is done only when the timeline shows none.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid

from rongmei.distribution import secrets
from rongmei.distribution.outbox import Delivery, Outcome

TIMEOUT = 15
NO_PERMISSION = 10014  # Insufficient app permissions: the app lacks the 高级写入接口
RATE_LIMITED = {10022, 10023, 10024}
TOKEN_DEAD = {21327, 21332, 21314, 21315, 21316, 21317}
SYSTEM_BUSY = {10001, 10002, 10003, 10009}  # 系统错误、服务暂停、远程服务错误、任务过多系统繁忙


def _call(url: str, data: dict | None = None, pic: tuple[bytes, str] | None = None) -> tuple[int, dict]:
    """One API call: a form POST (multipart when a picture goes along, as the documentation
    asks), or a GET without data."""
    headers = {}
    if pic is not None:
        body, headers["Content-Type"] = _multipart(data or {}, pic)
    else:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
    request = urllib.request.Request(url, data=body, headers=headers, method="POST" if data is not None else "GET")
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as exc:
        try:
            return exc.code, json.loads(exc.read() or b"{}")
        except ValueError:
            return exc.code, {}
    except (urllib.error.URLError, TimeoutError, ConnectionError, OSError) as exc:
        return 0, {"error": f"连接微博失败：{getattr(exc, 'reason', exc)}"}


def _multipart(fields: dict, pic: tuple[bytes, str]) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = [f"--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n".encode()
             for name, value in fields.items()]
    data, mime = pic
    extension = {"image/png": "png", "image/gif": "gif"}.get(mime, "jpg")
    parts.append(f"--{boundary}\r\nContent-Disposition: form-data; name=\"pic\"; filename=\"pic.{extension}\"\r\n"
                 f"Content-Type: {mime}\r\n\r\n".encode() + data + b"\r\n")
    return b"".join(parts) + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def picture_bytes(asset) -> tuple[bytes, str]:
    """The bytes and type of one picture as it goes to Weibo (see `published.weibo_picture_file`)."""
    from rongmei.newsroom.published import weibo_picture_file

    file, mime = weibo_picture_file(asset)
    with file.open("rb") as f:
        return f.read(), mime


def _marked_link(delivery: Delivery) -> str:
    publication = delivery.message.publication
    return publication.center.site_url(f"/news/{publication.story_id}/?rm={delivery.message.idempotency_key}")


class _LookupFailed(Exception):
    """user_timeline did not answer: whether a post is there is still unknown."""


def _timeline(base: str, token: str, *keys: str) -> list[dict]:
    """The account's recent posts carrying one of our delivery keys (in their link)."""
    status, answer = _call(f"{base}/2/statuses/user_timeline.json?" + urllib.parse.urlencode({"access_token": token, "count": 100}))
    if status != 200 or not isinstance(answer.get("statuses"), list):
        raise _LookupFailed(answer.get("error") or f"HTTP {status}")
    return [s for s in answer["statuses"] if any(f"rm={key}" in s.get("text", "") for key in keys)]


def _find_posted(base: str, token: str, key: str) -> dict | None:
    found = _timeline(base, token, key)
    return found[-1] if found else None  # the oldest: the one a reader saw first


# The words and pictures of a story's post are the same for every account of a fan-out: read
# once per signed content (the publication's content hash, which a correction changes; a
# publication exists only for content as signed off) and kept a minute, not read again for
# each of 220 accounts. Tests, whose rolled-back stories reuse ids, clear it per test.
STORY_PARTS_SECONDS = 60.0
_story_parts_cache: dict[tuple[int, int, str], tuple[float, str, list]] = {}
_story_parts_lock = threading.Lock()


def _story_parts(publication) -> tuple[str, list[tuple[bytes, str]]]:
    """(`newsroom.published.weibo_words`, the (bytes, type) of each of `weibo_pictures`) of
    the publication's story."""
    from rongmei.newsroom.published import weibo_pictures, weibo_words

    key, now = (publication.story_id, publication.story_version, publication.content_hash), time.monotonic()
    with _story_parts_lock:
        hit = _story_parts_cache.get(key)
    if hit is not None and hit[0] > now:
        return hit[1], hit[2]
    story = publication.story
    # the bytes, not the assets: a model's file handle must not be shared between threads
    words, pictures = weibo_words(story), [picture_bytes(asset) for asset in weibo_pictures(story)]
    with _story_parts_lock:
        for old in [k for k, v in _story_parts_cache.items() if v[0] <= now]:
            del _story_parts_cache[old]
        _story_parts_cache[key] = (now + STORY_PARTS_SECONDS, words, pictures)
    return words, pictures


def _text(delivery: Delivery, prefix: str = "") -> str:
    """The post as the reviewer saw it (`newsroom.published.weibo_text`: the Weibo version or
    its teaser, topics as plain words, fitted to 140) with this delivery's marked link."""
    from rongmei.newsroom.published import fit_weibo_text

    return fit_weibo_text(_story_parts(delivery.message.publication)[0], _marked_link(delivery), prefix)


def deliver(delivery: Delivery) -> Outcome:
    message = delivery.message
    account = message.account
    base = (account.base_url or "https://api.weibo.com").rstrip("/")
    try:
        token = secrets.decrypt(account.secret)
    except ValueError as exc:
        return Outcome.fail(str(exc))
    if message.action == "takedown":
        return _take_down(base, token, delivery)
    try:
        outcome = _post(base, token, delivery)
    except _LookupFailed as exc:
        return Outcome.retry(f"无法核对上次发出的微博是否已到达（查询时间线失败：{exc}），稍后再查，不会重复发出")
    if message.action == "correct" and outcome.kind == "ok":
        return _retire_original(base, token, delivery, outcome)
    return outcome


def _post(base: str, token: str, delivery: Delivery) -> Outcome:
    """Post the story (or, for a correction, the corrected text marked 【更正】) once."""
    message = delivery.message
    if delivery.progress.get("status_id"):
        return _done(base, delivery.progress["status_id"])
    if delivery.recovering:  # an earlier attempt's outcome is unknown: ask before posting
        found = _find_posted(base, token, message.idempotency_key)
        if found:
            delivery.remember(status_id=found["idstr"])
            return _done(base, found["idstr"])
    prefix = "【更正】" if message.action == "correct" else ""
    text = _text(delivery, prefix)
    pics = _story_parts(message.publication)[1]
    if len(pics) > 1 and not delivery.progress.get("single_pic"):
        ids = _uploaded(base, token, delivery, pics)
        if isinstance(ids, Outcome):
            return ids
        if ids:
            status, answer = _call(f"{base}/2/statuses/upload_url_text.json",
                                   {"access_token": token, "status": text, "pic_id": ",".join(ids), "rip": "127.0.0.1"})
            if answer.get("error_code") != NO_PERMISSION:
                return _posted(base, token, delivery, status, answer, f"已发微博（{len(ids)} 张图）")
            delivery.remember(single_pic=True)
    note = ""
    if len(pics) > 1:
        note = (f"已发微博，只带了第一张图（共 {len(pics)} 张）：该微博应用没有多图所需的“微博高级写入接口”"
                "（statuses/upload_pic、upload_url_text，错误 10014），在微博开放平台申请后即可多图发布")
    status, answer = _call(f"{base}/2/statuses/share.json",
                           {"access_token": token, "status": text, "rip": "127.0.0.1"},
                           pic=pics[0] if pics else None)
    return _posted(base, token, delivery, status, answer, note)


def _posted(base: str, token: str, delivery: Delivery, status: int, answer: dict, detail: str = "") -> Outcome:
    if status == 200 and answer.get("idstr"):
        delivery.remember(status_id=answer["idstr"])
        return Outcome.ok(remote_id=answer["idstr"], remote_url=f"{base}/status/{answer['idstr']}", detail=detail)
    return _failure(base, token, delivery, status, answer)


def _uploaded(base: str, token: str, delivery: Delivery, pics: list) -> list[str] | Outcome:
    """The pic_ids of the post's pictures, uploaded once (statuses/upload_pic) and recorded
    in one write before posting; [] when the app may not use the 高级写入接口 (10014)."""
    recorded = delivery.progress.get("pic_ids")
    if recorded and len(recorded) == len(pics):
        return list(recorded)
    ids = []
    for picture in pics:
        status, answer = _call(f"{base}/2/statuses/upload_pic.json", {"access_token": token}, pic=picture)
        if answer.get("error_code") == NO_PERMISSION:
            delivery.remember(single_pic=True)
            return []
        if status != 200 or not answer.get("pic_id"):
            failed = _failure(base, token, delivery, status, answer)
            return Outcome(failed.kind, f"上传第 {len(ids) + 1} 张图片失败：{failed.detail}", retry_after=failed.retry_after)
        ids.append(answer["pic_id"])
    delivery.remember(pic_ids=ids)
    return ids


def _retire_original(base: str, token: str, delivery: Delivery, posted: Outcome) -> Outcome:
    """A post cannot be edited: once the corrected post is up, the original goes, so
    readers find only the corrected one."""
    original = delivery.progress.get("replaces", "")
    if original and original != posted.remote_id and not delivery.progress.get("original_removed"):
        gone = _destroy(base, token, original)
        if gone.kind != "ok":
            return Outcome.retry(f"更正微博已发出，原微博暂未删除：{gone.detail}") if gone.kind == "retry" else gone
        delivery.remember(original_removed=True)
    return Outcome.ok(remote_id=posted.remote_id, remote_url=posted.remote_url, detail="已发更正微博并删除原微博")


def _done(base: str, status_id: str) -> Outcome:
    return Outcome.ok(remote_id=status_id, remote_url=f"{base}/status/{status_id}")


def _failure(base: str, token: str, delivery: Delivery, status: int, answer: dict) -> Outcome:
    code = answer.get("error_code")
    detail = f"微博返回 {code or status}：{answer.get('error', '')}"
    if code in SYSTEM_BUSY:
        return Outcome.retry(detail + "（微博系统繁忙，稍后重试）")
    if code == 20019:  # repeated content: the post is there already (ours: the text has our key)
        found = _find_posted(base, token, delivery.message.idempotency_key)
        if found:
            delivery.remember(status_id=found["idstr"])
            return _done(base, found["idstr"])
        return Outcome.retry(detail + "（微博说内容重复，但时间线里暂未找到，稍后再查）")
    if code in RATE_LIMITED:
        return Outcome.retry(detail + "（频率限制，稍后重试）", retry_after=60)
    if code in TOKEN_DEAD:
        return Outcome.fail(detail + "（授权已失效，请账号负责人重新授权）")
    if status >= 500 or status == 0:
        return Outcome.retry(detail)
    return Outcome.fail(detail)


def _destroy(base: str, token: str, status_id: str) -> Outcome:
    if not status_id:
        return Outcome.ok(detail="没有发出的微博，无需删除")
    status, answer = _call(f"{base}/2/statuses/destroy.json", {"access_token": token, "id": status_id})
    code = answer.get("error_code")
    if status == 200 or code == 20101:
        return Outcome.ok(remote_id=status_id, detail="微博已删除")
    if code in RATE_LIMITED or code in SYSTEM_BUSY or status >= 500 or status == 0:
        return Outcome.retry(f"删除微博暂时失败：{answer.get('error', status)}")
    if code in TOKEN_DEAD:
        return Outcome.fail(f"删除微博失败：{answer.get('error', status)}（授权已失效，请账号负责人重新授权后再撤稿）")
    return Outcome.fail(f"删除微博失败：{answer.get('error', status)}")


def _take_down(base: str, token: str, delivery: Delivery) -> Outcome:
    """Delete the recorded post, whatever the deliveries recorded, and every other copy the
    timeline shows with one of this publication's keys; a failed or unknown publish is
    reached the same way."""
    publication = delivery.message.publication
    messages = list(publication.messages.exclude(action="takedown").order_by("id"))
    ids = [publication.remote_id]
    for message in messages:
        progress = message.progress or {}
        ids += [progress.get("status_id", ""), "" if progress.get("original_removed") else progress.get("replaces", "")]
    for status_id in dict.fromkeys(i for i in ids if i):
        gone = _destroy(base, token, status_id)
        if gone.kind != "ok":
            return gone
    try:
        copies = _timeline(base, token, *(m.idempotency_key for m in messages))
    except _LookupFailed as exc:
        return Outcome.retry(f"已删除记录的微博，但暂时无法核对是否还有副本（查询时间线失败：{exc}），稍后再查")
    for copy in copies:
        gone = _destroy(base, token, copy["idstr"])
        if gone.kind != "ok":
            return Outcome(gone.kind, f"还有一条副本未删除（{copy['idstr']}）：{gone.detail}", retry_after=gone.retry_after)
    return Outcome.ok(remote_id=publication.remote_id, detail="微博已删除" + (f"（含 {len(copies)} 条副本）" if copies else ""))
