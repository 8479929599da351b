"""Background work of 舆情监测 (Huey discovers this module): each part keeps its tasks in
its own module, imported here so the consumer registers them."""

from rongmei.monitor import alert_tasks, fetch_tasks, report_tasks, search_tasks  # noqa: F401
