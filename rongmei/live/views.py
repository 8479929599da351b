"""Staff screens of 直播制作, all under /live/: the production list, booking and editing,
one production's page (crew, equipment, run sheet, checklist, status, replay), the year's
statistics with Excel export, the equipment register and the streaming server settings.

Forms only turn posted strings into values; `services` decides what may be written and its
Chinese messages go back on the fields (or, for a clash or a stale page, on top: 409)."""

from __future__ import annotations

import io

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from rongmei.ads import selectors as ads_selectors
from rongmei.core.ids import parse_id
from rongmei.core.models import Department
from rongmei.core.selectors import staff
from rongmei.core.services import record
from rongmei.core.tenancy import get_scoped_or_404, scoped
from rongmei.core.views import apply_errors, require_perm
from rongmei.live import selectors, services
from rongmei.live.models import (
    CheckItem,
    CrewAssignment,
    Equipment,
    EquipmentAssignment,
    Production,
    Segment,
)

PAGE_SIZE = 30
DT_WIDGET = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


def _messages_of(exc: ValidationError) -> list[str]:
    return exc.messages


def _status_of(exc: ValidationError) -> int:
    return getattr(exc, "api_status", 400)


# --- Forms ------------------------------------------------------------------------------------------------

class BookingForm(forms.Form):
    title = forms.CharField(label="直播标题", max_length=100, help_text="网站“直播”页上显示的标题",
                            error_messages={"required": "请填写直播标题。"})
    summary = forms.CharField(label="简介", max_length=300, required=False, widget=forms.Textarea(attrs={"rows": 2}))
    kind = forms.ChoiceField(label="类型", choices=Production.Kind.choices,
                             error_messages={"required": "请选择直播类型。", "invalid_choice": "请选择直播类型。"})
    client = forms.ModelChoiceField(label="客户", queryset=None, required=False,
                                    help_text="企业、社会组织等客户；政府部门预约的选下一项",
                                    error_messages={"invalid_choice": "找不到这个客户。"})
    department = forms.ModelChoiceField(label="政府部门", queryset=Department.objects.none(), required=False,
                                        error_messages={"invalid_choice": "找不到这个政府部门。"})
    place = forms.CharField(label="地点", max_length=200, error_messages={"required": "请填写直播地点。"})
    planned_start = forms.DateTimeField(label="计划开始", widget=DT_WIDGET, help_text="人员和设备从这时起被占用（含架设）",
                                        error_messages={"required": "请填写计划开始时间。",
                                                        "invalid": "时间格式应为 2026-12-08 09:00。"})
    planned_end = forms.DateTimeField(label="计划结束", widget=DT_WIDGET,
                                      error_messages={"required": "请填写计划结束时间。",
                                                      "invalid": "时间格式应为 2026-12-08 11:00。"})
    contact = forms.CharField(label="对方联系人", max_length=100, required=False)
    contact_phone = forms.CharField(label="联系电话", max_length=30, required=False)
    fee = forms.DecimalField(label="费用（元）", required=False, min_value=0, max_digits=12, decimal_places=2,
                             error_messages={"invalid": "费用应为数字，如 3000 或 3000.50。",
                                             "min_value": "费用不能为负数。", "max_digits": "费用太大。",
                                             "max_decimal_places": "费用最多两位小数。"})
    note = forms.CharField(label="备注", max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, center, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["client"].queryset = ads_selectors.active_clients(center)
        self.fields["department"].queryset = scoped(Department, center).filter(is_active=True)

    def to_data(self) -> services.BookingData:
        d = self.cleaned_data
        return services.BookingData(
            title=d["title"], summary=d["summary"], kind=d["kind"], place=d["place"],
            planned_start=d["planned_start"], planned_end=d["planned_end"],
            client_id=d["client"].pk if d.get("client") else None,
            department_id=d["department"].pk if d.get("department") else None,
            contact=d["contact"], contact_phone=d["contact_phone"], fee=d["fee"], note=d["note"])

    @staticmethod
    def initial_of(p: Production) -> dict:
        return {"title": p.stream.title, "summary": p.stream.summary, "kind": p.kind, "client": p.client_id,
                "department": p.department_id, "place": p.place, "planned_start": p.planned_start,
                "planned_end": p.planned_end, "contact": p.contact, "contact_phone": p.contact_phone, "fee": p.fee,
                "note": p.note}


class EquipmentForm(forms.Form):
    kind = forms.ChoiceField(label="类型", choices=Equipment.Kind.choices,
                             error_messages={"required": "请选择设备类型。", "invalid_choice": "请选择设备类型。"})
    name = forms.CharField(label="名称型号", max_length=100, error_messages={"required": "请填写名称型号。"})
    asset_number = forms.CharField(label="资产编号", max_length=40, error_messages={"required": "请填写资产编号。"})
    note = forms.CharField(label="备注", max_length=200, required=False)
    is_active = forms.BooleanField(label="可用（停用的设备不能再安排）", required=False, initial=True)


class SettingsForm(forms.Form):
    push_base = forms.CharField(label="RTMP 推流地址", max_length=300, required=False,
                                help_text="如 rtmp://live.example.gov.cn/live；推流地址为 前缀/流名?key=推流密钥")
    pull_base = forms.CharField(label="HLS 拉流地址", max_length=300, required=False,
                                help_text="如 https://live.example.gov.cn/hls；播放地址为 前缀/流名.m3u8，网站直播页用它播放")
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1, max_value=2**31 - 1)


