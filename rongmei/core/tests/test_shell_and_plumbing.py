import json
import logging

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test import Client

from rongmei.core.models import AuditEvent, Center, Membership, User


def test_friendly_404_page(login, settings):
    settings.DEBUG = False
    response = login("reporter").get("/no/such/page/")
    assert response.status_code == 404
    assert "没有找到这个页面" in response.content.decode()


def test_friendly_500_page(settings):
    settings.DEBUG = False
    settings.ROOT_URLCONF = "rongmei.core.tests.urls_for_tests"
    client = Client(raise_request_exception=False)
    response = client.get("/broken/")
    assert response.status_code == 500
    body = response.content.decode()
    assert "系统出了点问题" in body and "已保存的数据不受影响" in body


def test_flash_messages_and_center_switcher_render(login, demo):
    client = login("editor")
    response = client.post("/centers/switch/", {"center": demo["linxian"].pk}, follow=True)
    body = response.content.decode()
    assert 'class="flash flash-success"' in body
    assert 'data-testid="center-switch"' in body and "邻县融媒体中心" in body


def test_pages_load_only_local_assets(login):
    body = login("admin").get("/").content.decode()
    assert "/static/vendor/htmx-2.0.11.min.js" in body and "/static/vendor/alpine-csp-3.17.4.min.js" in body
    assert "http://" not in body.replace("http://testserver", "") and "https://" not in body


def test_openapi_document_describes_the_api(login):
    client = login("reporter")  # the staff API's docs need a login (issue 11)
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    spec = response.json()
    assert "/api/v1/me" in spec["paths"] and "/api/v1/departments/{department_id}" in spec["paths"]
    assert client.get("/api/docs").status_code == 200


def test_sqlite_runs_in_wal_mode_with_immediate_transactions(db, tmp_path):
    if connection.vendor != "sqlite":
        assert connection.vendor == "postgresql"
        assert connection.settings_dict["CONN_HEALTH_CHECKS"] is True
        return
    # The suite's own SQLite database lives in memory (no WAL there); open a file database
    # with exactly the configured options, as `make run` does.
    from django.db.backends.sqlite3.base import DatabaseWrapper

    wrapper = DatabaseWrapper({**connection.settings_dict, "NAME": str(tmp_path / "wal.sqlite3")})
    try:
        with wrapper.cursor() as cursor:
            cursor.execute("PRAGMA journal_mode")
            assert cursor.fetchone()[0] == "wal"
            cursor.execute("PRAGMA foreign_keys")
            assert cursor.fetchone()[0] == 1
        assert wrapper.transaction_mode == "IMMEDIATE"
    finally:
        wrapper.close()


def test_each_request_is_logged_with_its_id(login, caplog):
    with caplog.at_level(logging.INFO, logger="rongmei.request"):
        response = login("editor").get("/", HTTP_X_REQUEST_ID="abc123")
    assert response["X-Request-ID"] == "abc123"
    record = next(r for r in caplog.records if r.name == "rongmei.request")
    assert (record.request_id, record.status, record.user, record.center) == ("abc123", 200, "editor", "demo")
    from pythonjsonlogger.json import JsonFormatter

    line = json.loads(JsonFormatter("%(levelname)s %(message)s").format(record))
    assert line["request_id"] == "abc123" and line["path"] == "/"


def test_createcenter_makes_a_center_and_its_admin(db):
    call_command("createcenter", "fenghua", "奉化区融媒体中心", "--admin", "fh_admin", "--password", "Fenghua-news-2026")
    center = Center.objects.get(slug="fenghua")
    assert Membership.objects.get(center=center).role == "center_admin"
    assert User.objects.get(username="fh_admin").check_password("Fenghua-news-2026")
    assert AuditEvent.objects.filter(center=center, action="center.create").exists()


@pytest.mark.parametrize("args, message", [
    (["demo", "重复的中心", "--admin", "dup", "--password", "Fenghua-news-2026"], "标识"),
    (["Bad Slug", "坏标识", "--admin", "bad", "--password", "Fenghua-news-2026"], "标识"),
    (["weak", "弱密码中心", "--admin", "weak", "--password", "123"], "密码"),
])
def test_createcenter_refuses_bad_input_and_creates_nothing(demo, args, message):
    centers, users = Center.objects.count(), User.objects.count()
    with pytest.raises(CommandError) as excinfo:
        call_command("createcenter", *args)
    assert message in str(excinfo.value) and "未创建任何内容" in str(excinfo.value)
    assert (Center.objects.count(), User.objects.count()) == (centers, users)
