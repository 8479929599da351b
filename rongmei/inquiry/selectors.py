"""Reads of 网络问政: what other rooms may use (the 工作台's to-do list), and what the staff
screens and the staff API share (the queue, who may see a case and take which step)."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q
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


# --- The staff screens and the staff API share these reads -----------------------------------------

# The coordinator's queue tabs: (key, label, condition). "overdue" also needs due_at < now.
TABS = [
    ("submitted", "待受理", Q(status=Case.Status.SUBMITTED)),
    ("processing", "办理中", Q(status__in=[Case.Status.PROCESSING, Case.Status.WAITING])),
    ("review", "待审核答复", Q(replies__status=Reply.Status.PENDING)),
    ("extensions", "延期申请", Q(extensions__status=Extension.Status.PENDING)),
    ("replied", "已答复待办结", Q(status=Case.Status.REPLIED)),
    ("overdue", "已超期", Q(status=Case.Status.PROCESSING)),
    ("closed", "已办结", Q(status__in=[Case.Status.CLOSED, Case.Status.REJECTED, Case.Status.MERGED])),
]
TAB_KEYS = tuple(key for key, _, _ in TABS)


def _tab(qs, key: str, now):
    condition = {k: c for k, _, c in TABS}.get(key, TABS[0][2])
    qs = qs.filter(condition)
    if key == "overdue":
        qs = qs.filter(due_at__lt=now)
    return qs


def tab_counts(center) -> list[tuple[str, str, int]]:
    """(key, label, number of cases) of every tab of the coordinator's queue."""
    now = timezone.now()
    base = scoped(Case, center)
    return [(key, label, _tab(base, key, now).distinct().count()) for key, label, _ in TABS]


def cases_for(center, user, *, department=None):
    """The cases this person may see in `center`: all of them for who handles 问政
    ("inquiry.handle"); else those given to their department (a department's liaison,
    `department` as `services.department_of` finds it); else none."""
    if user.has_perm("inquiry.handle", center):
        return scoped(Case, center)
    if department is not None and user.has_perm("inquiry.answer", center):
        return scoped(Case, center).filter(assignments__department=department)
    return Case.objects.none()


def queue(cases, *, tab: str = "", statuses=(), department_id: int | None = None, overdue: bool = False,
          due_soon: bool = False, q: str = "", by_phone: bool = False, order: str = "newest"):
    """Filter a queue of cases (from `cases_for`) as the coordinator's screen does: a tab,
    statuses, a department the case was given to, overdue (办理中 past its deadline), due
    soon (办理中 or 待补充, deadline within DUE_SOON and not passed yet), a text that matches
    the code, the title or the text (and, for handlers, the phone number exactly).
    `order`: "due" keeps the cases that have a deadline (the caller orders them)."""
    now = timezone.now()
    if tab:
        cases = _tab(cases, tab, now)
    if statuses:
        cases = cases.filter(status__in=list(statuses))
    if department_id is not None:
        cases = cases.filter(assignments__department_id=department_id)
    if overdue:
        cases = cases.filter(status=Case.Status.PROCESSING, due_at__lt=now)
    if due_soon:
        cases = cases.filter(status__in=OPEN, due_at__gte=now, due_at__lt=now + DUE_SOON)
    q = (q or "").strip()
    if q:
        match = Q(code__iexact=q) | Q(title__icontains=q) | Q(text__icontains=q)
        if by_phone:
            match |= Q(phone=q)
        cases = cases.filter(match)
    if order == "due":
        cases = cases.filter(due_at__isnull=False)
    # distinct through a subquery: the joins above may repeat a case, and DISTINCT with
    # ORDER BY on PostgreSQL needs no extra columns this way
    return Case.objects.filter(pk__in=cases.values("pk")).select_related("lead_department")


def department_work(center, department):
    """A department's assignments in `center`: (open work by due date, up to 50 done)."""
    assignments = (Assignment.objects.filter(department=department, case__center=center)
                   .select_related("case").order_by("case__due_at"))
    open_work = [a for a in assignments
                 if a.status == Assignment.Status.OPEN and a.case.status in (Case.Status.PROCESSING, Case.Status.WAITING)]
    done = [a for a in assignments if a not in open_work][:50]
    return open_work, done


# What each kind of person may do on a case they can see (the case page's forms and the API).
HANDLER_ACTIONS = frozenset({"accept", "reject", "merge", "approve_reply", "return_reply", "approve_extension",
                             "deny_extension", "publish", "unpublish", "close", "resume"})
DEPARTMENT_ACTIONS = frozenset({"reply", "extension", "hand_back"})
SHARED_ACTIONS = frozenset({"ask"})


class CaseAccess:
    """A case as one person may work on it: `handler` (受理 staff of the center) and/or
    `department` (the person's department, when the case was given to it)."""

    def __init__(self, case: Case, handler: bool, department):
        self.case, self.handler, self.department = case, handler, department

    @property
    def actions(self) -> frozenset:
        return SHARED_ACTIONS | (HANDLER_ACTIONS if self.handler else frozenset()) | (
            DEPARTMENT_ACTIONS if self.department is not None else frozenset())


def case_access(center, user, pk: int) -> CaseAccess | None:
    """The case `pk` of `center` for this person, or None when it exists but is neither
    theirs to handle nor given to their department. Another center's case, or none at
    all, raises Http404."""
    from rongmei.core.tenancy import get_scoped_or_404
    from rongmei.inquiry.services import department_of

    case = get_scoped_or_404(Case, center, pk=pk)
    handler = user.has_perm("inquiry.handle", center)
    department = department_of(user, center) if user.has_perm("inquiry.answer", center) else None
    mine = department is not None and case.assignments.filter(department=department).exists()
    if not handler and not mine:
        return None
    return CaseAccess(case, handler, department if mine else None)


def cases_since(center, *, after_id: int = 0, limit: int = 500):
    """The center's cases with an id above `after_id`, oldest first, at most `limit`: for a
    room that follows new cases as they come in (舆情监测 reads them as a source). Another
    room shows a case's text only as `masked_text` gives it, never its contact fields."""
    return scoped(Case, center).filter(pk__gt=after_id).order_by("pk")[:limit]


def masked_text(case: Case) -> str:
    """The case's text as other rooms may show it: mobile numbers in it masked, and the
    citizen's own phone and e-mail wherever they typed them (as a tip turned lead shows it)."""
    from rongmei.core.privacy import mask_email, mask_mobiles, mask_phone

    text = mask_mobiles(case.text)
    if case.phone:
        text = text.replace(case.phone, mask_phone(case.phone))
    if case.email:
        text = text.replace(case.email, mask_email(case.email))
    return text


def case_path(case: Case) -> str:
    """The staff page of a case (what the 工作台 links to)."""
    return _case_url(case)


def month_total(center, year: int, month: int):
    """The center-wide 问政 figures of a month (``stats.Row``: cases, replied, on_time,
    on_time_rate …, definitions in inquiry/stats.py) — what a province compares."""
    from rongmei.inquiry import stats

    return stats.month_report(center, year, month).total
