"""传播效果 in the staff API, the data half: piece metrics, an account's followers, the two
indices, the index weights, the fetch runs (and 立即同步) and the spreadsheet imports. The
dashboards' figures (overview, one story's reach, accounts ranking) and the Excel exports
are in api.py, which uses the schemas and helpers defined here (one module per concern, so
the dashboards part and this one never edit the same file).

Why it is thin: the figures come from the same selectors the dashboards draw (analytics.
selectors, indices), the writes go through the same services (indices.update_weights,
sync.sync_account, imports.check / run), so the API and the screens can never disagree nor
refuse different things. Files (import templates, exports) are answered as JSON with the
file base64-encoded (`AnalyticsFileOut`): the staff API answers JSON only, and a client with
a token cannot use the screens' session downloads.

Periods: `period` = 7 | 30 | month | custom with `month` (2026-11) or `from`/`to`, exactly as
the dashboards' query strings; a wrong period is a 422 naming what was wrong (the screens
fall back to the default and say so; a program should not silently get other days)."""

from __future__ import annotations

import base64
import datetime as dt
from typing import Literal

from django.core.exceptions import ValidationError
from ninja import File, Form, Query, Router, Schema, Status
from ninja.errors import HttpError
from ninja.files import UploadedFile
from pydantic import Field

from rongmei.analytics import imports, indices, selectors, sync
from rongmei.analytics.models import AccountMetric, ImportBatch, Outlet, PieceMetric, SyncRun
from rongmei.analytics.outlets import label as outlet_label
from rongmei.core.api import require
from rongmei.core.api_kit import ERRORS, CursorQuery, LimitQuery, invalid, page_of, paginate
from rongmei.core.ids import Id, Version
from rongmei.core.tenancy import get_scoped_or_404

router = Router(tags=["传播效果"])

OutletValue = Literal[tuple(Outlet.values)]  # type: ignore[valid-type]
PeriodValue = Literal["7", "30", "month", "custom"]
RankValue = Literal["followers", "growth", "reads", "wci", "posts"]
OwnerValue = Literal["center", "township", "village", "department"]
KindValue = Literal["pieces", "accounts"]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_SERIES_DAYS = 366


# --- Schemas ----------------------------------------------------------------------------------------------

class AnalyticsReachOut(Schema):
    reads: int = Field(..., description="阅读/播放")
    likes: int
    shares: int = Field(..., description="转发/分享")
    comments: int
    looks: int = Field(..., description="在看/收藏")


class AnalyticsPieceOut(Schema):
    id: int
    day: dt.date
    outlet: str
    outlet_label: str
    key: str = Field(..., description="这条内容在该平台上的标识（跨日期、跨来源不变）")
    story_id: int | None
    publication_id: int | None
    account_id: int | None
    external_id: str
    title: str
    url: str
    reads: int
    likes: int
    shares: int
    comments: int
    looks: int
    source: str = Field(..., description="portal 本站统计 / wechat / weibo / import 表格导入 / manual")
    source_label: str


class AnalyticsPeriodOut(Schema):
    day_from: dt.date
    day_to: dt.date
    kind: str
    label: str


class AnalyticsOutletReachOut(AnalyticsReachOut):
    outlet: str
    outlet_label: str


class AnalyticsDayReachOut(AnalyticsOutletReachOut):
    day: dt.date


class AnalyticsStoryPublicationOut(Schema):
    id: int
    account_id: int
    account_name: str
    outlet: str
    outlet_label: str
    status: str
    sent_at: dt.datetime | None
    remote_url: str


class AnalyticsStoryReachOut(Schema):
    story_id: int
    headline: str
    total: AnalyticsReachOut
    outlets: list[AnalyticsOutletReachOut] = Field(..., description="每个平台的合计")
    days: list[AnalyticsDayReachOut] = Field(..., description="每天每个平台的数据（有数据的）")
    publications: list[AnalyticsStoryPublicationOut] = Field(..., description="这篇稿件发到过的渠道")


