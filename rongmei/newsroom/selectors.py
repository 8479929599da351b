"""Reads of newsroom data: lists, a story with everything it shows, readable diffs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import BinaryIO

from diff_match_patch import diff_match_patch
from django.db.models import Prefetch, Q, QuerySet
from django.utils.html import escape

from rongmei.core.models import Center, User
from rongmei.core.tenancy import scoped
from rongmei.newsroom.html import plain_text
from rongmei.newsroom.models import (
    Asset,
    Byline,
    CenterDefaults,
    Column,
    Rendition,
    Story,
    StoryAsset,
    StoryRevision,
)

FIELD_LABELS = {
    "kicker": "引题", "headline": "主标题", "subheadline": "副标题", "summary": "摘要", "body": "正文",
    "column": "栏目", "tags": "标签", "location": "地点", "source": "来源", "embargo_until": "禁发至",
    "bylines": "署名", "asset_ids": "素材",
}


def columns(center: Center) -> QuerySet:
    return scoped(Column, center).filter(is_active=True)


# Who reads what: the one place. A story past sign-off is readable by every role with
# "newsroom.view_stories"; an unfinished one only by its authors and by roles with
# "newsroom.view_drafts" (desk, reviewers, chief editor, center admin).
READABLE_STATUSES = (Story.Status.SIGNED_OFF,)


def reads_drafts(user: User | None, center: Center) -> bool:
    """None is the system (tasks, other rooms' internal reads): it reads everything."""
    return user is None or user.has_perm("newsroom.view_drafts", center)


def readable_stories(center: Center, user: User | None) -> QuerySet:
    """The center's stories `user` may read: all with "newsroom.view_drafts", else the
    signed-off ones and their own (created or bylined)."""
    qs = scoped(Story, center)
    if reads_drafts(user, center):
        return qs
    own = Q(created_by=user) | Q(pk__in=Byline.objects.filter(user=user).values("story_id"))
    return qs.filter(Q(status__in=READABLE_STATUSES) | own)


def readable_assets(center: Center, user: User | None) -> QuerySet:
    """Writers pick photos from the whole library, so people who write or read drafts see
    it all; others see what they uploaded and what readable stories use."""
    qs = scoped(Asset, center)
    if reads_drafts(user, center) or user.has_perm("newsroom.write_story", center):
        return qs
    used = StoryAsset.objects.filter(story__in=readable_stories(center, user)).values("asset_id")
    return qs.filter(Q(uploaded_by=user) | Q(pk__in=used))


def readable_search_objects(center: Center, user: User | None) -> dict[str, QuerySet] | None:
    """For `search.search(only=...)`: the stories, renditions and assets `user` may read,
    or None when they read everything."""
    if reads_drafts(user, center):
        return None
    visible = readable_stories(center, user)
    return {
        "story": visible,
        "rendition": renditions_of(center, visible),
        "asset": readable_assets(center, user),
    }


SEARCH_KINDS = {"story": "稿件", "rendition": "渠道稿", "asset": "素材"}
# Renditions repeat their story seven times; they are searched when asked for.
DEFAULT_SEARCH_KINDS = ("story", "asset")


def search_statuses() -> dict[str, str]:
    """The status filter's values: a story's workflow status, or its public state."""
    from rongmei.newsroom import public_life

    return {**dict(Story.Status.choices), **public_life.STATES}


def search(center: Center, user: User | None, query: str, *, kinds=None, status: str = "",
           column_id: int | None = None, author_id: int | None = None, date_from=None, date_to=None,
           limit: int = 20, offset: int = 0):
    """全文检索 for the search page and the API: what `user` may read of the center's stories,
    renditions and assets containing every word of `query`. Unknown kinds are ignored (none
    given: stories and assets); `status` is a story status or a public state (已发布/已撤稿,
    which keeps stories in that state and their renditions); anything else means all."""
    from rongmei.core import search as index
    from rongmei.newsroom import public_life

    kinds = [k for k in (kinds or ()) if k in SEARCH_KINDS] or list(DEFAULT_SEARCH_KINDS)
    only = readable_search_objects(center, user)
    if status in public_life.STATES:
        stories = public_life.filter_stories(readable_stories(center, user), center, status)
        only = {"story": stories, "rendition": renditions_of(center, stories)}
        kinds = [k for k in kinds if k != "asset"] or ["story"]
    return index.search(
        center, query, kinds=kinds, status=status if status in Story.Status.values else None,
        column_id=column_id, author_id=author_id, date_from=date_from, date_to=date_to,
        limit=limit, offset=offset, only=only,
    )


def renditions_of(center: Center, stories: QuerySet) -> QuerySet:
    return scoped(Rendition, center).filter(story__in=stories)


def stories(center: Center, *, status: str = "", column_id: int | None = None, mine: User | None = None,
            user: User | None = None) -> QuerySet:
    """Stories for lists; with `user`, only those they may read."""
    qs = readable_stories(center, user).select_related("column", "created_by").prefetch_related(
        "bylines", Prefetch("story_assets", queryset=StoryAsset.objects.select_related("asset")), "story_assets__asset__renditions")
    if status:
        qs = qs.filter(status=status)
    if column_id:
        qs = qs.filter(column_id=column_id)
    if mine is not None:
        qs = qs.filter(Q(created_by=mine) | Q(bylines__user=mine)).distinct()
    return qs


def story_for_page(center: Center, pk: int, user: User | None = None) -> Story:
    """One story with what its page shows; with `user`, a story they may not read is 404."""
    from django.shortcuts import get_object_or_404

    return get_object_or_404(
        readable_stories(center, user).select_related("column", "created_by").prefetch_related(
            "bylines", Prefetch("story_assets", queryset=StoryAsset.objects.select_related("asset")),
            "story_assets__asset__renditions", "renditions"),
        pk=pk,
    )


def story_assets(story: Story) -> list[Asset]:
    return [link.asset for link in story.story_assets.all()]


def assets(center: Center, *, kind: str = "", query: str = "", user: User | None = None) -> QuerySet:
    """The asset library; with `user`, only what they may see."""
    qs = readable_assets(center, user).select_related("uploaded_by").prefetch_related("renditions")
    if kind:
        qs = qs.filter(kind=kind)
    if query:
        qs = qs.filter(Q(caption__icontains=query) | Q(credit__icontains=query) | Q(original_name__icontains=query))
    return qs


def renditions(story: Story) -> list[Rendition]:
    by_channel = {r.channel: r for r in story.renditions.all()}
    return [by_channel[c] for c in Rendition.Channel.values if c in by_channel]


def revisions(story: Story) -> QuerySet:
    return story.revisions.select_related("author")


def _as_text(name: str, value) -> str:
    if name == "body":
        return plain_text(value or "")
    if name == "bylines":
        roles = dict(Byline.Role.choices)
        return "、".join(f"{b['name']}（{roles.get(b['role'], b['role'])}，{b['share']}%）" for b in value or [])
    if isinstance(value, list):
        return "、".join(str(v) for v in value)
    return "" if value is None else str(value)


def diff_html(old: str, new: str) -> str:
    """Character-level diff (Chinese has no spaces between words), cleaned up so the
    changes read as whole phrases; deletions in <del>, insertions in <ins>."""
    engine = diff_match_patch()
    diffs = engine.diff_main(old, new)
    engine.diff_cleanupSemantic(diffs)
    parts = []
    for op, text in diffs:
        text = escape(text).replace("\n", "<br>")
        parts.append(text if op == 0 else f"<{'ins' if op == 1 else 'del'}>{text}</{'ins' if op == 1 else 'del'}>")
    return "".join(parts)


def compare(old: dict, new: dict) -> list[dict]:
    """Per field: label, changed?, and the diff, for any two snapshots."""
    rows = []
    for name, label in FIELD_LABELS.items():
        if name == "column_id":
            continue
        a, b = _as_text(name, old.get(name)), _as_text(name, new.get(name))
        if a != b:
            rows.append({"field": name, "label": label, "diff": diff_html(a, b)})
    return rows


def revision_pair(story: Story, a: int, b: int) -> tuple[StoryRevision, StoryRevision]:
    from django.shortcuts import get_object_or_404

    return (get_object_or_404(story.revisions, number=a), get_object_or_404(story.revisions, number=b))


def latest_revision(story: Story) -> StoryRevision | None:
    return story.revisions.filter(is_conflict=False).order_by("-number").first()


def rendition_for(story_id: int, channel: str) -> Rendition | None:
    """A story's rendition for one channel (for the rooms that publish it)."""
    return Rendition.objects.filter(story_id=story_id, channel=channel).first()


def effective_cover(story: Story) -> Asset | None:
    """The picture that goes out as the piece's cover (the WeChat 封面, list pictures): the
    story's own first image, else its column's default cover, else the center's. Callers
    (the WeChat adapter, `newsroom.published`, the pre-flight) ask here and nowhere else."""
    return cover_source(story)[0]


COVER_SOURCES = {"story": "稿件图片", "column": "栏目默认封面", "center": "中心默认封面"}


def cover_source(story: Story) -> tuple[Asset | None, str]:
    """(the effective cover, where it comes from: "story", "column", "center" or "").

    What the sign-off hash covers: the story's own cover is content (it is a picture of the
    piece, chosen by its authors) and belongs in the hash; a default cover is settled
    configuration of the column or the center, set on the 栏目与默认封面 page by people with
    "newsroom.manage_columns" and audited there. It is deliberately NOT part of the hash:
    configuring a default for a text-only 通告 that was signed with no cover must not
    withdraw its sign-off (that is the point of a default: such notices go to WeChat
    without a new review round). The reviewer still sees which default will go out
    (`newsroom.published` shows the resolved cover with its source)."""
    own = story.cover
    if own is not None:
        return own, "story"
    column = story.column if story.column_id else None
    if column is not None and column.default_cover_id:
        cover = _usable_image(column.default_cover)
        if cover is not None:
            return cover, "column"
    defaults = CenterDefaults.objects.filter(center_id=story.center_id).select_related("default_cover").first()
    if defaults is not None and defaults.default_cover_id:
        cover = _usable_image(defaults.default_cover)
        if cover is not None:
            return cover, "center"
    return None, ""


def _usable_image(asset: Asset | None) -> Asset | None:
    """A configured default only counts while it is an image of the same center."""
    return asset if asset is not None and asset.kind == Asset.Kind.IMAGE else None


def center_defaults(center: Center) -> CenterDefaults | None:
    return CenterDefaults.objects.filter(center=center).select_related("default_cover").first()


def chosen_wechat_cover(story: Story) -> Asset | None:
    """The cover the editor picked for the WeChat version (its `cover_asset`, chosen in the
    WeChat editor from the story's pictures), while it is still one of them; else None and
    the effective cover applies (`newsroom.published.wechat_cover`)."""
    rendition = rendition_for(story.pk, Rendition.Channel.WECHAT)
    chosen = rendition.fields.get("cover_asset") if rendition is not None else None
    if not isinstance(chosen, int):
        return None
    link = story.story_assets.select_related("asset").prefetch_related("asset__renditions").filter(
        asset_id=chosen, asset__kind=Asset.Kind.IMAGE).first()
    return link.asset if link is not None else None


def wechat_source_url(story: Story) -> str:
    """The 原文链接 set on the WeChat version ("阅读原文"), or "" when the editor left it empty
    and the story's own page is used."""
    rendition = rendition_for(story.pk, Rendition.Channel.WECHAT)
    return str(rendition.fields.get("source_url") or "").strip() if rendition is not None else ""


# -- 17:VJ -- the finished video versions, for the adapters (抖音, 快手, the province's platform)
@dataclass(frozen=True)
class VideoFile:
    """One finished video of a story, as the short-video rendition records it (the file
    the reviewers signed). Read it with `open()`: through storage, never a path."""

    job_id: int
    shape: str
    name: str
    size: int
    sha256: str
    duration: float
    width: int
    height: int
    mime: str = "video/mp4"
    srt: str = ""
    cover_name: str = ""

    def open(self) -> BinaryIO:
        from django.core.files.storage import default_storage

        return default_storage.open(self.name, "rb")

    def open_cover(self) -> BinaryIO | None:
        from django.core.files.storage import default_storage

        return default_storage.open(self.cover_name, "rb") if self.cover_name else None


def video_file(story: Story, shape: str = "vertical") -> VideoFile | None:
    """The story's finished video of `shape` whose checksum is the one recorded in its
    short-video rendition (what review signed); None when there is none, or when the
    recorded job no longer has exactly that file."""
    from rongmei.newsroom.models import VideoJob
    from rongmei.newsroom.video.jobs import FIELD_FOR_SHAPE

    key = FIELD_FOR_SHAPE.get(shape)
    rendition = rendition_for(story.pk, Rendition.Channel.SHORT_VIDEO) if key else None
    value = rendition.fields.get(key) if rendition is not None else None
    if not isinstance(value, dict) or not isinstance(value.get("job"), int) or not value.get("sha256"):
        return None
    job = VideoJob.objects.filter(pk=value["job"], story_id=story.pk, center_id=story.center_id, shape=shape,
                                  status=VideoJob.Status.DONE, sha256=value["sha256"]).first()
    if job is None or not job.output:
        return None
    if value.get("cover_sha256", "") != job.cover_sha256:
        return None
    srt = ""
    if job.srt_file:
        from django.core.files.storage import default_storage

        with default_storage.open(job.srt_file.name, "rb") as fh:
            srt = fh.read().decode("utf-8")
    return VideoFile(job_id=job.pk, shape=job.shape, name=job.output.name, size=job.size, sha256=job.sha256,
                     duration=job.duration, width=job.width, height=job.height, srt=srt,
                     cover_name=job.cover.name if job.cover else "")


def video_jobs(story: Story) -> QuerySet:
    from rongmei.newsroom.models import VideoJob

    return VideoJob.objects.filter(story=story, center_id=story.center_id).select_related("created_by", "music")


def storage_bytes(center_ids) -> dict[int, int]:
    """Bytes of media each center holds: its assets' originals (``Asset.size``) and the
    videos made from them (``VideoJob.size``); image sizes derived on upload are not
    recorded and not counted. {center id: bytes}, 0 for a center with none."""
    from django.db.models import Sum

    from rongmei.newsroom.models import VideoJob

    ids = list(center_ids)
    found = {pk: 0 for pk in ids}
    for model in (Asset, VideoJob):
        for row in model.objects.filter(center_id__in=ids).values("center_id").annotate(n=Sum("size")).order_by():
            found[row["center_id"]] += row["n"] or 0
    return found
