"""The fake Kuaishou open platform answers the documented requests with the documented
shapes and result codes, and refuses malformed ones as the pages say (no Django needed)."""

from __future__ import annotations

import hashlib
import urllib.parse
from collections.abc import Iterator

import pytest

from rongmei.distribution.fakes import start_fake
from rongmei.distribution.fakes.kuaishou import KuaishouFakeServer, RemoteKuaishouFake

from .helpers import JPEG, PNG, call

MP4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + bytes(range(256)) * 40  # ~10 KB, an MP4 by its box


@pytest.fixture
def ks() -> Iterator[KuaishouFakeServer]:
    server = start_fake("kuaishou", publish_delay=0.05)
    yield server
    server.stop()


class Client:
    """The calls an adapter makes, one method each (app ks-app, its default secret)."""

    def __init__(self, fake: KuaishouFakeServer, open_id: str = "ow-1", app_id: str = "ks-app") -> None:
        self.fake, self.app_id = fake, app_id
        tokens = fake.add_account(open_id, app_id=app_id)
        self.access, self.refresh_token = tokens["access_token"], tokens["refresh_token"]

    def open(self, method: str, path: str, **query: str):
        params = {"app_id": self.app_id, "access_token": self.access, **query}
        return call(method, f"{self.fake.url}{path}?" + urllib.parse.urlencode(params))

    def start(self) -> tuple[str, str]:
        answer = self.open("POST", "/openapi/photo/start_upload")
        assert answer.data["result"] == 1, answer.data
        return answer.data["upload_token"], answer.data["endpoint"]

    def raw(self, method: str, url: str, data: bytes, content_type: str = "video/mp4"):
        import urllib.request

        request = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": content_type})
        with urllib.request.urlopen(request, timeout=10) as answer:
            import json

            return json.loads(answer.read())

    def upload(self, token: str, endpoint: str, data: bytes = MP4) -> dict:
        return self.raw("POST", f"http://{endpoint}/api/upload?upload_token={token}", data)

    def publish(self, token: str, caption: str = "县里新闻 #示例县#", cover: bytes | None = JPEG, **extra: str):
        params = {"app_id": self.app_id, "access_token": self.access, "upload_token": token}
        files = {"cover": ("c.jpg", "image/jpeg", cover)} if cover is not None else {}
        return call("POST", f"{self.fake.url}/openapi/photo/publish?" + urllib.parse.urlencode(params),
                    form={"caption": caption, **extra}, files=files)


def test_start_upload_publish_list_info_delete(ks: KuaishouFakeServer) -> None:
    client = Client(ks)
    token, endpoint = client.start()
    assert endpoint == ks.url.split("://")[1]  # a host, no scheme ("上传网关的域名")
    assert client.upload(token, endpoint) == {"result": 1}
    published = client.publish(token)
    assert published.status == 200 and published.data["result"] == 1
    info = published.data["video_info"]
    assert info["caption"] == "县里新闻 #示例县#" and info["pending"] is True
    assert info["play_url"].endswith("/short-video/" + info["photo_id"])
    listed = client.open("GET", "/openapi/photo/list").data
    assert [w["photo_id"] for w in listed["video_list"]] == [info["photo_id"]]
    assert client.open("GET", "/openapi/photo/info", photo_id=info["photo_id"]).data["video_info"]["photo_id"] == info["photo_id"]
    assert client.open("GET", "/openapi/photo/count").data["all_count"] == 1
    photo = ks.photos("ow-1")[0]
    assert photo["sha256"] == hashlib.sha256(MP4).hexdigest() and photo["upload_mode"] == "binary"
    assert photo["cover_sha256"] == hashlib.sha256(JPEG).hexdigest()
    assert call("GET", info["play_url"]).status == 200
    assert client.open("POST", "/openapi/photo/delete", photo_id=info["photo_id"]).data == {"result": 1}
    assert client.open("GET", "/openapi/photo/info", photo_id=info["photo_id"]).data["result"] == 120001
    assert client.open("POST", "/openapi/photo/delete", photo_id=info["photo_id"]).data["result"] == 120001
    assert call("GET", info["play_url"]).status == 404
    assert ks.state()["duplicate_publishes"] == []