class AnalyticsAccountOut(Schema):
    rank: int
    key: str = Field(..., description="acct:<账号 id>，或矩阵外导入账号 ext:<平台>:<名称>")
    account_id: int | None
    name: str
    outlet: str
    outlet_label: str
    owner: str = Field(..., description="归属（本中心、乡镇、村社、部门，或“矩阵外（导入）”）")
    unit: str
    posts: int = Field(..., description="时间段内发布量")
    last_published: dt.datetime | None
    followers: int | None = Field(..., description="时间段末的粉丝总数（未知时为 null）")
    growth: int | None = Field(..., description="时间段内的粉丝增长")
    reads: int
    likes: int
    shares: int
    wci: float | None = Field(..., description="微信公众号的 WCI；其他平台为 null")


class AnalyticsAccountPage(Schema):
    items: list[AnalyticsAccountOut]
    next: str | None = Field(None, description="下一页的 cursor；null 表示没有更多")
    period: AnalyticsPeriodOut


class AnalyticsFollowerDayOut(Schema):
    day: dt.date
    followers: int | None = Field(..., description="当天结束时的粉丝总数（平台未给出时为 null）")
    new_followers: int
    lost_followers: int
    source: str


class AnalyticsFollowersOut(Schema):
    account_id: int
    name: str
    outlet: str
    outlet_label: str
    day_from: dt.date
    day_to: dt.date
    days: list[AnalyticsFollowerDayOut] = Field(..., description="有记录的日期，按日期先后")


class AnalyticsWciAccountOut(Schema):
    account_id: int | None = Field(..., description="矩阵账号 id；未关联账号的微信内容为 null")
    account_name: str
    days: int
    articles: int
    headlines: int
    reads: int
    looks: int
    likes: int
    shares: int
    o: float = Field(..., description="日均阅读等（O）")
    a: float = Field(..., description="篇均（A）")
    h: float = Field(..., description="头条日均（H）")
    p: float = Field(..., description="峰值（P）")
    wci: float


class AnalyticsWciOut(Schema):
    day_from: dt.date
    day_to: dt.date
    accounts: list[AnalyticsWciAccountOut] = Field(..., description="WCI 从高到低")


class AnalyticsOutletIndexOut(Schema):
    outlet: str
    label: str
    weight: int
    has_data: bool
    reads: int
    likes: int
    shares: int
    comments: int
    followers: int
    value: float | None = Field(..., description="分指数；时间段内没有数据时为 null")


class AnalyticsTransmissionOut(Schema):
    day_from: dt.date
    day_to: dt.date
    days: int
    value: float | None = Field(..., description="传播力指数；有权重的平台都没有数据时为 null")
    coverage: int = Field(..., description="指数所依据的权重之和（满分 100）")
    outlets: list[AnalyticsOutletIndexOut] = Field(..., description="有权重的平台")
    others: list[AnalyticsOutletIndexOut] = Field(..., description="有数据但未设权重的平台")
    missing: list[str] = Field(..., description="有权重但没有数据的平台名称")


class AnalyticsWeightOut(Schema):
    outlet: str
    label: str
    weight: int


class AnalyticsSettingsOut(Schema):
    weights: list[AnalyticsWeightOut] = Field(..., description="各平台权重，合计 100")
    version: int
    updated_at: dt.datetime | None


class AnalyticsSettingsIn(Schema):
    weights: dict[str, int] = Field(..., description="平台代码 → 权重（0–100 的整数，合计 100；0 或不列出为不计入）")
    version: Version = Field(..., description="读取时的 version；期间有人保存过则 409")


class AnalyticsSyncRunOut(Schema):
    id: int
    kind: str
    kind_label: str
    account_id: int | None
    account_name: str
    day_from: dt.date
    day_to: dt.date
    status: str = Field(..., description="running / ok / failed")
    status_label: str
    rows: int
    error: str
    started_at: dt.datetime
    finished_at: dt.datetime | None


