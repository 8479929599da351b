"""The counter's rules: each transaction kind, the refusals (clear Chinese message, nothing
written), the one-subscriber-per-box rule in the database, stale versions."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from rongmei.cable import services
from rongmei.cable.models import Device, Subscriber, Transaction
from rongmei.core.models import AuditEvent


def _messages(exc) -> str:
    return " ".join(exc.value.messages)


def _state(world):
    return (Transaction.objects.filter(center=world.center).count(), AuditEvent.objects.filter(action__startswith="cable.").count(),
            sorted(Device.objects.filter(serial__startswith="T").values_list("serial", "status", "subscriber_id")))


def test_open_account_makes_account_box_and_first_payment(world, people):
    sub = world.sub
    assert sub.account.startswith("YX") and len(sub.account) == 9
    assert sub.status == Subscriber.Status.ACTIVE and sub.masked_phone == "139****1111"
    box = Device.objects.get(serial="TSD001")
    assert box.status == Device.Status.IN_USE and box.subscriber_id == sub.pk
    tx = Transaction.objects.get(subscriber=sub)
    assert tx.kind == "open" and tx.amount == Decimal("60.00") and tx.months == 3 and tx.done_by == people.cableclerk
    assert sub.paid_until == services.add_months(services.today(world.center), 3)
    assert AuditEvent.objects.filter(action="cable.open", object_id=str(sub.pk)).exists()
    second = services.open_account(world.center, people.cableclerk, name="李四", phone="13900002222", township=world.town,
                                   address="青山村1号", package=world.hd, device="THD001")
    assert int(second.account[2:]) == int(sub.account[2:]) + 1


def test_open_account_refusals_write_nothing(world, people):
    before = (Subscriber.objects.count(), *_state(world))
    cases = [
        ({"name": ""}, "户主姓名"),
        ({"phone": "12ab"}, "联系电话"),
        ({"device": "TSD001"}, "该机顶盒已分配给用户"),        # already someone's
        ({"device": "THD001"}, "需要标清机顶盒"),              # wrong definition for the package
        ({"device": "NOPE"}, "没有序列号为"),
        ({"months": 0}, "缴费月数须大于 0"),
        ({"months": -3}, "缴费月数须大于 0"),
        ({"id_tail": "12345"}, "后四位"),
        ({"village": "x"}, "村/社区"),
    ]
    for change, text in cases:
        args = {"name": "王五", "phone": "13900003333", "township": world.town, "address": "某处", "package": world.sd,
                "device": "TSD002", "months": 1, **change}
        with pytest.raises(ValidationError) as exc:
            services.open_account(world.center, people.cableclerk, **args)
        assert text in _messages(exc), (change, exc.value.messages)
    assert (Subscriber.objects.count(), *_state(world)) == before


def test_swap_sd_to_hd_returns_old_box_and_assigns_new(world, people):
    sub = world.sub
    old = Device.objects.get(serial="TSD001")
    row = services.swap(sub, people.cableclerk, old_device=old.pk, new_device="THD001", package=world.hd,
                        expected_version=sub.version)
    old.refresh_from_db()
    new = Device.objects.get(serial="THD001")
    assert old.status == Device.Status.STOCK and old.subscriber_id is None
    assert new.status == Device.Status.IN_USE and new.subscriber_id == sub.pk
    sub.refresh_from_db()
    assert sub.package == world.hd and row.kind == "swap" and row.old_device == old and row.new_device == new
    assert row.note == "标清换高清"


def test_swap_to_a_box_already_assigned_is_refused_and_nothing_changes(world, people):
    other = services.open_account(world.center, people.cableclerk, name="李四", phone="13900002222", township=world.town,
                                  address="青山村1号", package=world.hd, device="THD001")
    sub = Subscriber.objects.get(pk=world.sub.pk)
    before = _state(world)
    with pytest.raises(ValidationError) as exc:
        services.swap(sub, people.cableclerk, old_device=Device.objects.get(serial="TSD001").pk, new_device="THD001")
    assert f"该机顶盒已分配给用户 {other.account}" in _messages(exc)
    assert exc.value.api_status == 409
    assert _state(world) == before  # the old box was not returned to stock either
    sub.refresh_from_db()
    assert sub.version == world.sub.version


def test_swap_refusals(world, people):
    sub = world.sub
    old = Device.objects.get(serial="TSD001")
    with pytest.raises(ValidationError, match="需要高清机顶盒"):
        services.swap(sub, people.cableclerk, old_device=old.pk, new_device="TSD002")
    with pytest.raises(ValidationError, match="正在使用的机顶盒"):
        services.swap(sub, people.cableclerk, old_device=Device.objects.get(serial="THD002").pk, new_device="THD001")
    with pytest.raises(ValidationError, match="套餐应选高清套餐"):
        services.swap(sub, people.cableclerk, old_device=old.pk, new_device="THD001", package=world.sd)
    Device.objects.filter(serial="THD003").update(status=Device.Status.FAULTY)
    with pytest.raises(ValidationError, match="只能发放在库的机顶盒"):
        services.swap(sub, people.cableclerk, old_device=old.pk, new_device="THD003")
    assert Device.objects.get(serial="TSD001").subscriber_id == sub.pk


def test_the_database_keeps_a_box_in_use_with_its_subscriber(world):
    with pytest.raises(IntegrityError), transaction.atomic():
        Device.objects.filter(serial="THD002").update(status=Device.Status.IN_USE)  # in use by nobody
    with pytest.raises(IntegrityError), transaction.atomic():
        Device.objects.filter(serial="THD002").update(subscriber=world.sub)  # someone's, still "in stock"


def test_payment_extends_paid_until_and_refuses_zero_or_less(world, people):
    sub = world.sub
    start = sub.paid_until
    row = services.pay(sub, people.cableclerk, 12)
    assert row.amount == Decimal("240.00") and sub.paid_until == services.add_months(start, 12)
    for bad in (0, -1, "abc", 37):
        with pytest.raises(ValidationError) as exc:
            services.pay(sub, people.cableclerk, bad)
        assert "缴费月数" in _messages(exc) or "最多预缴" in _messages(exc)
    assert Transaction.objects.filter(subscriber=sub, kind="payment").count() == 1


def test_payment_of_a_lapsed_account_runs_from_today(world, people):
    sub = world.sub
    Subscriber.objects.filter(pk=sub.pk).update(paid_until=dt.date(2020, 1, 31))
    sub.refresh_from_db()
    services.pay(sub, people.cableclerk, 1)
    assert sub.paid_until == services.add_months(services.today(world.center), 1)


def test_stop_resume_and_their_refusals(world, people):
    sub = world.sub
    with pytest.raises(ValidationError) as exc:
        services.resume(sub, people.cableclerk)
    assert "正常在用，不需要复机" in _messages(exc) and exc.value.api_status == 409
    services.stop(sub, people.cableclerk, note="外出务工")
    assert sub.status == "stopped"
    with pytest.raises(ValidationError, match="已经是停机状态"):
        services.stop(sub, people.cableclerk)
    with pytest.raises(ValidationError, match="不能办理高标清互换"):
        services.swap(sub, people.cableclerk, old_device=Device.objects.get(serial="TSD001").pk, new_device="THD001")
    Subscriber.objects.filter(pk=sub.pk).update(paid_until=dt.date(2020, 1, 1))
    sub.refresh_from_db()
    with pytest.raises(ValidationError, match="请先缴费再复机"):
        services.resume(sub, people.cableclerk)
    services.pay(sub, people.cableclerk, 1)
    services.resume(sub, people.cableclerk)
    assert Subscriber.objects.get(pk=sub.pk).status == "active"
    kinds = list(Transaction.objects.filter(subscriber=sub).order_by("pk").values_list("kind", flat=True))
    assert kinds == ["open", "stop", "payment", "resume"]


def test_package_change_needs_an_hd_box_for_an_hd_package(world, people):
    with pytest.raises(ValidationError, match="请先办理高标清互换"):
        services.change_package(world.sub, people.cableclerk, world.hd.pk)
    with pytest.raises(ValidationError, match="已经是"):
        services.change_package(world.sub, people.cableclerk, world.sd.pk)


def test_close_returns_every_box(world, people):
    services.close_account(world.sub, people.cableclerk, note="搬迁")
    box = Device.objects.get(serial="TSD001")
    assert box.status == "stock" and box.subscriber_id is None and world.sub.status == "closed"
    with pytest.raises(ValidationError, match="不能办理缴费"):
        services.pay(world.sub, people.cableclerk, 1)


def test_a_stale_version_is_refused(world, people):
    seen = world.sub.version
    services.pay(Subscriber.objects.get(pk=world.sub.pk), people.cableclerk, 1)
    with pytest.raises(ValidationError) as exc:
        services.stop(world.sub, people.cableclerk, expected_version=seen)
    assert "已被他人修改" in _messages(exc) and exc.value.api_status == 409
    assert Subscriber.objects.get(pk=world.sub.pk).status == "active"


def test_only_the_counter_does_counter_work(world, people):
    with pytest.raises(PermissionDenied):
        services.pay(world.sub, people.cableagent, 1)
    with pytest.raises(PermissionDenied):
        services.pay(world.sub, people.technician, 1)


def test_devices_and_packages_setup(world, people):
    made = services.add_devices(world.center, people.cablemanager, serials="NEW-1\nNEW-2", model="九联", definition="hd")
    assert len(made) == 2
    with pytest.raises(ValidationError, match="已经入库"):
        services.add_devices(world.center, people.cablemanager, serials="NEW-1", model="九联", definition="hd")
    with pytest.raises(ValidationError, match="重复填写"):
        services.add_devices(world.center, people.cablemanager, serials="A1\nA1", model="九联", definition="hd")
    with pytest.raises(ValidationError, match="正在用户"):
        services.set_device_status(Device.objects.get(serial="TSD001"), people.cablemanager, "faulty")
    with pytest.raises(ValidationError, match="月费应大于 0"):
        services.add_package(world.center, people.cablemanager, name="免费", monthly_fee="0", definition="sd")
    with pytest.raises(ValidationError, match="已有名为"):
        services.add_package(world.center, people.cablemanager, name="测试高清", monthly_fee="10", definition="hd")
    with pytest.raises(PermissionDenied):
        services.add_package(world.center, people.cableclerk, name="新套餐", monthly_fee="10", definition="hd")
