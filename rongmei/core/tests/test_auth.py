"""Logging in, lockout, demo accounts, password rules, personal API tokens."""

import pytest
from django.contrib.auth.hashers import identify_hasher
from django.test import Client

from rongmei.core import services
from rongmei.core.models import ApiToken, AuditEvent, Membership, User


@pytest.fixture
def demo_mode(settings):
    settings.RONGMEI_DEMO = True


def post_login(client, username, password):
    return client.post("/login/", {"username": username, "password": password})


def test_login_with_the_demo_password(demo, demo_mode, client):
    response = post_login(client, "editor", "rongmei-demo")
    assert response.status_code == 302 and response["Location"] == "/"
    assert "李娜" in client.get("/").content.decode()


def test_wrong_password_gets_a_clear_chinese_message(demo, demo_mode, client):
    response = post_login(client, "editor", "wrong")
    assert response.status_code == 200
    assert "用户名或密码不正确" in response.content.decode()


def test_lockout_after_five_failures_even_with_the_right_password(demo, demo_mode, client):
    for _ in range(4):
        assert post_login(client, "reporter", "wrong").status_code == 200
    locked = post_login(client, "reporter", "wrong")
    assert locked.status_code == 429
    assert "锁定 15 分钟" in locked.content.decode()
    again = post_login(client, "reporter", "rongmei-demo")
    assert again.status_code == 429
    assert "_auth_user_id" not in client.session
    assert AuditEvent.objects.filter(action="auth.locked_out", actor_repr="reporter").exists()
    # other people on the same machine are not locked out
    assert post_login(Client(), "editor", "rongmei-demo").status_code == 302


def test_demo_accounts_cannot_log_in_outside_demo_mode(demo, settings, client):
    settings.RONGMEI_DEMO = False
    response = post_login(client, "editor", "rongmei-demo")
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_passwords_are_hashed_with_argon2(demo):
    user = User.objects.get(username="editor")
    assert identify_hasher(user.password).algorithm == "argon2"


def test_new_accounts_must_follow_the_password_rules(login, demo):
    client = login("admin")
    before = User.objects.count()
    response = client.post("/people/new/", {
        "username": "newbie", "display_name": "新人", "password": "12345678", "roles": ["reporter"],
    })
    body = response.content.decode()
    assert response.status_code == 200
    assert "密码" in body and ("太短" in body or "至少" in body)
    assert User.objects.count() == before


def test_create_person_with_a_good_password(login, demo):
    client = login("admin")
    response = client.post("/people/new/", {
        "username": "newbie", "display_name": "新人", "password": "Xinwen-2026-qingshan", "roles": ["reporter", "editor"],
        "phone": "13800001111",
    })
    assert response.status_code == 302
    user = User.objects.get(username="newbie")
    assert set(Membership.objects.filter(user=user).values_list("role", flat=True)) == {"reporter", "editor"}
    assert not user.is_demo
    assert Client().post("/login/", {"username": "newbie", "password": "Xinwen-2026-qingshan"}).status_code == 302


def test_liaison_needs_a_department(login, demo):
    client = login("admin")
    response = client.post("/people/new/", {
        "username": "lianluo", "display_name": "联络员", "password": "Xinwen-2026-qingshan", "roles": ["liaison"],
    })
    assert "部门联络员必须选择所属政府部门" in response.content.decode()
    assert not User.objects.filter(username="lianluo").exists()


def test_deactivated_people_cannot_log_in(login, demo, demo_mode):
    reporter = User.objects.get(username="reporter")
    login("admin").post(f"/people/{reporter.pk}/active/", {"active": "0"})
    response = post_login(Client(), "reporter", "rongmei-demo")
    assert response.status_code == 200


def test_cannot_deactivate_oneself(login, demo):
    admin = User.objects.get(username="admin")
    response = login("admin").post(f"/people/{admin.pk}/active/", {"active": "0"}, follow=True)
    assert "不能停用自己的账号" in response.content.decode()
    admin.refresh_from_db()
    assert admin.is_active


# --- API tokens ------------------------------------------------------------------------------

def test_token_is_shown_once_and_stored_hashed(login, demo):
    client = login("editor")
    response = client.post("/account/tokens/", {"name": "采集 App"}, follow=True)
    plaintext = response.context["created"]["plaintext"]
    assert plaintext in response.content.decode()
    token = ApiToken.objects.get(user__username="editor")
    assert plaintext.startswith(f"rm_{token.prefix}_")
    assert plaintext not in (token.digest, token.prefix)
    # shown once: a reload neither shows it again nor makes a second token
    assert plaintext not in client.get("/account/tokens/").content.decode()
    assert ApiToken.objects.filter(user__username="editor").count() == 1


def test_token_authenticates_api_calls_until_revoked(login, demo):
    client = login("editor")
    plaintext = client.post("/account/tokens/", {"name": "采集 App"}, follow=True).context["created"]["plaintext"]
    api = Client(HTTP_AUTHORIZATION=f"Bearer {plaintext}")
    me = api.get("/api/v1/me")
    assert me.status_code == 200
    assert me.json()["username"] == "editor" and me.json()["via_token"] is True
    token = ApiToken.objects.get(user__username="editor")
    assert token.last_used_at is not None
    client.post(f"/account/tokens/{token.pk}/revoke/")
    assert api.get("/api/v1/me").status_code == 401


def test_bad_tokens_are_refused(demo):
    for header in ["Bearer nonsense", "Bearer rm_deadbeef_xxxxxxxx", "Token abc"]:
        response = Client(HTTP_AUTHORIZATION=header).get("/api/v1/me")
        assert response.status_code == 401
        assert "令牌无效" in response.json()["detail"]


def test_token_of_a_deactivated_user_stops_working(demo):
    editor = User.objects.get(username="editor")
    _, plaintext = services.create_api_token(user=editor, center=demo["demo"], name="集成")
    services.set_active(center=demo["demo"], user=editor, active=False, actor=None)
    assert Client(HTTP_AUTHORIZATION=f"Bearer {plaintext}").get("/api/v1/me").status_code == 401


def test_someone_elses_token_cannot_be_revoked(login, demo):
    editor = User.objects.get(username="editor")
    token, _ = services.create_api_token(user=editor, center=demo["demo"], name="集成")
    assert login("reporter").post(f"/account/tokens/{token.pk}/revoke/").status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_token_needs_a_name(login, demo):
    response = login("editor").post("/account/tokens/", {"name": ""})
    assert "这个字段是必填项" in response.content.decode()
    assert not ApiToken.objects.exists()


def test_password_change(login, demo, demo_mode):
    client = login("editor")
    response = client.post("/account/password/", {"old_password": "wrong", "new_password": "a", "new_password2": "b"})
    assert "当前密码不正确" in response.content.decode()
    response = client.post("/account/password/", {
        "old_password": "rongmei-demo", "new_password": "Qingshan-2026-news", "new_password2": "Qingshan-2026-news"})
    assert response.status_code == 302
    assert User.objects.get(username="editor").check_password("Qingshan-2026-news")
    assert AuditEvent.objects.filter(action="user.password_change").exists()