# --- List, booking, editing ----------------------------------------------------------------------------------

def _year(value: str) -> int | None:
    try:
        year = int(value)
    except (TypeError, ValueError):
        return None
    return year if 2000 <= year <= 2100 else None


@require_perm("live.view")
def production_list(request):
    center = request.center
    status = request.GET.get("status", "")
    status = status if status in Production.Status.values or status == "upcoming" else ""
    kind = request.GET.get("kind", "")
    kind = kind if kind in Production.Kind.values else ""
    year = _year(request.GET.get("year", ""))
    q = request.GET.get("q", "").strip()[:50]
    qs = selectors.filtered(center, status=status, kind=kind, year=year, q=q)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    this_year = selectors.today(center).year
    return render(request, "live/list.html", {
        "page": page, "filters": {"status": status, "kind": kind, "year": year or "", "q": q},
        "statuses": [("upcoming", "待播与直播中")] + list(Production.Status.choices), "kinds": Production.Kind.choices,
        "years": list(range(this_year + 1, this_year - 5, -1)), "query": _query(status=status, kind=kind, year=year or "", q=q),
        "can_produce": request.user.has_perm("live.produce", center),
        "can_manage": request.user.has_perm("live.manage", center),
        "configured": bool((s := services.settings_of(center)) and s.pull_base),
    })


def _query(**values) -> str:
    from urllib.parse import urlencode

    return urlencode({k: v for k, v in values.items() if v})


@require_perm("live.produce")
def production_new(request):
    form = BookingForm(request.POST or None, center=request.center)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                production = services.book(center=request.center, user=request.user, data=form.to_data())
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, f"已登记直播预约《{production.stream.title}》，已加入网站直播预告。"
                                          "下一步：安排人员和设备，完成串词单与播前检查。")
                return redirect("live:detail", production.pk)
        status = 400
    return render(request, "live/booking_form.html", {"form": form, "production": None}, status=status)


@require_perm("live.produce")
def production_edit(request, pk: int):
    production = get_scoped_or_404(selectors.productions(request.center), request.center, pk=pk)
    form = BookingForm(request.POST or None, center=request.center,
                       initial=None if request.method == "POST" else BookingForm.initial_of(production))
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.update_booking(production, user=request.user, data=form.to_data(),
                                        expected_version=parse_id(request.POST.get("version")))
            except ValidationError as exc:
                apply_errors(form, exc)
                status = _status_of(exc)
            else:
                messages.success(request, "已保存直播预约，网站直播页已更新。")
                return redirect("live:detail", production.pk)
        else:
            status = 400
    return render(request, "live/booking_form.html", {"form": form, "production": production}, status=status)


