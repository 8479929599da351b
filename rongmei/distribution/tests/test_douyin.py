"""The 抖音 adapter through the outbox against the fake Douyin open platform: a real small MP4
made by the video engine, uploaded whole or in parts, published, taken down; tokens
refreshed; quota, review refusal and lost answers handled as documented."""

import datetime as dt
import hashlib
import json

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from rongmei.core.models import AuditEvent, User
from rongmei.distribution import outbox, secrets, services
from rongmei.distribution.adapters import douyin as adapter
from rongmei.distribution.fakes import start_fake
from rongmei.distribution.models import ChannelAccount, DeliveryAttempt, Publication
from rongmei.newsroom.models import Rendition, Story, VideoJob
from rongmei.newsroom.selectors import video_file
from rongmei.newsroom.video import jobs
from rongmei.review import engine
from rongmei.review.models import Review
from rongmei.testing import video as testing_video

from .conftest import approve_all


@pytest.fixture
def douyin():
    with start_fake("douyin") as fake:
        yield fake


@pytest.fixture
def editor(demo):
    return User.objects.get(username="editor")


def signed_again(story, editor) -> Story:
    """A new video after sign-off goes through review again (the attach reopens it)."""
    review = Review.objects.filter(story=story).order_by("-id").first()
    if review.status == Review.Status.SIGNED_OFF:
        fresh = Story.objects.get(pk=story.pk)
        review = engine.submit(story=fresh, user=editor, channels=sorted(set(fresh.renditions.values_list("channel",
                                                                                                           flat=True))))
    signed = approve_all(review)
    assert engine.is_signed_off(signed)
    return signed


@pytest.fixture
def engine_video_story(signed_story, editor):
    """The signed story with a vertical video made by the video engine (`ready_video`)."""
    video = testing_video.ready_video(signed_story, editor, seconds=1.0)
    story = signed_again(signed_story, editor)
    story.video = video
    return story


def quick_video(story, user):
    """A finished vertical version made quickly (ffmpeg's test clip at 180×320, one second,
    no engine render), recorded and attached the way a finished job is: the adapter sees
    exactly what `video_file` returns for any finished job."""
    source = testing_video.add_clip(story, user, 1.0, (180, 320))
    with source.file.open("rb") as fh:
        data = fh.read()
    sha = hashlib.sha256(data).hexdigest()
    cover = b"\xff\xd8\xff\xe0" + sha.encode()  # the cover's bytes only matter for their checksum here
    cover_sha = hashlib.sha256(cover).hexdigest()
    job = VideoJob.objects.create(center=story.center, story=story, created_by=user, shape="vertical",
                                  sources=[source.pk], status=VideoJob.Status.DONE, percent=100, sha256=sha,
                                  size=len(data), width=180, height=320, duration=1.0, cover_sha256=cover_sha,
                                  cover_time=0.4, started_at=timezone.now(), finished_at=timezone.now())
    job.output.name = default_storage.save(f"videos/test/{sha[:16]}-vertical.mp4", ContentFile(data))
    job.cover.name = default_storage.save(f"videos/test/{cover_sha[:16]}-cover.jpg", ContentFile(cover))
    job.save(update_fields=["output", "cover"])
    jobs.attach(job=job, user=user)
    return video_file(Story.objects.get(pk=story.pk), "vertical")


@pytest.fixture
def video_story(signed_story, editor):
    video = quick_video(signed_story, editor)
    assert video is not None
    story = signed_again(signed_story, editor)
    story.video = video
    return story


def account(demo, fake, open_id="county", name="示例县融媒"):
    creds = {"client_secret": "cs-demo", "access_token": f"act.{open_id}", "refresh_token": f"rft.{open_id}"}
    return services.create_account(center=demo["demo"], user=None, kind="douyin", name=name, base_url=fake.url,
                                   options={"client_key": "awdemo", "open_id": open_id}, secret=json.dumps(creds))


def deliver_all(now=None):
    for message in outbox.claim("w", limit=50, now=now):
        outbox.process(message, "w")


def later(hours=2):
    return timezone.now() + dt.timedelta(hours=hours)


def caption_of(story):
    fields = Rendition.objects.get(story=story, channel="short_video").fields
    return " ".join([fields.get("caption", story.headline), *fields.get("tags", [])]).strip()


def test_publish_then_take_down(demo, operator, engine_video_story, douyin):
    video_story = engine_video_story
    acc = account(demo, douyin)
    services.publish(story=video_story, user=operator, account_ids=[acc.pk])
    deliver_all()
    publication = Publication.objects.get(account=acc)
    assert publication.status == Publication.Status.SENT, publication.last_error
    state = douyin.state()
    (item_id, item), = state["items"].items()
    assert publication.remote_id == item_id and publication.remote_url.endswith(f"/share/video/{item_id}/")
    assert item["text"] == caption_of(video_story) and "#" in item["text"]
    job = VideoJob.objects.get(pk=video_story.video.job_id)
    assert item["cover_tsp"] == pytest.approx(job.cover_time)
    uploaded = state["videos"][item["video_id"]]
    assert uploaded["sha256"] == video_story.video.sha256 and uploaded["mode"] == "simple"
    assert uploaded["height"] > uploaded["width"]  # the vertical version went out
    services.take_down(story=video_story, user=operator, reason="数据有误")
    deliver_all()
    assert Publication.objects.get(account=acc).status == Publication.Status.TAKEN_DOWN
    assert douyin.state()["items_live"] == 0 and douyin.state()["deletes"] == 1


