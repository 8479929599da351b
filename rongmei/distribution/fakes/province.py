"""A fake province platform (省级技术平台): the receiver a province runs for its counties'
ninjs pushes, and the sender of its receipts (received / used, 采用) back to the county.

Why a fake: each province's platform is its own system (no public sandbox); the county's
side — signing, ninjs 3.1 with media renditions, media links the province can really
fetch, and the signed callbacks — must be tested end to end over real HTTP, and the demo
needs something to push to.

What it follows, from the documents the two sides share:

- IPTC ninjs 3.1 (https://iptc.org/std/ninjs/ — the JSON schema
  ``ninjs-schema_3.1.json`` shipped in ``formatters/schemas``; renditions with ``href``,
  ``contentType``, ``width``, ``height``, ``sizeInBytes``, ``duration``; pictures as
  ``associations``; ``pubStatus`` "canceled" for a takedown; a new ``version`` for a
  correction). Every item is validated against that schema; an invalid one is refused
  with HTTP 422 and the schema's complaints.
- Our push contract (docs/distribution.md, 省级技术平台, and ``formatters/push.py``):
  ``X-Rongmei-Signature: sha256=<hex HMAC-SHA256 of the body>`` under the shared key
  (wrong or missing: 401), ``X-Rongmei-Delivery`` the idempotency key (a repeat is
  answered 200 again and counted in ``duplicate_deliveries``, nothing stored twice),
  ``X-Rongmei-Event`` publish / correction / takedown.
- The callback contract (the same document): JSON ``{"event_id", "event", "uri", "version",
  "at", "used_by", "level", "url"}`` POSTed to the county's callback address, signed the
  same way with the same key.

Behaviour a test steers (control API under ``/__fake__/``, helpers in ``ProvinceControls``):
``configure`` (shared key, callback URL, whether to fetch media), ``callback`` (send a
received/used receipt for an item now; ``tamper`` signs it wrongly, ``repeat`` sends it
twice), ``refuse`` (answer the next N pushes with an HTTP status), plus latency and faults.
After accepting an item the fake fetches every media link in it (the item's renditions
other than the web page, and each association's renditions) and records status, size and
sha256 of each — proof that the links work from outside.

The receiving path is ``POST /ninjs`` (any other POST path answers 404). The default shared
key is the demo's (``demo-province-shared-key``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import itertools
import json
import urllib.error
import urllib.request
from typing import Any

from .controls import Controls, RemoteFake
from .core import ControlError, FakeEngine, JSONDict, Request, Response, require_str
from .server import FakeServer

RECEIVE_PATH = "/ninjs"
DEFAULT_SECRET = "demo-province-shared-key"
FETCH_TIMEOUT = 10
FETCH_MAX = 64 << 20  # bytes read of one media file
EVENTS = ("received", "used")
LEVELS = ("county", "prefecture", "provincial", "central")


def _sign(body: bytes, secret: str) -> str:
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def _media_hrefs(doc: JSONDict) -> list[tuple[str, str, str]]:
    """(where, name, href) of every file the item links to: its own renditions except the
    web page, and every association's renditions."""
    found = []
    for rendition in doc.get("renditions") or []:
        if rendition.get("href") and rendition.get("contentType") != "text/html":
            found.append(("item", rendition.get("name", ""), rendition["href"]))
    for association in doc.get("associations") or []:
        for rendition in association.get("renditions") or []:
            if rendition.get("href"):
                found.append((association.get("name", ""), rendition.get("name", ""), rendition["href"]))
    return found


