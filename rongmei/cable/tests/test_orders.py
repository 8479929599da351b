"""The hotline and work orders: a fault call dispatches its order in one step with the
deadline of the subscriber's township, the steps dispatched → on site → fixed / not fixed →
confirmed, who may do each, and the escalation of overdue orders with a frozen clock."""

import datetime as dt
from unittest import mock

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from rongmei.cable import services
from rongmei.cable.models import Call, WorkOrder
from rongmei.core.models import Area, AuditEvent, Notification

TZ = dt.timezone(dt.timedelta(hours=8))


def _fault(world, people, **kw):
    args = {"subscriber": world.sub.pk, "kind": "fault", "notes": "电视无信号，显示信号中断", "technician": people.technician.pk,
            **kw}
    return services.take_call(world.center, people.cableagent, **args)


def test_a_fault_call_dispatches_an_order_with_the_township_deadline(world, people):
    call = _fault(world, people)
    order = WorkOrder.objects.get(call=call)
    assert order.technician == people.technician and order.status == "dispatched"
    assert order.deadline_hours == 48  # 青山镇 is a 乡镇: the rural deadline
    assert order.due_at - order.dispatched_at == dt.timedelta(hours=48)
    assert Notification.objects.filter(recipient=people.technician, title__contains=order.code).exists()
    assert AuditEvent.objects.filter(action="cable.dispatch", object_id=str(order.pk)).exists()
    # 城关镇 is 城区 in the demo's settings: 24 hours
    chengguan = Area.objects.get(center=world.center, parent=None, name="城关镇")
    settings = services.settings_for(world.center)
    settings.urban_townships.add(chengguan)
    world.sub.township = chengguan
    world.sub.save(update_fields=["township"])
    assert WorkOrder.objects.get(call=_fault(world, people)).deadline_hours == 24


def test_a_fault_call_without_a_technician_writes_nothing(world, people):
    calls = Call.objects.count()
    with pytest.raises(ValidationError, match="维修技术员"):
        _fault(world, people, technician=None)
    with pytest.raises(ValidationError, match="维修技术员"):
        _fault(world, people, technician=people.cableclerk.pk)  # not a technician
    with pytest.raises(ValidationError, match="来电内容"):
        _fault(world, people, notes="  ")
    with pytest.raises(ValidationError, match="来电的用户"):
        _fault(world, people, subscriber=999999999)
    assert Call.objects.count() == calls


def test_a_consultation_left_open_then_answered(world, people):
    call = services.take_call(world.center, people.cableagent, subscriber=world.sub, kind="consult", notes="问高清套餐价格",
                              open_call=True)
    assert call.is_open and not WorkOrder.objects.filter(call=call).exists()
    services.close_call(call, people.cableagent, "高清基本套餐 28 元/月，已电话告知")
    assert not Call.objects.get(pk=call.pk).is_open
    with pytest.raises(ValidationError, match="已经办结"):
        services.close_call(call, people.cableagent, "再答一次")


def test_the_order_steps_and_who_may_do_them(world, people):
    order = WorkOrder.objects.get(call=_fault(world, people))
    with pytest.raises(ValidationError, match="还没有登记到场"):
        services.finish(order, people.technician, fixed=True, result="好了")
    with pytest.raises(PermissionDenied):
        services.arrive(order, people.cableagent)  # not the technician
    services.arrive(order, people.technician, expected_version=order.version)
    with pytest.raises(ValidationError, match="已被他人修改"):
        services.finish(order, people.technician, fixed=True, result="好了", expected_version=1)
    with pytest.raises(ValidationError, match="请填写处理结果"):
        services.finish(order, people.technician, fixed=True, result="")
    with pytest.raises(ValidationError, match="还没有处理完"):
        services.confirm(order, people.cableagent, satisfaction="satisfied")
    services.finish(order, people.technician, fixed=True, result="更换分支器，信号恢复")
    order.refresh_from_db()
    assert order.status == "fixed" and order.on_time and order.finished_at and order.on_site_at
    with pytest.raises(ValidationError, match="不满意时|请填写评价说明"):
        services.confirm(order, people.cableagent, satisfaction="unsatisfied", note="")
    services.confirm(order, people.technician, satisfaction="satisfied")
    order.refresh_from_db()
    assert order.satisfaction == "satisfied" and order.confirmed_by == people.technician
    with pytest.raises(ValidationError, match="已经登记过"):
        services.confirm(order, people.cableagent, satisfaction="satisfied")


