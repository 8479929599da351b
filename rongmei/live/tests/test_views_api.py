"""直播制作's screens and API through the Django test client: who may see and do what, the
stream key only for producers, clashes shown with 409, bad input with the field's message,
another center's ids a 404 on screens and API, the statistics export."""

from __future__ import annotations

import io
import json
import re

import pytest
from django.urls import reverse

from rongmei.core.models import User
from rongmei.live import services
from rongmei.live.models import Production
from rongmei.live.tests.conftest import client_for

pytestmark = pytest.mark.django_db


def post_json(client, url, body, method="post"):
    return getattr(client, method)(url, json.dumps(body), content_type="application/json")


def test_who_sees_what(login, book):
    p = book(title="权限测试直播")
    director, business, adsales = login("director"), login("business"), login("adsales")
    assert director.get("/live/").status_code == 200
    page = director.get(f"/live/{p.pk}/").content.decode()
    assert p.stream_key in page and "权限测试直播" in page
    listing = business.get("/live/")
    assert listing.status_code == 200 and "权限测试直播" in listing.content.decode(), \
        re.findall(r'<a href="/live/[0-9]+/">[^<]*</a>', listing.content.decode())[:5]
    assert p.stream_key not in business.get(f"/live/{p.pk}/").content.decode()
    assert business.get("/live/new/").status_code == 403
    assert business.get("/live/equipment/").status_code == 403
    assert adsales.get("/live/").status_code == 403
    api = business.get(f"/api/v1/live/productions/{p.pk}").json()
    assert api["stream_key"] is None and api["push_url"] is None and api["pull_url"].endswith(".m3u8")
    assert director.get(f"/api/v1/live/productions/{p.pk}").json()["stream_key"] == p.stream_key


def test_a_crew_member_without_live_rights_sees_their_broadcast(login, center, director, reporter, book):
    p = book(title="记者出镜的直播")
    other = book(3, title="别人的直播")
    services.assign_crew(p, user=director, person_id=reporter.pk, role="host")
    client = login("reporter")
    page = client.get(f"/live/{p.pk}/")
    assert page.status_code == 200 and p.stream_key not in page.content.decode()
    assert client.get(f"/live/{other.pk}/").status_code == 403
    # the back-link leads where they may go: their 工作台, not the list they may not open (403)
    html = page.content.decode()
    assert 'href="/live/">← 直播承接' not in html and "← 工作台" in html
    assert 'href="/live/">← 直播承接' in login("director").get(f"/live/{p.pk}/").content.decode()


def test_booking_through_the_screen(login, center):
    from rongmei.core.models import Department

    client = login("director")
    department = Department.objects.filter(center=center).first()
    form = {"title": "屏幕预约的直播", "kind": "wenzheng", "department": department.pk, "place": "演播厅",
            "planned_start": "2027-03-01T19:00", "planned_end": "2027-03-01T20:30", "fee": ""}
    bad = client.post("/live/new/", form | {"planned_end": "2027-03-01T18:00"})
    assert bad.status_code == 400 and "计划结束时间应晚于开始时间" in bad.content.decode()
    bad = client.post("/live/new/", form | {"fee": "-5"})
    assert bad.status_code == 400 and "费用不能为负数" in bad.content.decode()
    assert not Production.objects.filter(stream__title="屏幕预约的直播").exists()
    done = client.post("/live/new/", form)
    p = Production.objects.get(stream__title="屏幕预约的直播")
    assert done.status_code == 302 and done["Location"] == f"/live/{p.pk}/"


def test_a_clash_on_the_screen_is_409_with_the_message(login, center, director, camera, book):
    first, second = book(0, 2, title="先订的直播"), book(1, 2, title="后订的直播")
    services.assign_equipment(first, user=director, equipment_id=camera.pk)
    client = login("director")
    answer = client.post(f"/live/{second.pk}/equipment/", {"equipment": camera.pk})
    assert answer.status_code == 409
    text = answer.content.decode()
    assert camera.asset_number in text and "《先订的直播》" in text and "重叠" in text
    reporter = User.objects.get(username="reporter")
    assert client.post(f"/live/{first.pk}/crew/", {"person": reporter.pk, "role": "camera"}).status_code == 302
    answer = client.post(f"/live/{second.pk}/crew/", {"person": reporter.pk, "role": "host"})
    assert answer.status_code == 409 and "王磊" in answer.content.decode()


