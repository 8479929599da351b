"""The Kuaishou adapter through the outbox against the fake Kuaishou open platform: a real
small MP4 (made by ffmpeg through the video job), the documented upload and publish, token
refresh, limits, refusals, a lost answer and takedown."""

from __future__ import annotations

import datetime as dt
import hashlib
import json

import pytest
from django.utils import timezone

from rongmei.core.models import AuditEvent, User
from rongmei.distribution import outbox, secrets, services
from rongmei.distribution.adapters import kuaishou
from rongmei.distribution.fakes import start_fake
from rongmei.distribution.models import ChannelAccount, Publication
from rongmei.newsroom.models import Story, VideoJob
from rongmei.newsroom.services import renditions as rendition_svc
from rongmei.newsroom.services import stories as story_svc
from rongmei.review import engine
from rongmei.testing.video import ready_video

from .conftest import approve_all

APP = "ks-demo-app"


@pytest.fixture
def ks():
    with start_fake("kuaishou", publish_delay=0.05) as fake:
        yield fake


@pytest.fixture
def video_story(demo, settings, tmp_path):
    """A new story with its vertical video version, signed off for 短视频."""
    settings.MEDIA_ROOT = str(tmp_path)
    editor = User.objects.get(username="editor")
    made = story_svc.create_story(center=demo["demo"], user=editor, data=story_svc.StoryData(
        headline="青山镇连夜抢修城区积水点", body="<p>受强降雨影响，青山镇城区3处路段出现积水，抢修队连夜排水。</p>",
        tags=["防汛", "青山镇", "城市管理"],
        bylines=[story_svc.BylineData(name="王磊", role="reporter", user_id=None, share=100)]),
        status=Story.Status.EDITING)
    story = Story.objects.get(pk=made.pk)
    rendition_svc.generate(story=story, user=editor, channels=["short_video"])
    ready_video(story, editor, seconds=1.0)
    return approve_all(engine.submit(story=story, user=editor, channels=["short_video"]))


def account(demo, fake, open_id="ow-shifan", **creds) -> ChannelAccount:
    tokens = fake.add_account(open_id, app_id=APP)
    secret = {"app_secret": f"secret-{APP}", **tokens, **creds}
    secret.pop("open_id", None)
    return services.create_account(center=demo["demo"], user=None, kind="kuaishou", name=f"示例县发布·快手 {open_id}",
                                   base_url=fake.url, options={"app_id": APP, "open_id": open_id},
                                   secret=json.dumps(secret))


def deliver_all(later: float = 0) -> None:
    now = timezone.now() + dt.timedelta(seconds=later) if later else None
    for message in outbox.claim("w", limit=50, now=now):
        outbox.process(message, "w")


def publication(acc) -> Publication:
    return Publication.objects.get(account=acc)


def test_publish_end_to_end_then_take_down(demo, operator, video_story, ks):
    acc = account(demo, ks)
    services.publish(story=video_story, user=operator, account_ids=[acc.pk])
    deliver_all()
    sent = publication(acc)
    assert sent.status == Publication.Status.SENT, sent.last_error
    (photo,) = ks.photos("ow-shifan")
    assert sent.remote_id == photo["photo_id"] and sent.remote_url.endswith(f"/short-video/{photo['photo_id']}")
    from rongmei.newsroom.selectors import video_file

    video = video_file(video_story, "vertical")
    assert photo["sha256"] == video.sha256 and photo["size"] == video.size  # the signed file, byte for byte
    with video.open_cover() as fh:
        assert photo["cover_sha256"] == hashlib.sha256(fh.read()).hexdigest()
    assert photo["caption"] == kuaishou.caption(video_story)
    assert photo["caption"].startswith("青山镇连夜抢修城区积水点") and "#" in photo["caption"]
    assert photo["upload_mode"] == "binary"
    services.take_down(story=video_story, user=operator, reason="数据有误")
    deliver_all()
    assert publication(acc).status == Publication.Status.TAKEN_DOWN
    assert ks.photos("ow-shifan") == [] and ks.state()["duplicate_publishes"] == []


