"""优稿: editors rate published pieces with a reason at a level of the month's rules; change
or withdraw while the month is open (audited, the author told); refused for a closed month,
an unpublished piece, an unknown level; the month's rated and unrated pieces."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from rongmei.appraisal import facts_services as facts
from rongmei.appraisal.models import Rating
from rongmei.appraisal.tests.test_facts_helpers import close_month, person, story_in
from rongmei.core.models import AuditEvent, Notification


def test_an_editor_rates_a_published_piece_and_the_author_is_told(login, demo):
    center = demo["demo"]
    story = story_in(center, person("reporter"), headline="优稿测试：山路医生")
    client = login("editor")
    form = client.get(f"/appraisal/ratings/stories/{story.pk}/").content.decode()
    assert "一类优稿" in form and 'name="reason"' in form
    answer = client.post(f"/appraisal/ratings/stories/{story.pk}/",
                         {"level": "A", "reason": "深入基层，细节生动", "token": "none"})
    assert answer.status_code == 302
    rating = Rating.objects.get(center=center, story=story)
    assert (rating.level, rating.reason, rating.awarded_by, rating.month) == (
        "A", "深入基层，细节生动", person("editor"), facts.published_month(story))
    note = Notification.objects.filter(recipient=person("reporter"), center=center).latest("pk")
    assert "被评为一类优稿" in note.title and story.headline in note.title and "深入基层" in note.body
    assert AuditEvent.objects.filter(center=center, action="appraisal.rating_add", object_id=str(rating.pk)).exists()
    # the month's list shows it, and it is no longer among the unrated pieces
    month = facts.published_month(story)
    listing = client.get(f"/appraisal/ratings/?month={month:%Y-%m}").content.decode()
    assert story.headline in listing.split('data-testid="rated"')[1].split('data-testid="unrated"')[0]
    assert story not in facts.unrated_pieces(center, month)
    # the story page has the box
    page = client.get(f"/stories/{story.pk}/").content.decode()
    assert "优稿评定" in page and "一类优稿" in page and "修改或撤销评定" in page


def test_changing_and_withdrawing_are_audited_and_told(login, demo):
    center = demo["demo"]
    story = story_in(center, person("reporter"), headline="优稿测试：修改与撤销")
    rating = facts.rate(story, "C", "及时", person("editor"))
    client = login("editor")
    token = facts.rating_token(rating)
    assert client.post(f"/appraisal/ratings/stories/{story.pk}/",
                       {"level": "B", "reason": "补充了独家画面", "token": token}).status_code == 302
    rating.refresh_from_db()
    assert rating.level == "B"
    change = AuditEvent.objects.filter(center=center, action="appraisal.rating_change").latest("pk")
    assert change.before == {"level": "C", "reason": "及时"} and change.after["level"] == "B"
    assert Notification.objects.filter(recipient=person("reporter"), title__contains="改为二类优稿").exists()
    answer = client.post(f"/appraisal/ratings/stories/{story.pk}/",
                         {"action": "withdraw", "token": facts.rating_token(rating), "reason": "重复评定"})
    assert answer.status_code == 302
    assert not Rating.objects.filter(story=story).exists()
    assert AuditEvent.objects.filter(center=center, action="appraisal.rating_withdraw").exists()
    assert Notification.objects.filter(recipient=person("reporter"), title__contains="优稿评定已撤销").exists()


def test_a_rating_changed_meanwhile_is_not_overwritten(login, demo):
    story = story_in(demo["demo"], person("reporter"), headline="优稿测试：并发")
    client = login("editor")
    seen = facts.rating_token(None)
    facts.rate(story, "C", "另一位编辑先评了", person("reviewer3"))
    answer = client.post(f"/appraisal/ratings/stories/{story.pk}/", {"level": "A", "reason": "我的评定", "token": seen})
    assert answer.status_code == 409
    assert "已被他人修改" in answer.content.decode()
    assert Rating.objects.get(story=story).level == "C"


def test_refusals_reason_level_unpublished_and_closed_month(login, demo):
    center = demo["demo"]
    editor = person("editor")
    story = story_in(center, person("reporter"), headline="优稿测试：拒绝")
    client = login("editor")
    no_reason = client.post(f"/appraisal/ratings/stories/{story.pk}/", {"level": "A", "reason": "  "})
    assert no_reason.status_code == 400 and "请填写评定理由。" in no_reason.content.decode()
    unknown = client.post(f"/appraisal/ratings/stories/{story.pk}/", {"level": "Z", "reason": "好"})
    assert unknown.status_code == 400 and "没有“Z”这个优稿等级" in unknown.content.decode()
    draft = story_in(center, person("reporter"), headline="优稿测试：未发布", published=False)
    with pytest.raises(ValidationError, match="还没有发布"):
        facts.rate(draft, "A", "好", editor)
    assert "还没有发布" in client.get(f"/appraisal/ratings/stories/{draft.pk}/").content.decode()
    assert not Rating.objects.filter(story__in=[story, draft]).exists()
    # a closed month: no new rating, no change, no withdrawal
    rated = facts.rate(story, "B", "好", editor)
    old = story_in(center, person("reporter"), headline="优稿测试：已结算月份",
                   sent_at=timezone.now() - dt.timedelta(days=400))
    close_month(center, facts.published_month(old))
    close_month(center, rated.month)
    with pytest.raises(ValidationError, match="已结算锁定"):
        facts.rate(old, "A", "好", editor)
    closed = client.post(f"/appraisal/ratings/stories/{story.pk}/",
                         {"level": "A", "reason": "改", "token": facts.rating_token(rated)})
    assert closed.status_code == 400 and "已结算锁定" in closed.content.decode()
    with pytest.raises(ValidationError, match="已结算锁定"):
        facts.withdraw(rated, editor)
    rated.refresh_from_db()
    assert rated.level == "B"


@pytest.mark.parametrize("username", ["reporter", "appraiser", "hr"])
def test_people_without_the_rate_permission_cannot_rate(login, demo, username):
    story = story_in(demo["demo"], person("reporter"), headline="优稿测试：权限")
    client = login(username)
    assert client.get("/appraisal/ratings/").status_code == 403
    assert client.post(f"/appraisal/ratings/stories/{story.pk}/", {"level": "A", "reason": "好"}).status_code == 403
    assert not Rating.objects.filter(story=story).exists()


def test_another_centers_story_is_not_found(login, demo):
    theirs = story_in(demo["linxian"], person("reporter"), headline="优稿测试：他中心", published=False)
    answer = login("editor").post(f"/appraisal/ratings/stories/{theirs.pk}/", {"level": "A", "reason": "好"})
    assert answer.status_code == 404
    assert not Rating.objects.filter(story=theirs).exists()


def test_unrated_pieces_are_the_months_published_pieces_without_a_rating(demo):
    center = demo["demo"]
    a = story_in(center, person("reporter"), headline="优稿测试：甲")
    b = story_in(center, person("reporter"), headline="优稿测试：乙")
    unpublished = story_in(center, person("reporter"), headline="优稿测试：丙", published=False)
    month = facts.published_month(a)
    facts.rate(a, "A", "好", person("editor"))
    unrated = set(facts.unrated_pieces(center, month))
    assert b in unrated and a not in unrated and unpublished not in unrated
    earlier = (month - dt.timedelta(days=1)).replace(day=1)
    assert b not in set(facts.unrated_pieces(center, earlier))
