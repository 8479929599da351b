"""Background work of 视频版本 (`newsroom.video.jobs`): one task per job, and a sweep that
fails jobs whose worker died (their lease ran out), so no job shows 生成中 forever.

Each Huey worker runs one task at a time, so a worker renders one video at a time. ffmpeg
picks its own thread count unless settings.RONGMEI_VIDEO_THREADS says otherwise (set it to
1 on a machine whose workers should share the cores rather than each take them all)."""

from django_tasks import task
from huey import crontab
from huey.contrib.djhuey import db_periodic_task


@task
def render_video_job(job_id: int) -> dict:
    from rongmei.newsroom.video import jobs

    job = jobs.run(job_id)
    if job is None:
        return {"job": job_id, "outcome": "not queued"}
    return {"job": job_id, "outcome": job.status, "error": job.error, "sha256": job.sha256}


@db_periodic_task(crontab(minute="*"))
def expire_stale_video_jobs() -> int:
    from rongmei.newsroom.video import jobs

    return jobs.expire_stale()
