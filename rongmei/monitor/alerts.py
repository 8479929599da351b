"""预警: raise alerts for just-saved items, fold repeats of one event into one alert, and hand
the alert to the people and places the rule names once the transaction has committed.

Three kinds of rule (AlertRule.Kind):

- negative: an item matching the rule's topics (all watched topics when none is chosen) whose
  tone is negative with a score at or below the rule's threshold.
- burst: per topic, the items published in the last `window_minutes` are more than
  `factor` × the usual number for such a window and at least `min_items`. The usual number
  (baseline) is the mean count over the windows of the same length tiling the 7 days before
  the current window: count(published in [now - window - 7 days, now - window)) ÷ (7 days ÷
  window). With no history the baseline is 0, so `min_items` alone decides. The per-topic
  counts come from `_Counts`, each process's warm, sorted publish times of the items matching
  each topic (two bisections, not two counting queries over a week of items), topped up at
  each evaluation with the matches stored since by any process, and read again when the
  center's topics change, when rows it saw are gone, and every hour. For 问政 and
  comment sources the same test runs per region (a burst of complaints about one place),
  whatever topic the items match (only the rule's chosen topics, if it has any; counted by
  queries, as before).
- heavy_source: an item from a source at or above `min_level` matching a watched topic (or
  the rule's topics).

Folding: each event has a key — the hot topic the item belongs to, else its repost group,
else the item itself (negative, heavy_source); the topic (burst) or the region (regional
burst). A repeat of the same rule and key within `fold_hours` of the open alert's
last_raised_at adds its items to that alert, increments times_raised and moves
last_raised_at; the severity rises if the repeat is more severe. A fold sends nothing again
unless the severity rose (then everyone is told once more). A closed alert is never
reopened by a repeat: the next repeat raises a new alert.

Concurrency: the alert repeats fold into carries `open_key` ("<rule>|<fold_key>"), unique per
center, cleared when it is closed or when the fold time has passed. Two ingests raising the
same event at once both try to insert it; the database lets one win and the other folds into
it (IntegrityError → re-read → fold), on SQLite and PostgreSQL alike. Before that, the rule's
row is locked (SELECT … FOR UPDATE on PostgreSQL; on SQLite the project's transactions begin
IMMEDIATE and so never interleave), so the usual case is simply serialised.
"""

from __future__ import annotations

import bisect
import datetime as dt
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, F, Max, Q
from django.utils import timezone

from rongmei.monitor.models import (
    Alert,
    AlertDelivery,
    AlertRule,
    Item,
    Match,
    Source,
    Topic,
)

BASELINE_DAYS = 7
SERIOUS_SCORE = -0.6  # a negative item at or below this is 较重
MAX_BURST_ITEMS = 50  # items of the window attached to a burst alert
MAX_ATTEMPTS = 4  # tries of one delivery before it is marked failed
COMMUNITY_SOURCES = {Source.Kind.INQUIRY, Source.Kind.WECHAT_COMMENTS, Source.Kind.WEIBO_COMMENTS}
KIND_PREFIX = {AlertRule.Kind.NEGATIVE: "neg", AlertRule.Kind.BURST: "burst", AlertRule.Kind.HEAVY_SOURCE: "heavy"}


class _Ref:
    """An item known by its id alone: a burst's window items are only linked and counted."""

    __slots__ = ("pk",)

    def __init__(self, pk: int):
        self.pk = pk


@dataclass
class Event:
    kind: str
    fold_key: str
    title: str
    summary: str
    severity: int
    topic_id: int | None
    items: list = field(default_factory=list)


def _event_key(item: Item) -> str:
    if item.hot_topic_id:
        return f"hot:{item.hot_topic_id}"
    if item.group_id:
        return f"group:{item.group_id}"
    return f"item:{item.pk}"


def _rule_topics(chosen: set[int], watched: set[int], enabled: set[int]) -> set[int]:
    """The topics a rule watches: those chosen for it (enabled ones), else all watched ones."""
    return (chosen & enabled) if chosen else watched


def _negative_events(rule, items, topics_of, rule_topics, names) -> list[Event]:
    grouped: dict[str, Event] = {}
    for item in items:
        if item.tone != Item.Tone.NEGATIVE or item.tone_score > rule.threshold:
            continue
        hit = sorted(topics_of.get(item.pk, set()) & rule_topics)
        if not hit:
            continue
        key = f"neg:{_event_key(item)}"
        severity = Alert.Severity.SERIOUS if item.tone_score <= SERIOUS_SCORE else Alert.Severity.NORMAL
        if item.tone_score <= SERIOUS_SCORE and item.level >= Source.Level.PROVINCIAL:
            severity = Alert.Severity.URGENT
        event = grouped.get(key)
        if event is None:
            event = grouped[key] = Event(
                kind=rule.kind, fold_key=key, title=f"负面信息：{item.title}"[:300], severity=severity, topic_id=hit[0],
                summary=f"监测方案“{names.get(hit[0], '')}”命中负面信息（倾向分 {item.tone_score:.2f}），"
                        f"来源：{item.source.name}。")
        event.severity = max(event.severity, severity)
        event.items.append(item)
    return list(grouped.values())


