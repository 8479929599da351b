"""Issue 13, nobody is stuck: the chief editor's own commentary waits at 三审签发. On her phone
she sees no approve button, why, and who can act; the center admin reassigns the step; the
副总编辑 finds it in his inbox with the approve button. (The demo already reassigned it once.)"""

import pytest

from tests.e2e.conftest import PHONE, log_in, shot

pytestmark = pytest.mark.e2e

HEADLINE = "评论：把“家门口的好学校”办到每个乡镇"


def no_horizontal_scroll(page) -> bool:
    return page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_author_sees_why_and_a_supervisor_reassigns(demo_server, new_page):
    url = demo_server.url
    author = new_page(PHONE, is_mobile=True)
    log_in(author, url, "reviewer3")
    author.goto(f"{url}/review/")
    author.click(f"a:has-text('{HEADLINE[:8]}')")
    author.wait_for_selector("[data-testid=step-people]")
    review_url = author.url
    assert author.locator("[data-testid=approve]").count() == 0
    people = author.inner_text("[data-testid=step-people]")
    assert "不能审核自己采写或署名的稿件" in people and "三审三校" in people and "郑凯" in people
    assert author.locator("[data-testid=reassign]").count() == 0  # an author does not choose her reviewer
    assert no_horizontal_scroll(author)
    shot(author, "reassign-1-author-phone")

    admin = new_page(PHONE, is_mobile=True)
    log_in(admin, url, "admin")
    admin.goto(review_url)
    admin.wait_for_selector("[data-testid=reassign]")
    admin.select_option("[data-testid=reassign] select[name=target]", "role:deputy_chief")
    admin.fill("[data-testid=reassign] input[name=reason]", "总编辑本人稿件，由副总编辑签发")
    assert no_horizontal_scroll(admin)
    shot(admin, "reassign-2-supervisor-phone")
    admin.click("[data-testid=reassign] button")
    admin.wait_for_selector("text=已改派")
    trail = admin.inner_text("[data-testid=signoffs]")
    assert trail.count("改派") >= 2 and "副总编辑" in trail

    deputy = new_page(PHONE, is_mobile=True)
    log_in(deputy, url, "deputy")
    deputy.goto(f"{url}/review/")
    deputy.click(f"[data-testid=inbox] a:has-text('{HEADLINE[:8]}')")
    deputy.wait_for_selector("[data-testid=approve]")
    assert "签发" in deputy.inner_text("[data-testid=approve]")
    assert no_horizontal_scroll(deputy)
    shot(deputy, "reassign-3-deputy-phone")