class ProvinceFake(FakeEngine):
    kind = "province"

    def __init__(self, *, latency: float = 0.0) -> None:
        super().__init__(latency=latency)
        self._event_ids = itertools.count(1)
        self._reset_state()

    # -- FakeEngine ----------------------------------------------------------------------

    def account_for(self, request: Request) -> str | None:
        return None  # one county per fake: the key identifies it

    def is_api_path(self, path: str) -> bool:
        return path == RECEIVE_PATH

    def _reset_state(self) -> None:
        self.secret = DEFAULT_SECRET
        self.callback_url = ""
        self.fetch_media = True
        self.items: dict[str, JSONDict] = {}        # uri -> {"versions": [...], "pubStatus", ...}
        self.deliveries: dict[str, JSONDict] = {}   # X-Rongmei-Delivery -> the answer given
        self.duplicate_deliveries = 0
        self.refused: list[JSONDict] = []           # pushes refused (signature, schema)
        self.fetches: list[JSONDict] = []           # every media fetch and its result
        self.callbacks: list[JSONDict] = []         # every callback sent and the county's answer
        self.refuse_next: list[int] = []            # HTTP statuses for the next pushes

    def _state(self) -> JSONDict:
        return {
            "items": json.loads(json.dumps(self.items)), "duplicate_deliveries": self.duplicate_deliveries,
            "refused": list(self.refused), "fetches": list(self.fetches), "callbacks": list(self.callbacks),
            "callback_url": self.callback_url, "fetch_media": self.fetch_media,
        }

    def handle(self, request: Request) -> Response:
        if request.path != RECEIVE_PATH:
            return Response.json({"error": "not found"}, 404)
        if request.method != "POST":
            return Response.json({"error": "POST only"}, 405)
        return self._receive(request)

    # -- receiving -----------------------------------------------------------------------

    def _receive(self, request: Request) -> Response:
        with self.lock:
            if self.refuse_next:
                status = self.refuse_next.pop(0)
                return Response.json({"error": "refused by control"}, status)
            secret = self.secret
        signature = request.headers.get("x-rongmei-signature", "")
        if not signature or not hmac.compare_digest(_sign(request.body, secret), signature.strip()):
            with self.lock:
                self.refused.append({"reason": "signature", "delivery": request.headers.get("x-rongmei-delivery", "")})
            return Response.json({"error": "signature mismatch"}, 401)
        key = request.headers.get("x-rongmei-delivery", "")
        if not key:
            return Response.json({"error": "X-Rongmei-Delivery is required"}, 400)
        with self.lock:
            if key in self.deliveries:
                self.duplicate_deliveries += 1
                return Response.json(self.deliveries[key])
        try:
            doc = request.json()
        except ValueError:
            return Response.json({"error": "body is not JSON"}, 400)
        errors = _ninjs_errors(doc) if isinstance(doc, dict) else ["(root): not an object"]
        if errors:
            with self.lock:
                self.refused.append({"reason": "ninjs", "delivery": key, "errors": errors[:10]})
            return Response.json({"error": "invalid ninjs 3.1", "errors": errors[:10]}, 422)
        fetched = self._fetch_all(doc) if self.fetch_media and doc.get("pubStatus") != "canceled" else []
        uri = doc["uri"]
        answer = {"ok": True, "uri": uri, "version": doc.get("version"), "media": len(fetched)}
        with self.lock:
            item = self.items.setdefault(uri, {"versions": []})
            item["versions"].append({"version": doc.get("version"), "pubStatus": doc.get("pubStatus", "usable"),
                                     "event": request.headers.get("x-rongmei-event", ""), "delivery": key,
                                     "doc": doc, "fetched": fetched})
            item["pubStatus"] = doc.get("pubStatus", "usable")
            item["version"] = doc.get("version")
            self.deliveries[key] = answer
        return Response.json(answer)

    def _fetch_all(self, doc: JSONDict) -> list[JSONDict]:
        results = []
        for where, name, href in _media_hrefs(doc):
            result: JSONDict = {"where": where, "name": name, "href": href}
            if not href.startswith(("http://", "https://")):
                result.update(status=None, error="not an http(s) link")
            else:
                try:
                    with urllib.request.urlopen(urllib.request.Request(href), timeout=FETCH_TIMEOUT) as answer:
                        data = answer.read(FETCH_MAX)
                        result.update(status=answer.status, size=len(data), sha256=hashlib.sha256(data).hexdigest(),
                                      content_type=answer.headers.get("Content-Type", ""), head=data[:12].hex())
                except urllib.error.HTTPError as exc:
                    result.update(status=exc.code, error=exc.reason)
                except (urllib.error.URLError, TimeoutError, OSError) as exc:
                    result.update(status=None, error=str(getattr(exc, "reason", exc)))
            results.append(result)
        with self.lock:
            self.fetches.extend(results)
        return results

    # -- callbacks -------------------------------------------------------------------------

    def send_callback(self, payload: JSONDict) -> JSONDict:
        """POST a signed receipt to the county (outside the lock: it is network I/O)."""
        uri = require_str(payload, "uri")
        event = payload.get("event", "received")
        if event not in EVENTS and not payload.get("raw"):
            raise ControlError(f"event must be one of {', '.join(EVENTS)}")
        with self.lock:
            url = payload.get("url_to") or self.callback_url
            secret = payload.get("secret") or self.secret
            version = (self.items.get(uri) or {}).get("version")
            event_id = payload.get("event_id") or f"prov-{next(self._event_ids):06d}"
        if not url:
            raise ControlError("no callback URL: configure one first")
        body_doc: JSONDict = {
            "event_id": event_id, "event": event, "uri": uri,
            "at": payload.get("at") or dt.datetime.now(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        }
        if version is not None and str(version).isdigit():
            body_doc["version"] = int(version)
        if event == "used":
            body_doc.update(used_by=payload.get("used_by", "省广播电视台"), level=payload.get("level", "provincial"))
            if payload.get("link"):
                body_doc["url"] = payload["link"]
        if isinstance(payload.get("extra"), dict):
            body_doc.update(payload["extra"])
        body = payload["raw"].encode("utf-8") if isinstance(payload.get("raw"), str) else json.dumps(
            body_doc, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        signature = _sign(body, secret)
        if payload.get("tamper"):
            signature = signature[:-4] + ("0000" if not signature.endswith("0000") else "1111")
        answers = []
        for _ in range(2 if payload.get("repeat") else 1):
            request = urllib.request.Request(url, data=body, method="POST", headers={
                "Content-Type": "application/json; charset=utf-8", "X-Rongmei-Signature": signature})
            try:
                with urllib.request.urlopen(request, timeout=FETCH_TIMEOUT) as answer:
                    status, text = answer.status, answer.read(4096).decode("utf-8", "replace")
            except urllib.error.HTTPError as exc:
                status, text = exc.code, exc.read(4096).decode("utf-8", "replace")
            except (urllib.error.URLError, TimeoutError, OSError) as exc:
                status, text = None, str(getattr(exc, "reason", exc))
            try:
                parsed: Any = json.loads(text)
            except ValueError:
                parsed = text
            answers.append({"status": status, "answer": parsed})
        record = {"event_id": event_id, "event": event, "uri": uri, "body": body.decode("utf-8", "replace"),
                  "answers": answers, "status": answers[-1]["status"], "answer": answers[-1]["answer"]}
        with self.lock:
            self.callbacks.append(record)
        return record

    # -- control ---------------------------------------------------------------------------

    def control(self, method: str, action: str, payload: JSONDict | None = None) -> JSONDict:
        name = action.strip("/")
        name = name[len(self.kind) + 1:] if name.startswith(self.kind + "/") else name
        if name == "callback" and method.upper() == "POST":
            return self.send_callback(payload or {})
        return super().control(method, action, payload)

    def _control(self, method: str, action: str, payload: JSONDict) -> JSONDict:
        if action == "configure" and method == "POST":
            if "secret" in payload:
                self.secret = require_str(payload, "secret")
            if "callback_url" in payload:
                url = payload.get("callback_url") or ""
                if url and not str(url).startswith(("http://", "https://")):
                    raise ControlError("callback_url must be http(s)")
                self.callback_url = url
            if "fetch_media" in payload:
                self.fetch_media = bool(payload["fetch_media"])
            return {"callback_url": self.callback_url, "fetch_media": self.fetch_media}
        if action == "refuse" and method == "POST":
            status = int(payload.get("status", 503))
            if not 400 <= status <= 599:
                raise ControlError("status must be 4xx or 5xx")
            self.refuse_next.extend([status] * int(payload.get("count", 1)))
            return {"refuse_next": list(self.refuse_next)}
        if action == "items":
            return {"items": json.loads(json.dumps(self.items))}
        raise ControlError(f"unknown control action {action!r}", 404)


def _ninjs_errors(doc: JSONDict) -> list[str]:
    from rongmei.distribution.formatters.ninjs import ninjs_errors

    return ninjs_errors(doc)


class ProvinceControls(Controls):
    """Controls of the fake province platform (``/__fake__/province/...``)."""

    def configure(self, *, secret: str | None = None, callback_url: str | None = None,
                  fetch_media: bool | None = None) -> JSONDict:
        """Set the shared key, the county's callback address, whether media links are fetched."""
        payload: JSONDict = {}
        if secret is not None:
            payload["secret"] = secret
        if callback_url is not None:
            payload["callback_url"] = callback_url
        if fetch_media is not None:
            payload["fetch_media"] = fetch_media
        return self._control("POST", "province/configure", payload)

    def send_callback(self, uri: str, event: str = "received", **options: Any) -> JSONDict:
        """Send a receipt for ``uri`` now: ``event`` received/used; options ``used_by``,
        ``level``, ``link``, ``at``, ``event_id``, ``tamper`` (bad signature), ``repeat``
        (send twice), ``raw`` (a body of your own), ``extra`` (fields added), ``url_to``."""
        return self._control("POST", "province/callback", {"uri": uri, "event": event, **options})

    def refuse(self, status: int = 503, count: int = 1) -> JSONDict:
        """Answer the next ``count`` pushes with HTTP ``status``."""
        return self._control("POST", "province/refuse", {"status": status, "count": count})

    def items(self) -> JSONDict:
        """Every item received: its versions, pubStatus and the media fetched."""
        return self._control("GET", "province/items")["items"]


class ProvinceFakeServer(FakeServer, ProvinceControls):
    """A running fake province platform."""

    engine: ProvinceFake


class RemoteProvinceFake(RemoteFake, ProvinceControls):
    """A fake province platform in another process (``--serve province:PORT``)."""


def connect(url: str) -> RemoteProvinceFake:
    return RemoteProvinceFake(url)


def start(host: str = "127.0.0.1", port: int = 0, latency: float = 0.0, publish_delay: float = 0.2) -> ProvinceFakeServer:
    """Start the fake in a background thread (``publish_delay`` is unused)."""
    return ProvinceFakeServer(ProvinceFake(latency=latency), host, port).start()


__all__ = ["ProvinceControls", "ProvinceFake", "ProvinceFakeServer", "RemoteProvinceFake", "connect", "start"]
