"""Distribution API (一键分发, issue 14): the account matrix and its groups, publishing a
signed-off story to accounts and groups, the status of every publication with its delivery
attempts, resend / cancel / takedown / correction, and the hand-post confirmation of accounts
without an API. Every operation calls the same service or selector as the screens, with the
same permissions and the same center scoping.

Account secrets are write-only: accepted on create and update (encrypted like the account
form does), never answered; an account says only `has_secret`.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from ninja import Field, Router, Schema, Status
from ninja.errors import HttpError

from rongmei.core.api import require
from rongmei.core.api_kit import (
    ERRORS,
    CursorQuery,
    LimitQuery,
    page_of,
    paginate,
    paginate_list,
)
from rongmei.core.ids import Id
from rongmei.core.models import Area, Department
from rongmei.core.permissions import PERMISSIONS
from rongmei.core.tenancy import get_scoped_or_404, scoped
from rongmei.distribution import selectors, services
from rongmei.distribution.models import (
    AccountGroup,
    ChannelAccount,
    OutboxMessage,
    Publication,
)
from rongmei.newsroom.selectors import story_for_page

router = Router(tags=["分发"])

Kind = Literal[tuple(ChannelAccount.Kind.values)]
Owner = Literal[tuple(ChannelAccount.Owner.values)]
PublicationStatus = Literal[tuple(Publication.Status.values)]

PUBLISH = "distribution.publish"
MANAGE = "distribution.manage_accounts"


def _require_any(request, *perms: str) -> None:
    if not any(request.user.has_perm(p, request.center) for p in perms):
        names = "”或“".join(PERMISSIONS.get(p, p) for p in perms)
        raise HttpError(403, f"没有权限：需要“{names}”。")


def _conflict_or_invalid(exc: ValidationError):
    """A refusal because of the object's state (code "conflict" in the service) is a 409;
    any other refusal propagates to the API's handler (422 with the field messages)."""
    if getattr(exc, "error_list", None) and all(e.code == "conflict" for e in exc.error_list):
        return Status(409, {"detail": "；".join(exc.messages), "errors": None})
    raise exc


# --- Accounts ------------------------------------------------------------------------------------


class AccountOut(Schema):
    id: int
    kind: str = Field(..., description="类型：" + "、".join(f"{v} {label}" for v, label in ChannelAccount.Kind.choices))
    kind_label: str
    name: str
    owner: str
    area_id: int | None
    department_id: int | None
    responsible_id: int | None
    leader_id: int | None
    base_url: str | None = Field(None, description="接口地址；只对有“管理渠道账号”权限的人返回，否则为 null")
    options: dict | None = Field(None, description="不含密钥的设置；只对有“管理渠道账号”权限的人返回，否则为 null")
    has_secret: bool = Field(..., description="是否已保存密钥（密钥本身从不返回）")
    is_active: bool
    group_ids: list[int]
    last_published_at: dt.datetime | None
    created_at: dt.datetime


class AccountIn(Schema):
    kind: Kind
    name: str = Field(..., min_length=1, max_length=80)
    owner: Owner = "center"
    area_id: Id | None = None
    department_id: Id | None = None
    responsible_id: Id | None = Field(None, description="负责人（本中心在职人员）；无接口账号必填")
    leader_id: Id | None = Field(None, description="分管领导（本中心在职人员）")
    base_url: str = Field("", max_length=300, description="接口地址，按类型：http(s)://、smtp(s)://、sftp:// 或 ftp://")
    options: dict = Field({}, description='不含密钥的设置，如 {"appid": "wx123"}')
    secret: str = Field("", max_length=2000, description="只写：加密保存，任何回答都不会返回")
    group_ids: list[Id] = Field([], description="分组")
    is_active: bool = True


class AccountUpdateIn(Schema):
    """Only the fields given change; null clears an optional link (area, department, people)."""

    name: str | None = Field(None, min_length=1, max_length=80)
    owner: Owner | None = None
    area_id: Id | None = None
    department_id: Id | None = None
    responsible_id: Id | None = None
    leader_id: Id | None = None
    base_url: str | None = Field(None, max_length=300)
    options: dict | None = None
    secret: str | None = Field(None, max_length=2000, description="只写：填写则替换已保存的密钥；不填保持不变")
    clear_secret: bool = Field(False, description="清除已保存的密钥")
    group_ids: list[Id] | None = None
    is_active: bool | None = None


