"""传播效果 in the staff API, the dashboards half: the center overview, one story's reach across
every outlet, the accounts ranking, and the same Excel workbooks as the screens' downloads.
The data half (piece metrics, followers, indices, weights, sync runs, imports) is
api_data.py; the schemas and helpers both use are defined there.

Why it is thin: the figures come from the same selectors the dashboards draw (analytics.
selectors), so the API and the screens cannot disagree. Files are answered as JSON with the
file base64-encoded (`AnalyticsFileOut`): the staff API answers JSON only, and a client
with a token cannot use the screens' session downloads. Periods: `period` = 7 | 30 | month |
custom with `month` or `from`/`to`, as the dashboards' query strings; a wrong period is a 422
naming what was wrong."""

from __future__ import annotations

import datetime as dt

from ninja import Query, Router

from rongmei.analytics import exports, selectors
from rongmei.analytics.api_data import (
    XLSX,
    AnalyticsAccountPage,
    AnalyticsDayReachOut,
    AnalyticsFileOut,
    AnalyticsOutletReachOut,
    AnalyticsOutputOut,
    AnalyticsOverviewOut,
    AnalyticsReachOut,
    AnalyticsStoryPublicationOut,
    AnalyticsStoryReachOut,
    AnalyticsTopItemOut,
    FromQuery,
    MonthQuery,
    OwnerValue,
    PeriodQuery,
    PeriodValue,
    RankValue,
    ToQuery,
    _account_out,
    _period,
    _period_out,
    _reach,
    _story,
    _transmission_out,
    file_out,
)
from rongmei.analytics.outlets import label as outlet_label
from rongmei.core.api import require
from rongmei.core.api_kit import ERRORS, CursorQuery, LimitQuery, paginate_list
from rongmei.core.ids import Id

router = Router(tags=["传播效果"])


@router.get("/analytics/overview", response={200: AnalyticsOverviewOut, **ERRORS}, summary="传播效果概览数据",
            description="与“传播效果”概览页相同：各平台发布量、传播数据走势、阅读最多的内容、粉丝总数和传播力指数。")
def analytics_overview(request, period: PeriodValue = PeriodQuery, month: str = MonthQuery,
                       date_from: dt.date | None = FromQuery, date_to: dt.date | None = ToQuery):
    require(request, "analytics.view")
    chosen = _period(request, period, month, date_from, date_to)
    ov = selectors.overview(request.center, chosen)
    return AnalyticsOverviewOut(
        period=_period_out(chosen), publications=ov.output.total,
        output=[AnalyticsOutputOut(outlet=o, outlet_label=outlet_label(o), publications=ov.output.totals.get(o, 0))
                for o in ov.output.outlets],
        total=AnalyticsReachOut(**_reach(ov.trend.total)),
        reach=[AnalyticsOutletReachOut(outlet=o, outlet_label=outlet_label(o), **_reach(ov.trend.totals[o]))
               for o in ov.trend.outlets],
        days=[AnalyticsDayReachOut(day=d, outlet=o, outlet_label=outlet_label(o), **_reach(ov.trend.cells[(d, o)]))
              for d in ov.trend.days for o in ov.trend.outlets if (d, o) in ov.trend.cells],
        top=[AnalyticsTopItemOut(title=i.title, story_id=i.story_id, outlets=i.outlets, reads=i.reads, likes=i.likes,
                                 shares=i.shares, comments=i.comments, url=i.url) for i in ov.top],
        followers=ov.followers, index=_transmission_out(ov.index))


@router.get("/analytics/stories/{story_id}/reach", response={200: AnalyticsStoryReachOut, **ERRORS},
            summary="一篇稿件在各平台的传播",
            description="稿件发到的每个渠道，和它每天在每个平台的传播数据（从第一天有数据到最后一天）。")
