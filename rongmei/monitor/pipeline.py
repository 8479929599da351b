"""The processing pipeline: what every source's items go through, in order.

`ingest(source, raw_items)`:

1. normalise (normalise.py): title, text, publish time in Asia/Shanghai, canonical URL,
   hashes. Bad items are skipped with an error entry, never failing the batch: no title and
   no text, a publish time before EARLIEST or more than FUTURE_LIMIT ahead; a text longer
   than MAX_TEXT is cut (the item is kept, with a note in the errors).
2. exact duplicates dropped: the same canonical URL, the same source id, or the same content
   hash, among the center's stored items (three queries per batch) or earlier in the batch.
3. near-duplicates grouped (dedupe.py): a repost joins the earlier item's ItemGroup
   (`is_repost`, the group's size and last_seen updated); an original starts a group.
4. rule matching (rules.Matcher) → Match rows;
5. tone (tone.score);
6. keywords (keywords.extract);
7. saved in one transaction: groups and items (multi-row INSERTs returning the ids), matches, then
   hot-topic clustering (clustering.assign). Two ingests storing the same URL at once (two
   workers, a re-run): the database's unique constraints decide; the loser counts a
   duplicate instead of failing.
8. alerts (alerts.evaluate), after the commit.
9. search indexing, after the commit and off the ingest: a task enqueued on commit indexes
   the saved items, and a sweep every minute catches any whose task was lost (search.py,
   search_tasks.py). An item is searchable a moment after it is listed, not at once.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.utils import timezone

from rongmei.monitor import dedupe, normalise
from rongmei.monitor.models import Item, ItemGroup, Match
from rongmei.monitor.types import IngestResult, RawItem

log = logging.getLogger(__name__)

MAX_TEXT = 50_000  # characters of text kept per item
MAX_TITLE = 300  # Item.title
UNTITLED_LENGTH = 40  # an item without a title is titled by its text's first characters
EARLIEST = dt.datetime(1990, 1, 1, tzinfo=normalise.SHANGHAI)
FUTURE_LIMIT = dt.timedelta(days=2)  # further ahead than this is a broken date, not a clock skew
KEYWORDS = 10


class Skip(Exception):
    """An item that cannot be ingested; the message (Chinese) goes to the run's errors."""


@dataclass
class Prepared:
    """An item after step 1, carried through the steps until it is saved."""

    raw: RawItem
    title: str
    text: str
    url: str
    url_hash: str
    content_hash: str
    published_at: dt.datetime
    external_id: str
    author: str
    region: str
    signature: dedupe.Signature | None = None
    repost_of: object = None  # a stored group id, or the Prepared original earlier in the batch
    matches: list = field(default_factory=list)
    tone: str = Item.Tone.NEUTRAL
    tone_score: float = 0.0
    keywords: list = field(default_factory=list)
    item: Item | None = None
    group: ItemGroup | None = None


def ingest(source, raw_items, *, now: dt.datetime | None = None) -> IngestResult:
    """Run `raw_items` (RawItem) from `source` through the pipeline; see the module docstring.
    Returns the counts, the saved items, the alerts and the per-item errors."""
    now = now or timezone.now()
    center = source.center
    raw_items = list(raw_items)
    result = IngestResult(found=len(raw_items))

    prepared = []
    for raw in raw_items:
        try:
            item, notes = prepare(raw, source, now)
        except Skip as exc:
            result.skipped += 1
            result.errors.append({"url": _raw_url(raw), "error": str(exc)})
            continue
        except Exception:  # something no source should send; the rest of the batch goes on
            log.exception("monitor: cannot normalise an item from source %s", source.pk)
            result.skipped += 1
            result.errors.append({"url": _raw_url(raw), "error": "无法处理这一条（格式异常），已跳过"})
            continue
        result.errors.extend({"url": item.url or _raw_url(raw), "error": note} for note in notes)
        prepared.append(item)

    fresh = _drop_exact_duplicates(center, source, prepared, result)
    if not fresh:
        return result
    index = _group_near_duplicates(center, fresh, now)
    _analyse(center, fresh)

    committed = False
    try:
        with transaction.atomic():
            saved = _save(center, source, fresh, now, result)
            if saved:
                from rongmei.monitor import clustering

                clustering.assign(center, saved, now=now)
                _index_after_commit(center, saved)
        committed = True
    except Exception:
        from rongmei.monitor import alerts, clustering

        dedupe.NearDupIndex.forget(center)  # it may hold items that were rolled back
        clustering.forget(center)  # … and topics as this batch changed them
        alerts.forget(center)
        raise
    finally:
        with index.lock:  # the batch's temporary keys become the saved items' pks (or go)
            for n, p in enumerate(fresh):
                key = ("batch", id(fresh), n)
                if committed and p.item is not None and p.item.pk:
                    index.rename(key, p.item.pk, group=p.item.group_id, content_hash=p.content_hash, seen_at=now)
                    index.high_water = max(index.high_water, p.item.pk)
                else:
                    index.remove(key)

    result.items = saved
    result.new = len(saved)
    if saved:
        from rongmei.monitor import alerts

        matched = {p.item.pk: [m.topic_id for m in p.matches] for p in fresh if p.item is not None and p.item.pk}
        result.alerts = list(alerts.evaluate(center, saved, now=now, matched=matched))
    return result


