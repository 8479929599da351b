"""热点话题: incremental single-pass clustering of items by their keywords.

Each new item's keyword vector (its TF-IDF keywords, a sparse {word: weight} scaled to unit
length) is compared by cosine with the centres of the center's hot topics seen within the
window (舆情设置: 热点聚类窗口, default 72 hours). Candidates come from an inverted index
over the centres' words, so an item is compared only with topics that share a word with it,
never with every topic. At or above the threshold (热点聚类相似度, default 0.35) the item
joins the most similar topic and the centre becomes the running mean of its members'
vectors, trimmed to its CENTROID_TERMS strongest words; otherwise the item opens a topic.
A repost (`is_repost`) joins its original's topic directly.

For every topic touched, the counts are recomputed from the database and so is the heat:

    heat = (10·ln(1 + Σ w) + 20·ln(1 + Σ w over the last VELOCITY_HOURS)) · 0.5^(h / 24)

where w is an item's source weight, its level / 50 (中央 2.0, 省级 1.4, 本地 1.0, 论坛、自媒体
0.6), and h the hours since the topic's last item. Volume counts, what came in the last six
hours counts twice more (velocity), heavy sources count more, and a quiet topic halves every
day. `refresh(center)` recomputes the heat of every topic in the window (the decay goes on
when no item arrives).

The title is that of the most representative item: the highest cosine to the centre, with a
small bonus for heavier sources and for originals over reposts.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field

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
    best: tuple[float, str] | None = None
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

    clusters: dict[int, _Cluster] = {}   # by a key: topic pk, or -(n) for new ones
    index: dict[str, set[int]] = {}

    def load(topic: HotTopic) -> _Cluster:
        centre = {t: float(w) for t, w in (topic.centroid or {}).items()}
        cluster = _Cluster(key=topic.pk, topic=topic, centre=centre, norm=math.sqrt(sum(w * w for w in centre.values())),
                           members=max(1, topic.item_count))
        clusters[topic.pk] = cluster
        for term in centre:
            index.setdefault(term, set()).add(topic.pk)
        return cluster

    for topic in HotTopic.objects.filter(center=center, last_seen__gte=now - window):
        load(topic)

    # Reposts follow their original: the topic of another item of the same group.
    groups = {i.group_id for i in items if i.is_repost and i.group_id}
    group_topic: dict[int, int] = {}
    if groups:
        rows = (Item.objects.filter(center=center, group_id__in=groups, hot_topic__isnull=False)
                .order_by("published_at", "id").values_list("group_id", "hot_topic_id"))
        for group_id, topic_id in rows:
            group_topic.setdefault(group_id, topic_id)
        missing = {t for t in group_topic.values() if t not in clusters}
        for topic in HotTopic.objects.filter(center=center, pk__in=missing):
            load(topic)

    new_key = 0
    assigned: list[tuple[Item, _Cluster]] = []
    for item in items:
        vec = vector(item.keywords)
        cluster = None
        if item.is_repost and item.group_id in group_topic:
            cluster = clusters.get(group_topic[item.group_id])
        if cluster is None and not vec:
            continue
        if cluster is None:
            candidates: set[int] = set()
            for term in vec:
                candidates |= index.get(term, set())
            best, best_score = None, threshold
            for key in candidates:
                c = clusters[key]
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
        else:
            for term in cluster.centre:
                index.get(term, set()).discard(cluster.key)
            if vec:
                cluster.add(vec)
            else:
                cluster.members += 1
        for term in cluster.centre:
            index.setdefault(term, set()).add(cluster.key)
        if item.group_id and not item.is_repost:
            group_topic.setdefault(item.group_id, cluster.key)
        cluster.touched = True
        cluster.joined.append((item, vec))
        assigned.append((item, cluster))

    touched = [c for c in clusters.values() if c.touched]
    if not touched:
        return
    fresh = [c.topic for c in touched if c.topic.pk is None]
    if fresh:
        HotTopic.objects.bulk_create(fresh)
    for item, cluster in assigned:
        item.hot_topic = cluster.topic
    Item.objects.bulk_update([item for item, _ in assigned], ["hot_topic"], batch_size=500)
    _choose_titles(center, touched)
    for c in touched:
        c.topic.centroid = {t: round(w, 6) for t, w in c.centre.items()}
        c.topic.keywords = [[t, round(w, 4)] for t, w in list(c.centre.items())[:TOPIC_KEYWORDS]]
    _recount(center, [c.topic for c in touched], now)


def _choose_titles(center, touched: list[_Cluster]) -> None:
    """Each touched topic's title: its most representative item among those joining now and
    the item whose title it holds."""
    holders: dict[int, tuple[str, list, int, bool]] = {}
    known = [c for c in touched if c.topic.pk and c.topic.title]
    if known:
        rows = Item.objects.filter(center=center, hot_topic__in=[c.topic.pk for c in known],
                                   title__in={c.topic.title for c in known}).values_list(
            "hot_topic_id", "title", "keywords", "level", "is_repost")
        for topic_id, title, keywords, level, repost in rows:
            holders.setdefault(topic_id, (title, keywords, level, repost))
    for c in touched:
        candidates = [(item.title, vec, item.level, item.is_repost) for item, vec in c.joined]
        held = holders.get(c.topic.pk)
        if held is not None:
            candidates.append((held[0], vector(held[1]), held[2], held[3]))
        best = max(candidates, key=lambda cand: (
            cosine(cand[1], c.centre, c.norm) + 0.1 * (cand[2] or 0) / 100 + (0 if cand[3] else 0.05)))
        c.topic.title = best[0][:300]


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
    HotTopic.objects.bulk_update(topics, ["title", "keywords", "centroid", "item_count", "negative_count",
                                          "source_count", "heat", "first_seen", "last_seen"], batch_size=500)


def refresh(center, *, now: dt.datetime | None = None) -> int:
    """Recompute counts and heat of the center's topics seen within the window (the heat
    decays while a topic is quiet). Returns how many topics were refreshed."""
    now = now or timezone.now()
    window = dt.timedelta(hours=_settings(center).cluster_window_hours)
    topics = list(HotTopic.objects.filter(center=center, last_seen__gte=now - window))
    _recount(center, topics, now)
    return len(topics)
