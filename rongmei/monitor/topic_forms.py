"""The forms of 监测方案 and 舆情设置. They turn posted strings into values and keep what was
typed; the rules (names, expressions, limits) live in `topic_services` and `settings_store`,
whose Chinese messages the views put back on the fields."""

from __future__ import annotations

from django import forms

from rongmei.monitor import rules
from rongmei.monitor.models import Settings, Topic


class TopicForm(forms.Form):
    name = forms.CharField(label="方案名称", max_length=50, required=False,
                           widget=forms.TextInput(attrs={"maxlength": 50, "required": True, "placeholder": "如：城区积水内涝"}))
    category = forms.ChoiceField(label="类别", choices=Topic.Category.choices, initial=Topic.Category.OTHER)
    expression = forms.CharField(label="匹配表达式", required=False, max_length=rules.MAX_LENGTH,
                                 widget=forms.Textarea(attrs={"rows": 3, "spellcheck": "false",
                                                              "placeholder": "(奉化 | 宁波) & (积水 | 内涝) & !演练"}))
    watched = forms.BooleanField(label="重点关注（负面信息命中时预警）", required=False, initial=True)
    enabled = forms.BooleanField(label="启用", required=False, initial=True)
    # The analyst's way: the fields below build the expression (生成表达式).
    all_of = forms.CharField(label="全部包含", required=False, max_length=500,
                             widget=forms.TextInput(attrs={"placeholder": "每个词都要出现，如：奉化"}))
    any_of = forms.CharField(label="任一包含", required=False, max_length=1000,
                             widget=forms.TextInput(attrs={"placeholder": "出现其中一个即可，如：积水、内涝、淹水"}))
    none_of = forms.CharField(label="均不包含", required=False, max_length=500,
                              widget=forms.TextInput(attrs={"placeholder": "出现任一个就不算，如：演练、演习"}))
    near_first = forms.CharField(label="相距不超过：词一", required=False, max_length=50)
    near_second = forms.CharField(label="词二", required=False, max_length=50)
    near_distance = forms.IntegerField(label="字数", required=False, min_value=rules.NEAR_MIN, max_value=rules.NEAR_MAX,
                                       error_messages={"min_value": f"字数应在 {rules.NEAR_MIN} 到 {rules.NEAR_MAX} 之间。",
                                                       "max_value": f"字数应在 {rules.NEAR_MIN} 到 {rules.NEAR_MAX} 之间。",
                                                       "invalid": "字数应为整数。"})
    # 试一试
    sample = forms.CharField(label="粘贴一段文字试一试（可不填）", required=False, max_length=20000,
                             widget=forms.Textarea(attrs={"rows": 4}))

    BUILDER = ("all_of", "any_of", "none_of", "near_first", "near_second", "near_distance")

    def has_builder(self) -> bool:
        return any(self.cleaned_data.get(name) not in (None, "") for name in self.BUILDER)

    def built_expression(self) -> str:
        """The expression the 全部 / 任一 / 均不 / 相距 fields make ("" if they are empty).
        Adds a field error when the proximity fields are half filled."""
        data = self.cleaned_data
        near = None
        first, second, distance = (data.get("near_first") or "").strip(), (data.get("near_second") or "").strip(), \
            data.get("near_distance")
        if first or second or distance is not None:
            if not (first and second and distance is not None):
                self.add_error("near_distance", "相距条件要填两个词和字数。")
                return ""
            near = (first, second, distance)
        return rules.build_expression(all_of=rules.split_words(data.get("all_of", "")),
                                      any_of=rules.split_words(data.get("any_of", "")),
                                      none_of=rules.split_words(data.get("none_of", "")), near=near)


class TryForm(forms.Form):
    expression = forms.CharField(label="匹配表达式", required=False, max_length=rules.MAX_LENGTH,
                                 widget=forms.Textarea(attrs={"rows": 3, "spellcheck": "false"}))
    sample = forms.CharField(label="粘贴一段文字（可不填）", required=False, max_length=20000,
                             widget=forms.Textarea(attrs={"rows": 5}))


class SettingsForm(forms.Form):
    """Only shapes the fields; `settings_store.update_settings` checks the values."""

    county_words = forms.CharField(label="本地词典", required=False, widget=forms.Textarea(attrs={"rows": 10}),
                                   help_text=Settings._meta.get_field("county_words").help_text)
    cluster_window_hours = forms.CharField(label="热点聚类窗口（小时，1–720）", required=False,
                                           widget=forms.TextInput(attrs={"inputmode": "numeric"}))
    cluster_threshold = forms.CharField(label="热点聚类相似度（0.05–0.95，越大越严格）", required=False,
                                        widget=forms.TextInput(attrs={"inputmode": "decimal"}))
    report_recipients = forms.CharField(label="报告接收人（每行一个邮箱）", required=False,
                                        widget=forms.Textarea(attrs={"rows": 3}))
    daily_report_hour = forms.CharField(label="日报生成时间（时，0–23）", required=False,
                                        widget=forms.TextInput(attrs={"inputmode": "numeric"}))
    weekly_report_weekday = forms.ChoiceField(label="周报生成日",
                                              choices=[(str(i), f"周{'一二三四五六日'[i - 1]}") for i in range(1, 8)],
                                              error_messages={"invalid_choice": "周报生成日应为周一到周日。"})
    send_reports = forms.BooleanField(label="生成后自动发送给接收人（不经编辑）", required=False)

    FIELDS = ("county_words", "report_recipients", "daily_report_hour", "weekly_report_weekday", "send_reports",
              "cluster_window_hours", "cluster_threshold")

    @classmethod
    def of(cls, settings: Settings) -> SettingsForm:
        return cls(initial={name: getattr(settings, name) for name in cls.FIELDS})
