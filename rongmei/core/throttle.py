"""Counting failed attempts per person, for checks that axes does not cover (the
password-change form's "current password"). The counters live in the "ratelimit" cache
(Redis, or a database table in embedded mode) when it is configured, so every gunicorn
worker sees the same count; else in the default cache."""

from __future__ import annotations

from django.conf import settings
from django.core.cache import caches

PASSWORD_CHANGE_LIMIT = 5
PASSWORD_CHANGE_WINDOW = 15 * 60  # seconds
PASSWORD_CHANGE_THROTTLED = "当前密码已连续输错 5 次，为保护您的账号，请 15 分钟后再试；如忘记密码，请联系本中心管理员。"


def store():
    return caches["ratelimit" if "ratelimit" in settings.CACHES else "default"]


def _key(user_id: int) -> str:
    return f"rongmei:password-change-failures:{user_id}"


def password_change_throttled(user) -> bool:
    return (store().get(_key(user.pk)) or 0) >= PASSWORD_CHANGE_LIMIT


def password_change_failed(user) -> None:
    """One more wrong current password; the window starts at the first failure."""
    cache, key = store(), _key(user.pk)
    if cache.add(key, 1, PASSWORD_CHANGE_WINDOW):
        return
    try:
        cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, PASSWORD_CHANGE_WINDOW)


def password_change_succeeded(user) -> None:
    store().delete(_key(user.pk))
