"""Notifications reaching people outside the platform, over real HTTP against the fake
企业微信, 钉钉 and 飞书 servers (written from the platforms' documentation): the link to the
task travels, preferences and quiet hours are honoured, tokens are renewed, busy answers
are retried, refusals say why in Chinese, and nothing is ever sent twice — not even by a
worker that died mid-send."""

from __future__ import annotations

import datetime as dt
import logging
import zoneinfo

import pytest
from django.utils import timezone

from rongmei.core import services
from rongmei.core.messaging import enqueue, outbox, secrets, senders
from rongmei.core.models import (
    MessageChannel,
    MessageDelivery,
    Notification,
    NotifyPreference,
    OrgUnit,
    PersonChannel,
    User,
)
from rongmei.distribution.fakes.server import start_fake

BASE = "https://rongmei.example.cn"
CORP, AGENT, CORP_SECRET = "ww5f3c0e7a", 1000002, "wecom-app-secret-0123"
APPKEY, DING_AGENT, APPSECRET = "dingx0a1b2c3", 3001002, "ding-app-secret-4567"


@pytest.fixture
def platforms(settings):
    settings.RONGMEI_LINKCHECK_ALLOW = ["127.0.0.1"]  # the fakes listen on this machine
    settings.RONGMEI_BASE_URL = BASE
    senders.forget_tokens()
    servers = {kind: start_fake(kind) for kind in ("wecom", "dingtalk", "feishu")}
    servers["wecom"].add_app(CORP, AGENT, CORP_SECRET, users=["wanglei", "lina"])
    servers["dingtalk"].add_app(APPKEY, APPSECRET, DING_AGENT, users=["ding-wanglei", "ding-lina"])
    yield servers
    for server in servers.values():
        server.stop()
    senders.forget_tokens()


@pytest.fixture
def people(demo):
    center = demo["demo"]
    # the demo's own sandbox channels and userids (core.messaging.demo) are not part of these tests
    MessageChannel.objects.filter(center=center).delete()
    PersonChannel.objects.filter(center=center).delete()
    MessageDelivery.objects.all().delete()  # nor the messages loading the demo left for its sandbox
    reporter = User.objects.get(username="reporter")
    editor = User.objects.get(username="editor")
    PersonChannel.objects.create(center=center, user=reporter, wecom_userid="wanglei", dingtalk_userid="ding-wanglei")
    PersonChannel.objects.create(center=center, user=editor, wecom_userid="lina", dingtalk_userid="ding-lina")
    return center, reporter, editor


def wecom_app(center, server, **extra):
    return MessageChannel.objects.create(center=center, name="企业微信应用", kind="wecom_app", app_id=CORP, agent_id=str(AGENT),
                                         secret=secrets.encrypt(CORP_SECRET), base_url=server.url, **extra)


def dingtalk_app(center, server):
    return MessageChannel.objects.create(center=center, name="钉钉应用", kind="dingtalk_app", app_id=APPKEY,
                                         agent_id=str(DING_AGENT), secret=secrets.encrypt(APPSECRET), base_url=server.url)


def deliveries(**filters):
    return list(MessageDelivery.objects.filter(**filters).order_by("id"))


def later(seconds: float = 3600) -> dt.datetime:
    return timezone.now() + dt.timedelta(seconds=seconds)


def test_assignment_reaches_the_reporter_on_wecom_with_a_link_to_the_task(people, platforms):
    center, reporter, _ = people
    wecom = platforms["wecom"]
    wecom_app(center, wecom)
    services.notify(center=center, recipients=[reporter], title="新采访任务：东湖冬捕", body="东湖镇 · 交稿 12-01 18:00",
                    url="/planning/assignments/7/", event="assignment")
    assert Notification.objects.filter(recipient=reporter, title="新采访任务：东湖冬捕").count() == 1  # the bell as before
    assert outbox.deliver_due() == {"ok": 1, "retry": 0, "fail": 0}
    (got,) = wecom.messages()
    assert got["touser"] == "wanglei" and got["msgtype"] == "textcard" and got["agentid"] == AGENT
    assert got["title"] == "新采访任务：东湖冬捕" and got["url"] == f"{BASE}/planning/assignments/7/"
    (row,) = deliveries(kind="wecom_app")
    assert row.status == "sent" and row.remote_id == got["msgid"] and row.attempts == 1 and row.sent_at
    assert MessageChannel.objects.get(kind="wecom_app").last_success_at is not None


