"""The fake Douyin open platform answers as its documentation says: upload whole or in parts,
create, list, delete, refresh tokens, and refuses malformed requests with the documented
codes."""

from __future__ import annotations

import struct
import urllib.parse
from collections.abc import Iterator

import pytest

from rongmei.distribution.fakes import start_fake
from rongmei.distribution.fakes.douyin import DouyinFakeServer, mp4_size

from .helpers import call


def mp4(width: int = 720, height: int = 1280, padding: int = 0) -> bytes:
    """A minimal MP4: an ftyp box and a moov/trak/tkhd box carrying the frame size."""
    ftyp = struct.pack(">I", 24) + b"ftypisom" + b"\x00\x00\x02\x00" + b"isommp41"
    tkhd_body = b"\x00\x00\x00\x03" + b"\x00" * 72 + struct.pack(">II", width << 16, height << 16)
    tkhd = struct.pack(">I", 8 + len(tkhd_body)) + b"tkhd" + tkhd_body
    trak = struct.pack(">I", 8 + len(tkhd)) + b"trak" + tkhd
    moov = struct.pack(">I", 8 + len(trak)) + b"moov" + trak
    mdat = struct.pack(">I", 8 + padding) + b"mdat" + b"\x01" * padding
    return ftyp + moov + mdat


@pytest.fixture
def douyin() -> Iterator[DouyinFakeServer]:
    server = start_fake("douyin")
    yield server
    server.stop()


def api(fake, method, path, open_id="county", token=None, query=None, **kwargs):
    params = urllib.parse.urlencode({"open_id": open_id, **(query or {})})
    headers = {"access-token": token if token is not None else f"act.{open_id}"}
    return call(method, f"{fake.url}{path}?{params}", headers=headers, **kwargs)


def upload(fake, data=None, open_id="county"):
    return api(fake, "POST", "/video/upload/", open_id, files={"video": ("v.mp4", "video/mp4", data or mp4())})


def test_mp4_size_reads_the_track_header():
    assert mp4_size(mp4(1080, 1920)) == (1080, 1920)
    assert mp4_size(b"not a video at all") is None


def test_upload_create_list_delete(douyin):
    answer = upload(douyin)
    assert answer.status == 200 and answer.data["data"]["error_code"] == 0
    assert answer.data["extra"]["logid"]
    video = answer.data["data"]["video"]
    assert (video["width"], video["height"]) == (720, 1280)
    created = api(douyin, "POST", "/video/create/", json_body={"video_id": video["video_id"],
                                                                "text": "县里新闻 #示例县", "cover_tsp": 1.0})
    item_id = created.data["data"]["item_id"]
    listed = api(douyin, "GET", "/video/list/", query={"cursor": 0, "count": 10}).data["data"]
    assert [i["item_id"] for i in listed["list"]] == [item_id] and listed["list"][0]["title"] == "县里新闻 #示例县"
    assert listed["has_more"] is False
    assert call("GET", listed["list"][0]["share_url"]).status == 200
    deleted = api(douyin, "POST", "/video/delete/", json_body={"item_id": item_id})
    assert deleted.data["data"]["error_code"] == 0
    again = api(douyin, "POST", "/video/delete/", json_body={"item_id": item_id})
    assert again.data["data"]["error_code"] == 2100005
    assert douyin.state()["items_live"] == 0 and douyin.state()["uploads"]["simple"] == 1


def test_a_video_id_serves_one_create(douyin):
    video_id = upload(douyin).data["data"]["video"]["video_id"]
    assert api(douyin, "POST", "/video/create/", json_body={"video_id": video_id, "text": "a"}).data["data"]["item_id"]
    second = api(douyin, "POST", "/video/create/", json_body={"video_id": video_id, "text": "a"})
    assert second.data["data"]["error_code"] == 2190007
    assert douyin.state()["video_id_reused"] == 1 and douyin.state()["duplicate_creates"] == []


