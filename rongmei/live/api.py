"""直播制作 in the staff API: productions (list, book, read, change), crew and equipment
assignment (a clash is 409 naming who/what and the other broadcast), the run sheet, the
checklist ticks, status changes (start, end, cancel, replay) and the year's statistics; the
equipment register and the streaming settings for live.manage. The same services as the
screens; another center's ids are 404. The stream key and push URL are in the answer only
for people with live.produce."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.http import Http404
from ninja import Field, Query, Router, Schema, Status

from rongmei.core.api import require
from rongmei.core.api_kit import ERRORS, CursorQuery, LimitQuery, page_of, paginate
from rongmei.core.ids import Id, Version
from rongmei.core.tenancy import get_scoped_or_404, scoped
from rongmei.live import selectors, services
from rongmei.live.models import (
    CheckItem,
    CrewAssignment,
    Equipment,
    EquipmentAssignment,
    Production,
    Segment,
)

router = Router(tags=["直播制作"])


class LiveCrewOut(Schema):
    id: int
    person_id: int
    person: str
    role: str = Field(..., description="director 导播 / camera 摄像 / host 主持 / tech 技术 / stream 推流")
    role_label: str


class LiveEquipmentOut(Schema):
    id: int
    kind: str = Field(..., description="camera 摄像机 / switcher 切换台 / encoder 编码器 / backpack 5G 背包 / "
                                       "audio 音频设备 / light 灯光 / other 其他")
    kind_label: str
    name: str
    asset_number: str
    note: str
    is_active: bool


class LiveAssignedEquipmentOut(Schema):
    id: int = Field(..., description="这次安排的编号（撤下时用）")
    equipment: LiveEquipmentOut


class LiveSegmentOut(Schema):
    id: int
    offset_minutes: int
    length_minutes: int
    content: str
    who: str


class LiveCheckOut(Schema):
    id: int
    label: str
    required: bool
    ticked: bool
    ticked_at: dt.datetime | None
    ticked_by: str | None


class LiveProductionOut(Schema):
    id: int
    version: int = Field(..., description="修改、开播、结束、发布回放时回传，用于并发检查")
    title: str
    summary: str
    kind: str = Field(..., description="meeting 会议 / event 活动 / sports 赛事 / wenzheng 问政 / tourism 文旅推介 / "
                                       "commerce 带货 / other 其他")
    kind_label: str
    status: str = Field(..., description="scheduled 待播 / live 直播中 / ended 已结束 / replay 回放已发布 / cancelled 已取消")
    status_label: str
    client_id: int | None
    client: str | None
    department_id: int | None
    department: str | None
    place: str
    contact: str
    contact_phone: str
    fee: Decimal | None
    planned_start: dt.datetime
    planned_end: dt.datetime
    stream_id: int = Field(..., description="网站直播（portal）编号")
    public_starts_at: dt.datetime
    public_ends_at: dt.datetime
    pull_url: str = Field(..., description="播放地址（网站直播页播放它）")
    push_url: str | None = Field(None, description="推流地址，含推流密钥；只给有“承接直播”权限的人")
    stream_key: str | None = Field(None, description="推流密钥；只给有“承接直播”权限的人")
    replay_url: str
    open_checks: int = Field(..., description="未完成的必查项数")
    started_at: dt.datetime | None
    ended_at: dt.datetime | None
    replay_at: dt.datetime | None


class LiveProductionDetailOut(LiveProductionOut):
    crew: list[LiveCrewOut]
    equipment: list[LiveAssignedEquipmentOut]
    segments: list[LiveSegmentOut]
    checklist: list[LiveCheckOut]


class LiveBookingIn(Schema):
    title: str = Field(..., max_length=100)
    summary: str = Field("", max_length=300)
    kind: str = Field(..., max_length=20)
    place: str = Field(..., max_length=200)
    planned_start: dt.datetime
    planned_end: dt.datetime
    client_id: Id | None = None
    department_id: Id | None = None
    contact: str = Field("", max_length=100)
    contact_phone: str = Field("", max_length=30)
    fee: Decimal | None = Field(None, ge=0, max_digits=12, decimal_places=2)
    note: str = Field("", max_length=2000)
    version: Version | None = Field(None, description="修改时回传看到的 version；不符返回 409")


class LiveCrewIn(Schema):
    person_id: Id
    role: str = Field(..., max_length=20)


class LiveEquipmentAssignIn(Schema):
    equipment_id: Id


class LiveSegmentIn(Schema):
    offset_minutes: int = Field(..., ge=0, le=1440)
    length_minutes: int = Field(..., ge=1, le=1440)
    content: str = Field(..., max_length=500)
    who: str = Field("", max_length=100)


class LiveTickIn(Schema):
    ticked: bool = True


class LiveVersionIn(Schema):
    version: Version | None = Field(None, description="看到的 version；不符返回 409")


class LiveCancelIn(LiveVersionIn):
    reason: str = Field(..., max_length=200)


class LiveReplayIn(LiveVersionIn):
    url: str = Field("", max_length=500, description="回放地址；与 asset_id 二选一")
    asset_id: Id | None = Field(None, description="素材库中的视频编号")


class LiveStatsOut(Schema):
    year: int
    total: int = Field(..., description="全年场次（不含取消）")
    cancelled: int
    fee_total: Decimal
    by_kind: dict[str, int] = Field(..., description="类型名称 → 场次")
    by_client: list[dict] = Field(..., description="[{name, category（客户/政府部门）, count}]")
    by_month: dict[str, int]


class LiveEquipmentIn(Schema):
    kind: str = Field(..., max_length=20)
    name: str = Field(..., max_length=100)
    asset_number: str = Field(..., max_length=40)
    note: str = Field("", max_length=200)
    is_active: bool = True


class LiveSettingsOut(Schema):
    push_base: str
    pull_base: str
    version: int


class LiveSettingsIn(Schema):
    push_base: str = Field("", max_length=300)
    pull_base: str = Field("", max_length=300)
    version: Version | None = None


def _out(p: Production, request, detail: bool = False):
    can_produce = request.user.has_perm("live.produce", request.center)
    if not hasattr(request, "_live_settings"):  # once per request, not once per row
        request._live_settings = services.settings_of(request.center)
    conf = request._live_settings
    stream = p.stream
    data = dict(  # noqa: C408 — the fields of both answers, by name
        id=p.pk, version=p.version, title=stream.title, summary=stream.summary, kind=p.kind,
        kind_label=p.get_kind_display(), status=p.status, status_label=p.get_status_display(),
        client_id=p.client_id, client=p.client.name if p.client_id else None, department_id=p.department_id,
        department=p.department.name if p.department_id else None, place=p.place, contact=p.contact,
        contact_phone=p.contact_phone, fee=p.fee, planned_start=p.planned_start, planned_end=p.planned_end,
        stream_id=stream.pk, public_starts_at=stream.starts_at, public_ends_at=stream.ends_at,
        pull_url=services.pull_url(p, conf) or stream.player_url,
        push_url=services.push_url(p, conf) if can_produce else None, stream_key=p.stream_key if can_produce else None,
        replay_url=stream.replay_url,
        open_checks=getattr(p, "open_checks", None) if getattr(p, "open_checks", None) is not None
        else p.checks.filter(required=True, ticked_at__isnull=True).count(),
        started_at=p.started_at, ended_at=p.ended_at, replay_at=p.replay_at)
    if not detail:
        return LiveProductionOut(**data)
    return LiveProductionDetailOut(
        **data, crew=[_crew_out(c) for c in p.crew.select_related("person")],
        equipment=[LiveAssignedEquipmentOut(id=a.pk, equipment=_equipment_out(a.equipment))
                   for a in p.equipment.select_related("equipment")],
        segments=[_segment_out(s) for s in p.segments.all()], checklist=[_check_out(c) for c in p.checks.all()])


def _crew_out(c: CrewAssignment) -> LiveCrewOut:
    return LiveCrewOut(id=c.pk, person_id=c.person_id, person=str(c.person), role=c.role, role_label=c.get_role_display())


def _equipment_out(e: Equipment) -> LiveEquipmentOut:
    return LiveEquipmentOut(id=e.pk, kind=e.kind, kind_label=e.get_kind_display(), name=e.name,
                            asset_number=e.asset_number, note=e.note, is_active=e.is_active)


def _segment_out(s: Segment) -> LiveSegmentOut:
    return LiveSegmentOut(id=s.pk, offset_minutes=s.offset_minutes, length_minutes=s.length_minutes, content=s.content,
                          who=s.who)


def _check_out(c: CheckItem) -> LiveCheckOut:
    return LiveCheckOut(id=c.pk, label=c.label, required=c.required, ticked=c.ticked_at is not None,
                        ticked_at=c.ticked_at, ticked_by=str(c.ticked_by) if c.ticked_by_id else None)


def _production(request, production_id: int) -> Production:
    return get_scoped_or_404(selectors.productions(request.center), request.center, pk=production_id)


def _booking(payload: LiveBookingIn) -> services.BookingData:
    return services.BookingData(
        title=payload.title, summary=payload.summary, kind=payload.kind, place=payload.place,
        planned_start=payload.planned_start, planned_end=payload.planned_end, client_id=payload.client_id,
        department_id=payload.department_id, contact=payload.contact, contact_phone=payload.contact_phone,
        fee=payload.fee, note=payload.note)


def _aware(payload: LiveBookingIn, center) -> None:
    """Times without an offset are the center's local time."""
    for field in ("planned_start", "planned_end"):
        value = getattr(payload, field)
        if value.tzinfo is None:
            setattr(payload, field, value.replace(tzinfo=selectors.zone(center)))


