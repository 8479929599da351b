"""Reads of 活动运营 for the screens, the API, the 工作台 and other rooms."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone

from rongmei.core.models import Center, User
from rongmei.core.tenancy import scoped
from rongmei.events.models import BudgetLine, Document, Entry, Event, Task

NEAR_LIMIT = Decimal("0.9")  # an expense line at 90 % of its budget or more is shown to the manager
OPEN_TASK = [Task.Status.TODO, Task.Status.DOING]


def events(center: Center, *, year: int | None = None, kind: str = "", status: str = "", q: str = "") -> QuerySet:
    """The center's events by the year they start in, kind, status and a word in the name or venue."""
    qs = scoped(Event, center).select_related("client", "manager", "plan").annotate(
        open_tasks=Count("tasks", filter=Q(tasks__status__in=OPEN_TASK), distinct=True)).order_by("starts_on", "pk")
    if year:
        qs = qs.filter(Q(starts_on__year=year) | Q(ends_on__year=year))
    if kind:
        qs = qs.filter(kind=kind)
    if status:
        qs = qs.filter(status=status)
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(venue__icontains=q))
    return qs


def years(center: Center) -> list[int]:
    """Years that have events, and this year, newest first."""
    found = {d.year for d in scoped(Event, center).dates("starts_on", "year")}
    found.add(timezone.localdate().year)
    return sorted(found, reverse=True)


@dataclass
class MonthRow:
    month: int
    events: list = field(default_factory=list)


def year_calendar(center: Center, year: int) -> list[MonthRow]:
    """The year's twelve months, each with the events that run in it (an event across months
    shows in each), for the calendar / timeline page."""
    rows = [MonthRow(m) for m in range(1, 13)]
    for event in events(center, year=year).exclude(status=Event.Status.CANCELLED).order_by("starts_on", "pk"):
        first = event.starts_on.month if event.starts_on.year == year else 1
        last = event.ends_on.month if event.ends_on.year == year else 12
        for m in range(first, last + 1):
            rows[m - 1].events.append(event)
    return rows


@dataclass
class Budget:
    expenses: list
    incomes: list
    expense_planned: Decimal
    expense_actual: Decimal
    income_planned: Decimal
    income_actual: Decimal

    @property
    def expense_variance(self) -> Decimal:
        return self.expense_planned - self.expense_actual

    @property
    def income_variance(self) -> Decimal:
        return self.income_planned - self.income_actual

    @property
    def planned_balance(self) -> Decimal:
        """Income minus expense as budgeted (negative: the center puts money in)."""
        return self.income_planned - self.expense_planned

    @property
    def actual_balance(self) -> Decimal:
        return self.income_actual - self.expense_actual


def budget(event: Event) -> Budget:
    lines = list(scoped(BudgetLine, event.center).filter(event=event).annotate(entry_count=Count("entries"))
                 .order_by("direction", "pk"))
    expenses = [line for line in lines if line.direction == BudgetLine.Direction.EXPENSE]
    incomes = [line for line in lines if line.direction == BudgetLine.Direction.INCOME]
    return Budget(expenses=expenses, incomes=incomes,
                  expense_planned=sum((x.planned for x in expenses), Decimal(0)),
                  expense_actual=sum((x.actual for x in expenses), Decimal(0)),
                  income_planned=sum((x.planned for x in incomes), Decimal(0)),
                  income_actual=sum((x.actual for x in incomes), Decimal(0)))


def entries(event: Event) -> QuerySet:
    return (scoped(Entry, event.center).filter(line__event=event).select_related("line", "created_by")
            .order_by("-date", "-pk"))


def changes(event: Event) -> QuerySet:
    from rongmei.events.models import BudgetChange

    return scoped(BudgetChange, event.center).filter(line__event=event).select_related("line", "changed_by")