def test_duplicate_creates_are_counted(douyin):
    for _ in range(2):
        video_id = upload(douyin).data["data"]["video"]["video_id"]
        api(douyin, "POST", "/video/create/", json_body={"video_id": video_id, "text": "同一条"})
    assert douyin.state()["duplicate_creates"] == [{"open_id": "county", "text": "同一条", "count": 2}]


def test_part_upload(douyin):
    douyin.set_limits(min_part_bytes=1000)
    data = mp4(padding=2500)
    upload_id = api(douyin, "POST", "/video/part/init/").data["data"]["upload_id"]
    for number, start in enumerate(range(0, len(data), 1000), 1):
        part = api(douyin, "POST", "/video/part/upload/", query={"upload_id": upload_id, "part_number": number},
                   files={"video": ("p", "video/mp4", data[start:start + 1000])})
        assert part.data["data"]["error_code"] == 0
    done = api(douyin, "POST", "/video/part/complete/", query={"upload_id": upload_id}).data["data"]
    video_id = done["video"]["video_id"]
    state = douyin.state()
    assert state["videos"][video_id]["size"] == len(data) and state["videos"][video_id]["mode"] == "part"
    assert state["uploads"]["part"] == 1 and state["uploads"]["parts"] == 3


def test_parts_must_be_contiguous_and_large_enough(douyin):
    douyin.set_limits(min_part_bytes=1000)
    data = mp4(padding=2500)
    upload_id = api(douyin, "POST", "/video/part/init/").data["data"]["upload_id"]
    api(douyin, "POST", "/video/part/upload/", query={"upload_id": upload_id, "part_number": 1},
        files={"video": ("p", "video/mp4", data[:500])})
    api(douyin, "POST", "/video/part/upload/", query={"upload_id": upload_id, "part_number": 2},
        files={"video": ("p", "video/mp4", data[500:])})
    small = api(douyin, "POST", "/video/part/complete/", query={"upload_id": upload_id}).data["data"]
    assert small["error_code"] == 2100005 and "分片过小" in small["description"]
    other = api(douyin, "POST", "/video/part/init/").data["data"]["upload_id"]
    api(douyin, "POST", "/video/part/upload/", query={"upload_id": other, "part_number": 2},
        files={"video": ("p", "video/mp4", data)})
    gap = api(douyin, "POST", "/video/part/complete/", query={"upload_id": other}).data["data"]
    assert gap["error_code"] == 2100005 and "不连续" in gap["description"]


@pytest.mark.parametrize("case", ["no_open_id", "no_token", "json_upload", "not_mp4", "bad_part_number",
                                  "unknown_upload", "create_without_video", "list_count", "wrong_method"])
def test_malformed_requests_are_refused_as_documented(douyin, case):
    if case == "no_open_id":
        answer = call("POST", f"{douyin.url}/video/part/init/", headers={"access-token": "act.x"})
    elif case == "no_token":
        answer = call("POST", f"{douyin.url}/video/part/init/?open_id=x")
    elif case == "json_upload":
        answer = api(douyin, "POST", "/video/upload/", json_body={"video": "x"})
    elif case == "not_mp4":
        answer = upload(douyin, b"GIF89a" + b"\x00" * 40)
    elif case == "bad_part_number":
        upload_id = api(douyin, "POST", "/video/part/init/").data["data"]["upload_id"]
        answer = api(douyin, "POST", "/video/part/upload/", query={"upload_id": upload_id, "part_number": 0},
                     files={"video": ("p", "video/mp4", mp4())})
    elif case == "unknown_upload":
        answer = api(douyin, "POST", "/video/part/complete/", query={"upload_id": "nope"})
    elif case == "create_without_video":
        answer = api(douyin, "POST", "/video/create/", json_body={"text": "x"})
    elif case == "list_count":
        answer = api(douyin, "GET", "/video/list/", query={"cursor": 0, "count": 21})
    else:
        answer = api(douyin, "GET", "/video/create/")
    assert answer.status == 200
    assert answer.data["data"]["error_code"] == 2100005 and answer.data["extra"]["error_code"] == 2100005


