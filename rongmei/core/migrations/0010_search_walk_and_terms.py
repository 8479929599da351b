"""Search (issue 14): the indexes that let a search stop early, and the index terms rebuilt.

Walk index: hits are ordered by tier, then newest first; for a word found in thousands of
stories each tier walks the center's entries newest first and stops when a page is full.
SQLite: (center_id, date, id) plus the filter columns, so the walk reads no table row;
PostgreSQL: (center_id, date DESC NULLS LAST, id DESC), the order itself.

PostgreSQL also gets a GIN index on the title's own vector, for the title tier.

Terms: the index format changed (ASCII words are also indexed by their digit and letter
parts: 110V → 110v 110 v), so every entry's title_terms and body_terms are recomputed from
its stored title and body (`rongmei.core.search.indexing.reindex_terms`, also run by
`rongmei reindex`); the FTS5 triggers and the generated tsvector follow. Idempotent: an
entry whose terms are already current is not written.
"""

from django.db import migrations

SQLITE = [
    """CREATE INDEX IF NOT EXISTS core_searchentry_walk
       ON core_searchentry (center_id, date, id, kind, status, column_id, author_ids)""",
]
SQLITE_REVERSE = ["DROP INDEX IF EXISTS core_searchentry_walk"]
POSTGRES = [
    "CREATE INDEX IF NOT EXISTS core_searchentry_walk ON core_searchentry (center_id, date DESC NULLS LAST, id DESC)",
    """CREATE INDEX IF NOT EXISTS core_searchentry_title_vector
       ON core_searchentry USING gin (to_tsvector('simple'::regconfig, title_terms))""",
]
POSTGRES_REVERSE = ["DROP INDEX IF EXISTS core_searchentry_title_vector", "DROP INDEX IF EXISTS core_searchentry_walk"]


def forwards(apps, schema_editor):
    for sql in {"sqlite": SQLITE, "postgresql": POSTGRES}[schema_editor.connection.vendor]:
        schema_editor.execute(sql)


def backwards(apps, schema_editor):
    for sql in {"sqlite": SQLITE_REVERSE, "postgresql": POSTGRES_REVERSE}[schema_editor.connection.vendor]:
        schema_editor.execute(sql)


def rebuild_terms(apps, schema_editor):
    from rongmei.core.search.indexing import reindex_terms

    reindex_terms(apps.get_model("core", "SearchEntry"))


class Migration(migrations.Migration):
    dependencies = [("core", "0009_user_must_change_password")]

    operations = [
        migrations.RunPython(forwards, backwards),
        migrations.RunPython(rebuild_terms, migrations.RunPython.noop),
    ]
