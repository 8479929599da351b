"""Background work of 监测方案: re-matching the last days' items after topics changed
(django_tasks resolves a task by its import path, so the worker needs no registration)."""

from django_tasks import task


@task
def rematch_recent_items(center_id: int, days: int = 7) -> dict:
    from rongmei.core.models import Center
    from rongmei.monitor import topic_services

    center = Center.objects.filter(pk=center_id).first()
    if center is None:
        return {"items": 0, "added": 0, "removed": 0}
    return topic_services.rematch_recent(center=center, days=days)
