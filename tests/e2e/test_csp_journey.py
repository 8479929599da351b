"""Content-Security-Policy in a real browser (issue 11): every page is sent script-src 'self'
without 'unsafe-inline' or 'unsafe-eval', so each interactive part is used once here (the
phone menu, the user menu, the rich-text toolbar and character counts, uploading, select to
comment, copy buttons' page, the API docs, a public article's read beacon, the 网络问政 form,
Django's admin) while every `securitypolicyviolation` event and every console error about
the policy or Alpine is recorded. None is allowed."""

import re

import pytest

from rongmei.newsroom.tests.conftest import jpeg_with_gps
from tests.e2e.conftest import DESKTOP, PHONE, log_in, shot

pytestmark = pytest.mark.e2e

HEADLINE = "内容安全策略浏览器检查稿"


class Violations:
    """Collects what the browser refused (or Alpine failed to evaluate) on any page of a context."""

    def __init__(self):
        self.found: list[str] = []

    def watch(self, page):
        page.context.expose_function("__rongmeiCspViolation", lambda text: self.found.append(f"{page.url}: {text}"))
        page.context.add_init_script("""document.addEventListener("securitypolicyviolation", (e) => {
            window.__rongmeiCspViolation(`${e.violatedDirective} blocked ${e.blockedURI} at ${e.sourceFile}:${e.lineNumber}`);
        });""")
        page.on("console", lambda m: self.found.append(f"{page.url}: console {m.text}")
                if m.type == "error" and re.search(r"Content.Security.Policy|Alpine|CSP|unsafe-eval|Refused", m.text) else None)
        page.on("pageerror", lambda error: self.found.append(f"{page.url}: uncaught {error}"))
        return page


@pytest.fixture
def violations():
    return Violations()


def _csp(response) -> str:
    policy = response.headers.get("content-security-policy", "")
    assert "script-src 'self'" in policy and "unsafe-eval" not in policy.split("style-src")[0], policy
    return policy


def test_staff_pages_work_without_inline_script(demo_server, new_page, violations, tmp_path):
    url = demo_server.url

    # a phone: the navigation drawer and the user menu
    phone = violations.watch(new_page(PHONE, is_mobile=True, has_touch=True))
    log_in(phone, url, "reporter")
    _csp(phone.goto(f"{url}/"))
    toggle = phone.locator(".menu-toggle")
    toggle.click()
    phone.wait_for_selector("#sidenav.open")
    assert toggle.get_attribute("aria-expanded") == "true"
    toggle.click()
    phone.wait_for_selector("#sidenav:not(.open)")
    phone.click("[data-testid=user-menu]")
    phone.wait_for_selector(".user-menu", state="visible")
    phone.click("main")
    phone.wait_for_selector(".user-menu", state="hidden")

    # the editor writes a story: toolbar, character count, upload, save
    editor = violations.watch(new_page(DESKTOP))
    log_in(editor, url, "editor")
    _csp(editor.goto(f"{url}/stories/new/"))
    editor.fill("#id_headline", HEADLINE)
    editor.click("[data-testid=body-editor]")
    editor.keyboard.type("县城新开通两条公交线路。")
    editor.wait_for_function("() => document.querySelector('.char-count span').textContent.trim() === '12'")
    editor.keyboard.press("Control+A")
    editor.click(".editor-toolbar button:has-text('加粗')")
    assert editor.locator("[data-testid=body-editor] b, [data-testid=body-editor] strong").count() == 1
    photo = tmp_path / "公交.jpg"
    photo.write_bytes(jpeg_with_gps(caption="新开通的公交线路", credit="李娜 摄"))
    editor.set_input_files("[data-testid=file-input]", str(photo))
    editor.wait_for_selector("[data-testid=attached] [data-asset-chip]")
    editor.wait_for_selector("#upload-status:has-text('已上传')")
    editor.click("[data-testid=attached] [data-asset-chip] button")  # remove it again (assetList)
    assert editor.locator("[data-testid=attached] [data-asset-chip]").count() == 0
    editor.click("[data-testid=save-story]")
    editor.wait_for_selector("text=稿件已保存")
    assert "<b>" in editor.content() or "<strong>" in editor.content()
    shot(editor, "csp-story-desktop")

    # renditions: the Weibo character counter
    editor.click("[data-testid=generate-all]")
    editor.wait_for_selector("text=已生成")
    editor.click("[data-testid=edit-weibo]")
    body = editor.locator("[data-testid=rendition-body]")
    body.fill("微博 正文 😀")
    editor.wait_for_function("() => document.querySelector('[data-testid=char-count]').textContent.trim() === '5'")

    # the center switcher submits on change (data-autosubmit, no onchange=)
    switch = editor.locator("[data-testid=center-switch]")
    here = switch.locator("option[selected]").get_attribute("value")
    other = switch.locator("option:not([selected])").first.get_attribute("value")
    for center in (other, here):  # there and back, so the editor's other journeys are unchanged
        with editor.expect_navigation():
            editor.locator("[data-testid=center-switch]").select_option(center)
        assert editor.locator("[data-testid=center-switch] option[selected]").get_attribute("value") == center

    # a reviewer selects words of a story to comment on them
    reviewer = violations.watch(new_page(DESKTOP))
    log_in(reviewer, url, "reviewer1")
    reviewer.goto(f"{url}/review/")
    reviewer.locator("[data-testid=inbox] a").first.click()
    text = reviewer.locator(".checked-text").first
    text.wait_for()
    text.click(click_count=3)
    reviewer.wait_for_selector("form:has(input[name=quote])", state="visible")
    assert reviewer.locator("input[name=quote]").input_value().strip()
    assert reviewer.locator("input[name=field]").input_value() == text.get_attribute("data-field")
    shot(reviewer, "csp-review-select-desktop")

    # the API docs (django-ninja's Swagger UI, served locally, init code in a static file)
    docs = violations.watch(new_page(DESKTOP))
    log_in(docs, url, "admin")
    _csp(docs.goto(f"{url}/api/docs"))
    docs.wait_for_selector(".swagger-ui .opblock")
    _csp(docs.goto(f"{url}/api/public/v1/docs"))
    docs.wait_for_selector(".swagger-ui .opblock")
    # Django's admin
    _csp(docs.goto(f"{url}/djadmin/"))
    docs.wait_for_selector("#content")
    docs.goto(f"{url}/djadmin/core/user/")
    docs.wait_for_selector("#result_list, #changelist")

    assert violations.found == []


