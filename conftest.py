"""Fixtures every room's tests share: demo data in the test database, logged-in clients."""

import os
import shutil
import tempfile
from pathlib import Path

import pytest
from django.test import Client
from django.test.utils import override_settings

from rongmei.core.demo import load_demo
from rongmei.core.models import Center, User
from rongmei.settings_test import HASHER


def pytest_configure(config):
    """Two costs every demo load pays, cut for the whole run — this process and the
    servers the tests start, which inherit the environment:

    * the demo video is rendered once per run and copied afterwards: a fresh render cache
      folder for the run (rongmei/newsroom/video/cache.py), removed at the end; an
      RONGMEI_DEMO_VIDEO_CACHE already set is used as it is;
    * passwords are hashed with Argon2 at its cheapest (rongmei/settings_test.py).
    """
    if not os.environ.get("RONGMEI_DEMO_VIDEO_CACHE"):
        folder = tempfile.mkdtemp(prefix="rongmei-test-renders-")
        os.environ["RONGMEI_DEMO_VIDEO_CACHE"] = folder
        config.add_cleanup(lambda: shutil.rmtree(folder, ignore_errors=True))
    os.environ["RONGMEI_TEST_PASSWORD_HASHER"] = "1"
    _live_run_folder(config)
    from django.conf import settings

    override_settings(PASSWORD_HASHERS=[HASHER, *settings.PASSWORD_HASHERS]).enable()


def pytest_collection_modifyitems(config, items):
    """In CI, the tests rongmei/testing/ci_split.py gives to the other half are left to it."""
    from rongmei.testing import ci_split

    half = os.environ.get(ci_split.CI_HALF_ENV, "")
    if not half:
        return
    try:
        keep, elsewhere = ci_split.split(items, half)
    except ValueError as exc:
        raise pytest.UsageError(str(exc)) from None
    if elsewhere:
        config.hook.pytest_deselected(items=elsewhere)
        items[:] = keep


def pytest_report_header(config):
    from rongmei.testing import ci_split

    half = os.environ.get(ci_split.CI_HALF_ENV, "")
    if half in ci_split.HALVES:
        other = next(h for h in ci_split.HALVES if h != half)
        moved = [prefix for prefix, where in ci_split.ONLY_IN_CI_HALF.items() if where == other]
        return f"CI half {half}: {', '.join(moved)} run in the {other} half"
    return None


def _live_run_folder(config):
    """The real test servers' shared folder for the run (rongmei/testing/live.py): static
    files collected once and the migrated schema templates (SQLite file, PostgreSQL
    database), copied by each server; the templates are dropped and the folder removed at
    the end. A RONGMEI_TEST_RUN_DIR already set (a run inside a run) is used as it is."""
    from rongmei.testing import live

    if os.environ.get(live.RUN_DIR_ENV):
        return
    folder = tempfile.mkdtemp(prefix="rongmei-test-run-")
    os.environ[live.RUN_DIR_ENV] = folder

    def finish():
        live.finish_run(Path(folder))
        shutil.rmtree(folder, ignore_errors=True)

    config.add_cleanup(finish)


@pytest.fixture(autouse=True)
def _fresh_weibo_story_parts():
    """The Weibo adapter keeps a fan-out's words and pictures by story id and signed content;
    a test's rolled-back story may come back with the same id and hash but other pictures."""
    from rongmei.distribution.adapters import weibo

    weibo._story_parts_cache.clear()
    yield


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Load the demo data once per run; each test then runs inside a rolled-back transaction."""
    with django_db_blocker.unblock():
        load_demo()


@pytest.fixture
def demo(db):
    """The demo data (the two counties, their city "shi" and province "sheng", every demo user)
    in the test database."""
    return {c.slug: c for c in Center.objects.filter(slug__in=["demo", "linxian", "shi", "sheng"])}


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
