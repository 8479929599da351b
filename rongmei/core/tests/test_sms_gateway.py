"""The SMS gateway (rongmei.core.messaging.sms) against the fake Aliyun SMS server over real
HTTP: the documented signature, the fake verifying it, and each documented answer mapped to
ok / retry / fail with a Chinese message that never shows the number."""

from __future__ import annotations

import datetime as dt
import json
import urllib.request

import pytest

from rongmei.core.messaging.sms import AliyunSms, judge, signature, string_to_sign
from rongmei.distribution.fakes import start_fake

PHONE = "13812345678"

# The worked example of Aliyun's SMS document (help.aliyun.com/document_detail/56189.html).
DOC_PARAMS = {
    "AccessKeyId": "testId", "Action": "SendSms", "Format": "XML", "OutId": "123", "PhoneNumbers": "15300000001",
    "RegionId": "cn-hangzhou", "SignName": "阿里云短信测试专用", "SignatureMethod": "HMAC-SHA1",
    "SignatureNonce": "45e25e9b-0a6f-4070-8c85-2956eda1b466", "SignatureVersion": "1.0",
    "TemplateCode": "SMS_71390007", "TemplateParam": '{"customer":"test"}', "Timestamp": "2017-07-12T02:42:19Z",
    "Version": "2017-05-25",
}


@pytest.fixture(scope="module")
def fake():
    server = start_fake("sms")
    yield server
    server.stop()


@pytest.fixture
def sms(fake, settings):
    settings.RONGMEI_LINKCHECK_ALLOW = ["127.0.0.1"]  # the fake is on this machine
    fake.reset()
    return fake


def gateway(fake, key_id="LTAI-demo", secret=None):
    return AliyunSms(key_id, secret if secret is not None else "secret-" + key_id, base_url=fake.url)


def test_signature_reproduces_the_documented_examples():
    assert string_to_sign(DOC_PARAMS).startswith("GET&%2F&AccessKeyId%3DtestId%26Action%3DSendSms%26Format%3DXML")
    assert "SignName%3D%25E9%2598%25BF" in string_to_sign(DOC_PARAMS)          # UTF-8, percent-encoded twice
    assert "TemplateParam%3D%257B%2522customer%2522%253A%2522test%2522%257D" in string_to_sign(DOC_PARAMS)
    assert signature(DOC_PARAMS, "testSecret") == "zJDF+Lrzhj/ThnlvIToysFRq6t4="
    # the RPC signature document's DescribeRegions example
    regions = {"Format": "XML", "AccessKeyId": "testid", "Action": "DescribeRegions", "SignatureMethod": "HMAC-SHA1",
               "SignatureNonce": "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf", "SignatureVersion": "1.0",
               "Version": "2014-05-26", "Timestamp": "2016-02-23T12:46:24Z"}
    assert signature(regions, "testsecret") == "OLeaidS1JvxuMvnyHOwuJ+uX5qY="
    # space is %20 and ~ stays, as the document requires (not the form encoding's + and %7E)
    assert "a%2520b~" in string_to_sign({"X": "a b~"})


def test_send_reaches_the_fake_with_template_and_params(sms):
    result = gateway(sms).send(PHONE, "SMS_480100001", {"code": "WZ23456789", "department": "住建局"},
                               "示例县融媒体中心", "rm1")
    assert result.outcome == "ok" and result.remote_id.endswith("^0")
    [message] = sms.messages(PHONE)
    assert message["params"] == {"code": "WZ23456789", "department": "住建局"}
    assert message["content"] == "【示例县融媒体中心】您反映的问题已受理，查询码WZ23456789，已转住建局办理，请留意答复。"
    assert message["out_id"] == "rm1"


