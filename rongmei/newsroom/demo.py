"""Newsroom demo data: columns, photos and stories in every state, some with renditions.
Idempotent: columns by slug, assets by content hash, stories by headline."""

from __future__ import annotations

import datetime as dt
import logging
import os
import subprocess
import tempfile
from decimal import Decimal
from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from rongmei.core.models import Center, User
from rongmei.newsroom import demo_content
from rongmei.newsroom.models import Asset, Column, Story, StoryRevision
from rongmei.newsroom.services import assets as asset_services
from rongmei.newsroom.services import renditions as rendition_services
from rongmei.newsroom.services import stories as story_services
from rongmei.newsroom.video import cache as render_cache

# How to walk a new story to each demo state.
PATHS = {"draft": [], "filed": ["file"], "editing": ["file", "edit"], "ready": ["file", "edit", "ready"], "spiked": ["spike"]}


def _columns(center: Center) -> tuple[dict[str, Column], int, int]:
    columns, created_count = {}, 0
    for order, (slug, name, description) in enumerate(demo_content.COLUMNS):
        column, created = Column.objects.get_or_create(center=center, slug=slug,
                                                       defaults={"name": name, "description": description, "order": order})
        columns[slug] = column
        created_count += created
    return columns, created_count, len(columns) - created_count


def _image(center: Center, user: User, key: str) -> tuple[Asset, bool]:
    spec = demo_content.IMAGES[key]
    data = demo_content.make_demo_image(key)
    before = Asset.objects.filter(center=center).count()
    asset = asset_services.upload(center=center, user=user, upload=SimpleUploadedFile(f"{key}.jpg", data, "image/jpeg"),
                                  caption=spec["caption"], credit=spec["credit"])
    return asset, Asset.objects.filter(center=center).count() > before


def _bylines(spec: dict, users: dict[str, User]) -> list[story_services.BylineData] | None:
    if not spec.get("bylines"):
        return None
    return [story_services.BylineData(name=name, role=role, user_id=users[username].pk if username in users else None,
                                      share=Decimal(str(share)))
            for username, name, role, share in spec["bylines"]]


def _backdate(story: Story, days_ago: int) -> None:
    when = timezone.now() - dt.timedelta(days=days_ago, hours=(story.pk * 7) % 9)
    Story.objects.filter(pk=story.pk).update(created_at=when, updated_at=when)
    StoryRevision.objects.filter(story=story).update(created_at=when)
    story.refresh_from_db()
    story_services.reindex(story)


# 体裁 and 原创属性 of the demo stories (appraisal scores by them): a realistic mix — most
# pieces original text, photo stories, a video, a live stream, an H5, a long image, notices
# edited from departments' releases and one reprint.
GENRES: dict[str, tuple[str, str]] = {
    "flood_drainage": ("photo", "original"),
    "late_rice_harvest": ("video", "original"),
    "tea_winter_care": ("text", "original"),
    "bamboo_village_homestays": ("long_image", "original"),
    "old_community_renovation": ("photo", "original"),
    "civilization_volunteers": ("text", "adapted"),
    "hotline_streetlights": ("text", "original"),
    "school_canteen_inspection": ("text", "adapted"),
    "medical_insurance_payment": ("h5", "adapted"),
    "new_road_opening": ("video", "original"),
    "party_red_agents": ("text", "original"),
    "fishing_village_moratorium": ("photo", "original"),
    "donghu_winter_fishing_festival": ("live", "original"),
    "winter_job_fair": ("text", "adapted"),
    "winter_fire_safety_notice": ("text", "reprint"),
    "bus_route_adjustment": ("text", "adapted"),
    "village_doctor_profile": ("text", "original"),
    "livestream_tea_sales": ("live", "original"),
}


def create_demo_story(center: Center, spec: dict, users: dict[str, User], columns: dict[str, Column],
                      status: str) -> tuple[Story, int]:
    """One story from a demo spec (the STORIES format), walked to `status`; returns it and
    how many objects (story, new pictures) were created. Also used by the portal's demo."""
    created = 0
    editor = users["editor"]
    author = users.get(spec["author"], users["reporter"])
    asset_ids = []
    for key in spec.get("images", []):
        asset, new = _image(center, author, key)
        asset_ids.append(asset.pk)
        created += new
    story = story_services.create_story(center=center, user=author, data=story_services.StoryData(
        headline=spec["headline"], kicker=spec.get("kicker", ""), subheadline=spec.get("subheadline", ""),
        summary=spec.get("summary", ""), body=spec["body_html"], column_id=columns[spec["column"]].pk,
        tags=list(spec.get("tags", [])), location=spec.get("location", ""), source=spec.get("source", center.name),
        bylines=_bylines(spec, users), asset_ids=asset_ids,
        genre=spec.get("genre") or GENRES.get(spec.get("key", ""), (None, None))[0],
        originality=spec.get("originality") or GENRES.get(spec.get("key", ""), (None, None))[1]))
    for action in PATHS[status]:
        actor = author if action == "file" else editor
        story_services.change_status(story=story, user=actor, action=action)
    if status in ("editing", "ready"):
        rendition_services.generate(story=story, user=editor)
    _backdate(story, spec.get("days_ago", 0))
    return story, created + 1


