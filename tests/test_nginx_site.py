"""Our production nginx sample (deploy/nginx/rongmei-site.conf), run by a real nginx against a
docroot written by hand: articles, a taken-down article (410 with its notice), the feed, the
home page, and what is handed to the app. The "app" is a tiny HTTP server that says which
path it was asked for, so a rewrite that leaks into the proxied URI shows. No Django."""

from __future__ import annotations

from http.server import BaseHTTPRequestHandler

import pytest

from rongmei.testing.live import http_get
from rongmei.testing.nginx import nginx_binary, sample_in_front_of

pytestmark = pytest.mark.slow

ARTICLE = "<!doctype html><title>县城新闻</title><p>第十二篇稿件正文。</p>\n"
GONE = "<!doctype html><title>已撤稿</title><p>该稿件已于今日撤稿。</p>\n"
HOME = "<!doctype html><title>示例县融媒体中心</title><p>首页</p>\n"
FEED = '<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel><title>示例县</title></channel></rss>\n'
OWN_DOMAIN = "www.example.gov.cn"  # the sample's first server (a center on its own domain)
APP_POLICY = "default-src 'self'; script-src 'self'"


class FakeApp(BaseHTTPRequestHandler):
    def do_GET(self):
        body = f"app saw {self.path}".encode()
        self.send_response(404)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        if "csp=app" in self.path:  # as Django does: nginx must not add a second policy
            self.send_header("Content-Security-Policy", APP_POLICY)
            self.send_header("X-Frame-Options", "SAMEORIGIN")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    if nginx_binary() is None:
        pytest.skip("nginx is not installed (Debian package `nginx`; `make test` installs it)")
    var_dir = tmp_path_factory.mktemp("var")
    demo = var_dir / "sites" / "demo"
    (demo / "news" / "12").mkdir(parents=True)
    (demo / "news" / "12" / "index.html").write_text(ARTICLE)
    (demo / "news" / "13").mkdir(parents=True)
    (demo / "news" / "13" / "410.html").write_text(GONE)
    (demo / "news" / "14").mkdir(parents=True)  # both (never left so by publishing): the page wins
    (demo / "news" / "14" / "index.html").write_text(ARTICLE)
    (demo / "news" / "14" / "410.html").write_text(GONE)
    (demo / "index.html").write_text(HOME)
    (demo / "feed.xml").write_text(FEED)

    with sample_in_front_of(FakeApp, var_dir, tmp_path_factory.mktemp("nginx")) as nginx:
        yield nginx


def get(site, path, host=None):
    status, headers, body = http_get(site.url + path, headers={"Host": host} if host else None)
    return status, {k.lower(): v for k, v in headers.items()}, body.decode()


def test_article_is_served_from_its_folder(site):
    status, headers, body = get(site, "/site/demo/news/12/")
    assert status == 200, body
    assert body == ARTICLE
    assert headers["content-type"].startswith("text/html")
    assert "max-age=60" in headers.get("cache-control", "")


def test_taken_down_article_answers_410_with_its_notice(site):
    status, _, body = get(site, "/site/demo/news/13/")
    assert status == 410
    assert body == GONE


def test_a_page_wins_over_a_notice_as_in_the_embedded_mode(site):
    assert get(site, "/site/demo/news/14/")[::2] == (200, ARTICLE)
    assert get(site, "/news/14/", OWN_DOMAIN)[::2] == (200, ARTICLE)


def test_unknown_article_goes_to_the_app_with_its_own_path(site):
    status, _, body = get(site, "/site/demo/news/99/")
    assert status != 200
    assert body == "app saw /site/demo/news/99/"


def test_search_goes_to_the_app(site):
    assert get(site, "/site/demo/search/?q=%E9%98%B2%E6%B1%9B")[2].startswith("app saw /site/demo/search/?q=")


def test_feed_is_xml(site):
    status, headers, body = get(site, "/site/demo/feed.xml")
    assert status == 200
    assert "xml" in headers["content-type"]
    assert body == FEED


def test_site_root_is_its_index(site):
    status, _, body = get(site, "/site/demo/")
    assert (status, body) == (200, HOME)


def test_the_same_rules_on_a_centers_own_domain(site):
    assert get(site, "/", OWN_DOMAIN)[::2] == (200, HOME)
    assert get(site, "/news/12/", OWN_DOMAIN)[::2] == (200, ARTICLE)
    assert get(site, "/news/13/", OWN_DOMAIN)[::2] == (410, GONE)
    status, headers, body = get(site, "/feed.xml", OWN_DOMAIN)
    assert status == 200 and "xml" in headers["content-type"]
    # what the files cannot answer goes to the app under the center's /site/<slug>/ path
    assert get(site, "/news/99/", OWN_DOMAIN)[::2] == (404, "app saw /site/demo/news/99/")
    assert get(site, "/search/?q=x", OWN_DOMAIN)[2] == "app saw /site/demo/search/?q=x"
    assert get(site, "/wenzheng/ask/", OWN_DOMAIN)[2] == "app saw /site/demo/wenzheng/ask/"


def test_wenzheng_goes_to_the_app(site):
    assert get(site, "/site/demo/wenzheng/")[2] == "app saw /site/demo/wenzheng/"


def _all_headers(site, path, host=None):
    import urllib.error
    import urllib.request

    request = urllib.request.Request(site.url + path, headers={"Host": host} if host else {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.headers
    except urllib.error.HTTPError as exc:
        return exc.headers


@pytest.mark.parametrize("path,host", [("/site/demo/news/12/", None), ("/site/demo/", None),
                                       ("/site/demo/news/13/", None), ("/news/12/", OWN_DOMAIN),
                                       ("/feed.xml", OWN_DOMAIN), ("/news/13/", OWN_DOMAIN)])
def test_files_nginx_serves_carry_the_security_headers(site, path, host):
    """The pre-rendered pages (and 410 notices) never pass through Django: nginx adds the
    same Content-Security-Policy and frame, sniffing and referrer headers."""
    from csp.utils import build_policy

    from rongmei.core.tests.test_csp import directives

    headers = _all_headers(site, path, host)
    policies = headers.get_all("Content-Security-Policy") or []
    assert len(policies) == 1 and directives(policies[0]) == directives(build_policy())
    assert headers.get_all("X-Frame-Options") == ["SAMEORIGIN"]
    assert headers.get_all("X-Content-Type-Options") == ["nosniff"]
    assert headers.get_all("Referrer-Policy") == ["same-origin"]


def test_the_apps_own_headers_are_not_doubled(site):
    headers = _all_headers(site, "/site/demo/search/?q=x&csp=app")
    assert headers.get_all("Content-Security-Policy") == [APP_POLICY]
    assert headers.get_all("X-Frame-Options") == ["SAMEORIGIN"]