def _heavy_events(rule, items, topics_of, rule_topics, names) -> list[Event]:
    grouped: dict[str, Event] = {}
    for item in items:
        if item.level < rule.min_level:
            continue
        hit = sorted(topics_of.get(item.pk, set()) & rule_topics)
        if not hit:
            continue
        key = f"heavy:{_event_key(item)}"
        severity = Alert.Severity.SERIOUS if item.level >= Source.Level.CENTRAL else Alert.Severity.NORMAL
        if item.tone == Item.Tone.NEGATIVE:
            severity = min(Alert.Severity.URGENT, severity + 1)
        event = grouped.get(key)
        if event is None:
            level = Source.Level(item.level).label if item.level in Source.Level.values else "高级别来源"
            event = grouped[key] = Event(
                kind=rule.kind, fold_key=key, title=f"{level}报道：{item.title}"[:300], severity=severity, topic_id=hit[0],
                summary=f"{item.source.name}（{level}）报道涉及监测方案“{names.get(hit[0], '')}”。")
        event.severity = max(event.severity, severity)
        event.items.append(item)
    return list(grouped.values())


@dataclass(frozen=True)
class Burst:
    count: int
    baseline: float

    def exceeds(self, rule: AlertRule) -> bool:
        return self.count >= rule.min_items and self.count > rule.factor * self.baseline

    def severity(self, rule: AlertRule) -> int:
        if self.count >= 3 * rule.min_items or (self.baseline and self.count > 2 * rule.factor * self.baseline):
            return Alert.Severity.SERIOUS
        return Alert.Severity.NORMAL


def measure_burst(queryset, *, window: dt.timedelta, now: dt.datetime) -> Burst:
    """Items of `queryset` published in the current window, and the mean per window of the
    same length over the 7 days before it."""
    start = now - window
    count = queryset.filter(published_at__gt=start, published_at__lte=now).count()
    history = queryset.filter(published_at__gt=start - dt.timedelta(days=BASELINE_DAYS), published_at__lte=start).count()
    windows = dt.timedelta(days=BASELINE_DAYS) / window
    return Burst(count=count, baseline=history / windows)


