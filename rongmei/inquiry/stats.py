"""网络问政 statistics: how each department handled the cases assigned to it in a month, a
center-wide total, and the public ranking.

The unit is the **assignment** (交办件次): a case routed to two departments counts once for
each. A case belongs to the month (center's local calendar) in which it was assigned to the
department (``Assignment.assigned_at``, normally the moment of 受理).

Per department and month
------------------------
``cases``          assignments assigned that month (returned ones included).
``returns``        hand-backs: assignments whose status is ``returned`` (退回，非本部门职责).
``due``            ``cases - returns``: what the department had to answer (应答复).
``replied``        non-returned assignments with at least one *approved* reply of that
                   department on that case.
``reply_rate``     ``replied / due``.
``on_time``        replied assignments whose first approved reply (``Reply.approved_at``, the
                   moment the answer reached the citizen) is at or before ``Case.due_at``.
                   ``due_at`` is used **as stored now**: an approved extension, a pause
                   (待补充材料) and a reopening after 不满意 all move it, so a reply counts as
                   on time against the latest deadline, not the one in force when it was sent.
``late``           ``replied - on_time``.
``overdue_open``   non-returned assignments with no approved reply that are still open
                   (assignment status ``open``, case being handled — 办理中/已答复 — not
                   waiting for the citizen, whose clock is stopped) and whose ``due_at`` has
                   passed (as of ``now``, not the end of the month).
``on_time_rate``   ``on_time / (replied + overdue_open)``: of the assignments whose outcome
                   against the deadline is known, the share answered in time. Assignments
                   still within their deadline are not counted either way.
``avg_days``       mean over replied assignments of the working time (in working days, see
                   ``workdays.Calendar.elapsed_working_days``: only time on working days
                   counts) from ``assigned_at`` to the first approved reply.
``satisfied`` / ``basic`` / ``unsatisfied``
                   the case's rating (the model keeps only the latest one, so a case rated
                   不满意 and then 满意 after 重办 counts as 满意), counted for every
                   non-returned assignment of the case.
``rated``          sum of the three; ``satisfaction = (satisfied + basic) / rated``.

Every rate is ``None`` (shown as "—") when its denominator is 0.

The total row applies the same definitions to all assignments of the month (so its counts
are 件次; ``distinct_cases`` gives the number of different cases).

Ranking (``ranking``)
---------------------
Departments with at least one case to answer (``due >= 1``) are ranked by, in order:
on-time rate (higher first), satisfaction (higher first), reply rate (higher first),
average working days (lower first). A missing value (``None``: no data) sorts after any
value for that criterion. Departments equal on all four share a rank (1, 2, 2, 4); within a
rank they are listed by the department's configured order.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.db.models import Min
from django.utils import timezone

from rongmei.core.exports import safe_workbook
from rongmei.core.models import Center, Department
from rongmei.inquiry import workdays
from rongmei.inquiry.models import Assignment, Case, Reply

RATINGS = ("satisfied", "basic", "unsatisfied")
OPEN_CASE_STATUSES = (Case.Status.PROCESSING, Case.Status.REPLIED)
EARLIEST_YEAR = 2000


# --- Months ---------------------------------------------------------------------------------------

def parse_month(value: str | None) -> tuple[int, int] | None:
    """``"2026-11"`` → ``(2026, 11)``; anything else (or a year before 2000) → ``None``."""
    value = (value or "").strip()
    parts = value.split("-")
    if len(parts) != 2 or not value.isascii() or not (len(parts[0]) == 4 and parts[0].isdigit()
                                                       and 1 <= len(parts[1]) <= 2 and parts[1].isdigit()):
        return None
    year, month = int(parts[0]), int(parts[1])
    if not 1 <= month <= 12 or year < EARLIEST_YEAR:
        return None
    return year, month


def current_month(center: Center, now: dt.datetime | None = None) -> tuple[int, int]:
    local = (now or timezone.now()).astimezone(ZoneInfo(center.timezone))
    return local.year, local.month


def shift_month(year: int, month: int, delta: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + delta
    return index // 12, index % 12 + 1


def month_bounds(center: Center, year: int, month: int) -> tuple[dt.datetime, dt.datetime]:
    """[start, end) of the month on the center's local calendar, as aware datetimes."""
    tz = ZoneInfo(center.timezone)
    next_year, next_month = shift_month(year, month, 1)
    return dt.datetime(year, month, 1, tzinfo=tz), dt.datetime(next_year, next_month, 1, tzinfo=tz)


def month_key(year: int, month: int) -> str:
    return f"{year:04d}-{month:02d}"


def month_label(year: int, month: int) -> str:
    return f"{year}年{month}月"


# --- Rows -----------------------------------------------------------------------------------------

def _ratio(numerator: int, denominator: int) -> float | None:
    return numerator / denominator if denominator else None