def analytics_story_reach(request, story_id: Id):
    require(request, "analytics.view")
    from rongmei.analytics.outlets import outlet_for_publication

    r = selectors.story_reach_detail(request.center, _story(request, story_id))
    return AnalyticsStoryReachOut(
        story_id=r.story.pk, headline=r.story.headline, total=AnalyticsReachOut(**_reach(r.total)),
        outlets=[AnalyticsOutletReachOut(outlet=o, outlet_label=outlet_label(o), **_reach(r.totals[o])) for o in r.outlets],
        days=[AnalyticsDayReachOut(day=d, outlet=o, outlet_label=outlet_label(o), **_reach(r.cells[(d, o)]))
              for d in r.days for o in r.outlets if (d, o) in r.cells],
        publications=[AnalyticsStoryPublicationOut(
            id=p.pk, account_id=p.account_id, account_name=p.account.name, outlet=outlet_for_publication(p),
            outlet_label=outlet_label(outlet_for_publication(p)), status=p.status, sent_at=p.sent_at,
            remote_url=p.remote_url or "") for p in r.publications])


@router.get("/analytics/accounts", response={200: AnalyticsAccountPage, **ERRORS}, summary="账号排行",
            description="矩阵账号（和导入的矩阵外账号）在时间段内的发布量、粉丝总数与增长、阅读、点赞、转发和 WCI，"
                        "按 by 排名。与“账号排行”页相同。")
def analytics_accounts(request, period: PeriodValue = PeriodQuery, month: str = MonthQuery,
                       date_from: dt.date | None = FromQuery, date_to: dt.date | None = ToQuery,
                       owner: OwnerValue | None = Query(None, description="归属：本中心、乡镇、村社、部门"),
                       by: RankValue = Query("followers", description="排名依据"),
                       cursor: str | None = CursorQuery, limit: int = LimitQuery):
    require(request, "analytics.view")
    chosen = _period(request, period, month, date_from, date_to)
    rows = selectors.account_rows(request.center, chosen, owner=owner or "", rank_by=by)
    return {**paginate_list(rows, cursor=cursor, limit=limit, out=_account_out), "period": _period_out(chosen)}


# --- Exports ----------------------------------------------------------------------------------------------

@router.get("/analytics/exports/overview", response={200: AnalyticsFileOut, **ERRORS}, summary="导出传播效果概览（Excel）",
            description="与概览页“导出 Excel”相同的工作簿。")
def analytics_export_overview(request, period: PeriodValue = PeriodQuery, month: str = MonthQuery,
                              date_from: dt.date | None = FromQuery, date_to: dt.date | None = ToQuery):
    require(request, "analytics.view")
    chosen = _period(request, period, month, date_from, date_to)
    data = exports.overview_xlsx(selectors.overview(request.center, chosen))
    return file_out(data, f"传播效果概览_{chosen.day_from}_{chosen.day_to}.xlsx", XLSX)


@router.get("/analytics/exports/accounts", response={200: AnalyticsFileOut, **ERRORS}, summary="导出账号排行（Excel）",
            description="与“账号排行”页“导出 Excel”相同的工作簿。")
def analytics_export_accounts(request, period: PeriodValue = PeriodQuery, month: str = MonthQuery,
                              date_from: dt.date | None = FromQuery, date_to: dt.date | None = ToQuery,
                              owner: OwnerValue | None = Query(None, description="归属"),
                              by: RankValue = Query("followers", description="排名依据")):
    require(request, "analytics.view")
    chosen = _period(request, period, month, date_from, date_to)
    rows = selectors.account_rows(request.center, chosen, owner=owner or "", rank_by=by)
    return file_out(exports.accounts_xlsx(chosen, rows, by), f"账号排行_{chosen.day_from}_{chosen.day_to}.xlsx", XLSX)


@router.get("/analytics/exports/stories/{story_id}", response={200: AnalyticsFileOut, **ERRORS},
            summary="导出一篇稿件的传播数据（Excel）")
def analytics_export_story(request, story_id: Id):
    require(request, "analytics.view")
    reach = selectors.story_reach_detail(request.center, _story(request, story_id))
    return file_out(exports.story_xlsx(reach), f"单条传播_{reach.story.pk}.xlsx", XLSX)
