"""视频版本 jobs (issue 17): made from the story page, run on the task queue with real
ffmpeg, progress written to the row, cancellable, failures in Chinese, stale edits refused,
other centers' jobs invisible, bad subtitles refused naming the cue."""

import datetime as dt
import html
import re

import pytest
from django.core.files.storage import default_storage
from django.utils import timezone

from rongmei.core.models import User
from rongmei.newsroom.models import Rendition, Story, VideoJob
from rongmei.newsroom.services import stories as story_svc
from rongmei.newsroom.video import jobs
from rongmei.testing import s3 as s3_testing
from rongmei.testing.video import add_clip

media_storage = s3_testing.media_storage   # each test using it runs on the local folder and on S3
s3_server = s3_testing.s3_server

SRT = "1\n00:00:00,000 --> 00:00:00,800\n青山镇连夜抢修\n\n2\n00:00:00,800 --> 00:00:01,000\n积水全部排除\n"


def user(name: str) -> User:
    return User.objects.get(username=name)


def new_story(center, author: str) -> Story:
    made = story_svc.create_story(center=center, user=user(author), data=story_svc.StoryData(
        headline="青山镇连夜抢修城区积水点", body="<p>受强降雨影响，青山镇城区3处路段出现积水，镇应急办连夜组织抢修。</p>",
        bylines=[story_svc.BylineData(name="王磊", role="reporter", user_id=None, share=100)]))
    return Story.objects.get(pk=made.pk)


@pytest.fixture
def story(demo):
    return new_story(demo["demo"], "editor")


@pytest.fixture
def clip(story):
    return add_clip(story, user("editor"), seconds=1.0, size=(240, 136))


def _form(clip, **extra):
    return {"shape": "vertical", "sources": [str(clip.pk)], "fit": "blur", "crop_x": "0.5", "subtitles": SRT,
            "subtitles_mode": "burn", "music": "", "platform": "douyin", "cover_time": "0.5", **extra}


def _music(center):
    """A WAV tone uploaded to the library (the background music choice)."""
    import subprocess
    import tempfile
    from pathlib import Path

    from django.core.files.uploadedfile import SimpleUploadedFile

    from rongmei.newsroom.services import assets as asset_svc

    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp, "m.wav")
        subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "sine=frequency=330:duration=2", str(out)],
                       check=True, timeout=30)
        data = out.read_bytes()
    return asset_svc.upload(center=center, user=user("editor"), upload=SimpleUploadedFile("配乐.wav", data, "audio/wav"),
                            caption="演示配乐")


