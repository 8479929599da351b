"""The fake Weibo API answers like the documentation says."""

from __future__ import annotations

import re

import pytest

from rongmei.distribution.fakes import ControlCallError, WeiboFakeServer, weibo_length

from .helpers import BMP, GIF, PNG, WeiboClient, call

SHARE = "/2/statuses/share.json"
TEXT = "【县融媒】春耕进行时 https://news.example.cn/a/1.html"


@pytest.fixture
def client(weibo: WeiboFakeServer) -> WeiboClient:
    return WeiboClient(weibo.url, "县融媒")


def test_share_returns_the_created_status(weibo: WeiboFakeServer, client: WeiboClient) -> None:
    answer = client.share(TEXT)
    assert answer.status == 200
    status = answer.data
    assert isinstance(status["id"], int) and status["idstr"] == str(status["id"]) == status["mid"]
    assert re.fullmatch(r"[A-Z][a-z]{2} [A-Z][a-z]{2} \d\d \d\d:\d\d:\d\d \+0800 \d{4}", status["created_at"])
    assert status["text"] == TEXT
    assert status["user"]["screen_name"] == "县融媒" and status["user"]["statuses_count"] == 1
    assert status["pic_urls"] == []
    assert weibo.statuses("县融媒") == 1
    assert weibo.statuses("县融媒", TEXT) == 1
    account = weibo.state()["accounts"]["县融媒"]
    assert account["shares"] == 1 and account["calls"] == {SHARE: 1}


def test_share_with_a_picture(client: WeiboClient) -> None:
    status = client.share(TEXT, pic=PNG).data
    assert status["original_pic"] == status["pic_urls"][0]["thumbnail_pic"]
    assert call("GET", status["original_pic"]).body == PNG
    assert client.share(TEXT + " 2", pic=GIF).status == 200


def test_picture_type_and_size(weibo: WeiboFakeServer, client: WeiboClient) -> None:
    bad = client.share(TEXT, pic=BMP)
    assert (bad.status, bad.data["error_code"]) == (400, 20005)
    weibo.set_limits(pic_bytes=len(PNG))
    assert client.share(TEXT, pic=PNG).data["error_code"] == 20006
    assert weibo.statuses("县融媒") == 0


def test_status_needs_a_link_to_a_safe_domain(weibo: WeiboFakeServer, client: WeiboClient) -> None:
    answer = client.share("没有链接的微博")
    assert answer.status == 400
    assert answer.data == {"error": "text not find domain!", "error_code": 10017, "request": SHARE}
    weibo.set_safe_domains(["example.cn"])
    assert client.share("别家 https://other.com/x").data["error_code"] == 10017
    assert client.share(TEXT).status == 200  # news.example.cn is a subdomain
    weibo.set_safe_domains(None)
    assert client.share("别家 https://other.com/x").status == 200


def test_topics_are_not_allowed(client: WeiboClient) -> None:
    answer = client.share("#春耕# https://news.example.cn/a")
    assert answer.data["error_code"] == 10017 and "status" in answer.data["error"]


def test_required_parameters(client: WeiboClient) -> None:
    assert client.share("").data["error"].startswith("miss required parameter (status)")
    missing_rip = client.share(TEXT, rip=None)
    assert (missing_rip.status, missing_rip.data["error_code"]) == (400, 10016)
    assert "(rip)" in missing_rip.data["error"]


def test_length_is_counted_the_weibo_way(client: WeiboClient) -> None:
    link = " https://news.example.cn/a"
    assert weibo_length("字" * 130 + link) == 141  # 130 + a blank (½) + the link (10)
    assert weibo_length("a" * 280) == 140
    assert weibo_length("字" * 129 + link) == 140
    assert client.share("字" * 129 + link).status == 200
    too_long = client.share("字" * 130 + link)
    assert too_long.data["error_code"] == 20012 and too_long.status == 400


def test_repeat_content_is_refused_until_the_first_is_deleted(weibo: WeiboFakeServer, client: WeiboClient) -> None:
    first = client.share(TEXT).data
    again = client.share(TEXT)
    assert again.status == 400
    assert again.data == {"error": "repeat content!", "error_code": 20019, "request": SHARE}
    assert WeiboClient(weibo.url, "另一个号").share(TEXT).status == 200  # other accounts may say the same
    assert client.destroy(first["id"]).status == 200
    assert client.share(TEXT).status == 200
    state = weibo.state()
    account = state["accounts"]["县融媒"]
    assert account["repeat_rejections"] == 1 and account["errors"] == {"20019": 1}
    assert account["created_by_text"][TEXT] == 2 and account["live_by_text"][TEXT] == 1
    assert state["duplicate_statuses"] == [{"account": "县融媒", "text": TEXT, "count": 2}]


