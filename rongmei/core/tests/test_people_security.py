"""Issue 11, item 2 and parts of item 9: who may change a person, the "username taken"
message, throttled password changes, and API docs behind a login.

The demo's center admin ("admin") is also the platform admin, so these tests make a plain
center admin of the demo center ("boss") to act as an ordinary center would."""

import pytest
from django.test import Client

from rongmei.core import services
from rongmei.core.models import AccountChangeRequest, AuditEvent, Membership, User

NEW_PASSWORD = "Qingshan-2026-news"


@pytest.fixture
def boss(demo, settings):
    """A center admin of the demo center only, not a platform admin; logged in."""
    settings.RONGMEI_DEMO = True
    user = services.create_person(center=demo["demo"], username="boss", display_name="赵主任", password="x",
                                  roles=["center_admin"], actor=None, is_demo=True)
    client = Client()
    client.force_login(user)
    return client


def person(username: str) -> User:
    return User.objects.get(username=username)


# --- Account-wide changes of a person in several centers -------------------------------------

@pytest.fixture
def lx_boss(demo, settings):
    """A center admin of the neighbour center only; logged in (working in linxian)."""
    settings.RONGMEI_DEMO = True
    user = services.create_person(center=demo["linxian"], username="lx_boss", display_name="何主任", password="x",
                                  roles=["center_admin"], actor=None, is_demo=True)
    client = Client()
    client.force_login(user)
    return client


def events(action: str, person: User) -> list[str]:
    return sorted(e.center.slug for e in AuditEvent.objects.filter(action=action, object_id=str(person.pk)))


def test_deactivating_a_person_of_two_centers_waits_for_the_other_center(boss, lx_boss, demo):
    editor = person("editor")
    response = boss.post(f"/people/{editor.pk}/active/", {"active": "0"}, follow=True)
    body = response.content.decode()
    assert "邻县融媒体中心" in body and "同意" in body
    editor.refresh_from_db()
    assert editor.is_active  # nothing happens yet
    request = AccountChangeRequest.objects.get(person=editor, status="pending")
    assert request.action == "deactivate" and list(request.approvals.values_list("center__slug", flat=True)) == ["demo"]
    assert events("user.change_request", editor) == ["demo", "linxian"]
    assert events("user.deactivate", editor) == []
    # the other center's admin sees the request on the person's page, and agrees
    page = lx_boss.get(f"/people/{editor.pk}/").content.decode()
    assert "示例县融媒体中心" in page and f"/people/{editor.pk}/requests/{request.pk}/approve/" in page
    assert lx_boss.post(f"/people/{editor.pk}/requests/{request.pk}/approve/").status_code == 302
    editor.refresh_from_db()
    assert not editor.is_active
    request.refresh_from_db()
    assert request.status == "done"
    assert events("user.deactivate", editor) == ["demo", "linxian"]
    assert {e.actor.username for e in AuditEvent.objects.filter(action="user.deactivate", object_id=str(editor.pk))} == {"lx_boss"}


def test_the_other_center_may_refuse_and_nothing_changes(boss, lx_boss, demo):
    editor = person("editor")
    boss.post(f"/people/{editor.pk}/active/", {"active": "0"})
    request = AccountChangeRequest.objects.get(person=editor, status="pending")
    assert lx_boss.post(f"/people/{editor.pk}/requests/{request.pk}/refuse/").status_code == 302
    request.refresh_from_db()
    editor.refresh_from_db()
    assert request.status == "refused" and editor.is_active
    assert events("user.change_refuse", editor) == ["demo", "linxian"]


def test_a_center_agrees_only_for_itself(boss, lx_boss, login, demo):
    editor = person("editor")
    boss.post(f"/people/{editor.pk}/active/", {"active": "0"})
    request = AccountChangeRequest.objects.get(person=editor, status="pending")
    # demo has agreed already; agreeing twice does not count for linxian
    again = boss.post(f"/people/{editor.pk}/requests/{request.pk}/approve/", follow=True)
    assert "已同意" in again.content.decode()
    assert request.approvals.count() == 1
    # someone without the people permission cannot agree at all
    assert login("reviewer1").post(f"/people/{editor.pk}/requests/{request.pk}/approve/").status_code == 403
    # a second request while one is open is refused kindly
    second = boss.post(f"/people/{editor.pk}/active/", {"active": "0"}, follow=True)
    assert "已有一项待各中心同意的申请" in second.content.decode()
    assert AccountChangeRequest.objects.filter(person=editor).count() == 1
    assert person("editor").is_active


