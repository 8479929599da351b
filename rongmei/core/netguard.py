"""The outbound rule: which places the platform may connect to when a user chose the address
(review's link check, webhooks, 舆情 fetching, notification channels), and connections pinned to
the address that was checked.

A target's host is resolved once; every address must be public (no loopback, private,
link-local, multicast, reserved, site-local, or such an address carried inside IPv6) and the
port one of the usual web ports, unless the center's policy (RONGMEI_LINKCHECK_ALLOW: hosts,
".domain" suffixes, networks) allows it. The connection then dials exactly that address (no
second lookup, so no DNS rebinding), keeping the name for Host and SNI.
"""

from __future__ import annotations

import http.client
import ipaddress
import re
import socket
import ssl
import urllib.parse
from collections.abc import Callable, Iterable
from dataclasses import dataclass

PUBLIC_PORTS = frozenset({80, 443, 8080, 8443})
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_LABEL = re.compile(r"^[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?$")

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(frozen=True)
class Policy:
    """Which otherwise refused targets the link check may ask: intranet sites a center
    links to. Hosts match exactly or, written as ".example.gov.cn", with subdomains;
    networks (CIDR or single addresses) match the resolved address. An allowed target may
    use any port. The default policy allows nothing but public addresses."""

    hosts: frozenset[str] = frozenset()
    networks: tuple[IPNetwork, ...] = ()

    @classmethod
    def parse(cls, entries: Iterable[str]) -> Policy:
        """From "intranet.example.cn, .gov.local, 10.8.0.0/16, 192.168.1.20"; ValueError names a bad entry."""
        hosts, networks = set(), []
        for raw in entries:
            entry = raw.strip().lower()
            if not entry:
                continue
            try:
                networks.append(ipaddress.ip_network(entry.strip("[]"), strict=False))
                continue
            except ValueError:
                pass
            name = _idna(entry.lstrip(".").rstrip("."))
            if not all(_LABEL.match(part) for part in name.split(".")):
                raise ValueError(f"“{raw}”既不是主机名，也不是 IP 地址或网段（如 10.8.0.0/16）")
            hosts.add("." + name if entry.startswith(".") else name)
        return cls(frozenset(hosts), tuple(networks))

    def allows_host(self, host: str) -> bool:
        host = host.lower().rstrip(".")
        return host in self.hosts or any(h.startswith(".") and (host.endswith(h) or host == h[1:])
                                         for h in self.hosts)

    def allows_address(self, address: IPAddress) -> bool:
        candidates = [address, *filter(None, [_embedded_ipv4(address)])]
        return any(a.version == n.version and a in n for a in candidates for n in self.networks)


class Refused(Exception):
    """A target the link check will not connect to (the reason stays in logs)."""


@dataclass(frozen=True)
class Target:
    """A checked place to connect to: the name for Host/SNI and the address to dial."""

    scheme: str
    host: str
    port: int
    address: str
    path: str


def is_public(address: IPAddress) -> bool:
    """Whether an address is on the public internet (not the server's own networks)."""
    embedded = _embedded_ipv4(address)
    if embedded is not None and not is_public(embedded):
        return False
    return not (address.is_loopback or address.is_private or address.is_link_local or address.is_multicast
                or address.is_reserved or address.is_unspecified
                or (address.version == 6 and address.is_site_local)) and address.is_global


def _embedded_ipv4(address: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one carries (::ffff:a.b.c.d, 6to4, Teredo, NAT64)."""
    if address.version != 6:
        return None
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]
    if address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def resolve(url: str, policy: Policy | None = None, *, also_allow: Callable[[str, int], bool] | None = None) -> Target:
    """Resolve the URL's host once and check scheme, port and every address; Refused if any
    fails. `also_allow(host, port)` may let a place through besides the policy (the demo's
    sandbox fakes, for messaging)."""
    policy = policy or Policy()
    try:
        parts = urllib.parse.urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise Refused(f"invalid URL: {exc}") from None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.hostname:
        raise Refused(f"scheme {scheme!r} or missing host")
    host = _idna(parts.hostname.rstrip("."))
    port = port or (443 if scheme == "https" else 80)
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise Refused(f"cannot resolve {host}: {exc}") from None
    addresses = list(dict.fromkeys(ipaddress.ip_address(info[4][0].split("%")[0]) for info in infos))
    if not addresses:
        raise Refused(f"{host} has no address")
    if not policy.allows_host(host) and not (also_allow and also_allow(host, port)):
        for address in addresses:
            if not is_public(address) and not policy.allows_address(address):
                raise Refused(f"{host} resolves to non-public {address}")
        if port not in PUBLIC_PORTS and not all(policy.allows_address(a) for a in addresses):
            raise Refused(f"port {port} not allowed for public hosts")
    return Target(scheme, host, port, str(addresses[0]), _ascii_path(parts))


def pinned_connection(target: Target, timeout: float) -> http.client.HTTPConnection:
    """An HTTP(S) connection to the address that was checked (`resolve`), not to whatever the
    name resolves to a moment later: no second lookup, so no DNS rebinding. The host name stays
    for the Host header and SNI. Webhook deliveries use it too."""
    if target.scheme == "https":
        conn: http.client.HTTPConnection = http.client.HTTPSConnection(
            target.host, target.port, timeout=timeout, context=ssl.create_default_context())
    else:
        conn = http.client.HTTPConnection(target.host, target.port, timeout=timeout)

    def dial(address: tuple[str, int], timeout: float | None = None, source: object = None) -> socket.socket:
        sock = socket.socket(socket.AF_INET6 if ":" in target.address else socket.AF_INET, socket.SOCK_STREAM)
        try:
            sock.settimeout(timeout)
            sock.connect((target.address, target.port))
        except BaseException:
            sock.close()
            raise
        return sock

    conn._create_connection = dial  # type: ignore[attr-defined]
    return conn


def _idna(host: str) -> str:
    """中文 domains in IDNA (left as is when they cannot be encoded: resolving then fails)."""
    try:
        return host.encode("idna").decode("ascii")
    except UnicodeError:
        return host


def _ascii_path(parts: urllib.parse.SplitResult) -> str:
    """Path and query as HTTP can carry them: 中文 percent-encoded; the fragment is never sent."""
    safe = "/%:@!$&'()*+,;=-._~"
    path = urllib.parse.quote(parts.path or "/", safe=safe)
    return f"{path}?{urllib.parse.quote(parts.query, safe=safe + '?')}" if parts.query else path
