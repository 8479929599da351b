"""The province platform: the platform admin's center management (create with a first
admin, suspend/resume, quotas enforced where people and uploads come in, cross-center
statistics) and the province's / city's view of the centers below it (isolation, ranking,
Excel export equal to the page)."""

from __future__ import annotations

import io
import re

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from rongmei.core import services as core_services
from rongmei.core.models import AuditEvent, Center, Membership, User
from rongmei.province import selectors as sel
from rongmei.province import services

PASSWORD = "Xq7!linjiang-2026"


def _counts():
    return (Center.objects.count(), User.objects.count(), Membership.objects.count(), AuditEvent.objects.count())


def _nav_labels(client) -> str:
    return client.get("/").content.decode()


# --- who sees what ---------------------------------------------------------------------------------

def test_nav_and_pages_by_role(login):
    admin, city, county_chief, reporter = login("admin"), login("shi"), login("reviewer3"), login("lx_reporter")
    # the navigation is on every staff page: lighter pages than the 工作台 are enough for it
    assert 'data-nav="province_centers"' in admin.get("/province/platform-stats/").content.decode()
    home = _nav_labels(city)
    assert 'data-nav="province_ranking"' in home and 'data-nav="province_centers"' not in home
    assert 'data-testid="province-box"' in home  # the 工作台 ranking box of a city chief editor
    assert 'data-nav="province_ranking"' not in county_chief.get("/province/ranking/").content.decode()
    assert sel.ranking_box(User.objects.get(username="reviewer3"), Center.objects.get(slug="demo")) is None
    for url in ("/province/centers/", "/province/centers/new/", "/province/platform-stats/"):
        assert admin.get(url).status_code == 200
        assert city.get(url).status_code == 403
        assert county_chief.get(url).status_code == 403
    assert reporter.get("/province/ranking/").status_code == 403
    assert "只有平台管理员" in city.get("/api/v1/province/centers").json()["detail"]
    assert city.post("/api/v1/province/centers/1/suspend", {"reason": "x"}, content_type="application/json").status_code == 403
    assert reporter.get("/api/v1/province/ranking").status_code == 403


def test_views_below_show_only_the_centers_below(demo, login):
    from openpyxl import load_workbook

    city = login("shi").get("/province/ranking/").content.decode()
    assert 'data-slug="demo"' in city and 'data-slug="linxian"' in city
    assert 'data-slug="shi"' not in city and 'data-slug="sheng"' not in city
    province = login("sheng").get("/api/v1/province/ranking").json()
    assert {r["center"] for r in province["items"]} == {demo["shi"].name, demo["demo"].name, demo["linxian"].name}
    # a county (chief editor or analyst) has nothing below: an explanation, no numbers of others
    for who in ("reviewer3", "analyst"):
        page = login(who).get("/province/ranking/")
        assert page.status_code == 200
        text = page.content.decode()
        assert 'data-testid="no-children"' in text and "邻县" not in text
        assert login(who).get("/api/v1/province/ranking").json()["items"] == []
        export = login(who).get("/province/ranking/export.xlsx")
        assert export.status_code == 200
        rows = list(load_workbook(io.BytesIO(export.content)).active.iter_rows(min_row=3, values_only=True))
        assert [r[2] for r in rows] == ["合计"]


def test_admin_tree_lists_province_then_city_then_counties(login):
    page = login("admin").get("/province/centers/").content.decode()
    order = [page.index(f'data-slug="{s}"') for s in ("sheng", "shi", "demo", "linxian")]
    assert order == sorted(order)
    assert 'class="depth-2"' in page
    only = login("admin").get("/province/centers/", {"level": "city"}).content.decode()
    assert 'data-slug="shi"' in only and 'data-slug="demo"' not in only
    api = login("admin").get("/api/v1/province/centers", {"q": "邻县"}).json()["items"]
    assert [c["slug"] for c in api] == ["linxian"] and api[0]["staff"] >= 1


# --- create -------------------------------------------------------------------------------------------

