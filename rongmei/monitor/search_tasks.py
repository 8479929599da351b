"""Background search indexing of 舆情信息 (see search.py): the task `pipeline.ingest`
enqueues on commit for the items it saved, and a sweep every minute that indexes any item
still unindexed (its task lost to a worker crash or a flushed queue). Both index only what
is not indexed yet; the sweep leaves the last two minutes' items to their tasks
(search.SWEEP_GRACE), so the two rarely compute the same terms."""

from django_tasks import task
from huey import crontab
from huey.contrib.djhuey import db_periodic_task


@task
def index_batch(center_id: int, item_ids: list[int]) -> int:
    """Index one ingest's items; returns how many were indexed (0: the sweep was first)."""
    from rongmei.monitor import search

    return search.index_pending(center_id, item_ids)


@db_periodic_task(crontab(minute="*"))
def index_missed() -> int:
    from rongmei.monitor import search

    return search.sweep()
