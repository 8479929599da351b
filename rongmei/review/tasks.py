"""Background work of the review room: chasing steps past their time limit, and asking a
story's links (the only check that leaves the machine, so never inside a request)."""

from django_tasks import task
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from rongmei.review import engine


@db_periodic_task(crontab(minute="*/5"))
def chase_overdue_reviews() -> int:
    return engine.chase_overdue()


@task
def check_story_links(center_id: int, story_id: int) -> dict:
    """Ask a story's links; the return value is what the check page shows (see services)."""
    from rongmei.core.tenancy import scoped
    from rongmei.newsroom.models import Story
    from rongmei.review import services

    story = scoped(Story, center_id).filter(pk=story_id).first()
    if story is None:
        return {"story": story_id, "version": None, "checked_at": None, "links": []}
    return services.check_story_links(story=story)
