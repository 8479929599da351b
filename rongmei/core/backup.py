"""Backup and restore of a whole installation: the database and the media folder in one
tar archive, with a manifest that lets a restore prove it got back exactly what was saved.

An archive holds, in this order:

* ``database.sqlite3`` (SQLite, taken with the online backup API, safe while the server
  writes) or ``database.pgdump`` (PostgreSQL, ``pg_dump -Fc`` on an exported snapshot);
* ``media/…`` every regular file under MEDIA_ROOT, or with MEDIA_STORAGE=s3 every object of
  the bucket under S3_LOCATION, streamed (never held in memory);
* ``manifest.json``: format, time, Rongmei version, engine, migration state, per-table row
  counts and checksums (read from the very snapshot that was archived), sha256 and size of
  the database file and of every media file;
* ``manifest.sha256``: the sha256 of manifest.json, so a flipped byte there is seen too.

The table checksum is a sha256 over the rows in primary-key order, each value written in a
canonical form (:func:`_canonical`), as read through a Django database connection, the same
way on SQLite and PostgreSQL. A restore recomputes them and compares.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import decimal
import hashlib
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import uuid
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

FORMAT = 1
MANIFEST = "manifest.json"
MANIFEST_SUM = "manifest.sha256"
DB_SQLITE = "database.sqlite3"
DB_PG = "database.pgdump"
MEDIA_PREFIX = "media/"
ARCHIVE_RE = re.compile(r"^rongmei-backup-(\d{8})-(\d{4}|\d{6})(?:-(\d+))?\.tar$")
CHUNK = 1024 * 1024
ENGINE_LABEL = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}


class BackupError(Exception):
    """Something the operator must hear about, in Chinese; nothing was changed."""


class MismatchError(BackupError):
    """The restore ran but its result differs from the manifest: the operator must act."""


# --- Table checksums -------------------------------------------------------------------


def _canonical(value) -> bytes:
    """One value as bytes that mean the same thing on every read: a type tag, the length,
    the text. Tags keep 1, "1" and True apart; lengths keep ("ab", "c") and ("a", "bc") apart."""
    if value is None:
        return b"N;"
    if isinstance(value, bool):
        tag, text = "B", "1" if value else "0"
    elif isinstance(value, int):
        tag, text = "I", str(value)
    elif isinstance(value, float):
        tag, text = "F", repr(value)
    elif isinstance(value, decimal.Decimal):
        tag, text = "D", str(value)
    elif isinstance(value, str):
        tag, text = "S", value
    elif isinstance(value, (bytes, bytearray, memoryview)):
        tag, text = "X", bytes(value).hex()
    elif isinstance(value, (dt.datetime, dt.date, dt.time)):
        tag, text = "T", value.isoformat()
    elif isinstance(value, dt.timedelta):
        tag, text = "V", repr(value.total_seconds())
    elif isinstance(value, uuid.UUID):
        tag, text = "U", str(value)
    elif isinstance(value, (dict, list, tuple)):
        tag, text = "J", json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    else:
        tag, text = "O", repr(value)
    data = text.encode("utf-8", "surrogatepass")
    return f"{tag}{len(data)}:".encode() + data + b";"


def _tables(connection, cursor) -> list[str]:
    """Every ordinary table, sorted; SQLite's virtual (FTS5) tables are left out — their
    content lives in shadow tables, which are counted like any other."""
    names = sorted(connection.introspection.table_names(cursor, include_views=False))
    if connection.vendor == "sqlite":
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND sql LIKE 'CREATE VIRTUAL TABLE%'")
        virtual = {row[0] for row in cursor.fetchall()}
        names = [n for n in names if n not in virtual and not n.startswith("sqlite_")]
    return names


def _table_state(connection, cursor, table: str) -> dict:
    from django.db import DatabaseError

    qn = connection.ops.quote_name
    try:
        keys = connection.introspection.get_primary_key_columns(cursor, table) or []
    except (DatabaseError, ValueError, IndexError):  # an unusual table: order by every column
        keys = []
    cursor.execute(f"SELECT * FROM {qn(table)} WHERE 1 = 0")
    width = len(cursor.description)
    order = ", ".join(qn(k) for k in keys) if keys else ", ".join(str(i) for i in range(1, width + 1))
    cursor.execute(f"SELECT * FROM {qn(table)} ORDER BY {order}")
    digest = hashlib.sha256()
    rows = 0
    while True:
        batch = cursor.fetchmany(2000)
        if not batch:
            break
        for row in batch:
            digest.update(b"".join(_canonical(v) for v in row) + b"\n")
        rows += len(batch)
    return {"rows": rows, "sha256": digest.hexdigest()}


def database_state(connection, cursor) -> dict:
    """Row counts and checksums per table, and the migration state, through ``cursor``."""
    tables = {name: _table_state(connection, cursor, name) for name in _tables(connection, cursor)}
    migrations: dict[str, str] = {}
    if "django_migrations" in tables:
        cursor.execute("SELECT app, name FROM django_migrations ORDER BY app, name")
        for app, name in cursor.fetchall():
            migrations[app] = name  # names sort in order (0001_…, 0002_…): the last one wins
    return {"tables": tables, "migrations": migrations}


def current_state() -> dict:
    """The configured database's state now, through Django's default connection."""
    from django.db import connection

    with connection.cursor() as cursor:
        return database_state(connection, cursor)


def _sqlite_wrapper(path: Path):
    """A Django connection to a SQLite file other than the configured one (the snapshot),
    same converters as the default one, without its WAL set-up."""
    from django.db import connections

    default = connections["default"]
    settings_dict = {**default.settings_dict, "NAME": str(path), "OPTIONS": {"timeout": 20}}
    return default.__class__(settings_dict, alias="rongmei_backup_snapshot")


# --- Writing an archive ---------------------------------------------------------------


@dataclass
class Result:
    path: Path
    size: int
    tables: int
    rows: int
    files: int
    media_bytes: int
    removed: list[Path] = field(default_factory=list)
    seconds: float = 0.0


class _HashingReader:
    def __init__(self, handle):
        self.handle = handle
        self.digest = hashlib.sha256()
        self.count = 0

    def read(self, size=-1):
        data = self.handle.read(size)
        self.digest.update(data)
        self.count += len(data)
        return data


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _media_files(root: Path) -> list[tuple[str, Path]]:
    """Regular files under MEDIA_ROOT (symbolic links are not followed), sorted by name."""
    found = []
    if not root.is_dir():
        return found
    for folder, dirs, files in os.walk(root):
        dirs.sort()
        for name in sorted(files):
            path = Path(folder) / name
            if path.is_symlink() or not path.is_file():
                continue
            found.append((path.relative_to(root).as_posix(), path))
    return found


# --- Where the media are: the local folder, or an S3-compatible bucket --------------------------
# The archive's media/… entries are the same either way, so an archive taken on one restores
# onto the other (a way to move an installation's media into a bucket, or out of it).


@dataclass
class _Entry:
    rel: str
    size: int
    mtime: float
    mode: int
    open: object  # () -> a readable binary file object


class _FolderMedia:
    """MEDIA_ROOT on this machine."""

    kind = "local"

    def __init__(self, root: Path):
        self.root = root

    def entries(self):
        for rel, path in _media_files(self.root):
            stat = path.stat()
            yield _Entry(rel, stat.st_size, stat.st_mtime, stat.st_mode & 0o7777, lambda path=path: open(path, "rb"))

    def replace_with(self, staged: Path) -> None:
        _swap_media(staged, self.root.resolve())

    def sizes(self) -> dict[str, int]:
        return {rel: path.stat().st_size for rel, path in _media_files(self.root)}


class _BucketMedia:
    """The objects of the media bucket under its location (S3_LOCATION), read and written
    through the storage's own boto3 bucket (the settings `rongmei check` probes)."""

    kind = "s3"

    def __init__(self, storage):
        self.bucket = storage.bucket
        location = (storage.location or "").strip("/")
        self.prefix = f"{location}/" if location else ""

    def _objects(self):
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            for summary in self.bucket.objects.filter(Prefix=self.prefix):
                if not summary.key.endswith("/"):  # a "folder" marker, not a file
                    yield summary
        except (BotoCoreError, ClientError) as exc:
            raise BackupError(f"无法列出对象存储 {self.bucket.name} 里的媒体文件（{exc}），请检查 S3 设置后重试。") from exc

    def entries(self):
        for summary in sorted(self._objects(), key=lambda o: o.key):
            yield _Entry(summary.key[len(self.prefix):], summary.size, summary.last_modified.timestamp(), 0o644,
                         lambda summary=summary: summary.get()["Body"])

    def replace_with(self, staged: Path) -> None:
        """Upload every staged file (overwriting), then delete the objects the archive does
        not have. Uploading first means a failure half-way loses nothing: running the restore
        again finishes it."""
        from botocore.exceptions import BotoCoreError, ClientError

        wanted = {rel: path for rel, path in _media_files(staged)}
        try:
            for rel, path in wanted.items():
                self.bucket.upload_file(str(path), self.prefix + rel)
            for summary in list(self._objects()):
                if summary.key[len(self.prefix):] not in wanted:
                    summary.delete()
        except (BotoCoreError, ClientError, OSError) as exc:
            raise BackupError(f"数据库已恢复，但媒体文件写入对象存储 {self.bucket.name} 时失败（{exc}）："
                              "修好存储后再运行一次同样的恢复命令即可（已写入的会被覆盖，不会重复）。") from exc

    def sizes(self) -> dict[str, int]:
        return {summary.key[len(self.prefix):]: summary.size for summary in self._objects()}