# --- Productions ------------------------------------------------------------------------------------------------

@router.get("/live/productions", response={200: page_of(LiveProductionOut), **ERRORS}, summary="直播列表",
            description="本中心的直播承接（计划开始新的在前），可按状态（upcoming 为待播与直播中）、类型、年份和关键词筛选。")
def live_list_productions(request, status: str = Query("", max_length=20), kind: str = Query("", max_length=20),
                          year: int | None = Query(None, ge=2000, le=2100), q: str = Query("", max_length=50),
                          cursor: str | None = CursorQuery, limit: int = LimitQuery):
    require(request, "live.view")
    if status and status not in Production.Status.values and status != "upcoming":
        raise ValidationError({"status": ["应为 upcoming、scheduled、live、ended、replay 或 cancelled。"]})
    if kind and kind not in Production.Kind.values:
        raise ValidationError({"kind": ["没有这种直播类型。"]})
    qs = selectors.filtered(request.center, status=status, kind=kind, year=year, q=q.strip())
    return paginate(qs, cursor=cursor, limit=limit, order=("-planned_start", "-pk"), out=lambda p: _out(p, request))


@router.post("/live/productions", response={201: LiveProductionDetailOut, **ERRORS}, summary="预约直播",
             description="登记一场直播：同时在网站直播页加入预告，生成流名和推流密钥，带默认的播前检查项。")
