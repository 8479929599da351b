"""dedupe.py: near-duplicates measured on the labelled pairs, the incremental index, the CLI."""

import datetime as dt
import io
import json
import struct
from pathlib import Path

import numpy as np
import pytest
from django.core.management import call_command

from rongmei.monitor import dedupe
from rongmei.monitor.dedupe import (
    NearDupIndex,
    Signature,
    SimHashIndex,
    cli,
    signature,
    signatures,
    simhash,
)
from rongmei.monitor.normalise import content_chars

PAIRS_PATH = Path(__file__).resolve().parents[3] / "tests" / "data" / "monitor_neardup.jsonl"


def load_pairs():
    return [json.loads(line) for line in PAIRS_PATH.read_text(encoding="utf-8").splitlines() if line.strip()]


def metrics(predicted, gold):
    tp = sum(p and g for p, g in zip(predicted, gold))
    fp = sum(p and not g for p, g in zip(predicted, gold))
    fn = sum(g and not p for p, g in zip(predicted, gold))
    return tp / (tp + fp), tp / (tp + fn)


def test_labelled_set_is_what_it_says():
    pairs = load_pairs()
    assert len(pairs) >= 200
    assert sum(p["same"] for p in pairs) >= 100 and sum(not p["same"] for p in pairs) >= 100
    assert len({p["subject"] for p in pairs}) >= 20
    for pair in pairs:
        assert 150 <= len(pair["a"]) <= 600 and 150 <= len(pair["b"]) <= 600
        assert pair["a"] != pair["b"]


def test_minhash_index_on_the_labelled_pairs():
    """What the pipeline does: index one text, ask for the other. Measured: precision 1.000,
    recall 0.946 (docs/monitor.md); the bars sit just below."""
    pairs = load_pairs()
    predicted = []
    for pair in pairs:
        index = NearDupIndex()
        index.add("a", signature(pair["a"]))
        predicted.append(bool(index.query(signature(pair["b"]))))
    precision, recall = metrics(predicted, [p["same"] for p in pairs])
    assert precision >= 0.98, precision
    assert recall >= 0.93, recall


def test_simhash_at_an_indexable_distance_misses_most_reposts():
    """Why MinHash: SimHash at k = 3 (four 16-bit blocks, a cheap lookup) finds few of the
    edited reposts; it needs k ≈ 18 to reach MinHash's recall, where no block lookup helps."""
    pairs = load_pairs()
    predicted = []
    for pair in pairs:
        index = SimHashIndex(k=dedupe.SIMHASH_K)
        index.add("a", simhash(pair["a"]))
        predicted.append(bool(index.query(simhash(pair["b"]))))
    _precision, recall = metrics(predicted, [p["same"] for p in pairs])
    assert recall < 0.5


STORY = ("6月12日凌晨，示例县遭遇今年入汛以来最强降雨，城关镇解放路与人民路交叉口出现大面积积水，最深处没过车轮。"
         "记者早上7点赶到现场看到，县城管局和消防救援大队已调来两台移动泵车排水，交警在路口两侧设置了绕行提示。"
         "附近商户王先生说，这个路口每逢大雨就积水。县城管局表示，解放路雨水管网改造已列入今年计划。")
REPOST = "示例日报讯（记者 张敏）" + STORY.replace("记者早上7点", "早上7点") + "来源：示例新闻网 编辑：刘洋"
OTHER = ("7月3日下午，一场短时雷阵雨袭击示例县城区，滨江街道望江社区幸福南路下穿通道积水近1米，一辆出租车被困。"
         "滨江街道应急队员和民警接警后赶到，用绳索把司机安全转移。县住建局调来抽水设备连续作业。")
NEXT_NOTICE = STORY.replace("6月12日", "8月3日").replace("7点", "6点")