def media_store():
    """Where this installation keeps its media: MEDIA_ROOT, or the S3 bucket."""
    from django.conf import settings
    from django.core.files.storage import FileSystemStorage, default_storage

    if isinstance(default_storage, FileSystemStorage):
        return _FolderMedia(Path(settings.MEDIA_ROOT))
    if hasattr(default_storage, "bucket"):
        return _BucketMedia(default_storage)
    raise BackupError(f"不支持备份这种媒体存储：{default_storage.__class__.__name__}（支持本地目录和 S3 兼容的对象存储）。")


def _pg_env(settings_dict: dict) -> dict:
    """The server's credentials for pg_dump/pg_restore, in the environment only — never on
    the command line, where every user of the machine could read them."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    mapping = {"HOST": "PGHOST", "PORT": "PGPORT", "USER": "PGUSER", "PASSWORD": "PGPASSWORD", "NAME": "PGDATABASE"}
    for key, var in mapping.items():
        if settings_dict.get(key):
            env[var] = str(settings_dict[key])
    options = settings_dict.get("OPTIONS") or {}
    for key, var in {"sslmode": "PGSSLMODE", "sslrootcert": "PGSSLROOTCERT", "sslcert": "PGSSLCERT",
                     "sslkey": "PGSSLKEY"}.items():
        if options.get(key):
            env[var] = str(options[key])
    return env


def pg_binary(name: str, server_version: int) -> str:
    """pg_dump / pg_restore matching the server's major version (Debian keeps each in
    /usr/lib/postgresql/<major>/bin); the nearest newer one, else the one on PATH."""
    major = server_version // 10000 if server_version >= 100000 else server_version // 100
    base = Path("/usr/lib/postgresql")
    versions = []
    if base.is_dir():
        for folder in base.iterdir():
            if folder.name.isdigit() and (folder / "bin" / name).is_file():
                versions.append(int(folder.name))
    newer = sorted(v for v in versions if v >= major)
    if newer:
        return str(base / str(newer[0]) / "bin" / name)
    found = shutil.which(name)
    if found:
        return found
    raise BackupError(f"找不到 {name}：请安装与数据库服务器（PostgreSQL {major}）同版本的客户端工具"
                      f"（Debian：apt install postgresql-client-{major}）。")


def _archive_name(output: Path, now: dt.datetime) -> Path:
    stem = f"rongmei-backup-{now:%Y%m%d-%H%M%S}"
    path = output / f"{stem}.tar"
    n = 2
    while path.exists():
        path = output / f"{stem}-{n}.tar"
        n += 1
    return path


def _archive_key(path: Path):
    match = ARCHIVE_RE.match(path.name)
    return (match.group(1), match.group(2).ljust(6, "0"), int(match.group(3) or 1), path.name)


def prune(output: Path, keep: int) -> list[Path]:
    """The oldest archives beyond ``keep`` deleted; only files named like our archives."""
    archives = sorted((p for p in output.iterdir() if p.is_file() and ARCHIVE_RE.match(p.name)), key=_archive_key)
    doomed = archives[:-keep] if keep > 0 else archives
    for path in doomed:
        path.unlink()
    return doomed


def _snapshot_sqlite(source_path: str, work: Path) -> tuple[Path, dict]:
    """The live database copied with SQLite's online backup API in a single step: one read
    transaction on the source, so the copy is one consistent moment while writers go on
    (WAL), made a single self-contained file, then read through a Django connection for
    the manifest."""
    target = work / DB_SQLITE
    src = sqlite3.connect(source_path, timeout=30)
    try:
        dst = sqlite3.connect(target)
        try:
            src.backup(dst, pages=0)
            dst.execute("PRAGMA journal_mode=DELETE")
        finally:
            dst.close()
    finally:
        src.close()
    wrapper = _sqlite_wrapper(target)
    try:
        with wrapper.cursor() as cursor:
            state = database_state(wrapper, cursor)
    finally:
        wrapper.close()
    state["server_version"] = sqlite3.sqlite_version
    return target, state


def _snapshot_postgres(work: Path) -> tuple[Path, dict]:
    """pg_dump on a snapshot exported from a REPEATABLE READ transaction, and the manifest's
    counts read in that same transaction: both see exactly the same data."""
    from django.db import connection, transaction

    target = work / DB_PG
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT pg_export_snapshot()")
        snapshot = cursor.fetchone()[0]
        version = connection.pg_version
        command = [pg_binary("pg_dump", version), "-Fc", "--no-password", f"--snapshot={snapshot}",
                   "-f", str(target)]
        done = subprocess.run(command, env=_pg_env(connection.settings_dict), capture_output=True, text=True,
                              check=False)
        if done.returncode:
            raise BackupError(f"pg_dump 失败（{done.returncode}）：{done.stderr.strip()[-2000:]}")
        state = database_state(connection, cursor)
    state["server_version"] = str(version)
    return target, state


def create_backup(output: Path, keep: int | None = None) -> Result:
    """One archive in ``output``, written beside its final name and renamed into place."""
    import time

    from django.db import connection
    from django.utils import timezone

    import rongmei

    started = time.monotonic()
    output = Path(output)
    output.mkdir(parents=True, exist_ok=True)
    now = timezone.localtime()
    final = _archive_name(output, now)
    partial = output / f".{final.name}.partial"
    work = Path(tempfile.mkdtemp(prefix=".rongmei-backup-", dir=output))
    vendor = connection.vendor
    if vendor not in ENGINE_LABEL:
        raise BackupError(f"不支持的数据库：{vendor}（只支持 SQLite 和 PostgreSQL）。")
    try:
        if vendor == "sqlite":
            db_file, state = _snapshot_sqlite(connection.settings_dict["NAME"], work)
        else:
            db_file, state = _snapshot_postgres(work)
        store = media_store()
        media_entries = {}
        with tarfile.open(partial, "w", format=tarfile.PAX_FORMAT) as tar:
            db_sha = _sha256_file(db_file)
            tar.add(db_file, arcname=db_file.name, recursive=False)
            for entry in store.entries():
                info = tarfile.TarInfo(MEDIA_PREFIX + entry.rel)
                info.size, info.mtime, info.mode = entry.size, int(entry.mtime), entry.mode
                try:
                    with contextlib.closing(entry.open()) as handle:
                        reader = _HashingReader(handle)
                        tar.addfile(info, reader)
                except Exception as exc:  # noqa: BLE001 - a file changed or unreadable (disk or bucket)
                    raise BackupError(f"媒体文件 {entry.rel} 在备份过程中被改动或无法读取（{exc}），请重试。") from exc
                media_entries[entry.rel] = {"sha256": reader.digest.hexdigest(), "size": reader.count}
            manifest = {
                "format": FORMAT,
                "created_at": now.isoformat(),
                "rongmei_version": rongmei.__version__,
                "database": {
                    "engine": vendor,
                    "server_version": state["server_version"],
                    "file": db_file.name,
                    "sha256": db_sha,
                    "size": db_file.stat().st_size,
                },
                "migrations": state["migrations"],
                "tables": state["tables"],
                "media": media_entries,
                "media_storage": store.kind,
            }
            body = json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True).encode()
            _add_bytes(tar, MANIFEST, body)
            _add_bytes(tar, MANIFEST_SUM, (hashlib.sha256(body).hexdigest() + "\n").encode())
        with open(partial, "rb+") as handle:
            os.fsync(handle.fileno())
        os.rename(partial, final)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    finally:
        shutil.rmtree(work, ignore_errors=True)
    removed = prune(output, keep) if keep is not None else []
    return Result(path=final, size=final.stat().st_size, tables=len(state["tables"]),
                  rows=sum(t["rows"] for t in state["tables"].values()), files=len(media_entries),
                  media_bytes=sum(m["size"] for m in media_entries.values()), removed=removed,
                  seconds=time.monotonic() - started)


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    import io
    import time

    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = int(time.time())
    info.mode = 0o644
    tar.addfile(info, io.BytesIO(data))


# --- Reading and checking an archive ---------------------------------------------------


def _safe_member_path(name: str) -> PurePosixPath | None:
    path = PurePosixPath(name)
    if path.is_absolute() or any(part in ("..", "") for part in path.parts) or "\\" in name:
        return None
    return path


@dataclass
class Staged:
    """An archive checked and unpacked beside where it will go; nothing replaced yet."""
    manifest: dict
    database: Path
    media: Path
    folders: list[Path]

    def cleanup(self) -> None:
        for folder in self.folders:
            shutil.rmtree(folder, ignore_errors=True)


def stage_archive(archive: Path, db_dir: Path, media_parent: Path) -> Staged:
    """Unpack ``archive`` into temporary folders (the database file under ``db_dir``, the
    media beside MEDIA_ROOT, so they can be renamed into place) hashing every byte, then
    check it all against the manifest. Raises BackupError, leaving nothing behind, if the
    archive is truncated, altered, incomplete or not ours."""
    archive = Path(archive)
    if not archive.is_file():
        raise BackupError(f"找不到备份文件 {archive}。")
    db_dir.mkdir(parents=True, exist_ok=True)
    media_parent.mkdir(parents=True, exist_ok=True)
    db_stage = Path(tempfile.mkdtemp(prefix=".rongmei-restore-db-", dir=db_dir))
    media_stage = Path(tempfile.mkdtemp(prefix=".rongmei-restore-media-", dir=media_parent))
    staged = Staged(manifest={}, database=db_stage / "missing", media=media_stage, folders=[db_stage, media_stage])
    try:
        _stage(archive, staged, db_stage, media_stage)
    except BaseException:
        staged.cleanup()
        raise
    return staged


def _stage(archive: Path, staged: Staged, db_stage: Path, media_stage: Path) -> None:
    seen: dict[str, dict] = {}
    names: set[str] = set()
    manifest_body = manifest_sum = None
    db_name = None
    try:
        with tarfile.open(archive, "r:") as tar:
            for member in tar:
                path = _safe_member_path(member.name)
                if path is None:
                    raise BackupError(f"备份文件里有不安全的路径 {member.name!r}，拒绝恢复。")
                if member.isdir():
                    continue
                if not member.isfile():
                    raise BackupError(f"备份文件里有不是普通文件的条目 {member.name!r}，拒绝恢复。")
                if member.name in names:
                    raise BackupError(f"备份文件里 {member.name} 出现了两次，拒绝恢复。")
                names.add(member.name)
                handle = tar.extractfile(member)
                if member.name in (MANIFEST, MANIFEST_SUM):
                    data = handle.read()
                    if len(data) != member.size:
                        raise BackupError("备份文件不完整（中途被截断）。")
                    if member.name == MANIFEST:
                        manifest_body = data
                    else:
                        manifest_sum = data
                    continue
                if member.name in (DB_SQLITE, DB_PG):
                    if db_name is not None:
                        raise BackupError("备份文件里有两个数据库文件，拒绝恢复。")
                    db_name = member.name
                    target = db_stage / member.name
                elif member.name.startswith(MEDIA_PREFIX):
                    target = media_stage / path.relative_to(MEDIA_PREFIX.rstrip("/"))
                    target.parent.mkdir(parents=True, exist_ok=True)
                else:
                    raise BackupError(f"备份文件里有不认识的条目 {member.name!r}，可能不是融媒的备份。")
                digest = hashlib.sha256()
                count = 0
                with open(target, "wb") as out:
                    while chunk := handle.read(CHUNK):
                        digest.update(chunk)
                        count += len(chunk)
                        out.write(chunk)
                if count != member.size:
                    raise BackupError("备份文件不完整（中途被截断）。")
                seen[member.name] = {"sha256": digest.hexdigest(), "size": count}
    except tarfile.TarError as exc:
        raise BackupError(f"备份文件已损坏或不完整，无法读取（{exc}）。") from exc
    except EOFError as exc:
        raise BackupError("备份文件不完整（中途被截断）。") from exc
    if manifest_body is None or manifest_sum is None:
        raise BackupError("备份文件里没有完整的清单（manifest.json），可能被截断或不是融媒的备份。")
    if hashlib.sha256(manifest_body).hexdigest() != manifest_sum.decode("ascii", "replace").strip():
        raise BackupError("备份清单（manifest.json）的校验值不符：文件被改动或损坏。")
    try:
        manifest = json.loads(manifest_body)
    except ValueError as exc:
        raise BackupError("备份清单（manifest.json）无法解析。") from exc
    if manifest.get("format") != FORMAT:
        raise BackupError(f"不认识的备份格式版本 {manifest.get('format')!r}（本版本读取格式 {FORMAT}）。")
    database = manifest["database"]
    expected = {database["file"]: {"sha256": database["sha256"], "size": database["size"]}}
    expected.update({MEDIA_PREFIX + rel: entry for rel, entry in manifest["media"].items()})
    missing = sorted(set(expected) - set(seen))
    extra = sorted(set(seen) - set(expected))
    if missing:
        raise BackupError(f"备份文件缺少 {len(missing)} 个文件（如 {missing[0]}）：可能被截断。")
    if extra:
        raise BackupError(f"备份文件里有清单之外的文件（如 {extra[0]}）：文件被改动过。")
    for name, entry in expected.items():
        got = seen[name]
        if got["size"] != entry["size"] or got["sha256"] != entry["sha256"]:
            raise BackupError(f"文件 {name} 的校验值与清单不符：备份文件已损坏或被改动。")
    staged.manifest = manifest
    staged.database = db_stage / database["file"]


# --- Restoring --------------------------------------------------------------------------


def check_compatible(manifest: dict) -> None:
    """The archive's engine must be this installation's; its migrations must all be known to
    this code (an archive from a newer version is refused: upgrade first)."""
    from django.db import connection
    from django.db.migrations.loader import MigrationLoader

    engine = manifest["database"]["engine"]
    if engine != connection.vendor:
        raise BackupError(
            f"这份备份来自 {ENGINE_LABEL.get(engine, engine)} 数据库，当前配置的是 "
            f"{ENGINE_LABEL.get(connection.vendor, connection.vendor)}：不能直接恢复。"
            f"请在使用 {ENGINE_LABEL.get(engine, engine)} 的安装上恢复（检查 DATABASE_URL）。")
    loader = MigrationLoader(None, ignore_no_migrations=True, load=True)
    known = set(loader.disk_migrations)
    newer = [f"{app}.{name}" for app, name in sorted(manifest["migrations"].items()) if (app, name) not in known]
    if newer:
        raise BackupError(
            f"这份备份来自更新版本的融媒（版本 {manifest.get('rongmei_version', '?')}），数据库迁移 "
            f"{'、'.join(newer[:5])} 本版本没有：请先把代码升级到备份时的版本或更新，再恢复。")


def existing_data() -> tuple[int, int] | None:
    """(centers, users) when the configured database already holds an installation."""
    from django.db import connection

    from rongmei.core.models import Center, User

    tables = set(connection.introspection.table_names())
    if Center._meta.db_table not in tables or User._meta.db_table not in tables:
        return None
    centers, users = Center.objects.count(), User.objects.count()
    return (centers, users) if centers or users else None


def compare(manifest: dict, state: dict) -> list[str]:
    """Differences between the manifest's tables and a state, in Chinese; empty when equal."""
    problems = []
    saved, now = manifest["tables"], state["tables"]
    for table in sorted(set(saved) | set(now)):
        if table not in now:
            problems.append(f"表 {table} 不见了")
        elif table not in saved:
            problems.append(f"多出了表 {table}")
        elif saved[table]["rows"] != now[table]["rows"]:
            problems.append(f"表 {table} 行数不同（备份 {saved[table]['rows']}，现在 {now[table]['rows']}）")
        elif saved[table]["sha256"] != now[table]["sha256"]:
            problems.append(f"表 {table} 内容校验值不同")
    return problems


