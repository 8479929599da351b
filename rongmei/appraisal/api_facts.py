"""绩效考核 in the staff API, the admin's half: the rules in force for a month, their history and
saving a new version; 优稿 ratings (award, change, withdraw, the pieces still unrated); the
外宣 register and its spreadsheet import; deductions; pay bases; and for a month: its state
with what blocks the close and the totals per org unit, the adjustments made after the
close, the 稿费 statements per byline, and the HR downloads (pay workbook, PDF, fees).
Months, scorecards, one person's month, compute / close, disputes and making an adjustment
are in api.py (the screens part); both use /appraisal/months/{month}/… (never the same
path: two routers cannot share one path with different methods).

Why it is thin: every write is one call of the service the screens call (rules.save,
facts_services.rate / withdraw / save_pickup / delete_pickup / add_deduction /
set_pay_profile, pickup_import.upload / run) and every read the selectors' the screens use,
so the API refuses exactly what the screens refuse, in the same Chinese words: a service's
ValidationError is 422 with its field messages; "changed by someone else" (StaleRules,
facts_services.Stale, a stale token) and "already done" are 409. Money and points are
decimal strings ("1234.50"). Files are answered as JSON with the file base64-encoded
(`AppraisalDownloadOut`): the staff API answers JSON only."""

from __future__ import annotations

import base64
import datetime as dt
from decimal import Decimal
from typing import Literal

from django.core.exceptions import ValidationError
from django.db.models import Q
from ninja import File, Path, Query, Router, Schema, Status
from ninja.errors import HttpError
from ninja.files import UploadedFile
from pydantic import Field

from rongmei.analytics.models import ImportBatch
from rongmei.appraisal import exports, periods, pickup_import
from rongmei.appraisal import facts_services as facts
from rongmei.appraisal import rules as rules_kit
from rongmei.appraisal import selectors as sel
from rongmei.appraisal.models import Adjustment, Deduction, PayProfile, Period, Pickup, Rating, RuleSet
from rongmei.core.api import require
from rongmei.core.api_kit import ERRORS, CursorQuery, LimitQuery, page_of, paginate, paginate_list
from rongmei.core.ids import Id
from rongmei.core.models import Membership
from rongmei.core.selectors import staff
from rongmei.core.tenancy import get_scoped_or_404, scoped
from rongmei.newsroom.models import Story
from rongmei.newsroom.selectors import readable_stories

router = Router(tags=["绩效考核"])

MONTH_PATTERN = r"^[0-9]{4}-[0-9]{2}$"
MonthPath = Path(..., pattern=MONTH_PATTERN, description="月份，如 2026-11")
MonthQuery = Query(None, max_length=7, description="月份，如 2026-11；默认本月")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
LevelValue = Literal["county", "prefecture", "provincial", "central"]


# --- Schemas ----------------------------------------------------------------------------------------------

class AppraisalRulesOut(Schema):
    month: str = Field(..., description="所问的月份")
    ruleset_id: int | None = Field(..., description="所用规则的版本 id；尚未设定规则时为 null（用默认规则）")
    starts: str | None = Field(..., description="这套规则的起用月份")
    version: int | None
    note: str
    created_by: str
    created_at: dt.datetime | None
    latest_id: int = Field(..., description="本中心最新一版规则的 id；保存新版本时作为 seen_latest 带上")
    closed: bool = Field(..., description="所问月份是否已结算锁定")
    rules: rules_kit.RulesDoc


class AppraisalRuleVersionOut(Schema):
    id: int
    month: str = Field(..., description="起用月份")
    version: int
    note: str
    created_by: str
    created_at: dt.datetime
    changes: list[str] = Field(..., description="与上一版相比的改动（中文，一行一处）")


class AppraisalRuleVersionDetailOut(AppraisalRuleVersionOut):
    rules: rules_kit.RulesDoc


class AppraisalRulesIn(Schema):
    month: str = Field(..., pattern=MONTH_PATTERN, description="起用月份，如 2026-12")
    rules: dict = Field(..., description="规则文档（结构见 GET 的 rules；检查不通过时 422，逐行说明）")
    note: str = Field("", max_length=200, description="修改说明")
    seen_latest: int | None = Field(None, ge=0, le=2**63 - 1,
                                    description="打开时的 latest_id；期间有人保存过新版本则 409")


class AppraisalRatingOut(Schema):
    id: int
    story_id: int
    headline: str
    month: str
    level: str
    level_label: str
    reason: str
    awarded_by: str
    awarded_at: dt.datetime
    token: str = Field(..., description="修改或撤销时带上；期间被他人改过则 409")


class AppraisalRatingIn(Schema):
    story_id: Id
    level: str = Field(..., max_length=20, description="优稿等级代码（见当月规则 ratings）")
    reason: str = Field(..., max_length=1000, description="评定理由")


class AppraisalRatingChangeIn(Schema):
    level: str = Field(..., max_length=20)
    reason: str = Field(..., max_length=1000)
    token: str | None = Field(None, max_length=64, description="读取时的 token")