def test_large_video_goes_up_in_parts(demo, operator, video_story, douyin, monkeypatch):
    size = video_story.video.size
    monkeypatch.setattr(adapter, "SIMPLE_MAX", size // 2)
    monkeypatch.setattr(adapter, "PART_BYTES", size // 3 + 1)
    monkeypatch.setattr(adapter, "READ_BYTES", 4096)
    douyin.set_limits(min_part_bytes=1024)
    acc = account(demo, douyin)
    services.publish(story=video_story, user=operator, account_ids=[acc.pk])
    deliver_all()
    publication = Publication.objects.get(account=acc)
    assert publication.status == Publication.Status.SENT, publication.last_error
    state = douyin.state()
    assert state["uploads"] == {"simple": 0, "part": 1, "parts": 3}
    (video,) = state["videos"].values()
    assert video["sha256"] == video_story.video.sha256 and video["size"] == size  # reassembled byte for byte
    attempt = DeliveryAttempt.objects.filter(message__publication=publication).order_by("-id").first()
    assert "分 3 片" in attempt.detail


def test_part_upload_goes_on_after_a_lost_part(demo, operator, video_story, douyin, monkeypatch):
    size = video_story.video.size
    monkeypatch.setattr(adapter, "SIMPLE_MAX", size // 2)
    monkeypatch.setattr(adapter, "PART_BYTES", size // 3 + 1)
    douyin.set_limits(min_part_bytes=1024)
    douyin.add_fault("error", path="/video/part/upload/", status=502, count=1)
    acc = account(demo, douyin)
    services.publish(story=video_story, user=operator, account_ids=[acc.pk])
    deliver_all()
    assert Publication.objects.get(account=acc).status == Publication.Status.RETRYING
    deliver_all(later())
    assert Publication.objects.get(account=acc).status == Publication.Status.SENT
    state = douyin.state()
    assert state["uploads"]["part"] == 1 and state["uploads"]["parts"] == 3  # the failed part alone was sent again
    assert state["calls"]["/video/part/init/"] == 1


def test_expired_token_is_refreshed_and_stored_encrypted(demo, operator, video_story, douyin):
    acc = account(demo, douyin)
    douyin.expire_token("county")
    services.publish(story=video_story, user=operator, account_ids=[acc.pk])
    deliver_all()
    assert Publication.objects.get(account=acc).status == Publication.Status.SENT
    assert douyin.state()["refreshes"] == 1
    stored = ChannelAccount.objects.get(pk=acc.pk).secret
    creds = json.loads(secrets.decrypt(stored))
    assert creds["access_token"] not in ("", "act.county") and creds["refresh_token"] == "rft.county"
    assert creds["client_secret"] == "cs-demo" and creds["expires_at"] > timezone.now().timestamp()
    assert creds["access_token"] not in stored  # encrypted at rest
    event = AuditEvent.objects.get(action="account.token_refresh", center=demo["demo"])
    assert creds["access_token"] not in json.dumps(event.after, ensure_ascii=False)


def test_refresh_token_near_its_end_is_renewed(demo, operator, video_story, douyin):
    acc = account(demo, douyin)
    douyin.expire_token("county")
    douyin.age_refresh_token("county", days=27)  # 3 days left: renewed along with the refresh
    services.publish(story=video_story, user=operator, account_ids=[acc.pk])
    deliver_all()
    assert Publication.objects.get(account=acc).status == Publication.Status.SENT
    state = douyin.state()
    assert state["refreshes"] == 1 and state["renewals"] == 1
    creds = json.loads(secrets.decrypt(ChannelAccount.objects.get(pk=acc.pk).secret))
    assert creds["refresh_token"] != "rft.county"
    assert creds["refresh_expires_at"] > (timezone.now() + dt.timedelta(days=29)).timestamp()


def test_dead_refresh_token_fails_asking_for_authorisation(demo, operator, video_story, douyin):
    acc = account(demo, douyin)
    douyin.expire_token("county")
    douyin.expire_refresh_token("county")
    services.publish(story=video_story, user=operator, account_ids=[acc.pk])
    deliver_all()
    publication = Publication.objects.get(account=acc)
    assert publication.status == Publication.Status.FAILED and "重新授权" in publication.last_error
    assert douyin.state()["items_live"] == 0


def test_quota_is_retried_later_then_published(demo, operator, video_story, douyin):
    acc = account(demo, douyin)
    douyin.rate_limit("county", calls=1, error_code=2190001)
    services.publish(story=video_story, user=operator, account_ids=[acc.pk])
    deliver_all()
    publication = Publication.objects.get(account=acc)
    assert publication.status == Publication.Status.RETRYING and "额度" in publication.last_error
    deliver_all(later())
    assert Publication.objects.get(account=acc).status == Publication.Status.SENT
    assert douyin.state()["items_live"] == 1


def test_review_refusal_fails_with_a_chinese_explanation(demo, operator, video_story, douyin):
    acc = account(demo, douyin)
    douyin.refuse_content(next_creates=1)
    services.publish(story=video_story, user=operator, account_ids=[acc.pk])
    deliver_all()
    publication = Publication.objects.get(account=acc)
    assert publication.status == Publication.Status.FAILED
    assert "2111001" in publication.last_error and "审核未通过" in publication.last_error
    assert douyin.state()["items_live"] == 0


def test_lost_create_answer_is_found_not_repeated(demo, operator, video_story, douyin):
    acc = account(demo, douyin)
    douyin.add_fault("drop", path="/video/create/", after_processing=True)
    services.publish(story=video_story, user=operator, account_ids=[acc.pk])
    deliver_all()  # the video was created, its answer lost
    assert Publication.objects.get(account=acc).status == Publication.Status.RETRYING
    deliver_all(later())
    publication = Publication.objects.get(account=acc)
    assert publication.status == Publication.Status.SENT
    state = douyin.state()
    assert state["creates"] == 1 and state["items_live"] == 1 and state["duplicate_creates"] == []
    assert publication.remote_id in state["items"] and state["uploads"]["simple"] == 1


def test_create_that_never_arrived_is_made_once_without_uploading_again(demo, operator, video_story, douyin):
    acc = account(demo, douyin)
    douyin.add_fault("drop", path="/video/create/", after_processing=False)
    services.publish(story=video_story, user=operator, account_ids=[acc.pk])
    deliver_all()
    deliver_all(later())
    assert Publication.objects.get(account=acc).status == Publication.Status.SENT
    state = douyin.state()
    assert state["creates"] == 1 and state["uploads"]["simple"] == 1 and state["video_id_reused"] == 0


def test_video_changed_after_sign_off_is_not_sent(demo, operator, video_story, douyin):
    acc = account(demo, douyin)
    services.publish(story=video_story, user=operator, account_ids=[acc.pk])
    # the finished file no longer is the one review signed (the publish screen checked
    # before; the worker checks again when it sends)
    VideoJob.objects.filter(pk=video_story.video.job_id).update(sha256="0" * 64)
    deliver_all()
    publication = Publication.objects.get(account=acc)
    assert publication.status == Publication.Status.FAILED and "竖版视频" in publication.last_error
    assert douyin.state()["calls"] == {}


def test_correction_is_refused_with_guidance(demo, operator, video_story, douyin):
    from rongmei.distribution.models import OutboxMessage

    acc = account(demo, douyin)
    (publication,) = services.publish(story=video_story, user=operator, account_ids=[acc.pk])
    deliver_all()
    message = OutboxMessage.objects.create(publication=publication, account=acc, action="correct",
                                           idempotency_key="douyin-correct-test", available_at=timezone.now(),
                                           status=OutboxMessage.Status.DONE)
    outcome = adapter.deliver(outbox.Delivery(message=message, worker="w", recovering=False))
    assert outcome.kind == "fail" and "撤稿" in outcome.detail and "重新分发" in outcome.detail
    assert douyin.state()["creates"] == 1


def test_lost_create_not_yet_listed_waits_and_never_creates_twice(demo, operator, video_story, douyin):
    acc = account(demo, douyin)
    douyin.hide_new_items(True)
    douyin.add_fault("drop", path="/video/create/", after_processing=True)
    services.publish(story=video_story, user=operator, account_ids=[acc.pk])
    deliver_all()  # created, answer lost
    deliver_all(later())  # not listed: a second create is refused (the video_id is spent) → wait
    publication = Publication.objects.get(account=acc)
    assert publication.status == Publication.Status.PUBLISHING, publication.last_error
    assert douyin.state()["video_id_reused"] == 1
    douyin.hide_new_items(False)
    deliver_all(later(4))
    publication = Publication.objects.get(account=acc)
    assert publication.status == Publication.Status.SENT
    state = douyin.state()
    assert state["creates"] == 1 and state["uploads"]["simple"] == 1 and state["duplicate_creates"] == []
    assert publication.remote_id in state["items"]


def test_token_known_to_expire_is_refreshed_before_the_upload(demo, operator, video_story, douyin):
    acc = account(demo, douyin)
    creds = {"client_secret": "cs-demo", "access_token": "act.county", "refresh_token": "rft.county",
             "expires_at": int(timezone.now().timestamp()) + 60}
    services.update_account(account=acc, user=operator, secret=json.dumps(creds))
    services.publish(story=video_story, user=operator, account_ids=[acc.pk])
    deliver_all()
    assert Publication.objects.get(account=acc).status == Publication.Status.SENT
    state = douyin.state()
    assert state["refreshes"] == 1 and "/video/upload/" in state["calls"] and state["calls"]["/video/upload/"] == 1
