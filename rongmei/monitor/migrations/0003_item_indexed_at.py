"""Search indexing leaves the ingest: an item records when it went into the full-text index
(`Item.indexed_at`), and a partial index holds the items not indexed yet, for the minute
sweep (search_tasks.py). Items already stored were indexed in their ingest's transaction:
they are marked indexed at their fetch time."""

from django.db import migrations, models


def mark_existing(apps, schema_editor):
    Item = apps.get_model("monitor", "Item")
    Item.objects.using(schema_editor.connection.alias).filter(indexed_at__isnull=True).update(
        indexed_at=models.F("fetched_at"))


class Migration(migrations.Migration):

    dependencies = [
        ("monitor", "0002_alerts_open_key"),
    ]

    operations = [
        migrations.AddField(
            model_name="item",
            name="indexed_at",
            field=models.DateTimeField(blank=True, editable=False, null=True, verbose_name="检索索引时间"),
        ),
        migrations.RunPython(mark_existing, migrations.RunPython.noop, elidable=True),
        migrations.AddIndex(
            model_name="item",
            index=models.Index(condition=models.Q(("indexed_at__isnull", True)), fields=["id"], name="monitor_item_unindexed"),
        ),
    ]