def live_book(request, payload: LiveBookingIn):
    require(request, "live.produce")
    _aware(payload, request.center)
    production = services.book(center=request.center, user=request.user, data=_booking(payload))
    return Status(201, _out(_production(request, production.pk), request, detail=True))


@router.get("/live/productions/{production_id}", response={200: LiveProductionDetailOut, **ERRORS},
            summary="直播详情", description="预约、推拉流、人员、设备、串词单和播前检查。")
def live_get_production(request, production_id: Id):
    require(request, "live.view")
    return _out(_production(request, production_id), request, detail=True)


@router.put("/live/productions/{production_id}", response={200: LiveProductionDetailOut, **ERRORS},
            summary="修改直播预约", description="改期时重新检查人员和设备是否冲突（冲突返回 409）。")
def live_update_production(request, production_id: Id, payload: LiveBookingIn):
    require(request, "live.produce")
    production = _production(request, production_id)
    _aware(payload, request.center)
    services.update_booking(production, user=request.user, data=_booking(payload), expected_version=payload.version)
    return _out(_production(request, production_id), request, detail=True)


# --- Crew and equipment ---------------------------------------------------------------------------------------------

@router.get("/live/productions/{production_id}/crew", response={200: page_of(LiveCrewOut), **ERRORS}, summary="直播人员")
def live_list_crew(request, production_id: Id, cursor: str | None = CursorQuery, limit: int = LimitQuery):
    require(request, "live.view")
    return paginate(_production(request, production_id).crew.select_related("person"), cursor=cursor, limit=limit,
                    order=("role", "pk"), out=_crew_out)


@router.post("/live/productions/{production_id}/crew", response={201: LiveCrewOut, **ERRORS}, summary="安排人员",
             description="同一人在重叠的时间已安排在另一场直播时返回 409，说明是哪一场、什么时间。")
def live_add_crew(request, production_id: Id, payload: LiveCrewIn):
    require(request, "live.produce")
    crew = services.assign_crew(_production(request, production_id), user=request.user, person_id=payload.person_id,
                                role=payload.role)
    return Status(201, _crew_out(crew))


@router.delete("/live/productions/{production_id}/crew/{crew_id}", response={204: None, **ERRORS}, summary="撤下人员")
def live_remove_crew(request, production_id: Id, crew_id: Id):
    require(request, "live.produce")
    crew = get_scoped_or_404(CrewAssignment.objects.select_related("person", "production"), request.center,
                             pk=crew_id, production_id=production_id)
    services.remove_crew(crew, user=request.user)
    return Status(204, None)