class AppraisalRatingWithdrawIn(Schema):
    reason: str = Field("", max_length=1000, description="撤销说明（会告诉作者）")
    token: str | None = Field(None, max_length=64)


class AppraisalUnratedOut(Schema):
    story_id: int
    headline: str
    first_sent_at: dt.datetime | None


class AppraisalPickupOut(Schema):
    id: int
    story_id: int
    headline: str
    month: str
    outlet_name: str
    level: str
    level_label: str
    used_on: dt.date
    url: str
    is_long: bool
    source: str
    entered_by: str
    created_at: dt.datetime


class AppraisalPickupIn(Schema):
    story_id: Id | None = Field(None, description="本中心稿件 id；或给 our_link")
    our_link: str = Field("", max_length=500, description="本站文章地址或已发布渠道的链接（没有 story_id 时）")
    outlet_name: str = Field(..., max_length=200, description="采用媒体")
    level: str = Field(..., max_length=20, description="county 县市级 / prefecture 地市级 / provincial 省级 / central 中央级")
    used_on: dt.date | None = Field(..., description="采用日期")
    url: str = Field("", max_length=1000, description="采用链接")
    is_long: bool = Field(False, description="长篇（深度、专版）")


class AppraisalRowErrorOut(Schema):
    row: int = Field(..., description="表格中的行号（表头为第 1 行；0 表示整个文件）")
    field: str
    message: str


class AppraisalPickupImportOut(Schema):
    id: int
    original_name: str
    status: str = Field(..., description="checked 已检查待导入 / imported / partial 已导入有效行 / refused 无法读取")
    status_label: str
    rows_total: int
    rows_valid: int
    rows_imported: int
    uploaded_by: str
    created_at: dt.datetime
    imported_at: dt.datetime | None
    errors: list[AppraisalRowErrorOut]


class AppraisalImportRunIn(Schema):
    valid_only: bool = Field(False, description="文件有错误行时，只导入有效行")


class AppraisalDeductionOut(Schema):
    id: int
    month: str
    kind: str
    kind_label: str
    story_id: int | None
    headline: str
    user_id: int | None
    user_name: str
    points: Decimal
    reason: str
    created_by: str
    created_at: dt.datetime


class AppraisalDeductionIn(Schema):
    month: str = Field(..., pattern=MONTH_PATTERN, description="计入月份")
    kind: str = Field(..., max_length=20, description="error 差错 / other 其他（更正由系统自动扣分）")
    story_id: Id | None = Field(None, description="扣在一篇稿件上（按署名占比分摊）……")
    user_id: Id | None = Field(None, description="……或扣在一个人身上（二选一）")
    points: Decimal | None = Field(None, max_digits=10, decimal_places=2, description="扣分；差错不填按规则默认分值")
    reason: str = Field(..., max_length=1000)


class AppraisalPayProfileOut(Schema):
    user_id: int
    name: str
    roles: list[str]
    base_amount: Decimal | None = Field(..., description="绩效工资基数（元/月）；null 表示按角色默认")
    pays_fees: bool
    note: str
    token: str = Field(..., description="修改时带上；期间被他人改过则 409")


class AppraisalPayProfileIn(Schema):
    base_amount: str | None = Field(None, max_length=30, description="金额，如 3500.00；空或 null 清除（按角色默认）")
    pays_fees: bool = False
    note: str = Field("", max_length=200)
    token: str | None = Field(None, max_length=64, description="读取时的 token")


class AppraisalBlockersOut(Schema):
    open_disputes: int
    unrated: int = Field(..., description="尚未评定优稿的已发布稿件（提醒）")
    computed: bool
    any: bool


class AppraisalUnitTotalOut(Schema):
    unit_id: int | None
    name: str
    people: int
    points: Decimal
    pieces: int
    reads: int
    base_amount: Decimal
    base_paid: Decimal
    reward_paid: Decimal
    total_paid: Decimal


class AppraisalMonthStateOut(Schema):
    month: str
    label: str
    computed: bool = Field(..., description="是否计算过（没有时下列合计为 0）")
    status: str = Field(..., description="open 进行中 / closed 已结算")
    status_label: str
    version: int = Field(..., description="计算或结算时带上；期间有人计算或结算过则 409")
    reward_pool: Decimal
    computed_at: dt.datetime | None
    closed_at: dt.datetime | None
    closed_by: str
    blockers: AppraisalBlockersOut
    units: list[AppraisalUnitTotalOut] = Field(..., description="各部门合计")
    total: AppraisalUnitTotalOut
    undistributed: Decimal = Field(..., description="奖励绩效总额中未分出的部分（应为 0）")
    adjustment_points: Decimal
    adjustment_amount: Decimal


class AppraisalAdjustmentRowOut(Schema):
    id: int
    month: str
    user_id: int
    name: str
    points: Decimal
    amount: Decimal
    reason: str
    created_by: str
    created_at: dt.datetime