def _account_out(account: ChannelAccount, full: bool) -> AccountOut:
    return AccountOut(
        id=account.pk, kind=account.kind, kind_label=account.get_kind_display(), name=account.name, owner=account.owner,
        area_id=account.area_id, department_id=account.department_id, responsible_id=account.responsible_id,
        leader_id=account.leader_id, base_url=account.base_url if full else None,
        options=account.options if full else None, has_secret=bool(account.secret), is_active=account.is_active,
        group_ids=sorted(g.pk for g in account.groups.all()), last_published_at=account.last_published_at,
        created_at=account.created_at)


def _full(request) -> bool:
    return request.user.has_perm(MANAGE, request.center)


def _account(request, account_id: int) -> ChannelAccount:
    return get_scoped_or_404(selectors.accounts(request.center), request.center, pk=account_id)


_MISSING = "不存在或不属于本中心。"


def _links(request, payload: Schema, given: set[str]) -> dict:
    """The ids of the body as the center's objects (as the account form's choices do):
    an id of another center or of nobody is a field error, nothing is changed."""
    center = request.center
    people = selectors.account_people(center)
    found, errors = {}, {}
    for field, source in (("area", scoped(Area, center)), ("department", scoped(Department, center)),
                          ("responsible", people), ("leader", people)):
        if f"{field}_id" not in given:
            continue
        pk = getattr(payload, f"{field}_id")
        found[field] = source.filter(pk=pk).first() if pk is not None else None
        if pk is not None and found[field] is None:
            errors[f"{field}_id"] = [_MISSING]
    if "group_ids" in given and payload.group_ids is not None:
        groups = list(scoped(AccountGroup, center).filter(pk__in=set(payload.group_ids)))
        if len(groups) != len(set(payload.group_ids)):
            errors["group_ids"] = ["有分组" + _MISSING]
        found["groups"] = groups
    if errors:
        raise ValidationError(errors)
    return found


@router.get("/accounts", response={200: page_of(AccountOut), **ERRORS}, summary="渠道账号（账号矩阵）",
            description="按类型、归属、乡镇村社、是否启用筛选。运营可见全部设置；只有分发权限的人看不到接口地址和设置。")
def distribution_list_accounts(request, kind: Kind | None = None, owner: Owner | None = None, area_id: Id | None = None,
                               active: bool | None = None, cursor: str | None = CursorQuery, limit: int = LimitQuery):
    _require_any(request, MANAGE, PUBLISH)
    full = _full(request)
    qs = selectors.accounts(request.center, kind=kind or "", owner=owner or "", area_id=area_id, active=active)
    return paginate(qs, cursor=cursor, limit=limit, order=("kind", "pk"), out=lambda a: _account_out(a, full))


@router.get("/accounts/{account_id}", response={200: AccountOut, **ERRORS}, summary="一个渠道账号")
def distribution_get_account(request, account_id: Id):
    _require_any(request, MANAGE, PUBLISH)
    return _account_out(_account(request, account_id), _full(request))


@router.post("/accounts", response={201: AccountOut, **ERRORS}, summary="新建渠道账号",
             description="规则与“新建账号”页面相同（按类型检查接口地址、appid、负责人）；密钥加密保存，之后不再返回。")
def distribution_create_account(request, payload: AccountIn):
    require(request, MANAGE)
    links = _links(request, payload, set(AccountIn.model_fields))
    account = services.create_account(
        center=request.center, user=request.user, kind=payload.kind, name=payload.name, secret=payload.secret,
        groups=links.pop("groups", []), owner=payload.owner, base_url=payload.base_url.strip(),
        options=payload.options, is_active=payload.is_active, strict=True, **links)
    return Status(201, _account_out(_account(request, account.pk), True))


@router.patch("/accounts/{account_id}", response={200: AccountOut, **ERRORS}, summary="修改渠道账号",
              description="只改请求里给出的字段；类型不能改。密钥只写：填写则替换，clear_secret 清除，不填保持不变。")
def distribution_update_account(request, account_id: Id, payload: AccountUpdateIn):
    require(request, MANAGE)
    account = _account(request, account_id)
    given = set(payload.model_fields_set)
    links = _links(request, payload, given)
    groups = links.pop("groups", None)
    fields = dict(links)
    for name in ("name", "owner", "base_url", "options", "is_active"):
        if name in given:
            value = getattr(payload, name)
            if value is None:
                raise ValidationError({name: ["不能为空。"]})
            fields[name] = value
    services.update_account(account=account, user=request.user, secret=payload.secret or "",
                            clear_secret=payload.clear_secret, groups=groups, strict=True, **fields)
    return _account_out(_account(request, account_id), True)


@router.post("/accounts/{account_id}/deactivate", response={200: AccountOut, **ERRORS}, summary="停用渠道账号",
             description="停用后不再出现在发布的可选账号里，分组发布也跳过它；已发布的内容不受影响。")
