"""Two people spending the last of one budget line at the same moment: exactly one wins.

Real threads with their own database connections and real commits, in a child process: on
SQLite against a copy of the test database in a file (the test itself runs inside a
transaction nobody else can see), on PostgreSQL against the test database itself (the child
removes what it made). Each round makes a line of 1,000 yuan and lets two threads post 600
at once, after a barrier; then eight threads post 300 each to a fresh line. The line never
goes over its budget, and the loser is told in Chinese that it would."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

RACE_SCRIPT = r'''
import json, threading
import django
django.setup()
from decimal import Decimal
from django.db import connection
from django.utils import timezone
from django.core.exceptions import ValidationError
from rongmei.core.models import Center, User
from rongmei.events import services
from rongmei.events.models import BudgetLine, Entry, Event

services.record = lambda *a, **k: None   # the race is the budget's; leave the append-only audit alone
center = Center.objects.get(slug="demo")
user = User.objects.get(username="events")
today = timezone.localdate()
event = Event.objects.create(center=center, name="并发测试活动", kind="other", starts_on=today, ends_on=today,
                             manager=user, created_by=user)
outcome = {"rounds": []}
try:
    def race(threads, amount):
        line = BudgetLine.objects.create(center=center, event=event, name=f"线{len(outcome['rounds'])}", planned=1000)
        start = threading.Barrier(threads, timeout=30)
        won, refused, failures = [], [], []
        def spend():
            try:
                start.wait()
                services.add_entry(line=BudgetLine.objects.get(pk=line.pk), user=user, date=today, party="甲",
                                   amount=Decimal(amount))
                won.append(1)
            except ValidationError as exc:
                refused.append(exc.message_dict.get("amount", exc.messages)[0])
            except Exception as exc:
                failures.append(repr(exc))
            finally:
                connection.close()
        ts = [threading.Thread(target=spend) for _ in range(threads)]
        for t in ts: t.start()
        for t in ts: t.join()
        line.refresh_from_db()
        total = sum(Entry.objects.filter(line=line).values_list("amount", flat=True), Decimal(0))
        outcome["rounds"].append({"won": len(won), "refused": refused, "failures": failures,
                                  "actual": str(line.actual), "entries_total": str(total)})
    for _ in range(5):
        race(2, 600)
    race(8, 300)
finally:
    Entry.objects.filter(line__event=event).delete()
    BudgetLine.objects.filter(event=event).delete()
    event.delete()
print(json.dumps(outcome))
'''


@pytest.fixture(scope="module")
def database_for_child(django_db_setup, django_db_blocker, tmp_path_factory):
    """DATABASE_URL of a database holding the committed test data: a file copy on SQLite,
    the test database itself on PostgreSQL."""
    import sqlite3

    from django.db import connection

    with django_db_blocker.unblock():
        s = connection.settings_dict
        if connection.vendor != "sqlite":
            return f"postgresql://{s['USER']}:{s['PASSWORD']}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"
        path = tmp_path_factory.mktemp("race") / "race.sqlite3"
        connection.ensure_connection()
        target = sqlite3.connect(path)
        try:
            connection.connection.backup(target, pages=2000, sleep=0.05)
        finally:
            target.close()
        return f"sqlite:///{path}"


def test_two_expenses_racing_for_the_last_of_a_line(database_for_child, db, tmp_path):
    env = {**os.environ, "DATABASE_URL": database_for_child, "RONGMEI_VAR_DIR": str(tmp_path),
           "DJANGO_SETTINGS_MODULE": "rongmei.settings", "RONGMEI_QUEUE_NAME": "events-race-test"}
    done = subprocess.run([sys.executable, "-c", RACE_SCRIPT], env=env, capture_output=True, text=True, timeout=180,
                          check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    rounds = json.loads(done.stdout.strip().splitlines()[-1])["rounds"]
    for r in rounds[:5]:
        assert r["failures"] == []
        assert r["won"] == 1 and len(r["refused"]) == 1, r
        assert r["actual"] == r["entries_total"] == "600.00"
        assert r["refused"][0].startswith("超出预算：预算项目")
    eight = rounds[5]
    assert eight["failures"] == [] and eight["won"] == 3 and len(eight["refused"]) == 5
    assert eight["actual"] == eight["entries_total"] == "900.00"
