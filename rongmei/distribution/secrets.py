"""Account credentials encrypted at rest: core's one implementation (rongmei.core.messaging.
secrets, same key and format), with messages that speak of the account."""

from __future__ import annotations

from rongmei.core.messaging import secrets as _secrets


def encrypt(secret: str) -> str:
    return _secrets.encrypt(secret)


def decrypt(token: str) -> str:
    return _secrets.decrypt(token, owner="账号")
