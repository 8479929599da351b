"""Changes the platform admin makes to centers: create a center with its first center
admin, suspend and resume it, set its quotas. Only the platform admin (superuser) may; each
change is one transaction with its audit event; a refusal changes nothing."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from rongmei.core import services as core_services
from rongmei.core.auth import forget_permissions
from rongmei.core.models import Center, User

AUDIT_LABELS = {
    "center.suspend": "停用中心",
    "center.resume": "恢复中心",
    "center.quotas": "调整中心配额",
}

NOT_PLATFORM_ADMIN = "只有平台管理员可以管理中心。"
FIRST_ADMIN_ROLE = "center_admin"


def _require_admin(actor: User | None) -> None:
    if actor is None or not getattr(actor, "is_platform_admin", False):
        raise PermissionDenied(NOT_PLATFORM_ADMIN)


def _quota(value, label: str, errors: dict, key: str) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        number = int(str(value).strip())
    except ValueError:
        errors[key] = [f"{label}应为整数，留空表示不限。"]
        return None
    if not 0 < number <= 10_000_000:
        errors[key] = [f"{label}应在 1 到 10000000 之间，留空表示不限。"]
        return None
    return number


def _parent(value) -> Center | None:
    if value in (None, ""):
        return None
    if isinstance(value, Center):
        return value
    try:
        pk = int(value)
    except (TypeError, ValueError):
        raise ValidationError({"parent": ["上级中心不存在。"]}) from None
    parent = Center.objects.filter(pk=pk).first()
    if parent is None:
        raise ValidationError({"parent": ["上级中心不存在。"]})
    return parent


@transaction.atomic
def create_center(*, actor: User, name: str, slug: str, region: str = "", level: str = Center.Level.COUNTY,
                  parent=None, quota_staff=None, quota_storage_mb=None, admin_username: str = "",
                  admin_name: str = "", admin_password: str = "") -> tuple[Center, User]:
    """A new center and its first center admin (who must change the initial password at
    first login), so a new county can start at once. All or nothing."""
    _require_admin(actor)
    errors: dict[str, list[str]] = {}
    if level not in Center.Level.values:
        errors["level"] = ["层级只能是省级、市级或县级。"]
    staff = _quota(quota_staff, "人员上限", errors, "quota_staff")
    storage = _quota(quota_storage_mb, "存储上限", errors, "quota_storage_mb")
    if not (admin_username or "").strip():
        errors["admin_username"] = ["请填写中心管理员的用户名。"]
    if not (admin_name or "").strip():
        errors["admin_name"] = ["请填写中心管理员的姓名。"]
    if not admin_password:
        errors["admin_password"] = ["请填写中心管理员的初始密码。"]
    if errors:
        raise ValidationError(errors)
    center = core_services.create_center(name=(name or "").strip(), slug=(slug or "").strip(), region=(region or "").strip(),
                                         actor=actor, level=level, parent=_parent(parent), quota_staff=staff,
                                         quota_storage_mb=storage)
    try:
        admin = core_services.create_person(center=center, username=admin_username.strip(), display_name=admin_name.strip(),
                                            password=admin_password, roles=[FIRST_ADMIN_ROLE], actor=actor,
                                            must_change_password=True)
    except ValidationError as exc:
        raise ValidationError({f"admin_{k}" if k in ("username", "password") else k: v
                               for k, v in exc.message_dict.items()}) from exc
    return center, admin


@transaction.atomic
def suspend(*, actor: User, center: Center, reason: str) -> Center:
    """停用: its staff can no longer work there (they see why), its public site answers 503,
    its API tokens stop working. Reason required."""
    _require_admin(actor)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": ["请填写停用原因，中心人员登录时会看到。"]})
    if len(reason) > 200:
        raise ValidationError({"reason": ["停用原因最多 200 字。"]})
    center = Center.objects.select_for_update().get(pk=center.pk)
    if not center.is_active:
        raise ValidationError("该中心已经停用。")
    center.is_active, center.suspended_reason, center.suspended_at = False, reason, timezone.now()
    center.save(update_fields=["is_active", "suspended_reason", "suspended_at"])
    core_services.record("center.suspend", actor=actor, center=center, obj=center,
                         before={"is_active": True}, after={"is_active": False, "reason": reason})
    forget_permissions(actor)
    return center


@transaction.atomic
def resume(*, actor: User, center: Center) -> Center:
    _require_admin(actor)
    center = Center.objects.select_for_update().get(pk=center.pk)
    if center.is_active:
        raise ValidationError("该中心正在运行，无需恢复。")
    before = {"is_active": False, "reason": center.suspended_reason}
    center.is_active, center.suspended_reason, center.suspended_at = True, "", None
    center.save(update_fields=["is_active", "suspended_reason", "suspended_at"])
    core_services.record("center.resume", actor=actor, center=center, obj=center, before=before, after={"is_active": True})
    return center


@transaction.atomic
def set_quotas(*, actor: User, center: Center, quota_staff=None, quota_storage_mb=None) -> Center:
    """Staff (active members) and storage (MB) limits; empty means no limit. A limit below
    what is already used is allowed (nothing is taken away; new people/uploads are refused)."""
    _require_admin(actor)
    errors: dict[str, list[str]] = {}
    staff = _quota(quota_staff, "人员上限", errors, "quota_staff")
    storage = _quota(quota_storage_mb, "存储上限", errors, "quota_storage_mb")
    if errors:
        raise ValidationError(errors)
    center = Center.objects.select_for_update().get(pk=center.pk)
    before = {"quota_staff": center.quota_staff, "quota_storage_mb": center.quota_storage_mb}
    center.quota_staff, center.quota_storage_mb = staff, storage
    after = {"quota_staff": staff, "quota_storage_mb": storage}
    if before != after:
        center.save(update_fields=["quota_staff", "quota_storage_mb"])
        core_services.record("center.quotas", actor=actor, center=center, obj=center, before=before, after=after)
    return center