def test_create_center_with_its_first_admin(demo, login):
    admin = User.objects.get(username="admin")
    r = login("admin").post("/province/centers/new/", {
        "name": "新河县融媒体中心", "slug": "xinhe", "region": "示例省示例市新河县", "level": "county",
        "parent": demo["shi"].pk, "quota_staff": "40", "quota_storage_mb": "2048",
        "admin_username": "xinhe_admin", "admin_name": "程远", "admin_password": PASSWORD})
    assert r.status_code == 302
    center = Center.objects.get(slug="xinhe")
    assert (center.level, center.parent_id, center.quota_staff, center.quota_storage_mb) == ("county", demo["shi"].pk, 40, 2048)
    first = User.objects.get(username="xinhe_admin")
    assert first.must_change_password and first.has_perm("core.manage_people", center)
    assert set(AuditEvent.objects.filter(center=center).values_list("action", flat=True)) >= {"center.create", "user.create"}
    assert center in sel.below(demo["shi"]) and center in sel.below(demo["sheng"])
    # via the API, a city under the province
    r = login("admin").post("/api/v1/province/centers", {
        "name": "东江市融媒体中心", "slug": "dongjiang", "level": "city", "parent_id": demo["sheng"].pk,
        "admin_username": "dj_admin", "admin_name": "林立", "admin_password": PASSWORD}, content_type="application/json")
    assert r.status_code == 201 and r.json()["level"] == "city"
    assert admin.is_platform_admin


@pytest.mark.parametrize("change, message", [
    ({"level": "county", "parent": "demo"}, "县级中心的上级只能是市级或省级中心"),
    ({"level": "city", "parent": None}, "市级中心必须选择所属的省级平台"),
    ({"level": "province", "parent": "sheng"}, "省级平台是最上一级"),
    ({"level": "city", "parent": "shi"}, "市级中心的上级只能是省级中心"),
    ({"admin_password": "123"}, "密码"),
    ({"admin_username": "editor"}, "该用户名不可用"),
    ({"slug": "demo"}, ""),
    ({"quota_staff": "很多"}, "人员上限应为整数"),
    ({"admin_name": ""}, "请填写中心管理员的姓名"),
])
def test_create_refusals_change_nothing(demo, login, change, message):
    data = {"name": "新河县融媒体中心", "slug": "xinhe", "region": "", "level": "county", "parent": demo["shi"].pk,
            "admin_username": "xinhe_admin", "admin_name": "程远", "admin_password": PASSWORD}
    for key, value in change.items():
        data[key] = demo[value].pk if key == "parent" and value else ("" if key == "parent" else value)
    admin = login("admin")
    before = _counts()
    r = admin.post("/province/centers/new/", data)
    assert r.status_code == 400
    assert message in r.content.decode()
    assert _counts() == before


def test_only_the_platform_admin_may_change_centers(demo):
    chief = User.objects.get(username="shi")
    before = _counts()
    for call in (lambda: services.suspend(actor=chief, center=demo["linxian"], reason="测试"),
                 lambda: services.resume(actor=chief, center=demo["linxian"]),
                 lambda: services.set_quotas(actor=chief, center=demo["linxian"], quota_staff=1),
                 lambda: services.create_center(actor=chief, name="x", slug="x", admin_username="x", admin_name="x",
                                                admin_password=PASSWORD)):
        with pytest.raises(Exception, match="只有平台管理员"):
            call()
    assert _counts() == before


# --- suspend / resume ---------------------------------------------------------------------------------