def percent(value: float | None) -> str:
    """0.857 → "85.7%", None → "—"."""
    return "—" if value is None else f"{value * 100:.1f}%"


def days_text(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}"


@dataclass
class Row:
    department: Department | None          # None for the total row
    name: str
    short_name: str = ""
    order: int = 0
    cases: int = 0
    returns: int = 0
    replied: int = 0
    on_time: int = 0
    overdue_open: int = 0
    satisfied: int = 0
    basic: int = 0
    unsatisfied: int = 0
    distinct_cases: int = 0
    days: list[float] = field(default_factory=list, repr=False)
    rank: int | None = None

    @property
    def is_total(self) -> bool:
        return self.department is None

    @property
    def label(self) -> str:
        return self.short_name or self.name

    @property
    def due(self) -> int:
        return self.cases - self.returns

    @property
    def late(self) -> int:
        return self.replied - self.on_time

    @property
    def rated(self) -> int:
        return self.satisfied + self.basic + self.unsatisfied

    @property
    def reply_rate(self) -> float | None:
        return _ratio(self.replied, self.due)

    @property
    def on_time_rate(self) -> float | None:
        return _ratio(self.on_time, self.replied + self.overdue_open)

    @property
    def satisfaction(self) -> float | None:
        return _ratio(self.satisfied + self.basic, self.rated)

    @property
    def avg_days(self) -> float | None:
        return sum(self.days) / len(self.days) if self.days else None

    # what the pages show
    @property
    def reply_rate_text(self) -> str:
        return percent(self.reply_rate)

    @property
    def on_time_rate_text(self) -> str:
        return percent(self.on_time_rate)

    @property
    def satisfaction_text(self) -> str:
        return percent(self.satisfaction)

    @property
    def avg_days_text(self) -> str:
        return days_text(self.avg_days)


@dataclass
class Month:
    center: Center
    year: int
    month: int
    rows: list[Row]
    total: Row

    @property
    def key(self) -> str:
        return month_key(self.year, self.month)

    @property
    def label(self) -> str:
        return month_label(self.year, self.month)


def _count(row: Row, assignment: Assignment, first_reply: dt.datetime | None, now: dt.datetime,
           calendar: workdays.Calendar, tz: str) -> None:
    case = assignment.case
    row.cases += 1
    if assignment.status == Assignment.Status.RETURNED:
        row.returns += 1
        return
    if first_reply is not None:
        row.replied += 1
        if case.due_at is not None and first_reply <= case.due_at:
            row.on_time += 1
        row.days.append(calendar.elapsed_working_days(assignment.assigned_at, first_reply, tz=tz))
    elif (assignment.status == Assignment.Status.OPEN and case.status in OPEN_CASE_STATUSES
          and case.due_at is not None and case.due_at < now):
        row.overdue_open += 1
    if case.rating in RATINGS:
        setattr(row, case.rating, getattr(row, case.rating) + 1)


def department_month(center: Center, year: int, month: int, *, now: dt.datetime | None = None,
                     calendar: workdays.Calendar | None = None) -> list[Row]:
    """One row per department with assignments that month, in the departments' order."""
    return month_report(center, year, month, now=now, calendar=calendar).rows


def month_report(center: Center, year: int, month: int, *, now: dt.datetime | None = None,
                 calendar: workdays.Calendar | None = None) -> Month:
    """The department rows (ranked, see ``ranking``) and the center-wide total for a month."""
    now = now or timezone.now()
    calendar = calendar or workdays.Calendar.load(center)
    tz = center.timezone
    start, end = month_bounds(center, year, month)
    assignments = list(Assignment.objects.filter(case__center=center, assigned_at__gte=start, assigned_at__lt=end)
                       .select_related("case", "department"))
    first_replies = {
        (r["case_id"], r["department_id"]): r["first"]
        for r in Reply.objects.filter(case_id__in={a.case_id for a in assignments}, status=Reply.Status.APPROVED,
                                      approved_at__isnull=False)
        .values("case_id", "department_id").annotate(first=Min("approved_at"))
    }
    rows: dict[int, Row] = {}
    total = Row(department=None, name="合计", short_name="合计")
    for assignment in assignments:
        department = assignment.department
        row = rows.get(department.pk)
        if row is None:
            row = rows[department.pk] = Row(department=department, name=department.name,
                                            short_name=department.short_name, order=department.order)
        first = first_replies.get((assignment.case_id, assignment.department_id))
        _count(row, assignment, first, now, calendar, tz)
        _count(total, assignment, first, now, calendar, tz)
    total.distinct_cases = len({a.case_id for a in assignments})
    ordered = sorted(rows.values(), key=lambda r: (r.order, r.department.pk))
    for row in ordered:
        row.distinct_cases = row.cases
    ranking(ordered)
    return Month(center=center, year=year, month=month, rows=ordered, total=total)


