"""`rongmei backup` and `rongmei restore` on a real installation (its own database — SQLite,
or PostgreSQL when DATABASE_URL names one — its own media folder), run as the operator runs
them: round trip to identical data, damaged archives refused with nothing changed, and
(SQLite) a backup taken while another connection writes is one consistent moment."""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import tarfile
import threading
import time
from pathlib import Path

import pytest

from rongmei.core import backup
from rongmei.testing import s3 as s3_testing
from rongmei.testing.live import Instance

s3_server = s3_testing.s3_server

pytestmark = pytest.mark.slow

STATE = ("import json; from rongmei.core import backup; "
         "print(json.dumps(backup.current_state(), sort_keys=True))")


def media_digest(root: Path) -> dict[str, str]:
    """Every file under root and its sha256, computed here, independently of the code tested."""
    found = {}
    for path in sorted(root.rglob("*")):
        if path.is_file():
            found[path.relative_to(root).as_posix()] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


def read_manifest(archive: Path) -> dict:
    with tarfile.open(archive) as tar:
        return json.load(tar.extractfile("manifest.json"))


def state_of(inst: Instance) -> dict:
    return json.loads(inst.rongmei("shell", "-c", STATE).stdout.strip().splitlines()[-1])


def the_archive(folder: Path) -> Path:
    archives = sorted(folder.glob("rongmei-backup-*.tar"))
    assert len(archives) == 1, archives
    return archives[0]


@pytest.fixture(scope="module")
def installation():
    """A prepared demo installation, with media of every kind beside the demo's own."""
    inst = Instance().prepare(demo=True)
    media = inst.var_dir / "media"
    (media / "uploads" / "2026" / "12").mkdir(parents=True, exist_ok=True)
    (media / "uploads" / "2026" / "12" / "现场照片.jpg").write_bytes(os.urandom(300_000))
    (media / "uploads" / "稿件 附件.txt").write_text("县融媒体中心 稿件附件\n", encoding="utf-8")
    (media / "empty.bin").write_bytes(b"")
    yield inst
    inst.stop()


@pytest.fixture(scope="module")
def first_backup(installation, tmp_path_factory):
    inst = installation
    out = tmp_path_factory.mktemp("backups")
    media_before = media_digest(inst.var_dir / "media")
    started = time.monotonic()
    done = inst.rongmei("backup", "--output", str(out))
    seconds = time.monotonic() - started
    archive = the_archive(out)
    manifest = read_manifest(archive)
    print(f"\n备份：{archive.stat().st_size} 字节，{seconds:.1f} 秒；{len(manifest['tables'])} 张表，"
          f"{sum(t['rows'] for t in manifest['tables'].values())} 行，{len(manifest['media'])} 个媒体文件")
    return {"archive": archive, "manifest": manifest, "media": media_before, "stdout": done.stdout,
            "seconds": seconds}


