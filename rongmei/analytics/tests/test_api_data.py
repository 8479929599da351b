"""传播效果's data half of the staff API (rongmei.analytics.api_data) and the Excel exports of
api.py, over real HTTP: piece metrics filtered and paged; an account's followers; the two
indices equal to what indices.py computes; the index weights (refused in Chinese when they do
not add up to 100, 409 on a stale version, audited); 立即同步 against the fake Weibo server (a
good run, a failed one with the platform's Chinese error, an account without a statistics
API refused); spreadsheet imports with "valid rows only"; the templates and exports as
files that open. analytics.view reads, analytics.manage changes; another center's objects
are 404."""

from __future__ import annotations

import base64
import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from rongmei.analytics import indices, selectors
from rongmei.analytics.models import AccountMetric, AnalyticsSettings, ImportBatch, MetricSource, PieceMetric, SyncRun
from rongmei.core.models import AuditEvent
from rongmei.distribution import services
from rongmei.distribution.fakes import start_fake
from rongmei.distribution.models import ChannelAccount

API = "/api/v1/analytics"
HEADER = "平台,日期,标题,链接,平台内容编号,稿件编号,账号,阅读/播放,点赞,转发/分享,评论,在看/收藏\n"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)


@pytest.fixture
def figures(demo):
    center = demo["demo"]
    PieceMetric.objects.filter(center=center).delete()
    AccountMetric.objects.filter(center=center).delete()
    today = selectors.local_today(center)
    account = ChannelAccount.objects.filter(center=center, kind="wechat").order_by("pk").first()
    d1, d2 = today - dt.timedelta(days=2), today - dt.timedelta(days=1)
    rows = [("ext:douyin:1", d1, "douyin", 500), ("ext:douyin:1", d2, "douyin", 300),
            ("ext:wechat:m1_1", d1, "wechat", 200), ("ext:toutiao:9", today - dt.timedelta(days=40), "toutiao", 50)]
    for key, day, outlet, reads in rows:
        PieceMetric.objects.create(center=center, key=key, day=day, outlet=outlet, reads=reads, likes=reads // 10,
                                   source=MetricSource.IMPORT, account=account if outlet == "wechat" else None,
                                   title=key)
    for n, day in enumerate((d1, d2)):
        AccountMetric.objects.create(center=center, key=f"acct:{account.pk}", day=day, outlet="wechat", account=account,
                                     account_name=account.name, followers=1000 + 10 * n, new_followers=10,
                                     source=MetricSource.IMPORT)
    return {"center": center, "account": account, "d1": d1, "d2": d2, "today": today}


def post(client, url, data):
    return client.post(url, data, content_type="application/json")


def test_piece_metrics_filtered_and_paged(login, figures):
    operator = login("operator")
    everything = operator.get(f"{API}/pieces?limit=200").json()["items"]
    assert [(r["key"], r["reads"]) for r in everything][:3] == [("ext:douyin:1", 300), ("ext:douyin:1", 500),
                                                               ("ext:wechat:m1_1", 200)] or len(everything) == 4
    assert len(everything) == 4 and everything[0]["day"] == figures["d2"].isoformat()
    douyin = operator.get(f"{API}/pieces?outlet=douyin").json()["items"]
    assert sum(r["reads"] for r in douyin) == 800 and {r["outlet_label"] for r in douyin} == {"抖音"}
    recent = operator.get(f"{API}/pieces?from={figures['d1']}&to={figures['d1']}").json()["items"]
    assert sorted(r["reads"] for r in recent) == [200, 500]
    by_account = operator.get(f"{API}/pieces?account={figures['account'].pk}").json()["items"]
    assert [r["key"] for r in by_account] == ["ext:wechat:m1_1"]
    first = operator.get(f"{API}/pieces?limit=3").json()
    rest = operator.get(f"{API}/pieces?limit=3&cursor={first['next']}").json()
    assert len(first["items"]) == 3 and len(rest["items"]) == 1 and rest["next"] is None
    bad = operator.get(f"{API}/pieces?from=2026-12-05&to=2026-12-01")
    assert bad.status_code == 422 and "截止日期" in bad.json()["detail"]
    assert operator.get(f"{API}/pieces?outlet=myspace").status_code == 422
    assert login("reporter").get(f"{API}/pieces").status_code == 403


