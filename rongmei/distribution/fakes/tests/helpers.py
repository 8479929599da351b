"""Small HTTP clients for the fake-server tests (standard library only, like a plain adapter)."""

from __future__ import annotations

import json
import secrets
import struct
import urllib.error
import urllib.parse
import urllib.request
import zlib
from dataclasses import dataclass
from typing import Any


def _png(width: int = 1, height: int = 1) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    raw = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


PNG = _png()
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 64 + b"\xff\xd9"
GIF = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
BMP = b"BM" + b"\x00" * 60


def multipart(fields: dict[str, str], files: dict[str, tuple[str, str, bytes]]) -> tuple[bytes, str]:
    """(body, content type) for a multipart/form-data request; files: name -> (filename, type, data)."""
    boundary = "----fake" + secrets.token_hex(8)
    parts: list[bytes] = []
    for name, value in fields.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
                     + value.encode("utf-8") + b"\r\n")
    for name, (filename, content_type, data) in files.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                     f"Content-Type: {content_type}\r\n\r\n".encode() + data + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


@dataclass
class Answer:
    status: int
    data: Any
    body: bytes


def call(method: str, url: str, *, json_body: Any = None, form: dict[str, str] | None = None,
         files: dict[str, tuple[str, str, bytes]] | None = None, headers: dict[str, str] | None = None,
         timeout: float = 10.0) -> Answer:
    """One HTTP call; a JSON answer is parsed into ``data`` (else ``data`` is None)."""
    body: bytes | None = None
    all_headers = dict(headers or {})
    if files is not None:
        body, all_headers["Content-Type"] = multipart(form or {}, files)
    elif form is not None:
        body = urllib.parse.urlencode(form).encode()
        all_headers["Content-Type"] = "application/x-www-form-urlencoded"
    elif json_body is not None:
        body = json.dumps(json_body, ensure_ascii=False).encode("utf-8")
        all_headers["Content-Type"] = "application/json"
    request = urllib.request.Request(url, data=body, method=method, headers=all_headers)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:
            status, raw = answer.status, answer.read()
    except urllib.error.HTTPError as exc:
        status, raw = exc.code, exc.read()
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        data = None
    return Answer(status, data, raw)


class WeChatClient:
    """The calls a WeChat adapter makes, one method each."""

    def __init__(self, base: str, appid: str, secret: str | None = None) -> None:
        self.base = base
        self.appid = appid
        self.secret = secret if secret is not None else "secret-" + appid
        self.token = ""

    def get_token(self) -> Answer:
        query = urllib.parse.urlencode({"grant_type": "client_credential", "appid": self.appid,
                                        "secret": self.secret})
        answer = call("GET", f"{self.base}/cgi-bin/token?{query}")
        if answer.data and "access_token" in answer.data:
            self.token = answer.data["access_token"]
        return answer

    def url(self, path: str, **query: str) -> str:
        return f"{self.base}{path}?" + urllib.parse.urlencode({"access_token": self.token, **query})

    def post(self, path: str, payload: Any, timeout: float = 10.0, **query: str) -> Answer:
        return call("POST", self.url(path, **query), json_body=payload, timeout=timeout)

    def upload(self, path: str, data: bytes, filename: str = "a.png", content_type: str = "image/png",
               **query: str) -> Answer:
        return call("POST", self.url(path, **query), files={"media": (filename, content_type, data)})

    def add_cover(self) -> str:
        answer = self.upload("/cgi-bin/material/add_material", PNG, type="image")
        assert "media_id" in answer.data, answer.data
        return str(answer.data["media_id"])

    def article(self, title: str = "县里新闻", **extra: Any) -> dict[str, Any]:
        return {"title": title, "author": "记者", "digest": "摘要", "content": "<p>正文</p>",
                "content_source_url": "https://news.example.cn/a/1", "thumb_media_id": extra.pop("thumb", None)
                or self.add_cover(), "need_open_comment": 0, "only_fans_can_comment": 0, **extra}

    def add_draft(self, title: str = "县里新闻", **extra: Any) -> Answer:
        return self.post("/cgi-bin/draft/add", {"articles": [self.article(title, **extra)]})

    def submit(self, media_id: str, timeout: float = 10.0) -> Answer:
        return self.post("/cgi-bin/freepublish/submit", {"media_id": media_id}, timeout=timeout)

    def publish_status(self, publish_id: str) -> Answer:
        return self.post("/cgi-bin/freepublish/get", {"publish_id": publish_id})

    def publish(self, title: str = "县里新闻") -> str:
        """Token (if needed), cover, draft, submit → publish_id."""
        if not self.token:
            self.get_token()
        draft = self.add_draft(title)
        assert "media_id" in draft.data, draft.data
        submitted = self.submit(draft.data["media_id"])
        assert submitted.data["errcode"] == 0, submitted.data
        return str(submitted.data["publish_id"])


class WeiboClient:
    """The calls a Weibo adapter makes."""

    def __init__(self, base: str, account: str, token: str | None = None) -> None:
        self.base = base
        self.account = account
        self.token = token if token is not None else "token-" + account

    def share(self, status: str, *, pic: bytes | None = None, rip: str | None = "10.1.2.3",
              timeout: float = 10.0) -> Answer:
        form = {"access_token": self.token, "status": status}
        if rip is not None:
            form["rip"] = rip
        files = {"pic": ("p.png", "image/png", pic)} if pic is not None else None
        return call("POST", f"{self.base}/2/statuses/share.json", form=form, files=files, timeout=timeout)

    def destroy(self, status_id: int | str) -> Answer:
        return call("POST", f"{self.base}/2/statuses/destroy.json",
                    form={"access_token": self.token, "id": str(status_id)})

    def show(self, status_id: int | str) -> Answer:
        query = urllib.parse.urlencode({"access_token": self.token, "id": str(status_id)})
        return call("GET", f"{self.base}/2/statuses/show.json?{query}")
