"""Issue 11, stored XSS: a live stream's replay address accepted javascript: and the public
live page linked it. Every address on the site's configuration is http(s) (or a path on this
site) — refused by the model and the staff form, and dropped when rendering older rows."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from rongmei.portal import publishing
from rongmei.portal.models import LiveStream, ServiceEntry

BAD = ["javascript:alert(document.cookie)", " JaVaScRiPt:alert(1)", "java\tscript:alert(1)",
       "data:text/html,<script>alert(1)</script>", "//evil.example/replay", "vbscript:x"]


def _stream(center, **extra):
    now = timezone.now()
    fields = {"title": "往期直播", "starts_at": now - dt.timedelta(hours=3), "ends_at": now - dt.timedelta(hours=1),
              "player": "video", "player_url": "https://live.example.cn/a.m3u8"} | extra
    return LiveStream(center=center, **fields)


@pytest.mark.parametrize("bad", BAD)
def test_the_model_refuses_an_unsafe_replay_or_player_address(demo, bad):
    for field in ("replay_url", "player_url"):
        with pytest.raises(ValidationError) as err:
            _stream(demo["demo"], **{field: bad}).full_clean()
        assert "链接只能以 http:// 或 https:// 开头" in str(err.value.message_dict[field])
    _stream(demo["demo"], replay_url="https://live.example.cn/replay/1.mp4").full_clean()
    _stream(demo["demo"], replay_url="/site/demo/news/1/", player_url="/media/live.m3u8").full_clean()


def test_the_staff_form_refuses_a_javascript_replay_and_changes_nothing(demo, login):
    client = login("operator")
    before = LiveStream.objects.count()
    page = client.post("/portal/live/new/", {"title": "回放注入", "starts_at": "2026-12-02T09:00",
                                             "ends_at": "2026-12-02T10:00", "player": "video",
                                             "player_url": "https://live.example.cn/a.m3u8",
                                             "replay_url": "javascript:alert(document.cookie)", "is_active": "on"})
    assert "链接只能以 http:// 或 https:// 开头" in page.content.decode()
    assert LiveStream.objects.count() == before


@pytest.mark.parametrize("bad", BAD)
def test_a_service_link_must_be_http(demo, bad):
    entry = ServiceEntry(center=demo["demo"], category="payment", name="水费", slug="water-x", kind="link", url=bad)
    with pytest.raises(ValidationError) as err:
        entry.full_clean()
    assert "url" in err.value.message_dict
    missing = ServiceEntry(center=demo["demo"], category="payment", name="水费", slug="water-x", kind="h5", url="")
    with pytest.raises(ValidationError):
        missing.full_clean()


def test_rows_stored_before_the_rule_are_never_rendered_as_links(demo, client):
    center = demo["demo"]
    stream = _stream(center, title="旧的回放")
    stream.save()
    LiveStream.objects.filter(pk=stream.pk).update(replay_url="javascript:alert(1)", player_url="javascript:alert(2)")
    entry = ServiceEntry.objects.create(center=center, category="other", name="旧的链接", slug="old-bad", kind="link",
                                        url="https://ok.example/")
    ServiceEntry.objects.filter(pk=entry.pk).update(url="javascript:alert(3)")
    publishing.live_changed(center)
    publishing.services_changed(center)
    root = publishing.docroot(center)
    for page in (root / "live" / "index.html", root / "services" / "index.html", root / "index.html"):
        assert "javascript:" not in page.read_text().lower()
    for path in ("/api/public/v1/demo/live", "/api/public/v1/demo/services"):
        assert "javascript:" not in client.get(path).content.decode().lower(), path


def test_a_caption_with_quotes_cannot_break_out_of_the_feeds_image(demo):
    """Found by the XSS suite: the feed escaped < and > but not quotes, so a picture caption
    with `"` closed the alt attribute and added an onload handler for feed readers."""
    import xml.etree.ElementTree as ET

    from rongmei.portal import feeds, selectors
    from rongmei.testing.xss import live_markup

    center = demo["demo"]
    story = next(p.story for p in selectors.items(center) if p.story.cover)
    story.cover.__class__.objects.filter(pk=story.cover.pk).update(caption='x" onload="__xss(1)" y="')
    for name, xml in feeds.center_feeds(center).items():
        for element in ET.fromstring(xml.encode()).iter():
            if element.tag.rsplit("}", 1)[-1] in ("description", "summary") and element.text:
                assert not live_markup(element.text), (name, element.text[:200])


def test_the_migration_neutralises_rows_stored_before_the_rule(demo):
    import importlib

    from django.apps import apps

    migration = importlib.import_module("rongmei.portal.migrations.0002_url_validators")
    stream = _stream(demo["demo"], title="迁移前的直播")
    stream.save()
    LiveStream.objects.filter(pk=stream.pk).update(replay_url=" javascript:alert(1)", player_url="data:text/html,x")
    entry = ServiceEntry.objects.create(center=demo["demo"], category="other", name="迁移前", slug="before-rule",
                                        kind="link", url="https://ok.example/")
    ServiceEntry.objects.filter(pk=entry.pk).update(url="JAVASCRIPT:alert(1)")
    migration.neutralise_unsafe_addresses(apps, None)
    stream.refresh_from_db()
    entry.refresh_from_db()
    assert (stream.replay_url, stream.player_url, stream.is_active) == ("", "", False)
    assert (entry.url, entry.is_enabled) == ("", False)
