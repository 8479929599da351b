"""Outbound HTTP for messaging, under the platform's outbound rule.

Every address a message goes to was typed by someone (a robot's webhook, a channel's
intranet gateway), so the rule the link check follows applies here too: the host is
resolved once, loopback and private addresses are refused unless RONGMEI_LINKCHECK_ALLOW
names them (a center's intranet relay, the test fakes), the connection goes to the checked
address (no second lookup, so no DNS rebinding), redirects are never followed, every call
has a timeout and the answer is capped. The rule itself is rongmei.core.netguard, shared with review's
link check, webhooks and 舆情 fetching; here only the setting is read and, in the demo, the
sandbox fakes are let through.
"""

from __future__ import annotations

import http.client
import json
from dataclasses import dataclass

from django.conf import settings

from rongmei.core import netguard
from rongmei.core.netguard import Policy, Refused, Target, is_public, pinned_connection  # noqa: F401 - the messaging API

MAX_ANSWER = 64 << 10
USER_AGENT = "Rongmei-Notify/1"


def policy() -> Policy:
    return Policy.parse(getattr(settings, "RONGMEI_LINKCHECK_ALLOW", []) or [])


# The messaging fakes of the demo sandbox (wecom, dingtalk, feishu, sms: offsets 6–9 from
# the sandbox's first port, as rongmei.distribution.fakes.server lays them out).
SANDBOX_OFFSETS = (6, 7, 8, 9)


def _sandbox(host: str, port: int) -> bool:
    """With RONGMEI_SANDBOX on, the local fakes `rongmei serve` starts are reachable (only
    those ports on loopback): the demo's channels point there."""
    if not getattr(settings, "RONGMEI_SANDBOX", False) or host not in ("127.0.0.1", "localhost"):
        return False
    first = getattr(getattr(settings, "CONFIG", None), "sandbox_port", None)
    return first is not None and port in {first + offset for offset in SANDBOX_OFFSETS}


def resolve(url: str, rules: Policy | None = None) -> Target:
    """netguard.resolve under the center's setting, the demo's sandbox fakes allowed."""
    return netguard.resolve(url, rules or policy(), also_allow=_sandbox)


@dataclass
class Answer:
    status: int
    text: str

    def json(self):
        try:
            return json.loads(self.text or "null")
        except ValueError:
            return None


class Unreachable(Exception):
    """No answer: a timeout, a refused or reset connection (worth retrying)."""


def request(method: str, url: str, *, body: dict | None = None, timeout: float = 8.0) -> Answer:
    """One HTTP call with a JSON body (or none); Refused for a disallowed address,
    Unreachable when no answer came. Redirects are answers, not followed."""
    target = resolve(url)
    data = None if body is None else json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    headers = {"User-Agent": USER_AGENT, "Accept": "application/json"}
    if data is not None:
        headers["Content-Type"] = "application/json; charset=utf-8"
    conn = pinned_connection(target, timeout)
    try:
        conn.request(method, target.path, body=data, headers=headers)
        response = conn.getresponse()
        return Answer(response.status, response.read(MAX_ANSWER).decode("utf-8", "replace"))
    except TimeoutError as exc:
        raise Unreachable(f"在 {timeout:g} 秒内没有应答") from exc
    except (http.client.HTTPException, OSError, ValueError) as exc:
        raise Unreachable(f"连接失败（{exc.__class__.__name__}）") from exc
    finally:
        conn.close()