class AnalyticsSyncIn(Schema):
    account_id: Id | None = Field(None, description="微信公众号或微博账号 id；不传则同步本站阅读数")
    day_from: dt.date | None = Field(None, description="起始日期，默认前 7 天")
    day_to: dt.date | None = Field(None, description="截止日期，默认昨天")


class AnalyticsRowErrorOut(Schema):
    row: int = Field(..., description="表格中的行号（表头为第 1 行；0 表示整个文件）")
    field: str
    message: str


class AnalyticsImportOut(Schema):
    id: int
    kind: str
    kind_label: str
    original_name: str
    status: str = Field(..., description="checked 已检查待导入 / imported / partial 已导入有效行 / refused 无法读取")
    status_label: str
    rows_total: int
    rows_valid: int
    rows_imported: int
    error_count: int = Field(..., description="有错误的行数（refused 时为 1）")
    uploaded_by: str
    created_at: dt.datetime
    imported_at: dt.datetime | None


class AnalyticsImportDetailOut(AnalyticsImportOut):
    errors: list[AnalyticsRowErrorOut] = Field(..., description="每个错误一条（最多 2,000 条）")


class AnalyticsImportRunIn(Schema):
    valid_only: bool = Field(False, description="文件有错误行时，只导入有效行")


class AnalyticsFileOut(Schema):
    filename: str
    content_type: str
    size: int = Field(..., description="字节数")
    content_base64: str = Field(..., description="文件内容（base64）")


class AnalyticsTopItemOut(Schema):
    title: str
    story_id: int | None
    outlets: list[str]
    reads: int
    likes: int
    shares: int
    comments: int
    url: str


class AnalyticsOutputOut(Schema):
    outlet: str
    outlet_label: str
    publications: int


class AnalyticsOverviewOut(Schema):
    period: AnalyticsPeriodOut
    publications: int = Field(..., description="时间段内发出的发布数")
    output: list[AnalyticsOutputOut] = Field(..., description="各平台发布数")
    total: AnalyticsReachOut
    reach: list[AnalyticsOutletReachOut] = Field(..., description="各平台传播数据合计")
    days: list[AnalyticsDayReachOut] = Field(..., description="每天每个平台的传播数据")
    top: list[AnalyticsTopItemOut] = Field(..., description="阅读最多的内容")
    followers: int = Field(..., description="矩阵账号粉丝总数")
    index: AnalyticsTransmissionOut


# --- Mapping ----------------------------------------------------------------------------------------------

def _reach(r) -> dict:
    return {f: int(getattr(r, f)) for f in selectors.FIGURES}


def _piece_out(m: PieceMetric) -> AnalyticsPieceOut:
    return AnalyticsPieceOut(
        id=m.pk, day=m.day, outlet=m.outlet, outlet_label=outlet_label(m.outlet), key=m.key, story_id=m.story_id,
        publication_id=m.publication_id, account_id=m.account_id, external_id=m.external_id, title=m.title, url=m.url,
        reads=m.reads, likes=m.likes, shares=m.shares, comments=m.comments, looks=m.looks, source=m.source,
        source_label=m.get_source_display())


def _period_out(p) -> AnalyticsPeriodOut:
    return AnalyticsPeriodOut(day_from=p.day_from, day_to=p.day_to, kind=p.kind, label=p.label)


def _account_out(a) -> AnalyticsAccountOut:
    return AnalyticsAccountOut(
        rank=a.rank, key=a.key, account_id=a.account_id, name=a.name, outlet=a.outlet, outlet_label=a.outlet_label,
        owner=a.owner, unit=a.unit, posts=a.posts, last_published=a.last_published, followers=a.followers,
        growth=a.growth, reads=a.reads, likes=a.likes, shares=a.shares,
        wci=round(a.wci, 2) if a.wci is not None else None)


def _wci_out(a) -> AnalyticsWciAccountOut:
    return AnalyticsWciAccountOut(**{k: getattr(a, k) for k in (
        "account_id", "account_name", "days", "articles", "headlines", "reads", "looks", "likes", "shares")},
        **{k: round(getattr(a, k), 4) for k in ("o", "a", "h", "p")}, wci=round(a.wci, 2))


