"""Steps 2 and 3 of the pipeline: exact duplicates and near-duplicates (reposts, lightly edited
copies).

Exact duplicates are found by the canonical URL's hash and the content hash (normalise.py)
against the center's stored items and within a batch (pipeline.py does the lookups).

Near-duplicates: two fingerprints are implemented and measured on the labelled pairs in
tests/data/monitor_neardup.jsonl (`bench/monitor.py --neardup` prints the comparison):

- MinHash over character shingles, as one-permutation hashing with optimal densification
  (Shrivastava, ICML 2017): each shingle is hashed once (64 bits), the top bits pick one of
  NUM_PERM bins, the low 32 bits are the value, and each bin keeps its smallest value; a bin
  no shingle fell into takes the value of the first filled bin in a fixed pseudo-random order
  of its own, the same for every text, so two texts still agree on a bin with probability
  ≈ their Jaccard similarity. That is one hash per shingle instead of NUM_PERM (the
  k-permutation MinHash it replaced, datasketch's affine32, spent most of the pipeline's
  near-duplicate time on a shingles × 128 product), and `signatures` does a whole batch in
  one numpy pass. Two texts are the same story when the estimated Jaccard similarity of
  their shingle sets reaches JACCARD, or when the smaller one is mostly inside the larger
  (estimated containment reaches CONTAINMENT: a shortened repost).
- SimHash, 64 bits over the same shingles; same story when the Hamming distance is at most
  SIMHASH_K (pigeonhole lookup over SIMHASH_K + 1 bit blocks).

MinHash won (docs/monitor.md, "处理流程", has the figures), so `NearDupIndex` uses it; the
SimHash code stays for the measurement and for anyone who wants to re-run it.

`NearDupIndex` is incremental: `add` a signature under a key, `query` the earlier items a new
text repeats. It is a banded LSH index of its own (datasketch's bands and rows for
LSH_THRESHOLD; each band hashed to one 64-bit integer in numpy when the signature is made,
a dict from band hash to keys), and it evicts by a heap of the entries' times, so neither a
query nor an eviction walks the window. `NearDupIndex.for_center(center)` keeps one index per
center warm in the process, built from the signatures stored on the center's items of the
last WINDOW and brought up to date with the rows other processes stored since (one query per
ingest).

`cli` is `rongmei monitor dedupe FILE`.
"""

from __future__ import annotations

import datetime as dt
import heapq
import json
import struct
import threading
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np
import regex
from datasketch import MinHashLSH

from rongmei.monitor.normalise import content_chars

# --- Parameters (chosen on the labelled set; see bench/monitor.py --neardup) ----------------

SHINGLE = 4  # characters per shingle
NUM_PERM = 128  # MinHash values per signature (bins of the one-permutation hashing)
SEED = 1
LSH_THRESHOLD = 0.3  # candidates from the LSH bands; the decision below is stricter
JACCARD = 0.4  # same story at this estimated Jaccard similarity or above
CONTAINMENT = 0.6  # … or when this share of the smaller text's shingles is in the larger
MIN_SHINGLES = 30  # containment counts only for texts with at least this many shingles
NUMBERS_AGREE = 0.8  # … and this share of the numbers of the one with fewer are in the other
MAX_NUMBERS = 64  # numbers kept per signature
SIMHASH_SHINGLE = 4
SIMHASH_K = 3  # same story at a Hamming distance of at most this many bits
WINDOW = dt.timedelta(days=7)  # how far back a repost is looked for

_PRIME32 = np.uint32(0x01000193)
_PRIME64 = np.uint64(0x100000001B3)
# Stored signatures start with this tag. "M2" was the k-permutation MinHash (datasketch's
# affine32): from_bytes refuses it, so such rows are signed again from their text.
_MINHASH_TAG = b"O1"
# A number with its unit or the character after it: "14日", "8:00", "3.2万", "95598".
# (The regex module: about twice as fast as re on Chinese text. Its \d and \w follow Unicode's
# definitions, which differ from re's only on rare characters.)
_NUMBER = regex.compile(r"\d+(?:[.:：]\d+)?[^\d\W]?")
_FULL32 = np.uint32(0xFFFFFFFF)


# --- Shingles ---------------------------------------------------------------------------------


