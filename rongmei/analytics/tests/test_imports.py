"""数据导入 over HTTP: upload → a page naming every bad row → import (refused while errors
exist unless "只导入有效行" is ticked) → figures upserted, linked to our stories, never
doubled by importing again. Permission analytics.manage; another center's batch is a 404."""

import datetime as dt
import io
import os

import pytest
from openpyxl import Workbook, load_workbook

from rongmei.analytics import imports
from rongmei.analytics.models import AccountMetric, ImportBatch, PieceMetric
from rongmei.core.models import AuditEvent, User
from rongmei.distribution.models import ChannelAccount, Publication
from rongmei.newsroom.models import Story

HEADER = "平台,日期,标题,链接,平台内容编号,稿件编号,账号,阅读/播放,点赞,转发/分享,评论,在看/收藏\n"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)


@pytest.fixture
def operator(login):
    return login("operator")


def _upload(client, content: bytes, name="数据.csv", kind="pieces"):
    response = client.post("/analytics/imports/upload/", {"kind": kind, "file": _file(content, name)})
    assert response.status_code == 302, response.content.decode()[:500]
    return ImportBatch.objects.get(pk=int(response["Location"].rstrip("/").rsplit("/", 1)[1]))


def _file(content: bytes, name: str):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content)


def _pieces(demo):
    return PieceMetric.objects.filter(center=demo["demo"])


def test_bad_rows_named_and_nothing_imported_unless_valid_rows_chosen(demo, operator, django_capture_on_commit_callbacks):
    text = HEADER + (
        "抖音,2025-11-01,冬季旅游,,7312345678901234567,,,12800,356,41,27,18\n"
        "快手,2025/11/31,开幕,,ks-1,,,十二,1,1,1,1\n"
        "今日头条,2025-11-01,无编号,,,,,100,,,,\n"
        "今日头条,2025年11月2日,头条文章,https://www.toutiao.com/article/1/,,,,1.2万,8,2,1,0\n")
    before = _pieces(demo).count()
    batch = _upload(operator, text.encode("gb18030"))
    assert (batch.status, batch.rows_total, batch.rows_valid) == ("checked", 4, 2)
    page = operator.get(f"/analytics/imports/{batch.pk}/").content.decode()
    assert 'data-row="3"' in page and "2025/11/31" in page and "不是整数：“十二”" in page
    assert 'data-row="4"' in page and "链接、平台内容编号、稿件编号至少填一项" in page
    assert 'data-row="2"' not in page and 'data-row="5"' not in page
    refused = operator.post(f"/analytics/imports/{batch.pk}/run/")
    assert refused.status_code == 422
    assert "文件中有 2 行有错误，没有导入任何数据" in refused.content.decode()
    assert _pieces(demo).count() == before
    batch.refresh_from_db()
    assert batch.status == "checked" and batch.rows_imported == 0

    stored = batch.file.path
    assert os.path.exists(stored)
    with django_capture_on_commit_callbacks(execute=True):
        done = operator.post(f"/analytics/imports/{batch.pk}/run/", {"valid_only": "1"})
    assert done.status_code == 302
    assert not os.path.exists(stored)  # the upload is not kept once its figures are in
    batch.refresh_from_db()
    assert not batch.file
    assert (batch.status, batch.rows_imported) == ("partial", 2)
    douyin = _pieces(demo).get(key="ext:douyin:7312345678901234567")
    assert (douyin.day, douyin.reads, douyin.likes, douyin.shares, douyin.comments, douyin.looks, douyin.source) == (
        dt.date(2025, 11, 1), 12800, 356, 41, 27, 18, "import")
    toutiao = _pieces(demo).get(outlet="toutiao", url="https://www.toutiao.com/article/1/")
    assert (toutiao.reads, toutiao.day) == (12000, dt.date(2025, 11, 2))
    assert _pieces(demo).count() == before + 2
    assert AuditEvent.objects.filter(center=demo["demo"], action="analytics.import_run", object_id=str(batch.pk)).exists()
    again = operator.post(f"/analytics/imports/{batch.pk}/run/", {"valid_only": "1"})
    assert again.status_code == 409 and "不能再导入" in again.content.decode()


