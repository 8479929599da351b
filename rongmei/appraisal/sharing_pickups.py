"""An upper center marked a county's submission (供稿) used (`sharing.signals.submission_used`):
that is an external pickup (外宣) of the county's story, counted without anyone typing it
in — the same way as `province_pickups` counts the province platform's use callback.

Level: the upper center's (a city's use is 地市级, the province's 省级), as the sharing app
recorded it. Idempotent: a pickup is one (story, outlet, day), the Pickup table's own
unique constraint, so the same use sent twice, or also registered by hand, counts once.
A use dated in a month already closed is not added; the appraisal admins are told.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction

from rongmei.appraisal import facts_services
from rongmei.appraisal.models import Pickup
from rongmei.core.services import notify, record


def on_submission_used(sender, submission, **kwargs) -> Pickup | None:
    center = submission.center
    story = submission.story
    used_on = submission.used_on
    month = used_on.replace(day=1)
    outlet = (submission.outlet_name or submission.to_center.name)[:100]
    level = submission.level if submission.level in Pickup.Level.values else Pickup.Level.PREFECTURE
    if facts_services.is_closed(center, month):
        from rongmei.appraisal.services import managers

        notify(center=center, recipients=managers(center),
               title=f"上级采用供稿（已结算月份）：《{story.headline}》"[:200],
               body=(f"{outlet}（{Pickup.Level(level).label}）于 {used_on:%Y-%m-%d} 采用，{month:%Y年%m月}已结算锁定，"
                     "未自动计入；如需计入，请做结算后调整。")[:300],
               url="/appraisal/pickups/")
        record("appraisal.pickup_late", actor=None, center=center, obj=story,
               after={"outlet": outlet, "level": level, "used_on": used_on.isoformat(), "source": "sharing"})
        return None
    with transaction.atomic():
        facts_services._require_open(center, month, "登记外宣采用")  # locks the month against a close
        existing = Pickup.objects.filter(center=center, story=story, outlet_name=outlet, used_on=used_on).first()
        if existing is not None:
            return existing
        try:
            with transaction.atomic():
                pickup = Pickup.objects.create(center=center, story=story, month=month, outlet_name=outlet, level=level,
                                               used_on=used_on, url=submission.url, source=Pickup.Source.SHARING)
        except IntegrityError:
            return Pickup.objects.get(center=center, story=story, outlet_name=outlet, used_on=used_on)
        record("appraisal.pickup_add", actor=None, center=center, obj=pickup,
               after={"story": story.pk, "outlet": outlet, "level": level, "used_on": used_on.isoformat(),
                      "url": submission.url, "source": "sharing", "submission": submission.pk})
    return pickup
