"""An upper center marked a county's submission (供稿) used (`sharing.signals.submission_used`):
that is an external pickup (外宣) of the county's story, counted without anyone typing it
in — the same way as `province_pickups` counts the province platform's use callback.

Level: the upper center's (a city's use is 地市级, the province's 省级), as the sharing app
recorded it. Idempotent: a pickup is one (story, outlet, day), the Pickup table's own
unique constraint, so the same use sent twice, or also registered by hand, counts once.
A use dated in a month already closed is not added; the appraisal admins are told.
"""

from __future__ import annotations

from rongmei.appraisal.models import Pickup
from rongmei.appraisal.province_pickups import reported_pickup


def on_submission_used(sender, submission, **kwargs) -> Pickup | None:
    level = submission.level if submission.level in Pickup.Level.values else Pickup.Level.PREFECTURE
    return reported_pickup(center=submission.center, story=submission.story, used_on=submission.used_on,
                           outlet=submission.outlet_name or submission.to_center.name, level=level, url=submission.url,
                           source=Pickup.Source.SHARING, reporter="上级采用供稿",
                           details={"submission": submission.pk})