@router.get("/live/productions/{production_id}/equipment", response={200: page_of(LiveAssignedEquipmentOut), **ERRORS},
            summary="直播设备安排")
def live_list_assigned_equipment(request, production_id: Id, cursor: str | None = CursorQuery, limit: int = LimitQuery):
    require(request, "live.view")
    return paginate(_production(request, production_id).equipment.select_related("equipment"), cursor=cursor, limit=limit,
                    order=("equipment__kind", "pk"),
                    out=lambda a: LiveAssignedEquipmentOut(id=a.pk, equipment=_equipment_out(a.equipment)))


@router.post("/live/productions/{production_id}/equipment", response={201: LiveAssignedEquipmentOut, **ERRORS},
             summary="安排设备", description="同一件设备在重叠的时间已安排给另一场直播时返回 409。")
def live_add_equipment(request, production_id: Id, payload: LiveEquipmentAssignIn):
    require(request, "live.produce")
    item = services.assign_equipment(_production(request, production_id), user=request.user,
                                     equipment_id=payload.equipment_id)
    return Status(201, LiveAssignedEquipmentOut(id=item.pk, equipment=_equipment_out(item.equipment)))


@router.delete("/live/productions/{production_id}/equipment/{kit_id}", response={204: None, **ERRORS},
               summary="撤下设备")
def live_remove_equipment(request, production_id: Id, kit_id: Id):
    require(request, "live.produce")
    item = get_scoped_or_404(EquipmentAssignment.objects.select_related("equipment", "production"), request.center,
                             pk=kit_id, production_id=production_id)
    services.remove_equipment(item, user=request.user)
    return Status(204, None)


# --- Run sheet and checklist -----------------------------------------------------------------------------------------

@router.get("/live/productions/{production_id}/segments", response={200: page_of(LiveSegmentOut), **ERRORS},
            summary="串词单")
def live_list_segments(request, production_id: Id, cursor: str | None = CursorQuery, limit: int = LimitQuery):
    require(request, "live.view")
    return paginate(_production(request, production_id).segments.all(), cursor=cursor, limit=limit,
                    order=("offset_minutes", "pk"), out=_segment_out)


@router.post("/live/productions/{production_id}/segments", response={201: LiveSegmentOut, **ERRORS},
             summary="添加串词单环节")
def live_add_segment(request, production_id: Id, payload: LiveSegmentIn):
    require(request, "live.produce")
    segment = services.add_segment(_production(request, production_id), user=request.user,
                                   offset_minutes=payload.offset_minutes, length_minutes=payload.length_minutes,
                                   content=payload.content, who=payload.who)
    return Status(201, _segment_out(segment))


@router.delete("/live/productions/{production_id}/segments/{segment_id}", response={204: None, **ERRORS},
               summary="删除串词单环节")
def live_remove_segment(request, production_id: Id, segment_id: Id):
    require(request, "live.produce")
    segment = get_scoped_or_404(Segment.objects.select_related("production"), request.center, pk=segment_id,
                                production_id=production_id)
    services.remove_segment(segment, user=request.user)
    return Status(204, None)


@router.get("/live/productions/{production_id}/checklist", response={200: page_of(LiveCheckOut), **ERRORS},
            summary="播前检查")
def live_list_checks(request, production_id: Id, cursor: str | None = CursorQuery, limit: int = LimitQuery):
    require(request, "live.view")
    return paginate(_production(request, production_id).checks.select_related("ticked_by"), cursor=cursor, limit=limit,
                    order=("order", "pk"), out=_check_out)


@router.post("/live/productions/{production_id}/checklist/{check_item_id}", response={200: LiveCheckOut, **ERRORS},
             summary="勾选播前检查项", description="ticked=false 撤销；开播后不能再改（409）。")
def live_tick(request, production_id: Id, check_item_id: Id, payload: LiveTickIn):
    require(request, "live.produce")
    item = get_scoped_or_404(CheckItem.objects.select_related("production"), request.center, pk=check_item_id,
                             production_id=production_id)
    return _check_out(services.tick(item, user=request.user, done=payload.ticked))


# --- Status ------------------------------------------------------------------------------------------------------------

@router.post("/live/productions/{production_id}/start", response={200: LiveProductionOut, **ERRORS}, summary="开播",
             description="必查项未全部完成时返回 409 并列出未完成的项；网站直播页从此显示“正在直播”。")
def live_start(request, production_id: Id, payload: LiveVersionIn):
    require(request, "live.produce")
    production = services.start(_production(request, production_id), user=request.user,
                                expected_version=payload.version)
    return _out(_production(request, production.pk), request)