def _index_after_commit(center, saved: list[Item]) -> None:
    """Step 9, off the ingest: the search indexing task for the saved items, enqueued once
    they are committed. Should the queue refuse it (Redis down), the error is logged and the
    minute sweep (search_tasks.index_missed) indexes them instead: the ingest stands."""
    from rongmei.monitor import search_tasks

    ids = [item.pk for item in saved]
    transaction.on_commit(lambda: search_tasks.index_batch.enqueue(center.pk, ids), robust=True)


# --- 1. normalise ------------------------------------------------------------------------------


def prepare(raw: RawItem, source, now: dt.datetime) -> tuple[Prepared, list[str]]:
    """Step 1 for one item: (the normalised item, notes about what was changed). Raises Skip."""
    notes = []
    title = normalise.clean_title(raw.title)
    text = normalise.clean_text(raw.text)
    if not title and not text:
        raise Skip("没有标题也没有正文，已跳过")
    text, cut = normalise.truncate(text, MAX_TEXT)
    if cut:
        notes.append(f"正文过长，只保留前 {len(text)} 字")
    if not title:
        first_line = text.split("\n", 1)[0]
        title = first_line[:UNTITLED_LENGTH] + ("…" if len(first_line) > UNTITLED_LENGTH else "")
    if len(title) > MAX_TITLE:
        title = title[:MAX_TITLE - 1] + "…"
    published = _published(raw.published_at, now, title)
    url = normalise.canonical_url(raw.url)
    url_hash = normalise.url_hash(url)
    if len(url) > 1000:  # Item.url; the hash still finds the duplicate
        notes.append("网址过长，未保存网址")
        url = ""
    return Prepared(
        raw=raw, title=title, text=text, url=url, url_hash=url_hash,
        content_hash=normalise.content_hash(title, text), published_at=published,
        external_id=str(raw.external_id or "").strip()[:200],
        author=normalise.clean_text(raw.author).replace("\n", " ")[:100],
        region=(normalise.clean_text(raw.region).replace("\n", " ") or source.region)[:50],
    ), notes


def _published(value, now: dt.datetime, title: str) -> dt.datetime:
    if value is not None and not isinstance(value, (dt.datetime, dt.date, str)):
        raise Skip(f"发布时间无法识别（{title[:20]}），已跳过")
    far = now + FUTURE_LIMIT
    probe = normalise.as_datetime(value)
    if value not in (None, "") and probe is None:
        raise Skip(f"发布时间无法识别（{title[:20]}），已跳过")
    if probe is not None and (probe < EARLIEST or probe > far):
        raise Skip(f"发布时间不合理（{probe:%Y-%m-%d}），已跳过")
    return normalise.to_shanghai(probe, now, now=now)


def _raw_url(raw) -> str:
    return str(getattr(raw, "url", "") or "")[:500]


# --- 2. exact duplicates -----------------------------------------------------------------------