def test_dingtalk_work_notice_carries_the_link_and_the_task_id_is_recorded(people, platforms):
    center, reporter, _ = people
    ding = platforms["dingtalk"]
    dingtalk_app(center, ding)
    services.notify(center=center, recipients=[reporter], title="稿件待审：春耕备耕", url="/review/queue/", event="review_pending")
    assert outbox.deliver_due()["ok"] == 1
    (got,) = ding.messages()
    card = got["msg"]["action_card"]
    assert got["userid"] == "ding-wanglei" and card["single_url"] == f"{BASE}/review/queue/" and "春耕备耕" in card["markdown"]
    (row,) = deliveries(kind="dingtalk_app")
    assert row.status == "sent" and row.remote_id == str(got["task_id"]) and row.progress["task_id"] == got["task_id"]


def test_a_desk_robot_gets_one_message_per_event_not_one_per_person(people, platforms):
    center, reporter, editor = people
    desk = OrgUnit.objects.filter(center=center).first()
    feishu, wecom = platforms["feishu"], platforms["wecom"]
    hook = feishu.add_hook("fsDESK01hook", "feishu-desk-secret")
    key = wecom.add_robot("wkDESK02key")
    MessageChannel.objects.create(center=center, name="编发部飞书群", kind="feishu_robot", org_unit=desk,
                                  webhook_url=feishu.url + hook, secret=secrets.encrypt("feishu-desk-secret"),
                                  events=["review_pending"])
    MessageChannel.objects.create(center=center, name="采集部企微群", kind="wecom_robot", org_unit=desk,
                                  webhook_url=wecom.url + key, events=["assignment"])
    services.notify(center=center, recipients=[reporter, editor], title="两篇稿件待审", url="/review/queue/", event="review_pending")
    outbox.deliver_due()
    (got,) = feishu.robot_messages()  # signed as Feishu documents it, once for the desk
    assert "【待我审核】两篇稿件待审" in got["body"]["content"]["text"] and f"{BASE}/review/queue/" in got["body"]["content"]["text"]
    assert wecom.robot_messages() == []  # that group takes only assignments
    services.notify(center=center, recipients=[reporter], title="[点我](http://evil.example/) 派单", url="/planning/", event="assignment")
    outbox.deliver_due()
    (posted,) = wecom.robot_messages()
    content = posted["body"]["markdown"]["content"]
    assert "](http://evil" not in content and f"[打开处理]({BASE}/planning/)" in content


def test_preference_off_sends_nothing_but_the_bell(people, platforms):
    center, reporter, _ = people
    wecom_app(center, platforms["wecom"])
    dingtalk_app(center, platforms["dingtalk"])
    NotifyPreference.objects.create(center=center, user=reporter, event="assignment", channels=["bell"])
    services.notify(center=center, recipients=[reporter], title="新任务", url="/planning/", event="assignment")
    assert MessageDelivery.objects.filter(recipient=reporter).count() == 0
    assert outbox.deliver_due() == {"ok": 0, "retry": 0, "fail": 0}
    assert platforms["wecom"].messages() == [] and platforms["dingtalk"].messages() == []
    assert Notification.objects.filter(recipient=reporter, title="新任务").exists()


def _quiet_now(center, reporter):
    zone = zoneinfo.ZoneInfo(center.timezone)
    local = timezone.now().astimezone(zone)
    start = (local - dt.timedelta(hours=1)).time().replace(second=0, microsecond=0)
    end = (local + dt.timedelta(hours=1)).time().replace(second=0, microsecond=0)
    PersonChannel.objects.filter(center=center, user=reporter).update(quiet_from=start, quiet_to=end)


def test_quiet_hours_hold_a_routine_message_and_release_it_when_they_end(people, platforms):
    center, reporter, _ = people
    wecom = platforms["wecom"]
    wecom_app(center, wecom)
    _quiet_now(center, reporter)
    services.notify(center=center, recipients=[reporter], title="新任务（夜间）", url="/planning/", event="assignment")
    (row,) = deliveries(kind="wecom_app")
    assert row.status == "held" and row.available_at > timezone.now() + dt.timedelta(minutes=55)
    assert outbox.deliver_due()["ok"] == 0 and wecom.messages() == []
    assert outbox.deliver_due(now=row.available_at + dt.timedelta(seconds=1))["ok"] == 1  # quiet hours over
    assert [m["title"] for m in wecom.messages()] == ["新任务（夜间）"]


