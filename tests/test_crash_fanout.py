"""The crash tests. One piece fanned out to 220 Weibo accounts on the fake Weibo, the
delivery worker killed with SIGKILL at random moments 20 times and restarted; at the end
every account holds exactly one post, and no delivery is stuck. And a mixed fan-out (WeChat
and Weibo) with a few percent of every platform call failing, killed while publishing and
while taking everything down again: one live post per account, then none, and the board
saying what the platforms say, account by account."""

import json
import random
import signal
import time

import pytest

from rongmei.distribution.fakes import start_fake
from rongmei.testing.live import Instance

pytestmark = pytest.mark.slow

ACCOUNTS = 220

SETUP = """
import json
from rongmei.core.models import Center, User
from rongmei.distribution import services
from rongmei.distribution.models import AccountGroup
from rongmei.review.models import Review
center = Center.objects.get(slug="demo")
story = Review.objects.filter(center=center, status="signed_off").first().story
group = AccountGroup.objects.create(center=center, name="全部村社微博")
accounts = [services.create_account(center=center, user=None, kind="weibo", name=f"v{{i:03d}}", owner="village",
                                    base_url="{url}", secret=f"token-v{{i:03d}}") for i in range({n})]
group.accounts.set(accounts)
made = services.publish(story=story, user=User.objects.get(username="operator"), group_ids=[group.pk])
print(json.dumps({{"publications": len(made)}}))
"""

STATUS = """
import json
from django.db.models import Count
from rongmei.distribution.models import OutboxMessage, Publication
print(json.dumps({
    "publications": dict(Publication.objects.filter(account__kind="weibo").values_list("status").annotate(n=Count("id"))),
    "messages": dict(OutboxMessage.objects.filter(account__kind="weibo").values_list("status").annotate(n=Count("id"))),
    "reclaimed": OutboxMessage.objects.filter(account__kind="weibo", attempts__gt=1).count(),
}))
"""


def _calls(fake) -> int:
    return sum(fake.state()["calls"].values())


def _status(inst):
    return json.loads(inst.rongmei("shell", "-c", STATUS).stdout.strip().splitlines()[-1])


def test_kill_9_during_fan_out_never_loses_or_doubles(instance):
    rng = random.Random(20261130)
    with start_fake("weibo", latency=0.03) as fake:
        inst = instance(extra_env={"RONGMEI_OUTBOX_LEASE_SECONDS": "2"}).prepare(demo=True)
        made = json.loads(inst.rongmei("shell", "-c", SETUP.format(url=fake.url, n=ACCOUNTS)).stdout.strip().splitlines()[-1])
        assert made["publications"] == ACCOUNTS
        for _ in range(20):
            before = _calls(fake)
            worker = inst.spawn("rongmei", "distribute", "--threads", "8")
            # once the worker is delivering (its start-up time varies with the machine's load),
            # kill it somewhere in the middle of the work, including mid-call
            deadline = time.monotonic() + 30
            while _calls(fake) == before and time.monotonic() < deadline:
                time.sleep(0.02)
            time.sleep(rng.uniform(0.05, 0.8))
            Instance.kill(worker, signal.SIGKILL)
            if fake.state()["totals"]["statuses_created"] >= ACCOUNTS:
                break
        inst.spawn("rongmei", "distribute", "--threads", "8")
        done = inst.wait_for(lambda: (s := _status(inst))["publications"].get("sent") == ACCOUNTS and s, timeout=120, interval=2)
        assert done, _status(inst)
        assert done["messages"] == {"done": ACCOUNTS}
        # the kills really landed mid-work: leases were taken over from killed workers
        assert done["reclaimed"] > 0, done
        print(f"\ncrash test: {done['reclaimed']} of {ACCOUNTS} deliveries were taken over from a killed worker")
        state = fake.state()
        per_account = {name: a["statuses_created"] for name, a in state["accounts"].items()}
        assert len(per_account) == ACCOUNTS and set(per_account.values()) == {1}, per_account
        assert state["duplicate_statuses"] == [] and state["totals"]["repeat_rejections"] == 0


# --- Mixed fan-out (WeChat + Weibo) with random platform faults, then 全部撤稿, with kills -------

MIXED_WECHAT, MIXED_WEIBO = 40, 40

MIXED_SETUP = """
import json
from rongmei.core.models import Center, User
from rongmei.distribution import services
from rongmei.distribution.models import AccountGroup
from rongmei.review.models import Review
story = next(r.story for r in Review.objects.filter(status="signed_off").order_by("id")
             if r.story.cover is not None and r.story.renditions.filter(channel="wechat").exists())
center = story.center
group = AccountGroup.objects.create(center=center, name="崩溃测试：公众号和微博")
accounts = [services.create_account(center=center, user=None, kind="wechat", name=f"公众号{{i:03d}}", owner="village",
                                    base_url="{wechat}", options={{"appid": f"wxc{{i:03d}}"}}, secret=f"secret-wxc{{i:03d}}")
            for i in range({n_wechat})]
accounts += [services.create_account(center=center, user=None, kind="weibo", name=f"微博{{i:03d}}", owner="village",
                                     base_url="{weibo}", secret=f"token-mb{{i:03d}}") for i in range({n_weibo})]
group.accounts.set(accounts)
made = services.publish(story=story, user=User.objects.get(username="operator"), group_ids=[group.pk])
print(json.dumps({{"publications": len(made), "story": story.pk}}))
"""

TAKE_DOWN = """
from rongmei.core.models import User
from rongmei.distribution import services
from rongmei.newsroom.models import Story
print(services.take_down(story=Story.objects.get(pk={story}), user=User.objects.get(username="operator"),
                         reason="崩溃测试：全部撤稿"))
"""

