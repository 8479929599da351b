"""Many accounts at once: every call is counted exactly once, nothing is lost or doubled."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

from rongmei.distribution.fakes import WeiboFakeServer, start_fake

from .helpers import WeChatClient, WeiboClient


def test_200_parallel_shares_from_200_accounts(weibo: WeiboFakeServer) -> None:
    def share(n: int) -> int:
        return WeiboClient(weibo.url, f"村{n:03d}").share(f"第{n}条 https://county.example.cn/{n}").status

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=200) as pool:
        statuses = list(pool.map(share, range(200)))
    elapsed = time.monotonic() - started
    assert statuses == [200] * 200
    state = weibo.state()
    assert state["totals"]["statuses_created"] == 200 and state["totals"]["accounts"] == 200
    assert all(a["statuses_live"] == 1 and a["shares"] == 1 for a in state["accounts"].values())
    assert state["calls"] == {"/2/statuses/share.json": 200}
    assert state["duplicate_statuses"] == []
    assert elapsed < 15


def test_racing_identical_shares_from_one_account_publish_once(weibo: WeiboFakeServer) -> None:
    text = "同一条 https://county.example.cn/x"
    with ThreadPoolExecutor(max_workers=20) as pool:
        answers = list(pool.map(lambda _: WeiboClient(weibo.url, "同一个号").share(text), range(20)))
    codes = sorted(a.status if a.status == 200 else a.data["error_code"] for a in answers)
    assert codes == [200] + [20019] * 19
    assert weibo.statuses("同一个号", text) == 1


def test_220_wechat_accounts_publish_in_parallel_with_latency() -> None:
    with start_fake("wechat", latency=0.05, publish_delay=0.1) as wechat:
        def publish(n: int) -> str:
            client = WeChatClient(wechat.url, f"wx{n:04d}")
            return client.publish(f"稿件{n}")

        started = time.monotonic()
        with ThreadPoolExecutor(max_workers=220) as pool:
            publish_ids = list(pool.map(publish, range(220)))
        elapsed = time.monotonic() - started
        assert len(set(publish_ids)) == 220
        state = wechat.wait_for(lambda s: s["totals"]["publishing"] == 0, timeout=10)
        totals = state["totals"]
        assert totals["apps"] == 220 and totals["drafts_created"] == 220
        assert totals["publish_jobs"] == 220 and totals["successful_publishes"] == 220
        assert state["duplicate_publishes"] == []
        for n in range(220):
            assert state["apps"][f"wx{n:04d}"]["successful_publishes_by_title"] == {f"稿件{n}": 1}
        # 4 calls each (token, cover, draft, submit) at 50 ms: well under sequential time (44 s)
        assert elapsed < 20
