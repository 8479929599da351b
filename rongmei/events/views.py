"""Staff screens of 活动运营, all under /events/: the list (year, kind, status), the year's
calendar, an event's page with its tabs (概况, 预算, 任务, 文件, 报道), and the budget as
Excel. Reading takes events.view; every change takes events.manage, except that a task's
owner may move their own task along. The forms only turn posted strings into values; the
rules are in services, whose Chinese messages are put back on the fields."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.http import require_POST

from rongmei.core.ids import parse_id
from rongmei.core.permissions import PERMISSIONS
from rongmei.core.tenancy import get_scoped_or_404
from rongmei.core.views import apply_errors, require_perm
from rongmei.events import exports, selectors, services
from rongmei.events.models import BudgetLine, Document, Entry, Event, Task

DATE = {"type": "date"}
DATE_ERRORS = {"required": "请填写日期。", "invalid": "日期格式应为 2026-12-01。"}
MONEY_HELP = "单位：元，最多两位小数"


def _may_manage(request) -> bool:
    return request.user.has_perm("events.manage", request.center)


def _need_manage(request) -> None:
    if not _may_manage(request):
        raise PermissionDenied(f"您在{request.center.name}没有“{PERMISSIONS['events.manage']}”的权限。")


# --- Forms ---------------------------------------------------------------------------------------------

class EventForm(forms.Form):
    name = forms.CharField(label="活动名称", max_length=100, error_messages={"required": "请填写活动名称。",
                                                                       "max_length": "活动名称最多 100 个字。"})
    kind = forms.ChoiceField(label="类型", choices=Event.Kind.choices, error_messages={"invalid_choice": "请选择活动类型。"})
    starts_on = forms.DateField(label="开始日期", widget=forms.DateInput(attrs=DATE, format="%Y-%m-%d"),
                                error_messages={**DATE_ERRORS, "required": "请填写开始日期。"})
    ends_on = forms.DateField(label="结束日期", widget=forms.DateInput(attrs=DATE, format="%Y-%m-%d"),
                              error_messages={**DATE_ERRORS, "required": "请填写结束日期。"})
    venue = forms.CharField(label="地点", max_length=100, required=False, error_messages={"max_length": "地点最多 100 个字。"})
    client = forms.TypedChoiceField(label="客户或合作方", required=False, coerce=int, empty_value=None,
                                    help_text="从客户登记中选择（广告经营的客户库，由业务员维护）",
                                    error_messages={"invalid_choice": "请选择本中心登记的客户。"})
    manager = forms.TypedChoiceField(label="负责人", coerce=int, error_messages={"invalid_choice": "请选择负责人。",
                                                                              "required": "请选择负责人。"})
    status = forms.ChoiceField(label="状态", choices=Event.Status.choices, error_messages={"invalid_choice": "请选择状态。"})
    description = forms.CharField(label="活动说明", required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 4}),
                                  error_messages={"max_length": "活动说明最多 5000 个字。"})
    def __init__(self, *args, center=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.center = center
        self.fields["client"].choices = [("", "（无）")] + [(c.pk, c.name) for c in selectors.clients(center)]
        self.fields["manager"].choices = [("", "请选择")] + [(u.pk, str(u)) for u in services.may_own_tasks(center)]

    def to_data(self) -> services.EventData:
        d = self.cleaned_data
        manager = services.may_own_tasks(self.center).filter(pk=d["manager"]).first() if d["manager"] else None
        client = selectors.client_of(self.center, d["client"]) if d.get("client") else None
        return services.EventData(name=d["name"], kind=d["kind"], starts_on=d["starts_on"], ends_on=d["ends_on"],
                                  venue=d["venue"], client=client, manager=manager, status=d["status"],
                                  description=d["description"])

    @staticmethod
    def initial_of(event: Event) -> dict:
        return {"name": event.name, "kind": event.kind, "starts_on": event.starts_on, "ends_on": event.ends_on,
                "venue": event.venue, "client": event.client_id, "manager": event.manager_id, "status": event.status,
                "description": event.description}


class LineForm(forms.Form):
    direction = forms.ChoiceField(label="收支", choices=BudgetLine.Direction.choices,
                                  error_messages={"invalid_choice": "请选择支出或收入。"})
    name = forms.CharField(label="预算项目", max_length=60, help_text="如：舞台搭建、演员劳务、冠名赞助、门票",
                           error_messages={"required": "请填写预算项目。", "max_length": "预算项目最多 60 个字。"})
    planned = forms.CharField(label="预算金额", max_length=20, help_text=MONEY_HELP,
                              error_messages={"required": "请填写预算金额。", "max_length": "金额太长。"})
    note = forms.CharField(label="说明", max_length=200, required=False, error_messages={"max_length": "说明最多 200 个字。"})

    prefix = "line"


class EntryForm(forms.Form):
    line = forms.TypedChoiceField(label="预算项目", coerce=int, error_messages={"invalid_choice": "请选择预算项目。",
                                                                            "required": "请选择预算项目。"})
    date = forms.DateField(label="日期", widget=forms.DateInput(attrs=DATE, format="%Y-%m-%d"), error_messages=DATE_ERRORS)
    party = forms.CharField(label="收款方/付款方", max_length=100,
                            error_messages={"required": "请填写收款方或付款方。", "max_length": "最多 100 个字。"})
    amount = forms.CharField(label="金额", max_length=20, help_text=MONEY_HELP,
                             error_messages={"required": "请填写金额。", "max_length": "金额太长。"})
    note = forms.CharField(label="备注", max_length=200, required=False, error_messages={"max_length": "备注最多 200 个字。"})
    attachment = forms.FileField(label="票据（选填）", required=False, help_text="发票、收据的扫描件或照片：PDF、JPG、PNG 等，不超过 20 MB")

    prefix = "entry"

    def __init__(self, *args, lines=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["line"].choices = [("", "请选择")] + [
            (line.pk, f"{line.get_direction_display()} · {line.name}") for line in lines]


class RaiseForm(forms.Form):
    line = forms.TypedChoiceField(label="预算项目", coerce=int, error_messages={"invalid_choice": "请选择预算项目。",
                                                                            "required": "请选择预算项目。"})
    planned = forms.CharField(label="新预算金额", max_length=20, help_text=MONEY_HELP,
                              error_messages={"required": "请填写新预算金额。", "max_length": "金额太长。"})
    reason = forms.CharField(label="调整原因", max_length=200, help_text="会记录在预算调整记录和审计日志里",
                             error_messages={"required": "请写明调整原因。", "max_length": "调整原因最多 200 个字。"})

    prefix = "raise"

    def __init__(self, *args, lines=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["line"].choices = [("", "请选择")] + [
            (line.pk, f"{line.get_direction_display()} · {line.name}（现 {line.planned:,.2f} 元）") for line in lines]


class TaskForm(forms.Form):
    title = forms.CharField(label="任务", max_length=100, error_messages={"required": "请填写任务。",
                                                                      "max_length": "任务最多 100 个字。"})
    owner = forms.TypedChoiceField(label="负责人", coerce=int, error_messages={"invalid_choice": "请选择负责人。",
                                                                            "required": "请选择负责人。"})
    due_on = forms.DateField(label="完成期限", widget=forms.DateInput(attrs=DATE, format="%Y-%m-%d"),
                             error_messages={**DATE_ERRORS, "required": "请填写完成期限。"})
    note = forms.CharField(label="说明", max_length=300, required=False, error_messages={"max_length": "说明最多 300 个字。"})

    def __init__(self, *args, center=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.center = center
        self.fields["owner"].choices = [("", "请选择")] + [(u.pk, str(u)) for u in services.may_own_tasks(center)]


class DocumentForm(forms.Form):
    kind = forms.ChoiceField(label="类别", choices=Document.Kind.choices, error_messages={"invalid_choice": "请选择文件类别。"})
    title = forms.CharField(label="文件名称", max_length=100, required=False, help_text="不填则用原文件名",
                            error_messages={"max_length": "文件名称最多 100 个字。"})
    file = forms.FileField(label="文件", help_text="PDF、Word、Excel、PPT、WPS、图片、ZIP 或文本，不超过 20 MB",
                           error_messages={"required": "请选择要上传的文件。", "empty": "上传的文件是空的。"})


# --- Lists ---------------------------------------------------------------------------------------------

def _year(request) -> int:
    value = parse_id(request.GET.get("year", ""))
    return value if value and 2000 <= value <= 2100 else timezone.localdate().year


@require_perm("events.view")
def event_list(request):
    raw_year = request.GET.get("year", "")
    year = None if raw_year == "all" else _year(request)
    kind = request.GET.get("kind", "")
    kind = kind if kind in Event.Kind.values else ""
    status = request.GET.get("status", "")
    status = status if status in Event.Status.values else ""
    q = request.GET.get("q", "").strip()[:50]
    qs = selectors.events(request.center, year=year, kind=kind, status=status, q=q)
    page = Paginator(qs, 30).get_page(request.GET.get("page"))
    query = urlencode({k: v for k, v in {"year": raw_year if raw_year == "all" else year or "", "kind": kind,
                                          "status": status, "q": q}.items() if v})
    return render(request, "events/list.html", {
        "page": page, "events": page.object_list, "query": query, "may_manage": _may_manage(request),
        "filters": {"year": "all" if year is None else year, "kind": kind, "status": status, "q": q},
        "years": selectors.years(request.center), "kinds": Event.Kind.choices, "statuses": Event.Status.choices,
    })


@require_perm("events.view")
def calendar(request):
    year = _year(request)
    return render(request, "events/calendar.html", {
        "year": year, "months": selectors.year_calendar(request.center, year), "today": timezone.localdate(),
        "previous": year - 1, "following": year + 1,
    })


def _event_form_page(request, event: Event | None):
    initial = EventForm.initial_of(event) if event else {"manager": request.user.pk, "status": Event.Status.PLANNING}
    form = EventForm(request.POST or None, center=request.center, initial=initial)
    version = (parse_id(request.POST.get("version", "")) or None) if request.method == "POST" else None
    version = version if version is None or version < 2**31 else None
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                if event is None:
                    saved = services.create_event(center=request.center, user=request.user, data=form.to_data())
                    messages.success(request, f"已创建活动“{saved.name}”。下一步：编制预算、分派任务。")
                else:
                    saved = services.update_event(event=event, user=request.user, data=form.to_data(),
                                                  expected_version=version)
                    messages.success(request, f"已保存活动“{saved.name}”。")
            except services.Stale as exc:
                form.add_error(None, exc.messages)
                status = 409
            except ValidationError as exc:
                apply_errors(form, exc)
                status = 400
            else:
                return redirect("events:event", pk=saved.pk)
        else:
            status = 400
    return render(request, "events/event_form.html", {"form": form, "event": event,
                                                      "version": version or (event.version if event else "")},
                  status=status)


@require_perm("events.manage")
def event_new(request):
    return _event_form_page(request, None)


@require_perm("events.manage")
def event_edit(request, pk: int):
    return _event_form_page(request, _event(request, pk))


# --- The event and its tabs ------------------------------------------------------------------------------

def _event(request, pk: int) -> Event:
    return get_scoped_or_404(Event.objects.select_related("client", "manager", "plan", "created_by"), request.center, pk=pk)


def _tab(request, event: Event, tab: str, template: str, context: dict, status: int = 200):
    return render(request, template, {"event": event, "tab": tab, "may_manage": _may_manage(request), **context},
                  status=status)


@require_perm("events.view")
def event_detail(request, pk: int):
    event = _event(request, pk)
    today = timezone.localdate()
    open_tasks = selectors.tasks(event).filter(status__in=selectors.OPEN_TASK)
    return _tab(request, event, "overview", "events/event.html", {
        "budget": selectors.budget(event), "open_tasks": list(open_tasks[:6]), "open_count": open_tasks.count(),
        "overdue_count": open_tasks.filter(due_on__lt=today).count(), "document_count": selectors.documents(event).count(),
        "coverage": selectors.coverage(event), "today": today,
    })


def _budget_context(event: Event, *, line_form=None, entry_form=None, raise_form=None) -> dict:
    data = selectors.budget(event)
    lines = data.expenses + data.incomes
    return {"budget": data, "line_form": line_form or LineForm(),
            "entry_form": entry_form or EntryForm(lines=lines, initial={"date": timezone.localdate()}),
            "raise_form": raise_form or RaiseForm(lines=lines),
            "entries": list(selectors.entries(event)[:200]), "changes": list(selectors.changes(event)[:50])}


@require_perm("events.view")
def budget(request, pk: int):
    event = _event(request, pk)
    if request.method != "POST":
        return _tab(request, event, "budget", "events/budget.html", _budget_context(event))
    _need_manage(request)
    action = request.POST.get("action", "")
    lines = list(selectors.budget(event).expenses + selectors.budget(event).incomes)
    forms_in = {}
    try:
        if action == "line":
            form = forms_in["line_form"] = LineForm(request.POST)
            if form.is_valid():
                d = form.cleaned_data
                line = services.add_line(event=event, user=request.user, direction=d["direction"], name=d["name"],
                                         planned=d["planned"], note=d["note"])
                messages.success(request, f"已添加{line.get_direction_display()}项目“{line.name}”，预算 {line.planned:,.2f} 元。")
                return redirect("events:budget", pk=event.pk)
        elif action == "entry":
            form = forms_in["entry_form"] = EntryForm(request.POST, request.FILES, lines=lines)
            if form.is_valid():
                d = form.cleaned_data
                line = get_scoped_or_404(BudgetLine, request.center, pk=d["line"], event=event)
                entry = services.add_entry(line=line, user=request.user, date=d["date"], party=d["party"],
                                           amount=d["amount"], note=d["note"], attachment=d.get("attachment"))
                messages.success(request, f"已登记{line.get_direction_display()} {entry.amount:,.2f} 元（{line.name}）。")
                return redirect("events:budget", pk=event.pk)
        elif action == "raise":
            form = forms_in["raise_form"] = RaiseForm(request.POST, lines=lines)
            if form.is_valid():
                d = form.cleaned_data
                line = get_scoped_or_404(BudgetLine, request.center, pk=d["line"], event=event)
                change = services.change_budget(line=line, user=request.user, planned=d["planned"], reason=d["reason"])
                messages.success(request, f"预算项目“{line.name}”的预算已由 {change.old_amount:,.2f} 元调整为 "
                                          f"{change.new_amount:,.2f} 元。")
                return redirect("events:budget", pk=event.pk)
        elif action == "delete_entry":
            entry = get_scoped_or_404(Entry, request.center, pk=parse_id(request.POST.get("entry", "")) or 0,
                                      line__event=event)
            services.delete_entry(entry=entry, user=request.user, reason=request.POST.get("reason", ""))
            messages.success(request, f"已撤销 {entry.amount:,.2f} 元的记录（{entry.party}）。")
            return redirect("events:budget", pk=event.pk)
        else:
            messages.error(request, "未知的操作。")
            return redirect("events:budget", pk=event.pk)
    except ValidationError as exc:
        if forms_in:
            apply_errors(next(iter(forms_in.values())), exc)
        else:
            messages.error(request, "；".join(exc.messages))
            return redirect("events:budget", pk=event.pk)
    return _tab(request, event, "budget", "events/budget.html", _budget_context(event, **forms_in), status=400)


@require_perm("events.view")
def budget_xlsx(request, pk: int):
    event = _event(request, pk)
    data = exports.budget_workbook(event)
    response = HttpResponse(data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="event-{event.pk}-budget.xlsx"'
    return response


@require_perm("events.view")
def tasks(request, pk: int):
    event = _event(request, pk)
    form = TaskForm(request.POST or None, center=request.center)
    status_code = 200
    if request.method == "POST":
        _need_manage(request)
        if form.is_valid():
            d = form.cleaned_data
            owner = services.may_own_tasks(request.center).filter(pk=d["owner"]).first()
            try:
                task = services.add_task(event=event, user=request.user, title=d["title"], owner=owner,
                                         due_on=d["due_on"], note=d["note"])
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, f"已分派任务“{task.title}”给{task.owner}，{task.due_on:%m月%d日}前完成。")
                return redirect("events:tasks", pk=event.pk)
        status_code = 400
    state = request.GET.get("status", "")
    state = state if state in Task.Status.values or state == "overdue" else ""
    owner_id = parse_id(request.GET.get("owner", "")) or None
    rows = selectors.tasks(event, status=state, owner_id=owner_id)
    return _tab(request, event, "tasks", "events/tasks.html", {
        "form": form, "tasks": list(rows[:300]), "today": timezone.localdate(), "statuses": Task.Status.choices,
        "owners": services.may_own_tasks(request.center), "filters": {"status": state, "owner": owner_id},
    }, status=status_code)


@require_POST
@require_perm("events.view")
def task_status(request, pk: int):
    task = get_scoped_or_404(Task.objects.select_related("event"), request.center, pk=pk)
    version = parse_id(request.POST.get("version", ""))
    try:
        services.set_task_status(task=task, user=request.user, status=request.POST.get("status", ""),
                                 expected_version=version)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, f"任务“{task.title}”：{task.get_status_display()}。")
    return redirect("events:tasks", pk=task.event_id)


@require_perm("events.view")
def documents(request, pk: int):
    event = _event(request, pk)
    form = DocumentForm(request.POST or None, request.FILES or None)
    status_code = 200
    if request.method == "POST":
        _need_manage(request)
        if request.POST.get("action") == "delete":
            doc = get_scoped_or_404(Document, request.center, pk=parse_id(request.POST.get("document", "")) or 0, event=event)
            try:
                services.delete_document(document=doc, user=request.user)
            except ValidationError as exc:
                messages.error(request, "；".join(exc.messages))
            else:
                messages.success(request, f"已删除文件“{doc.title}”。")
            return redirect("events:documents", pk=event.pk)
        if form.is_valid():
            d = form.cleaned_data
            try:
                doc = services.upload_document(event=event, user=request.user, kind=d["kind"], title=d["title"],
                                               upload=d["file"])
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, f"已上传“{doc.title}”。")
                return redirect("events:documents", pk=event.pk)
        status_code = 400
    kind = request.GET.get("kind", "")
    kind = kind if kind in Document.Kind.values else ""
    return _tab(request, event, "documents", "events/documents.html", {
        "form": form, "documents": list(selectors.documents(event, kind=kind)[:200]), "kinds": Document.Kind.choices,
        "kind": kind,
    }, status=status_code)


@require_perm("events.view")
def coverage(request, pk: int):
    event = _event(request, pk)
    status_code = 200
    if request.method == "POST":
        _need_manage(request)
        action = request.POST.get("action", "")
        try:
            if action == "create":
                event = services.create_plan(event=event, user=request.user, title=request.POST.get("title", ""))
                messages.success(request, f"已在策划中新建“{event.plan.title}”并关联到本活动。")
            elif action == "link":
                plan = selectors.plan_of(request.center, parse_id(request.POST.get("plan", "")) or 0)
                event = services.link_plan(event=event, user=request.user, plan=plan)
                messages.success(request, f"已关联报道策划“{event.plan.title}”。")
            elif action == "unlink":
                services.unlink_plan(event=event, user=request.user)
                messages.success(request, "已取消关联报道策划（策划本身保留在策划中）。")
            else:
                messages.error(request, "未知的操作。")
            return redirect("events:coverage", pk=event.pk)
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
            status_code = 400
            event = _event(request, pk)
    return _tab(request, event, "coverage", "events/coverage.html", {
        "coverage": selectors.coverage(event), "plans": selectors.plan_choices(request.center),
        "may_open_planning": request.user.has_perm("planning.view_board", request.center),
    }, status=status_code)
