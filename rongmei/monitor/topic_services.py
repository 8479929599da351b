"""监测方案: every change of a topic (one function per use case, one transaction, one audit
event), the 试一试 check of an expression, and re-matching recent items after a change.

A topic's `updated_at` moves on every change here: `rules.Matcher.for_center` compares it
(with the counts) to know when to rebuild the center's automaton."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from rongmei.core.services import record
from rongmei.core.tenancy import scoped
from rongmei.monitor import rules
from rongmei.monitor.models import Item, Match, Topic

NAME_MAX = 50
RECENT_DAYS = 7
TRY_ITEMS = 500  # 试一试: the center's latest items looked at
TRY_SHOWN = 50


class TopicInUse(ValidationError):
    """Deleting a topic that has matches needs the caller to say the matches go too."""

    api_status = 409


def expression_error(expression: str) -> ValidationError | None:
    """The refusal of an invalid expression, on the field "expression", carrying the
    position (params["position"], 1-based), or None when it compiles."""
    error = rules.check(expression)
    if error is None:
        return None
    return ValidationError({"expression": [ValidationError(error.message, code="syntax",
                                                           params={"position": error.position})]})


def position_of(exc: ValidationError) -> int | None:
    """The character an expression refusal points at, if it is one."""
    for error in getattr(exc, "error_dict", {}).get("expression", []):
        if error.code == "syntax" and error.params:
            return error.params.get("position")
    return None


def _clean(center, *, name: str, category: str, expression: str, topic: Topic | None = None) -> dict:
    errors: dict[str, list] = {}
    name = (name or "").strip()
    if not name:
        errors["name"] = ["请填写方案名称。"]
    elif len(name) > NAME_MAX:
        errors["name"] = [f"方案名称最多 {NAME_MAX} 个字。"]
    elif scoped(Topic, center).filter(name=name).exclude(pk=topic.pk if topic else None).exists():
        errors["name"] = ["已有同名的监测方案。"]
    if category not in Topic.Category.values:
        errors["category"] = ["请选择类别。"]
    expression = (expression or "").strip()
    refusal = expression_error(expression)
    if refusal is not None:
        errors.update(refusal.error_dict)
    if errors:
        raise ValidationError(errors)
    return {"name": name, "category": category, "expression": expression}


def _state(topic: Topic) -> dict:
    return {"name": topic.name, "category": topic.category, "expression": topic.expression, "watched": topic.watched,
            "enabled": topic.enabled}


@transaction.atomic
def create_topic(*, center, user, name: str, expression: str, category: str = Topic.Category.OTHER,
                 watched: bool = True, enabled: bool = True) -> Topic:
    data = _clean(center, name=name, category=category, expression=expression)
    now = timezone.now()
    topic = Topic.objects.create(center=center, created_by=user if user and user.pk else None, watched=bool(watched),
                                 enabled=bool(enabled), created_at=now, updated_at=now, **data)
    record("monitor.topic_create", actor=user, center=center, obj=topic, after=_state(topic))
    return topic


@transaction.atomic
def update_topic(*, topic: Topic, user, name: str | None = None, expression: str | None = None,
                 category: str | None = None, watched: bool | None = None, enabled: bool | None = None) -> Topic:
    topic = Topic.objects.select_for_update().get(pk=topic.pk)
    before = _state(topic)
    data = _clean(topic.center, topic=topic, name=topic.name if name is None else name,
                  category=topic.category if category is None else category,
                  expression=topic.expression if expression is None else expression)
    for key, value in data.items():
        setattr(topic, key, value)
    if watched is not None:
        topic.watched = bool(watched)
    if enabled is not None:
        topic.enabled = bool(enabled)
    topic.updated_at = _later(topic.updated_at)
    topic.save()
    record("monitor.topic_update", actor=user, center=topic.center, obj=topic, before=before, after=_state(topic))
    return topic


@transaction.atomic
def set_enabled(*, topic: Topic, user, enabled: bool) -> Topic:
    topic = Topic.objects.select_for_update().get(pk=topic.pk)
    if topic.enabled == enabled:
        return topic
    topic.enabled = enabled
    topic.updated_at = _later(topic.updated_at)
    topic.save(update_fields=["enabled", "updated_at"])
    record("monitor.topic_enable" if enabled else "monitor.topic_disable", actor=user, center=topic.center, obj=topic,
           after={"enabled": enabled})
    return topic


def match_count(topic: Topic) -> int:
    return Match.objects.filter(topic=topic).count()


@transaction.atomic
def delete_topic(*, topic: Topic, user, with_matches: bool = False) -> int:
    """Delete a topic. One with matches is refused (TopicInUse, 409 in the API) unless
    `with_matches`: its matches go with it (the items stay; alerts keep their text and lose
    the link). Disabling keeps the history instead. Returns how many matches went."""
    topic = Topic.objects.select_for_update().get(pk=topic.pk)
    matches = match_count(topic)
    if matches and not with_matches:
        raise TopicInUse(f"方案“{topic.name}”已命中 {matches} 条信息。可以停用它（保留命中记录），"
                         "或确认连同命中记录一起删除。")
    record("monitor.topic_delete", actor=user, center=topic.center, obj=topic,
           before={**_state(topic), "matches": matches})
    topic.delete()
    return matches


def _later(previous: dt.datetime | None) -> dt.datetime:
    """Now, but strictly after the previous stamp (two saves in one clock tick still move it)."""
    now = timezone.now()
    if previous is not None and now <= previous:
        return previous + dt.timedelta(microseconds=1)
    return now


# --- 试一试 -------------------------------------------------------------------------------------

@dataclass
class TryOutcome:
    rule: rules.Rule
    text_match: rules.MatchResult | None  # the pasted text, if one was given
    items: list  # [(Item, MatchResult)] of the center's recent items that match (the first TRY_SHOWN)
    looked_at: int  # how many recent items were tried
    matched: int  # how many of them match


def try_expression(*, center, expression: str, title: str = "", text: str = "", days: int = RECENT_DAYS,
                   now: dt.datetime | None = None) -> TryOutcome:
    """What an expression would match, before it is saved: the pasted text and the center's
    latest items of the last `days` days (at most TRY_ITEMS). Invalid: ValidationError with
    the position (see `expression_error`). Changes nothing."""
    refusal = expression_error((expression or "").strip())
    if refusal is not None:
        raise refusal
    rule = rules.compile_expression(expression.strip())
    matcher = rules.Matcher([(0, rule)])
    text_match = None
    if (title or "").strip() or (text or "").strip():
        found = matcher.match(title or "", text or "")
        text_match = found[0] if found else None
    since = (now or timezone.now()) - dt.timedelta(days=days)
    recent = list(scoped(Item, center).filter(published_at__gte=since).select_related("source")
                  .order_by("-published_at", "-pk")[:TRY_ITEMS])
    items = []
    for item in recent:
        found = matcher.match(item.title, item.text)
        if found:
            items.append((item, found[0]))
    return TryOutcome(rule, text_match, items[:TRY_SHOWN], len(recent), len(items))


# --- Re-matching recent items --------------------------------------------------------------------

def rematch_recent(*, center, days: int = RECENT_DAYS, now: dt.datetime | None = None) -> dict:
    """Match the center's items of the last `days` days again against its enabled topics:
    matches a changed or new topic now makes are added, ones it no longer makes removed.
    Disabled topics' matches are left as they are (their history). No alerts are raised:
    these items were seen already. Returns {"items", "added", "removed"}."""
    matcher = rules.Matcher.for_center(center)
    enabled = set(matcher.topic_ids)
    since = (now or timezone.now()) - dt.timedelta(days=days)
    items = scoped(Item, center).filter(published_at__gte=since).only("pk", "title", "text").order_by("pk")
    added = removed = seen = 0
    batch: list[Item] = []

    def flush(chunk: list[Item]) -> tuple[int, int]:
        existing: dict[tuple[int, int], int] = {
            (m.item_id, m.topic_id): m.pk
            for m in Match.objects.filter(item__in=chunk, topic_id__in=enabled).only("pk", "item_id", "topic_id")}
        wanted: dict[tuple[int, int], rules.MatchResult] = {}
        for item in chunk:
            for result in matcher.match(item.title, item.text):
                wanted[(item.pk, result.topic_id)] = result
        new = [Match(center=center, item_id=item_id, topic_id=topic_id, terms=r.terms, snippet=r.snippet[:300])
               for (item_id, topic_id), r in wanted.items() if (item_id, topic_id) not in existing]
        gone = [pk for key, pk in existing.items() if key not in wanted]
        with transaction.atomic():
            Match.objects.bulk_create(new, ignore_conflicts=True)
            Match.objects.filter(pk__in=gone).delete()
        return len(new), len(gone)

    for item in items.iterator(chunk_size=500):
        batch.append(item)
        seen += 1
        if len(batch) >= 500:
            a, r = flush(batch)
            added, removed, batch = added + a, removed + r, []
    if batch:
        a, r = flush(batch)
        added, removed = added + a, removed + r
    return {"items": seen, "added": added, "removed": removed}


@transaction.atomic
def request_rematch(*, center, user, days: int = RECENT_DAYS) -> None:
    """对近 7 天信息重新匹配: queued (after commit) for the task worker; audited."""
    from rongmei.monitor.rule_tasks import rematch_recent_items

    record("monitor.topic_rematch", actor=user, center=center, obj=None, after={"days": days})
    rematch_recent_items.enqueue(center.pk, days)
