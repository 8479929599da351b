"""WCI V14.2 and the transmission index (传播力指数), checked against values computed by
hand (the worked examples in indices.py and docs/analytics.md), and the 传播力设置 screen
that edits the index's weights."""

import datetime as dt
import math

import pytest

from rongmei.analytics import indices, selectors
from rongmei.analytics.models import AccountMetric, AnalyticsSettings, PieceMetric
from rongmei.core.models import AuditEvent
from rongmei.distribution.models import ChannelAccount

D1, D7, D10 = dt.date(2025, 11, 1), dt.date(2025, 11, 7), dt.date(2025, 11, 10)


def _piece(center, key, day, outlet="wechat", account=None, external_id="", url="", **figures):
    return PieceMetric.objects.create(center=center, key=key, day=day, outlet=outlet, account=account,
                                      external_id=external_id, url=url, source="import", **figures)


def test_term_is_the_published_formula():
    assert indices.term(300, 1, 6, 3) == pytest.approx(
        0.70 * math.log(301) + 0.09 * math.log(11) + 0.06 * math.log(61) + 0.15 * math.log(31))
    assert round(indices.term(300, 1, 6, 3), 4) == 4.9725
    assert indices.wci_of([], 7) == (0.0, 0.0, 0.0, 0.0, 0.0)


def test_wci_worked_example(demo):
    center = demo["demo"]
    account = ChannelAccount.objects.create(center=center, kind="wechat", name="测试公众号")
    # push 100: the headline (700 reads over two days) and a second article; push 101: one article
    _piece(center, "k1", D1, account=account, external_id="100_1", reads=500, looks=7, likes=10, shares=7)
    _piece(center, "k1", D1 + dt.timedelta(days=1), account=account, external_id="100_1", reads=200, likes=4)
    _piece(center, "k2", D1, account=account, external_id="100_2", reads=350, likes=7)
    _piece(center, "k3", D1 + dt.timedelta(days=3), account=account, external_id="101_1", reads=1400, likes=28, shares=14)
    # not counted: an article first seen before the period, and a day after it
    _piece(center, "old", D1 - dt.timedelta(days=1), account=account, external_id="99_1", reads=5)
    _piece(center, "old", D1, account=account, external_id="99_1", reads=99999)
    _piece(center, "k3", D7 + dt.timedelta(days=1), account=account, external_id="101_1", reads=99999)
    [found] = [x for x in selectors.wci(center, D1, D7) if x.account_id == account.pk]
    assert (found.days, found.articles, found.headlines) == (7, 3, 2)
    assert (found.reads, found.looks, found.likes, found.shares) == (2450, 7, 49, 21)
    assert (found.o, found.a, found.h, found.p) == (5.0892, 5.9273, 4.9725, 6.5357)
    assert found.wci == 348.60
    assert found.account_name == "测试公众号"


def test_headline_is_the_lowest_index_of_its_push_from_links_or_ids():
    assert indices.push_position("", "https://mp.weixin.qq.com/s?__biz=x&mid=200&idx=0&sn=1", "k") == ("mid:200", 0)
    assert indices.push_position("2247483650_2", "", "k") == ("mid:2247483650", 2)
    assert indices.push_position("", "", "ext:wechat:abc") == ("key:ext:wechat:abc", 0)
    rows = [{"key": "a", "external_id": "", "url": "https://mp.weixin.qq.com/s?mid=9&idx=0", "reads": 1, "looks": 0,
             "likes": 0, "shares": 0},
            {"key": "b", "external_id": "", "url": "https://mp.weixin.qq.com/s?mid=9&idx=1", "reads": 1, "looks": 0,
             "likes": 0, "shares": 0},
            {"key": "c", "external_id": "", "url": "", "reads": 1, "looks": 0, "likes": 0, "shares": 0}]
    assert [a.headline for a in indices._articles(rows)] == [True, False, True]


