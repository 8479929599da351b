"""Who is asking: the one place that reads a client's network address.

Rate limits (inquiry, Open311, read beacons), axes' login lockout, the audit log and the
request log all key on the address this module gives. Forwarding headers (X-Forwarded-For,
X-Real-IP, X-Forwarded-Proto) are anyone's to write, so they are believed only when the
peer that connected to us (REMOTE_ADDR) is one of `settings.RONGMEI_TRUSTED_PROXIES`
(environment TRUSTED_PROXIES; unset = loopback, where the nginx sample connects from).
Reached directly, gunicorn sees the real peer and every header is ignored.
"""

from __future__ import annotations

import functools
import ipaddress
import logging

from django.conf import settings

log = logging.getLogger(__name__)


@functools.lru_cache(maxsize=16)
def _networks(entries: tuple[str, ...]) -> tuple:
    networks = []
    for entry in entries:
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError:  # rongmei.config refuses these at start-up; tests may set anything
            log.warning("RONGMEI_TRUSTED_PROXIES: ignoring %r", entry)
    return tuple(networks)


def _address(text: str):
    """An IP address from a header hop ("1.2.3.4", "1.2.3.4:5678", "[::1]:80"), or None."""
    text = text.strip()
    if text.startswith("[") and "]" in text:
        text = text[1:text.index("]")]
    elif text.count(":") == 1:
        text = text.split(":", 1)[0]
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def trusted_proxies() -> tuple:
    return _networks(tuple(getattr(settings, "RONGMEI_TRUSTED_PROXIES", ()) or ()))


def is_trusted_proxy(address: str | None) -> bool:
    ip = _address(address or "")
    return ip is not None and any(ip in net for net in trusted_proxies())


def client_ip(request) -> str | None:
    """REMOTE_ADDR, unless that is a trusted proxy: then the last X-Forwarded-For hop that
    is not a trusted proxy (hops to its left were written by the client and are not
    believed), or X-Real-IP when there is no X-Forwarded-For. A hop that is not an
    address stops the walk at the proxy that wrote it."""
    meta = request.META
    remote = (meta.get("REMOTE_ADDR") or "").strip()
    if not is_trusted_proxy(remote):
        return remote or None
    networks = trusted_proxies()
    hops = [h for h in (meta.get("HTTP_X_FORWARDED_FOR") or "").split(",") if h.strip()]
    if hops:
        for hop in reversed(hops):
            ip = _address(hop)
            if ip is None:
                break
            if not any(ip in net for net in networks):
                return str(ip)
        return remote
    real = _address(meta.get("HTTP_X_REAL_IP") or "")
    return str(real) if real is not None else remote


def drop_untrusted_proxy_headers(request) -> None:
    """Forget the proxy's TLS marker (settings.SECURE_PROXY_SSL_HEADER) when it did not come
    from a trusted proxy, so a client reaching gunicorn directly cannot claim https."""
    header = getattr(settings, "SECURE_PROXY_SSL_HEADER", None)
    if header and header[0] in request.META and not is_trusted_proxy(request.META.get("REMOTE_ADDR")):
        del request.META[header[0]]
