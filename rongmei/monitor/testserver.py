"""A local news site for the monitoring tests and the demo sandbox (standard library only).

    with FixtureServer() as server:          # a free port on 127.0.0.1
        server.add_entry("county", "青山镇道路积水", "昨夜暴雨……")
        source.url = server.url + "/feeds/county.xml"

    python -m rongmei.monitor.testserver --port 8702   # prints {"url": "http://127.0.0.1:8702"}

What it serves (content lives in the object; tests add to it while it runs):

  /robots.txt                       `robots` (default: Disallow: /private/)
  /feeds/<name>.xml                 feed `name` as RSS 2.0 or Atom, UTF-8 or GBK (declared gb2312),
                                    with ETag and Last-Modified; answers 304 to either validator
  /private/<name>.xml               the same feed, where robots.txt forbids it
  /news/                            a list page (GBK, <meta charset=gb2312>): <ul class="news"><li><a>
  /news/<id>.html                   article pages (each in its own charset)
  /api/news.json                    {"code": 0, "data": {"list": [...]}}, ETag/304 too
  /broken/malformed.xml             not a feed at all
  /broken/bad-entry.xml             three items, the middle one without title or text
  /broken/truncated.xml             a feed cut off in its third item
  /broken/not-json                  a JSON endpoint answering HTML
  /redirect/<n>                     n redirects, then the county feed
  /loop/a, /loop/b                  redirecting to each other
  /huge, /huge-declared             HUGE_BYTES streamed in chunks (never built in memory),
                                    without / with Content-Length
  /slow?s=<seconds>                 the county feed after a pause (default 30 s)
  /drip?s=<seconds>                 a feed sent one byte every `s` seconds
  /error/<code>                     that status
  any path added with add_document  its bytes

`requests` lists what was asked (path, monotonic time, headers), for politeness checks.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import html
import json
import sys
import threading
import time
import urllib.parse
from email.utils import format_datetime, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SHANGHAI = dt.timezone(dt.timedelta(hours=8))
HUGE_BYTES = 40 * 1024 * 1024
ROBOTS = "User-agent: *\nDisallow: /private/\n"

_COUNTY = [
    ("示例县召开2026年冬季安全生产工作会议", "12月5日，示例县召开冬季安全生产工作会议，部署道路交通、消防和燃气安全隐患排查整治工作。", "示例县融媒体中心"),
    ("青山镇竹林村茶园迎来冬季管护期", "连日来，青山镇竹林村的茶农忙着给茶树施肥、修剪，为明年春茶丰收打基础。", "示例县融媒体中心"),
    ("城关镇东门社区开展“暖冬行动”走访困难群众", "东门社区工作人员走访辖区困难家庭和独居老人，送去棉被和米油。", "城关镇"),
]
_CITY = [
    ("示例市公布第三批市级非遗代表性项目名录", "示例县白沙乡竹编技艺等入选。", "示例市日报"),
    ("示例市加快推进城乡供水一体化", "2026年底前，示例县等地将实现城乡供水同网同质。", "示例市日报"),
]
_GBK = [
    ("滨江街道望江社区加装电梯工程完工", "望江社区3栋老旧住宅加装电梯工程近日完工，居民上下楼更方便了。", "滨江街道"),
    ("东湖镇渔港村冬捕节开幕", "东湖镇渔港村第五届冬捕节开幕，游客在湖边体验传统捕鱼。", "东湖镇"),
]
_ARTICLES = [
    ("西岭乡云雾村修通产业路", "西岭乡云雾村3.2公里产业路近日完工通车。" * 6, "记者 王磊", "gbk"),
    ("县住建局回应青山镇老旧小区改造进度", "针对群众反映的青山镇老旧小区改造进度问题，县住建局表示，项目将于明年3月底前完工。" * 4, "记者 李娜", "utf-8"),
    ("白沙乡河口村举办农民丰收节", "白沙乡河口村农民丰收节上，村民晒出了自家种植的柑橘、板栗和山茶油。" * 5, "通讯员 赵敏", "gbk"),
]
_JSON = [
    ("网友反映城关镇西街社区夜间施工噪音扰民", "有网友在本地论坛发帖，称西街社区附近工地连续多日夜间施工，噪音扰民。", "本地论坛"),
    ("示例县新增两条城乡公交线路", "示例县交通局消息，12月起新增城关至青山、城关至白沙两条公交线路。", "示例县交通局"),
    ("示例县一中学生获全国青少年科技创新大赛二等奖", "示例县第一中学两名学生的作品获全国青少年科技创新大赛二等奖。", "示例县教育局"),
]


def _http_date(when: dt.datetime) -> str:
    return format_datetime(when.astimezone(dt.UTC), usegmt=True)


def _etag(body: bytes) -> str:
    return '"' + hashlib.sha1(body).hexdigest()[:20] + '"'


class FixtureServer:
    """The site. Start with `start()` (or `with`), stop with `stop()`."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, *, seed: bool = True, now: dt.datetime | None = None):
        self.lock = threading.Lock()
        self.now = now or dt.datetime.now(SHANGHAI).replace(microsecond=0)
        self.robots = ROBOTS
        self.feeds: dict[str, dict] = {}
        self.articles: dict[str, dict] = {}
        self.list_encoding = "gbk"
        self.json_items: list[dict] = []
        self.documents: dict[str, tuple[int, str, bytes, dict]] = {}
        self.requests: list[dict] = []
        self._counter = 0
        self._httpd = ThreadingHTTPServer((host, port), _handler_for(self))
        self._httpd.daemon_threads = True
        self._thread: threading.Thread | None = None
        if seed:
            self._seed()

    # lifecycle ---------------------------------------------------------------------------------------
    @property
    def port(self) -> int:
        return self._httpd.server_address[1]

    @property
    def url(self) -> str:
        return f"http://{self._httpd.server_address[0]}:{self.port}"

    def start(self) -> FixtureServer:
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="monitor-testserver", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def __enter__(self) -> FixtureServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # content -----------------------------------------------------------------------------------------
    def _seed(self) -> None:
        self.add_feed("county", "示例县新闻", kind="rss")
        self.add_feed("city", "示例市新闻", kind="atom")
        self.add_feed("gbk", "滨江资讯", kind="rss", encoding="gbk")
        for n, (title, text, author) in enumerate(_COUNTY):
            self.add_entry("county", title, text, author=author, published=self.now - dt.timedelta(hours=2 + 3 * n))
        for n, (title, text, author) in enumerate(_CITY):
            self.add_entry("city", title, text, author=author, published=self.now - dt.timedelta(hours=5 + 4 * n))
        for n, (title, text, author) in enumerate(_GBK):
            self.add_entry("gbk", title, text, author=author, published=self.now - dt.timedelta(hours=1 + 6 * n))
        for n, (title, text, author, encoding) in enumerate(_ARTICLES):
            self.add_article(title, text, author=author, encoding=encoding, published=self.now - dt.timedelta(hours=3 + 5 * n))
        for n, (title, text, source) in enumerate(_JSON):
            self.add_json_item(title, text, source=source, published=self.now - dt.timedelta(hours=1 + 2 * n))

    def _next(self) -> int:
        self._counter += 1
        return self._counter

    def add_feed(self, name: str, title: str, *, kind: str = "rss", encoding: str = "utf-8") -> dict:
        with self.lock:
            feed = self.feeds.setdefault(name, {"title": title, "kind": kind, "encoding": encoding, "entries": []})
        return feed

    def add_entry(self, feed: str, title: str, text: str = "", *, link: str | None = None,
                  published: dt.datetime | None = None, guid: str | None = None, author: str = "") -> dict:
        """A new entry at the top of `feed` (made if missing, RSS in UTF-8)."""
        self.add_feed(feed, feed)
        with self.lock:
            n = self._next()
            entry = {"title": title, "text": text, "author": author, "guid": guid or f"tag:fixture,{feed}-{n}",
                     "link": link if link is not None else f"{self.url}/feeds/{feed}/{n}.html",
                     "published": published or self.now - dt.timedelta(minutes=n)}
            self.feeds[feed]["entries"].insert(0, entry)
        return entry

    def add_article(self, title: str, text: str, *, author: str = "", encoding: str = "utf-8",
                    published: dt.datetime | None = None, key: str | None = None) -> str:
        """An article page listed first on /news/; returns its URL."""
        with self.lock:
            key = key or str(self._next())
            self.articles = {key: {"title": title, "text": text, "author": author, "encoding": encoding,
                                   "published": published or self.now}, **self.articles}
        return f"{self.url}/news/{key}.html"

    def add_json_item(self, title: str, text: str, *, url: str | None = None, source: str = "",
                      published: dt.datetime | None = None, item_id: str | None = None, area: str = "") -> dict:
        with self.lock:
            n = self._next()
            when = published or self.now
            item = {"id": item_id or f"J{n:05d}", "title": title, "content": text, "source": source, "area": area,
                    "link": url if url is not None else f"{self.url}/api/items/{n}",
                    "pubtime": when.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M:%S")}
            self.json_items.insert(0, item)
        return item

    def add_document(self, path: str, body: bytes | str, content_type: str = "text/html; charset=utf-8", *,
                     status: int = 200, headers: dict | None = None) -> str:
        data = body.encode("utf-8") if isinstance(body, str) else body
        with self.lock:
            self.documents[path] = (status, content_type, data, headers or {})
        return self.url + path

    # rendering ---------------------------------------------------------------------------------------
    def feed_document(self, name: str) -> tuple[str, bytes, dt.datetime]:
        with self.lock:
            feed = self.feeds[name]
            entries = [dict(e) for e in feed["entries"]]
        latest = max((e["published"] for e in entries), default=self.now)
        gbk = feed["encoding"].lower() in ("gbk", "gb2312", "gb18030")
        declared = "gb2312" if gbk else "utf-8"
        e = html.escape
        if feed["kind"] == "atom":
            items = "".join(
                f"<entry><title>{e(x['title'])}</title><id>{e(x['guid'])}</id><link href=\"{e(x['link'])}\"/>"
                f"<updated>{x['published'].isoformat()}</updated><author><name>{e(x['author'])}</name></author>"
                f"<summary type=\"html\">{e('<p>' + e(x['text']) + '</p>')}</summary></entry>" for x in entries)
            text = (f'<?xml version="1.0" encoding="{declared}"?>\n<feed xmlns="http://www.w3.org/2005/Atom">'
                    f"<title>{e(feed['title'])}</title><id>tag:fixture,{e(name)}</id><updated>{latest.isoformat()}</updated>"
                    f"{items}</feed>")
            content_type = "application/atom+xml"
        else:
            items = "".join(
                f"<item><title>{e(x['title'])}</title><link>{e(x['link'])}</link><guid>{e(x['guid'])}</guid>"
                f"<pubDate>{_http_date(x['published'])}</pubDate><author>{e(x['author'])}</author>"
                f"<description>{e('<p>' + e(x['text']) + '</p>')}</description></item>" for x in entries)
            text = (f'<?xml version="1.0" encoding="{declared}"?>\n<rss version="2.0"><channel>'
                    f"<title>{e(feed['title'])}</title><link>{self.url}/</link><description>{e(feed['title'])}</description>"
                    f"{items}</channel></rss>")
            content_type = "application/rss+xml"
        # GBK feeds say charset only in the XML declaration, as many Chinese sites do.
        body = text.encode("gb18030") if gbk else text.encode("utf-8")
        return (content_type if gbk else content_type + "; charset=utf-8"), body, latest

    def list_page(self) -> tuple[str, bytes]:
        with self.lock:
            articles = list(self.articles.items())
        e = html.escape
        rows = "".join(f'<li><a href="/news/{e(k)}.html">{e(a["title"])}</a><span>{a["published"]:%Y-%m-%d}</span></li>'
                       for k, a in articles)
        page = (f'<!DOCTYPE html><html><head><meta charset="{"gb2312" if self.list_encoding == "gbk" else "utf-8"}">'
                f'<title>示例县新闻网 - 本地新闻</title></head><body><div class="nav"><a href="/">首页</a>'
                f'<a href="/about.html">关于我们</a></div><ul class="news">{rows}</ul>'
                f'<div class="footer"><a href="mailto:news@example.cn">联系我们</a></div></body></html>')
        encoding = "gb18030" if self.list_encoding == "gbk" else "utf-8"
        return "text/html", page.encode(encoding)  # no charset in the header: the meta says it

    def article_page(self, key: str) -> tuple[str, bytes] | None:
        with self.lock:
            a = self.articles.get(key)
        if a is None:
            return None
        e = html.escape
        gbk = a["encoding"] == "gbk"
        paragraphs = "".join(f"<p>{e(p)}</p>" for p in a["text"].split("\n") if p.strip())
        page = (f'<!DOCTYPE html><html><head><meta http-equiv="Content-Type" content="text/html; '
                f'charset={"gb2312" if gbk else "utf-8"}"><title>{e(a["title"])}_示例县新闻网</title>'
                f'<meta name="author" content="{e(a["author"])}">'
                f'<meta property="article:published_time" content="{a["published"].isoformat()}"></head>'
                f'<body><div class="nav"><a href="/">首页</a></div><article><h1>{e(a["title"])}</h1>'
                f'<p class="info">{a["published"]:%Y-%m-%d %H:%M} 来源：示例县新闻网 {e(a["author"])}</p>'
                f'{paragraphs}</article><div class="footer">版权所有 示例县新闻网</div></body></html>')
        return "text/html", page.encode("gb18030" if gbk else "utf-8")

    def json_document(self) -> bytes:
        with self.lock:
            items = [dict(i) for i in self.json_items]
        return json.dumps({"code": 0, "msg": "ok", "data": {"total": len(items), "list": items}},
                          ensure_ascii=False).encode("utf-8")


def _handler_for(server: FixtureServer):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "FixtureNews/1.0"

        def log_message(self, format, *args):  # quiet
            pass

        def _send(self, status: int, body: bytes = b"", content_type: str = "text/plain; charset=utf-8",
                  headers: dict | None = None) -> None:
            self.send_response(status)
            if status != 304:
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.send_header("Connection", "close")
            self.end_headers()
            if status != 304 and self.command != "HEAD":
                try:
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass
            self.close_connection = True

        def _conditional(self, content_type: str, body: bytes, modified: dt.datetime | None) -> None:
            tag = _etag(body)
            headers = {"ETag": tag}
            if modified is not None:
                headers["Last-Modified"] = _http_date(modified)
            match = self.headers.get("If-None-Match")
            since = self.headers.get("If-Modified-Since")
            if match is not None:
                if tag in [m.strip() for m in match.split(",")] or match.strip() == "*":
                    return self._send(304, headers=headers)
            elif since and modified is not None:
                try:
                    if modified.replace(microsecond=0) <= parsedate_to_datetime(since):
                        return self._send(304, headers=headers)
                except (TypeError, ValueError):
                    pass
            return self._send(200, body, content_type, headers)

        def _stream(self, total: int, declare: bool) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/rss+xml; charset=utf-8")
            if declare:
                self.send_header("Content-Length", str(total))
            self.send_header("Connection", "close")
            self.end_headers()
            chunk = (b"<!-- " + "填充内容".encode() * 4000 + b" -->\n")[:65536]
            sent = 0
            try:
                self.wfile.write(b'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>')
                while sent < total:
                    piece = chunk[: total - sent]
                    self.wfile.write(piece)
                    sent += len(piece)
            except (BrokenPipeError, ConnectionResetError, OSError):
                pass
            self.close_connection = True

        def do_GET(self):
            parts = urllib.parse.urlsplit(self.path)
            path, query = parts.path, urllib.parse.parse_qs(parts.query)
            with server.lock:
                server.requests.append({"path": self.path, "time": time.monotonic(), "headers": dict(self.headers)})
                document = server.documents.get(path)
            if document is not None:
                status, content_type, body, headers = document
                return self._send(status, body, content_type, headers)
            if path == "/robots.txt":
                return self._send(200, server.robots.encode("utf-8"))
            for prefix in ("/feeds/", "/private/"):
                if path.startswith(prefix) and path.endswith(".xml"):
                    name = path[len(prefix):-4]
                    if name in server.feeds:
                        content_type, body, latest = server.feed_document(name)
                        return self._conditional(content_type, body, latest)
            if path == "/news/" or path == "/news":
                content_type, body = server.list_page()
                return self._conditional(content_type, body, None)
            if path.startswith("/news/") and path.endswith(".html"):
                page = server.article_page(path[len("/news/"):-5])
                if page is not None:
                    return self._send(200, page[1], page[0])
            if path == "/api/news.json":
                return self._conditional("application/json; charset=utf-8", server.json_document(), None)
            if path == "/broken/malformed.xml":
                return self._send(200, "<html><body><h1>维护中</h1><p>本站正在升级 <<< >>> &&& </p>".encode()
                                  + b"\xff\xfe\x00", "application/rss+xml")
            if path == "/broken/bad-entry.xml":
                body = ('<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>坏条目</title>'
                        f'<item><title>县医院开通夜间门诊</title><link>{server.url}/bad/1</link><guid>bad-1</guid>'
                        '<description>县人民医院即日起开通夜间门诊。</description></item>'
                        f'<item><title></title><link>{server.url}/bad/2</link><guid>bad-2</guid><description></description></item>'
                        f'<item><title>县图书馆延长开放时间</title><link>{server.url}/bad/3</link><guid>bad-3</guid>'
                        '<description>县图书馆周末开放至晚上九点。</description></item></channel></rss>')
                return self._send(200, body.encode("utf-8"), "application/rss+xml; charset=utf-8")
            if path == "/broken/truncated.xml":
                body = ('<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>被截断的订阅</title>'
                        f'<item><title>县城区新增停车泊位300个</title><link>{server.url}/cut/1</link>'
                        '<description>城管局在城区新施划停车泊位300个。</description></item>'
                        f'<item><title>示例县启动冬季献血活动</title><link>{server.url}/cut/2</link>'
                        '<description>县中心血站启动冬季献血活动。</description></item>'
                        f'<item><title>县里开展消防演练</title><link>{server.url}/cut/3</li')
                return self._send(200, body.encode("utf-8"), "application/rss+xml; charset=utf-8")
            if path == "/broken/not-json":
                return self._send(200, "<html><body>接口维护中</body></html>".encode(), "text/html; charset=utf-8")
            if path.startswith("/redirect/"):
                tail = path[len("/redirect/"):]
                if tail.isdigit():
                    n = int(tail)
                    where = "/feeds/county.xml" if n <= 1 else f"/redirect/{n - 1}"
                    return self._send(302, b"", headers={"Location": where})
            if path in ("/loop/a", "/loop/b"):
                return self._send(302, b"", headers={"Location": "/loop/b" if path == "/loop/a" else "/loop/a"})
            if path in ("/huge", "/huge-declared"):
                return self._stream(int(query.get("bytes", [HUGE_BYTES])[0]), declare=path == "/huge-declared")
            if path == "/slow":
                time.sleep(float(query.get("s", ["30"])[0]))
                content_type, body, latest = server.feed_document("county")
                return self._send(200, body, content_type)
            if path == "/drip":
                pause = float(query.get("s", ["1"])[0])
                content_type, body, latest = server.feed_document("county")
                self.send_response(200)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                try:
                    for i in range(len(body)):
                        self.wfile.write(body[i:i + 1])
                        self.wfile.flush()
                        time.sleep(pause)
                except (BrokenPipeError, ConnectionResetError, OSError):
                    pass
                self.close_connection = True
                return None
            if path.startswith("/error/") and path[7:].isdigit():
                code = int(path[7:])
                return self._send(code, f"错误 {code}".encode())
            return self._send(404, "没有这个页面".encode())

    return Handler


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="舆情监测的本地测试新闻站（订阅、网页、JSON 接口和各种坏情况）")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args(argv)
    server = FixtureServer(args.host, args.port)
    print(json.dumps({"url": server.url}), flush=True)
    try:
        server._httpd.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server._httpd.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
