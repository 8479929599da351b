"""Two indexes fewer for the ingest to write (docs/monitor.md, "How fast"): Item.url_hash's own
index, whose lookups (by center and hash) the partial unique index monitor_item_unique_url
answers, and Match.item's, which repeats the first column of monitor_match_unique.

The indexes are dropped by name (and PostgreSQL's varchar_pattern_ops twin of url_hash's
with them): AlterField would make SQLite copy both tables to drop an index."""

import django.db.models.deletion
from django.db import migrations, models

DROPPED = (("monitor_item", "url_hash"), ("monitor_match", "item_id"))


def drop_indexes(apps, schema_editor):
    connection = schema_editor.connection
    for table, column in DROPPED:
        with connection.cursor() as cursor:
            found = connection.introspection.get_constraints(cursor, table)
        for name, info in found.items():
            if info["index"] and not info["unique"] and not info["primary_key"] and info["columns"] == [column]:
                schema_editor.execute(f"DROP INDEX {schema_editor.quote_name(name)}")


def create_indexes(apps, schema_editor):
    schema_editor.execute('CREATE INDEX "monitor_item_url_hash_95e041aa" ON "monitor_item" ("url_hash")')
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute('CREATE INDEX "monitor_item_url_hash_95e041aa_like" ON "monitor_item" '
                              '("url_hash" varchar_pattern_ops)')
    schema_editor.execute('CREATE INDEX "monitor_match_item_id_e26bddd4" ON "monitor_match" ("item_id")')


class Migration(migrations.Migration):

    dependencies = [
        ("monitor", "0003_item_indexed_at"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="item",
                    name="url_hash",
                    field=models.CharField(blank=True, max_length=40),
                ),
                migrations.AlterField(
                    model_name="match",
                    name="item",
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE,
                                            related_name="matches", to="monitor.item"),
                ),
            ],
            database_operations=[migrations.RunPython(drop_indexes, create_indexes)],
        ),
    ]
