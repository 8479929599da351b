"""The client's address (core.clientip): forwarding headers count only from trusted proxies,
and every consumer (audit log, axes, rate limits, read beacons) asks the same function."""

import pytest
from django.core.cache import caches
from django.test import Client, RequestFactory

from rongmei.core import clientip
from rongmei.core.models import AuditEvent
from rongmei.core.ratelimitcache import RateLimitCache

factory = RequestFactory()


def ip(remote, **headers):
    return clientip.client_ip(factory.get("/", REMOTE_ADDR=remote, **headers))


def test_an_untrusted_peer_cannot_name_another_address(settings):
    settings.RONGMEI_TRUSTED_PROXIES = ["127.0.0.1"]
    assert ip("203.0.113.9", HTTP_X_REAL_IP="1.2.3.4") == "203.0.113.9"
    assert ip("203.0.113.9", HTTP_X_FORWARDED_FOR="1.2.3.4") == "203.0.113.9"


def test_behind_a_trusted_proxy_the_last_untrusted_hop_is_the_client(settings):
    settings.RONGMEI_TRUSTED_PROXIES = ["127.0.0.1", "10.0.0.0/8"]
    # the client wrote "6.6.6.6" itself; nginx appended the peer it saw (198.51.100.7)
    assert ip("127.0.0.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 198.51.100.7, 10.0.0.3") == "198.51.100.7"
    assert ip("127.0.0.1", HTTP_X_REAL_IP="198.51.100.7") == "198.51.100.7"
    assert ip("127.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.7:5123") == "198.51.100.7"
    assert ip("127.0.0.1", HTTP_X_FORWARDED_FOR="[2001:db8::1]:443") == "2001:db8::1"
    assert ip("127.0.0.1", HTTP_X_FORWARDED_FOR="1.2.3.4, garbage") == "127.0.0.1"  # stop at the proxy
    assert ip("127.0.0.1", HTTP_X_FORWARDED_FOR="10.1.1.1") == "127.0.0.1"
    assert ip("127.0.0.1") == "127.0.0.1"


def test_no_trusted_proxies_means_no_header_is_believed(settings):
    settings.RONGMEI_TRUSTED_PROXIES = []
    assert ip("127.0.0.1", HTTP_X_REAL_IP="1.2.3.4", HTTP_X_FORWARDED_FOR="1.2.3.4") == "127.0.0.1"


def test_the_default_trusts_loopback_only():
    from rongmei import config

    assert config.load({"RONGMEI_VAR_DIR": "/tmp/rongmei-config-test"}).trusted_proxies == ["127.0.0.0/8", "::1"]


def test_axes_and_ratelimit_use_the_same_address(settings):
    from axes.helpers import get_client_ip_address
    from django_ratelimit.core import _get_ip

    settings.RONGMEI_TRUSTED_PROXIES = ["127.0.0.1"]
    spoofed = factory.get("/", REMOTE_ADDR="203.0.113.9", HTTP_X_REAL_IP="1.2.3.4", HTTP_X_FORWARDED_FOR="1.2.3.4")
    proxied = factory.get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.7")
    assert get_client_ip_address(spoofed) == _get_ip(spoofed) == "203.0.113.9"
    assert get_client_ip_address(proxied) == _get_ip(proxied) == "198.51.100.7"


def test_the_audit_log_keeps_the_peer_not_a_spoofed_header(demo, settings):
    settings.RONGMEI_DEMO = True
    settings.RONGMEI_TRUSTED_PROXIES = ["127.0.0.1"]
    client = Client(REMOTE_ADDR="10.1.2.3", HTTP_X_REAL_IP="8.8.8.8", HTTP_X_FORWARDED_FOR="8.8.8.8")
    client.post("/login/", {"username": "editor", "password": "wrong"})
    assert AuditEvent.objects.filter(action="auth.login_failed").latest("id").ip == "10.1.2.3"
    proxied = Client(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.7")
    proxied.post("/login/", {"username": "editor", "password": "wrong"})
    assert AuditEvent.objects.filter(action="auth.login_failed").latest("id").ip == "198.51.100.7"


def test_a_tls_marker_from_an_untrusted_peer_is_dropped(settings):
    settings.RONGMEI_TRUSTED_PROXIES = ["127.0.0.1"]
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    spoofed = factory.get("/", REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_PROTO="https")
    clientip.drop_untrusted_proxy_headers(spoofed)
    assert not spoofed.is_secure()
    proxied = factory.get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_PROTO="https")
    clientip.drop_untrusted_proxy_headers(proxied)
    assert proxied.is_secure()


# --- the shared counter table ---------------------------------------------------------------

def test_rate_limits_are_counted_in_the_database(db, settings):
    cache = caches[settings.RATELIMIT_USE_CACHE]
    if not isinstance(cache, RateLimitCache):
        pytest.skip("REDIS_URL is set: Redis holds the counters")
    assert cache.add("rl-test", 0, 600)
    assert [cache.incr("rl-test") for _ in range(3)] == [1, 2, 3]
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM rongmei_ratelimit")
        assert cursor.fetchone()[0] >= 1
    with pytest.raises(ValueError):
        cache.incr("rl-missing")


def test_incr_keeps_the_window_it_was_added_with(db, settings):
    """Django's own incr() re-set the key with the default timeout (300 s): a 10-minute
    window would forget its count after five quiet minutes."""
    import datetime as dt

    from django.utils import timezone

    cache = caches[settings.RATELIMIT_USE_CACHE]
    if not isinstance(cache, RateLimitCache):
        pytest.skip("REDIS_URL is set: Redis holds the counters")
    cache.add("rl-window", 0, 3600)
    cache.incr("rl-window")
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT expires FROM rongmei_ratelimit WHERE cache_key = %s", [cache.make_key("rl-window")])
        expires = cursor.fetchone()[0]
    if isinstance(expires, str):
        expires = dt.datetime.fromisoformat(expires)
    if timezone.is_naive(expires):
        expires = timezone.make_aware(expires, dt.timezone.utc)
    assert expires > timezone.now() + dt.timedelta(minutes=50)