def test_suspend_and_resume(demo, login, client):
    admin = login("admin")
    linxian = demo["linxian"]
    before = _counts()
    r = admin.post(f"/province/centers/{linxian.pk}/suspend/", {"reason": "  "})
    assert r.status_code == 400 and "请填写停用原因" in r.content.decode() and _counts() == before
    r = admin.post(f"/province/centers/{linxian.pk}/suspend/", {"reason": "未按期完成等级保护测评"})
    assert r.status_code == 302
    linxian.refresh_from_db()
    assert not linxian.is_active and linxian.suspended_at and linxian.suspended_reason == "未按期完成等级保护测评"
    assert AuditEvent.objects.filter(center=linxian, action="center.suspend").exists()
    # its own staff: a clear page with the reason, no work there
    staff = login("lx_reporter")
    home = staff.get("/")
    assert home.status_code == 403 and "未按期完成等级保护测评" in home.content.decode()
    assert "已被平台管理员停用" in staff.get("/stories/").content.decode()
    # its public site answers 503 with a Chinese notice
    site = client.get("/site/linxian/")
    assert site.status_code == 503 and "暂停访问" in site.content.decode()
    # the people of the neighbour (editor works in both) keep working in the demo county
    assert login("editor").get("/").status_code == 200
    assert admin.post(f"/province/centers/{linxian.pk}/suspend/", {"reason": "再次"}).status_code == 400
    # resume (API)
    r = admin.post(f"/api/v1/province/centers/{linxian.pk}/resume", content_type="application/json")
    assert r.status_code == 200 and r.json()["is_active"] is True and r.json()["suspended_reason"] == ""
    assert AuditEvent.objects.filter(center=linxian, action="center.resume").exists()
    assert login("lx_reporter").get("/").status_code == 200
    assert admin.post(f"/api/v1/province/centers/{linxian.pk}/resume", content_type="application/json").status_code == 422
    assert admin.post("/api/v1/province/centers/999999/resume", content_type="application/json").status_code == 404


# --- quotas -------------------------------------------------------------------------------------------

def test_staff_quota_refuses_one_more_person(demo, login):
    linxian = demo["linxian"]
    used = sel.usage(linxian)["staff"]
    admin = User.objects.get(username="admin")
    r = login("admin").post(f"/province/centers/{linxian.pk}/quotas/", {"quota_staff": "abc", "quota_storage_mb": ""})
    assert r.status_code == 400 and "人员上限应为整数" in r.content.decode()
    linxian.refresh_from_db()
    assert linxian.quota_staff is None
    services.set_quotas(actor=admin, center=linxian, quota_staff=used, quota_storage_mb=None)
    linxian.refresh_from_db()
    page = login("admin").get(f"/province/centers/{linxian.pk}/").content.decode()
    assert 'data-testid="staff-bar"' in page and f"{used} / {used} 人" in page
    before = _counts()
    with pytest.raises(ValidationError, match=f"本中心人员已达上限 {used} 人，请联系平台管理员"):
        core_services.create_person(center=linxian, username="lx_new", display_name="新人", password=PASSWORD,
                                    roles=["reporter"], actor=admin)
    reporter = User.objects.get(username="reporter")  # works in the demo county, not in linxian
    with pytest.raises(ValidationError, match="本中心人员已达上限"):
        core_services.set_roles(center=linxian, user=reporter, roles=["reporter"], actor=admin)
    assert _counts() == before
    # someone already there may change roles; a higher quota lets the new person in
    core_services.set_roles(center=linxian, user=User.objects.get(username="lx_reporter"), roles=["reporter", "editor"],
                            actor=admin)
    services.set_quotas(actor=admin, center=linxian, quota_staff=used + 1)
    linxian.refresh_from_db()
    core_services.create_person(center=linxian, username="lx_new", display_name="新人", password=PASSWORD,
                                roles=["reporter"], actor=admin)
    assert sel.usage(linxian)["staff"] == used + 1


def test_staff_quota_refuses_enabling_a_disabled_account(demo, login):
    """Re-enabling someone adds them back to the count: at the quota it is refused (naming the
    center) and nothing changes; after a place frees up it goes through."""
    linxian = demo["linxian"]
    admin = User.objects.get(username="admin")
    person = User.objects.get(username="lx_reporter")
    core_services.set_active(center=linxian, user=person, active=False, actor=admin)
    used = sel.usage(linxian)["staff"]
    services.set_quotas(actor=admin, center=linxian, quota_staff=used, quota_storage_mb=None)
    linxian.refresh_from_db()
    with pytest.raises(ValidationError, match=f"{linxian.name}人员已达上限 {used} 人，不能再启用这个账号"):
        core_services.set_active(center=linxian, user=person, active=True, actor=admin)
    person.refresh_from_db()
    assert not person.is_active and sel.usage(linxian)["staff"] == used
    services.set_quotas(actor=admin, center=linxian, quota_staff=used + 1)
    core_services.set_active(center=linxian, user=person, active=True, actor=admin)
    person.refresh_from_db()
    assert person.is_active and sel.usage(linxian)["staff"] == used + 1


