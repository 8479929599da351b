"""Who may read an asset's files under /media/assets/ (the rule `rongmei.core.media` asks).

The original, its sizes and a video's poster frame are public once a story using the asset
is out on a channel: the public site, WeChat, Weibo and the app clients load them by
address. Which publications count is distribution's knowledge, so distribution registers
that test here (`register_public_test`); newsroom does not import it. Otherwise only people
of the asset's own center who may see stories and this asset (`selectors.readable_assets`:
the whole library for writers and draft readers) read them.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from django.db.models import Q

from rongmei.core import media
from rongmei.newsroom import selectors
from rongmei.newsroom.models import Asset, AssetRendition

# assets/<center slug>/<sha256[:2]>/<sha256[:16]>[-<size>].<ext>  (services.assets._store)
_HASHED = re.compile(r"^assets/[a-z0-9-]+/[0-9a-f]{2}/(?P<prefix>[0-9a-f]{16})[^/]*$")
_public_tests: list[Callable[[Asset], bool]] = []


def register_public_test(test: Callable[[Asset], bool]) -> None:
    """`test(asset)` is True when the asset is used by something already public."""
    _public_tests.append(test)


def asset_for_file(name: str) -> Asset | None:
    """The asset whose original, size or poster is stored under `name`."""
    match = _HASHED.match(name)
    assets = Asset.objects.select_related("center")
    if match:  # the name carries the start of the hash: an indexed range, then exact
        prefix = match["prefix"]
        assets = assets.filter(sha256__gte=prefix, sha256__lt=prefix + "g")
    found = assets.filter(Q(file=name) | Q(poster=name)).first()
    if found is not None:
        return found
    rendition = AssetRendition.objects.filter(file=name, asset__in=assets).select_related("asset__center").first()
    return rendition.asset if rendition else None


def may_read(request, name: str) -> bool:
    asset = asset_for_file(name)
    if asset is None:
        return False
    if any(test(asset) for test in _public_tests):
        return True
    if not media.staff_may(request, "newsroom.view_stories", asset.center):
        return False
    return selectors.readable_assets(asset.center, request.user).filter(pk=asset.pk).exists()