def test_wrong_secret_is_refused_by_the_fake_and_fails_in_chinese(sms):
    result = gateway(sms, secret="not-the-secret").send(PHONE, "SMS_480100001", {"code": "WZ1", "department": "x"},
                                                        "示例县融媒体中心", "rm2")
    assert result.outcome == "fail"
    assert "签名校验失败" in result.detail and "SignatureDoesNotMatch" in result.detail
    assert PHONE not in result.detail
    assert sms.messages() == [] and sms.state()["refusals"][-1]["code"] == "SignatureDoesNotMatch"
    sms.add_key("LTAI-own", "own-secret")                  # a registered key: only its own secret works
    assert gateway(sms, "LTAI-own", "own-secret").send(PHONE, "SMS_480100003", {"code": "WZ1", "center": "示例县"},
                                                       "示例县融媒体中心", "rm3").outcome == "ok"


def test_the_fake_checks_nonce_timestamp_and_method(sms):
    gw = gateway(sms)
    params = {"Action": "SendSms", "PhoneNumbers": PHONE, "SignName": "示例县融媒体中心", "TemplateCode": "SMS_71390007",
              "TemplateParam": '{"customer":"王女士"}'}
    url = gw.url(params)
    with urllib.request.urlopen(url, timeout=5) as answer:
        assert json.loads(answer.read())["Code"] == "OK"
    with pytest.raises(urllib.error.HTTPError) as replay:            # the same nonce again
        urllib.request.urlopen(url, timeout=5)
    assert replay.value.code == 400 and json.loads(replay.value.read())["Code"] == "SignatureNonceUsed"
    old = gw.signed_params(params, timestamp=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=20))
    query = "&".join(f"{k}={urllib.parse.quote(v, safe='~')}" for k, v in old.items())
    with pytest.raises(urllib.error.HTTPError) as stale:
        urllib.request.urlopen(f"{sms.url}/?{query}", timeout=5)
    assert json.loads(stale.value.read())["Code"] == "InvalidTimeStamp.Expired"


@pytest.mark.parametrize("template,params,sign,code,words", [
    ("SMS_480100001", {"code": "WZ1"}, "示例县融媒体中心", "isv.TEMPLATE_MISSING_PARAMETERS", "缺少对应的值"),
    ("SMS_999", {"code": "WZ1"}, "示例县融媒体中心", "isv.SMS_TEMPLATE_ILLEGAL", "模板不存在"),
    ("SMS_480100001", {"code": "WZ1", "department": "x"}, "没注册的签名", "isv.SMS_SIGNATURE_ILLEGAL", "签名不存在"),
    ("SMS_480100001", {"code": "WZ1", "department": "很长" * 20}, "示例县融媒体中心", "isv.PARAM_LENGTH_LIMIT", "长度限制"),
])
def test_refusals_fail_with_a_chinese_message(sms, template, params, sign, code, words):
    result = gateway(sms).send(PHONE, template, params, sign, "rm4")
    assert result.outcome == "fail" and code in result.detail and words in result.detail
    assert sms.messages() == []


def test_illegal_number_fails_without_showing_it(sms):
    sms.fail_next("isv.MOBILE_NUMBER_ILLEGAL")
    result = gateway(sms).send(PHONE, "SMS_480100003", {"code": "WZ1", "center": "x"}, "示例县融媒体中心", "rm5")
    assert result.outcome == "fail" and "手机号码无效" in result.detail and PHONE not in result.detail
    landline = gateway(sms).send("0000-6201008", "SMS_480100003", {"code": "WZ1", "center": "x"}, "示例县融媒体中心", "rm6")
    assert landline.outcome == "fail" and "000****1008" in landline.detail and "6201008" not in landline.detail


