"""Ids and integers the database cannot hold (negative, zero, 2^63 and beyond) answer 400 or
404 with a Chinese message, never 500 (issue 11, item 7). SQLite raises OverflowError and
PostgreSQL NumericValueOutOfRange (a DataError) for them: both are covered, because the
suite runs on both databases."""

import re

import pytest
from django.db import DataError
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, path

from rongmei.core import services
from rongmei.core.ids import MAX_ID
from rongmei.core.models import User
from rongmei.newsroom.models import Story

BIG = 2**63  # one past the largest BIGINT
HUGE = 10**30


@pytest.fixture
def api(demo):
    """An API client with the editor's personal token (the way integrations call)."""
    editor = User.objects.get(username="editor")
    _, plaintext = services.create_api_token(user=editor, center=demo["demo"], name="范围测试")
    return Client(HTTP_AUTHORIZATION=f"Bearer {plaintext}")


@pytest.fixture
def story(demo):
    return Story.objects.filter(center=demo["demo"]).order_by("pk").first()


def _assert_refused(response, *statuses):
    assert response.status_code in statuses, (response.status_code, response.content[:300])
    detail = response.json()["detail"]
    assert re.search(r"[\u4e00-\u9fff]", detail), detail  # a Chinese message


@pytest.mark.parametrize("version", [-1, BIG, HUGE])
def test_story_update_with_a_version_out_of_range_is_refused(api, story, version):
    before = (story.version, story.headline)
    response = api.put(f"/api/v1/stories/{story.pk}", {"headline": "改了的标题", "version": version},
                       content_type="application/json")
    _assert_refused(response, 400, 422)
    story.refresh_from_db()
    assert (story.version, story.headline) == before  # bad input changes nothing


@pytest.mark.parametrize("field, value", [
    ("column_id", BIG), ("column_id", -5), ("asset_ids", [BIG]), ("asset_ids", [0]),
    ("bylines", [{"name": "王磊", "user_id": BIG}]), ("bylines", [{"name": "王磊", "user_id": -1}]),
])
def test_story_create_with_ids_out_of_range_is_refused(api, demo, field, value):
    count = Story.objects.count()
    response = api.post("/api/v1/stories", {"headline": "新稿件", field: value}, content_type="application/json")
    _assert_refused(response, 400, 422)
    assert Story.objects.count() == count


@pytest.mark.parametrize("url", [
    f"/api/v1/stories/{BIG}", f"/api/v1/stories/{HUGE}", "/api/v1/stories/0", "/api/v1/stories/-3",
    f"/api/v1/assets/{BIG}", f"/api/v1/departments/{BIG}", f"/api/v1/assignments/{BIG}",
    f"/api/v1/stories/{BIG}/renditions",
])
def test_api_path_ids_out_of_range_are_refused(api, url):
    _assert_refused(api.get(url), 400, 404, 422)


def test_api_post_path_ids_out_of_range_are_refused(api):
    _assert_refused(api.post(f"/api/v1/stories/{BIG}/status", {"action": "file"}, content_type="application/json"),
                    400, 404, 422)
    _assert_refused(api.post(f"/api/v1/assignments/{BIG}/accept"), 400, 404, 422)


def test_public_article_with_a_huge_id_is_404(demo):
    response = Client().get(f"/site/demo/news/{BIG}/")
    assert response.status_code == 404
    response = Client().get(f"/api/public/v1/demo/items/{BIG}")
    assert response.status_code == 404


def _id_patterns(resolver=None, prefix=""):
    """Every URL pattern (with its full route) that takes a number from the path."""
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        route = str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from _id_patterns(entry, prefix + route)
        elif isinstance(entry, URLPattern) and entry.pattern.converters:
            yield prefix + route, entry.pattern.converters


def test_no_url_takes_an_unbounded_integer():
    """Django's own `int` converter accepts any digits; ours (`id`) only 1 … 2^63-1."""
    from django.urls.converters import IntConverter

    unbounded = [route for route, converters in _id_patterns()
                 if any(type(c) is IntConverter for c in converters.values())]
    assert not unbounded, f"use <id:…> instead of <int:…> in: {unbounded}"


def test_every_page_with_an_id_answers_404_for_an_id_out_of_range(login):
    """Each pattern taking an id, with 2^63 and 0 in it, as the platform admin (who may see
    everything): a 404, not a 500."""
    client = login("admin")
    checked = 0
    for route, converters in _id_patterns():
        if route.startswith(("api/", "djadmin/")) or "<id:" not in route:
            continue
        for bad in (BIG, 0):
            url = "/" + re.sub(r"<(\w+):(\w+)>", lambda m: str(bad) if m.group(1) == "id" else "demo", route)
            assert client.get(url).status_code == 404, url
            checked += 1
    assert checked >= 40


