"""Forms of the alert screens: they turn posted strings into values; the rules about what a
rule or robot may be live in `services` (also used by the API), whose Chinese messages the
views put back on the fields."""

from __future__ import annotations

from django import forms

from rongmei.core.tenancy import scoped
from rongmei.monitor.models import AlertRule, RobotHook, Source, Topic


class RuleForm(forms.Form):
    name = forms.CharField(label="规则名称", max_length=50)
    kind = forms.ChoiceField(label="类型", choices=AlertRule.Kind.choices,
                             error_messages={"invalid_choice": "请选择规则类型。"})
    topics = forms.ModelMultipleChoiceField(label="适用方案", queryset=Topic.objects.none(), required=False,
                                            widget=forms.CheckboxSelectMultiple,
                                            help_text="不选则适用于全部重点关注方案")
    threshold = forms.FloatField(label="负面倾向分阈值", initial=-0.3, min_value=-1, max_value=1,
                                 help_text="负面信息：倾向分不高于此值才预警（-1 最负面，0 中性）")
    factor = forms.FloatField(label="突增倍数", initial=3.0, min_value=1, max_value=100,
                              help_text="信息量突增：统计窗口内条数超过过去 7 天同长时段平均值的倍数")
    min_items = forms.IntegerField(label="最少条数", initial=5, min_value=1, max_value=10000)
    window_minutes = forms.IntegerField(label="统计窗口（分钟）", initial=60, min_value=5, max_value=1440)
    min_level = forms.TypedChoiceField(label="最低来源级别", choices=Source.Level.choices, coerce=int,
                                       initial=Source.Level.PROVINCIAL, help_text="高级别来源：来自此级别及以上来源的报道")
    notify_in_app = forms.BooleanField(label="站内通知处置人员", required=False, initial=True)
    emails = forms.CharField(label="邮件接收人", required=False, widget=forms.Textarea(attrs={"rows": 3}),
                             help_text="每行一个邮箱")
    robots = forms.ModelMultipleChoiceField(label="群机器人", queryset=RobotHook.objects.none(), required=False,
                                            widget=forms.CheckboxSelectMultiple)
    fold_hours = forms.IntegerField(label="合并时间（小时）", initial=24, min_value=1, max_value=168,
                                    help_text="同一事件在此时间内再次触发时并入原预警，不重复通知（级别升高时除外）")
    enabled = forms.BooleanField(label="启用", required=False, initial=True)

    def __init__(self, *args, center=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["topics"].queryset = scoped(Topic, center).filter(enabled=True)
        self.fields["robots"].queryset = scoped(RobotHook, center)
        for name in ("threshold", "factor", "min_items", "window_minutes", "fold_hours"):
            self.fields[name].error_messages.update({"invalid": "请填写数字。", "required": "请填写。",
                                                     "min_value": "数值太小。", "max_value": "数值太大。"})
        self.fields["name"].error_messages.update({"required": "请填写规则名称。", "max_length": "名称最多 50 个字。"})
        for name in ("topics", "robots"):
            self.fields[name].error_messages.update({"invalid_choice": "所选项不存在或不属于本中心。",
                                                     "invalid_pk_value": "所选项不存在或不属于本中心。"})

    @staticmethod
    def initial_of(rule: AlertRule) -> dict:
        return {"name": rule.name, "kind": rule.kind, "topics": list(rule.topics.all()), "threshold": rule.threshold,
                "factor": rule.factor, "min_items": rule.min_items, "window_minutes": rule.window_minutes,
                "min_level": rule.min_level, "notify_in_app": rule.notify_in_app, "emails": rule.emails,
                "robots": list(rule.robots.all()), "fold_hours": rule.fold_hours, "enabled": rule.enabled}

    def service_args(self) -> dict:
        data = dict(self.cleaned_data)
        topics, robots = data.pop("topics"), data.pop("robots")
        return {**data, "topic_ids": [t.pk for t in topics], "robot_ids": [r.pk for r in robots]}


class RobotForm(forms.Form):
    name = forms.CharField(label="名称", max_length=50, error_messages={"required": "请填写名称。"})
    kind = forms.ChoiceField(label="类型", choices=RobotHook.Kind.choices, error_messages={"invalid_choice": "请选择类型。"})
    url = forms.CharField(label="Webhook 地址", max_length=500, error_messages={"required": "请填写 Webhook 地址。"},
                          help_text="在群设置 → 群机器人中复制；地址本身也是凭证，保存后只显示首尾几位")
    secret = forms.CharField(label="加签密钥", required=False, max_length=200,
                             widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
                             help_text="钉钉“加签”或飞书“签名校验”的密钥（钉钉以 SEC 开头）；加密保存，不会再显示。"
                                       "修改时留空表示不变")
    clear_secret = forms.BooleanField(label="清除已保存的加签密钥", required=False)
    enabled = forms.BooleanField(label="启用", required=False, initial=True)

    def __init__(self, *args, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:
            # The stored address is not put back into the page (it is a credential): blank keeps it.
            self.fields["url"].required = False
            self.fields["url"].help_text = "留空表示不变；要更换时粘贴完整的新地址"
        else:
            del self.fields["clear_secret"]
