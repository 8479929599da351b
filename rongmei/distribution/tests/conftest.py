import pytest

from rongmei.core.models import User
from rongmei.newsroom.models import Story
from rongmei.review.models import Review


@pytest.fixture
def signed_story(demo):
    """The demo's signed-off story (its content is exactly what the final sign-off approved)."""
    review = Review.objects.filter(center=demo["demo"], status=Review.Status.SIGNED_OFF).select_related("story").first()
    return review.story


@pytest.fixture
def operator(demo):
    return User.objects.get(username="operator")


@pytest.fixture
def unsigned_story(demo):
    return Story.objects.filter(center=demo["demo"], status=Story.Status.EDITING).first()
