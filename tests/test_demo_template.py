"""The run's demo template (rongmei/testing/live.py `demo_template`): instances prepared with
the demo are copies of one loaded demo, each with the loopback ports written into the data
moved to its own, its own queue holding the tasks the demo queued, and its own files."""

from __future__ import annotations

import json
import os
import sqlite3

import pytest

from rongmei.testing.live import DEMO_SANDBOX_PORT, DEMO_WEB_PORT, Instance, demo_template, run_dir

pytestmark = pytest.mark.slow

FACTS = """
import json
from huey.contrib.djhuey import HUEY
from rongmei.distribution.models import ChannelAccount
from rongmei.monitor.models import Source
from rongmei.core.models import Center, User
print(json.dumps({
    "accounts": sorted(ChannelAccount.objects.exclude(base_url="").values_list("base_url", flat=True)),
    "sources": sorted(Source.objects.values_list("url", flat=True)),
    "queued": HUEY.pending_count(),
    "centers": Center.objects.count(), "people": User.objects.count(),
}))
"""


def facts(inst: Instance) -> dict:
    return json.loads(inst.rongmei("shell", "-c", FACTS).stdout.strip().splitlines()[-1])


def test_two_copies_have_their_own_ports_queue_and_files(instance):
    first = instance(extra_env={"RONGMEI_SANDBOX_PORT": "21230"}).prepare(demo=True)
    second = instance(extra_env={"RONGMEI_SANDBOX_PORT": "21240"}).prepare(demo=True)
    one, two = facts(first), facts(second)
    assert one["centers"] == two["centers"] >= 4 and one["people"] == two["people"] > 20

    for inst, seen, sandbox in ((first, one, 21230), (second, two, 21240)):
        urls = seen["accounts"] + seen["sources"]
        assert urls and not [u for u in urls if f":{DEMO_SANDBOX_PORT}" in u or f":{DEMO_WEB_PORT - 1}" in u]
        ports = {int(u.split("127.0.0.1:")[1].split("/")[0]) for u in urls if "127.0.0.1:" in u}
        # the fakes' block (WeChat p, Weibo p + 1, news p + 2, …) and the discard port of a dead webhook
        assert ports and ports - {9} <= set(range(sandbox, sandbox + 10)), ports
        site = (inst.var_dir / "sites" / "demo" / "sitemap.xml").read_text(encoding="utf-8")
        assert f"127.0.0.1:{inst.port}/" in site and str(DEMO_WEB_PORT) not in site

    # the tasks the demo queued are in each copy's own queue; running one copy's leaves the other's
    template = demo_template(run_dir(), first._pg_db[0] if first._pg_db else "sqlite", {})
    assert one["queued"] == two["queued"] > 0
    if not os.environ.get("REDIS_URL"):
        queues = sqlite3.connect(first.var_dir / "huey.sqlite3").execute("SELECT DISTINCT queue FROM task").fetchall()
        assert queues == [(first.env["RONGMEI_QUEUE_NAME"],)]
    assert template["queue"] not in (first.env["RONGMEI_QUEUE_NAME"], second.env["RONGMEI_QUEUE_NAME"])
    # separate files: what one copy writes, the other does not see
    (first.var_dir / "media" / "only-first.txt").write_text("x")
    assert not (second.var_dir / "media" / "only-first.txt").exists()
