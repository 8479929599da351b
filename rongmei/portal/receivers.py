"""Publishing on the own site renders the affected static pages (wired in apps.ready).
The receiver runs inside the delivery: if rendering fails, the delivery is retried."""

from __future__ import annotations

from django.conf import settings
from django.dispatch import receiver

from rongmei.distribution.signals import own_site_changed


@receiver(own_site_changed)
def render_static_pages(sender, publication, action, **kwargs):
    if not settings.RONGMEI_PORTAL_STATIC:
        return
    from rongmei.portal import publishing

    publishing.publication_changed(publication, action)
