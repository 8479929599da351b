"""绩效考核 demo, so `make run` shows every appraisal screen with content: the default rules
saved as the center's rule set, pay bases (the editor paid 稿费 too), a closed previous month
and the current month open — both computed by the real engine from the demo's own
publications, with 优稿 ratings, 外宣 pickups and a deduction entered through the same
services the screens use (rules & facts), a dispute on the current month from the reporter,
one resolved before the previous month's close, and an adjustment after it.

Why through the services: the demo then shows what a center would see (audit events,
notifications, ratings only on published pieces), and a change to the rules of the game
changes the demo with it. Idempotent: once the previous month's Period exists, it does
nothing. Only the demo center gets it."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from rongmei.appraisal import facts_services as facts
from rongmei.appraisal import periods, services
from rongmei.appraisal import rules as rules_kit
from rongmei.appraisal.models import Period, RuleSet


def _user(username: str):
    from rongmei.core.models import User

    return User.objects.filter(username=username).first()


def _try(action) -> bool:
    """Run one demo fact; a refusal (a piece that is not published in this checkout, a rule
    another part changed) skips that fact instead of failing the whole demo."""
    try:
        with transaction.atomic():
            action()
        return True
    except (ValidationError, facts.Stale):
        return False


def load(center) -> tuple[int, int]:
    if center.slug != "demo":
        return 0, 0
    admin, editor, reporter = _user("appraiser"), _user("editor"), _user("reporter")
    if admin is None or editor is None or reporter is None:
        return 0, 0
    current = periods.current_month(center)
    previous = (current - dt.timedelta(days=1)).replace(day=1)
    if Period.objects.filter(center=center, month=previous).exists():
        return 0, 1
    from rongmei.core.models import Notification

    last_note = Notification.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    made = _load(center, admin, editor, reporter, previous, current)
    # The services tell people about ratings, disputes, the close and adjustments; in the demo
    # these are history, so they arrive read (a demo person's bell stays for what they do).
    Notification.objects.filter(pk__gt=last_note, read_at__isnull=True).update(read_at=timezone.now())
    return made, 0


def _load(center, admin, editor, reporter, previous: dt.date, current: dt.date) -> int:
    made = 0
    if not RuleSet.objects.filter(center=center).exists():
        rules_kit.save(center=center, user=admin, month=previous, data=rules_kit.DEFAULT_RULES,
                       note="示例规则：按默认标准起用")
        made += 1
    made += _try(lambda: facts.set_pay_profile(center=center, user=admin, person=editor, base_amount=Decimal(3600),
                                               pays_fees=True, note="编辑岗，另计稿费"))
    made += _try(lambda: facts.set_pay_profile(center=center, user=admin, person=reporter, base_amount=Decimal(3200),
                                               pays_fees=False, note="记者岗"))
    # The village accounts' keepers (the distribution demo's cun_*) are villagers, not the
    # center's payroll: no performance base (it would swell the reward pool), 稿费 per piece.
    from rongmei.core.models import User

    for keeper in User.objects.filter(username__startswith="cun_", memberships__center=center).distinct():
        made += _try(lambda keeper=keeper: facts.set_pay_profile(
            center=center, user=admin, person=keeper, base_amount=Decimal(0), pays_fees=True,
            note="村级账号管理员，不发绩效工资，按稿费结算"))
    before, now = _stories(center, previous), _stories(center, current)

    # the previous month: ratings, pickups, a deduction, a dispute resolved, then the close
    made += _facts(center, admin, editor, before, previous)
    prev_period = periods.get_or_open(center, previous)
    services.compute(prev_period, admin)
    if _try(lambda: services.raise_dispute(prev_period, reporter, "上月有一篇稿件在抖音发布，没有计分，请核实。")):
        made += 1
        dispute = prev_period.disputes.filter(status="open").first()
        services.resolve_dispute(dispute, admin, False, "经核实该条为转发账号发布，不属于本中心平台，不计分。")
    prev_period.refresh_from_db()
    services.close(prev_period, admin)
    made += 1
    services.adjust(prev_period, admin, reporter, "3", "150.00", "省级媒体采用结算后才确认，补记外宣分与奖励")
    made += 1

    # the current month, open: facts so far, computed, one dispute waiting
    made += _facts(center, admin, editor, now, current)
    period = periods.get_or_open(center, current)
    services.compute(period, admin)
    story = now[0] if now else None
    if _try(lambda: services.raise_dispute(period, reporter, "本月这篇稿件的署名比例应为 60%，请核对。", story=story)):
        made += 1
    return made


def _stories(center, month: dt.date) -> list:
    return list(facts.published_in(center, month).order_by("first_sent_at", "pk")[:12])


def _facts(center, admin, editor, stories: list, month: dt.date) -> int:
    made = 0
    for story, level, reason in zip(stories[:3], ("A", "B", "C"),
                                    ("现场细节扎实，群众反响好", "画面生动，传播量高", "时效性强")):
        made += _try(lambda s=story, lv=level, r=reason: facts.rate(s, lv, r, editor))
    for story, (outlet, level, is_long) in zip(stories[1:4], (("学习强国", "central", False),
                                                              ("省融媒体中心客户端", "provincial", True),
                                                              ("市日报", "prefecture", False))):
        day = max(month, (story.first_sent_at.date() if story.first_sent_at else month))
        made += _try(lambda s=story, o=outlet, lv=level, lg=is_long, d=day: facts.save_pickup(
            center=center, user=admin,
            data=facts.PickupData(outlet_name=o, level=lv, used_on=d, story_id=s.pk, is_long=lg)))
    if len(stories) > 4:
        made += _try(lambda s=stories[4]: facts.add_deduction(center=center, user=admin, month=month, kind="error",
                                                              reason="发布后发现人名错字", story=s))
    return made