def demo_columns(center: Center) -> dict[str, Column]:
    return {c.slug: c for c in Column.objects.filter(center=center)}


@transaction.atomic
def load(center: Center) -> tuple[int, int]:
    columns, created, existing = _columns(center)
    users = {u.username: u for u in User.objects.filter(memberships__center=center).distinct()}
    for spec in demo_content.STORIES:
        if Story.objects.filter(center=center, headline=spec["headline"]).exists():
            existing += 1
            continue
        _, made = create_demo_story(center, spec, users, columns, spec["status"])
        created += made
    _show_a_stale_rendition(center, users["editor"])
    _show_hand_edited_versions(center, users["editor"])
    created += _default_covers(center, users["editor"], columns)
    created += _video_version(center, users["editor"])  # -- 17:VJ --
    return created, existing


# Default covers (栏目与默认封面): the center's, and one for the 便民服务 column where the
# text-only notices (通知、通告) go, so those can go to WeChat, which wants a cover.
DEFAULT_COVERS = {"": "lake_festival", "bianmin": "street_lamps"}


def _default_covers(center: Center, editor: User, columns: dict[str, Column]) -> int:
    """Once per center (its settings row marks it): a later choice, a cleared one too, is kept."""
    from rongmei.newsroom.models import CenterDefaults
    from rongmei.newsroom.services import covers

    if CenterDefaults.objects.filter(center=center).exists():
        return 0
    made = 0
    for slug, key in sorted(DEFAULT_COVERS.items(), reverse=True):  # columns first; the center's row last
        if slug and (slug not in columns or columns[slug].default_cover_id):
            continue
        asset, _ = _image(center, editor, key)
        if slug:
            covers.set_column_cover(column=columns[slug], user=editor, asset_id=asset.pk)
        else:
            covers.set_center_cover(center=center, user=editor, asset_id=asset.pk)
        made += 1
    return made


def _show_a_stale_rendition(center: Center, editor: User) -> None:
    """One story edited after its renditions were made, so "母稿已更新" can be seen."""
    story = Story.objects.filter(center=center, status=Story.Status.EDITING, renditions__isnull=False).order_by("id").first()
    if story is None or story.renditions.exclude(source_version=story.version).exists():
        return
    data = story_services.StoryData(
        headline=story.headline, kicker=story.kicker, subheadline=story.subheadline, summary=story.summary,
        body=story.body + "<p>（编辑补充：本文数据已与相关部门再次核实。）</p>", column_id=story.column_id,
        tags=story.tags, location=story.location, source=story.source)
    story_services.save_story(story=story, user=editor, data=data, base_version=story.version, note="补充核实说明")


def _show_hand_edited_versions(center: Center, editor: User) -> None:
    """One story whose WeChat version was edited in the visual editor (a closing heading and
    line added, its second picture picked as cover) and whose Weibo version was rewritten by
    hand: the story page marks both 已修改, and 全部重新生成 asks which of them to replace."""
    from django.core.exceptions import ValidationError

    from rongmei.newsroom import wechat_html

    spec = next(s for s in demo_content.STORIES if s["key"] == "late_rice_harvest")
    story = Story.objects.filter(center=center, headline=spec["headline"], renditions__channel="wechat").first()
    pictures = [link.asset_id for link in story.story_assets.select_related("asset")
                if link.asset.kind == "image"] if story is not None else []
    wechat = story.renditions.get(channel="wechat") if len(pictures) >= 2 else None
    if wechat is None or wechat.edited:
        return
    article = wechat_html.to_editor(wechat.body) + "<h1>记者手记</h1><p>更多图片和视频，请点击“阅读原文”。</p>"
    rendition_services.save(rendition=wechat, user=editor, base_version=wechat.version, title=wechat.title,
                            body=article, fields={k: wechat.fields.get(k, "") for k in ("digest", "author", "source_url")},
                            visual=True, cover=pictures[1])
    weibo = story.renditions.filter(channel="weibo", edited=False).first()
    if weibo is not None:
        try:
            rendition_services.save(rendition=weibo, user=editor, base_version=weibo.version, title=weibo.title,
                                    body=weibo.body + "（编辑改写）", fields={"short_text": weibo.fields.get("short_text", "")})
        except ValidationError:
            pass  # over Weibo's 140: the demo keeps the generated post


