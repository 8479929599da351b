"""The 绩效考核 screens over real HTTP, on the hand-worked month of test_engine.World
(reporters A and B, editor C, an appraisal admin, HR): who sees what (a reporter only their
own month; another center's person, month or dispute is a 404), the close flow from the
admin's month page (blockers, compute, a dispute raised and resolved, the confirmation,
version checks, the lock, adjustments), and the 工作台 boxes with the hourly recompute."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest
from django.test import Client
from django.utils import timezone

from rongmei.appraisal import periods, services
from rongmei.appraisal import selectors as sel
from rongmei.appraisal.facts_services import unrated_pieces
from rongmei.appraisal.models import Adjustment, Dispute, Period, Scorecard
from rongmei.appraisal.tests.test_engine import MONTH, World
from rongmei.core import homeboxes
from rongmei.core.models import AuditEvent

M = "2026-11"


@pytest.fixture
def world(db):
    return World("pv").build()


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def computed(world) -> Period:
    period = periods.get_or_open(world.center, MONTH)
    services.compute(period, world.admin)
    period.refresh_from_db()
    return period


def test_a_reporter_sees_only_their_own_month(world):
    computed(world)
    a = client_for(world.a)
    page = a.get(f"/appraisal/me/?month={M}")
    assert page.status_code == 200
    html = page.content.decode()
    assert "13.82" in html and 'data-testid="group-piece"' in html and 'data-testid="group-deduction"' in html
    assert "外宣·省级" in html and "标题不当" in html  # the rule behind each line is shown
    assert "记者乙" not in html
    for url in ("/appraisal/", f"/appraisal/{M}/people/{world.b.pk}/", f"/appraisal/{M}/export.xlsx",
                f"/appraisal/{M}/export.pdf", f"/appraisal/{M}/fees.xlsx", "/appraisal/disputes/", "/appraisal/fees/"):
        assert a.get(url).status_code == 403, url
    assert a.post(f"/appraisal/{M}/compute/").status_code == 403
    # HR sees everyone's, read-only (no compute button)
    hr = client_for(world.hr)
    listing = hr.get(f"/appraisal/?month={M}").content.decode()
    assert "记者甲" in listing and "记者乙" in listing and 'data-testid="compute"' not in listing
    person = hr.get(f"/appraisal/{M}/people/{world.b.pk}/").content.decode()
    assert "7.80" in person and 'data-testid="dispute-form"' not in person
    assert hr.post(f"/appraisal/{M}/compute/").status_code == 403


def test_another_centers_people_months_and_disputes_are_404(world):
    computed(world)
    dispute = services.raise_dispute(periods.get(world.center, MONTH), world.a, "漏算一篇")
    other = World("pv2")
    admin = client_for(other.admin)
    assert admin.get(f"/appraisal/{M}/people/{world.a.pk}/").status_code == 404
    assert admin.post(f"/appraisal/disputes/{dispute.pk}/resolve/",
                      {"decision": "accept", "resolution": "好"}).status_code == 404
    assert admin.get(f"/appraisal/{M}/export.xlsx").status_code == 404  # no such month in that center
    assert admin.get(f"/appraisal/{M}/close/").status_code == 404
    page = admin.get(f"/appraisal/?month={M}").content.decode()
    assert "记者甲" not in page
    assert admin.get("/appraisal/9999-99/people/1/").status_code == 404
    dispute.refresh_from_db()
    assert dispute.status == Dispute.Status.OPEN


def test_the_close_flow_from_the_month_page(world):
    admin, a = client_for(world.admin), client_for(world.a)
    page = admin.get(f"/appraisal/?month={M}").content.decode()
    assert "本月尚未计算" in page and 'data-testid="close-link"' not in page
    assert admin.post(f"/appraisal/{M}/compute/", {"version": "1"}).status_code == 302
    period = periods.get(world.center, MONTH)
    assert period.computed_at and period.version == 2
    page = admin.get(f"/appraisal/?month={M}").content.decode()
    sheet = sel.month_sheet(period)
    assert sorted(u.name for u in sheet.units) == sorted(["采访部", "编辑部"])
    assert sheet.total.reward_paid == period.reward_pool and f"{period.reward_pool} 元" in page
    assert "已全部分配" in page
    # a stale compute (someone computed after this page was shown) is 409
    assert admin.post(f"/appraisal/{M}/compute/", {"version": "1"}).status_code == 409

    # a month still to come can be neither computed nor disputed (no Period is made for it)
    assert admin.post("/appraisal/2099-01/compute/").status_code == 400
    assert a.post("/appraisal/2099-01/disputes/", {"text": "预先申诉"}).status_code == 400
    assert not Period.objects.filter(center=world.center, month__year=2099).exists()
    # the reporter disputes one story of their month
    answer = a.post(f"/appraisal/{M}/disputes/", {"story": str(world.s3.pk), "text": ""})
    assert answer.status_code == 400 and "请填写申诉内容" in answer.content.decode()
    assert a.post(f"/appraisal/{M}/disputes/", {"story": str(world.s3.pk),
                                               "text": "S3 的署名比例应为 40%"}).status_code == 302
    dispute = Dispute.objects.get(center=world.center)
    assert dispute.story == world.s3 and dispute.raised_by == world.a
    assert "待处理" in a.get(f"/appraisal/me/?month={M}").content.decode()

    # the close is blocked while it is open
    confirm = admin.get(f"/appraisal/{M}/close/").content.decode()
    assert 'data-testid="close-blocked"' in confirm and "1 条申诉未处理" in confirm
    refused = admin.post(f"/appraisal/{M}/close/", {"confirm": "yes", "version": str(period.version)})
    assert refused.status_code == 400 and "申诉未处理" in refused.content.decode()
    listing = admin.get("/appraisal/disputes/").content.decode()
    assert "S3 的署名比例应为 40%" in listing
    assert admin.post(f"/appraisal/disputes/{dispute.pk}/resolve/",
                      {"decision": "reject", "resolution": ""}).status_code == 400
    assert admin.post(f"/appraisal/disputes/{dispute.pk}/resolve/",
                      {"decision": "reject", "resolution": "署名以编辑部确认为准"}).status_code == 302
    dispute.refresh_from_db()
    assert dispute.status == Dispute.Status.REJECTED and "署名以编辑部确认为准" in a.get(
        f"/appraisal/me/?month={M}").content.decode()

    # no confirmation ticked → nothing happens; a stale version → 409; then the close
    period.refresh_from_db()
    assert admin.post(f"/appraisal/{M}/close/", {"version": str(period.version)}).status_code == 400
    assert admin.post(f"/appraisal/{M}/close/", {"confirm": "yes", "version": "1"}).status_code == 409
    assert Period.objects.get(pk=period.pk).status == Period.Status.OPEN
    assert admin.post(f"/appraisal/{M}/close/", {"confirm": "yes", "version": str(period.version)}).status_code == 302
    period.refresh_from_db()
    assert period.status == Period.Status.CLOSED and period.closed_by == world.admin

    # after the close: read-only, compute refused, no more disputes, adjustments audited
    page = admin.get(f"/appraisal/?month={M}").content.decode()
    assert 'data-testid="compute"' not in page and 'data-testid="adjust-form"' in page
    assert admin.post(f"/appraisal/{M}/compute/", {"version": str(period.version)}).status_code == 409
    late = a.post(f"/appraisal/{M}/disputes/", {"text": "还有一篇"})
    assert late.status_code == 400 and "已结算" in late.content.decode()
    assert 'data-testid="dispute-form"' not in a.get(f"/appraisal/me/?month={M}").content.decode()
    bad = admin.post(f"/appraisal/{M}/adjust/", {"user": str(world.b.pk), "points": "x", "amount": "0", "reason": "补"})
    assert bad.status_code == 400 and "调整分数应是数字" in bad.content.decode()
    assert admin.post(f"/appraisal/{M}/adjust/", {"user": "", "points": "1", "amount": "0",
                                                  "reason": "补"}).status_code == 400
    assert not Adjustment.objects.filter(period=period).exists()
    before = Scorecard.objects.get(period=period, user=world.b).total_paid
    assert admin.post(f"/appraisal/{M}/adjust/", {"user": str(world.b.pk), "points": "3", "amount": "120.50",
                                                  "reason": "外宣漏登，结算后补记"}).status_code == 302
    adjustment = Adjustment.objects.get(period=period)
    assert (adjustment.user, adjustment.amount, adjustment.points) == (world.b, D("120.50"), D(3))
    assert AuditEvent.objects.filter(center=world.center, action="appraisal.adjust").exists()
    assert Scorecard.objects.get(period=period, user=world.b).total_paid == before  # the scorecard stays as closed
    assert "外宣漏登，结算后补记" in admin.get(f"/appraisal/?month={M}").content.decode()
    assert "外宣漏登，结算后补记" in client_for(world.b).get(f"/appraisal/me/?month={M}").content.decode()


def test_boxes_show_the_month_so_far_and_what_blocks_the_close(world):
    month = periods.current_month(world.center)
    story = world.story("本月稿件", "text", "original", 600, [(world.a, 100)])
    world.publish(story, world.web, timezone.now() - dt.timedelta(minutes=5))
    # nothing computed yet: the reporter has no box, the admin sees "尚未计算"
    assert not [b for b in homeboxes.boxes_for(world.a, world.center) if b["template"] == "appraisal/home_box_me.html"]
    # the hourly task computes the current open month of every center
    from rongmei.appraisal.view_tasks import appraisal_hourly_compute

    done = appraisal_hourly_compute.call_local()
    assert world.center.slug in done
    period = periods.get(world.center, month)
    assert period.computed_at is not None and period.status == Period.Status.OPEN
    box = next(b for b in homeboxes.boxes_for(world.a, world.center) if b["template"] == "appraisal/home_box_me.html")
    card = Scorecard.objects.get(period=period, user=world.a)
    # the new text piece (2 points) at least; test_engine's S7 lands in December 2026 too
    assert box["card"] == card and card.points >= D(2) and card.pieces >= 1 and card.rank == 1
    home = client_for(world.a).get("/").content.decode()
    assert 'data-testid="appraisal-box-me"' in home and "部门内第 <strong>1</strong> 名" in home
    assert f"得分 <strong>{card.points}</strong>" in home
    assert 'data-testid="appraisal-box-admin"' not in home
    services.raise_dispute(period, world.b, "漏算")
    admin_home = client_for(world.admin).get("/").content.decode()
    unrated = unrated_pieces(world.center, month).count()
    assert unrated >= 1
    assert 'data-testid="appraisal-box-admin"' in admin_home and "1 条申诉未处理" in admin_home
    assert f"{unrated} 篇稿件未评优稿" in admin_home
    # HR has no admin box (appraisal.manage), and no box of their own outside the scheme
    assert not [b for b in homeboxes.boxes_for(world.hr, world.center)
                if b["template"] == "appraisal/home_box_admin.html"]


def test_demo_has_a_closed_month_and_an_open_one_and_loads_once(login, demo):
    from rongmei.appraisal import demo as appraisal_demo
    from rongmei.appraisal.models import Dispute, RuleSet, ScoreLine

    center = demo["demo"]
    current = periods.current_month(center)
    previous = (current - dt.timedelta(days=1)).replace(day=1)
    closed, open_ = periods.get(center, previous), periods.get(center, current)
    assert closed.status == Period.Status.CLOSED and open_.status == Period.Status.OPEN and open_.computed_at
    assert RuleSet.objects.filter(center=center).exists()
    assert Scorecard.objects.filter(period=closed).exists() and Adjustment.objects.filter(period=closed).exists()
    assert Dispute.objects.filter(period=open_, status="open").exists()
    counts = (Scorecard.objects.count(), ScoreLine.objects.count(), Dispute.objects.count(), Adjustment.objects.count())
    assert appraisal_demo.load(center) == (0, 1)
    assert counts == (Scorecard.objects.count(), ScoreLine.objects.count(), Dispute.objects.count(),
                      Adjustment.objects.count())
    page = login("appraiser").get(f"/appraisal/?month={previous:%Y-%m}").content.decode()
    assert "已结算" in page and "省级媒体采用结算后才确认" in page
    assert login("hr").get(f"/appraisal/{previous:%Y-%m}/export.xlsx").status_code == 200
    assert login("reporter").get("/appraisal/me/").status_code == 200
