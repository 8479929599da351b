"""The table of the "ratelimit" cache (core.ratelimitcache): rate-limit counters that every
gunicorn worker shares in embedded mode. Made here, by Django's own createcachetable code,
so `rongmei migrate` (and every test database) has it without a separate command."""

from django.db import migrations

TABLE = "rongmei_ratelimit"


def create(apps, schema_editor):
    from django.core.management.commands.createcachetable import Command

    command = Command()
    command.verbosity = 0
    command.create_table(schema_editor.connection.alias, TABLE, dry_run=False)


def drop(apps, schema_editor):
    schema_editor.execute(f"DROP TABLE IF EXISTS {schema_editor.quote_name(TABLE)}")


class Migration(migrations.Migration):

    dependencies = [
        ("core", "0005_center_site_origin"),
    ]

    operations = [
        migrations.RunPython(create, drop),
    ]
