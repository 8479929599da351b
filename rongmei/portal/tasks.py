"""Background work of the portal: folding read hits into daily counts, refreshing live pages."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from rongmei.portal import reads


@db_periodic_task(crontab(minute="*"))
def fold_reads() -> dict:
    """Every minute: add new read hits to ReadCount and prune old hits (see reads.py)."""
    return reads.fold_reads()


@db_periodic_task(crontab(minute="*/5"))
def refresh_live_pages() -> int:
    """直播 pages move streams from 预告 to 正在直播 to 往期 as time passes: re-render them."""
    from rongmei.core.models import Center
    from rongmei.portal import publishing

    centers = list(Center.objects.filter(is_active=True))
    for center in centers:
        publishing.live_changed(center)
    return len(centers)