class AppraisalFeeStatementLineOut(Schema):
    id: int
    story_id: int | None
    headline: str
    outlet: str
    outlet_label: str
    genre: str
    genre_label: str
    rate: Decimal
    share: Decimal = Field(..., description="贡献占比（%）")
    amount: Decimal


class AppraisalFeeStatementOut(Schema):
    key: str = Field(..., description="u<用户 id>，或署名 n:<姓名>（没有账号的通讯员）")
    name: str
    user_id: int | None
    amount: Decimal
    lines: list[AppraisalFeeStatementLineOut]


class AppraisalDownloadOut(Schema):
    filename: str
    content_type: str
    size: int = Field(..., description="字节数")
    content_base64: str = Field(..., description="文件内容（base64）")


# --- Mapping ----------------------------------------------------------------------------------------------

def _name(user) -> str:
    return sel.person_name(user) if user is not None else ""


def _ym(month: dt.date) -> str:
    return f"{month:%Y-%m}"


def _previous(r: RuleSet) -> RuleSet | None:
    """The version this one replaced (as the rules page shows it): the same month's previous
    version, else the rules in force the month before."""
    same = (RuleSet.objects.filter(center_id=r.center_id, month=r.month, version__lt=r.version)
            .order_by("-version").first())
    return same if same is not None else rules_kit.ruleset_for(r.center, r.month - dt.timedelta(days=1))


def _previous_among(versions: list[RuleSet], r: RuleSet) -> RuleSet | None:
    """_previous without a query per version: `versions` are all of the center's rule sets."""
    same = [v for v in versions if v.month == r.month and v.version < r.version]
    if same:
        return max(same, key=lambda v: v.version)
    earlier = [v for v in versions if v.month < r.month]
    return max(earlier, key=lambda v: (v.month, v.version)) if earlier else None


def _version_out(r: RuleSet, detail: bool = False, before: RuleSet | None | bool = False):
    before = _previous(r) if before is False else before
    base = dict(id=r.pk, month=_ym(r.month), version=r.version, note=r.note, created_by=_name(r.created_by),
                created_at=r.created_at, changes=rules_kit.changes(before.rules if before else None, r.rules))
    if detail:
        return AppraisalRuleVersionDetailOut(**base, rules=rules_kit.parse(r.rules))
    return AppraisalRuleVersionOut(**base)


def _levels(center, month) -> dict:
    return {code: label for code, label, _ in facts.level_choices(center, month)}


def _rating_out(r: Rating, labels: dict | None = None) -> AppraisalRatingOut:
    labels = labels if labels is not None else _levels(r.center, r.month)
    return AppraisalRatingOut(id=r.pk, story_id=r.story_id, headline=r.story.headline, month=_ym(r.month), level=r.level,
                              level_label=labels.get(r.level, r.level), reason=r.reason, awarded_by=_name(r.awarded_by),
                              awarded_at=r.awarded_at, token=facts.rating_token(r))


def _pickup_out(p: Pickup) -> AppraisalPickupOut:
    return AppraisalPickupOut(id=p.pk, story_id=p.story_id, headline=p.story.headline, month=_ym(p.month),
                              outlet_name=p.outlet_name, level=p.level, level_label=p.get_level_display(), used_on=p.used_on,
                              url=p.url, is_long=p.is_long, source=p.source, entered_by=_name(p.entered_by),
                              created_at=p.created_at)


def _batch_out(b: ImportBatch) -> AppraisalPickupImportOut:
    return AppraisalPickupImportOut(
        id=b.pk, original_name=b.original_name, status=b.status, status_label=b.get_status_display(),
        rows_total=b.rows_total, rows_valid=b.rows_valid, rows_imported=b.rows_imported, uploaded_by=_name(b.uploaded_by),
        created_at=b.created_at, imported_at=b.imported_at,
        errors=[AppraisalRowErrorOut(row=int(e.get("row") or 0), field=str(e.get("field") or ""),
                                     message=str(e.get("message") or "")) for e in b.errors or []])


def _deduction_out(d: Deduction) -> AppraisalDeductionOut:
    return AppraisalDeductionOut(id=d.pk, month=_ym(d.month), kind=d.kind, kind_label=d.get_kind_display(),
                                 story_id=d.story_id, headline=d.story.headline if d.story_id else "", user_id=d.user_id,
                                 user_name=_name(d.user), points=d.points, reason=d.reason,
                                 created_by=_name(d.created_by), created_at=d.created_at)


def _unit_out(u: sel.UnitSheet) -> AppraisalUnitTotalOut:
    return AppraisalUnitTotalOut(unit_id=u.unit_id, name=u.name, people=len(u.cards), points=u.points, pieces=u.pieces,
                                 reads=u.reads, base_amount=u.base_amount, base_paid=u.base_paid,
                                 reward_paid=u.reward_paid, total_paid=u.total_paid)


def _adjustment_out(a) -> AppraisalAdjustmentRowOut:
    return AppraisalAdjustmentRowOut(id=a.pk, month=_ym(a.period.month), user_id=a.user_id, name=_name(a.user),
                                     points=a.points, amount=a.amount, reason=a.reason, created_by=_name(a.created_by),
                                     created_at=a.created_at)