def test_round_trip_restores_identical_data(installation, first_backup, tmp_path):
    inst, archive, manifest = installation, first_backup["archive"], first_backup["manifest"]
    assert "已写入备份" in first_backup["stdout"] and "张表" in first_backup["stdout"]
    assert manifest["database"]["engine"] in {"sqlite", "postgresql"}
    assert manifest["database"]["engine"] == ("postgresql" if os.environ.get("DATABASE_URL", "").startswith("postgres")
                                               else "sqlite")
    assert manifest["migrations"]["core"].startswith("00")
    assert manifest["tables"]["core_center"]["rows"] >= 4
    assert {rel: entry["sha256"] for rel, entry in manifest["media"].items()} == first_backup["media"]
    assert "uploads/2026/12/现场照片.jpg" in manifest["media"]

    # The installation moves on: data changed, added and removed; media changed, added, removed.
    inst.rongmei("shell", "-c", (
        "from rongmei.core.models import Center, User; "
        "Center.objects.filter(slug='demo').update(name='改过的名字'); "
        "Center.objects.create(slug='later', name='备份之后新建的中心'); "
        "User.objects.filter(username='shi').update(first_name='改过')"))
    media = inst.var_dir / "media"
    (media / "uploads" / "稿件 附件.txt").write_text("改过", encoding="utf-8")
    (media / "empty.bin").unlink()
    (media / "after-backup.txt").write_text("备份之后才有")
    changed = state_of(inst)
    assert changed["tables"]["core_center"] != manifest["tables"]["core_center"]

    # Without --yes an installation with data is not overwritten.
    refused = inst.rongmei("restore", str(archive), check=False)
    assert refused.returncode != 0
    assert "已有数据" in refused.stderr and "--yes" in refused.stderr
    assert state_of(inst)["tables"] == changed["tables"]

    started = time.monotonic()
    done = inst.rongmei("restore", str(archive), "--yes", check=False)
    seconds = time.monotonic() - started
    assert done.returncode == 0, done.stderr
    assert "核对通过" in done.stdout
    print(f"\n恢复：{seconds:.1f} 秒")

    # Checked again from outside the restore: every table's rows and checksum, the
    # migration state, and every media file byte for byte.
    after = state_of(inst)
    assert after["tables"] == manifest["tables"]
    assert after["migrations"] == manifest["migrations"]
    assert media_digest(media) == first_backup["media"]
    names = json.loads(inst.rongmei("shell", "-c", (
        "import json; from rongmei.core.models import Center, User; "
        "print(json.dumps([Center.objects.get(slug='demo').name, Center.objects.filter(slug='later').exists(), "
        "User.objects.get(username='shi').first_name]))")).stdout.strip().splitlines()[-1])
    assert names[0] != "改过的名字" and names[1] is False and names[2] != "改过"
    assert not list(inst.var_dir.glob(".rongmei-restore-*")) and not list(inst.var_dir.glob(".media.old-*"))


def _flip(data: bytearray, offset: int) -> None:
    data[offset] ^= 0x01


def _member_offset(archive: Path, name: str) -> tuple[int, int]:
    with tarfile.open(archive) as tar:
        member = tar.getmember(name)
        return member.offset_data, member.size


