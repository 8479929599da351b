"""The public site in real headless Chromium: home, column, article, live and service pages
at 360 px and 1280 px, served from the static files the platform published; screenshots."""

import pytest

from tests.e2e.conftest import DESKTOP, shot

pytestmark = pytest.mark.e2e

NARROW = {"width": 360, "height": 760}


def _load_lazy_images(page):
    """Scroll through so lazy pictures load before the full-page screenshot."""
    height = page.evaluate("document.body.scrollHeight")
    for y in range(0, height, 600):
        page.evaluate(f"window.scrollTo(0, {y})")
        page.wait_for_timeout(50)
    page.wait_for_function("() => Array.from(document.images).every(i => i.complete)")
    page.evaluate("window.scrollTo(0, 0)")


@pytest.mark.parametrize("viewport,label", [(NARROW, "360"), (DESKTOP, "1280")])
def test_reader_walks_the_site(demo_server, new_page, viewport, label):
    base = f"{demo_server.url}/site/demo"
    page = new_page(viewport, is_mobile=label == "360")
    requests = []
    page.on("request", lambda r: requests.append(r.url))
    response = page.goto(f"{base}/")
    assert response.status == 200 and response.headers.get("etag")
    assert page.locator("link[rel=alternate][type='application/rss+xml']").count() >= 1
    page.wait_for_selector(".headlines")
    _load_lazy_images(page)
    shot(page, f"portal-home-{label}")

    page.locator("nav.columns a:has-text('要闻')").click()
    page.wait_for_selector(".page-head h1:has-text('要闻')")
    shot(page, f"portal-column-{label}")

    page.locator(".cards .card a").first.click()
    page.wait_for_selector("article.story .body p")
    _load_lazy_images(page)
    assert page.locator("meta[property='og:title']").count() == 1
    assert all(img.get_attribute("alt") is not None for img in page.locator("article img").all())
    shot(page, f"portal-article-{label}")

    page.goto(f"{base}/live/")
    page.wait_for_selector("text=正在直播")
    shot(page, f"portal-live-{label}")

    page.goto(f"{base}/services/")
    page.wait_for_selector(".service-grid .service")
    shot(page, f"portal-services-{label}")
    page.locator(".service-grid a.service[href*='/services/']").first.click()
    page.wait_for_selector("article.service-page h1")
    shot(page, f"portal-service-page-{label}")

    # nothing came from outside the machine (intranet-ready)
    assert all(u.startswith(demo_server.url) or u.startswith("data:") for u in requests), \
        [u for u in requests if not u.startswith(demo_server.url)]
    # no page is wider than the phone
    if label == "360":
        assert page.evaluate("document.documentElement.scrollWidth") <= 360


def test_search_and_keyboard(demo_server, new_page):
    page = new_page(DESKTOP)
    page.goto(f"{demo_server.url}/site/demo/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "跳到正文"
    page.fill("#site-q", "冬捕")
    page.keyboard.press("Enter")
    page.wait_for_selector(".search-results")
    assert page.locator(".search-results .card").count() >= 1
    shot(page, "portal-search-1280")
