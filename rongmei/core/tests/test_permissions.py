import pytest

from rongmei.core.permissions import PERMISSIONS, ROLES, permissions_for_roles

DEMO_USERS = ["admin", "reporter", "editor", "reviewer1", "reviewer2", "reviewer3", "proofreader",
              "operator", "analyst", "coordinator", "liaison", "appraiser", "hr",
              # 经营创收 (issue 18)
              "adsales", "business", "events", "director", "cableclerk", "cableagent", "technician", "cablemanager"]


def test_every_role_grants_only_declared_permissions():
    for role in ROLES.values():
        assert role.permissions <= set(PERMISSIONS), role.code


def test_roles_combine():
    assert "core.manage_people" not in permissions_for_roles(["reporter"])
    assert "core.manage_people" in permissions_for_roles(["reporter", "center_admin"])


@pytest.mark.parametrize("username", DEMO_USERS)
def test_every_demo_user_reaches_the_dashboard(login, username):
    response = login(username).get("/")
    assert response.status_code == 200
    assert "工作台" in response.content.decode()


def _nav_keys(response) -> set[str]:
    return {item["key"] for item in response.context["nav_items"]}


def test_navigation_follows_permissions(login):
    newsroom = {"board", "leads", "topics", "duty", "stories", "assets", "search"}
    reporter = _nav_keys(login("reporter").get("/"))
    assert newsroom | {"home", "org", "tokens", "my_assignments", "appraisal_me", "notify_settings"} == reporter
    reviewer1 = _nav_keys(login("reviewer1").get("/"))
    assert newsroom | {"home", "org", "tokens", "review_inbox", "appraisal_me", "notify_settings"} == reviewer1
    reviewer3 = _nav_keys(login("reviewer3").get("/"))  # 三审 and 总编辑
    assert {"audit", "review_inbox", "checklists", "workflows", "review_stats", "ledger", "my_assignments"} <= reviewer3
    assert not {"people", "djadmin", "notify_channels", "notify_deliveries"} & reviewer3
    assert _nav_keys(login("liaison").get("/")) == {"home", "tokens", "inquiry_mine", "notify_settings"}
    admin = _nav_keys(login("admin").get("/"))  # platform admin: everything
    assert {"people", "audit", "djadmin", "workflows", "ledger", "notify_settings", "notify_channels",
            "notify_deliveries"} <= admin
    # 经营创收 (issue 18): each role sees its own room; the platform admin sees them all.
    staff = newsroom | {"home", "org", "tokens", "appraisal_me", "notify_settings"}
    ads_view = {"ads_bookings", "ads_calendar", "ads_contracts", "ads_clients", "ads_slots", "ads_proofs", "ads_payments"}
    cable_view = {"cable_subscribers", "cable_transactions", "cable_calls", "cable_orders"}
    assert _nav_keys(login("adsales").get("/")) == staff | ads_view
    assert _nav_keys(login("business").get("/")) == (staff | ads_view | {"ads_review", "ads_revenue", "events", "events_calendar",
                                                                         "live", "live_stats"} | cable_view)
    assert _nav_keys(login("events").get("/")) == staff | {"events", "events_calendar", "live", "live_stats"}
    assert _nav_keys(login("director").get("/")) == staff | {"events", "events_calendar", "live", "live_stats",
                                                             "live_equipment", "live_settings"}
    for username in ("cableclerk", "cableagent"):
        assert _nav_keys(login(username).get("/")) == {"home", "tokens", "notify_settings"} | cable_view
    assert _nav_keys(login("technician").get("/")) == {"home", "tokens", "notify_settings", "cable_mine"}
    assert _nav_keys(login("cablemanager").get("/")) == {"home", "org", "tokens", "notify_settings", "cable_stats",
                                                         "cable_setup"} | cable_view
    assert ads_view | cable_view | {"ads_review", "ads_revenue", "events", "events_calendar", "live", "live_stats",
                                    "live_equipment", "live_settings", "cable_mine", "cable_stats", "cable_setup"} <= admin


@pytest.mark.parametrize("path", ["/people/", "/people/new/", "/audit/"])
def test_pages_refuse_without_permission_with_a_friendly_403(login, path):
    response = login("reporter").get(path)
    assert response.status_code == 403
    body = response.content.decode()
    assert "没有权限" in body
    assert "管理人员与角色" in body or "查看审计日志" in body


@pytest.mark.parametrize(("username", "path"), [
    ("reporter", "/ads/"), ("adsales", "/ads/review/"), ("adsales", "/ads/revenue/"), ("adsales", "/ads/slots/new/"),
    ("reporter", "/events/"), ("events", "/live/equipment/"), ("events", "/live/new/"), ("director", "/events/new/"),
    ("reporter", "/live/"), ("business", "/live/settings/"), ("business", "/cable/stats/"), ("reporter", "/cable/"),
    ("cableclerk", "/cable/calls/new/"), ("cableagent", "/cable/subscribers/new/"), ("technician", "/cable/"),
    ("technician", "/cable/orders/"), ("cableclerk", "/cable/setup/"), ("cablemanager", "/ads/"), ("adsales", "/cable/"),
])
def test_issue18_pages_refuse_other_roles_with_a_friendly_403(login, username, path):
    response = login(username).get(path)
    assert response.status_code == 403
    assert "没有权限" in response.content.decode()


def test_liaison_cannot_see_the_center_organisation(login):
    assert login("liaison").get("/org/").status_code == 403


def test_only_platform_admins_enter_django_admin(login, demo):
    assert login("admin").get("/djadmin/").status_code == 200
    # a center admin who is not a platform admin is sent to the admin login page
    from rongmei.core import services
    from rongmei.core.models import User

    services.set_roles(center=demo["demo"], user=User.objects.get(username="editor"), roles=["editor", "center_admin"], actor=None)
    response = login("editor").get("/djadmin/")
    assert response.status_code == 302 and "/djadmin/login/" in response["Location"]


def test_api_checks_permissions(login):
    assert login("reporter").get("/api/v1/audit-events").status_code == 403
    assert login("reviewer3").get("/api/v1/audit-events").status_code == 200
    assert login("liaison").get("/api/v1/departments").status_code == 403


def test_anonymous_is_sent_to_login(client):
    response = client.get("/people/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")
    assert client.get("/api/v1/me").status_code == 401