def test_the_platform_admin_acts_directly_and_closes_the_open_request(boss, login, demo):
    editor = person("editor")
    boss.post(f"/people/{editor.pk}/active/", {"active": "0"})
    assert login("admin").post(f"/people/{editor.pk}/active/", {"active": "0"}).status_code == 302
    editor.refresh_from_db()
    assert not editor.is_active
    assert AccountChangeRequest.objects.get(person=editor).status == "closed"


def test_center_admin_still_manages_a_person_of_this_center_only(boss, demo):
    reporter = person("reporter")
    response = boss.post(f"/people/{reporter.pk}/active/", {"active": "0"})
    assert response.status_code == 302
    reporter.refresh_from_db()
    assert not reporter.is_active
    event = AuditEvent.objects.filter(action="user.deactivate", object_id=str(reporter.pk)).get()
    assert event.center == demo["demo"] and event.actor.username == "boss"


def test_center_admin_changes_roles_in_their_own_center_only(boss, demo):
    editor = person("editor")
    assert boss.post(f"/people/{editor.pk}/", {"roles": ["editor", "reporter"]}).status_code == 302
    assert set(Membership.objects.filter(user=editor, center=demo["demo"]).values_list("role", flat=True)) == {"editor", "reporter"}
    assert list(Membership.objects.filter(user=editor, center=demo["linxian"]).values_list("role", flat=True)) == ["editor"]


def test_platform_admin_is_untouchable_from_a_center(boss, demo):
    admin = person("admin")
    roles_before = sorted(Membership.objects.filter(user=admin).values_list("center_id", "role"))
    refused = boss.post(f"/people/{admin.pk}/active/", {"active": "0"})
    assert refused.status_code == 403 and "平台管理员" in refused.content.decode()
    refused = boss.post(f"/people/{admin.pk}/", {"roles": ["reporter"]})
    assert refused.status_code == 403 and "平台管理员" in refused.content.decode()
    admin.refresh_from_db()
    assert admin.is_active
    assert sorted(Membership.objects.filter(user=admin).values_list("center_id", "role")) == roles_before
    page = boss.get(f"/people/{admin.pk}/").content.decode()
    assert "停用账号" not in page and "保存角色" not in page


def test_the_service_refuses_too(demo):
    from django.core.exceptions import PermissionDenied

    boss = services.create_person(center=demo["demo"], username="boss2", display_name="钱主任", password="x",
                                  roles=["center_admin"], actor=None, is_demo=True)
    with pytest.raises(PermissionDenied):
        services.set_active(center=demo["demo"], user=person("editor"), active=False, actor=boss)
    with pytest.raises(PermissionDenied):
        services.set_roles(center=demo["demo"], user=person("admin"), roles=["reporter"], actor=boss)
    assert person("editor").is_active
    # a password set by an admin is account-wide too
    for username in ("editor", "admin"):
        with pytest.raises(PermissionDenied):
            services.change_password(user=person(username), new_password=NEW_PASSWORD, actor=boss, center=demo["demo"])
        assert not person(username).check_password(NEW_PASSWORD)
    services.change_password(user=person("reporter"), new_password=NEW_PASSWORD, actor=boss, center=demo["demo"])
    assert person("reporter").check_password(NEW_PASSWORD)


def test_platform_admin_deactivates_and_every_center_sees_the_event(login, demo):
    editor = person("editor")
    response = login("admin").post(f"/people/{editor.pk}/active/", {"active": "0"})
    assert response.status_code == 302
    editor.refresh_from_db()
    assert not editor.is_active
    events = AuditEvent.objects.filter(action="user.deactivate", object_id=str(editor.pk))
    assert sorted(e.center.slug for e in events) == ["demo", "linxian"]
    assert {e.actor.username for e in events} == {"admin"}


