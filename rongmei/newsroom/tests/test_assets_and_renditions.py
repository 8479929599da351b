"""Uploads checked by content and stripped of location; renditions generated, edited, stale."""

import io
import os

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from rongmei.core.models import User
from rongmei.newsroom.models import Asset, AssetRendition, Rendition
from rongmei.newsroom.services import assets as asset_svc
from rongmei.newsroom.services import renditions as rendition_svc
from rongmei.newsroom.services import stories as story_svc
from rongmei.newsroom.tests.conftest import jpeg_with_gps
from rongmei.testing import s3 as s3_testing

media_storage = s3_testing.media_storage   # each test using it runs on the local folder and on S3
s3_server = s3_testing.s3_server


@pytest.fixture
def reporter(demo):
    return User.objects.get(username="reporter")


@pytest.fixture
def editor(demo):
    return User.objects.get(username="editor")


def stored_files(root) -> list[str]:
    return [os.path.join(d, f) for d, _, files in os.walk(root) for f in files]


def test_photo_is_stored_without_gps_but_with_caption_and_renditions(demo, reporter, photo, media_storage):
    asset = asset_svc.upload(center=demo["demo"], user=reporter, upload=photo)
    assert asset.kind == "image" and asset.caption == "青山镇积水点抢修现场" and asset.credit == "王磊 摄"
    with asset.file.open("rb") as fh, Image.open(fh) as stored:
        assert not stored.getexif().get_ifd(0x8825)
    names = set(AssetRendition.objects.filter(asset=asset).values_list("name", flat=True))
    assert {"thumb", "web", "wechat_cover", "square"} <= names
    # the original and every size are in this storage (the folder, or the bucket)
    files = [asset.file.name, *(r.file.name for r in AssetRendition.objects.filter(asset=asset))]
    assert set(files) <= set(media_storage.names()) and asset.file.url == f"/media/{asset.file.name}"
    cover = AssetRendition.objects.get(asset=asset, name="wechat_cover")
    assert abs(cover.width / cover.height - 2.35) < 0.01


def test_same_photo_twice_is_one_asset(demo, reporter):
    first = asset_svc.upload(center=demo["demo"], user=reporter, upload=SimpleUploadedFile("a.jpg", jpeg_with_gps()))
    second = asset_svc.upload(center=demo["demo"], user=reporter, upload=SimpleUploadedFile("b.jpg", jpeg_with_gps()))
    assert first.pk == second.pk


@pytest.mark.parametrize("name, content, message", [
    ("photo.jpg", b"MZ\x90\x00" + b"\x00" * 200, "不是"),
    ("x.png", b"<html><script>alert(1)</script></html>", "拒绝"),
    ("broken.jpg", jpeg_with_gps()[:300], "损坏"),
])
def test_bad_uploads_are_refused_and_leave_nothing(demo, reporter, media_storage, name, content, message):
    before = Asset.objects.count()
    with pytest.raises(ValidationError) as exc:
        asset_svc.upload(center=demo["demo"], user=reporter, upload=SimpleUploadedFile(name, content))
    assert message in exc.value.message_dict["file"][0]
    assert Asset.objects.count() == before
    assert media_storage.names() == []


def test_decompression_bomb_is_refused(demo, reporter, media_in_tmp):
    out = io.BytesIO()
    Image.new("1", (20000, 20000)).save(out, "PNG")
    with pytest.raises(ValidationError):
        asset_svc.upload(center=demo["demo"], user=reporter, upload=SimpleUploadedFile("bomb.png", out.getvalue()))
    assert stored_files(media_in_tmp) == []


def test_upload_page_shows_the_reason(login, demo):
    response = login("reporter").post("/assets/upload/", {"file": SimpleUploadedFile("photo.jpg", b"MZ" + b"\x00" * 100)})
    assert response.status_code == 422
    assert "拒绝" in response.content.decode() or "不是" in response.content.decode()


def test_upload_api(login, demo):
    response = login("reporter").post("/api/v1/assets", {"file": SimpleUploadedFile("现场.jpg", jpeg_with_gps()), "caption": "说明"})
    assert response.status_code == 201
    assert response.json()["kind"] == "image" and response.json()["caption"] == "说明"


def story_with_photo(center, user, photo):
    asset = asset_svc.upload(center=center, user=user, upload=photo)
    return story_svc.create_story(center=center, user=user, data=story_svc.StoryData(
        headline="城关镇东门社区老旧小区改造完工", summary="",
        body="<p>近日，城关镇东门社区老旧小区改造项目完工。改造涉及住户312户。</p>"
             "<p>“以前下雨就积水，现在路平了，灯也亮了。”居民张大爷说。</p>"
             "<p>县住建局相关负责人介绍，今年全县共改造老旧小区11个，惠及住户2600余户。</p>",
        tags=["老旧小区", "城关镇"], asset_ids=[asset.pk]))