def _fee_line_out(f) -> AppraisalFeeStatementLineOut:
    return AppraisalFeeStatementLineOut(
        id=f.pk, story_id=f.story_id, headline=f.story.headline if f.story_id and f.story else "", outlet=f.outlet,
        outlet_label=getattr(f, "outlet_label", f.outlet), genre=f.genre, genre_label=getattr(f, "genre_label", f.genre),
        rate=f.rate, share=f.share, amount=f.amount)


def _download(content: bytes, filename: str, content_type: str) -> AppraisalDownloadOut:
    return AppraisalDownloadOut(filename=filename, content_type=content_type, size=len(content),
                                content_base64=base64.b64encode(content).decode())


# --- Helpers ----------------------------------------------------------------------------------------------

def _month(text: str, field: str = "month") -> dt.date:
    month = sel.parse_month(text)
    if month is None:
        raise ValidationError({field: ["月份格式应为 2026-11（2000 年到 2100 年）。"]})
    return month


def _month_query(request, text: str | None) -> dt.date:
    return _month(text) if text else periods.current_month(request.center)


def _period_or_404(request, month: str) -> Period:
    return get_scoped_or_404(Period.objects.select_related("closed_by"), request.center, month=_month(month))


# --- Rules ------------------------------------------------------------------------------------------------

@router.get("/appraisal/rules", response={200: AppraisalRulesOut, **ERRORS}, summary="某月适用的考核规则",
            description="该月所用的规则（起用月份在该月或之前的最新一版），尚未设定时为默认规则。")
def appraisal_rules(request, month: str | None = MonthQuery):
    require(request, "appraisal.manage")
    month_date = _month_query(request, month)
    found = rules_kit.ruleset_for(request.center, month_date)
    return AppraisalRulesOut(
        month=_ym(month_date), ruleset_id=found.pk if found else None, starts=_ym(found.month) if found else None,
        version=found.version if found else None, note=found.note if found else "",
        created_by=_name(found.created_by) if found else "", created_at=found.created_at if found else None,
        latest_id=rules_kit.latest_id(request.center), closed=facts.is_closed(request.center, month_date),
        rules=rules_kit.rules_for(request.center, month_date))


@router.get("/appraisal/rules/versions", response={200: page_of(AppraisalRuleVersionOut), **ERRORS},
            summary="考核规则的历史版本", description="每次保存一版，新的在前，带与上一版相比的改动。")
def appraisal_rule_versions(request, cursor: str | None = CursorQuery, limit: int = LimitQuery):
    require(request, "appraisal.manage")
    qs = scoped(RuleSet, request.center).select_related("created_by")
    versions = list(scoped(RuleSet, request.center).only("pk", "month", "version", "rules"))
    return paginate(qs, cursor=cursor, limit=limit, order=("-created_at", "-pk"),
                    out=lambda r: _version_out(r, before=_previous_among(versions, r)))


@router.get("/appraisal/rules/versions/{ruleset_id}", response={200: AppraisalRuleVersionDetailOut, **ERRORS},
            summary="考核规则的一个版本")
def appraisal_rule_version(request, ruleset_id: Id):
    require(request, "appraisal.manage")
    found = get_scoped_or_404(RuleSet.objects.select_related("created_by"), request.center, pk=ruleset_id)
    return _version_out(found, detail=True)


@router.post("/appraisal/rules", response={201: AppraisalRuleVersionDetailOut, **ERRORS}, summary="保存考核规则新版本",
             description="从 month 起用的新版本。规则逐项检查（分值不为负、占比不超过 100%、篇幅分段不重叠等），"
                         "不通过时 422 并逐行说明；已结算的月份不能设新规则；期间有人保存过（seen_latest 不是最新）时 409。")
def appraisal_save_rules(request, payload: AppraisalRulesIn):
    require(request, "appraisal.manage")
    try:
        saved = rules_kit.save(center=request.center, user=request.user, month=_month(payload.month),
                               data=payload.rules, note=payload.note, seen_latest=payload.seen_latest)
    except rules_kit.StaleRules as exc:
        raise HttpError(409, exc.message) from None
    except (TypeError, AttributeError):  # a value of the wrong shape the checks do not expect (a list for a code)
        raise ValidationError({"rules": ["规则文档的格式不对：请按 GET /appraisal/rules 返回的 rules 的结构填写。"]}) from None
    return Status(201, _version_out(RuleSet.objects.select_related("created_by").get(pk=saved.pk), detail=True))


# --- 优稿 -------------------------------------------------------------------------------------------------

@router.get("/appraisal/ratings", response={200: page_of(AppraisalRatingOut), **ERRORS}, summary="优稿评定列表",
            description="计入某月的优稿评定，新的在前。")