class _Counts:
    """Per topic, the publish times of the center's items matching it (sorted, with the item
    ids), warm in this process, from BASELINE_DAYS + the longest window back. A burst is then
    two bisections instead of two counting queries over a week of items. Brought up to date
    at each evaluation with the matches stored since (by any process); read again when the
    center's topics change (a topic edited re-matches stored items), when rows it saw are gone
    (a rolled-back ingest) or after REBUILD_SECONDS."""

    REBUILD_SECONDS = 3600

    def __init__(self, center_id: int, floor: dt.datetime):
        self.center_id = center_id
        self.floor = floor
        self.times: dict[int, list[tuple[dt.datetime, int]]] = defaultdict(list)
        self.match_hw = 0
        self.topics_mark = None
        self.built = time.monotonic()

    @staticmethod
    def _mark(center):
        return _topics_mark(Topic.objects.filter(center=center).values_list("pk", "updated_at"))

    def build(self, center, mark=None) -> None:
        self.topics_mark = self._mark(center) if mark is None else mark
        self.match_hw = Match.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        rows = (Match.objects.filter(center=center, pk__lte=self.match_hw, item__published_at__gt=self.floor)
                .values_list("topic_id", "item__published_at", "item_id"))
        for topic_id, published, item_id in rows.iterator(chunk_size=5000):
            self.times[topic_id].append((published, item_id))
        for entries in self.times.values():
            entries.sort()

    def catch_up(self, center, mark=None, published: dict | None = None, matched: dict | None = None) -> bool:
        """`published`: {item id: publish time} the caller knows (the batch's items), so the
        new matches are read without a join and their times are read only for other items.
        `matched`: {item id: topic ids} of the matches the caller has just stored (the
        pipeline): when the matches stored since the last evaluation are all of those items and
        as many as those, they are those, and only two counts and the highest id are read (not
        ~550 rows a batch)."""
        if time.monotonic() - self.built > self.REBUILD_SECONDS or (
                self._mark(center) if mark is None else mark) != self.topics_mark:
            return False
        if matched is not None and published is not None:
            ours = {(item_id, topic_id) for item_id, topic_ids in matched.items() for topic_id in topic_ids}
            if ours and all(item_id in published for item_id, _ in ours):
                # by the pk alone (SQLite would walk the center's index)
                since = Match.objects.filter(pk__gt=self.match_hw).aggregate(
                    n=Count("pk"), mine=Count("pk", filter=Q(item_id__in=list(matched))), last=Max("pk"))
                if since["n"] == since["mine"] == len(ours):
                    self.match_hw = since["last"]
                    self._add([(topic_id, published[item_id], item_id) for item_id, topic_id in ours])
                    return True
        last = Match.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        if last < self.match_hw:
            return False
        # by the pk alone and the center compared here (SQLite would walk the center's index)
        rows = [row for row in Match.objects.filter(pk__gt=self.match_hw).values_list("pk", "center_id", "topic_id", "item_id")]
        times = dict(published or {})
        unknown = {item_id for _, center_id, _, item_id in rows if center_id == self.center_id and item_id not in times}
        if unknown:
            times.update(Item.objects.filter(pk__in=unknown).values_list("pk", "published_at"))
        if rows:
            self.match_hw = max(self.match_hw, max(pk for pk, _, _, _ in rows))
        self._add([(topic_id, times.get(item_id), item_id) for _, center_id, topic_id, item_id in rows
                   if center_id == self.center_id])
        return True

    def _add(self, rows) -> None:
        """(topic id, publish time, item id) rows into the sorted lists. The times are kept in
        UTC, as the database returns them: the pipeline's items carry Asia/Shanghai times, and
        comparing datetimes of two time zones asks both for their offsets at every step of a
        bisection."""
        for topic_id, when, item_id in rows:
            if when is not None and when > self.floor:
                bisect.insort(self.times[topic_id], (when.astimezone(dt.UTC), item_id))

    def count(self, topic_id: int, start: dt.datetime, end: dt.datetime) -> int:
        """Items matching the topic published in (start, end]."""
        entries = self.times.get(topic_id, ())
        return bisect.bisect_right(entries, (end, _MAX_ID)) - bisect.bisect_right(entries, (start, _MAX_ID))

    def latest(self, topic_id: int, start: dt.datetime, end: dt.datetime, limit: int) -> list[int]:
        entries = self.times.get(topic_id, ())
        hi = bisect.bisect_right(entries, (end, _MAX_ID))
        lo = bisect.bisect_right(entries, (start, _MAX_ID))
        return [item_id for _, item_id in entries[max(lo, hi - limit):hi]]


_MAX_ID = 1 << 62
_counts: dict[int, _Counts] = {}
_counts_lock = threading.Lock()


def forget(center=None) -> None:
    """Drop the warm burst counts of a center (or of all)."""
    with _counts_lock:
        if center is None:
            _counts.clear()
        else:
            _counts.pop(getattr(center, "pk", center), None)


def _topics_mark(rows) -> tuple:
    """How many topics, the latest change and the highest id, from (pk, updated_at) rows: a
    topic added, edited or deleted moves it."""
    rows = list(rows)
    return (len(rows), max((u for _, u in rows), default=None), max((pk for pk, _ in rows), default=None))


def _counts_for(center, floor: dt.datetime, mark=None, published: dict | None = None,
                matched: dict | None = None) -> _Counts:
    with _counts_lock:
        counts = _counts.get(center.pk)
        if counts is not None and counts.floor <= floor and counts.catch_up(center, mark, published, matched):
            return counts
        counts = _counts[center.pk] = _Counts(center.pk, floor - dt.timedelta(days=1))
        counts.build(center, mark)
        return counts


def _burst_events(rule, center, items, topics_of, rule_topics, names, now, mark, chosen: set[int],
                  matched: dict | None = None) -> list[Event]:
    window = dt.timedelta(minutes=max(1, rule.window_minutes))
    events = []
    recent = [i for i in items if now - window < i.published_at <= now]
    touched = sorted({t for i in recent for t in topics_of.get(i.pk, set()) & rule_topics})
    counts = _counts_for(center, now - window - dt.timedelta(days=BASELINE_DAYS), mark,
                         {i.pk: i.published_at for i in items}, matched) if touched else None
    start = now - window
    for topic_id in touched:
        history = counts.count(topic_id, start - dt.timedelta(days=BASELINE_DAYS), start)
        burst = Burst(count=counts.count(topic_id, start, now), baseline=history / (dt.timedelta(days=BASELINE_DAYS) / window))
        if not burst.exceeds(rule):
            continue
        # The window's latest items, newest first: only their ids are needed (links and counts),
        # so no model instance is made for them (fifty per burst and batch).
        window_items = [_Ref(pk) for pk in reversed(counts.latest(topic_id, start, now, MAX_BURST_ITEMS))]
        events.append(Event(
            kind=rule.kind, fold_key=f"burst:topic:{topic_id}", title=f"信息量突增：{names.get(topic_id, '')}"[:300],
            severity=burst.severity(rule), topic_id=topic_id, items=window_items,
            summary=_burst_summary(burst, rule, f"监测方案“{names.get(topic_id, '')}”")))
    # 问政 and comments: a burst about one place.
    regions = sorted({i.region for i in recent if i.region and i.source.kind in COMMUNITY_SOURCES})
    for region in regions:
        queryset = Item.objects.filter(center=center, region=region, source__kind__in=COMMUNITY_SOURCES)
        if chosen:
            queryset = queryset.filter(matches__topic_id__in=chosen).distinct()
        burst = measure_burst(queryset, window=window, now=now)
        if not burst.exceeds(rule):
            continue
        window_items = list(queryset.filter(published_at__gt=now - window, published_at__lte=now)
                            .select_related("source").order_by("-published_at")[:MAX_BURST_ITEMS])
        events.append(Event(
            kind=rule.kind, fold_key=f"burst:region:{region}"[:100], title=f"诉求集中：{region}"[:300],
            severity=burst.severity(rule), topic_id=None, items=window_items,
            summary=_burst_summary(burst, rule, f"{region}的问政和留言")))
    return events