def _drop_exact_duplicates(center, source, prepared: list[Prepared], result: IngestResult) -> list[Prepared]:
    urls = {p.url_hash for p in prepared if p.url_hash}
    hashes = {p.content_hash for p in prepared}
    external = {p.external_id for p in prepared if p.external_id}
    # URLs through the partial unique index on (center, url_hash), which the exclude lets the
    # database use (SQLite only takes a partial index whose condition the query repeats); it
    # covers the query, and the probe brings in the pages the insert will write. Content
    # hashes by the hash alone and the center compared here: with the center in the query,
    # SQLite walks the center's index instead of the hash's, and that grows with every item.
    seen_urls = set(Item.objects.filter(center=center, url_hash__in=urls).exclude(url_hash="").order_by()
                    .values_list("url_hash", flat=True)) if urls else set()
    seen_hashes = {h for h, c in Item.objects.filter(content_hash__in=hashes).values_list("content_hash", "center_id")
                   if c == center.pk}
    seen_external = set(Item.objects.filter(source=source, external_id__in=external)
                        .values_list("external_id", flat=True)) if external else set()
    fresh = []
    for p in prepared:
        if (p.url_hash and p.url_hash in seen_urls) or p.content_hash in seen_hashes or (
                p.external_id and p.external_id in seen_external):
            result.duplicates += 1
            continue
        if p.url_hash:
            seen_urls.add(p.url_hash)
        seen_hashes.add(p.content_hash)
        if p.external_id:
            seen_external.add(p.external_id)
        fresh.append(p)
    return fresh


# --- 3. near-duplicates ------------------------------------------------------------------------


def _group_near_duplicates(center, fresh: list[Prepared], now: dt.datetime) -> dedupe.NearDupIndex:
    for p, sig in zip(fresh, dedupe.signatures([f"{p.title}\n{p.text}" for p in fresh]), strict=True):
        p.signature = sig
    for attempt in range(2):
        index = dedupe.NearDupIndex.for_center(center, now=now)
        with index.lock:
            stored = _match_against(index, fresh)
            valid = index.verify(center, stored)
        if len(valid) == len(stored) or attempt:
            break
        dedupe.NearDupIndex.forget(center)  # stale entries (a rolled-back ingest): rebuild once
    for p in fresh:
        if isinstance(p.repost_of, int):
            p.repost_of = valid.get(p.repost_of)  # the stored item's group id (None: stale, or no group)
    return index


def _match_against(index: dedupe.NearDupIndex, fresh: list[Prepared]) -> set:
    """Find each item's original among the indexed items and the batch items before it.
    Batch items go in under temporary keys (removed after saving). Returns the stored keys
    that were used."""
    stored = set()
    batch = id(fresh)
    for n, p in enumerate(fresh):
        p.repost_of = None
        for key, _score in index.query(p.signature):
            if isinstance(key, tuple):
                if key[1] == batch and key[2] < n:
                    p.repost_of = fresh[key[2]]
                    break
                continue
            p.repost_of = key
            stored.add(key)
            break
        index.add(("batch", batch, n), p.signature)
    return stored


# --- 4–6. topics, tone, keywords ----------------------------------------------------------------


def _analyse(center, fresh: list[Prepared]) -> None:
    """Steps 4–6, one step over the whole batch before the next: each step's tables (the
    rules' automaton, the tone lexicon, rjieba's dictionary and the keyword weights) stay in
    the CPU caches from one item to the next, which makes the three about 13 % cheaper than
    running all three on one item at a time."""
    from rongmei.monitor import keywords, tone
    from rongmei.monitor.rules import Matcher

    matcher = Matcher.for_center(center)
    county = keywords.user_words(center)
    for p in fresh:
        p.matches = matcher.match(p.title, p.text)
    bodies = [f"{p.title}\n{p.text}" for p in fresh]
    for p, body in zip(fresh, bodies):
        label, score = tone.score(body)
        p.tone, p.tone_score = label, max(-1.0, min(1.0, float(score)))
    for p, body in zip(fresh, bodies):
        p.keywords = [[word, round(float(weight), 4)] for word, weight in keywords.extract(body, k=KEYWORDS, words=county)]


# --- 7. save -----------------------------------------------------------------------------------


