"""Core API: who am I, the center's organisation, its audit trail."""

from __future__ import annotations

import datetime as dt

from ninja import Query, Router, Schema
from ninja.errors import HttpError
from ninja.security import HttpBearer, SessionAuth

from rongmei.core import selectors, services
from rongmei.core.api_kit import ERRORS, CursorQuery, LimitQuery, page_of, paginate
from rongmei.core.auth import centers_for, token_from_plaintext
from rongmei.core.ids import Id
from rongmei.core.models import Department, OrgUnit
from rongmei.core.permissions import PERMISSIONS, ROLES
from rongmei.core.tenancy import get_scoped_or_404, scoped


class ApiTokenAuth(HttpBearer):
    """A personal token: the request acts as its owner, inside the token's center only."""

    openapi_description = "个人 API 令牌（在“API 令牌”页面创建），格式 rm_xxxxxxxx_…"

    def authenticate(self, request, token):
        api_token = token_from_plaintext(token)
        if api_token is None:
            return None
        if api_token.user.must_change_password:
            from rongmei.core.middleware import MUST_CHANGE_PASSWORD

            raise HttpError(403, MUST_CHANGE_PASSWORD)
        request.user = api_token.user
        request.center = api_token.center
        request.api_token = api_token
        services.touch_api_token(api_token)
        return api_token


class CenterSessionAuth(SessionAuth):
    """A logged-in browser session, acting in the center chosen in the staff interface."""

    def authenticate(self, request, key):
        user = super().authenticate(request, key)
        if user is None or getattr(request, "center", None) is None:
            return None
        return user


def require(request, perm: str) -> None:
    if not request.user.has_perm(perm, request.center):
        raise HttpError(403, f"没有权限：需要“{PERMISSIONS.get(perm, perm)}”。")


router = Router(tags=["基础平台"])


class CenterOut(Schema):
    id: int
    slug: str
    name: str
    region: str


class RoleOut(Schema):
    code: str
    label: str


class MeOut(Schema):
    username: str
    display_name: str
    is_platform_admin: bool
    center: CenterOut
    roles: list[RoleOut]
    permissions: list[str]
    centers: list[CenterOut]
    via_token: bool


class DepartmentOut(Schema):
    id: int
    name: str
    short_name: str
    responsible_leader: str
    phone: str
    is_active: bool


class OrgUnitOut(Schema):
    id: int
    name: str
    description: str


class AuditEventOut(Schema):
    id: int
    created_at: dt.datetime
    actor: str
    action: str
    object_type: str
    object_id: str
    object_repr: str
    before: dict | list | None
    after: dict | list | None
    ip: str | None


def _center_out(center) -> CenterOut:
    return CenterOut(id=center.id, slug=center.slug, name=center.name, region=center.region)


@router.get("/me", response={200: MeOut, **ERRORS}, summary="当前用户、所在中心、角色与权限")
def core_me(request):
    center = request.center
    via_token = hasattr(request, "api_token")
    # A token is bound to one center; a session may switch between the person's centers.
    centers = [center] if via_token else list(centers_for(request.user))
    return MeOut(
        username=request.user.username,
        display_name=request.user.display_name,
        is_platform_admin=request.user.is_superuser,
        center=_center_out(center),
        roles=[RoleOut(code=r, label=ROLES[r].label) for r in selectors.roles_of(request.user, center) if r in ROLES],
        permissions=sorted(request.user.get_all_permissions(center)),
        centers=[_center_out(c) for c in centers],
        via_token=via_token,
    )


@router.get("/departments", response={200: page_of(DepartmentOut), **ERRORS}, summary="本中心的政府部门",
            description="按显示顺序分页。")
def core_list_departments(request, cursor: str | None = CursorQuery, limit: int = LimitQuery):
    require(request, "core.view_org")
    return paginate(scoped(Department, request.center), cursor=cursor, limit=limit, order=("order", "pk"))


@router.get("/departments/{department_id}", response={200: DepartmentOut, **ERRORS}, summary="一个政府部门")
def core_get_department(request, department_id: Id):
    require(request, "core.view_org")
    return get_scoped_or_404(Department, request.center, pk=department_id)


@router.get("/org-units", response={200: page_of(OrgUnitOut), **ERRORS}, summary="本中心的内设部门",
            description="按显示顺序分页。")
def core_list_org_units(request, cursor: str | None = CursorQuery, limit: int = LimitQuery):
    require(request, "core.view_org")
    return paginate(scoped(OrgUnit, request.center), cursor=cursor, limit=limit, order=("order", "pk"))


def _audit_out(e) -> AuditEventOut:
    return AuditEventOut(
        id=e.id, created_at=e.created_at, actor=e.actor_repr, action=e.action, object_type=e.object_type,
        object_id=e.object_id, object_repr=e.object_repr, before=e.before, after=e.after, ip=e.ip,
    )


@router.get("/audit-events", response={200: page_of(AuditEventOut), **ERRORS}, summary="本中心的审计事件（最新在前）",
            description="action 按前缀筛选（如 story. 或 user.create）。")
def core_list_audit_events(request, action: str = Query("", max_length=100, description="动作前缀"),
                           cursor: str | None = CursorQuery, limit: int = LimitQuery):
    require(request, "core.view_audit")
    return paginate(selectors.audit_events(request.center, action=action), cursor=cursor, limit=limit,
                    order=("-created_at", "-pk"), out=_audit_out)
