"""Alert deliveries over real HTTP to fake WeCom, DingTalk and Feishu receivers that verify the
signatures as the platforms document them; email through Django's locmem backend; nothing
leaves before the transaction that raised the alert commits."""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse

from rongmei.distribution import secrets
from rongmei.core.messaging import robots
from rongmei.monitor import alerts, services
from rongmei.monitor.models import AlertDelivery, AlertRule, RobotHook
from rongmei.monitor.tests import test_alerts as kit
from rongmei.monitor.tests.robotfakes import RobotFakes

DING_SECRET = "SEC0123456789abcdef-ding"
FEISHU_SECRET = "feishu-secret-xyz"
world = kit.world  # the same center, sources and topics as test_alerts
item, rule = kit.item, kit.rule


@pytest.fixture
def fakes(settings):
    settings.RONGMEI_LINKCHECK_ALLOW = ["127.0.0.1"]  # the fake receivers are on this machine
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with RobotFakes(dingtalk_secret=DING_SECRET, feishu_secret=FEISHU_SECRET) as server:
        yield server


def robot(w, kind: str, url: str, secret: str | None = None) -> RobotHook:
    return services.save_robot(center=w.center, user=w.analyst, name=f"{kind}-{url[-12:]}", kind=kind, url=url,
                               secret=secret)


def raise_alert(w, robots_=(), emails=""):
    r = rule(w, AlertRule.Kind.NEGATIVE, emails=emails)
    r.robots.set(robots_)
    hostile = item(w, tone="negative", score=-0.7, title="[点我](http://evil.example/) <font>青山镇积水")
    return alerts.evaluate(w.center, [hostile])[0]


def test_wecom_gets_markdown_and_outsider_text_stays_inert(world, fakes):
    hook = robot(world, "wecom", fakes.wecom_url())
    alert = raise_alert(world, [hook])
    assert alerts.deliver(alert.pk) == {"sent": 1, "pending": 0, "failed": 0}
    (got,) = fakes.received
    content = got["body"]["markdown"]["content"]
    assert got["platform"] == "wecom" and content.startswith("### 舆情预警（")
    assert f"/monitor/alerts/{alert.pk}/" in content and "[查看并处置](" in content
    assert "](http://evil" not in content and "<font>" not in content
    delivery = AlertDelivery.objects.get(alert=alert)
    assert delivery.status == "sent" and delivery.attempts == 1 and delivery.sent_at is not None


def test_wecom_wrong_key_fails_with_the_platform_code(world, fakes, login):
    hook = robot(world, "wecom", fakes.wecom_url(key="not-the-key"))
    alert = raise_alert(world, [hook])
    alerts.deliver(alert.pk)
    delivery = AlertDelivery.objects.get(alert=alert)
    assert delivery.status == "failed" and "93000" in delivery.error and "企业微信" in delivery.error
    client = login("analyst")  # the outcome is on the alert's page and the robots list
    assert "93000" in client.get(reverse("monitor:alert", args=[alert.pk])).content.decode()
    assert "93000" in client.get(reverse("monitor:robots")).content.decode()
    services.close(alert=alert, user=world.analyst, resolution="已处理")
    closed = client.get(reverse("monitor:alert", args=[alert.pk])).content.decode()
    assert 'data-testid="alert-reopen"' in closed and "已处理" in closed


def test_dingtalk_signed_message_is_accepted_and_a_bad_secret_is_refused(world, fakes):
    good = robot(world, "dingtalk", fakes.dingtalk_url(), secret=DING_SECRET)
    bad = robot(world, "dingtalk", fakes.dingtalk_url() + "&x=1", secret="SECwrong")
    alert = raise_alert(world, [good, bad])
    assert alerts.deliver(alert.pk) == {"sent": 1, "pending": 0, "failed": 1}
    (got,) = fakes.received
    assert got["platform"] == "dingtalk" and got["body"]["markdown"]["title"].startswith("舆情预警")
    failed = AlertDelivery.objects.get(alert=alert, robot=bad)
    assert failed.status == "failed" and "310000" in failed.error and "加签" in failed.error
    assert [r["answer"]["errcode"] for r in fakes.refused] == [310000]