def test_fragments_resume_and_complete(ks: KuaishouFakeServer) -> None:
    client = Client(ks)
    token, endpoint = client.start()
    pieces = [MP4[:4000], MP4[4000:8000], MP4[8000:]]
    base = f"http://{endpoint}/api/upload"
    first = client.raw("POST", f"{base}/fragment?upload_token={token}&fragment_id=0", pieces[0])
    assert first == {"result": 1, "checksum": hashlib.md5(pieces[0]).hexdigest(), "size": 4000}
    client.raw("POST", f"{base}/fragment?upload_token={token}&fragment_id=2", pieces[2])
    resume = call("GET", f"{base}/resume?upload_token={token}").data
    assert resume["existed"] is True and resume["fragment_list"] == [0, 2]
    # a hole: complete is refused, publish says the video is not uploaded
    assert client.raw("POST", f"{base}/complete?upload_token={token}&fragment_count=3", b"")["result"] == 100400
    assert client.publish(token).data["result"] == 120002
    client.raw("POST", f"{base}/fragment?upload_token={token}&fragment_id=1", pieces[1])
    assert client.raw("POST", f"{base}/complete?upload_token={token}&fragment_count=3", b"") == {"result": 1}
    assert client.publish(token).data["result"] == 1
    assert ks.photos("ow-1")[0]["sha256"] == hashlib.sha256(MP4).hexdigest()
    assert ks.state()["uploads_by_mode"] == {"fragment": 1}


def test_tokens_expire_and_refresh_rotates(ks: KuaishouFakeServer) -> None:
    client = Client(ks)
    ks.expire_tokens("ow-1")
    assert client.open("POST", "/openapi/photo/start_upload").data["result"] == 100200108
    url = f"{ks.url}/oauth2/refresh_token?"
    params = {"app_id": "ks-app", "app_secret": "secret-ks-app", "refresh_token": client.refresh_token,
              "grant_type": "refresh_token"}
    assert call("GET", url + urllib.parse.urlencode({**params, "app_secret": "wrong"})).data["result"] == 100200101
    assert call("GET", url + urllib.parse.urlencode({**params, "grant_type": "code"})).data["result"] == 100200104
    fresh = call("GET", url + urllib.parse.urlencode(params)).data
    assert fresh["result"] == 1 and fresh["expires_in"] == 172800 and fresh["refresh_token"] != client.refresh_token
    assert 0 < fresh["refresh_token_expires_in"] <= 15552000
    # the old refresh_token is void ("同时废弃掉老的refresh_token"); the new access token works
    assert call("GET", url + urllib.parse.urlencode(params)).data["result"] == 100200102
    client.access = fresh["access_token"]
    assert client.open("POST", "/openapi/photo/start_upload").data["result"] == 1
    ks.expire_refresh_token("ow-1")
    again = {**params, "refresh_token": fresh["refresh_token"]}
    assert call("GET", url + urllib.parse.urlencode(again)).data["result"] == 100200113
    ks.revoke("ow-1")
    assert client.open("GET", "/openapi/photo/list").data["result"] == 100200109


