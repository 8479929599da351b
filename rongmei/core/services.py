"""Every change to centers, people, roles and tokens: one function per use case, one
transaction, one audit event written inside it."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from rongmei.core import audit_labels, requestcontext
from rongmei.core.auth import forget_permissions, new_token
from rongmei.core.models import (
    AccountChangeApproval,
    AccountChangeRequest,
    ApiToken,
    AuditEvent,
    Center,
    Department,
    Membership,
    Notification,
    OrgUnit,
    User,
)
from rongmei.core.permissions import ROLES


def record(
    action: str,
    *,
    actor: User | None,
    center: Center | None,
    obj: Any = None,
    before: dict | None = None,
    after: dict | None = None,
    actor_repr: str = "",
) -> AuditEvent:
    """Write one audit event. Call it inside the transaction of the change it describes."""
    info = requestcontext.current()
    return AuditEvent.objects.create(
        center=center,
        actor=actor if actor is not None and actor.pk else None,
        # by name, as the log shows them (the username stays reachable through `actor`)
        actor_repr=(actor_repr or (str(actor) if actor is not None else "系统"))[:150],
        action=action,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        object_repr=audit_labels.describe(obj)[:200] if obj is not None else "",
        before=before,
        after=after,
        ip=info.ip,
        request_id=info.request_id,
    )


def record_for_person(action: str, *, person: User, actor: User | None, center: Center | None, **fields) -> list[AuditEvent]:
    """An account-wide change concerns every center the person works in: write the event
    once in each of them (and in `center`, the acting one, even if the person has no role
    there), so no center learns of it only by chance."""
    centers = centers_of(person)
    if center is not None and center.pk not in {c.pk for c in centers}:
        centers.insert(0, center)
    return [record(action, actor=actor, center=c, obj=person, **fields) for c in centers or [None]]


# --- Centers ------------------------------------------------------------------------------

@transaction.atomic
def create_center(*, name: str, slug: str, region: str = "", timezone_name: str = "Asia/Shanghai", actor: User | None = None,
                  level: str = Center.Level.COUNTY, parent: Center | None = None, quota_staff: int | None = None,
                  quota_storage_mb: int | None = None) -> Center:
    """A new center in the province tree: a county under a city or the province, a city under
    the province, a province on top (no parent). A new center has no children, so no cycle."""
    center = Center(name=name, slug=slug, region=region, timezone=timezone_name, level=level, parent=parent,
                    quota_staff=quota_staff, quota_storage_mb=quota_storage_mb)
    center.full_clean()
    _check_parent(level, parent)
    center.save()
    record("center.create", actor=actor, center=center, obj=center, after=_center_state(center))
    return center


ALLOWED_PARENTS = {Center.Level.PROVINCE: (), Center.Level.CITY: (Center.Level.PROVINCE,),
                   Center.Level.COUNTY: (Center.Level.CITY, Center.Level.PROVINCE)}


def _check_parent(level: str, parent: Center | None) -> None:
    allowed = ALLOWED_PARENTS.get(level, ())
    if parent is None:
        if level == Center.Level.CITY:
            raise ValidationError({"parent": ["市级中心必须选择所属的省级平台。"]})
        return
    if not allowed:
        raise ValidationError({"parent": ["省级平台是最上一级，不能有上级中心。"]})
    if parent.level not in allowed:
        names = "或".join(Center.Level(a).label for a in allowed)
        raise ValidationError({"parent": [f"{Center.Level(level).label}中心的上级只能是{names}中心。"]})


def _center_state(center: Center) -> dict:
    return {"name": center.name, "slug": center.slug, "region": center.region, "timezone": center.timezone,
            "level": center.level, "parent": center.parent_id, "quota_staff": center.quota_staff,
            "quota_storage_mb": center.quota_storage_mb}


def active_staff_count(center: Center) -> int:
    """People with a role in `center` whose account is enabled (what the staff quota counts)."""
    return User.objects.filter(memberships__center=center, is_active=True).distinct().count()


def check_staff_quota(center: Center, *, adding: int = 1) -> None:
    """Refuse a person more than the center's staff quota (`Center.quota_staff`, None: no limit)."""
    if center.quota_staff is None:
        return
    if active_staff_count(center) + adding > center.quota_staff:
        raise ValidationError(f"本中心人员已达上限 {center.quota_staff} 人，请联系平台管理员")


