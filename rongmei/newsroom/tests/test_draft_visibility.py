"""Issue 11, item 9: who may read drafts follows the permission table. Roles without
"newsroom.view_drafts" (appraiser, operator, analyst, coordinator, reporter) read signed-off
stories and their own, not every draft: in lists, pages, revisions, search and the API."""

import pytest

from rongmei.core.models import User
from rongmei.newsroom.models import Story
from rongmei.newsroom.services import assets as asset_svc
from rongmei.newsroom.services import stories as story_svc

NO_DRAFTS = ["appraiser", "operator", "analyst", "coordinator"]
WORD = "Zorblax"


def user(username: str) -> User:
    return User.objects.get(username=username)


def new_story(center, author: str, headline: str, **kwargs) -> Story:
    return story_svc.create_story(center=center, user=user(author), data=story_svc.StoryData(
        headline=headline, body=f"<p>{WORD} 试点在青山镇茶园村开展。</p>", **kwargs))


@pytest.fixture
def draft(demo):
    return new_story(demo["demo"], "editor", f"{WORD} 草稿：茶园村试点")


@pytest.fixture
def signed_off(demo):
    story = new_story(demo["demo"], "editor", f"{WORD} 已签发：茶园村试点")
    Story.objects.filter(pk=story.pk).update(status=Story.Status.SIGNED_OFF)
    story.refresh_from_db()
    story_svc.reindex(story)
    return story


@pytest.mark.parametrize("username", NO_DRAFTS)
def test_roles_without_the_permission_do_not_read_a_colleagues_draft(login, draft, signed_off, username):
    client = login(username)
    assert client.get(f"/stories/{draft.pk}/").status_code == 404
    assert client.get(f"/stories/{draft.pk}/revisions/").status_code == 404
    assert client.get(f"/api/v1/stories/{draft.pk}").status_code == 404
    assert client.get(f"/api/v1/stories/{draft.pk}/renditions").status_code == 404
    listing = client.get("/stories/").content.decode()
    assert draft.headline not in listing and signed_off.headline in listing
    api_ids = {s["id"] for s in client.get("/api/v1/stories", {"limit": 200}).json()["items"]}
    assert draft.pk not in api_ids
    found = client.get("/search/", {"q": WORD}).content.decode()
    assert draft.headline not in found and signed_off.headline in found
    # signed-off pieces stay readable, e.g. for the operator who publishes them
    assert client.get(f"/stories/{signed_off.pk}/").status_code == 200
    assert client.get(f"/api/v1/stories/{signed_off.pk}").status_code == 200


@pytest.mark.parametrize("username", ["editor", "reviewer1", "proofreader", "reviewer3"])
def test_desk_and_reviewers_read_every_draft(login, draft, username):
    client = login(username)
    assert client.get(f"/stories/{draft.pk}/").status_code == 200
    assert draft.headline in client.get("/stories/").content.decode()
    assert draft.headline in client.get("/search/", {"q": WORD}).content.decode()
    assert client.get(f"/api/v1/stories/{draft.pk}").status_code == 200


def test_reporter_reads_own_drafts_and_signed_off_pieces_only(login, demo, draft, signed_off):
    own = new_story(demo["demo"], "reporter", f"{WORD} 记者自己的稿")
    client = login("reporter")
    assert client.get(f"/stories/{own.pk}/").status_code == 200
    assert client.get(f"/stories/{draft.pk}/").status_code == 404
    assert client.get(f"/stories/{signed_off.pk}/").status_code == 200
    listing = client.get("/stories/").content.decode()
    assert own.headline in listing and draft.headline not in listing
    found = client.get("/search/", {"q": WORD}).content.decode()
    assert own.headline in found and draft.headline not in found and signed_off.headline in found
    assert {s["id"] for s in client.get("/api/v1/stories").json()["items"]} >= {own.pk}
    assert draft.pk not in {s["id"] for s in client.get("/api/v1/stories").json()["items"]}


def test_assets_of_drafts_are_not_shown_to_roles_without_the_permission(login, demo, photo):
    asset = asset_svc.upload(center=demo["demo"], user=user("editor"), upload=photo)
    new_story(demo["demo"], "editor", f"{WORD} 带图草稿", asset_ids=[asset.pk])
    appraiser = login("appraiser")
    assert appraiser.get(f"/assets/{asset.pk}/").status_code == 404
    assert appraiser.get(f"/api/v1/assets/{asset.pk}").status_code == 404
    assert f"/assets/{asset.pk}/" not in appraiser.get("/assets/").content.decode()
    # writers pick photos from the whole library; editors see everything
    assert login("reporter").get(f"/assets/{asset.pk}/").status_code == 200
    assert login("editor").get(f"/assets/{asset.pk}/").status_code == 200


def test_the_permission_is_in_the_table():
    from rongmei.core.permissions import PERMISSIONS, ROLES

    assert "newsroom.view_drafts" in PERMISSIONS
    with_it = {code for code, role in ROLES.items() if "newsroom.view_drafts" in role.permissions}
    assert {"editor", "reviewer1", "reviewer2", "reviewer3", "proofreader", "chief_editor", "center_admin"} <= with_it
    assert not with_it & {"reporter", "appraiser", "operator", "analyst", "coordinator", "liaison"}


def test_content_checks_do_not_open_a_colleagues_draft(login, demo, draft):
    """Reporters may run checks on their own stories; the checks page shows the text."""
    own = new_story(demo["demo"], "reporter", f"{WORD} 记者自己的稿")
    client = login("reporter")
    assert client.get(f"/stories/{draft.pk}/checks/").status_code == 404
    assert client.get(f"/stories/{own.pk}/checks/").status_code == 200
    assert login("editor").get(f"/stories/{draft.pk}/checks/").status_code == 200
