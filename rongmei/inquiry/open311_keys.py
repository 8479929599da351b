"""Open311 API keys: what a third-party app (a city app, a WeChat mini program) sends as
`api_key` when it POSTs a service request for a center.

Only the key's SHA-256 is stored (`Open311Key.key_hash`); the plain key is shown once, when
it is made. The demo center has the well-known key ``demo-open311-key`` (``ensure_demo_key``),
which is accepted only while the installation runs in demo mode (``RONGMEI_DEMO``), like the
demo accounts.
"""

from __future__ import annotations

import hashlib
import secrets

from django.conf import settings

from rongmei.core.models import Center
from rongmei.inquiry.models import Open311Key

DEMO_KEY = "demo-open311-key"
DEMO_KEY_NAME = "演示"
PREFIX = "o311_"


def hash_key(plain: str) -> str:
    return hashlib.sha256((plain or "").encode("utf-8")).hexdigest()


def create_key(center: Center, name: str) -> str:
    """A new active key for ``center``; returns the plain key (it cannot be shown again)."""
    plain = PREFIX + secrets.token_urlsafe(32)
    Open311Key.objects.create(center=center, name=(name or "").strip()[:60] or "未命名", key_hash=hash_key(plain))
    return plain


def lookup(plain: str) -> Open311Key | None:
    """The active key whose hash matches ``plain`` (with its center), else None. The demo key
    counts only in demo mode."""
    plain = (plain or "").strip()
    if not plain or len(plain) > 200:
        return None
    if plain == DEMO_KEY and not getattr(settings, "RONGMEI_DEMO", False):
        return None
    return (Open311Key.objects.select_related("center")
            .filter(key_hash=hash_key(plain), is_active=True, center__is_active=True).first())


def verify(center: Center, plain: str) -> bool:
    """Whether ``plain`` is an active key of ``center``."""
    key = lookup(plain)
    return key is not None and key.center_id == center.pk


def revoke(key: Open311Key) -> None:
    Open311Key.objects.filter(pk=key.pk).update(is_active=False)


def ensure_demo_key(center: Center) -> tuple[Open311Key, bool]:
    """The demo center's key ``demo-open311-key`` (named 演示), created when missing.
    Returns (key, created), like ``get_or_create``; loading twice changes nothing."""
    return Open311Key.objects.get_or_create(key_hash=hash_key(DEMO_KEY),
                                            defaults={"center": center, "name": DEMO_KEY_NAME})
