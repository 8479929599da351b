"""Two indices a center compares itself by: WCI V14.2 per WeChat account (the published
微信传播指数, so a county center can hold its accounts against the public rankings) and the
center's own transmission index (传播力指数) over all its outlets.

WCI V14.2, over a period of d calendar days, for one WeChat account
--------------------------------------------------------------------
The account's articles are the pieces on the WeChat outlet whose first recorded day lies
in the period; each article's figures are the sums of its daily values up to the period's
end (an article published before the period is not counted, as in the published ranking).
With R reads, Z 在看, L likes, S shares and n articles, and a "term"

    T(r, z, l, s) = 0.70·ln(r + 1) + 0.09·ln(10·z + 1) + 0.06·ln(10·l + 1) + 0.15·ln(10·s + 1)

the four parts are

    O (overall, per day)    = T(R/d, Z/d, L/d, S/d)
    A (per article)         = T(R/n, Z/n, L/n, S/n)
    H (headlines, per day)  = T(Rh/d, Zh/d, Lh/d, Sh/d)   over the headline articles only
    P (peak)                = T(max r, max z, max l, max s)  each figure's largest article

    WCI = (0.6·O + 0.2·A + 0.1·H + 0.1·P)² × 1.2 × 10

A headline (头条) is the first article of its push: the pieces of one push share a message
id — the `mid` of a WeChat article link (…&mid=…&idx=…) or the part before "_" of
datacube's msgid ("<msgid>_<idx>") — and the one with the lowest index is the headline,
whether the index counts from 0 or from 1. A piece with no message id (an imported row with
neither) is a push of its own, hence a headline.

Worked example (docs/analytics.md repeats it; tests/test_indices.py checks it): 7 days,
two pushes. Push 1: its headline 700 reads, 7 在看, 14 likes, 7 shares, and a second
article 350 reads, 0 在看, 7 likes, 0 shares; push 2: one article, 1,400 reads, 0 在看,
28 likes, 14 shares. R=2450, Z=7, L=49, S=21, n=3, d=7; headlines Rh=2100, Zh=7, Lh=42, Sh=21.

    O = T(350, 1, 7, 3)              = 4.1026 + 0.2158 + 0.2558 + 0.5151 = 5.0892
    A = T(816.67, 2.33, 16.33, 7)    = 4.6945 + 0.2873 + 0.3061 + 0.6394 = 5.9273
    H = T(300, 1, 6, 3)              = 3.9950 + 0.2158 + 0.2467 + 0.5151 = 4.9725
    P = T(1400, 7, 28, 14)           = 5.0715 + 0.3836 + 0.3383 + 0.7423 = 6.5357
    0.6·O + 0.2·A + 0.1·H + 0.1·P    = 5.3898;  WCI = 5.3898² × 12 = 348.60

Transmission index (传播力指数)
-----------------------------
Each outlet gets a sub-index on the same log scale, from its reads R, likes L, shares S and
comments C over the period's d days and its followers F (the last known total of each of
its accounts on or before the period's end, summed):

    B = 0.60·ln(R/d + 1) + 0.10·ln(10·L/d + 1) + 0.15·ln(10·S/d + 1) + 0.05·ln(10·C/d + 1) + 0.10·ln(F + 1)
    sub-index = B² × 1.2 × 10

The center's index is the weighted mean of the sub-indices of the outlets that have data,
with the center's weights (AnalyticsSettings.index_weights; default 微信 30, 微博 25, 抖音 25,
视频号 20): Σ wᵢ·subᵢ / Σ wᵢ over outlets with data. An outlet has data when at least one of
its pieces has figures in the period (a follower count alone cannot tell "reached nobody"
from "not synced or imported yet"). An outlet with a weight and no data is listed as "无数据"
with its weight (and its followers, if known), and `coverage` says how much of the
weight the index rests on — a missing outlet is named, never silently counted as zero.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections import defaultdict
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlsplit

from django.db.models import Max, Sum

from rongmei.analytics.models import (
    AccountMetric,
    AnalyticsSettings,
    Outlet,
    PieceMetric,
    default_index_weights,
)
from rongmei.analytics.outlets import label as outlet_label

WCI_TERMS = (0.70, 0.09, 0.06, 0.15)  # reads, 在看×10, likes×10, shares×10
WCI_PARTS = (0.6, 0.2, 0.1, 0.1)  # O, A, H, P
SCALE = 1.2 * 10
SUB_TERMS = {"reads": 0.60, "likes": 0.10, "shares": 0.15, "comments": 0.05, "followers": 0.10}


def term(reads: float, looks: float, likes: float, shares: float) -> float:
    """T(r, z, l, s) of WCI V14.2: one part from average (or peak) figures."""
    a, b, c, e = WCI_TERMS
    return a * math.log(reads + 1) + b * math.log(10 * looks + 1) + c * math.log(10 * likes + 1) + e * math.log(10 * shares + 1)


def wci_value(o: float, a: float, h: float, p: float) -> float:
    wo, wa, wh, wp = WCI_PARTS
    return (wo * o + wa * a + wh * h + wp * p) ** 2 * SCALE


@dataclass(frozen=True)
class Article:
    key: str
    reads: int
    looks: int
    likes: int
    shares: int
    headline: bool = True


@dataclass
class AccountIndex:
    """One WeChat account's WCI over a period, with every term shown."""

    account_id: int | None  # None: WeChat pieces linked to no matrix account
    account_name: str
    days: int
    articles: int
    headlines: int
    reads: int
    looks: int
    likes: int
    shares: int
    o: float
    a: float
    h: float
    p: float
    wci: float