def test_not_fixed_and_an_unhappy_customer_tell_the_managers(world, people):
    order = WorkOrder.objects.get(call=_fault(world, people))
    services.arrive(order, people.technician)
    services.finish(order, people.technician, fixed=False, result="主干光缆中断，需网络部抢修")
    assert order.status == "not_fixed" and not order.on_time
    services.confirm(order, people.cableagent, satisfaction="unsatisfied", note="等了两天还没修好")
    assert Notification.objects.filter(recipient=people.cablemanager, title__contains="用户不满意").exists()


def test_reassign(world, people, demo):
    order = WorkOrder.objects.get(call=_fault(world, people))
    with pytest.raises(ValidationError, match="已经派给这位技术员"):
        services.reassign(order, people.cableagent, people.technician.pk)
    with pytest.raises(ValidationError, match="维修技术员"):
        services.reassign(order, people.cableagent, people.reporter.pk)


def test_overdue_orders_escalate_once_with_a_frozen_clock(world, people):
    WorkOrder.objects.filter(status__in=WorkOrder.OPEN).update(status="fixed", finished_at=timezone.now())  # only ours
    dispatched = dt.datetime(2026, 12, 1, 9, 0, tzinfo=TZ)
    with mock.patch("django.utils.timezone.now", return_value=dispatched):
        order = WorkOrder.objects.get(call=_fault(world, people))
    assert order.due_at == dispatched + dt.timedelta(hours=48)
    before = Notification.objects.count()

    def run(now):
        count = services.escalate(now=now)
        order.refresh_from_db()
        return count

    assert run(dt.datetime(2026, 12, 3, 8, 59, tzinfo=TZ)) == 0 and order.escalated_at is None  # a minute to go
    assert run(dt.datetime(2026, 12, 3, 9, 30, tzinfo=TZ)) == 1
    assert order.escalated_at == dt.datetime(2026, 12, 3, 9, 30, tzinfo=TZ)
    notes = Notification.objects.filter(title=f"维修工单超时：{order.code}")
    assert {n.recipient_id for n in notes} == {people.technician.pk, people.cablemanager.pk}
    assert Notification.objects.count() == before + 2
    assert AuditEvent.objects.filter(action="cable.escalate", object_id=str(order.pk)).count() == 1
    assert run(dt.datetime(2026, 12, 4, 9, 0, tzinfo=TZ)) == 0  # once per order
    assert Notification.objects.filter(title=f"维修工单超时：{order.code}").count() == 2
    # a finished order is never escalated
    with mock.patch("django.utils.timezone.now", return_value=dispatched):
        other = WorkOrder.objects.get(call=_fault(world, people))
    services.arrive(other, people.technician)
    services.finish(other, people.technician, fixed=True, result="好了")
    assert run(dt.datetime(2026, 12, 10, 9, 0, tzinfo=TZ)) == 0


def test_the_periodic_task_escalates(world, people, immediate_queue):
    from rongmei.cable.tasks import escalate_overdue_orders

    order = WorkOrder.objects.get(call=_fault(world, people))
    WorkOrder.objects.filter(pk=order.pk).update(due_at=timezone.now() - dt.timedelta(hours=1))
    escalate_overdue_orders.call_local()
    order.refresh_from_db()
    assert order.escalated_at is not None