def appraisal_ratings(request, month: str | None = MonthQuery, cursor: str | None = CursorQuery, limit: int = LimitQuery):
    require(request, "appraisal.rate")
    month_date = _month_query(request, month)
    labels = _levels(request.center, month_date)
    return paginate(facts.rated_pieces(request.center, month_date), cursor=cursor, limit=limit,
                    order=("-awarded_at", "-pk"), out=lambda r: _rating_out(r, labels))


@router.get("/appraisal/ratings/unrated", response={200: page_of(AppraisalUnratedOut), **ERRORS},
            summary="待评优稿的稿件", description="某月首次发布、尚未评定优稿的稿件，新发布的在前。")
def appraisal_unrated(request, month: str | None = MonthQuery, cursor: str | None = CursorQuery, limit: int = LimitQuery):
    require(request, "appraisal.rate")
    month_date = _month_query(request, month)
    rows = list(facts.unrated_pieces(request.center, month_date).values_list("pk", "headline", "first_sent_at"))
    return paginate_list(rows, cursor=cursor, limit=limit,
                         out=lambda r: AppraisalUnratedOut(story_id=r[0], headline=r[1], first_sent_at=r[2]))


def _readable_story(request, story_id: int) -> Story:
    return get_scoped_or_404(readable_stories(request.center, request.user), request.center, pk=story_id)


def _rating(request, rating_id: int) -> Rating:
    rating = get_scoped_or_404(Rating.objects.select_related("story", "awarded_by"), request.center, pk=rating_id)
    _readable_story(request, rating.story_id)
    return rating


def _fresh_rating(pk: int) -> AppraisalRatingOut:
    return _rating_out(Rating.objects.select_related("story", "awarded_by").get(pk=pk))


@router.post("/appraisal/ratings", response={201: AppraisalRatingOut, **ERRORS}, summary="评定优稿",
             description="给一篇已发布的稿件评优稿（等级见当月规则），作者会收到通知。已被评定过的稿件 409（请用修改）。")
def appraisal_award_rating(request, payload: AppraisalRatingIn):
    require(request, "appraisal.rate")
    story = _readable_story(request, payload.story_id)
    try:
        rating = facts.rate(story, payload.level.strip(), payload.reason, request.user, expected="none")
    except facts.Stale:
        raise HttpError(409, "这篇稿件已经评定过优稿，请修改原评定。") from None
    return Status(201, _fresh_rating(rating.pk))


@router.put("/appraisal/ratings/{rating_id}", response={200: AppraisalRatingOut, **ERRORS}, summary="修改优稿评定",
            description="改等级或理由；带上读取时的 token，期间被他人改过则 409。")
def appraisal_change_rating(request, rating_id: Id, payload: AppraisalRatingChangeIn):
    require(request, "appraisal.rate")
    rating = _rating(request, rating_id)
    try:
        rating = facts.rate(rating.story, payload.level.strip(), payload.reason, request.user, expected=payload.token)
    except facts.Stale as exc:
        raise HttpError(409, str(exc)) from None
    return _fresh_rating(rating.pk)


@router.post("/appraisal/ratings/{rating_id}/withdraw", response={204: None, **ERRORS}, summary="撤销优稿评定",
             description="月份未结算时可撤销，作者会收到通知；带上读取时的 token，期间被他人改过则 409。")
def appraisal_withdraw_rating(request, rating_id: Id, payload: AppraisalRatingWithdrawIn):
    require(request, "appraisal.rate")
    rating = _rating(request, rating_id)
    try:
        facts.withdraw(rating, request.user, reason=payload.reason, expected=payload.token)
    except facts.Stale as exc:
        raise HttpError(409, str(exc)) from None
    return Status(204, None)


# --- 外宣 -------------------------------------------------------------------------------------------------

def _pickup_data(payload: AppraisalPickupIn) -> facts.PickupData:
    return facts.PickupData(outlet_name=payload.outlet_name, level=payload.level, used_on=payload.used_on,
                            story_id=payload.story_id, our_link=payload.our_link, url=payload.url, is_long=payload.is_long)


def _pickup(request, pickup_id: int) -> Pickup:
    return get_scoped_or_404(Pickup.objects.select_related("story", "entered_by"), request.center, pk=pickup_id)


@router.get("/appraisal/pickups", response={200: page_of(AppraisalPickupOut), **ERRORS}, summary="外宣采用登记",
            description="按采用日期从新到旧；可按计入月份、级别和关键词（采用媒体或稿件标题）筛选。")
def appraisal_pickups(request, month: str | None = Query(None, max_length=7, description="计入月份，如 2026-11"),
                      level: LevelValue | None = Query(None, description="级别"),
                      q: str = Query("", max_length=50, description="采用媒体或稿件标题包含"),
                      cursor: str | None = CursorQuery, limit: int = LimitQuery):
    require(request, "appraisal.manage")
    qs = scoped(Pickup, request.center).select_related("story", "entered_by")
    if month:
        qs = qs.filter(month=_month(month))
    if level:
        qs = qs.filter(level=level)
    if q.strip():
        qs = qs.filter(Q(outlet_name__icontains=q.strip()) | Q(story__headline__icontains=q.strip()))
    return paginate(qs, cursor=cursor, limit=limit, order=("-used_on", "-pk"), out=_pickup_out)


