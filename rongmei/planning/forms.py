from __future__ import annotations

from django import forms

from rongmei.core.models import User
from rongmei.core.tenancy import scoped
from rongmei.newsroom.models import Column
from rongmei.planning.models import Assignment, AssignmentMember, Lead, Plan

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