def check_quota_to_enable(person: User) -> None:
    """Enabling a disabled account adds the person to every center they hold a role in:
    refused, naming the center, when any of them is at its staff quota."""
    if person.is_active:
        return
    for center in centers_of(person):
        if center.quota_staff is not None and active_staff_count(center) + 1 > center.quota_staff:
            raise ValidationError(f"{center.name}人员已达上限 {center.quota_staff} 人，不能再启用这个账号，请联系平台管理员")


# --- People and roles ---------------------------------------------------------------------

USERNAME_UNAVAILABLE = "该用户名不可用，请换一个。"
PLATFORM_ADMIN_UNTOUCHABLE = "这是平台管理员的账号：它的角色、启用状态和密码只能由平台管理员本人管理，中心管理员不能修改。"


def centers_of(person: User) -> list[Center]:
    """The centers where `person` holds at least one role."""
    return list(Center.objects.filter(id__in=Membership.objects.filter(user=person).values("center_id")).order_by("id"))


def other_centers(person: User, center: Center) -> list[Center]:
    return [c for c in centers_of(person) if c.pk != center.pk]


def membership_change_refusal(*, actor: User | None, person: User, center: Center) -> str | None:
    """Why `actor` may not change `person`'s roles in `center` (None: they may). A center
    admin manages roles in their own center; the platform admin's roles are not theirs to touch."""
    if actor is None or actor.is_platform_admin:
        return None
    if person.is_superuser:
        return PLATFORM_ADMIN_UNTOUCHABLE
    if not actor.has_perm("core.manage_people", center):
        return f"您在{center.name}没有管理人员与角色的权限。"
    return None


def account_change_refusal(*, actor: User | None, person: User, center: Center) -> str | None:
    """Why `actor`, acting in `center`, may not make an account-wide change to `person`
    (deactivate, activate, password, username); None: they may.

    The account is shared by every center the person works in, so one center's admin
    decides alone only for a person of that center alone; otherwise the centers agree
    and the platform admin carries it out."""
    refusal = membership_change_refusal(actor=actor, person=person, center=center)
    if refusal or actor is None or actor.is_platform_admin:
        return refusal
    others = "、".join(c.name for c in other_centers(person, center))
    if others:
        return (f"{person} 同时在{others}任职，停用、启用账号或重置密码会影响那里的工作："
                f"须{others}的中心管理员也同意（在此人页面提出申请），或由平台管理员办理。"
                "此人在本中心的角色，您可以直接调整。")
    return None

def _roles_state(user: User, center: Center) -> list[str]:
    return sorted(Membership.objects.filter(user=user, center=center).values_list("role", flat=True))


def _check_roles(center: Center, roles: list[str], department: Department | None, org_unit: OrgUnit | None) -> None:
    errors: dict[str, list[str]] = {}
    unknown = [r for r in roles if r not in ROLES]
    if unknown:
        errors["roles"] = [f"未知角色：{'、'.join(unknown)}。"]
    if any(ROLES[r].needs_department for r in roles if r in ROLES) and department is None:
        errors["department"] = ["部门联络员必须选择所属政府部门。"]
    if department is not None and department.center_id != center.id:
        errors["department"] = ["所选政府部门不属于本中心。"]
    if org_unit is not None and org_unit.center_id != center.id:
        errors["org_unit"] = ["所选内设部门不属于本中心。"]
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def create_person(
    *,
    center: Center,
    username: str,
    display_name: str,
    password: str,
    roles: list[str],
    actor: User | None,
    phone: str = "",
    org_unit: OrgUnit | None = None,
    department: Department | None = None,
    is_demo: bool = False,
    must_change_password: bool = False,
) -> User:
    """Create an account and give it roles in `center`. Passwords of real accounts must
    pass the password rules; demo accounts (demo data only) skip them. An account an admin
    creates gets `must_change_password`: the initial password is someone else's choice."""
    user = User(username=username, display_name=display_name, phone=phone, is_demo=is_demo,
                must_change_password=must_change_password and not is_demo)
    _check_roles(center, roles, department, org_unit)
    if roles:
        check_staff_quota(center)
    if User.objects.filter(username__iexact=username).exists():
        # The account may belong to another center: say nothing about it, attach no one.
        raise ValidationError({"username": [USERNAME_UNAVAILABLE]})
    try:
        user.full_clean(exclude=["password"])
    except ValidationError as exc:
        raise ValidationError(exc.message_dict) from exc
    if not is_demo:
        try:
            validate_password(password, user)
        except ValidationError as exc:
            raise ValidationError({"password": exc.messages}) from exc
    user.set_password(password)
    user.save()
    for role in roles:
        Membership.objects.create(user=user, center=center, role=role, org_unit=org_unit,
                                  department=department if ROLES[role].needs_department else None)
    record("user.create", actor=actor, center=center, obj=user,
           after={"username": user.username, "display_name": user.display_name, "roles": sorted(roles)})
    return user


