"""视频号, 今日头条 and 学习强国 by hand: the package has the right version for the platform —
the signed vertical video and its cover to download (behind the same check as the package)
for 视频号, the web text for 头条 and 学习强国 — every word names the platform, and the
"posted, here is the link" confirmation works as for village WeChat accounts."""

from __future__ import annotations

import hashlib

import pytest

from rongmei.core.models import Notification, User
from rongmei.distribution import outbox, selectors, services
from rongmei.distribution.models import Publication
from rongmei.newsroom.models import Story
from rongmei.review import engine
from rongmei.testing.video import ready_video

from .conftest import approve_all
from .test_province import _media_root_with_story_files, without_video


@pytest.fixture
def editor(demo):
    return User.objects.get(username="editor")


@pytest.fixture
def clerk(demo):
    return User.objects.get(username="cun_xiling")


@pytest.fixture
def video_story(signed_story, editor, settings, tmp_path):
    _media_root_with_story_files(settings, tmp_path / "media")
    video = ready_video(signed_story, editor)
    story = sign_again(signed_story, editor)
    story.video = video
    return story


def sign_again(story, editor):
    """Whatever changed the story (its video attached, the site's address), sign it off again."""
    from rongmei.review.models import Review

    story = Story.objects.get(pk=story.pk)
    if engine.is_signed_off(story):
        return story
    review = Review.objects.filter(story=story, status=Review.Status.IN_REVIEW).order_by("-id").first()
    if review is None:
        channels = sorted(set(story.renditions.values_list("channel", flat=True)))
        review = engine.submit(story=story, user=editor, channels=channels)
    return approve_all(review)


def hand_account(demo, kind, clerk, name=None):
    return services.create_account(center=demo["demo"], user=None, kind=kind, name=name or f"测试{kind}",
                                   responsible=clerk, strict=True)


def deliver_all():
    for message in outbox.claim("w", limit=50):
        outbox.process(message, "w")


def test_channels_package_has_the_video_and_the_confirmation_works(demo, operator, clerk, video_story, login):
    account = hand_account(demo, "channels", clerk)
    services.publish(story=video_story, user=operator, account_ids=[account.pk])
    deliver_all()
    publication = Publication.objects.get(account=account)
    assert publication.status == Publication.Status.AWAITING and publication.channel == "short_video"
    note = Notification.objects.filter(recipient=clerk).latest("id")
    assert "微信视频号" in note.title and "视频" in note.body
    assert "微信视频号" in publication.messages.get().attempts_log.get().detail

    client = login("cun_xiling")
    page = client.get(f"/distribution/publications/{publication.pk}/handoff/").content.decode()
    assert 'data-testid="handoff-video"' in page and "微信视频号" in page
    assert "mp.weixin.qq.com" not in page  # the example link is 视频号's, not a WeChat article's
    package = selectors.handoff_package(publication)
    assert package["text"].startswith(video_story.renditions.get(channel="short_video").title[:10])
    download = client.get(f"/distribution/publications/{publication.pk}/handoff/video/")
    assert download.status_code == 200 and download["Content-Type"] == "video/mp4"
    assert hashlib.sha256(b"".join(download.streaming_content)).hexdigest() == video_story.video.sha256
    cover = client.get(f"/distribution/publications/{publication.pk}/handoff/cover/")
    assert cover.status_code == 200 and cover["Content-Type"] == "image/jpeg"

    assert login("reporter").get(f"/distribution/publications/{publication.pk}/handoff/video/").status_code == 403
    assert login("lx_reporter").get(f"/distribution/publications/{publication.pk}/handoff/video/").status_code in (403, 404)

    client.post(f"/distribution/publications/{publication.pk}/handoff/",
                {"url": "https://channels.weixin.qq.com/web/pages/feed?id=1"})
    publication.refresh_from_db()
    assert publication.status == Publication.Status.SENT
    selectors.describe(publication)
    assert publication.link_label == "打开视频号作品"


def test_channels_without_a_signed_video_is_refused_before_sending(demo, operator, clerk, editor, signed_story):
    from django.core.exceptions import ValidationError

    from rongmei.distribution.preflight import NO_VERTICAL_VIDEO

    story = sign_again(without_video(signed_story, operator), editor)
    account = hand_account(demo, "channels", clerk)
    with pytest.raises(ValidationError) as refused:
        services.publish(story=story, user=operator, account_ids=[account.pk])
    assert NO_VERTICAL_VIDEO in " ".join(refused.value.messages)
    assert not Publication.objects.filter(account=account).exists()


@pytest.mark.parametrize("kind,platform", [("toutiao", "今日头条"), ("xuexi", "学习强国")])
def test_toutiao_and_xuexi_get_the_web_text(demo, operator, clerk, signed_story, login, kind, platform):
    account = hand_account(demo, kind, clerk)
    services.publish(story=signed_story, user=operator, account_ids=[account.pk])
    deliver_all()
    publication = Publication.objects.get(account=account)
    assert publication.status == Publication.Status.AWAITING and publication.channel == "web"
    package = selectors.handoff_package(publication)
    web = signed_story.renditions.get(channel="web")
    assert package["title"] == (web.title or signed_story.headline) and package["platform"] == platform
    assert package["video"] is None
    client = login("cun_xiling")
    page = client.get(f"/distribution/publications/{publication.pk}/handoff/").content.decode()
    assert platform in page and "mp.weixin.qq.com" not in page and 'data-testid="handoff-video"' not in page
    response = client.post(f"/distribution/publications/{publication.pk}/handoff/", {"url": ""})
    publication.refresh_from_db()
    assert publication.status == Publication.Status.AWAITING  # the link is required
    client.post(f"/distribution/publications/{publication.pk}/handoff/", {"url": "https://www.toutiao.com/article/1/"})
    publication.refresh_from_db()
    assert publication.status == Publication.Status.SENT and response.status_code == 302


def test_hand_kinds_need_a_responsible_person(demo):
    from django.core.exceptions import ValidationError

    for kind in ("channels", "toutiao", "xuexi"):
        with pytest.raises(ValidationError) as refused:
            services.create_account(center=demo["demo"], user=None, kind=kind, name=f"无人负责{kind}", strict=True)
        assert "负责人" in str(refused.value)