# --- Ranking --------------------------------------------------------------------------------------

def _rank_key(row: Row) -> tuple:
    def high_first(value):
        return (1, 0.0) if value is None else (0, -value)

    def low_first(value):
        return (1, 0.0) if value is None else (0, value)

    return (high_first(row.on_time_rate), high_first(row.satisfaction), high_first(row.reply_rate),
            low_first(row.avg_days))


def ranking(rows: list[Row]) -> list[Row]:
    """The rows with ``due >= 1``, best first, each with ``rank`` set (ties share a rank);
    the other rows get ``rank = None``. The composite is described in the module docstring."""
    for row in rows:
        row.rank = None
    eligible = sorted((r for r in rows if not r.is_total and r.due >= 1),
                      key=lambda r: (_rank_key(r), r.order, r.department.pk if r.department else 0))
    previous = None
    for position, row in enumerate(eligible, start=1):
        key = _rank_key(row)
        row.rank = previous.rank if previous is not None and _rank_key(previous) == key else position
        previous = row
    return eligible


# --- Excel ----------------------------------------------------------------------------------------

COLUMNS = [  # header, attribute, kind, width
    ("排名", "rank", "int", 7),
    ("承办部门", "name", "text", 30),
    ("交办件次", "cases", "int", 10),
    ("退回", "returns", "int", 8),
    ("应答复", "due", "int", 9),
    ("已答复", "replied", "int", 9),
    ("答复率", "reply_rate", "pct", 10),
    ("按时答复", "on_time", "int", 10),
    ("超期答复", "late", "int", 10),
    ("超期未答复", "overdue_open", "int", 12),
    ("按时率", "on_time_rate", "pct", 10),
    ("平均办理用时（工作日）", "avg_days", "days", 14),
    ("满意", "satisfied", "int", 8),
    ("基本满意", "basic", "int", 10),
    ("不满意", "unsatisfied", "int", 9),
    ("满意率", "satisfaction", "pct", 10),
]

NOTES = [
    "说明：以交办时间所在月份统计，一件联办件对每个承办部门各计一件次。",
    "答复率 = 已答复 ÷（交办件次 − 退回）；按时率 = 按时答复 ÷（已答复 + 超期未答复），期限以当前记录的办理期限为准（含延期、暂停顺延）。",
    "平均办理用时 = 交办至首次答复审核通过之间的工作日时长（只计工作日）；满意率 =（满意 + 基本满意）÷ 已评价，以最近一次评价为准。",
    "排名依次比较按时率、满意率、答复率、平均办理用时；无应答复件的部门不参加排名。",
]


def export_title(report: Month) -> str:
    return f"{report.center.name} 网络问政 部门办理情况 {report.label}"


def workbook(report: Month, *, generated: dt.datetime | None = None):
    """An openpyxl Workbook: title row, bold frozen header, one row per department, the
    total row, notes. Rates are real numbers formatted as percentages."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    ws = wb.active
    ws.title = f"{report.year}年{report.month}月"
    last = get_column_letter(len(COLUMNS))
    ws.append([export_title(report)])
    ws.merge_cells(f"A1:{last}1")
    ws["A1"].font = Font(bold=True, size=14)
    ws["A1"].alignment = Alignment(horizontal="center", vertical="center")
    ws.row_dimensions[1].height = 28
    ws.append([header for header, *_ in COLUMNS])
    thin = Side(style="thin", color="BFBFBF")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    fill = PatternFill("solid", fgColor="F2F2F2")
    for cell in ws[2]:
        cell.font = Font(bold=True)
        cell.fill = fill
        cell.border = border
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    ws.row_dimensions[2].height = 32
    for row in [*report.rows, report.total]:
        values = []
        for _, attr, kind, _ in COLUMNS:
            value = getattr(row, attr)
            if attr == "name" and row.is_total:
                value = "合计"
            if attr == "rank" and row.is_total:
                value = None
            if kind == "days" and value is not None:
                value = round(value, 2)
            values.append(value)
        ws.append(values)
        for cell, (_, _, kind, _) in zip(ws[ws.max_row], COLUMNS):
            cell.border = border
            if kind == "pct":
                cell.number_format = "0.0%"
            elif kind == "days":
                cell.number_format = "0.00"
            if row.is_total:
                cell.font = Font(bold=True)
    for index, (_, _, _, width) in enumerate(COLUMNS, start=1):
        ws.column_dimensions[get_column_letter(index)].width = width
    ws.freeze_panes = "C3"
    ws.append([])
    for note in NOTES:
        ws.append([note])
    when = timezone.localtime(generated or timezone.now(), ZoneInfo(report.center.timezone))
    ws.append([f"导出时间：{when:%Y-%m-%d %H:%M}（超期未答复按导出时计算）"])
    return safe_workbook(wb)  # department names are typed by people: never a formula
