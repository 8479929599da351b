"""The demo loader: county-sized, consistent with itself, idempotent, fast."""

import time

from rongmei.cable import demo as cable_demo
from rongmei.cable import services, stats
from rongmei.cable.models import (
    Call,
    DeskSettings,
    Device,
    Package,
    Subscriber,
    Transaction,
    WorkOrder,
)
from rongmei.core.models import Area


def _wipe(center):
    for model in (WorkOrder, Call, Transaction, Device, Subscriber, Package, DeskSettings):
        model.objects.filter(center=center).delete()


def test_the_demo_is_county_sized_and_consistent(demo):
    center = demo["demo"]
    assert cable_demo.load(center)[0] == 0  # loaded once already: nothing more
    assert cable_demo.load(demo["linxian"]) == (0, 0)
    assert Subscriber.objects.filter(center=center).count() == 5000
    towns = set(Subscriber.objects.filter(center=center).values_list("township_id", flat=True))
    assert towns == set(Area.objects.filter(center=center, parent=None).values_list("pk", flat=True))
    assert Transaction.objects.filter(center=center).count() > 6000
    assert 1500 < Call.objects.filter(center=center).count() < 2100
    assert 600 < WorkOrder.objects.filter(center=center).count() < 900
    # every box in use has its user; closed accounts have none; stopped/closed have their record
    assert not Device.objects.filter(center=center, status="in_use", subscriber__isnull=True).exists()
    assert not Device.objects.filter(center=center, subscriber__status="closed").exists()
    for status, kind in (("stopped", "stop"), ("closed", "close")):
        without = Subscriber.objects.filter(center=center, status=status).exclude(transactions__kind=kind)
        assert not without.exists()
    open_orders = WorkOrder.objects.filter(center=center, status__in=WorkOrder.OPEN)
    assert open_orders.count() >= 3
    from django.utils import timezone

    assert open_orders.filter(due_at__lt=timezone.now()).count() == 1
    today = timezone.localdate()
    month = stats.month(center, today.year, today.month)
    assert month.transactions > 0 and 4500 < month.in_service <= 5000
    assert services.settings_for(center).urban_townships.filter(name="城关镇").exists()


def test_a_fresh_load_is_fast_and_repeatable(demo):
    center = demo["demo"]
    _wipe(center)
    started = time.process_time()
    created, existing = cable_demo.load(center)
    assert time.process_time() - started < 6  # CPU seconds; about 1 on an idle machine
    assert created > 19000 and existing == 0
    accounts = list(Subscriber.objects.filter(center=center).order_by("account").values_list("account", "name")[:5])
    _wipe(center)
    cable_demo.load(center)
    assert list(Subscriber.objects.filter(center=center).order_by("account").values_list("account", "name")[:5]) == accounts
    assert cable_demo.load(center) == (0, 4)
