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


@pytest.fixture(scope="session")
def demo_server():
    """`rongmei serve` (web + worker) on a prepared demo installation, shared by the session."""
    inst = Instance().prepare(demo=True)
    inst.start_serve()
    yield inst
    inst.stop()