def test_the_whole_flow_through_the_screens(login, book):
    p = book(title="走流程的直播")
    client = login("director")
    refused = client.post(f"/live/{p.pk}/start/", {"version": p.version})
    assert refused.status_code == 409 and "播前检查还有" in refused.content.decode()
    for item in p.checks.all():
        assert client.post(f"/live/{p.pk}/checks/{item.pk}/", {"done": "1"}).status_code == 302
    p.refresh_from_db()
    assert client.post(f"/live/{p.pk}/start/", {"version": p.version}).status_code == 302
    p.refresh_from_db()
    assert p.status == "live"
    assert client.post(f"/live/{p.pk}/end/", {"version": p.version}).status_code == 302
    p.refresh_from_db()
    bad = client.post(f"/live/{p.pk}/replay/", {"url": "javascript:alert(1)", "version": p.version})
    assert bad.status_code == 400
    assert client.post(f"/live/{p.pk}/replay/", {"url": "/media/demo/replay/x.mp4", "version": p.version}).status_code == 302
    p.refresh_from_db()
    assert p.status == "replay" and p.stream.replay_url == "/media/demo/replay/x.mp4"
    assert client.post(f"/live/{p.pk}/nonsense/").status_code == 404


def test_another_centers_ids_are_404_on_screens_and_api(book, neighbour_director, director, camera):
    p = book(title="本中心的直播")
    services.assign_equipment(p, user=director, equipment_id=camera.pk)
    crew = services.assign_crew(p, user=director, person_id=director.pk, role="director")
    item = p.checks.first()
    segment = services.add_segment(p, user=director, offset_minutes=0, length_minutes=5, content="开场")
    client = client_for(neighbour_director)
    for url in (f"/live/{p.pk}/", f"/live/{p.pk}/edit/", f"/live/equipment/{camera.pk}/"):
        assert client.get(url).status_code == 404, url
    for url in (f"/live/{p.pk}/start/", f"/live/{p.pk}/checks/{item.pk}/", f"/live/{p.pk}/crew/{crew.pk}/remove/",
                f"/live/{p.pk}/segments/{segment.pk}/remove/", f"/live/{p.pk}/replay/"):
        assert client.post(url, {}).status_code == 404, url
    for url in (f"/api/v1/live/productions/{p.pk}", f"/api/v1/live/productions/{p.pk}/crew",
                f"/api/v1/live/productions/{p.pk}/checklist"):
        assert client.get(url).status_code == 404, url
    assert post_json(client, f"/api/v1/live/productions/{p.pk}/start", {}).status_code == 404
    assert post_json(client, f"/api/v1/live/productions/{p.pk}/checklist/{item.pk}", {"ticked": True}).status_code == 404
    assert client.delete(f"/api/v1/live/productions/{p.pk}/crew/{crew.pk}").status_code == 404
    assert post_json(client, f"/api/v1/live/equipment/{camera.pk}", {"kind": "camera", "name": "x",
                                                                      "asset_number": "y"}, "put").status_code == 404
    listing = client.get("/api/v1/live/productions").json()
    assert all(row["id"] != p.pk for row in listing["items"])