@router.post("/live/productions/{production_id}/end", response={200: LiveProductionOut, **ERRORS}, summary="结束直播")
def live_end(request, production_id: Id, payload: LiveVersionIn):
    require(request, "live.produce")
    production = services.end(_production(request, production_id), user=request.user, expected_version=payload.version)
    return _out(_production(request, production.pk), request)


@router.post("/live/productions/{production_id}/cancel", response={200: LiveProductionOut, **ERRORS},
             summary="取消直播", description="只有待播的可以取消；网站上不再显示，人员和设备随之释放。")
def live_cancel(request, production_id: Id, payload: LiveCancelIn):
    require(request, "live.produce")
    production = services.cancel(_production(request, production_id), user=request.user, reason=payload.reason,
                                 expected_version=payload.version)
    return _out(_production(request, production.pk), request)


@router.post("/live/productions/{production_id}/replay", response={200: LiveProductionOut, **ERRORS},
             summary="发布回放", description="结束后发布：素材库中的视频（asset_id）或回放地址（url），网站直播页的往期回顾显示它。")
def live_replay(request, production_id: Id, payload: LiveReplayIn):
    require(request, "live.produce")
    production = services.publish_replay(_production(request, production_id), user=request.user, url=payload.url,
                                         asset_id=payload.asset_id, expected_version=payload.version)
    return _out(_production(request, production.pk), request)


# --- Statistics, equipment, settings ----------------------------------------------------------------------------------

@router.get("/live/stats/{year}", response={200: LiveStatsOut, **ERRORS}, summary="直播年度统计",
            description="一年的场次，按类型、客户/部门和月份（按计划开始时间计入，不含取消）。")
def live_stats(request, year: int):
    require(request, "live.view")
    if not 2000 <= year <= 2100:
        raise Http404("年份应在 2000 到 2100 之间。")
    s = selectors.year_stats(request.center, year)
    return LiveStatsOut(year=year, total=s.total, cancelled=s.cancelled, fee_total=Decimal(s.fee_total),
                        by_kind=dict(s.by_kind),
                        by_client=[{"name": n, "category": k, "count": c} for n, k, c in s.by_client],
                        by_month={f"{m:02d}": n for m, n in s.by_month})


@router.get("/live/equipment", response={200: page_of(LiveEquipmentOut), **ERRORS}, summary="直播设备列表")
def live_list_equipment(request, kind: str = Query("", max_length=20), cursor: str | None = CursorQuery,
                        limit: int = LimitQuery):
    require(request, "live.view")
    qs = scoped(Equipment, request.center)
    if kind:
        if kind not in Equipment.Kind.values:
            raise ValidationError({"kind": ["没有这种设备类型。"]})
        qs = qs.filter(kind=kind)
    return paginate(qs, cursor=cursor, limit=limit, order=("asset_number", "pk"), out=_equipment_out)


@router.post("/live/equipment", response={201: LiveEquipmentOut, **ERRORS}, summary="登记直播设备")
def live_add_equipment_item(request, payload: LiveEquipmentIn):
    require(request, "live.manage")
    item = services.save_equipment(center=request.center, user=request.user,
                                   data=services.EquipmentData(**payload.dict()))
    return Status(201, _equipment_out(item))


@router.put("/live/equipment/{equipment_id}", response={200: LiveEquipmentOut, **ERRORS}, summary="修改直播设备")
def live_update_equipment_item(request, equipment_id: Id, payload: LiveEquipmentIn):
    require(request, "live.manage")
    item = get_scoped_or_404(Equipment, request.center, pk=equipment_id)
    return _equipment_out(services.save_equipment(center=request.center, user=request.user,
                                                  data=services.EquipmentData(**payload.dict()), equipment=item))


@router.get("/live/settings", response={200: LiveSettingsOut, **ERRORS}, summary="推拉流设置")
def live_get_settings(request):
    require(request, "live.manage")
    conf = services.settings_of(request.center)
    return LiveSettingsOut(push_base=conf.push_base if conf else "", pull_base=conf.pull_base if conf else "",
                           version=conf.version if conf else 1)


@router.put("/live/settings", response={200: LiveSettingsOut, **ERRORS}, summary="修改推拉流设置")
def live_put_settings(request, payload: LiveSettingsIn):
    require(request, "live.manage")
    conf = services.save_settings(center=request.center, user=request.user, push_base=payload.push_base,
                                  pull_base=payload.pull_base, expected_version=payload.version)
    return LiveSettingsOut(push_base=conf.push_base, pull_base=conf.pull_base, version=conf.version)