def _save(center, source, fresh: list[Prepared], now: dt.datetime, result: IngestResult) -> list[Item]:
    # Originals first: each starts a group; a repost of a batch item shares its original's.
    originals = [p for p in fresh if p.repost_of is None]
    groups = [ItemGroup(center=center, title=p.title, size=1, first_seen=p.published_at, last_seen=p.published_at)
              for p in originals]
    _insert_returning(ItemGroup, _GROUP_FIELDS, groups)
    for p, group in zip(originals, groups):
        p.group = group
    for p in fresh:  # in order, so a repost of a repost finds its original's group
        if isinstance(p.repost_of, Prepared):
            first = p.repost_of
            p.group = first.group
            p.repost_of = first.group if first.group is not None else first.repost_of
    for p in fresh:
        p.item = Item(
            center=center, source=source, external_id=p.external_id, url=p.url, url_hash=p.url_hash,
            content_hash=p.content_hash, title=p.title, text=p.text, author=p.author, published_at=p.published_at,
            fetched_at=now, level=source.level, region=p.region,
            group_id=p.group.pk if p.group else p.repost_of, is_repost=p.repost_of is not None,
            signature=p.signature.to_bytes(), tone=p.tone, tone_score=p.tone_score, keywords=p.keywords,
        )
    try:
        with transaction.atomic():
            _insert_returning(Item, _ITEM_FIELDS, [p.item for p in fresh])
    except IntegrityError:
        # Another ingest stored some of these since the duplicate check: one by one, and the
        # ones the constraints refuse are duplicates.
        for p in fresh:
            p.item.pk = None
            try:
                with transaction.atomic():
                    p.item.save(force_insert=True)
            except IntegrityError:
                p.item = None
                result.duplicates += 1
    kept = [p for p in fresh if p.item is not None]

    # Groups: an original that lost the race leaves its group empty; its batch reposts keep it.
    sizes: dict[int, list] = {}
    for p in kept:
        sizes.setdefault(p.item.group_id, []).append(p)
    created = {g.pk for g in groups}
    empty = [pk for pk in created if pk not in sizes]
    if empty:
        ItemGroup.objects.filter(pk__in=empty).delete()
    made, grown = [], []
    for group_id, members in sizes.items():
        first = min(m.published_at for m in members)
        last = max(m.published_at for m in members)
        if group_id in created:
            if len(members) > 1 or any(m.repost_of is not None for m in members):
                made.append((group_id, len(members), first, last))
        else:
            grown.append((group_id, len(members), first, last))
    _update_groups(center, made, grown)

    _insert_matches([(center.pk, p.item.pk, m.topic_id, list(m.terms)[:50], (m.snippet or "")[:300])
                     for p in kept for m in p.matches])
    return [p.item for p in kept]


# Item's columns the ingest sets; the others (id, hot topic, lead, indexed_at) start NULL.
_ITEM_FIELDS = ("center", "source", "external_id", "url", "url_hash", "content_hash", "title", "text", "author",
                "published_at", "fetched_at", "level", "region", "group", "is_repost", "signature", "tone", "tone_score",
                "keywords")
_GROUP_FIELDS = ("center", "title", "size", "first_seen", "last_seen")


