"""Background fetching of 舆情监测: every minute the scheduler takes the sources whose time
has come and enqueues ONE task per source, so a slow or dead source only ever holds up its own
worker for its own timeout, never the others. A source is claimed by a conditional UPDATE of
its next_fetch_at before its task is enqueued (fetching.claim), so two ticks — or two
schedulers — never start it twice; the run itself also holds a lock (fetching.fetch_source)."""

from django_tasks import task
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from rongmei.monitor import fetching


def dispatch_due(now=None) -> list[int]:
    """Claim every due, enabled source and enqueue its run; the ids enqueued."""
    enqueued = []
    for source_id, seen in fetching.due_sources(now):
        if fetching.claim(source_id, seen, now):
            fetch_source_task.enqueue(source_id)
            enqueued.append(source_id)
    return enqueued


@db_periodic_task(crontab(minute="*"))
def dispatch_due_sources() -> int:
    return len(dispatch_due())


@task
def fetch_source_task(source_id: int) -> dict:
    """One run of one source (its own task: see the module's docstring)."""
    from rongmei.monitor.models import Source

    source = Source.objects.select_related("center").filter(pk=source_id).first()
    if source is None:
        return {"source": source_id, "outcome": "gone"}
    try:
        run = fetching.fetch_source(source)
    except fetching.AlreadyRunning:
        return {"source": source_id, "outcome": "running"}
    return {"source": source_id, "run": run.pk, "outcome": run.outcome, "found": run.found, "new": run.new,
            "error": run.error}
