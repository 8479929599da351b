"""One rule for every address a person types in: http(s) only (or a path on this site where
the field allows it), however a javascript:/data: address is disguised."""

import pytest
from django.core.exceptions import ValidationError
from django.template import Context, Template

from rongmei.core.validators import is_safe_url, validate_public_url

HOSTILE = [
    "javascript:alert(1)", "JaVaScRiPt:alert(1)", " javascript:alert(1)", "\tjavascript:alert(1)",
    "java\tscript:alert(1)", "java\nscript:alert(1)", "\x01javascript:alert(1)", "\u200bjavascript:alert(1)",
    "javascript&#58;alert(1)", "java&#x09;script:alert(1)", "data:text/html,<script>alert(1)</script>",
    "vbscript:msgbox(1)", "file:///etc/passwd", "//evil.example/x", "/\\evil.example/x", "\\\\evil.example",
    "http:evil.example", "https:/evil.example", "http://", "https:// evil.example", "http://a.example/\"onmouseover=x",
    "mailto:a@b.example", "ftp://a.example/x", "x", "www.example.cn", "https://a.example/ ",
]
GOOD = ["http://a.example", "https://www.shili.gov.cn/live/1.m3u8?x=1#t", "HTTPS://A.EXAMPLE/", "http://127.0.0.1:8901/x",
        "https://user@intranet:8443/p", "http://[::1]:80/", "https://例子.中国/路径"]


@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_addresses_are_refused_with_a_chinese_message(value):
    assert not is_safe_url(value) and not is_safe_url(value, allow_relative=True)
    with pytest.raises(ValidationError) as err:
        validate_public_url(value)
    assert "链接只能以 http:// 或 https:// 开头" in str(err.value)


@pytest.mark.parametrize("value", GOOD)
def test_http_and_https_addresses_pass(value):
    validate_public_url(value)
    assert is_safe_url(value)


def test_relative_paths_only_where_allowed():
    assert is_safe_url("/site/demo/news/1/", allow_relative=True)
    assert not is_safe_url("/site/demo/news/1/")
    with pytest.raises(ValidationError):
        validate_public_url("/site/demo/", allow_relative=False)
    validate_public_url("/site/demo/", allow_relative=True)
    validate_public_url("")


def test_the_template_filter_drops_unsafe_values_stored_before_the_rule():
    template = Template('<a href="{{ u|safe_href }}">x</a>')
    assert template.render(Context({"u": "javascript:alert(1)"})) == '<a href="">x</a>'
    assert template.render(Context({"u": " JAVA\tSCRIPT:alert(1)"})) == '<a href="">x</a>'
    assert template.render(Context({"u": "https://a.example/?a=1&b=2"})) == '<a href="https://a.example/?a=1&amp;b=2">x</a>'
    assert template.render(Context({"u": "/site/demo/"})) == '<a href="/site/demo/">x</a>'
    assert template.render(Context({"u": None})) == '<a href="">x</a>'


@pytest.mark.parametrize("bad", ["/\\evil.example/", "//evil.example/", "javascript:alert(1)", "https://evil.example/"])
def test_a_notification_never_leads_off_the_site(demo, login, bad):
    from rongmei.core.models import Notification, User

    user = User.objects.get(username="editor")
    note = Notification.objects.create(center=demo["demo"], recipient=user, title="x", url=bad)
    assert login("editor").get(f"/notifications/{note.pk}/")["Location"] == "/"