def distribution_deactivate_account(request, account_id: Id):
    require(request, MANAGE)
    account = _account(request, account_id)
    if account.is_active:
        services.update_account(account=account, user=request.user, is_active=False)
    return _account_out(_account(request, account_id), True)


# --- Groups --------------------------------------------------------------------------------------


class GroupOut(Schema):
    id: int
    name: str
    account_ids: list[int]


class GroupIn(Schema):
    name: str = Field(..., max_length=60)


class GroupAccountsIn(Schema):
    account_ids: list[Id] = Field(..., description="分组的全部账号（替换原有成员）")


def _group_out(group: AccountGroup) -> GroupOut:
    return GroupOut(id=group.pk, name=group.name, account_ids=sorted(a.pk for a in group.accounts.all()))


def _group(request, group_id: int) -> AccountGroup:
    return get_scoped_or_404(selectors.groups(request.center).prefetch_related("accounts"), request.center, pk=group_id)


@router.get("/account-groups", response={200: page_of(GroupOut), **ERRORS}, summary="账号分组")
def distribution_list_groups(request, cursor: str | None = CursorQuery, limit: int = LimitQuery):
    _require_any(request, MANAGE, PUBLISH)
    qs = selectors.groups(request.center).prefetch_related("accounts")
    return paginate(qs, cursor=cursor, limit=limit, order=("pk",), out=_group_out)


@router.get("/account-groups/{group_id}", response={200: GroupOut, **ERRORS}, summary="一个账号分组")
def distribution_get_group(request, group_id: Id):
    _require_any(request, MANAGE, PUBLISH)
    return _group_out(_group(request, group_id))


@router.post("/account-groups", response={201: GroupOut, **ERRORS}, summary="新建账号分组")
def distribution_create_group(request, payload: GroupIn):
    require(request, MANAGE)
    group = services.create_group(center=request.center, user=request.user, name=payload.name)
    return Status(201, _group_out(_group(request, group.pk)))


@router.put("/account-groups/{group_id}/accounts", response={200: GroupOut, **ERRORS}, summary="设置分组的账号",
            description="用给出的账号替换分组的全部成员；账号须属于本中心。")
def distribution_set_group_accounts(request, group_id: Id, payload: GroupAccountsIn):
    require(request, MANAGE)
    group = _group(request, group_id)
    services.set_group_accounts(group=group, user=request.user, account_ids=payload.account_ids)
    return _group_out(_group(request, group_id))


# --- Publications --------------------------------------------------------------------------------


class PublicationOut(Schema):
    id: int
    story_id: int
    account_id: int
    account_name: str
    account_kind: str
    channel: str = Field(..., description="所用渠道稿：web、wechat、weibo、newspaper、radio …")
    status: str = Field(..., description="状态：" + "、".join(f"{v} {label}" for v, label in Publication.Status.choices))
    status_label: str
    story_version: int
    scheduled_at: dt.datetime | None
    sent_at: dt.datetime | None
    link: str = Field(..., description="打开已发布内容的链接（没有时为空，原因见 no_link）")
    link_label: str
    no_link: str
    last_error: str
    note_is_error: bool
    next_attempt_at: dt.datetime | None
    handoff: str = Field(..., description="无接口账号等负责人手工完成的动作：publish / takedown / correct，或空")
    correction_note: str
    corrected_at: dt.datetime | None
    takedown_note: str = Field(..., description="撤稿内部说明（不对外）")
    takedown_notice: str = Field(..., description="撤稿公开说明")
    created_at: dt.datetime
    updated_at: dt.datetime


class AttemptOut(Schema):
    worker: str
    started_at: dt.datetime
    finished_at: dt.datetime | None
    outcome: str = Field(..., description="ok / retry / fail / reconciled，进行中为空")
    detail: str


class DeliveryOut(Schema):
    id: int
    action: str = Field(..., description="publish 发布 / takedown 撤稿 / correct 更正")
    status: str = Field(..., description="pending / leased / done / dead / cancelled")
    attempts: int
    max_attempts: int
    available_at: dt.datetime
    last_error: str
    created_at: dt.datetime
    done_at: dt.datetime | None
    attempts_log: list[AttemptOut]


class PublicationDetailOut(PublicationOut):
    deliveries: list[DeliveryOut]


