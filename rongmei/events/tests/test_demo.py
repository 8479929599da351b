"""The demo loader: the year's events with budgets, entries, tasks and a linked plan; nothing
over budget; a second load creates nothing; and it is quick."""

from __future__ import annotations

import time

from django.db.models import F

from rongmei.events import demo as events_demo
from rongmei.events.models import BudgetLine, Entry, Event, Task


def test_the_demo_center_has_its_year_of_events(center):
    events = Event.objects.filter(center=center)
    assert events.count() >= 10
    names = set(events.values_list("name", flat=True))
    assert {"少儿春节联欢晚会", "滨河夏季音乐节"} <= names
    assert sum("民生大问政" in n for n in names) == 4
    assert events.filter(plan__isnull=False).count() == 1
    assert events.filter(status="cancelled").count() == 1
    assert BudgetLine.objects.filter(event__center=center, direction="income").exists()
    assert Entry.objects.filter(line__event__center=center).count() > 20
    assert Task.objects.filter(event__center=center).count() > 20
    assert not BudgetLine.objects.filter(event__center=center, direction="expense", actual__gt=F("planned")).exists()
    for line in BudgetLine.objects.filter(event__center=center):
        assert sum(line.entries.values_list("amount", flat=True)) == line.actual


def test_a_second_load_creates_nothing_and_a_fresh_load_is_quick(center):
    assert events_demo.load(center) == (0, 1)
    Event.objects.filter(center=center).delete()
    started = time.monotonic()
    created, existing = events_demo.load(center)
    assert time.monotonic() - started < 3
    assert created > 100 and existing == 0
    assert events_demo.load(center) == (0, 1)