def _png(size=(64, 48)) -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 90, 40)).save(out, "PNG")
    return SimpleUploadedFile("图.png", out.getvalue(), "image/png")


def test_storage_quota_refuses_an_upload_with_the_numbers(demo, settings, tmp_path):
    from rongmei.newsroom.models import Asset
    from rongmei.newsroom.services import assets

    settings.MEDIA_ROOT = str(tmp_path / "media")
    admin = User.objects.get(username="admin")
    center = demo["demo"]
    used_mb = sel.usage(center)["storage_mb"]
    assert used_mb > 1  # the demo county holds pictures and a video
    services.set_quotas(actor=admin, center=center, quota_storage_mb=1)
    center.refresh_from_db()
    before = Asset.objects.count()
    with pytest.raises(ValidationError) as refused:
        assets.upload(center=center, user=admin, upload=_png())
    text = " ".join(refused.value.messages)
    assert "存储空间不足" in text and f"已用 {used_mb:.1f} MB" in text and "上限 1 MB" in text
    assert Asset.objects.count() == before
    services.set_quotas(actor=admin, center=center, quota_storage_mb=None)
    center.refresh_from_db()
    asset = assets.upload(center=center, user=admin, upload=_png())
    assert asset.pk and Asset.objects.count() == before + 1


def test_quotas_by_api(demo, login):
    c = login("admin")
    url = f"/api/v1/province/centers/{demo['linxian'].pk}/quotas"
    r = c.put(url, {"quota_staff": 30, "quota_storage_mb": 500}, content_type="application/json")
    assert r.status_code == 200 and (r.json()["quota_staff"], r.json()["quota_storage_mb"]) == (30, 500)
    assert c.put(url, {"quota_staff": 0}, content_type="application/json").status_code in (400, 422)
    assert login("shi").put(url, {"quota_staff": 1}, content_type="application/json").status_code == 403
    demo["linxian"].refresh_from_db()
    assert demo["linxian"].quota_staff == 30
    assert AuditEvent.objects.filter(center=demo["linxian"], action="center.quotas").count() == 1


# --- statistics, ranking, export ---------------------------------------------------------------------

def _cell_number(html: str, slug: str) -> list[str]:
    row = re.search(rf'<tr data-slug="{slug}">(.*?)</tr>', html, re.DOTALL).group(1)
    return [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.DOTALL)]


def test_ranking_export_holds_the_page_numbers(demo, login):
    from openpyxl import load_workbook

    c = login("shi")
    page = c.get("/province/ranking/").content.decode()
    r = c.get("/province/ranking/export.xlsx")
    assert r.status_code == 200 and r["Content-Type"].startswith("application/vnd.openxmlformats")
    ws = load_workbook(io.BytesIO(r.content)).active
    rows = list(ws.iter_rows(min_row=3, values_only=True))
    by_name = {row[2]: row for row in rows}  # 层级, 同级排名, 中心, 得分, 发稿, 发布, 阅读, 问政, 按时率, 账号, 久未更新…
    for slug in ("demo", "linxian"):
        cells = _cell_number(page, slug)  # 排名, 中心, 得分, 发稿, 发布, …outlets, 阅读, 问政, 按时率, 账号, 久未更新, 健康度
        row = by_name[cells[1]]
        assert row[0] == "县级"
        assert [str(row[1]), float(row[3]), str(row[4]), str(row[5])] == [cells[0], float(cells[2]), cells[3], cells[4]]
        assert str(row[6]) == cells[-6] and str(row[7]) == cells[-5]  # reads, 问政件次
        assert str(row[9]) == cells[-3] and str(row[10]) == cells[-2]  # accounts, stale
    # the demo county published and was read: it leads its neighbour
    demo_row = by_name[demo["demo"].name]
    assert demo_row[1] == 1 and demo_row[4] > 0 and demo_row[6] > 0
    assert rows[-1][2] == "合计" and rows[-1][4] == sum(r[4] for r in rows[:-1])
    assert AuditEvent.objects.filter(center=demo["shi"], action="province.export").exists()


