"""Signals other rooms may listen to (they may depend on the newsroom; it depends on none of them)."""

from django.dispatch import Signal

# Sent inside the transaction of the change, with story, user, before and after (status codes).
story_status_changed = Signal()