def test_a_job_runs_end_to_end_through_the_task(media_storage, login, demo, story, clip, immediate_queue,
                                               django_capture_on_commit_callbacks):
    """On the local folder and on S3 (media_storage): ffmpeg reads the stored sources and the
    finished file is stored and served the same way."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from rongmei.newsroom.services import assets as asset_svc
    from rongmei.newsroom.services import covers
    from rongmei.newsroom.tests.conftest import jpeg_with_gps

    logo = asset_svc.upload(center=demo["demo"], user=user("admin"),
                            upload=SimpleUploadedFile("台标.jpg", jpeg_with_gps(size=(300, 120)), "image/jpeg"))
    covers.set_center_logo(center=demo["demo"], user=user("admin"), position="top_left", asset_id=logo.pk)
    music = _music(demo["demo"])
    client = login("editor")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/stories/{story.pk}/videos/", _form(clip, use_logo="1", music=str(music.pk)))
    job = VideoJob.objects.get(story=story)
    assert job.use_logo and job.music_id == music.pk
    assert response.status_code == 302 and response["Location"] == f"/stories/{story.pk}/videos/{job.pk}/"
    assert job.status == "done", job.error
    assert job.percent == 100 and job.lease_until is None and job.finished_at >= job.started_at
    assert (job.width, job.height) == (1080, 1920) and 0.8 < job.duration < 1.3
    assert job.output.name.startswith(f"videos/demo/{job.sha256[:2]}/{job.sha256[:16]}-vertical") and job.cover_sha256
    with default_storage.open(job.output.name, "rb") as fh:
        assert fh.read(12)[4:8] == b"ftyp"
    # the finished video is the short-video version's video, which the reviewers sign
    fields = Rendition.objects.get(story=story, channel="short_video").fields
    assert fields["video"] == jobs.rendition_value(job)
    # the page plays it through /media/, checked: the editor may, another center's user may not
    page = client.get(f"/stories/{story.pk}/videos/{job.pk}/").content.decode()
    assert f'<video controls preload="metadata" src="/media/{job.output.name}"' in page
    assert 'data-testid="video-download"' in page and "短视频渠道稿使用中" in page
    media = client.get(f"/media/{job.output.name}")
    assert media.status_code == 200 and media["Content-Type"] == "video/mp4"
    assert login("lx_reporter").get(f"/media/{job.output.name}").status_code == 404
    # and the story page shows it in the 视频版本 panel
    story_page = client.get(f"/stories/{story.pk}/").content.decode()
    assert 'data-testid="video-panel"' in story_page and f"/media/{job.output.name}" in story_page
    # a frame preview for choosing the cover, then the chosen cover is saved and recorded
    frame = client.get(f"/stories/{story.pk}/videos/{job.pk}/frame/", {"t": "0.2"})
    assert frame.status_code == 200 and frame.content[:3] == b"\xff\xd8\xff"
    preview = client.get(f"/stories/{story.pk}/videos/{job.pk}/cover/preview/", {"cover_time": "nan"}).content.decode()
    assert f'/stories/{story.pk}/videos/{job.pk}/frame/?t=0.0"' in preview
    client.post(f"/stories/{story.pk}/videos/{job.pk}/cover/", {"cover_time": "0.2", "version": job.version})
    job.refresh_from_db()
    assert job.cover_time == pytest.approx(0.2)
    assert Rendition.objects.get(story=story, channel="short_video").fields["video"]["cover_sha256"] == job.cover_sha256


def test_progress_is_written_at_most_once_a_second_and_never_backwards(story, clip):
    job = jobs.create(story=story, user=user("editor"), data=_form(clip), enqueue=False)
    job = jobs.claim(job.pk)
    watch = jobs._Watch(job)
    watch.progress(37.5)
    watch.progress(60)       # within the second: not written yet
    assert VideoJob.objects.get(pk=job.pk).percent == 37
    watch.written -= 2
    watch.progress(20)       # the engine never goes back; neither does the row
    row = VideoJob.objects.get(pk=job.pk)
    assert row.percent == 60 and row.lease_until > timezone.now() + dt.timedelta(seconds=60)
    watch.written -= 2
    watch.progress(100)      # 100 only comes with the stored file
    assert VideoJob.objects.get(pk=job.pk).percent == 99


def test_cancel_a_queued_job_from_the_page_and_a_running_one_stops_ffmpeg(login, story, clip, media_in_tmp):
    client = login("editor")
    queued = jobs.create(story=story, user=user("editor"), data=_form(clip), enqueue=False)
    page = client.get(f"/stories/{story.pk}/videos/{queued.pk}/").content.decode()
    assert 'data-testid="video-cancel"' in page and 'hx-trigger="every 2s"' in page
    client.post(f"/stories/{story.pk}/videos/{queued.pk}/cancel/", {"version": queued.version})
    queued.refresh_from_db()
    assert queued.status == "cancelled" and jobs.run(queued.pk) is None   # the worker leaves it alone
    # A running job: the worker reads the flag while ffmpeg runs, stops it, leaves no file.
    running = jobs.create(story=story, user=user("editor"), data=_form(clip), enqueue=False)
    VideoJob.objects.filter(pk=running.pk).update(cancel_requested=True)   # asked just as the worker took it
    ended = jobs.run(running.pk)
    assert ended.status == "cancelled" and not ended.output and ended.percent < 100
    assert not (media_in_tmp / "videos").exists()


def test_a_failure_is_shown_in_chinese_and_can_be_retried(login, story, clip, immediate_queue,
                                                         django_capture_on_commit_callbacks):
    with default_storage.open(clip.file.name, "wb") as fh:   # the stored footage got damaged
        fh.write(b"this is not a video at all" * 40)
    client = login("editor")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/stories/{story.pk}/videos/", _form(clip))
    job = VideoJob.objects.get(story=story)
    assert job.status == "failed" and job.lease_until is None
    assert any("\u4e00" <= ch <= "\u9fff" for ch in job.error) and "Traceback" not in job.error
    page = client.get(f"/stories/{story.pk}/videos/{job.pk}/").content.decode()
    assert 'data-testid="video-error"' in page and job.error in page and 'data-testid="video-retry"' in page
    with django_capture_on_commit_callbacks(execute=True):   # 重新生成: a new job with the same choices
        response = client.post(f"/stories/{story.pk}/videos/{job.pk}/retry/")
    again = VideoJob.objects.filter(story=story).exclude(pk=job.pk).get()
    assert response["Location"] == f"/stories/{story.pk}/videos/{again.pk}/"
    assert again.subtitles == job.subtitles and again.status == "failed"   # the footage is still damaged
    assert not Rendition.objects.filter(story=story, fields__has_key="video").exists()


def test_a_worker_that_died_leaves_a_failed_job_not_a_running_one(story, clip):
    job = jobs.create(story=story, user=user("editor"), data=_form(clip), enqueue=False)
    jobs.claim(job.pk)
    assert jobs.expire_stale() == 0     # the lease is still good
    assert jobs.expire_stale(timezone.now() + dt.timedelta(seconds=jobs.LEASE_SECONDS + 1)) == 1
    job.refresh_from_db()
    assert job.status == "failed" and job.error == jobs.INTERRUPTED
    again = jobs.retry(job=job, user=user("editor"))
    assert again.status == "queued" and again.sources == job.sources and again.subtitles == job.subtitles


def test_a_stale_cancel_is_refused_and_nothing_changes(login, story, clip):
    job = jobs.create(story=story, user=user("editor"), data=_form(clip), enqueue=False)
    seen = job.version
    jobs.claim(job.pk)                    # the worker took it after the page was opened
    response = login("editor").post(f"/stories/{story.pk}/videos/{job.pk}/cancel/", {"version": seen}, follow=True)
    assert "已有变化" in response.content.decode()
    job.refresh_from_db()
    assert job.status == "running" and not job.cancel_requested


def test_one_job_per_story_and_shape_at_a_time(story, clip):
    jobs.create(story=story, user=user("editor"), data=_form(clip), enqueue=False)
    with pytest.raises(jobs.ValidationError) as refused:
        jobs.create(story=story, user=user("editor"), data=_form(clip), enqueue=False)
    assert "正在生成" in refused.value.message_dict["shape"][0]
    assert jobs.create(story=story, user=user("editor"), data=_form(clip, shape="horizontal"), enqueue=False)


def test_bad_subtitles_are_refused_naming_the_cue_and_line(login, story, clip):
    bad = SRT.replace("00:00:00,800 --> 00:00:01,000", "00:00:00,800 -> 00:00:01,000")
    response = login("editor").post(f"/stories/{story.pk}/videos/", _form(clip, subtitles=bad))
    assert response.status_code == 400
    page = response.content.decode()
    assert "第 2 条字幕（第 6 行）" in page and 'data-testid="video-error-subtitles"' in page
    assert not VideoJob.objects.filter(story=story).exists()
    # sources must be the story's own
    other = add_clip(new_story(story.center, "editor"), user("editor"), seconds=1.0, size=(160, 90))
    response = login("editor").post(f"/stories/{story.pk}/videos/", _form(clip, sources=[str(other.pk)]))
    assert response.status_code == 400 and "只能选用本稿件" in response.content.decode()


def test_the_starter_splits_the_short_video_caption_into_timed_cues(login, story, clip):
    from rongmei.newsroom.services import renditions as rendition_svc

    rendition_svc.generate(story=story, user=user("editor"), channels=["short_video"])
    r = Rendition.objects.get(story=story, channel="short_video")
    Rendition.objects.filter(pk=r.pk).update(fields={**r.fields, "caption": "青山镇连夜抢修，凌晨两点积水全部排除。#防汛"})
    response = login("editor").post(f"/stories/{story.pk}/videos/subtitles/", {"sources": [str(clip.pk)]})
    text = response.content.decode()
    assert "青山镇连夜抢修" in text and "凌晨两点积水全部排除" in text and "防汛" not in text
    from rongmei.newsroom.video import engine

    parsed = engine.parse_srt(html.unescape(re.search(r"<textarea[^>]*>(.*)</textarea>", text, re.DOTALL)[1]))
    assert len(parsed) == 2 and parsed[-1].end == pytest.approx(clip.duration, abs=0.1)


def test_another_centers_job_is_404_on_every_page_and_the_api(login, demo, story, clip):
    neighbour = new_story(demo["linxian"], "lx_reporter")
    theirs = jobs.create(story=neighbour, user=user("lx_reporter"),
                         data={"sources": [add_clip(neighbour, user("lx_reporter"), 1.0, (160, 90)).pk]}, enqueue=False)
    mine = jobs.create(story=story, user=user("editor"), data=_form(clip), enqueue=False)
    client = login("editor")
    for url in (f"/stories/{neighbour.pk}/videos/", f"/stories/{neighbour.pk}/videos/{theirs.pk}/",
                f"/stories/{neighbour.pk}/videos/{theirs.pk}/progress/", f"/stories/{story.pk}/videos/{theirs.pk}/",
                f"/stories/{story.pk}/videos/{theirs.pk}/progress/", f"/stories/{story.pk}/videos/{theirs.pk}/frame/"):
        assert client.get(url).status_code == 404, url
    assert client.post(f"/stories/{story.pk}/videos/{theirs.pk}/cancel/", {"version": theirs.version}).status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == "queued" and not theirs.cancel_requested
    for url in (f"/api/v1/stories/{neighbour.pk}/videos", f"/api/v1/stories/{story.pk}/videos/{theirs.pk}",
                f"/api/v1/stories/{neighbour.pk}/videos/{theirs.pk}"):
        assert client.get(url).status_code == 404, url
    assert client.post(f"/api/v1/stories/{story.pk}/videos/{theirs.pk}/cancel", {"version": theirs.version},
                       content_type="application/json").status_code == 404
    # one's own, through the API: listed, read, a stale cancel 409, a fresh one done
    listed = client.get(f"/api/v1/stories/{story.pk}/videos").json()["items"]
    assert [j["id"] for j in listed] == [mine.pk] and listed[0]["status"] == "queued"
    assert client.get(f"/api/v1/stories/{story.pk}/videos/{mine.pk}").json()["percent"] == 0
    stale = client.post(f"/api/v1/stories/{story.pk}/videos/{mine.pk}/cancel", {"version": mine.version + 5},
                        content_type="application/json")
    assert stale.status_code == 409 and "已有变化" in stale.json()["detail"]
    done = client.post(f"/api/v1/stories/{story.pk}/videos/{mine.pk}/cancel", {"version": mine.version},
                       content_type="application/json")
    assert done.status_code == 200 and done.json()["status"] == "cancelled"


def test_the_api_starts_a_job_and_refuses_bad_subtitles_with_422(login, story, clip):
    client = login("editor")
    bad = client.post(f"/api/v1/stories/{story.pk}/videos", {"sources": [clip.pk], "subtitles": "1\nhello\n"},
                      content_type="application/json")
    assert bad.status_code == 422 and "第 1 条字幕" in bad.json()["errors"]["subtitles"][0]
    made = client.post(f"/api/v1/stories/{story.pk}/videos", {"sources": [clip.pk], "shape": "horizontal"},
                       content_type="application/json")
    assert made.status_code == 201 and made.json()["status"] == "queued" and made.json()["shape"] == "horizontal"
    # people who may not produce channel versions may not start one
    assert login("proofreader").post(f"/api/v1/stories/{story.pk}/videos", {"sources": [clip.pk]},
                                     content_type="application/json").status_code == 403



def test_the_center_logo_is_set_on_the_columns_page_and_required_for_use_logo(login, demo, story, clip):
    from rongmei.core.models import AuditEvent
    from rongmei.newsroom.models import Asset, CenterDefaults

    CenterDefaults.objects.filter(center=demo["demo"]).update(logo=None)
    with pytest.raises(jobs.ValidationError) as refused:
        jobs.create(story=story, user=user("editor"), data=_form(clip, use_logo="1"), enqueue=False)
    assert "还没有设置台标" in refused.value.message_dict["use_logo"][0]
    image = Asset.objects.filter(center=demo["demo"], kind="image").first()
    admin = login("admin")
    page = admin.post("/columns/", {"target": "logo", "asset": image.pk, "position": "somewhere"}, follow=True)
    assert "请选择台标位置" in page.content.decode()
    assert CenterDefaults.objects.get(center=demo["demo"]).logo_id is None
    admin.post("/columns/", {"target": "logo", "asset": image.pk, "position": "bottom_left"})
    defaults = CenterDefaults.objects.get(center=demo["demo"])
    assert (defaults.logo_id, defaults.logo_position) == (image.pk, "bottom_left")
    assert AuditEvent.objects.filter(action="center.logo", center=demo["demo"]).exists()
    assert 'data-testid="center-logo"' in admin.get("/columns/").content.decode()
    job = jobs.create(story=story, user=user("editor"), data=_form(clip, use_logo="1"), enqueue=False)
    assert job.use_logo
    # another center's picture cannot be this center's logo
    from django.core.files.uploadedfile import SimpleUploadedFile

    from rongmei.newsroom.services import assets as asset_svc
    from rongmei.newsroom.tests.conftest import jpeg_with_gps

    theirs = asset_svc.upload(center=demo["linxian"], user=user("lx_reporter"),
                              upload=SimpleUploadedFile("台标.jpg", jpeg_with_gps(size=(300, 120)), "image/jpeg"))
    page = admin.post("/columns/", {"target": "logo", "asset": theirs.pk, "position": "top_left"}, follow=True)
    assert "台标只能用本中心素材库里的图片" in page.content.decode()
    assert CenterDefaults.objects.get(center=demo["demo"]).logo_id == image.pk


def test_a_source_file_gone_from_storage_fails_in_chinese(media_storage, story, clip):
    default_storage.delete(clip.file.name)
    job = jobs.create(story=story, user=user("editor"), data=_form(clip), enqueue=False)
    ended = jobs.run(job.pk)
    assert ended.status == "failed" and "文件找不到或无法读取" in ended.error and ended.lease_until is None
