"""CI runs the suite in two halves side by side (SQLite; PostgreSQL + Redis) and runs the
tests listed in rongmei/testing/ci_split.py (ONLY_IN_CI_HALF) in one half only. A renamed or moved
test would silently fall out of the list (and then run in both halves, which is safe but
slow); a half named wrongly would run it in neither. Both are caught here."""

import re
from pathlib import Path

from rongmei.testing.ci_split import ONLY_IN_CI_HALF, ci_half_of, split

ROOT = Path(__file__).resolve().parent.parent


def test_every_listed_test_exists_and_goes_to_a_real_half():
    for prefix, half in ONLY_IN_CI_HALF.items():
        assert half in ("sqlite", "pg"), prefix
        path, _, name = prefix.partition("::")
        assert (ROOT / path).exists(), f"{path} is listed in ONLY_IN_CI_HALF but does not exist"
        if name:
            assert re.search(rf"^def {re.escape(name)}\(", (ROOT / path).read_text(), re.M), prefix


def test_ci_run_tells_each_half_which_it_is():
    script = (ROOT / ".ci" / "run").read_text()
    assert "RONGMEI_CI_HALF=sqlite make test " in script
    assert "RONGMEI_CI_HALF=pg make test-pg " in script


def test_node_ids_map_to_their_half():
    assert ci_half_of("tests/e2e/test_xss.py::test_no_payload_runs_on_any_staff_or_public_page") == "sqlite"
    assert ci_half_of("tests/test_fuzz_api.py::test_staff_api_survives_fuzzing") == "pg"
    assert ci_half_of("tests/test_crash_fanout.py::test_kill_9_during_fan_out_never_loses_or_doubles") is None


def test_each_half_keeps_its_own_and_the_shared_tests():
    class Item:
        def __init__(self, nodeid):
            self.nodeid = nodeid

    items = [Item("tests/e2e/test_xss.py::test_a"), Item("tests/test_fuzz_api.py::test_b"), Item("rongmei/x.py::test_c")]
    sqlite, to_pg = split(items, "sqlite")
    pg, to_sqlite = split(items, "pg")
    assert [i.nodeid for i in sqlite] == ["tests/e2e/test_xss.py::test_a", "rongmei/x.py::test_c"]
    assert [i.nodeid for i in pg] == ["tests/test_fuzz_api.py::test_b", "rongmei/x.py::test_c"]
    assert sorted(i.nodeid for i in to_pg + to_sqlite + [items[2]]) == sorted(i.nodeid for i in items)
