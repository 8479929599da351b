"""Writing and editing stories: every save is a revision, and a stale save never overwrites."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from rongmei.core import search
from rongmei.core.models import Center, User
from rongmei.core.services import record
from rongmei.newsroom.html import clean_body, plain_text
from rongmei.newsroom.models import Asset, Byline, Column, EditSession, Story, StoryAsset, StoryRevision, count_chars
from rongmei.newsroom.signals import story_changed, story_status_changed

FIELDS = ("kicker", "headline", "subheadline", "summary", "body", "column_id", "tags", "location", "source", "embargo_until",
          "genre", "originality")
LIMITS = {"kicker": 100, "headline": 100, "subheadline": 100, "summary": 300, "location": 100, "source": 100}
MAX_BODY = 200_000
PRESENCE_SECONDS = 60


@dataclass
class BylineData:
    name: str
    role: str
    user_id: int | None = None
    share: Decimal = Decimal(0)


@dataclass
class StoryData:
    """What an author submits; the same shape from the web form and the API."""

    headline: str
    kicker: str = ""
    subheadline: str = ""
    summary: str = ""
    body: str = ""
    column_id: int | None = None
    tags: list[str] = field(default_factory=list)
    location: str = ""
    source: str = ""
    embargo_until: dt.datetime | None = None
    bylines: list[BylineData] | None = None      # None: leave bylines as they are
    asset_ids: list[int] | None = None           # None: leave attached assets as they are
    # 体裁 and 原创属性 (appraisal scores by them). None: leave as they are (a new story: 文字, 原创).
    genre: str | None = None
    originality: str | None = None


class StaleStory(Exception):
    """Someone saved the story after this editor opened it; their save was refused."""

    def __init__(self, story: Story, conflict: StoryRevision):
        self.story = story
        self.conflict = conflict
        super().__init__(
            f"保存失败：在您编辑期间，这篇稿件已被他人保存为第 {story.version} 版。"
            f"您的修改已完整保留为冲突稿（第 {conflict.number} 号修订），请对照后合并再保存。"
        )


def _clean(center: Center, data: StoryData) -> dict:
    errors: dict[str, list[str]] = {}
    values = {
        "kicker": data.kicker.strip(), "headline": data.headline.strip(), "subheadline": data.subheadline.strip(),
        "summary": data.summary.strip(), "location": data.location.strip(), "source": data.source.strip(),
        "body": clean_body(data.body), "column_id": data.column_id, "embargo_until": data.embargo_until,
        "tags": _clean_tags(data.tags, errors),
    }
    if not values["headline"]:
        errors["headline"] = ["请填写主标题。"]
    for name, limit in LIMITS.items():
        if len(values[name]) > limit:
            errors[name] = [f"最多 {limit} 个字，现在 {len(values[name])} 个字。"]
    if len(values["body"]) > MAX_BODY:
        errors["body"] = [f"正文过长（超过 {MAX_BODY} 个字符），请拆分成多篇稿件。"]
    if data.column_id is not None and not Column.objects.filter(center=center, pk=data.column_id).exists():
        errors["column"] = ["所选栏目不属于本中心。"]
    if data.genre is not None:
        values["genre"] = data.genre
        if data.genre not in Story.Genre.values:
            errors["genre"] = [f"体裁应为：{'、'.join(Story.Genre.labels)}（{'/'.join(Story.Genre.values)}）。"]
    if data.originality is not None:
        values["originality"] = data.originality
        if data.originality not in Story.Originality.values:
            errors["originality"] = [
                f"原创属性应为：{'、'.join(Story.Originality.labels)}（{'/'.join(Story.Originality.values)}）。"]
    if data.bylines is not None:
        _check_bylines(center, data.bylines, errors)
    if data.asset_ids is not None:
        found = set(Asset.objects.filter(center=center, pk__in=data.asset_ids).values_list("pk", flat=True))
        if found != set(data.asset_ids):
            errors["assets"] = ["有素材不存在或不属于本中心。"]
    if errors:
        raise ValidationError(errors)
    return values


def _clean_tags(tags: list[str], errors: dict) -> list[str]:
    cleaned: list[str] = []
    for tag in tags:
        tag = tag.strip().strip("#＃")
        if tag and tag not in cleaned:
            cleaned.append(tag)
    if len(cleaned) > 20 or any(len(t) > 20 for t in cleaned):
        errors["tags"] = ["标签最多 20 个，每个最多 20 个字。"]
    return cleaned


def _check_bylines(center: Center, bylines: list[BylineData], errors: dict) -> None:
    roles = set(Byline.Role.values)
    messages = []
    if any(not b.name.strip() or len(b.name) > 50 for b in bylines):
        messages.append("署名不能为空，最多 50 个字。")
    if any(b.role not in roles for b in bylines):
        messages.append("署名角色无效。")
    if any(b.share < 0 or b.share > 100 for b in bylines):
        messages.append("贡献占比须在 0 到 100 之间。")
    total = sum((b.share for b in bylines), Decimal(0))
    if bylines and total not in (Decimal(0), Decimal(100)):
        messages.append(f"各人贡献占比合计应为 100%（现在是 {total}%），或全部留空。")
    user_ids = [b.user_id for b in bylines if b.user_id]
    if user_ids:
        from rongmei.core.selectors import staff

        if staff(center).filter(pk__in=user_ids).count() != len(set(user_ids)):
            messages.append("署名人员须是本中心的采编人员（部门联络员和系统账号不能署名；外部作者请只填姓名）。")
    if messages:
        errors["bylines"] = messages


def snapshot(story: Story) -> dict:
    """Everything a revision keeps: fields, bylines and attached assets."""
    return {
        **{name: getattr(story, name) for name in FIELDS if name != "embargo_until"},
        "embargo_until": story.embargo_until.isoformat() if story.embargo_until else None,
        "column": story.column.name if story.column_id else "",
        "bylines": [
            {"name": b.name, "role": b.role, "user_id": b.user_id, "share": str(b.share)}
            for b in story.bylines.all()
        ],
        "asset_ids": list(story.story_assets.values_list("asset_id", flat=True)),
    }


def _replace_bylines(story: Story, bylines: list[BylineData]) -> None:
    story.bylines.all().delete()
    Byline.objects.bulk_create([
        Byline(story=story, user_id=b.user_id, name=b.name.strip(), role=b.role, share=b.share, order=i)
        for i, b in enumerate(bylines)
    ])


def _replace_assets(story: Story, asset_ids: list[int]) -> None:
    """Attach the assets in the order given; an asset named twice is attached once (first place)."""
    story.story_assets.all().delete()
    unique = list(dict.fromkeys(asset_ids))
    StoryAsset.objects.bulk_create([StoryAsset(story=story, asset_id=a, order=i) for i, a in enumerate(unique)])


def reindex(story: Story) -> None:
    """Put the story's current text and metadata into the search index."""
    author_ids = [b.user_id for b in story.bylines.all() if b.user_id] or [story.created_by_id]
    search.index(
        story.center, "story", story.pk, title=story.headline,
        body="\n".join(filter(None, [story.kicker, story.subheadline, story.summary, plain_text(story.body)])),
        status=story.status, column_id=story.column_id, author_ids=author_ids,
        date=story.updated_at, url=f"/stories/{story.pk}/",
    )


