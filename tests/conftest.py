import os

import pytest

from rongmei.testing.live import Instance

ARTIFACTS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "test-artifacts")


@pytest.fixture
def instance():
    """A fresh installation (own database, own queue) for one test; processes stopped after."""
    created = []

    def make(**kwargs) -> Instance:
        inst = Instance(**kwargs)
        created.append(inst)
        return inst

    yield make
    for inst in created:
        inst.stop()


def _free_port_pair() -> int:
    """A port p with p … p + 9 free: the sandbox's fakes (WeChat p, Weibo p + 1, 舆情监测's
    news sources p + 2, and the others at the offsets of
    rongmei.distribution.fakes.server.SANDBOX_OFFSETS)."""
    import random
    import socket

    # Below the kernel's ephemeral range, so the web server's own free port never lands here.
    # CI runs the SQLite and PostgreSQL suites at the same time on one machine: each takes its
    # own half of the range, and the choice comes from the system's randomness, never from the
    # `random` module, which a test may have seeded (both runs would then pick the same ports).
    low = 25000 if os.environ.get("DATABASE_URL", "").startswith("postgres") else 20000
    pick = random.SystemRandom()
    for _ in range(50):
        port = pick.randrange(low, low + 5000, 10)
        try:
            for candidate in range(port, port + 10):
                with socket.socket() as s:
                    s.bind(("127.0.0.1", candidate))
        except OSError:
            continue
        return port
    raise RuntimeError("no free port pair")


@pytest.fixture(scope="session")
def demo_server():
    """`rongmei serve` (web, task worker, delivery worker and the sandbox's fake WeChat and
    Weibo) on a prepared demo installation, shared by the session."""
    inst = Instance(extra_env={"RONGMEI_SANDBOX": "1", "RONGMEI_SANDBOX_PORT": str(_free_port_pair())}).prepare(demo=True)
    inst.start_serve()
    yield inst
    inst.stop()
