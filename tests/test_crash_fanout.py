"""The crash test: one piece fanned out to 220 Weibo accounts on the fake Weibo, the
delivery worker killed with SIGKILL at random moments 20 times and restarted; at the end
every account holds exactly one post, and no delivery is stuck."""

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