def _outlet_index_out(o) -> AnalyticsOutletIndexOut:
    return AnalyticsOutletIndexOut(outlet=o.outlet, label=o.label, weight=o.weight, has_data=o.has_data, reads=o.reads,
                                   likes=o.likes, shares=o.shares, comments=o.comments, followers=o.followers,
                                   value=o.value)


def _transmission_out(t) -> AnalyticsTransmissionOut:
    return AnalyticsTransmissionOut(
        day_from=t.day_from, day_to=t.day_to, days=t.days, value=t.value, coverage=t.coverage,
        outlets=[_outlet_index_out(o) for o in t.outlets], others=[_outlet_index_out(o) for o in t.others],
        missing=[o.label for o in t.missing])


def _settings_out(s) -> AnalyticsSettingsOut:
    weights = sorted((s.index_weights or {}).items(), key=lambda i: (-int(i[1]), i[0]))
    return AnalyticsSettingsOut(weights=[AnalyticsWeightOut(outlet=o, label=outlet_label(o), weight=int(w))
                                         for o, w in weights if o in Outlet.values],
                                version=s.version, updated_at=s.updated_at)


def _run_out(r: SyncRun) -> AnalyticsSyncRunOut:
    return AnalyticsSyncRunOut(
        id=r.pk, kind=r.kind, kind_label=r.get_kind_display(), account_id=r.account_id,
        account_name=r.account.name if r.account_id and r.account else "", day_from=r.day_from, day_to=r.day_to,
        status=r.status, status_label=r.get_status_display(), rows=r.rows, error=r.error, started_at=r.started_at,
        finished_at=r.finished_at)


def _import_base(b: ImportBatch) -> dict:
    if b.status == ImportBatch.Status.REFUSED:
        bad = 1
    else:
        bad = b.rows_total - b.rows_valid
    return {"id": b.pk, "kind": b.kind, "kind_label": b.get_kind_display(), "original_name": b.original_name,
            "status": b.status, "status_label": b.get_status_display(), "rows_total": b.rows_total,
            "rows_valid": b.rows_valid, "rows_imported": b.rows_imported, "error_count": bad,
            "uploaded_by": str(b.uploaded_by), "created_at": b.created_at, "imported_at": b.imported_at}


def _import_out(b: ImportBatch) -> AnalyticsImportOut:
    return AnalyticsImportOut(**_import_base(b))


def _import_detail(b: ImportBatch) -> AnalyticsImportDetailOut:
    errors = [AnalyticsRowErrorOut(row=int(e.get("row") or 0), field=str(e.get("field") or ""),
                                   message=str(e.get("message") or "")) for e in b.errors or []]
    return AnalyticsImportDetailOut(**_import_base(b), errors=errors)


def file_out(content: bytes, filename: str, content_type: str) -> AnalyticsFileOut:
    return AnalyticsFileOut(filename=filename, content_type=content_type, size=len(content),
                            content_base64=base64.b64encode(content).decode())


# --- Helpers ----------------------------------------------------------------------------------------------

def _period(request, period, month, date_from, date_to):
    data = {"period": period or "", "month": month or "", "from": date_from.isoformat() if date_from else "",
            "to": date_to.isoformat() if date_to else ""}
    chosen, errors = selectors.parse_period(request.center, data)
    if errors:
        raise ValidationError({field: [message] for field, message in errors.items()})
    return chosen


def _story(request, story_id: int):
    from rongmei.newsroom import selectors as newsroom

    return get_scoped_or_404(newsroom.stories(request.center), request.center, pk=story_id)


def _account(request, account_id: int):
    from rongmei.distribution import selectors as distribution

    return get_scoped_or_404(distribution.accounts(request.center), request.center, pk=account_id)