def _publication_out(p: Publication) -> PublicationOut:
    selectors.describe(p)
    return PublicationOut(
        id=p.pk, story_id=p.story_id, account_id=p.account_id, account_name=p.account.name, account_kind=p.account.kind,
        channel=p.channel, status=p.status, status_label=p.get_status_display(), story_version=p.story_version,
        scheduled_at=p.scheduled_at, sent_at=p.sent_at, link=p.link, link_label=p.link_label, no_link=p.no_link,
        last_error=p.last_error, note_is_error=p.note_is_error, next_attempt_at=p.next_attempt_at, handoff=p.handoff,
        correction_note=p.correction_note, corrected_at=p.corrected_at, takedown_note=p.takedown_note,
        takedown_notice=p.takedown_notice, created_at=p.created_at, updated_at=p.updated_at)


def _delivery_out(m: OutboxMessage) -> DeliveryOut:
    return DeliveryOut(
        id=m.pk, action=m.action, status=m.status, attempts=m.attempts, max_attempts=m.max_attempts,
        available_at=m.available_at, last_error=m.last_error, created_at=m.created_at, done_at=m.done_at,
        attempts_log=[AttemptOut(worker=a.worker, started_at=a.started_at, finished_at=a.finished_at, outcome=a.outcome,
                                 detail=a.detail) for a in m.attempts_log.all()])


def _publication(request, publication_id: int) -> Publication:
    return get_scoped_or_404(Publication.objects.select_related("account"), request.center, pk=publication_id)


def _fresh(request, publication_id: int) -> PublicationOut:
    return _publication_out(_publication(request, publication_id))


@router.get("/publications", response={200: page_of(PublicationOut), **ERRORS}, summary="发布记录（分发看板，最新在前）",
            description="按状态、账号、稿件和提交日期（date_from–date_to，含两端）筛选。")
def distribution_list_publications(request, status: PublicationStatus | None = None, account_id: Id | None = None,
                                   story_id: Id | None = None, date_from: dt.date | None = None,
                                   date_to: dt.date | None = None, cursor: str | None = CursorQuery,
                                   limit: int = LimitQuery):
    require(request, PUBLISH)
    qs = selectors.publications(request.center, status=status or "", account_id=account_id, story_id=story_id,
                                since=date_from, until=date_to)
    return paginate(qs, cursor=cursor, limit=limit, order=("-created_at", "-pk"), out=_publication_out)


@router.get("/stories/{story_id}/publications", response={200: page_of(PublicationOut), **ERRORS},
            summary="一篇稿件在各账号的发布状态", description="与一键分发页面的状态看板相同（按账号类型和名称排列）。")
def distribution_story_publications(request, story_id: Id, cursor: str | None = CursorQuery, limit: int = LimitQuery):
    require(request, PUBLISH)
    story = story_for_page(request.center, story_id)
    return paginate_list(selectors.board(story), cursor=cursor, limit=limit, out=_publication_out)


@router.get("/publications/{publication_id}", response={200: PublicationDetailOut, **ERRORS},
            summary="一条发布记录及其投递与每次尝试")
def distribution_get_publication(request, publication_id: Id):
    require(request, PUBLISH)
    p = _publication(request, publication_id)
    base = _publication_out(p).model_dump()
    return PublicationDetailOut(**base, deliveries=[_delivery_out(m) for m in selectors.deliveries(p)])


@router.post("/publications/{publication_id}/resend", response={200: PublicationOut, **ERRORS}, summary="重发（仅发布失败的）",
             description="只有“发布失败”的可以重发；其他状态返回 409。")
def distribution_resend_publication(request, publication_id: Id):
    require(request, PUBLISH)
    try:
        services.resend(publication=_publication(request, publication_id), user=request.user)
    except ValidationError as exc:
        return _conflict_or_invalid(exc)
    return _fresh(request, publication_id)


@router.post("/publications/{publication_id}/cancel", response={200: PublicationOut, **ERRORS},
             summary="取消尚未发往平台的发布（排队中或定时待发）",
             description="已经发往平台（或结果还在核实）的不能取消，返回 409；请用撤稿。")
def distribution_cancel_publication(request, publication_id: Id):
    require(request, PUBLISH)
    try:
        services.cancel(publication=_publication(request, publication_id), user=request.user)
    except ValidationError as exc:
        return _conflict_or_invalid(exc)
    return _fresh(request, publication_id)


class HandoffIn(Schema):
    url: str = Field("", max_length=500, description="发出后的文章链接（http:// 或 https://）；确认删除时可不填")


@router.post("/publications/{publication_id}/handoff", response={200: PublicationOut, **ERRORS},
             summary="确认手工代发已完成（无接口账号）",
             description="账号负责人或运营人员确认：已发布（须附链接）、已更正（须附链接）或已删除。"
                         "不在等待人工确认的返回 409。")