@transaction.atomic
def set_roles(
    *,
    center: Center,
    user: User,
    roles: list[str],
    actor: User | None,
    org_unit: OrgUnit | None = None,
    department: Department | None = None,
) -> None:
    """Make `user`'s roles in `center` exactly `roles` (other centers are untouched)."""
    refusal = membership_change_refusal(actor=actor, person=user, center=center)
    if refusal:
        raise PermissionDenied(refusal)
    _check_roles(center, roles, department, org_unit)
    before = _roles_state(user, center)
    if roles and not before and user.is_active:
        check_staff_quota(center)
    before_units = list(Membership.objects.filter(user=user, center=center).values_list("org_unit_id", "department_id").distinct())
    Membership.objects.filter(user=user, center=center).exclude(role__in=roles).delete()
    for role in roles:
        Membership.objects.update_or_create(
            user=user, center=center, role=role,
            defaults={"org_unit": org_unit, "department": department if ROLES[role].needs_department else None},
        )
    forget_permissions(user)
    after = sorted(roles)
    after_units = list(Membership.objects.filter(user=user, center=center).values_list("org_unit_id", "department_id").distinct())
    if before != after or before_units != after_units:
        record("user.roles_change", actor=actor, center=center, obj=user,
               before={"roles": before, "units": before_units}, after={"roles": after, "units": after_units})


@transaction.atomic
def set_active(*, center: Center, user: User, active: bool, actor: User | None) -> None:
    """Disable or re-enable a person's login. Disabling also ends the use of their tokens.
    Account-wide, so see `account_change_refusal`; audited in each of the person's centers."""
    if actor is not None and user.pk == actor.pk and not active:
        raise ValidationError("不能停用自己的账号。")
    refusal = account_change_refusal(actor=actor, person=user, center=center)
    if refusal:
        raise PermissionDenied(refusal)
    if user.is_active == active:
        return
    if active:
        check_quota_to_enable(user)
    user.is_active = active
    user.save(update_fields=["is_active"])
    # Done directly (platform admin, or a one-center person): an open joint request is moot.
    AccountChangeRequest.objects.filter(person=user, status=AccountChangeRequest.Status.PENDING).update(
        status=AccountChangeRequest.Status.CLOSED, decided_at=timezone.now())
    record_for_person("user.activate" if active else "user.deactivate", person=user, actor=actor, center=center,
                      before={"is_active": not active}, after={"is_active": active})


# --- Account changes agreed by every center of the person ------------------------------------

def _people_admins(center: Center) -> list[User]:
    roles = [code for code, role in ROLES.items() if "core.manage_people" in role.permissions]
    return list(User.objects.filter(memberships__center=center, memberships__role__in=roles, is_active=True).distinct())


def open_account_change(person: User) -> AccountChangeRequest | None:
    return (AccountChangeRequest.objects.filter(person=person, status=AccountChangeRequest.Status.PENDING)
            .select_related("requested_by", "requested_in").first())


