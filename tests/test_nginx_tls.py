"""Our nginx sample as deployed with TLS: real nginx, a self-signed certificate made here,
https answered, http redirected, HSTS once, and the app told the request came over https
(X-Forwarded-Proto). The "app" is a tiny server that echoes the forwarding headers it got.
No Django."""

from __future__ import annotations

import datetime as dt
import http.client
import ipaddress
import json
import socket
import ssl
from http.server import BaseHTTPRequestHandler

import pytest

from rongmei.testing.live import free_port
from rongmei.testing.nginx import nginx_binary, sample_in_front_of

pytestmark = pytest.mark.slow

OWN_DOMAIN = "www.example.gov.cn"
HOME = "<!doctype html><title>示例县融媒体中心</title><p>首页</p>\n"


class EchoApp(BaseHTTPRequestHandler):
    def do_GET(self):
        seen = {name: self.headers.get(name) for name in ("Host", "X-Forwarded-Proto", "X-Forwarded-For", "X-Real-IP")}
        body = json.dumps({"path": self.path, **seen}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        if "hsts=app" in self.path:  # as Django does with HSTS_SECONDS: nginx must not add a second
            self.send_header("Strict-Transport-Security", "max-age=600")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def self_signed(folder):
    """A certificate for the sample's hosts and 127.0.0.1, and its key."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, OWN_DOMAIN)])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(OWN_DOMAIN), x509.DNSName("localhost"),
                                                    x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "site.crt", folder / "site.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


@pytest.fixture(scope="module")
def tls_site(tmp_path_factory):
    if nginx_binary() is None:
        pytest.skip("nginx is not installed (Debian package `nginx`; `make test` installs it)")
    var_dir = tmp_path_factory.mktemp("var")
    (var_dir / "sites" / "demo").mkdir(parents=True)
    (var_dir / "sites" / "demo" / "index.html").write_text(HOME)
    cert, key = self_signed(tmp_path_factory.mktemp("tls"))
    context = ssl.create_default_context(cafile=str(cert))
    with sample_in_front_of(EchoApp, var_dir, tmp_path_factory.mktemp("nginx"), tls_port=free_port(),
                            certificate=(cert, key)) as nginx:
        yield {"http": nginx.plain_port, "https": nginx.port, "context": context}


def fetch(site, path, *, host="127.0.0.1", tls=True):
    """GET over loopback with `host` as Host and, over TLS, as the name the certificate must
    match (SNI), as a browser asking for that host would."""
    conn = http.client.HTTPConnection("127.0.0.1", site["https" if tls else "http"], timeout=10)
    if tls:
        raw = socket.create_connection(("127.0.0.1", site["https"]), timeout=10)
        conn.sock = site["context"].wrap_socket(raw, server_hostname=host)
    try:
        conn.request("GET", path, headers={"Host": host})
        response = conn.getresponse()
        return response.status, response.msg, response.read().decode()
    finally:
        conn.close()


def test_the_platform_is_served_over_https(tls_site):
    status, headers, body = fetch(tls_site, "/site/demo/")
    assert status == 200 and body == HOME
    assert headers.get_all("Strict-Transport-Security") == ["max-age=31536000"]


def test_a_centers_own_domain_is_served_over_https_with_its_certificate(tls_site):
    status, headers, body = fetch(tls_site, "/", host=OWN_DOMAIN)
    assert status == 200 and body == HOME
    assert headers.get_all("Strict-Transport-Security") == ["max-age=31536000"]


def test_plain_http_is_redirected_to_https(tls_site):
    port = tls_site["https"]
    status, headers, _ = fetch(tls_site, "/site/demo/news/12/?a=1", tls=False)
    assert status == 301 and headers["Location"] == f"https://127.0.0.1:{port}/site/demo/news/12/?a=1"
    status, headers, _ = fetch(tls_site, "/wenzheng/", host=OWN_DOMAIN, tls=False)
    assert status == 301 and headers["Location"] == f"https://{OWN_DOMAIN}:{port}/wenzheng/"
    assert "Strict-Transport-Security" not in headers  # meaningless over http


def test_the_app_is_told_the_request_came_over_https(tls_site):
    status, headers, body = fetch(tls_site, "/login/")
    seen = json.loads(body)
    assert status == 200 and seen["path"] == "/login/"
    assert seen["X-Forwarded-Proto"] == "https" and seen["X-Real-IP"] == "127.0.0.1"
    seen = json.loads(fetch(tls_site, "/wenzheng/", host=OWN_DOMAIN)[2])
    assert seen["path"] == "/site/demo/wenzheng/" and seen["X-Forwarded-Proto"] == "https"


def test_hsts_from_the_app_is_not_doubled(tls_site):
    _, headers, _ = fetch(tls_site, "/login/?hsts=app")
    assert headers.get_all("Strict-Transport-Security") == ["max-age=600"]
