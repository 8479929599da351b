"""热点话题: incremental single-pass clustering of items by their keywords.

Each new item's keyword vector (its TF-IDF keywords, a sparse {word: weight} scaled to unit
length) is compared by cosine with the centres of the center's hot topics seen within the
window (舆情设置: 热点聚类窗口, default 72 hours). The dot products come from an inverted
index over the centres' words holding each centre's weight (word → {topic: weight}): an item's
ten words walk their postings, so only topics sharing a word with it are scored, each by the
words it shares, never every topic and never every word of every candidate. At or above the
threshold (热点聚类相似度, default 0.35) the item joins the most similar topic and the centre
becomes the running mean of its members' vectors, trimmed to its CENTROID_TERMS strongest
words; otherwise the item opens a topic. A repost (`is_repost`) joins its original's topic directly.

Each process keeps the center's topics of the window warm (`_State`: centres, the inverted
index, each topic's counts and the item whose title it holds), so a batch does not read every
topic of the window again. At the start of a batch one query on the items stored since the
last batch names the topics other processes made or joined, and those are read again; before
writing, the topics the batch changes are checked against the database (still there, same
centre), and a mismatch (another process, a rolled-back batch, a deleted topic) reads the
whole state again and works the batch out once more. A failed ingest drops the state.

For every topic touched, the counts and the heat are brought up to date by adding the batch's
items to what the state knows of the topic (read from the database the first time a process
touches it, and again when the stored counts disagree with it):

    heat = (10·ln(1 + Σ w) + 20·ln(1 + Σ w over the last VELOCITY_HOURS)) · 0.5^(h / 24)

where w is an item's source weight, its level / 50 (中央 2.0, 省级 1.4, 本地 1.0, 论坛、自媒体
0.6), and h the hours since the topic's last item. Volume counts, what came in the last six
hours counts twice more (velocity), heavy sources count more, and a quiet topic halves every
day. `refresh(center)` recomputes counts and heat of every topic in the window from the
database (the decay goes on when no item arrives).

The title is that of the most representative item: the highest cosine to the centre, with a
small bonus for heavier sources and for originals over reposts.
"""

from __future__ import annotations

import datetime as dt
import heapq
import math
import threading
from dataclasses import dataclass, field
from operator import itemgetter

from django.db import connection, models
from django.db.models import Count, Max, Min, Q, Sum
from django.utils import timezone

from rongmei.monitor.models import HotTopic, Item

CENTROID_TERMS = 30
TOPIC_KEYWORDS = 10
VELOCITY_HOURS = 6
HALF_LIFE_HOURS = 24
VOLUME_FACTOR = 10.0
VELOCITY_FACTOR = 20.0
REFERENCE_LEVEL = 50.0  # Source.Level.LOCAL weighs 1


def vector(keywords) -> dict[str, float]:
    """An item's keywords ([[word, weight], ...]) as a unit-length sparse vector."""
    vec: dict[str, float] = {}
    for pair in keywords or ():
        try:
            word, weight = pair[0], float(pair[1])
        except (TypeError, ValueError, IndexError):
            continue
        if isinstance(word, str) and word and weight > 0:
            vec[word] = vec.get(word, 0.0) + weight
    norm = math.sqrt(sum(w * w for w in vec.values()))
    return {w: v / norm for w, v in vec.items()} if norm else {}


def cosine(unit: dict[str, float], centre: dict[str, float], centre_norm: float) -> float:
    """Cosine of a unit vector and a centre of known norm."""
    if not centre_norm:
        return 0.0
    if len(unit) > len(centre):
        unit, centre = centre, unit
    dot = 0.0  # a plain loop, as the candidate loop of _plan sums it
    for t, w in unit.items():
        x = centre.get(t)
        if x is not None:
            dot += w * x
    return dot / centre_norm


