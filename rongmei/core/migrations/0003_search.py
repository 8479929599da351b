"""The search index (rongmei.core.search): the entries table, and beside it the full-text
index of the database in use, kept in step by the database itself.

SQLite: an external-content FTS5 table over (title_terms, body_terms). External content,
because the terms are already stored in core_searchentry (a second copy would double the
index), and because `INSERT INTO core_searchentry_fts(core_searchentry_fts)
VALUES('rebuild')` can always regenerate it from that table. Triggers rather than
application code keep it in sync, so every write path (upsert, bulk reindex, queryset
delete) updates it in the same statement and transaction.

PostgreSQL: a generated tsvector column (title weight A, body weight B, `simple`
configuration, since the terms are already cut) with a GIN index. Generated, so it cannot
drift from the row; stored in the row itself, since ranking reads it for every match.

Warning for later migrations: on SQLite, Django rebuilds a table to alter it, which drops
these triggers and the index core_searchentry_fts_filter; re-create them there (see
rongmei/core/search/models.py). On PostgreSQL,
changing the type of title_terms or body_terms needs the generated column dropped first.
"""

import django.db.models.deletion
from django.db import migrations, models

SQLITE = [
    """CREATE VIRTUAL TABLE core_searchentry_fts USING fts5(
         title_terms, body_terms,
         content='core_searchentry', content_rowid='id', tokenize='unicode61'
       )""",
    """CREATE TRIGGER core_searchentry_fts_insert AFTER INSERT ON core_searchentry BEGIN
         INSERT INTO core_searchentry_fts(rowid, title_terms, body_terms)
         VALUES (new.id, new.title_terms, new.body_terms);
       END""",
    """CREATE TRIGGER core_searchentry_fts_delete AFTER DELETE ON core_searchentry BEGIN
         INSERT INTO core_searchentry_fts(core_searchentry_fts, rowid, title_terms, body_terms)
         VALUES ('delete', old.id, old.title_terms, old.body_terms);
       END""",
    """CREATE TRIGGER core_searchentry_fts_update AFTER UPDATE OF title_terms, body_terms ON core_searchentry BEGIN
         INSERT INTO core_searchentry_fts(core_searchentry_fts, rowid, title_terms, body_terms)
         VALUES ('delete', old.id, old.title_terms, old.body_terms);
         INSERT INTO core_searchentry_fts(rowid, title_terms, body_terms)
         VALUES (new.id, new.title_terms, new.body_terms);
       END""",
    # The columns a search reads for every match, in an index narrow enough to stay in
    # memory: checking the center and filters of 30,000 matches against the table itself
    # (bodies and terms included) takes twice as long. Used by name (INDEXED BY).
    """CREATE INDEX core_searchentry_fts_filter
       ON core_searchentry (id, center_id, date, kind, status, column_id, author_ids)""",
]
SQLITE_REVERSE = [
    "DROP INDEX IF EXISTS core_searchentry_fts_filter",
    "DROP TRIGGER IF EXISTS core_searchentry_fts_update",
    "DROP TRIGGER IF EXISTS core_searchentry_fts_delete",
    "DROP TRIGGER IF EXISTS core_searchentry_fts_insert",
    "DROP TABLE IF EXISTS core_searchentry_fts",
]

POSTGRES = [
    """ALTER TABLE core_searchentry ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
         setweight(to_tsvector('simple'::regconfig, title_terms), 'A')
         || setweight(to_tsvector('simple'::regconfig, body_terms), 'B')
       ) STORED""",
    # Keep the vector in the row (compressed) and let bodies move to TOAST instead: ranking
    # reads the vector of every match, the body only of the 20 shown.
    "ALTER TABLE core_searchentry ALTER COLUMN search_vector SET STORAGE MAIN",
    "CREATE INDEX core_searchentry_vector ON core_searchentry USING gin (search_vector)",
]
POSTGRES_REVERSE = [
    "DROP INDEX IF EXISTS core_searchentry_vector",
    "ALTER TABLE core_searchentry DROP COLUMN IF EXISTS search_vector",
]


def forwards(apps, schema_editor):
    statements = {"sqlite": SQLITE, "postgresql": POSTGRES}[schema_editor.connection.vendor]
    for sql in statements:
        schema_editor.execute(sql)


def backwards(apps, schema_editor):
    statements = {"sqlite": SQLITE_REVERSE, "postgresql": POSTGRES_REVERSE}[schema_editor.connection.vendor]
    for sql in statements:
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("core", "0002_audit_append_only")]

    operations = [
        migrations.CreateModel(
            name="SearchEntry",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("kind", models.CharField(max_length=30, verbose_name="类型")),
                ("object_id", models.CharField(max_length=64, verbose_name="对象编号")),
                ("title", models.CharField(max_length=300, verbose_name="标题")),
                ("body", models.TextField(blank=True, verbose_name="正文")),
                ("title_terms", models.TextField(blank=True, editable=False, verbose_name="标题索引词")),
                ("body_terms", models.TextField(blank=True, editable=False, verbose_name="正文索引词")),
                ("status", models.CharField(blank=True, max_length=30, verbose_name="状态")),
                ("column_id", models.IntegerField(blank=True, null=True, verbose_name="栏目")),
                ("author_ids", models.TextField(blank=True, editable=False, verbose_name="作者")),
                ("date", models.DateTimeField(blank=True, null=True, verbose_name="日期")),
                ("url", models.CharField(blank=True, max_length=500, verbose_name="链接")),
                ("updated_at", models.DateTimeField(auto_now=True, verbose_name="索引时间")),
                (
                    "center",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, related_name="+", to="core.center", verbose_name="所属中心"
                    ),
                ),
            ],
            options={
                "verbose_name": "检索条目",
                "verbose_name_plural": "检索条目",
                "db_table": "core_searchentry",
                "indexes": [models.Index(fields=["center", "date"], name="searchentry_center_date")],
                "constraints": [
                    models.UniqueConstraint(fields=("center", "kind", "object_id"), name="searchentry_unique_object")
                ],
            },
        ),
        migrations.RunPython(forwards, backwards),
    ]
