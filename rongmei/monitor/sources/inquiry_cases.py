"""The center's own 网络问政 cases as a 监测源 (kind ``inquiry``, config ``{}``).

A burst of complaints about one place is a signal, so every case carries the place it
names: ``region`` is the township (乡镇/街道) of the first of the center's areas
(``core.Area``: townships, villages, communities) found in the case's 地点, else in its title,
else in its text — a village or community counts for its township, whose name is then in
``extra["place"]``; with no area found, the 地点 as typed (at most 50 characters).

``read(source, *, now)`` → one RawItem per case newer than ``source.cursor["last_id"]``
(oldest first, at most 500 a run), read through ``inquiry.selectors``: title = the case's
title, text = its content with mobile numbers and the citizen's phone and e-mail masked
(``inquiry.selectors.masked_text``; the contact fields themselves are never read),
author = the name the citizen chose to show publicly, else 网友; external_id = the case
number (查询码); url = the staff case page (``{RONGMEI_BASE_URL}/inquiry/cases/<id>/``);
published_at = when it was submitted. ``extra`` has the kind (咨询/投诉…), category,
emergency flag and status.

Like the comment sources, ``read`` sets ``source.cursor`` (``{"last_id": n}``) on the
instance and leaves saving it to the caller, after the items are ingested.
"""

from __future__ import annotations

import datetime as dt
import re

from rongmei.monitor.types import RawItem

BATCH = 500
REGION_CHARS = 50
# A place name without its suffix is matched too (青山 for 青山镇) when that is unambiguous.
_SUFFIX = re.compile(r"(街道|社区|镇|乡|村)$")


def read(source, *, now: dt.datetime | None = None) -> list[RawItem]:
    from django.conf import settings

    from rongmei.inquiry import selectors
    from rongmei.inquiry.privacy import public_name

    cursor = source.cursor if isinstance(source.cursor, dict) else {}
    try:
        last_id = max(int(cursor.get("last_id", 0)), 0)
    except (TypeError, ValueError):
        last_id = 0
    places = _places(source.center)
    base = getattr(settings, "RONGMEI_BASE_URL", "").rstrip("/")
    items = []
    for case in selectors.cases_since(source.center, after_id=last_id, limit=BATCH):
        region, place = _region(places, case)
        items.append(RawItem(
            title=case.title,
            text=selectors.masked_text(case),
            url=f"{base}{selectors.case_path(case)}",
            published_at=case.created_at,
            author=public_name(case),
            external_id=case.code,
            region=region,
            extra={"kind": case.kind, "kind_label": case.get_kind_display(), "category": case.category,
                   "emergency": case.emergency, "status": case.status, "place": place, "case": case.pk},
        ))
        last_id = max(last_id, case.pk)
    source.cursor = {**cursor, "last_id": last_id}
    return items


def _places(center) -> list[tuple[str, str, int]]:
    """(name to look for, township it belongs to, 1 for a village or community else 0)."""
    from rongmei.core.models import Area
    from rongmei.core.tenancy import scoped

    areas = list(scoped(Area, center).select_related("parent"))
    township_kinds = {Area.Kind.TOWNSHIP, Area.Kind.SUBDISTRICT}
    names: dict[str, tuple[str, int]] = {}
    short: dict[str, set[tuple[str, int]]] = {}
    for area in areas:
        township = area
        while township.kind not in township_kinds and township.parent is not None:
            township = township.parent
        depth = 0 if area.kind in township_kinds else 1
        names[area.name] = (township.name, depth)
        stem = _SUFFIX.sub("", area.name)
        if len(stem) >= 2 and stem != area.name:
            short.setdefault(stem, set()).add((township.name, depth))
    for stem, found in short.items():
        if len({township for township, _ in found}) == 1 and stem not in names:
            names[stem] = (next(iter(found))[0], min(depth for _, depth in found))
    return [(name, township, depth) for name, (township, depth) in names.items()]


def _region(places: list[tuple[str, str, int]], case) -> tuple[str, str]:
    """(township, the place named) for a case: the most specific area found in its 地点 (a
    village before its township, then the longest name), else its title, else its text;
    without one, the 地点 as typed."""
    for text in (case.address, case.title, case.text):
        found = [(depth, len(name), name, township) for name, township, depth in places if text and name in text]
        if found:
            _, _, name, township = max(found)
            return township, name
    address = (case.address or "").strip()
    return address[:REGION_CHARS], address[:REGION_CHARS]