def wci_of(articles: list[Article], days: int) -> tuple[float, float, float, float, float]:
    """(O, A, H, P, WCI) of an account's articles over `days` days (all zero without articles)."""
    if not articles or days <= 0:
        return 0.0, 0.0, 0.0, 0.0, 0.0
    n = len(articles)
    total = [sum(getattr(x, f) for x in articles) for f in ("reads", "looks", "likes", "shares")]
    heads = [x for x in articles if x.headline]
    head_total = [sum(getattr(x, f) for x in heads) for f in ("reads", "looks", "likes", "shares")]
    peak = [max(getattr(x, f) for x in articles) for f in ("reads", "looks", "likes", "shares")]
    o = term(*(v / days for v in total))
    a = term(*(v / n for v in total))
    h = term(*(v / days for v in head_total))
    p = term(*peak)
    return o, a, h, p, wci_value(o, a, h, p)


_MSGID = re.compile(r"^(.+)_(\d+)$")


def push_position(external_id: str, url: str, key: str) -> tuple[str, int]:
    """(message id, index in the push) of a WeChat article, from its link or datacube msgid."""
    if url:
        query = parse_qs(urlsplit(url).query)
        mid, idx = query.get("mid", [""])[0], query.get("idx", [""])[0]
        if mid and idx.isdigit():
            return f"mid:{mid}", int(idx)
    match = _MSGID.match(external_id or "")
    if match:
        return f"mid:{match.group(1)}", int(match.group(2))
    return f"key:{key}", 0


def _days(day_from: dt.date, day_to: dt.date) -> int:
    return (day_to - day_from).days + 1


def wci(center, day_from: dt.date, day_to: dt.date) -> list[AccountIndex]:
    """WCI V14.2 of each of the center's WeChat accounts over [day_from, day_to], highest
    first. Accounts with no article first seen in the period are left out."""
    from rongmei.distribution.models import ChannelAccount

    days = _days(day_from, day_to)
    wechat = PieceMetric.objects.filter(center=center, outlet=Outlet.WECHAT)
    earlier = wechat.filter(day__lt=day_from).values("key")
    rows = (wechat.filter(day__gte=day_from, day__lte=day_to).exclude(key__in=earlier)
            .values("key", "account_id")
            .annotate(reads=Sum("reads"), looks=Sum("looks"), likes=Sum("likes"), shares=Sum("shares"),
                      external_id=Max("external_id"), url=Max("url")).order_by("key"))
    by_account: dict[int | None, list[dict]] = defaultdict(list)
    for row in rows:
        by_account[row["account_id"]].append(row)
    names = dict(ChannelAccount.objects.filter(center=center, pk__in=[a for a in by_account if a]).values_list("pk", "name"))
    out = []
    for account_id, pieces in by_account.items():
        articles = _articles(pieces)
        o, a, h, p, value = wci_of(articles, days)
        out.append(AccountIndex(
            account_id=account_id, account_name=names.get(account_id, "未关联账号的微信文章"), days=days,
            articles=len(articles), headlines=sum(1 for x in articles if x.headline),
            reads=sum(x.reads for x in articles), looks=sum(x.looks for x in articles),
            likes=sum(x.likes for x in articles), shares=sum(x.shares for x in articles),
            o=round(o, 4), a=round(a, 4), h=round(h, 4), p=round(p, 4), wci=round(value, 2)))
    out.sort(key=lambda x: (-x.wci, x.account_name))
    return out


