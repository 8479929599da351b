"""What the reviewer signed is what the platforms received: for each channel, the fake
WeChat and Weibo servers' records of what arrived are compared with what
`newsroom.published.published_fields` says goes out (the fields the review screen shows
and the sign-off hash covers), so the adapters and the review cannot drift apart."""

import hashlib
import re

import pytest
from django.core.files.storage import default_storage

from rongmei.distribution import services
from rongmei.distribution.adapters import wechat as wechat_adapter
from rongmei.distribution.fakes import start_fake
from rongmei.distribution.models import Publication
from rongmei.distribution.tests.test_wechat import deliver_until_settled
from rongmei.newsroom.html import plain_text
from rongmei.newsroom.models import Asset
from rongmei.newsroom.published import published_fields, weibo_picture_file
from rongmei.review.models import Review

_KEY = re.compile(r"[?&]rm=[\w-]+")


@pytest.fixture
def story(demo):
    """A signed-off, unpublished demo story with a cover picture."""
    published = Publication.objects.values("story_id")
    reviews = (Review.objects.filter(center=demo["demo"], status=Review.Status.SIGNED_OFF)
               .exclude(story_id__in=published).select_related("story").order_by("id"))
    return next(r.story for r in reviews if r.story.cover is not None and r.story.cover.rendition("wechat_cover"))


def _fields(story, channel) -> dict:
    return {f.key: f for f in published_fields(story, channel)}


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_wechat_received_exactly_the_reviewed_fields(demo, operator, story):
    wechat_adapter._tokens.clear()
    with start_fake("wechat", publish_delay=0.0) as fake:
        account = services.create_account(center=demo["demo"], user=None, kind="wechat", name="公众号·核对",
                                          base_url=fake.url, options={"appid": "wx-agree"}, secret="secret-wx-agree")
        services.publish(story=story, user=operator, account_ids=[account.pk])
        deliver_until_settled()
        publication = Publication.objects.get(account=account)
        assert publication.status == Publication.Status.SENT, publication.last_error
        app = fake.engine._apps["wx-agree"]
        (job,) = app.publishes.values()
        (article,) = job.articles
        thumb = fake.engine._blobs[article["thumb_media_id"]].data
    reviewed = _fields(story, "wechat")
    assert article["title"] == reviewed["title"].value
    assert article["author"] == reviewed["author"].value
    assert article["digest"] == reviewed["digest"].value
    assert _KEY.sub("", article["content_source_url"]) == reviewed["source_url"].value
    with default_storage.open(reviewed["cover"].identity["file"], "rb") as f:
        assert _sha(thumb) == _sha(f.read()) == reviewed["cover"].identity["file_sha256"]
    assert plain_text(article["content"]) == reviewed["body"].text


def test_weibo_received_exactly_the_reviewed_post(demo, operator, story):
    with start_fake("weibo") as fake:
        account = services.create_account(center=demo["demo"], user=None, kind="weibo", name="agree",
                                          base_url=fake.url, secret="token-agree")
        services.publish(story=story, user=operator, account_ids=[account.pk])
        deliver_until_settled()
        assert Publication.objects.get(account=account).status == Publication.Status.SENT
        (status,) = fake.state()["accounts"]["agree"]["statuses"].values()
    reviewed = _fields(story, "weibo")
    assert _KEY.sub("", status["text"]) == reviewed["text"].value
    pictures = [Asset.objects.get(pk=a["asset"]) for a in reviewed["pictures"].identity["assets"]]
    expected = []
    for asset in pictures:
        file, _ = weibo_picture_file(asset)
        with file.open("rb") as f:
            expected.append(_sha(f.read()))
    assert status["pic_sha256"] == expected
    assert len(reviewed["pictures"].value) == status["pics"]