def _burst_summary(burst: Burst, rule: AlertRule, what: str) -> str:
    usual = f"过去 7 天同长时段平均 {burst.baseline:.1f} 条" if burst.baseline else "过去 7 天同长时段没有"
    return f"{what}最近 {rule.window_minutes} 分钟 {burst.count} 条，{usual}（规则：超过 {rule.factor:g} 倍且不少于 {rule.min_items} 条）。"


# --- Raising and folding ----------------------------------------------------------------------------

def evaluate(center, items, *, now: dt.datetime | None = None, matched: dict | None = None) -> list[Alert]:
    """Raise or fold alerts for `items` (just saved, with matches, tone, group and hot topic)
    under the center's enabled rules. Returns the alerts raised or folded into, each once.
    Deliveries (bell, email, robots) are queued for after the surrounding commit.

    `matched`: {item id: the ids of the topics it matched}, when the caller knows them (the
    pipeline has just stored those matches): then they are not read back. Either way only the
    topics enabled now count."""
    items = [i for i in items if getattr(i, "pk", None)]
    if not items:
        return []
    now = now or timezone.now()
    rules = list(AlertRule.objects.filter(center=center, enabled=True).order_by("pk"))
    if not rules:
        return []
    # The rules' chosen topics by one query on the link table (prefetch_related built a Topic
    # per link, every batch); the robots are read only when a delivery is queued.
    chosen: dict[int, set[int]] = defaultdict(set)
    for rule_id, topic_id in AlertRule.topics.through.objects.filter(
            alertrule_id__in=[r.pk for r in rules]).values_list("alertrule_id", "topic_id"):
        chosen[rule_id].add(topic_id)
    # The center's topics in one query: the enabled ones' names, the watched ones, and the mark
    # that tells the warm burst counts whether a topic changed.
    topics = list(Topic.objects.filter(center=center).order_by().values_list("pk", "name", "enabled", "watched",
                                                                             "updated_at"))
    enabled = {pk: name for pk, name, on, _, _ in topics if on}
    watched = {pk for pk, _, on, watch, _ in topics if on and watch}
    mark = _topics_mark((pk, updated) for pk, _, _, _, updated in topics)
    topics_of: dict[int, set[int]] = defaultdict(set)
    topics_of_known = matched is not None and all(i.pk in matched for i in items)
    if topics_of_known:
        for item in items:
            if hit := {t for t in matched[item.pk] if t in enabled}:
                topics_of[item.pk] = hit
    else:
        for item_id, topic_id in Match.objects.filter(item_id__in=[i.pk for i in items], topic__enabled=True).values_list(
                "item_id", "topic_id"):
            topics_of[item_id].add(topic_id)
    # The items' sources (name, kind, level of the alert texts): read unless the items carry
    # them already (the pipeline's items hold the source they came from).
    source_field = Item._meta.get_field("source")
    missing = {i.source_id for i in items if not source_field.is_cached(i)}
    if missing:
        sources = {s.pk: s for s in Source.objects.filter(pk__in=missing)}
        for item in items:
            if item.source_id in sources:
                item.source = sources[item.source_id]
    raised: dict[int, Alert] = {}
    people: dict = {}  # the bell's recipients, read at most once per evaluation
    with transaction.atomic():
        for rule in rules:
            rule_topics = _rule_topics(chosen[rule.pk], watched, set(enabled))
            if rule.kind == AlertRule.Kind.NEGATIVE:
                events = _negative_events(rule, items, topics_of, rule_topics, enabled)
            elif rule.kind == AlertRule.Kind.HEAVY_SOURCE:
                events = _heavy_events(rule, items, topics_of, rule_topics, enabled)
            elif rule.kind == AlertRule.Kind.BURST:
                events = _burst_events(rule, center, items, topics_of, rule_topics, enabled, now, mark, chosen[rule.pk],
                                       matched if topics_of_known else None)
            else:
                events = []
            if not events:
                continue
            # One evaluation of this rule at a time: the open alerts read below stay true. (SQLite
            # has no row locks; the project's transactions there begin IMMEDIATE, which already
            # serialises writers, so the statement would only cost a query.)
            if connection.features.has_select_for_update:
                AlertRule.objects.select_for_update().filter(pk=rule.pk).values_list("pk", flat=True).first()
            for alert in _raise_all(center, rule, events, now, people):
                raised[alert.pk] = alert
    return list(raised.values())


