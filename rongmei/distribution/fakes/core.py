"""What the fake WeChat and Weibo servers share: requests, answers, faults, the engine base.

An *engine* holds one platform's in-memory state behind one lock and turns a parsed
:class:`Request` into a :class:`Response`. The HTTP plumbing (``server.py``) only moves bytes;
everything a test wants to steer — latency, injected faults, the control API under
``/__fake__/`` — is decided here, so the in-process Python helpers and the HTTP control API
go through exactly the same code.
"""

from __future__ import annotations

import json
import random
import secrets
import threading
from abc import ABC, abstractmethod
from collections import Counter
from dataclasses import dataclass, field, fields
from http import HTTPStatus
from typing import Any, ClassVar, Literal, cast
from urllib.parse import parse_qsl

from .forms import FormError, UploadedFile, header_params, parse_form

JSONDict = dict[str, Any]
FaultKind = Literal["error", "hang", "drop"]
FAULT_KINDS: tuple[str, ...] = ("error", "hang", "drop")
CONTROL_PREFIX = "/__fake__/"


def new_rid() -> str:
    """A request id in the shape WeChat appends to error messages (``rid: 6350ba59-…``)."""
    return "-".join(secrets.token_hex(4) for _ in range(3))


class Limits:
    """Base of a fake's dataclass of integer limits (sizes, lengths, counts) that tests
    change through the control API (``POST /__fake__/limits``)."""

    minimum: ClassVar[int] = 0  # the smallest value a limit may take

    def update(self, payload: JSONDict) -> None:
        names = {f.name for f in fields(self)}  # type: ignore[arg-type]
        for key, value in payload.items():
            if key not in names:
                raise ControlError(f"unknown limit {key!r}; known: {', '.join(sorted(names))}")
            if not isinstance(value, int) or value < self.minimum:
                raise ControlError(f"limit {key} must be an integer of at least {self.minimum}")
        for key, value in payload.items():
            setattr(self, key, value)

    def as_dict(self) -> JSONDict:
        return {f.name: getattr(self, f.name) for f in fields(self)}  # type: ignore[arg-type]


@dataclass
class Request:
    """One HTTP request as the engines see it (headers lower-cased, body fully read)."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes
    _form: tuple[dict[str, str], dict[str, UploadedFile]] | None = field(default=None, repr=False)

    @classmethod
    def build(cls, method: str, target: str, headers: dict[str, str], body: bytes) -> Request:
        path, _, query = target.partition("?")
        return cls(
            method=method.upper(),
            path=path or "/",
            query=dict(parse_qsl(query, keep_blank_values=True)),
            headers={k.lower(): v for k, v in headers.items()},
            body=body,
        )

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "")

    def json(self) -> Any:
        """The body parsed as JSON; raises ValueError when it is not JSON."""
        return json.loads(self.body.decode("utf-8"))

    def form(self) -> tuple[dict[str, str], dict[str, UploadedFile]]:
        """(fields, files) of a url-encoded or multipart body; raises FormError."""
        if self._form is None:
            self._form = parse_form(self.body, self.content_type)
        return self._form

    def fields(self) -> dict[str, str]:
        """Form fields, or an empty dict when the body is not a parsable form."""
        try:
            return self.form()[0]
        except FormError:
            return {}

    def files(self) -> dict[str, UploadedFile]:
        try:
            return self.form()[1]
        except FormError:
            return {}

    def is_multipart(self) -> bool:
        return header_params(self.content_type)[0] == "multipart/form-data"


@dataclass
class Response:
    """An answer to write back. ``headers`` are extra headers beyond type and length."""

    status: int = 200
    body: bytes = b""
    content_type: str = "application/json; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def json(cls, data: Any, status: int = 200) -> Response:
        # Both platforms answer raw UTF-8 JSON (Chinese is not \u-escaped).
        body = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        return cls(status=status, body=body)

    @classmethod
    def text(cls, text: str, status: int = 200, content_type: str = "text/plain; charset=utf-8") -> Response:
        return cls(status=status, body=text.encode("utf-8"), content_type=content_type)

    @classmethod
    def html(cls, html: str, status: int = 200) -> Response:
        return cls.text(html, status, "text/html; charset=utf-8")


class ControlError(Exception):
    """A control-API call was malformed (400) or unknown (404)."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


