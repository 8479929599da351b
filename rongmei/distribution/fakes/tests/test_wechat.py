"""The fake WeChat Official Account API answers like the documentation says."""

from __future__ import annotations

import hashlib
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from rongmei.distribution.fakes import ControlCallError, WeChatFakeServer

from .helpers import BMP, GIF, JPEG, PNG, WeChatClient, call

APP = "wx0123456789abcdef"


@pytest.fixture
def client(wechat: WeChatFakeServer) -> WeChatClient:
    c = WeChatClient(wechat.url, APP)
    assert c.get_token().status == 200
    return c


def errcode(answer: Any) -> int:
    return int(answer.data.get("errcode", 0))


def wait_published(client: WeChatClient, publish_id: str, timeout: float = 3.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        data = client.publish_status(publish_id).data
        if data["publish_status"] != 1 or time.monotonic() > deadline:
            return data
        time.sleep(0.02)


# -- tokens ---------------------------------------------------------------------------------


def test_token_with_default_secret(wechat: WeChatFakeServer) -> None:
    answer = WeChatClient(wechat.url, APP).get_token()
    assert answer.status == 200
    assert answer.data["expires_in"] == 7200
    assert len(answer.data["access_token"]) > 50


def test_wrong_secret_is_40125(wechat: WeChatFakeServer) -> None:
    answer = WeChatClient(wechat.url, APP, "not-the-secret").get_token()
    assert answer.status == 200  # WeChat answers errors with HTTP 200
    assert answer.data["errcode"] == 40125
    assert answer.data["errmsg"].startswith("invalid appsecret")
    assert " rid: " in answer.data["errmsg"]


def test_registered_secret_replaces_the_default(wechat: WeChatFakeServer) -> None:
    wechat.add_app("wxA", "s3cret")
    assert WeChatClient(wechat.url, "wxA").get_token().data["errcode"] == 40125
    assert "access_token" in WeChatClient(wechat.url, "wxA", "s3cret").get_token().data


def test_token_parameter_errors(wechat: WeChatFakeServer) -> None:
    base = f"{wechat.url}/cgi-bin/token"
    assert call("GET", f"{base}?grant_type=password&appid=a&secret=b").data["errcode"] == 40002
    assert call("GET", f"{base}?grant_type=client_credential&secret=b").data["errcode"] == 41002
    assert call("GET", f"{base}?grant_type=client_credential&appid=a").data["errcode"] == 41004
    assert call("POST", f"{base}?grant_type=client_credential&appid=a&secret=b",
                json_body={}).data["errcode"] == 43001


def test_expired_tokens_answer_42001_and_a_new_token_works(wechat: WeChatFakeServer, client: WeChatClient) -> None:
    assert errcode(client.add_draft()) == 0
    assert wechat.expire_tokens(APP) == 1
    expired = client.add_draft(thumb="any").data
    assert expired["errcode"] == 42001
    assert expired["errmsg"].startswith("access_token expired")
    client.get_token()
    assert "media_id" in client.add_draft().data


def test_unknown_or_missing_token(wechat: WeChatFakeServer) -> None:
    c = WeChatClient(wechat.url, APP)
    c.token = "not-a-token"
    assert c.add_draft(thumb="x").data["errcode"] == 40001
    answer = call("POST", f"{wechat.url}/cgi-bin/draft/add", json_body={"articles": []})
    assert answer.data["errcode"] == 41001


def test_refreshed_token_keeps_the_old_one_for_five_minutes_and_tokens_expire(
    wechat: WeChatFakeServer, client: WeChatClient
) -> None:
    now = [1000.0]
    wechat.engine.clock = lambda: now[0]
    first = client.get_token().data["access_token"]
    second = client.get_token().data["access_token"]
    assert first != second
    client.token = first
    assert client.publish_status("1").data["errcode"] == 40035  # old token still accepted
    now[0] += 301
    assert client.publish_status("1").data["errcode"] == 40001  # replaced: "not latest"
    client.token = second
    assert client.publish_status("1").data["errcode"] == 40035
    now[0] += 7200
    assert client.publish_status("1").data["errcode"] == 42001


def test_stable_token(wechat: WeChatFakeServer) -> None:
    url = f"{wechat.url}/cgi-bin/stable_token"
    body = {"grant_type": "client_credential", "appid": APP, "secret": "secret-" + APP, "force_refresh": False}
    first = call("POST", url, json_body=body).data
    assert first["expires_in"] <= 7200
    assert call("POST", url, json_body=body).data["access_token"] == first["access_token"]
    forced = call("POST", url, json_body={**body, "force_refresh": True}).data
    assert forced["access_token"] != first["access_token"]
    c = WeChatClient(wechat.url, APP)
    c.token = first["access_token"]
    assert c.publish_status("1").data["errcode"] == 40001
    c.token = forced["access_token"]
    assert c.publish_status("1").data["errcode"] == 40035
    assert call("POST", url, json_body={**body, "secret": "bad"}).data["errcode"] == 40125
    assert call("GET", url).data["errcode"] == 43002
    bad_json = call("POST", url, headers={"Content-Type": "application/json"}, form={"x": "y"})
    assert bad_json.data["errcode"] == 47001


# -- media ----------------------------------------------------------------------------------


def test_uploadimg_returns_a_url_that_serves_the_image(client: WeChatClient) -> None:
    answer = client.upload("/cgi-bin/media/uploadimg", PNG)
    assert answer.data["errcode"] == 0
    url = answer.data["url"]
    assert url.startswith(client.base + "/mmbiz_png/")
    served = call("GET", url)
    assert served.status == 200 and served.body == PNG


def test_uploadimg_checks_type_size_and_presence(wechat: WeChatFakeServer, client: WeChatClient) -> None:
    assert client.upload("/cgi-bin/media/uploadimg", JPEG, "a.jpg", "image/jpeg").data["errcode"] == 0
    assert client.upload("/cgi-bin/media/uploadimg", GIF, "a.gif", "image/gif").data["errcode"] == 40005
    assert client.upload("/cgi-bin/media/uploadimg", b"not an image", "a.png").data["errcode"] == 40005
    wechat.set_limits(uploadimg_bytes=len(PNG))
    assert client.upload("/cgi-bin/media/uploadimg", PNG).data["errcode"] == 40009
    assert client.post("/cgi-bin/media/uploadimg", {}).data["errcode"] == 41005


def test_add_material(client: WeChatClient) -> None:
    image = client.upload("/cgi-bin/material/add_material", PNG, type="image").data
    assert image["media_id"] and image["url"].startswith(client.base)
    assert client.upload("/cgi-bin/material/add_material", BMP, "a.bmp", "image/bmp", type="image").data["media_id"]
    assert client.upload("/cgi-bin/material/add_material", PNG, type="voice").data["errcode"] == 40004
    assert client.upload("/cgi-bin/material/add_material", PNG, type="thumb").data["errcode"] == 40005
    assert client.upload("/cgi-bin/material/add_material", JPEG, "t.jpg", "image/jpeg", type="thumb").data["media_id"]


# -- drafts and validation ------------------------------------------------------------------


def test_draft_validation(wechat: WeChatFakeServer, client: WeChatClient) -> None:
    cover = client.add_cover()

    def draft(**fields: Any) -> int:
        article = {**client.article(thumb=cover), **fields}
        return errcode(client.post("/cgi-bin/draft/add", {"articles": [article]}))

    assert draft() == 0
    assert draft(title="") == 40227
    assert draft(title="标" * 32) == 0
    assert draft(title="标" * 33) == 45003
    assert draft(author="作" * 17) == 45110
    assert draft(digest="摘" * 129) == 45004
    assert draft(content="") == 44004
    assert draft(content="字" * 19_999) == 0
    assert draft(content="字" * 20_000) == 45002
    assert draft(content_source_url="https://x.cn/" + "a" * 1100) == 45005
    assert draft(thumb_media_id="no-such-media") == 40007
    assert draft(need_open_comment=2) == 40035
    other = WeChatClient(wechat.url, "wxOther")
    other.get_token()
    assert errcode(other.post("/cgi-bin/draft/add", {"articles": [{**client.article(thumb=cover)}]})) == 40007
    assert errcode(client.post("/cgi-bin/draft/add", {"articles": []})) == 44003
    assert errcode(client.post("/cgi-bin/draft/add", {"articles": [client.article(thumb=cover)] * 9})) == 45008
    assert errcode(client.post("/cgi-bin/draft/add", ["not", "an", "object"])) == 47001
    assert errcode(call("POST", client.url("/cgi-bin/draft/add"))) == 44002
    wechat.set_limits(title_chars=64)
    assert draft(title="标" * 64) == 0


def test_draft_content_is_cleaned_like_the_platform_does(wechat: WeChatFakeServer, client: WeChatClient) -> None:
    ours = client.upload("/cgi-bin/media/uploadimg", PNG).data["url"]
    content = (f'<p>a</p><img src="{ours}"><img src="https://elsewhere.example/x.png">'
               "<script>alert(1)</script>")
    media_id = client.add_draft(content=content).data["media_id"]
    stored = client.post("/cgi-bin/draft/get", {"media_id": media_id}).data["news_item"][0]["content"]
    assert ours in stored and "elsewhere" not in stored and "script" not in stored
    assert wechat.state()["apps"][APP]["filtered_images"] == 1


def test_reject_content_mode(wechat: WeChatFakeServer, client: WeChatClient) -> None:
    wechat.reject_content(APP, words=["敏感"])
    assert errcode(client.add_draft(content="<p>普通</p>")) == 0
    rejected = client.add_draft(content="<p>敏感词</p>")
    assert rejected.data["errcode"] == 45166 and rejected.data["errmsg"].startswith("invalid content")
    wechat.reject_content(APP)  # everything
    assert errcode(client.add_draft()) == 45166
    wechat.reject_content(APP, stage="submit")
    media_id = client.add_draft().data["media_id"]
    assert client.submit(media_id).data["errcode"] == 53503
    wechat.reject_content(APP, on=False)
    assert client.submit(media_id).data["errcode"] == 0  # the draft stayed in the box
    assert wechat.state()["apps"][APP]["rejected_drafts"] == 3


# -- publishing -----------------------------------------------------------------------------


def test_publish_flow_get_and_delete(wechat: WeChatFakeServer, client: WeChatClient) -> None:
    wechat.set_publish_delay(0.3)
    draft = client.add_draft("融媒发布测试")
    media_id = draft.data["media_id"]
    submitted = client.submit(media_id).data
    assert submitted["errcode"] == 0 and submitted["errmsg"] == "ok" and submitted["publish_id"]
    publish_id = submitted["publish_id"]
    publishing = client.publish_status(publish_id).data
    assert publishing == {"publish_id": publish_id, "publish_status": 1, "fail_idx": []}
    done = wait_published(client, publish_id)
    assert done["publish_status"] == 0
    assert done["fail_idx"] == []
    assert done["article_detail"]["count"] == 1
    item = done["article_detail"]["item"][0]
    assert item["idx"] == 1
    page = call("GET", item["article_url"])
    assert page.status == 200 and "融媒发布测试" in page.body.decode()

    state = wechat.state()["apps"][APP]
    assert state["drafts_created"] == 1 and state["drafts_in_box"] == 0
    assert state["publishes"][publish_id]["status"] == 0
    assert wechat.successful_publishes(APP, "融媒发布测试") == 1

    article_id = done["article_id"]
    deleted = client.post("/cgi-bin/freepublish/delete", {"article_id": article_id, "index": 0}).data
    assert deleted == {"errcode": 0, "errmsg": "ok"}
    assert client.publish_status(publish_id).data["publish_status"] == 5
    again = client.post("/cgi-bin/freepublish/delete", {"article_id": article_id, "index": 0}).data
    assert again["errcode"] == 40035
    assert call("GET", item["article_url"]).status == 404
    assert wechat.state()["apps"][APP]["deletes"] == 1


def test_delete_single_article_and_bad_index(client: WeChatClient) -> None:
    cover = client.add_cover()
    articles = [client.article("一", thumb=cover), client.article("二", thumb=cover)]
    media_id = client.post("/cgi-bin/draft/add", {"articles": articles}).data["media_id"]
    publish_id = client.submit(media_id).data["publish_id"]
    article_id = wait_published(client, publish_id)["article_id"]
    delete = "/cgi-bin/freepublish/delete"
    assert errcode(client.post(delete, {"article_id": article_id, "index": 3})) == 40060
    assert errcode(client.post(delete, {"article_id": article_id, "index": 2})) == 0
    assert errcode(client.post(delete, {"article_id": article_id, "index": 2})) == 40035
    status = client.publish_status(publish_id).data
    assert status["publish_status"] == 0 and status["article_detail"]["count"] == 1
    assert errcode(client.post(delete, {"article_id": article_id})) == 0
    assert client.publish_status(publish_id).data["publish_status"] == 5
    assert errcode(client.post(delete, {"article_id": "unknown"})) == 40035


def test_a_draft_can_be_submitted_once(wechat: WeChatFakeServer, client: WeChatClient) -> None:
    media_id = client.add_draft("只发一次").data["media_id"]
    assert client.submit(media_id).data["errcode"] == 0
    assert client.submit(media_id).data["errcode"] == 40007
    assert client.submit("").data["errcode"] == 41006
    assert wechat.successful_publishes(APP, "只发一次") == 1
    assert wechat.state()["duplicate_publishes"] == []


def test_publishing_the_same_title_twice_is_visible_in_state(wechat: WeChatFakeServer, client: WeChatClient) -> None:
    client.publish("重复的稿子")
    client.publish("重复的稿子")
    assert wechat.successful_publishes(APP, "重复的稿子") == 2
    assert wechat.state()["duplicate_publishes"] == [{"appid": APP, "title": "重复的稿子", "count": 2}]


@pytest.mark.parametrize("status", [2, 3, 4])
def test_failed_publish_outcomes(wechat: WeChatFakeServer, client: WeChatClient, status: int) -> None:
    wechat.set_publish_outcome(APP, status, count=1)
    media_id = client.add_draft("会失败").data["media_id"]
    publish_id = client.submit(media_id).data["publish_id"]
    data = wait_published(client, publish_id)
    assert data["publish_status"] == status
    assert "article_id" not in data
    assert data["fail_idx"] == ([1] if status in (2, 4) else [])
    assert wechat.successful_publishes(APP, "会失败") == 0
    # the draft is back in the draft box and the next outcome is the default (success)
    retry = client.submit(media_id).data["publish_id"]
    assert wait_published(client, retry)["publish_status"] == 0
    assert wechat.successful_publishes(APP, "会失败") == 1


def test_outcome_banned_after_success(wechat: WeChatFakeServer, client: WeChatClient) -> None:
    wechat.set_publish_outcome(APP, 6)
    data = wait_published(client, client.publish("被封"))
    assert data["publish_status"] == 6 and data["article_id"]


def test_unknown_publish_id(client: WeChatClient) -> None:
    assert client.publish_status("123").data["errcode"] == 40035


def test_publish_finished_callback(wechat: WeChatFakeServer, client: WeChatClient) -> None:
    received: list[tuple[str, bytes]] = []
    arrived = threading.Event()

    class Receiver(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            received.append((self.path, self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(200)
            self.send_header("Content-Length", "7")
            self.end_headers()
            self.wfile.write(b"success")
            arrived.set()

        def log_message(self, *args: object) -> None:
            pass

    receiver = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    try:
        wechat.set_callback(APP, f"http://127.0.0.1:{receiver.server_address[1]}/wechat/callback", token="tok")
        publish_id = client.publish("回调")
        assert arrived.wait(5)
    finally:
        receiver.shutdown()
        receiver.server_close()
    path, body = received[0]
    xml = body.decode()
    assert "<Event><![CDATA[PUBLISHJOBFINISH]]></Event>" in xml
    assert f"<publish_id>{publish_id}</publish_id>" in xml
    assert "<publish_status>0</publish_status>" in xml and "<article_id>" in xml
    query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(path).query))
    expected = hashlib.sha1("".join(sorted(["tok", query["timestamp"], query["nonce"]])).encode()).hexdigest()
    assert query["signature"] == expected
    state = wechat.wait_for(lambda s: s["apps"][APP]["callbacks"].get("sent") == 1)
    assert state["apps"][APP]["callback_url"].endswith("/wechat/callback")


# -- rate limits ----------------------------------------------------------------------------


def test_rate_limit_daily_quota(wechat: WeChatFakeServer, client: WeChatClient) -> None:
    wechat.rate_limit(APP, calls=2)
    first = client.publish_status("1").data
    assert first["errcode"] == 45009 and first["errmsg"].startswith("reach max api daily quota limit")
    assert client.publish_status("1").data["errcode"] == 45009
    assert client.publish_status("1").data["errcode"] == 40035
    other = WeChatClient(wechat.url, "wxOther")
    wechat.rate_limit(APP, calls=1)
    assert "access_token" in other.get_token().data  # another account is not limited


def test_rate_limit_minute_quota_on_one_path(wechat: WeChatFakeServer, client: WeChatClient) -> None:
    wechat.rate_limit(APP, calls=1, errcode=45011, path="/cgi-bin/freepublish/submit")
    media_id = client.add_draft().data["media_id"]
    limited = client.submit(media_id).data
    assert limited["errcode"] == 45011 and "minute-quota" in limited["errmsg"]
    assert client.submit(media_id).data["errcode"] == 0


def test_rate_limit_applies_to_token_calls(wechat: WeChatFakeServer) -> None:
    wechat.rate_limit(None, calls=1)
    assert WeChatClient(wechat.url, "wxAny").get_token().data["errcode"] == 45009
    assert "access_token" in WeChatClient(wechat.url, "wxAny").get_token().data


def test_bad_control_calls_are_refused(wechat: WeChatFakeServer) -> None:
    with pytest.raises(ControlCallError):
        wechat.rate_limit(APP, errcode=40001)  # type: ignore[arg-type]
    with pytest.raises(ControlCallError):
        wechat.set_publish_outcome(APP, 1)
    with pytest.raises(ControlCallError):
        wechat.set_limits(no_such_limit=1)


def test_unknown_api_path(wechat: WeChatFakeServer) -> None:
    answer = call("POST", f"{wechat.url}/cgi-bin/no/such", json_body={})
    assert answer.status == 404 and answer.data["errcode"] == -1