def open_key(rule_id: int, fold_key: str) -> str:
    return f"{rule_id}|{fold_key}"[:150]


def _raise_all(center, rule: AlertRule, events: list[Event], now: dt.datetime, people: dict) -> list[Alert]:
    """`_raise` for each of a rule's events, with the open alerts read in one query and the
    folds written together: a batch touching thirty topics costs a few queries, not thirty
    times five. Returns the alerts raised or folded into, in the events' order."""
    keys = [open_key(rule.pk, event.fold_key) for event in events]
    if len(set(keys)) != len(keys):  # two events of one key: one after the other
        return [a for a in (_raise(center, rule, e, now, people) for e in events) if a is not None]
    # (no order: a dict is made of them, and the default newest-first order cost SQLite a sort)
    current_of = {a.open_key: a for a in
                  Alert.objects.select_for_update().filter(center=center, open_key__in=keys).order_by()}
    for alert in current_of.values():
        alert.center = center  # for the deliveries of a fold that raises the severity
    results: list[Alert | None] = [None] * len(events)
    folds, fresh, expired = [], [], []
    for n, (key, event) in enumerate(zip(keys, events)):
        current = current_of.get(key)
        if current is not None and current.last_raised_at < now - dt.timedelta(hours=rule.fold_hours):
            expired.append(current.pk)
            current = None
        if current is None:
            fresh.append((n, key, event))
        else:
            folds.append((n, current, event))
    if expired:  # past the fold time: the old alerts stay as they are (open), repeats start new ones
        Alert.objects.filter(pk__in=expired).update(open_key=None)
    for n, key, event, alert, current in _create_all(center, rule, fresh, now, people):
        if alert is not None:
            results[n] = alert
        else:
            folds.append((n, current, event))
    folds.sort(key=lambda fold: fold[0])
    for n, alert in _fold_all(rule, folds, now, people):
        results[n] = alert
    return [a for a in results if a is not None]


def _create_all(center, rule: AlertRule, fresh: list, now: dt.datetime, people: dict) -> list[tuple]:
    """`_create` for many (position, open key, event): the alerts in one INSERT and their
    links in one statement, in a savepoint. When another ingest raised one of them first (the
    insert fails) or the database cannot return the new ids, one after the other. Returns
    (position, key, event, the new alert or None, None or the open alert to fold into)."""
    if not fresh:
        return []
    if len(fresh) > 1 and connection.features.can_return_rows_from_bulk_insert:
        try:
            with transaction.atomic():
                made = Alert.objects.bulk_create([
                    Alert(center=center, rule=rule, kind=event.kind, fold_key=event.fold_key, open_key=key, title=event.title,
                          summary=event.summary, severity=event.severity, topic_id=event.topic_id, created_at=now,
                          last_raised_at=now, item_count=len({i.pk for i in event.items}))
                    for _, key, event in fresh])
                _insert_links([(alert.pk, pk) for alert, (_, _, event) in zip(made, fresh) for pk in {i.pk for i in event.items}])
        except IntegrityError:
            pass
        else:
            for alert in made:
                queue_deliveries(alert, rule, reason="new", people=people)
            return [(n, key, event, alert, None) for alert, (n, key, event) in zip(made, fresh)]
    return [(n, key, event, *_create(center, rule, event, key, now, people)) for n, key, event in fresh]


def _create(center, rule: AlertRule, event: Event, key: str, now: dt.datetime, people: dict):
    """(the new alert, None), or (None, the open alert of the key) when another ingest raised it first."""
    try:
        with transaction.atomic():
            alert = Alert.objects.create(
                center=center, rule=rule, kind=event.kind, fold_key=event.fold_key, open_key=key, title=event.title,
                summary=event.summary, severity=event.severity, topic_id=event.topic_id, created_at=now,
                last_raised_at=now, item_count=len({i.pk for i in event.items}))
            _link(alert.pk, {i.pk for i in event.items})
    except IntegrityError:
        # Another ingest raised the same event a moment ago: fold into theirs.
        return None, Alert.objects.select_for_update().get(center=center, open_key=key)
    queue_deliveries(alert, rule, reason="new", people=people)
    return alert, None