BOARD = """
import json
from django.db.models import Count
from rongmei.distribution.models import OutboxMessage, Publication
mine = Publication.objects.filter(story_id={story}, account__kind__in=["wechat", "weibo"])
print(json.dumps({{
    "accounts": {{p.account.name: (p.account.kind, p.account.options.get("appid", ""), p.status)
                 for p in mine.select_related("account")}},
    "statuses": dict(mine.values_list("status").annotate(n=Count("id"))),
    "messages": dict(OutboxMessage.objects.filter(publication__in=mine).values_list("status").annotate(n=Count("id"))),
    "reclaimed": OutboxMessage.objects.filter(publication__in=mine, attempts__gt=1).count(),
}}))
"""


def _shell(inst, code: str):
    done = inst.rongmei("shell", "-c", code, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def _board(inst, story):
    return _shell(inst, BOARD.format(story=story))


def _live(wechat, weibo) -> dict[str, int]:
    """What the platforms say is live, per account: WeChat articles whose job ended in 0
    (published, not deleted), Weibo statuses not destroyed."""
    live = {}
    for appid, app in wechat.state()["apps"].items():
        live[appid] = sum(1 for job in app["publishes"].values() if job["status"] == 0)
    for name, account in weibo.state()["accounts"].items():
        live[name] = account["statuses_live"]
    return live


def _kill_during(inst, fakes, rng, kills: int, done) -> int:
    """Start the worker, kill -9 it mid-work `kills` times (or until `done()`); how many
    kills landed."""
    landed = 0
    for _ in range(kills):
        before = sum(_calls(f) for f in fakes)
        worker = inst.spawn("rongmei", "distribute", "--threads", "16")
        deadline = time.monotonic() + 30
        while sum(_calls(f) for f in fakes) == before and time.monotonic() < deadline:
            time.sleep(0.02)
        time.sleep(rng.uniform(0.05, 0.8))
        Instance.kill(worker, signal.SIGKILL)
        landed += 1
        if done():
            break
    return landed


def _board_matches_truth(board: dict, live: dict, expected_status: str, expected_live: int) -> None:
    """Account by account: the board's status and what the platform holds (the fake Weibo
    names an account by its token, token-mbNNN -> mbNNN)."""
    for name, (kind, appid, status) in board["accounts"].items():
        key = appid if kind == "wechat" else name.replace("微博", "mb")
        assert status == expected_status, (name, status, live.get(key))
        assert live.get(key, 0) == expected_live, (name, status, live.get(key))


def test_kill_9_during_mixed_fan_out_with_faults_then_take_down_everything(instance):
    """WeChat and Weibo accounts, 3 % of every platform call failing (500s and dropped
    connections, before and after the call took effect), the worker killed mid-work while
    publishing and again while taking everything down: every account ends with exactly one
    live post, then none, and the board says what the platforms say."""
    rng = random.Random(20261206)
    with start_fake("wechat", latency=0.02, publish_delay=0.3) as wechat, start_fake("weibo", latency=0.02) as weibo:
        weibo.set_duplicate_check(False)  # Weibo's own repeat check must not be what saves us
        wechat.set_fault_rate(0.03, seed=1)
        weibo.set_fault_rate(0.03, seed=2)
        inst = instance(extra_env={"RONGMEI_OUTBOX_LEASE_SECONDS": "2"}).prepare(demo=True)
        made = _shell(inst, MIXED_SETUP.format(wechat=wechat.url, weibo=weibo.url, n_wechat=MIXED_WECHAT,
                                               n_weibo=MIXED_WEIBO))
        story, total = made["story"], MIXED_WECHAT + MIXED_WEIBO
        publish_kills = _kill_during(inst, (wechat, weibo), rng, 10,
                                     lambda: sum(v > 0 for v in _live(wechat, weibo).values()) >= total)
        worker = inst.spawn("rongmei", "distribute", "--threads", "16")
        sent = inst.wait_for(lambda: (b := _board(inst, story))["statuses"].get("sent") == total and b,
                             timeout=150, interval=2)
        assert sent, _board(inst, story)
        Instance.kill(worker, signal.SIGKILL)
        assert sent["reclaimed"] > 0, sent  # deliveries were retried or taken over from a killed worker
        live = _live(wechat, weibo)
        assert len(live) == total and set(live.values()) == {1}, live
        assert weibo.state()["duplicate_statuses"] == [] and wechat.state()["duplicate_publishes"] == []
        _board_matches_truth(sent, live, "sent", 1)

        assert _shell(inst, TAKE_DOWN.format(story=story)) >= total
        takedown_kills = _kill_during(inst, (wechat, weibo), rng, 6, lambda: not any(_live(wechat, weibo).values()))
        worker = inst.spawn("rongmei", "distribute", "--threads", "16")
        gone = inst.wait_for(lambda: (b := _board(inst, story))["statuses"].get("taken_down") == total and b,
                             timeout=150, interval=2)
        assert gone, _board(inst, story)
        Instance.kill(worker, signal.SIGKILL)
        live = _live(wechat, weibo)
        assert set(live.values()) == {0}, {k: v for k, v in live.items() if v}
        _board_matches_truth(gone, live, "taken_down", 0)
        fired = {**wechat.state()["faults_fired"], **{f"weibo_{k}": v for k, v in weibo.state()["faults_fired"].items()}}
        print(f"\nmixed crash test: {total} accounts ({MIXED_WECHAT} WeChat, {MIXED_WEIBO} Weibo), "
              f"{publish_kills} kills while publishing, {takedown_kills} while taking down, "
              f"{sent['reclaimed']} publish deliveries and {gone['reclaimed'] - sent['reclaimed']} takedowns retried or "
              f"taken over from a killed worker, random faults fired: {fired}")