def waiting_centers(change: AccountChangeRequest) -> list[Center]:
    """The person's centers that have not agreed yet (their current centers: someone who
    left a center meanwhile needs no agreement from it)."""
    agreed = set(change.approvals.values_list("center_id", flat=True))
    return [c for c in centers_of(change.person) if c.pk not in agreed]


@transaction.atomic
def request_account_change(*, center: Center, person: User, active: bool, actor: User, reason: str = "") -> AccountChangeRequest:
    """A center admin asks to (de)activate a person who also works in other centers. The
    asking center agrees by asking; the others are told, and it takes effect when each has
    agreed. Audited in every center of the person."""
    refusal = membership_change_refusal(actor=actor, person=person, center=center)
    if refusal:
        raise PermissionDenied(refusal)
    if person.pk == actor.pk and not active:
        raise ValidationError("不能停用自己的账号。")
    if center.pk not in {c.pk for c in centers_of(person)}:
        raise PermissionDenied(f"{person} 不在{center.name}任职。")
    if person.is_active == active:
        raise ValidationError(f"{person} 的账号已经是{'启用' if active else '停用'}状态。")
    if open_account_change(person) is not None:
        raise ValidationError(f"{person} 的账号已有一项待各中心同意的申请，请等它办结后再提。")
    action = AccountChangeRequest.Action.ACTIVATE if active else AccountChangeRequest.Action.DEACTIVATE
    change = AccountChangeRequest.objects.create(person=person, action=action, reason=reason.strip()[:200],
                                                 requested_by=actor, requested_in=center)
    AccountChangeApproval.objects.create(request=change, center=center, approver=actor)
    record_for_person("user.change_request", person=person, actor=actor, center=center,
                      after={"request": change.pk, "action": action, "center": center.name})
    for other in other_centers(person, center):
        notify(center=other, recipients=_people_admins(other), url=f"/people/{person.pk}/",
               title=f"{center.name}申请{change.get_action_display()}：{person}",
               body=f"此人也在{other.name}任职，须本中心的中心管理员同意后才生效。请在“人员与角色”中处理。")
    return change


def _decidable(change: AccountChangeRequest, center: Center, actor: User) -> AccountChangeRequest:
    change = AccountChangeRequest.objects.select_for_update().get(pk=change.pk)
    if change.status != AccountChangeRequest.Status.PENDING:
        raise ValidationError("这项申请已经办结，无需再处理。")
    refusal = membership_change_refusal(actor=actor, person=change.person, center=center)
    if refusal:
        raise PermissionDenied(refusal)
    if center.pk not in {c.pk for c in centers_of(change.person)}:
        raise PermissionDenied(f"{change.person} 不在{center.name}任职，本中心无需表态。")
    if change.approvals.filter(center=center).exists():
        raise ValidationError(f"{center.name}已同意过这项申请，正在等待其他中心。")
    return change


@transaction.atomic
def approve_account_change(*, change: AccountChangeRequest, center: Center, actor: User) -> bool:
    """`center` agrees. When every center of the person has agreed, the change takes effect
    (True); until then nothing about the account changes (False)."""
    change = _decidable(change, center, actor)
    person = change.person
    AccountChangeApproval.objects.create(request=change, center=center, approver=actor)
    record_for_person("user.change_approve", person=person, actor=actor, center=center,
                      after={"request": change.pk, "action": change.action, "center": center.name})
    if waiting_centers(change):
        return False
    active = change.action == AccountChangeRequest.Action.ACTIVATE
    if active:
        check_quota_to_enable(person)  # refused: the whole approval is undone, the request stays open
    change.status = AccountChangeRequest.Status.DONE
    change.decided_at = timezone.now()
    change.save(update_fields=["status", "decided_at"])
    if person.is_active != active:
        person.is_active = active
        person.save(update_fields=["is_active"])
        agreed = list(change.approvals.values_list("center__name", flat=True))
        record_for_person("user.activate" if active else "user.deactivate", person=person, actor=actor, center=center,
                          before={"is_active": not active}, after={"is_active": active, "request": change.pk, "agreed": agreed})
    return True