def _fold_all(rule: AlertRule, folds: list, now: dt.datetime, people: dict) -> list[tuple[int, Alert]]:
    """`_fold` for many (position, open alert, event): one query for the items they already
    hold, one insert of the new links, one statement (executemany) for the alerts' rows."""
    if not folds:
        return []
    offered = {current.pk: {i.pk: i for i in event.items} for _, current, event in folds}
    known = _known_links(list(offered), list({pk for d in offered.values() for pk in d}))
    links, updates, out = [], [], []  # links: (alert id, item id)
    fields = [Alert._meta.get_field(name) for name in ("item_count", "last_raised_at", "severity", "summary")]
    raised_at = fields[1].get_db_prep_save(now, connection)
    for n, current, event in folds:
        new = [pk for pk in offered[current.pk] if (current.pk, pk) not in known]
        if not new:
            continue  # the same items again (a re-run): nothing happened
        links += [(current.pk, pk) for pk in new]
        rose = event.severity > current.severity
        current.item_count += len(new)
        current.times_raised += 1
        current.last_raised_at = now
        current.severity = max(current.severity, event.severity)
        if event.kind == AlertRule.Kind.BURST:
            current.summary = event.summary
        updates.append([raised_at, int(current.severity), current.summary, len(new), current.pk])
        out.append((n, current, rose))
    if links:
        _insert_links(links)
    if updates:
        qn = connection.ops.quote_name
        count, raised_col = qn(fields[0].column), qn(Alert._meta.get_field("times_raised").column)
        sets = ", ".join(f"{qn(f.column)} = %s" for f in fields[1:])
        sql = (f"UPDATE {qn(Alert._meta.db_table)} SET {sets}, {count} = {count} + %s, {raised_col} = {raised_col} + 1 "
               f"WHERE {qn(Alert._meta.pk.column)} = %s")
        with connection.cursor() as cursor:
            cursor.executemany(sql, updates)
    for _, current, rose in out:
        if rose:
            queue_deliveries(current, rule, reason="severity", people=people)
    return [(n, current) for n, current, _ in out]


def _link(alert_id: int, item_ids) -> None:
    """Link a new alert to its items."""
    _insert_links([(alert_id, pk) for pk in item_ids])


def _known_links(alert_ids: list[int], item_ids: list[int]) -> set[tuple[int, int]]:
    """The (alert id, item id) links among these alerts and items, by one SELECT written out:
    the ORM prepares each of a few hundred ids of an IN list one by one."""
    if not alert_ids or not item_ids:
        return set()
    through = Alert.items.through
    qn = connection.ops.quote_name
    alert, item = (qn(through._meta.get_field(name).column) for name in ("alert", "item"))
    sql = (f"SELECT {alert}, {item} FROM {qn(through._meta.db_table)} "
           f"WHERE {alert} IN ({', '.join(['%s'] * len(alert_ids))}) AND {item} IN ({', '.join(['%s'] * len(item_ids))})")
    with connection.cursor() as cursor:
        cursor.execute(sql, [*alert_ids, *item_ids])
        return {(a, i) for a, i in cursor.fetchall()}


def _insert_links(rows: list[tuple[int, int]]) -> None:
    """(alert id, item id) rows of Alert.items, one INSERT statement run for all (executemany),
    a link already there left as it is: bulk_create would build a through-model instance and
    its SQL per link, and the related manager's add() reads the links first."""
    if not rows:
        return
    from django.db.models.constants import OnConflict

    through = Alert.items.through
    fields = [through._meta.get_field("alert"), through._meta.get_field("item")]
    qn = connection.ops.quote_name
    sql = (f"{connection.ops.insert_statement(on_conflict=OnConflict.IGNORE)} {qn(through._meta.db_table)} "
           f"({', '.join(qn(f.column) for f in fields)}) VALUES (%s, %s) "
           f"{connection.ops.on_conflict_suffix_sql(fields, OnConflict.IGNORE, None, None) or ''}")
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def _raise(center, rule: AlertRule, event: Event, now: dt.datetime, people: dict) -> Alert | None:
    key = open_key(rule.pk, event.fold_key)
    current = Alert.objects.select_for_update().filter(center=center, open_key=key).first()
    if current is not None and current.last_raised_at < now - dt.timedelta(hours=rule.fold_hours):
        # Past the fold time: the old alert stays as it is (open), repeats now start a new one.
        Alert.objects.filter(pk=current.pk).update(open_key=None)
        current = None
    if current is None:
        alert, current = _create(center, rule, event, key, now, people)
        if alert is not None:
            return alert
    return _fold(current, rule, event, now, people)


