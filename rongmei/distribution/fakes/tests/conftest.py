"""Fixtures: a fresh fake server per test (starting one takes a few milliseconds)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from rongmei.distribution.fakes import WeChatFakeServer, WeiboFakeServer, start_fake


@pytest.fixture
def wechat() -> Iterator[WeChatFakeServer]:
    server = start_fake("wechat", publish_delay=0.05)
    yield server
    server.stop()


@pytest.fixture
def weibo() -> Iterator[WeiboFakeServer]:
    server = start_fake("weibo")
    yield server
    server.stop()
