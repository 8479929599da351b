"""The public site and API over real HTTP against the demo server: static pages with ETag
and 304, JSON errors, the beacon's quiet 204."""

from rongmei.testing.live import http_get

BASE = "/api/public/v1"


def test_public_api_over_real_http(demo_server):
    url = demo_server.url
    status, headers, body = http_get(f"{url}{BASE}/demo/columns")
    assert status == 200 and "yaowen" in body.decode()
    assert "Cookie" not in headers.get("Vary", "")  # shared caches may keep public answers
    status, _, body = http_get(f"{url}{BASE}/demo/columns", {"If-None-Match": headers["ETag"]})
    assert status == 304 and body == b""
    status, _, body = http_get(f"{url}{BASE}/nowhere/items")
    assert status == 404 and "没有这个融媒体中心" in body.decode()
    status, _, body = http_get(f"{url}{BASE}/demo/reads?item=1&ch=web", {"User-Agent": "Mozilla/5.0"})
    assert status == 204 and body == b""


def test_static_site_over_real_http(demo_server):
    url = demo_server.url
    status, headers, body = http_get(f"{url}/site/demo/")
    assert status == 200 and "示例县融媒体中心" in body.decode() and headers.get("ETag")
    assert "Cookie" not in headers.get("Vary", "") and "Set-Cookie" not in headers
    status, _, _ = http_get(f"{url}/site/demo/", {"If-None-Match": headers["ETag"]})
    assert status == 304
    status, headers, body = http_get(f"{url}/site/demo/feed.xml")
    assert status == 200 and "xml" in headers["Content-Type"] and b"<rss" in body
    status, _, body = http_get(f"{url}/site/demo/news/999999/")
    assert status == 404 and "没有找到这个稿件" in body.decode()
