"""The dashboards: center overview, one item's reach, accounts ranking, big screen and the
Excel downloads — permissions, another center's story (404), period validation, and the
numbers on the page (and in the files) against a hand-made data set."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from openpyxl import load_workbook

from rongmei.analytics import selectors
from rongmei.analytics.models import AccountMetric, MetricSource, PieceMetric
from rongmei.core.models import User
from rongmei.distribution.models import ChannelAccount, Publication
from rongmei.newsroom.models import Story

HOSTILE = '=HYPERLINK("http://evil.example")<script>alert(1)</script>'


@pytest.fixture
def world(demo):
    """A known data set in the demo center (its demo figures set aside; rolled back after)."""
    center = demo["demo"]
    PieceMetric.objects.filter(center=center).delete()
    AccountMetric.objects.filter(center=center).delete()
    today = selectors.local_today(center)
    pub = Publication.objects.filter(center=center, sent_at__isnull=False).select_related("story", "account").first()
    story = pub.story
    wechat = ChannelAccount.objects.filter(center=center, kind="wechat", owner="center").first()
    village = ChannelAccount.objects.filter(center=center, kind="wechat", owner="village").first()

    def piece(key, day, outlet, reads, likes=0, shares=0, comments=0, **extra):
        return PieceMetric.objects.create(center=center, key=key, day=day, outlet=outlet, reads=reads, likes=likes,
                                          shares=shares, comments=comments, source=MetricSource.IMPORT, **extra)

    d1, d2, old = today - dt.timedelta(days=2), today - dt.timedelta(days=1), today - dt.timedelta(days=40)
    piece(f"story:{story.pk}:web", d1, "web", 100, 5, 2, 1, story=story)
    piece(f"story:{story.pk}:web", d2, "web", 50, 1, 0, 0, story=story)
    piece(f"story:{story.pk}:douyin", d2, "douyin", 1000, 40, 10, 3, story=story)
    piece(f"story:{story.pk}:douyin", old, "douyin", 7777, story=story)  # outside the last 30 days
    piece("ext:douyin:123", d1, "douyin", 400, 4, 1, 0, title=f"外部作品 {HOSTILE}", external_id="123")
    piece("ext:wechat:m1_1", d1, "wechat", 300, 9, 3, 0, account=wechat, title="公众号文章", external_id="m1_1")
    for n, (day, total) in enumerate(((today - dt.timedelta(days=31), 1000), (d1, 1100), (d2, 1150))):
        AccountMetric.objects.create(center=center, key=f"acct:{village.pk}", day=day, outlet="wechat", account=village,
                                     account_name=village.name, followers=total, new_followers=10 * n,
                                     source=MetricSource.IMPORT)
    AccountMetric.objects.create(center=center, key="ext:channels:视频号甲", day=d2, outlet="channels",
                                 account_name="视频号甲", followers=5000, new_followers=20, lost_followers=5,
                                 source=MetricSource.IMPORT)
    return {"center": center, "story": story, "pub": pub, "wechat": wechat, "village": village, "today": today,
            "d1": d1, "d2": d2}


def text(response) -> str:
    return response.content.decode()


def shown(html: str, name: str) -> str:
    match = re.search(rf'data-testid="{name}"[^>]*>([^<]*)<', html)
    assert match, name
    return match.group(1).strip()


# --- permissions and tenancy --------------------------------------------------------------

@pytest.mark.parametrize("path", ["/analytics/", "/analytics/accounts/", "/analytics/screen/",
                                  "/analytics/screen/data.json", "/analytics/export.xlsx",
                                  "/analytics/accounts/export.xlsx"])
def test_people_without_analytics_view_are_refused(login, world, path):
    assert login("reporter").get(path).status_code == 403
    assert login("hr").get(path).status_code == 403
    assert login("analyst").get(path).status_code == 200


def test_anonymous_is_sent_to_login(client, world):
    answer = client.get("/analytics/")
    assert answer.status_code == 302 and "/login/" in answer["Location"]


def test_another_centers_story_is_404(login, world, demo):
    linxian = demo["linxian"]
    author = User.objects.filter(memberships__center=linxian).first()
    theirs = Story.objects.create(center=linxian, headline="邻县稿件", created_by=author)
    operator = login("operator")
    assert operator.get(f"/analytics/stories/{theirs.pk}/").status_code == 404
    assert operator.get(f"/analytics/stories/{theirs.pk}/export.xlsx").status_code == 404
    assert operator.get("/analytics/stories/99999999/").status_code == 404
    assert login("reporter").get(f"/analytics/stories/{world['story'].pk}/").status_code == 403


# --- the overview's numbers ----------------------------------------------------------------

def test_overview_numbers_match_the_data(login, world):
    html = text(login("operator").get("/analytics/?period=30"))
    # reads in the last 30 days: 100 + 50 + 1000 + 400 + 300 (the 7,777 is 40 days old)
    assert shown(html, "fig-reads") == "1850"
    assert shown(html, "trend-total-reads") == "1850"
    sent = Publication.objects.filter(center=world["center"], sent_at__date__gte=world["today"] - dt.timedelta(days=29))
    assert shown(html, "fig-publications") == str(sent.count())
    # the story: 1,150 reads over web and douyin, first among the top items, linking to its page
    top = html.split('data-testid="table-top"')[1].split("</section>")[0]
    first_row = top.split("<tbody>")[1].split("</tr>")[0]
    assert f'href="/analytics/stories/{world["story"].pk}/"' in first_row
    assert "1150" in first_row and "抖音" in first_row and "网站" in first_row
    assert "&lt;script&gt;" in top and "<script>alert" not in html
    # matrix: the village account's followers at the end (1,150) and growth since before the period (+150)
    matrix = html.split('data-testid="table-matrix"')[1].split("</section>")[0]
    row = next(r for r in matrix.split("<tr>") if world["village"].name in r)
    assert ">1150<" in row and ">150<" in row
    # WCI per WeChat account and the transmission index are on the page
    assert world["wechat"].name in html.split('data-testid="table-wci"')[1].split("</section>")[0]
    assert 'id="analytics-chart-data"' in html and "vendor/echarts-6.1.0.min.js" in html


def test_overview_without_figures_says_so(login, world):
    PieceMetric.objects.filter(center=world["center"]).delete()
    html = text(login("operator").get("/analytics/"))
    assert "这段时间还没有传播数据" in html
    assert shown(html, "fig-reads") == "0"


@pytest.mark.parametrize("query, message", [
    ("period=custom&from=2026-13-01&to=2026-12-01", "起始日期“2026-13-01”格式不对"),
    ("period=custom&from=2026-12-05&to=2026-12-01", "截止日期不能早于起始日期"),
    ("period=custom&from=2024-01-01&to=2026-01-01", "时间段最长 366 天"),
    ("period=custom&from=&to=2026-12-01", "请填写起始日期"),
    ("period=month&month=2026-1x", "月份“2026-1x”格式不对"),
    ("period=month&month=2999-01", "月份应在 2000 年到 2100 年之间"),
    ("period=year", "时间段只能选"),
])
def test_a_wrong_period_is_named_and_the_default_shown(login, world, query, message):
    html = text(login("operator").get(f"/analytics/?{query}"))
    assert message in shown(html, "period-errors") or message in html.split('data-testid="period-errors"')[1]
    assert shown(html, "period-label").startswith("最近 30 天")
    assert login("operator").get(f"/analytics/export.xlsx?{query}").status_code == 400


def test_month_and_custom_periods(login, world):
    center, today = world["center"], world["today"]
    period, errors = selectors.parse_period(center, {"period": "month", "month": f"{today:%Y-%m}"})
    assert not errors and period.day_from == today.replace(day=1) and period.day_to.month == today.month
    period, errors = selectors.parse_period(center, {"period": "custom", "from": world["d2"].isoformat(),
                                                     "to": world["d2"].isoformat()})
    assert not errors and period.days == 1
    html = text(login("operator").get(f"/analytics/?period=custom&from={world['d2']}&to={world['d2']}"))
    assert shown(html, "fig-reads") == "1050"  # 50 web + 1,000 douyin on that day
    period, errors = selectors.parse_period(center, {"period": "7"})
    assert period.days == 7 and period.day_to == today


# --- one item --------------------------------------------------------------------------------

def test_story_page_lists_outlets_days_and_totals(login, world):
    story = world["story"]
    html = text(login("editor").get(f"/analytics/stories/{story.pk}/"))
    assert shown(html, "fig-reads") == str(100 + 50 + 1000 + 7777)
    assert shown(html, "total-reads") == "8927"
    pubs = html.split('data-testid="table-publications"')[1].split("</section>")[0]
    assert world["pub"].account.name in pubs
    daily = html.split('data-testid="table-trend"')[1].split("</section>")[0]
    assert f"<td>{world['d2']:%Y-%m-%d}</td><td>抖音</td><td class=\"num\">1000</td>" in daily


# --- ranking ---------------------------------------------------------------------------------

def test_accounts_ranking_by_followers_and_owner_filter(login, world):
    html = text(login("operator").get("/analytics/accounts/?period=30&by=followers"))
    rows = html.split('data-testid="table-ranking"')[1].split("<tbody>")[1].split("</tbody>")[0]
    first, second = rows.split("</tr>")[:2]
    assert "视频号甲" in first and ">5000<" in first and "矩阵外（导入）" in first
    assert world["village"].name in second and ">1150<" in second
    village_only = text(login("operator").get("/analytics/accounts/?owner=village&by=growth"))
    body = village_only.split('data-testid="table-ranking"')[1].split("</tbody>")[0]
    assert "视频号甲" not in body and world["village"].name in body
    assert all("村社" in r for r in body.split("<tbody>")[1].split("</tr>") if "<td>" in r)
    bad = text(login("operator").get("/analytics/accounts/?owner=mars&by=height"))
    assert "归属只能选" in bad and "排序只能按" in bad


# --- exports ---------------------------------------------------------------------------------

def workbook(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    return load_workbook(io.BytesIO(response.content))


def test_overview_export_has_a_sheet_per_table_with_numbers(login, world):
    book = workbook(login("operator").get("/analytics/export.xlsx?period=30"))
    assert book.sheetnames == ["发布量", "传播趋势", "热门内容", "账号矩阵", "传播力指数", "WCI"]
    trend = list(book["传播趋势"].iter_rows(values_only=True))
    assert trend[0] == ("日期", "平台", "阅读/播放", "点赞", "转发/分享", "评论")
    assert trend[-1][:3] == ("合计", None, 1850)
    assert sum(r[2] for r in trend[1:-1]) == 1850
    assert isinstance(trend[1][0], dt.datetime)  # a date cell, not text
    top = list(book["热门内容"].iter_rows(values_only=True))
    assert top[1][:3] == (1, world["story"].headline, world["story"].pk) and top[1][4] == 1150
    hostile = next(r for r in top if r[1] and "外部作品" in r[1])
    assert book["热门内容"].cell(row=top.index(hostile) + 1, column=2).data_type == "s"
    matrix = {r[0]: r for r in book["账号矩阵"].iter_rows(values_only=True)}
    assert matrix[world["village"].name][6:8] == (1150, 150)


def test_story_and_ranking_exports(login, world):
    story = world["story"]
    book = workbook(login("operator").get(f"/analytics/stories/{story.pk}/export.xlsx"))
    totals = {r[0]: r for r in book["各平台合计"].iter_rows(values_only=True)}
    assert totals["抖音"][1] == 8777 and totals["网站"][1] == 150 and totals["合计"][1:] == (8927, 46, 12, 4)
    assert len(list(book["每日数据"].iter_rows())) == 1 + 4
    ranking = workbook(login("operator").get("/analytics/accounts/export.xlsx?period=30&by=followers"))
    rows = list(ranking["账号排行"].iter_rows(values_only=True))
    assert rows[1][:2] == (1, "视频号甲") and rows[1][7] == 5000
    assert login("operator").get("/analytics/accounts/export.xlsx?by=nonsense").status_code == 400


# --- big screen ------------------------------------------------------------------------------

def test_big_screen_has_no_nav_and_its_json_matches(login, world):
    operator = login("operator")
    html = text(operator.get("/analytics/screen/"))
    assert 'data-testid="nav"' not in html and "analytics/screen.js" in html
    assert 'data-source="/analytics/screen/data.json"' in html
    data = operator.get("/analytics/screen/data.json").json()
    # last 7 days: every figure above except the 40-day-old one
    assert data["figures"]["reads"] == 1850 and data["figures"]["likes"] == 5 + 1 + 40 + 4 + 9
    assert data["figures"]["followers"] == 1150 + 5000
    assert data["top"][0]["title"] == world["story"].headline and data["top"][0]["reads"] == 1150
    assert len(data["trend"]["days"]) == 30
    assert sum(sum(s) for s in data["trend"]["series"]) == 1850
    assert {o["name"] for o in data["index"]["outlets"]} >= {"微信公众号", "抖音"}


def test_overview_queries_do_not_grow_with_the_data(login, world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    operator = login("operator")
    operator.get("/analytics/")  # warm the session and caches
    with CaptureQueriesContext(connection) as few:
        operator.get("/analytics/")
    center = world["center"]
    for n in range(200):
        PieceMetric.objects.create(center=center, key=f"ext:douyin:many{n}", day=world["d1"], outlet="douyin", reads=n,
                                   source=MetricSource.IMPORT, title=f"作品 {n}")
        AccountMetric.objects.create(center=center, key=f"ext:douyin:acct{n}", day=world["d1"], outlet="douyin",
                                     account_name=f"抖音号 {n}", followers=n, source=MetricSource.IMPORT)
    with CaptureQueriesContext(connection) as many:
        operator.get("/analytics/")
    assert len(many) == len(few), (len(few), len(many))