def heat_of(weight_total: float, weight_recent: float, hours_quiet: float) -> float:
    """The heat formula of the module docstring."""
    raw = VOLUME_FACTOR * math.log1p(max(0.0, weight_total)) + VELOCITY_FACTOR * math.log1p(max(0.0, weight_recent))
    return round(raw * 0.5 ** (max(0.0, hours_quiet) / HALF_LIFE_HOURS), 3)


@dataclass
class _Cluster:
    key: int  # the topic's pk, or a negative number for a topic not saved yet
    topic: HotTopic
    centre: dict[str, float]
    norm: float
    members: int
    touched: bool = False
    # (score, title) of the best title candidate seen in this batch
    best: tuple | None = None  # (title, keywords, level, is_repost) of the item whose title it takes
    joined: list = field(default_factory=list)

    def add(self, vec: dict[str, float]) -> None:
        n = self.members
        merged = {t: w * n / (n + 1) for t, w in self.centre.items()}
        for t, w in vec.items():
            merged[t] = merged.get(t, 0.0) + w / (n + 1)
        top = sorted(merged.items(), key=itemgetter(1), reverse=True)[:CENTROID_TERMS]
        self.centre = dict(top)
        self.norm = math.sqrt(sum(w * w for _, w in top))
        self.members = n + 1


def _settings(center):
    from rongmei.monitor.settings_store import get_settings

    return get_settings(center)


@dataclass
class _Agg:
    """What the heat and the counts of one topic are made of, kept in memory so a batch adds
    its items instead of re-reading every item of the topic."""

    count: int = 0
    negative: int = 0
    sources: set = field(default_factory=set)
    weight: int = 0  # Σ level
    first: dt.datetime | None = None
    last: dt.datetime | None = None
    recent: list = field(default_factory=list)  # heap of (published_at, level) published at or after `floor`
    recent_weight_sum: int = 0  # Σ level over `recent`
    floor: dt.datetime | None = None

    def add(self, item) -> None:
        self.count += 1
        self.negative += item.tone == Item.Tone.NEGATIVE
        self.sources.add(item.source_id)
        self.weight += item.level or 0
        self.first = item.published_at if self.first is None else min(self.first, item.published_at)
        self.last = item.published_at if self.last is None else max(self.last, item.published_at)
        if self.floor is not None and item.published_at >= self.floor:
            self.add_recent(item.published_at, item.level or 0)

    def add_recent(self, published: dt.datetime, level: int) -> None:
        heapq.heappush(self.recent, (published, level))
        self.recent_weight_sum += level

    def recent_weight(self, now: dt.datetime) -> int:
        """Σ level of the items published in the VELOCITY_HOURS up to `now`; -1 when `recent`
        does not reach that far back. The oldest entries leave the heap as the window moves on,
        instead of the whole list being filtered at every call."""
        since = now - dt.timedelta(hours=VELOCITY_HOURS)
        if self.floor is None or since < self.floor:
            return -1  # not covered: the caller reads it again
        while self.recent and self.recent[0][0] < since:
            self.recent_weight_sum -= heapq.heappop(self.recent)[1]
        self.floor = since
        if self.last is not None and self.last > now:  # an item dated after `now` counts later
            return sum(w for p, w in self.recent if p <= now)
        return self.recent_weight_sum


