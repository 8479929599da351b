"""The review room follows the newsroom: a change to a piece in review invalidates the
sign-offs that no longer cover it."""

from django.dispatch import receiver

from rongmei.newsroom.signals import story_changed
from rongmei.review import engine


@receiver(story_changed)
def _story_changed(sender, story, user, **kwargs):
    engine.content_changed(story=story, user=user)