@dataclass
class Fault:
    """A transport-level misbehaviour for the next ``count`` matching API calls.

    kind ``error``: answer HTTP ``status`` (default 500) with an HTML error page, by default
        *before* the call takes effect (``after_processing=True`` makes the effect happen and
        still answers the error, like a gateway timing out behind a finished backend).
    kind ``hang``: wait ``seconds`` before handling the call, then handle and answer it
        normally — a client with a shorter timeout gives up, while the effect still happens.
    kind ``drop``: close the connection without a single byte of answer, by default *after*
        the call took effect — the "unknown outcome" case (``after_processing=False`` drops
        before anything happens).

    ``path`` limits the fault to one API path (e.g. ``/cgi-bin/freepublish/submit``);
    ``account`` to one WeChat appid or Weibo account. Control calls are never faulted.
    """

    kind: FaultKind
    count: int = 1
    status: int = 500
    seconds: float = 30.0
    after_processing: bool | None = None
    path: str | None = None
    account: str | None = None
    fired: int = 0

    def __post_init__(self) -> None:
        if self.kind not in FAULT_KINDS:
            raise ControlError(f"fault kind must be one of {', '.join(FAULT_KINDS)}")
        if self.count < 1:
            raise ControlError("fault count must be at least 1")
        if not 100 <= self.status <= 599:
            raise ControlError("fault status must be an HTTP status code")
        if self.seconds < 0:
            raise ControlError("fault seconds must not be negative")
        if self.after_processing is None:
            self.after_processing = self.kind == "drop"

    @classmethod
    def from_payload(cls, payload: JSONDict) -> Fault:
        try:
            return cls(
                kind=cast(FaultKind, str(payload.get("kind", ""))),
                count=int(payload.get("count", 1)),
                status=int(payload.get("status", 500)),
                seconds=float(payload.get("seconds", 30.0)),
                after_processing=(
                    None if payload.get("after_processing") is None else bool(payload["after_processing"])
                ),
                path=payload.get("path") or None,
                account=payload.get("account") or None,
            )
        except (TypeError, ValueError) as exc:
            raise ControlError(f"bad fault: {exc}") from exc

    def matches(self, path: str, account: str | None) -> bool:
        if self.path is not None and self.path != path:
            return False
        return self.account is None or self.account == account

    def as_dict(self) -> JSONDict:
        return {
            "kind": self.kind,
            "remaining": self.count,
            "status": self.status,
            "seconds": self.seconds,
            "after_processing": self.after_processing,
            "path": self.path,
            "account": self.account,
        }


def error_page(status: int) -> Response:
    """What an overloaded gateway in front of either API sends: a short HTML page."""
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = "Error"
    return Response.html(f"<html><head><title>{status} {phrase}</title></head>"
                         f"<body><center><h1>{status} {phrase}</h1></center></body></html>", status)