class _State:
    """One center's topics in the window, warm in this process: the centres, an inverted index
    over their words, the parts of each topic's counts and heat, and the item whose title each
    topic holds. Brought up to date at the start of each batch with what other processes
    wrote since (one query on the items stored since, one on the topics made or touched)."""

    def __init__(self, center_id: int, window: dt.timedelta):
        self.center_id = center_id
        self.window = window
        self.topics: dict[int, HotTopic] = {}
        self.centres: dict[int, tuple[dict, float]] = {}
        self.index: dict[str, dict[int, float]] = {}  # word → {topic pk: its weight in the centre}
        self.aggs: dict[int, _Agg] = {}
        self.holders: dict[int, tuple] = {}  # topic pk → (title, keywords, level, is_repost)
        self.item_hw = 0
        self.topic_hw = 0
        self.floor: dt.datetime | None = None  # topics seen before this are not held

    def put(self, topic: HotTopic) -> None:
        self.drop(topic.pk)
        centre = {t: float(w) for t, w in (topic.centroid or {}).items()}
        self.topics[topic.pk] = topic
        self.centres[topic.pk] = (centre, math.sqrt(sum(w * w for w in centre.values())))
        for term, weight in centre.items():
            self.index.setdefault(term, {})[topic.pk] = weight
        self.topic_hw = max(self.topic_hw, topic.pk)

    def drop(self, pk: int) -> None:
        old = self.centres.pop(pk, None)
        self.topics.pop(pk, None)
        if old:
            for term in old[0]:
                keys = self.index.get(term)
                if keys is not None:
                    keys.pop(pk, None)
                    if not keys:
                        del self.index[term]

    def build(self, center, since: dt.datetime) -> None:
        last_item = Item.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        last_topic = HotTopic.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        for topic in HotTopic.objects.filter(center=center, last_seen__gte=since):
            self.put(topic)
        self.item_hw = last_item
        self.topic_hw = max(self.topic_hw, last_topic)
        self.floor = since

    def catch_up(self, center, since: dt.datetime) -> bool:
        """Topics made or joined by other processes since the last batch; topics fallen out
        of the window dropped."""
        last_item = Item.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        last_topic = HotTopic.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        if last_item < self.item_hw or last_topic < self.topic_hw:
            return False  # rows this state saw are gone (rolled back, deleted): read everything again
        touched = set()
        # Without the models' default order (newest first, hottest first): with it SQLite walks
        # the whole publish-time (heat) index instead of the primary key's range, a scan of
        # every stored item (topic) at each batch. The topics are then put in that order here.
        for pk, center_id, topic_id in Item.objects.filter(pk__gt=self.item_hw).order_by().values_list(
                "pk", "center_id", "hot_topic_id"):
            self.item_hw = max(self.item_hw, pk)
            if center_id == self.center_id and topic_id:
                touched.add(topic_id)
        # by the pk alone and the center compared here (SQLite would walk the center's index)
        query = Q(pk__gt=self.topic_hw) | Q(pk__in=touched) if touched else Q(pk__gt=self.topic_hw)
        for topic in sorted(HotTopic.objects.filter(query).order_by(), key=lambda t: (t.heat, t.pk), reverse=True):
            self.topic_hw = max(self.topic_hw, topic.pk)
            if topic.center_id == self.center_id:
                self.put(topic)
        if since > self.floor + dt.timedelta(hours=1):
            for pk in [pk for pk, t in self.topics.items() if t.last_seen < since]:
                self.drop(pk)
                self.aggs.pop(pk, None)
                self.holders.pop(pk, None)
            self.floor = since
        return True


_states: dict[int, _State] = {}
_states_lock = threading.Lock()


def forget(center=None) -> None:
    """Drop the warm topics of a center (or of all): the next batch reads them again. The
    pipeline calls it when its transaction fails."""
    with _states_lock:
        if center is None:
            _states.clear()
        else:
            _states.pop(getattr(center, "pk", center), None)


def _state(center, since: dt.datetime, window: dt.timedelta) -> _State:
    with _states_lock:
        state = _states.get(center.pk)
        if state is None or state.window != window or since < state.floor:
            state = _states[center.pk] = _State(center.pk, window)
            state.build(center, since)
            return state
    if not state.catch_up(center, since):
        forget(center)
        return _state(center, since, window)
    return state


