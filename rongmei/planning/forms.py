from __future__ import annotations

from django import forms
from django.utils import timezone

from rongmei.core.models import User
from rongmei.core.tenancy import scoped
from rongmei.newsroom.models import Column
from rongmei.planning.models import Assignment, AssignmentMember, DutyShift, Lead, Plan

DATETIME = {"widget": forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
            "input_formats": ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
            "error_messages": {"invalid": "时间格式应为 2026-12-01 09:30。", "required": "请填写时间。"}}
DATE = {"widget": forms.DateInput(attrs={"type": "date"}), "error_messages": {"invalid": "日期格式应为 2026-12-01。"}}


class LeadForm(forms.Form):
    title = forms.CharField(label="标题", max_length=100)
    content = forms.CharField(label="内容", widget=forms.Textarea(attrs={"rows": 4}))
    source = forms.ChoiceField(label="来源", choices=Lead.Source.choices, initial=Lead.Source.STAFF)
    contact = forms.CharField(label="联系方式", max_length=50, required=False, help_text="仅内部可见")


class _CenterForm(forms.Form):
    def __init__(self, *args, center, **kwargs):
        super().__init__(*args, **kwargs)
        self.center = center
        if "column" in self.fields:
            self.fields["column"].queryset = scoped(Column, center).filter(is_active=True)
        if "plan" in self.fields:
            self.fields["plan"].queryset = scoped(Plan, center).filter(status=Plan.Status.ACTIVE)


class TopicForm(_CenterForm):
    title = forms.CharField(label="选题", max_length=100)
    description = forms.CharField(label="内容与角度", required=False, widget=forms.Textarea(attrs={"rows": 4}))
    column = forms.ModelChoiceField(label="栏目", queryset=Column.objects.none(), required=False, empty_label="（不限）")
    plan = forms.ModelChoiceField(label="所属策划", queryset=Plan.objects.none(), required=False, empty_label="（无）")
    planned_for = forms.DateField(label="计划刊播日期", required=False, **DATE)


class PlanForm(_CenterForm):
    title = forms.CharField(label="策划名称", max_length=100)
    description = forms.CharField(label="说明", required=False, widget=forms.Textarea(attrs={"rows": 3}))
    column = forms.ModelChoiceField(label="栏目", queryset=Column.objects.none(), required=False, empty_label="（不限）")
    starts_on = forms.DateField(label="开始日期", required=False, **DATE)
    ends_on = forms.DateField(label="结束日期", required=False, **DATE)


class AssignmentForm(_CenterForm):
    title = forms.CharField(label="任务名称", max_length=100)
    brief = forms.CharField(label="采访要求", required=False, widget=forms.Textarea(attrs={"rows": 3}))
    location = forms.CharField(label="地点", max_length=100, required=False)
    starts_at = forms.DateTimeField(label="采访时间", required=False, **DATETIME)
    deadline = forms.DateTimeField(label="交稿时限", **DATETIME)
    deliverables = forms.MultipleChoiceField(label="交付内容", choices=Assignment.Deliverable.choices,
                                             widget=forms.CheckboxSelectMultiple, initial=["text", "photo"],
                                             error_messages={"required": "请至少选择一项交付内容。"})
    reporters = forms.ModelMultipleChoiceField(label="文字记者", queryset=User.objects.none(), required=False,
                                               widget=forms.CheckboxSelectMultiple, help_text="不选人则为待接单，任何记者都可领取")
    camera = forms.ModelMultipleChoiceField(label="摄影/摄像", queryset=User.objects.none(), required=False,
                                            widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, center, **kwargs):
        super().__init__(*args, center=center, **kwargs)
        staff = User.objects.filter(memberships__center=center, memberships__role__in=["reporter", "editor"],
                                    is_active=True).distinct().order_by("username")
        self.fields["reporters"].queryset = staff
        self.fields["camera"].queryset = staff

    def members(self) -> list[tuple[User, str]]:
        chosen = [(u, AssignmentMember.Role.REPORTER) for u in self.cleaned_data["reporters"]]
        taken = {u.pk for u, _ in chosen}
        chosen += [(u, AssignmentMember.Role.CAMERA) for u in self.cleaned_data["camera"] if u.pk not in taken]
        return chosen


def duty_staff(center):
    """People who can sit a desk: the center's staff (roles that see the board), not
    department liaisons or system accounts."""
    from rongmei.core.permissions import ROLES

    roles = [code for code, role in ROLES.items() if "planning.view_board" in role.permissions]
    return (User.objects.filter(memberships__center=center, memberships__role__in=roles, is_active=True)
            .distinct().order_by("display_name", "username"))


class DutyForm(_CenterForm):
    """排班: put a colleague on a desk on a day."""

    date = forms.DateField(label="日期", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                           error_messages=DATE["error_messages"])
    desk = forms.ChoiceField(label="班次", choices=[("", "请选择")] + list(DutyShift.Desk.choices))
    person = forms.ModelChoiceField(label="值班人", queryset=User.objects.none(), empty_label="请选择",
                                    error_messages={"required": "请选择值班人。", "invalid_choice": "请选择本中心的采编人员。"})

    def __init__(self, *args, center, **kwargs):
        super().__init__(*args, center=center, **kwargs)
        self.fields["person"].queryset = duty_staff(center)
        self.fields["date"].error_messages["required"] = "请选择日期。"
        self.fields["desk"].error_messages["required"] = "请选择日班、夜班或周末班。"


class SwapForm(_CenterForm):
    """换班: whom I ask, optionally which of their shifts I take in return, and why."""

    counterpart = forms.ModelChoiceField(label="请谁换班", queryset=User.objects.none(), empty_label="请选择同事",
                                         error_messages={"required": "请选择换班的同事。",
                                                         "invalid_choice": "请选择本中心的另一位同事。"})
    counterpart_shift = forms.ModelChoiceField(label="对调对方的班次（可不选，即请对方代班）", queryset=DutyShift.objects.none(),
                                               required=False, empty_label="不对调，请对方代班",
                                               error_messages={"invalid_choice": "请选择对方今后的班次。"})
    reason = forms.CharField(label="原因", max_length=200, error_messages={"required": "请写明换班原因。",
                                                                          "max_length": "原因最多 200 个字。"})

    def __init__(self, *args, center, exclude=None, **kwargs):
        super().__init__(*args, center=center, **kwargs)
        staff = duty_staff(center)
        self.fields["counterpart"].queryset = staff.exclude(pk=exclude.pk) if exclude is not None else staff
        upcoming = scoped(DutyShift, center).filter(date__gte=timezone.localdate()).select_related("user")
        if exclude is not None:
            upcoming = upcoming.exclude(user=exclude)
        self.fields["counterpart_shift"].queryset = upcoming
        self.fields["counterpart_shift"].label_from_instance = lambda s: f"{s.date:%m月%d日} {s.get_desk_display()} · {s.user}"
