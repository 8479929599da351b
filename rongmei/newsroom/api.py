"""Newsroom API: what the reporters' app and integrations use to file stories from the field."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from ninja import Field, File, Form, Query, Router, Schema, Status
from ninja.errors import HttpError
from ninja.files import UploadedFile

from rongmei.core.api import require
from rongmei.core.api_kit import ERRORS, CursorQuery, ErrorOut, LimitQuery, invalid, page_of, paginate, paginate_list
from rongmei.core.ids import Id, Version
from rongmei.core.tenancy import get_scoped_or_404
from rongmei.newsroom import selectors
from rongmei.newsroom.models import Asset, Rendition, Story
from rongmei.newsroom.services import assets as asset_services
from rongmei.newsroom.services import renditions as rendition_services
from rongmei.newsroom.services import stories as story_services
from rongmei.newsroom.policies import can_edit

router = Router(tags=["稿件与素材"])


class BylineIn(Schema):
    name: str
    role: str = "reporter"
    user_id: Id | None = None
    share: Decimal = Decimal(0)


class StoryIn(Schema):
    headline: str
    kicker: str = ""
    subheadline: str = ""
    summary: str = ""
    body: str = ""
    column_id: Id | None = None
    tags: list[str] = []
    location: str = ""
    source: str = ""
    embargo_until: dt.datetime | None = None
    bylines: list[BylineIn] | None = None
    asset_ids: list[Id] | None = None
    genre: str | None = Field(None, description="体裁：text 文字 / photo 图片 / video 视频 / live 直播 / h5 H5 / "
                                                "long_image 长图；不传则不变（新建时为 text）")
    originality: str | None = Field(None, description="原创属性：original 原创 / adapted 编辑整合 / reprint 转载；"
                                                      "不传则不变（新建时为 original）")


class StoryUpdateIn(StoryIn):
    version: Version


class BylineOut(Schema):
    name: str
    role: str
    user_id: int | None
    share: Decimal


class StoryOut(Schema):
    id: int
    status: str
    version: int
    kicker: str
    headline: str
    subheadline: str
    summary: str
    body: str
    column_id: int | None
    tags: list[str]
    location: str
    source: str
    embargo_until: dt.datetime | None
    genre: str = Field(..., description="体裁")
    originality: str = Field(..., description="原创属性")
    bylines: list[BylineOut]
    asset_ids: list[int]
    updated_at: dt.datetime


class AssetOut(Schema):
    id: int
    kind: str
    mime: str
    size: int
    width: int | None
    height: int | None
    duration: float | None
    caption: str
    credit: str
    url: str
    thumb_url: str
    processing_note: str


class RenditionOut(Schema):
    channel: str
    title: str
    body: str
    fields: dict
    stats: dict
    warnings: list[str]
    source_version: int
    stale: bool
    edited: bool
    version: int


class ActionIn(Schema):
    action: str


class StoryConflictOut(ErrorOut):
    current_version: int = Field(..., description="稿件现在的版本号")
    conflict_revision: int = Field(..., description="您这次提交保存成的冲突稿修订号")


def _story_out(story: Story) -> StoryOut:
    return StoryOut(
        id=story.pk, status=story.status, version=story.version, kicker=story.kicker, headline=story.headline,
        subheadline=story.subheadline, summary=story.summary, body=story.body, column_id=story.column_id,
        tags=story.tags, location=story.location, source=story.source, embargo_until=story.embargo_until,
        genre=story.genre, originality=story.originality,
        bylines=[BylineOut(name=b.name, role=b.role, user_id=b.user_id, share=b.share) for b in story.bylines.all()],
        asset_ids=[link.asset_id for link in story.story_assets.all()], updated_at=story.updated_at,
    )


def _asset_out(asset: Asset) -> AssetOut:
    return AssetOut(id=asset.pk, kind=asset.kind, mime=asset.mime, size=asset.size, width=asset.width,
                    height=asset.height, duration=asset.duration, caption=asset.caption, credit=asset.credit,
                    url=asset.file.url, thumb_url=asset.thumb_url, processing_note=asset.processing_note)


def _data(payload: StoryIn) -> story_services.StoryData:
    return story_services.StoryData(
        headline=payload.headline, kicker=payload.kicker, subheadline=payload.subheadline, summary=payload.summary,
        body=payload.body, column_id=payload.column_id, tags=payload.tags, location=payload.location,
        source=payload.source, embargo_until=payload.embargo_until, asset_ids=payload.asset_ids,
        genre=payload.genre, originality=payload.originality,
        bylines=None if payload.bylines is None else [
            story_services.BylineData(name=b.name, role=b.role, user_id=b.user_id, share=b.share) for b in payload.bylines],
    )


def _invalid(exc: ValidationError):
    return Status(*invalid(exc))


def _editable(request, story_id: int) -> Story:
    story = selectors.story_for_page(request.center, story_id, request.user)
    if not can_edit(request.user, request.center, story):
        raise HttpError(403, "这篇稿件不是您的，您也没有编辑本中心所有稿件的权限。")
    return story


@router.get("/stories", response={200: page_of(StoryOut), **ERRORS}, summary="稿件列表（本人的；编辑可看全部）",
            description="最近修改的在前，按 cursor 分页。status 按状态筛选；mine=true 只看本人的。")
def newsroom_list_stories(request, status: str = Query("", max_length=20, description="稿件状态，如 draft、filed"),
                          mine: bool = False, cursor: str | None = CursorQuery, limit: int = LimitQuery):
    require(request, "newsroom.view_stories")
    everyone = request.user.has_perm("newsroom.edit_any_story", request.center) and not mine
    qs = selectors.stories(request.center, status=status, mine=None if everyone else request.user, user=request.user)
    return paginate(qs, cursor=cursor, limit=limit, order=("-updated_at", "-pk"), out=_story_out)


@router.post("/stories", response={201: StoryOut, **ERRORS}, summary="新建稿件")
def newsroom_create_story(request, payload: StoryIn):
    require(request, "newsroom.write_story")
    try:
        story = story_services.create_story(center=request.center, user=request.user, data=_data(payload))
    except ValidationError as exc:
        return _invalid(exc)
    return Status(201, _story_out(selectors.story_for_page(request.center, story.pk, request.user)))


@router.get("/stories/{story_id}", response={200: StoryOut, **ERRORS}, summary="一篇稿件")
def newsroom_get_story(request, story_id: Id):
    require(request, "newsroom.view_stories")
    return _story_out(selectors.story_for_page(request.center, story_id, request.user))


@router.put("/stories/{story_id}", response={200: StoryOut, **ERRORS, 409: StoryConflictOut},
            summary="保存稿件（须带开始编辑时的 version；他人已先保存时返回 409，您的版本作为冲突稿保留）")
def newsroom_update_story(request, story_id: Id, payload: StoryUpdateIn):
    story = _editable(request, story_id)
    try:
        story_services.save_story(story=story, user=request.user, data=_data(payload), base_version=payload.version)
    except story_services.StaleStory as stale:
        return Status(409, {"detail": str(stale), "current_version": stale.story.version, "conflict_revision": stale.conflict.number})
    except ValidationError as exc:
        return _invalid(exc)
    return Status(200, _story_out(selectors.story_for_page(request.center, story_id, request.user)))


@router.post("/stories/{story_id}/status", response={200: StoryOut, **ERRORS},
             summary="改变稿件状态：file 交稿 / edit / ready / spike 弃用 / restore")
def newsroom_change_story_status(request, story_id: Id, payload: ActionIn):
    story = _editable(request, story_id)
    try:
        story_services.change_status(story=story, user=request.user, action=payload.action)
    except ValidationError as exc:
        return _invalid(exc)
    return Status(200, _story_out(selectors.story_for_page(request.center, story_id, request.user)))


@router.post("/assets", response={201: AssetOut, **ERRORS}, summary="上传素材（multipart，字段 file、caption、credit）")
def newsroom_upload_asset(request, file: UploadedFile = File(...), caption: Form[str] = "", credit: Form[str] = ""):
    require(request, "newsroom.write_story")
    try:
        asset = asset_services.upload(center=request.center, user=request.user, upload=file, caption=caption, credit=credit)
    except ValidationError as exc:
        return _invalid(exc)
    return Status(201, _asset_out(asset))


@router.get("/assets/{asset_id}", response={200: AssetOut, **ERRORS}, summary="一个素材")
def newsroom_get_asset(request, asset_id: Id):
    require(request, "newsroom.view_stories")
    return _asset_out(get_scoped_or_404(selectors.assets(request.center, user=request.user), request.center, pk=asset_id))


@router.get("/stories/{story_id}/renditions", response={200: page_of(RenditionOut), **ERRORS}, summary="稿件的各渠道稿",
            description="每个渠道一条（渠道数有限，通常一页即全部）。")
def newsroom_list_renditions(request, story_id: Id, cursor: str | None = CursorQuery, limit: int = LimitQuery):
    require(request, "newsroom.view_stories")
    story = selectors.story_for_page(request.center, story_id, request.user)
    return paginate_list(list(selectors.renditions(story)), cursor=cursor, limit=limit, out=_rendition_out)


@router.post("/stories/{story_id}/renditions", response={200: list[RenditionOut], **ERRORS},
             summary="生成渠道稿（channels 为空则全部；人工修改过的只在 replace_edited 中列出时才重新生成）")
def newsroom_generate_renditions(request, story_id: Id, channels: list[str] | None = None,
                        replace_edited: list[str] | None = Query(None, description="覆盖人工修改的渠道（可重复）")):
    require(request, "newsroom.produce_renditions")
    story = selectors.story_for_page(request.center, story_id, request.user)
    if any(c not in Rendition.Channel.values for c in (channels or []) + (replace_edited or [])):
        raise HttpError(400, f"渠道只能是：{'、'.join(Rendition.Channel.values)}。")
    return [_rendition_out(r) for r in rendition_services.generate(story=story, user=request.user, channels=channels or None,
                                                                     replace_edited=replace_edited or ())]


def _rendition_out(r: Rendition) -> RenditionOut:
    return RenditionOut(channel=r.channel, title=r.title, body=r.body, fields=r.fields, stats=r.stats, warnings=r.warnings,
                        source_version=r.source_version, stale=r.is_stale, edited=r.edited, version=r.version)