def test_signature_round_trip_and_bad_bytes():
    sig = signature(STORY)
    back = Signature.from_bytes(sig.to_bytes())
    assert back is not None and (back.values == sig.values).all() and back.size == sig.size
    assert back.numbers == sig.numbers and back.jaccard(sig) == 1.0
    assert Signature.from_bytes(b"") is None
    assert Signature.from_bytes(b"M1" + bytes(600)) is None  # another version
    assert Signature.from_bytes(sig.to_bytes()[:-3]) is None  # damaged
    assert signature("").size == 0 and dedupe.similar(signature(""), signature("")) == (False, 0.0)


ODD_TEXTS = ["", "，。！ ……", "\ud800", "a\udfffb", "a", "ab", "Ab3", "abcd", "x！y", "ΑΣ ΑΣΑ İstanbul", "𠀀𠀁𠀂𠀃 😀 𐐀𐐁",
             "Hello World 2026年6月1日 8:00", "好" * 10, "第1条" * 700]


def test_batch_signatures_are_the_one_by_one_signatures():
    texts = ODD_TEXTS + [STORY, REPOST, OTHER, NEXT_NOTICE] + ODD_TEXTS[::-1] + ["长文" * 5000]
    batch = signatures(texts)
    assert signatures([]) == []
    for text, sig in zip(texts, batch, strict=True):
        one = signature(text)
        assert (one.values == sig.values).all() and one.size == sig.size and one.numbers == sig.numbers, text[:20]
        assert one.bands == sig.bands and one.to_bytes() == sig.to_bytes()
        back = Signature.from_bytes(sig.to_bytes())
        if sig.size:  # bands made again from the stored values are the same
            assert back.bands == sig.bands


def one_permutation_by_hand(text):
    """What signature() computes, written out slowly: one 64-bit hash per distinct shingle,
    the bin from its top bits, each bin's smallest low 32 bits, empty bins densified."""
    hashes = dedupe._fmix64(np.unique(dedupe.shingle_hashes(text, wide=True))).tolist()
    values = [None] * dedupe.NUM_PERM
    for h in hashes:
        b, v = ((h >> 32) * dedupe.NUM_PERM) >> 32, h & 0xFFFFFFFF
        values[b] = v if values[b] is None else min(values[b], v)
    out = [next(values[d] for d in dedupe._DONORS[b] if values[d] is not None) if values[b] is None else values[b]
           for b in range(dedupe.NUM_PERM)] if hashes else [0xFFFFFFFF] * dedupe.NUM_PERM
    return out, len(hashes)


def test_signature_is_one_permutation_hashing_of_the_content_shingles():
    for text in ODD_TEXTS + [STORY, REPOST]:
        sig = signature(text)
        values, size = one_permutation_by_hand(text)
        assert sig.values.tolist() == values and sig.size == size, text[:20]
    assert signature("，" + STORY.upper() + "！").values.tolist() == signature(STORY.lower()).values.tolist()


def test_content_mask_keeps_what_content_chars_keeps():
    every = "".join(map(chr, range(0xD800))) + "".join(map(chr, range(0xE000, 0x10000))) + "𠀀😀𐐀\U000e0100"
    codes = np.frombuffer(every.lower().encode("utf-32-le"), dtype=np.uint32)
    kept = codes[dedupe._content_mask(codes)]
    assert kept.tobytes().decode("utf-32-le") == content_chars(every)


def test_old_signatures_are_refused():
    """The k-permutation signatures stored before ("M2") are not read as today's: the index
    signs those items again from their text."""
    old = b"M2" + struct.pack("<IH", 120, 1) + bytes(4 * dedupe.NUM_PERM) + struct.pack("<I", 7)
    assert Signature.from_bytes(old) is None
    assert Signature.from_bytes(signature(STORY).to_bytes()) is not None