def _may_view(request, production: Production) -> bool:
    if request.user.has_perm("live.view", request.center):
        return True
    return production.crew.filter(person=request.user).exists()


def detail(request, pk: int, *, errors: dict | None = None, status: int = 200):
    if not request.user.is_authenticated:
        from django.contrib.auth.views import redirect_to_login

        return redirect_to_login(request.get_full_path())
    if request.center is None:
        raise PermissionDenied("您还没有在任何融媒体中心担任角色，请联系中心管理员。")
    production = get_scoped_or_404(selectors.productions(request.center), request.center, pk=pk)
    if not _may_view(request, production):
        raise PermissionDenied(f"您在{request.center.name}没有“查看直播预约、排期与年度统计”的权限。")
    center = request.center
    can_produce = request.user.has_perm("live.produce", center)
    conf = services.settings_of(center)
    from rongmei.newsroom.selectors import readable_assets

    assigned_people = production.crew.values_list("person_id", flat=True)
    assigned_equipment = production.equipment.values_list("equipment_id", flat=True)
    checks = list(production.checks.select_related("ticked_by"))
    context = {
        "p": production, "stream": production.stream, "can_produce": can_produce,
        "open_for_changes": production.status in (Production.Status.SCHEDULED, Production.Status.LIVE),
        "crew": list(production.crew.select_related("person")), "equipment": list(production.equipment.select_related("equipment")),
        "segments": list(production.segments.all()), "checks": checks,
        "missing": [c for c in checks if c.required and c.ticked_at is None],
        "people": staff(center).exclude(pk__in=assigned_people) if can_produce else [],
        "roles": CrewAssignment.Role.choices,
        "free_equipment": (scoped(Equipment, center).filter(is_active=True).exclude(pk__in=assigned_equipment)
                           if can_produce else []),
        "videos": (readable_assets(center, request.user).filter(kind="video").order_by("-created_at")[:50]
                   if can_produce and production.status in (Production.Status.ENDED, Production.Status.REPLAY) else []),
        "push_url": services.push_url(production, conf) if can_produce else "",
        "pull_url": services.pull_url(production, conf),
        "errors": errors or {}, "public_url": center.site_url("/live/"),
        # a crew member without live.view came from their 工作台: the back-link goes there, not to a 403
        "can_view_list": request.user.has_perm("live.view", center),
    }
    return render(request, "live/detail.html", context, status=status)


def production_detail(request, pk: int):
    return detail(request, pk)


def _act(request, pk: int, action, success: str, anchor: str = ""):
    """Run one write from the production page; a refusal shows the page again with the message."""
    production = get_scoped_or_404(Production.objects.select_related("stream", "center"), request.center, pk=pk)
    try:
        action(production)
    except ValidationError as exc:
        key = anchor or "general"
        return detail(request, pk, errors={key: _messages_of(exc)}, status=_status_of(exc))
    messages.success(request, success)
    return redirect(reverse("live:detail", args=[pk]) + (f"#{anchor}" if anchor else ""))


@require_POST
@require_perm("live.produce")
def crew_add(request, pk: int):
    def action(p):
        services.assign_crew(p, user=request.user, person_id=parse_id(request.POST.get("person")),
                             role=request.POST.get("role", ""))

    return _act(request, pk, action, "已安排人员，本人会收到通知。", "crew")


@require_POST
@require_perm("live.produce")
def crew_remove(request, pk: int, crew_id: int):
    crew = get_scoped_or_404(CrewAssignment.objects.select_related("person"), request.center, pk=crew_id,
                             production_id=pk)
    return _act(request, pk, lambda p: services.remove_crew(crew, user=request.user), "已撤下该人员。", "crew")


