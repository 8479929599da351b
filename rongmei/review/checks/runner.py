"""One entry point for all content checks, run on submit and at every review step.

The review app flattens a story into named plain-text fields (`story_fields`), passes the
center's lists, and stores the findings; the screen shows them with `highlight_html`. A
blocking finding stops sign-off until it is fixed or the final reviewer overrides it with
a written reason (the override and its audit live in the review app, not here).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping

from rongmei.newsroom.generators.text import html_to_text

from . import links as link_checks
from .dates import find_dates
from .images import ImageLike, ImageRef, find_images
from .officials import officials_matcher
from .pairs import default_typos, typo_matcher, wording_matcher
from .sensitive import SensitiveMatcher
from .types import Finding, Lexicon, Officials, Typos, Wording


def run_checks(
    fields: Mapping[str, str],
    *,
    lexicon: Lexicon | None = None,
    wording: Wording | None = None,
    officials: Officials | None = None,
    typos: Typos | None = None,
    images: Iterable[ImageLike] = (),
    links: Iterable[str | link_checks.LinkRef] = (),
    check_links: bool = False,
    as_of: dt.date | None = None,
    link_timeout: float = 3.0,
) -> list[Finding]:
    """Every finding for a story, sorted by field and position.

    `fields` maps a field name ("headline", "body", "caption:12") to its plain text; the
    spans of the findings are offsets into those texts. A list left out (None) is not
    checked, except `typos`, which falls back to the list shipped with Rongmei. Links are
    only requested when `check_links` is true: those given in `links` and those written
    out in the fields.
    """
    sensitive = SensitiveMatcher.for_lexicon(lexicon) if lexicon is not None else None
    prescribed = wording_matcher(wording) if wording is not None else None
    people = officials_matcher(officials) if officials is not None else None
    misspelt = typo_matcher(typos if typos is not None else default_typos())
    findings: list[Finding] = []
    for name, text in fields.items():
        if not text:
            continue
        if sensitive is not None:
            findings += sensitive.find(text, name)
        if prescribed is not None:
            findings += prescribed.find(text, name)
        if people is not None:
            findings += people.find(text, name, as_of)
        findings += misspelt.find(text, name)
        findings += find_dates(text, name)
    findings += find_images(images)
    if check_links:
        refs = list(dict.fromkeys([*_refs(links), *link_checks.links_in_fields(fields)]))
        findings += link_checks.check_links(refs, timeout=link_timeout)
    return sorted(findings, key=Finding.sort_key)


def has_blocking(findings: Iterable[Finding]) -> bool:
    """Whether any finding stops sign-off (until fixed or overridden with a reason)."""
    return any(f.severity == "block" for f in findings)


def story_fields(
    headline: str,
    body_html: str,
    *,
    subheadline: str = "",
    summary: str = "",
    images: Iterable[ImageRef] = (),
) -> dict[str, str]:
    """A story as the plain-text fields the checks read; captions are fields too.

    The body is turned into text the same way every channel reads it (one line per
    paragraph), so a span found here is a span of the text the review screen shows.
    """
    fields = {"headline": headline, "subheadline": subheadline, "summary": summary}
    fields["body"] = html_to_text(body_html)
    for image in images:
        fields[f"caption:{image.asset_id}"] = image.caption
    return {name: text for name, text in fields.items() if text}


def _refs(links: Iterable[str | link_checks.LinkRef]) -> list[link_checks.LinkRef]:
    return [link if isinstance(link, link_checks.LinkRef) else link_checks.LinkRef(link.strip())
            for link in links]
