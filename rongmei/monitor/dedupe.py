"""Steps 2 and 3 of the pipeline: exact duplicates and near-duplicates (reposts, lightly edited
copies).

Exact duplicates are found by the canonical URL's hash and the content hash (normalise.py)
against the center's stored items and within a batch (pipeline.py does the lookups).

Near-duplicates: two fingerprints are implemented and measured on the labelled pairs in
tests/data/monitor_neardup.jsonl (`bench/monitor.py --neardup` prints the comparison):

- MinHash over character shingles (datasketch's "affine32" permutations, LSH index from
  datasketch). The shingles are hashed with numpy in one pass per text instead of one
  Python call per shingle, so a 1,000-character text takes a fraction of a millisecond.
  Two texts are the same story when the estimated Jaccard similarity of their shingle sets
  reaches JACCARD, or when the smaller one is mostly inside the larger (estimated
  containment reaches CONTAINMENT: a shortened repost).
- SimHash, 64 bits over the same shingles; same story when the Hamming distance is at most
  SIMHASH_K (pigeonhole lookup over SIMHASH_K + 1 bit blocks).

MinHash won (docs/monitor.md, "处理流程", has the figures), so `NearDupIndex` uses it; the
SimHash code stays for the measurement and for anyone who wants to re-run it.

`NearDupIndex` is incremental: `add` a signature under a key, `query` the earlier items a new
text repeats. `NearDupIndex.for_center(center)` keeps one index per center warm in the
process, built from the signatures stored on the center's items of the last WINDOW and
brought up to date with the rows other processes stored since (one query per ingest).

`cli` is `rongmei monitor dedupe FILE`.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import struct
import threading
import zlib
from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np
from datasketch import LeanMinHash, MinHash, MinHashLSH

from rongmei.monitor.normalise import content_chars

# --- Parameters (chosen on the labelled set; see bench/monitor.py --neardup) ----------------

SHINGLE = 4  # characters per shingle
NUM_PERM = 128  # MinHash permutations
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
_MINHASH_TAG = b"M2"
# A number with its unit or the character after it: "14日", "8:00", "3.2万", "95598".
_NUMBER = re.compile(r"\d+(?:[.:：]\d+)?[^\d\W]?")


# --- Shingles ---------------------------------------------------------------------------------


def shingle_hashes(text: str, size: int | None = None, *, wide: bool = False) -> np.ndarray:
    """The hashes of the text's character shingles (letters, digits and Chinese characters
    only; SHINGLE characters each unless `size`): uint32, or uint64 with `wide`. A text
    shorter than one shingle is one shingle."""
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


def _fmix32(h: np.ndarray) -> np.ndarray:
    h = h ^ (h >> np.uint32(16))
    h = h * np.uint32(0x85EBCA6B)
    h = h ^ (h >> np.uint32(13))
    h = h * np.uint32(0xC2B2AE35)
    return h ^ (h >> np.uint32(16))


def _fmix64(h: np.ndarray) -> np.ndarray:
    h = h ^ (h >> np.uint64(33))
    h = h * np.uint64(0xFF51AFD7ED558CCD)
    h = h ^ (h >> np.uint64(33))
    h = h * np.uint64(0xC4CEB9FE1A85EC53)
    return h ^ (h >> np.uint64(33))


# --- MinHash ----------------------------------------------------------------------------------

_TEMPLATE = MinHash(num_perm=NUM_PERM, seed=SEED, scheme="affine32")
_A, _B = (np.asarray(p, dtype=np.uint32) for p in _TEMPLATE.permutations)
_EMPTY = np.full(NUM_PERM, np.uint32(0xFFFFFFFF), dtype=np.uint32)


@dataclass
class Signature:
    """A text's MinHash (NUM_PERM uint32 values, datasketch's affine32 scheme), the number
    of distinct shingles it was made from (for the containment estimate), and the hashes of
    the numbers in it (dates, times, counts: a repost keeps them, the next notice written
    from the same template does not)."""

    values: np.ndarray
    size: int
    numbers: frozenset = frozenset()
    _lean: LeanMinHash | None = field(default=None, repr=False, compare=False)

    @property
    def minhash(self) -> LeanMinHash:
        if self._lean is None:
            self._lean = LeanMinHash(seed=SEED, hashvalues=self.values, scheme="affine32")
        return self._lean

    def to_bytes(self) -> bytes:
        numbers = sorted(self.numbers)
        return (_MINHASH_TAG + struct.pack("<IH", self.size, len(numbers)) + self.values.astype("<u4").tobytes()
                + struct.pack(f"<{len(numbers)}I", *numbers))

    @classmethod
    def from_bytes(cls, data) -> Signature | None:
        """None for anything that is not a signature of this kind and size (another method,
        other parameters, damaged): the caller computes it again from the text."""
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


def signature(text: str) -> Signature:
    """The MinHash signature of a text."""
    hashes = shingle_hashes(text)
    numbers = frozenset(zlib.crc32(n.encode("utf-8")) for n in _NUMBER.findall(text)[:MAX_NUMBERS * 4])
    if len(numbers) > MAX_NUMBERS:
        numbers = frozenset(sorted(numbers)[:MAX_NUMBERS])
    if hashes.size == 0:
        return Signature(_EMPTY.copy(), 0, numbers)
    distinct = np.unique(hashes)
    mixed = _fmix32(distinct)
    values = (mixed[:, None] * _A[None, :] + _B[None, :]).min(axis=0)
    return Signature(values.astype(np.uint32), int(distinct.size), numbers)


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


def _lsh_params(threshold: float) -> tuple[int, int]:
    """datasketch's (bands, rows) for the threshold, computed once (it integrates, ~0.1 s)."""
    if threshold not in _PARAMS:
        lsh = MinHashLSH(threshold=threshold, num_perm=NUM_PERM)
        _PARAMS[threshold] = (lsh.b, lsh.r)
    return _PARAMS[threshold]


