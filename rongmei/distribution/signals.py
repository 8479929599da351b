"""Signals of the distribution room.

`own_site_changed(publication, action)` is sent by the own-site adapter while it delivers
(publish, correct, takedown); the portal renders the affected static pages in its receiver.
It is sent with `send`, not `send_robust`: when rendering fails the delivery fails with it
and is retried, so a piece is never reported live before its page is.
"""

from django.dispatch import Signal

own_site_changed = Signal()

# -- 17:PV --
# `province_used(receipt)`: the province's platform reported that one of its outlets used
# (采用) a piece we pushed; sent once per reported use, inside the transaction that stores
# the receipt (a replayed callback sends nothing). The appraisal counts it as a pickup
# (rongmei.appraisal.province_pickups).
province_used = Signal()
