"""三审三校 covers every public word: the sign-off binds to every field a channel publishes,
exactly as it goes out (`newsroom.published`), derived ones included, and a change to any
of them after sign-off withdraws it — the story can no longer be published, and where the
change is an edit in the newsroom the review opens again (issue 13)."""

import io

import pytest
from django.core.files.base import ContentFile
from PIL import Image

from rongmei.core.models import Center, User
from rongmei.newsroom.models import Rendition, Story
from rongmei.newsroom.published import published_fields
from rongmei.newsroom.services import assets as asset_svc
from rongmei.newsroom.services import renditions as rendition_svc
from rongmei.newsroom.services import stories as story_svc
from rongmei.review import engine
from rongmei.review.models import Review


@pytest.fixture
def signed(demo):
    """A signed-off demo story with a picture and every channel version, not yet published."""
    from rongmei.distribution.models import Publication

    reviews = (Review.objects.filter(center=demo["demo"], status=Review.Status.SIGNED_OFF)
               .exclude(story_id__in=Publication.objects.values("story_id")).select_related("story").order_by("id"))
    story = next(r.story for r in reviews if r.story.cover is not None and r.story.cover.rendition("wechat_cover"))
    assert engine.is_signed_off(story)
    return story


def _save_rendition(story, channel, *, title=None, body=None, **fields):
    """An editor's hand edit of a channel version through the newsroom service."""
    r = Rendition.objects.get(story=story, channel=channel)
    values = {row["name"]: row["value"] for row in rendition_svc.editable_fields(r)}
    values.update(fields)
    rendition_svc.save(rendition=r, user=User.objects.get(username="editor"), base_version=r.version,
                       title=r.title if title is None else title, body=r.body if body is None else body, fields=values)


def _save_story(story, **changes):
    values = {k: getattr(story, k) for k in ("headline", "kicker", "subheadline", "summary", "body", "column_id",
                                              "location", "source", "embargo_until")}
    values["tags"] = list(story.tags)
    values.update(changes)
    story_svc.save_story(story=story, user=User.objects.get(username="editor"), data=story_svc.StoryData(**values),
                         base_version=story.version)


def _weibo_teaser(story):
    r = Rendition.objects.get(story=story, channel="weibo")
    if r.fields.get("mode") == "long":
        _save_rendition(story, "weibo", short_text="【改】" + r.fields["short_text"][:60])
    else:
        _save_rendition(story, "weibo", body="【改】" + r.body[:60])


def _recrop_cover(story):
    """A new 2.35:1 crop of the cover picture (same asset, another file): the bytes WeChat
    would receive change."""
    crop = story.cover.rendition("wechat_cover")
    buffer = io.BytesIO()
    Image.new("RGB", (crop.width, crop.height), (200, 30, 30)).save(buffer, "JPEG")
    crop.file.save("recrop.jpg", ContentFile(buffer.getvalue()), save=True)


def _cover_size(story):
    crop = story.cover.rendition("wechat_cover")
    type(crop).objects.filter(pk=crop.pk).update(width=crop.width - 10)


def _other_cover(story):
    ids = list(story.story_assets.values_list("asset_id", flat=True))
    from rongmei.newsroom.models import Asset

    other = Asset.objects.filter(center=story.center, kind="image").exclude(pk__in=ids).first()
    _save_story(story, asset_ids=[other.pk, *ids])


def _caption(story):
    cover = story.cover
    asset_svc.update(asset=cover, user=User.objects.get(username="editor"), caption=cover.caption + "（改）",
                     credit=cover.credit)


def _site(story):
    Center.objects.filter(pk=story.center_id).update(site_origin="https://www.example-rongmei.cn")


CHANGES = {
    "weibo_teaser": _weibo_teaser,
    "weibo_body": lambda s: _save_rendition(s, "weibo", body="【改】" + Rendition.objects.get(story=s, channel="weibo").body[:80]),
    "wechat_title": lambda s: _save_rendition(s, "wechat", title="改过的微信标题"),
    "wechat_author": lambda s: _save_rendition(s, "wechat", author="改过作者"),
    "wechat_digest": lambda s: _save_rendition(s, "wechat", digest="改过的微信摘要，审稿人要看到。"),
    "wechat_cover_file": _recrop_cover,
    "wechat_cover_size": _cover_size,
    "wechat_cover_asset": _other_cover,
    "picture_caption": _caption,
    "source_url": _site,
    "short_video_caption": lambda s: _save_rendition(s, "short_video", caption="改过的短视频文案"),
    "short_video_tags": lambda s: _save_rendition(s, "short_video", tags="#改过 #话题"),
    "tv_script": lambda s: _save_rendition(s, "tv", body=Rendition.objects.get(story=s, channel="tv").body + "（补一句）"),
    "web_summary": lambda s: _save_story(s, summary="改过的网页摘要。"),
    "web_kicker": lambda s: _save_story(s, kicker="改过的引题"),
    "web_subheadline": lambda s: _save_story(s, subheadline="改过的副题"),
}
# Edits made in the newsroom reopen the review at once; a change outside the piece (the
# site's address, a crop replaced in storage) closes the publishing gate.
REOPENS = {"weibo_teaser", "weibo_body", "wechat_title", "wechat_author", "wechat_digest", "wechat_cover_asset",
           "picture_caption", "short_video_caption", "short_video_tags", "tv_script", "web_summary", "web_kicker",
           "web_subheadline"}


@pytest.mark.parametrize("change", sorted(CHANGES))
def test_a_change_after_sign_off_withdraws_it(signed, change):
    review = Review.objects.filter(story=signed).order_by("-id").first()
    CHANGES[change](signed)
    story = Story.objects.get(pk=signed.pk)
    assert not engine.is_signed_off(story), f"{change} changed after sign-off, yet the sign-off still stands"
    if change in REOPENS:
        review.refresh_from_db()
        assert review.status == Review.Status.IN_REVIEW
        assert Story.objects.get(pk=signed.pk).status == Story.Status.IN_REVIEW


def test_the_installation_address_is_not_content(signed, settings):
    """Without a site origin of its own the site is served at RONGMEI_BASE_URL (another port,
    another host name): moving the installation changes no word the reviewer signed."""
    settings.RONGMEI_BASE_URL = "http://127.0.0.1:9999"
    assert engine.is_signed_off(Story.objects.get(pk=signed.pk))


def test_saving_unchanged_versions_keeps_the_sign_off(signed):
    """The tests above are not passing because any save breaks the hash: saving the same
    words again keeps it."""
    for channel in ("wechat", "weibo", "short_video"):
        _save_rendition(signed, channel)
    assert engine.is_signed_off(Story.objects.get(pk=signed.pk))


def test_the_fields_are_what_each_channel_publishes(signed):
    keys = {c: [f.key for f in published_fields(signed, c)] for c in ("web", "wechat", "weibo", "short_video")}
    assert keys["wechat"] == ["title", "author", "digest", "cover", "source_url", "body", "pictures"]
    assert keys["weibo"] == ["text", "pictures"]
    assert keys["short_video"] == ["caption", "tags", "video"]
    assert {"kicker", "title", "subheadline", "summary", "body", "pictures"} <= set(keys["web"])
    cover = next(f for f in published_fields(signed, "wechat") if f.key == "cover")
    assert cover.value.endswith(".jpg") and cover.identity["file_sha256"] and cover.identity["size"]
    weibo = published_fields(signed, "weibo")[0].value
    assert "#" not in weibo and weibo.endswith(f"/news/{signed.pk}/")
