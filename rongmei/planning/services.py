"""Planning and dispatch use cases: leads become topics, topics become assignments,
assignments become stories. One function per use case, one transaction, one audit event."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from rongmei.core.models import Center, User
from rongmei.core.services import notify, record
from rongmei.newsroom.models import Column, Story
from rongmei.newsroom.services import stories as story_services
from rongmei.planning.models import Assignment, AssignmentMember, Lead, Plan, Topic, TopicComment


class StateConflict(ValidationError):
    """The object is no longer in the state the request expected (handled already, decided
    already, moved on): a page shows the message, the API answers 409."""

    api_status = 409


class NotAllowed(ValidationError):
    """This person may not do this to this object (not a member, not the dispatcher): a page
    shows the message, the API answers 403."""

    api_status = 403


def _require(condition: bool, message: str, kind: type[ValidationError] = ValidationError) -> None:
    if not condition:
        raise kind(message)


def _check_text(errors: dict, name: str, value: str, limit: int, required: bool = True, label: str = "") -> str:
    value = (value or "").strip()
    if required and not value:
        errors[name] = [f"请填写{label}。"]
    elif len(value) > limit:
        errors[name] = [f"{label}最多 {limit} 个字，现在 {len(value)} 个字。"]
    return value


def _same_center(center: Center, *objs) -> None:
    for obj in objs:
        if obj is not None and obj.center_id != center.id:
            raise ValidationError("所选内容不属于本中心。")


# --- Leads ---------------------------------------------------------------------------------

@transaction.atomic
def create_lead(*, center: Center, title: str, content: str, source: str = Lead.Source.STAFF, contact: str = "",
                source_ref: str = "", attachments=(), created_by: User | None = None) -> Lead:
    """The one way any room adds a lead (a tip, a monitored item, an inquiry). With a
    `source_ref`, calling twice for the same origin returns the first lead."""
    errors: dict = {}
    title = _check_text(errors, "title", title, 100, label="标题")
    content = _check_text(errors, "content", content, 10_000, label="内容")
    if source not in Lead.Source.values:
        errors["source"] = ["未知的线索来源。"]
    if errors:
        raise ValidationError(errors)
    if source_ref:
        existing = Lead.objects.filter(center=center, source=source, source_ref=source_ref).first()
        if existing:
            return existing
    try:
        with transaction.atomic():
            lead = Lead.objects.create(center=center, source=source, title=title, content=content, contact=contact[:50],
                                       source_ref=source_ref, created_by=created_by)
    except IntegrityError:  # the same origin, added concurrently
        return Lead.objects.get(center=center, source=source, source_ref=source_ref)
    if attachments:
        lead.attachments.set([a for a in attachments if a.center_id == center.id])
    record("lead.create", actor=created_by, center=center, obj=lead, after={"source": source, "title": title})
    return lead


@transaction.atomic
def reveal_lead_contact(*, lead: Lead, user: User) -> str:
    """The full contact of a lead, for someone whose work needs it (see
    selectors.may_see_lead_contact); each look is written to the audit log."""
    from django.core.exceptions import PermissionDenied

    from rongmei.planning.selectors import may_see_lead_contact

    if not lead.contact:
        return ""
    if not may_see_lead_contact(user, lead):
        raise PermissionDenied("只有办理此事的问政受理人员和负责回访的记者可以查看完整联系方式。")
    record("lead.reveal_contact", actor=user, center=lead.center, obj=lead,
           after={"lead": lead.pk, "source": lead.source, "source_ref": lead.source_ref})
    return lead.contact


@transaction.atomic
def dismiss_lead(*, lead: Lead, user: User, reason: str) -> Lead:
    reason = (reason or "").strip()
    _require(bool(reason), "请写明不予采用的原因。")
    _require(len(reason) <= 200, "原因最多 200 个字。")
    _require(Lead.objects.filter(pk=lead.pk, status=Lead.Status.NEW).update(
        status=Lead.Status.DISMISSED, dismiss_reason=reason, handled_by=user) == 1, "这条线索已经处理过了。", StateConflict)
    lead.refresh_from_db()
    record("lead.dismiss", actor=user, center=lead.center, obj=lead, after={"reason": reason})
    return lead


@transaction.atomic
def lead_to_topic(*, lead: Lead, user: User, title: str, description: str = "", column: Column | None = None,
                  plan: Plan | None = None, planned_for: dt.date | None = None) -> Topic:
    locked = Lead.objects.select_for_update().get(pk=lead.pk)
    _require(locked.status == Lead.Status.NEW, "这条线索已经处理过了。", StateConflict)
    topic = propose_topic(center=lead.center, user=user, title=title, description=description or lead.content,
                          column=column, plan=plan, planned_for=planned_for)
    Lead.objects.filter(pk=lead.pk).update(status=Lead.Status.TOPIC, topic=topic, handled_by=user)
    record("lead.to_topic", actor=user, center=lead.center, obj=lead, after={"topic": topic.pk})
    return topic


# --- Plans and topics -------------------------------------------------------------------------

@transaction.atomic
def create_plan(*, center: Center, user: User, title: str, description: str = "", column: Column | None = None,
                starts_on: dt.date | None = None, ends_on: dt.date | None = None) -> Plan:
    errors: dict = {}
    title = _check_text(errors, "title", title, 100, label="策划名称")
    if starts_on and ends_on and ends_on < starts_on:
        errors["ends_on"] = ["结束日期不能早于开始日期。"]
    if errors:
        raise ValidationError(errors)
    _same_center(center, column)
    plan = Plan.objects.create(center=center, title=title, description=description, column=column,
                               starts_on=starts_on, ends_on=ends_on, created_by=user)
    record("plan.create", actor=user, center=center, obj=plan, after={"title": title})
    return plan


@transaction.atomic
def propose_topic(*, center: Center, user: User, title: str, description: str = "", column: Column | None = None,
                  plan: Plan | None = None, planned_for: dt.date | None = None) -> Topic:
    """Anyone with the permission proposes; an editor who may decide gets it approved at once."""
    errors: dict = {}
    title = _check_text(errors, "title", title, 100, label="选题")
    if errors:
        raise ValidationError(errors)
    _same_center(center, column, plan)
    approve = user.has_perm("planning.decide_topic", center)
    topic = Topic.objects.create(
        center=center, title=title, description=description.strip(), column=column, plan=plan, planned_for=planned_for,
        proposed_by=user, status=Topic.Status.APPROVED if approve else Topic.Status.PROPOSED,
        decided_by=user if approve else None, decided_at=timezone.now() if approve else None,
    )
    record("topic.propose", actor=user, center=center, obj=topic, after={"title": title, "status": topic.status})
    return topic


@transaction.atomic
def decide_topic(*, topic: Topic, user: User, approve: bool, note: str = "") -> Topic:
    note = (note or "").strip()
    _require(approve or bool(note), "不通过时请写明意见，申报人会收到。")
    _require(topic.proposed_by_id != user.pk or approve, "不能否决自己申报的选题，请由其他编辑审批。")
    target = Topic.Status.APPROVED if approve else Topic.Status.REJECTED
    _require(Topic.objects.filter(pk=topic.pk, status=Topic.Status.PROPOSED).update(
        status=target, decided_by=user, decided_at=timezone.now(), decision_note=note[:200]) == 1,
        "这个选题已经审批过了。", StateConflict)
    topic.refresh_from_db()
    record("topic.decide", actor=user, center=topic.center, obj=topic, after={"status": target, "note": note})
    notify(center=topic.center, recipients=[topic.proposed_by], title=f"选题{'已通过' if approve else '未通过'}：{topic.title}",
           body=note, url=f"/planning/topics/{topic.pk}/")
    return topic


@transaction.atomic
def comment_topic(*, topic: Topic, user: User, body: str) -> TopicComment:
    body = (body or "").strip()
    _require(bool(body), "请填写意见。")
    _require(len(body) <= 2000, "意见最多 2000 个字。")
    comment = TopicComment.objects.create(topic=topic, author=user, body=body)
    record("topic.comment", actor=user, center=topic.center, obj=topic, after={"comment": body[:200]})
    others = {topic.proposed_by_id} | set(topic.comments.values_list("author_id", flat=True))
    others.discard(user.pk)
    notify(center=topic.center, recipients=User.objects.filter(pk__in=others), title=f"{user} 评论了选题：{topic.title}",
           body=body[:200], url=f"/planning/topics/{topic.pk}/")
    return comment


# --- Assignments -------------------------------------------------------------------------------

@transaction.atomic
def create_assignment(*, center: Center, user: User, title: str, deadline: dt.datetime, topic: Topic | None = None,
                      brief: str = "", location: str = "", starts_at: dt.datetime | None = None,
                      deliverables: list[str] | None = None, members: list[tuple[User, str]] = ()) -> Assignment:
    errors: dict = {}
    title = _check_text(errors, "title", title, 100, label="任务名称")
    location = _check_text(errors, "location", location, 100, required=False, label="地点")
    deliverables = deliverables or [Assignment.Deliverable.TEXT]
    if any(d not in Assignment.Deliverable.values for d in deliverables):
        errors["deliverables"] = ["交付内容无效。"]
    if starts_at and deadline < starts_at:
        errors["deadline"] = ["交稿时限不能早于采访时间。"]
    member_ids = [m.pk for m, _ in members]
    if len(set(member_ids)) != len(member_ids):
        errors["members"] = ["同一人不能重复派单。"]
    elif members and User.objects.filter(pk__in=member_ids, memberships__center=center,
                                         memberships__role__in=["reporter", "editor"]).distinct().count() != len(member_ids):
        errors["members"] = ["只能派给本中心的记者或编辑。"]
    if topic is not None and topic.status not in (Topic.Status.APPROVED,):
        errors["topic"] = ["选题通过后才能派发采访任务。"]
    if errors:
        raise ValidationError(errors)
    _same_center(center, topic)
    assignment = Assignment.objects.create(
        center=center, topic=topic, title=title, brief=brief.strip(), location=location, starts_at=starts_at,
        deadline=deadline, deliverables=list(deliverables), created_by=user)
    AssignmentMember.objects.bulk_create([AssignmentMember(assignment=assignment, user=m, role=role) for m, role in members])
    record("assignment.create", actor=user, center=center, obj=assignment,
           after={"title": title, "members": member_ids, "deadline": deadline.isoformat()})
    notify(center=center, recipients=[m for m, _ in members], title=f"新采访任务：{title}",
           body=f"{location} · 交稿时限 {timezone.localtime(deadline):%m-%d %H:%M}", url=f"/planning/assignments/{assignment.pk}/",
           event="assignment")
    return assignment


def _locked(assignment: Assignment) -> Assignment:
    return Assignment.objects.select_for_update().get(pk=assignment.pk)


@transaction.atomic
def accept_assignment(*, assignment: Assignment, user: User, role: str = AssignmentMember.Role.REPORTER) -> Assignment:
    """接单: an assignee accepts; anyone allowed may claim an open task nobody was sent to (抢单)."""
    current = _locked(assignment)
    _require(current.status in (Assignment.Status.OPEN, Assignment.Status.ACCEPTED),
             f"任务当前“{current.get_status_display()}”，不能接单。", StateConflict)
    member = current.members.filter(user=user).first()
    if member is None:
        _require(not current.members.exists(), "这个任务已派给其他同事。", StateConflict)
        _require(user.has_perm("planning.take_assignment", current.center), "您没有领取采访任务的权限。")
        member = AssignmentMember.objects.create(assignment=current, user=user, role=role)
    _require(member.accepted_at is None, "您已经接过这个任务了。", StateConflict)
    member.accepted_at = timezone.now()
    member.save(update_fields=["accepted_at"])
    Assignment.objects.filter(pk=current.pk, status=Assignment.Status.OPEN).update(status=Assignment.Status.ACCEPTED)
    current.refresh_from_db()
    record("assignment.accept", actor=user, center=current.center, obj=current)
    notify(center=current.center, recipients=[current.created_by], title=f"{user} 已接单：{current.title}",
           url=f"/planning/assignments/{current.pk}/")
    return current


NEXT = {
    "on_site": ({Assignment.Status.ACCEPTED}, Assignment.Status.ON_SITE, "到达现场"),
    "done": ({Assignment.Status.FILED}, Assignment.Status.DONE, "完成"),
    "cancel": ({Assignment.Status.OPEN, Assignment.Status.ACCEPTED, Assignment.Status.ON_SITE}, Assignment.Status.CANCELLED, "取消"),
}


@transaction.atomic
def advance_assignment(*, assignment: Assignment, user: User, step: str) -> Assignment:
    _require(step in NEXT, "未知的操作。")
    allowed, target, label = NEXT[step]
    current = _locked(assignment)
    is_member = current.members.filter(user=user).exists()
    may_dispatch = user.has_perm("planning.assign", current.center)
    _require(is_member or may_dispatch, "只有任务成员或派单编辑可以操作。", NotAllowed)
    _require(step != "cancel" or may_dispatch, "只有派单编辑可以取消任务。", NotAllowed)
    _require(current.status in allowed, f"任务当前“{current.get_status_display()}”，不能“{label}”。", StateConflict)
    Assignment.objects.filter(pk=current.pk).update(status=target)
    current.refresh_from_db()
    record("assignment.status", actor=user, center=current.center, obj=current, after={"status": target})
    return current


@transaction.atomic
def start_story(*, assignment: Assignment, user: User) -> Story:
    """写稿: the assignment's story, created once and linked; returns the existing one if any."""
    current = _locked(assignment)
    _require(current.members.filter(user=user).exists(), "只有任务成员可以为它写稿。")
    if current.story_id:
        return current.story
    column = current.topic.column if current.topic_id else None
    story = story_services.create_story(
        center=current.center, user=user,
        data=story_services.StoryData(headline=current.title[:100], location=current.location,
                                      column_id=column.pk if column else None, source=current.center.name),
    )
    current.story = story
    current.save(update_fields=["story"])
    if current.status in (Assignment.Status.OPEN, Assignment.Status.ACCEPTED):
        Assignment.objects.filter(pk=current.pk).update(status=Assignment.Status.ON_SITE)
    record("assignment.story", actor=user, center=current.center, obj=current, after={"story": story.pk})
    return story


