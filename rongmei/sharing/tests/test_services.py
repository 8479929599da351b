"""Push down, submit up, and the pickup appraisal counts — through the services."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from rongmei.appraisal.models import Period, Pickup
from rongmei.core.models import AuditEvent, Notification
from rongmei.newsroom.models import Asset, Story
from rongmei.planning.models import Lead, Plan
from rongmei.sharing import services
from rongmei.sharing.models import Push, PushTarget, Rights, Submission
from rongmei.sharing.signals import submission_used


def _push(tree, story, rights=Rights.ATTRIBUTION, scope="county"):
    targets = services.pick_targets(tree.sheng, scope=scope)
    return services.push(center=tree.sheng, user=tree.u_sheng, targets=targets, rights=rights, story=story,
                         note="请转发")


def test_push_reaches_each_county_once_with_a_bell(tree, province_story):
    p = _push(tree, province_story)
    rows = {t.center.slug: t for t in p.targets.select_related("center")}
    assert set(rows) == {"demo", "linxian"} and p.source_line == tree.sheng.name
    assert all(t.status == PushTarget.Status.WAITING for t in rows.values())
    assert Notification.objects.filter(center=tree.demo, recipient=tree.u_editor, title__contains="上级推送").exists()
    assert Notification.objects.filter(center=tree.linxian, recipient=tree.u_editor).exists()
    assert AuditEvent.objects.filter(action="sharing.push", center=tree.sheng, object_id=str(p.pk)).count() == 1


def test_accept_as_lead_is_idempotent_and_keeps_source(tree, province_story):
    p = _push(tree, province_story)
    t = p.targets.get(center=tree.demo)
    lead = services.accept_as_lead(target=t, user=tree.u_editor)
    assert lead.center == tree.demo and f"来源：{tree.sheng.name}" in lead.content and "注明来源后转载" in lead.content
    assert t.status == PushTarget.Status.LEAD and t.lead == lead
    with pytest.raises(ValidationError) as exc:
        services.accept_as_lead(target=t, user=tree.u_editor)
    assert exc.value.api_status == 409
    assert Lead.objects.filter(center=tree.demo, source_ref=f"sharing-push-{t.pk}").count() == 1


def test_accept_as_story_copies_text_and_media_files(tree, province_story, settings):
    p = _push(tree, province_story)
    t = p.targets.get(center=tree.linxian)
    story = services.accept_as_story(target=t, user=tree.u_editor)
    assert story.center == tree.linxian and story.status == Story.Status.DRAFT
    assert (story.headline, story.summary, story.kicker) == (province_story.headline, province_story.summary, "防火")
    assert story.source == tree.sheng.name and story.originality == Story.Originality.REPRINT
    [copy] = [a.asset for a in story.story_assets.select_related("asset")]
    [orig] = [a.asset for a in province_story.story_assets.select_related("asset")]
    assert copy.center == tree.linxian and copy.pk != orig.pk and copy.file.name != orig.file.name
    assert copy.caption == orig.caption and copy.file.read() == orig.file.read()
    assert f'data-asset="{copy.pk}"' in story.body and orig.file.url not in story.body
    assert t.status == PushTarget.Status.STORY and t.story == story
    # the other county's copy is untouched, and the province's asset still only the province's
    assert p.targets.get(center=tree.demo).status == PushTarget.Status.WAITING
    assert Asset.objects.filter(pk=orig.pk, center=tree.sheng).exists()


def test_reference_only_cannot_become_a_story(tree, province_story):
    p = _push(tree, province_story, rights=Rights.REFERENCE)
    t = p.targets.get(center=tree.demo)
    before = Story.objects.filter(center=tree.demo).count()
    with pytest.raises(ValidationError, match="仅供参考"):
        services.accept_as_story(target=t, user=tree.u_editor)
    t.refresh_from_db()
    assert t.status == PushTarget.Status.WAITING and Story.objects.filter(center=tree.demo).count() == before
    assert services.accept_as_lead(target=t, user=tree.u_editor).center == tree.demo


def test_a_plan_is_pushed_for_reference(tree):
    plan = Plan.objects.create(center=tree.shi, title="秋冬防火系列报道", description="每县一篇", created_by=tree.u_shi)
    p = services.push(center=tree.shi, user=tree.u_shi, targets=services.pick_targets(tree.shi, scope="all"),
                      rights=Rights.FREE, plan=plan)
    assert p.kind == Push.Kind.PLAN and p.rights == Rights.REFERENCE
    t = p.targets.get(center=tree.demo)
    with pytest.raises(ValidationError):
        services.accept_as_story(target=t, user=tree.u_editor)
    assert "每县一篇" in services.accept_as_lead(target=t, user=tree.u_editor).content


def test_decline_needs_a_reason(tree, province_story):
    t = _push(tree, province_story).targets.get(center=tree.demo)
    with pytest.raises(ValidationError, match="谢绝原因"):
        services.decline(target=t, user=tree.u_editor, reason="  ")
    t.refresh_from_db()
    assert t.status == PushTarget.Status.WAITING
    services.decline(target=t, user=tree.u_editor, reason="本县已有同题报道")
    assert (t.status, t.reason) == (PushTarget.Status.DECLINED, "本县已有同题报道")


def test_only_centers_below_and_only_signed_off(tree, province_story, county_story):
    with pytest.raises(ValidationError, match="下级"):
        services.pick_targets(tree.shi, scope="picked", ids=[tree.sheng.pk])
    with pytest.raises(ValidationError, match="下级"):
        services.push(center=tree.shi, user=tree.u_shi, targets=[tree.sheng], rights=Rights.FREE, story=province_story)
    with pytest.raises(ValidationError, match="省级平台和市级"):
        services.push(center=tree.demo, user=tree.u_editor, targets=[tree.linxian], rights=Rights.FREE, story=county_story)
    draft = Story.objects.create(center=tree.sheng, headline="草稿", created_by=tree.u_sheng)
    with pytest.raises(ValidationError, match="已签发"):
        services.push(center=tree.sheng, user=tree.u_sheng, targets=[tree.demo], rights=Rights.FREE, story=draft)
    with pytest.raises(PermissionDenied):
        services.push(center=tree.sheng, user=tree.u_editor, targets=[tree.demo], rights=Rights.FREE, story=province_story)
    assert not Push.objects.filter(story__in=[province_story, draft]).exists()


def test_receiving_needs_the_permission(tree, province_story):
    t = _push(tree, province_story).targets.get(center=tree.demo)
    with pytest.raises(PermissionDenied):
        services.accept_as_lead(target=t, user=tree.u_reporter)


# --- submit up -----------------------------------------------------------------------------------------

def test_submit_used_makes_one_pickup_at_the_city_level(tree, county_story):
    [sub] = services.submit(center=tree.demo, user=tree.u_editor, story=county_story, to_centers=[tree.shi], note="供选用")
    assert Notification.objects.filter(center=tree.shi, recipient=tree.u_shi, title__contains="下级供稿").exists()
    today = timezone.localdate()
    services.mark_used(submission=sub, user=tree.u_shi, outlet_name="示例市电视台", used_on=today, url="https://tv.example/1")
    assert (sub.status, sub.level) == (Submission.Status.USED, Submission.Level.PREFECTURE)
    pickups = Pickup.objects.filter(center=tree.demo, story=county_story)
    assert [(p.outlet_name, p.level, p.used_on, p.url) for p in pickups] == [
        ("示例市电视台", Pickup.Level.PREFECTURE, today, "https://tv.example/1")]
    assert Notification.objects.filter(center=tree.demo, recipient=tree.u_editor, title__contains="已采用").exists()
    with pytest.raises(ValidationError) as exc:  # marked used twice
        services.mark_used(submission=sub, user=tree.u_shi, outlet_name="示例市电视台", used_on=today)
    assert exc.value.api_status == 409
    submission_used.send(sender=Submission, submission=sub)  # the signal delivered twice
    assert Pickup.objects.filter(center=tree.demo, story=county_story).count() == 1


def test_province_use_counts_at_provincial_level(tree, county_story):
    subs = services.submit(center=tree.demo, user=tree.u_editor, story=county_story, to_centers=[tree.shi, tree.sheng])
    [up] = [s for s in subs if s.to_center == tree.sheng]
    services.mark_used(submission=up, user=tree.u_sheng)
    p = Pickup.objects.get(center=tree.demo, story=county_story)
    assert (p.level, p.outlet_name) == (Pickup.Level.PROVINCIAL, tree.sheng.name)


def test_a_closed_month_is_not_changed(tree, county_story):
    [sub] = services.submit(center=tree.demo, user=tree.u_editor, story=county_story, to_centers=[tree.shi])
    month = timezone.localdate().replace(day=1)
    Period.objects.update_or_create(center=tree.demo, month=month, defaults={"status": Period.Status.CLOSED})
    services.mark_used(submission=sub, user=tree.u_shi)
    assert not Pickup.objects.filter(center=tree.demo, story=county_story).exists()
    assert AuditEvent.objects.filter(action="appraisal.pickup_late", center=tree.demo).exists()


def test_not_used_and_bad_input_change_nothing(tree, county_story):
    [sub] = services.submit(center=tree.demo, user=tree.u_editor, story=county_story, to_centers=[tree.shi])
    for kwargs in ({"url": "javascript:alert(1)"}, {"used_on": timezone.localdate() + dt.timedelta(days=2)},
                   {"outlet_name": "长" * 101}):
        with pytest.raises(ValidationError):
            services.mark_used(submission=sub, user=tree.u_shi, **kwargs)
    with pytest.raises(ValidationError):
        services.mark_not_used(submission=sub, user=tree.u_shi, reason="")
    sub.refresh_from_db()
    assert sub.status == Submission.Status.WAITING and not Pickup.objects.filter(story=county_story).exists()
    with pytest.raises(PermissionDenied):  # the province is not who it was sent to
        services.mark_used(submission=Submission.objects.select_related("to_center").get(pk=sub.pk), user=tree.u_sheng)
    services.mark_not_used(submission=sub, user=tree.u_shi, reason="本期版面已满")
    assert (sub.status, sub.reason) == (Submission.Status.NOT_USED, "本期版面已满")
    assert not Pickup.objects.filter(story=county_story).exists()


def test_submit_only_up_and_once(tree, county_story):
    with pytest.raises(ValidationError, match="上级"):
        services.submit(center=tree.demo, user=tree.u_editor, story=county_story, to_centers=[tree.linxian])
    services.submit(center=tree.demo, user=tree.u_editor, story=county_story, to_centers=[tree.shi])
    with pytest.raises(ValidationError) as exc:
        services.submit(center=tree.demo, user=tree.u_editor, story=county_story, to_centers=[tree.shi])
    assert exc.value.api_status == 409
    with pytest.raises(PermissionDenied):
        services.submit(center=tree.demo, user=tree.u_reporter, story=county_story, to_centers=[tree.sheng])


def test_take_in_copies_and_waits_for_used(tree, county_story):
    [sub] = services.submit(center=tree.demo, user=tree.u_editor, story=county_story, to_centers=[tree.shi])
    story = services.take_in(submission=sub, user=tree.u_shi)
    assert story.center == tree.shi and story.source == f"{tree.demo.name}供稿" and sub.taken_story == story
    assert sub.status == Submission.Status.WAITING
    with pytest.raises(ValidationError):
        services.take_in(submission=sub, user=tree.u_shi)
