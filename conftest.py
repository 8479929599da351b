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


# CI (`.ci/run`) runs the SQLite and the PostgreSQL + Redis halves side by side on one 2-core
# machine and tells each which it is (RONGMEI_CI_HALF). Suites whose subject is the same on both
# databases run in one half only, so each still runs on every CI run, once:
# * the browser journeys (tests/e2e/) in the SQLite half: the embedded mode `make run` serves;
# * the two enumerating suites (every route × every identity; the API fuzzer) in the
#   PostgreSQL half: the production database, the stricter about what it stores.
# `make test` and `make test-pg` on their own (RONGMEI_CI_HALF unset) run everything.
CI_HALF_ENV = "RONGMEI_CI_HALF"
# * tests that set their own database aside and always use SQLite, in the SQLite half.
ONLY_IN_CI_HALF = {
    "tests/e2e/": "sqlite",
    "tests/test_isolation_enumerated.py": "pg",
    "tests/test_fuzz_api.py": "pg",
    "rongmei/core/tests/test_demo_and_config.py::test_check_command_passes_on_a_good_setup": "sqlite",
}


def ci_half_of(nodeid: str) -> str | None:
    """The CI half a test (its node id: path[::name]) runs in when CI splits the suite, None
    for both."""
    return next((half for prefix, half in ONLY_IN_CI_HALF.items() if nodeid.startswith(prefix)), None)


def pytest_collection_modifyitems(config, items):
    half = os.environ.get(CI_HALF_ENV, "")
    if not half:
        return
    if half not in ("sqlite", "pg"):
        raise pytest.UsageError(f"{CI_HALF_ENV} is 'sqlite' or 'pg', not {half!r}")
    keep, elsewhere = [], []
    for item in items:
        where = ci_half_of(item.nodeid)
        (elsewhere if where not in (None, half) else keep).append(item)
    if elsewhere:
        config.hook.pytest_deselected(items=elsewhere)
        items[:] = keep


def pytest_report_header(config):
    half = os.environ.get(CI_HALF_ENV, "")
    if half:
        other = {"sqlite": "pg", "pg": "sqlite"}.get(half, "")
        moved = [prefix for prefix, where in ONLY_IN_CI_HALF.items() if where == other]
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