def _fold(current: Alert, rule: AlertRule, event: Event, now: dt.datetime, people: dict) -> Alert | None:
    offered = {i.pk: i for i in event.items}
    known = set(current.items.filter(pk__in=list(offered)).values_list("pk", flat=True))
    new = [i for pk, i in offered.items() if pk not in known]
    if not new:
        return None  # the same items again (a re-run): nothing happened
    current.items.add(*[i.pk for i in new])
    rose = event.severity > current.severity
    Alert.objects.filter(pk=current.pk).update(
        item_count=F("item_count") + len(new), times_raised=F("times_raised") + 1, last_raised_at=now,
        severity=max(current.severity, event.severity),
        summary=event.summary if event.kind == AlertRule.Kind.BURST else current.summary)
    current.refresh_from_db()
    if rose:
        queue_deliveries(current, rule, reason="severity", people=people)
    return current


# --- Deliveries ---------------------------------------------------------------------------------------

def handlers(center):
    """People with monitor.handle in the center (the analysts' bell)."""
    from rongmei.core.models import User
    from rongmei.core.permissions import ROLES

    roles = [code for code, role in ROLES.items() if "monitor.handle" in role.permissions]
    return list(User.objects.filter(memberships__center=center, memberships__role__in=roles, is_active=True)
                .distinct().order_by("pk"))


def emails_of(text: str) -> list[str]:
    return [line.strip() for line in (text or "").replace(",", "\n").replace("，", "\n").splitlines() if line.strip()]


def alert_path(alert: Alert) -> str:
    return f"/monitor/alerts/{alert.pk}/"


def queue_deliveries(alert: Alert, rule: AlertRule, *, reason: str, people: dict | None = None) -> list[AlertDelivery]:
    """Rows for each email address and enabled robot of the rule (pending), the bell and the
    task that sends them: both only after the transaction commits."""
    rows = [AlertDelivery(center=alert.center, alert=alert, channel="email", target=email[:300])
            for email in emails_of(rule.emails)]
    rows += [AlertDelivery(center=alert.center, alert=alert, channel=robot.kind, target=robot.name, robot=robot)
             for robot in rule.robots.all() if robot.enabled]
    rows = AlertDelivery.objects.bulk_create(rows)
    cache = {} if people is None else people
    if rule.notify_in_app and "list" not in cache:
        cache["list"] = handlers(alert.center)
    people = cache["list"] if rule.notify_in_app else []
    alert_id, center = alert.pk, alert.center
    prefix = "预警升级" if reason == "severity" else "舆情预警"
    title = f"{prefix}（{alert.get_severity_display()}）：{alert.title}"[:200]
    summary = alert.summary
    # 重点方案的负面信息和信息量突增不等免打扰时段；升级时也是
    urgent = rule.kind in (AlertRule.Kind.NEGATIVE, AlertRule.Kind.BURST) or reason == "severity"

    def after_commit():
        from rongmei.core.services import notify

        if people:
            notify(center=center, recipients=people, title=title, body=summary, url=f"/monitor/alerts/{alert_id}/",
                   event="monitor_alert", urgent=urgent)
        if rows:
            from rongmei.monitor.alert_tasks import deliver_alert

            deliver_alert.enqueue(alert_id)

    transaction.on_commit(after_commit)
    return rows


def _safe(text: str) -> str:
    """Text outsiders wrote, made inert in a robot's markdown (no links, fonts or @s)."""
    table = str.maketrans({"[": "［", "]": "］", "<": "＜", ">": "＞", "(": "（", ")": "）", "*": "＊", "#": "＃",
                           "`": "'", "@": "＠", "\r": " ", "\n": " "})
    return (text or "").translate(table)


def message(alert: Alert) -> dict:
    """The alert as a robot message (markdown and plain) and an email."""
    link = f"{settings.RONGMEI_BASE_URL}{alert_path(alert)}"
    severity = alert.get_severity_display()
    items = list(alert.items.select_related("source").order_by("-level", "-published_at")[:5])
    topic = alert.topic.name if alert.topic_id and alert.topic else ""
    head = f"舆情预警（{severity}）：{alert.title}"
    facts = f"类型：{alert.get_kind_display()}" + (f" · 方案：{topic}" if topic else "") + \
        f" · 相关 {alert.item_count} 条" + (f" · 触发 {alert.times_raised} 次" if alert.times_raised > 1 else "")
    md = [f"### {_safe(head)}", f"> {_safe(facts)}", "", _safe(alert.summary), ""]
    md += [f"- {_safe(i.title)}（{_safe(i.source.name)}）" for i in items]
    md += ["", f"[查看并处置]({link})"]
    plain = [head, facts, alert.summary, *[f"· {i.title}（{i.source.name}）" for i in items], f"查看并处置：{link}"]
    email_lines = [alert.summary, facts, ""]
    email_lines += [f"· {i.title}（{i.source.name}，{timezone.localtime(i.published_at):%m-%d %H:%M}）\n  {i.url}".rstrip()
                    for i in items]
    email_lines += ["", f"查看并处置：{link}", "", f"—— {alert.center.name} 融媒工作平台 舆情监测"]
    return {"title": head[:100], "markdown": "\n".join(md), "plain": "\n".join(plain),
            "subject": f"[{alert.center.name}] {head}"[:200].replace("\n", " "), "body": "\n".join(email_lines)}