def test_destroy(weibo: WeiboFakeServer, client: WeiboClient) -> None:
    status = client.share(TEXT).data
    deleted = client.destroy(status["id"])
    assert deleted.status == 200 and deleted.data["id"] == status["id"] and deleted.data["text"] == TEXT
    gone = client.destroy(status["id"])
    assert gone.status == 400
    assert gone.data == {"error": "target weibo does not exist!", "error_code": 20101,
                         "request": "/2/statuses/destroy.json"}
    assert client.destroy(123).data["error_code"] == 20101
    assert client.destroy("abc").data["error_code"] == 10017
    assert call("POST", f"{weibo.url}/2/statuses/destroy.json",
                form={"access_token": client.token}).data["error_code"] == 10016
    mine = client.share(TEXT).data
    other = WeiboClient(weibo.url, "别人").destroy(mine["id"])
    assert (other.status, other.data["error_code"]) == (403, 20102)
    assert weibo.state()["accounts"]["县融媒"]["destroys"] == 1


def test_show(client: WeiboClient) -> None:
    status = client.share(TEXT).data
    assert client.show(status["id"]).data["text"] == TEXT
    client.destroy(status["id"])
    assert client.show(status["id"]).data["error_code"] == 20101


def test_tokens(weibo: WeiboFakeServer, client: WeiboClient) -> None:
    assert client.share(TEXT).status == 200
    assert weibo.expire_token("县融媒") == 1
    expired = client.share(TEXT + " 2")
    assert expired.status == 403
    assert expired.data == {"error": "expired_token", "error_code": 21327, "request": SHARE}
    weibo.add_account("县融媒", token="renewed-token")
    renewed = WeiboClient(weibo.url, "县融媒", "renewed-token")
    assert renewed.share(TEXT + " 2").status == 200
    assert weibo.revoke_token(token="renewed-token") == 1
    assert renewed.share(TEXT + " 3").data["error_code"] == 21332
    unknown = WeiboClient(weibo.url, "x", "not-a-token").share(TEXT)
    assert (unknown.status, unknown.data["error"], unknown.data["error_code"]) == (403, "invalid_access_token", 21332)
    missing = call("POST", f"{weibo.url}{SHARE}", form={"status": TEXT, "rip": "1.1.1.1"})
    assert missing.data["error_code"] == 10006


def test_token_in_authorization_header(weibo: WeiboFakeServer) -> None:
    answer = call("POST", f"{weibo.url}{SHARE}", form={"status": TEXT, "rip": "1.1.1.1"},
                  headers={"Authorization": "OAuth2 token-header"})
    assert answer.status == 200 and answer.data["user"]["screen_name"] == "header"


def test_rate_limits(weibo: WeiboFakeServer, client: WeiboClient) -> None:
    weibo.rate_limit("县融媒", calls=2)
    limited = client.share(TEXT)
    assert limited.status == 403
    assert limited.data == {"error": "User requests out of rate limit!", "error_code": 10023, "request": SHARE}
    assert client.share(TEXT).data["error_code"] == 10023
    assert WeiboClient(weibo.url, "别的号").share(TEXT).status == 200
    assert client.share(TEXT).status == 200
    weibo.rate_limit(None, calls=1, error_code=10024, path=SHARE)
    special = client.share(TEXT + " 2").data
    assert special["error_code"] == 10024 and SHARE in special["error"]
    with pytest.raises(ControlCallError):
        weibo.rate_limit("县融媒", error_code=20019)  # type: ignore[arg-type]


def test_wrong_method_and_unknown_api(weibo: WeiboFakeServer) -> None:
    assert call("GET", f"{weibo.url}{SHARE}?access_token=token-a").data["error_code"] == 10021
    unknown = call("POST", f"{weibo.url}/2/statuses/update.json", form={"access_token": "token-a"})
    assert unknown.status == 404 and unknown.data["error_code"] == 10020
