"""Which CI half runs a test (used by the root conftest.py; tested in tests/test_ci_split.py).

CI (`.ci/run`) runs the SQLite and the PostgreSQL + Redis halves side by side on one 2-core
machine and tells each which it is (RONGMEI_CI_HALF). Tests whose subject is the same on both
databases run in one half only, so each still runs on every CI run, once:

* the browser journeys (tests/e2e/) in the SQLite half: the embedded mode `make run` serves;
* the two enumerating suites (every route × every identity; the API fuzzer) in the
  PostgreSQL half: the production database, the stricter about what it stores;
* tests that set the configured database aside and always use SQLite, in the SQLite half.

`make test` and `make test-pg` on their own (RONGMEI_CI_HALF unset) run everything.
"""

from __future__ import annotations

CI_HALF_ENV = "RONGMEI_CI_HALF"
HALVES = ("sqlite", "pg")
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


def split(items: list, half: str) -> tuple[list, list]:
    """(kept, left to the other half) of the collected items, for this half."""
    if half not in HALVES:
        raise ValueError(f"{CI_HALF_ENV} is 'sqlite' or 'pg', not {half!r}")
    keep, elsewhere = [], []
    for item in items:
        where = ci_half_of(item.nodeid)
        (elsewhere if where not in (None, half) else keep).append(item)
    return keep, elsewhere