@router.get("/appraisal/pickups/{pickup_id}", response={200: AppraisalPickupOut, **ERRORS}, summary="一条外宣采用登记")
def appraisal_pickup(request, pickup_id: Id):
    require(request, "appraisal.manage")
    return _pickup_out(_pickup(request, pickup_id))


@router.post("/appraisal/pickups", response={201: AppraisalPickupOut, **ERRORS}, summary="登记外宣采用",
             description="同一稿件、同一媒体、同一天只能登记一次；计入月份已结算时 422。")
def appraisal_create_pickup(request, payload: AppraisalPickupIn):
    require(request, "appraisal.manage")
    saved = facts.save_pickup(center=request.center, user=request.user, data=_pickup_data(payload))
    return Status(201, _pickup_out(_pickup(request, saved.pk)))


@router.put("/appraisal/pickups/{pickup_id}", response={200: AppraisalPickupOut, **ERRORS}, summary="修改外宣采用登记")
def appraisal_update_pickup(request, pickup_id: Id, payload: AppraisalPickupIn):
    require(request, "appraisal.manage")
    pickup = _pickup(request, pickup_id)
    facts.save_pickup(center=request.center, user=request.user, data=_pickup_data(payload), pickup=pickup)
    return _pickup_out(_pickup(request, pickup.pk))


@router.delete("/appraisal/pickups/{pickup_id}", response={204: None, **ERRORS}, summary="删除外宣采用登记")
def appraisal_delete_pickup(request, pickup_id: Id):
    require(request, "appraisal.manage")
    facts.delete_pickup(pickup=_pickup(request, pickup_id), user=request.user)
    return Status(204, None)


def _pickup_batch(request, import_id: int) -> ImportBatch:
    return get_scoped_or_404(ImportBatch.objects.select_related("uploaded_by"), request.center, pk=import_id,
                             kind=ImportBatch.Kind.PICKUPS)


@router.get("/appraisal/pickup-imports", response={200: page_of(AppraisalPickupImportOut), **ERRORS},
            summary="外宣采用导入记录", description="上传过的外宣采用表格，新的在前。")
def appraisal_pickup_imports(request, cursor: str | None = CursorQuery, limit: int = LimitQuery):
    require(request, "appraisal.manage")
    qs = scoped(ImportBatch, request.center).filter(kind=ImportBatch.Kind.PICKUPS).select_related("uploaded_by")
    return paginate(qs, cursor=cursor, limit=limit, order=("-created_at", "-pk"), out=_batch_out)


@router.post("/appraisal/pickup-imports", response={201: AppraisalPickupImportOut, **ERRORS},
             summary="上传外宣采用表格",
             description="multipart：file（.xlsx 或 .csv，最大 5 MB）。只检查、不导入：返回每个错误行及原因；确认后调用 …/run。")
def appraisal_upload_pickups(request, file: UploadedFile | None = File(None)):
    require(request, "appraisal.manage")  # before looking at the file: 403 first, then what is wrong with it
    if file is None:
        raise ValidationError({"file": ["请选择要上传的 CSV 或 Excel（.xlsx）文件。"]})
    if file.size > pickup_import.MAX_BYTES:
        raise ValidationError({"file": [f"文件太大：不能超过 {pickup_import.MAX_BYTES // (1024 * 1024)} MB。"]})
    batch = pickup_import.upload(center=request.center, user=request.user, file=file)
    return Status(201, _batch_out(_pickup_batch(request, batch.pk)))


@router.get("/appraisal/pickup-imports/{import_id}", response={200: AppraisalPickupImportOut, **ERRORS},
            summary="一次外宣采用导入的检查结果")
def appraisal_pickup_import(request, import_id: Id):
    require(request, "appraisal.manage")
    return _batch_out(_pickup_batch(request, import_id))


@router.post("/appraisal/pickup-imports/{import_id}/run", response={200: AppraisalPickupImportOut, **ERRORS},
             summary="确认导入外宣采用",
             description="文件有错误行时，只有 valid_only=true 才导入其中的有效行，否则 422、什么也不导入；已导入过的 409。")
def appraisal_run_pickup_import(request, import_id: Id, payload: AppraisalImportRunIn):
    require(request, "appraisal.manage")
    batch = _pickup_batch(request, import_id)
    if batch.status != ImportBatch.Status.CHECKED:
        raise HttpError(409, f"这个文件{batch.get_status_display()}，不能再次导入；如需重新导入请重新上传。")
    pickup_import.run(batch=batch, user=request.user, valid_only=payload.valid_only)
    return _batch_out(_pickup_batch(request, batch.pk))


@router.get("/appraisal/pickup-import-template", response={200: AppraisalDownloadOut, **ERRORS},
            summary="下载外宣采用导入模板", description="带说明和示例行：format=xlsx（默认）或 csv。")
