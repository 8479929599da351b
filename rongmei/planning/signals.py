"""Planning follows the newsroom: when an assignment's story is filed, the assignment is too."""

from django.dispatch import receiver

from rongmei.newsroom.signals import story_status_changed
from rongmei.planning import services


@receiver(story_status_changed)
def _story_status_changed(sender, story, user, before, after, **kwargs):
    if after == "filed":
        services.story_filed(story, user)
