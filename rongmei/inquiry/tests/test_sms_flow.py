"""SMS to citizens through the whole loop, over real HTTP against the fake Aliyun SMS server:
accepted, answered and closed each send one SMS with the template's values; twice is once;
an opted-out citizen gets none; the provider's frequency limit is retried later; a bad
template fails with a Chinese message on the log; a lost answer is checked, not resent; the
number is masked everywhere."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
from django.utils import timezone

from rongmei.core.messaging import deliver_due
from rongmei.core.models import AuditEvent, MessageChannel, MessageDelivery
from rongmei.distribution.fakes import start_fake
from rongmei.inquiry import services, sms
from rongmei.inquiry.models import Case, CaseEvent, CaseSms, SmsSetting, SmsTemplate

PHONE = "13812341234"
MASKED = "138****1234"
REPLY = "经核查，幸福路5盏路灯因线路老化损坏，我局已于11月28日更换线路，路灯已全部恢复照明。"


@pytest.fixture(scope="module")
def fake():
    server = start_fake("sms")
    yield server
    server.stop()


@pytest.fixture
def sandbox(demo, fake, settings):
    """The demo center's SMS channel pointed at this test's fake."""
    settings.RONGMEI_LINKCHECK_ALLOW = ["127.0.0.1"]
    fake.reset()
    MessageChannel.objects.filter(center=demo["demo"], kind="sms").update(base_url=fake.url)
    # the demo's other messages (staff notifications) are not this test's business
    MessageDelivery.objects.exclude(kind="sms").filter(status__in=["pending", "held"]).update(status="cancelled")
    return fake


def deliver(seconds: float = 0):
    return deliver_due(now=timezone.now() + dt.timedelta(seconds=seconds))


def sms_rows(case):
    return list(MessageDelivery.objects.filter(kind="sms", payload__case=case.pk).order_by("id"))


def answer(case, people):
    reply = services.reply(case=case, user=people["liaison"], text=REPLY)
    services.approve_reply(reply_obj=reply, user=people["coordinator"])
    return Case.objects.get(pk=case.pk)


def test_accepted_answered_closed_each_send_one_sms(sandbox, make_case, people, housing):
    case = make_case()
    case = services.accept(case=case, user=people["coordinator"], departments=[housing])
    deliver()
    [accepted] = sandbox.messages(PHONE)
    assert accepted["template_code"] == "SMS_480100001" and accepted["sign_name"] == "示例县融媒体中心"
    assert accepted["params"] == {"code": case.code, "department": housing.short_name or housing.name}
    assert case.code in accepted["content"]

    case = answer(case, people)
    sandbox.advance(61)               # the provider allows one SMS a minute per number
    deliver(61)
    answered = sandbox.messages(PHONE)[1]
    assert answered["template_code"] == "SMS_480100002"
    assert answered["params"]["link"].endswith(f"/wenzheng/track/?code={case.code}")

    services.close(case=case, user=people["coordinator"])
    sandbox.advance(61)
    deliver(122)
    closed = sandbox.messages(PHONE)[2]
    assert closed["params"] == {"code": case.code, "center": "示例县融媒体中心"}
    assert [r.status for r in sms_rows(case)] == ["sent"] * 3
    assert [r.event for r in CaseSms.objects.filter(case=case)] == ["accepted", "answered", "closed"]


def test_twice_is_once(sandbox, make_case, people, housing):
    case = services.accept(case=make_case(), user=people["coordinator"], departments=[housing])
    again = sms.tell_citizen(case, "accepted")
    assert again == CaseSms.objects.get(case=case) and len(sms_rows(case)) == 1
    deliver()
    deliver(120)
    assert len(sandbox.messages(PHONE)) == 1


def test_opted_out_on_the_form_gets_none(sandbox, make_case, people, housing):
    case = make_case(sms_opt_out=True)
    case = services.accept(case=case, user=people["coordinator"], departments=[housing])
    deliver()
    assert sandbox.messages() == [] and sms_rows(case) == []
    assert CaseSms.objects.get(case=case).status == CaseSms.Status.OPTED_OUT
    assert CaseEvent.objects.filter(case=case, kind="sms", text__contains="群众已退订").exists()


def test_opt_out_later_is_honoured_and_cancels_what_waits(sandbox, make_case, people, housing):
    case = services.accept(case=make_case(), user=people["coordinator"], departments=[housing])
    deliver()
    case = answer(case, people)                     # queued, not yet sent
    sms.opt_out(case=case, phone_tail="1234")
    assert [r.status for r in sms_rows(case)] == ["sent", "cancelled"]
    services.close(case=Case.objects.get(pk=case.pk), user=people["coordinator"])
    deliver(3600)
    assert len(sandbox.messages(PHONE)) == 1
    assert CaseSms.objects.get(case=case, event="closed").status == CaseSms.Status.OPTED_OUT


def test_provider_frequency_limit_is_retried_later(sandbox, make_case, people, housing):
    case = services.accept(case=make_case(), user=people["coordinator"], departments=[housing])
    case = answer(case, people)                     # two SMS within a minute to one number
    deliver()
    accepted, answered = sms_rows(case)
    assert accepted.status == "sent" and answered.status == "pending"
    assert "分钟级流控" in answered.last_error and "自动重试" in answered.last_error
    assert answered.available_at >= timezone.now() + dt.timedelta(seconds=50)
    deliver(30)
    assert MessageDelivery.objects.get(pk=answered.pk).status == "pending"   # not before its time
    sandbox.advance(61)
    deliver(61)
    answered.refresh_from_db()
    assert answered.status == "sent", (answered.last_error, answered.available_at, answered.attempts)
    assert len(sandbox.messages(PHONE)) == 2


def test_bad_template_fails_with_a_chinese_message(sandbox, make_case, people, housing, login):
    SmsTemplate.objects.filter(center=housing.center, event="accepted").update(template_code="SMS_404")
    case = services.accept(case=make_case(), user=people["coordinator"], departments=[housing])
    deliver()
    [row] = sms_rows(case)
    assert row.status == "failed" and "短信模板不存在或未审核通过" in row.last_error
    page = login("coordinator").get("/inquiry/settings/sms/").content.decode()
    assert "短信模板不存在或未审核通过" in page and MASKED in page and PHONE not in page
    case_page = login("coordinator").get(f"/inquiry/cases/{case.pk}/").content.decode()
    assert "短信模板不存在或未审核通过" in case_page


def test_lost_answer_is_checked_not_resent(sandbox, make_case, people, housing):
    sandbox.add_fault("drop", path="/")             # the provider sends, the answer is lost
    case = services.accept(case=make_case(), user=people["coordinator"], departments=[housing])
    deliver()
    [row] = sms_rows(case)
    assert row.status == "pending" and row.in_flight and row.progress.get("sms_asked_at")
    deliver(120)
    row.refresh_from_db()
    assert row.status == "sent", (row.last_error, row.available_at, row.attempts, row.in_flight, row.progress)
    [message] = sandbox.messages(PHONE)           # asked QuerySendDetails, found it by OutId: not sent again
    assert row.status == "sent" and row.remote_id == message["biz_id"] and message["out_id"] == f"rm{row.pk}"


def test_daily_limit_and_landlines(sandbox, make_case, people, housing):
    SmsSetting.objects.filter(center=housing.center).update(daily_limit=1)
    first = services.accept(case=make_case(), user=people["coordinator"], departments=[housing])
    second = services.accept(case=make_case(text="东门社区幸福路的井盖缺失好几天了，晚上很危险。"), user=people["coordinator"],
                             departments=[housing])
    assert CaseSms.objects.get(case=first).status == CaseSms.Status.QUEUED
    assert CaseSms.objects.get(case=second).status == CaseSms.Status.LIMITED
    landline = services.accept(case=make_case(phone="0000-6201008"), user=people["coordinator"], departments=[housing])
    assert CaseSms.objects.get(case=landline).status == CaseSms.Status.NOT_MOBILE


def test_switched_off_or_no_template_sends_nothing(sandbox, make_case, people, housing):
    SmsSetting.objects.filter(center=housing.center).update(enabled=False)
    case = services.accept(case=make_case(), user=people["coordinator"], departments=[housing])
    assert not CaseSms.objects.filter(case=case).exists()


def test_phone_masked_everywhere(sandbox, make_case, people, housing, caplog, login):
    caplog.set_level(logging.DEBUG)
    started = timezone.now()
    case = services.accept(case=make_case(), user=people["coordinator"], departments=[housing])
    sandbox.fail_next("isv.MOBILE_NUMBER_ILLEGAL")
    deliver()
    [row] = sms_rows(case)
    assert row.address_masked == MASKED and PHONE not in row.address and row.address
    assert PHONE not in row.last_error and PHONE not in row.title + row.body + str(row.payload)
    assert not any(PHONE in str(e.before) + str(e.after) + e.object_repr for e in AuditEvent.objects.filter(created_at__gte=started))
    assert not any(PHONE in e.text for e in CaseEvent.objects.filter(case=case))
    assert PHONE not in caplog.text
    assert PHONE not in CaseSms.objects.get(case=case).phone_hash
    page = login("coordinator").get(f"/inquiry/cases/{case.pk}/").content.decode()
    assert MASKED in page and PHONE not in page
    # a citizen typing their number into the title: the outbox row (and the SMS page) mask it
    typed = services.accept(case=make_case(title=f"请回电{PHONE}路灯不亮", text="幸福路路灯不亮已经一周了，请尽快派人修理。"),
                            user=people["coordinator"], departments=[housing])
    [row] = sms_rows(typed)
    assert MASKED in row.title and PHONE not in row.title
    assert PHONE not in login("coordinator").get("/inquiry/settings/sms/").content.decode()
