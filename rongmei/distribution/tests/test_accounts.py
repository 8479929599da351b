"""Account management: settings per kind with Chinese errors, secrets entered but never
shown again; groups; WeChat's signed publish-finished callback."""

import time

from django.utils import timezone

from rongmei.core.models import AuditEvent
from rongmei.distribution import secrets, services
from rongmei.distribution.callbacks import wechat_signature
from rongmei.distribution.models import AccountGroup, ChannelAccount, OutboxMessage, Publication


def form(**values):
    data = {"name": "示范公众号", "kind": "wechat", "owner": "center", "base_url": "", "options": '{"appid": "wx-form"}',
            "secret": "app-secret-123", "is_active": "on"}
    data.update(values)
    return data


def test_create_and_edit_without_ever_showing_the_secret(demo, login):
    client = login("operator")
    group = AccountGroup.objects.get(center=demo["demo"], name="全部村社号")
    page = client.post("/distribution/accounts/new/", form(groups=[group.pk]), follow=True)
    assert "已新建账号" in page.content.decode()
    account = ChannelAccount.objects.get(center=demo["demo"], name="示范公众号")
    assert secrets.decrypt(account.secret) == "app-secret-123" and "app-secret-123" not in account.secret
    assert list(account.groups.all()) == [group]

    edit = client.get(f"/distribution/accounts/{account.pk}/").content.decode()
    assert "app-secret-123" not in edit and account.secret not in edit and "已设置（不显示）" in edit
    # saving without a new secret keeps the old one; the audit log never holds the value
    client.post(f"/distribution/accounts/{account.pk}/", form(name="示范公众号（改）", secret="", groups=[]))
    account.refresh_from_db()
    assert account.name == "示范公众号（改）" and secrets.decrypt(account.secret) == "app-secret-123"
    assert not account.groups.exists()
    client.post(f"/distribution/accounts/{account.pk}/", form(name="示范公众号（改）", secret="new-secret-456"))
    account.refresh_from_db()
    assert secrets.decrypt(account.secret) == "new-secret-456"
    events = AuditEvent.objects.filter(object_id=str(account.pk), action__startswith="account.")
    assert events.count() == 3
    assert not any("secret-" in str(e.before) + str(e.after) for e in events)


def test_bad_settings_get_chinese_messages_and_change_nothing(demo, login):
    client = login("operator")
    before = ChannelAccount.objects.count()
    cases = [
        (form(options="{appid: wx}"), "不是有效的 JSON"),
        (form(options="[1, 2]"), "JSON 对象"),
        (form(options='{"appid": "wx1", "password": "x"}'), "加密保存"),
        (form(options="{}"), "appid"),
        (form(kind="email", options="{}", base_url="http://mail"), "smtp://"),
        (form(kind="newspaper", options="{}", base_url=""), "必须填写接口地址"),
        (form(kind="assisted", options="{}"), "必须指定负责人"),
        (form(name=""), "必填"),
    ]
    for data, message in cases:
        page = client.post("/distribution/accounts/new/", data).content.decode()
        assert message in page, message
    assert ChannelAccount.objects.count() == before


def test_groups_are_created_once(demo, login):
    client = login("operator")
    assert "已新建分组" in client.post("/distribution/groups/new/", {"name": "部门政务号"}, follow=True).content.decode()
    assert "已存在" in client.post("/distribution/groups/new/", {"name": "部门政务号"}, follow=True).content.decode()
    assert AccountGroup.objects.filter(center=demo["demo"], name="部门政务号").count() == 1


def test_only_account_managers_reach_the_screens(demo, login):
    assert login("reporter").get("/distribution/accounts/new/").status_code == 403


def _signed(token, **extra):
    timestamp, nonce = str(int(time.time())), "n0nce"
    return {"signature": wechat_signature(token, timestamp, nonce), "timestamp": timestamp, "nonce": nonce, **extra}


EVENT = """<xml><ToUserName><![CDATA[gh_4d00ed8d6399]]></ToUserName><FromUserName><![CDATA[oV5CrjpxgaGXNHIQigzNlgLTnwic]]></FromUserName>
<CreateTime>1481013459</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[PUBLISHJOBFINISH]]></Event>
<PublishEventInfo><publish_id>{pid}</publish_id><publish_status>0</publish_status><article_id><![CDATA[b5O2OUs25HBxRceL7hfReg]]></article_id>
<article_detail><count>1</count><item><idx>1</idx><article_url><![CDATA[https://mp.weixin.qq.com/s/x]]></article_url></item></article_detail>
</PublishEventInfo></xml>"""


def test_wechat_callback_is_verified_and_wakes_the_waiting_delivery(demo, client, operator, signed_story):
    account = services.create_account(center=demo["demo"], user=None, kind="wechat", name="回调公众号",
                                      options={"appid": "wx-cb", "callback_token": "tok123"}, secret="s")
    url = f"/distribution/wechat/{account.pk}/callback/"
    assert client.get(url, _signed("tok123", echostr="hello")).content == b"hello"
    assert client.get(url, _signed("wrong", echostr="hello")).status_code == 403
    assert client.get(url, {"echostr": "hello"}).status_code == 403

    publication = Publication.objects.create(center=demo["demo"], story=signed_story, account=account, channel="wechat",
                                             story_version=1, content_hash="x", status=Publication.Status.RETRYING,
                                             created_by=operator)
    later = timezone.now() + timezone.timedelta(minutes=10)
    message = OutboxMessage.objects.create(publication=publication, account=account, action="publish",
                                           idempotency_key="cb-1", available_at=later, progress={"publish_id": "2247503051"})
    query = "&".join(f"{k}={v}" for k, v in _signed("tok123").items())
    answer = client.post(f"{url}?{query}", EVENT.format(pid="2247503051"), content_type="text/xml")
    assert answer.content == b"success"
    message.refresh_from_db()
    assert message.available_at <= timezone.now()
    # an event for someone else's job, or garbage, changes nothing
    assert client.post(f"{url}?{query}", b"<!DOCTYPE x [<!ENTITY e SYSTEM 'file:///etc/passwd'>]><xml>&e;</xml>",
                       content_type="text/xml").content == b"success"
