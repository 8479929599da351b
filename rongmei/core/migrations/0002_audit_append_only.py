"""Make the audit log append-only in the database itself, on SQLite and PostgreSQL alike:
no UPDATE ever, no DELETE of an event younger than 180 days (RONGMEI_AUDIT_RETENTION_DAYS)."""

from django.db import migrations

SQLITE = [
    """CREATE TRIGGER core_auditevent_no_update BEFORE UPDATE ON core_auditevent
       BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END""",
    """CREATE TRIGGER core_auditevent_retention BEFORE DELETE ON core_auditevent
       WHEN OLD.created_at > strftime('%Y-%m-%d %H:%M:%f', 'now', '-180 days')
       BEGIN SELECT RAISE(ABORT, 'audit events younger than 180 days cannot be deleted'); END""",
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS core_auditevent_no_update",
    "DROP TRIGGER IF EXISTS core_auditevent_retention",
]

POSTGRES = [
    """CREATE OR REPLACE FUNCTION core_auditevent_guard() RETURNS trigger AS $$
       BEGIN
         IF TG_OP = 'UPDATE' THEN
           RAISE EXCEPTION 'audit events are append-only';
         END IF;
         IF OLD.created_at > now() - interval '180 days' THEN
           RAISE EXCEPTION 'audit events younger than 180 days cannot be deleted';
         END IF;
         RETURN OLD;
       END $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER core_auditevent_guard BEFORE UPDATE OR DELETE ON core_auditevent
       FOR EACH ROW EXECUTE FUNCTION core_auditevent_guard()""",
]
POSTGRES_REVERSE = [
    "DROP TRIGGER IF EXISTS core_auditevent_guard ON core_auditevent",
    "DROP FUNCTION IF EXISTS core_auditevent_guard()",
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
    dependencies = [("core", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