class FakeEngine(ABC):
    """One platform's behaviour and state. Subclasses implement the real API paths.

    Thread-safety: every state read or change happens under ``self.lock``; waits (latency,
    hangs) happen outside it and end early when the server stops.
    """

    kind: ClassVar[str]

    def __init__(self, *, latency: float = 0.0) -> None:
        self.lock = threading.RLock()
        self.stopping = threading.Event()
        self.public_url = ""
        self._initial_latency = latency
        self.latency = latency
        self.faults: list[Fault] = []
        self.faults_fired: Counter[str] = Counter()
        self.calls: Counter[str] = Counter()
        # random faults on a share of all API calls (the crash test's "a few percent")
        self.fault_rate = 0.0
        self.fault_rng = random.Random(0)

    # -- to implement ------------------------------------------------------------------

    @abstractmethod
    def account_for(self, request: Request) -> str | None:
        """The appid/account a request acts for, if it can be told before handling it."""

    @abstractmethod
    def handle(self, request: Request) -> Response:
        """Answer one API (or resource) request the way the real platform does."""

    @abstractmethod
    def is_api_path(self, path: str) -> bool:
        """Whether ``path`` is part of the faked API (gets latency, faults, call counts)."""

    @abstractmethod
    def _reset_state(self) -> None:
        """Forget every account, object and setting (called under the lock)."""

    @abstractmethod
    def _state(self) -> JSONDict:
        """The platform-specific part of ``state()`` (called under the lock)."""

    @abstractmethod
    def _control(self, method: str, action: str, payload: JSONDict) -> JSONDict:
        """Platform-specific control actions; raise ControlError(…, 404) for unknown ones."""

    # -- shared behaviour ---------------------------------------------------------------

    def close(self) -> None:
        """Release background resources (called when the server stops)."""
        self.stopping.set()

    def wait(self, seconds: float) -> None:
        """Sleep, but wake up at once when the server is stopping."""
        if seconds > 0:
            self.stopping.wait(seconds)

    def dispatch(self, request: Request) -> Response | None:
        """Answer a request; ``None`` means: close the connection without answering."""
        if request.path.startswith(CONTROL_PREFIX) or request.path == CONTROL_PREFIX.rstrip("/"):
            return self.handle_control(request)
        if not self.is_api_path(request.path):
            return self.handle(request)
        self.count_call(request.path)
        with self.lock:
            latency = self.latency
        self.wait(latency)
        fault = self._take_fault(request)
        if fault is not None:
            if fault.kind == "hang":
                self.wait(fault.seconds)
            elif not fault.after_processing:
                return error_page(fault.status) if fault.kind == "error" else None
        response = self.handle(request)
        if fault is not None and fault.kind != "hang" and fault.after_processing:
            return error_page(fault.status) if fault.kind == "error" else None
        return response

    def _take_fault(self, request: Request) -> Fault | None:
        with self.lock:
            if not self.faults:
                return self._random_fault()
        account = self.account_for(request)
        with self.lock:
            for fault in self.faults:
                if fault.matches(request.path, account):
                    fault.count -= 1
                    fault.fired += 1
                    if fault.count <= 0:
                        self.faults.remove(fault)
                    self.faults_fired[fault.kind] += 1
                    return fault
            return self._random_fault()

    def _random_fault(self) -> Fault | None:
        """With ``fault_rate`` set, that share of calls fails: a 500 before or after the
        call took effect, or a connection dropped before or after it (called under the lock)."""
        if not self.fault_rate or self.fault_rng.random() >= self.fault_rate:
            return None
        kind = self.fault_rng.choice(["error", "drop"])
        fault = Fault(kind=kind, after_processing=self.fault_rng.random() < 0.5)
        self.faults_fired[f"random_{kind}"] += 1
        return fault

    def count_call(self, path: str) -> None:
        with self.lock:
            self.calls[path] += 1

    def state(self) -> JSONDict:
        """Everything a test may want to assert on, as plain JSON-able data."""
        with self.lock:
            data: JSONDict = {
                "kind": self.kind,
                "latency": self.latency,
                "calls": dict(self.calls),
                "faults": [f.as_dict() for f in self.faults],
                "faults_fired": dict(self.faults_fired),
                "fault_rate": self.fault_rate,
            }
            data.update(self._state())
            return data

    def reset(self) -> None:
        """Back to a freshly started server (latency back to its start value)."""
        with self.lock:
            self.latency = self._initial_latency
            self.faults.clear()
            self.faults_fired.clear()
            self.calls.clear()
            self.fault_rate = 0.0
            self._reset_state()

    def control(self, method: str, action: str, payload: JSONDict | None = None) -> JSONDict:
        """Run one control action (``state``, ``reset``, ``latency``, ``faults`` or a
        platform-specific one). Used by the HTTP control API and the Python helpers alike."""
        payload = payload or {}
        action = action.strip("/")
        if action.startswith(self.kind + "/"):
            action = action[len(self.kind) + 1 :]
        method = method.upper()
        if action == "state":
            return self.state()
        if action == "reset" and method == "POST":
            self.reset()
            return {"ok": True}
        if action == "latency":
            if method == "POST":
                seconds = number(payload, "seconds")
                if seconds < 0:
                    raise ControlError("seconds must not be negative")
                with self.lock:
                    self.latency = seconds
            with self.lock:
                return {"latency": self.latency}
        if action == "faults":
            if method == "POST":
                fault = Fault.from_payload(payload)
                with self.lock:
                    self.faults.append(fault)
            elif method == "DELETE":
                with self.lock:
                    self.faults.clear()
            with self.lock:
                return {"faults": [f.as_dict() for f in self.faults]}
        if action == "fault_rate" and method == "POST":
            rate = number(payload, "rate")
            if not 0 <= rate <= 1:
                raise ControlError("rate must be between 0 and 1")
            with self.lock:
                self.fault_rate = rate
                self.fault_rng = random.Random(payload.get("seed", 0))
                return {"fault_rate": self.fault_rate}
        with self.lock:
            return self._control(method, action, payload)

    def handle_control(self, request: Request) -> Response:
        action = request.path[len(CONTROL_PREFIX) :] if request.path.startswith(CONTROL_PREFIX) else ""
        payload: JSONDict = {}
        if request.body.strip():
            try:
                loaded = request.json()
            except ValueError:
                return Response.json({"error": "control calls take a JSON object body"}, 400)
            if not isinstance(loaded, dict):
                return Response.json({"error": "control calls take a JSON object body"}, 400)
            payload = loaded
        if request.method == "GET" and request.query:
            payload = {**request.query, **payload}
        try:
            return Response.json(self.control(request.method, action, payload))
        except ControlError as exc:
            return Response.json({"error": str(exc)}, exc.status)


def number(payload: JSONDict, key: str, default: float | None = None) -> float:
    """A numeric control parameter, or ControlError."""
    value = payload.get(key, default)
    if value is None:
        raise ControlError(f"{key} is required")
    try:
        return float(value)
    except (TypeError, ValueError) as exc:
        raise ControlError(f"{key} must be a number") from exc


def require_str(payload: JSONDict, key: str) -> str:
    """A required non-empty string control parameter, or ControlError."""
    value = payload.get(key)
    if not isinstance(value, str) or not value:
        raise ControlError(f"{key} is required")
    return value

