import pytest

from rongmei.core.models import User
from rongmei.newsroom.models import Story
from rongmei.review.models import Review


@pytest.fixture
def signed_story(demo):
    """The demo's signed-off story that is not published anywhere yet (its content is
    exactly what the final sign-off approved; the site's archive stories are published)."""
    from rongmei.distribution.models import Publication

    published = Publication.objects.values("story_id")
    review = (Review.objects.filter(center=demo["demo"], status=Review.Status.SIGNED_OFF)
              .exclude(story_id__in=published).select_related("story").order_by("id").first())
    return review.story


@pytest.fixture
def operator(demo):
    return User.objects.get(username="operator")


@pytest.fixture
def unsigned_story(demo):
    return Story.objects.filter(center=demo["demo"], status=Story.Status.EDITING).first()


def resign(story: Story, *, body: str) -> Story:
    """The editor corrects a signed-off story and the review signs it off again (the road
    every correction takes before it may be sent)."""
    from django.core.exceptions import ValidationError

    from rongmei.newsroom.services import stories as story_svc
    from rongmei.review import engine

    editor = User.objects.get(username="editor")
    data = story_svc.StoryData(headline=story.headline, kicker=story.kicker, subheadline=story.subheadline,
                               summary=story.summary, body=body, column_id=story.column_id, tags=list(story.tags),
                               location=story.location, source=story.source, embargo_until=story.embargo_until)
    story_svc.save_story(story=story, user=editor, data=data, base_version=story.version, note="更正")
    from rongmei.newsroom.services import renditions as rendition_svc

    channels = sorted(set(story.renditions.values_list("channel", flat=True)))
    rendition_svc.generate(story=Story.objects.get(pk=story.pk), user=editor, channels=channels)
    return approve_all(Review.objects.filter(story=story).order_by("-id").first())


def approve_all(review: Review) -> Story:
    """Walk a review through every step with whoever in the center may act."""
    from django.core.exceptions import ValidationError

    from rongmei.review import engine

    people = list(User.objects.filter(memberships__center=review.center).distinct().order_by("pk"))
    for _ in range(20):
        review.refresh_from_db()
        if review.status == Review.Status.SIGNED_OFF:
            break
        for person in people:
            if not engine.may_act(person, review):
                continue
            try:
                engine.approve(review=review, user=person, seen_hash=review.content_hash)
            except ValidationError:
                continue
            break
    assert review.status == Review.Status.SIGNED_OFF, "the story was not signed off"
    story = review.story
    story.refresh_from_db()
    return story
