"""Injected transport faults: HTTP errors, hangs, dropped connections, latency."""

from __future__ import annotations

import http.client
import threading
import time
import urllib.error

import pytest

from rongmei.distribution.fakes import ControlCallError, WeChatFakeServer, WeiboFakeServer, start_fake

from .helpers import WeChatClient, WeiboClient

APP = "wxfaults"
DRAFT = "/cgi-bin/draft/add"
SUBMIT = "/cgi-bin/freepublish/submit"
NO_ANSWER = (urllib.error.URLError, ConnectionError, http.client.HTTPException, TimeoutError)


@pytest.fixture
def client(wechat: WeChatFakeServer) -> WeChatClient:
    c = WeChatClient(wechat.url, APP)
    c.get_token()
    return c


def drafts(wechat: WeChatFakeServer) -> int:
    return int(wechat.state()["apps"][APP]["drafts_created"])


def test_http_error_before_processing(wechat: WeChatFakeServer, client: WeChatClient) -> None:
    cover = client.add_cover()
    wechat.add_fault("error", path=DRAFT)
    answer = client.add_draft(thumb=cover)
    assert answer.status == 500 and answer.data is None and b"500" in answer.body
    assert drafts(wechat) == 0
    assert "media_id" in client.add_draft(thumb=cover).data
    assert wechat.state()["faults_fired"] == {"error": 1}


def test_http_error_after_processing(wechat: WeChatFakeServer, client: WeChatClient) -> None:
    cover = client.add_cover()
    wechat.add_fault("error", path=DRAFT, status=502, after_processing=True)
    assert client.add_draft(thumb=cover).status == 502
    assert drafts(wechat) == 1  # the effect happened although the client saw an error


def test_drop_after_processing_is_an_unknown_outcome(wechat: WeChatFakeServer, client: WeChatClient) -> None:
    media_id = client.add_draft("断线").data["media_id"]
    wechat.add_fault("drop", path=SUBMIT)
    with pytest.raises(NO_ANSWER):
        client.submit(media_id)
    state = wechat.state()["apps"][APP]
    assert state["publish_jobs"] == 1  # the platform did publish ...
    assert wechat.successful_publishes(APP, "断线") == 1
    # ... and a retry of the same draft is refused rather than published twice
    assert client.submit(media_id).data["errcode"] == 40007
    assert wechat.successful_publishes(APP, "断线") == 1


def test_drop_before_processing(wechat: WeChatFakeServer, client: WeChatClient) -> None:
    cover = client.add_cover()
    wechat.add_fault("drop", path=DRAFT, after_processing=False)
    with pytest.raises(NO_ANSWER):
        client.add_draft(thumb=cover)
    assert drafts(wechat) == 0


def test_hang_times_the_client_out_and_the_effect_still_happens(
    wechat: WeChatFakeServer, client: WeChatClient
) -> None:
    media_id = client.add_draft().data["media_id"]
    wechat.add_fault("hang", path=SUBMIT, seconds=0.6)
    started = time.monotonic()
    with pytest.raises(NO_ANSWER):
        client.submit(media_id, timeout=0.2)
    assert time.monotonic() - started < 0.5
    assert wechat.state()["apps"][APP]["publish_jobs"] == 0
    state = wechat.wait_for(lambda s: s["apps"][APP]["publish_jobs"] == 1, timeout=3)
    assert state["faults_fired"] == {"hang": 1}


def test_faults_for_one_account_and_a_count(wechat: WeChatFakeServer, client: WeChatClient) -> None:
    wechat.add_fault("error", count=2, account=APP, status=503)
    assert client.publish_status("1").status == 503
    other = WeChatClient(wechat.url, "wxOther")
    assert other.get_token().status == 200  # other accounts are not affected
    assert client.publish_status("1").status == 503
    assert client.publish_status("1").data["errcode"] == 40035
    assert wechat.state()["faults"] == []


def test_faults_are_listed_and_cleared(wechat: WeChatFakeServer) -> None:
    wechat.add_fault("hang", count=3, seconds=2, path=SUBMIT)
    [fault] = wechat.state()["faults"]
    assert fault == {"kind": "hang", "remaining": 3, "status": 500, "seconds": 2.0,
                     "after_processing": False, "path": SUBMIT, "account": None}
    wechat.clear_faults()
    assert wechat.state()["faults"] == []
    with pytest.raises(ControlCallError):
        wechat.add_fault("explode")  # type: ignore[arg-type]


def test_latency_delays_api_calls_only(wechat: WeChatFakeServer) -> None:
    wechat.set_latency(0.2)
    started = time.monotonic()
    WeChatClient(wechat.url, APP).get_token()
    assert time.monotonic() - started >= 0.2
    started = time.monotonic()
    assert wechat.state()["latency"] == 0.2
    assert time.monotonic() - started < 0.15


def test_stop_wakes_hung_calls() -> None:
    server = start_fake("wechat")
    server.add_fault("hang", seconds=30)
    caller = threading.Thread(target=lambda: WeChatClient(server.url, APP).get_token(), daemon=True)
    caller.start()
    time.sleep(0.1)
    started = time.monotonic()
    server.stop()
    caller.join(timeout=5)
    assert time.monotonic() - started < 3
    assert not caller.is_alive()


def test_weibo_drop_after_share_then_retry_is_repeat_content(weibo: WeiboFakeServer) -> None:
    client = WeiboClient(weibo.url, "村务公开")
    text = "通知 https://village.example.cn/n/1"
    weibo.add_fault("drop", path="/2/statuses/share.json", account="村务公开")
    with pytest.raises(NO_ANSWER):
        client.share(text)
    assert weibo.statuses("村务公开", text) == 1
    retry = client.share(text)
    assert retry.data["error_code"] == 20019  # the platform tells the retry it already has it
    assert weibo.state()["duplicate_statuses"] == []


def test_weibo_server_error_and_latency() -> None:
    with start_fake("weibo", latency=0.05) as weibo:
        client = WeiboClient(weibo.url, "a")
        weibo.add_fault("error", status=500)
        started = time.monotonic()
        assert client.share("x https://a.cn").status == 500
        assert time.monotonic() - started >= 0.05
        assert client.share("x https://a.cn").status == 200


def test_a_fault_rate_fails_that_share_of_calls_at_random(weibo: WeiboFakeServer) -> None:
    """The crash test's "a few percent on every call": 500s and dropped connections, some
    after the call took effect (the post is there though the client saw no answer)."""
    weibo.set_fault_rate(0.2, seed=7)
    client, answered, lost = WeiboClient(weibo.url, "rate"), 0, 0
    for i in range(100):
        try:
            answered += client.share(f"第{i}条 https://a.cn/{i}").status == 200
        except NO_ANSWER:
            lost += 1
    state = weibo.state()
    fired = state["faults_fired"]
    assert 8 <= fired.get("random_error", 0) + fired.get("random_drop", 0) <= 35, fired
    assert answered == 100 - fired.get("random_error", 0) - fired.get("random_drop", 0)
    assert lost == fired.get("random_drop", 0)
    created = state["accounts"]["rate"]["statuses_created"]
    assert answered < created < 100  # some faults came after the effect, some before
    weibo.set_fault_rate(0)
    assert client.share("之后都正常 https://a.cn/x").status == 200
    with pytest.raises(ControlCallError):
        weibo.set_fault_rate(1.5)