def appraisal_pickup_template(request, format: Literal["xlsx", "csv"] = Query("xlsx", description="文件格式")):
    require(request, "appraisal.manage")
    if format == "xlsx":
        return _download(pickup_import.template_xlsx(), "外宣采用登记导入模板.xlsx", XLSX)
    return _download(pickup_import.template_csv(), "外宣采用登记导入模板.csv", "text/csv; charset=utf-8")


# --- Deductions -------------------------------------------------------------------------------------------

@router.get("/appraisal/deductions", response={200: page_of(AppraisalDeductionOut), **ERRORS}, summary="扣分登记",
            description="计入某月的扣分（手工登记的差错和其他；更正由系统在计算时自动扣分），新的在前。")
def appraisal_deductions(request, month: str | None = MonthQuery, cursor: str | None = CursorQuery,
                         limit: int = LimitQuery):
    require(request, "appraisal.manage")
    qs = scoped(Deduction, request.center).filter(month=_month_query(request, month)).select_related(
        "story", "user", "created_by")
    return paginate(qs, cursor=cursor, limit=limit, order=("-created_at", "-pk"), out=_deduction_out)


@router.post("/appraisal/deductions", response={201: AppraisalDeductionOut, **ERRORS}, summary="登记扣分",
             description="扣在一篇稿件上（按署名占比分摊）或一个人身上；差错不填分值时按当月规则。人员会收到通知。")
def appraisal_create_deduction(request, payload: AppraisalDeductionIn):
    require(request, "appraisal.manage")
    story = person = None
    if payload.story_id is not None:
        story = Story.objects.filter(center=request.center, pk=payload.story_id).first()
        if story is None:
            raise ValidationError({"story": ["本中心没有这篇稿件。"]})
    if payload.user_id is not None:
        person = staff(request.center).filter(pk=payload.user_id).first()
        if person is None:
            raise ValidationError({"user": ["请选择本中心的人员。"]})
    saved = facts.add_deduction(center=request.center, user=request.user, month=_month(payload.month), kind=payload.kind,
                                reason=payload.reason, story=story, person=person, points=payload.points)
    return Status(201, _deduction_out(Deduction.objects.select_related("story", "user", "created_by").get(pk=saved.pk)))


@router.delete("/appraisal/deductions/{deduction_id}", response={204: None, **ERRORS}, summary="删除扣分",
               description="计入月份未结算时可删除。")
def appraisal_delete_deduction(request, deduction_id: Id):
    require(request, "appraisal.manage")
    facts.delete_deduction(deduction=get_scoped_or_404(Deduction, request.center, pk=deduction_id), user=request.user)
    return Status(204, None)


# --- Pay bases --------------------------------------------------------------------------------------------

def _profile_rows(center) -> list[AppraisalPayProfileOut]:
    people = list(staff(center))
    profiles = {p.user_id: p for p in scoped(PayProfile, center).filter(user__in=people)}
    roles: dict[int, list[str]] = {}
    for user_id, role in scoped(Membership, center).filter(user__in=people).values_list("user_id", "role"):
        roles.setdefault(user_id, []).append(role)
    return [AppraisalPayProfileOut(
        user_id=person.pk, name=_name(person), roles=roles.get(person.pk, []),
        base_amount=profiles[person.pk].base_amount if person.pk in profiles else None,
        pays_fees=bool(person.pk in profiles and profiles[person.pk].pays_fees),
        note=profiles[person.pk].note if person.pk in profiles else "", token=facts.profile_token(profiles.get(person.pk)))
        for person in people]


@router.get("/appraisal/pay-profiles", response={200: page_of(AppraisalPayProfileOut), **ERRORS},
            summary="绩效工资基数", description="本中心每位人员的绩效工资基数和是否计发稿费；没有设定的按角色默认。")
def appraisal_pay_profiles(request, cursor: str | None = CursorQuery, limit: int = LimitQuery):
    require(request, "appraisal.manage")
    return paginate_list(_profile_rows(request.center), cursor=cursor, limit=limit)


@router.put("/appraisal/pay-profiles/{user_id}", response={200: AppraisalPayProfileOut, **ERRORS},
            summary="设置一个人的绩效工资基数",
            description="base_amount 为空时清除（按角色默认）；带上读取时的 token，期间被他人改过则 409。")
def appraisal_set_pay_profile(request, user_id: Id, payload: AppraisalPayProfileIn):
    require(request, "appraisal.manage")
    person = staff(request.center).filter(pk=user_id).first()
    if person is None:
        raise HttpError(404, "本中心没有这个人员。")
    try:
        amount = facts.parse_amount(payload.base_amount)
        facts.set_pay_profile(center=request.center, user=request.user, person=person, base_amount=amount,
                              pays_fees=payload.pays_fees, note=payload.note, expected=payload.token)
    except facts.Stale as exc:
        raise HttpError(409, str(exc)) from None
    except ValidationError as exc:
        if hasattr(exc, "error_dict"):
            raise
        raise ValidationError({"base_amount": exc.messages}) from None
    return next(row for row in _profile_rows(request.center) if row.user_id == person.pk)


