"""Reads of the review room: a center's parsed check lists, cached by list version."""

from __future__ import annotations

from functools import lru_cache

from rongmei.core.models import Center
from rongmei.core.tenancy import scoped
from rongmei.review.models import CheckList

ARGUMENT = {
    CheckList.Kind.SENSITIVE: "lexicon",
    CheckList.Kind.WORDING: "wording",
    CheckList.Kind.OFFICIALS: "officials",
    CheckList.Kind.TYPOS: "typos",
}


def lists(center: Center) -> dict[str, CheckList]:
    return {c.kind: c for c in scoped(CheckList, center)}


@lru_cache(maxsize=256)
def _parsed(kind: str, center_id: int, version: int, content: str):
    # Keyed by version: an import bumps it, so a 50,000-term automaton is built once per list.
    from rongmei.review.services import PARSERS

    parse, _ = PARSERS[kind]
    return parse(content, version=f"{center_id}:{kind}:{version}")


def check_lists(center: Center) -> dict:
    """Keyword arguments for `checks.run_checks`: the center's lists that exist."""
    return {ARGUMENT[c.kind]: _parsed(c.kind, center.pk, c.version, c.content)
            for c in lists(center).values() if c.content}


def review_panel(story, request=None) -> dict | None:
    """The story page's 审核 box: the review in progress or done, or the 送审 form."""
    from rongmei.review.models import Review

    review = Review.objects.filter(story=story).order_by("-id").first()
    can_submit = request is not None and request.user.has_perm("review.submit", story.center)
    if review is None and not can_submit:
        return None
    return {"title": "审核（三审三校）", "template": "review/_story_panel.html", "review": review,
            "can_submit": can_submit and (review is None or review.status in (Review.Status.RETURNED, Review.Status.CANCELLED))
            and story.status in ("filed", "editing", "ready"),
            "renditions": list(story.renditions.all())}


def is_signed_off(story) -> bool:
    """For the distribution room: has exactly this content received its final sign-off?"""
    from rongmei.review.engine import is_signed_off as signed

    return signed(story)


def signed_off_channels(story) -> set[str]:
    """The channel versions the final sign-off covered (only those may be published)."""
    from rongmei.review.models import Review

    review = Review.objects.filter(story=story, status=Review.Status.SIGNED_OFF).order_by("-id").first()
    return set(review.channels) if review else set()


def signed_off_hash(story) -> str:
    """The content hash the final sign-off approved (empty when not signed off)."""
    from rongmei.review.models import Review

    review = Review.objects.filter(story=story, status=Review.Status.SIGNED_OFF).order_by("-id").first()
    return review.content_hash if review else ""
