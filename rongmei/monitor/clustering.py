"""热点话题: incremental single-pass clustering of items by their keywords.

Each new item's keyword vector (its TF-IDF keywords, a sparse {word: weight} scaled to unit
length) is compared by cosine with the centres of the center's hot topics seen within the
window (舆情设置: 热点聚类窗口, default 72 hours). Candidates come from an inverted index
over the centres' words, so an item is compared only with topics that share a word with it,
never with every topic. At or above the threshold (热点聚类相似度, default 0.35) the item
joins the most similar topic and the centre becomes the running mean of its members'
vectors, trimmed to its CENTROID_TERMS strongest words; otherwise the item opens a topic.
A repost (`is_repost`) joins its original's topic directly.

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
import math
import threading
from dataclasses import dataclass, field

from django.db import connection
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
    return sum(w * centre.get(t, 0.0) for t, w in unit.items()) / centre_norm


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
        top = sorted(merged.items(), key=lambda kv: -kv[1])[:CENTROID_TERMS]
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
    recent: list = field(default_factory=list)  # [(published_at, level)] published at or after `floor`
    floor: dt.datetime | None = None

    def add(self, item) -> None:
        self.count += 1
        self.negative += item.tone == Item.Tone.NEGATIVE
        self.sources.add(item.source_id)
        self.weight += item.level or 0
        self.first = item.published_at if self.first is None else min(self.first, item.published_at)
        self.last = item.published_at if self.last is None else max(self.last, item.published_at)
        if self.floor is not None and item.published_at >= self.floor:
            self.recent.append((item.published_at, item.level or 0))

    def recent_weight(self, now: dt.datetime) -> int:
        since = now - dt.timedelta(hours=VELOCITY_HOURS)
        if self.floor is None or since < self.floor:
            return -1  # not covered: the caller reads it again
        self.recent = [(p, w) for p, w in self.recent if p >= since]
        self.floor = since
        return sum(w for p, w in self.recent if p <= now)


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
        self.index: dict[str, set[int]] = {}
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
        for term in centre:
            self.index.setdefault(term, set()).add(topic.pk)
        self.topic_hw = max(self.topic_hw, topic.pk)

    def drop(self, pk: int) -> None:
        old = self.centres.pop(pk, None)
        self.topics.pop(pk, None)
        if old:
            for term in old[0]:
                keys = self.index.get(term)
                if keys is not None:
                    keys.discard(pk)
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
        for pk, center_id, topic_id in Item.objects.filter(pk__gt=self.item_hw).values_list("pk", "center_id", "hot_topic_id"):
            self.item_hw = max(self.item_hw, pk)
            if center_id == self.center_id and topic_id:
                touched.add(topic_id)
        # by the pk alone and the center compared here (SQLite would walk the center's index)
        query = Q(pk__gt=self.topic_hw) | Q(pk__in=touched) if touched else Q(pk__gt=self.topic_hw)
        for topic in HotTopic.objects.filter(query):
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
    change no longer is what the warm state says (the caller reads the state again)."""
    clusters: dict[int, _Cluster] = {}   # the batch's view: topic pk, or -(n) for new ones
    added: dict[str, set[int]] = {}      # words of the centres the batch changed or made
    outside: dict[int, HotTopic] = {}    # topics of reposts' originals outside the window

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
        rows = (Item.objects.filter(center=center, group_id__in=groups, hot_topic__isnull=False)
                .order_by("published_at", "id").values_list("group_id", "hot_topic_id"))
        for group_id, topic_id in rows:
            group_topic.setdefault(group_id, topic_id)
        missing = {t for t in group_topic.values() if t not in state.topics}
        for topic in HotTopic.objects.filter(center=center, pk__in=missing):
            outside[topic.pk] = topic
            for term in (topic.centroid or {}):
                added.setdefault(term, set()).add(topic.pk)
        group_topic = {g: t for g, t in group_topic.items() if t in state.topics or t in outside}

    new_key = 0
    assigned: list[tuple[Item, _Cluster]] = []
    for item in items:
        vec = vector(item.keywords)
        cluster = None
        if item.is_repost and item.group_id in group_topic:
            cluster = cluster_of(group_topic[item.group_id])
        if cluster is None and not vec:
            continue
        if cluster is None:
            candidates: set[int] = set()
            for term in vec:
                candidates |= state.index.get(term, set())
                candidates |= added.get(term, set())
            best, best_score = None, threshold
            for key in candidates:
                if key > 0 and key in state.topics and key not in clusters and state.topics[key].last_seen < since:
                    continue  # fell out of the window since the state was built
                c = cluster_of(key)
                if not any(t in c.centre for t in vec):
                    continue  # a word the centre has since lost
                score = cosine(vec, c.centre, c.norm)
                if score >= best_score:
                    best, best_score = c, score
            cluster = best
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
        for term in cluster.centre:
            added.setdefault(term, set()).add(cluster.key)
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
    members: dict[int, list[int]] = {}
    for item, cluster in assigned:
        item.hot_topic = cluster.topic
        members.setdefault(cluster.topic.pk, []).append(item.pk)
    for topic_id, pks in members.items():  # one UPDATE per topic: cheaper than one CASE per item
        Item.objects.filter(pk__in=pks).update(hot_topic_id=topic_id)
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
    CASE per field and row costs more to build than the update itself."""
    if not topics:
        return
    qn = connection.ops.quote_name
    fields = [HotTopic._meta.get_field(name) for name in FIELDS]
    sql = (f"UPDATE {qn(HotTopic._meta.db_table)} SET {', '.join(f'{qn(f.column)} = %s' for f in fields)} "
           f"WHERE {qn(HotTopic._meta.pk.column)} = %s")
    rows = [[f.get_db_prep_save(getattr(t, f.attname), connection) for f in fields] + [t.pk] for t in topics]
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
        out[topic_id].recent.append((published, level or 0))
    return out


def _choose_titles(center, touched: list[_Cluster], state: _State | None = None) -> None:
    """Each touched topic's title: its most representative item among those joining now and
    the item whose title it holds."""
    holders: dict[int, tuple[str, list, int, bool]] = {}
    known = []
    for c in touched:
        if not (c.topic.pk and c.topic.title):
            continue
        held = state.holders.get(c.topic.pk) if state is not None else None
        if held is not None and held[0] == c.topic.title:
            holders[c.topic.pk] = held
        else:
            known.append(c)
    if known:
        rows = Item.objects.filter(center=center, hot_topic__in=[c.topic.pk for c in known],
                                   title__in={c.topic.title for c in known}).values_list(
            "hot_topic_id", "title", "keywords", "level", "is_repost")
        for topic_id, title, keywords, level, repost in rows:
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
