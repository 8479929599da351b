"""The staff side of the site: features, live streams and services are configuration;
every save re-renders the public pages; bad input gets Chinese messages and changes nothing."""

from rongmei.portal import publishing
from rongmei.portal.models import Feature, LiveStream, ServiceEntry


def test_service_entries_are_configuration_not_code(demo, login):
    client = login("operator")
    before = ServiceEntry.objects.count()
    bad = client.post("/portal/services/new/", {"category": "payment", "name": "燃气缴费", "slug": "gas-pay", "kind": "link",
                                                "url": "javascript:alert(1)", "icon": "gas", "order": 1})
    assert "http://" in bad.content.decode() and ServiceEntry.objects.count() == before
    page = client.post("/portal/services/new/", {"category": "payment", "name": "燃气缴费", "slug": "gas-pay",
                                                 "kind": "h5", "url": "https://gas.shili.example/h5/", "icon": "gas",
                                                 "description": "燃气费在线缴纳", "order": 1, "is_enabled": "on"},
                       follow=True)
    assert "已保存便民服务" in page.content.decode()
    html = (publishing.docroot(demo["demo"]) / "services" / "index.html").read_text()
    assert "燃气缴费" in html and "https://gas.shili.example/h5/" in html
    entry = ServiceEntry.objects.get(center=demo["demo"], slug="gas-pay")
    client.post(f"/portal/services/{entry.pk}/", {"category": "payment", "name": "燃气缴费", "slug": "gas-pay", "kind": "h5",
                                                  "url": "https://gas.shili.example/h5/", "icon": "gas", "order": 1})
    assert "燃气缴费" not in (publishing.docroot(demo["demo"]) / "services" / "index.html").read_text()  # switched off
    dup = client.post("/portal/services/new/", {"category": "other", "name": "重复", "slug": "gas-pay", "kind": "page",
                                                "body": "<p>x</p>", "icon": "doc", "order": 2})
    assert "已被使用" in dup.content.decode()


def test_internal_service_pages_are_cleaned_and_published(demo, login):
    client = login("operator")
    client.post("/portal/services/new/", {"category": "government", "name": "户籍办理", "slug": "hukou", "kind": "page",
                                          "body": "<p>携带身份证</p><script>alert(1)</script>", "icon": "hall", "order": 3,
                                          "is_enabled": "on"})
    html = (publishing.docroot(demo["demo"]) / "services" / "hukou" / "index.html").read_text()
    assert "携带身份证" in html and "<script>alert" not in html


def test_features_and_live_streams(demo, login):
    client = login("operator")
    live = client.post("/portal/live/new/", {"title": "县两会直播", "starts_at": "2026-12-02T09:00", "ends_at": "2026-12-02T08:00",
                                             "player": "video", "player_url": "/media/live.m3u8", "is_active": "on"})
    assert "结束时间应晚于开始时间" in live.content.decode() and not LiveStream.objects.filter(title="县两会直播").exists()
    client.post("/portal/live/new/", {"title": "县两会直播", "starts_at": "2026-12-02T09:00", "ends_at": "2026-12-02T12:00",
                                      "player": "video", "player_url": "/media/live.m3u8", "is_active": "on"})
    assert "县两会直播" in (publishing.docroot(demo["demo"]) / "live" / "index.html").read_text()

    from rongmei.portal import selectors

    stories = [p.story_id for p in selectors.items(demo["demo"])[:2]]
    client.post("/portal/features/new/", {"title": "县两会", "slug": "lianghui", "summary": "2026年县两会", "order": 0,
                                          "is_active": "on", "items": stories})
    feature = Feature.objects.get(center=demo["demo"], slug="lianghui")
    assert sorted(feature.items.values_list("story_id", flat=True)) == sorted(stories)
    assert "县两会" in (publishing.docroot(demo["demo"]) / "features" / "lianghui" / "index.html").read_text()


def test_reporters_cannot_manage_the_site(demo, login):
    assert login("reporter").get("/portal/").status_code == 403