def test_own_password_change_is_audited_in_each_center(login, demo, settings):
    settings.RONGMEI_DEMO = True
    client = login("editor")
    response = client.post("/account/password/", {
        "old_password": "rongmei-demo", "new_password": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert response.status_code == 302
    events = AuditEvent.objects.filter(action="user.password_change", object_id=str(person("editor").pk))
    assert sorted(e.center.slug for e in events) == ["demo", "linxian"]


# --- "Username taken" does not reveal other centers' people ----------------------------------

@pytest.mark.parametrize("username", ["lx_reporter", "LX_Reporter"])
def test_taken_username_message_reveals_nothing_and_attaches_no_one(boss, demo, username):
    response = boss.post("/people/new/", {
        "username": username, "display_name": "马超", "password": "Xinwen-2026-qingshan", "roles": ["reporter"]})
    body = response.content.decode()
    assert response.status_code == 200
    assert "该用户名不可用，请换一个" in body
    assert "已被使用" not in body and "已存在" not in body
    assert not Membership.objects.filter(user__username="lx_reporter", center=demo["demo"]).exists()


def test_the_service_gives_the_same_message(demo):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as caught:
        services.create_person(center=demo["demo"], username="lx_reporter", display_name="马超",
                               password="Xinwen-2026-qingshan", roles=["reporter"], actor=None)
    assert caught.value.message_dict["username"] == ["该用户名不可用，请换一个。"]


# --- Wrong current passwords are throttled -----------------------------------------------------

@pytest.fixture
def clean_throttle():
    from rongmei.core.throttle import store

    store().clear()
    yield
    store().clear()


def test_password_change_is_throttled_after_five_wrong_tries(login, demo, settings, clean_throttle):
    settings.RONGMEI_DEMO = True
    client = login("editor")
    wrong = {"old_password": "guess", "new_password": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    for _ in range(5):
        assert "当前密码不正确" in client.post("/account/password/", wrong).content.decode()
    # while throttled even the right password is not checked, and nothing changes
    response = client.post("/account/password/", {**wrong, "old_password": "rongmei-demo"})
    body = response.content.decode()
    assert response.status_code == 429
    assert "15 分钟" in body and "当前密码不正确" not in body
    assert person("editor").check_password("rongmei-demo")
    # another person is not affected
    other = login("reporter").post("/account/password/", {
        "old_password": "rongmei-demo", "new_password": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert other.status_code == 302


def test_a_successful_change_resets_the_count(login, demo, settings, clean_throttle):
    settings.RONGMEI_DEMO = True
    client = login("editor")
    wrong = {"old_password": "guess", "new_password": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    for _ in range(4):
        client.post("/account/password/", wrong)
    assert client.post("/account/password/", {**wrong, "old_password": "rongmei-demo"}).status_code == 302
    for _ in range(4):
        assert client.post("/account/password/", wrong).status_code == 200


# --- API docs need a login --------------------------------------------------------------------

def test_staff_api_docs_need_a_login(client, demo):
    docs = client.get("/api/docs")
    assert docs.status_code == 302 and docs["Location"].startswith("/login/?next=/api/docs")
    schema = client.get("/api/openapi.json")
    assert schema.status_code == 401
    assert "登录" in schema.json()["detail"]
    bad = Client(HTTP_AUTHORIZATION="Bearer rm_deadbeef_nonsense").get("/api/openapi.json")
    assert bad.status_code == 401


def test_staff_api_docs_answer_a_session_or_a_token(login, demo):
    client = login("reporter")
    assert client.get("/api/docs").status_code == 200
    assert "/api/v1/me" in client.get("/api/openapi.json").json()["paths"]
    _, plaintext = services.create_api_token(user=person("reporter"), center=demo["demo"], name="集成")
    with_token = Client(HTTP_AUTHORIZATION=f"Bearer {plaintext}").get("/api/openapi.json")
    assert with_token.status_code == 200 and "/api/v1/me" in with_token.json()["paths"]


def test_public_api_docs_and_open311_stay_public(client, demo):
    assert client.get("/api/public/v1/openapi.json").status_code == 200
    assert client.get("/api/public/v1/docs").status_code == 200
    assert client.get("/open311/v2/services.json", {"jurisdiction_id": "demo"}).status_code in {200, 400}
