"""传播效果 in the staff API: the overview, one story's reach and the accounts ranking give
the screens' numbers; analytics.view is required; another center's story is a 404; a
wrong period is a 422 naming the field."""

from __future__ import annotations

import pytest

from rongmei.analytics.tests.test_views_dashboards import world  # noqa: F401  (the same data set)
from rongmei.core.models import User
from rongmei.newsroom.models import Story

PREFIX = "/api/v1"


def test_overview_matches_the_data(login, world):  # noqa: F811
    answer = login("analyst").get(f"{PREFIX}/analytics/overview?period=30")
    assert answer.status_code == 200, answer.content
    data = answer.json()
    assert data["period"]["kind"] == "30"
    assert {k: data["total"][k] for k in ("reads", "likes", "shares", "comments")} == {
        "reads": 1850, "likes": 59, "shares": 16, "comments": 4}
    assert sum(r["reads"] for r in data["days"]) == 1850
    assert {r["outlet"]: r["reads"] for r in data["reach"]} == {"web": 150, "wechat": 300, "douyin": 1400}
    top = data["top"][0]
    assert (top["title"], top["story_id"], top["outlets"], top["reads"]) == (
        world["story"].headline, world["story"].pk, ["web", "douyin"], 1150)
    assert data["publications"] == sum(r["publications"] for r in data["output"])
    assert {o["outlet"] for o in data["index"]["outlets"]} >= {"wechat", "douyin"}


def test_story_reach_and_another_centers_story(login, world, demo):  # noqa: F811
    operator = login("operator")
    data = operator.get(f"{PREFIX}/analytics/stories/{world['story'].pk}/reach").json()
    assert data["total"]["reads"] == 8927
    assert {o["outlet"]: o["reads"] for o in data["outlets"]} == {"web": 150, "douyin": 8777}
    assert world["pub"].pk in [p["id"] for p in data["publications"]]
    assert len(data["days"]) == 4
    linxian = demo["linxian"]
    theirs = Story.objects.create(center=linxian, headline="邻县稿件",
                                  created_by=User.objects.filter(memberships__center=linxian).first())
    assert operator.get(f"{PREFIX}/analytics/stories/{theirs.pk}/reach").status_code == 404


def test_accounts_ranking_pages_and_filters(login, world):  # noqa: F811
    operator = login("operator")
    first = operator.get(f"{PREFIX}/analytics/accounts?by=followers&limit=1").json()
    assert [a["name"] for a in first["items"]] == ["视频号甲"] and first["next"]
    village = operator.get(f"{PREFIX}/analytics/accounts?by=growth&owner=village&limit=1").json()["items"][0]
    assert (village["account_id"], village["followers"], village["growth"]) == (world["village"].pk, 1150, 150)
    second = operator.get(f"{PREFIX}/analytics/accounts?by=followers&limit=1&cursor={first['next']}").json()
    assert second["items"][0]["account_id"] == world["village"].pk and second["items"][0]["rank"] == 2
    villages = operator.get(f"{PREFIX}/analytics/accounts?owner=village&limit=200").json()["items"]
    assert villages and all(a["owner"] == "村社" for a in villages)


@pytest.mark.parametrize("query, field", [
    ("period=custom&from=2026-12-05&to=2026-12-01", "截止日期"),
    ("period=custom&to=2026-12-01", "起始日期"),
    ("period=month&month=26-11", "月份"),
])
def test_a_wrong_period_is_422(login, world, query, field):  # noqa: F811
    answer = login("operator").get(f"{PREFIX}/analytics/overview?{query}")
    assert answer.status_code == 422
    assert field in answer.json()["errors"]
    assert login("operator").get(f"{PREFIX}/analytics/accounts?{query}").status_code == 422


def test_analytics_view_is_required(login, world):  # noqa: F811
    assert login("hr").get(f"{PREFIX}/analytics/overview").status_code == 403
    assert login("reporter").get(f"{PREFIX}/analytics/accounts").status_code == 403
    assert login("reporter").get(f"{PREFIX}/analytics/stories/{world['story'].pk}/reach").status_code == 403
