"""HTTPS settings from the environment (rongmei.config): refused when malformed, with the
variable named in Chinese; warned about by `rongmei check` when incomplete."""

import os
import subprocess
import sys

from rongmei import config

VAR = {"RONGMEI_VAR_DIR": "/tmp/rongmei-config-test"}


def chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def test_bad_https_values_are_named():
    cfg = config.load({**VAR, "RONGMEI_HTTPS": "maybe", "HSTS_SECONDS": "a year", "HSTS_INCLUDE_SUBDOMAINS": "sure",
                       "SECURE_PROXY_SSL_HEADER": "X Forwarded Proto", "TRUSTED_PROXIES": "127.0.0.1,nginx.local"})
    assert {p.setting for p in cfg.problems} == {"RONGMEI_HTTPS", "HSTS_SECONDS", "HSTS_INCLUDE_SUBDOMAINS",
                                                  "SECURE_PROXY_SSL_HEADER", "TRUSTED_PROXIES"}
    assert all(chinese(p.message) for p in cfg.problems)
    assert any("nginx.local" in p.message for p in cfg.problems)
    assert config.load({**VAR, "HSTS_SECONDS": "-5"}).problems[0].setting == "HSTS_SECONDS"
    assert config.load({**VAR, "HSTS_SECONDS": "999999999"}).problems[0].setting == "HSTS_SECONDS"


def test_preload_needs_a_year_and_subdomains():
    cfg = config.load({**VAR, "RONGMEI_HTTPS": "1", "HSTS_SECONDS": "3600", "HSTS_PRELOAD": "1"})
    assert [p.setting for p in cfg.problems] == ["HSTS_PRELOAD"] and chinese(cfg.problems[0].message)
    good = config.load({**VAR, "RONGMEI_HTTPS": "1", "HSTS_SECONDS": "31536000", "HSTS_PRELOAD": "1",
                        "HSTS_INCLUDE_SUBDOMAINS": "1"})
    assert good.problems == [] and good.hsts_preload and good.hsts_include_subdomains


def test_https_turns_on_the_proxy_header_and_hsts_only_with_https():
    off = config.load({**VAR, "HSTS_SECONDS": "3600"})
    assert off.problems == [] and not off.https and off.hsts_seconds == 0 and off.secure_proxy_ssl_header is None
    on = config.load({**VAR, "RONGMEI_HTTPS": "1", "HSTS_SECONDS": "3600"})
    assert on.https and on.hsts_seconds == 3600
    assert on.secure_proxy_ssl_header == ("HTTP_X_FORWARDED_PROTO", "https")
    custom = config.load({**VAR, "RONGMEI_HTTPS": "1", "SECURE_PROXY_SSL_HEADER": "X-Scheme:HTTPS"})
    assert custom.secure_proxy_ssl_header == ("HTTP_X_SCHEME", "HTTPS")
    assert config.load({**VAR, "RONGMEI_HTTPS": "1", "SECURE_PROXY_SSL_HEADER": "off"}).secure_proxy_ssl_header is None


def test_warnings_point_at_what_is_missing():
    def warned(env):
        return {w.setting for w in config.warnings(config.load({**VAR, **env}))}

    assert warned({}) == {"RONGMEI_HTTPS"}
    assert warned({"DEBUG": "1"}) == {"RONGMEI_HTTPS", "DEBUG"}
    assert warned({"RONGMEI_HTTPS": "1"}) == {"HSTS_SECONDS"}
    assert warned({"RONGMEI_HTTPS": "1", "HSTS_SECONDS": "31536000", "TRUSTED_PROXIES": ""}) == {"TRUSTED_PROXIES"}
    assert warned({"RONGMEI_HTTPS": "1", "HSTS_SECONDS": "31536000", "SECURE_PROXY_SSL_HEADER": "off"}) == {"SECURE_PROXY_SSL_HEADER"}
    assert warned({"RONGMEI_HTTPS": "1", "HSTS_SECONDS": "31536000"}) == set()


def _check(tmp_path, **env):
    full = {**os.environ, "RONGMEI_VAR_DIR": str(tmp_path), **env}
    full.pop("DATABASE_URL", None)
    return subprocess.run([sys.executable, "-m", "rongmei", "check"], env=full, capture_output=True, text=True,
                          timeout=120)


def test_check_refuses_a_bad_value_and_warns_about_missing_hsts(tmp_path):
    bad = _check(tmp_path, RONGMEI_HTTPS="1", HSTS_SECONDS="forever")
    assert bad.returncode == 1 and "HSTS_SECONDS" in bad.stdout and "不是整数" in bad.stdout
    incomplete = _check(tmp_path, RONGMEI_HTTPS="1", DEBUG="1")
    assert "! HSTS_SECONDS" in incomplete.stdout and "! DEBUG" in incomplete.stdout, incomplete.stdout
