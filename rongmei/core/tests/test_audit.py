"""Audit events are written with every change, and the database refuses to alter them."""

import datetime as dt

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.test import Client
from django.utils import timezone

from rongmei.core import services
from rongmei.core.models import AuditEvent, Department, User


def latest(action: str) -> AuditEvent:
    return AuditEvent.objects.filter(action=action).latest("id")


def test_login_and_failed_login_are_audited(demo, settings):
    settings.RONGMEI_DEMO = True
    client = Client(REMOTE_ADDR="10.1.2.3")
    client.post("/login/", {"username": "editor", "password": "wrong"})
    failed = latest("auth.login_failed")
    assert failed.actor is None and failed.actor_repr == "editor" and failed.ip == "10.1.2.3"
    assert failed.center == demo["demo"]
    client.post("/login/", {"username": "editor", "password": "rongmei-demo"})
    event = latest("auth.login")
    assert event.actor.username == "editor" and event.ip == "10.1.2.3" and event.request_id
    client.post("/logout/")
    assert latest("auth.logout").actor.username == "editor"


def test_role_changes_are_audited_with_before_and_after(login, demo):
    reporter = User.objects.get(username="reporter")
    login("admin").post(f"/people/{reporter.pk}/", {"roles": ["reporter", "editor"]})
    event = latest("user.roles_change")
    assert event.before["roles"] == ["reporter"]
    assert event.after["roles"] == ["editor", "reporter"]
    assert event.actor.username == "admin" and event.center == demo["demo"]
    assert event.object_id == str(reporter.pk)


def test_user_creation_and_deactivation_are_audited(login, demo):
    client = login("admin")
    client.post("/people/new/", {"username": "newbie", "display_name": "新人",
                                  "password": "Xinwen-2026-qingshan", "roles": ["reporter"]})
    assert latest("user.create").after["roles"] == ["reporter"]
    newbie = User.objects.get(username="newbie")
    client.post(f"/people/{newbie.pk}/active/", {"active": "0"})
    assert latest("user.deactivate").after == {"is_active": False}


def test_a_failed_change_leaves_no_event_and_no_data(demo):
    before = AuditEvent.objects.count()
    with pytest.raises(Exception):
        services.create_person(center=demo["demo"], username="x", display_name="x", password="short",
                               roles=["reporter"], actor=None)
    assert AuditEvent.objects.count() == before
    assert not User.objects.filter(username="x").exists()


def test_database_refuses_to_update_an_event(demo):
    event = AuditEvent.objects.first()
    with pytest.raises((IntegrityError, DatabaseError)), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(action="tampered")
    event.refresh_from_db()
    assert event.action != "tampered"


def test_model_refuses_to_save_an_existing_event(demo):
    event = AuditEvent.objects.first()
    event.action = "tampered"
    with pytest.raises(RuntimeError):
        event.save()


def test_database_refuses_to_delete_recent_events(demo):
    count = AuditEvent.objects.count()
    with pytest.raises((IntegrityError, DatabaseError)), transaction.atomic():
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.count() == count


def test_events_older_than_retention_may_be_purged(demo):
    old = timezone.now() - dt.timedelta(days=200)
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO core_auditevent (action, actor_repr, object_type, object_id, object_repr, request_id, created_at)"
            " VALUES (%s, %s, '', '', '', '', %s)", ["old.event", "系统", old],
        )
    assert AuditEvent.objects.filter(action="old.event").delete()[0] == 1


def test_audit_page_filters(login, demo):
    services.create_department(center=demo["demo"], name="示例县林业局", actor=User.objects.get(username="admin"))
    client = login("admin")
    response = client.get("/audit/", {"action": "department."})
    body = response.content.decode()
    assert "示例县林业局" in body
    actions = {e.action for e in response.context["page"].object_list}
    assert actions == {"department.create"} and "新增政府部门" in body
    response = client.get("/audit/", {"date_from": "2026-02-01", "date_to": "2026-01-01"})
    assert "截止日期不能早于起始日期" in response.content.decode()
    response = client.get("/audit/", {"date_from": "not-a-date"})
    assert "日期格式应为" in response.content.decode()


def test_audit_api_lists_events_of_the_center(login, demo):
    events = login("admin").get("/api/v1/audit-events", {"action": "user.create", "limit": 5}).json()["items"]
    assert events and all(e["action"] == "user.create" for e in events)
    refused = login("admin").get("/api/v1/audit-events", {"limit": 0})
    assert refused.status_code == 422 and refused.json()["errors"] == {"limit": ["不能小于 1。"]}


def test_department_form_refuses_duplicates(login, demo):
    client = login("admin")
    name = Department.objects.filter(center=demo["demo"]).first().name
    response = client.post("/org/", {"name": name})
    assert "本中心已有同名的政府部门" in response.content.decode()
    assert Department.objects.filter(center=demo["demo"], name=name).count() == 1
    # the neighbour may have a department of the same name
    services.create_department(center=demo["linxian"], name=name, actor=None)
