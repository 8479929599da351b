"""Forms of the notification screens: 通知设置 (a person's events × channels, quiet hours,
their accounts), 消息渠道 (one form per channel kind: only the fields that kind needs) and
the filters of 发送记录. The forms only parse; the rules are in rongmei.core.notify_services,
which the API shares."""

from __future__ import annotations

from django import forms
from django.core.validators import RegexValidator

from rongmei.core import notify_services as ns
from rongmei.core.messaging import events as catalogue
from rongmei.core.models import MessageChannel, MessageDelivery, OrgUnit
from rongmei.core.tenancy import scoped

TIME = {"invalid": "时间格式应为 时:分，如 22:00。"}
DATE = {"invalid": "日期格式应为 2026-01-31。"}


class SettingsForm(forms.Form):
    """One checkbox group per event (`ev_<code>`, the optional channels); the bell column is
    drawn checked and disabled by the template."""

    quiet_from = forms.TimeField(label="免打扰开始", required=False, error_messages=TIME,
                                 widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    quiet_to = forms.TimeField(label="免打扰结束", required=False, error_messages=TIME,
                               widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
                               help_text="北京时间；可跨午夜（如 22:00 到 07:00）。这段时间里非紧急的消息先不发，结束后再发")
    wecom_userid = forms.CharField(label="企业微信账号（userid）", required=False, max_length=64,
                                   error_messages={"max_length": "账号最多 64 位。"},
                                   help_text="企业微信管理后台 → 通讯录 → 成员详情里的“账号”，不是手机号")
    dingtalk_userid = forms.CharField(label="钉钉账号（userid）", required=False, max_length=64,
                                      error_messages={"max_length": "账号最多 64 位。"},
                                      help_text="钉钉管理后台 → 通讯录 → 成员详情里的 userid")
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0)

    def __init__(self, *args, prefs: dict, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(c, catalogue.CHANNEL_LABELS[c]) for c in ns.OPTIONAL_CHANNELS]
        for code, label in catalogue.choices():
            self.fields[f"ev_{code}"] = forms.MultipleChoiceField(
                label=label, choices=choices, required=False, widget=forms.CheckboxSelectMultiple,
                initial=[c for c in prefs[code]["channels"] if c != "bell"],
                error_messages={"invalid_choice": "没有这种渠道：%(value)s。"})

    def event_rows(self, prefs: dict, why: dict):
        """For the table: (code, label, default?, urgent?, [(channel, checked, disabled-reason)])."""
        for code, (label, _defaults, urgent) in catalogue.EVENTS.items():
            field = self[f"ev_{code}"]
            checked = set(field.value() or [])
            yield {"code": code, "label": label, "urgent": urgent, "default": prefs[code]["default"],
                   "name": field.html_name,
                   "cells": [{"channel": c, "checked": c in checked, "why": why.get(c, ""),
                              "id": f"id_ev_{code}_{c}"} for c in ns.OPTIONAL_CHANNELS]}

    def preferences(self) -> dict[str, list[str]]:
        return {code: ["bell", *self.cleaned_data.get(f"ev_{code}", [])] for code in catalogue.EVENTS}


def _secret_field(label: str, help_text: str) -> forms.CharField:
    return forms.CharField(label=label, required=False, max_length=300, help_text=help_text,
                           widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
                           error_messages={"max_length": "密钥最多 300 个字符。"})


# What each kind asks for, with the platform's own words.
KIND_FIELDS = {
    "wecom_app": {"app_id": ("企业ID（corpid）", "企业微信管理后台 → 我的企业 → 企业信息 最下方"),
                  "agent_id": ("AgentId", "应用管理 → 自建应用 → 本应用详情"),
                  "secret": ("Secret（corpsecret）", "同一页面的 Secret，在企业微信中查看")},
    "dingtalk_app": {"app_id": ("AppKey", "钉钉开放平台 → 应用开发 → 本应用 → 凭证与基础信息"),
                     "agent_id": ("AgentId", "同一页面的 AgentId"),
                     "secret": ("AppSecret", "同一页面的 AppSecret")},
    "wecom_robot": {"webhook_url": ("Webhook 地址", "群设置 → 群机器人 → 复制 Webhook 地址（含 key=…）")},
    "dingtalk_robot": {"webhook_url": ("Webhook 地址", "群设置 → 智能群助手 → 自定义机器人（含 access_token=…）"),
                       "secret": ("加签密钥", "安全设置选“加签”时显示的 SEC 开头的密钥")},
    "feishu_robot": {"webhook_url": ("Webhook 地址", "群设置 → 群机器人 → 自定义机器人（…/bot/v2/hook/…）"),
                     "secret": ("签名校验密钥", "安全设置选“签名校验”时显示的密钥")},
    "sms": {"app_id": ("AccessKey ID", "阿里云 RAM 访问控制中为短信创建的 AccessKey"),
            "secret": ("AccessKey Secret", "与 AccessKey ID 一起生成，只显示一次"),
            "region": ("地域", "如 cn-hangzhou（留空即 cn-hangzhou）；短信签名和模板在“问政设置”中填写")},
}


