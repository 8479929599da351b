"""督办: the scheduler's rounds over open cases (every 15 minutes, `tasks.chase`).

For each department still working on a case:
- a reminder to its liaisons RONGMEI_INQUIRY_REMIND_HOURS (default 24) before the deadline;
- a formal chase (督办) once the case is one working day late, to the liaisons and the
  center's coordinators;
- escalation once it is RONGMEI_INQUIRY_ESCALATE_DAYS (default 5) working days late: the
  department's responsible leader is named to its liaisons, and the center's coordinators,
  chief editors and administrators are told.
Each step happens once per deadline (a new deadline after 重办 or an extension starts
over) and is written on the case's timeline. Cases not screened within their 受理 deadline
are chased with the coordinators.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from rongmei.core.services import notify, record
from rongmei.inquiry import workdays
from rongmei.inquiry.models import Assignment, Case, CaseEvent
from rongmei.inquiry.services import _people, emit_case, liaisons


def _setting(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def chase(now: dt.datetime | None = None) -> dict[str, int]:
    now = now or timezone.now()
    calendars: dict[int, workdays.Calendar] = {}  # each center's own (see Calendar.load)
    remind = dt.timedelta(hours=_setting("RONGMEI_INQUIRY_REMIND_HOURS", 24))
    escalate_after = _setting("RONGMEI_INQUIRY_ESCALATE_DAYS", 5)
    counts = {"reminded": 0, "chased": 0, "escalated": 0, "ack_chased": 0}
    open_work = (Assignment.objects.filter(status=Assignment.Status.OPEN, case__status=Case.Status.PROCESSING,
                                           case__due_at__isnull=False)
                 .select_related("case", "case__center", "department"))
    for assignment in open_work:
        case, department = assignment.case, assignment.department
        if case.center_id not in calendars:
            calendars[case.center_id] = workdays.Calendar.load(case.center)
        late = calendars[case.center_id].lateness_working_days(case.due_at, now, tz=case.center.timezone)
        due_text = timezone.localtime(case.due_at).strftime("%m月%d日 %H:%M")
        if late == 0 and now < case.due_at and case.due_at - now <= remind and assignment.reminded_at is None:
            if _mark(assignment, "reminded_at", now):
                notify(center=case.center, recipients=liaisons(department), title=f"即将到期：{case.title}"[:200],
                       body=f"{case.code} 请于 {due_text} 前答复。", url=f"/inquiry/cases/{case.pk}/", event="inquiry_overdue")
                _event(case, "reminded", f"提醒{department.name}：{due_text} 到期。")
                counts["reminded"] += 1
        if late >= 1 and assignment.chased_at is None:
            with transaction.atomic():  # the mark, the timeline, the audit and the webhook event together
                if _mark(assignment, "chased_at", now):
                    people = liaisons(department) + _people(case.center, "coordinator")
                    notify(center=case.center, recipients=_unique(people), title=f"督办：{case.title} 已超期"[:200],
                           body=f"{case.code} 办理期限 {due_text}，{department.name}尚未答复。", url=f"/inquiry/cases/{case.pk}/",
                           event="inquiry_overdue")
                    _event(case, "chased", f"督办：{department.name}超过办理期限（{due_text}）仍未答复。")
                    record("inquiry.chase", actor=None, center=case.center, obj=case, after={"department": department.pk})
                    emit_case(case, "inquiry.overdue", overdue={"department": department.name, "working_days_late": late})
                    counts["chased"] += 1
        if late >= escalate_after and assignment.escalated_at is None:
            if _mark(assignment, "escalated_at", now):
                leader = department.responsible_leader or "分管负责人"
                people = (liaisons(department) + _people(case.center, "coordinator")
                          + _people(case.center, "chief_editor") + _people(case.center, "center_admin"))
                notify(center=case.center, recipients=_unique(people), title=f"升级督办：{case.title} 超期 {late} 个工作日"[:200],
                       body=f"{case.code} 由{department.name}办理，已超期 {late} 个工作日，请报{leader}督促办理。",
                       url=f"/inquiry/cases/{case.pk}/", event="inquiry_overdue", urgent=True)
                _event(case, "escalated", f"升级督办：{department.name}超期 {late} 个工作日，已报{leader}和中心负责人。")
                record("inquiry.escalate", actor=None, center=case.center, obj=case,
                       after={"department": department.pk, "late": late})
                counts["escalated"] += 1
    for case in Case.objects.filter(status=Case.Status.SUBMITTED, ack_due_at__lt=now).select_related("center"):
        if CaseEvent.objects.filter(case=case, kind="ack_overdue").exists():
            continue
        with transaction.atomic():
            _event(case, "ack_overdue", "超过受理期限仍未受理。")
            notify(center=case.center, recipients=_people(case.center, "coordinator"), title=f"待受理已超期：{case.title}"[:200],
                   url=f"/inquiry/cases/{case.pk}/", event="inquiry_overdue")
            counts["ack_chased"] += 1
    return counts


def _mark(assignment: Assignment, field: str, now: dt.datetime) -> bool:
    """Claim the step: only one scheduler run sends it."""
    return bool(Assignment.objects.filter(pk=assignment.pk, **{f"{field}__isnull": True}).update(**{field: now}))


def _event(case: Case, kind: str, text: str) -> None:
    CaseEvent.objects.create(case=case, kind=kind, text=text[:500])


def _unique(people):
    return list({p.pk: p for p in people}.values())