def story_filed(story: Story, user: User) -> None:
    """The story of an assignment was filed (交稿): the assignment moves to filed and the
    dispatcher hears about it. Called from the newsroom's status signal."""
    for assignment in Assignment.objects.filter(story=story).exclude(status__in=[Assignment.Status.DONE, Assignment.Status.CANCELLED]):
        Assignment.objects.filter(pk=assignment.pk).update(status=Assignment.Status.FILED)
        record("assignment.status", actor=user, center=assignment.center, obj=assignment, after={"status": "filed"})
        notify(center=assignment.center, recipients=[assignment.created_by], title=f"已交稿：{story.headline}",
               body=f"任务“{assignment.title}”", url=f"/stories/{story.pk}/")


# --- Duty roster (值班表) ----------------------------------------------------------------------
# Who may be put on a desk: staff of the center (people who see the board). A swap takes
# effect when the other person has agreed and someone with "planning.manage_duty" (the
# chief editor, the center admin) has approved, in either order; a request made by such a
# person, or agreed by such a person, needs no second approval.

def _on_staff(center: Center, person: User | None) -> bool:
    return person is not None and person.is_active and person.has_perm("planning.view_board", center)


def _duty_managers(center: Center) -> list[User]:
    """Who approves swaps: the holders of a role that grants planning.manage_duty."""
    from rongmei.core.permissions import ROLES

    roles = [code for code, role in ROLES.items() if "planning.manage_duty" in role.permissions]
    return list(User.objects.filter(memberships__center=center, memberships__role__in=roles, is_active=True).distinct())