def shingle_hashes(text: str, size: int | None = None, *, wide: bool = False) -> np.ndarray:
    """The hashes of the text's character shingles (letters, digits and Chinese characters
    only, lower case: normalise.content_chars; SHINGLE characters each unless `size`):
    uint32, or uint64 with `wide`. A text shorter than one shingle is one shingle."""
    size = size or SHINGLE
    chars = content_chars(text)
    codes = np.frombuffer(chars.encode("utf-32-le"), dtype=np.uint32)
    dtype, prime = (np.uint64, _PRIME64) if wide else (np.uint32, _PRIME32)
    codes = codes.astype(dtype)
    if codes.size == 0:
        return codes
    count = max(1, codes.size - size + 1)
    width = min(size, codes.size)
    hashes = codes[:count].copy()
    for offset in range(1, width):
        hashes *= prime
        hashes ^= codes[offset:offset + count]
    return hashes


_ALNUM_BMP: np.ndarray | None = None


def _content_mask(codes: np.ndarray) -> np.ndarray:
    """Which of these code points (of lower-cased text) normalise.content_chars keeps: the
    letters and digits, str.isalnum(), which is what its [\\W_] leaves. A table for the Basic
    Multilingual Plane (made once), str.isalnum() for the few code points above it."""
    global _ALNUM_BMP
    if _ALNUM_BMP is None:
        _ALNUM_BMP = np.fromiter((chr(c).isalnum() for c in range(0x10000)), dtype=bool, count=0x10000)
    keep = _ALNUM_BMP[np.minimum(codes, 0xFFFF)]
    high = codes > 0xFFFF
    if high.any():
        for code in np.unique(codes[high]).tolist():
            keep[codes == code] = chr(code).isalnum()
    return keep


def _fmix64(h: np.ndarray) -> np.ndarray:
    h = h ^ (h >> np.uint64(33))
    h = h * np.uint64(0xFF51AFD7ED558CCD)
    h = h ^ (h >> np.uint64(33))
    h = h * np.uint64(0xC4CEB9FE1A85EC53)
    return h ^ (h >> np.uint64(33))


# --- MinHash ----------------------------------------------------------------------------------

_EMPTY = np.full(NUM_PERM, _FULL32, dtype=np.uint32)


def _donor_order() -> np.ndarray:
    """For each bin, the order in which an empty bin looks for a filled one to copy: a fixed
    pseudo-random permutation of the bins per bin, from fmix64 (not numpy's generators, whose
    streams may change between versions: stored signatures depend on this)."""
    cells = np.arange(NUM_PERM * NUM_PERM, dtype=np.uint64) + np.uint64(SEED) * np.uint64(0x9E3779B97F4A7C15)
    return np.argsort(_fmix64(cells).reshape(NUM_PERM, NUM_PERM), axis=1, kind="stable")


_DONORS = _donor_order()


@dataclass
class Signature:
    """A text's MinHash (NUM_PERM uint32 values: one-permutation hashing, densified), the
    number of distinct shingles it was made from (for the containment estimate), and the
    hashes of the numbers in it (dates, times, counts: a repost keeps them, the next notice
    written from the same template does not)."""

    values: np.ndarray
    size: int
    numbers: frozenset = frozenset()
    _bands: tuple | None = field(default=None, repr=False, compare=False)

    @property
    def bands(self) -> tuple:
        """The LSH band hashes (one int per band), made with the signature or on first use."""
        if self._bands is None:
            self._bands = tuple(_band_hashes(self.values[None, :])[0].tolist())
        return self._bands

    def to_bytes(self) -> bytes:
        numbers = sorted(self.numbers)
        return (_MINHASH_TAG + struct.pack("<IH", self.size, len(numbers)) + self.values.astype("<u4").tobytes()
                + struct.pack(f"<{len(numbers)}I", *numbers))

    @classmethod
    def from_bytes(cls, data) -> Signature | None:
        """None for anything that is not a signature of this kind and size (another method,
        other parameters, the "M2" signatures of before, damaged): the caller computes it
        again from the text."""
        data = bytes(data or b"")
        head = 8 + 4 * NUM_PERM
        if len(data) < head or not data.startswith(_MINHASH_TAG):
            return None
        size, count = struct.unpack_from("<IH", data, 2)
        if len(data) != head + 4 * count:
            return None
        values = np.frombuffer(data, dtype="<u4", count=NUM_PERM, offset=8).astype(np.uint32)
        return cls(values, size, frozenset(struct.unpack_from(f"<{count}I", data, head)))

    def numbers_agree(self, other: Signature) -> float:
        """Share of the numbers of the signature with fewer that the other one has too."""
        fewer, more = sorted((self.numbers, other.numbers), key=len)
        return len(fewer & more) / len(fewer) if fewer else 1.0

    def jaccard(self, other: Signature) -> float:
        return float(np.count_nonzero(self.values == other.values)) / NUM_PERM

    def containment(self, other: Signature, jaccard: float | None = None) -> float:
        """Estimated share of the smaller set inside the larger: |A∩B| / min(|A|, |B|)."""
        j = self.jaccard(other) if jaccard is None else jaccard
        smaller = min(self.size, other.size)
        if smaller < MIN_SHINGLES:
            return 0.0
        return min(1.0, j * (self.size + other.size) / (1 + j) / smaller)


