"""The month's life through the services: compute, disputes, the close (refused while a
dispute is open), the lock afterwards, adjustments, version checks, audit and notices."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from rongmei.appraisal import periods, services
from rongmei.appraisal.models import Adjustment, Dispute, Period, Scorecard
from rongmei.appraisal.tests.test_engine import MONTH, World
from rongmei.core.models import AuditEvent, Notification


@pytest.fixture
def world(db):
    return World("close").build()


def test_compute_needs_manage_and_is_audited(world):
    period = periods.get_or_open(world.center, dt.date(2026, 11, 17))
    assert period.month == MONTH and periods.get_or_open(world.center, MONTH).pk == period.pk
    with pytest.raises(PermissionDenied):
        services.compute(period, world.a)
    outcome = services.compute(period, world.admin)
    assert outcome.people == 3 and period.version == 2
    event = AuditEvent.objects.get(center=world.center, action="appraisal.compute")
    assert event.after["points"] == "26.75"


def test_stale_version_is_refused(world):
    period = periods.get_or_open(world.center, MONTH)
    services.compute(period, world.admin, expected_version=1)
    with pytest.raises(ValidationError) as err:
        services.compute(period, world.admin, expected_version=1)
    assert "已被他人修改" in str(err.value) and err.value.api_status == 409
    with pytest.raises(ValidationError):
        services.close(period, world.admin, expected_version=1)
    assert Period.objects.get(pk=period.pk).status == "open"


def test_close_refused_while_disputes_open_then_locks_the_month(world):
    period = periods.get_or_open(world.center, MONTH)
    dispute = services.raise_dispute(period, world.a, "S3 的署名比例不对", story=world.s3)
    services.raise_dispute(period, world.b, "外宣漏登")
    assert Notification.objects.filter(recipient=world.admin, title__contains="申诉").count() == 2
    with pytest.raises(ValidationError) as err:
        services.close(period, world.admin)
    assert "还有 2 条申诉未处理" in str(err.value)
    with pytest.raises(PermissionDenied):
        services.resolve_dispute(dispute, world.a, True, "自己批准")
    with pytest.raises(ValidationError):
        services.resolve_dispute(dispute, world.admin, True, "  ")
    services.resolve_dispute(dispute, world.admin, True, "已更正署名")
    with pytest.raises(ValidationError):
        services.resolve_dispute(dispute, world.admin, False, "再处理一次")
    other = Dispute.objects.get(raised_by=world.b)
    services.resolve_dispute(other, world.admin, False, "未见采用证明")
    assert Notification.objects.filter(recipient=world.b, title__contains="未采纳").exists()

    outcome = services.close(period, world.admin)
    period.refresh_from_db()
    assert period.status == "closed" and period.closed_by == world.admin and period.rules_snapshot["quotas"]
    assert outcome.reward_pool == period.reward_pool == D("8386.15")
    assert Notification.objects.filter(recipient=world.a, title__contains="已结算").exists()
    assert periods.is_closed(world.center, dt.date(2026, 11, 30))
    assert not periods.is_closed(world.center, dt.date(2026, 12, 1))
    with pytest.raises(ValidationError) as err:
        periods.ensure_open(world.center, dt.date(2026, 11, 3), field="month")
    assert "已结算" in str(err.value)
    periods.ensure_open(world.center, dt.date(2026, 12, 3))

    # locked: no compute, no close, no dispute; the scorecards stay as closed
    with pytest.raises(ValidationError, match="已结算"):
        services.compute(period, world.admin)
    with pytest.raises(ValidationError, match="已经结算"):
        services.close(period, world.admin)
    with pytest.raises(ValidationError, match="已结算"):
        services.raise_dispute(period, world.a, "还有问题")
    assert AuditEvent.objects.filter(center=world.center, action="appraisal.close").count() == 1


def test_adjustments_only_after_close(world):
    period = periods.get_or_open(world.center, MONTH)
    with pytest.raises(ValidationError, match="尚未结算"):
        services.adjust(period, world.admin, world.a, "1", "0", "补记外宣")
    services.close(period, world.admin)
    card = Scorecard.objects.get(period=period, user=world.a)
    with pytest.raises(PermissionDenied):
        services.adjust(period, world.hr, world.a, "1", "0", "补记外宣")
    for points, amount, reason, message in (("abc", "0", "原因", "应是数字"), ("0", "0", "原因", "不能都为 0"),
                                            ("1.234", "0", "原因", "两位小数"), ("1", "0", "", "请填写调整原因")):
        with pytest.raises(ValidationError, match=message):
            services.adjust(period, world.admin, world.a, points, amount, reason)
    adjustment = services.adjust(period, world.admin, world.a, "3", "120.50", "省级外宣漏登，经核实补记")
    assert (adjustment.points, adjustment.amount) == (D(3), D("120.50"))
    assert list(services.adjustments_of(period, world.a)) == [adjustment]
    card.refresh_from_db()
    assert card.points == D("13.82")  # the scorecard stays as closed
    event = AuditEvent.objects.get(center=world.center, action="appraisal.adjust")
    assert event.after == {"user": world.a.pk, "points": "3", "amount": "120.50", "reason": "省级外宣漏登，经核实补记"}
    assert Notification.objects.filter(recipient=world.a, title__contains="结算后调整").exists()
    outsider = World("close2").a
    with pytest.raises(ValidationError, match="不在本中心"):
        services.adjust(period, world.admin, outsider, "1", "0", "误操作")
    assert Adjustment.objects.filter(period=period).count() == 1


def test_story_of_another_center_refused_in_dispute(world):
    other = World("close3").build()
    period = periods.get_or_open(world.center, MONTH)
    with pytest.raises(ValidationError, match="找不到这篇稿件"):
        services.raise_dispute(period, world.a, "看这篇", story=other.s1)


def test_the_recompute_task_computes_open_current_months(world, immediate_queue):
    from rongmei.appraisal import close_tasks

    done = close_tasks.recompute_current_months()
    assert world.center.slug in done
    assert Period.objects.filter(center=world.center, month=periods.current_month(world.center)).exists()