def test_platform_stats_totals_and_export(demo, login):
    from openpyxl import load_workbook

    c = login("admin")
    data = c.get("/api/v1/province/stats").json()
    assert len(data["items"]) == Center.objects.count()
    for key in ("stories", "publications", "inquiries", "staff"):
        assert data["total"][key] == sum(i[key] for i in data["items"])
    page = c.get("/province/platform-stats/").content.decode()
    demo_cells = _cell_number(page, "demo")
    ws = load_workbook(io.BytesIO(c.get("/province/platform-stats/export.xlsx").content)).active
    rows = {row[1]: row for row in ws.iter_rows(min_row=3, values_only=True)}
    row = rows[demo["demo"].name]
    assert [str(row[4]), str(row[5]), str(row[6]), str(row[8]), str(row[9])] == \
        [demo_cells[3], demo_cells[4], demo_cells[5], demo_cells[7], demo_cells[8]]
    late = c.get("/api/v1/province/stats", {"month": "2099-01"})
    assert late.status_code == 422 and "还没有到" in late.json()["errors"]["month"][0]
    assert "格式不对" in c.get("/province/platform-stats/", {"month": "abc"}, follow=True).content.decode()


def _row(name, stories, reads, rate, accounts, stale, level=Center.Level.COUNTY):
    return sel.CenterStats(center=Center(name=name, level=level), stories=stories, reads=reads, on_time_rate=rate, accounts=accounts,
                           stale=stale)


def test_ranking_weights_ties_and_missing_parts(settings):
    rows = sel.rank([
        _row("甲县", 10, 1000, 0.5, 10, 5),   # 30 + 30 + 12.5 + 7.5 = 80
        _row("乙县", 5, 500, 1.0, 10, 0),     # 15 + 15 + 25 + 15 = 70
        _row("丙县", 5, 500, 1.0, 10, 0),     # a tie with 乙县
        _row("丁县", 10, 0, None, 0, 0),      # no 问政, no accounts: 30 / 60 of the used weights → 50
    ])
    assert [(r.center.name, r.rank, r.score) for r in rows] == [
        ("甲县", 1, 80.0), ("丙县", 2, 70.0), ("乙县", 2, 70.0), ("丁县", 4, 50.0)]
    settings.RONGMEI_PROVINCE_WEIGHTS = {"output": 0, "reach": 0, "inquiry": 100, "matrix": 0}
    rows = sel.rank([_row("甲县", 10, 1000, 0.5, 10, 5), _row("乙县", 5, 500, 1.0, 10, 0)])
    assert [r.center.name for r in rows] == ["乙县", "甲县"]


def test_each_level_is_ranked_on_its_own():
    """A city center publishes far more than its counties: it heads the city ranking and the
    counties are scored against each other, not against it."""
    rows = sel.rank([
        _row("乙县", 5, 500, 1.0, 10, 0),
        _row("示例市", 200, 90000, 0.5, 40, 20, level=Center.Level.CITY),
        _row("甲县", 10, 1000, 0.5, 10, 5),
        _row("某市", 100, 30000, 1.0, 30, 0, level=Center.Level.CITY),
    ])
    assert [(r.center.level, r.center.name, r.rank) for r in rows] == [
        ("city", "示例市", 1), ("city", "某市", 2), ("county", "甲县", 1), ("county", "乙县", 2)]
    # the counties' output and reach are scaled against 甲县, the best county (as in the ranking test)
    assert [r.score for r in rows[2:]] == [80.0, 70.0]


def test_ranking_page_groups_the_levels(demo, login):
    page = login("sheng").get("/province/ranking/").content.decode()
    city, county = page.index('data-testid="level-city"'), page.index('data-testid="level-county"')
    assert city < page.index('data-slug="shi"') < county < page.index('data-slug="demo"')


def test_month_parsing():
    import datetime as dt

    today = dt.date(2026, 12, 7)
    assert sel.parse_month("2026-11", today) == ((2026, 11), "")
    assert sel.parse_month("", today) == ((2026, 12), "")
    assert "格式不对" in sel.parse_month("2026-1x", today)[1]
    assert "还没有到" in sel.parse_month("2027-01", today)[1]
    assert sel.month_days(2026, 2) == (dt.date(2026, 2, 1), dt.date(2026, 2, 28))
