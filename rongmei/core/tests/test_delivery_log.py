"""发送记录 (issue 17): the center admin reads every message the outbox holds — time, event,
channel, masked recipient, status, attempts, last error — filters it, sends a dead one again
(it then reaches the fake 企业微信 once) and cancels one still waiting. Phone numbers and
robot keys never appear in clear; another center's rows are a 404; the API says the same."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from rongmei.core import notify_services as ns
from rongmei.core.messaging import enqueue
from rongmei.core.messaging.outbox import deliver_due
from rongmei.core.models import AuditEvent, MessageChannel, MessageDelivery, Membership, PersonChannel, User

pytestmark = pytest.mark.django_db

PHONE = "13812345678"
ROBOT = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=robotkey-0123456789"


@pytest.fixture(autouse=True)
def bare(demo):
    MessageChannel.objects.filter(center__in=demo.values()).update(is_active=False)
    PersonChannel.objects.filter(center__in=demo.values()).delete()
    MessageDelivery.objects.filter(status__in=["pending", "held"]).update(status="cancelled")  # none from the demo


@pytest.fixture
def rows(demo):
    """A few messages of the demo center in various states, and one of the neighbour's."""
    center = demo["demo"]
    reporter = User.objects.get(username="reporter")
    made = {}
    made["sms"] = enqueue(center=center, kind="sms", address=PHONE, title="您的诉求已受理", event="", key="t:sms")
    made["robot"] = enqueue(center=center, kind="wecom_robot", address=ROBOT, title="舆情预警：青山镇积水",
                            event="monitor_alert", urgent=True, key="t:robot")
    made["mail"] = enqueue(center=center, kind="email", address="wanglei@demo.local", recipient=reporter,
                           title="新采访任务：东湖冬捕", event="assignment", key="t:mail")
    made["held"] = enqueue(center=center, kind="email", address="wanglei@demo.local", recipient=reporter,
                           title="稿件被退回", event="review_returned", key="t:held",
                           hold_until=timezone.now() + dt.timedelta(hours=8))
    MessageDelivery.objects.filter(pk=made["mail"].pk).update(status="dead", attempts=6, last_error="企业微信系统繁忙（错误码 -1）")
    MessageDelivery.objects.filter(pk=made["sms"].pk).update(status="sent", attempts=1, sent_at=timezone.now())
    made["other"] = enqueue(center=demo["linxian"], kind="email", address="ma@linxian.local", title="邻县的消息",
                            event="assignment", key="t:other")
    MessageDelivery.objects.filter(pk=made["other"].pk).update(status="dead")
    for row in made.values():
        row.refresh_from_db()
    return made


def test_the_log_lists_every_message_masked(login, rows):
    response = login("admin").get("/notify/deliveries/")
    assert response.status_code == 200
    body = response.content.decode()
    for title in ("您的诉求已受理", "舆情预警：青山镇积水", "新采访任务：东湖冬捕", "稿件被退回"):
        assert title in body
    assert "邻县的消息" not in body
    assert PHONE not in body and "138****5678" in body
    assert "robotkey-0123456789" not in body and "wanglei@demo.local" not in body
    assert "多次重试仍失败" in body and "企业微信系统繁忙（错误码 -1）" in body and "6 / 6" in body
    assert "免打扰暂缓" in body and "舆情预警" in body and "紧急" in body
    assert body.count('data-testid="retry"') == 1 and body.count('data-testid="cancel"') == 2  # held + pending robot


def test_filters_and_bad_filters(login, rows):
    client = login("admin")
    dead = client.get("/notify/deliveries/?status=dead").content.decode()
    assert "新采访任务：东湖冬捕" in dead and "您的诉求已受理" not in dead
    assert "舆情预警：青山镇积水" in client.get("/notify/deliveries/?kind=wecom_robot").content.decode()
    by_event = client.get("/notify/deliveries/?event=review_returned").content.decode()
    assert "稿件被退回" in by_event and "东湖冬捕" not in by_event
    today = timezone.localdate().isoformat()
    assert "东湖冬捕" in client.get(f"/notify/deliveries/?since={today}&until={today}").content.decode()
    assert "东湖冬捕" not in client.get("/notify/deliveries/?until=2020-01-01").content.decode()
    assert "东湖冬捕" in client.get("/notify/deliveries/?q=王磊").content.decode()
    for query, message in (("status=lost", "没有这种状态"), ("since=2026-13-40", "日期格式应为"),
                           ("since=2026-02-01&until=2026-01-01", "截止日期不能早于起始日期"), ("event=x", "没有这种事件")):
        response = client.get(f"/notify/deliveries/?{query}")
        assert response.status_code == 400 and message in response.content.decode(), query


