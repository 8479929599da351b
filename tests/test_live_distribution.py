"""Scheduled publishing fires on time after the delivery worker restarts (real processes)."""

import json
import signal
import time

import pytest

from rongmei.testing.live import Instance

pytestmark = pytest.mark.slow

SETUP = """
import datetime as dt, json
from django.utils import timezone
from rongmei.core.models import Center, User
from rongmei.distribution import services
from rongmei.review.models import Review
center = Center.objects.get(slug="demo")
story = Review.objects.filter(center=center, status="signed_off").first().story
site = services.create_account(center=center, user=None, kind="own_site", name="定时发布测试站")
when = timezone.now() + dt.timedelta(seconds={delay})
(p,) = services.publish(story=story, user=User.objects.get(username="operator"), account_ids=[site.pk], scheduled_at=when)
print(json.dumps({{"publication": p.pk, "when": when.timestamp()}}))
"""

STATUS = """
import json
from rongmei.distribution.models import Publication
p = Publication.objects.get(pk={pk})
print(json.dumps({{"status": p.status, "sent": p.sent_at.timestamp() if p.sent_at else None}}))
"""


def test_scheduled_publishing_survives_a_restart(instance):
    inst = instance().prepare(demo=True)
    setup = json.loads(inst.rongmei("shell", "-c", SETUP.format(delay=6)).stdout.strip().splitlines()[-1])
    worker = inst.spawn("rongmei", "distribute")
    time.sleep(2)
    Instance.kill(worker, signal.SIGKILL)  # the machine goes down before the time comes
    status = json.loads(inst.rongmei("shell", "-c", STATUS.format(pk=setup["publication"])).stdout.strip().splitlines()[-1])
    assert status["status"] == "scheduled"
    time.sleep(max(0.0, setup["when"] - time.time()) + 1)
    inst.spawn("rongmei", "distribute")  # ... and comes back after it

    def sent():
        s = json.loads(inst.rongmei("shell", "-c", STATUS.format(pk=setup["publication"])).stdout.strip().splitlines()[-1])
        return s if s["status"] == "sent" else None

    done = inst.wait_for(sent, timeout=30, interval=1)
    assert done, "the scheduled publication was not delivered after the restart"
    assert setup["when"] <= done["sent"] <= setup["when"] + 30
