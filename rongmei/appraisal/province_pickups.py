"""The province's platform reports that one of its outlets used (采用) a piece we pushed
(`distribution.signals.province_used`): that is an external pickup (外宣), counted like
one registered by hand, without anyone typing it in.

Idempotent: a pickup is one (story, outlet, day) — the Pickup table's own unique
constraint — so the same use reported twice, or also registered by hand, counts once.
A use reported for a month already closed is what the appraisal refuses for every late
fact (`facts_services._require_open`): it is not added to the closed month; the appraisal
admins are told, with what the province said, so they can make a 结算后调整.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone

from rongmei.appraisal import facts_services
from rongmei.appraisal.models import Pickup
from rongmei.core.services import notify, record

DEFAULT_OUTLET = "省级技术平台"


def on_province_used(sender, receipt, **kwargs) -> Pickup | None:
    center = receipt.center
    level = receipt.level if receipt.level in Pickup.Level.values else Pickup.Level.PROVINCIAL
    return reported_pickup(center=center, story=receipt.publication.story,
                           used_on=timezone.localtime(receipt.at, facts_services._tz(center)).date(),
                           outlet=receipt.used_by or DEFAULT_OUTLET, level=level, url=receipt.url,
                           source=Pickup.Source.PROVINCE, reporter="省平台采用")


def reported_pickup(*, center, story, used_on, outlet: str, level: str, url: str, source: str, reporter: str,
                    details: dict | None = None) -> Pickup | None:
    """A pickup a platform above reported (the province platform's receipt, an upper center
    marking a submission used): recorded once per (story, outlet, day); for a closed month not
    recorded, the appraisal admins told instead. `reporter` names who reported it in that notice."""
    month = used_on.replace(day=1)
    outlet = outlet[:100]
    if facts_services.is_closed(center, month):
        from rongmei.appraisal.services import managers

        notify(center=center, recipients=managers(center),
               title=f"{reporter}（已结算月份）：《{story.headline}》"[:200],
               body=(f"{outlet}（{Pickup.Level(level).label}）于 {used_on:%Y-%m-%d} 采用，{month:%Y年%m月}已结算锁定，"
                     "未自动计入；如需计入，请做结算后调整。")[:300],
               url="/appraisal/pickups/")
        record("appraisal.pickup_late", actor=None, center=center, obj=story,
               after={"outlet": outlet, "level": level, "used_on": used_on.isoformat(), "source": source})
        return None
    with transaction.atomic():
        facts_services._require_open(center, month, "登记外宣采用")  # locks the month against a close
        existing = Pickup.objects.filter(center=center, story=story, outlet_name=outlet, used_on=used_on).first()
        if existing is not None:
            return existing
        try:
            with transaction.atomic():
                pickup = Pickup.objects.create(center=center, story=story, month=month, outlet_name=outlet, level=level,
                                               used_on=used_on, url=url, source=source)
        except IntegrityError:
            return Pickup.objects.get(center=center, story=story, outlet_name=outlet, used_on=used_on)
        record("appraisal.pickup_add", actor=None, center=center, obj=pickup,
               after={"story": story.pk, "outlet": outlet, "level": level, "used_on": used_on.isoformat(),
                      "url": url, "source": source, **(details or {})})
    return pickup