def test_retry_a_dead_message_reaches_the_fake_wecom_once(login, demo, settings):
    from rongmei.distribution.fakes.server import start_fake

    settings.RONGMEI_LINKCHECK_ALLOW = ["127.0.0.1"]
    center = demo["demo"]
    admin = User.objects.get(username="admin")
    with start_fake("wecom") as wecom:
        wecom.add_app("wwlog01", 1000005, "log-secret-123456", users=["wanglei"])
        app = ns.save_channel(center=center, user=admin, kind="wecom_app", name="企业微信（记录测试）", app_id="wwlog01",
                              agent_id="1000005", secret="log-secret-123456", base_url=wecom.url)
        row = enqueue(center=center, kind="wecom_app", channel=app, address="wanglei", title="发布失败：示例县发布",
                      event="publish_failed", key="t:wecom-dead")
        wecom.fail_next(6, errcode=-1)
        MessageDelivery.objects.filter(pk=row.pk).update(max_attempts=1)
        assert deliver_due() == {"ok": 0, "retry": 1, "fail": 0}
        row.refresh_from_db()
        assert row.status == "dead" and "繁忙" in row.last_error and wecom.messages() == []
        wecom.clear_failures()
        client = login("admin")
        response = client.post(f"/notify/deliveries/{row.pk}/action/", {"action": "retry", "back": "?status=dead"})
        assert response.status_code == 302 and response["Location"] == "/notify/deliveries/?status=dead"
        row.refresh_from_db()
        assert row.status == "pending" and row.attempts == 0
        assert deliver_due()["ok"] == 1 and deliver_due()["ok"] == 0
        assert [m["touser"] for m in wecom.messages()] == ["wanglei"]
        row.refresh_from_db()
        assert row.status == "sent"
        # a sent one cannot be retried: a clear message, nothing changes
        page = client.post(f"/notify/deliveries/{row.pk}/action/", {"action": "retry"}, follow=True).content.decode()
        assert "只有发送失败的消息可以重发" in page
        assert len(wecom.messages()) == 1
    assert AuditEvent.objects.filter(center=center, action="notify.retry", actor=admin).count() == 1


def test_cancel_a_waiting_message(login, rows):
    client = login("admin")
    held = rows["held"]
    assert client.post(f"/notify/deliveries/{held.pk}/action/", {"action": "cancel"}).status_code == 302
    held.refresh_from_db()
    assert held.status == "cancelled"
    again = client.post(f"/notify/deliveries/{held.pk}/action/", {"action": "cancel"}, follow=True).content.decode()
    assert "只有待发送或免打扰暂缓的消息可以取消" in again
    assert client.post(f"/notify/deliveries/{held.pk}/action/", {"action": "explode"}).status_code == 404
    assert AuditEvent.objects.filter(action="notify.cancel").count() == 1


def test_permissions_and_other_centers(login, demo, rows):
    for username in ("reporter", "operator", "reviewer3"):
        client = login(username)
        assert client.get("/notify/deliveries/").status_code == 403
        assert client.post(f"/notify/deliveries/{rows['mail'].pk}/action/", {"action": "retry"}).status_code == 403
        assert client.get("/api/v1/notify/deliveries").status_code == 403
    neighbour = User.objects.create_user(username="lx_log_admin", display_name="邻县管理员", password="x-unused-Pass-9")
    Membership.objects.create(user=neighbour, center=demo["linxian"], role="center_admin")
    client = Client()
    client.force_login(neighbour)
    assert "邻县的消息" in client.get("/notify/deliveries/").content.decode()
    assert "东湖冬捕" not in client.get("/notify/deliveries/").content.decode()
    assert client.post(f"/notify/deliveries/{rows['mail'].pk}/action/", {"action": "retry"}).status_code == 404
    assert client.post(f"/api/v1/notify/deliveries/{rows['held'].pk}/cancel").status_code == 404
    assert client.post(f"/api/v1/notify/deliveries/{rows['mail'].pk}/retry").status_code == 404
    assert MessageDelivery.objects.get(pk=rows["mail"].pk).status == "dead"
    assert MessageDelivery.objects.get(pk=rows["held"].pk).status == "held"
    assert [d["title"] for d in client.get("/api/v1/notify/deliveries").json()["items"]] == ["邻县的消息"]


def test_the_log_through_the_api(login, rows):
    client = login("admin")
    first = client.get("/api/v1/notify/deliveries?limit=2")
    assert first.status_code == 200
    page = first.json()
    assert len(page["items"]) == 2 and page["next"]
    rest = client.get(f"/api/v1/notify/deliveries?limit=2&cursor={page['next']}").json()
    items = page["items"] + rest["items"]
    assert {i["title"] for i in items} == {"您的诉求已受理", "舆情预警：青山镇积水", "新采访任务：东湖冬捕", "稿件被退回"}
    text = str(items)
    assert PHONE not in text and "robotkey-0123456789" not in text and "wanglei@demo.local" not in text
    sms = next(i for i in items if i["kind"] == "sms")
    assert sms["address"] == "138****5678" and sms["status"] == "sent"
    dead = client.get("/api/v1/notify/deliveries?status=dead").json()["items"]
    assert [d["title"] for d in dead] == ["新采访任务：东湖冬捕"] and dead[0]["recipient"] == "reporter"
    assert dead[0]["event_label"] == "新任务/派单" and dead[0]["attempts"] == 6
    assert client.get("/api/v1/notify/deliveries?status=lost").status_code == 422
    assert client.get("/api/v1/notify/deliveries?cursor=garbage").status_code == 400
    retried = client.post(f"/api/v1/notify/deliveries/{rows['mail'].pk}/retry")
    assert retried.status_code == 200 and retried.json()["status"] == "pending"
    refused = client.post(f"/api/v1/notify/deliveries/{rows['sms'].pk}/cancel")
    assert refused.status_code == 422 and "只有待发送" in refused.json()["detail"]
    cancelled = client.post(f"/api/v1/notify/deliveries/{rows['held'].pk}/cancel")
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