def test_index_add_query_remove_evict():
    index = NearDupIndex()
    now = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)
    index.add(1, signature(STORY), group=10, seen_at=now - dt.timedelta(days=8))
    index.add(2, signature(OTHER), group=20, seen_at=now)
    found = index.query(signature(REPOST))
    assert [key for key, _ in found] == [1] and found[0][1] > 0.6
    assert index.query(signature(NEXT_NOTICE)) == []  # same words, other date and time: not a repost
    assert index.query(signature("完全无关的一段文字，讲的是秋收和稻谷。" * 5)) == []
    assert index.evict_before(now - dt.timedelta(days=7)) == 1
    assert 1 not in index and len(index) == 1
    assert index.query(signature(REPOST)) == []
    index.remove(2)
    index.remove(2)  # twice is fine
    assert len(index) == 0


def test_index_rename_and_eviction_keep_the_buckets_tidy():
    index = NearDupIndex()
    now = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)
    index.add(("batch", 1, 0), signature(STORY))
    assert index.rename(("batch", 1, 0), 11, group=5, content_hash="h", seen_at=now)
    assert ("batch", 1, 0) not in index and index.entries[11].group == 5
    assert not index.rename(("batch", 1, 0), 13)  # nothing under that key (any more)
    assert [key for key, _ in index.query(signature(REPOST))] == [11]
    index.add(12, signature(STORY), seen_at=now + dt.timedelta(hours=1))  # a copy: both found, earlier first on a tie
    assert [key for key, _ in index.query(signature(STORY))] == [11, 12]
    index.add(11, signature(OTHER), seen_at=now + dt.timedelta(hours=2))  # the same key again: the old entry goes
    assert [key for key, _ in index.query(signature(STORY))] == [12]
    assert index.evict_before(now + dt.timedelta(minutes=90)) == 1  # 12; 11's first record is stale
    assert list(index.entries) == [11]
    assert index.evict_before(now + dt.timedelta(days=1)) == 1
    assert len(index) == 0 and index.buckets == {} and index._keys == {}


def test_index_work_does_not_grow_with_the_window():
    """An hour's items in, the oldest hour out, many times: the index holds the window, the
    eviction heap does not keep the records of everything ever added."""
    index = NearDupIndex()
    start = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)
    texts = [f"{STORY}第{n}号通报，{n * 7}户" for n in range(50)]
    sigs = signatures(texts)
    for hour in range(40):
        now = start + dt.timedelta(hours=hour)
        index.evict_before(now - dt.timedelta(hours=5))
        for n, sig in enumerate(sigs):
            index.add(("batch", hour, n), sig)
        for n in range(len(sigs)):
            index.rename(("batch", hour, n), hour * 100 + n, seen_at=now)
    assert len(index) == 6 * len(sigs)  # the five hours before the last, and the last
    assert len(index._expiry) <= 2 * len(index) + 1024
    assert len(index._keys) == len(index)


def run_cli(lines, path="-", tmp_path=None):
    out, err = io.StringIO(), io.StringIO()
    stdin = io.StringIO("".join(lines))
    if tmp_path is not None:
        file = tmp_path / "in.jsonl"
        file.write_text("".join(lines), encoding="utf-8")
        path = str(file)
    code = cli({"file": path}, stdin, out, err)
    return code, [json.loads(line) for line in out.getvalue().splitlines()], err.getvalue()


def test_cli_groups_reposts_in_input_order(tmp_path):
    lines = [json.dumps(x, ensure_ascii=False) + "\n" for x in (
        {"id": "a", "text": STORY}, {"id": 7, "text": OTHER}, {"id": "c", "text": REPOST}, {"id": "d", "text": NEXT_NOTICE},
        {"id": "e", "text": STORY},
    )]
    for kwargs in ({}, {"tmp_path": tmp_path}):
        code, rows, err = run_cli(lines, **kwargs)
        assert code == 0 and err == ""
        assert rows == [{"id": "a", "group": "a"}, {"id": 7, "group": 7}, {"id": "c", "group": "a"},
                        {"id": "d", "group": "d"}, {"id": "e", "group": "a"}]