def test_feishu_signed_message_is_accepted_and_a_bad_secret_is_refused(world, fakes):
    good = robot(world, "feishu", fakes.feishu_url(), secret=FEISHU_SECRET)
    unsigned = robot(world, "feishu", fakes.feishu_url() + "?u=1")
    alert = raise_alert(world, [good, unsigned])
    alerts.deliver(alert.pk)
    (got,) = fakes.received
    assert got["platform"] == "feishu" and got["body"]["msg_type"] == "text"
    assert "舆情预警" in got["body"]["content"]["text"] and got["body"]["timestamp"].isdigit()
    failed = AlertDelivery.objects.get(alert=alert, robot=unsigned)
    assert failed.status == "failed" and "19021" in failed.error


def test_signatures_match_the_documented_recipes():
    import base64
    import hashlib
    import hmac
    import urllib.parse

    ms = "1700000000000"
    expected = base64.b64encode(hmac.new(b"SECx", f"{ms}\nSECx".encode(), hashlib.sha256).digest()).decode()
    assert urllib.parse.unquote_plus(robots.dingtalk_sign("SECx", ms)) == expected
    url, _ = robots.build("dingtalk", "https://oapi.dingtalk.com/robot/send?access_token=t", "SECx", "t", "m", "p",
                          now=1_700_000_000)
    assert url.endswith(f"&timestamp={ms}&sign={robots.dingtalk_sign('SECx', ms)}")
    feishu = base64.b64encode(hmac.new(b"1700000000\nkey", b"", hashlib.sha256).digest()).decode()
    _, body = robots.build("feishu", "https://open.feishu.cn/open-apis/bot/v2/hook/h", "key", "t", "m", "p", now=1_700_000_000)
    assert body["timestamp"] == "1700000000" and body["sign"] == feishu


def test_busy_platform_is_retried_then_given_up(world, fakes):
    hook = robot(world, "wecom", fakes.wecom_url())
    alert = raise_alert(world, [hook])
    fakes.mode = "error500"
    alerts.deliver(alert.pk)
    delivery = AlertDelivery.objects.get(alert=alert)
    assert delivery.status == "pending" and delivery.attempts == 1 and "HTTP 500" in delivery.error
    fakes.mode = "ratelimit"
    alerts.retry_pending()
    delivery.refresh_from_db()
    assert delivery.status == "pending" and delivery.attempts == 2 and "45009" in delivery.error
    fakes.mode = ""
    alerts.retry_pending()
    delivery.refresh_from_db()
    assert delivery.status == "sent" and delivery.attempts == 3 and delivery.error == ""
    # a platform that never recovers: failed after MAX_ATTEMPTS, with the count in the message
    other = raise_alert(world, [robot(world, "wecom", fakes.wecom_url() + "&n=2")])
    fakes.mode = "error500"
    for _ in range(alerts.MAX_ATTEMPTS + 1):
        alerts.deliver(other.pk)
    gave_up = AlertDelivery.objects.get(alert=other)
    assert gave_up.status == "failed" and gave_up.attempts == alerts.MAX_ATTEMPTS and "已尝试" in gave_up.error


def test_private_address_is_refused_at_delivery(world, fakes, settings):
    hook = robot(world, "wecom", fakes.wecom_url())
    alert = raise_alert(world, [hook])
    settings.RONGMEI_LINKCHECK_ALLOW = []
    alerts.deliver(alert.pk)
    delivery = AlertDelivery.objects.get(alert=alert)
    assert delivery.status == "failed" and "不允许访问" in delivery.error and fakes.received == []


def test_email_in_chinese_with_a_link(world, fakes):
    alert = raise_alert(world, emails="duty@example.cn\nchief@example.cn")
    mail.outbox.clear()
    assert alerts.deliver(alert.pk)["sent"] == 2
    assert sorted(m.to[0] for m in mail.outbox) == ["chief@example.cn", "duty@example.cn"]
    message = mail.outbox[0]
    assert "舆情预警" in message.subject and world.center.name in message.subject
    assert f"/monitor/alerts/{alert.pk}/" in message.body and "查看并处置" in message.body


