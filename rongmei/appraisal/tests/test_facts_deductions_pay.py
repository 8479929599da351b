"""Deductions (error / other, on a person or a piece, points defaulting from the rules,
refused for a closed month) and pay bases (per person, audited, stale edits refused)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from rongmei.appraisal import facts_services as facts
from rongmei.appraisal import rules
from rongmei.appraisal.models import Deduction, PayProfile
from rongmei.appraisal.tests.test_facts_helpers import close_month, person, story_in
from rongmei.core.models import AuditEvent, Notification


def month() -> dt.date:
    return timezone.localdate().replace(day=1)


def test_an_error_on_a_piece_takes_the_rules_points_and_other_needs_its_own(login, demo):
    center = demo["demo"]
    story = story_in(center, person("reporter"), headline="扣分测试：错别字")
    client = login("appraiser")
    answer = client.post("/appraisal/deductions/", {"month": f"{month():%Y-%m}", "kind": "error", "story_id": story.pk,
                                                    "reason": "标题错别字"})
    assert answer.status_code == 302
    made = Deduction.objects.get(center=center, story=story)
    assert made.points == rules.rules_for(center, month()).deductions.error and made.kind == "error"
    assert AuditEvent.objects.filter(center=center, action="appraisal.deduction_add", object_id=str(made.pk)).exists()
    assert Notification.objects.filter(recipient=person("reporter"), title__contains="绩效扣分").exists()
    other = client.post("/appraisal/deductions/", {"month": f"{month():%Y-%m}", "kind": "other",
                                                   "user": person("reporter").pk, "reason": "迟交稿件"})
    assert other.status_code == 400 and "“其他”扣分没有默认分值，请填写扣分。" in other.content.decode()
    ok = client.post("/appraisal/deductions/", {"month": f"{month():%Y-%m}", "kind": "other", "points": "1.5",
                                                "user": person("reporter").pk, "reason": "迟交稿件"})
    assert ok.status_code == 302
    assert Deduction.objects.get(center=center, user=person("reporter"), reason="迟交稿件").points == Decimal("1.5")
    assert "标题错别字" in client.get(f"/appraisal/deductions/?month={month():%Y-%m}").content.decode()


def test_deduction_refusals(login, demo):
    center = demo["demo"]
    story = story_in(center, person("reporter"), headline="扣分测试：拒绝")
    client = login("appraiser")
    before = Deduction.objects.count()
    both = client.post("/appraisal/deductions/", {"month": f"{month():%Y-%m}", "kind": "error", "story_id": story.pk,
                                                  "user": person("reporter").pk, "reason": "x"})
    assert "请指定扣分对象" in both.content.decode()
    correction = client.post("/appraisal/deductions/", {"month": f"{month():%Y-%m}", "kind": "correction",
                                                        "story_id": story.pk, "reason": "x"})
    assert "更正由系统自动扣分" in correction.content.decode()
    negative = client.post("/appraisal/deductions/", {"month": f"{month():%Y-%m}", "kind": "other", "points": "-2",
                                                      "story_id": story.pk, "reason": "x"})
    assert "扣分须大于 0。" in negative.content.decode()
    closed = (month() - dt.timedelta(days=1)).replace(day=1)
    close_month(center, closed)
    locked = client.post("/appraisal/deductions/", {"month": f"{closed:%Y-%m}", "kind": "error", "story_id": story.pk,
                                                    "reason": "x"})
    assert locked.status_code == 400 and f"{closed:%Y年%m月}已结算锁定" in locked.content.decode()
    assert Deduction.objects.count() == before
    # one registered in an open month cannot be deleted once its month is closed
    made = facts.add_deduction(center=center, user=person("appraiser"), month=month(), kind="error", reason="x",
                               story=story)
    close_month(center, month())
    assert client.post(f"/appraisal/deductions/{made.pk}/delete/").status_code == 302
    assert Deduction.objects.filter(pk=made.pk).exists()


def test_another_centers_deduction_is_not_found_and_reporters_cannot_register(login, demo):
    theirs = story_in(demo["linxian"], person("reporter"), headline="扣分测试：他中心", published=False)
    made = Deduction.objects.create(center=demo["linxian"], month=month(), kind="error", story=theirs, points=2,
                                    reason="x", created_by=person("appraiser"))
    assert login("appraiser").post(f"/appraisal/deductions/{made.pk}/delete/").status_code == 404
    assert Deduction.objects.filter(pk=made.pk).exists()
    assert login("reporter").get("/appraisal/deductions/").status_code == 403
    assert login("editor").post("/appraisal/deductions/", {}).status_code == 403


def _pay_post(client) -> dict:
    """The pay page's form as it is drawn (every person's hidden token and values)."""
    import re

    page = client.get("/appraisal/pay/").content.decode()
    post = {name: value for name, value in re.findall(r'name="((?:token|base|note)-\d+)" value="([^"]*)"', page)}
    post.update({name: "1" for name in re.findall(r'name="(fees-\d+)" value="1" checked', page)})
    return post


def test_pay_bases_are_set_per_person_audited_and_stale_edits_refused(login, demo):
    center = demo["demo"]
    reporter = person("reporter")
    PayProfile.objects.filter(center=center, user=reporter).delete()
    client = login("appraiser")
    post = _pay_post(client)
    assert f"token-{reporter.pk}" in post
    post[f"base-{reporter.pk}"] = "3,500.50"
    post[f"fees-{reporter.pk}"] = "1"
    assert client.post("/appraisal/pay/", post).status_code == 302
    profile = PayProfile.objects.get(center=center, user=reporter)
    assert (profile.base_amount, profile.pays_fees) == (Decimal("3500.50"), True)
    assert AuditEvent.objects.filter(center=center, action="appraisal.payprofile_save", object_id=str(profile.pk)).exists()
    # someone else changes it after this page was opened: the save is refused, nothing changes
    stale = _pay_post(client)
    facts.set_pay_profile(center=center, user=person("appraiser"), person=reporter, base_amount=Decimal(4000),
                          pays_fees=False)
    stale[f"base-{reporter.pk}"] = "5000"
    answer = client.post("/appraisal/pay/", stale)
    assert answer.status_code == 409 and "已被他人修改" in answer.content.decode()
    profile.refresh_from_db()
    assert profile.base_amount == Decimal(4000)
    bad = _pay_post(client)
    bad[f"base-{reporter.pk}"] = "三千"
    answer = client.post("/appraisal/pay/", bad)
    assert answer.status_code == 400 and "“三千”不是金额。" in answer.content.decode()
    negative = _pay_post(client)
    negative[f"base-{reporter.pk}"] = "-1"
    assert "绩效工资基数须在 0 到" in client.post("/appraisal/pay/", negative).content.decode()
    cleared = _pay_post(client)
    cleared[f"base-{reporter.pk}"] = ""
    cleared.pop(f"fees-{reporter.pk}", None)
    assert client.post("/appraisal/pay/", cleared).status_code == 302
    assert not PayProfile.objects.filter(center=center, user=reporter).exists()


@pytest.mark.parametrize("username", ["reporter", "editor", "hr"])
def test_only_the_appraisal_admin_sets_pay_bases(login, username):
    assert login(username).get("/appraisal/pay/").status_code == 403