def _shift_label(shift) -> str:
    return f"{shift.date:%m月%d日}{shift.get_desk_display()}"


@transaction.atomic
def assign_duty(*, center: Center, user: User, date: dt.date, desk: str, person: User, quiet: bool = False):
    """Put `person` on `desk` on `date`; they are told unless `quiet` (the demo's roster)."""
    from rongmei.planning.models import DutyShift

    if not user.has_perm("planning.manage_duty", center):
        raise ValidationError("只有总编辑或中心管理员可以排班。")
    errors: dict = {}
    if desk not in DutyShift.Desk.values:
        errors["desk"] = ["请选择日班、夜班或周末班。"]
    if not _on_staff(center, person):
        errors["person"] = ["只能安排本中心的采编人员值班。"]
    if date is None:
        errors["date"] = ["请选择日期。"]
    if errors:
        raise ValidationError(errors)
    if DutyShift.objects.filter(center=center, date=date, desk=desk, user=person).exists():
        raise ValidationError(f"{person} 已在{date:%m月%d日}的{DutyShift.Desk(desk).label}。")
    shift = DutyShift.objects.create(center=center, date=date, desk=desk, user=person, created_by=user)
    record("duty.assign", actor=user, center=center, obj=shift,
           after={"date": date.isoformat(), "desk": desk, "person": str(person)})
    if person.pk != user.pk and not quiet:
        notify(center=center, recipients=[person], title=f"值班安排：{_shift_label(shift)}", url="/planning/duty/")
    return shift