def test_reimporting_replaces_and_never_doubles(demo, operator):
    first = HEADER + "抖音,2025-11-01,A,,dy-1,,,100,1,1,1,1\n抖音,2025-11-02,A,,dy-1,,,50,0,0,0,0\n"
    for _ in range(2):
        batch = _upload(operator, first.encode())
        assert operator.post(f"/analytics/imports/{batch.pk}/run/").status_code == 302
    rows = _pieces(demo).filter(key="ext:douyin:dy-1").order_by("day")
    assert [(r.day.day, r.reads) for r in rows] == [(1, 100), (2, 50)]
    corrected = HEADER + "抖音,2025-11-02,A,,dy-1,,,75,3,0,0,0\n"
    batch = _upload(operator, corrected.encode())
    operator.post(f"/analytics/imports/{batch.pk}/run/")
    assert [(r.day.day, r.reads) for r in rows.all()] == [(1, 100), (2, 75)]
    assert sum(r.reads for r in rows.all()) == 175


def test_rows_are_linked_to_our_stories(demo, operator, settings):
    center = demo["demo"]
    story, other = Story.objects.filter(center=center).order_by("id")[:2]
    neighbour_story = Story.objects.filter(center=demo["linxian"]).first()
    account = ChannelAccount.objects.create(center=center, kind="assisted", name="示例县抖音号", options={"outlet": "douyin"})
    publication = Publication.objects.create(
        center=center, story=story, account=account, channel="video", status="sent", story_version=1, content_hash="h",
        remote_url="https://www.douyin.com/video/555", remote_id="555", created_by=User.objects.get(username="operator"))
    site = center.site_url(f"/news/{other.pk}/")
    text = HEADER + (
        "抖音,2025-11-01,,https://www.douyin.com/video/555/,,,,900,9,0,0,0\n"  # the publication's link
        "抖音,2025-11-01,,,555,,示例县抖音号,100,0,0,0,0\n"  # the publication's platform id: the same piece
        f"网站,2025-11-01,,{site},,,,300,0,0,0,0\n"  # our own site's address
        f"快手,2025-11-01,,,ks-9,{other.pk},,40,0,0,0,0\n"  # the story id given
        f"快手,2025-11-01,,,ks-10,{neighbour_story.pk if neighbour_story else 999999999},,40,0,0,0,0\n"
        "抖音,2025-11-03,,,dy-x,,不存在的账号,1,0,0,0,0\n"
        f"抖音,2025-11-03,,{site},,,,1,0,0,0,0\n")
    batch = _upload(operator, text.encode())
    found = {(e["row"], e["field"]): e["message"] for e in batch.errors}
    assert found[(3, "日期")] == "与第 2 行是同一内容（账号）的同一天，请合并为一行。"
    assert "本中心没有编号为" in found[(6, "稿件编号")]
    assert "账号矩阵中没有抖音账号“不存在的账号”" in found[(7, "账号")]
    assert found[(8, "平台")] == "这是本站的稿件网址，平台应填“网站”或“客户端”。"
    operator.post(f"/analytics/imports/{batch.pk}/run/", {"valid_only": "1"})
    pub_row = PieceMetric.objects.get(center=center, key=f"pub:{publication.pk}")
    assert (pub_row.story_id, pub_row.publication_id, pub_row.account_id, pub_row.reads) == (story.pk, publication.pk,
                                                                                              account.pk, 900)
    web = PieceMetric.objects.get(center=center, key=f"story:{other.pk}:web", day=dt.date(2025, 11, 1))
    assert (web.story_id, web.reads) == (other.pk, 300)
    kuaishou = PieceMetric.objects.get(center=center, key="ext:kuaishou:ks-9")
    assert kuaishou.story_id == other.pk


