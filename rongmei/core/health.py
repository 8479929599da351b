"""What /healthz and `rongmei check` report: can we reach the database and the queue?"""

from __future__ import annotations

import time

from django.db import connection

from rongmei import __version__
from rongmei.core.taskqueue import queue_status


def database_status() -> dict:
    started = time.perf_counter()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:
        # Drop the broken connection so the next request tries afresh.
        try:
            connection.close()
        except Exception:
            pass
        return {"ok": False, "detail": f"数据库无法访问：{exc.__class__.__name__}", "vendor": connection.vendor}
    return {"ok": True, "detail": "正常", "vendor": connection.vendor,
            "latency_ms": round((time.perf_counter() - started) * 1000, 2)}


def health_report() -> dict:
    parts = {"database": database_status(), "queue": queue_status()}
    failing = [name for name, part in parts.items() if not part["ok"]]
    return {
        "status": "ok" if not failing else "error",
        "failing": failing,
        "version": __version__,
        **parts,
    }