@transaction.atomic
def remove_duty(*, shift, user: User) -> None:
    from rongmei.planning.models import DutySwap

    if not user.has_perm("planning.manage_duty", shift.center):
        raise ValidationError("只有总编辑或中心管理员可以调整值班表。")
    record("duty.remove", actor=user, center=shift.center, obj=shift,
           before={"date": shift.date.isoformat(), "desk": shift.desk, "person": str(shift.user)})
    DutySwap.objects.filter(shift=shift, status=DutySwap.Status.PENDING).update(
        status=DutySwap.Status.CANCELLED, decided_by=user, decided_at=timezone.now(), decision_note="该班次已取消")
    shift.delete()


@transaction.atomic
def request_swap(*, shift, user: User, counterpart: User | None, reason: str, counterpart_shift=None):
    """The person on `shift` asks `counterpart` to take it, or to trade it for one of theirs."""
    from rongmei.planning.models import DutyShift, DutySwap

    center = shift.center
    _require(shift.user_id == user.pk, "只能为自己的班次申请换班。")
    _require(shift.date >= timezone.localdate(), "这个班次已经过去了，不能再换。")
    errors: dict = {}
    reason = _check_text(errors, "reason", reason, 200, label="换班原因")
    if counterpart is None or counterpart.pk == user.pk or not _on_staff(center, counterpart):
        errors["counterpart"] = ["请选择本中心的另一位同事。"]
    elif DutyShift.objects.filter(center=center, date=shift.date, desk=shift.desk, user=counterpart).exists():
        errors["counterpart"] = [f"{counterpart} 当天已在{shift.get_desk_display()}。"]
    if counterpart_shift is not None and not errors.get("counterpart"):
        if counterpart_shift.center_id != center.id or counterpart_shift.user_id != counterpart.pk:
            errors["counterpart_shift"] = ["对调的班次不是对方的班。"]
        elif counterpart_shift.date < timezone.localdate():
            errors["counterpart_shift"] = ["对方的这个班次已经过去了。"]
    if errors:
        raise ValidationError(errors)
    _require(not DutySwap.objects.filter(shift=shift, status=DutySwap.Status.PENDING).exists(),
             "这个班次已有一份待处理的换班申请，请先撤回它。")
    chief = user.has_perm("planning.manage_duty", center)
    now = timezone.now()
    swap = DutySwap.objects.create(center=center, shift=shift, counterpart_shift=counterpart_shift, requester=user,
                                   counterpart=counterpart, reason=reason,
                                   approved_by=user if chief else None, approved_at=now if chief else None)
    record("duty.swap_request", actor=user, center=center, obj=swap,
           after={"shift": _shift_label(shift), "counterpart": str(counterpart),
                  "counterpart_shift": _shift_label(counterpart_shift) if counterpart_shift else "", "reason": reason})
    what = f"与您对调{_shift_label(counterpart_shift)}" if counterpart_shift else "请您代班"
    notify(center=center, recipients=[counterpart], title=f"{user} 申请换班：{_shift_label(shift)}，{what}",
           body=reason, url="/planning/duty/")
    return swap


