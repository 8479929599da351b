"""The sandbox's port block chosen for a test server (tests/conftest._free_port_pair).

CI runs the SQLite and the PostgreSQL suites at the same time on one machine. A test that seeded
the global `random` once made both runs pick the same blocks in the same order, and one run's
fake news site found its port taken (stop 26's CI: 106 errors)."""
import random

from tests.conftest import _free_port_pair


def test_a_seeded_global_random_does_not_decide_the_ports():
    random.seed(15)
    first = [_free_port_pair() for _ in range(3)]
    random.seed(15)
    second = [_free_port_pair() for _ in range(3)]
    assert first != second  # 500 blocks each time: equal three times in a row ≈ 1 in 10⁸


def test_the_sqlite_and_postgresql_runs_use_separate_halves_of_the_range(monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    assert all(20000 <= _free_port_pair() < 25000 for _ in range(20))
    monkeypatch.setenv("DATABASE_URL", "postgresql://rongmei:rongmei@127.0.0.1:5432/rongmei")
    assert all(25000 <= _free_port_pair() < 30000 for _ in range(20))
