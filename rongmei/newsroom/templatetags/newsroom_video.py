"""`{% story_videos story as videos %}`: the finished videos recorded in a story's
short-video rendition (vertical first), for pages of other rooms (review) that show what is
being signed without knowing how video versions are stored."""

from django import template

from rongmei.newsroom.models import VideoJob

register = template.Library()


@register.simple_tag
def story_videos(story) -> list[VideoJob]:
    from rongmei.newsroom import selectors

    found = []
    for shape in ("vertical", "horizontal"):
        video = selectors.video_file(story, shape)
        if video is not None:
            job = VideoJob.objects.filter(pk=video.job_id).first()
            if job is not None:
                found.append(job)
    return found