def _add_revision(story: Story, user: User, note: str, *, snap: dict | None = None, **extra) -> StoryRevision:
    number = (story.revisions.order_by("-number").values_list("number", flat=True).first() or 0) + 1
    return StoryRevision.objects.create(story=story, number=number, snapshot=snap or snapshot(story),
                                        author=user, note=note, **extra)


@transaction.atomic
def create_story(*, center: Center, user: User, data: StoryData, status: str = Story.Status.DRAFT) -> Story:
    values = _clean(center, data)
    story = Story.objects.create(center=center, created_by=user, status=status, **values)
    bylines = data.bylines if data.bylines is not None else [
        BylineData(name=user.display_name or user.username, role=Byline.Role.REPORTER, user_id=user.pk, share=Decimal(100))
    ]
    _replace_bylines(story, bylines)
    if data.asset_ids:
        _replace_assets(story, data.asset_ids)
    _add_revision(story, user, "新建")
    reindex(story)
    record("story.create", actor=user, center=center, obj=story, after={"headline": story.headline, "status": story.status})
    return story


def save_story(*, story: Story, user: User, data: StoryData, base_version: int, note: str = "") -> Story:
    """Save an edit made on `base_version`. If the story has moved on since, nothing is
    overwritten: the edit is kept as a conflict revision (committed) and StaleStory is
    raised, so the editor can compare and merge."""
    if isinstance(base_version, bool) or not isinstance(base_version, int) or not 0 <= base_version <= 2**31 - 1:
        raise ValidationError({"version": "版本号应为开始编辑时稿件的版本（从 1 开始的整数）。"})
    with transaction.atomic():
        values = _clean(story.center, data)
        updated = Story.objects.filter(pk=story.pk, version=base_version).update(
            version=F("version") + 1, updated_at=timezone.now(), body_chars=count_chars(values["body"]), **values
        )
        if updated:
            return _after_save(story, user, data, base_version, note)
        # Lock the story so concurrent refused saves number their revisions one at a time.
        current = Story.objects.select_for_update().get(pk=story.pk)
        conflict = _add_revision(current, user, "冲突稿：他人已先保存，此版未生效", is_conflict=True,
                                 based_on=base_version, snap=_snapshot_of(values, data))
        record("story.conflict", actor=user, center=story.center, obj=story,
               after={"base_version": base_version, "current_version": current.version, "revision": conflict.number})
    raise StaleStory(current, conflict)