def _pending(swap):
    from rongmei.planning.models import DutySwap

    current = DutySwap.objects.select_for_update().get(pk=swap.pk)
    _require(current.status == DutySwap.Status.PENDING, f"这份换班申请{current.get_status_display()}，不能再处理。")
    return current


def _apply_swap(swap, user: User) -> None:
    """Both yeses are in: the shifts change hands (in the same transaction)."""
    from rongmei.planning.models import DutyShift, DutySwap

    shift = DutyShift.objects.select_for_update().get(pk=swap.shift_id)
    _require(shift.user_id == swap.requester_id, "这个班次已经换过人了，申请作废。")
    if DutyShift.objects.filter(center=shift.center, date=shift.date, desk=shift.desk, user=swap.counterpart).exists():
        raise ValidationError(f"{swap.counterpart} 当天已在{shift.get_desk_display()}，不能再接这个班。")
    shift.user = swap.counterpart
    shift.save(update_fields=["user"])
    if swap.counterpart_shift_id:
        theirs = DutyShift.objects.select_for_update().get(pk=swap.counterpart_shift_id)
        _require(theirs.user_id == swap.counterpart_id, "对方的班次已经换过人了，申请作废。")
        if DutyShift.objects.filter(center=theirs.center, date=theirs.date, desk=theirs.desk, user=swap.requester).exists():
            raise ValidationError(f"{swap.requester} 当天已在{theirs.get_desk_display()}，不能对调。")
        theirs.user = swap.requester
        theirs.save(update_fields=["user"])
    swap.status = DutySwap.Status.APPROVED
    swap.decided_by, swap.decided_at = user, timezone.now()
    swap.save()
    notify(center=swap.center, recipients=[swap.requester, swap.counterpart], title=f"换班已生效：{_shift_label(shift)}",
           url="/planning/duty/")