PeriodQuery = Query("30", description="时间段：7 / 30（最近几天）、month（按月，配 month）、custom（配 from、to）")
MonthQuery = Query("", max_length=7, description="period=month 时的月份，如 2026-11")
FromQuery = Query(None, alias="from", description="period=custom 时的起始日期（含）")
ToQuery = Query(None, alias="to", description="period=custom 时的截止日期（含）")


# --- Figures ----------------------------------------------------------------------------------------------

@router.get("/analytics/pieces", response={200: page_of(AnalyticsPieceOut), **ERRORS}, summary="内容传播数据（按内容、平台、日）",
            description="每条内容在每个平台每天的阅读/播放、点赞、转发、评论、在看（当天新增，不是累计）。按日期从新到旧；"
                        "可按平台、日期、稿件、账号筛选。需要“查看传播效果”权限。")
def analytics_list_pieces(request, outlet: OutletValue | None = Query(None, description="平台"),  # type: ignore[valid-type]
                          date_from: dt.date | None = Query(None, alias="from", description="起始日期（含）"),
                          date_to: dt.date | None = Query(None, alias="to", description="截止日期（含）"),
                          story: Id | None = Query(None, description="稿件 id"),
                          account: Id | None = Query(None, description="矩阵账号 id"),
                          cursor: str | None = CursorQuery, limit: int = LimitQuery):
    require(request, "analytics.view")
    if date_from and date_to and date_from > date_to:
        raise HttpError(422, "截止日期不能早于起始日期。")
    qs = PieceMetric.objects.filter(center=request.center)
    if outlet:
        qs = qs.filter(outlet=outlet)
    if date_from:
        qs = qs.filter(day__gte=date_from)
    if date_to:
        qs = qs.filter(day__lte=date_to)
    if story:
        qs = qs.filter(story_id=story)
    if account:
        qs = qs.filter(account_id=account)
    return paginate(qs, cursor=cursor, limit=limit, order=("-day", "-pk"), out=_piece_out)


@router.get("/analytics/accounts/{account_id}/followers", response={200: AnalyticsFollowersOut, **ERRORS},
            summary="账号粉丝走势", description="一个矩阵账号每天的粉丝总数、新增和取消关注；默认最近 30 天，最长 366 天。")
def analytics_account_followers(request, account_id: Id,
                                date_from: dt.date | None = Query(None, alias="from", description="起始日期（含）"),
                                date_to: dt.date | None = Query(None, alias="to", description="截止日期（含），默认今天")):
    require(request, "analytics.view")
    from rongmei.analytics.outlets import outlet_for_account

    account = _account(request, account_id)
    last = date_to or selectors.local_today(request.center)
    first = date_from or last - dt.timedelta(days=29)
    if first > last:
        raise HttpError(422, "截止日期不能早于起始日期。")
    if (last - first).days + 1 > MAX_SERIES_DAYS:
        raise HttpError(422, f"时间段最长 {MAX_SERIES_DAYS} 天。")
    rows = AccountMetric.objects.filter(center=request.center, key=f"acct:{account.pk}", day__gte=first,
                                        day__lte=last).order_by("day")
    outlet = outlet_for_account(account.kind, account.options)
    return AnalyticsFollowersOut(
        account_id=account.pk, name=account.name, outlet=outlet, outlet_label=outlet_label(outlet), day_from=first,
        day_to=last, days=[AnalyticsFollowerDayOut(day=r.day, followers=r.followers, new_followers=r.new_followers,
                                                    lost_followers=r.lost_followers, source=r.source) for r in rows])


@router.get("/analytics/indices/wci", response={200: AnalyticsWciOut, **ERRORS}, summary="微信传播指数 WCI",
            description="每个微信公众号在时间段内的 WCI V14.2 及 O、A、H、P 各项（公式见文档“指数”一节）。")