def _restore_sqlite(staged_db: Path, target: str) -> None:
    from django.db import connections

    connections.close_all()
    Path(target).parent.mkdir(parents=True, exist_ok=True)
    src = sqlite3.connect(staged_db)
    try:
        dst = sqlite3.connect(target, timeout=30)
        try:
            src.backup(dst, pages=0)
        except sqlite3.Error as exc:
            raise BackupError(f"写入数据库 {target} 失败（{exc}）：请先停止网站和任务进程再恢复。") from exc
        finally:
            dst.close()
    finally:
        src.close()


def _restore_postgres(staged_db: Path, manifest: dict) -> list[str]:
    """pg_restore in one transaction; then the tables of this code's models that the archive
    does not have (made by migrations newer than the archive) are dropped, so `migrate`
    brings the restored database up to date cleanly."""
    from django.db import connection, connections

    version = connection.pg_version
    env = _pg_env(connection.settings_dict)
    connections.close_all()
    command = [pg_binary("pg_restore", version), "--clean", "--if-exists", "--no-owner", "--single-transaction",
               "--no-password", "-d", str(connection.settings_dict["NAME"]), str(staged_db)]
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if done.returncode:
        raise BackupError(f"pg_restore 失败（{done.returncode}），数据库未改动：{done.stderr.strip()[-2000:]}")
    extra = sorted(set(connection.introspection.django_table_names(only_existing=True))
                   - set(manifest["tables"]))
    if extra:
        from django.db import transaction

        with transaction.atomic(), connection.cursor() as cursor:
            for table in extra:
                cursor.execute(f"DROP TABLE IF EXISTS {connection.ops.quote_name(table)} CASCADE")
    return extra


