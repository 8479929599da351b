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
    """Keyword arguments for `checks.run_checks`: the center's lists that exist. The
    wording list also carries the departments' names as the center registered them once
    (组织机构): each short name → its full name, 首次出现用全称 (first occurrence only)."""
    found = {ARGUMENT[c.kind]: _parsed(c.kind, center.pk, c.version, c.content)
             for c in lists(center).values() if c.content}
    names = department_names(center)
    if names:
        found["wording"] = _with_departments(found.get("wording"), names)
    return found


DEPARTMENT_NOTE = "本中心登记的部门简称"


def department_names(center: Center) -> tuple[tuple[str, str], ...]:
    """(short name, full name) of each department of the center that has a short name."""
    from rongmei.core.models import Department

    rows = scoped(Department, center).exclude(short_name="").order_by("id").values_list("short_name", "name")
    return tuple((short.strip(), name.strip()) for short, name in rows if short.strip() and short.strip() != name.strip())


_merged: dict[tuple, object] = {}


def _with_departments(wording, names: tuple[tuple[str, str], ...]):
    """The center's wording list with its departments' names in front, built once per list
    version and set of names (a 200,000-line list is not copied on every check)."""
    import hashlib

    from rongmei.review.checks import Wording, WordingPair

    digest = hashlib.blake2b(repr(names).encode("utf-8"), digest_size=12).hexdigest()
    key = (wording.key if wording is not None else "-", digest)
    if key not in _merged:
        pairs = [WordingPair(short, full, "warn", DEPARTMENT_NOTE, first_only=True) for short, full in names]
        shorts = {short for short, _ in names} | {full for _, full in names}
        # The registered names come first and win: a list line calling a registered short
        # name (or full name) wrong would contradict what the center itself defined once.
        kept = [p for p in (wording or ()) if p.wrong not in shorts]
        if len(_merged) > 64:
            _merged.clear()
        _merged[key] = Wording([*pairs, *kept], f"{key[0]}|departments:{digest}")
    return _merged[key]


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
            "renditions": _with_submit_checks(story, list(story.renditions.all()), can_submit)}


def _with_submit_checks(story, renditions: list, checked: bool) -> list:
    """Each channel version with what its channel would refuse (`r.preflight`), so the
    送审 form says it beside the checkbox, before anyone presses 送审."""
    from rongmei.review import submit_checks

    found: dict[str, list[str]] = {}
    if checked:
        for channel, message in submit_checks.problems(story, [r.channel for r in renditions]):
            found.setdefault(channel, []).append(message)
    for r in renditions:
        r.preflight = found.get(r.channel, [])
    return renditions


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


def signed_off_since(center, since, *, excluding=None, limit: int = 50) -> list:
    """Reviews whose final sign-off (still holding: the content has not changed since) came
    after `since`, newest first, with their story: what the publishing desk may send now.
    `excluding`: story ids (a list or a values("story_id") queryset, run as a subquery) to
    leave out before the costly check; at most `limit` reviews are returned, and the check
    (a hash of the story as it would go out) stops once that many have passed."""
    from rongmei.review.engine import is_signed_off as signed
    from rongmei.review.models import Review

    reviews = Review.objects.filter(center=center, status=Review.Status.SIGNED_OFF, updated_at__gte=since)
    if excluding is not None:
        reviews = reviews.exclude(story_id__in=excluding)
    found = []
    for review in reviews.select_related("story").order_by("-updated_at")[:200].iterator(chunk_size=limit):
        if signed(review.story):
            found.append(review)
            if len(found) >= limit:
                break
    return found


def todo_for(user, center) -> list:
    """工作台: the steps waiting for me (due first), and my pieces sent back to me."""
    from rongmei.core.todo import Todo
    from rongmei.review.inbox import inbox
    from rongmei.review.models import Review, SignOff

    items = []
    if user.has_perm("review.review", center):
        for task in inbox(center, user)["tasks"][:30]:
            items.append(Todo(room="审核", title=task.review.story.headline, url=f"/review/{task.review_id}/",
                              due=task.due_at, since=task.opened_at, action="审核",
                              note=f"{task.step_name} · {task.review.workflow_name}"))
    if user.has_perm("review.submit", center):
        returned = (Review.objects.filter(center=center, submitted_by=user, status=Review.Status.RETURNED)
                    .select_related("story").order_by("-updated_at")[:20])
        for review in returned:
            if Review.objects.filter(story=review.story, id__gt=review.id).exists():
                continue  # sent again since
            back = review.signoffs.filter(action=SignOff.Action.SEND_BACK).order_by("-seq").first()
            items.append(Todo(room="审核", title=review.story.headline, url=f"/stories/{review.story_id}/",
                              since=review.updated_at, action="修改后重新送审",
                              note=f"被{back.step_name}退回：{back.reason}" if back else "已退回作者"))
    return items