def test_tokens_expire_and_refresh(douyin):
    douyin.expire_token("county")
    assert upload(douyin).data["data"]["error_code"] == 2190008
    refreshed = call("POST", f"{douyin.url}/oauth/refresh_token/",
                     form={"client_key": "awkey", "grant_type": "refresh_token", "refresh_token": "rft.county"})
    data = refreshed.data["data"]
    assert data["error_code"] == 0 and data["expires_in"] == 15 * 86400 and data["open_id"] == "county"
    assert upload(douyin, open_id="county").data["data"]["error_code"] == 2190008  # the old one stays dead
    fresh = api(douyin, "POST", "/video/upload/", token=data["access_token"],
                files={"video": ("v.mp4", "video/mp4", mp4())})
    assert fresh.data["data"]["error_code"] == 0 and douyin.state()["refreshes"] == 1
    assert api(douyin, "POST", "/video/part/init/", open_id="someone", token=data["access_token"]).data["data"][
        "error_code"] == 2190015
    douyin.expire_refresh_token("county")
    dead = call("POST", f"{douyin.url}/oauth/refresh_token/",
                form={"client_key": "awkey", "grant_type": "refresh_token", "refresh_token": "rft.county"})
    assert dead.data["data"]["error_code"] == 10010


def test_renew_refresh_token_at_most_five_times(douyin):
    token = "rft.county"
    for _ in range(5):
        renewed = call("POST", f"{douyin.url}/oauth/renew_refresh_token/",
                       form={"client_key": "awkey", "refresh_token": token}).data["data"]
        assert renewed["error_code"] == 0
        old, token = token, renewed["refresh_token"]
        assert call("POST", f"{douyin.url}/oauth/renew_refresh_token/",
                    form={"client_key": "awkey", "refresh_token": old}).data["data"]["error_code"] == 10010
    assert call("POST", f"{douyin.url}/oauth/renew_refresh_token/",
                form={"client_key": "awkey", "refresh_token": token}).data["data"]["error_code"] == 10020


def test_rate_limit_and_refused_content(douyin):
    douyin.rate_limit("county", calls=1, error_code=2190001)
    assert upload(douyin).data["data"]["error_code"] == 2190001
    video_id = upload(douyin).data["data"]["video"]["video_id"]
    douyin.refuse_content(words=["违规"])
    refused = api(douyin, "POST", "/video/create/", json_body={"video_id": video_id, "text": "含违规词"})
    assert refused.data["data"]["error_code"] == 2111001 and refused.data["data"]["description"] == "命中敏感词"
    assert douyin.state()["refused"] == 1 and douyin.state()["items_live"] == 0


def test_faults_and_http_control(douyin):
    douyin.add_fault("error", path="/video/upload/", status=502)
    assert upload(douyin).status == 502
    assert call("GET", f"{douyin.url}/__fake__/douyin/state").data["kind"] == "douyin"
    refused = call("POST", f"{douyin.url}/__fake__/douyin/rate_limit", json_body={"error_code": 1})
    assert refused.status == 400


def test_refresh_answers_the_refresh_tokens_time_left(douyin):
    douyin.age_refresh_token("county", days=20)
    data = call("POST", f"{douyin.url}/oauth/refresh_token/",
                form={"client_key": "awkey", "grant_type": "refresh_token", "refresh_token": "rft.county"}).data["data"]
    assert 9 * 86400 < data["refresh_expires_in"] <= 10 * 86400
    douyin.age_refresh_token("county", days=30)
    dead = call("POST", f"{douyin.url}/oauth/refresh_token/",
                form={"client_key": "awkey", "grant_type": "refresh_token", "refresh_token": "rft.county"}).data["data"]
    assert dead["error_code"] == 10010
