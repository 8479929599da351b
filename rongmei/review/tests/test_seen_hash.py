"""An approval binds to the content the reviewer saw: without the seen-content hash it is
refused exactly like a stale one (issue 11, item 9), so a forged or scripted POST cannot
approve whatever the story has become in the meantime."""

import pytest
from django.core.exceptions import ValidationError

from rongmei.core.models import User
from rongmei.review import engine
from rongmei.review.models import SignOff
from rongmei.review.tests.test_workflow import ready_story


@pytest.fixture
def review(demo):
    users = {u.username: u for u in User.objects.filter(username__in=["reporter", "editor"])}
    story = ready_story(demo["demo"], users["reporter"], users["editor"])
    return engine.submit(story=story, user=users["editor"], channels=["web"])


@pytest.mark.parametrize("seen", ["", "   ", None])
def test_service_refuses_an_approval_without_the_seen_hash(review, seen):
    reviewer = User.objects.get(username="reviewer1")
    before = SignOff.objects.count()
    with pytest.raises(ValidationError, match="请刷新"):
        engine.approve(review=review, user=reviewer, seen_hash=seen)
    review.refresh_from_db()
    assert review.current_step == 0 and SignOff.objects.count() == before


def test_view_refuses_a_post_without_the_seen_hash(login, review):
    client = login("reviewer1")
    before = SignOff.objects.count()
    page = client.post(f"/review/{review.pk}/", {"action": "approve"}, follow=True).content.decode()
    assert "请刷新" in page and "已通过" not in page
    review.refresh_from_db()
    assert review.current_step == 0 and SignOff.objects.count() == before
    # the page's own form (with the hash it showed) still approves
    client.post(f"/review/{review.pk}/", {"action": "approve", "seen_hash": review.content_hash})
    review.refresh_from_db()
    assert review.current_step == 1
