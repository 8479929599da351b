"""Fixtures of 活动运营's tests: the demo center's event people and a fresh event with a budget."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from rongmei.core.models import User
from rongmei.events import services
from rongmei.events.models import Event


@pytest.fixture
def people(demo):
    return {u.username: u for u in User.objects.filter(username__in=[
        "events", "business", "director", "reporter", "editor", "adsales", "lx_reporter", "admin"])}


@pytest.fixture
def center(demo):
    return demo["demo"]


@pytest.fixture
def event(center, people):
    """A planned gala next month with a 10,000 yuan stage line and a sponsorship income line."""
    start = timezone.localdate() + dt.timedelta(days=30)
    ev = services.create_event(center=center, user=people["events"], data=services.EventData(
        name="测试晚会", kind="gala", starts_on=start, ends_on=start, manager=people["events"], venue="县剧院"))
    services.add_line(event=ev, user=people["events"], direction="expense", name="舞台搭建", planned=Decimal(10000))
    services.add_line(event=ev, user=people["events"], direction="income", name="冠名赞助", planned=Decimal(20000))
    return ev


@pytest.fixture
def foreign_event(demo, people):
    """An event of the neighbour center (made directly: nobody there runs events)."""
    today = timezone.localdate()
    return Event.objects.create(center=demo["linxian"], name="邻县活动", kind="other", starts_on=today, ends_on=today,
                                manager=people["lx_reporter"], created_by=people["lx_reporter"])