def test_the_api_books_assigns_and_refuses_clashes(login, center, camera):
    from rongmei.core.models import Department

    client = login("director")
    department = Department.objects.filter(center=center).first()
    body = {"title": "API 预约", "kind": "sports", "place": "体育场", "planned_start": "2027-05-01T09:00:00+08:00",
            "planned_end": "2027-05-01T12:00:00+08:00", "department_id": department.pk}
    first = post_json(client, "/api/v1/live/productions", body)
    assert first.status_code == 201, first.content
    second = post_json(client, "/api/v1/live/productions", body | {"title": "API 重叠",
                                                                   "planned_start": "2027-05-01T11:00:00"})
    assert second.status_code == 201 and second.json()["planned_start"].startswith("2027-05-01T03:00:00")
    a, b = first.json()["id"], second.json()["id"]
    assert post_json(client, f"/api/v1/live/productions/{a}/equipment", {"equipment_id": camera.pk}).status_code == 201
    clash = post_json(client, f"/api/v1/live/productions/{b}/equipment", {"equipment_id": camera.pk})
    assert clash.status_code == 409 and "《API 预约》" in clash.json()["detail"]
    bad = post_json(client, "/api/v1/live/productions", body | {"kind": "party", "title": ""})
    assert bad.status_code == 422 and {"kind", "title"} <= set(bad.json()["errors"])
    start = post_json(client, f"/api/v1/live/productions/{a}/start", {})
    assert start.status_code == 409 and "播前检查" in start.json()["detail"]
    listing = client.get("/api/v1/live/productions?status=upcoming&limit=5").json()
    assert len(listing["items"]) == 5 and listing["next"]
    stats = client.get("/api/v1/live/stats/2027").json()
    assert stats["by_kind"]["赛事"] >= 2
    assert client.get("/api/v1/live/productions?status=bogus").status_code == 422


def test_statistics_screen_and_excel(login, center):
    from openpyxl import load_workbook

    from rongmei.live import selectors

    client = login("business")
    year = selectors.today(center).year
    page = client.get(f"/live/stats/?year={year}")
    assert page.status_code == 200 and "年直播统计" in page.content.decode()
    answer = client.get(reverse("live:stats_xlsx", args=[year]))
    assert answer.status_code == 200
    book = load_workbook(io.BytesIO(answer.content))
    assert book.sheetnames == ["按类型", "按客户", "按月份", "明细"]
    total = next(row for row in book["按类型"].iter_rows(values_only=True) if row[0] == "合计")[1]
    assert total == selectors.year_stats(center, year).total


def test_equipment_and_settings_screens(login, center):
    client = login("director")
    added = client.post("/live/equipment/", {"kind": "camera", "name": "新摄像机", "asset_number": "NEW-001",
                                             "is_active": "on"})
    assert added.status_code == 302
    again = client.post("/live/equipment/", {"kind": "camera", "name": "另一台", "asset_number": "NEW-001"})
    assert again.status_code == 400 and "资产编号 NEW-001 已登记" in again.content.decode()
    conf = services.settings_of(center)
    bad = client.post("/live/settings/", {"push_base": "http://x", "pull_base": "ftp://y", "version": conf.version})
    assert bad.status_code == 400 and "rtmp://" in bad.content.decode()
    stale = client.post("/live/settings/", {"push_base": "", "pull_base": "https://a.example.cn/hls",
                                            "version": conf.version + 5})
    assert stale.status_code == 409
    ok = client.post("/live/settings/", {"push_base": "rtmp://a.example.cn/live", "pull_base": "https://a.example.cn/hls",
                                         "version": conf.version})
    assert ok.status_code == 302 and services.settings_of(center).pull_base == "https://a.example.cn/hls"


def test_the_home_page_shows_the_live_box(login):
    page = login("director").get("/")
    assert page.status_code == 200 and 'data-testid="live-box"' in page.content.decode()


def test_the_productions_lists_are_cursor_pages(login, book, director, camera):
    """Crew, equipment, run sheet and checklist answer a page {items, next} like every list of
    the staff API (the generated client and tests/test_openapi_complete.py rely on it)."""
    p = book(title="分页测试直播")
    services.assign_equipment(p, user=director, equipment_id=camera.pk)
    services.add_segment(p, user=director, offset_minutes=0, length_minutes=5, content="开场")
    services.add_segment(p, user=director, offset_minutes=5, length_minutes=5, content="访谈")
    client = login("director")
    for part in ("crew", "equipment", "segments", "checklist"):
        answer = client.get(f"/api/v1/live/productions/{p.pk}/{part}?limit=1")
        assert answer.status_code == 200, (part, answer.content[:200])
        page = answer.json()
        assert set(page) == {"items", "next"} and len(page["items"]) <= 1, (part, page)
    first = client.get(f"/api/v1/live/productions/{p.pk}/segments?limit=1").json()
    second = client.get(f"/api/v1/live/productions/{p.pk}/segments?limit=1&cursor={first['next']}").json()
    assert [s["content"] for s in first["items"] + second["items"]] == ["开场", "访谈"]