def _after_save(story: Story, user: User, data: StoryData, base_version: int, note: str) -> Story:
    story.refresh_from_db()
    before = story.revisions.filter(is_conflict=False).order_by("-number").values_list("snapshot", flat=True).first() or {}
    if data.bylines is not None:
        _replace_bylines(story, data.bylines)
    if data.asset_ids is not None:
        _replace_assets(story, data.asset_ids)
    _add_revision(story, user, note or "保存", based_on=base_version)
    reindex(story)
    changed = sorted(k for k, v in snapshot(story).items() if before.get(k) != v)
    record("story.save", actor=user, center=story.center, obj=story,
           before={"version": base_version}, after={"version": story.version, "changed": changed})
    story_changed.send(sender=Story, story=story, user=user, what="story")
    return story


def _snapshot_of(values: dict, data: StoryData) -> dict:
    """A snapshot of an edit that was not applied (same shape as `snapshot`)."""
    snap = {k: v for k, v in values.items() if k != "embargo_until"}
    snap["embargo_until"] = values["embargo_until"].isoformat() if values["embargo_until"] else None
    column = Column.objects.filter(pk=values["column_id"]).first() if values["column_id"] else None
    snap["column"] = column.name if column else ""
    if data.bylines is not None:
        snap["bylines"] = [{"name": b.name, "role": b.role, "user_id": b.user_id, "share": str(b.share)} for b in data.bylines]
    if data.asset_ids is not None:
        snap["asset_ids"] = list(data.asset_ids)
    return snap


TRANSITIONS = {
    "file": ({Story.Status.DRAFT, Story.Status.EDITING}, Story.Status.FILED, "交稿"),
    "edit": ({Story.Status.FILED, Story.Status.READY}, Story.Status.EDITING, "开始编辑"),
    "ready": ({Story.Status.EDITING, Story.Status.FILED}, Story.Status.READY, "编辑完成，待送审"),
    "spike": ({Story.Status.DRAFT, Story.Status.FILED, Story.Status.EDITING, Story.Status.READY}, Story.Status.SPIKED, "弃用"),
    "restore": ({Story.Status.SPIKED}, Story.Status.DRAFT, "恢复为草稿"),
}


@transaction.atomic
def set_review_state(*, story: Story, user: User, state: str) -> Story:
    """The review room moves a story into review, to signed off, or back to editing."""
    allowed = {
        Story.Status.IN_REVIEW: {Story.Status.READY, Story.Status.EDITING, Story.Status.FILED, Story.Status.SIGNED_OFF},
        Story.Status.SIGNED_OFF: {Story.Status.IN_REVIEW},
        Story.Status.EDITING: {Story.Status.IN_REVIEW, Story.Status.SIGNED_OFF},
    }
    if state not in allowed:
        raise ValidationError("未知的审核状态。")
    before = Story.objects.select_for_update().get(pk=story.pk).status
    if before not in allowed[state]:
        raise ValidationError(f"稿件当前为“{Story.Status(before).label}”，不能转为“{Story.Status(state).label}”。")
    Story.objects.filter(pk=story.pk).update(status=state, updated_at=timezone.now())
    story.refresh_from_db()
    reindex(story)
    record("story.status", actor=user, center=story.center, obj=story, before={"status": before}, after={"status": state})
    story_status_changed.send(sender=Story, story=story, user=user, before=before, after=state)
    return story


@transaction.atomic
def change_status(*, story: Story, user: User, action: str) -> Story:
    """Move a story along its life: file (交稿), edit, ready, spike (弃用), restore."""
    if action not in TRANSITIONS:
        raise ValidationError("未知的操作。")
    allowed_from, target, label = TRANSITIONS[action]
    updated = Story.objects.filter(pk=story.pk, status__in=allowed_from).update(status=target, updated_at=timezone.now())
    if not updated:
        story.refresh_from_db()
        raise ValidationError(f"稿件当前为“{story.get_status_display()}”，不能“{label}”。")
    before = story.status
    story.refresh_from_db()
    reindex(story)
    record("story.status", actor=user, center=story.center, obj=story, before={"status": before}, after={"status": story.status})
    story_status_changed.send(sender=Story, story=story, user=user, before=before, after=story.status)
    return story


def touch_presence(*, story: Story, user: User) -> list[User]:
    """Note that `user` has the story open; return the others who have it open now."""
    now = timezone.now()
    EditSession.objects.update_or_create(story=story, user=user, defaults={"last_seen": now})
    since = now - dt.timedelta(seconds=PRESENCE_SECONDS)
    others = EditSession.objects.filter(story=story, last_seen__gte=since).exclude(user=user).select_related("user")
    return [s.user for s in others]


def leave_presence(*, story: Story, user: User) -> None:
    EditSession.objects.filter(story=story, user=user).delete()
