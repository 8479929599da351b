"""The demo's sandbox news sources: the stories of `demo_content` as an RSS feed, an Atom
feed, a web list page with article pages, and a JSON data feed, as a news site and a bought
monitoring service would serve them. `rongmei serve` (RONGMEI_SANDBOX=1) serves these on
`sandbox_port + 2`; `rongmei.monitor.demo` loads the same stories through the pipeline with
the same addresses, so a fetch of a sandbox source finds them again as duplicates and brings
in only the FRESH ones.

Standard library only: `documents(base_url, now)` maps a path to (content type, bytes);
`serve(port)` puts them on the fetch part's fixture site (`rongmei.monitor.testserver`)."""

from __future__ import annotations

import datetime as dt
import hashlib
import html
import json
from email.utils import format_datetime
from zoneinfo import ZoneInfo

from rongmei.monitor import demo_content

SHANGHAI = ZoneInfo("Asia/Shanghai")
FEED_DAYS = 3  # how far back the feeds reach (a real feed holds its latest entries only)


def published_at(now: dt.datetime, days: int, hour: int, later_hours: float = 0, spread: int = 0) -> dt.datetime:
    """`days` ago at `hour` o'clock in Asia/Shanghai, plus `later_hours`; never later than now.
    Today's stories are written for 8:00–16:00: when the demo is loaded earlier in the day
    they are fitted between midnight and now, so 今日 keeps its shape instead of piling up in
    the last minutes."""
    local = now.astimezone(SHANGHAI)
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
    minutes = (7 * spread) % 60
    when = midnight - dt.timedelta(days=days) + dt.timedelta(hours=hour + later_hours, minutes=minutes)
    latest = local - dt.timedelta(minutes=15 + spread % 40)
    if days == 0 and when > latest:
        share = min(max(hour + later_hours + minutes / 60 - 7, 0) / 10, 1)  # 7:00 → 0, 17:00 → 1
        when = midnight + (latest - midnight) * share
    return min(when, latest)


def story_entries(base_url: str, now: dt.datetime) -> list[dict]:
    """Every demo story and its reposts: id, source (key), title, text, author, url, published."""
    out = []
    for n, (key, days, hour, source, author, title, text, reposts) in enumerate(demo_content.STORIES):
        out.append({"id": key, "source": source, "title": title, "text": text, "author": author,
                    "url": f"{base_url}/demo/news/{key}.html", "published": published_at(now, days, hour, spread=n)})
        for r, (repost_source, later, how) in enumerate(reposts, 1):
            r_title, r_text = demo_content.edited(text, title, how, n + r)
            out.append({"id": f"{key}-r{r}", "source": repost_source, "title": r_title, "text": r_text,
                        "author": _author(repost_source), "url": f"{base_url}/demo/news/{key}-r{r}.html",
                        "published": published_at(now, days, hour, later, spread=n + r)})
    # The center's own site: the portal demo's published stories, as its RSS feed lists them.
    from rongmei.portal import demo_content as site

    for n, story in enumerate(site.STORIES):
        if story.get("status") != "signed_off" or story.get("days_ago", 0) > 13:
            continue
        text = _plain(story.get("body_html", "")) or story.get("summary", "")
        out.append({"id": f"site-{story['key']}", "source": "county_rss", "title": story["headline"], "text": text,
                    "author": "示例县融媒体中心", "url": f"{base_url}/demo/news/site-{story['key']}.html",
                    "published": published_at(now, story["days_ago"], 8 + n % 10, spread=n)})
    return out


def _plain(body_html: str) -> str:
    import re

    paragraphs = re.split(r"</(?:p|blockquote|h[1-6]|li)>", body_html)
    return "\n".join(p for p in (html.unescape(re.sub(r"<[^>]+>", "", p)).strip() for p in paragraphs) if p)


def fresh_entries(base_url: str, now: dt.datetime) -> list[dict]:
    return [{"id": key, "source": source, "title": title, "text": text, "author": author,
             "url": f"{base_url}/demo/news/{key}.html",
             "published": now.astimezone(SHANGHAI) - dt.timedelta(minutes=5 + 9 * n)}
            for n, (key, source, author, title, text) in enumerate(demo_content.FRESH)]


def _author(source_key: str) -> str:
    return {"county_rss": "示例县融媒体中心", "city_atom": "示例市日报", "province_web": "示例省新闻网",
            "central_rss": "中央媒体地方频道", "forum_json": "网友转帖"}.get(source_key, "")


def _esc(text: str) -> str:
    return html.escape(text, quote=True)


def _rss(title: str, entries: list[dict], base_url: str) -> bytes:
    rows = "".join(
        f"<item><title>{_esc(e['title'])}</title><link>{_esc(e['url'])}</link>"
        f"<guid isPermaLink=\"false\">demo-{_esc(e['id'])}</guid><author>{_esc(e['author'])}</author>"
        f"<pubDate>{format_datetime(e['published'])}</pubDate><description>{_esc(e['text'])}</description></item>"
        for e in entries)
    return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>{_esc(title)}</title>'
            f"<link>{_esc(base_url)}/demo/</link><description>{_esc(title)}</description>{rows}</channel></rss>").encode()


