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
from rongmei.core.validators import MESSAGE as URL_MESSAGE
from rongmei.core.validators import is_safe_url
from rongmei.newsroom import generators
from rongmei.newsroom.generators import spoken
from rongmei.newsroom.generators import text as gtext
from rongmei.newsroom.generators.types import BylineInput, ImageInput, MediaInput, StoryInput
from rongmei.newsroom.models import Asset, Byline, Rendition, Story
from rongmei.newsroom.signals import story_changed

SOURCE_URL_LIMIT = 960  # bytes: WeChat takes 1 KB of content_source_url, and the delivery key is added
# Channel-specific parts an editor may change by hand, with their limits.
# A Weibo post always goes out with the story's link, which Weibo counts as 20 whatever its
# length (`newsroom.published.weibo_text` appends it and drops links typed into the text):
# the words themselves get what is left of 140.
WEIBO_LINK = gtext.weibo_length(" https://t.cn/0")
WEIBO_WORDS = 140 - WEIBO_LINK
EDITABLE_FIELDS: dict[str, list[tuple[str, str, int | None]]] = {
    "wechat": [("digest", "摘要（≤120字）", 120), ("author", "作者（≤8字）", 8),
               ("source_url", "原文链接（“阅读原文”，留空则用本站稿件页）", None)],
    "weibo": [("short_text", f"短微博/导读（≤{WEIBO_WORDS}字，发布时另附稿件链接）", WEIBO_WORDS)],
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
def generate(*, story: Story, user: User, channels: list[str] | None = None,
             replace_edited: list[str] | tuple[str, ...] = ()) -> list[Rendition]:
    """(Re)generate renditions from the story as it is now and return those made. A version
    edited by hand (Rendition.edited) is kept unless its channel is in `replace_edited`:
    全部重新生成 never silently overwrites an editor's work (issue 13)."""
    story = Story.objects.select_for_update().get(pk=story.pk)
    source = story_input(story)
    edited = set(story.renditions.filter(edited=True).values_list("channel", flat=True))
    made, kept = [], []
    for channel in channels or Rendition.Channel.values:
        if channel in edited and channel not in replace_edited:
            kept.append(channel)
            continue
        draft = generators.generate(channel, source)
        rendition, created = Rendition.objects.get_or_create(
            story=story, channel=channel,
            defaults={"center": story.center, "title": draft.title, "body": draft.body, "fields": draft.fields,
                      "stats": draft.stats, "warnings": draft.warnings, "source_version": story.version,
                      "updated_by": user},
        )
        if not created:
            # -- 17:VJ -- the finished video versions are not text: regenerating keeps them
            kept_video = {k: v for k, v in rendition.fields.items() if k in ("video", "video_horizontal")}
            Rendition.objects.filter(pk=rendition.pk).update(
                title=draft.title, body=draft.body, fields={**draft.fields, **kept_video}, stats=draft.stats, warnings=draft.warnings,
                source_version=story.version, edited=False, version=F("version") + 1, updated_by=user)
            rendition.refresh_from_db()
        _index(rendition)
        made.append(rendition)
    record("rendition.generate", actor=user, center=story.center, obj=story,
           after={"channels": [r.channel for r in made], "kept_edited": kept, "story_version": story.version})
    if made:
        story_changed.send(sender=Rendition, story=story, user=user, what="renditions")
    return made


def channel_noun(channel: str) -> str:
    """The version's name in a sentence: 广播稿, 电视稿, 微博稿 (never 广播稿稿)."""
    label = Rendition.Channel(channel).label
    return label if label.endswith("稿") else f"{label}稿"


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
    """Length as the channel counts it; for Weibo without typed links (the post carries the
    story's link instead, counted in WEIBO_LINK)."""
    return gtext.weibo_length(gtext.URL_RE.sub("", text).strip()) if channel == "weibo" else len(text)


def _validate(rendition: Rendition, title: str, body: str, fields: dict, cover=None) -> dict:
    errors: dict[str, list[str]] = {}
    channel = rendition.channel
    if not title.strip():
        errors["title"] = ["请填写标题。"]
    limit = TITLE_LIMITS.get(channel)
    if limit and _measure(channel, title) > limit:
        errors["title"] = [f"{rendition.get_channel_display()}标题最多 {limit} 字，现在 {_measure(channel, title)} 字。"]
    if not body.strip():
        errors["body"] = ["内容不能为空。"]
    if channel == "weibo" and rendition.fields.get("mode") == "short" and _measure(channel, body) > WEIBO_WORDS:
        errors["body"] = [f"短微博最多 {WEIBO_WORDS} 字（按微博规则计算；发布时另附稿件链接，连同空格占 {WEIBO_LINK} 字，合计 140 字），"
                          f"现在 {_measure(channel, body)} 字。请删减，或在“导读”中写短文、正文作为长微博。"]
    if channel in ("wechat", "web") and len(body) > 200_000:
        errors["body"] = ["内容过长。"]
    for name, label, field_limit in EDITABLE_FIELDS.get(channel, []):
        value = fields.get(name, "")
        if field_limit and _measure(channel, value) > field_limit:
            errors[f"field_{name}"] = [f"{label.split('（')[0]}最多 {field_limit} 字，现在 {_measure(channel, value)} 字。"]
    source_url = fields.get("source_url", "").strip()
    if source_url and not is_safe_url(source_url):
        errors["field_source_url"] = [f"原文链接有误：{URL_MESSAGE}例如 https://www.example.gov.cn/news/1.html"]
    elif len(source_url.encode("utf-8")) > SOURCE_URL_LIMIT:
        errors["field_source_url"] = [f"原文链接太长：微信最多接受约 {SOURCE_URL_LIMIT} 字节，请换一个短一些的地址。"]
    chosen = _cover_fields(rendition, cover, errors) if channel == "wechat" and cover not in (None, "") else {}
    if errors:
        raise ValidationError(errors)
    cleaned = dict(rendition.fields)
    for name, value in fields.items():
        cleaned[name] = value.split() if name == "tags" else value.strip()
    cleaned.update(chosen)
    if channel == "weibo" and rendition.fields.get("mode") == "long" and gtext.weibo_length(body) <= 140:
        cleaned["mode"] = "short"
    return cleaned


@transaction.atomic
def save(*, rendition: Rendition, user: User, base_version: int, title: str, body: str, fields: dict,
         visual: bool = False, cover: str | int | None = None) -> Rendition:
    """Save a hand edit; refused when someone saved the rendition after this editor opened it.

    WeChat: `visual` means `body` comes from the visual editor (the plain article) and the
    system writes WeChat's inline styles; otherwise it is WeChat HTML typed by hand (the
    advanced option), kept within the safe styles. `cover` is the id of one of the story's
    pictures, chosen as the article's cover; None keeps the current one."""
    if rendition.channel == "web":
        from rongmei.newsroom.html import clean_body

        body = clean_body(body)
    elif rendition.channel == "wechat":
        from rongmei.newsroom import wechat_html

        body = wechat_html.from_editor(body) if visual else generators.clean_wechat_html(body)
    new_fields = _validate(rendition, title, body, fields, cover=cover)
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


def cover_choices(rendition: Rendition) -> list[dict]:
    """The story's pictures a WeChat cover may be picked from, the current one marked."""
    current = rendition.fields.get("cover_asset")
    rows = []
    for link in rendition.story.story_assets.select_related("asset").prefetch_related("asset__renditions"):
        asset = link.asset
        if asset.kind != Asset.Kind.IMAGE:
            continue
        url = _cover_url(asset)
        chosen = asset.pk == current if current else url == rendition.fields.get("cover")
        rows.append({"asset": asset, "url": url, "chosen": chosen})
    return rows


def _cover_url(asset: Asset) -> str:
    """The 2.35:1 crop WeChat shows above the headline, or the picture itself without one."""
    return asset.url_of("wechat_cover")


def _cover_fields(rendition: Rendition, cover, errors: dict) -> dict:
    try:
        asset_id = int(cover)
    except (TypeError, ValueError):
        asset_id = None
    link = rendition.story.story_assets.select_related("asset").filter(
        asset_id=asset_id, asset__kind=Asset.Kind.IMAGE).first() if asset_id else None
    if link is None:
        errors["cover"] = ["封面只能从这篇稿件的图片中选。请在下面的图片里点选一张；要用新图片，请先把它加到稿件里。"]
        return {}
    return {"cover": _cover_url(link.asset), "cover_asset": link.asset_id}


def _index(rendition: Rendition) -> None:
    text = gtext.html_to_text(rendition.body) if rendition.channel in ("web", "wechat") else rendition.body
    search.index(rendition.center, "rendition", rendition.pk, title=f"{rendition.get_channel_display()}：{rendition.title}", body=text,
                 status=rendition.channel, column_id=rendition.story.column_id,
                 author_ids=[rendition.updated_by_id], date=rendition.updated_at,
                 url=f"/stories/{rendition.story_id}/renditions/{rendition.channel}/")