class ChannelForm(forms.Form):
    """The fields of one kind only (KIND_FIELDS), plus what every channel has."""

    name = forms.CharField(label="名称", max_length=60, error_messages={"required": "请填写名称。", "max_length": "名称最多 60 个字。"})
    app_id = forms.CharField(label="应用标识", required=False, max_length=100)
    agent_id = forms.CharField(label="AgentId", required=False, max_length=20,
                               error_messages={"max_length": "AgentId 是一串数字。"})
    webhook_url = forms.CharField(label="Webhook 地址", required=False, max_length=500,
                                  error_messages={"max_length": "Webhook 地址最多 500 个字符。"})
    secret = _secret_field("密钥", "")
    region = forms.CharField(label="地域", required=False, max_length=40,
                             validators=[RegexValidator(r"^[a-z0-9-]*$", "地域代码只能是小写字母、数字和连字符，如 cn-hangzhou。")])
    org_unit = forms.ModelChoiceField(label="服务部门", queryset=OrgUnit.objects.none(), required=False,
                                      empty_label="全中心", help_text="群机器人所在的部门群；应用消息一般不选",
                                      error_messages={"invalid_choice": "请从本中心的部门中选择。"})
    events = forms.MultipleChoiceField(label="推送到群里的事件", choices=(), required=False, widget=forms.CheckboxSelectMultiple,
                                       error_messages={"invalid_choice": "没有这种事件：%(value)s。"})
    base_url = forms.CharField(label="接口地址（可选）", required=False, max_length=200,
                               help_text="留空即用平台官方地址；内网中转或演示沙箱时才填写，如 http://10.1.2.3:8080",
                               error_messages={"max_length": "接口地址最多 200 个字符。"})
    is_active = forms.BooleanField(label="启用", required=False, initial=True)

    def __init__(self, *args, center, kind: str, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind = kind
        wanted = KIND_FIELDS[kind]
        for optional in ("app_id", "agent_id", "webhook_url", "secret", "region"):
            if optional not in wanted:
                del self.fields[optional]
                continue
            label, help_text = wanted[optional]
            field = self.fields[optional]
            field.label, field.help_text = label, help_text
        if "secret" in self.fields:
            if editing:
                self.fields["secret"].help_text += "。已保存的密钥不会再显示；留空则不修改"
            self.fields["secret"].help_text += "。加密保存"
        if "webhook_url" in self.fields and editing:
            # the stored address is a credential: not sent back to the page; blank keeps it
            self.fields["webhook_url"].help_text = "地址本身也是凭证，已保存的不再显示；留空则不修改，要更换时粘贴完整的新地址"
        if kind in MessageChannel.ROBOT_KINDS:
            self.fields["events"].choices = catalogue.choices()
            self.fields["org_unit"].queryset = scoped(OrgUnit, center)
        else:
            del self.fields["events"]
            del self.fields["org_unit"]

    def service_kwargs(self, editing: bool) -> dict:
        data = self.cleaned_data
        kwargs = {"name": data["name"], "app_id": data.get("app_id", ""), "agent_id": data.get("agent_id", ""),
                  "base_url": data.get("base_url", ""), "is_active": data.get("is_active", False),
                  "events": data.get("events", []), "org_unit": data.get("org_unit")}
        if "secret" in self.fields:
            kwargs["secret"] = data.get("secret") or (None if editing else "")
        if "webhook_url" in self.fields:
            kwargs["webhook_url"] = data.get("webhook_url") or (None if editing else "")
        if self.kind == "sms":
            kwargs["options"] = {"provider": "aliyun", "region": data.get("region") or "cn-hangzhou"}
        return kwargs


class DeliveryFilterForm(forms.Form):
    status = forms.ChoiceField(label="状态", required=False, error_messages={"invalid_choice": "没有这种状态。"},
                               choices=[("", "全部状态"), *MessageDelivery.Status.choices])
    kind = forms.ChoiceField(label="渠道", required=False, error_messages={"invalid_choice": "没有这种渠道。"}, choices=())
    event = forms.ChoiceField(label="事件", required=False, error_messages={"invalid_choice": "没有这种事件。"}, choices=())
    since = forms.DateField(label="起始日期", required=False, error_messages=DATE,
                            widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label="截止日期", required=False, error_messages=DATE,
                            widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", "全部渠道"), *KIND_LABELS.items()]
        self.fields["event"].choices = [("", "全部事件"), *catalogue.choices(), (ns.TEST_EVENT, "测试消息")]

    def clean(self):
        data = super().clean()
        if data.get("since") and data.get("until") and data["since"] > data["until"]:
            self.add_error("until", "截止日期不能早于起始日期。")
        return data


KIND_LABELS = {"email": "邮件", **dict(MessageChannel.Kind.choices)}


def event_label(code: str) -> str:
    return "测试消息" if code == ns.TEST_EVENT else catalogue.label(code)