@dataclass
class Entry:
    signature: Signature
    group: object = None  # the ItemGroup id (or, in the CLI, the group's first id)
    content_hash: str = ""
    seen_at: dt.datetime | None = None


class NearDupIndex:
    """Signatures of recent items, keyed (an Item pk, or anything hashable for items not yet
    saved). `query` returns [(key, similarity)] of the indexed texts the new one repeats,
    most similar first."""

    def __init__(self):
        self.lsh = MinHashLSH(num_perm=NUM_PERM, params=_lsh_params(LSH_THRESHOLD))
        self.entries: dict = {}
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
        self.entries[key] = Entry(sig, group, content_hash, seen_at)
        if sig.size:
            self.lsh.insert(key, sig.minhash, check_duplication=False)

    def remove(self, key) -> None:
        entry = self.entries.pop(key, None)
        if entry is not None and entry.signature.size:
            self.lsh.remove(key)

    def query(self, sig: Signature) -> list[tuple[object, float]]:
        if not sig.size:
            return []
        found = []
        for key in self.lsh.query(sig.minhash):
            entry = self.entries.get(key)
            if entry is None:
                continue
            same, score = similar(sig, entry.signature)
            if same:
                found.append((key, score))
        found.sort(key=lambda kv: -kv[1])
        return found

    def evict_before(self, when: dt.datetime) -> int:
        old = [k for k, e in self.entries.items() if e.seen_at is not None and e.seen_at < when]
        for key in old:
            self.remove(key)
        return len(old)

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
            if sig is None:  # stored before signatures, or by other parameters: from the text
                missing[pk] = (group_id, chash, fetched_at)
            else:
                self.add(pk, sig, group=group_id, content_hash=chash, seen_at=fetched_at)
            self.high_water = max(self.high_water, pk)
        if missing:
            texts = Item.objects.filter(pk__in=list(missing)).values_list("pk", "title", "text")
            for pk, title, text in texts.iterator(chunk_size=500):
                group_id, chash, fetched_at = missing[pk]
                self.add(pk, signature(f"{title}\n{text}"), group=group_id, content_hash=chash, seen_at=fetched_at)
        self.evict_before(since)

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
    index = NearDupIndex()
    out = []
    for n, (ident, text) in enumerate(records):
        sig = signature(text)
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
