from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm

from rongmei.core import audit_labels, throttle
from rongmei.core.models import Department, OrgUnit, User
from rongmei.core.permissions import ROLE_CHOICES
from rongmei.core.tenancy import scoped


class LoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": "用户名或密码不正确。连续输错 5 次，该账号在本机将被锁定 15 分钟。",
        "inactive": "该账号已停用，请联系本中心管理员。",
    }

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        self.fields["username"].label = "用户名"
        self.fields["password"].label = "密码"
        self.fields["username"].widget.attrs.update({"autocomplete": "username", "autofocus": True})


class _CenterScopedForm(forms.Form):
    org_unit = forms.ModelChoiceField(queryset=OrgUnit.objects.none(), required=False, label="内设部门")
    department = forms.ModelChoiceField(
        queryset=Department.objects.none(), required=False, label="所属政府部门",
        help_text="仅部门联络员需要填写",
    )
    roles = forms.MultipleChoiceField(
        choices=ROLE_CHOICES, widget=forms.CheckboxSelectMultiple, label="角色",
        error_messages={"required": "请至少选择一个角色。"},
    )

    def __init__(self, *args, center, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org_unit"].queryset = scoped(OrgUnit, center)
        self.fields["department"].queryset = scoped(Department, center)


class PersonCreateForm(_CenterScopedForm):
    username = forms.RegexField(
        regex=r"^[A-Za-z0-9_.-]{3,30}$", label="用户名",
        error_messages={"invalid": "用户名为 3–30 位字母、数字、下划线、点或连字符。"},
    )
    display_name = forms.CharField(max_length=50, label="姓名")
    phone = forms.RegexField(
        regex=r"^1\d{10}$", required=False, label="手机号",
        error_messages={"invalid": "请填写 11 位手机号。"},
    )
    password = forms.CharField(widget=forms.PasswordInput(render_value=False), label="初始密码",
                               help_text="至少 10 位，须同时包含字母和数字，不能是常见密码。")
    field_order = ["username", "display_name", "phone", "password", "roles", "org_unit", "department"]

    def clean_username(self):
        username = self.cleaned_data["username"]
        if User.objects.filter(username__iexact=username).exists():
            # Generic on purpose: the account may be another center's person.
            raise forms.ValidationError("该用户名不可用，请换一个。")
        return username


class RolesForm(_CenterScopedForm):
    roles = forms.MultipleChoiceField(choices=ROLE_CHOICES, widget=forms.CheckboxSelectMultiple, label="角色", required=False)


class DepartmentForm(forms.ModelForm):
    class Meta:
        model = Department
        fields = ["name", "short_name", "responsible_leader", "phone"]

    def __init__(self, *args, center, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.center = center

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        if scoped(Department, self.instance.center).filter(name=name).exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError("本中心已有同名的政府部门。")
        return name


class TokenForm(forms.Form):
    name = forms.CharField(max_length=60, label="用途", help_text="例如：采集 App、机房大屏")


class PasswordChangeForm(forms.Form):
    old_password = forms.CharField(widget=forms.PasswordInput, label="当前密码")
    new_password = forms.CharField(widget=forms.PasswordInput, label="新密码",
                                   help_text="至少 10 位，须同时包含字母和数字，不能是常见密码。")
    new_password2 = forms.CharField(widget=forms.PasswordInput, label="再次输入新密码")

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.throttled = False
        if user.must_change_password:
            self.fields["old_password"].label = "初始密码（管理员告诉您的）"

    def clean_old_password(self):
        if throttle.password_change_throttled(self.user):
            # No check at all while throttled, so guessing on gains nothing.
            self.throttled = True
            raise forms.ValidationError(throttle.PASSWORD_CHANGE_THROTTLED)
        if not self.user.check_password(self.cleaned_data["old_password"]):
            throttle.password_change_failed(self.user)
            raise forms.ValidationError("当前密码不正确。")
        return self.cleaned_data["old_password"]

    def clean(self):
        data = super().clean()
        if data.get("new_password") and data.get("new_password") != data.get("new_password2"):
            self.add_error("new_password2", "两次输入的新密码不一致。")
        elif data.get("new_password") and data.get("new_password") == data.get("old_password"):
            which = "初始密码" if self.user.must_change_password else "当前密码"
            self.add_error("new_password", f"新密码不能与{which}相同，请设一个只有您自己知道的密码。")
        return data


class AuditFilterForm(forms.Form):
    action = forms.ChoiceField(required=False, label="动作", choices=(),
                               error_messages={"invalid_choice": "没有这种动作，请从列表中选择。"})
    actor = forms.CharField(required=False, label="操作人", widget=forms.TextInput(attrs={"placeholder": "姓名或用户名"}))
    object_type = forms.ChoiceField(required=False, label="对象类型", choices=(),
                                    error_messages={"invalid_choice": "没有这种对象类型，请从列表中选择。"})
    date_from = forms.DateField(required=False, label="起始日期", widget=forms.DateInput(attrs={"type": "date"}),
                                error_messages={"invalid": "日期格式应为 2026-01-31。"})
    date_to = forms.DateField(required=False, label="截止日期", widget=forms.DateInput(attrs={"type": "date"}),
                              error_messages={"invalid": "日期格式应为 2026-01-31。"})

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # read when the form is made: every room has registered its names by then
        self.fields["action"].choices = audit_labels.action_choices()
        self.fields["object_type"].choices = audit_labels.object_type_choices()

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", "截止日期不能早于起始日期。")
        return data
