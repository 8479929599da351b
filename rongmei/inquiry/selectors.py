"""Reads of 网络问政 that other rooms may use (the 工作台's to-do list)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from rongmei.core.tenancy import scoped
from rongmei.inquiry.models import Assignment, Case, Extension, Reply

# A case due within this long is listed on the coordinator's 工作台 before it is late.
DUE_SOON = dt.timedelta(days=2)
OPEN = (Case.Status.PROCESSING, Case.Status.WAITING)
LIMIT = 20


def todo_for(user, center) -> list:
    """Coordinators: cases to accept, replies and extensions to decide, cases due soon or
    late. Department liaisons: their department's open cases, by due date."""
    items = []
    if user.has_perm("inquiry.handle", center):
        items += _coordinator_items(center)
    if user.has_perm("inquiry.answer", center):
        from rongmei.inquiry.services import department_of

        department = department_of(user, center)
        if department is not None:
            items += _department_items(center, department)
    return items


def _case_url(case: Case) -> str:
    return f"/inquiry/cases/{case.pk}/"


def _coordinator_items(center) -> list:
    from rongmei.core.todo import Todo

    now = timezone.now()
    cases = scoped(Case, center)
    items = [Todo(room="问政", title=c.title, url=_case_url(c), due=c.ack_due_at, since=c.created_at, action="受理",
                  note=("紧急 · " if c.emergency else "") + f"待受理 · {c.get_kind_display()}")
             for c in cases.filter(status=Case.Status.SUBMITTED).order_by("ack_due_at", "-created_at")[:LIMIT]]
    for reply in (Reply.objects.filter(case__center=center, status=Reply.Status.PENDING)
                  .select_related("case", "department").order_by("created_at")[:LIMIT]):
        items.append(Todo(room="问政", title=reply.case.title, url=_case_url(reply.case), due=reply.case.due_at,
                          since=reply.created_at, action="审核答复", note=f"{reply.department.short_name or reply.department.name} 已答复，待审核"))
    for ext in (Extension.objects.filter(case__center=center, status=Extension.Status.PENDING)
                .select_related("case", "department").order_by("created_at")[:LIMIT]):
        items.append(Todo(room="问政", title=ext.case.title, url=_case_url(ext.case), due=ext.case.due_at, since=ext.created_at,
                          action="审批延期", note=f"{ext.department.short_name or ext.department.name} 申请延期 {ext.days} 个工作日"))
    listed = {i.url for i in items}
    for c in (cases.filter(status__in=OPEN, due_at__lt=now + DUE_SOON).order_by("due_at")[:LIMIT]):
        if _case_url(c) not in listed:
            items.append(Todo(room="问政", title=c.title, url=_case_url(c), due=c.due_at, since=c.accepted_at, action="督办",
                              note=("已超期" if c.due_at < now else "即将到期") + f" · {c.get_status_display()}"))
    return items


def _department_items(center, department) -> list:
    from rongmei.core.todo import Todo

    work = (Assignment.objects.filter(department=department, case__center=center, status=Assignment.Status.OPEN,
                                      case__status__in=OPEN)
            .select_related("case").order_by("case__due_at")[:LIMIT])
    return [Todo(room="问政", title=a.case.title, url=_case_url(a.case), due=a.case.due_at, since=a.assigned_at,
                 action="办理答复" if a.case.status == Case.Status.PROCESSING else "等群众补充材料",
                 note=("主办" if a.is_lead else "协办") + f" · {a.case.get_status_display()}") for a in work]
