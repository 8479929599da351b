"""Static publishing: publish, correct and take down change the files atomically; the
embedded server answers them (ETag/304, 410 with the notice); feeds parse."""

import os
import threading

import feedparser
import pytest

from rongmei.distribution import outbox, services
from rongmei.distribution.models import ChannelAccount
from rongmei.distribution.tests.conftest import resign
from rongmei.portal import publishing


def deliver_all():
    for message in outbox.claim("w", limit=50):
        outbox.process(message, "w")


@pytest.fixture
def site(demo):
    return ChannelAccount.objects.get(center=demo["demo"], kind="own_site")


def _published(signed_story, operator, site):
    services.publish(story=signed_story, user=operator, account_ids=[site.pk])
    deliver_all()
    return publishing.docroot(signed_story.center)


def test_publish_writes_article_home_column_feeds_and_sitemap(demo, signed_story, operator, site, client):
    root = _published(signed_story, operator, site)
    article = root / "news" / str(signed_story.pk) / "index.html"
    html = article.read_text()
    assert signed_story.headline in html and 'property="og:title"' in html and 'rel="alternate"' in html
    assert signed_story.headline in (root / "index.html").read_text()
    assert (root / "columns" / signed_story.column.slug / "index.html").exists()
    rss = feedparser.parse((root / "feed.xml").read_bytes())
    atom = feedparser.parse((root / "atom.xml").read_bytes())
    column_rss = feedparser.parse((root / "columns" / signed_story.column.slug / "feed.xml").read_bytes())
    for parsed in (rss, atom, column_rss):
        assert not parsed.bozo, parsed.get("bozo_exception")
        assert parsed.entries[0].title == signed_story.headline
        assert parsed.entries[0].link.endswith(f"/news/{signed_story.pk}/")
    assert f"/news/{signed_story.pk}/</loc>" in (root / "sitemap.xml").read_text()
    assert not list(root.rglob("*.tmp"))

    # the embedded server answers from the file, with an ETag and 304
    url = f"/site/{signed_story.center.slug}/news/{signed_story.pk}/"
    first = client.get(url)
    assert first.status_code == 200 and signed_story.headline in b"".join(first.streaming_content).decode()
    again = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304


def test_correction_and_takedown_rewrite_the_page(demo, signed_story, operator, site, client):
    root = _published(signed_story, operator, site)
    article = root / "news" / str(signed_story.pk) / "index.html"
    story = resign(signed_story, body=signed_story.body + "<p>（数字已核实）</p>")
    services.correct(story=story, user=operator, note="第三段投资额应为2.38亿元")
    deliver_all()
    assert "第三段投资额应为2.38亿元" in article.read_text() and "数字已核实" in article.read_text()

    services.take_down(story=story, user=operator, reason="涉及的数据需重新核实", notice="本文数据正在核实，核实后重新发布。")
    deliver_all()
    assert not article.exists()
    gone = root / "news" / str(story.pk) / "410.html"
    assert "本文数据正在核实，核实后重新发布。" in gone.read_text()
    assert "涉及的数据需重新核实" not in gone.read_text()  # the internal note stays inside
    response = client.get(f"/site/{story.center.slug}/news/{story.pk}/")
    assert response.status_code == 410 and "已撤稿" in response.content.decode()
    assert story.headline not in (root / "index.html").read_text()
    assert f"/news/{story.pk}/" not in (root / "feed.xml").read_text()
    # the dynamic view agrees
    from django.test import override_settings

    with override_settings(RONGMEI_PORTAL_STATIC=False):
        assert client.get(f"/site/{story.center.slug}/news/{story.pk}/").status_code == 410


def test_readers_never_see_half_a_file(tmp_path):
    """Many rewrites of one page while readers read it: every read is one whole version."""
    target = tmp_path / "index.html"
    versions = [("<html>" + str(n) * 200_000 + "</html>") for n in range(10)]
    publishing.write_atomic(target, versions[0])
    stop = threading.Event()
    seen = set()

    def read():
        while not stop.is_set():
            seen.add(target.read_text())

    readers = [threading.Thread(target=read) for _ in range(3)]
    for r in readers:
        r.start()
    for _ in range(5):
        for v in versions:
            publishing.write_atomic(target, v)
    stop.set()
    for r in readers:
        r.join()
    assert seen <= set(versions) and len(seen) > 1
    assert os.listdir(tmp_path) == ["index.html"]


def test_unknown_pages_are_friendly_404s(demo, client):
    response = client.get("/site/demo/news/999999/")
    assert response.status_code == 404 and "没有找到这个稿件" in response.content.decode()
    assert client.get("/site/demo/columns/nope/").status_code == 404
    assert client.get("/site/nowhere/").status_code == 404


def test_build_site_renders_everything(demo, signed_story, operator, site):
    _published(signed_story, operator, site)
    written = publishing.build_site(demo["demo"])
    for path in ("index.html", "live/index.html", "services/index.html", "features/index.html", "sitemap.xml",
                 f"news/{signed_story.pk}/index.html"):
        assert path in written