@require_POST
@require_perm("live.produce")
def equipment_add(request, pk: int):
    def action(p):
        services.assign_equipment(p, user=request.user, equipment_id=parse_id(request.POST.get("equipment")))

    return _act(request, pk, action, "已安排设备。", "equipment")


@require_POST
@require_perm("live.produce")
def equipment_remove(request, pk: int, item_id: int):
    item = get_scoped_or_404(EquipmentAssignment.objects.select_related("equipment"), request.center, pk=item_id,
                             production_id=pk)
    return _act(request, pk, lambda p: services.remove_equipment(item, user=request.user), "已撤下该设备。",
                "equipment")


@require_POST
@require_perm("live.produce")
def segment_add(request, pk: int):
    def action(p):
        services.add_segment(p, user=request.user, offset_minutes=request.POST.get("offset_minutes"),
                             length_minutes=request.POST.get("length_minutes"),
                             content=request.POST.get("content", ""), who=request.POST.get("who", ""))

    return _act(request, pk, action, "已添加串词单环节。", "segments")


@require_POST
@require_perm("live.produce")
def segment_remove(request, pk: int, segment_id: int):
    segment = get_scoped_or_404(Segment, request.center, pk=segment_id, production_id=pk)
    return _act(request, pk, lambda p: services.remove_segment(segment, user=request.user), "已删除该环节。",
                "segments")


@require_POST
@require_perm("live.produce")
def check_tick(request, pk: int, item_id: int):
    item = get_scoped_or_404(CheckItem, request.center, pk=item_id, production_id=pk)
    done = request.POST.get("done", "1") == "1"
    return _act(request, pk, lambda p: services.tick(item, user=request.user, done=done),
                f"{'已完成' if done else '已撤销'}：{item.label}", "checks")


@require_POST
@require_perm("live.produce")
def check_add(request, pk: int):
    def action(p):
        services.add_check(p, user=request.user, label=request.POST.get("label", ""),
                           required=request.POST.get("required") == "1")

    return _act(request, pk, action, "已添加检查项。", "checks")


TRANSITIONS = {
    "start": (services.start, "已开播：网站直播页已显示“正在直播”。"),
    "end": (services.end, "直播已结束，可以发布回放。"),
}


@require_POST
@require_perm("live.produce")
def transition(request, pk: int, action: str):
    if action == "cancel":
        return _act(request, pk, lambda p: services.cancel(p, user=request.user, reason=request.POST.get("reason", ""),
                                                           expected_version=parse_id(request.POST.get("version"))),
                    "已取消这场直播，网站上不再显示。", "status")
    if action == "reset-key":
        return _act(request, pk, lambda p: services.reset_key(p, user=request.user), "已重置推流密钥。", "stream")
    if action not in TRANSITIONS:
        from django.http import Http404

        raise Http404("没有这个操作。")
    run, success = TRANSITIONS[action]
    return _act(request, pk, lambda p: run(p, user=request.user, expected_version=parse_id(request.POST.get("version"))),
                success, "status")


@require_POST
@require_perm("live.produce")
def replay(request, pk: int):
    def action(p):
        services.publish_replay(p, user=request.user, url=request.POST.get("url", ""),
                                asset_id=parse_id(request.POST.get("asset")),
                                expected_version=parse_id(request.POST.get("version")))

    return _act(request, pk, action, "已发布回放：网站直播页的“往期回顾”可以观看。", "replay")


# --- Statistics ---------------------------------------------------------------------------------------------

@require_perm("live.view")
def stats(request):
    center = request.center
    year = _year(request.GET.get("year", "")) or selectors.today(center).year
    return render(request, "live/stats.html", {"s": selectors.year_stats(center, year), "year": year,
                                               "previous": year - 1, "following": year + 1})


