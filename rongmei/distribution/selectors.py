"""Reads of the distribution room: the status board, the matrix and its health."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Max, Q
from django.utils import timezone

from rongmei.core.models import Center
from rongmei.core.tenancy import scoped
from rongmei.distribution.models import AccountGroup, ChannelAccount, Publication

# A publication that is out there (a correction leaves it out there, corrected).
LIVE = (Publication.Status.SENT, Publication.Status.CORRECTED)


def board(story) -> list[Publication]:
    return list(Publication.objects.filter(story=story).select_related("account").order_by("account__kind", "account__name"))


def board_summary(publications: list[Publication]) -> dict:
    """Counts by status code (the template also reads them to decide whether to keep polling)."""
    counts: dict[str, int] = {}
    for p in publications:
        counts[p.status] = counts.get(p.status, 0) + 1
    return counts


def summary_labels(counts: dict) -> list[str]:
    labels = dict(Publication.Status.choices)
    return [f"{labels.get(status, status)} {n}" for status, n in counts.items()]


def accounts(center: Center):
    return scoped(ChannelAccount, center).select_related("area", "department", "responsible").prefetch_related("groups")


def groups(center: Center):
    return scoped(AccountGroup, center).annotate(size=Count("accounts"))


def stale_accounts(center: Center, days: int, now: dt.datetime | None = None):
    """Active accounts with no post for `days` days (counting from creation if never posted)."""
    cutoff = (now or timezone.now()) - dt.timedelta(days=days)
    return accounts(center).filter(is_active=True).filter(
        Q(last_published_at__lt=cutoff) | Q(last_published_at__isnull=True, created_at__lt=cutoff))


def monthly_ranking(center: Center, year: int, month: int, size: int = 10) -> dict:
    """红黑榜: the most and least active accounts of a month, by publications sent."""
    start = dt.datetime(year, month, 1, tzinfo=timezone.get_current_timezone())
    end = (start + dt.timedelta(days=32)).replace(day=1)
    rows = list(accounts(center).filter(is_active=True).annotate(
        posts=Count("publications", filter=Q(publications__status__in=LIVE,
                                             publications__sent_at__gte=start, publications__sent_at__lt=end)),
        last=Max("last_published_at")).order_by("-posts", "name"))
    return {"red": rows[:size], "black": list(reversed(rows[-size:])) if rows else [], "start": start}


def live_on_own_site(center: Center, *, including: int | None = None):
    """Publications that are live on the center's own website and app (for the portal);
    `including` adds the publication whose delivery is putting it live right now."""
    live = Q(status__in=LIVE)
    if including is not None:
        live |= Q(pk=including)
    return Publication.objects.filter(live, center=center, account__kind=ChannelAccount.Kind.OWN_SITE)


def taken_down_from_own_site(center: Center):
    """Publications taken down from the own site (their pages answer 410)."""
    return Publication.objects.filter(center=center, account__kind=ChannelAccount.Kind.OWN_SITE,
                                      status=Publication.Status.TAKEN_DOWN)


def own_site_account(center: Center) -> ChannelAccount | None:
    return ChannelAccount.objects.filter(center=center, kind=ChannelAccount.Kind.OWN_SITE).first()


def takedown_reason(publication: Publication) -> str:
    """The reason given when the publication was taken down ("" when none)."""
    from rongmei.distribution.models import OutboxMessage

    message = (OutboxMessage.objects.filter(publication=publication, action=OutboxMessage.Action.TAKEDOWN)
               .order_by("-id").first())
    return (message.progress or {}).get("reason", "") if message else ""


def awaiting_handoff(center: Center, user=None):
    """Publications waiting for someone to post (delete, correct) by hand and confirm;
    with `user`, those on accounts that person is responsible for."""
    qs = Publication.objects.filter(center=center, status=Publication.Status.AWAITING).select_related("account", "story")
    return qs.filter(account__responsible=user) if user is not None else qs


# --- Broadcast rundowns ---------------------------------------------------------------------------

def air_date(publication: Publication) -> dt.date:
    """The day a bulletin item goes on air: its scheduled day, else the day it was sent."""
    return timezone.localdate(publication.scheduled_at or publication.created_at)


def rundown_publications(account: ChannelAccount, day: dt.date):
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(day, dt.time.min, tzinfo=tz)
    end = start + dt.timedelta(days=1)
    return Publication.objects.filter(account=account, position__gt=0).exclude(
        status__in=[Publication.Status.TAKEN_DOWN, Publication.Status.CANCELLED, Publication.Status.FAILED]).filter(
        Q(scheduled_at__gte=start, scheduled_at__lt=end) | Q(scheduled_at__isnull=True, created_at__gte=start, created_at__lt=end))


def rundown_slot(account: ChannelAccount) -> tuple[str, dt.time, int]:
    """(programme, slot start, slot length in seconds) from the account's settings."""
    options = account.options or {}
    try:
        hours, minutes = (int(x) for x in str(options.get("slot_start", "18:30")).split(":"))
        start = dt.time(hours, minutes)
    except ValueError:
        start = dt.time(18, 30)
    try:
        seconds = int(options.get("slot_seconds", 900))
    except (TypeError, ValueError):
        seconds = 900
    return options.get("program") or account.name, start, max(seconds, 1)


