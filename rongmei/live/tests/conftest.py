"""Fixtures of 直播制作's tests: the demo center's director, a second director in the
neighbour center, equipment, and `book()` for productions far from the demo's dates."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.test import Client
from django.utils import timezone

from rongmei.core.models import Center, Department, Membership, User
from rongmei.live import services
from rongmei.live.models import Equipment

_serial = itertools.count(1)
# Far from the demo's broadcasts (the last year and the next ten days).
BASE = timezone.now().replace(minute=0, second=0, microsecond=0) + dt.timedelta(days=60)


@pytest.fixture
def center(demo) -> Center:
    return demo["demo"]


@pytest.fixture
def director(center) -> User:
    return User.objects.get(username="director")


@pytest.fixture
def reporter(center) -> User:
    return User.objects.get(username="reporter")


@pytest.fixture
def camera(center, director) -> Equipment:
    return services.save_equipment(center=center, user=director, data=services.EquipmentData(
        kind="camera", name="测试摄像机", asset_number=f"TEST-CAM-{next(_serial)}"))


@pytest.fixture
def book(center, director):
    def make(start_hours: float = 0, hours: float = 2, title: str = "", **extra):
        start = BASE + dt.timedelta(hours=start_hours)
        department = Department.objects.filter(center=center).first()
        data = services.BookingData(title=title or f"测试直播 {next(_serial)}", kind=extra.pop("kind", "meeting"),
                                    place="县会议中心", planned_start=start,
                                    planned_end=start + dt.timedelta(hours=hours),
                                    department_id=extra.pop("department_id", department.pk), **extra)
        return services.book(center=center, user=director, data=data)

    return make


@pytest.fixture
def neighbour_director(demo) -> User:
    user = User.objects.create(username="lx_director_test", display_name="邻县导播")
    Membership.objects.create(user=user, center=demo["linxian"], role="live_director")
    return user


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client
