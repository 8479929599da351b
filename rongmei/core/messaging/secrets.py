"""Secrets encrypted at rest (Fernet): core's messaging channels and, through
rongmei.distribution.secrets, the distribution accounts — one implementation, one key.

RONGMEI_CREDENTIALS_KEY may hold a dedicated key; otherwise one is derived from SECRET_KEY
(HKDF), so the database alone never reveals a secret. The salt and info are those the
distribution accounts have always used, so every row written before this module moved to
core (舆情's robots included) still decrypts. Screens never show a secret again after entry.
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


def decrypt(token: str, *, owner: str = "渠道") -> str:
    """The clear secret; ValueError in Chinese naming the `owner` (渠道, 账号) when the key changed."""
    if not token:
        return ""
    try:
        return _fernet().decrypt(token.encode("ascii")).decode("utf-8")
    except InvalidToken as exc:
        raise ValueError(f"{owner}密钥无法解密：加密密钥已更换？请重新填写该{owner}的密钥。") from exc