def test_accounts_import_links_matrix_accounts(demo, operator):
    center = demo["demo"]
    ChannelAccount.objects.create(center=center, kind="assisted", name="示例县抖音号", options={"outlet": "douyin"})
    workbook = Workbook()
    for row in (["平台", "账号名称", "日期", "粉丝总数", "新增关注", "取消关注"],
                ["抖音", "示例县抖音号", dt.datetime(2025, 11, 1), 85321, 212, 35],
                ["今日头条", "示例县发布", dt.datetime(2025, 11, 1), "2.3万", None, None],
                ["今日头条", "示例县发布", dt.datetime(2025, 11, 2), None, None, None]):
        workbook.active.append(row)
    out = io.BytesIO()
    workbook.save(out)
    batch = _upload(operator, out.getvalue(), name="粉丝.xlsx", kind="accounts")
    assert [(e["row"], e["field"]) for e in batch.errors] == [(4, "粉丝总数")]
    operator.post(f"/analytics/imports/{batch.pk}/run/", {"valid_only": "on"})
    rows = AccountMetric.objects.filter(center=center, day=dt.date(2025, 11, 1)).order_by("outlet")
    assert [(r.outlet, r.account_name, r.account_id is not None, r.followers) for r in rows] == [
        ("douyin", "示例县抖音号", True, 85321), ("toutiao", "示例县发布", False, 23000)]


def test_unreadable_file_is_refused_with_a_chinese_reason(demo, operator):
    batch = _upload(operator, "标题,点击\nx,1\n".encode(), name="x.csv")
    assert batch.status == "refused"
    page = operator.get(f"/analytics/imports/{batch.pk}/").content.decode()
    assert "缺少列：平台、日期、阅读/播放" in page
    assert operator.post(f"/analytics/imports/{batch.pk}/run/").status_code == 409
    wrong = operator.post("/analytics/imports/upload/", {"kind": "pieces", "file": _file(b"x", "a.pdf")})
    assert wrong.status_code == 422 and "只能上传 Excel 工作簿" in wrong.content.decode()


def test_templates_download_and_read_back(demo, operator):
    xlsx = operator.get("/analytics/imports/template/pieces.xlsx")
    assert xlsx.status_code == 200 and "attachment" in xlsx["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(xlsx.content)).worksheets[0]
    assert [c.value for c in sheet[1]][:2] == ["平台*", "日期*"]
    checked = imports.check_rows(demo["demo"], "pieces", xlsx.content)
    assert checked.errors == [] and len(checked.objects) == 3
    csv_file = operator.get("/analytics/imports/template/accounts.csv")
    assert csv_file.content.startswith(b"\xef\xbb\xbf")
    assert imports.check_rows(demo["demo"], "accounts", csv_file.content).errors == []
    assert operator.get("/analytics/imports/template/pickups.xlsx").status_code == 404


def test_permission_and_center_isolation(demo, login, operator):
    assert login("reporter").get("/analytics/imports/").status_code == 403
    assert login("editor").post("/analytics/imports/upload/", {"kind": "pieces"}).status_code == 403
    assert operator.get("/analytics/imports/").status_code == 200
    neighbour = imports.check(center=demo["linxian"], user=User.objects.get(username="admin"), kind="pieces",
                              upload=(HEADER + "抖音,2025-11-01,,,x,,,1,0,0,0,0\n").encode(), name="n.csv")
    assert operator.get(f"/analytics/imports/{neighbour.pk}/").status_code == 404
    assert operator.post(f"/analytics/imports/{neighbour.pk}/run/").status_code == 404
    assert "n.csv" not in operator.get("/analytics/imports/").content.decode()


def test_demo_batches_are_loaded_once(demo, login):
    center = demo["demo"]
    names = set(ImportBatch.objects.filter(center=center).values_list("original_name", flat=True))
    assert {imports.DEMO_PIECES, imports.DEMO_ACCOUNTS} <= names
    counts = (PieceMetric.objects.filter(center=center).count(), AccountMetric.objects.filter(center=center).count())
    assert imports.load_demo(center) == (0, 1)
    assert (PieceMetric.objects.filter(center=center).count(), AccountMetric.objects.filter(center=center).count()) == counts
    page = login("operator").get("/analytics/imports/").content.decode()
    assert imports.DEMO_PIECES in page
