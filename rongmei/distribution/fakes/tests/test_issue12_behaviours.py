"""The switchable behaviours issue 12 added: WeChat -1, the draft box and material listings
and deletes, stable_token's force_refresh limits and a refused token; Weibo's duplicate
check off, system-busy codes under any HTTP status, a copy made behind our back."""

from __future__ import annotations

import time

from rongmei.distribution.fakes import WeChatFakeServer, WeiboFakeServer

from .helpers import PNG, WeChatClient, WeiboClient, call

TEXT = "【县融媒】春耕进行时 https://news.example.cn/a/1.html?rm=p1-a1-v1-publish"


def stable(wechat: WeChatFakeServer, appid: str, force: bool = False):
    return call("POST", f"{wechat.url}/cgi-bin/stable_token", json_body={
        "grant_type": "client_credential", "appid": appid, "secret": "secret-" + appid, "force_refresh": force})


def test_system_error_minus_one_then_normal(wechat: WeChatFakeServer) -> None:
    client = WeChatClient(wechat.url, "wx1")
    client.get_token()
    wechat.system_error("wx1", calls=1, path="/cgi-bin/draft/add")
    assert client.add_draft().data["errcode"] == -1
    assert "media_id" in client.add_draft().data


def test_draft_box_and_materials_can_be_listed_and_deleted(wechat: WeChatFakeServer) -> None:
    client = WeChatClient(wechat.url, "wx2")
    client.get_token()
    cover = client.upload("/cgi-bin/material/add_material", PNG, filename="p9-a9-cover.jpg", type="image").data
    media_id = client.add_draft(thumb=cover["media_id"]).data["media_id"]
    listed = client.post("/cgi-bin/draft/batchget", {"offset": 0, "count": 20, "no_content": 1}).data
    assert listed["total_count"] == 1 and listed["item"][0]["media_id"] == media_id
    assert listed["item"][0]["content"]["news_item"][0]["content_source_url"] == "https://news.example.cn/a/1"
    assert client.post("/cgi-bin/draft/delete", {"media_id": media_id}).data["errcode"] == 0
    assert client.post("/cgi-bin/draft/delete", {"media_id": media_id}).data["errcode"] == 40007
    images = client.post("/cgi-bin/material/batchget_material", {"type": "image", "offset": 0, "count": 20}).data
    assert [i["name"] for i in images["item"]] == ["p9-a9-cover.jpg"]
    assert client.post("/cgi-bin/material/del_material", {"media_id": cover["media_id"]}).data["errcode"] == 0
    app = wechat.state()["apps"]["wx2"]
    assert app["materials"] == 0 and app["drafts_in_box"] == 0 and app["drafts_deleted"] == 1


def test_force_refresh_is_limited_as_documented(wechat: WeChatFakeServer) -> None:
    offset = [0.0]
    wechat.engine.clock = lambda: time.monotonic() + offset[0]
    first = stable(wechat, "wx3").data["access_token"]
    assert stable(wechat, "wx3").data["access_token"] == first  # normal mode: the same token
    forced = stable(wechat, "wx3", force=True).data["access_token"]
    assert forced != first
    assert stable(wechat, "wx3", force=True).data["access_token"] == forced  # within 30 s: no refresh
    for _ in range(19):
        offset[0] += 31
        assert "access_token" in stable(wechat, "wx3", force=True).data
    offset[0] += 31
    assert stable(wechat, "wx3", force=True).data["errcode"] == 45009  # 20 a day
    assert wechat.state()["apps"]["wx3"]["forced_refreshes"] == 20


def test_a_refused_stable_token_is_still_handed_out_in_normal_mode(wechat: WeChatFakeServer) -> None:
    client = WeChatClient(wechat.url, "wx4")
    client.token = stable(wechat, "wx4").data["access_token"]
    wechat.refuse_stable_token("wx4")
    assert stable(wechat, "wx4").data["access_token"] == client.token
    assert client.post("/cgi-bin/draft/batchget", {"offset": 0, "count": 1}).data["errcode"] == 40001
    client.token = stable(wechat, "wx4", force=True).data["access_token"]
    assert client.post("/cgi-bin/draft/batchget", {"offset": 0, "count": 1}).data["total_count"] == 0


def test_weibo_duplicate_check_can_be_switched_off(weibo: WeiboFakeServer) -> None:
    client = WeiboClient(weibo.url, "dup")
    assert client.share(TEXT).status == 200
    assert client.share(TEXT).data["error_code"] == 20019
    weibo.set_duplicate_check(False)
    assert client.share(TEXT).status == 200
    assert weibo.statuses("dup", TEXT) == 2


def test_weibo_system_busy_under_any_http_status(weibo: WeiboFakeServer) -> None:
    client = WeiboClient(weibo.url, "busy")
    weibo.system_error("busy", calls=1, error_code=10009, http_status=200)
    answer = client.share(TEXT)
    assert answer.status == 200 and answer.data["error_code"] == 10009
    assert client.share(TEXT).status == 200


def test_weibo_copy_made_behind_our_back(weibo: WeiboFakeServer) -> None:
    status_id = weibo.post("copy", TEXT)
    timeline = call("GET", f"{weibo.url}/2/statuses/user_timeline.json?access_token=token-copy").data
    assert [s["idstr"] for s in timeline["statuses"]] == [status_id]