# -- 17:VJ -- 视频版本: one story with a finished vertical video, subtitles burned in, so the
# story page, the review page and the 抖音/快手 publishing show one. The footage is made
# here by ffmpeg from the story's own photo (a slow pan, 3 s at 640×360); the job then runs
# through the same service as an editor's. Both renders are kept in the render cache
# (`render_cache_folder`), so only the first demo load pays for them.
VIDEO_STORY = "new_road_opening"
VIDEO_SECONDS = 3


def render_cache_folder() -> Path:
    """Where the demo's finished renders are kept between loads (video/cache.py):
    RONGMEI_DEMO_VIDEO_CACHE, else the user's cache folder (~/.cache/rongmei/demo-video).
    Outside RONGMEI_VAR_DIR on purpose: each test installation has a var dir of its own,
    and the renders are what they share. The test suite sets a fresh folder per run
    (conftest.py), so every run still renders once for real."""
    configured = os.environ.get("RONGMEI_DEMO_VIDEO_CACHE")
    if configured:
        return Path(configured)
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "rongmei" / "demo-video"


def _ffmpeg(argv: list[str], out: str, scratch: str, cache: Path) -> None:
    """Run the demo's own ffmpeg command, or copy what the same command on the same
    inputs made before."""
    cache_key = render_cache.key(argv, out=out, scratch=scratch)
    if cache_key is not None and render_cache.fetch(cache, cache_key, out):
        return
    subprocess.run(argv, check=True, timeout=60, capture_output=True)
    if cache_key is not None:
        render_cache.keep(cache, cache_key, out)


def _video_version(center: Center, editor: User) -> int:
    from rongmei.newsroom.models import StoryAsset, VideoJob
    from rongmei.newsroom.video import jobs

    spec = next(s for s in demo_content.STORIES if s["key"] == VIDEO_STORY)
    story = Story.objects.filter(center=center, headline=spec["headline"]).first()
    if story is None or VideoJob.objects.filter(story=story).exists():
        return 0
    photo = next((a for a in jobs.story_sources(story) if a.kind == Asset.Kind.IMAGE), None)
    if photo is None:
        return 0
    cache = render_cache_folder()
    try:
        with tempfile.TemporaryDirectory(prefix="rongmei-demo-video-") as tmp, jobs.local_copy(photo.file.name) as still:
            clip = Path(tmp, "road.mp4")
            _ffmpeg([
                "ffmpeg", "-v", "error", "-y", "-loop", "1", "-framerate", "25", "-t", str(VIDEO_SECONDS),
                "-i", still, "-f", "lavfi", "-t", str(VIDEO_SECONDS), "-i", "anoisesrc=color=brown:amplitude=0.05",
                "-filter_complex", "[0:v]scale=800:-2,crop=640:360:x='(iw-640)*t/3':y='(ih-360)/2',format=yuv420p[v]",
                "-map", "[v]", "-map", "1:a", "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac",
                "-shortest", "-movflags", "+faststart", str(clip)], str(clip), tmp, cache)
            footage = asset_services.upload(
                center=center, user=editor, upload=SimpleUploadedFile("新路通车现场.mp4", clip.read_bytes(), "video/mp4"),
                caption="新路通车现场（演示视频）", credit=center.name)
        StoryAsset.objects.get_or_create(story=story, asset=footage,
                                         defaults={"order": story.story_assets.count()})
        job = jobs.create(story=story, user=editor, enqueue=False, data={
            "shape": "vertical", "sources": [footage.pk], "fit": "blur", "subtitles_mode": "burn", "cover_time": 1.0,
            "subtitles": jobs.starter_srt(jobs.short_video_caption(story), float(VIDEO_SECONDS)), "platform": "douyin"})
        jobs.run(job.pk, render_cache=cache)
    except (OSError, subprocess.SubprocessError) as exc:  # no ffmpeg here: the demo goes on without a video
        logging.getLogger("rongmei.demo").warning("demo video version not made: %s", exc)
        return 0
    return 2