def _articles(pieces: list[dict]) -> list[Article]:
    positions = {row["key"]: push_position(row["external_id"] or "", row["url"] or "", row["key"]) for row in pieces}
    first_of_push: dict[str, int] = {}
    for message, index in positions.values():
        first_of_push[message] = min(index, first_of_push.get(message, index))
    return [Article(key=row["key"], reads=int(row["reads"] or 0), looks=int(row["looks"] or 0),
                    likes=int(row["likes"] or 0), shares=int(row["shares"] or 0),
                    headline=positions[row["key"]][1] == first_of_push[positions[row["key"]][0]])
            for row in pieces]


# --- Transmission index -----------------------------------------------------------------

def sub_index(*, reads: int, likes: int, shares: int, comments: int, followers: int, days: int) -> float:
    """An outlet's sub-index B² × 12 (see the module docstring)."""
    w = SUB_TERMS
    b = (w["reads"] * math.log(reads / days + 1) + w["likes"] * math.log(10 * likes / days + 1)
         + w["shares"] * math.log(10 * shares / days + 1) + w["comments"] * math.log(10 * comments / days + 1)
         + w["followers"] * math.log(followers + 1))
    return b * b * SCALE


@dataclass
class OutletIndex:
    outlet: str
    label: str
    weight: int
    has_data: bool  # a piece's figures in the period (followers alone do not say what it reached)
    reads: int = 0
    likes: int = 0
    shares: int = 0
    comments: int = 0
    followers: int = 0
    value: float | None = None  # None: no data in the period


@dataclass
class TransmissionIndex:
    day_from: dt.date
    day_to: dt.date
    days: int
    value: float | None  # None when no weighted outlet has data
    coverage: int  # the weight (of 100) the value rests on
    outlets: list[OutletIndex] = field(default_factory=list)  # weighted outlets, by weight
    others: list[OutletIndex] = field(default_factory=list)  # outlets with data but no weight

    @property
    def missing(self) -> list[OutletIndex]:
        return [o for o in self.outlets if not o.has_data]


def weights_of(center) -> dict[str, int]:
    """The center's weights ({outlet: weight}, adding up to 100), the defaults until set."""
    found = AnalyticsSettings.objects.filter(center=center).values_list("index_weights", flat=True).first()
    weights = found if isinstance(found, dict) and found else default_index_weights()
    return {k: int(v) for k, v in weights.items() if k in Outlet.values and int(v) > 0}


def outlet_figures(center, day_from: dt.date, day_to: dt.date) -> dict[str, dict]:
    """{outlet: {reads, likes, shares, comments, followers, has_data}} over the period."""
    figures: dict[str, dict] = {}
    sums = (PieceMetric.objects.filter(center=center, day__gte=day_from, day__lte=day_to)
            .values("outlet").annotate(reads=Sum("reads"), likes=Sum("likes"), shares=Sum("shares"),
                                       comments=Sum("comments")).order_by())
    for row in sums:
        figures[row["outlet"]] = {f: int(row[f] or 0) for f in ("reads", "likes", "shares", "comments")}
        figures[row["outlet"]].update(followers=0, has_data=True)
    accounts = AccountMetric.objects.filter(center=center, day__lte=day_to)
    latest = accounts.filter(followers__isnull=False).values("key", "outlet").annotate(last=Max("day")).order_by()
    wanted = {(r["key"], r["last"]): r["outlet"] for r in latest}
    if wanted:
        keys = {k for k, _ in wanted}
        for key, day, outlet, followers in (accounts.filter(key__in=keys, followers__isnull=False)
                                            .values_list("key", "day", "outlet", "followers")):
            if (key, day) in wanted:
                entry = figures.setdefault(outlet, {"reads": 0, "likes": 0, "shares": 0, "comments": 0, "followers": 0,
                                                    "has_data": False})
                entry["followers"] += int(followers or 0)
    return figures


