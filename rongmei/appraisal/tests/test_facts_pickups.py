"""外宣 register: add / change / delete by the appraisal admin, the story found by id or by
our link, duplicates and closed months refused with a clear message; spreadsheet import with
every bad row named, nothing imported while errors exist unless "只导入有效行", re-import
changes nothing."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from rongmei.analytics.models import ImportBatch
from rongmei.appraisal import facts_services as facts
from rongmei.appraisal.models import Pickup
from rongmei.appraisal.tests.test_facts_helpers import close_month, person, story_in
from rongmei.core.models import AuditEvent


def today() -> dt.date:
    return timezone.localdate()


def test_the_admin_registers_a_pickup_by_story_id_and_duplicates_get_a_clear_message(login, demo):
    center = demo["demo"]
    story = story_in(center, person("reporter"), headline="外宣测试：冬捕")
    client = login("appraiser")
    form = {"story_id": story.pk, "outlet_name": "浙江日报", "level": "provincial", "used_on": f"{today():%Y-%m-%d}",
            "url": "https://zjrb.example.cn/a/1", "is_long": "on"}
    assert client.post("/appraisal/pickups/new/", form).status_code == 302
    pickup = Pickup.objects.get(center=center, story=story)
    assert (pickup.level, pickup.is_long, pickup.month, pickup.entered_by) == (
        "provincial", True, today().replace(day=1), person("appraiser"))
    assert AuditEvent.objects.filter(center=center, action="appraisal.pickup_add", object_id=str(pickup.pk)).exists()
    again = client.post("/appraisal/pickups/new/", form)
    assert again.status_code == 400
    assert f"《{story.headline}》已登记过浙江日报在 {today():%Y-%m-%d} 的采用，不能重复登记" in again.content.decode()
    assert Pickup.objects.filter(center=center, story=story).count() == 1
    listing = client.get(f"/appraisal/pickups/?month={today():%Y-%m}&level=provincial&q=浙江").content.decode()
    assert story.headline in listing
    assert story.headline not in client.get("/appraisal/pickups/?level=central&q=浙江").content.decode()
    # change, then delete
    assert client.post(f"/appraisal/pickups/{pickup.pk}/", {**form, "level": "central", "is_long": ""}).status_code == 302
    pickup.refresh_from_db()
    assert (pickup.level, pickup.is_long) == ("central", False)
    assert client.post(f"/appraisal/pickups/{pickup.pk}/delete/").status_code == 302
    assert not Pickup.objects.filter(pk=pickup.pk).exists()
    assert AuditEvent.objects.filter(center=center, action="appraisal.pickup_delete").exists()


def test_the_story_is_found_by_our_own_site_link_or_a_publication_link(demo):
    center = demo["demo"]
    by_site = story_in(center, person("reporter"), headline="外宣测试：本站链接")
    by_pub = story_in(center, person("reporter"), headline="外宣测试：公众号链接",
                      remote_url="https://mp.weixin.qq.com/s/abc123")
    assert facts.find_story(center, link=f"https://www.example.cn/site/{center.slug}/news/{by_site.pk}/") == by_site
    assert facts.find_story(center, link="https://mp.weixin.qq.com/s/abc123/") == by_pub
    assert facts.find_story(center, link=f"https://x.cn/site/other-center/news/{by_site.pk}/") is None
    with pytest.raises(ValidationError) as caught:
        facts.save_pickup(center=center, user=person("appraiser"), data=facts.PickupData(
            outlet_name="市报", level="prefecture", used_on=today(), our_link="https://nowhere.example/x"))
    assert "没有找到这个链接对应的本中心稿件" in str(caught.value)


def test_a_closed_month_and_bad_values_are_refused(login, demo):
    center = demo["demo"]
    story = story_in(center, person("reporter"), headline="外宣测试：已结算")
    old_day = (today().replace(day=1) - dt.timedelta(days=40))
    close_month(center, old_day)
    client = login("appraiser")
    answer = client.post("/appraisal/pickups/new/", {"story_id": story.pk, "outlet_name": "市报", "level": "prefecture",
                                                     "used_on": f"{old_day:%Y-%m-%d}"})
    assert answer.status_code == 400 and f"{old_day:%Y年%m月}已结算锁定" in answer.content.decode()
    future = client.post("/appraisal/pickups/new/", {"story_id": story.pk, "outlet_name": "市报", "level": "prefecture",
                                                     "used_on": f"{today() + dt.timedelta(days=3):%Y-%m-%d}"})
    assert "采用日期不能晚于今天。" in future.content.decode()
    missing = client.post("/appraisal/pickups/new/", {"story_id": 9_000_000, "outlet_name": "市报", "level": "county",
                                                      "used_on": f"{today():%Y-%m-%d}", "url": "javascript:alert(1)"})
    text = missing.content.decode()
    assert "本中心没有编号为 9000000 的稿件。" in text and "采用链接应为 http:// 或 https:// 开头的网址" in text
    assert not Pickup.objects.filter(story=story).exists()
    draft = story_in(center, person("reporter"), headline="外宣测试：草稿不能登记", published=False)
    refused = client.post("/appraisal/pickups/new/", {"story_id": draft.pk, "outlet_name": "市报", "level": "county",
                                                      "used_on": f"{today():%Y-%m-%d}"}).content.decode()
    assert "这篇稿件尚未签发，不能登记外宣采用。" in refused and draft.headline not in refused


@pytest.mark.parametrize("username", ["reporter", "editor", "hr"])
def test_only_the_appraisal_admin_keeps_the_register(login, username):
    client = login(username)
    for url in ("/appraisal/pickups/", "/appraisal/pickups/new/", "/appraisal/pickups/import/",
                "/appraisal/pickups/import/template.xlsx"):
        assert client.get(url).status_code == 403


def test_another_centers_pickup_is_not_found(login, demo):
    theirs = story_in(demo["linxian"], person("reporter"), headline="外宣测试：他中心", published=False)
    pickup = Pickup.objects.create(center=demo["linxian"], story=theirs, month=today().replace(day=1), outlet_name="省报",
                                   level="provincial", used_on=today())
    client = login("appraiser")
    assert client.get(f"/appraisal/pickups/{pickup.pk}/").status_code == 404
    assert client.post(f"/appraisal/pickups/{pickup.pk}/delete/").status_code == 404
    assert Pickup.objects.filter(pk=pickup.pk).exists()


def _csv(lines: list[str], encoding: str = "utf-8-sig") -> SimpleUploadedFile:
    return SimpleUploadedFile("外宣登记.csv", "\n".join(lines).encode(encoding), content_type="text/csv")


def test_import_names_every_bad_row_and_imports_only_when_told(login, demo):
    center = demo["demo"]
    a = story_in(center, person("reporter"), headline="外宣测试：导入甲")
    b = story_in(center, person("reporter"), headline="外宣测试：导入乙",
                 remote_url="https://weibo.example.cn/status/42")
    day = f"{today():%Y/%m/%d}"
    upload = _csv([
        "稿件编号,本中心发布链接,采用媒体,级别,采用日期,采用链接,长篇",
        f"{a.pk},,浙江日报,省级,{day},https://zjrb.example.cn/1,否",       # row 2 fine
        f",https://weibo.example.cn/status/42,人民日报客户端,中央级,{day},,是",  # row 3 fine (by link)
        f"{a.pk},,浙江日报,省级,{day},,",                                  # row 4 repeats row 2
        "9000000,,市报,地市级,2026-12-01,,",                              # row 5 no such story
        f"{a.pk},,县报,乡镇级,{day},,",                                     # row 6 bad level
        f"{b.pk},,市台,地市级,十二月,,",                                    # row 7 bad date
    ], encoding="gb18030")
    client = login("appraiser")
    answer = client.post("/appraisal/pickups/import/", {"file": upload})
    assert answer.status_code == 302
    batch = ImportBatch.objects.filter(center=center, kind="pickups").latest("pk")
    assert (batch.status, batch.rows_total, batch.rows_valid) == ("checked", 6, 2)
    rows = {e["row"]: e for e in batch.errors}
    assert set(rows) == {4, 5, 6, 7}
    assert "与第 2 行重复" in rows[4]["message"]
    assert "本中心没有编号为 9000000 的稿件" in rows[5]["message"]
    assert rows[6]["field"] == "级别" and rows[7]["field"] == "采用日期"
    page = client.get(f"/appraisal/pickups/import/{batch.pk}/").content.decode()
    assert "第 5 行" in page and "只导入有效行" in page
    refused = client.post(f"/appraisal/pickups/import/{batch.pk}/", {})
    assert refused.status_code == 400 and "文件中有 4 行有错误" in refused.content.decode()
    assert not Pickup.objects.filter(story__in=[a, b]).exists()
    assert client.post(f"/appraisal/pickups/import/{batch.pk}/", {"valid_only": "1"}).status_code == 302
    batch.refresh_from_db()
    assert (batch.status, batch.rows_imported) == ("partial", 2)
    saved = {(p.story_id, p.outlet_name, p.level, p.is_long, p.source) for p in Pickup.objects.filter(story__in=[a, b])}
    assert saved == {(a.pk, "浙江日报", "provincial", False, "import"), (b.pk, "人民日报客户端", "central", True, "import")}
    assert client.post(f"/appraisal/pickups/import/{batch.pk}/", {"valid_only": "1"}).status_code == 400  # once only


def test_an_xlsx_without_errors_imports_and_importing_it_again_changes_nothing(login, demo):
    center = demo["demo"]
    story = story_in(center, person("reporter"), headline="外宣测试：Excel")
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["稿件编号", "采用媒体", "级别", "采用日期", "长篇"])
    sheet.append([story.pk, "市电视台", "地市级", dt.datetime.combine(today(), dt.time()), "是"])
    sheet.append([story.pk, "省电台", "省级", dt.datetime.combine(today(), dt.time()), ""])
    buffer = io.BytesIO()
    book.save(buffer)
    client = login("appraiser")

    def upload_and_import() -> ImportBatch:
        client.post("/appraisal/pickups/import/", {"file": SimpleUploadedFile("pickups.xlsx", buffer.getvalue())})
        batch = ImportBatch.objects.filter(center=center, kind="pickups").latest("pk")
        assert batch.errors == [] and batch.rows_valid == 2
        assert client.post(f"/appraisal/pickups/import/{batch.pk}/", {}).status_code == 302
        batch.refresh_from_db()
        return batch

    first = upload_and_import()
    assert (first.status, first.rows_imported) == ("imported", 2)
    assert Pickup.objects.filter(story=story).count() == 2
    assert Pickup.objects.get(story=story, outlet_name="市电视台").is_long is True
    upload_and_import()
    assert Pickup.objects.filter(story=story).count() == 2


def test_an_unreadable_file_is_refused_whole_and_templates_download(login, demo):
    client = login("appraiser")
    client.post("/appraisal/pickups/import/", {"file": SimpleUploadedFile("x.csv", b"a,b\n1,2\n")})
    batch = ImportBatch.objects.filter(center=demo["demo"], kind="pickups").latest("pk")
    assert batch.status == "refused" and "缺少列" in batch.errors[0]["message"]
    template = client.get("/appraisal/pickups/import/template.xlsx")
    assert template.status_code == 200
    headers = [c.value for c in openpyxl.load_workbook(io.BytesIO(template.content)).worksheets[0][1]]
    assert any("采用媒体" in str(h) for h in headers) and any("级别" in str(h) for h in headers)
    assert "采用日期" in client.get("/appraisal/pickups/import/template.csv").content.decode("utf-8-sig")