def _turn_down(swap, user: User, note: str, action: str, recipients: list, title: str):
    """A swap refused by the colleague or turned down by the chief: closed, audited, told."""
    from rongmei.planning.models import DutySwap

    swap.status, swap.decided_by, swap.decided_at, swap.decision_note = DutySwap.Status.REJECTED, user, timezone.now(), note
    swap.save()
    record(action, actor=user, center=swap.center, obj=swap, after={"note": note})
    notify(center=swap.center, recipients=recipients, title=title, body=note, url="/planning/duty/")
    return swap


@transaction.atomic
def answer_swap(*, swap, user: User, agree: bool, note: str = ""):
    """The counterpart says yes or no. A yes from someone who may approve swaps approves too."""
    swap = _pending(swap)
    _require(swap.counterpart_id == user.pk, "只有被请求换班的同事可以同意或拒绝。")
    _require(swap.peer_agreed_at is None, "您已经同意过了，正在等总编辑批准。")
    note = (note or "").strip()[:200]
    now = timezone.now()
    if not agree:
        return _turn_down(swap, user, note, "duty.swap_refuse", [swap.requester],
                          f"{user} 没有同意换班：{_shift_label(swap.shift)}")
    swap.peer_agreed_at = now
    if swap.approved_at is None and user.has_perm("planning.manage_duty", swap.center):
        swap.approved_by, swap.approved_at = user, now
    swap.save()
    record("duty.swap_agree", actor=user, center=swap.center, obj=swap, after={"note": note})
    if swap.approved_at is not None:
        _apply_swap(swap, user)
    else:
        notify(center=swap.center, recipients=_duty_managers(swap.center),
               title=f"待批准换班：{swap.requester} 与 {swap.counterpart}，{_shift_label(swap.shift)}", body=swap.reason,
               url="/planning/duty/")
    return swap


@transaction.atomic
def approve_swap(*, swap, user: User, approve: bool, note: str = ""):
    """The chief editor (planning.manage_duty) approves or turns the swap down."""
    swap = _pending(swap)
    _require(user.has_perm("planning.manage_duty", swap.center), "只有总编辑或中心管理员可以批准换班。")
    _require(swap.approved_at is None, "这份换班申请已经批准过了，正在等对方同意。")
    note = (note or "").strip()[:200]
    now = timezone.now()
    if not approve:
        return _turn_down(swap, user, note, "duty.swap_reject", [swap.requester, swap.counterpart],
                          f"换班未获批准：{_shift_label(swap.shift)}")
    swap.approved_by, swap.approved_at, swap.decision_note = user, now, note
    swap.save()
    record("duty.swap_approve", actor=user, center=swap.center, obj=swap, after={"note": note})
    if swap.peer_agreed_at is not None:
        _apply_swap(swap, user)
    return swap


@transaction.atomic
def cancel_swap(*, swap, user: User):
    from rongmei.planning.models import DutySwap

    swap = _pending(swap)
    _require(swap.requester_id == user.pk, "只有申请人可以撤回换班申请。")
    swap.status, swap.decided_by, swap.decided_at = DutySwap.Status.CANCELLED, user, timezone.now()
    swap.save()
    record("duty.swap_cancel", actor=user, center=swap.center, obj=swap)
    return swap
