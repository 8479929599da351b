"""The Weibo post carries the story's pictures (up to 9), per Weibo's documented API: one
picture goes with statuses/share (multipart `pic`); several are uploaded with
statuses/upload_pic and posted with statuses/upload_url_text (`pic_id`, comma-separated, at
most 9). The fake keeps a checksum of every picture a post carries, so the test sees that
the right pictures arrived, in order, and that a lost answer never makes a second post."""

import datetime as dt
import hashlib

import pytest
from django.utils import timezone

from rongmei.distribution import outbox, services
from rongmei.distribution.adapters import weibo as weibo_adapter
from rongmei.distribution.fakes import start_fake
from rongmei.distribution.models import OutboxMessage, Publication
from rongmei.newsroom.models import Asset, StoryAsset


@pytest.fixture
def weibo():
    with start_fake("weibo") as fake:
        yield fake


def _deliver(rounds: int = 3) -> None:
    now = timezone.now()
    for i in range(rounds):
        for message in outbox.claim("w", limit=20, now=now + dt.timedelta(hours=i)):
            outbox.process(message, "w")


def _story_with_pictures(demo, story, count: int) -> list[Asset]:
    images = list(Asset.objects.filter(center=demo["demo"], kind=Asset.Kind.IMAGE).order_by("id")[:count])
    assert len(images) == count, f"the demo has only {len(images)} pictures"
    StoryAsset.objects.filter(story=story).delete()
    for order, image in enumerate(images):
        StoryAsset.objects.create(story=story, asset=image, order=order)
    return images


def _publish(demo, story, operator, fake, name: str) -> Publication:
    """A delivery of exactly this story to one Weibo account (the pictures were attached
    after sign-off, so the publication is made here rather than through 一键发布)."""
    account = services.create_account(center=demo["demo"], user=None, kind="weibo", name=name, base_url=fake.url,
                                      secret=f"token-{name}")
    publication = Publication.objects.create(center=demo["demo"], story=story, account=account, channel="weibo",
                                             story_version=story.version, content_hash="x", created_by=operator)
    OutboxMessage.objects.create(publication=publication, account=account, action="publish",
                                 idempotency_key=f"pics-{name}", available_at=timezone.now())
    return publication


def _sent(fake, name: str) -> list[dict]:
    return list(fake.state()["accounts"][name]["statuses"].values())


def _digests(images) -> list[str]:
    out = []
    for image in images:
        data, _ = weibo_adapter.picture_bytes(image)
        out.append(hashlib.sha256(data).hexdigest())
    return out


def test_several_pictures_go_out_in_one_post_in_order(demo, operator, signed_story, weibo):
    images = _story_with_pictures(demo, signed_story, 4)
    publication = _publish(demo, signed_story, operator, weibo, "pics4")
    _deliver()
    publication.refresh_from_db()
    assert publication.status == Publication.Status.SENT, publication.last_error
    (status,) = _sent(weibo, "pics4")
    assert status["pics"] == 4 and status["pic_sha256"] == _digests(images)
    assert weibo.state()["accounts"]["pics4"]["calls"]["/2/statuses/upload_url_text.json"] == 1


def test_at_most_nine_pictures(demo, operator, signed_story, weibo):
    images = _story_with_pictures(demo, signed_story, 11)
    _publish(demo, signed_story, operator, weibo, "pics11")
    _deliver()
    (status,) = _sent(weibo, "pics11")
    assert status["pics"] == 9 and status["pic_sha256"] == _digests(images[:9])


def test_one_picture_goes_with_share(demo, operator, signed_story, weibo):
    images = _story_with_pictures(demo, signed_story, 1)
    _publish(demo, signed_story, operator, weibo, "pics1")
    _deliver()
    (status,) = _sent(weibo, "pics1")
    assert status["pics"] == 1 and status["pic_sha256"] == _digests(images)
    assert "/2/statuses/upload_url_text.json" not in weibo.state()["accounts"]["pics1"]["calls"]


def test_app_without_the_advanced_interface_posts_the_first_picture_and_says_so(demo, operator, signed_story, weibo):
    images = _story_with_pictures(demo, signed_story, 3)
    weibo.set_advanced_write(False)
    publication = _publish(demo, signed_story, operator, weibo, "basic")
    _deliver()
    publication.refresh_from_db()
    assert publication.status == Publication.Status.SENT, publication.last_error
    (status,) = _sent(weibo, "basic")
    assert status["pics"] == 1 and status["pic_sha256"] == _digests(images[:1])
    detail = publication.messages.get().attempts_log.order_by("-id").first().detail
    assert "只带了第一张图" in detail and "高级写入接口" in detail


def test_lost_answer_is_settled_not_posted_twice(demo, operator, signed_story, weibo):
    _story_with_pictures(demo, signed_story, 3)
    weibo.add_fault("drop", count=1, path="/2/statuses/upload_url_text.json", after_processing=True)
    publication = _publish(demo, signed_story, operator, weibo, "lost")
    _deliver(rounds=3)
    publication.refresh_from_db()
    assert publication.status == Publication.Status.SENT, publication.last_error
    assert weibo.state()["accounts"]["lost"]["statuses_created"] == 1
    assert _sent(weibo, "lost")[0]["pics"] == 3


def test_a_fan_out_reads_the_story_once_and_threads_share_only_bytes(demo, operator, signed_story, weibo,
                                                                    django_assert_num_queries):
    """Every account of a fan-out posts the same words and pictures: the adapter reads them
    once per signed content and hands each delivery thread the pictures' bytes (a model's
    file handle shared between threads was closed under another's read in bench/fanout.py)."""
    import threading

    images = _story_with_pictures(demo, signed_story, 3)
    publication = _publish(demo, signed_story, operator, weibo, "parts")
    publication = Publication.objects.select_related("story").get(pk=publication.pk)
    words, pictures = weibo_adapter._story_parts(publication)
    assert all(isinstance(data, bytes) for data, _ in pictures)
    assert [hashlib.sha256(data).hexdigest() for data, _ in pictures] == _digests(images)
    with django_assert_num_queries(0):
        assert weibo_adapter._story_parts(publication) == (words, pictures)
    seen, errors = [], []

    def read():
        try:
            seen.append(weibo_adapter._story_parts(publication)[1])
        except Exception as exc:  # noqa: BLE001 - collected for the assertion
            errors.append(exc)

    threads = [threading.Thread(target=read) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == [] and all(got == pictures for got in seen)
    publication.content_hash = "corrected"  # a correction signs new content: read again
    with django_assert_num_queries(3):  # the Weibo version, the pictures and their renditions
        weibo_adapter._story_parts(publication)