def test_damaged_archives_are_refused_and_change_nothing(installation, first_backup, tmp_path):
    inst, archive, manifest = installation, first_backup["archive"], first_backup["manifest"]
    inst.rongmei("shell", "-c", "from rongmei.core.models import Center; "
                                "Center.objects.filter(slug='demo').update(name='恢复前的名字')")
    media = inst.var_dir / "media"
    (media / "since.txt").write_text("不应被动到")
    before_state, before_media = state_of(inst), media_digest(media)
    original = archive.read_bytes()
    db_start, db_size = _member_offset(archive, manifest["database"]["file"])
    photo_start, _ = _member_offset(archive, "media/uploads/2026/12/现场照片.jpg")
    manifest_start, manifest_size = _member_offset(archive, "manifest.json")
    sum_start, _ = _member_offset(archive, "manifest.sha256")

    cases = {}
    for label, offset in {"database": db_start + db_size // 2, "media": photo_start + 1000,
                          "manifest": manifest_start + manifest_size // 2, "header": photo_start - 512 + 10}.items():
        damaged = bytearray(original)
        _flip(damaged, offset)
        cases[f"flipped-{label}"] = bytes(damaged)
    cases["truncated-half"] = original[:len(original) // 2]
    cases["truncated-at-end"] = original[:sum_start + 20]

    paths = {}
    for label, data in cases.items():
        paths[label] = str(tmp_path / f"{label}.tar")
        Path(paths[label]).write_bytes(data)
    # One through the command line (exit status, message on stderr) ...
    done = inst.rongmei("restore", paths["flipped-database"], "--yes", check=False)
    assert done.returncode == 1 and "没有恢复，现有数据未改动" in done.stderr, done.stderr[-800:]
    # ... and all of them through the same command in one process (a process start is slow).
    outcome = json.loads(inst.rongmei("shell", "-c", (
        "import json; from django.core.management import call_command, CommandError\n"
        f"paths = {json.dumps(paths, ensure_ascii=False)}\n"
        "out = {}\n"
        "for label, path in paths.items():\n"
        "    try:\n"
        "        call_command('restore', path, '--yes'); out[label] = 'restored'\n"
        "    except CommandError as exc:\n"
        "        out[label] = str(exc)\n"
        "print(json.dumps(out, ensure_ascii=False))")).stdout.strip().splitlines()[-1])
    assert set(outcome) == set(cases)
    for label, message in outcome.items():
        assert message.startswith("没有恢复，现有数据未改动"), (label, message)
    assert state_of(inst)["tables"] == before_state["tables"]
    assert media_digest(media) == before_media
    leftovers = [p.name for p in inst.var_dir.rglob(".rongmei-restore-*")]
    assert not leftovers


def test_restore_refuses_other_engine_and_newer_code():
    """In-process: the checks on the manifest itself (no database touched)."""
    from django.db import connection

    other = "postgresql" if connection.vendor == "sqlite" else "sqlite"
    manifest = {"database": {"engine": other}, "migrations": {"core": "0001_initial"}, "rongmei_version": "0.1.0"}
    with pytest.raises(backup.BackupError, match="不能直接恢复"):
        backup.check_compatible(manifest)
    manifest = {"database": {"engine": connection.vendor}, "rongmei_version": "9.0.0",
                "migrations": {"core": "0001_initial", "newsroom": "9999_from_the_future"}}
    with pytest.raises(backup.BackupError, match="newsroom.9999_from_the_future"):
        backup.check_compatible(manifest)
    manifest["migrations"] = {"core": "0001_initial"}
    backup.check_compatible(manifest)


def test_keep_deletes_only_the_oldest_archives(tmp_path):
    names = ["rongmei-backup-20261201-0100.tar", "rongmei-backup-20261203-010000.tar",
             "rongmei-backup-20261203-010000-2.tar", "rongmei-backup-20261205-120000.tar"]
    for name in names:
        (tmp_path / name).write_bytes(b"x")
    (tmp_path / "rongmei-backup-notes.txt").write_text("留着")
    (tmp_path / "other.tar").write_bytes(b"x")
    removed = backup.prune(tmp_path, 2)
    assert [p.name for p in removed] == names[:2]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(names[2:] + ["rongmei-backup-notes.txt", "other.tar"])


def test_canonical_values_are_unambiguous():
    row = lambda *values: b"".join(backup._canonical(v) for v in values)
    assert row("ab", "c") != row("a", "bc")
    assert row(1) != row("1") != row(True)
    assert row(None) != row("") and row(b"\x00") != row("00")


@pytest.mark.skipif(os.environ.get("DATABASE_URL", "").startswith("postgres"), reason="SQLite 的在线备份")
def test_sqlite_backup_while_another_connection_writes_is_consistent(installation, tmp_path):
    """A writer commits pairs (a row in one table, a counter in another) as fast as it can
    while the backup runs; the archived database must hold whole pairs only, and match
    its own manifest (the restore's check)."""
    inst = installation
    db = inst.var_dir / "rongmei.sqlite3"
    setup = sqlite3.connect(db, timeout=30)
    setup.executescript("CREATE TABLE IF NOT EXISTS test_probe (id INTEGER PRIMARY KEY, note TEXT);"
                        "CREATE TABLE IF NOT EXISTS test_probe_total (id INTEGER PRIMARY KEY, n INTEGER);"
                        "INSERT OR IGNORE INTO test_probe_total VALUES (1, 0);")
    setup.close()
    stop = threading.Event()
    written = []

    def writer():
        conn = sqlite3.connect(db, timeout=30, isolation_level=None)
        conn.execute("PRAGMA busy_timeout=30000")
        while not stop.is_set():
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("INSERT INTO test_probe (note) VALUES (?)", ("写入中" * 20,))
            conn.execute("UPDATE test_probe_total SET n = n + 1 WHERE id = 1")
            conn.execute("COMMIT")
            written.append(1)
        conn.close()

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        while len(written) < 20:
            time.sleep(0.01)
        inst.rongmei("backup", "--output", str(tmp_path / "out"))
        at_backup_end = len(written)
        deadline = time.monotonic() + 10
        while len(written) < at_backup_end + 20 and time.monotonic() < deadline:
            time.sleep(0.01)
    finally:
        stop.set()
        thread.join()
    archive = the_archive(tmp_path / "out")
    manifest = read_manifest(archive)
    with tarfile.open(archive) as tar:
        (tmp_path / "snap.sqlite3").write_bytes(tar.extractfile("database.sqlite3").read())
    snap = sqlite3.connect(tmp_path / "snap.sqlite3")
    assert snap.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    rows = snap.execute("SELECT count(*) FROM test_probe").fetchone()[0]
    total = snap.execute("SELECT n FROM test_probe_total").fetchone()[0]
    snap.close()
    assert rows == total, "the snapshot holds half a transaction"
    assert 20 <= rows < len(written), (rows, len(written))  # taken while the writer was writing
    assert manifest["tables"]["test_probe"]["rows"] == rows
    done = inst.rongmei("restore", str(archive), "--yes", check=False)
    assert done.returncode == 0, done.stderr


def _bucket_digest(client, prefix: str) -> dict[str, str]:
    """Every object under prefix and its sha256, read with boto3 directly (not the code tested)."""
    found = {}
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=s3_testing.BUCKET, Prefix=prefix):
        for item in page.get("Contents", []):
            body = client.get_object(Bucket=s3_testing.BUCKET, Key=item["Key"])["Body"].read()
            found[item["Key"][len(prefix):]] = hashlib.sha256(body).hexdigest()
    return found


def test_round_trip_with_media_in_an_s3_bucket(s3_server, tmp_path):
    """MEDIA_STORAGE=s3 (moto's S3 server on loopback): the archive holds the bucket's objects
    under the installation's S3_LOCATION and nothing of the local folder; after the bucket
    changed (an object overwritten, one deleted, one added) the restore gives back exactly
    the backed-up objects, checked with boto3 from outside."""
    import uuid

    import boto3

    location = f"county-{uuid.uuid4().hex[:8]}"
    inst = Instance(extra_env={
        "MEDIA_STORAGE": "s3", "S3_BUCKET": s3_testing.BUCKET, "S3_ENDPOINT_URL": s3_server["endpoint_url"],
        "S3_ACCESS_KEY_ID": s3_server["access_key"], "S3_SECRET_ACCESS_KEY": s3_server["secret_key"],
        "S3_LOCATION": location}).prepare(demo=False)
    try:
        inst.rongmei("shell", "-c", (
            "from django.core.files.base import ContentFile; "
            "from django.core.files.storage import default_storage as s; "
            "s.save('uploads/2026/12/现场照片.jpg', ContentFile(bytes(range(256)) * 1200)); "
            "s.save('uploads/稿件 附件.txt', ContentFile('县融媒体中心 稿件附件'.encode())); "
            "s.save('empty.bin', ContentFile(b''))"))
        (inst.var_dir / "media").mkdir(exist_ok=True)
        (inst.var_dir / "media" / "local-only.txt").write_text("不在存储桶里")
        client = boto3.client("s3", endpoint_url=s3_server["endpoint_url"], region_name="us-east-1",
                              aws_access_key_id=s3_server["access_key"], aws_secret_access_key=s3_server["secret_key"])
        prefix = location + "/"
        client.put_object(Bucket=s3_testing.BUCKET, Key=f"other-{location}/不是本中心的.txt", Body=b"x")
        saved = _bucket_digest(client, prefix)
        assert set(saved) == {"uploads/2026/12/现场照片.jpg", "uploads/稿件 附件.txt", "empty.bin"}

        out = tmp_path / "backups"
        inst.rongmei("backup", "--output", str(out))
        manifest = read_manifest(the_archive(out))
        assert manifest["media_storage"] == "s3"
        assert {rel: entry["sha256"] for rel, entry in manifest["media"].items()} == saved

        client.put_object(Bucket=s3_testing.BUCKET, Key=prefix + "uploads/稿件 附件.txt", Body="改过".encode())
        client.delete_object(Bucket=s3_testing.BUCKET, Key=prefix + "empty.bin")
        client.put_object(Bucket=s3_testing.BUCKET, Key=prefix + "after-backup.txt", Body=b"later")
        assert _bucket_digest(client, prefix) != saved

        done = inst.rongmei("restore", str(the_archive(out)), "--yes", check=False)
        assert done.returncode == 0, done.stderr
        assert "核对通过" in done.stdout
        assert _bucket_digest(client, prefix) == saved
        assert _bucket_digest(client, f"other-{location}/") != {}  # outside the location: untouched
        assert not list(inst.var_dir.rglob(".rongmei-restore-*"))
    finally:
        inst.stop()
