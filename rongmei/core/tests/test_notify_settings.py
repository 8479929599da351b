"""通知设置 and 消息渠道 (issue 17): a person chooses where each event reaches them, with quiet
hours and their own accounts; the center admin keeps the channels (secrets and robot
addresses write-only, addresses checked, versions against concurrent edits); a test message
from either page travels through the outbox to the fake 企业微信 server over real HTTP.
Pages and the API alike; another center's channel is a 404."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from rongmei.core import notify_services as ns
from rongmei.core import services
from rongmei.core.messaging import secrets
from rongmei.core.messaging.outbox import deliver_due
from rongmei.core.models import AuditEvent, MessageChannel, MessageDelivery, Membership, NotifyPreference, OrgUnit, PersonChannel, User

pytestmark = pytest.mark.django_db

CORP, AGENT, SECRET = "wwdemo0001", 1000002, "corpsecret-Very-Secret-123"


@pytest.fixture(autouse=True)
def bare(demo):
    """Start from a center without the demo's channels and people's accounts (the demo points
    them at the sandbox ports), so each test sets up exactly what it checks."""
    MessageChannel.objects.filter(center__in=demo.values()).update(is_active=False)
    PersonChannel.objects.filter(center__in=demo.values()).delete()
    MessageDelivery.objects.filter(status__in=["pending", "held"]).update(status="cancelled")  # none from the demo


@pytest.fixture
def wecom(settings):
    """The fake 企业微信 server on this machine (allowed by the outbound rule for the test)."""
    from rongmei.distribution.fakes.server import start_fake

    settings.RONGMEI_LINKCHECK_ALLOW = ["127.0.0.1"]
    server = start_fake("wecom")
    try:
        yield server
    finally:
        server.stop()


def _admin_of(center, username):
    user = User.objects.create_user(username=username, display_name="渠道管理员", password="x-unused-Pass-9")
    Membership.objects.create(user=user, center=center, role="center_admin")
    return user


def _client(user):
    client = Client()
    client.force_login(user)
    return client


def _app(center, user, base_url="", **extra):
    return ns.save_channel(center=center, user=user, kind="wecom_app", name=extra.pop("name", "企业微信·全中心"),
                           app_id=CORP, agent_id=str(AGENT), secret=SECRET, base_url=base_url, **extra)


# --- 通知设置 --------------------------------------------------------------------------------------

def test_everyone_has_the_settings_page_with_events_and_defaults(login, demo):
    for username in ("reporter", "liaison", "hr", "admin"):
        response = login(username).get("/account/notifications/")
        assert response.status_code == 200, username
        body = response.content.decode()
        assert "待我审核" in body and "问政超期督办" in body and "免打扰" in body and "发一条测试消息" in body
    # no choice yet: the event's defaults are shown, ticked, and marked 默认
    body = login("reporter").get("/account/notifications/").content.decode()
    assert 'name="ev_assignment" value="wecom" id="id_ev_assignment_wecom" checked' in body
    assert 'name="ev_account_stale" value="wecom" id="id_ev_account_stale_wecom" title' in body  # not a default there
    assert "本中心尚未开通企业微信消息" in body
    assert "通知设置" in [i["label"] for i in login("reporter").get("/").context["nav_items"]]


def test_saving_choices_quiet_hours_and_accounts(login, demo):
    reporter = User.objects.get(username="reporter")
    client = login("reporter")
    response = client.post("/account/notifications/", {
        "ev_assignment": ["wecom"], "ev_review_returned": ["dingtalk", "email"], "quiet_from": "22:00", "quiet_to": "07:00",
        "wecom_userid": "WangLei", "dingtalk_userid": "manager4321", "version": "0"})
    assert response.status_code == 302
    pc = PersonChannel.objects.get(center=demo["demo"], user=reporter)
    assert (pc.quiet_from, pc.quiet_to, pc.wecom_userid, pc.dingtalk_userid) == (dt.time(22), dt.time(7), "WangLei", "manager4321")
    prefs = {p.event: p.channels for p in NotifyPreference.objects.filter(center=demo["demo"], user=reporter)}
    assert prefs["assignment"] == ["bell", "wecom"]
    assert prefs["review_returned"] == ["bell", "email", "dingtalk"]
    assert prefs["monitor_alert"] == ["bell"]  # every box of the page was sent: unticked is "bell only"
    event = AuditEvent.objects.filter(center=demo["demo"], action="notify.settings").latest("pk")
    assert event.actor == reporter and "WangLei" not in str(event.after)  # ids are not copied into the log
    # what notify() then does with it: the bell plus the chosen channel only (the center has no app yet: none)
    page = client.get("/account/notifications/").content.decode()
    assert 'value="22:00"' in page and 'value="WangLei"' in page
    assert 'name="ev_assignment" value="email" id="id_ev_assignment_email" title' in page or \
        'name="ev_assignment" value="email" id="id_ev_assignment_email">' in page


def test_bad_input_is_refused_in_chinese_and_nothing_changes(login, demo):
    reporter = User.objects.get(username="reporter")
    client = login("reporter")
    cases = [
        ({"quiet_from": "22:00", "quiet_to": ""}, "开始和结束都要填写"),
        ({"quiet_from": "25:99", "quiet_to": "07:00"}, "时间格式应为"),
        ({"quiet_from": "08:00", "quiet_to": "08:00"}, "不能是同一时刻"),
        ({"wecom_userid": "王 磊<script>"}, "只能是 1–64 位字母"),
        ({"ev_assignment": ["sms"]}, "没有这种渠道"),
    ]
    for data, message in cases:
        response = client.post("/account/notifications/", {"version": "0", **data})
        assert response.status_code == 400, data
        assert message in response.content.decode(), data
    assert not PersonChannel.objects.filter(center=demo["demo"], user=reporter).exists()
    assert not NotifyPreference.objects.filter(center=demo["demo"], user=reporter).exists()
    with pytest.raises(Exception) as refused:
        ns.save_settings(user=reporter, center=demo["demo"], actor=reporter, prefs={"no_such_event": ["bell"]})
    assert "没有这种事件" in str(refused.value)


def test_a_stale_settings_page_is_refused_with_409(login, demo):
    reporter = User.objects.get(username="reporter")
    admin = User.objects.get(username="admin")
    pc = ns.save_settings(user=reporter, center=demo["demo"], actor=reporter, wecom_userid="WangLei")
    # the admin binds another account meanwhile (人员账号绑定)
    response = login("admin").post("/notify/people/", {f"wecom_{reporter.pk}": "wanglei2", f"dingtalk_{reporter.pk}": "",
                                                       f"version_{reporter.pk}": str(pc.version)})
    assert response.status_code == 302
    assert PersonChannel.objects.get(pk=pc.pk).wecom_userid == "wanglei2"
    assert AuditEvent.objects.filter(action="notify.bind", actor=admin).exists()
    stale = login("reporter").post("/account/notifications/", {"wecom_userid": "WangLei", "version": str(pc.version)})
    assert stale.status_code == 409 and "已被他人修改" in stale.content.decode()
    assert PersonChannel.objects.get(pk=pc.pk).wecom_userid == "wanglei2"


def test_notify_follows_the_choice_and_quiet_hours(demo):
    center = demo["demo"]
    admin, reporter = User.objects.get(username="admin"), User.objects.get(username="reporter")
    _app(center, admin)
    ns.save_settings(user=reporter, center=center, actor=reporter, wecom_userid="WangLei",
                     prefs={"assignment": ["bell", "wecom"], "account_stale": ["bell"]})
    services.notify(center=center, recipients=[reporter], title="新采访任务：东湖冬捕", url="/planning/assignments/9/",
                    event="assignment")
    services.notify(center=center, recipients=[reporter], title="账号久未更新", event="account_stale")
    rows = list(MessageDelivery.objects.filter(center=center, recipient=reporter))
    assert [(r.kind, r.event, r.address_masked) for r in rows] == [("wecom_app", "assignment", "WangLei")]
    assert rows[0].url.endswith("/planning/assignments/9/") and rows[0].url.startswith("http")
    # quiet all day long (00:00 → 23:59): non-urgent ones wait, urgent ones go
    ns.save_settings(user=reporter, center=center, actor=reporter, quiet_from="00:00", quiet_to="23:59",
                     prefs={"inquiry_overdue": ["bell", "wecom"], "assignment": ["bell", "wecom"]})
    services.notify(center=center, recipients=[reporter], title="又一个任务", event="assignment")
    services.notify(center=center, recipients=[reporter], title="超期督办", event="inquiry_overdue", urgent=True)
    status = dict(MessageDelivery.objects.filter(center=center, recipient=reporter, title__in=["又一个任务", "超期督办"])
                  .values_list("title", "status"))
    assert status == {"又一个任务": "held", "超期督办": "pending"}


# --- 消息渠道 --------------------------------------------------------------------------------------

def test_channels_are_for_the_center_admin_only(login, demo):
    for path in ("/notify/channels/", "/notify/channels/new/?kind=wecom_app", "/notify/people/", "/notify/deliveries/"):
        assert login("admin").get(path).status_code == 200, path
        response = login("reporter").get(path)
        assert response.status_code == 403 and "没有" in response.content.decode(), path
        assert login("reviewer3").get(path).status_code == 403, path
    labels = [i["label"] for i in login("admin").get("/").context["nav_items"]]
    assert "消息渠道" in labels and "发送记录" in labels and "通知设置" in labels
    assert "消息渠道" not in [i["label"] for i in login("editor").get("/").context["nav_items"]]
    assert login("admin").get("/notify/channels/new/?kind=nonsense").status_code == 302


def test_secrets_and_robot_addresses_are_write_only_and_checked(login, demo, settings):
    center = demo["demo"]
    client = login("admin")
    before = MessageChannel.objects.filter(center=center).count()  # the demo's own (SMS)
    desk = OrgUnit.objects.filter(center=center).first()
    webhook = "https://oapi.dingtalk.com/robot/send?access_token=abcdef0123456789abcdef"
    response = client.post("/notify/channels/new/?kind=dingtalk_robot", {
        "name": "时政部钉钉群", "webhook_url": webhook, "secret": "SECding-Secret-4567", "org_unit": desk.pk,
        "events": ["review_pending", "publish_failed"], "is_active": "on"})
    assert response.status_code == 302
    robot = MessageChannel.objects.get(center=center, name="时政部钉钉群")
    assert robot.secret != "SECding-Secret-4567" and secrets.decrypt(robot.secret) == "SECding-Secret-4567"
    assert robot.events == ["review_pending", "publish_failed"] and robot.org_unit == desk
    for page in (client.get("/notify/channels/"), client.get(f"/notify/channels/{robot.pk}/")):
        body = page.content.decode()
        assert "SECding-Secret-4567" not in body and "abcdef0123456789abcdef" not in body
        assert "access_token=abcd" in body  # only the ends of the token
    api = client.get("/api/v1/notify/channels").json()
    assert "SECding-Secret-4567" not in str(api) and "abcdef0123456789abcdef" not in str(api)
    assert [c["has_secret"] for c in api["items"] if c["name"] == "时政部钉钉群"] == [True]
    # editing with the secret and the address left blank keeps both
    response = client.post(f"/notify/channels/{robot.pk}/", {
        "name": "时政部钉钉群", "webhook_url": "", "secret": "", "events": ["review_pending"], "is_active": "on",
        "version": str(robot.version)})
    assert response.status_code == 302
    robot.refresh_from_db()
    assert robot.webhook_url == webhook and secrets.decrypt(robot.secret) == "SECding-Secret-4567"
    assert robot.events == ["review_pending"] and robot.version == 2
    # bad addresses and fields: field errors in Chinese, nothing saved
    bad = [
        ({"webhook_url": "javascript:alert(1)"}, "只能以 http:// 或 https:// 开头"),
        ({"webhook_url": "https://evil.example/robot/send?access_token=x"}, "钉钉机器人的地址应为"),
        ({"webhook_url": "https://oapi.dingtalk.com/robot/send"}, "access_token"),
        ({"events": []}, "请至少选择一种"),
        ({"events": ["hack"]}, "没有这种事件"),
        ({"name": ""}, "请填写名称"),
    ]
    for change, message in bad:
        data = {"name": "外宣群", "webhook_url": webhook, "secret": "", "events": ["handoff"], "is_active": "on", **change}
        response = client.post("/notify/channels/new/?kind=dingtalk_robot", data)
        assert response.status_code == 400, change
        assert message in response.content.decode(), change
    response = client.post("/notify/channels/new/?kind=wecom_app", {"name": "企业微信", "app_id": CORP, "agent_id": "abc",
                                                                    "secret": "", "base_url": "http://10.0.0.5:8080"})
    body = response.content.decode()
    assert response.status_code == 400 and "AgentId 是一串数字" in body and "请填写密钥" in body and "RONGMEI_LINKCHECK_ALLOW" in body
    assert MessageChannel.objects.filter(center=center).count() == before + 1


def test_concurrent_channel_edits_are_refused(login, demo):
    center = demo["demo"]
    admin = User.objects.get(username="admin")
    app = _app(center, admin)
    client = login("admin")
    page = client.get(f"/notify/channels/{app.pk}/").content.decode()
    assert 'name="version" value="1"' in page and ">Version<" not in page and SECRET not in page
    first = client.post(f"/notify/channels/{app.pk}/", {"name": "企业微信·编辑部", "app_id": CORP, "agent_id": str(AGENT),
                                                        "is_active": "on", "version": "1"})
    assert first.status_code == 302
    second = client.post(f"/notify/channels/{app.pk}/", {"name": "企业微信·旧名", "app_id": CORP, "agent_id": str(AGENT),
                                                         "is_active": "on", "version": "1"})
    assert second.status_code == 409 and "已被他人修改" in second.content.decode()
    assert 'name="version" value="1"' in second.content.decode()  # still the stale one: a reload is needed
    assert client.post(f"/notify/channels/{app.pk}/", {"name": "无版本", "app_id": CORP, "agent_id": str(AGENT),
                                                       "is_active": "on"}).status_code == 400
    api = client.put(f"/api/v1/notify/channels/{app.pk}", {"name": "又一个名字", "app_id": CORP, "agent_id": str(AGENT),
                                                           "is_active": True, "version": 1}, content_type="application/json")
    assert api.status_code == 409 and "version" in api.json()["errors"]
    app.refresh_from_db()
    assert (app.name, app.version) == ("企业微信·编辑部", 2)


def test_another_centers_channel_is_a_404(demo):
    mine = _app(demo["demo"], User.objects.get(username="admin"))
    other = _client(_admin_of(demo["linxian"], "lx_notify_admin"))
    # the neighbour admin works in linxian only
    assert other.get("/notify/channels/").status_code == 200
    assert other.get(f"/notify/channels/{mine.pk}/").status_code == 404
    assert other.post(f"/notify/channels/{mine.pk}/action/", {"action": "delete"}).status_code == 404
    assert other.get(f"/api/v1/notify/channels/{mine.pk}").status_code == 404
    assert other.put(f"/api/v1/notify/channels/{mine.pk}", {"name": "x", "version": 1, "is_active": True},
                     content_type="application/json").status_code == 404
    assert other.post(f"/api/v1/notify/channels/{mine.pk}/test").status_code == 404
    assert MessageChannel.objects.filter(pk=mine.pk).exists()
    assert other.get("/api/v1/notify/channels").json()["items"] == []


# --- 测试消息 through the outbox to the fake 企业微信 --------------------------------------------------

def test_test_messages_reach_the_fake_wecom_through_the_outbox(login, demo, wecom):
    center = demo["demo"]
    admin, reporter = User.objects.get(username="admin"), User.objects.get(username="reporter")
    wecom.add_app(CORP, AGENT, SECRET, users=["wanglei", "sysadmin"])
    app = _app(center, admin, base_url=wecom.url)
    # the reporter fills in their account and presses 发一条测试消息
    client = login("reporter")
    assert client.post("/account/notifications/", {"wecom_userid": "wanglei", "version": "0",
                                                   "ev_assignment": ["wecom"]}).status_code == 302
    response = client.post("/account/notifications/test/", follow=True)
    assert "测试消息已排队发送" in response.content.decode()
    assert wecom.messages() == []  # only queued: the worker sends it
    assert deliver_due()["ok"] == 1
    got = [m for m in wecom.messages() if m["touser"] == "wanglei"]
    assert len(got) == 1 and "测试消息" in str(got[0])
    row = MessageDelivery.objects.get(center=center, recipient=reporter, event="test")
    assert row.status == "sent" and row.channel == app and row.address_masked == "wanglei"
    assert "最近发给我的消息" in client.get("/account/notifications/").content.decode()
    # the admin's 测试 on the channel page goes to the admin themself: without an account, a clear refusal
    admin_client = login("admin")
    refused = admin_client.post(f"/notify/channels/{app.pk}/action/", {"action": "test"}, follow=True)
    assert "请先在“通知设置”中填写您的企业微信账号" in refused.content.decode()
    ns.save_settings(user=admin, center=center, actor=admin, wecom_userid="sysadmin")
    done = admin_client.post(f"/notify/channels/{app.pk}/action/", {"action": "test"}, follow=True)
    assert "测试消息已排队" in done.content.decode()
    assert deliver_due()["ok"] == 1
    assert [m["touser"] for m in wecom.messages()].count("sysadmin") == 1
    app.refresh_from_db()
    assert app.last_success_at is not None
    # a real notification: the assignment reaches the reporter's WeCom with the link to it
    services.notify(center=center, recipients=[reporter], title="新采访任务：东湖冬捕", url="/planning/assignments/7/",
                    event="assignment")
    assert deliver_due()["ok"] == 1
    card = [m for m in wecom.messages() if m["touser"] == "wanglei"][-1]
    assert "东湖冬捕" in str(card) and "/planning/assignments/7/" in str(card)


def test_a_person_nobody_can_reach_is_told_why(login, demo, settings):
    settings.EMAIL_ENABLED = False
    response = login("reporter").post("/account/notifications/test/", follow=True)
    body = response.content.decode()
    assert "只有站内通知能送到您" in body and "本中心尚未开通企业微信消息" in body
    assert not MessageDelivery.objects.filter(event="test").exists()


# --- API --------------------------------------------------------------------------------------------

def test_my_preferences_through_the_api(login, demo):
    client = login("reporter")
    got = client.get("/api/v1/notify/preferences").json()
    events = {e["event"]: e for e in got["events"]}
    assert events["assignment"]["default"] is True and "bell" in events["assignment"]["channels"]
    assert got["quiet_from"] is None and got["version"] == 0
    put = client.put("/api/v1/notify/preferences", {
        "events": {"assignment": ["wecom"], "monitor_alert": []}, "quiet_from": "21:30", "quiet_to": "06:30",
        "wecom_userid": "WangLei", "version": 0}, content_type="application/json")
    assert put.status_code == 200, put.content
    body = put.json()
    events = {e["event"]: e for e in body["events"]}
    assert events["assignment"]["channels"] == ["bell", "wecom"] and events["assignment"]["default"] is False
    assert events["monitor_alert"]["channels"] == ["bell"]
    assert body["quiet_from"] == "21:30" and body["wecom_userid"] == "WangLei" and body["version"] == 1
    bad = client.put("/api/v1/notify/preferences", {"events": {"assignment": ["pager"]}, "version": 1},
                     content_type="application/json")
    assert bad.status_code == 422 and "渠道只能是" in str(bad.json())
    stale = client.put("/api/v1/notify/preferences", {"events": {}, "version": 0}, content_type="application/json")
    assert stale.status_code == 409


def test_channels_through_the_api(login, demo):
    client = login("admin")
    created = client.post("/api/v1/notify/channels", {
        "kind": "wecom_robot", "name": "值班群", "webhook_url": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=0123456789abcdef",
        "events": ["monitor_alert"]}, content_type="application/json")
    assert created.status_code == 201, created.content
    out = created.json()
    assert out["webhook_url"].startswith("https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=0123")
    assert "0123456789abcdef" not in out["webhook_url"]
    assert "secret" not in out and out["version"] == 1
    refused = client.post("/api/v1/notify/channels", {"kind": "feishu_robot", "name": "坏地址", "webhook_url": "ftp://x",
                                                       "events": ["handoff"]}, content_type="application/json")
    assert refused.status_code == 422 and "webhook_url" in refused.json()["errors"]
    assert login("reporter").get("/api/v1/notify/channels").status_code == 403


def test_the_sms_gateway_channel_keeps_what_this_page_does_not_show(login, demo):
    center = demo["demo"]
    client = login("admin")
    response = client.post("/notify/channels/new/?kind=sms", {"name": "问政短信（页面）", "app_id": "LTAI-test-key",
                                                             "secret": "sms-Access-Secret-9", "region": "cn-shanghai",
                                                             "is_active": "on"})
    assert response.status_code == 302
    sms = MessageChannel.objects.get(center=center, name="问政短信（页面）")
    assert sms.options == {"provider": "aliyun", "region": "cn-shanghai"} and secrets.decrypt(sms.secret) == "sms-Access-Secret-9"
    MessageChannel.objects.filter(pk=sms.pk).update(options={**sms.options, "endpoint_note": "内网中转"})
    page = client.get(f"/notify/channels/{sms.pk}/").content.decode()
    assert "sms-Access-Secret-9" not in page and 'value="cn-shanghai"' in page
    assert client.post(f"/notify/channels/{sms.pk}/", {"name": "问政短信（页面）", "app_id": "LTAI-test-key", "secret": "",
                                                       "region": "", "is_active": "on", "version": "1"}).status_code == 302
    sms.refresh_from_db()
    assert sms.options == {"provider": "aliyun", "region": "cn-hangzhou", "endpoint_note": "内网中转"}
    assert secrets.decrypt(sms.secret) == "sms-Access-Secret-9"
    bad = client.post(f"/notify/channels/{sms.pk}/", {"name": "问政短信（页面）", "app_id": "LTAI-test-key",
                                                      "region": "上海", "is_active": "on", "version": "2"})
    assert bad.status_code == 400 and "地域代码只能是" in bad.content.decode()


def test_the_notification_centre_links_to_the_settings(login, demo):
    body = login("liaison").get("/notifications/").content.decode()
    assert 'href="/account/notifications/"' in body