def tasks(event: Event, *, status: str = "", owner_id: int | None = None) -> QuerySet:
    qs = scoped(Task, event.center).filter(event=event).select_related("owner")
    if status == "overdue":
        qs = qs.filter(status__in=OPEN_TASK, due_on__lt=timezone.localdate())
    elif status:
        qs = qs.filter(status=status)
    if owner_id:
        qs = qs.filter(owner_id=owner_id)
    return qs


def documents(event: Event, *, kind: str = "") -> QuerySet:
    qs = scoped(Document, event.center).filter(event=event).select_related("uploaded_by")
    return qs.filter(kind=kind) if kind else qs


def near_limit_lines(center: Center) -> QuerySet:
    """Expense lines of events not ended or cancelled that have used 90 % of their budget or more."""
    return (scoped(BudgetLine, center).filter(direction=BudgetLine.Direction.EXPENSE, planned__gt=0,
                                              actual__gte=F("planned") * NEAR_LIMIT,
                                              event__status__in=[Event.Status.PLANNING, Event.Status.RUNNING])
            .select_related("event").order_by("event__starts_on", "pk"))


# --- Coverage (the newsroom's plan, through planning's selectors) ----------------------------------------

def coverage(event: Event) -> dict | None:
    """The linked plan with its status, topics and assignments; None when there is none."""
    if not event.plan_id:
        return None
    from rongmei.planning import selectors as planning

    plan = planning.plans(event.center).filter(pk=event.plan_id).first()
    if plan is None:
        return None
    topics = list(planning.topics(event.center, plan_id=plan.pk).order_by("planned_for", "pk"))
    assignments = list(planning.assignments(event.center).filter(topic__plan_id=plan.pk).order_by("deadline", "pk"))
    return {"plan": plan, "topics": topics, "assignments": assignments}


def plan_choices(center: Center) -> list:
    """Active plans of the center, to link an event to."""
    from rongmei.planning import selectors as planning

    return list(planning.plans(center, status="active").order_by("-starts_on", "-pk")[:100])


def plan_of(center: Center, plan_id: int):
    from rongmei.planning import selectors as planning

    return planning.plans(center).filter(pk=plan_id).first()


def clients(center: Center) -> QuerySet:
    from rongmei.ads import selectors as ads

    return ads.active_clients(center)


def client_of(center: Center, client_id: int):
    from rongmei.ads import selectors as ads

    return ads.client_of(center, client_id)


# --- 工作台 ---------------------------------------------------------------------------------------------

def todo_for(user: User, center: Center) -> list:
    """My open event tasks, with their due dates (the end of the due day)."""
    from rongmei.core.todo import Todo

    if not user.has_perm("events.view", center):
        return []
    tz = timezone.get_current_timezone()
    items = []
    mine = scoped(Task, center).filter(owner=user, status__in=OPEN_TASK).select_related("event")
    for task in mine.order_by("due_on", "pk")[:30]:
        due = dt.datetime.combine(task.due_on, dt.time(23, 59), tzinfo=tz)
        items.append(Todo(room="活动", title=task.title, url=f"/events/{task.event_id}/tasks/", due=due,
                          since=task.created_at, action="完成任务", note=f"{task.event.name} · {task.get_status_display()}"))
    return items


def manager_box(user: User, center: Center) -> dict | None:
    """For events.manage people: my tasks due in the coming week (and overdue), events this
    month, and expense lines at 90 % of their budget or more."""
    if center is None or not user.has_perm("events.manage", center):
        return None
    today = timezone.localdate()
    first = today.replace(day=1)
    last = (first + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
    my_tasks = list(scoped(Task, center).filter(owner=user, status__in=OPEN_TASK, due_on__lte=today + dt.timedelta(days=7))
                    .select_related("event").order_by("due_on", "pk")[:8])
    this_month = list(scoped(Event, center).filter(starts_on__lte=last, ends_on__gte=first)
                      .exclude(status=Event.Status.CANCELLED).order_by("starts_on", "pk")[:8])
    near = list(near_limit_lines(center)[:8])
    return {"title": "活动运营", "template": "events/home_box.html", "order": 70, "today": today,
            "my_tasks": my_tasks, "this_month": this_month, "near": near}
