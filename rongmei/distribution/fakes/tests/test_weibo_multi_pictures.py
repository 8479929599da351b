"""The fake Weibo's 高级写入接口 for posts with several pictures, as documented:
statuses/upload_pic (one multipart `pic` → pic_id) and statuses/upload_url_text (`pic_id`
comma-separated, at most nine, only the uploader's), 10014 without the permission."""

from __future__ import annotations

from rongmei.distribution.fakes import WeiboFakeServer

from .helpers import BMP, GIF, JPEG, PNG, call

TEXT = "【县融媒】停水通告 https://news.example.cn/a/2.html"


def _upload(base: str, token: str, data: bytes, kind: str = "image/png"):
    return call("POST", f"{base}/2/statuses/upload_pic.json", form={"access_token": token},
                files={"pic": ("p", kind, data)})


def _post(base: str, token: str, pic_ids: list[str], text: str = TEXT):
    return call("POST", f"{base}/2/statuses/upload_url_text.json",
                form={"access_token": token, "status": text, "pic_id": ",".join(pic_ids), "rip": "10.1.2.3"})


def test_pictures_are_uploaded_then_posted_together(weibo: WeiboFakeServer) -> None:
    ids = [_upload(weibo.url, "token-a", data).data["pic_id"] for data in (PNG, JPEG, GIF)]
    answer = _post(weibo.url, "token-a", ids)
    assert answer.status == 200 and len(answer.data["pic_urls"]) == 3
    (status,) = weibo.state()["accounts"]["a"]["statuses"].values()
    assert status["pics"] == 3 and len(status["pic_sha256"]) == 3


def test_refusals(weibo: WeiboFakeServer) -> None:
    assert _upload(weibo.url, "token-a", BMP, "image/bmp").data["error_code"] == 20005
    ids = [_upload(weibo.url, "token-a", PNG).data["pic_id"] for _ in range(10)]
    assert _post(weibo.url, "token-a", ids).data["error_code"] == 10017  # more than nine
    assert _post(weibo.url, "token-b", ids[:1]).data["error_code"] == 10017  # another account's picture
    assert _post(weibo.url, "token-a", []).data["error_code"] == 10016  # neither pic_id nor url
    assert _post(weibo.url, "token-a", ids[:9]).status == 200
    weibo.set_advanced_write(False)
    assert _upload(weibo.url, "token-a", PNG).data["error_code"] == 10014
    assert _post(weibo.url, "token-a", ids[:1], TEXT + " 2").data["error_code"] == 10014