def assign(center, items, *, now: dt.datetime | None = None) -> None:
    """Put each of `items` (saved Items of `center`, with keywords) into a hot topic: sets
    `item.hot_topic` (saved), creates or updates HotTopic rows (centre, keywords, title,
    counts, heat). Items without keywords are left without a topic."""
    now = now or timezone.now()
    items = sorted((i for i in items if i.pk), key=lambda i: (i.published_at, i.pk))
    if not items:
        return
    settings = _settings(center)
    window = dt.timedelta(hours=settings.cluster_window_hours)
    threshold = float(settings.cluster_threshold)
    since = now - window
    try:
        with _lock_for(center):
            for attempt in range(2):
                state = _state(center, since, window)
                plan = _plan(center, state, items, since, threshold)
                if plan is not None or attempt:
                    break
                forget(center)  # a topic the warm state holds is gone or changed: read them again
            if plan is None:
                return
            _write(center, state, plan, items, now)
    except Exception:
        forget(center)
        raise


_locks: dict[int, threading.RLock] = {}


def _lock_for(center) -> threading.RLock:
    with _states_lock:
        return _locks.setdefault(center.pk, threading.RLock())


def _plan(center, state: _State, items, since: dt.datetime, threshold: float):
    """The assignment, worked out on copies of the warm centres. None when a topic it would
    change no longer is what the warm state says (the caller reads the state again).

    Each item's dot products come from the postings of its words: the warm index for the topics
    as stored, and `added` for the centres the batch holds (changed, made, or read from outside
    the window), which stand in for their stored postings. Each dot is summed over the item's
    words in their order, as a loop over a candidate's words would sum it, so the scores and the
    choices are those of comparing the item with every candidate one by one."""
    clusters: dict[int, _Cluster] = {}   # the batch's view: topic pk, or -(n) for new ones
    added: dict[str, dict[int, float]] = {}  # word → {key: weight} of the centres the batch holds
    posted: dict[int, tuple] = {}        # key → the words `added` holds it under
    outside: dict[int, HotTopic] = {}    # topics of reposts' originals outside the window

    def track(cluster: _Cluster) -> None:
        """`added` follows the cluster's centre as it is now."""
        for term in posted.get(cluster.key, ()):
            del added[term][cluster.key]
        for term, weight in cluster.centre.items():
            added.setdefault(term, {})[cluster.key] = weight
        posted[cluster.key] = tuple(cluster.centre)

    def cluster_of(key: int) -> _Cluster:
        cluster = clusters.get(key)
        if cluster is None:
            topic = state.topics.get(key) or outside[key]
            centre, norm = state.centres[key] if key in state.centres else _centre(topic)
            cluster = clusters[key] = _Cluster(key=key, topic=topic, centre=dict(centre), norm=norm,
                                               members=max(1, topic.item_count))
        return cluster

    # Reposts follow their original: the topic of another item of the same group.
    groups = {i.group_id for i in items if i.is_repost and i.group_id}
    group_topic: dict[int, int] = {}
    if groups:
        # By the group alone, the center compared and the order made here: with the center or the
        # order in the query, SQLite walks the center's (or the publish time's) index, and that
        # grows with every item.
        rows = sorted((published, pk, group_id, topic_id) for pk, group_id, topic_id, center_id, published in
                      Item.objects.filter(group_id__in=groups).values_list("pk", "group_id", "hot_topic_id", "center_id",
                                                                           "published_at")
                      if center_id == center.pk and topic_id is not None)
        for _, _, group_id, topic_id in rows:
            group_topic.setdefault(group_id, topic_id)
        missing = {t for t in group_topic.values() if t not in state.topics}
        for topic in HotTopic.objects.filter(center=center, pk__in=missing):
            outside[topic.pk] = topic
            track(cluster_of(topic.pk))
        group_topic = {g: t for g, t in group_topic.items() if t in state.topics or t in outside}

    new_key = 0
    assigned: list[tuple[Item, _Cluster]] = []
    # The warm topics that fell out of the window since the state was built (skipped below
    # unless the batch already holds them), worked out once instead of per candidate.
    gone = {pk for pk, topic in state.topics.items() if pk > 0 and topic.last_seen < since}
    for item in items:
        vec = vector(item.keywords)
        cluster = None
        if item.is_repost and item.group_id in group_topic:
            cluster = cluster_of(group_topic[item.group_id])
        if cluster is None and not vec:
            continue
        if cluster is None:
            dot: dict[int, float] = {}
            for t, w in vec.items():
                stored = state.index.get(t)
                if stored:
                    for key, x in stored.items():
                        if key not in posted:  # the batch holds this centre: its postings are in `added`
                            dot[key] = dot.get(key, 0.0) + w * x
                held = added.get(t)
                if held:
                    for key, x in held.items():
                        dot[key] = dot.get(key, 0.0) + w * x
            best, best_score = None, threshold
            for key, total in dot.items():
                c = clusters.get(key)
                if c is not None:
                    centre, norm = c.centre, c.norm
                elif key in gone:
                    continue  # fell out of the window since the state was built
                else:
                    centre, norm = state.centres[key]
                if len(vec) > len(centre):
                    score = cosine(vec, centre, norm)  # summed over the centre's words, as before
                else:
                    score = total / norm if norm else 0.0
                if score >= best_score:
                    best, best_score = key, score
            cluster = None if best is None else cluster_of(best)
        if cluster is None:
            new_key -= 1
            cluster = _Cluster(key=new_key, topic=HotTopic(center=center, title=item.title[:300], first_seen=item.published_at,
                                              last_seen=item.published_at),
                               centre={}, norm=0.0, members=0)
            clusters[new_key] = cluster
            cluster.add(vec)
        elif vec:
            cluster.add(vec)
        else:
            cluster.members += 1
        track(cluster)
        if item.group_id and not item.is_repost:
            group_topic.setdefault(item.group_id, cluster.key)
        cluster.touched = True
        cluster.joined.append((item, vec))
        assigned.append((item, cluster))

    touched = [c for c in clusters.values() if c.touched]
    # The stored topics about to change: still there, still with the centre the batch used?
    known = {c.key: c for c in touched if c.key > 0}
    if known:
        rows = dict(HotTopic.objects.filter(center=center, pk__in=list(known)).values_list("pk", "centroid"))
        for key, c in known.items():
            if key not in rows or (rows[key] or {}) != (c.topic.centroid or {}):
                return None
    return touched, assigned


