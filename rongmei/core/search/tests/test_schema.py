"""The full-text index exists on the database in use and stays in step with the entries.

On SQLite a later migration that alters core_searchentry silently drops the triggers
(Django rebuilds the table); these tests are the alarm."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.db import connection

from rongmei.core import search

sqlite_only = pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite FTS5")
postgres_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL full text")


@sqlite_only
def test_sqlite_has_the_fts_table_its_triggers_and_filter_index(db):
    with connection.cursor() as cursor:
        cursor.execute("SELECT type, name FROM sqlite_master WHERE name LIKE 'core_searchentry_fts%'")
        found = set(cursor.fetchall())
    assert {
        ("table", "core_searchentry_fts"),
        ("index", "core_searchentry_fts_filter"),
        ("trigger", "core_searchentry_fts_insert"),
        ("trigger", "core_searchentry_fts_update"),
        ("trigger", "core_searchentry_fts_delete"),
    } <= found


@sqlite_only
def test_sqlite_fts_matches_the_entries_after_every_kind_of_write(put, center):
    put(1, "城关镇积水", "王磊报道")
    put(2, "青山镇舆情", "陈静报道")
    put(1, "城关镇排涝", "李娜报道")
    search.index_many(center, [search.Document("story", n, f"消息{n}", "正文") for n in range(3, 30)])
    search.remove(center, "story", 2)
    with connection.cursor() as cursor:
        # With rank 1, FTS5 compares its index with the content table, row by row.
        cursor.execute("INSERT INTO core_searchentry_fts(core_searchentry_fts, rank) VALUES ('integrity-check', 1)")


@postgres_only
def test_postgres_has_the_generated_vector_and_its_gin_index(db):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT is_generated FROM information_schema.columns "
            "WHERE table_name = 'core_searchentry' AND column_name = 'search_vector'"
        )
        assert cursor.fetchone() == ("ALWAYS",)
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'core_searchentry_vector'")
        assert "USING gin (search_vector)" in cursor.fetchone()[0]
        cursor.execute("SELECT attstorage FROM pg_attribute WHERE attrelid = 'core_searchentry'::regclass AND attname = 'search_vector'")
        assert cursor.fetchone() == ("m",)  # kept in the row: ranking reads it for every match


@postgres_only
def test_postgres_vector_weighs_the_title(put, center):
    put(1, "积水", "王磊")
    with connection.cursor() as cursor:
        cursor.execute("SELECT search_vector::text FROM core_searchentry WHERE object_id = '1'")
        assert cursor.fetchone()[0] == "'水':2A '王磊':3B '磊':4B '积水':1A"


def test_the_walk_index_exists(db):
    """Searches for common words walk it newest first (migration 0010); a table rebuild on
    SQLite would drop it silently."""
    with connection.cursor() as cursor:
        names = set(connection.introspection.get_constraints(cursor, "core_searchentry"))
    assert "core_searchentry_walk" in names
    if connection.vendor == "postgresql":
        assert "core_searchentry_title_vector" in names


def test_reindex_rebuilds_stale_terms_once(put, center):
    from rongmei.core.search.indexing import reindex_terms
    from rongmei.core.search.models import SearchEntry

    put(1, "电源改造", "更换110V电源")
    SearchEntry.objects.filter(object_id="1").update(body_terms="更换 换1 1", title_terms="电源 源改 改造 造")  # an old format
    assert search.search(center, "110").total == 0
    out = io.StringIO()
    call_command("reindex", stdout=out)  # `rongmei reindex`; migration 0010 runs the same on upgrade
    assert "1 条" in out.getvalue()
    assert reindex_terms() == 0  # idempotent
    assert [hit.object_id for hit in search.search(center, "110").hits] == ["1"]


@sqlite_only
def test_sqlite_fts_merges_segments_eight_at_a_time(db):
    """Migration 0012: fewer merges while indexing (the setting lives in the FTS table)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT v FROM core_searchentry_fts_config WHERE k = 'automerge'")
        assert cursor.fetchone() == (8,)