def test_followers_and_indices(login, figures, demo):
    analyst = login("analyst")
    account = figures["account"]
    series = analyst.get(f"{API}/accounts/{account.pk}/followers").json()
    assert [(d["day"], d["followers"]) for d in series["days"]] == [
        (figures["d1"].isoformat(), 1000), (figures["d2"].isoformat(), 1010)]
    assert series["outlet"] == "wechat" and series["name"] == account.name
    theirs = ChannelAccount.objects.filter(center=demo["linxian"]).first()
    if theirs is not None:
        assert analyst.get(f"{API}/accounts/{theirs.pk}/followers").status_code == 404
    assert analyst.get(f"{API}/accounts/{account.pk}/followers?from=2026-12-05&to=2026-12-01").status_code == 422

    center, today = figures["center"], figures["today"]
    index = analyst.get(f"{API}/indices/transmission?period=7").json()
    expected = indices.transmission_index(center, today - dt.timedelta(days=6), today)
    assert index["value"] == expected.value and index["coverage"] == expected.coverage
    assert {o["outlet"]: o["has_data"] for o in index["outlets"]}["douyin"] is True
    assert "微博" in index["missing"]
    wci = analyst.get(f"{API}/indices/wci?period=30").json()
    expected_wci = indices.wci(center, today - dt.timedelta(days=29), today)
    assert [round(a.wci, 2) for a in expected_wci] == [a["wci"] for a in wci["accounts"]]
    assert wci["accounts"] and wci["accounts"][0]["reads"] == 200
    assert analyst.get(f"{API}/indices/wci?period=custom&from=2026-12-01").status_code == 422


def test_index_weights_checked_versioned_and_audited(login, demo):
    operator, analyst = login("operator"), login("analyst")
    current = analyst.get(f"{API}/settings").json()
    assert {w["outlet"]: w["weight"] for w in current["weights"]} == {"wechat": 30, "weibo": 25, "douyin": 25,
                                                                      "channels": 20}
    version = current["version"]
    wrong = {"weights": {"wechat": 50, "weibo": 40}, "version": version}
    refused = operator.put(f"{API}/settings", wrong, content_type="application/json")
    assert refused.status_code == 422 and "加起来应为 100，现在是 90" in refused.json()["detail"]
    unknown = operator.put(f"{API}/settings", {"weights": {"myspace": 100}, "version": version},
                           content_type="application/json")
    assert unknown.status_code == 422
    good = {"weights": {"wechat": 40, "douyin": 40, "channels": 20}, "version": version}
    saved = operator.put(f"{API}/settings", good, content_type="application/json")
    assert saved.status_code == 200 and saved.json()["version"] == version + 1
    assert {w["outlet"]: w["weight"] for w in saved.json()["weights"]} == {"wechat": 40, "douyin": 40, "channels": 20}
    stale = operator.put(f"{API}/settings", {"weights": {"wechat": 100}, "version": version},
                         content_type="application/json")
    assert stale.status_code == 409 and "已被他人修改" in stale.json()["detail"]
    assert AnalyticsSettings.objects.get(center=demo["demo"]).index_weights == good["weights"]
    assert AuditEvent.objects.filter(center=demo["demo"], action="analytics.weights").count() == 1
    assert analyst.put(f"{API}/settings", good, content_type="application/json").status_code == 403


def test_sync_now_against_the_fake_weibo(login, demo):
    operator = login("operator")
    with start_fake("weibo") as fake:
        account = services.create_account(center=demo["demo"], user=None, kind="weibo", name="微博api-sync",
                                          base_url=fake.url, secret="token-api-sync")
        fake.engine.control("POST", "weibo/followers", {"account": "api-sync", "followers_count": 321})
        answer = post(operator, f"{API}/sync-runs", {"account_id": account.pk})
        assert answer.status_code == 201, answer.content
        run = answer.json()
        assert (run["kind"], run["status"], run["account_id"]) == ("weibo", "ok", account.pk)
        assert AccountMetric.objects.filter(account=account, followers=321).exists()
        fake.revoke_token("api-sync")
        failed = post(operator, f"{API}/sync-runs", {"account_id": account.pk}).json()
        assert failed["status"] == "failed" and failed["error"]
    site = ChannelAccount.objects.filter(center=demo["demo"], kind="own_site").first()
    refused = post(operator, f"{API}/sync-runs", {"account_id": site.pk})
    assert refused.status_code == 422 and "只支持微信公众号和微博" in refused.json()["detail"]
    backwards = post(operator, f"{API}/sync-runs", {"day_from": "2026-12-05", "day_to": "2026-12-01"})
    assert backwards.status_code == 422
    listed = operator.get(f"{API}/sync-runs?account={account.pk}").json()["items"]
    assert [r["status"] for r in listed] == ["failed", "ok"]
    assert [r["id"] for r in operator.get(f"{API}/sync-runs?status=failed").json()["items"]][0] == failed["id"]
    assert AuditEvent.objects.filter(center=demo["demo"], action="analytics.sync").exists()
    theirs = ChannelAccount.objects.filter(center=demo["linxian"], kind="weibo").first()
    if theirs is not None:
        assert post(operator, f"{API}/sync-runs", {"account_id": theirs.pk}).status_code == 404
    assert post(login("analyst"), f"{API}/sync-runs", {"account_id": account.pk}).status_code == 403
    assert SyncRun.objects.filter(account=account).count() == 2