def _centre(topic: HotTopic) -> tuple[dict, float]:
    centre = {t: float(w) for t, w in (topic.centroid or {}).items()}
    return centre, math.sqrt(sum(w * w for w in centre.values()))


def _write(center, state: _State, plan, items, now: dt.datetime) -> None:
    touched, assigned = plan
    if not touched:
        return
    fresh = [c.topic for c in touched if c.topic.pk is None]
    if fresh:
        HotTopic.objects.bulk_create(fresh)
    # An item moved from another topic (assigned again) leaves counts the batch cannot add up:
    # those topics are counted from the database.
    moved = any(item.hot_topic_id for item, _ in assigned)
    for item, cluster in assigned:
        item.hot_topic = cluster.topic
    _save_item_topics([(cluster.topic.pk, item.pk) for item, cluster in assigned])
    _choose_titles(center, touched, state)
    for c in touched:
        c.topic.centroid = {t: round(w, 6) for t, w in c.centre.items()}
        c.topic.keywords = [[t, round(w, 4)] for t, w in list(c.centre.items())[:TOPIC_KEYWORDS]]
    topics = [c.topic for c in touched]
    if moved:
        _recount(center, topics, now)
        state.aggs.clear()
    else:
        _add_counts(center, state, touched, now)
    for c in touched:
        if c.topic.last_seen >= state.floor:
            state.put(c.topic)
        state.holders[c.topic.pk] = c.best


