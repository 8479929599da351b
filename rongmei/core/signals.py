"""Audit events for logins, logouts, failed attempts and lockouts."""

from __future__ import annotations

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db import transaction
from django.dispatch import receiver

from rongmei.core.auth import centers_for
from rongmei.core.models import User
from rongmei.core.services import record


def _known_user(username: str | None) -> User | None:
    if not username:
        return None
    return User.objects.filter(username=username).first()


@receiver(user_logged_in)
def _logged_in(sender, request, user, **kwargs):
    with transaction.atomic():
        record("auth.login", actor=user, center=centers_for(user).first())


@receiver(user_logged_out)
def _logged_out(sender, request, user, **kwargs):
    if user is not None:
        with transaction.atomic():
            record("auth.logout", actor=user, center=getattr(request, "center", None))


@receiver(user_login_failed)
def _login_failed(sender, credentials, request=None, **kwargs):
    username = (credentials or {}).get("username", "")
    user = _known_user(username)
    with transaction.atomic():
        record("auth.login_failed", actor=None, actor_repr=str(username)[:150] or "（未填用户名）",
               center=centers_for(user).first() if user else None, after={"username": str(username)[:150]})


@receiver(user_locked_out)
def _locked_out(sender, request, username, ip_address, **kwargs):
    user = _known_user(username)
    with transaction.atomic():
        record("auth.locked_out", actor=None, actor_repr=str(username)[:150],
               center=centers_for(user).first() if user else None,
               after={"username": username, "ip": ip_address})