def distribution_confirm_handoff(request, publication_id: Id, payload: HandoffIn):
    publication = _publication(request, publication_id)
    if not services.may_confirm(request.user, publication):
        raise PermissionDenied("只有该账号的负责人或运营人员可以确认。")
    try:
        services.confirm_handoff(publication=publication, user=request.user, url=payload.url)
    except ValidationError as exc:
        return _conflict_or_invalid(exc)
    return _fresh(request, publication_id)


# --- Publishing a story, taking it down, correcting it ------------------------------------------------


class PublishIn(Schema):
    account_ids: list[Id] = Field([], description="账号")
    group_ids: list[Id] = Field([], description="账号分组（分组里启用的账号都发）")
    scheduled_at: dt.datetime | None = Field(None, description="定时发布时间（ISO 8601，不带时区按本地时间）；不填立即发布")


class PublishOut(Schema):
    detail: str
    publications: list[PublicationOut] = Field(..., description="这次新提交的发布；已经发过这一签发版本的账号不会重复发送")


@router.post("/stories/{story_id}/publish", response={200: PublishOut, 201: PublishOut, **ERRORS},
             summary="一键分发：把已签发的稿件发到所选账号和分组",
             description="与一键分发页面同一服务：只有已签发且签发后未改动的稿件能发；发布前检查（签发、渠道稿、"
                         "微信封面与字数、账号设置等）不通过时返回 422，errors 里 accounts.<账号编号> 是每个账号的原因，"
                         "什么都不发。重复请求不会重复发送：同一账号已有（或正在发送）这一签发内容时跳过，"
                         "此时返回 200 和空列表；有新提交时返回 201。")
def distribution_publish_story(request, story_id: Id, payload: PublishIn):
    require(request, PUBLISH)
    story = story_for_page(request.center, story_id)
    when = payload.scheduled_at
    if when is not None and timezone.is_naive(when):
        when = timezone.make_aware(when)
    try:
        made = services.publish(story=story, user=request.user, account_ids=payload.account_ids,
                                group_ids=payload.group_ids, scheduled_at=when)
    except services.PreflightRefused as exc:
        errors = {"__all__": list(exc.messages)}
        errors.update({f"accounts.{pk}": messages for pk, messages in exc.by_account.items()})
        return Status(422, {"detail": exc.messages[0], "errors": errors})
    rows = [_publication_out(p) for p in Publication.objects.filter(pk__in=[p.pk for p in made])
            .select_related("account").order_by("account__kind", "account__name")]
    if not rows:
        return Status(200, PublishOut(detail="所选账号都已发布过这一版本，没有重复发送。", publications=[]))
    return Status(201, PublishOut(detail=f"已提交 {len(rows)} 个账号的发布。", publications=rows))


class TakedownIn(Schema):
    note: str = Field(..., max_length=2000, description="内部说明（为什么撤）：记入审计日志和分发看板，不对外")
    notice: str = Field("", max_length=2000, description="公开说明：读者和外部渠道看到的话，不超过 200 字；不填用默认说明")


class CorrectionIn(Schema):
    note: str = Field(..., max_length=2000, description="更正说明：更正了什么（不超过 500 字），会出现在更正说明里")


class OutletsOut(Schema):
    detail: str
    outlets: int = Field(..., description="这次处理的渠道（账号）数")


@router.post("/stories/{story_id}/takedown", response={200: OutletsOut, **ERRORS}, summary="全部撤稿",
             description="稿件到过的每个账号：尚未到达平台的取消，其余撤下（能删则删，不能删发撤稿通知）。"
                         "再次请求会重试失败的撤稿。")
def distribution_take_down_story(request, story_id: Id, payload: TakedownIn):
    require(request, PUBLISH)
    story = story_for_page(request.center, story_id)
    count = services.take_down(story=story, user=request.user, reason=payload.note, notice=payload.notice)
    return OutletsOut(detail=f"撤稿已提交，{count} 个渠道正在撤下。", outlets=count)


@router.post("/stories/{story_id}/correction", response={200: OutletsOut, **ERRORS}, summary="发出更正",
             description="更正后的稿件须重新签发；已发布的每个账号按各自方式收到更正。没有已发布的渠道、"
                         "或各渠道已是最新签发内容时返回 409。")
def distribution_correct_story(request, story_id: Id, payload: CorrectionIn):
    require(request, PUBLISH)
    story = story_for_page(request.center, story_id)
    try:
        count = services.correct(story=story, user=request.user, note=payload.note)
    except ValidationError as exc:
        return _conflict_or_invalid(exc)
    return OutletsOut(detail=f"更正已提交，{count} 个渠道正在更正。", outlets=count)
