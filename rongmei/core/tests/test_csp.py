"""Content-Security-Policy without inline script (issue 11): every answer, staff and public,
pre-rendered or dynamic, carries the policy; no template needs 'unsafe-inline' or
'unsafe-eval' for script; nginx repeats the same policy for the files it serves."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from csp.utils import build_policy

from rongmei.portal import publishing

ROOT = Path(__file__).resolve().parents[3]
TEMPLATES = sorted((ROOT / "rongmei").glob("**/templates/**/*.html"))
NGINX_SAMPLE = ROOT / "deploy" / "nginx" / "rongmei-site.conf"

REQUIRED = {
    "script-src": {"'self'"},
    "object-src": {"'none'"},
    "base-uri": {"'self'"},
    "form-action": {"'self'"},
    "frame-ancestors": {"'self'"},
}


def directives(policy: str) -> dict[str, set[str]]:
    parsed = {}
    for part in policy.split(";"):
        words = part.split()
        if words:
            parsed[words[0]] = set(words[1:])
    return parsed


def assert_secure(response, *, public: bool = False):
    policy = directives(response["Content-Security-Policy"])
    for name, sources in REQUIRED.items():
        assert policy.get(name) == sources, (name, policy.get(name))
    for name in ("script-src", "default-src"):
        assert not policy.get(name, set()) & {"'unsafe-inline'", "'unsafe-eval'", "data:", "*"}, name
    assert policy["img-src"] <= {"'self'", "data:", "blob:"}
    assert "'self'" in policy["media-src"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"]
    if public:
        assert response["X-Frame-Options"] == "SAMEORIGIN"


# --- templates: no inline script anywhere ---------------------------------------------------

# An Alpine attribute may only name a property or method of a registered component, maybe
# negated, maybe called with literal or magic arguments: richText('id_body'), remove('3', $el).
_ARG = r"""(?:'[^'=;]*'|"[^"=;]*"|\$?[A-Za-z_][\w$]*|\d+)"""
SIMPLE_ALPINE = re.compile(rf"^!?[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*(?:\((?:{_ARG}(?:,\s*{_ARG})*)?\))?$")
ALPINE_ATTR = re.compile(r"^(x-[a-z]+|@|:)")


class _Scanner(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []

    def handle_starttag(self, tag, attrs):
        names = dict(attrs)
        line = self.getpos()[0]
        if tag == "script" and not names.get("src") and names.get("type") != "application/json":
            self.problems.append(f"{line}: inline <script>")
        for name, value in attrs:
            if re.fullmatch(r"on[a-z]+", name):
                self.problems.append(f"{line}: {name}= handler")
            if name.startswith("hx-on"):
                self.problems.append(f"{line}: {name} needs eval")
            if ALPINE_ATTR.match(name) and name not in ("x-cloak", "x-ref", "x-ignore") and value is not None:
                if not SIMPLE_ALPINE.match(value.strip()):
                    self.problems.append(f"{line}: {name}={value!r} is not a plain reference")
            if value and value.strip().lower().startswith("javascript:"):
                self.problems.append(f"{line}: javascript: URL in {name}")


def scan(html: str) -> list[str]:
    # Template tags and variables are not HTML: blank them out, keeping the line numbers.
    text = re.sub(r"\{[%{#].*?[%}#]\}", lambda m: re.sub(r"[^\n]", " ", m.group()), html, flags=re.S)
    scanner = _Scanner()
    scanner.feed(text)
    scanner.close()
    return scanner.problems


def test_the_scanner_sees_each_kind_of_inline_script():
    bad = """<script>alert(1)</script><button onclick="x()">a</button><form hx-on::after-request="this.reset()">
    <div x-data="{ open: false }"><button @click="open = !open"></button><span x-text="[...a].length"></span>
    <a href="javascript:void(0)">x</a>"""
    assert len(scan(bad)) == 7
    good = """<script src="/static/a.js" defer></script><script type="application/json" id="c">{"a": 1}</script>
    <div x-data="richText('{{ form.body.id_for_label }}')" @click.outside="close"><button @click="remove('3', $el)"
    :aria-expanded="open" x-show="!hidden" x-cloak x-ref="area"></button></div>"""
    assert scan(good) == []


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: str(p.relative_to(ROOT / "rongmei")))
def test_templates_have_no_inline_script(template):
    assert scan(template.read_text(encoding="utf-8")) == []


# --- the header on every kind of answer -----------------------------------------------------


def test_staff_pages_login_404_api_and_admin(login, client):
    editor = login("editor")
    assert_secure(editor.get("/"))
    assert_secure(client.get("/login/"))
    missing = editor.get("/no-such-page/")
    assert missing.status_code == 404
    assert_secure(missing)
    assert_secure(editor.get("/api/docs"))
    assert_secure(client.get("/api/public/v1/docs"))
    assert_secure(client.get("/djadmin/login/"))
    api = client.get("/api/public/v1/demo/columns")
    assert api.status_code == 200 and api["Content-Type"].startswith("application/json")
    assert_secure(api)
    assert_secure(client.get("/open311/v2/services.xml"), public=True)
    assert_secure(client.get("/open311/v2/services.json"), public=True)


def test_public_pages_from_the_file_and_from_the_view(demo, client, settings):
    written = publishing.build_site(demo["demo"])
    assert "index.html" in written
    from_file = client.get("/site/demo/")
    assert from_file.status_code == 200 and from_file.streaming  # WhiteNoise answered from the file
    assert_secure(from_file, public=True)

    settings.RONGMEI_PORTAL_STATIC = False
    from_view = client.get("/site/demo/")
    assert from_view.status_code == 200 and not from_view.streaming
    assert_secure(from_view, public=True)
    assert_secure(client.get("/site/demo/no-such-page/"), public=True)


def test_wenzheng_pages(demo, client):
    for url in ("/site/demo/wenzheng/", "/site/demo/wenzheng/ask/", "/site/demo/wenzheng/track/"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert_secure(response, public=True)


def test_nginx_sample_sends_the_same_policy():
    """nginx serves the pre-rendered pages itself in production: it must say what Django says."""
    conf = NGINX_SAMPLE.read_text()
    policy = re.search(r'map \$upstream_http_content_security_policy \$rongmei_csp \{\s*"" "([^"]+)";', conf)
    assert policy, "no Content-Security-Policy in the nginx sample"
    assert directives(policy.group(1)) == directives(build_policy())
    # the platform's server and the shared snippet of a center's own domain
    # (tests/test_nginx_site.py checks what a real nginx then answers)
    for header in ("Content-Security-Policy", "X-Frame-Options", "X-Content-Type-Options", "Referrer-Policy"):
        assert len(re.findall(rf"add_header {header} \$rongmei_\w+ always;", conf)) >= 2, header
