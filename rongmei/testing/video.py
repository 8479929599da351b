"""A story with a real, small finished video version, for tests of whatever takes the video
further (the 抖音, 快手 and province adapters, review, the story page).

`ready_video` goes the way an editor does: the clip (made by ffmpeg's own test source) is
uploaded as an asset of the story (unless it has a video already), a video job is created
and run through `newsroom.video.jobs` (the engine renders it at the platform size), and the
finished job is attached to the story's short-video rendition. Nothing is faked: what the
adapters upload in their tests is a real MP4 with a real cover.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile

from rongmei.newsroom.models import Asset, Story, StoryAsset, VideoJob
from rongmei.newsroom.selectors import VideoFile, video_file

FFMPEG = shutil.which("ffmpeg") or "ffmpeg"


def test_clip(seconds: float = 2.0, size: tuple[int, int] = (320, 180), *, tone: bool = True, rate: int = 15) -> bytes:
    """An H.264/AAC MP4 of ffmpeg's test pattern (and a tone), small and quick to make."""
    with tempfile.TemporaryDirectory(prefix="rongmei-clip-") as tmp:
        out = Path(tmp, "clip.mp4")
        command = [FFMPEG, "-v", "error", "-y", "-f", "lavfi", "-i",
                   f"testsrc2=duration={seconds}:size={size[0]}x{size[1]}:rate={rate}"]
        if tone:
            command += ["-f", "lavfi", "-i", f"sine=frequency=440:duration={seconds}", "-c:a", "aac", "-b:a", "64k"]
        command += ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-movflags", "+faststart",
                    "-shortest", str(out)]
        subprocess.run(command, check=True, timeout=60, capture_output=True)
        return out.read_bytes()


def add_clip(story: Story, user, seconds: float = 2.0, size: tuple[int, int] = (320, 180)) -> Asset:
    """Upload a test clip as a video asset of `story` (appended to its assets)."""
    from rongmei.newsroom.services import assets

    data = test_clip(seconds, size)
    asset = assets.upload(center=story.center, user=user,
                          upload=SimpleUploadedFile("现场视频.mp4", data, "video/mp4"), caption="现场视频")
    order = StoryAsset.objects.filter(story=story).count()
    StoryAsset.objects.get_or_create(story=story, asset=asset, defaults={"order": order})
    return asset


def ready_video(story: Story, user, shape: str = "vertical", seconds: float = 2.0, *,
                subtitles: str = "", subtitles_mode: str = "burn") -> VideoFile:
    """A finished `shape` video of `story`, attached to its short-video rendition, as
    `newsroom.selectors.video_file` returns it."""
    from rongmei.newsroom.video import jobs

    source = (Asset.objects.filter(story_links__story=story, kind=Asset.Kind.VIDEO).order_by("story_links__order").first()
              or add_clip(story, user, seconds))
    job = jobs.create(story=story, user=user, enqueue=False, data={
        "shape": shape, "sources": [source.pk], "subtitles": subtitles,
        "subtitles_mode": subtitles_mode if subtitles else "none", "cover_time": min(1.0, seconds / 2)})
    job = jobs.run(job.pk)
    if job.status != VideoJob.Status.DONE:
        raise AssertionError(f"video job {job.pk} ended {job.status}: {job.error}")
    found = video_file(story, shape)
    assert found is not None and found.job_id == job.pk
    return found