def _add_counts(center, state: _State, touched: list[_Cluster], now: dt.datetime) -> None:
    """Counts, first/last seen and heat of the touched topics: what the state knows of each
    (read from the database the first time, or when the stored counts say another process
    changed it) plus the batch's items."""
    batch = {item.pk for c in touched for item, _ in c.joined}
    stale = []
    for c in touched:
        agg = state.aggs.get(c.topic.pk) if c.topic.pk in state.topics else None
        if c.key < 0:
            agg = state.aggs[c.topic.pk] = _Agg(floor=now - dt.timedelta(hours=VELOCITY_HOURS))
        elif agg is None or (agg.count, agg.negative, len(agg.sources)) != (
                c.topic.item_count, c.topic.negative_count, c.topic.source_count) or agg.recent_weight(now) < 0:
            stale.append(c.topic.pk)
    if stale:
        for pk, agg in _read_aggs(center, stale, batch, now).items():
            state.aggs[pk] = agg
    for c in touched:
        agg = state.aggs[c.topic.pk]
        for item, _ in c.joined:
            agg.add(item)
        topic = c.topic
        topic.item_count, topic.negative_count, topic.source_count = agg.count, agg.negative, len(agg.sources)
        topic.last_seen = max(agg.last, topic.last_seen) if topic.last_seen else agg.last
        topic.first_seen = agg.first
        quiet = (now - min(topic.last_seen, now)).total_seconds() / 3600
        topic.heat = heat_of(agg.weight / REFERENCE_LEVEL, agg.recent_weight(now) / REFERENCE_LEVEL, quiet)
    _save_topics([c.topic for c in touched])


def _save_topics(topics: list[HotTopic]) -> None:
    """UPDATE the FIELDS of `topics`, one statement run for all (executemany): bulk_update's
    CASE per field and row costs more to build than the update itself. The JSON and the aware
    datetimes go through connection.ops as their fields' get_db_prep_save would send them; the
    rest are plain str, int and float (get_db_prep_save per value cost more than the UPDATE)."""
    if not topics:
        return
    ops = connection.ops
    qn = ops.quote_name
    fields = [HotTopic._meta.get_field(name) for name in FIELDS]
    sql = (f"UPDATE {qn(HotTopic._meta.db_table)} SET {', '.join(f'{qn(f.column)} = %s' for f in fields)} "
           f"WHERE {qn(HotTopic._meta.pk.column)} = %s")
    convert = []
    for n, f in enumerate(fields):
        if isinstance(f, models.JSONField):
            convert.append((n, lambda value, encoder=f.encoder: ops.adapt_json_value(value, encoder)))
        elif isinstance(f, models.DateTimeField):
            convert.append((n, ops.adapt_datetimefield_value))
    rows = []
    for t in topics:
        row = [getattr(t, f.attname) for f in fields]
        for n, adapt in convert:
            row[n] = adapt(row[n])
        rows.append([*row, t.pk])
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def _save_item_topics(rows: list[tuple[int, int]]) -> None:
    """(topic id, item id): each item's hot topic, one UPDATE statement run for all
    (executemany). One queryset update per topic cost more to build than to run."""
    if not rows:
        return
    qn = connection.ops.quote_name
    column = qn(Item._meta.get_field("hot_topic").column)
    sql = f"UPDATE {qn(Item._meta.db_table)} SET {column} = %s WHERE {qn(Item._meta.pk.column)} = %s"
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


FIELDS = ["title", "keywords", "centroid", "item_count", "negative_count", "source_count", "heat", "first_seen", "last_seen"]


def _read_aggs(center, pks: list[int], exclude: set[int], now: dt.datetime) -> dict[int, _Agg]:
    """The parts of the counts of `pks` from their stored items, the batch's items left out."""
    floor = now - dt.timedelta(hours=VELOCITY_HOURS)
    out = {pk: _Agg(floor=floor) for pk in pks}
    base = Item.objects.filter(center=center, hot_topic__in=pks).exclude(pk__in=exclude)
    for row in base.values("hot_topic_id").annotate(
            n=Count("id"), negative=Count("id", filter=Q(tone=Item.Tone.NEGATIVE)), weight=Sum("level"),
            first=Min("published_at"), last=Max("published_at")):
        agg = out[row["hot_topic_id"]]
        agg.count, agg.negative, agg.weight = row["n"], row["negative"], row["weight"] or 0
        agg.first, agg.last = row["first"], row["last"]
    for topic_id, source_id in base.values_list("hot_topic_id", "source_id").distinct():
        out[topic_id].sources.add(source_id)
    for topic_id, published, level in base.filter(published_at__gte=floor).values_list(
            "hot_topic_id", "published_at", "level"):
        out[topic_id].add_recent(published, level or 0)
    return out