def _numbers(text: str) -> frozenset:
    numbers = frozenset(map(zlib.crc32, map(str.encode, _NUMBER.findall(text)[:MAX_NUMBERS * 4])))  # UTF-8
    if len(numbers) > MAX_NUMBERS:
        numbers = frozenset(sorted(numbers)[:MAX_NUMBERS])
    return numbers


def signature(text: str) -> Signature:
    """The MinHash signature of a text (`signatures` for many: the same, faster)."""
    return signatures([text])[0]


def signatures(texts: Sequence[str]) -> list[Signature]:
    """The signatures of the texts, in order: each the same as signature(text), but numpy
    works over the whole batch at once (the shingles of all texts hashed in one pass, the
    bins filled with one minimum.at, the distinct shingles counted by one row-wise sort)."""
    count = len(texts)
    if not count:
        return []
    lowered = [t.lower() for t in texts]
    # (surrogatepass: a lone surrogate, which JSON allows, is a code point like any other; no content)
    codes = np.frombuffer("".join(lowered).encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    owner = np.repeat(np.arange(count, dtype=np.intp), [len(t) for t in lowered])
    keep = _content_mask(codes)
    codes, owner = codes[keep].astype(np.uint64), owner[keep]
    chars = np.bincount(owner, minlength=count)  # content characters per text

    # Every SHINGLE-character window of the concatenation, kept where it lies in one text.
    hashes, text_of = _window_hashes(codes, owner)
    short = np.nonzero((chars > 0) & (chars < SHINGLE))[0]
    if short.size:  # a text shorter than one shingle is one shingle (as in shingle_hashes)
        starts = np.concatenate(([0], np.cumsum(chars)))
        extra = []
        for t in short.tolist():
            first, *rest = codes[starts[t]:starts[t + 1]].tolist()
            for code in rest:
                first = ((first * int(_PRIME64)) & 0xFFFFFFFFFFFFFFFF) ^ code
            extra.append(first)
        hashes = np.concatenate((hashes, np.array(extra, dtype=np.uint64)))
        text_of = np.concatenate((text_of, short))
        order = np.argsort(text_of, kind="stable")
        hashes, text_of = hashes[order], text_of[order]
    mixed = _fmix64(hashes)

    # One permutation: the top 32 bits pick the bin, the low 32 bits are the value.
    bins = ((mixed >> np.uint64(32)) * np.uint64(NUM_PERM)) >> np.uint64(32)
    cell = text_of * NUM_PERM + bins.astype(np.intp)
    low = (mixed & np.uint64(0xFFFFFFFF)).astype(np.uint32)
    values = np.full(count * NUM_PERM, _FULL32, dtype=np.uint32)
    np.minimum.at(values, cell, low)
    filled = np.zeros(count * NUM_PERM, dtype=bool)
    filled[cell] = True
    values, filled = values.reshape(count, NUM_PERM), filled.reshape(count, NUM_PERM)
    sizes = _distinct_counts(low, text_of, count)
    _densify(values, filled, sizes > 0)
    values[sizes == 0] = _EMPTY
    bands = _band_hashes(values).tolist()
    return [Signature(values[t], int(sizes[t]), _numbers(text), tuple(bands[t]) if sizes[t] else None)
            for t, text in enumerate(texts)]


def _window_hashes(codes: np.ndarray, owner: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The rolling hash of each SHINGLE-character window of the concatenated code points
    (uint64, as shingle_hashes(wide=True)) that lies within one text, and that text."""
    total = codes.size - SHINGLE + 1
    if total <= 0:
        return np.empty(0, dtype=np.uint64), np.empty(0, dtype=np.intp)
    hashes = codes[:total].copy()
    for offset in range(1, SHINGLE):
        hashes *= _PRIME64
        hashes ^= codes[offset:offset + total]
    inside = owner[:total] == owner[SHINGLE - 1:]
    return hashes[inside], owner[:total][inside]


def _distinct_counts(low: np.ndarray, text_of: np.ndarray, count: int) -> np.ndarray:
    """Distinct shingles per text (text_of ascending), counted as distinct 32-bit values (two
    shingles of one text colliding in 32 bits, or one hashing to the padding value, is rare
    enough not to matter for the containment estimate): the texts' values padded into rows
    and sorted row-wise, which numpy does several times faster than one sort of the batch.
    Very long texts are sorted alone (no row padded to their length)."""
    if count == 1:  # one text (signature()): no rows to pad
        part = np.sort(low)
        return np.array([int(np.count_nonzero(part[1:] != part[:-1])) + 1 if part.size else 0])
    per_text = np.bincount(text_of, minlength=count)
    sizes = np.zeros(count, dtype=np.int64)
    starts = np.concatenate(([0], np.cumsum(per_text)))
    ordinary = (per_text > 0) & (per_text <= 4096)
    rows = np.nonzero(ordinary)[0]
    if rows.size:
        width = int(per_text[rows].max())
        row_of = np.full(count, -1, dtype=np.intp)
        row_of[rows] = np.arange(rows.size)
        cells = np.arange(low.size) + (row_of * width - starts[:-1])[text_of]  # row · width + position
        matrix = np.full(rows.size * width, _FULL32, dtype=np.uint32)
        if rows.size == np.count_nonzero(per_text):
            matrix[cells] = low
        else:
            take = ordinary[text_of]
            matrix[cells[take]] = low[take]
        matrix = matrix.reshape(rows.size, width)
        matrix.sort(axis=1)
        changes = np.count_nonzero(matrix[:, 1:] != matrix[:, :-1], axis=1) if width > 1 else 0
        sizes[rows] = changes + 1 - (per_text[rows] < width)
    for t in np.nonzero(per_text > 4096)[0].tolist():
        part = np.sort(low[starts[t]:starts[t + 1]])
        sizes[t] = int(np.count_nonzero(part[1:] != part[:-1])) + 1
    return sizes


def _densify(values: np.ndarray, filled: np.ndarray, nonempty: np.ndarray) -> None:
    """Optimal densification, in place: each empty bin of a text with shingles takes the value
    of the first filled bin in its donor order."""
    texts, bins = np.nonzero(~filled & nonempty[:, None])
    if not texts.size:
        return
    donors = _DONORS[bins]  # (empty bins, NUM_PERM)
    first = filled[texts[:, None], donors].argmax(axis=1)
    values[texts, bins] = values[texts, donors[np.arange(bins.size), first]]


def similar(a: Signature, b: Signature) -> tuple[bool, float]:
    """(same story?, similarity shown to people: the larger of Jaccard and containment)."""
    if a.size == 0 or b.size == 0:
        return False, 0.0
    j = a.jaccard(b)
    c = a.containment(b, j)
    same = (j >= JACCARD or c >= CONTAINMENT) and a.numbers_agree(b) >= NUMBERS_AGREE
    return same, max(j, c)


# --- SimHash (measured against MinHash; not used by the index) --------------------------------


def simhash(text: str, size: int | None = None) -> int:
    """A 64-bit SimHash over character shingles, each shingle weighted by its count."""
    hashes = shingle_hashes(text, size or SIMHASH_SHINGLE, wide=True)
    if hashes.size == 0:
        return 0
    bits = np.unpackbits(_fmix64(hashes).view(np.uint8)).reshape(-1, 64)
    ones = bits.sum(axis=0, dtype=np.int64)
    packed = np.packbits((ones * 2 > hashes.size).astype(np.uint8))
    return int.from_bytes(packed.tobytes(), "big")


def hamming(a: int, b: int) -> int:
    return (a ^ b).bit_count()


class SimHashIndex:
    """SimHash fingerprints, looked up by the pigeonhole principle: at most k differing bits
    leave one of k + 1 blocks identical."""

    def __init__(self, k: int = SIMHASH_K):
        self.k = k
        self.blocks = k + 1
        width = 64 // self.blocks
        self.spans = [(i * width, 64 if i == self.blocks - 1 else (i + 1) * width) for i in range(self.blocks)]
        self.tables: list[dict[int, list]] = [{} for _ in self.spans]
        self.prints: dict = {}

    def _parts(self, fingerprint: int):
        for n, (lo, hi) in enumerate(self.spans):
            yield n, (fingerprint >> lo) & ((1 << (hi - lo)) - 1)

    def add(self, key, fingerprint: int) -> None:
        self.prints[key] = fingerprint
        for n, part in self._parts(fingerprint):
            self.tables[n].setdefault(part, []).append(key)

    def query(self, fingerprint: int) -> list[tuple[object, int]]:
        seen = {}
        for n, part in self._parts(fingerprint):
            for key in self.tables[n].get(part, ()):
                if key not in seen:
                    distance = hamming(fingerprint, self.prints[key])
                    if distance <= self.k:
                        seen[key] = distance
        return sorted(seen.items(), key=lambda kv: kv[1])


# --- The index --------------------------------------------------------------------------------


_PARAMS: dict = {}
_BAND_KEYS: dict = {}


def _lsh_params(threshold: float) -> tuple[int, int]:
    """datasketch's (bands, rows) for the threshold, computed once (it integrates, ~0.1 s)."""
    if threshold not in _PARAMS:
        lsh = MinHashLSH(threshold=threshold, num_perm=NUM_PERM)
        _PARAMS[threshold] = (lsh.b, lsh.r)
    return _PARAMS[threshold]


def _band_hashes(values: np.ndarray) -> np.ndarray:
    """(signatures, bands) uint64: each band's rows combined as Σ value·m + c (mod 2⁶⁴) with
    odd multipliers m and offsets c of their own per band and row. Two different bands
    seldom hash alike (about 2⁻³² per pair); when they do, it costs one more candidate to
    check, never a wrong answer."""
    bands, rows = _lsh_params(LSH_THRESHOLD)
    if (bands, rows) not in _BAND_KEYS:
        seeds = _fmix64(np.arange(bands * (rows + 1), dtype=np.uint64) + np.uint64(0x5851F42D4C957F2D))
        _BAND_KEYS[bands, rows] = (seeds[:bands * rows].reshape(bands, rows) | np.uint64(1), seeds[bands * rows:])
    multipliers, offsets = _BAND_KEYS[bands, rows]
    rows_of = values[:, :bands * rows].reshape(values.shape[0], bands, rows).astype(np.uint64)
    return (rows_of * multipliers).sum(axis=2, dtype=np.uint64) + offsets


@dataclass
class Entry:
    signature: Signature
    group: object = None  # the ItemGroup id (or, in the CLI, the group's first id)
    content_hash: str = ""
    seen_at: dt.datetime | None = None
    added: int = 0  # when it was added (a counter): tells its eviction record from older ones


class NearDupIndex:
    """Signatures of recent items, keyed (an Item pk, or anything hashable for items not yet
    saved). `query` returns [(key, similarity)] of the indexed texts the new one repeats,
    most similar first (ties: the earlier added first).

    The band buckets hold each entry's number (Entry.added), not its key, and a bare int
    while a bucket has one entry (most do): no list per band and entry for the garbage
    collector to walk, and `rename` moves an entry to another key without touching them."""

    def __init__(self):
        self.buckets: dict[int, int | list[int]] = {}  # band hash → entry number(s)
        self.entries: dict = {}
        self._keys: dict[int, object] = {}  # entry number → key
        self._expiry: list = []  # heap of (seen_at, added, key); records of removed entries stay until popped
        self._added = 0
        self.high_water = 0  # largest Item pk loaded from the database
        self.center_id = None
        self.lock = threading.RLock()

    def __len__(self) -> int:
        return len(self.entries)

    def __contains__(self, key) -> bool:
        return key in self.entries

    def add(self, key, sig: Signature, *, group=None, content_hash: str = "", seen_at=None) -> None:
        if key in self.entries:
            self.remove(key)
        self._added += 1
        number = self._added
        self.entries[key] = Entry(sig, group, content_hash, seen_at, number)
        self._keys[number] = key
        self._expire_at(key, seen_at, number)
        if sig.size:
            buckets = self.buckets
            for band in sig.bands:
                held = buckets.get(band)
                if held is None:
                    buckets[band] = number
                elif held.__class__ is int:
                    buckets[band] = [held, number]
                else:
                    held.append(number)

    def rename(self, key, new_key, *, group=None, content_hash: str = "", seen_at=None) -> bool:
        """The entry under `key` under `new_key` instead, with these details (a batch item
        once it is saved): the same as remove(key) and add(new_key, its signature, …), with
        no band touched. False (and nothing done) when there is no entry under `key`."""
        entry = self.entries.pop(key, None)
        if entry is None:
            return False
        if new_key in self.entries:
            self.remove(new_key)
        entry.group, entry.content_hash, entry.seen_at = group, content_hash, seen_at
        self.entries[new_key] = entry
        self._keys[entry.added] = new_key
        self._expire_at(new_key, seen_at, entry.added)
        return True

    def _expire_at(self, key, seen_at, number: int) -> None:
        if seen_at is None:
            return
        if len(self._expiry) > 2 * len(self.entries) + 1024:  # mostly records of removed entries
            self._expiry = [(e.seen_at, e.added, k) for k, e in self.entries.items() if e.seen_at is not None]
            heapq.heapify(self._expiry)
        else:
            heapq.heappush(self._expiry, (seen_at, number, key))

    def remove(self, key) -> None:
        entry = self.entries.pop(key, None)
        if entry is None:
            return
        number = entry.added
        del self._keys[number]
        if entry.signature.size:
            buckets = self.buckets
            for band in entry.signature.bands:
                held = buckets.get(band)
                if held is None:
                    continue
                if held.__class__ is int:
                    if held == number:
                        del buckets[band]
                elif number in held:
                    held.remove(number)
                    if len(held) == 1:
                        buckets[band] = held[0]

    def query(self, sig: Signature) -> list[tuple[object, float]]:
        if not sig.size:
            return []
        candidates: set = set()
        get = self.buckets.get
        for band in sig.bands:
            held = get(band)
            if held is not None:
                if held.__class__ is int:
                    candidates.add(held)
                else:
                    candidates.update(held)
        if not candidates:
            return []
        found = []
        keys, entries = self._keys, self.entries
        for number in sorted(candidates):
            key = keys[number]
            same, score = similar(sig, entries[key].signature)
            if same:
                found.append((key, score))
        found.sort(key=lambda kv: -kv[1])  # stable: ties stay in the order they were added
        return found

    def evict_before(self, when: dt.datetime) -> int:
        """Remove the entries seen before `when` (the oldest first, by the heap: the entries
        of the window that stay are not looked at)."""
        expiry, entries = self._expiry, self.entries
        removed = 0
        while expiry and expiry[0][0] < when:
            _seen, added, key = heapq.heappop(expiry)
            entry = entries.get(key)
            if entry is not None and entry.added == added:
                self.remove(key)
                removed += 1
        return removed

    # -- one warm index per center and process --

    _warm: ClassVar[dict] = {}
    _warm_lock: ClassVar[threading.Lock] = threading.Lock()

    @classmethod
    def for_center(cls, center, *, now: dt.datetime | None = None) -> NearDupIndex:
        """The center's index, warm in this process, with what other processes stored since
        the last call added and what fell out of the window removed."""
        from django.utils import timezone

        now = now or timezone.now()
        with cls._warm_lock:
            index = cls._warm.get(center.pk)
            if index is None:
                index = cls._warm[center.pk] = cls()
                index.center_id = center.pk
        with index.lock:
            index.catch_up(center, now)
        return index

    @classmethod
    def forget(cls, center=None) -> None:
        """Drop the warm index of a center (or of all): the next call rebuilds it."""
        with cls._warm_lock:
            if center is None:
                cls._warm.clear()
            else:
                cls._warm.pop(center.pk, None)

    def catch_up(self, center, now: dt.datetime) -> None:
        """Load the items stored since the high-water mark (by any process), evict the ones
        older than WINDOW."""
        from rongmei.monitor.models import Item

        since = now - WINDOW
        rows = (Item.objects.filter(center=center, pk__gt=self.high_water, fetched_at__gte=since)
                .order_by("pk").values_list("pk", "group_id", "content_hash", "fetched_at", "signature"))
        missing = {}
        for pk, group_id, chash, fetched_at, stored in rows.iterator(chunk_size=2000):
            sig = Signature.from_bytes(stored) if stored else None
            if sig is None:  # stored before signatures, or by other parameters or method: from the text
                missing[pk] = (group_id, chash, fetched_at)
            else:
                self.add(pk, sig, group=group_id, content_hash=chash, seen_at=fetched_at)
            self.high_water = max(self.high_water, pk)
        if missing:
            texts = Item.objects.filter(pk__in=list(missing)).values_list("pk", "title", "text")
            chunk: list = []
            for row in texts.iterator(chunk_size=500):
                chunk.append(row)
                if len(chunk) == 500:
                    self._add_texts(chunk, missing)
                    chunk = []
            self._add_texts(chunk, missing)
        self.evict_before(since)

    def _add_texts(self, rows, missing) -> None:
        for (pk, _title, _text), sig in zip(rows, signatures([f"{title}\n{text}" for _pk, title, text in rows])):
            group_id, chash, fetched_at = missing[pk]
            self.add(pk, sig, group=group_id, content_hash=chash, seen_at=fetched_at)

    def verify(self, center, keys) -> dict:
        """{pk: group id} of the stored keys that are still what the index says they are
        (same pk, same content hash, in this center). A key missing from the answer is stale
        (a rolled-back ingest, a deleted item): the caller drops it and rebuilds."""
        from rongmei.monitor.models import Item

        pks = [k for k in keys if isinstance(k, int)]
        if not pks:
            return {}
        rows = Item.objects.filter(center=center, pk__in=pks).values_list("pk", "content_hash", "group_id")
        return {pk: group for pk, chash, group in rows if self.entries.get(pk) and self.entries[pk].content_hash == chash}


# --- rongmei monitor dedupe FILE ----------------------------------------------------------------


def group_lines(records):
    """[(id, text)] in order → [(id, group)]: group is the id of the first text of the story."""
    records = list(records)
    index = NearDupIndex()
    out = []
    sigs: list = []
    for n, (ident, text) in enumerate(records):
        if n % 1000 == 0:  # signed a thousand at a time
            sigs = signatures([t for _, t in records[n:n + 1000]])
        sig = sigs[n % 1000]
        found = index.query(sig)
        group = index.entries[found[0][0]].group if found else ident
        index.add(n, sig, group=group)
        out.append((ident, group))
    return out


def cli(options, stdin, stdout, stderr) -> int:
    """Read JSON lines {"id": ..., "text": ...} (a file, or "-" for standard input); write
    {"id": ..., "group": ...} per good line, in input order. A bad line is reported on stderr
    with its number and skipped; the others are still grouped; the exit code is then 2."""
    path = options.get("file") or "-"
    problems = []
    records = []
    stream = stdin if path == "-" else open(path, encoding="utf-8")  # noqa: SIM115
    try:
        for number, line in enumerate(stream, start=1):
            if not line.strip():
                continue
            problem, record = _parse_line(line)
            if problem:
                problems.append(f"第 {number} 行：{problem}")
            else:
                records.append(record)
    except UnicodeDecodeError:
        problems.append("输入不是 UTF-8 编码的文本，已停止读取")
    finally:
        if stream is not stdin:
            stream.close()
    for ident, group in group_lines(records):
        stdout.write(json.dumps({"id": ident, "group": group}, ensure_ascii=False) + "\n")
    for problem in problems:
        stderr.write(problem + "\n")
    if problems:
        stderr.write(f"共 {len(problems)} 行有误，已跳过；其余 {len(records)} 行已输出。\n")
        return 2
    return 0


def _parse_line(line: str):
    try:
        value = json.loads(line)
    except ValueError:
        return "不是有效的 JSON", None
    if not isinstance(value, dict):
        return "应为 JSON 对象，如 {\"id\": 1, \"text\": \"…\"}", None
    if "id" not in value:
        return "缺少 id", None
    ident = value["id"]
    if not isinstance(ident, (str, int)) or isinstance(ident, bool):
        return "id 应为字符串或整数", None
    text = value.get("text")
    if not isinstance(text, str):
        return "缺少 text 或 text 不是字符串", None
    title = value.get("title")
    return None, (ident, f"{title}\n{text}" if isinstance(title, str) and title else text)