def transmission_index(center, day_from: dt.date, day_to: dt.date) -> TransmissionIndex:
    """The center's 传播力指数 over [day_from, day_to] and each outlet's sub-index."""
    days = _days(day_from, day_to)
    weights = weights_of(center)
    figures = outlet_figures(center, day_from, day_to)

    def entry(outlet: str, weight: int) -> OutletIndex:
        f = figures.get(outlet)
        if not f or not f.get("has_data"):
            return OutletIndex(outlet, outlet_label(outlet), weight, False, followers=f["followers"] if f else 0)
        data = {k: f[k] for k in ("reads", "likes", "shares", "comments", "followers")}
        return OutletIndex(outlet, outlet_label(outlet), weight, True, **data,
                           value=round(sub_index(**data, days=days), 2))

    outlets = [entry(o, w) for o, w in sorted(weights.items(), key=lambda i: (-i[1], i[0]))]
    others = [entry(o, 0) for o in sorted(figures) if o not in weights and figures[o].get("has_data")]
    counted = [o for o in outlets if o.has_data]
    coverage = sum(o.weight for o in counted)
    value = round(sum(o.weight * o.value for o in counted) / coverage, 2) if coverage else None
    return TransmissionIndex(day_from=day_from, day_to=day_to, days=days, value=value, coverage=coverage,
                             outlets=outlets, others=others)


# --- The center's weights ---------------------------------------------------------------

class StaleWeights(Exception):
    """The weights were saved by someone else since the form was opened (409)."""

    message = "传播力指数权重已被他人修改（在您编辑期间有人保存过），请查看最新的权重后再改。"


def settings_of(center) -> AnalyticsSettings:
    """The center's analytics settings, made with the default weights on first use."""
    from django.db import IntegrityError, transaction

    found = AnalyticsSettings.objects.filter(center=center).first()
    if found is not None:
        return found
    try:
        with transaction.atomic():
            return AnalyticsSettings.objects.create(center=center)
    except IntegrityError:  # made by a concurrent request in between
        return AnalyticsSettings.objects.get(center=center)


def clean_weights(raw: dict) -> dict[str, int]:
    """{outlet: weight} as given (outlet codes of analytics.Outlet, non-negative integers
    adding up to 100); outlets weighted 0 are dropped. ValidationError in Chinese otherwise."""
    from django.core.exceptions import ValidationError

    errors: dict[str, list[str]] = {}
    weights: dict[str, int] = {}
    for outlet, value in raw.items():
        if outlet not in Outlet.values:
            errors.setdefault("__all__", []).append(f"没有“{outlet}”这个平台。")
            continue
        text = "" if value is None else str(value).strip()
        if not text:
            continue  # left empty: 0
        if isinstance(value, bool) or not (text.isascii() and text.isdigit()):
            errors[outlet] = [f"{outlet_label(outlet)}的权重应为 0 到 100 之间的整数（不填按 0 计）。"]
            continue
        number = int(text)
        if number > 100:
            errors[outlet] = [f"{outlet_label(outlet)}的权重不能超过 100。"]
        elif number:
            weights[outlet] = number
    if not errors:
        total = sum(weights.values())
        if total != 100:
            errors["__all__"] = [f"各平台权重加起来应为 100，现在是 {total}。"]
    if errors:
        raise ValidationError(errors)
    return weights


def update_weights(*, center, user, weights: dict, version) -> AnalyticsSettings:
    """Save the center's weights after checking them; `version` is the one the form was
    opened with (StaleWeights when someone saved in between). Audited as analytics.weights."""
    from django.db import transaction

    from rongmei.core.services import record

    cleaned = clean_weights(weights)
    with transaction.atomic():
        current = AnalyticsSettings.objects.select_for_update().get(pk=settings_of(center).pk)
        if str(version) != str(current.version):
            raise StaleWeights(StaleWeights.message)
        before = dict(current.index_weights)
        current.index_weights = cleaned
        current.version += 1
        current.updated_by = user
        current.save()
        record("analytics.weights", actor=user, center=center, obj=current, before={"weights": before},
               after={"weights": cleaned})
    return current