@transaction.atomic
def refuse_account_change(*, change: AccountChangeRequest, center: Center, actor: User) -> None:
    """`center` does not agree: the request ends and the account stays as it is."""
    change = _decidable(change, center, actor)
    change.status = AccountChangeRequest.Status.REFUSED
    change.decided_at = timezone.now()
    change.save(update_fields=["status", "decided_at"])
    record_for_person("user.change_refuse", person=change.person, actor=actor, center=center,
                      after={"request": change.pk, "action": change.action, "center": center.name})


@transaction.atomic
def change_password(*, user: User, new_password: str, actor: User | None, center: Center | None) -> None:
    try:
        validate_password(new_password, user)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from exc
    if center is not None and actor is not None and actor.pk != user.pk:
        refusal = account_change_refusal(actor=actor, person=user, center=center)
        if refusal:
            raise PermissionDenied(refusal)
    user.set_password(new_password)
    # A password someone else set is theirs, not the person's: it must be changed again.
    user.must_change_password = actor is not None and actor.pk != user.pk
    user.save(update_fields=["password", "must_change_password"])
    record_for_person("user.password_change", person=user, actor=actor, center=center)


# --- Organisation ---------------------------------------------------------------------------

@transaction.atomic
def create_department(*, center: Center, name: str, actor: User | None, **fields) -> Department:
    department = Department(center=center, name=name, **fields)
    department.full_clean()
    department.save()
    record("department.create", actor=actor, center=center, obj=department, after={"name": name, **fields})
    return department


# --- API tokens -----------------------------------------------------------------------------

@transaction.atomic
def create_api_token(*, user: User, center: Center, name: str, actor: User | None = None) -> tuple[ApiToken, str]:
    """Make a token; return it with its plaintext, which is never shown again."""
    name = name.strip()
    if not name:
        raise ValidationError({"name": ["请填写令牌用途，例如“采集 App”。"]})
    if len(name) > 60:
        raise ValidationError({"name": ["用途最多 60 个字。"]})
    if not user.has_perm("core.use_api_tokens", center):
        raise ValidationError("您在本中心没有创建 API 令牌的权限。")
    prefix, plaintext, digest = new_token()
    token = ApiToken.objects.create(user=user, center=center, name=name, prefix=prefix, digest=digest)
    record("token.create", actor=actor or user, center=center, obj=token, after={"name": name, "prefix": prefix})
    return token, plaintext


@transaction.atomic
def revoke_api_token(*, token: ApiToken, actor: User) -> None:
    if token.revoked_at is not None:
        return
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    record("token.revoke", actor=actor, center=token.center, obj=token, after={"prefix": token.prefix})


def touch_api_token(token: ApiToken) -> None:
    """Note when a token was last used, at most once a minute (no audit event: not a change)."""
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)


# --- Notifications ---------------------------------------------------------------------------

def notify(*, center: Center, recipients, title: str, body: str = "", url: str = "", event: str = "",
           urgent: bool = False) -> list[Notification]:
    """Put a message in each recipient's notification centre, then (-- 17:NC --) send it on
    where the person wants this `event` to reach them (email, 企业微信, 钉钉; their choice or
    the event's default, held during their quiet hours unless `urgent`) and to the desk
    robots that take the event. Everything goes through the messaging outbox, written in
    this transaction and delivered after it commits."""
    people = [u for u in recipients if u is not None and u.is_active]
    notes = Notification.objects.bulk_create([
        Notification(center=center, recipient=u, title=title[:200], body=body[:500], url=url[:300]) for u in people
    ])
    from rongmei.core.messaging.dispatch import fan_out

    fan_out(center=center, people=people, notes=notes, title=title, body=body, url=url, event=event, urgent=urgent)
    return notes


def mark_read(*, user: User, ids: list[int] | None = None, center: Center | None = None) -> int:
    """Mark the person's unread notifications read (those in `ids`, else all; of `center`
    only when given). Returns how many changed."""
    qs = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    if center is not None:
        qs = qs.filter(center=center)
    return qs.update(read_at=timezone.now())