def test_urgent_messages_pass_quiet_hours(people, platforms):
    center, reporter, _ = people
    wecom = platforms["wecom"]
    wecom_app(center, wecom)
    _quiet_now(center, reporter)
    services.notify(center=center, recipients=[reporter], title="舆情预警：青山镇积水", url="/monitor/alerts/1/",
                    event="monitor_alert")  # urgent by the catalogue
    services.notify(center=center, recipients=[reporter], title="加急派单", url="/planning/", event="assignment", urgent=True)
    assert [d.status for d in deliveries(kind="wecom_app")] == ["pending", "pending"]
    assert outbox.deliver_due()["ok"] == 2 and len(wecom.messages()) == 2


def test_an_expired_token_is_renewed_and_the_message_still_goes(people, platforms):
    center, reporter, editor = people
    wecom = platforms["wecom"]
    wecom_app(center, wecom)
    services.notify(center=center, recipients=[reporter], title="第一条", url="/planning/", event="assignment")
    outbox.deliver_due()
    wecom.expire_tokens(CORP)  # WeCom may end a token before its expires_in
    services.notify(center=center, recipients=[editor], title="第二条", url="/planning/", event="assignment")
    assert outbox.deliver_due()["ok"] == 1
    assert [m["title"] for m in wecom.messages()] == ["第一条", "第二条"]
    assert wecom.state()["calls"]["/cgi-bin/gettoken"] == 2  # cached once, fetched again after 42001


def test_rate_limit_is_retried_later_and_then_sent(people, platforms):
    center, reporter, _ = people
    wecom = platforms["wecom"]
    wecom_app(center, wecom)
    wecom.fail_next(1, errcode=45009, path="/cgi-bin/message/send")
    services.notify(center=center, recipients=[reporter], title="限流后重试", url="/planning/", event="assignment")
    assert outbox.deliver_due() == {"ok": 0, "retry": 1, "fail": 0}
    (row,) = deliveries(kind="wecom_app")
    assert row.status == "pending" and "45009" in row.last_error and "稍后重试" in row.last_error
    assert row.available_at > timezone.now() and not row.in_flight
    assert outbox.deliver_due()["ok"] == 0  # not before its backoff
    assert outbox.deliver_due(now=later())["ok"] == 1
    row.refresh_from_db()
    assert row.status == "sent" and row.attempts == 2 and len(wecom.messages()) == 1


def test_busy_platform_is_given_up_after_max_attempts(people, platforms):
    center, reporter, _ = people
    ding = platforms["dingtalk"]
    dingtalk_app(center, ding)
    ding.fail_next(50, errcode=-1, path="/topapi/message/corpconversation/asyncsend_v2")
    services.notify(center=center, recipients=[reporter], title="一直繁忙", url="/planning/", event="assignment")
    (row,) = deliveries(kind="dingtalk_app")
    for hour in range(1, row.max_attempts + 2):
        outbox.deliver_due(now=later(hour * 7200))
    row.refresh_from_db()
    assert row.status == "dead" and row.attempts == row.max_attempts and "系统繁忙" in row.last_error


def test_unknown_member_fails_with_a_chinese_reason(people, platforms):
    center, reporter, _ = people
    wecom_app(center, platforms["wecom"])
    dingtalk_app(center, platforms["dingtalk"])
    PersonChannel.objects.filter(user=reporter).update(wecom_userid="nobody", dingtalk_userid="ding-nobody")
    services.notify(center=center, recipients=[reporter], title="找不到人", url="/planning/", event="assignment")
    assert outbox.deliver_due() == {"ok": 0, "retry": 0, "fail": 2}
    wecom_row, ding_row = deliveries(kind="wecom_app") + deliveries(kind="dingtalk_app")
    assert wecom_row.status == "failed" and "81013" in wecom_row.last_error and "企业微信账号" in wecom_row.last_error
    assert ding_row.status == "failed" and "钉钉找不到成员“ding-nobody”" in ding_row.last_error
    assert "81013" in MessageChannel.objects.get(kind="wecom_app").last_error


def test_enqueue_is_idempotent_on_its_key(people):
    center, reporter, _ = people
    first = enqueue(center=center, kind="wecom_app", address="wanglei", title="一次", key="test:once")
    again = enqueue(center=center, kind="wecom_app", address="wanglei", title="一次", key="test:once")
    assert first.pk == again.pk and MessageDelivery.objects.filter(idempotency_key="test:once").count() == 1
    note = services.notify(center=center, recipients=[reporter], title="x", url="/p/", event="assignment")[0]
    assert MessageDelivery.objects.filter(notification=note).count() == 0  # no channel configured: bell only


