"""Fixtures every room's tests share: demo data in the test database, logged-in clients."""

import pytest
from django.test import Client

from rongmei.core.demo import load_demo
from rongmei.core.models import Center, User


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Load the demo data once per run; each test then runs inside a rolled-back transaction."""
    with django_db_blocker.unblock():
        load_demo()


@pytest.fixture
def demo(db):
    """The demo data (both centers, every demo user) in the test database."""
    return {"demo": Center.objects.get(slug="demo"), "linxian": Center.objects.get(slug="linxian")}


@pytest.fixture
def login(demo, settings):
    """login("editor") -> a test Client logged in as that demo user."""
    settings.RONGMEI_DEMO = True

    def make(username: str) -> Client:
        client = Client()
        client.force_login(User.objects.get(username=username))
        return client

    return make


@pytest.fixture
def immediate_queue():
    """Tasks run in-process at enqueue (Huey's immediate mode, memory storage)."""
    from huey.contrib.djhuey import HUEY

    before = HUEY.immediate
    HUEY.immediate = True
    try:
        yield
    finally:
        HUEY.immediate = before
