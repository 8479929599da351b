"""Issue 13, part D, in a real browser: the generated versions of a demo feature that opens on
a villager's words read like an editor wrote them. The Weibo teaser, the TV 导语 and the
radio script the desk sees do not open on a quotation without its speaker, the radio lead is
not read a second time, and the topics are the story's (the editor's tags kept)."""

import pytest

from rongmei.newsroom.generators.quality import repeated_sentences
from rongmei.newsroom.generators.quotes import starts_on_unattributed_quote
from tests.e2e.conftest import DESKTOP, PHONE, log_in, shot

pytestmark = pytest.mark.e2e

# The demo story 青山村：党员当好“红色代办员”…, which opens on a villager's question
# (“小唐，我家老头子的养老保险认证弄好了没有？”) and names no speaker for it.

def _edit_page(page, url, channel):
    page.goto(f"{url}/search/?q=红色代办员")
    page.locator("h3:has(.kind-tag:text-is('稿件')) a", has_text="党员当好").first.click()
    page.wait_for_selector("[data-testid=renditions]")
    page.click(f"[data-testid=edit-{channel}]")
    page.wait_for_selector("[data-testid=rendition-form]")


def test_generated_versions_of_a_feature_opening_on_a_quotation(demo_server, new_page):
    url = demo_server.url
    editor = new_page(DESKTOP)
    log_in(editor, url, "editor")

    _edit_page(editor, url, "weibo")
    teaser = editor.input_value("[data-testid=field-short_text]")
    summary = teaser.split("】", 1)[1]
    assert not starts_on_unattributed_quote(summary), teaser
    for tag in ("#基层党建#", "#党员先锋#", "#为民服务#"):
        assert tag in teaser
    shot(editor, "generation-1-weibo-teaser-desktop")

    _edit_page(editor, url, "tv")
    lead = editor.input_value("[data-testid=field-lead]")
    assert lead and not starts_on_unattributed_quote(lead), lead

    _edit_page(editor, url, "radio")
    script = editor.input_value("[data-testid=rendition-body]")
    lead, _, rest = script.partition("\n\n")
    assert not starts_on_unattributed_quote(lead), lead
    assert repeated_sentences([lead, rest]) == []
    shot(editor, "generation-2-radio-script-desktop")

    phone = new_page(PHONE, is_mobile=True, has_touch=True)
    log_in(phone, url, "editor")
    _edit_page(phone, url, "weibo")
    assert phone.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
    shot(phone, "generation-3-weibo-teaser-phone")
