"""Signals other rooms may listen to (they may depend on the newsroom; it depends on none of them)."""

from django.dispatch import Signal

# Sent inside the transaction of the change, with story, user, before and after (status codes).
story_status_changed = Signal()

# Sent inside the transaction of any change to a story's content or to one of its renditions,
# with story, user and what ("story" or "rendition:<channel>").
story_changed = Signal()