def test_generate_all_renditions_then_master_changes(demo, reporter, editor, photo):
    story = story_with_photo(demo["demo"], reporter, photo)
    made = rendition_svc.generate(story=story, user=editor)
    assert {r.channel for r in made} == set(Rendition.Channel.values)
    weibo = story.renditions.get(channel="weibo")
    assert weibo.source_version == 1 and not weibo.is_stale
    story_svc.save_story(story=story, user=editor, base_version=1, data=story_svc.StoryData(
        headline=story.headline, body=story.body + "<p>补充一段。</p>", tags=story.tags))
    weibo.refresh_from_db()
    assert weibo.is_stale
    rendition_svc.generate(story=story, user=editor, channels=["weibo"])
    weibo.refresh_from_db()
    assert not weibo.is_stale and weibo.source_version == 2
    wechat = story.renditions.get(channel="wechat")
    assert wechat.fields["cover"]  # the 2.35:1 crop of the attached photo


def short_story_with_photo(center, user, photo):
    """Short enough that the whole piece, its topics and the link fit in one Weibo post."""
    asset = asset_svc.upload(center=center, user=user, upload=photo)
    return story_svc.create_story(center=center, user=user, data=story_svc.StoryData(
        headline="城关镇东门社区老旧小区改造完工", summary="",
        body="<p>近日，城关镇东门社区老旧小区改造项目完工。改造涉及住户312户。</p>",
        tags=["老旧小区", "城关镇"], asset_ids=[asset.pk]))


def test_weibo_edit_respects_140_with_the_link_and_refuses_stale(demo, reporter, editor, photo):
    story = short_story_with_photo(demo["demo"], reporter, photo)
    rendition_svc.generate(story=story, user=editor, channels=["weibo"])
    weibo = story.renditions.get(channel="weibo")
    assert weibo.fields["mode"] == "short"
    # 120 words and the link (20) would be 141: refused, naming the link's share
    with pytest.raises(ValidationError) as exc:
        rendition_svc.save(rendition=weibo, user=editor, base_version=weibo.version, title=weibo.title, body="长" * 120, fields={})
    assert "119" in exc.value.message_dict["body"][0] and "链接" in exc.value.message_dict["body"][0]
    with pytest.raises(ValidationError):  # a typed link does not make room: the post carries the story's link
        rendition_svc.save(rendition=weibo, user=editor, base_version=weibo.version, title=weibo.title,
                           body="长" * 120 + " https://example.cn/a", fields={})
    base = weibo.version
    assert rendition_svc.save(rendition=weibo, user=editor, base_version=base, title=weibo.title,
                              body="长" * 119, fields={}).version == base + 1
    weibo.refresh_from_db()
    saved = rendition_svc.save(rendition=weibo, user=editor, base_version=weibo.version, title=weibo.title,
                               body="【城关镇东门社区老旧小区改造完工】住户312户受益。#老旧小区#", fields={"short_text": ""})
    assert saved.edited and saved.body.endswith("#老旧小区#")
    with pytest.raises(rendition_svc.StaleRendition):
        rendition_svc.save(rendition=weibo, user=editor, base_version=1, title="x", body="y", fields={})


def test_rendition_page_edit(login, demo, reporter, editor, photo):
    story = short_story_with_photo(demo["demo"], reporter, photo)
    client = login("editor")
    client.post(f"/stories/{story.pk}/renditions/generate/")
    weibo = story.renditions.get(channel="weibo")
    response = client.post(f"/stories/{story.pk}/renditions/weibo/", {
        "version": weibo.version, "title": weibo.title, "body": "长" * 150, "field_short_text": ""})
    assert "短微博最多 119 字" in response.content.decode()
    assert login("reporter").post(f"/stories/{story.pk}/renditions/generate/").status_code == 403


def test_another_centers_assets_and_renditions_are_404(login, demo, photo):
    neighbour = User.objects.get(username="lx_reporter")
    story = story_with_photo(demo["linxian"], neighbour, photo)
    rendition_svc.generate(story=story, user=User.objects.get(username="editor"), channels=["weibo"])
    asset = story.story_assets.get().asset
    client = login("editor")  # working in the demo center
    assert client.get(f"/assets/{asset.pk}/").status_code == 404
    assert client.get(f"/api/v1/assets/{asset.pk}").status_code == 404
    assert client.get(f"/stories/{story.pk}/renditions/weibo/").status_code == 404
    assert client.post(f"/stories/{story.pk}/renditions/generate/").status_code == 404
    assert client.get(f"/api/v1/stories/{story.pk}/renditions").status_code == 404
    assert story.story_assets.get().asset.center == demo["linxian"]