def test_cli_reports_bad_lines_and_goes_on():
    lines = [
        json.dumps({"id": 1, "text": STORY}, ensure_ascii=False) + "\n",
        "{not json\n",
        "\n",
        json.dumps([1, 2]) + "\n",
        json.dumps({"text": "没有编号"}, ensure_ascii=False) + "\n",
        json.dumps({"id": 5, "text": 12}) + "\n",
        json.dumps({"id": True, "text": "布尔编号"}, ensure_ascii=False) + "\n",
        json.dumps({"id": 8, "text": REPOST}, ensure_ascii=False) + "\n",
    ]
    code, rows, err = run_cli(lines)
    assert code == 2
    assert rows == [{"id": 1, "group": 1}, {"id": 8, "group": 1}]
    assert "第 2 行：不是有效的 JSON" in err
    assert "第 4 行：应为 JSON 对象" in err
    assert "第 5 行：缺少 id" in err
    assert "第 6 行：缺少 text" in err
    assert "第 7 行：id 应为字符串或整数" in err
    assert "共 5 行有误" in err
    assert "第 3 行" not in err  # a blank line is no error


def test_management_command(tmp_path, capsys):
    file = tmp_path / "items.jsonl"
    file.write_text("\n".join(json.dumps({"id": i, "text": t}, ensure_ascii=False)
                              for i, t in ((1, STORY), (2, REPOST), (3, OTHER))) + "\n", encoding="utf-8")
    out = io.StringIO()
    call_command("monitor", "dedupe", str(file), stdout=out)
    assert [json.loads(line)["group"] for line in out.getvalue().splitlines()] == [1, 1, 3]
    file.write_text('{"id": 1, "text": "好"}\nbroken\n', encoding="utf-8")
    err = io.StringIO()
    with pytest.raises(SystemExit) as exit_info:
        call_command("monitor", "dedupe", str(file), stdout=io.StringIO(), stderr=err)
    assert exit_info.value.code == 2 and "第 2 行" in err.getvalue()


@pytest.mark.django_db
def test_index_for_a_center_from_stored_items(demo):
    """Rebuilt from the stored signatures (or the text where there is none), topped up with
    rows stored since, stale entries found by verify."""
    from django.utils import timezone

    from rongmei.monitor.models import Item, ItemGroup, Source

    center = demo["demo"]
    source = Source.objects.create(center=center, name="索引测试源", kind=Source.Kind.RSS)
    now = timezone.now()
    group = ItemGroup.objects.create(center=center, title="解放路积水")
    stored = Item.objects.create(center=center, source=source, title="解放路积水", text=STORY, content_hash="h1",
                                 published_at=now, fetched_at=now, group=group, signature=signature(STORY).to_bytes())
    unsigned = Item.objects.create(center=center, source=source, title="晚稻", text=OTHER, content_hash="h2",
                                   published_at=now, fetched_at=now)
    NearDupIndex.forget(center)
    index = NearDupIndex.for_center(center, now=now)
    assert stored.pk in index and unsigned.pk in index
    assert index.query(signature(REPOST))[0][0] == stored.pk
    assert index.verify(center, [stored.pk, unsigned.pk]) == {stored.pk: group.pk, unsigned.pk: None}
    later = Item.objects.create(center=center, source=source, title="别的", text=NEXT_NOTICE, content_hash="h3",
                                published_at=now, fetched_at=now)
    assert later.pk not in index
    assert later.pk in NearDupIndex.for_center(center, now=now)  # the same warm index, topped up
    index.entries[stored.pk].content_hash = "changed"  # as if the row were another item now
    assert stored.pk not in index.verify(center, [stored.pk])
    assert NearDupIndex.for_center(center, now=now + dedupe.WINDOW + dt.timedelta(minutes=1)).entries == {}
    NearDupIndex.forget(center)