def test_id_converter_bounds():
    from rongmei.core.ids import IdConverter

    converter = IdConverter()
    assert converter.to_python("1") == 1 and converter.to_python(str(MAX_ID)) == MAX_ID
    for bad in ("0", str(MAX_ID + 1), "0" * 30):
        with pytest.raises(ValueError):
            converter.to_python(bad)


# --- The catch-all: whatever a view forgot to check becomes a 400, not a 500 ---------------------

def _overflow(request):
    """A real database refusal of a number: SQLite raises OverflowError, PostgreSQL DataError.
    (The test's own transaction is unusable afterwards, so each test makes one request.)"""
    Story.objects.filter(pk=0).update(version=BIG)


def _data_error(request):
    raise DataError("value out of range for type bigint")  # what PostgreSQL raises


def _api_overflow(request):
    raise OverflowError("Python int too large to convert to SQLite INTEGER")


urlpatterns = [path("overflow/", _overflow), path("data-error/", _data_error), path("api/v1/overflow/", _api_overflow)]


@pytest.fixture
def broken_urls(settings):
    from rongmei.core.tests import urls_for_tests

    settings.ROOT_URLCONF = __name__
    global urlpatterns
    if len(urlpatterns) == 3:
        urlpatterns = urlpatterns + list(urls_for_tests.real_patterns)
    settings.DEBUG = False


@pytest.mark.parametrize("url", ["/overflow/", "/data-error/"])  # one request per test: see _overflow
def test_database_range_errors_answer_400_with_a_chinese_page(broken_urls, login, url):
    client = login("reporter")
    client.raise_request_exception = False
    response = client.get(url)
    assert response.status_code == 400, url
    assert "数字超出范围" in response.content.decode()


def test_database_range_errors_answer_400_json_under_api(broken_urls, login):
    client = login("reporter")
    client.raise_request_exception = False
    response = client.get("/api/v1/overflow/")
    assert response.status_code == 400
    assert "数字超出范围" in response.json()["detail"]


# --- Numbers in query strings and forms ------------------------------------------------------------

@pytest.mark.parametrize("url", [
    "/stories/?column=²", f"/stories/?column={BIG}", f"/stories/?page={HUGE}",
    "/search/?q=县城&column=²&author=³", f"/search/?q=县城&page={HUGE}", f"/search/?q=县城&column={BIG}",
    "/planning/calendar/?month=99999-99", "/planning/topics/?plan=²", f"/planning/topics/?plan={BIG}", f"/audit/?page={HUGE}", f"/notifications/?page={HUGE}",
])
def test_numbers_in_query_strings_are_bounded(login, url):
    """Odd numbers in a query string show the page as if they were absent: never a 500."""
    response = login("admin").get(url)
    assert response.status_code == 200, url


def test_odd_ids_in_forms_change_nothing(login, demo):
    from rongmei.core.models import Notification

    client = login("editor")
    unread = Notification.objects.filter(recipient__username="editor", read_at__isnull=True).count()
    response = client.post("/notifications/", {"id": ["²", str(BIG)]})
    assert response.status_code in (200, 302)
    assert Notification.objects.filter(recipient__username="editor", read_at__isnull=True).count() == unread


# --- Found by the fuzz suite (tests/test_fuzz_api.py) ----------------------------------------------

def test_story_with_the_same_asset_twice_keeps_it_once(api, demo):
    """POST /api/v1/stories with asset_ids [a, a] answered 500 (a unique constraint)."""
    from rongmei.newsroom.models import Asset

    asset = Asset.objects.filter(center=demo["demo"]).order_by("pk").first()
    response = api.post("/api/v1/stories", {"headline": "同一素材两次", "asset_ids": [asset.pk, asset.pk]},
                        content_type="application/json")
    assert response.status_code == 201, response.content
    assert response.json()["asset_ids"] == [asset.pk]


@pytest.mark.parametrize("month", ["²⁰²⁶-1", "2026-¹", "99999999999999999999-01"])
def test_odd_months_show_the_current_month(login, client, demo, month):
    assert login("admin").get("/inquiry/stats/", {"month": month}).status_code == 200
    assert client.get("/site/demo/wenzheng/ranking/", {"month": month}).status_code == 200


@pytest.mark.parametrize("value", ["²", "abc", "", None, 2**63, -1])
def test_scoped_lookup_of_a_value_that_is_no_id_is_404(demo, value):
    from django.http import Http404

    from rongmei.core.models import Department
    from rongmei.core.tenancy import get_scoped_or_404

    with pytest.raises(Http404):
        get_scoped_or_404(Department, demo["demo"], pk=value)
