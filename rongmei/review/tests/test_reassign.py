"""Issue 13: nobody is stuck. The author's own piece shows no approve button, the page says
why and who can act, and a supervisor (review.reassign) hands the step to someone eligible;
when nobody eligible remains, the screen and the inbox say so and the supervisors are told."""

import pytest
from django.core.exceptions import ValidationError

from rongmei.core import services as core_services
from rongmei.core.models import AuditEvent, Notification, User
from rongmei.core.permissions import ROLES
from rongmei.review import engine, ledger
from rongmei.review.models import Review, SignOff
from rongmei.review.tests.test_workflow import approve_as, ready_story


@pytest.fixture
def u(demo):
    return {x.username: x for x in User.objects.filter(memberships__center=demo["demo"]).distinct()}


@pytest.fixture
def own_piece(demo, u):
    """A piece 张伟 (the only 一审) wrote himself, now waiting at 一审."""
    story = ready_story(demo["demo"], u["reviewer1"], u["editor"], headline="一审本人采写的稿件")
    return engine.submit(story=story, user=u["editor"], channels=["web"])


def test_only_chief_editor_and_center_admin_may_reassign():
    holders = {code for code, role in ROLES.items() if "review.reassign" in role.permissions}
    assert holders == {"chief_editor", "center_admin"}
    assert "review.review" in ROLES["deputy_chief"].permissions and ROLES["deputy_chief"].label == "副总编辑"


def test_author_sees_why_and_who_can_act_instead_of_approve(demo, u, login, own_piece):
    core_services.set_roles(center=demo["demo"], user=u["reviewer2"], roles=["reviewer2", "reviewer1"], actor=None)
    page = login("reviewer1").get(f"/review/{own_piece.pk}/").content.decode()
    assert 'data-testid="approve"' not in page and 'data-testid="send-back"' not in page
    assert "三审三校" in page and "不能审核自己采写或署名的稿件" in page
    assert 'data-testid="step-people"' in page and "刘洋" in page  # who can act at 一审 now
    # the edit-and-approve page is not a back door
    response = login("reviewer1").get(f"/review/{own_piece.pk}/edit/")
    assert response.status_code == 302
    # the colleague who may act still gets the buttons
    assert 'data-testid="approve"' in login("reviewer2").get(f"/review/{own_piece.pk}/").content.decode()


def test_nobody_eligible_is_said_on_the_screen_the_inbox_and_to_supervisors(demo, u, login, own_piece):
    assert engine.eligible_people(own_piece) == []
    page = login("reviewer1").get(f"/review/{own_piece.pk}/").content.decode()
    assert 'data-testid="nobody-eligible"' in page and "改派" in page
    inbox = login("reviewer1").get("/review/").content.decode()
    assert 'data-testid="nobody-eligible"' in inbox
    for supervisor in ("reviewer3", "admin"):  # 总编辑 and 中心管理员
        assert Notification.objects.filter(recipient=u[supervisor], title__contains="无人可以办理",
                                           url=f"/review/{own_piece.pk}/").exists()
    assert not Notification.objects.filter(recipient=u["reviewer1"], title__contains="无人可以办理").exists()


def test_supervisor_reassigns_to_the_deputy_who_then_signs(demo, u, login, own_piece):
    deputy = User.objects.get(username="deputy")
    admin = login("admin")
    page = admin.get(f"/review/{own_piece.pk}/").content.decode()
    assert 'data-testid="reassign"' in page and f"person:{deputy.pk}" in page and "role:deputy_chief" in page
    before = SignOff.objects.filter(center=demo["demo"]).count()
    response = admin.post(f"/review/{own_piece.pk}/", {"action": "reassign", "target": f"person:{deputy.pk}",
                                                      "reason": "作者本人稿件，一审改由副总编办理"})
    assert response.status_code == 302
    own_piece.refresh_from_db()
    step = own_piece.steps[0]
    assert step["person"] == deputy.pk and step["reassigned_from"] == "一审"
    trail = SignOff.objects.filter(review=own_piece).order_by("-seq").first()
    assert SignOff.objects.filter(center=demo["demo"]).count() == before + 1
    assert trail.action == SignOff.Action.REASSIGN and trail.signer == u["admin"]
    assert "郑凯" in trail.reason and "作者本人稿件" in trail.reason
    assert AuditEvent.objects.filter(action="review.reassign", object_id=str(own_piece.pk)).exists()
    assert Notification.objects.filter(recipient=deputy, url=f"/review/{own_piece.pk}/", title__contains="改派").exists()
    assert not ledger.verify_center(demo["demo"])
    page = admin.get(f"/review/{own_piece.pk}/").content.decode()
    assert "改派" in page and "郑凯" in page  # in the sign-off trail
    # the author still cannot, the deputy can
    with pytest.raises(ValidationError):
        approve_as(own_piece, u["reviewer1"])
    review = approve_as(own_piece, deputy)
    assert review.current_step == 1


def test_reassign_to_a_role(demo, u, own_piece):
    review = engine.reassign(review=own_piece, user=u["admin"], target="role:reviewer2", reason="")
    assert review.steps[0]["role"] == "reviewer2" and not review.steps[0].get("person")
    assert [p.username for p in engine.eligible_people(review)] == ["reviewer2"]
    assert Notification.objects.filter(recipient=u["reviewer2"], title__contains="改派").exists()


def test_refused_reassignments_change_nothing(demo, u, own_piece):
    deputy = User.objects.get(username="deputy")
    cases = [
        (u["reviewer2"], f"person:{deputy.pk}", "只有总编辑或中心管理员"),          # no permission
        (u["admin"], f"person:{u['reviewer1'].pk}", "作者"),                       # the author
        (u["admin"], f"person:{u['operator'].pk}", "没有审核权限"),                 # cannot review at all
        (u["admin"], "role:operator", "不能办理审核"),
        (u["admin"], "role:reviewer1", "已经由所选"),                              # what it is already
        (u["admin"], "role:nonsense", "请选择"),
        (u["admin"], "person:987654321", "请选择"),
    ]
    before = SignOff.objects.count(), own_piece.steps
    for who, target, message in cases:
        with pytest.raises(ValidationError, match=message):
            engine.reassign(review=own_piece, user=who, target=target, reason="")
    own_piece.refresh_from_db()
    assert (SignOff.objects.count(), own_piece.steps) == before


def test_a_supervisor_does_not_reassign_their_own_piece(demo, u):
    story = ready_story(demo["demo"], u["reviewer3"], u["editor"], headline="总编辑本人采写的评论")
    review = engine.submit(story=story, user=u["editor"], channels=["web"])
    deputy = User.objects.get(username="deputy")
    with pytest.raises(ValidationError, match="您是这篇稿件的作者"):
        engine.reassign(review=review, user=u["reviewer3"], target=f"person:{deputy.pk}", reason="")


def test_demo_has_a_reassigned_author_owned_step(demo):
    review = Review.objects.filter(center=demo["demo"], signoffs__action=SignOff.Action.REASSIGN).distinct().first()
    assert review is not None
    step = next(s for s in review.steps if s.get("reassigned_from"))
    assert User.objects.get(pk=step["person"]).username == "deputy"
    assert review.story.created_by.username == "reviewer3"