def _insert_returning(model, names: tuple[str, ...], objs: list) -> None:
    """INSERT `objs` (unsaved `model` instances) with the columns `names`, multi-row
    statements RETURNING their ids (SQLite ≥ 3.35, PostgreSQL), the ids set on the objects
    as bulk_create would. bulk_create built each of a batch's ~2,000 SQL values through the
    field's and the compiler's machinery, which cost more than the insert; here datetimes,
    bytes and JSON go through connection.ops (as those fields' get_db_prep_value do, for the
    aware datetimes, bytes and lists the pipeline makes) and the rest are plain str, int,
    float and bool already. A database that cannot return ids from a multi-row INSERT gets
    bulk_create."""
    from django.db import connection, models

    if not objs:
        return
    if not connection.features.can_return_rows_from_bulk_insert:
        model.objects.bulk_create(objs)
        return
    ops = connection.ops
    meta = model._meta
    fields = [meta.get_field(name) for name in names]
    attnames = [f.attname for f in fields]
    convert = []
    for n, f in enumerate(fields):
        if isinstance(f, models.DateTimeField):
            convert.append((n, ops.adapt_datetimefield_value))
        elif isinstance(f, models.BinaryField):
            convert.append((n, lambda value: None if value is None else connection.Database.Binary(value)))
        elif isinstance(f, models.JSONField):
            convert.append((n, lambda value, encoder=f.encoder: ops.adapt_json_value(value, encoder)))
    qn = ops.quote_name
    returning, _params = ops.return_insert_columns([meta.pk])
    head = f"INSERT INTO {qn(meta.db_table)} ({', '.join(qn(f.column) for f in fields)}) VALUES "
    row_sql = f"({', '.join(['%s'] * len(fields))})"
    size = max(1, min(ops.bulk_batch_size(fields, objs), 1000))  # PostgreSQL binds at most 65,535 values a statement
    with connection.cursor() as cursor:
        for start in range(0, len(objs), size):
            chunk = objs[start:start + size]
            params = []
            for obj in chunk:
                values = [getattr(obj, name) for name in attnames]
                for n, adapt in convert:
                    values[n] = adapt(values[n])
                params += values
            cursor.execute(f"{head}{', '.join([row_sql] * len(chunk))} {returning}", params)
            rows = cursor.fetchall()
            if len(rows) != len(chunk):  # never expected: the ids would not be known
                raise IntegrityError(f"INSERT returned {len(rows)} ids for {len(chunk)} rows")
            for obj, (pk,) in zip(chunk, rows):
                obj.pk = pk
                obj._state.adding = False
                obj._state.db = connection.alias


def _update_groups(center, made: list[tuple], grown: list[tuple]) -> None:
    """Sizes and times of the groups the batch made (set) and of stored groups its reposts
    joined (added to), (id, members, first, last) each: one statement run per kind
    (executemany) instead of one UPDATE per group."""
    from django.db import connection

    if not made and not grown:
        return
    qn = connection.ops.quote_name
    table = qn(ItemGroup._meta.db_table)
    size, first, last, pk, owner = (qn(ItemGroup._meta.get_field(n).column) for n in ("size", "first_seen", "last_seen", "id",
                                                                                     "center"))
    when = ItemGroup._meta.get_field("first_seen")
    least, greatest = ("MIN", "MAX") if connection.vendor == "sqlite" else ("LEAST", "GREATEST")

    def at(value):
        return when.get_db_prep_save(value, connection)

    with connection.cursor() as cursor:
        if made:
            cursor.executemany(f"UPDATE {table} SET {size} = %s, {first} = %s, {last} = %s WHERE {pk} = %s",
                               [(n, at(a), at(b), group_id) for group_id, n, a, b in made])
        if grown:
            cursor.executemany(
                f"UPDATE {table} SET {size} = {size} + %s, {first} = {least}({first}, %s), {last} = {greatest}({last}, %s) "
                f"WHERE {pk} = %s AND {owner} = %s",
                [(n, at(a), at(b), group_id, center.pk) for group_id, n, a, b in grown])


def _insert_matches(rows: list[tuple]) -> None:
    """Match rows (center, item, topic, terms, snippet), one INSERT statement run for all
    (executemany), a row already there left as it is: five or six matches an item made
    bulk_create's per-value SQL building cost more than the insert."""
    if not rows:
        return
    from django.db import connection
    from django.db.models.constants import OnConflict

    fields = [Match._meta.get_field(name) for name in ("center", "item", "topic", "terms", "snippet")]
    qn = connection.ops.quote_name
    sql = (f"{connection.ops.insert_statement(on_conflict=OnConflict.IGNORE)} {qn(Match._meta.db_table)} "
           f"({', '.join(qn(f.column) for f in fields)}) VALUES ({', '.join(['%s'] * len(fields))}) "
           f"{connection.ops.on_conflict_suffix_sql(fields, OnConflict.IGNORE, None, None) or ''}")
    adapt, encoder = connection.ops.adapt_json_value, fields[3].encoder  # what JSONField.get_db_prep_save does for a list
    with connection.cursor() as cursor:
        cursor.executemany(sql, [(c, i, t, adapt(words, encoder), snippet) for c, i, t, words, snippet in rows])
