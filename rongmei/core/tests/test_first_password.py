"""A person created by an admin knows a password someone else chose: at first login they
are sent to the password page until they set their own. Their API tokens are refused with
the same reason meanwhile (none can be created before, but an old one must not slip by)."""

import pytest
from django.test import Client

from rongmei.core import services
from rongmei.core.models import User

INITIAL = "Xinwen-2026-qingshan"
OWN = "Qingshan-own-2027"


def _create(admin_client) -> User:
    response = admin_client.post("/people/new/", {
        "username": "newbie", "display_name": "新记者", "phone": "", "password": INITIAL, "roles": ["reporter"],
    })
    assert response.status_code == 302
    return User.objects.get(username="newbie")


def test_created_person_must_change_the_initial_password(login, demo):
    person = _create(login("admin"))
    assert person.must_change_password
    client = Client()
    response = client.post("/login/", {"username": "newbie", "password": INITIAL})
    assert response.status_code == 302
    # every staff page sends them to the password page, with a kind reason
    for path in ("/", "/stories/", "/planning/"):
        page = client.get(path)
        assert page.status_code == 302 and page["Location"].startswith("/account/password/"), path
    page = client.get("/account/password/")
    assert page.status_code == 200
    assert "初始密码" in page.content.decode()
    # the API answers the same reason, not the data
    api = client.get("/api/v1/me")
    assert api.status_code == 403 and "修改初始密码" in api.json()["detail"]
    # keeping the initial password is refused
    same = client.post("/account/password/", {"old_password": INITIAL, "new_password": INITIAL, "new_password2": INITIAL})
    assert same.status_code == 200 and "不能与初始密码相同" in same.content.decode()
    person.refresh_from_db()
    assert person.must_change_password
    done = client.post("/account/password/", {"old_password": INITIAL, "new_password": OWN, "new_password2": OWN})
    assert done.status_code == 302
    person.refresh_from_db()
    assert not person.must_change_password
    assert client.get("/").status_code == 200
    assert client.get("/api/v1/me").status_code == 200


def test_logout_stays_possible_and_tokens_are_refused_until_changed(login, demo):
    person = _create(login("admin"))
    center = demo["demo"]
    _, plaintext = services.create_api_token(user=person, center=center, name="采集 App")
    client = Client()
    client.post("/login/", {"username": "newbie", "password": INITIAL})
    assert client.post("/logout/").status_code == 302
    response = Client().get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {plaintext}")
    assert response.status_code == 403 and "修改初始密码" in response.json()["detail"]
    services.change_password(user=person, new_password=OWN, actor=person, center=center)
    assert Client().get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {plaintext}").status_code == 200


def test_a_password_an_admin_sets_must_be_changed_again(login, demo):
    person = _create(login("admin"))
    services.change_password(user=person, new_password=OWN, actor=person, center=demo["demo"])
    assert not User.objects.get(pk=person.pk).must_change_password
    admin = User.objects.get(username="admin")
    services.change_password(user=person, new_password="Reset-by-admin-2027", actor=admin, center=demo["demo"])
    assert User.objects.get(pk=person.pk).must_change_password
    client = Client()
    client.post("/login/", {"username": "newbie", "password": "Reset-by-admin-2027"})
    fragment = client.get("/stories/", HTTP_HX_REQUEST="true")
    assert fragment.status_code == 204 and fragment["HX-Redirect"] == "/account/password/"
    assert client.get("/notifications/badge/").status_code == 200     # the top bar's poll still works


def test_demo_people_and_people_who_chose_their_password_are_not_asked(login, demo):
    assert not User.objects.filter(username__in=["editor", "admin", "reporter"], must_change_password=True).exists()
    assert login("editor").get("/").status_code == 200


@pytest.mark.django_db
def test_createcenter_admin_must_change_too(demo):
    from django.core.management import call_command

    call_command("createcenter", "qingshan", "青山县融媒体中心", "--admin", "qs_admin", "--password", INITIAL)
    assert User.objects.get(username="qs_admin").must_change_password
