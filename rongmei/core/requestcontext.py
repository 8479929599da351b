"""What the current request is, for code far from the view (audit events, logs)."""

from __future__ import annotations

import contextvars
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestInfo:
    request_id: str = ""
    ip: str | None = None


_current: contextvars.ContextVar[RequestInfo] = contextvars.ContextVar("rongmei_request", default=RequestInfo())


def current() -> RequestInfo:
    return _current.get()


def bind(info: RequestInfo) -> contextvars.Token:
    return _current.set(info)


def reset(token: contextvars.Token) -> None:
    _current.reset(token)