def test_frequency_limit_and_provider_errors_are_retried(sms):
    gw = gateway(sms)
    args = ("SMS_480100003", {"code": "WZ1", "center": "示例县"}, "示例县融媒体中心")
    assert gw.send(PHONE, *args, "rm7").outcome == "ok"
    limited = gw.send(PHONE, *args, "rm8")                           # 1 a minute per number and signature
    assert limited.outcome == "retry" and limited.retry_after == 60 and "分钟级流控" in limited.detail
    sms.advance(61)
    assert gw.send(PHONE, *args, "rm9").outcome == "ok"
    sms.set_limits(per_minute=0, per_hour=2)
    sms.advance(61)
    hourly = gw.send(PHONE, *args, "rm10")
    assert hourly.outcome == "retry" and hourly.retry_after == 3600 and "小时级流控" in hourly.detail
    sms.fail_next("isp.SYSTEM_ERROR")
    assert gw.send("13900001111", *args, "rm11").outcome == "retry"
    sms.add_fault("error", status=503)
    down = gw.send("13900001111", *args, "rm12")
    assert down.outcome == "retry" and down.unknown and "HTTP 503" in down.detail


def test_judge_maps_documented_codes():
    assert judge(200, {"Code": "OK", "BizId": "1^0"}).remote_id == "1^0"
    assert judge(200, {"Code": "isv.BUSINESS_LIMIT_CONTROL", "Message": "触发天级流控Permits:10"}).retry_after == 86400
    assert judge(200, {"Code": "isv.AMOUNT_NOT_ENOUGH"}).outcome == "fail"
    assert judge(404, {"Code": "InvalidAccessKeyId.NotFound"}).outcome == "fail"
    assert judge(502, None).outcome == "retry"
    assert judge(200, {"Code": "isv.SOMETHING_NEW", "Message": "新错误"}).outcome == "fail"


def test_find_sent_asks_the_provider_by_out_id(sms):
    gw = gateway(sms)
    assert gw.send(PHONE, "SMS_480100003", {"code": "WZ1", "center": "示例县"}, "示例县融媒体中心", "rm42").outcome == "ok"
    today = dt.datetime.now(dt.timezone(dt.timedelta(hours=8))).date()
    found = gw.find_sent(PHONE, "rm42", today)
    assert found is not None and found.outcome == "ok"
    assert gw.find_sent(PHONE, "rm43", today) is None
    assert gw.find_sent(PHONE, "rm42", today - dt.timedelta(days=1)) is None


def test_the_fake_serves_from_the_command_line_and_answers_xml(settings):
    """`python -m rongmei.distribution.fakes --serve sms:0` (how the demo's sandbox runs it),
    controlled from this process; the default Format is XML, as Aliyun's."""
    import subprocess
    import sys

    from rongmei.distribution.fakes.sms import RemoteSmsFake

    settings.RONGMEI_LINKCHECK_ALLOW = ["127.0.0.1"]
    process = subprocess.Popen([sys.executable, "-m", "rongmei.distribution.fakes", "--serve", "sms:0"],
                               stdout=subprocess.PIPE, text=True)
    try:
        url = json.loads(process.stdout.readline())["sms"]
        remote = RemoteSmsFake(url)
        remote.add_template("SMS_1", "您的问题${code}已受理。")
        assert gateway(remote).send(PHONE, "SMS_1", {"code": "WZ9"}, "阿里云短信测试", "rm1").outcome == "ok"
        assert remote.messages(PHONE)[0]["content"] == "【阿里云短信测试】您的问题WZ9已受理。"
        xml_url = AliyunSms("LTAI-x", "secret-LTAI-x", base_url=url).url(
            {"Action": "SendSms", "PhoneNumbers": PHONE, "SignName": "阿里云短信测试", "TemplateCode": "SMS_1",
             "TemplateParam": '{"code":"WZ8"}'}).replace("Format=JSON", "Format=XML")
        with pytest.raises(urllib.error.HTTPError) as refused:      # Format is signed: changing it breaks the signature
            urllib.request.urlopen(xml_url, timeout=5)
        body = refused.value.read().decode()
        assert body.startswith("<?xml") and "<Code>SignatureDoesNotMatch</Code>" in body
    finally:
        process.terminate()
        process.wait(timeout=10)
