"""Scale-out crash test (issue 19): one piece fanned out to 220 Weibo accounts with THREE
`rongmei distribute` processes working the same outbox at once (on PostgreSQL each claims
with SELECT … FOR UPDATE SKIP LOCKED; on SQLite each commits through its batch writer), one
of them killed with SIGKILL at random moments and started again. At the end every account
holds exactly one post: no two processes delivered the same message, and nothing a killed
process held was lost."""

import json
import random
import signal
import time

import pytest

from rongmei.distribution.fakes import start_fake
from rongmei.testing.live import Instance

pytestmark = pytest.mark.slow

ACCOUNTS = 220
PROCESSES = 3

SETUP = """
import json
from rongmei.core.models import Center, User
from rongmei.distribution import services
from rongmei.distribution.models import AccountGroup
from rongmei.review.models import Review
center = Center.objects.get(slug="demo")
story = Review.objects.filter(center=center, status="signed_off").first().story
group = AccountGroup.objects.create(center=center, name="扩容崩溃测试")
accounts = [services.create_account(center=center, user=None, kind="weibo", name=f"s{{i:03d}}", owner="village",
                                    base_url="{url}", secret=f"token-s{{i:03d}}") for i in range({n})]
group.accounts.set(accounts)
made = services.publish(story=story, user=User.objects.get(username="operator"), group_ids=[group.pk])
print(json.dumps({{"publications": len(made)}}))
"""

STATUS = """
import json
from django.db.models import Count
from rongmei.distribution.models import DeliveryAttempt, OutboxMessage, Publication
mine = dict(account__kind="weibo", account__groups__name="扩容崩溃测试")
print(json.dumps({
    "publications": dict(Publication.objects.filter(**mine).values_list("status").annotate(n=Count("id"))),
    "messages": dict(OutboxMessage.objects.filter(**mine).values_list("status").annotate(n=Count("id"))),
    "reclaimed": OutboxMessage.objects.filter(**mine, attempts__gt=1).count(),
    "workers": DeliveryAttempt.objects.filter(message__account__groups__name="扩容崩溃测试", outcome="ok")
               .values("worker").distinct().count(),
}))
"""


@pytest.fixture
def instance():
    """Fresh installations (own database, own queue), stopped after the test (as tests/conftest.py's)."""
    created = []

    def make(**kwargs) -> Instance:
        created.append(Instance(**kwargs))
        return created[-1]

    yield make
    for inst in created:
        inst.stop()


def _status(inst):
    return json.loads(inst.rongmei("shell", "-c", STATUS).stdout.strip().splitlines()[-1])


def test_three_delivery_processes_with_kill_9_deliver_each_account_exactly_once(instance):
    rng = random.Random(20261207)
    with start_fake("weibo", latency=0.03) as fake:
        inst = instance(extra_env={"RONGMEI_OUTBOX_LEASE_SECONDS": "2", "RONGMEI_OUTBOX_BACKOFF_SECONDS": "1"}).prepare(demo=True)
        made = json.loads(inst.rongmei("shell", "-c", SETUP.format(url=fake.url, n=ACCOUNTS)).stdout.strip().splitlines()[-1])
        assert made["publications"] == ACCOUNTS
        start = lambda: inst.spawn("rongmei", "distribute", "--threads", "8", "--idle-sleep", "0.05")
        workers = [start() for _ in range(PROCESSES)]
        kills = 0
        deadline = time.monotonic() + 90
        while kills < 8 and time.monotonic() < deadline:
            if sum(fake.state()["calls"].values()) == 0:
                time.sleep(0.05)  # the processes are still starting
                continue
            time.sleep(rng.uniform(0.1, 0.6))
            victim = rng.randrange(PROCESSES)
            Instance.kill(workers[victim], signal.SIGKILL)
            kills += 1
            if fake.state()["totals"]["statuses_created"] >= ACCOUNTS:
                break
            workers[victim] = start()
        done = inst.wait_for(lambda: (s := _status(inst))["publications"].get("sent") == ACCOUNTS and s,
                             timeout=120, interval=1)
        assert done, _status(inst)
        assert done["messages"] == {"done": ACCOUNTS}
        assert kills > 0 and done["workers"] >= 2, done  # several processes really shared the work
        state = fake.state()
        per_account = {name: a["statuses_created"] for name, a in state["accounts"].items()}
        assert len(per_account) == ACCOUNTS and set(per_account.values()) == {1}, per_account
        assert state["duplicate_statuses"] == [] and state["totals"]["repeat_rejections"] == 0
        print(f"\nscale-out crash test: {PROCESSES} processes, {kills} kills, {done['reclaimed']} deliveries "
              f"taken over, {done['workers']} worker names recorded deliveries")