def _choose_titles(center, touched: list[_Cluster], state: _State | None = None) -> None:
    """Each touched topic's title: its most representative item among those joining now and
    the item whose title it holds. A topic this batch made holds none but its own items; the
    holder of another is read only when this process does not know it (with the center in
    that query SQLite walked the center's index, every stored item, for each new topic)."""
    holders: dict[int, tuple[str, list, int, bool]] = {}
    known = []
    for c in touched:
        if c.key < 0 or not (c.topic.pk and c.topic.title):
            continue
        held = state.holders.get(c.topic.pk) if state is not None else None
        if held is not None and held[0] == c.topic.title:
            holders[c.topic.pk] = held
        else:
            known.append(c)
    if known:
        rows = Item.objects.filter(hot_topic__in=[c.topic.pk for c in known],
                                   title__in={c.topic.title for c in known}).values_list(
            "hot_topic_id", "title", "keywords", "level", "is_repost", "center_id")
        for topic_id, title, keywords, level, repost, center_id in rows:
            if center_id == center.pk:
                holders.setdefault(topic_id, (title, keywords, level, repost))
    for c in touched:
        candidates = [(item.title, item.keywords, vec, item.level, item.is_repost) for item, vec in c.joined]
        held = holders.get(c.topic.pk)
        if held is not None:
            candidates.append((held[0], held[1], vector(held[1]), held[2], held[3]))
        best = max(candidates, key=lambda cand: (
            cosine(cand[2], c.centre, c.norm) + 0.1 * (cand[3] or 0) / 100 + (0 if cand[4] else 0.05)))
        c.topic.title = best[0][:300]
        c.best = (best[0], best[1], best[3], best[4])


def _recount(center, topics: list[HotTopic], now: dt.datetime) -> None:
    """Counts, first/last seen and heat of `topics`, from their items in the database."""
    if not topics:
        return
    recent_since = now - dt.timedelta(hours=VELOCITY_HOURS)
    by_pk = {t.pk: t for t in topics}
    rows = (Item.objects.filter(center=center, hot_topic__in=list(by_pk))
            .values("hot_topic_id")
            .annotate(n=Count("id"), negative=Count("id", filter=Q(tone=Item.Tone.NEGATIVE)),
                      sources=Count("source", distinct=True), weight=Sum("level"),
                      recent=Sum("level", filter=Q(published_at__gte=recent_since, published_at__lte=now)),
                      first=Min("published_at"), last=Max("published_at")))
    for row in rows:
        topic = by_pk[row["hot_topic_id"]]
        topic.item_count = row["n"]
        topic.negative_count = row["negative"]
        topic.source_count = row["sources"]
        topic.last_seen = max(row["last"], topic.last_seen) if topic.last_seen else row["last"]
        topic.first_seen = row["first"]
        quiet = (now - min(topic.last_seen, now)).total_seconds() / 3600
        topic.heat = heat_of((row["weight"] or 0) / REFERENCE_LEVEL, (row["recent"] or 0) / REFERENCE_LEVEL, quiet)
    HotTopic.objects.bulk_update(topics, FIELDS, batch_size=500)


def refresh(center, *, now: dt.datetime | None = None) -> int:
    """Recompute counts and heat of the center's topics seen within the window (the heat
    decays while a topic is quiet). Returns how many topics were refreshed."""
    now = now or timezone.now()
    window = dt.timedelta(hours=_settings(center).cluster_window_hours)
    topics = list(HotTopic.objects.filter(center=center, last_seen__gte=now - window))
    _recount(center, topics, now)
    return len(topics)
