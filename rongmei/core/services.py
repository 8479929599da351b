"""Every change to centers, people, roles and tokens: one function per use case, one
transaction, one audit event written inside it."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from rongmei.core import requestcontext
from rongmei.core.auth import forget_permissions, new_token
from rongmei.core.models import ApiToken, AuditEvent, Center, Department, Membership, Notification, OrgUnit, User
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
        actor_repr=actor_repr or (actor.get_username() if actor is not None else "系统"),
        action=action,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        object_repr=str(obj)[:200] if obj is not None else "",
        before=before,
        after=after,
        ip=info.ip,
        request_id=info.request_id,
    )


# --- Centers ------------------------------------------------------------------------------

@transaction.atomic
def create_center(*, name: str, slug: str, region: str = "", timezone_name: str = "Asia/Shanghai", actor: User | None = None) -> Center:
    center = Center(name=name, slug=slug, region=region, timezone=timezone_name)
    center.full_clean()
    center.save()
    record("center.create", actor=actor, center=center, obj=center, after=_center_state(center))
    return center


def _center_state(center: Center) -> dict:
    return {"name": center.name, "slug": center.slug, "region": center.region, "timezone": center.timezone}


# --- People and roles ---------------------------------------------------------------------

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
) -> User:
    """Create an account and give it roles in `center`. Passwords of real accounts must
    pass the password rules; demo accounts (demo data only) skip them."""
    user = User(username=username, display_name=display_name, phone=phone, is_demo=is_demo)
    _check_roles(center, roles, department, org_unit)
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
    _check_roles(center, roles, department, org_unit)
    before = _roles_state(user, center)
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
    """Disable or re-enable a person's login. Disabling also ends the use of their tokens."""
    if actor is not None and user.pk == actor.pk and not active:
        raise ValidationError("不能停用自己的账号。")
    if user.is_active == active:
        return
    user.is_active = active
    user.save(update_fields=["is_active"])
    record("user.activate" if active else "user.deactivate", actor=actor, center=center, obj=user,
           before={"is_active": not active}, after={"is_active": active})


@transaction.atomic
def change_password(*, user: User, new_password: str, actor: User | None, center: Center | None) -> None:
    try:
        validate_password(new_password, user)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from exc
    user.set_password(new_password)
    user.save(update_fields=["password"])
    record("user.password_change", actor=actor, center=center, obj=user)


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

def notify(*, center: Center, recipients, title: str, body: str = "", url: str = "") -> list[Notification]:
    """Put a message in each recipient's notification centre; with email configured, also
    mail it (after the transaction commits, from the task queue)."""
    people = [u for u in recipients if u is not None and u.is_active]
    notes = Notification.objects.bulk_create([
        Notification(center=center, recipient=u, title=title[:200], body=body[:500], url=url[:300]) for u in people
    ])
    from django.conf import settings

    if settings.EMAIL_ENABLED and any(u.email for u in people):
        from rongmei.core.tasks import email_notifications

        ids = [n.pk for n, u in zip(notes, people) if u.email and n.pk]
        if ids:
            email_notifications.enqueue(ids)
    return notes


def mark_read(*, user: User, ids: list[int] | None = None) -> int:
    qs = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    return qs.update(read_at=timezone.now())