# --- A month: its state, adjustments, 稿费 statements, downloads -----------------------------------------

@router.get("/appraisal/months/{month}", response={200: AppraisalMonthStateOut, **ERRORS}, summary="一个考核月份的概况",
            description="状态、版本、奖励绩效总额、各部门合计、结算前的阻碍（待处理申诉、待评优稿、是否计算过）和"
                        "结算后调整的合计，与“月度绩效”页相同。尚未计算过的月份 computed=false。")
def appraisal_month_state(request, month: str = MonthPath):
    require(request, "appraisal.view_all")
    month_date = _month(month)
    period = periods.get(request.center, month_date)
    b = sel.blockers(request.center, month_date, period)
    sheet = sel.month_sheet(period) if period else None
    total = sheet.total if sheet else sel.UnitSheet("合计", None)
    return AppraisalMonthStateOut(
        month=_ym(month_date), label=periods.label(month_date), computed=bool(period and period.computed_at),
        status=period.status if period else Period.Status.OPEN,
        status_label=period.get_status_display() if period else Period.Status.OPEN.label,
        version=period.version if period else 1, reward_pool=period.reward_pool if period else Decimal("0.00"),
        computed_at=period.computed_at if period else None, closed_at=period.closed_at if period else None,
        closed_by=_name(period.closed_by) if period else "",
        blockers=AppraisalBlockersOut(open_disputes=b.open_disputes, unrated=b.unrated, computed=b.computed, any=b.any),
        units=[_unit_out(u) for u in sheet.units] if sheet else [], total=_unit_out(total),
        undistributed=sheet.undistributed if sheet else Decimal("0.00"),
        adjustment_points=sheet.adjustment_points if sheet else Decimal("0.00"),
        adjustment_amount=sheet.adjustment_amount if sheet else Decimal("0.00"))


@router.get("/appraisal/adjustments", response={200: page_of(AppraisalAdjustmentRowOut), **ERRORS},
            summary="结算后调整列表",
            description="已结算月份的调整（分数、金额、原因、调整人），新的在前；可按月份和人员筛选。"
                        "做一笔调整：POST /appraisal/months/{month}/adjustments。")
def appraisal_list_adjustments(request, month: str | None = Query(None, max_length=7, description="月份，如 2026-11"),
                               user: Id | None = Query(None, description="人员 id"),
                               cursor: str | None = CursorQuery, limit: int = LimitQuery):
    require(request, "appraisal.view_all")
    qs = Adjustment.objects.filter(center=request.center).select_related("period", "user", "created_by")
    if month:
        qs = qs.filter(period__month=_month(month))
    if user:
        qs = qs.filter(user_id=user)
    return paginate(qs, cursor=cursor, limit=limit, order=("-created_at", "-pk"), out=_adjustment_out)


@router.get("/appraisal/months/{month}/fee-statements", response={200: page_of(AppraisalFeeStatementOut), **ERRORS},
            summary="稿费结算单", description="每个署名（人员，或没有账号的通讯员）一张：每篇稿件每个平台一行，带合计。")
def appraisal_fee_statements(request, month: str = MonthPath, cursor: str | None = CursorQuery, limit: int = LimitQuery):
    require(request, "appraisal.view_all")
    period = _period_or_404(request, month)
    return paginate_list(sel.fee_statements(period), cursor=cursor, limit=limit, out=lambda s: AppraisalFeeStatementOut(
        key=s.key, name=s.name, user_id=s.user.pk if s.user is not None else None, amount=s.amount,
        lines=[_fee_line_out(f) for f in s.lines]))


@router.get("/appraisal/months/{month}/exports/pay-xlsx", response={200: AppraisalDownloadOut, **ERRORS},
            summary="导出绩效工资表（Excel）", description="每个部门一张工作表，合计与奖励绩效总额分毫不差。")
def appraisal_export_pay_xlsx(request, month: str = MonthPath):
    require(request, "appraisal.export")
    period = _period_or_404(request, month)
    return _download(exports.pay_workbook(period), exports.filename(period, "绩效工资表", "xlsx"), XLSX)


@router.get("/appraisal/months/{month}/exports/pay-pdf", response={200: AppraisalDownloadOut, **ERRORS},
            summary="导出绩效工资表（PDF）")
def appraisal_export_pay_pdf(request, month: str = MonthPath):
    require(request, "appraisal.export")
    period = _period_or_404(request, month)
    return _download(exports.pay_pdf(period), exports.filename(period, "绩效工资表", "pdf"), "application/pdf")


@router.get("/appraisal/months/{month}/exports/fees-xlsx", response={200: AppraisalDownloadOut, **ERRORS},
            summary="导出稿费表（Excel）")
def appraisal_export_fees_xlsx(request, month: str = MonthPath):
    require(request, "appraisal.export")
    period = _period_or_404(request, month)
    return _download(exports.fee_workbook(period), exports.filename(period, "稿费表", "xlsx"), XLSX)