def test_large_file_goes_in_fragments_and_a_retry_sends_only_the_rest(demo, operator, video_story, ks, monkeypatch):
    from rongmei.newsroom.selectors import video_file

    size = video_file(video_story, "vertical").size
    piece = max(1024, size // 4 + 1)  # four fragments
    monkeypatch.setattr(kuaishou, "DIRECT_LIMIT", piece)
    monkeypatch.setattr(kuaishou, "FRAGMENT_BYTES", piece)
    ks.set_limits(direct_bytes=piece, fragment_bytes=piece)
    acc = account(demo, ks)
    ks.add_fault("error", path="/api/upload/fragment", status=503)  # the first fragment's call fails
    ks.add_fault("error", path="/api/upload/fragment", status=503)  # … and the next attempt's first too
    services.publish(story=video_story, user=operator, account_ids=[acc.pk])
    deliver_all()
    assert publication(acc).status == Publication.Status.RETRYING
    deliver_all(later=3600)
    assert publication(acc).status == Publication.Status.RETRYING
    deliver_all(later=7200)
    assert publication(acc).status == Publication.Status.SENT, publication(acc).last_error
    state = ks.state()
    assert state["uploads_by_mode"] == {"fragment": 1} and state["calls"]["/api/upload/resume"] >= 1
    assert state["calls"]["/api/upload/fragment"] == 4 + 2  # each fragment once, plus the two refused calls
    assert state["calls"]["/openapi/photo/start_upload"] == 1  # the upload_token was kept
    assert ks.photos("ow-shifan")[0]["sha256"] == video_file(video_story, "vertical").sha256


def test_expired_token_is_refreshed_and_stored_encrypted(demo, operator, video_story, ks):
    acc = account(demo, ks)
    old = json.loads(secrets.decrypt(acc.secret))
    ks.expire_tokens("ow-shifan")
    services.publish(story=video_story, user=operator, account_ids=[acc.pk])
    deliver_all()
    assert publication(acc).status == Publication.Status.SENT, publication(acc).last_error
    acc.refresh_from_db()
    assert old["access_token"] not in acc.secret and old["refresh_token"] not in acc.secret  # encrypted at rest
    new = json.loads(secrets.decrypt(acc.secret))
    assert new["access_token"] != old["access_token"] and new["refresh_token"] != old["refresh_token"]
    assert new["app_secret"] == old["app_secret"] and new["expires_at"] > timezone.now().timestamp()
    assert ks.state()["accounts"]["ow-shifan"]["refreshes"] == 1
    event = AuditEvent.objects.get(action="account.token_refresh", object_id=str(acc.pk))
    assert new["access_token"] not in json.dumps(event.after)  # the audit log never holds a token


def test_refresh_token_expired_fails_asking_for_authorisation(demo, operator, video_story, ks):
    acc = account(demo, ks)
    ks.expire_tokens("ow-shifan")
    ks.expire_refresh_token("ow-shifan")
    services.publish(story=video_story, user=operator, account_ids=[acc.pk])
    deliver_all()
    failed = publication(acc)
    assert failed.status == Publication.Status.FAILED
    assert "refresh_token 已过期" in failed.last_error and "重新授权" in failed.last_error
    assert ks.photos("ow-shifan") == []


def test_rate_limit_is_retried_then_sent(demo, operator, video_story, ks):
    acc = account(demo, ks)
    ks.rate_limit("ow-shifan", calls=1, path="/openapi/photo/publish")
    services.publish(story=video_story, user=operator, account_ids=[acc.pk])
    deliver_all()
    waiting = publication(acc)
    assert waiting.status == Publication.Status.RETRYING and "限速" in waiting.last_error
    assert waiting.next_attempt_at >= timezone.now() + dt.timedelta(seconds=50)  # the adapter's delay, not 5 s
    deliver_all(later=120)
    assert publication(acc).status == Publication.Status.SENT
    assert len(ks.photos("ow-shifan")) == 1 and ks.state()["calls"]["/api/upload"] == 1


def test_refused_video_fails_in_chinese(demo, operator, video_story, ks):
    acc = account(demo, ks)
    ks.refuse_content("ow-shifan")
    services.publish(story=video_story, user=operator, account_ids=[acc.pk])
    deliver_all()
    failed = publication(acc)
    assert failed.status == Publication.Status.FAILED
    assert "快手未通过这条视频" in failed.last_error and "120003" in failed.last_error


def test_lost_answer_is_settled_by_asking_not_by_posting_again(demo, operator, video_story, ks):
    acc = account(demo, ks)
    ks.add_fault("drop", path="/openapi/photo/publish", after_processing=True)  # made, answer lost
    services.publish(story=video_story, user=operator, account_ids=[acc.pk])
    deliver_all()
    assert publication(acc).status == Publication.Status.RETRYING
    deliver_all(later=3600)
    sent = publication(acc)
    assert sent.status == Publication.Status.SENT and sent.remote_id == ks.photos("ow-shifan")[0]["photo_id"]
    state = ks.state()
    assert state["calls"]["/openapi/photo/publish"] == 1 and state["duplicate_publishes"] == []


def test_lost_request_is_published_once_after_settling(demo, operator, video_story, ks, monkeypatch):
    acc = account(demo, ks)
    ks.add_fault("drop", path="/openapi/photo/publish", after_processing=False)  # never reached Kuaishou
    services.publish(story=video_story, user=operator, account_ids=[acc.pk])
    deliver_all()
    deliver_all(later=3600)  # asked: not there, and the unanswered call is too recent to give up on
    assert publication(acc).status == Publication.Status.PUBLISHING and ks.photos("ow-shifan") == []
    monkeypatch.setattr(kuaishou, "SETTLE_SECONDS", 0.0)
    deliver_all(later=7200)
    assert publication(acc).status == Publication.Status.SENT
    assert len(ks.photos("ow-shifan")) == 1 and ks.state()["duplicate_publishes"] == []
    assert ks.state()["calls"]["/api/upload"] == 1  # the upload was not repeated


def test_no_signed_video_fails_and_bad_credentials_are_explained(demo, operator, video_story, ks):
    acc = account(demo, ks)
    signed = VideoJob.objects.get(story=video_story).sha256
    services.publish(story=video_story, user=operator, account_ids=[acc.pk])
    VideoJob.objects.filter(story=video_story).update(sha256="0" * 64)  # not the file review signed
    deliver_all()
    assert "还没有审核通过的竖版视频" in publication(acc).last_error
    assert ks.state()["calls"] == {}

    broken = services.create_account(center=demo["demo"], user=None, kind="kuaishou", name="快手·密钥不全",
                                     base_url=ks.url, options={"app_id": APP}, secret='{"access_token": "x"}')
    with pytest.raises(ValueError, match="缺少 app_secret、refresh_token"):
        kuaishou.credentials(broken)
    VideoJob.objects.filter(story=video_story).update(sha256=signed)
    other = account(demo, ks, "ow-other")
    services.publish(story=video_story, user=operator, account_ids=[other.pk])
    ChannelAccount.objects.filter(pk=other.pk).update(options={})  # edited while the delivery was queued
    deliver_all()
    assert "没有填写 app_id" in publication(other).last_error and publication(other).status == Publication.Status.FAILED


def test_correction_is_refused_and_the_work_stays(demo, operator, video_story, ks):
    """快手 cannot edit a work: a correction (as `services.correct` queues it) fails with the
    reason, and the original stays online untouched."""
    from rongmei.distribution.models import OutboxMessage

    acc = account(demo, ks)
    services.publish(story=video_story, user=operator, account_ids=[acc.pk])
    deliver_all()
    sent = publication(acc)
    OutboxMessage.objects.create(publication=sent, account=acc, action=OutboxMessage.Action.CORRECT,
                                 idempotency_key=f"p{sent.pk}-a{acc.pk}-v9-correct", available_at=timezone.now(),
                                 progress={"reason": "人数有误", "replaces": sent.remote_id})
    deliver_all()
    refused = publication(acc)
    assert refused.status == Publication.Status.FAILED and "不能修改已发布的作品" in refused.last_error
    assert [p["photo_id"] for p in ks.photos("ow-shifan")] == [sent.remote_id]
    assert ks.state()["calls"].get("/openapi/photo/delete", 0) == 0


def test_token_is_refreshed_before_its_recorded_expiry(demo, operator, video_story, ks):
    """After a refresh the expiry is known: the next delivery refreshes ahead of it instead
    of being refused first."""
    acc = account(demo, ks, expires_at=int(timezone.now().timestamp()) + 60)  # due within REFRESH_EARLY
    services.publish(story=video_story, user=operator, account_ids=[acc.pk])
    deliver_all()
    assert publication(acc).status == Publication.Status.SENT
    state = ks.state()["accounts"]["ow-shifan"]
    assert state["refreshes"] == 1 and state["errors"] == {}  # no call was refused for an old token
