"""Which outlet (analytics.models.Outlet) a publication or an account reaches people on.

Appraisal scores "a piece on an outlet" and analytics sums reach per outlet, so both ask
here. A matrix account of kind `assisted` (an account without an API, added before 抖音, 快手,
视频号, 头条 and 学习强国 had kinds of their own) names its outlet in its options
(`{"outlet": "douyin"}`); without one it is "other". The kinds of issue 17 map directly.
"""

from __future__ import annotations

from rongmei.analytics.models import Outlet

_BY_KIND = {
    "own_site": Outlet.WEB,
    "wechat": Outlet.WECHAT,
    "weibo": Outlet.WEIBO,
    "newspaper": Outlet.NEWSPAPER,
    "http_push": Outlet.OTHER,
    "email": Outlet.OTHER,
    # -- 17:PV -- the short-video platforms and the assisted outlets of issue 17 have outlets
    # of their own (the 传播力指数's Douyin sub-index etc. reads them); the province's
    # platform re-publishes elsewhere, so its reach is "other".
    "douyin": Outlet.DOUYIN,
    "kuaishou": Outlet.KUAISHOU,
    "channels": Outlet.CHANNELS,
    "toutiao": Outlet.TOUTIAO,
    "xuexi": Outlet.XUEXI,
    "province": Outlet.OTHER,
}
VALID = frozenset(Outlet.values)


def outlet_for_account(kind: str, options: dict | None = None, channel: str = "") -> str:
    """The outlet of an account of `kind` (ChannelAccount.Kind), given its options and, for a
    broadcast rundown, the channel version sent (radio or tv)."""
    if kind == "broadcast":
        return Outlet.TV if channel == "tv" else Outlet.RADIO
    if kind == "assisted":
        named = str((options or {}).get("outlet") or "")
        return named if named in VALID else Outlet.OTHER
    return _BY_KIND.get(kind, Outlet.OTHER)


def outlet_for_publication(publication) -> str:
    """The outlet of a distribution Publication (its account loaded or loadable)."""
    account = publication.account
    return outlet_for_account(account.kind, account.options, publication.channel)


def label(outlet: str) -> str:
    return Outlet(outlet).label if outlet in VALID else outlet
