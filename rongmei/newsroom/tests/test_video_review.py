"""视频版本 and 三审三校 (issue 17): the finished video is part of the short-video version the
reviewers sign, so a new video after sign-off sends the piece back to review; the review
page plays it (through /media/, checked) with its cover; the adapters get only the file
recorded in the signed version."""

import pytest

from rongmei.core.models import User
from rongmei.newsroom import selectors
from rongmei.newsroom.models import Rendition
from rongmei.review import engine
from rongmei.review.models import Review
from rongmei.testing.video import ready_video

SRT = "1\n00:00:00,000 --> 00:00:00,900\n连夜抢修\n"


@pytest.fixture
def signed(demo):
    """A story walked the way the desk does it, signed off with its web and short-video versions."""
    from rongmei.newsroom.services import renditions as rendition_svc
    from rongmei.newsroom.services import stories as story_svc

    reporter, editor = User.objects.get(username="reporter"), User.objects.get(username="editor")
    story = story_svc.create_story(center=demo["demo"], user=reporter, data=story_svc.StoryData(
        headline="青山至西岭公路建成通车", body="<p>青山至西岭公路今天建成通车，沿线群众出行时间缩短一半。</p>",
        bylines=[story_svc.BylineData(name="王磊", role="reporter", user_id=reporter.pk, share=100)]))
    story_svc.change_status(story=story, user=reporter, action="file")
    story_svc.change_status(story=story, user=editor, action="edit")
    rendition_svc.generate(story=story, user=editor, channels=["web", "short_video"])
    story_svc.change_status(story=story, user=editor, action="ready")
    story.refresh_from_db()
    engine.submit(story=story, user=editor, channels=["web", "short_video"])
    _sign_off(story)
    assert engine.is_signed_off(story)
    return story


def _sign_off(story) -> Review:
    review = Review.objects.get(story=story, status__in=[Review.Status.IN_REVIEW, Review.Status.SIGNED_OFF])
    while review.status == Review.Status.IN_REVIEW:
        person = next(u for u in engine.eligible_people(review) if not engine.duty_conflict(u, review))
        review = engine.approve(review=review, user=person, seen_hash=review.content_hash)
    return review


def test_a_new_video_after_sign_off_needs_review_again(signed, login):
    editor = User.objects.get(username="editor")
    first = ready_video(signed, editor, seconds=1.0)
    # the video entered the signed short-video version: the sign-off no longer covers it
    assert not engine.is_signed_off(signed)
    review = _sign_off(signed)
    assert review.status == Review.Status.SIGNED_OFF and engine.is_signed_off(signed)
    assert selectors.video_file(signed, "vertical") == first

    # the review page plays exactly that file, with its cover, through the checked /media/
    page = login("reviewer1").get(f"/review/{review.pk}/").content.decode()
    assert 'data-testid="review-videos"' in page
    assert f'<video controls preload="metadata" src="/media/{first.name}" poster="/media/{first.cover_name}"' in page
    assert first.sha256[:16] in page
    assert login("reviewer1").get(f"/media/{first.name}").status_code == 200
    assert login("lx_reporter").get(f"/media/{first.name}").status_code == 404

    # a second video (now with subtitles burned in) replaces it: review again
    second = ready_video(signed, editor, seconds=1.0, subtitles=SRT)
    assert second.sha256 != first.sha256
    assert not engine.is_signed_off(signed)
    assert Review.objects.get(pk=review.pk).status == Review.Status.IN_REVIEW
    fields = Rendition.objects.get(story=signed, channel="short_video").fields
    assert fields["video"]["sha256"] == second.sha256
    assert selectors.video_file(signed, "vertical") == second   # the recorded file, never the old one
    # regenerating the short-video text from the story keeps the video
    from rongmei.newsroom.services import renditions as rendition_svc

    rendition_svc.generate(story=signed, user=editor, channels=["short_video"], replace_edited=["short_video"])
    assert selectors.video_file(signed, "vertical") == second
    _sign_off(signed)
    assert engine.is_signed_off(signed)

