"""视频版本 for the adapters: `selectors.video_file` returns the finished video recorded in the
short-video rendition (what review signed) and nothing else; `testing.video.ready_video`
makes one for real."""

import hashlib

import pytest

from rongmei.core.models import User
from rongmei.newsroom import selectors
from rongmei.newsroom.models import Rendition, Story, VideoJob
from rongmei.newsroom.services import stories as story_svc
from rongmei.testing.video import ready_video


@pytest.fixture
def editor(demo):
    return User.objects.get(username="editor")


@pytest.fixture
def story(demo, editor):
    made = story_svc.create_story(center=demo["demo"], user=editor, data=story_svc.StoryData(
        headline="青山镇连夜抢修城区积水点", body="<p>受强降雨影响，青山镇城区3处路段出现积水。</p>",
        bylines=[story_svc.BylineData(name="王磊", role="reporter", user_id=None, share=100)]))
    return Story.objects.get(pk=made.pk)


def test_ready_video_is_what_the_selector_returns_and_only_that(story, editor):
    made = ready_video(story, editor, seconds=1.0, subtitles_mode="side",
                       subtitles="1\n00:00:00,000 --> 00:00:00,900\n青山镇连夜抢修\n")
    assert "青山镇连夜抢修" in made.srt and "00:00:00,000 --> 00:00:00,900" in made.srt   # the SRT beside the video
    assert made.shape == "vertical" and made.mime == "video/mp4"
    assert (made.width, made.height) == (1080, 1920) and 0.8 < made.duration < 1.3
    with made.open() as fh:
        data = fh.read()
    assert len(data) == made.size and hashlib.sha256(data).hexdigest() == made.sha256
    assert data[4:8] == b"ftyp"
    with made.open_cover() as fh:
        assert fh.read(3) == b"\xff\xd8\xff"   # a JPEG frame
    fields = Rendition.objects.get(story=story, channel="short_video").fields
    assert fields["video"]["sha256"] == made.sha256 and fields["video"]["job"] == made.job_id
    assert selectors.video_file(story, "horizontal") is None

    # Only the recorded file is returned.
    # The row's file changed behind the rendition's back (not the one review saw): nothing.
    VideoJob.objects.filter(pk=made.job_id).update(sha256="0" * 64)
    assert selectors.video_file(story, "vertical") is None
    VideoJob.objects.filter(pk=made.job_id).update(sha256=made.sha256)
    assert selectors.video_file(story, "vertical") == made
    # A newer finished job that is not the one recorded is not offered.
    newer = VideoJob.objects.get(pk=made.job_id)
    newer.pk = None
    newer.sha256 = "1" * 64
    newer.save()
    assert selectors.video_file(story, "vertical").job_id == made.job_id


def test_the_demo_has_a_story_with_a_finished_vertical_video_with_subtitles(demo, login):
    from rongmei.newsroom import demo as newsroom_demo
    from rongmei.newsroom.demo_content import STORIES

    spec = next(s for s in STORIES if s["key"] == newsroom_demo.VIDEO_STORY)
    story = Story.objects.get(center=demo["demo"], headline=spec["headline"])
    video = selectors.video_file(story, "vertical")
    assert video is not None and (video.width, video.height) == (1080, 1920) and video.duration > 2
    job = VideoJob.objects.get(pk=video.job_id)
    assert job.subtitles and job.subtitles_mode == "burn"
    page = login("editor").get(f"/stories/{story.pk}/").content.decode()
    assert f"/media/{video.name}" in page
    assert newsroom_demo._video_version(demo["demo"], User.objects.get(username="editor")) == 0   # idempotent
