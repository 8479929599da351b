"""Bulk generation shared by the benchmarks (appraisal.py, province.py): one INSERT … SELECT fills a model's table."""

from __future__ import annotations


def insert_select(cursor, model, exprs: dict, from_sql: str, params=()):
    """INSERT INTO model's table every column: `exprs` (SQL text, or (SQL, params)) for those
    given, else NULL / the field's default / '' / now. Write the modulo operator as %%."""
    from django.db import connection
    from django.db.models import NOT_PROVIDED
    from django.utils import timezone

    cols, values, args = [], [], []
    now = timezone.now()
    for field in model._meta.local_concrete_fields:
        if field.primary_key:
            continue
        cols.append(connection.ops.quote_name(field.column))
        if field.column in exprs:
            expr = exprs[field.column]
            sql, extra = expr if isinstance(expr, tuple) else (expr, [])
            values.append(sql)
            args.extend(extra)
        elif field.null:
            values.append("NULL")
        elif field.default is not NOT_PROVIDED:
            values.append("%s")
            args.append(field.get_db_prep_save(field.get_default(), connection))
        elif getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            values.append("%s")
            args.append(field.get_db_prep_save(now, connection))
        elif field.get_internal_type() in ("CharField", "TextField", "SlugField"):
            values.append("''")
        else:
            raise RuntimeError(f"no value for {model.__name__}.{field.column}")
    cursor.execute(f"INSERT INTO {model._meta.db_table} ({', '.join(cols)}) SELECT {', '.join(values)} {from_sql}",
                   [*args, *params])