def test_malformed_requests_are_refused_as_documented(ks: KuaishouFakeServer) -> None:
    client = Client(ks)
    assert call("POST", f"{ks.url}/openapi/photo/start_upload").data["result"] == 100200100  # no app_id/token
    other_app = call("POST", f"{ks.url}/openapi/photo/start_upload?app_id=other&access_token={client.access}")
    assert other_app.data["result"] == 100200101
    assert call("POST", f"{ks.url}/openapi/photo/start_upload?app_id=ks-app&access_token=nope").data["result"] == 100200102
    assert client.open("GET", "/openapi/photo/start_upload").data["result"] == 100400  # wrong method
    token, endpoint = client.start()
    assert client.publish(token).data["result"] == 120002  # nothing uploaded yet
    assert client.raw("POST", f"http://{endpoint}/api/upload?upload_token=unknown", MP4)["result"] == 100400
    body, kind = b"--x\r\nContent-Disposition: form-data; name=\"file\"; filename=\"v.mp4\"\r\n\r\n" + MP4 + b"\r\n--x--\r\n", \
        "multipart/form-data; boundary=x"
    assert client.raw("POST", f"http://{endpoint}/api/upload?upload_token={token}", body, kind)["result"] == 100400
    assert client.raw("POST", f"http://{endpoint}/api/upload/multipart?upload_token={token}", body, kind) == {"result": 1}
    assert client.publish(token, cover=None).data["result"] == 100400  # cover is required
    assert client.publish(token, cover=b"GIF89a....").data["result"] == 100400  # cover must be JPG/PNG
    assert client.publish(token, stereo_type="3D").data["result"] == 100400
    plain = call("POST", f"{ks.url}/openapi/photo/publish?app_id=ks-app&access_token={client.access}&upload_token={token}",
                 form={"caption": "x"})
    assert plain.data["result"] == 100400  # not multipart
    assert client.publish(token, cover=PNG).data["result"] == 1
    assert client.open("GET", "/openapi/photo/list", count="500").data["result"] == 100400
    assert client.open("GET", "/openapi/photo/list", cursor="unknown").data["result"] == 100400
    ks.set_limits(direct_bytes=1000)
    token2, _ = client.start()
    assert client.upload(token2, endpoint)["result"] == 100400  # above the direct-upload limit
    not_mp4, _ = client.start()
    client.upload(not_mp4, endpoint, b"plain text, not a video")
    assert client.publish(not_mp4).data["result"] == 120003


def test_rate_limit_refusal_and_duplicates_are_visible(ks: KuaishouFakeServer) -> None:
    client = Client(ks)
    ks.rate_limit("ow-1", calls=1, path="/openapi/photo/start_upload")
    assert client.open("POST", "/openapi/photo/start_upload").data == {"result": 400002, "error_msg": "api限速"}
    token, endpoint = client.start()
    client.upload(token, endpoint)
    ks.refuse_content("ow-1", words=["违规"])
    refused = client.publish(token, caption="含违规词的标题").data
    assert refused["result"] == 120003 and "审核" in refused["error_msg"]
    assert client.publish(token).data["result"] == 1
    assert client.publish(token).data["result"] == 1  # the same upload_token again: a second work
    state = ks.state()
    assert state["reused_upload_tokens"][0]["publishes"] == 2
    assert {"open_id": "ow-1", "caption": "县里新闻 #示例县#", "count": 2} in state["duplicate_publishes"]


def test_control_api_over_http(ks: KuaishouFakeServer) -> None:
    remote = RemoteKuaishouFake(ks.url)
    tokens = remote.add_account("ow-remote", app_id="ks-app")
    assert tokens["access_token"] == "at-ow-remote"
    photo_id = remote.post("ow-remote", "直接发的一条")
    assert remote.photos("ow-remote")[0]["photo_id"] == photo_id
    remote.add_fault("error", path="/openapi/photo/list", status=502)
    client = Client(ks, "ow-remote")
    assert client.open("GET", "/openapi/photo/list").status == 502
    assert client.open("GET", "/openapi/photo/list").data["video_list"][0]["photo_id"] == photo_id
    remote.reset()
    assert remote.state()["accounts"] == {}


def test_refreshed_tokens_are_recognised_after_a_restart(ks: KuaishouFakeServer) -> None:
    """The demo's sandbox restarts with `rongmei serve`; the tokens a refresh handed out are
    still the same account's (they name it), so a stored pair keeps working."""
    client = Client(ks)
    params = {"app_id": "ks-app", "app_secret": "secret-ks-app", "refresh_token": client.refresh_token,
              "grant_type": "refresh_token"}
    fresh = call("GET", f"{ks.url}/oauth2/refresh_token?" + urllib.parse.urlencode(params)).data
    ks.reset()
    client.access = fresh["access_token"]
    token, endpoint = client.start()
    client.upload(token, endpoint)
    assert client.publish(token).data["result"] == 1 and len(ks.photos("ow-1")) == 1
    again = call("GET", f"{ks.url}/oauth2/refresh_token?" + urllib.parse.urlencode(
        {**params, "refresh_token": fresh["refresh_token"]})).data
    assert again["result"] == 1 and ks.state()["accounts"]["ow-1"]["refreshes"] == 1