def _claim(delivery: AlertDelivery) -> bool:
    """Take one attempt of a pending delivery; False if another worker took it first."""
    return AlertDelivery.objects.filter(pk=delivery.pk, status=AlertDelivery.Status.PENDING,
                                        attempts=delivery.attempts).update(attempts=delivery.attempts + 1) == 1


def send_delivery(delivery: AlertDelivery, content: dict | None = None) -> str:
    """One attempt of one delivery; returns its status afterwards."""
    from django.core.mail import send_mail

    from rongmei.core.messaging import robots

    if not _claim(delivery):
        delivery.refresh_from_db()
        return delivery.status
    delivery.attempts += 1
    content = content or message(delivery.alert)
    if delivery.channel == "email":
        try:
            send_mail(subject=content["subject"], message=content["body"], from_email=None, recipient_list=[delivery.target])
            result = robots.Result("ok", "已发送。")
        except (OSError, ValueError) as exc:  # smtplib errors are OSErrors
            result = robots.Result("retry", f"邮件发送失败（{exc.__class__.__name__}），稍后重试。")
    elif delivery.robot is None:
        result = robots.Result("fail", "机器人已删除，未发送。")
    else:
        result = robots.send(delivery.robot, title=content["title"], markdown=content["markdown"], plain=content["plain"])
    if result.ok:
        status, error, sent_at = AlertDelivery.Status.SENT, "", timezone.now()
    elif result.outcome == "retry" and delivery.attempts < MAX_ATTEMPTS:
        status, error, sent_at = AlertDelivery.Status.PENDING, result.message, None
    else:
        status, sent_at = AlertDelivery.Status.FAILED, None
        error = result.message + (f"（已尝试 {delivery.attempts} 次）" if result.outcome == "retry" else "")
    AlertDelivery.objects.filter(pk=delivery.pk).update(status=status, error=error[:500], sent_at=sent_at)
    delivery.status, delivery.error, delivery.sent_at = status, error[:500], sent_at
    return status


def deliver(alert_id: int) -> dict:
    """Send the alert's pending deliveries (the task after commit, and the retry round)."""
    alert = Alert.objects.filter(pk=alert_id).select_related("center", "topic").first()
    if alert is None:
        return {"sent": 0, "pending": 0, "failed": 0}
    content = message(alert)
    counts = {"sent": 0, "pending": 0, "failed": 0}
    for delivery in AlertDelivery.objects.filter(alert=alert, status=AlertDelivery.Status.PENDING).select_related(
            "robot").order_by("pk"):
        delivery.alert = alert
        counts[send_delivery(delivery, content)] += 1
    return counts


def retry_pending(now: dt.datetime | None = None) -> int:
    """Deliveries left pending (a retryable failure, or a task lost before it ran), within a day."""
    now = now or timezone.now()
    stale = Q(attempts__gt=0) | Q(created_at__lte=now - dt.timedelta(minutes=5))
    ids = (AlertDelivery.objects.filter(stale, status=AlertDelivery.Status.PENDING, created_at__gte=now - dt.timedelta(days=1))
           .values_list("alert_id", flat=True).distinct())
    done = 0
    for alert_id in list(ids):
        deliver(alert_id)
        done += 1
    return done


# --- 工作台 ----------------------------------------------------------------------------------------------

def todo_for(user, center) -> list:
    """New alerts for people who handle them; alerts assigned to the person and not closed."""
    from rongmei.core.todo import Todo

    if not user.has_perm("monitor.handle", center):
        return []
    alerts = Alert.objects.filter(center=center)
    items = []
    for alert in alerts.filter(status=Alert.Status.NEW).order_by("-last_raised_at")[:20]:
        items.append(Todo(room="舆情", title=alert.title, url=alert_path(alert), action="确认",
                          since=alert.last_raised_at, alert=alert.severity >= Alert.Severity.URGENT,
                          note=f"新预警 · {alert.get_severity_display()} · {alert.get_kind_display()}"))
    for alert in alerts.filter(assignee=user).exclude(status__in=[Alert.Status.CLOSED, Alert.Status.NEW]).order_by(
            "-last_raised_at")[:20]:
        items.append(Todo(room="舆情", title=alert.title, url=alert_path(alert), action="处置", since=alert.last_raised_at,
                          note=f"指派给我 · {alert.get_status_display()} · {alert.get_severity_display()}"))
    return items