def analytics_wci(request, period: PeriodValue = PeriodQuery, month: str = MonthQuery,
                  date_from: dt.date | None = FromQuery, date_to: dt.date | None = ToQuery):
    require(request, "analytics.view")
    chosen = _period(request, period, month, date_from, date_to)
    rows = indices.wci(request.center, chosen.day_from, chosen.day_to)
    return AnalyticsWciOut(day_from=chosen.day_from, day_to=chosen.day_to, accounts=[_wci_out(a) for a in rows])


@router.get("/analytics/indices/transmission", response={200: AnalyticsTransmissionOut, **ERRORS},
            summary="传播力指数", description="本中心的传播力指数：各平台分指数按权重加权；没有数据的平台单独列出。")
def analytics_transmission(request, period: PeriodValue = PeriodQuery, month: str = MonthQuery,
                           date_from: dt.date | None = FromQuery, date_to: dt.date | None = ToQuery):
    require(request, "analytics.view")
    chosen = _period(request, period, month, date_from, date_to)
    return _transmission_out(indices.transmission_index(request.center, chosen.day_from, chosen.day_to))


# --- Settings ---------------------------------------------------------------------------------------------

@router.get("/analytics/settings", response={200: AnalyticsSettingsOut, **ERRORS}, summary="传播力指数权重",
            description="各平台在传播力指数中的权重和当前版本号（修改时带上）。")
def analytics_get_settings(request):
    require(request, "analytics.view")
    return _settings_out(indices.settings_of(request.center))


@router.put("/analytics/settings", response={200: AnalyticsSettingsOut, **ERRORS}, summary="修改传播力指数权重",
            description="权重为 0–100 的整数，合计 100；version 与当前不一致（期间有人修改过）时 409，什么也不改。")
def analytics_put_settings(request, payload: AnalyticsSettingsIn):
    require(request, "analytics.manage")
    try:
        saved = indices.update_weights(center=request.center, user=request.user, weights=payload.weights,
                                       version=payload.version)
    except indices.StaleWeights as exc:
        raise HttpError(409, exc.message) from None
    return _settings_out(saved)


# --- Fetch runs -------------------------------------------------------------------------------------------

@router.get("/analytics/sync-runs", response={200: page_of(AnalyticsSyncRunOut), **ERRORS}, summary="数据同步记录",
            description="从微信、微博和本站统计取数的记录，新的在前；失败的带平台给出的中文原因。")
def analytics_list_sync_runs(request, status: Literal["running", "ok", "failed"] | None = Query(None, description="状态"),
                             account: Id | None = Query(None, description="账号 id"),
                             cursor: str | None = CursorQuery, limit: int = LimitQuery):
    require(request, "analytics.view")
    qs = SyncRun.objects.filter(center=request.center).select_related("account")
    if status:
        qs = qs.filter(status=status)
    if account:
        qs = qs.filter(account_id=account)
    return paginate(qs, cursor=cursor, limit=limit, order=("-started_at", "-pk"), out=_run_out)


@router.post("/analytics/sync-runs", response={201: AnalyticsSyncRunOut, **ERRORS}, summary="立即同步",
             description="立即从平台取一个账号（微信公众号或微博）或本站阅读数在一段日期内的数据，返回这次同步的记录"
                         "（失败时 status=failed、error 为原因）。默认前 7 天到昨天，一次最多 366 天。")
def analytics_sync(request, payload: AnalyticsSyncIn):
    require(request, "analytics.manage")
    default_from, default_to = sync.daily_range()
    day_to = payload.day_to or default_to
    day_from = payload.day_from or min(default_from, day_to)
    account = None
    if payload.account_id is not None:
        account = _account(request, payload.account_id)
    try:
        if account is None:
            sync._check_range(day_from, day_to)
            run = sync.sync_portal(request.center, day_from, day_to, request.user)
        else:
            run = sync.sync_account(account, day_from, day_to, request.user)
    except ValueError as exc:
        return Status(*invalid(ValidationError(str(exc))))
    run = SyncRun.objects.select_related("account").get(pk=run.pk)
    return Status(201, _run_out(run))


# --- Imports ----------------------------------------------------------------------------------------------

