"""The standing XSS suite (issue 11): the payload corpus (rongmei.testing.xss) is put into every
text and URL field through the services and forms, then every staff page (per role) and every
public page that shows those objects is rendered in real Chromium. A hook defined in every
frame records any payload that runs, and any dialog; the test fails on either, and on any
href/src/action that would run script or load a data: document when clicked.

The browser context bypasses the Content-Security-Policy on purpose: this suite tests the
escaping itself, so it must pass with no CSP at all."""

import json
import re
import time
import xml.etree.ElementTree as ET

import pytest

from rongmei.testing.live import http_get
from rongmei.testing.xss import live_markup, unsafe_link
from tests.e2e.conftest import DESKTOP, log_in

pytestmark = pytest.mark.e2e

HOOK = """
(() => {
  const hit = (id) => { try { window.__xssHit(String(id)); } catch (e) {} };
  try { Object.defineProperty(window, '__xss', {value: hit, writable: false, configurable: false}); } catch (e) {}
})();
"""

LINKS = """
() => {
  const out = [];
  for (const el of document.querySelectorAll('[href],[src],[action],[formaction],[data],[xlink\\\\:href]')) {
    for (const name of ['href', 'src', 'action', 'formaction', 'data', 'xlink:href']) {
      if (el.hasAttribute(name)) out.push([el.tagName.toLowerCase(), name, el.getAttribute(name)]);
    }
  }
  return out;
}
"""


class Watch:
    """Every payload execution and dialog, with the page it happened on."""

    def __init__(self):
        self.hits: list[tuple[str, str]] = []
        self.bad_links: list[tuple[str, str, str, str]] = []
        self.not_ok: list[tuple[str, int]] = []
        self.pages = 0

    def self_test(self, page) -> None:
        """The hook works in the page and in frames: markup that runs must be recorded."""
        page.evaluate("""document.body.insertAdjacentHTML('beforeend',
            '<img src=x onerror=__xss(0)><iframe srcdoc="<script>parent.__xss(0)</script>"></iframe>')""")
        page.wait_for_timeout(300)
        caught = [hit for hit in self.hits if hit[1] == "payload 0"]
        assert len(caught) >= 2, f"the XSS hook did not fire: {self.hits}"
        self.hits = [hit for hit in self.hits if hit[1] != "payload 0"]

    def context(self, browser):
        context = browser.new_context(viewport=DESKTOP, locale="zh-CN", timezone_id="Asia/Shanghai", bypass_csp=True)
        context.set_default_timeout(15000)
        context.expose_binding("__xssHit", lambda source, pid: self.hits.append((source["frame"].url, f"payload {pid}")))
        context.add_init_script(HOOK)
        return context

    def page(self, context):
        page = context.new_page()

        def on_dialog(dialog):
            self.hits.append((page.url, f"{dialog.type}: {dialog.message}"))
            dialog.dismiss()

        page.on("dialog", on_dialog)
        return page

    def visit(self, page, url: str) -> None:
        response = page.goto(url, wait_until="load")
        assert response is not None and response.status < 500, f"{url}: {response and response.status}"
        if response.status != 200:
            self.not_ok.append((url, response.status))
        page.wait_for_timeout(120)  # autofocus, <details ontoggle>, SVG animations, Alpine init
        self.pages += 1
        for tag, name, value in page.evaluate(LINKS):
            if unsafe_link(tag, name, value):
                self.bad_links.append((url, tag, name, value))


@pytest.fixture(scope="module")
def seeded(browser):
    from rongmei.testing.live import Instance

    inst = Instance().prepare(demo=True)
    try:
        started = time.monotonic()
        out = inst.rongmei("shell", "-c", "from rongmei.testing.xss import seed; seed()", timeout=600).stdout
        manifest = json.loads(out.split("XSS-MANIFEST ", 1)[1].splitlines()[0])
        manifest["seconds"] = round(time.monotonic() - started, 1)
        inst.start_web()
        yield inst, manifest
    finally:
        inst.stop()


def test_payloads_are_stored_or_refused_everywhere(seeded):
    _, manifest = seeded
    assert not manifest["errors"], "\n".join(manifest["errors"])
    assert not manifest["accepted_unsafe"], manifest["accepted_unsafe"]
    assert manifest["fields"] >= 60 and manifest["stored"] >= 1000 and manifest["refused"] >= 60, manifest


def test_no_payload_runs_on_any_staff_or_public_page(seeded, browser):
    inst, manifest = seeded
    watch = Watch()
    for role, paths in manifest["pages"].items():
        context = watch.context(browser)
        page = watch.page(context)
        log_in(page, inst.url, role)
        page.wait_for_url(lambda url: "/login/" not in url)
        for path in paths:
            watch.visit(page, f"{inst.url}{path}")
        context.close()
    context = watch.context(browser)
    page = watch.page(context)
    for path in manifest["public"]:
        watch.visit(page, f"{inst.url}{path}")
    watch.self_test(page)
    context.close()
    print(f"\nXSS: {manifest['stored']} payload×field stored, {manifest['refused']} refused, "
          f"{manifest['fields']} fields, {watch.pages} pages rendered "
          f"({ {role: len(paths) for role, paths in manifest['pages'].items()} } + {len(manifest['public'])} public), "
          f"{len(watch.hits)} executions")
    assert not watch.hits, watch.hits
    assert not watch.bad_links, watch.bad_links
    # every page really showed its objects (a 403 or 404 would test nothing); only the
    # taken-down article answers "gone"
    assert all(status == 410 for _, status in watch.not_ok), watch.not_ok
    assert watch.pages >= 100


def test_feeds_and_the_public_api_carry_no_live_markup(seeded):
    inst, manifest = seeded
    for path in manifest["feeds"]:
        status, headers, body = http_get(f"{inst.url}{path}")
        assert status == 200, path
        root = ET.fromstring(body)  # well-formed: nothing broke out of the XML
        for element in root.iter():
            tag = element.tag.rsplit("}", 1)[-1]
            if tag in ("description", "summary", "content", "encoded") and element.text:
                assert not live_markup(element.text), (path, live_markup(element.text), element.text[:300])
    for path in manifest["json"]:
        status, headers, body = http_get(f"{inst.url}{path}")
        assert status == 200 and "json" in headers.get("Content-Type", ""), path
        text = json.dumps(json.loads(body), ensure_ascii=False)
        for match in re.finditer(r'"body_html": "((?:[^"\\]|\\.)*)"', text):
            html = json.loads(f'"{match.group(1)}"')
            assert not live_markup(html), (path, live_markup(html))
