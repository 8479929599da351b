"""The HTTP control API under /__fake__/ and the remote helpers that use it."""

from __future__ import annotations

from rongmei.distribution.fakes import WeChatFakeServer, WeiboFakeServer, connect_fake

from .helpers import WeChatClient, WeiboClient, call


def test_state_and_reset_over_http(wechat: WeChatFakeServer) -> None:
    WeChatClient(wechat.url, "wxA").get_token()
    assert call("POST", f"{wechat.url}/__fake__/latency", json_body={"seconds": 0.01}).data == {"latency": 0.01}
    state = call("GET", f"{wechat.url}/__fake__/state").data
    assert state["kind"] == "wechat" and state["apps"]["wxA"]["tokens_issued"] == 1
    assert state["calls"] == {"/cgi-bin/token": 1}
    assert call("POST", f"{wechat.url}/__fake__/reset").data == {"ok": True}
    state = call("GET", f"{wechat.url}/__fake__/state").data
    assert state["apps"] == {} and state["calls"] == {} and state["latency"] == 0.0


def test_wechat_actions_over_http(wechat: WeChatFakeServer) -> None:
    answer = call("POST", f"{wechat.url}/__fake__/wechat/apps", json_body={"appid": "wxA", "secret": "s"})
    assert answer.status == 200 and answer.data["secret"] == "s"
    client = WeChatClient(wechat.url, "wxA", "s")
    client.get_token()
    expired = call("POST", f"{wechat.url}/__fake__/wechat/expire_tokens", json_body={"appid": "wxA"})
    assert expired.data == {"appid": "wxA", "expired": 1}
    assert client.publish_status("1").data["errcode"] == 42001
    # the kind prefix is optional
    assert call("POST", f"{wechat.url}/__fake__/rate_limit",
                json_body={"appid": "wxA", "calls": 1, "errcode": 45011}).status == 200
    assert WeChatClient(wechat.url, "wxA", "s").get_token().data["errcode"] == 45011


def test_bad_control_calls(wechat: WeChatFakeServer) -> None:
    bad_kind = call("POST", f"{wechat.url}/__fake__/faults", json_body={"kind": "explode"})
    assert bad_kind.status == 400 and "kind" in bad_kind.data["error"]
    assert call("POST", f"{wechat.url}/__fake__/no_such_action", json_body={}).status == 404
    not_json = call("POST", f"{wechat.url}/__fake__/latency", form={"seconds": "1"})
    assert not_json.status == 400
    assert call("POST", f"{wechat.url}/__fake__/wechat/apps", json_body={"appid": "x"}).status == 400


def test_faults_over_http(weibo: WeiboFakeServer) -> None:
    added = call("POST", f"{weibo.url}/__fake__/faults",
                 json_body={"kind": "error", "status": 502, "path": "/2/statuses/share.json"})
    assert added.data["faults"][0]["status"] == 502
    assert WeiboClient(weibo.url, "a").share("x https://a.cn").status == 502
    assert call("DELETE", f"{weibo.url}/__fake__/faults").data == {"faults": []}


def test_remote_helpers_drive_a_running_server(wechat: WeChatFakeServer, weibo: WeiboFakeServer) -> None:
    remote = connect_fake("wechat", wechat.url)
    remote.add_app("wxR", "remote-secret")
    client = WeChatClient(wechat.url, "wxR", "remote-secret")
    publish_id = client.publish("远程")
    remote.wait_for(lambda s: s["apps"]["wxR"]["publishes"][publish_id]["status"] == 0)
    assert remote.successful_publishes("wxR", "远程") == 1
    assert remote.state()["apps"]["wxR"] == wechat.state()["apps"]["wxR"]

    remote_weibo = connect_fake("weibo", weibo.url)
    remote_weibo.add_account("号", token="t-1")
    assert WeiboClient(weibo.url, "号", "t-1").share("x https://a.cn").status == 200
    assert remote_weibo.statuses("号") == 1
    remote_weibo.expire_token(token="t-1")
    assert WeiboClient(weibo.url, "号", "t-1").share("y https://a.cn").data["error_code"] == 21327
