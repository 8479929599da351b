"""绩效考核 in the staff API: months and their scorecards, one person's month with every line
(one's own with appraisal.view_own, anyone's with appraisal.view_all), compute and close
(appraisal.manage, with the version the client saw: 409 "已被他人修改"), disputes raised and
resolved, adjustments after the close, and the 稿费 lines. The same services and selectors
as the screens; another center's month, person or dispute is a 404. Months are written
"2026-11"."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.http import Http404
from ninja import Field, Path, Router, Schema, Status

from rongmei.appraisal import periods, services
from rongmei.appraisal import selectors as sel
from rongmei.appraisal.models import Dispute, FeeLine, Period, Scorecard
from rongmei.core.api import require
from rongmei.core.api_kit import ERRORS, CursorQuery, LimitQuery, page_of, paginate
from rongmei.core.ids import Id
from rongmei.core.selectors import member_or_none
from rongmei.core.tenancy import get_scoped_or_404
from rongmei.newsroom.models import Story

router = Router(tags=["绩效考核"])

MonthPath = Path(..., pattern=r"^[0-9]{4}-[0-9]{2}$", description="月份，如 2026-11")


class AppraisalPeriodOut(Schema):
    month: str = Field(..., description="月份，如 2026-11")
    status: str = Field(..., description="open 进行中 / closed 已结算")
    status_label: str
    version: int = Field(..., description="计算、结算时回传，用于并发检查")
    reward_pool: Decimal = Field(..., description="奖励绩效总额（元）")
    computed_at: dt.datetime | None
    closed_at: dt.datetime | None


class AppraisalScorecardOut(Schema):
    user_id: int
    name: str
    org_unit: str | None
    role: str
    points: Decimal
    pieces: int
    reads: int
    quota: Decimal
    quota_ratio: Decimal = Field(..., description="定额完成率（1 = 100%）")
    rank: int | None = Field(None, description="部门内排名")
    base_amount: Decimal
    base_paid: Decimal
    reward_paid: Decimal
    total_paid: Decimal


class AppraisalLineOut(Schema):
    kind: str = Field(..., description="piece 稿件 / reads 阅读量 / rating 优稿 / pickup 外宣采用 / deduction 扣分")
    story_id: int | None
    story_headline: str | None
    outlet: str
    rule: str = Field(..., description="给分的规则")
    base_points: Decimal
    share: Decimal = Field(..., description="贡献占比（%）")
    points: Decimal


class AppraisalDisputeOut(Schema):
    id: int
    month: str
    raised_by_id: int
    raised_by: str
    story_id: int | None
    text: str
    status: str = Field(..., description="open 待处理 / accepted 已采纳 / rejected 未采纳")
    resolution: str
    created_at: dt.datetime
    resolved_at: dt.datetime | None


class AppraisalAdjustmentOut(Schema):
    id: int
    user_id: int
    points: Decimal
    amount: Decimal
    reason: str
    created_at: dt.datetime


class AppraisalFeeOut(Schema):
    id: int
    name: str = Field(..., description="署名")
    user_id: int | None = Field(None, description="本中心人员；通讯员（无账号）为 null")
    story_id: int | None
    outlet: str
    genre: str
    rate: Decimal
    share: Decimal
    amount: Decimal


class AppraisalPersonMonthOut(Schema):
    period: AppraisalPeriodOut | None
    scorecard: AppraisalScorecardOut | None
    lines: list[AppraisalLineOut]
    fees: list[AppraisalFeeOut]
    disputes: list[AppraisalDisputeOut]
    adjustments: list[AppraisalAdjustmentOut]


class AppraisalVersionIn(Schema):
    version: int | None = Field(None, description="页面上看到的 version；与当前不符时返回 409")


class AppraisalDisputeIn(Schema):
    text: str = Field(..., max_length=1000)
    story_id: int | None = Field(None, ge=1, le=2**63 - 1)


class AppraisalResolveIn(Schema):
    accepted: bool
    resolution: str = Field(..., max_length=1000)


class AppraisalAdjustIn(Schema):
    user_id: int = Field(..., ge=1, le=2**63 - 1)
    points: Decimal = Field(Decimal(0), max_digits=10, decimal_places=2)
    amount: Decimal = Field(Decimal(0), max_digits=12, decimal_places=2)
    reason: str = Field(..., max_length=500)


class AppraisalComputeOut(Schema):
    period: AppraisalPeriodOut
    people: int
    pieces: int
    points: Decimal
    reward_pool: Decimal


def _month(value: str) -> dt.date:
    month = sel.parse_month(value)
    if month is None:
        raise Http404("月份格式应为 2026-11。")
    return month


def _period_out(p: Period) -> AppraisalPeriodOut:
    return AppraisalPeriodOut(month=sel.month_value(p.month), status=p.status, status_label=p.get_status_display(),
                              version=p.version, reward_pool=p.reward_pool, computed_at=p.computed_at,
                              closed_at=p.closed_at)


def _card_out(c: Scorecard) -> AppraisalScorecardOut:
    return AppraisalScorecardOut(user_id=c.user_id, name=sel.person_name(c.user),
                                 org_unit=c.org_unit.name if c.org_unit else None, role=c.role, points=c.points,
                                 pieces=c.pieces, reads=c.reads, quota=c.quota, quota_ratio=c.quota_ratio, rank=c.rank,
                                 base_amount=c.base_amount, base_paid=c.base_paid, reward_paid=c.reward_paid,
                                 total_paid=c.total_paid)


def _dispute_out(d: Dispute) -> AppraisalDisputeOut:
    return AppraisalDisputeOut(id=d.pk, month=sel.month_value(d.period.month), raised_by_id=d.raised_by_id,
                               raised_by=sel.person_name(d.raised_by), story_id=d.story_id, text=d.text,
                               status=d.status, resolution=d.resolution, created_at=d.created_at,
                               resolved_at=d.resolved_at)


def _fee_out(f: FeeLine) -> AppraisalFeeOut:
    return AppraisalFeeOut(id=f.pk, name=f.name, user_id=f.user_id, story_id=f.story_id, outlet=f.outlet,
                           genre=f.genre, rate=f.rate, share=f.share, amount=f.amount)


def _person_out(period: Period | None, person) -> AppraisalPersonMonthOut:
    data = sel.person_month(period, person)
    lines = [AppraisalLineOut(kind=line.kind, story_id=line.story_id,
                              story_headline=line.story.headline if line.story else None, outlet=line.outlet,
                              rule=line.rule, base_points=line.base_points, share=line.share, points=line.points)
             for g in data.groups for line in g.lines]
    return AppraisalPersonMonthOut(
        period=_period_out(period) if period else None, scorecard=_card_out(data.card) if data.card else None,
        lines=lines, fees=[_fee_out(f) for f in data.fees], disputes=[_dispute_out(d) for d in data.disputes],
        adjustments=[AppraisalAdjustmentOut(id=a.pk, user_id=a.user_id, points=a.points, amount=a.amount,
                                            reason=a.reason, created_at=a.created_at) for a in data.adjustments])


def _not_future(request, month: dt.date) -> dt.date:
    if month > periods.current_month(request.center):
        raise ValidationError({"month": ["还没到这个月份。"]})
    return month


def _period(request, month: str) -> Period:
    return get_scoped_or_404(Period, request.center, month=_month(month))


@router.get("/appraisal/months", response={200: page_of(AppraisalPeriodOut), **ERRORS}, summary="考核月份列表",
            description="本中心各考核月份（新的在前）。需要“查看全体人员月度绩效”。")
def appraisal_list_months(request, cursor: str | None = CursorQuery, limit: int = LimitQuery):
    require(request, "appraisal.view_all")
    return paginate(Period.objects.filter(center=request.center), cursor=cursor, limit=limit, order=("-month", "-pk"),
                    out=_period_out)


@router.get("/appraisal/months/{month}/scorecards", response={200: page_of(AppraisalScorecardOut), **ERRORS},
            summary="月度绩效", description="一个月每人的得分、定额完成率、部门内排名和绩效工资（得分高的在前）。")
def appraisal_list_scorecards(request, month: str = MonthPath, cursor: str | None = CursorQuery,
                              limit: int = LimitQuery):
    require(request, "appraisal.view_all")
    period = _period(request, month)
    return paginate(Scorecard.objects.filter(period=period).select_related("user", "org_unit"), cursor=cursor,
                    limit=limit, order=("-points", "pk"), out=_card_out)


@router.get("/appraisal/me", response={200: AppraisalPersonMonthOut, **ERRORS}, summary="我的绩效",
            description="本人某月（默认本月）的得分、每一条明细与规则、稿费、申诉和结算后调整。")
def appraisal_my_month(request, month: str | None = None):
    require(request, "appraisal.view_own")
    when = _month(month) if month else periods.current_month(request.center)
    return _person_out(periods.get(request.center, when), request.user)


@router.get("/appraisal/months/{month}/people/{user_id}", response={200: AppraisalPersonMonthOut, **ERRORS},
            summary="人员月度绩效明细")
def appraisal_person_month(request, user_id: Id, month: str = MonthPath):
    require(request, "appraisal.view_all")
    period = _period(request, month)
    person = member_or_none(request.center, user_id)
    if person is None:
        card = Scorecard.objects.filter(period=period, user_id=user_id).select_related("user").first()
        if card is None:
            raise Http404
        person = card.user
    return _person_out(period, person)


@router.post("/appraisal/months/{month}/compute", response={200: AppraisalComputeOut, **ERRORS}, summary="重新计算",
             description="按当前的考核事实和规则重新计算一个未结算的月份；已结算返回 409。")
def appraisal_compute(request, payload: AppraisalVersionIn, month: str = MonthPath):
    require(request, "appraisal.manage")
    period = periods.get_or_open(request.center, _not_future(request, _month(month)))
    outcome = services.compute(period, request.user, expected_version=payload.version)
    return AppraisalComputeOut(period=_period_out(period), people=outcome.people, pieces=outcome.pieces,
                               points=outcome.points, reward_pool=outcome.reward_pool)


@router.post("/appraisal/months/{month}/close", response={200: AppraisalPeriodOut, **ERRORS}, summary="结算并锁定",
             description="最后计算一次并锁定本月；有未处理的申诉时返回 422，已结算或版本不符返回 409。")
def appraisal_close(request, payload: AppraisalVersionIn, month: str = MonthPath):
    require(request, "appraisal.manage")
    period = _period(request, month)
    services.close(period, request.user, expected_version=payload.version)
    return _period_out(period)


@router.get("/appraisal/disputes", response={200: page_of(AppraisalDisputeOut), **ERRORS}, summary="绩效申诉列表")
def appraisal_list_disputes(request, status: str = "open", cursor: str | None = CursorQuery, limit: int = LimitQuery):
    require(request, "appraisal.manage")
    if status not in ("open", "accepted", "rejected", "all"):
        raise ValidationError({"status": ["应为 open、accepted、rejected 或 all。"]})
    rows = Dispute.objects.filter(center=request.center).select_related("period", "raised_by")
    if status != "all":
        rows = rows.filter(status=status)
    return paginate(rows, cursor=cursor, limit=limit, order=("-created_at", "-pk"), out=_dispute_out)


@router.post("/appraisal/months/{month}/disputes", response={201: AppraisalDisputeOut, **ERRORS}, summary="提出申诉",
             description="对本人某月（未结算）的绩效提出申诉，可指明一篇稿件。")
def appraisal_raise_dispute(request, payload: AppraisalDisputeIn, month: str = MonthPath):
    require(request, "appraisal.view_own")
    story = None
    if payload.story_id is not None:
        story = Story.objects.filter(center=request.center, pk=payload.story_id).first()
        if story is None:
            raise ValidationError({"story_id": ["找不到这篇稿件。"]})
    period = periods.get_or_open(request.center, _not_future(request, _month(month)))
    return Status(201, _dispute_out(services.raise_dispute(period, request.user, payload.text, story=story)))


@router.post("/appraisal/disputes/{dispute_id}/resolve", response={200: AppraisalDisputeOut, **ERRORS},
             summary="处理申诉", description="采纳或不采纳，须写处理意见；已处理过返回 409。")
def appraisal_resolve_dispute(request, dispute_id: Id, payload: AppraisalResolveIn):
    require(request, "appraisal.manage")
    dispute = get_scoped_or_404(Dispute.objects.select_related("period", "raised_by"), request.center, pk=dispute_id)
    return _dispute_out(services.resolve_dispute(dispute, request.user, payload.accepted, payload.resolution))


@router.post("/appraisal/months/{month}/adjustments", response={201: AppraisalAdjustmentOut, **ERRORS},
             summary="结算后调整", description="只对已结算的月份；记入审计，结算时的绩效不变。")
def appraisal_adjust(request, payload: AppraisalAdjustIn, month: str = MonthPath):
    require(request, "appraisal.manage")
    period = _period(request, month)
    person = member_or_none(request.center, payload.user_id)
    if person is None:
        card = Scorecard.objects.filter(period=period, user_id=payload.user_id).select_related("user").first()
        person = card.user if card else None
    if person is None:
        raise ValidationError({"user_id": ["这个人不在本中心。"]})
    a = services.adjust(period, request.user, person, payload.points, payload.amount, payload.reason)
    return Status(201, AppraisalAdjustmentOut(id=a.pk, user_id=a.user_id, points=a.points, amount=a.amount,
                                              reason=a.reason, created_at=a.created_at))


@router.get("/appraisal/months/{month}/fees", response={200: page_of(AppraisalFeeOut), **ERRORS}, summary="稿费明细",
            description="一个月的稿费：每个署名每篇稿件每个平台一行（通讯员没有账号，user_id 为 null）。")
def appraisal_list_fees(request, month: str = MonthPath, cursor: str | None = CursorQuery, limit: int = LimitQuery):
    require(request, "appraisal.view_all")
    period = _period(request, month)
    return paginate(FeeLine.objects.filter(period=period), cursor=cursor, limit=limit, order=("name", "pk"),
                    out=_fee_out)
