"""``python -m rongmei.distribution.fakes`` serves both fakes in a separate process."""

from __future__ import annotations

import json
import queue
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from rongmei.distribution.fakes import connect_fake

from .helpers import WeChatClient, WeiboClient

PROJECT = Path(__file__).resolve().parents[4]


@pytest.mark.slow
def test_cli_serves_both_and_stops_on_sigterm() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "rongmei.distribution.fakes", "--wechat-port", "0", "--weibo-port", "0",
         "--wechat-app", "wxCLI:cli-secret", "--wechat-limit", "title_chars=64",
         "--weibo-account", "县台:cli-token"],
        cwd=PROJECT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    lines: queue.Queue[str] = queue.Queue()
    assert process.stdout is not None
    threading.Thread(target=lambda: lines.put(process.stdout.readline()), daemon=True).start()
    try:
        urls = json.loads(lines.get(timeout=20))
        assert set(urls) == {"wechat", "weibo"}

        client = WeChatClient(urls["wechat"], "wxCLI", "cli-secret")
        client.publish("标" * 60)  # the limit given on the command line applies
        wechat = connect_fake("wechat", urls["wechat"])
        state = wechat.wait_for(lambda s: s["totals"]["publishing"] == 0)
        assert state["totals"]["successful_publishes"] == 1 and state["limits"]["title_chars"] == 64

        assert WeiboClient(urls["weibo"], "县台", "cli-token").share("x https://a.cn").status == 200
        assert connect_fake("weibo", urls["weibo"]).statuses("县台") == 1
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        finally:
            if process.poll() is None:
                process.kill()
    assert process.returncode == 0, process.stderr.read() if process.stderr else ""