def test_public_pages_work_without_inline_script(demo_server, new_page, violations):
    site = f"{demo_server.url}/site/demo"
    reader = violations.watch(new_page(PHONE, is_mobile=True, has_touch=True))
    response = reader.goto(f"{site}/")
    _csp(response)
    assert response.headers.get("x-frame-options") == "SAMEORIGIN"
    link = reader.locator("a[href*='/news/']").first
    with reader.expect_request(lambda r: "/reads?item=" in r.url and "ch=web" in r.url) as beacon:
        link.click()
        reader.wait_for_selector("article.story")
    assert beacon.value.url.startswith(demo_server.url)

    response = reader.goto(f"{site}/wenzheng/ask/")
    _csp(response)
    reader.fill("#id_text", "路灯坏了")
    reader.wait_for_selector("[data-count-for=id_text]:has-text('已写 4 字')")
    assert reader.locator("#wz-locate").is_visible()  # the script ran: the button is shown
    shot(reader, "csp-wenzheng-ask-phone")

    reader.goto(f"{site}/wenzheng/track/")
    assert violations.found == []


# 经营创收 (issue 18): each new room's screens, by the person who works there (forms, the
# calendars, a production's page with its copy buttons, a work order).
ISSUE18_PAGES = {
    "adsales": ["/", "/ads/", "/ads/calendar/", "/ads/contracts/", "/ads/clients/new/", "/ads/slots/", "/ads/proofs/",
                "/ads/payments/"],
    "business": ["/ads/review/", "/ads/revenue/", "/ads/slots/new/"],
    "events": ["/", "/events/", "/events/calendar/", "/events/new/"],
    "director": ["/", "/live/", "/live/new/", "/live/stats/", "/live/equipment/", "/live/settings/"],
    "cableclerk": ["/", "/cable/", "/cable/subscribers/new/", "/cable/transactions/"],
    "cableagent": ["/cable/calls/", "/cable/calls/new/", "/cable/orders/"],
    "technician": ["/", "/cable/orders/mine/"],
    "cablemanager": ["/cable/stats/", "/cable/setup/"],
    # issue 19
    "admin": ["/province/centers/", "/province/centers/new/", "/province/platform-stats/"],
    "editor": ["/sharing/", "/sharing/sent/", "/sharing/submit/"],
}


@pytest.mark.parametrize("username", list(ISSUE18_PAGES))
def test_issue18_rooms_work_without_inline_script(demo_server, new_page, violations, username):
    page = violations.watch(new_page(DESKTOP))
    log_in(page, demo_server.url, username)
    page.wait_for_selector("[data-testid=my-roles]")
    for path in ISSUE18_PAGES[username]:
        response = page.goto(f"{demo_server.url}{path}")
        assert response.status == 200, path
        _csp(response)
        # the first detail page each list links to (a booking, an event, a production, a subscriber, an order)
        if path in ("/ads/", "/events/", "/live/", "/cable/", "/cable/orders/mine/"):
            link = page.locator("main a[href^='/ads/bookings/'], main a[href^='/events/'][href$='/'], "
                                "main a[href^='/live/'][href$='/'], main a[href^='/cable/subscribers/'], "
                                "main a[href^='/cable/orders/']").first
            if link.count():
                href = link.get_attribute("href")
                if re.search(r"/\d+/$", href):
                    _csp(page.goto(f"{demo_server.url}{href}"))
    assert violations.found == []
