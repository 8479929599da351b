"""Account credentials encrypted at rest (Fernet), with a key derived from settings.

RONGMEI_CREDENTIALS_KEY may hold a dedicated key; otherwise one is derived from SECRET_KEY
(HKDF), so the database alone never reveals an account's secret. Secrets are never shown
again after entry: screens show only whether one is set.
"""

from __future__ import annotations

import base64
import os

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings


def _fernet() -> Fernet:
    raw = os.environ.get("RONGMEI_CREDENTIALS_KEY") or settings.SECRET_KEY
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"rongmei-credentials", info=b"channel-accounts").derive(raw.encode())
    return Fernet(base64.urlsafe_b64encode(key))


def encrypt(secret: str) -> str:
    return _fernet().encrypt(secret.encode("utf-8")).decode("ascii") if secret else ""


def decrypt(token: str) -> str:
    if not token:
        return ""
    try:
        return _fernet().decrypt(token.encode("ascii")).decode("utf-8")
    except InvalidToken as exc:
        raise ValueError("账号密钥无法解密：加密密钥已更换？请重新填写该账号的密钥。") from exc
