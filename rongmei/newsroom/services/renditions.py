"""Collect once, produce many: a rendition per channel, generated from the master story and
then edited by hand. A rendition remembers the story version it came from."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F

from rongmei.core import search
from rongmei.core import selectors as core_selectors
from rongmei.core.models import User
from rongmei.core.services import record
from rongmei.newsroom import generators
from rongmei.newsroom.generators import spoken
from rongmei.newsroom.generators import text as gtext
from rongmei.newsroom.generators.types import BylineInput, ImageInput, MediaInput, StoryInput
from rongmei.newsroom.models import Asset, Byline, Rendition, Story
from rongmei.newsroom.signals import story_changed

# Channel-specific parts an editor may change by hand, with their limits.
EDITABLE_FIELDS: dict[str, list[tuple[str, str, int | None]]] = {
    "wechat": [("digest", "摘要（≤120字）", 120), ("author", "作者（≤8字）", 8)],
    "weibo": [("short_text", "短微博/导读（≤140字）", 140)],
    "short_video": [("caption", "标题（≤55字）", 55), ("tags", "话题标签（空格分隔）", None)],
    "tv": [("lead", "导语", None)],
}
TITLE_LIMITS = {"wechat": 32, "weibo": 140, "short_video": 55}
CHARS_PER_MINUTE = 250  # reading pace of radio and TV scripts, as the generators use


class StaleRendition(Exception):
    def __init__(self, rendition: Rendition):
        self.rendition = rendition
        super().__init__(f"保存失败：在您修改期间，{rendition.updated_by}已保存了新版本。请刷新后在最新版本上修改（您的文字请先复制保存）。")


def _absolute(f) -> str:
    return f.url if f else ""


def story_input(story: Story) -> StoryInput:
    """Flatten a story and its assets into what the generators read."""
    images, media = [], []
    for link in story.story_assets.select_related("asset").prefetch_related("asset__renditions"):
        asset = link.asset
        if asset.kind == Asset.Kind.IMAGE:
            renditions = {r.name: r for r in asset.renditions.all()}
            web = renditions.get("web")
            srcset = tuple((_absolute(r.file), r.width) for name, r in sorted(renditions.items()) if name.startswith("web"))
            images.append(ImageInput(
                url=_absolute(web.file) if web else _absolute(asset.file), caption=asset.caption, credit=asset.credit,
                width=web.width if web else asset.width or 0, height=web.height if web else asset.height or 0,
                cover_url=_absolute(renditions["wechat_cover"].file) if "wechat_cover" in renditions else "",
                square_url=_absolute(renditions["square"].file) if "square" in renditions else "", srcset=srcset,
            ))
        elif asset.kind in (Asset.Kind.AUDIO, Asset.Kind.VIDEO):
            media.append(MediaInput(kind=asset.kind, url=_absolute(asset.file), duration_seconds=asset.duration,
                                    poster_url=_absolute(asset.poster), caption=asset.caption))
    roles = dict(Byline.Role.choices)
    return StoryInput(
        center_name=story.center.name, headline=story.headline, kicker=story.kicker, subheadline=story.subheadline,
        summary=story.summary, body_html=story.body, column=story.column.name if story.column_id else "",
        tags=tuple(story.tags), location=story.location, source=story.source,
        bylines=tuple(BylineInput(name=b.name, role=roles.get(b.role, b.role)) for b in story.bylines.all()),
        images=tuple(images), media=tuple(media), url="",
        user_words=tuple(core_selectors.place_and_office_names(story.center)),
    )


@transaction.atomic
def generate(*, story: Story, user: User, channels: list[str] | None = None) -> list[Rendition]:
    """(Re)generate renditions from the story as it is now. Regenerating replaces the
    text, including hand edits: the editor asked for it explicitly."""
    story = Story.objects.select_for_update().get(pk=story.pk)
    source = story_input(story)
    made = []
    for channel in channels or Rendition.Channel.values:
        draft = generators.generate(channel, source)
        rendition, created = Rendition.objects.get_or_create(
            story=story, channel=channel,
            defaults={"center": story.center, "title": draft.title, "body": draft.body, "fields": draft.fields,
                      "stats": draft.stats, "warnings": draft.warnings, "source_version": story.version,
                      "updated_by": user},
        )
        if not created:
            Rendition.objects.filter(pk=rendition.pk).update(
                title=draft.title, body=draft.body, fields=draft.fields, stats=draft.stats, warnings=draft.warnings,
                source_version=story.version, edited=False, version=F("version") + 1, updated_by=user)
            rendition.refresh_from_db()
        _index(rendition)
        made.append(rendition)
    record("rendition.generate", actor=user, center=story.center, obj=story,
           after={"channels": [r.channel for r in made], "story_version": story.version})
    story_changed.send(sender=Rendition, story=story, user=user, what="renditions")
    return made


def editable_fields(rendition: Rendition) -> list[dict]:
    rows = []
    for name, label, limit in EDITABLE_FIELDS.get(rendition.channel, []):
        value = rendition.fields.get(name, "")
        if isinstance(value, list):
            value = " ".join(value)
        rows.append({"name": name, "label": label, "limit": limit, "value": value})
    return rows


def fields_from_post(channel: str, post) -> dict:
    return {name: post.get(f"field_{name}", "") for name, _, _ in EDITABLE_FIELDS.get(channel, [])}


def _measure(channel: str, text: str) -> int:
    return gtext.weibo_length(text) if channel == "weibo" else len(text)


def _validate(rendition: Rendition, title: str, body: str, fields: dict) -> dict:
    errors: dict[str, list[str]] = {}
    channel = rendition.channel
    if not title.strip():
        errors["title"] = ["请填写标题。"]
    limit = TITLE_LIMITS.get(channel)
    if limit and _measure(channel, title) > limit:
        errors["title"] = [f"{rendition.get_channel_display()}标题最多 {limit} 字，现在 {_measure(channel, title)} 字。"]
    if not body.strip():
        errors["body"] = ["内容不能为空。"]
    if channel == "weibo" and rendition.fields.get("mode") == "short" and gtext.weibo_length(body) > 140:
        errors["body"] = [f"短微博最多 140 字（按微博规则计算），现在 {gtext.weibo_length(body)} 字。请删减，或在“导读”中写短文、正文作为长微博。"]
    if channel in ("wechat", "web") and len(body) > 200_000:
        errors["body"] = ["内容过长。"]
    for name, label, field_limit in EDITABLE_FIELDS.get(channel, []):
        value = fields.get(name, "")
        if field_limit and _measure(channel, value) > field_limit:
            errors[f"field_{name}"] = [f"{label.split('（')[0]}最多 {field_limit} 字，现在 {_measure(channel, value)} 字。"]
    if errors:
        raise ValidationError(errors)
    cleaned = dict(rendition.fields)
    for name, value in fields.items():
        cleaned[name] = value.split() if name == "tags" else value.strip()
    if channel == "weibo" and rendition.fields.get("mode") == "long" and gtext.weibo_length(body) <= 140:
        cleaned["mode"] = "short"
    return cleaned


@transaction.atomic
def save(*, rendition: Rendition, user: User, base_version: int, title: str, body: str, fields: dict) -> Rendition:
    """Save a hand edit; refused when someone saved the rendition after this editor opened it."""
    if rendition.channel in ("web", "wechat"):
        from rongmei.newsroom.html import clean_body

        body = clean_body(body) if rendition.channel == "web" else generators.clean_wechat_html(body)
    new_fields = _validate(rendition, title, body, fields)
    stats = dict(rendition.stats)
    stats["char_count"] = _measure(rendition.channel, gtext.html_to_text(body) if rendition.channel in ("web", "wechat") else body)
    if rendition.channel in ("radio", "tv"):
        stats["estimated_seconds"] = spoken.speaking_seconds(body, CHARS_PER_MINUTE)
    updated = Rendition.objects.filter(pk=rendition.pk, version=base_version).update(
        title=title.strip(), body=body, fields=new_fields, stats=stats, edited=True, version=F("version") + 1,
        updated_by=user)
    if not updated:
        rendition.refresh_from_db()
        raise StaleRendition(rendition)
    before = {"title": rendition.title, "version": base_version}
    rendition.refresh_from_db()
    _index(rendition)
    record("rendition.save", actor=user, center=rendition.center, obj=rendition, before=before,
           after={"title": rendition.title, "version": rendition.version})
    story_changed.send(sender=Rendition, story=rendition.story, user=user, what=f"rendition:{rendition.channel}")
    return rendition


def _index(rendition: Rendition) -> None:
    text = gtext.html_to_text(rendition.body) if rendition.channel in ("web", "wechat") else rendition.body
    search.index(rendition.center, "rendition", rendition.pk, title=f"{rendition.get_channel_display()}：{rendition.title}", body=text,
                 status=rendition.channel, column_id=rendition.story.column_id,
                 author_ids=[rendition.updated_by_id], date=rendition.updated_at,
                 url=f"/stories/{rendition.story_id}/renditions/{rendition.channel}/")