@router.get("/analytics/imports", response={200: page_of(AnalyticsImportOut), **ERRORS}, summary="数据导入记录",
            description="上传过的传播数据表格，新的在前。需要“管理传播效果”权限。")
def analytics_list_imports(request, kind: KindValue | None = Query(None, description="数据类型"),
                           cursor: str | None = CursorQuery, limit: int = LimitQuery):
    require(request, "analytics.manage")
    return paginate(imports.history(request.center, kind), cursor=cursor, limit=limit, order=("-created_at", "-pk"),
                    out=_import_out)


@router.post("/analytics/imports", response={201: AnalyticsImportDetailOut, **ERRORS}, summary="上传传播数据表格",
             description="multipart：kind（pieces 内容传播数据 / accounts 账号粉丝数据）和 file（.xlsx 或 .csv，最大 10 MB）。"
                         "只检查、不导入：返回每个错误行及原因；确认后调用 …/run 导入。")
def analytics_upload_import(request, file: UploadedFile | None = File(None),
                            kind: Form[str] = "pieces"):
    require(request, "analytics.manage")  # before looking at the input: 403 first, then what is wrong with it
    if kind not in imports.KINDS:
        raise ValidationError({"kind": ["数据类型应为 pieces（内容传播数据）或 accounts（账号粉丝数据）。"]})
    if file is None:
        raise ValidationError({"file": ["请选择要上传的文件（Excel .xlsx 或 CSV）。"]})
    if file.size > imports.MAX_BYTES:
        raise ValidationError({"file": [f"文件太大：不能超过 {imports.MAX_BYTES // (1024 * 1024)} MB，请拆分后分批导入。"]})
    if not (file.name or "").lower().endswith((".csv", ".xlsx", ".xlsm", ".txt")):
        raise ValidationError({"file": ["只能上传 Excel 工作簿（.xlsx）或 CSV 文件。旧版 .xls 请先另存为 .xlsx。"]})
    batch = imports.check(center=request.center, user=request.user, kind=kind, upload=file, name=file.name)
    return Status(201, _import_detail(batch))


def _batch(request, import_id: int) -> ImportBatch:
    return get_scoped_or_404(ImportBatch.objects.filter(kind__in=imports.KINDS).select_related("uploaded_by"),
                             request.center, pk=import_id)


@router.get("/analytics/imports/{import_id}", response={200: AnalyticsImportDetailOut, **ERRORS},
            summary="一次数据导入的检查结果", description="状态、行数和每个错误行的行号、列和原因。")
def analytics_get_import(request, import_id: Id):
    require(request, "analytics.manage")
    return _import_detail(_batch(request, import_id))


@router.post("/analytics/imports/{import_id}/run", response={200: AnalyticsImportDetailOut, **ERRORS},
             summary="确认导入",
             description="导入已检查的文件。文件有错误行时，只有 valid_only=true 才导入其中的有效行，否则 422、什么也不导入；"
                         "已导入过的文件 409。")
def analytics_run_import(request, import_id: Id, payload: AnalyticsImportRunIn):
    require(request, "analytics.manage")
    batch = _batch(request, import_id)
    try:
        batch = imports.run(center=request.center, user=request.user, batch_id=batch.pk, valid_only=payload.valid_only)
    except imports.ImportRefused as exc:
        batch.refresh_from_db()
        raise HttpError(409 if batch.status != ImportBatch.Status.CHECKED else 422, str(exc)) from None
    return _import_detail(_batch(request, batch.pk))


@router.get("/analytics/import-templates/{kind}", response={200: AnalyticsFileOut, **ERRORS}, summary="下载导入模板",
            description="带说明和示例行的模板：format=xlsx（默认）或 csv。")
def analytics_import_template(request, kind: KindValue,  # type: ignore[valid-type]
                              format: Literal["xlsx", "csv"] = Query("xlsx", description="文件格式")):
    require(request, "analytics.manage")
    content, name, content_type = imports.template(kind, format)
    return file_out(content, name, content_type)
