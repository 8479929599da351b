"""三审三校 as data: separation of duties, invalidation after edits, send-back, override,
the hash chain and its tamper detection, workflow selection, time limits."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from rongmei.core.models import Notification, User
from rongmei.newsroom.models import Column, Story
from rongmei.newsroom.services import renditions as rendition_svc
from rongmei.newsroom.services import stories as story_svc
from rongmei.review import engine, ledger
from rongmei.review.models import Review, ReviewTask, SignOff, Workflow, WorkflowRule

BODY = "<p>青山镇今天召开秋收工作会，部署晚稻抢收。</p><p>全镇机收率预计超过九成。</p>"


@pytest.fixture
def u(demo):
    return {x.username: x for x in User.objects.filter(memberships__center=demo["demo"]).distinct()}


def ready_story(center, author, editor, body=BODY, headline="青山镇部署晚稻抢收"):
    story = story_svc.create_story(center=center, user=author, data=story_svc.StoryData(headline=headline, body=body))
    story_svc.change_status(story=story, user=author, action="file")
    story_svc.change_status(story=story, user=editor, action="edit")
    rendition_svc.generate(story=story, user=editor, channels=["web", "weibo"])
    story_svc.change_status(story=story, user=editor, action="ready")
    story.refresh_from_db()
    return story


def approve_as(review, user, **kwargs):
    review.refresh_from_db()
    return engine.approve(review=review, user=user, seen_hash=review.content_hash, **kwargs)


def edit(story, **changes):
    values = {k: getattr(story, k) for k in ("headline", "kicker", "subheadline", "summary", "body")}
    values.update(changes)
    return story_svc.StoryData(**values)


def test_full_chain_to_sign_off(demo, u):
    story = ready_story(demo["demo"], u["reporter"], u["editor"])
    review = engine.submit(story=story, user=u["editor"], channels=["web"])
    assert review.workflow_name == "三审三校" and [s["name"] for s in review.steps][0] == "一审"
    for role in ["reviewer1", "proofreader", "reviewer2", "proofreader", "proofreader", "reviewer3"]:
        review = approve_as(review, u[role])
    assert review.status == Review.Status.SIGNED_OFF
    story.refresh_from_db()
    assert story.status == Story.Status.SIGNED_OFF and engine.is_signed_off(story)
    assert Notification.objects.filter(recipient=u["editor"], title__contains="已签发").exists()


def test_separation_of_duties(demo, u):
    story = ready_story(demo["demo"], u["reporter"], u["editor"])
    review = engine.submit(story=story, user=u["editor"], channels=["web"])
    with pytest.raises(ValidationError, match="不是“一审”环节的办理人"):
        approve_as(review, u["reviewer2"])
    # one person holding two reviewer roles signs only one review level
    from rongmei.core import services

    services.set_roles(center=demo["demo"], user=u["reviewer1"], roles=["reviewer1", "reviewer2"], actor=None)
    review = approve_as(review, u["reviewer1"])
    review = approve_as(review, u["proofreader"])  # proofreading is not a review level
    with pytest.raises(ValidationError, match="同一人不能签两个审级"):
        approve_as(review, u["reviewer1"])
    # the author never reviews their own piece
    own = ready_story(demo["demo"], u["reviewer1"], u["editor"], headline="一审自己写的稿")
    own_review = engine.submit(story=own, user=u["editor"], channels=["web"])
    with pytest.raises(ValidationError, match="不能审核自己"):
        approve_as(own_review, u["reviewer1"])


def test_refusals_record_nothing(demo, u):
    story = ready_story(demo["demo"], u["reporter"], u["editor"])
    review = engine.submit(story=story, user=u["editor"], channels=["web"])
    before = SignOff.objects.count()
    with pytest.raises(ValidationError, match="又被修改过"):
        engine.approve(review=review, user=u["reviewer1"], seen_hash="0" * 64)
    approve_as(review, u["reviewer1"])
    with pytest.raises(ValidationError):  # approving twice: the step has moved on
        engine.approve(review=review, user=u["reviewer1"], seen_hash=review.content_hash)
    assert SignOff.objects.count() == before + 1


def test_edit_after_sign_offs_returns_to_first_uncovered_step(demo, u):
    story = ready_story(demo["demo"], u["reporter"], u["editor"])
    review = engine.submit(story=story, user=u["editor"], channels=["web"])
    for role in ["reviewer1", "proofreader", "reviewer2"]:
        review = approve_as(review, u[role])
    assert review.current_step == 3
    story.refresh_from_db()
    story_svc.save_story(story=story, user=u["editor"], base_version=story.version, data=edit(story, summary="作者补充的摘要"))
    review.refresh_from_db()
    assert review.current_step == 0 and review.status == Review.Status.IN_REVIEW
    assert not review.tasks.filter(status=ReviewTask.Status.APPROVED).exists()
    # a change to a rendition under review counts too
    review = approve_as(review, u["reviewer1"])
    web = story.renditions.get(channel="web")
    rendition_svc.save(rendition=web, user=u["editor"], base_version=web.version, title=web.title + "（改）", body=web.body, fields={})
    review.refresh_from_db()
    assert review.current_step == 0


def test_edit_and_approve_keeps_earlier_sign_offs(demo, u):
    story = ready_story(demo["demo"], u["reporter"], u["editor"])
    review = engine.submit(story=story, user=u["editor"], channels=["web"])
    for role in ["reviewer1", "proofreader"]:
        review = approve_as(review, u[role])
    story.refresh_from_db()
    review = engine.edit_and_approve(review=review, user=u["reviewer2"], base_version=story.version,
                                     data=edit(story, body=BODY + "<p>二审补充：天气预报显示本周无雨。</p>"))
    assert review.current_step == 3 and review.tasks.filter(status=ReviewTask.Status.APPROVED).count() == 3
    assert story.revisions.order_by("-number").first().author == u["reviewer2"]
    for role in ["proofreader", "proofreader", "reviewer3"]:
        review = approve_as(review, u[role])
    story.refresh_from_db()
    assert engine.is_signed_off(story)
    # after 签发, any change withdraws the sign-off: publishing would refuse it
    story_svc.save_story(story=story, user=u["editor"], base_version=story.version, data=edit(story, summary="签发后又改"))
    story.refresh_from_db()
    assert not engine.is_signed_off(story) and story.status == Story.Status.IN_REVIEW


def test_send_back_needs_a_reason_and_reaches_the_author(demo, u):
    story = ready_story(demo["demo"], u["reporter"], u["editor"])
    review = engine.submit(story=story, user=u["editor"], channels=["web"])
    with pytest.raises(ValidationError, match="写明原因"):
        engine.send_back(review=review, user=u["reviewer1"], reason=" ")
    review = engine.send_back(review=review, user=u["reviewer1"], reason="导语太长，请压缩到两句")
    assert review.status == Review.Status.RETURNED
    story.refresh_from_db()
    assert story.status == Story.Status.EDITING
    assert Notification.objects.filter(recipient=u["reporter"], body__contains="导语太长").exists()


def test_blocking_term_stops_sign_off_until_override_with_reason(demo, u):
    story = ready_story(demo["demo"], u["reporter"], u["editor"], body=BODY + "<p>警惕网上的赌 博 网 站。</p>")
    review = engine.submit(story=story, user=u["editor"], channels=["web"])
    with pytest.raises(ValidationError, match="阻止签发"):
        approve_as(review, u["reviewer1"])
    review.refresh_from_db()
    review.current_step = len(review.steps) - 1  # jump to the last step to try the override path
    Review.objects.filter(pk=review.pk).update(current_step=review.current_step)
    ReviewTask.objects.filter(review=review).update(step_index=review.current_step, step_name="三审签发")
    with pytest.raises(ValidationError, match="写明理由"):
        approve_as(review, u["reviewer3"], override_blocking=True)
    review = approve_as(review, u["reviewer3"], override_blocking=True, reason="本文为反诈宣传，提及该词属正当报道")
    assert review.status == Review.Status.SIGNED_OFF
    override = review.signoffs.get(action=SignOff.Action.OVERRIDE)
    assert override.reason.startswith("本文为反诈宣传") and override.signer == u["reviewer3"]


def test_workflow_selection_by_column_and_channel(demo, u):
    story = ready_story(demo["demo"], u["reporter"], u["editor"])
    assert engine.choose_workflow(story, ["web"]).name == "三审三校"
    assert engine.choose_workflow(story, ["weibo"]).name == "微博快审"
    assert engine.choose_workflow(story, ["web", "weibo"]).name == "三审三校"
    column = Column.objects.filter(center=demo["demo"]).first()
    special = Workflow.objects.create(center=demo["demo"], name="栏目专用")
    WorkflowRule.objects.create(center=demo["demo"], workflow=special, column=column)
    Story.objects.filter(pk=story.pk).update(column=column)
    story.refresh_from_db()
    assert engine.choose_workflow(story, ["weibo"]).name == "栏目专用"


def test_changing_a_workflow_does_not_disturb_pieces_in_review(demo, u):
    from rongmei.review.services import save_workflow_steps

    story = ready_story(demo["demo"], u["reporter"], u["editor"])
    review = engine.submit(story=story, user=u["editor"], channels=["web"])
    workflow = Workflow.objects.get(center=demo["demo"], name="三审三校")
    save_workflow_steps(workflow=workflow, user=u["admin"], rows=[
        {"name": "终审", "kind": "review", "role": "reviewer3", "can_send_back": True, "send_back_to": "author",
         "time_limit_hours": "4", "supervisor_role": ""}])
    review.refresh_from_db()
    assert len(review.steps) == 6 and review.steps[0]["name"] == "一审"
    with pytest.raises(ValidationError, match="时限"):
        save_workflow_steps(workflow=workflow, user=u["admin"], rows=[
            {"name": "终审", "kind": "review", "role": "reviewer3", "can_send_back": True, "send_back_to": "author",
             "time_limit_hours": "0", "supervisor_role": ""}])


def test_overdue_steps_are_chased_once_with_a_frozen_clock(demo, u):
    story = ready_story(demo["demo"], u["reporter"], u["editor"])
    review = engine.submit(story=story, user=u["editor"], channels=["web"])
    task = review.tasks.get(status=ReviewTask.Status.OPEN)
    ReviewTask.objects.exclude(pk=task.pk).update(escalated_at=timezone.now())  # the demo's own pieces
    assert engine.chase_overdue(now=task.due_at - dt.timedelta(minutes=1)) == 0
    later = task.due_at + dt.timedelta(minutes=1)
    assert engine.chase_overdue(now=later) == 1
    assert engine.chase_overdue(now=later + dt.timedelta(hours=1)) == 0
    assert Notification.objects.filter(recipient=u["reviewer3"], title__contains="审核超时").exists()  # 总编辑 supervises


def _signed_chain(demo, u):
    story = ready_story(demo["demo"], u["reporter"], u["editor"])
    review = engine.submit(story=story, user=u["editor"], channels=["web"])
    for role in ["reviewer1", "proofreader", "reviewer2"]:
        review = approve_as(review, u[role])
    assert ledger.verify_center(demo["demo"]) == []
    return list(SignOff.objects.filter(center=demo["demo"]).order_by("seq"))


def test_tampering_by_update_is_named(demo, u):
    records = _signed_chain(demo, u)
    SignOff.objects.filter(pk=records[-2].pk).update(signer=u["editor"])
    problems = ledger.verify_center(demo["demo"])
    assert any(p.seq == records[-2].seq and "改动" in p.message for p in problems)


def test_tampering_by_delete_is_named(demo, u):
    records = _signed_chain(demo, u)
    victim = records[-2]
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM review_signoff WHERE id = %s", [victim.pk])
    problems = ledger.verify_center(demo["demo"])
    assert any("缺失" in p.message for p in problems)
    # removing the newest record is detected against the audit log too
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM review_signoff WHERE id = %s", [records[-1].pk])
    assert any("末尾" in p.message for p in ledger.verify_center(demo["demo"]))


def test_tampering_by_reorder_is_named(demo, u):
    records = _signed_chain(demo, u)
    a, b = records[-2], records[-1]
    SignOff.objects.filter(pk=a.pk).update(seq=10**9)
    SignOff.objects.filter(pk=b.pk).update(seq=a.seq)
    SignOff.objects.filter(pk=a.pk).update(seq=b.seq)
    problems = ledger.verify_center(demo["demo"])
    assert any("链接断开" in p.message for p in problems)


def test_verify_command(demo, u, capsys):
    records = _signed_chain(demo, u)
    call_command("verify-signoffs")
    assert "签字链完整" in capsys.readouterr().out
    SignOff.objects.filter(pk=records[0].pk).update(reason="后来改的")
    with pytest.raises(SystemExit):
        call_command("verify-signoffs")
    assert "第 %d 条" % records[0].seq in capsys.readouterr().out
