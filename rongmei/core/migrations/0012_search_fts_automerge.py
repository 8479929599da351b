"""Search: SQLite's FTS5 index merges its segments less often (automerge 8 instead of 4).

FTS5 writes each transaction's terms as a new segment and, by default, merges segments
whenever four of one level exist: an entry's bigrams are written again at every level they
climb. Indexing is mostly that filing work (the 舆情 ingest's search follow-up files some
1,000 bigrams an item, in batches of 100 or 200 entries). With automerge 8 a level holds up
to eight segments before they merge: measured with sqlite3 alone on 5,000 of the monitor
bench's items in 100-entry transactions, the insert's CPU went from 915–976 to 796–842 µs per
entry, and a phrase query over the index took as long as before (16 would save no more and
make queries slower: twice as many segments to look in). The setting is stored in the FTS
table itself (its _config table), so it holds for every connection and survives a
'rebuild'.

PostgreSQL needs no counterpart: its GIN index already collects new entries in a pending
list (fastupdate, on by default) and merges them in bulk.
"""

from django.db import migrations

AUTOMERGE = 8
FTS5_DEFAULT = 4


def _set(schema_editor, value: int) -> None:
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(
            "INSERT INTO core_searchentry_fts(core_searchentry_fts, rank) VALUES ('automerge', %s)", [value])


def forwards(apps, schema_editor):
    _set(schema_editor, AUTOMERGE)


def backwards(apps, schema_editor):
    _set(schema_editor, FTS5_DEFAULT)


class Migration(migrations.Migration):
    dependencies = [("core", "0011_alter_membership_role")]

    operations = [migrations.RunPython(forwards, backwards)]
