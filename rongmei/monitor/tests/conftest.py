"""The pipeline's warm per-process state (near-duplicate index, hot topics, burst counts)
is dropped between tests: each test's rows are rolled back, and ids come round again."""

import pytest


@pytest.fixture(autouse=True)
def _cold_monitor_state():
    from rongmei.monitor import alerts, clustering, dedupe

    dedupe.NearDupIndex.forget()
    clustering.forget()
    alerts.forget()
    yield
    dedupe.NearDupIndex.forget()
    clustering.forget()
    alerts.forget()
