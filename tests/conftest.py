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
    """A port p with p, p + 1 and p + 2 free (the sandbox's fake WeChat and Weibo, and
    舆情监测's sandbox news sources)."""
    import random
    import socket

    # Below the kernel's ephemeral range, so the web server's own free port never lands here.
    for _ in range(50):
        port = random.randrange(20000, 30000, 3)
        try:
            for candidate in (port, port + 1, port + 2):
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