def _swap_media(staged_media: Path, media_root: Path) -> None:
    """The unpacked media renamed into place whole; the folder keeps the old one's
    permissions (mkdtemp makes it private, and the web server must read it)."""
    old = None
    mask = os.umask(0)
    os.umask(mask)
    os.chmod(staged_media, (media_root.stat().st_mode & 0o7777) if media_root.is_dir() else 0o777 & ~mask)
    if media_root.exists():
        old = media_root.with_name(f".{media_root.name}.old-{uuid.uuid4().hex[:8]}")
        os.rename(media_root, old)
    os.rename(staged_media, media_root)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


@dataclass
class RestoreResult:
    manifest: dict
    tables: int
    rows: int
    files: int
    dropped: list[str]
    seconds: float


def restore(archive: Path, *, overwrite: bool = False) -> RestoreResult:
    """Check everything first, change nothing on any refusal; then database, then media,
    then prove the result equals the manifest."""
    import time

    from django.conf import settings
    from django.db import connection

    started = time.monotonic()
    media_root = Path(settings.MEDIA_ROOT)  # the staging folder's parent, whatever the store
    store = media_store()
    if connection.vendor == "sqlite":
        db_dir = Path(connection.settings_dict["NAME"]).resolve().parent
    else:
        db_dir = media_root.resolve().parent
    staged = stage_archive(Path(archive), db_dir, media_root.resolve().parent)
    try:
        manifest = staged.manifest
        check_compatible(manifest)
        if not overwrite:
            data = existing_data()
            if data:
                raise BackupError(f"当前数据库已有数据（{data[0]} 个中心、{data[1]} 个用户），恢复会覆盖全部数据和媒体文件。"
                                  "确认无误（并已停止网站和任务进程）后，加 --yes 再运行。")
        dropped: list[str] = []
        if connection.vendor == "sqlite":
            _restore_sqlite(staged.database, connection.settings_dict["NAME"])
        else:
            dropped = _restore_postgres(staged.database, manifest)
        store.replace_with(staged.media)
    finally:
        staged.cleanup()
    connection.close()
    problems = compare(manifest, current_state())
    on_disk = store.sizes()
    wanted = {rel: entry["size"] for rel, entry in manifest["media"].items()}
    if on_disk != wanted:
        where = "目录里" if store.kind == "local" else "对象存储里"
        problems.append(f"媒体文件与清单不一致（清单 {len(wanted)} 个，{where} {len(on_disk)} 个）")
    if problems:
        raise MismatchError("恢复后的数据与备份清单不一致：" + "；".join(problems[:20]))
    tables = manifest["tables"]
    return RestoreResult(manifest=manifest, tables=len(tables), rows=sum(t["rows"] for t in tables.values()),
                         files=len(wanted), dropped=dropped, seconds=time.monotonic() - started)