@require_perm("live.view")
def stats_xlsx(request, year: int):
    from openpyxl import Workbook

    from rongmei.core.exports import safe_workbook, xlsx_cell

    center = request.center
    if not 2000 <= year <= 2100:
        from django.http import Http404

        raise Http404("年份应在 2000 到 2100 之间。")
    s = selectors.year_stats(center, year)
    book = Workbook()
    sheet = book.active
    sheet.title = "按类型"
    sheet.append([f"{center.name} {year} 年直播统计（不含取消的 {s.cancelled} 场）"])
    sheet.append(["类型", "场次"])
    for label, n in s.by_kind:
        sheet.append([label, n])
    sheet.append(["合计", s.total])
    clients = book.create_sheet("按客户")
    clients.append(["客户/部门", "类别", "场次"])
    for name, kind, n in s.by_client:
        clients.append([xlsx_cell(name), kind, n])
    months = book.create_sheet("按月份")
    months.append(["月份", "场次"])
    for m, n in s.by_month:
        months.append([f"{m}月", n])
    rows = book.create_sheet("明细")
    rows.append(["计划开始", "标题", "类型", "客户/部门", "地点", "状态", "费用（元）"])
    for p in selectors.filtered(center, year=year).order_by("planned_start"):
        start = p.planned_start.astimezone(selectors.zone(center)).replace(tzinfo=None)
        rows.append([start, xlsx_cell(p.stream.title), p.get_kind_display(), xlsx_cell(p.booked_for),
                     xlsx_cell(p.place), p.get_status_display(), float(p.fee) if p.fee is not None else None])
    for column in ("A", "B", "D", "E"):
        rows.column_dimensions[column].width = 24
    buffer = io.BytesIO()
    safe_workbook(book).save(buffer)
    record("live.stats_export", actor=request.user, center=center, obj=None, after={"year": year})
    response = HttpResponse(buffer.getvalue(),
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f"attachment; filename=live-{year}.xlsx"
    return response


# --- Equipment and settings ----------------------------------------------------------------------------------

@require_perm("live.manage")
def equipment_list(request):
    center = request.center
    kind = request.GET.get("kind", "")
    kind = kind if kind in Equipment.Kind.values else ""
    qs = scoped(Equipment, center)
    if kind:
        qs = qs.filter(kind=kind)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    form = EquipmentForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                item = services.save_equipment(center=center, user=request.user,
                                               data=services.EquipmentData(**form.cleaned_data))
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, f"已登记设备：{item}。")
                return redirect("live:equipment")
        status = 400
    return render(request, "live/equipment.html", {"page": page, "form": form, "kind": kind,
                                                   "kinds": Equipment.Kind.choices}, status=status)


@require_perm("live.manage")
def equipment_edit(request, pk: int):
    item = get_scoped_or_404(Equipment, request.center, pk=pk)
    initial = {"kind": item.kind, "name": item.name, "asset_number": item.asset_number, "note": item.note,
               "is_active": item.is_active}
    form = EquipmentForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.save_equipment(center=request.center, user=request.user,
                                        data=services.EquipmentData(**form.cleaned_data), equipment=item)
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, f"已保存设备：{item}。")
                return redirect("live:equipment")
        status = 400
    upcoming = (item.assignments.select_related("production__stream")
                .exclude(production__status=Production.Status.CANCELLED)
                .filter(production__planned_end__gte=timezone.now())
                .order_by("production__planned_start")[:20])
    return render(request, "live/equipment_form.html", {"form": form, "item": item, "upcoming": upcoming},
                  status=status)


@require_perm("live.manage")
def stream_settings(request):
    current = services.settings_of(request.center)
    initial = {"push_base": current.push_base, "pull_base": current.pull_base,
               "version": current.version} if current else {}
    form = SettingsForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.save_settings(center=request.center, user=request.user, push_base=form.cleaned_data["push_base"],
                                       pull_base=form.cleaned_data["pull_base"],
                                       expected_version=form.cleaned_data.get("version") if current else None)
            except ValidationError as exc:
                apply_errors(form, exc)
                status = _status_of(exc)
            else:
                messages.success(request, "已保存推拉流设置。新的直播按新地址生成推流与播放地址。")
                return redirect("live:settings")
        else:
            status = 400
    return render(request, "live/settings.html", {"form": form, "current": current}, status=status)
