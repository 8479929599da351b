"""Automatic content checks for 三审三校: pure functions of a story's text and a center's lists.

    findings = run_checks(
        story_fields(headline, body_html, images=images),
        lexicon=lexicon, wording=wording, officials=officials, typos=None,  # None: built-in
        images=images, links=links_in_html(body_html), check_links=True,
    )
    has_blocking(findings)                   # sign-off allowed?
    highlight_html(text, findings, "body")   # the review screen's marked-up text

Checks: sensitive and banned terms (also when broken up with spaces or punctuation),
prescribed wording, officials' titles, typos, impossible dates, images without caption or
credit, and links that do not answer. The lists are data (see FORMAT.md and `lexicon_io`);
no Django models and no database here, so the review app decides where lists are stored
and how an override is recorded.
"""

from .dates import find_dates
from .highlight import highlight_html
from .images import ImageRef, find_images
from .lexicon_io import (
    LexiconError,
    export_lexicon,
    export_officials,
    export_typos,
    export_wording,
    parse_lexicon,
    parse_officials,
    parse_typos,
    parse_wording,
)
from .links import (
    LinkRef,
    LinkResult,
    Policy,
    check_links,
    fetch_all,
    fetch_status,
    link_state,
    links_in_fields,
    links_in_html,
)
from .officials import find_officials
from .pairs import default_typos, find_typos, find_wording
from .runner import has_blocking, run_checks, story_fields
from .sensitive import SensitiveMatcher
from .types import (
    CHECK_LABELS,
    CheckData,
    Finding,
    Lexicon,
    LexiconEntry,
    Official,
    Officials,
    Severity,
    TypoPair,
    Typos,
    Wording,
    WordingPair,
)

__all__ = [
    "CHECK_LABELS",
    "CheckData",
    "Finding",
    "ImageRef",
    "Lexicon",
    "LexiconEntry",
    "LexiconError",
    "LinkRef",
    "LinkResult",
    "Official",
    "Policy",
    "Officials",
    "SensitiveMatcher",
    "Severity",
    "TypoPair",
    "Typos",
    "Wording",
    "WordingPair",
    "check_links",
    "default_typos",
    "export_lexicon",
    "export_officials",
    "export_typos",
    "export_wording",
    "fetch_all",
    "fetch_status",
    "find_dates",
    "find_images",
    "find_officials",
    "find_typos",
    "find_wording",
    "has_blocking",
    "highlight_html",
    "link_state",
    "links_in_fields",
    "links_in_html",
    "parse_lexicon",
    "parse_officials",
    "parse_typos",
    "parse_wording",
    "run_checks",
    "story_fields",
]