def test_transmission_index_hand_computed_and_missing_outlets_named(demo):
    center = demo["demo"]
    for day, reads, likes, shares, comments in ((D1, 6000, 60, 30, 10), (D10, 4000, 40, 20, 10)):
        _piece(center, "w1", day, reads=reads, likes=likes, shares=shares, comments=comments)
    _piece(center, "d1", dt.date(2025, 11, 5), outlet="douyin", reads=50000, likes=2000, shares=300, comments=100)
    _piece(center, "t1", dt.date(2025, 11, 5), outlet="toutiao", reads=1000)
    _piece(center, "w-late", D10 + dt.timedelta(days=1), reads=10 ** 9)  # after the period
    for key, day, outlet, followers in (("acct:a", dt.date(2025, 11, 5), "wechat", 5000),
                                        ("acct:a", dt.date(2025, 11, 9), "wechat", 5200),
                                        ("ext:wechat:b", dt.date(2025, 10, 20), "wechat", 800),
                                        ("ext:douyin:c", D10, "douyin", 20000),
                                        ("ext:douyin:c", D10 + dt.timedelta(days=1), "douyin", 10 ** 9)):
        AccountMetric.objects.create(center=center, key=key, day=day, outlet=outlet, followers=followers, source="import")
    # 微博: followers only, no piece's figures — not "reached nobody", just not known: 无数据
    AccountMetric.objects.create(center=center, key="ext:weibo:w", day=D1, outlet="weibo", followers=900, source="import")
    index = selectors.transmission_index(center, D1, D10)
    by = {o.outlet: o for o in index.outlets}
    assert [o.outlet for o in index.outlets] == ["wechat", "douyin", "weibo", "channels"]
    assert (by["wechat"].reads, by["wechat"].likes, by["wechat"].shares, by["wechat"].comments,
            by["wechat"].followers) == (10000, 100, 50, 20, 6000)
    # B = 0.6·ln(1001) + 0.1·ln(101) + 0.15·ln(51) + 0.05·ln(21) + 0.1·ln(6001) = 6.2187; 6.2187² × 12
    assert by["wechat"].value == 464.07
    # B = 0.6·ln(5001) + 0.1·ln(2001) + 0.15·ln(301) + 0.05·ln(101) + 0.1·ln(20001) = 7.9478
    assert by["douyin"].value == 758.00
    assert [(o.outlet, o.has_data, o.value, o.followers) for o in index.missing] == [
        ("weibo", False, None, 900), ("channels", False, None, 0)]
    assert index.coverage == 55
    assert index.value == round((30 * 464.07 + 25 * 758.00) / 55, 2) == 597.67
    assert [(o.outlet, o.weight, o.reads) for o in index.others] == [("toutiao", 0, 1000)]


def test_no_data_at_all_has_no_value(demo):
    index = indices.transmission_index(demo["linxian"], dt.date(2001, 1, 1), dt.date(2001, 1, 31))
    assert index.value is None and index.coverage == 0 and len(index.missing) == 4


def _weights(client, version, **weights):
    data = {"version": str(version)}
    data.update({f"w_{k}": str(v) for k, v in weights.items()})
    return client.post("/analytics/settings/", data)


def test_settings_screen_saves_checks_and_guards_versions(demo, login):
    center = demo["demo"]
    operator = login("operator")
    page = operator.get("/analytics/settings/")
    assert page.status_code == 200 and "传播力设置" in page.content.decode()
    current = indices.settings_of(center)
    saved = _weights(operator, current.version, wechat=40, weibo=20, douyin=20, channels=10, xuexi=10)
    assert saved.status_code == 302
    current.refresh_from_db()
    assert current.index_weights == {"wechat": 40, "weibo": 20, "douyin": 20, "channels": 10, "xuexi": 10}
    # the demo's imported 抖音 figures count; 学习强国 has a weight and no figure: named, not a silent zero
    PieceMetric.objects.filter(center=center, outlet="xuexi").delete()
    preview = operator.get("/analytics/settings/").content.decode()
    douyin_row = preview.split('data-outlet="douyin"')[1].split("</tr>")[0]
    assert "无数据" not in douyin_row and "<td>20</td>" in douyin_row
    assert "无数据" in preview.split('data-outlet="xuexi"')[1].split("</tr>")[0]
    assert AuditEvent.objects.filter(center=center, action="analytics.weights").count() == 1
    version = current.version

    bad_sum = _weights(operator, version, wechat=50, weibo=20)
    assert bad_sum.status_code == 422 and "各平台权重加起来应为 100，现在是 70" in bad_sum.content.decode()
    negative = _weights(operator, version, wechat=110, weibo=-10)
    text = negative.content.decode()
    assert negative.status_code == 422 and "微信公众号的权重不能超过 100" in text and "微博的权重应为 0 到 100 之间的整数" in text
    current.refresh_from_db()
    assert current.version == version and current.index_weights["wechat"] == 40

    stale = _weights(operator, version - 1, wechat=100)
    assert stale.status_code == 409 and "已被他人修改" in stale.content.decode()
    current.refresh_from_db()
    assert current.index_weights["wechat"] == 40 and AuditEvent.objects.filter(action="analytics.weights").count() == 1
    assert indices.weights_of(center) == {"wechat": 40, "weibo": 20, "douyin": 20, "channels": 10, "xuexi": 10}


def test_settings_need_manage_and_stay_in_their_center(demo, login):
    assert login("editor").get("/analytics/settings/").status_code == 403
    assert login("reporter").post("/analytics/settings/", {"version": "1", "w_wechat": "100"}).status_code == 403
    operator = login("operator")
    current = indices.settings_of(demo["demo"])
    _weights(operator, current.version, wechat=100)
    assert not AnalyticsSettings.objects.filter(center=demo["linxian"], index_weights={"wechat": 100}).exists()
    assert indices.weights_of(demo["linxian"]) == {"wechat": 30, "weibo": 25, "douyin": 25, "channels": 20}
