"""问政设置 → 短信 and the citizen's side: who may edit, bad input changes nothing, versions
catch concurrent edits, the secret is write-only, another center's template is a 404; the
public form's 不接收短信 and the tracking page's 退订."""

from __future__ import annotations

from django.test import Client

from rongmei.core.messaging import secrets
from rongmei.core.models import AuditEvent, MessageChannel
from rongmei.inquiry.models import Case, SmsSetting, SmsTemplate


def test_settings_page_edits_and_refuses_bad_input(demo, login):
    client = login("coordinator")
    page = client.get("/inquiry/settings/sms/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "SMS_480100001" in html and "secret-LTAI-demo-sms" not in html and "已保存（不显示）" in html
    setting = SmsSetting.objects.get(center=demo["demo"])
    answer = client.post("/inquiry/settings/sms/", {"what": "setting", "enabled": "on", "sign_name": "",
                                                    "daily_limit": "3", "version": setting.version}, follow=True)
    assert "开启短信前请填写" in answer.content.decode()
    assert SmsSetting.objects.get(pk=setting.pk).daily_limit == setting.daily_limit      # nothing changed
    client.post("/inquiry/settings/sms/", {"what": "setting", "enabled": "on", "sign_name": "示例县融媒体中心",
                                           "daily_limit": "3", "version": setting.version})
    assert SmsSetting.objects.get(pk=setting.pk).daily_limit == 3
    stale = client.post("/inquiry/settings/sms/", {"what": "setting", "enabled": "on", "sign_name": "别的签名",
                                                   "daily_limit": "4", "version": setting.version}, follow=True)
    assert "别人刚刚修改" in stale.content.decode() and SmsSetting.objects.get(pk=setting.pk).sign_name == "示例县融媒体中心"
    assert AuditEvent.objects.filter(action="inquiry.sms_settings", center=demo["demo"]).exists()


def test_template_edit_version_and_other_center_404(demo, login):
    client = login("coordinator")
    template = SmsTemplate.objects.get(center=demo["demo"], event="answered")
    assert client.get(f"/inquiry/settings/sms/templates/{template.pk}/").status_code == 200
    bad = client.post(f"/inquiry/settings/sms/templates/{template.pk}/",
                      {"template_code": "SMS_1", "param_name": ["code", "x y"], "param_source": ["code", "code"],
                       "is_active": "on", "version": template.version}, follow=True)
    assert "变量名“x y”不对" in bad.content.decode()
    client.post(f"/inquiry/settings/sms/templates/{template.pk}/",
                {"template_code": "SMS_480100009", "param_name": ["code", "dept", ""], "param_source": ["code", "department", ""],
                 "is_active": "on", "version": template.version})
    template.refresh_from_db()
    assert template.template_code == "SMS_480100009" and template.params == {"code": "code", "dept": "department"}
    stale = client.post(f"/inquiry/settings/sms/templates/{template.pk}/",
                        {"template_code": "SMS_2", "param_name": ["code"], "param_source": ["code"], "is_active": "on",
                         "version": template.version - 1}, follow=True)
    assert "别人刚刚修改" in stale.content.decode() and SmsTemplate.objects.get(pk=template.pk).template_code == "SMS_480100009"
    other = SmsTemplate.objects.create(center=demo["linxian"], event="accepted", template_code="SMS_LX", params={})
    assert client.get(f"/inquiry/settings/sms/templates/{other.pk}/").status_code == 404
    assert client.post(f"/inquiry/settings/sms/templates/{other.pk}/", {"template_code": "SMS_X"}).status_code == 404
    assert SmsTemplate.objects.get(pk=other.pk).template_code == "SMS_LX"
    assert login("reporter").get("/inquiry/settings/sms/").status_code == 403


def test_channel_secret_is_write_only(demo, login, settings):
    settings.RONGMEI_LINKCHECK_ALLOW = ["127.0.0.1"]  # the sandbox gateway is on this machine
    client = login("coordinator")
    channel = MessageChannel.objects.get(center=demo["demo"], kind="sms")
    client.post("/inquiry/settings/sms/", {"what": "channel", "access_key_id": "LTAI-new", "secret": "",
                                           "region": "cn-shanghai", "base_url": channel.base_url, "is_active": "on",
                                           "version": channel.version})
    channel.refresh_from_db()
    assert channel.app_id == "LTAI-new" and secrets.decrypt(channel.secret) == "secret-LTAI-demo-sms"  # kept
    assert channel.options["region"] == "cn-shanghai"
    client.post("/inquiry/settings/sms/", {"what": "channel", "access_key_id": "LTAI-new", "secret": "s3cret-value",
                                           "base_url": "ftp://example.cn/", "is_active": "on", "version": channel.version})
    channel.refresh_from_db()
    assert secrets.decrypt(channel.secret) == "secret-LTAI-demo-sms"                 # bad address: nothing saved
    client.post("/inquiry/settings/sms/", {"what": "channel", "access_key_id": "LTAI-new", "secret": "s3cret-value",
                                           "base_url": "", "is_active": "on", "version": channel.version})
    channel.refresh_from_db()
    assert secrets.decrypt(channel.secret) == "s3cret-value" and "s3cret-value" not in channel.secret
    assert "s3cret-value" not in client.get("/inquiry/settings/sms/").content.decode()


def test_test_send_goes_through_the_outbox(demo, login):
    from rongmei.core.models import MessageDelivery

    client = login("coordinator")
    page = client.post("/inquiry/settings/sms/", {"what": "test", "event": "accepted", "phone": "12345"}, follow=True)
    assert "请填写 11 位手机号码" in page.content.decode()
    client.post("/inquiry/settings/sms/", {"what": "test", "event": "accepted", "phone": "139 0000 1111"})
    row = MessageDelivery.objects.filter(kind="sms", event="inquiry_sms_test").latest("id")
    assert row.address_masked == "139****1111" and row.payload["template_code"] == "SMS_480100001"


def test_public_form_opt_out_and_tracking_page_unsubscribe(demo):
    client = Client()
    answer = client.post("/site/demo/wenzheng/ask/", {
        "kind": "consult", "title": "办理居住证需要什么材料", "text": "请问在本县办理居住证需要准备哪些材料，在哪里办理？",
        "phone": "13700001111", "sms_opt_out": "on"})
    assert answer.status_code == 302
    case = Case.objects.filter(phone="13700001111").latest("id")
    assert case.sms_opt_out and case.sms_opt_out_at

    answer = client.post("/site/demo/wenzheng/ask/", {
        "kind": "consult", "title": "新生儿落户怎么办理", "text": "请问新生儿落户需要带什么证件，到哪个窗口办理？",
        "phone": "13700002222"})
    case = Case.objects.filter(phone="13700002222").latest("id")
    assert not case.sms_opt_out
    track = client.get(f"/site/demo/wenzheng/track/?code={case.code}").content.decode()
    assert "退订本件的短信通知" in track
    wrong = client.post("/site/demo/wenzheng/track/", {"code": case.code, "action": "sms_opt_out", "phone_tail": "0000"})
    assert "电话后四位不对" in wrong.content.decode() and not Case.objects.get(pk=case.pk).sms_opt_out
    done = client.post("/site/demo/wenzheng/track/", {"code": case.code, "action": "sms_opt_out", "phone_tail": "2222"})
    assert done.status_code == 302 and Case.objects.get(pk=case.pk).sms_opt_out
    page = client.get(done["Location"]).content.decode()
    assert "已退订本件的短信通知" in page and "退订本件的短信通知</button>" not in page


def test_coordinator_records_an_opt_out_asked_by_phone(demo, login, make_case):
    case = make_case()
    assert login("liaison").post(f"/inquiry/cases/{case.pk}/action/", {"action": "sms_opt_out"}).status_code == 403
    assert not Case.objects.get(pk=case.pk).sms_opt_out
    client = login("coordinator")
    assert "群众要求不再接收短信" in client.get(f"/inquiry/cases/{case.pk}/").content.decode()
    client.post(f"/inquiry/cases/{case.pk}/action/", {"action": "sms_opt_out"})
    assert Case.objects.get(pk=case.pk).sms_opt_out
    assert AuditEvent.objects.filter(action="inquiry.sms_opt_out", object_id=str(case.pk)).exists()