def test_a_worker_killed_mid_send_never_makes_a_second_message(people, platforms):
    center, reporter, _ = people
    wecom, ding, feishu = platforms["wecom"], platforms["dingtalk"], platforms["feishu"]
    wecom_app(center, wecom)
    dingtalk_app(center, ding)
    hook = feishu.add_hook("fsCRASHhook")
    MessageChannel.objects.create(center=center, name="值班群", kind="feishu_robot", webhook_url=feishu.url + hook,
                                  events=["publish_failed"])
    services.notify(center=center, recipients=[reporter], title="发布失败：抖音", url="/distribution/", event="publish_failed")
    import rongmei.core.messaging.senders  # noqa: F401 - registered as the worker does

    claimed = outbox.claim("worker-a")
    assert len(claimed) == 3
    for delivery in claimed:
        outbox.attempt(delivery, "worker-a")  # the message leaves ... and the worker dies before recording it
    assert [d.status for d in deliveries()] == ["sending"] * 3
    counts = outbox.deliver_due(now=later(outbox.LEASE_SECONDS + 5), worker="worker-b")  # lease ran out
    assert counts == {"ok": 2, "retry": 0, "fail": 1}
    assert len(wecom.messages()) == 1 and wecom.state()["duplicates"] == 1  # resent; WeCom dropped the repeat
    assert len(ding.messages()) == 1 and ding.state()["calls"]["/topapi/message/corpconversation/asyncsend_v2"] == 1
    assert len(feishu.robot_messages()) == 1  # a robot cannot drop repeats: not resent
    robot_row = MessageDelivery.objects.get(kind="feishu_robot")
    assert robot_row.status == "failed" and "为免重复" in robot_row.last_error


def test_addresses_are_masked_in_the_log_and_stored_encrypted(people, caplog):
    center = people[0]
    caplog.set_level(logging.DEBUG)
    sms = enqueue(center=center, kind="sms", address="13812345678", title="您的问政已受理", key="test:sms")
    mail = enqueue(center=center, kind="email", address="wanglei@demo.local", title="t", key="test:mail")
    wecom = enqueue(center=center, kind="wecom_app", address="wanglei", title="t", key="test:wecom")
    robot = enqueue(center=center, kind="wecom_robot", address="https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abcdef123456789",
                    title="t", key="test:robot")
    assert sms.address_masked == "138****5678" and "13812345678" not in sms.address
    assert "wanglei@" not in mail.address_masked and wecom.address_masked == "wanglei"
    assert "abcdef123456789" not in robot.address_masked
    assert outbox.address_of(MessageDelivery.objects.get(pk=sms.pk)) == "13812345678"
    assert "13812345678" not in caplog.text


def test_email_goes_through_the_outbox_once(people, settings, platforms):
    from django.core import mail

    settings.EMAIL_ENABLED = True
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    center, reporter, _ = people
    reporter.email = "wanglei@demo.local"
    reporter.save()
    note = services.notify(center=center, recipients=[reporter], title="账号长期未更新", url="/distribution/accounts/",
                           event="account_stale")[0]
    assert outbox.deliver_due()["ok"] == 1
    (message,) = mail.outbox
    assert message.to == ["wanglei@demo.local"] and f"{BASE}/distribution/accounts/" in message.body
    assert Notification.objects.get(pk=note.pk).emailed_at is not None
    row = MessageDelivery.objects.get(kind="email")
    # as a worker killed after mailing would leave it: sent again, the bell row's mark stops it
    MessageDelivery.objects.filter(pk=row.pk).update(status="pending", in_flight=True)
    assert outbox.deliver_due()["ok"] == 1 and len(mail.outbox) == 1


def test_two_workers_never_claim_the_same_message(people):
    center = people[0]
    for n in range(5):
        enqueue(center=center, kind="wecom_app", address="wanglei", title=f"第{n}条", key=f"test:race:{n}")
    first, second = outbox.claim("worker-a", limit=3), outbox.claim("worker-b", limit=10)
    assert len(first) == 3 and len(second) == 2 and not {d.pk for d in first} & {d.pk for d in second}
    assert outbox.claim("worker-c") == []  # all leased
    assert not outbox.record(first[0], "worker-b", outbox.SendResult.ok())  # not b's lease: nothing written
