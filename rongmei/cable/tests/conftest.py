"""Fixtures of the cable tests: the demo center's cable people, and a small hand-made
world (a package of each definition, boxes in stock, one subscriber) on top of the demo."""

from decimal import Decimal
from types import SimpleNamespace

import pytest

from rongmei.cable import services
from rongmei.cable.models import Definition, Device, Package
from rongmei.core.models import Area, User


@pytest.fixture
def people(demo):
    names = ["cableclerk", "cableagent", "technician", "cablemanager", "reporter", "editor"]
    return SimpleNamespace(**{u.username: u for u in User.objects.filter(username__in=names)})


@pytest.fixture
def world(demo, people):
    center = demo["demo"]
    sd = Package.objects.create(center=center, name="测试标清", monthly_fee=Decimal("20.00"), definition=Definition.SD)
    hd = Package.objects.create(center=center, name="测试高清", monthly_fee=Decimal("30.00"), definition=Definition.HD)
    boxes = {s: Device.objects.create(center=center, serial=s, model="测试机", definition=d)
             for s, d in [("TSD001", "sd"), ("TSD002", "sd"), ("THD001", "hd"), ("THD002", "hd"), ("THD003", "hd")]}
    town = Area.objects.get(center=center, parent=None, name="青山镇")
    village = Area.objects.get(center=center, parent=town, name="石桥村")
    sub = services.open_account(center, people.cableclerk, name="张三", phone="13900001111", township=town, village=village,
                                address="石桥村3组12号", package=sd, device="TSD001", months=3)
    return SimpleNamespace(center=center, sd=sd, hd=hd, boxes=boxes, town=town, village=village, sub=sub)
