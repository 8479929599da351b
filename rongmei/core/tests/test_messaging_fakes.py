"""The fake 企业微信, 钉钉 and 飞书 servers answer as the platforms document (no database):
what the notification tests rely on is checked here on its own."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import urllib.parse
import urllib.request

import pytest

from rongmei.distribution.fakes.server import start_fake


def call(url: str, body: dict | None = None) -> dict:
    data = None if body is None else json.dumps(body, ensure_ascii=False).encode()
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return json.load(response)
    except urllib.error.HTTPError as exc:
        return json.load(exc)


@pytest.fixture
def wecom():
    with start_fake("wecom") as server:
        server.add_app("wwA", 1000002, "sA", users=["zhang"])
        yield server


@pytest.fixture
def ding():
    with start_fake("dingtalk") as server:
        server.add_app("dkA", "sA", 77, users=["u1"])
        yield server


def test_wecom_tokens_errors_and_duplicate_check(wecom):
    assert call(f"{wecom.url}/cgi-bin/gettoken?corpid=wwA&corpsecret=wrong")["errcode"] == 40001
    token = call(f"{wecom.url}/cgi-bin/gettoken?corpid=wwA&corpsecret=sA")["access_token"]
    send = f"{wecom.url}/cgi-bin/message/send?access_token={token}"
    body = {"touser": "zhang", "agentid": 1000002, "msgtype": "text", "text": {"content": "你好"},
            "enable_duplicate_check": 1}
    assert call(send, body)["errcode"] == 0 and call(send, body)["errcode"] == 0
    assert len(wecom.messages()) == 1 and wecom.state()["duplicates"] == 1
    assert call(send, {**body, "text": {"content": "长" * 700}})["errcode"] == 45002  # 2100 bytes > 2048
    assert call(send, {**body, "touser": "nobody"})["errcode"] == 81013
    assert call(send, {**body, "agentid": 9})["errcode"] == 40056
    wecom.fail_next(1, errcode=45033)
    assert call(send, {**body, "text": {"content": "再一条"}})["errcode"] == 45033
    wecom.expire_tokens("wwA")
    assert call(send, {**body, "text": {"content": "过期"}})["errcode"] == 42001
    assert call(f"{wecom.url}/cgi-bin/message/send?access_token=bogus", body)["errcode"] == 40014


def test_dingtalk_work_notice_result_and_daily_repeat(ding):
    assert call(f"{ding.url}/gettoken?appkey=dkA&appsecret=no")["errcode"] == 40089
    token = call(f"{ding.url}/gettoken?appkey=dkA&appsecret=sA")["access_token"]
    send = f"{ding.url}/topapi/message/corpconversation/asyncsend_v2?access_token={token}"
    result = f"{ding.url}/topapi/message/corpconversation/getsendresult?access_token={token}"
    body = {"agent_id": 77, "userid_list": "u1,ghost", "msg": {"msgtype": "text", "text": {"content": "通知"}}}
    first = call(send, body)["task_id"]
    outcome = call(result, {"agent_id": 77, "task_id": first})["send_result"]
    assert outcome["unread_user_id_list"] == ["u1"] and outcome["invalid_user_id_list"] == ["ghost"]
    second = call(send, body)["task_id"]  # the same content again today: not delivered
    outcome = call(result, {"agent_id": 77, "task_id": second})["send_result"]
    assert outcome["forbidden_list"] == [{"code": "143106", "count": 1, "userid": "u1"}] and len(ding.messages()) == 1


def test_dingtalk_robot_checks_the_signature(ding):
    path = ding.add_robot("tokX", "SECx")
    body = {"msgtype": "markdown", "markdown": {"title": "t", "text": "m"}}
    assert call(ding.url + path, body)["errcode"] == 310000
    ms = str(int(time.time() * 1000))
    sign = urllib.parse.quote_plus(base64.b64encode(hmac.new(b"SECx", f"{ms}\nSECx".encode(), hashlib.sha256).digest()))
    assert call(f"{ding.url}{path}&timestamp={ms}&sign={sign}", body)["errcode"] == 0
    assert len(ding.robot_messages()) == 1


def test_feishu_robot_signature_and_unknown_hook():
    with start_fake("feishu") as feishu:
        path = feishu.add_hook("hk1", "fsec")
        body = {"msg_type": "text", "content": {"text": "hi"}}
        assert call(feishu.url + path, body)["code"] == 19021
        now = str(int(time.time()))
        sign = base64.b64encode(hmac.new(f"{now}\nfsec".encode(), b"", hashlib.sha256).digest()).decode()
        assert call(feishu.url + path, {"timestamp": now, "sign": sign, **body})["code"] == 0
        assert call(f"{feishu.url}/open-apis/bot/v2/hook/nope", body)["code"] == 19001
        feishu.fail_next(1)
        assert call(feishu.url + path, {"timestamp": now, "sign": sign, **body})["code"] == 11232
