"""Reads of the distribution room: the status board, the matrix and its health."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Max, Q
from django.utils import timezone

from rongmei.core.models import Center
from rongmei.core.tenancy import scoped
from rongmei.distribution.models import AccountGroup, ChannelAccount, Publication


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
        posts=Count("publications", filter=Q(publications__status=Publication.Status.SENT,
                                             publications__sent_at__gte=start, publications__sent_at__lt=end)),
        last=Max("last_published_at")).order_by("-posts", "name"))
    return {"red": rows[:size], "black": list(reversed(rows[-size:])) if rows else [], "start": start}


def live_on_own_site(center: Center):
    """Publications that are live on the center's own website and app (for the portal)."""
    return Publication.objects.filter(center=center, account__kind=ChannelAccount.Kind.OWN_SITE,
                                      status=Publication.Status.SENT).select_related("story")