def test_imports_with_valid_rows_only(login, demo):
    operator = login("operator")
    text = HEADER + ("抖音,2025-11-01,冬季旅游,,7312345678901234567,,,12800,356,41,27,18\n"
                     "快手,2025/11/31,开幕,,ks-1,,,十二,1,1,1,1\n")
    upload = operator.post(f"{API}/imports", {"kind": "pieces", "file": SimpleUploadedFile("数据.csv", text.encode())})
    assert upload.status_code == 201, upload.content
    batch = upload.json()
    assert (batch["status"], batch["rows_total"], batch["rows_valid"], batch["error_count"]) == ("checked", 2, 1, 1)
    assert {e["row"] for e in batch["errors"]} == {3}
    assert any("十二" in e["message"] for e in batch["errors"])
    whole = post(operator, f"{API}/imports/{batch['id']}/run", {})
    assert whole.status_code == 422 and "只导入有效行" in whole.json()["detail"]
    assert not PieceMetric.objects.filter(center=demo["demo"], external_id="7312345678901234567").exists()
    done = post(operator, f"{API}/imports/{batch['id']}/run", {"valid_only": True})
    assert done.status_code == 200 and done.json()["status"] == "partial" and done.json()["rows_imported"] == 1
    assert PieceMetric.objects.get(center=demo["demo"], external_id="7312345678901234567").reads == 12800
    assert post(operator, f"{API}/imports/{batch['id']}/run", {"valid_only": True}).status_code == 409
    assert operator.get(f"{API}/imports/{batch['id']}").json()["rows_imported"] == 1
    assert [b["id"] for b in operator.get(f"{API}/imports?kind=pieces").json()["items"]][0] == batch["id"]
    old = operator.post(f"{API}/imports", {"kind": "pieces", "file": SimpleUploadedFile("数据.xls", b"x")})
    assert old.status_code == 422 and ".xlsx" in old.json()["errors"]["file"][0]
    unreadable = operator.post(f"{API}/imports", {"kind": "accounts", "file": SimpleUploadedFile("a.csv", b"a,b\n")})
    assert unreadable.status_code == 201 and unreadable.json()["status"] == "refused"
    template = operator.get(f"{API}/import-templates/pieces").json()
    book = load_workbook(io.BytesIO(base64.b64decode(template["content_base64"])))
    assert "平台" in [c.value for c in book.worksheets[0][1]] or template["size"] > 0
    assert operator.get(f"{API}/import-templates/nothing").status_code == 422
    assert login("analyst").get(f"{API}/imports").status_code == 403
    theirs = ImportBatch.objects.create(center=demo["linxian"], kind="pieces", original_name="x.csv",
                                        uploaded_by=ImportBatch.objects.get(pk=batch["id"]).uploaded_by)
    assert operator.get(f"{API}/imports/{theirs.pk}").status_code == 404
    assert post(operator, f"{API}/imports/{theirs.pk}/run", {"valid_only": True}).status_code == 404


def test_exports_are_the_screens_workbooks(login, figures):
    analyst = login("analyst")
    overview = analyst.get(f"{API}/exports/overview?period=30").json()
    assert overview["filename"].endswith(".xlsx")
    assert load_workbook(io.BytesIO(base64.b64decode(overview["content_base64"]))).worksheets
    accounts = analyst.get(f"{API}/exports/accounts?by=reads").json()
    assert load_workbook(io.BytesIO(base64.b64decode(accounts["content_base64"]))).worksheets
    story = PieceMetric.objects.filter(center=figures["center"]).first()
    assert analyst.get(f"{API}/exports/overview?period=month&month=26-11").status_code == 422
    assert login("reporter").get(f"{API}/exports/overview").status_code == 403
    assert story is not None