def rundown(account: ChannelAccount, day: dt.date):
    """The programme's 串联单 for `day`: the items that went in, in their order, each timed
    from its radio/TV version's estimated read time."""
    from rongmei.distribution import items
    from rongmei.distribution.formatters.rundown import Rundown, rundown_entry

    program, start, seconds = rundown_slot(account)
    rows = list(rundown_publications(account, day).filter(status__in=LIVE).select_related("story").order_by("position", "pk"))
    entries = tuple(rundown_entry(items.build(p)) for p in rows)
    return Rundown(program=program, air_date=day, slot_start=start, slot_seconds=seconds, items=entries), rows


def handoff_package(publication: Publication) -> dict:
    """What the person doing hand work needs: the words to paste, the pictures to upload,
    and for a takedown or correction the post to change."""
    from rongmei.distribution import items
    from rongmei.distribution.formatters.notices import notice_text
    from rongmei.distribution.formatters.types import html_to_text

    action = publication.handoff or "publish"
    item = items.build(publication, action, note=publication.correction_note if action == "correct" else "")
    copy = item.rendition
    title = copy.title if copy and copy.title else item.headline
    text = html_to_text(copy.body) if copy and copy.body else item.text
    if action == "correct":
        title = "【更正】" + title
        text = notice_text(item) + "\n\n" + text
    return {"action": action, "title": title, "text": text, "images": item.images, "story_url": item.url,
            "post_url": publication.remote_url,
            "instruction": {"publish": "请把下面的标题、正文和图片发到该账号，发出后填写文章链接确认。",
                            "correct": "该账号已发的这篇需要更正：请删除原文，按下面的内容重新发布（或在原文下置顶更正说明），然后填写链接确认。",
                            "takedown": "请在该账号删除这篇已发的文章，删除后点“已删除”确认。"}[action]}


# Publications whose story is out, or going out, on a channel: its pictures and media must
# be readable by address (the public site, WeChat, Weibo, the app clients, a village clerk
# posting by hand). Scheduled, queued, failed, cancelled and taken-down ones are not.
MEDIA_PUBLIC = (Publication.Status.SENDING, Publication.Status.PUBLISHING, Publication.Status.SENT, Publication.Status.RETRYING,
                Publication.Status.CORRECTED, Publication.Status.AWAITING, Publication.Status.TAKING_DOWN)


def asset_is_public(asset) -> bool:
    """Whether a story using this asset is published on some channel (newsroom's /media/ rule)."""
    return Publication.objects.filter(center_id=asset.center_id, story__story_assets__asset=asset,
                                      status__in=MEDIA_PUBLIC).exists()
