"""Who may log in, what a person may do in a center, and personal API tokens."""

from __future__ import annotations

import hashlib
import re
import secrets

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import ValidationError

from rongmei.core.models import ApiToken, Center, Membership
from rongmei.core.permissions import all_permissions, permissions_for_roles

TOKEN_PREFIX = "rm"


class CenterRoleBackend(ModelBackend):
    """Password login, plus permissions that come from a person's roles in a center.

    Ask with the center as the object: `user.has_perm("core.manage_people", center)`.
    Demo accounts log in only while the platform runs in demo mode.
    """

    def user_can_authenticate(self, user) -> bool:
        if not super().user_can_authenticate(user):
            return False
        return not getattr(user, "is_demo", False) or settings.RONGMEI_DEMO

    def get_all_permissions(self, user_obj, obj=None):
        if isinstance(obj, Center):
            return center_permissions(user_obj, obj)
        return super().get_all_permissions(user_obj, obj)

    def has_perm(self, user_obj, perm, obj=None) -> bool:
        if isinstance(obj, Center):
            return perm in center_permissions(user_obj, obj)
        return super().has_perm(user_obj, perm, obj)


def center_permissions(user, center: Center | None) -> frozenset[str]:
    """The permissions `user` holds in `center`, cached on the user object for the request."""
    if center is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return frozenset()
    if not center.is_active and not user.is_superuser:
        return frozenset()
    cache = user.__dict__.setdefault("_rongmei_center_perms", {})
    if center.pk not in cache:
        if user.is_superuser:
            cache[center.pk] = all_permissions()
        else:
            roles = Membership.objects.filter(user=user, center=center).values_list("role", flat=True)
            cache[center.pk] = permissions_for_roles(roles)
    return cache[center.pk]


def forget_permissions(user) -> None:
    user.__dict__.pop("_rongmei_center_perms", None)


def centers_for(user):
    """Centers the person may work in: where they hold a role (platform admins: all)."""
    if not getattr(user, "is_authenticated", False):
        return Center.objects.none()
    if user.is_superuser:
        return Center.objects.filter(is_active=True)
    return Center.objects.filter(is_active=True, id__in=Membership.objects.filter(user=user).values("center_id"))


def suspended_centers_for(user) -> list[Center]:
    """Centers where the person holds a role but which the platform admin has suspended
    (停用): they are told so, and why, instead of "no center"."""
    if not getattr(user, "is_authenticated", False) or user.is_superuser:
        return []
    return list(Center.objects.filter(is_active=False, id__in=Membership.objects.filter(user=user).values("center_id"))
                .order_by("id"))


def suspended_message(centers: list[Center]) -> str:
    return "；".join(f"{c.name}已被平台管理员停用" + (f"，原因：{c.suspended_reason}" if c.suspended_reason else "")
                    for c in centers) + "。如有疑问请联系平台管理员。"


class MixedCharacterValidator:
    """A password must mix letters and digits (demo accounts are created without it)."""

    def validate(self, password, user=None):
        if not (re.search(r"[A-Za-z]", password) and re.search(r"\d", password)):
            raise ValidationError("密码必须同时包含字母和数字。", code="password_not_mixed")

    def get_help_text(self):
        return "密码必须同时包含字母和数字。"


def hash_token(plaintext: str) -> str:
    # Tokens carry 256 bits of randomness, so a fast hash is safe and lets us look them up.
    return hashlib.sha256(plaintext.encode()).hexdigest()


def new_token() -> tuple[str, str, str]:
    """(prefix, plaintext, digest). The plaintext is shown once and never stored."""
    prefix = secrets.token_hex(4)
    plaintext = f"{TOKEN_PREFIX}_{prefix}_{secrets.token_urlsafe(32)}"
    return prefix, plaintext, hash_token(plaintext)


def token_from_plaintext(plaintext: str) -> ApiToken | None:
    if not plaintext.startswith(f"{TOKEN_PREFIX}_"):
        return None
    return (
        ApiToken.objects.select_related("user", "center")
        .filter(digest=hash_token(plaintext), revoked_at__isnull=True, user__is_active=True, center__is_active=True)
        .first()
    )