def _atom(title: str, entries: list[dict], base_url: str, now: dt.datetime) -> bytes:
    rows = "".join(
        f"<entry><title>{_esc(e['title'])}</title><link href=\"{_esc(e['url'])}\"/><id>urn:demo:{_esc(e['id'])}</id>"
        f"<author><name>{_esc(e['author'])}</name></author><updated>{e['published'].isoformat()}</updated>"
        f"<summary>{_esc(e['text'])}</summary></entry>"
        for e in entries)
    return (f'<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>{_esc(title)}</title>'
            f"<id>urn:demo:{_esc(title)}</id><updated>{now.astimezone(SHANGHAI).isoformat()}</updated>{rows}</feed>").encode()


def _page(title: str, body: str) -> bytes:
    return (f'<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>{_esc(title)}</title></head>'
            f"<body>{body}</body></html>").encode()


def _article(e: dict) -> bytes:
    paragraphs = "".join(f"<p>{_esc(s)}</p>" for s in e["text"].replace("。", "。\n").split("\n") if s.strip())
    return _page(e["title"], f"<header><a href=\"/demo/province/\">示例省新闻网</a></header><article><h1>{_esc(e['title'])}</h1>"
                              f"<p class=\"meta\">{e['published'].strftime('%Y-%m-%d %H:%M')} 来源：{_esc(e['author'])}</p>"
                              f"{paragraphs}</article><footer>示例省新闻网（演示沙箱）</footer>")


def documents(base_url: str, now: dt.datetime) -> dict[str, tuple[str, bytes]]:
    """path -> (content type, body) for everything the sandbox news server answers."""
    entries = story_entries(base_url, now) + fresh_entries(base_url, now)
    recent = now - dt.timedelta(days=FEED_DAYS)
    by_source: dict[str, list[dict]] = {}
    for e in sorted(entries, key=lambda e: e["published"], reverse=True):
        if e["published"] >= recent:
            by_source.setdefault(e["source"], []).append(e)
    docs: dict[str, tuple[str, bytes]] = {}
    names = {key: name for key, name, *_ in demo_content.SOURCES}
    rss = "application/rss+xml; charset=utf-8"
    docs["/demo/rss.xml"] = (rss, _rss(names["county_rss"], by_source.get("county_rss", []), base_url))
    docs["/demo/central.xml"] = (rss, _rss(names["central_rss"], by_source.get("central_rss", []), base_url))
    docs["/demo/atom.xml"] = ("application/atom+xml; charset=utf-8",
                              _atom(names["city_atom"], by_source.get("city_atom", []), base_url, now))
    links = "".join(f"<li><a href=\"{_esc(e['url'])}\">{_esc(e['title'])}</a> <span>{e['published'].strftime('%m-%d')}</span></li>"
                    for e in by_source.get("province_web", []))
    docs["/demo/province/"] = ("text/html; charset=utf-8",
                               _page("示例省新闻网 · 市县新闻", f"<h1>市县新闻</h1><ul class=\"news-list\">{links}</ul>"))
    rows = [{"id": e["id"], "title": e["title"], "content": e["text"], "link": e["url"],
             "pubtime": e["published"].strftime("%Y-%m-%d %H:%M:%S"), "source": e["author"]}
            for e in by_source.get("forum_json", [])]
    docs["/demo/api/feed.json"] = ("application/json; charset=utf-8",
                                   json.dumps({"code": 0, "data": {"list": rows}}, ensure_ascii=False).encode())
    for e in entries:
        docs[f"/demo/news/{e['id']}.html"] = ("text/html; charset=utf-8", _article(e))
    docs["/robots.txt"] = ("text/plain; charset=utf-8", b"User-agent: *\nAllow: /\n")
    return docs


def refresh(server) -> None:
    """Put the current `documents` on `server` (a `testserver.FixtureServer`)."""
    now = dt.datetime.now(dt.UTC).replace(second=0, microsecond=0)
    for path, (content_type, body) in documents(server.url, now).items():
        if path == "/robots.txt":
            server.robots = body.decode()
            continue
        server.add_document(path, body, content_type, headers={"ETag": '"' + hashlib.sha1(body).hexdigest()[:16] + '"'})
    with server.lock:
        server.requests.clear()  # a long-running sandbox keeps no request log


def sandbox(port: int = 0, host: str = "127.0.0.1"):
    """The sandbox news site, filled but not started: the fetch part's fixture news site
    (`testserver.FixtureServer`) without its test fixtures, serving `documents`."""
    from rongmei.monitor.testserver import FixtureServer

    server = FixtureServer(host, port, seed=False)
    refresh(server)
    return server


def serve(port: int, host: str = "127.0.0.1") -> None:
    """Serve the sandbox until stopped, rebuilding the documents every minute (so the FRESH
    stories stay fresh)."""
    import threading

    server = sandbox(port, host)
    stop = threading.Event()

    def every_minute() -> None:
        while not stop.wait(60):
            refresh(server)

    threading.Thread(target=every_minute, daemon=True).start()
    print(json.dumps({"url": server.url}), flush=True)
    try:
        server._httpd.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        stop.set()
        server._httpd.server_close()


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description="演示沙箱新闻源（RSS、Atom、网页列表、JSON 接口）")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--host", default="127.0.0.1")
    args = parser.parse_args()
    serve(args.port, args.host)
