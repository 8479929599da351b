"""监测源 in the staff API: list, one, add, change, delete (or disable), fetch now, and a
source's fetch runs. The same services as the screens and the same permissions:
monitor.view to read, monitor.manage to change; another center's source is a 404.

A config that does not fit its kind answers 422 with field errors keyed "config.<key>"
(config.link_selector, config.max_links, config.items, config.title, config.account …)."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from ninja import Field, Router, Schema, Status

from rongmei.core.api import require
from rongmei.core.api_kit import ERRORS, CursorQuery, LimitQuery, page_of, paginate
from rongmei.core.ids import Id
from rongmei.core.tenancy import get_scoped_or_404, scoped
from rongmei.monitor import source_services
from rongmei.monitor.models import FetchRun, Source

router = Router(tags=["舆情监测"])

SourceKind = Literal["rss", "web", "json", "wechat_comments", "weibo_comments", "inquiry"]
SourceLevel = Literal[100, 70, 50, 30]
KIND_HELP = "rss 订阅 / web 网页列表 / json 数据接口 / wechat_comments 本中心微信留言 / weibo_comments 本中心微博评论 / inquiry 本中心网络问政"
LEVEL_HELP = "100 中央媒体 / 70 省级媒体 / 50 地市及本地媒体 / 30 论坛、自媒体"
CONFIG_HELP = ('按类型：web {"link_selector": "ul.news a", "max_links": 20}；json {"items": "data.list", "title": "title", '
               '"text": "content", "url": "link", "published": "pubtime", "id": "id", "author": "source", "region": "area"}；'
               '留言 {"account": 账号编号, "days": 7}；rss、inquiry {}')


class MonitorSourceOut(Schema):
    id: int
    name: str
    kind: str = Field(..., description=KIND_HELP)
    kind_label: str
    url: str
    config: dict[str, Any]
    level: int = Field(..., description=LEVEL_HELP)
    level_label: str
    region: str
    interval_minutes: int
    enabled: bool
    next_fetch_at: dt.datetime
    last_fetched_at: dt.datetime | None
    last_success_at: dt.datetime | None
    consecutive_failures: int
    total_failures: int
    failing_since: dt.datetime | None
    failing_a_day: bool = Field(..., description="已连续失败超过一天")
    last_error: str
    last_error_at: dt.datetime | None
    items_total: int = Field(..., description="累计抓到的新条目")
    created_at: dt.datetime


class MonitorSourceIn(Schema):
    name: str = Field(..., max_length=100)
    kind: SourceKind = Field(..., description=KIND_HELP)
    url: str = Field("", max_length=500, description="rss、web、json 类型必填（http/https）")
    config: dict[str, Any] = Field(default_factory=dict, description=CONFIG_HELP)
    level: SourceLevel = Field(50, description=LEVEL_HELP)
    region: str = Field("", max_length=50)
    interval_minutes: int = Field(30, ge=1, le=source_services.MAX_INTERVAL)
    enabled: bool = True


class MonitorSourcePatchIn(Schema):
    name: str | None = Field(None, max_length=100)
    kind: SourceKind | None = None
    url: str | None = Field(None, max_length=500)
    config: dict[str, Any] | None = Field(None, description=CONFIG_HELP)
    level: SourceLevel | None = None
    region: str | None = Field(None, max_length=50)
    interval_minutes: int | None = Field(None, ge=1, le=source_services.MAX_INTERVAL)
    enabled: bool | None = None


class MonitorSourceDeletedOut(Schema):
    id: int
    deleted: bool = Field(..., description="true 已删除；false 已抓到过信息，改为停用")
    enabled: bool


class MonitorFetchQueuedOut(Schema):
    source_id: int
    queued: bool


class MonitorItemErrorOut(Schema):
    url: str
    error: str


class MonitorFetchRunOut(Schema):
    id: int
    source_id: int
    started_at: dt.datetime
    finished_at: dt.datetime | None
    outcome: str = Field(..., description="ok 成功 / not_modified 无更新（304）/ error 失败 / skipped 跳过（robots.txt 不允许）")
    outcome_label: str
    http_status: int | None
    found: int
    new: int
    duplicates: int
    skipped: int
    error: str
    item_errors: list[MonitorItemErrorOut]


def _out(s: Source) -> MonitorSourceOut:
    return MonitorSourceOut(
        id=s.pk, name=s.name, kind=s.kind, kind_label=s.get_kind_display(), url=s.url, config=s.config or {},
        level=s.level, level_label=s.get_level_display(), region=s.region, interval_minutes=s.interval_minutes,
        enabled=s.enabled, next_fetch_at=s.next_fetch_at, last_fetched_at=s.last_fetched_at,
        last_success_at=s.last_success_at, consecutive_failures=s.consecutive_failures, total_failures=s.total_failures,
        failing_since=s.failing_since, failing_a_day=s.failing_a_day, last_error=s.last_error,
        last_error_at=s.last_error_at, items_total=s.items_total, created_at=s.created_at)


def _run_out(r: FetchRun) -> MonitorFetchRunOut:
    return MonitorFetchRunOut(
        id=r.pk, source_id=r.source_id, started_at=r.started_at, finished_at=r.finished_at, outcome=r.outcome,
        outcome_label=r.get_outcome_display(), http_status=r.http_status, found=r.found, new=r.new,
        duplicates=r.duplicates, skipped=r.skipped, error=r.error,
        item_errors=[MonitorItemErrorOut(url=str(e.get("url", "")), error=str(e.get("error", "")))
                     for e in (r.item_errors or []) if isinstance(e, dict)])


def _source(request, source_id: int) -> Source:
    return get_scoped_or_404(Source, request.center, pk=source_id)


def _state(s: Source) -> dict:
    return {"name": s.name, "kind": s.kind, "url": s.url, "config": s.config or {}, "level": s.level,
            "region": s.region, "interval_minutes": s.interval_minutes, "enabled": s.enabled}


@router.get("/monitor/sources", response={200: page_of(MonitorSourceOut), **ERRORS}, summary="监测源列表",
            description="启用的在前，按级别从高到低、名称排列；可按类型、是否启用、是否正在失败筛选。")
def monitor_list_sources(request, kind: SourceKind | None = None, enabled: bool | None = None,
                         failing: bool | None = None, cursor: str | None = CursorQuery, limit: int = LimitQuery):
    require(request, "monitor.view")
    qs = scoped(Source, request.center)
    if kind:
        qs = qs.filter(kind=kind)
    if enabled is not None:
        qs = qs.filter(enabled=enabled)
    if failing is not None:
        qs = qs.filter(consecutive_failures__gt=0) if failing else qs.filter(consecutive_failures=0)
    return paginate(qs, cursor=cursor, limit=limit, order=("-enabled", "-level", "name", "pk"), out=_out)


@router.post("/monitor/sources", response={201: MonitorSourceOut, **ERRORS}, summary="添加监测源",
             description="配置按类型检查，不合适时 422，字段错误的键为 config.<键名>。添加后一分钟内开始第一次抓取。")
def monitor_create_source(request, payload: MonitorSourceIn):
    require(request, "monitor.manage")
    source = source_services.create_source(center=request.center, user=request.user, data=payload.dict())
    return Status(201, _out(source))


@router.get("/monitor/sources/{source_id}", response={200: MonitorSourceOut, **ERRORS}, summary="一个监测源")
def monitor_get_source(request, source_id: Id):
    require(request, "monitor.view")
    return _out(_source(request, source_id))


@router.patch("/monitor/sources/{source_id}", response={200: MonitorSourceOut, **ERRORS},
              summary="修改监测源（只改所给的字段）", description="config 整体替换；不合适时 422，监测源不变。")
def monitor_update_source(request, source_id: Id, payload: MonitorSourcePatchIn):
    require(request, "monitor.manage")
    source = _source(request, source_id)
    data = {**_state(source), **payload.dict(exclude_none=True)}
    source = source_services.update_source(source=source, user=request.user, data=data)
    return _out(source)


@router.delete("/monitor/sources/{source_id}", response={200: MonitorSourceDeletedOut, **ERRORS},
               summary="删除监测源", description="没有抓到过信息的监测源删除；已有信息的改为停用（信息要保留来源）。")
def monitor_delete_source(request, source_id: Id):
    require(request, "monitor.manage")
    source = _source(request, source_id)
    pk = source.pk
    deleted = source_services.delete_source(source=source, user=request.user)
    return MonitorSourceDeletedOut(id=pk, deleted=deleted, enabled=False if deleted else
                                   Source.objects.filter(pk=pk).values_list("enabled", flat=True).first() or False)


@router.post("/monitor/sources/{source_id}/fetch", response={202: MonitorFetchQueuedOut, **ERRORS},
             summary="立即抓取监测源", description="交给后台任务立即抓取一次；结果见 GET /monitor/sources/{source_id}/runs。")
def monitor_fetch_source(request, source_id: Id):
    require(request, "monitor.manage")
    source = _source(request, source_id)
    source_services.request_fetch(source=source, user=request.user)
    return Status(202, MonitorFetchQueuedOut(source_id=source.pk, queued=True))


@router.get("/monitor/sources/{source_id}/runs", response={200: page_of(MonitorFetchRunOut), **ERRORS},
            summary="监测源的抓取记录（最新在前）", description="每次抓取的结果、读到与新增条数、错误和逐条问题。")
def monitor_list_source_runs(request, source_id: Id, cursor: str | None = CursorQuery, limit: int = LimitQuery):
    require(request, "monitor.view")
    source = _source(request, source_id)
    qs = scoped(FetchRun, request.center).filter(source=source)
    return paginate(qs, cursor=cursor, limit=limit, order=("-started_at", "-pk"), out=_run_out)
