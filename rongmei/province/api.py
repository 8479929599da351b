"""The province platform in the staff API, under /api/v1/province/.

* Platform admins (superuser): centers (list, one, create with the first center admin,
  suspend, resume, quotas) and the cross-center statistics of a month.
* ``province.view`` in the active center: the centers below it side by side with the
  provincial ranking (a county gets an empty list).

The same services and selectors as the screens; anyone else gets 403 with the reason in
Chinese; an unknown center is 404; a refusal is 422 with the field messages and changes
nothing."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import HttpError

from rongmei.core.api import require
from rongmei.core.api_kit import ERRORS, CursorQuery, LimitQuery, page_of, paginate
from rongmei.core.ids import Id
from rongmei.core.models import Center
from rongmei.province import selectors as sel
from rongmei.province import services

router = Router(tags=["省级平台"])

MonthQuery = Query("", max_length=7, description="月份，如 2026-11；留空为本月")


def _admin(request) -> None:
    if not getattr(request.user, "is_platform_admin", False):
        raise HttpError(403, "没有权限：只有平台管理员可以管理中心。")


def _center(center_id: int) -> Center:
    center = Center.objects.select_related("parent").filter(pk=center_id).first()
    if center is None:
        raise HttpError(404, "没有这个中心。")
    return center


def _month(month: str) -> tuple[int, int]:
    (year, m), error = sel.parse_month(month)
    if error:
        raise ValidationError({"month": [error]})
    return year, m


class ProvinceCenterOut(Schema):
    id: int
    slug: str
    name: str
    region: str
    level: str = Field(..., description="province 省级 / city 市级 / county 县级")
    parent_id: int | None
    is_active: bool
    suspended_reason: str
    suspended_at: dt.datetime | None
    quota_staff: int | None = Field(..., description="人员上限，null 不限")
    quota_storage_mb: int | None = Field(..., description="存储上限（MB），null 不限")
    staff: int = Field(..., description="在岗人员（有角色且账号启用）")
    storage_mb: float = Field(..., description="已用存储（MB）")


def _out(center: Center, usage: dict | None = None) -> dict:
    usage = usage or sel.usage(center)
    return {"id": center.pk, "slug": center.slug, "name": center.name, "region": center.region, "level": center.level,
            "parent_id": center.parent_id, "is_active": center.is_active, "suspended_reason": center.suspended_reason,
            "suspended_at": center.suspended_at, "quota_staff": center.quota_staff,
            "quota_storage_mb": center.quota_storage_mb, "staff": usage["staff"], "storage_mb": usage["storage_mb"]}


@router.get("/province/centers", response={200: page_of(ProvinceCenterOut), **ERRORS}, summary="中心列表（平台管理员）",
            description="全部中心；可按名称/标识/地区查找，按层级、状态（active/suspended）筛选。")
def province_list_centers(request, q: str = Query("", max_length=50), level: str = "", status: str = "",
                          cursor: str | None = CursorQuery, limit: int = LimitQuery):
    _admin(request)
    if level and level not in Center.Level.values:
        raise ValidationError({"level": ["应为 province、city 或 county。"]})
    if status and status not in sel.STATUS_CHOICES:
        raise ValidationError({"status": ["应为 active 或 suspended。"]})
    page = paginate(sel.centers(q=q, level=level, status=status), cursor=cursor, limit=limit, order=("pk",))
    ids = [c.pk for c in page["items"]]
    staff, storage = sel.active_staff(ids), sel.storage_of(ids)  # two queries per kind for the whole page
    page["items"] = [_out(c, {"staff": staff[c.pk], "storage_mb": round(storage[c.pk] / sel.MB, 1)}) for c in page["items"]]
    return page


@router.get("/province/centers/{center_id}", response={200: ProvinceCenterOut, **ERRORS}, summary="中心（平台管理员）")
def province_get_center(request, center_id: Id):
    _admin(request)
    return _out(_center(center_id))


class ProvinceCenterIn(Schema):
    name: str = Field(..., max_length=100)
    slug: str = Field(..., max_length=50)
    region: str = Field("", max_length=100)
    level: str = Field("county", description="province / city / county")
    parent_id: int | None = Field(None, ge=1, le=2**63 - 1)
    quota_staff: int | None = Field(None, ge=1, le=10_000_000)
    quota_storage_mb: int | None = Field(None, ge=1, le=10_000_000)
    admin_username: str = Field(..., max_length=150, description="第一位中心管理员的用户名")
    admin_name: str = Field(..., max_length=50)
    admin_password: str = Field(..., max_length=128, description="初始密码，须符合密码规则；首次登录须修改")


@router.post("/province/centers", response={201: ProvinceCenterOut, **ERRORS}, summary="新建中心（平台管理员）",
             description="同时创建该中心的第一位中心管理员。县级的上级为市级或省级，市级的上级为省级，省级没有上级。")
def province_create_center(request, payload: ProvinceCenterIn):
    _admin(request)
    center, _admin_user = services.create_center(
        actor=request.user, name=payload.name, slug=payload.slug, region=payload.region, level=payload.level,
        parent=payload.parent_id, quota_staff=payload.quota_staff, quota_storage_mb=payload.quota_storage_mb,
        admin_username=payload.admin_username, admin_name=payload.admin_name, admin_password=payload.admin_password)
    return Status(201, _out(center))


class ProvinceSuspendIn(Schema):
    reason: str = Field(..., max_length=200, description="停用原因，中心人员会看到")


@router.post("/province/centers/{center_id}/suspend", response={200: ProvinceCenterOut, **ERRORS}, summary="停用中心")
def province_suspend_center(request, center_id: Id, payload: ProvinceSuspendIn):
    _admin(request)
    return _out(services.suspend(actor=request.user, center=_center(center_id), reason=payload.reason))


@router.post("/province/centers/{center_id}/resume", response={200: ProvinceCenterOut, **ERRORS}, summary="恢复中心")
def province_resume_center(request, center_id: Id):
    _admin(request)
    return _out(services.resume(actor=request.user, center=_center(center_id)))


class ProvinceQuotasIn(Schema):
    quota_staff: int | None = Field(None, ge=1, le=10_000_000, description="null 不限")
    quota_storage_mb: int | None = Field(None, ge=1, le=10_000_000, description="null 不限")


@router.put("/province/centers/{center_id}/quotas", response={200: ProvinceCenterOut, **ERRORS}, summary="设置中心配额")
def province_set_quotas(request, center_id: Id, payload: ProvinceQuotasIn):
    _admin(request)
    return _out(services.set_quotas(actor=request.user, center=_center(center_id), quota_staff=payload.quota_staff,
                                    quota_storage_mb=payload.quota_storage_mb))


class ProvinceStatsOut(Schema):
    center_id: int
    center: str
    level: str
    is_active: bool
    stories: int = Field(..., description="发稿量：当月有发布记录的稿件数")
    publications: int = Field(..., description="发布量：当月发出的渠道发布条数")
    outlets: dict[str, int] = Field(..., description="按平台的发布量")
    reads: int = Field(..., description="阅读量")
    inquiries: int = Field(..., description="问政件次")
    on_time_rate: float | None = Field(..., description="问政按时率 0..1，无数据为 null")
    accounts: int
    stale_accounts: int
    staff: int
    storage_mb: float
    score: float | None = Field(None, description="综合得分（仅排名）")
    rank: int | None = Field(None, description="名次（仅排名）")


class ProvinceStatsPage(Schema):
    month: str
    items: list[ProvinceStatsOut]
    total: ProvinceStatsOut | None
    weights: dict[str, float] | None = None


def _stats(r: sel.CenterStats, ranked: bool = False) -> dict:
    c = r.center
    return {"center_id": c.pk or 0, "center": c.name, "level": c.level or "", "is_active": bool(c.pk) and c.is_active,
            "stories": r.stories, "publications": r.publications, "outlets": r.outlets, "reads": r.reads,
            "inquiries": r.inquiries, "on_time_rate": r.on_time_rate, "accounts": r.accounts, "stale_accounts": r.stale,
            "staff": r.staff, "storage_mb": r.storage_mb, "score": r.score if ranked else None,
            "rank": r.rank if ranked else None}


@router.get("/province/stats", response={200: ProvinceStatsPage, **ERRORS}, summary="跨中心统计（平台管理员）")
def province_platform_stats(request, month: str = MonthQuery):
    _admin(request)
    year, m = _month(month)
    rows = sel.stats_for(list(Center.objects.order_by("name")), year, m)
    return {"month": f"{year:04d}-{m:02d}", "items": [_stats(r) for r in rows], "total": _stats(sel.totals(rows))}


@router.get("/province/ranking", response={200: ProvinceStatsPage, **ERRORS}, summary="下级中心统计与排名",
            description="本中心以下各中心的发稿、传播、问政与账号矩阵，按综合得分排名（权重见 weights）。县级中心没有下级，返回空列表。")
def province_ranking(request, month: str = MonthQuery):
    require(request, "province.view")
    year, m = _month(month)
    rows = sel.rank(sel.stats_for(sel.below(request.center), year, m))
    return {"month": f"{year:04d}-{m:02d}", "items": [_stats(r, True) for r in rows],
            "total": _stats(sel.totals(rows)) if rows else None, "weights": sel.weights()}
