"""The outbound rule is one piece (rongmei.core.netguard) for every room that calls out:
review's link check, webhooks, 舆情 fetching and messaging all use it, so an address refused
in one place is refused everywhere (IPv6 site-local addresses once slipped through a copy)."""

import ipaddress

import pytest

from rongmei.core import netguard
from rongmei.core.messaging import net
from rongmei.review.checks import links

NOT_PUBLIC = ["127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254", "100.64.0.1", "0.0.0.0",
              "224.0.0.1", "::1", "fe80::1", "fec0::1", "fc00::1", "::ffff:127.0.0.1", "2002:7f00:1::", "64:ff9b::a00:1"]
PUBLIC = ["8.8.8.8", "1.1.1.1", "2001:4860:4860::8888"]


@pytest.mark.parametrize("text", NOT_PUBLIC)
def test_private_loopback_and_embedded_addresses_are_not_public(text):
    assert not netguard.is_public(ipaddress.ip_address(text))


@pytest.mark.parametrize("text", PUBLIC)
def test_public_addresses_are_public(text):
    assert netguard.is_public(ipaddress.ip_address(text))


def test_every_caller_uses_the_one_rule():
    assert links.resolve is netguard.resolve and links.pinned_connection is netguard.pinned_connection
    assert net.is_public is netguard.is_public and net.Refused is netguard.Refused is links.Refused


def test_messaging_refuses_loopback_unless_the_sandbox_allows_it(settings):
    settings.RONGMEI_LINKCHECK_ALLOW = []
    settings.RONGMEI_SANDBOX = False
    with pytest.raises(net.Refused):
        net.resolve(f"http://127.0.0.1:{settings.CONFIG.sandbox_port + 6}/cgi-bin/gettoken")
    settings.RONGMEI_SANDBOX = True
    assert net.resolve(f"http://127.0.0.1:{settings.CONFIG.sandbox_port + 6}/x").address == "127.0.0.1"
    with pytest.raises(net.Refused):  # only the sandbox's own ports
        net.resolve("http://127.0.0.1:5432/")