def test_nothing_is_sent_before_the_commit(world, fakes, immediate_queue, django_capture_on_commit_callbacks):
    hook = robot(world, "wecom", fakes.wecom_url())
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        alert = raise_alert(world, [hook], emails="duty@example.cn")
    assert fakes.received == [] and mail.outbox == []
    assert set(AlertDelivery.objects.filter(alert=alert).values_list("status", flat=True)) == {"pending"}
    with django_capture_on_commit_callbacks(execute=True):
        for callback in callbacks:
            callback()
    assert [r["platform"] for r in fakes.received] == ["wecom"] and len(mail.outbox) == 1
    assert set(AlertDelivery.objects.filter(alert=alert).values_list("status", flat=True)) == {"sent"}


def test_robot_screens_keep_the_secret_and_key_write_only(world, fakes, login):
    client = login("analyst")
    response = client.post(reverse("monitor:robot_new"), {"name": "舆情值班群", "kind": "dingtalk",
                                                          "url": fakes.dingtalk_url(), "secret": DING_SECRET,
                                                          "enabled": "on"})
    assert response.status_code == 302, response.content.decode()[:2000]
    hook = RobotHook.objects.get(center=world.center, name="舆情值班群")
    assert hook.secret != DING_SECRET and secrets.decrypt(hook.secret) == DING_SECRET
    for page in (client.get(response.url), client.get(reverse("monitor:robots")),
                 client.get(f"/api/v1/monitor/robots/{hook.pk}")):
        body = page.content.decode()
        assert page.status_code == 200 and DING_SECRET not in body and fakes.dingtalk_token not in body
    assert client.get(f"/api/v1/monitor/robots/{hook.pk}").json()["has_secret"] is True
    # editing with the address and secret left blank keeps both
    client.post(response.url, {"name": "舆情值班群", "kind": "dingtalk", "url": "", "secret": "", "enabled": "on"})
    hook.refresh_from_db()
    assert hook.url == fakes.dingtalk_url() and secrets.decrypt(hook.secret) == DING_SECRET
    tested = client.post(reverse("monitor:robot_action", args=[hook.pk]), {"action": "test"}, follow=True)
    assert "测试消息已送达" in tested.content.decode() and fakes.received[-1]["platform"] == "dingtalk"
    # a robot pointing somewhere else than its platform is refused in Chinese
    settings_refused = client.post(reverse("monitor:robot_new"), {"name": "外部", "kind": "wecom",
                                                                  "url": "https://evil.example/cgi-bin/webhook/send?key=1"})
    assert "企业微信机器人的地址应为" in settings_refused.content.decode()


def test_api_robot_test_reports_the_platform_code(world, fakes, login):
    client = login("analyst")
    created = client.post("/api/v1/monitor/robots", {"name": "飞书群", "kind": "feishu", "url": fakes.feishu_url(),
                                                     "secret": "wrong"}, content_type="application/json")
    assert created.status_code == 201 and created.json()["has_secret"] is True and "secret" not in created.json()
    assert fakes.feishu_hook not in created.json()["url_masked"]
    result = client.post(f"/api/v1/monitor/robots/{created.json()['id']}/test", content_type="application/json").json()
    assert result == {"ok": False, "outcome": "fail", "code": 19021, "message": result["message"]}
    assert "19021" in result["message"]
    fixed = client.put(f"/api/v1/monitor/robots/{created.json()['id']}", {"name": "飞书群", "kind": "feishu",
                                                                         "secret": FEISHU_SECRET},
                       content_type="application/json")
    assert fixed.status_code == 200
    assert client.post(f"/api/v1/monitor/robots/{created.json()['id']}/test", content_type="application/json").json()["ok"]


def test_xss_seed_stores_names_and_refuses_every_unsafe_robot_address(world, login):
    from rongmei.testing import xss

    manifest = xss.Manifest()
    xss._monitor_alerts(manifest, world.center, {"analyst": world.analyst})
    assert manifest.errors == [] and manifest.accepted_unsafe == []
    assert {f for f, _ in manifest.refused} == {"群机器人.地址"} and len(manifest.refused) == len(xss.url_payloads())
    client = login("analyst")
    for path in manifest.pages["analyst"]:
        html = client.get(path).content.decode()
        assert "__xss(" in html, path  # the names are shown …
        for raw in ("<script>__xss", "<img src=x onerror=__xss", "<svg onload=__xss", "<details open ontoggle=__xss"):
            assert raw not in html, (path, raw)  # … escaped (the browser suite runs them for real)
